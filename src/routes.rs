//! The `/app` pages as lazy routes: each page's code is a chunk of its own (`cargo leptos build
//! --split`), loaded when the page is first opened; the main module keeps the frame.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// A lazy route `$route` that shows the page component `$page` (no props).
macro_rules! lazy_page {
    ($($route:ident => $page:path),* $(,)?) => {$(
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(this: Self) -> AnyView {
                let _ = this;
                $page().into_any()
            }
        }
    )*};
}

lazy_page! {
    MyTicketsRoute => crate::tickets::pages::MyTicketsPage,
    NewTicketRoute => crate::tickets::pages::NewTicketPage,
    UserTicketRoute => crate::tickets::pages::UserTicketPage,
    InboxRoute => crate::tickets::pages::InboxPage,
    AgentTicketRoute => crate::tickets::pages::AgentTicketPage,
    DashboardRoute => crate::admin::pages::DashboardPage,
    AdminTicketsRoute => crate::admin::pages::AdminTicketsPage,
    AdminUsersRoute => crate::admin::pages::AdminUsersPage,
    AdminAgentsRoute => crate::admin::pages::AdminAgentsPage,
    AdminCategoriesRoute => crate::categories::pages::AdminCategoriesPage,
    SlaSettingsRoute => crate::sla::pages::SlaSettingsPage,
    AuditRoute => crate::audit::pages::AuditPage,
    SearchRoute => crate::search::pages::SearchPage,
}

/// Loads the chunk of the page a person most likely opens next (a ticket, from a list), once the
/// first page is interactive, so that the click does not wait for it.
pub fn prefetch_likely_next(role: crate::domain::account::Role) {
    #[cfg(feature = "hydrate")]
    crate::ui::ready::when_page_ready(move || {
        leptos::task::spawn_local(async move {
            if role.is_staff() {
                <AgentTicketRoute as LazyRoute>::preload().await;
            } else {
                <UserTicketRoute as LazyRoute>::preload().await;
            }
        })
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = role;
}
