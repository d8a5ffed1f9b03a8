//! The frame of every `/app` page: the signed-in user, the tab's live client and clock, the
//! header, the page access check on each navigation.

use leptos::either::{Either, EitherOf4};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, Redirect};
use leptos_router::hooks::use_location;

use crate::auth::guard::{PageAccess, login_url_for, page_access};
use crate::auth::pages::LogoutButton;
use crate::client::LiveClient;
use crate::client::room::ConnectionState;
use crate::domain::account::{Role, User};
use crate::i18n::{LanguageSwitch, t};
use crate::ui::LoadError;
use crate::ui::shortcuts::{ShortcutHelp, Shortcuts};
use crate::unread::view::UnreadBadge;

/// The frame of every `/app` page: finds the signed-in user once and gives the page the frame
/// ([`AppFrame`]). It stays mounted while the person moves between `/app` pages, and with it the
/// tab's live client.
#[component]
pub fn AppShell() -> impl IntoView {
    // The server knows the user (the session layer let the request in), and the page hydrates
    // with that same value. Not a resource read under a Suspense: the server would run the whole
    // page again for it.
    #[cfg(feature = "ssr")]
    let session_user = || crate::auth::server::current_session().map(|session| session.user);
    #[cfg(not(feature = "ssr"))]
    let session_user = || None::<User>;
    match SharedValue::new(session_user).into_inner() {
        Some(user) => Either::Left(view! { <AppFrame user /> }),
        // In the browser after a client-side navigation from outside `/app` (a sign-in, say).
        None => Either::Right(view! { <FetchedAppFrame /> }),
    }
}

/// [`AppShell`] when the user is not known yet: asks the server, then makes the frame once.
///
/// Not a `<Suspense>`: a page below suspends while it loads (its chunk, its data), and a Suspense
/// above it would build the whole frame again (the header with the search being typed, the focus).
#[component]
fn FetchedAppFrame() -> impl IntoView {
    let session = RwSignal::new(None::<Result<Option<User>, crate::error::AppError>>);
    let ask = move || {
        session.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let answer = crate::auth::api::me().await;
            session.try_set(Some(answer));
        });
    };
    ask();
    let t = &t().common;
    move || match session.get() {
        None => EitherOf4::A(view! { <p class="loading" role="status">{t.loading}</p> }),
        Some(Ok(Some(user))) => EitherOf4::B(untrack(move || view! { <AppFrame user /> })),
        Some(Ok(None)) => EitherOf4::C(view! { <Redirect path=login_url_for(&crate::ui::url::path_and_query()) /> }),
        Some(Err(error)) => EitherOf4::D(view! {
            <main class="landing"><LoadError error retry=move |_| ask() /></main>
        }),
    }
}

/// What every `/app` page sits in: the live client (one socket for the tab's life in `/app`) and
/// the clock, as context; the tab's title with the unread count; the header; the page, once the
/// person may see it (the server checked a page it rendered; a client-side navigation is checked
/// here); the keyboard shortcuts for staff.
#[component]
fn AppFrame(user: User) -> impl IntoView {
    provide_context(user.clone());
    let chat = LiveClient::new(user.clone());
    provide_context(chat);
    provide_context(crate::ui::SigningOut(RwSignal::new(false)));
    let clock = crate::ui::time::Clock::provide();
    // Effects run only in the browser, after hydration: times turn local and relative then.
    Effect::new(move |_| clock.start());
    provide_context(ShortcutHelp(RwSignal::new(false)));
    crate::routes::prefetch_likely_next(user.role);
    let location = use_location();
    let home = user.role.home_path();
    let guarded = user.clone();
    // Only /app paths: while leaving (to /login after signing out) the frame is still mounted for
    // a moment and must not send the person back in.
    let misplaced = move || {
        let path = location.pathname.get();
        path.starts_with("/app") && page_access(&path, Some(&guarded)) != PageAccess::Allow
    };
    // The tab's title leads with the unread count: "(3) Inbox · MyRelay". The count is the live
    // client's, so the browser's alone: on the server leptos_meta calls this after the render,
    // outside the request's reactive arena, where reading a signal panics (the request then got
    // no answer at all, about once in a thousand under concurrent load).
    let counted = move |page: String| {
        #[cfg(feature = "ssr")]
        let total = {
            let _ = chat;
            0
        };
        #[cfg(not(feature = "ssr"))]
        let total = chat.unread_total();
        match total {
            0 => crate::ui::tab_title(page),
            total => format!("({}) {}", crate::domain::unread::badge(total), crate::ui::tab_title(page)),
        }
    };
    view! {
        <Title formatter=counted />
        <AppHeader user=user.clone() />
        <main class="app-main">
            <Show when=misplaced fallback=|| view! { <Outlet /> }>
                <Redirect path=home />
            </Show>
        </main>
        {user.role.is_staff().then(|| view! { <Shortcuts /> })}
    }
}

/// The header of `/app` pages: the role's sections (the person's own work with its unread
/// count), search, who is signed in, the language and signing out. On a narrow screen a menu,
/// open from the server (a plain row of links without JavaScript) and folded once the page runs
/// and after each navigation.
#[component]
fn AppHeader(user: User) -> impl IntoView {
    let location = use_location();
    let chat = expect_context::<LiveClient>();
    let t = &t().common;
    let links: Vec<(&'static str, &'static str)> = match user.role {
        Role::User => vec![("/app/tickets", t.nav_my_tickets), ("/app/tickets/new", t.nav_new_ticket)],
        Role::Agent => vec![("/app/inbox", t.nav_inbox)],
        Role::System => vec![],
        Role::Admin => vec![
            ("/app/admin", t.nav_dashboard),
            ("/app/admin/tickets", t.nav_all_tickets),
            ("/app/admin/users", t.nav_users),
            ("/app/admin/agents", t.nav_agents),
            ("/app/admin/categories", t.nav_categories),
            ("/app/admin/sla", t.nav_sla),
            ("/app/admin/audit", t.nav_audit),
            ("/app/inbox", t.nav_inbox),
        ],
    };
    let menu = NodeRef::<leptos::html::Details>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        location.pathname.track();
        let narrow = window().match_media("(max-width: 40rem)").ok().flatten().is_some_and(|query| query.matches());
        if let (true, Some(menu)) = (narrow, menu.get()) {
            menu.set_open(false);
        }
    });
    view! {
        // `data-live`: the tab's socket is connected (for tests and styles).
        <header class="app-header" data-live=move || (chat.connection.get() == ConnectionState::Live).then_some("true")>
            <a href=user.role.home_path() class="brand">"MyRelay"</a>
            <details class="nav-menu" open node_ref=menu>
            <summary aria-label=t.menu>{t.menu}</summary>
            <div class="nav-panel">
            <nav aria-label=t.main_nav>
                {links
                    .into_iter()
                    .map(|(href, label)| {
                        // A section's front page is only "current" on itself, not under other links.
                        let exact = matches!(href, "/app/admin" | "/app/tickets");
                        let current = move || {
                            let path = location.pathname.get();
                            (path == href || (!exact && path.starts_with(&format!("{href}/")))).then_some("page")
                        };
                        // The person's own work carries the unread count.
                        let counted = href == if user.role.is_staff() { "/app/inbox" } else { "/app/tickets" };
                        view! {
                            <a href=href aria-current=current>
                                {label}
                                {counted.then(|| view! { <UnreadBadge count=move || chat.unread_total() /> })}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
            <crate::search::pages::SearchBox />
            <div class="whoami">
                <span class="user-name" data-testid="current-user">{user.display_name.clone()}</span>
                <span class="role-badge">{t.role(user.role)}</span>
                <LanguageSwitch />
                <LogoutButton />
            </div>
            </div>
            </details>
        </header>
    }
}
