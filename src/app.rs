//! The HTML shell, the route table and the role-aware frame around every `/app` page.

use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{A, Outlet, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::{SsrMode, path};

use crate::admin::pages::{AdminAgentsPage, AdminTicketsPage, AdminUsersPage, DashboardPage};
use crate::auth::api::me;
use crate::auth::guard::{PageAccess, login_url_for, page_access};
use crate::auth::model::{Role, User};
use crate::auth::pages::{LoginPage, LogoutButton, RegisterPage};
use crate::categories::pages::AdminCategoriesPage;
use crate::chat::store::ChatClient;
use crate::unread::view::UnreadBadge;
use crate::i18n::{Lang, LanguageSwitch, t};
use crate::ui::shortcuts::Shortcuts;
use crate::tickets::pages::{AgentTicketPage, InboxPage, MyTicketsPage, NewTicketPage, UserTicketPage};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    // The browser reads the language back from here when it hydrates (`Lang::detect`).
    let lang = Lang::detect();
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <meta name="description" content=lang.texts().common.page_description />
                <AutoReload options=options.clone() />
                // The content-hashed name of the stylesheet (immutable caching).
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Scripts run only with this response's nonce (leptos puts it on its hydration scripts).
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use axum::http::{HeaderValue, header::CONTENT_SECURITY_POLICY};
    let Some(nonce) = leptos::nonce::use_nonce() else { return };
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else { return };
    if let Ok(policy) = HeaderValue::from_str(&crate::server::http_guard::page_policy(&nonce)) {
        response.insert_header(CONTENT_SECURITY_POLICY, policy);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    crate::i18n::provide_lang();
    let clock = crate::ui::time::Clock::provide();
    // Effects run only in the browser: this marks the page as interactive (tests wait for it).
    // It also starts the clock: times turn local and relative only after hydration.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
        clock.start();
    });
    view! {
        <Title formatter=page_title />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Landing />
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <Route path=path!("/register") view=RegisterPage ssr=SsrMode::Async />
                <ParentRoute path=path!("/app") view=AppShell ssr=SsrMode::Async>
                    <Route path=path!("") view=RoleHome ssr=SsrMode::Async />
                    <Route path=path!("tickets") view=MyTicketsPage ssr=SsrMode::Async />
                    <Route path=path!("tickets/new") view=NewTicketPage ssr=SsrMode::Async />
                    <Route path=path!("tickets/:ticketId") view=UserTicketPage ssr=SsrMode::Async />
                    <Route path=path!("inbox") view=InboxPage ssr=SsrMode::Async />
                    <Route path=path!("inbox/:ticketId") view=AgentTicketPage ssr=SsrMode::Async />
                    <Route path=path!("admin") view=DashboardPage ssr=SsrMode::Async />
                    <Route path=path!("admin/tickets") view=AdminTicketsPage ssr=SsrMode::Async />
                    <Route path=path!("admin/users") view=AdminUsersPage ssr=SsrMode::Async />
                    <Route path=path!("admin/agents") view=AdminAgentsPage ssr=SsrMode::Async />
                    <Route path=path!("admin/categories") view=AdminCategoriesPage ssr=SsrMode::Async />
                    <Route path=path!("admin/sla") view=crate::sla::pages::SlaSettingsPage ssr=SsrMode::Async />
                    <Route path=path!("admin/audit") view=crate::audit::pages::AuditPage ssr=SsrMode::Async />
                    <Route path=path!("search") view=crate::search::pages::SearchPage ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[component]
fn Landing() -> impl IntoView {
    let t = &t().common;
    view! {
        <Title text="" />
        <main class="landing">
            <div class="top-bar">
                <p class="brand"><img src="/favicon.svg" alt="" width="28" height="28" />" MyRelay"</p>
                <LanguageSwitch />
            </div>
            <h1>{t.landing_title}</h1>
            <p class="lead">{t.landing_lead}</p>
            <div class="actions">
                <a class="button primary" href="/app">{t.open_app}</a>
                <a class="button" href="/register">{t.create_account}</a>
            </div>
            <ul class="features" aria-label=t.features_label>
                <li>
                    <h2>{t.for_customers}</h2>
                    <p>{t.for_customers_text}</p>
                </li>
                <li>
                    <h2>{t.for_agents}</h2>
                    <p>{t.for_agents_text}</p>
                </li>
                <li>
                    <h2>{t.for_admins}</h2>
                    <p>{t.for_admins_text}</p>
                </li>
            </ul>
            <p class="muted">{t.landing_promise}</p>
        </main>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    let t = &t().common;
    view! {
        <Title text=t.not_found_title />
        <main class="landing">
            <div class="top-bar"><span></span><LanguageSwitch /></div>
            <h1>{t.not_found_title}</h1>
            <p class="lead">{t.not_found_text}</p>
            <a class="button primary" href="/">{t.go_to_start}</a>
        </main>
    }
}

/// The frame of every `/app` page: finds the signed-in user once, provides it as context to the
/// page, and re-checks page access after client-side navigation (the server checked it on load).
#[component]
fn AppShell() -> impl IntoView {
    // The server already knows the user (the session layer let the request in), and the page
    // hydrates with that same value. Not a resource read under a Suspense: the server runs a
    // Suspense's children up to three times, and every page (its resources and their queries, its
    // hydration data) with them.
    let known = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        return crate::auth::server::current_session().map(|session| session.user);
        #[cfg(not(feature = "ssr"))]
        None::<User>
    });
    match known.into_inner() {
        Some(user) => leptos::either::Either::Left(view! { <AppFrame user /> }),
        // In the browser after a client-side navigation from outside `/app` (a sign-in, say).
        None => leptos::either::Either::Right(view! { <FetchedAppFrame /> }),
    }
}

/// [`AppShell`] when the user is not known yet: asks the server.
#[component]
fn FetchedAppFrame() -> impl IntoView {
    let session = Resource::new(|| (), |_| me());
    let location = use_location();
    let t = &t().common;
    view! {
        // A plain line, not the skeleton: with the skeleton as this fallback a ticket page that
        // answers "not found" failed to hydrate (tachys expected a marker). Rarely seen: pages
        // under /app are rendered whole on the server.
        <Suspense fallback=move || view! { <p class="loading" role="status">{t.loading}</p> }>
            {move || Suspend::new(async move {
                let path = location.pathname.get_untracked();
                match session.await {
                    Ok(Some(user)) => EitherOf3::B(view! { <AppFrame user /> }),
                    Ok(None) => EitherOf3::A(view! { <Redirect path=login_url_for(&path) /> }),
                    Err(err) => EitherOf3::C(view! {
                        <main class="landing">
                            <h1>{t.unreachable}</h1>
                            <p class="form-error" role="alert">{crate::i18n::error_message(&err)}</p>
                            <a class="button primary" href=path>{t.try_again}</a>
                        </main>
                    }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AppFrame(user: User) -> impl IntoView {
    provide_context(user.clone());
    let chat = ChatClient::new(user.clone());
    provide_context(chat);
    let location = use_location();
    let home = user.role.home_path();
    let guard_user = user.clone();
    // Only /app paths: while navigating away (e.g. to /login after signing out) this frame is still
    // mounted for a moment and must not send the person back in.
    let misplaced = move || {
        let path = location.pathname.get();
        path.starts_with("/app") && page_access(&path, Some(&guard_user)) != PageAccess::Allow
    };
    let menu = NodeRef::<leptos::html::Details>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        location.pathname.track();
        let narrow = window().match_media("(max-width: 40rem)").ok().flatten().is_some_and(|query| query.matches());
        if let (true, Some(details)) = (narrow, menu.get()) {
            details.set_open(false);
        }
    });
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
    // The tab's title leads with the unread count: "(3) Inbox · MyRelay".
    let counted_title = move |page: String| match chat.unread_total() {
        0 => page_title(page),
        total => format!("({}) {}", crate::unread::model::badge(total), page_title(page)),
    };
    view! {
        <Title formatter=counted_title />
        <header class="app-header">
            <a href=user.role.home_path() class="brand">"MyRelay"</a>
            // Open from the server (a plain row of links on wide screens); on a narrow screen a
            // menu, folded once the page runs and after each navigation.
            <details class="nav-menu" open node_ref=menu>
            <summary aria-label=t.menu>{t.menu}</summary>
            <div class="nav-panel">
            <nav aria-label=t.main_nav>
                {links
                    .into_iter()
                    .map(|(href, label)| {
                        // A section's front page is only "current" on itself, not under other links.
                        let exact = matches!(href, "/app/admin" | "/app/tickets");
                        // The person's own work carries the unread count.
                        let counted = href == if user.role.is_staff() { "/app/inbox" } else { "/app/tickets" };
                        let unread = move || if counted { chat.unread_total() } else { 0 };
                        view! { <A href=href exact>{label}<UnreadBadge count=unread /></A> }
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
        <main class="app-main">
            <Show when=misplaced fallback=|| view! { <Outlet /> }>
                <Redirect path=home />
            </Show>
        </main>
        {user.role.is_staff().then(|| view! { <Shortcuts /> })}
    }
}

/// `/app`: the server redirects to the role's home before rendering; this covers client navigation.
#[component]
fn RoleHome() -> impl IntoView {
    let user = expect_context::<User>();
    view! { <Redirect path=user.role.home_path() /> }
}

/// A page's title in the tab: "Inbox · MyRelay".
fn page_title(page: String) -> String {
    if page.is_empty() { "MyRelay".to_owned() } else { format!("{page} · MyRelay") }
}
