//! The `/app` pages as lazy routes, loaded when first opened (`cargo leptos build --split`); the
//! main module keeps the frame. Each customer and agent page is a chunk of its own; the admin's
//! pages share one ([`admin_page`]): split apart, the code they share with the agents' pages cut
//! that code into dozens of small files for every page, which compress far worse than one
//! (docs/benchmarks.md, "Hydration compiled once, and the admin's pages as one chunk").
//!
//! The browser loads the chunk of the page the server rendered before it hydrates
//! ([`load_rendered_page`]): views hydrate synchronously (vendor/tachys), and the router's
//! synchronous hydration needs the page's code at hand. Each route's path is therefore named
//! twice, in `app.rs`'s routes and here (tests/e2e `pages.spec.ts` opens every page directly).

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// The lazy routes: `$route` shows the page component `$page` (no props) at `$path` (`:name` for
/// a parameter), each in a chunk of its own, or each admin page through [`admin_page`]; and
/// [`load_rendered_page`] for all of them.
macro_rules! lazy_routes {
    (
        pages { $($route:ident at $path:literal => $page:path),* $(,)? }
        admin { $($admin_route:ident at $admin_path:literal => $admin_page:path),* $(,)? }
    ) => {
        $(
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
        )*

        /// Which of the admin's pages [`admin_page`] shows.
        #[derive(Clone, Copy)]
        #[allow(clippy::enum_variant_names)]
        pub enum AdminPage {
            $($admin_route,)*
        }

        /// Every admin page's code, in one chunk.
        #[leptos::lazy]
        fn admin_page(page: AdminPage) -> AnyView {
            match page {
                $(AdminPage::$admin_route => $admin_page().into_any(),)*
            }
        }

        $(
        pub struct $admin_route;

        impl LazyRoute for $admin_route {
            fn data() -> Self {
                $admin_route
            }

            async fn view(this: Self) -> AnyView {
                let _ = this;
                admin_page(AdminPage::$admin_route).await
            }

            async fn preload() {
                load_admin_pages().await;
            }
        }
        )*

        /// Loads the chunk of the page at the browser's address (none outside the lazy routes),
        /// before the page hydrates.
        #[cfg(feature = "hydrate")]
        pub async fn load_rendered_page() {
            let Ok(path) = leptos::prelude::window().location().pathname() else { return };
            $(if matches_path($path, &path) {
                return <$route as LazyRoute>::preload().await;
            })*
            if [$($admin_path),*].into_iter().any(|pattern| matches_path(pattern, &path)) {
                load_admin_pages().await;
            }
        }
    };
}

/// Loads [`admin_page`]'s chunk (`#[lazy]` names its loader `__preload_<function>`).
async fn load_admin_pages() {
    #[cfg(feature = "hydrate")]
    __preload_admin_page().await;
}

lazy_routes! {
    pages {
        MyTicketsRoute at "/app/tickets" => crate::tickets::pages::MyTicketsPage,
        NewTicketRoute at "/app/tickets/new" => crate::tickets::pages::NewTicketPage,
        UserTicketRoute at "/app/tickets/:ticketId" => crate::tickets::pages::UserTicketPage,
        InboxRoute at "/app/inbox" => crate::tickets::pages::InboxPage,
        AgentTicketRoute at "/app/inbox/:ticketId" => crate::tickets::pages::AgentTicketPage,
        SearchRoute at "/app/search" => crate::search::pages::SearchPage,
    }
    admin {
        DashboardRoute at "/app/admin" => crate::admin::pages::DashboardPage,
        AdminTicketsRoute at "/app/admin/tickets" => crate::admin::pages::AdminTicketsPage,
        AdminUsersRoute at "/app/admin/users" => crate::admin::pages::AdminUsersPage,
        AdminAgentsRoute at "/app/admin/agents" => crate::admin::pages::AdminAgentsPage,
        AdminCategoriesRoute at "/app/admin/categories" => crate::categories::pages::AdminCategoriesPage,
        SlaSettingsRoute at "/app/admin/sla" => crate::sla::pages::SlaSettingsPage,
        AuditRoute at "/app/admin/audit" => crate::audit::pages::AuditPage,
    }
}

/// Whether `path` is one `pattern` describes: the same segments, a `:name` segment standing for
/// any one (a trailing slash aside, as the router takes it).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn matches_path(pattern: &str, path: &str) -> bool {
    let (mut pattern, mut path) = (pattern.split('/'), path.trim_end_matches('/').split('/'));
    loop {
        match (pattern.next(), path.next()) {
            (None, None) => return true,
            (Some(wanted), Some(segment)) if wanted == segment || (wanted.starts_with(':') && !segment.is_empty()) => {}
            _ => return false,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::matches_path;

    #[test]
    fn a_pattern_matches_its_own_paths_only() {
        assert!(matches_path("/app/inbox", "/app/inbox"));
        assert!(matches_path("/app/inbox", "/app/inbox/"));
        assert!(matches_path("/app/inbox/:ticketId", "/app/inbox/42"));
        assert!(!matches_path("/app/inbox/:ticketId", "/app/inbox"));
        assert!(!matches_path("/app/inbox/:ticketId", "/app/inbox//"));
        assert!(!matches_path("/app/inbox", "/app/inbox/42"));
        assert!(!matches_path("/app/admin", "/app/admin/sla"));
        assert!(!matches_path("/app/tickets", "/app"));
    }
}
