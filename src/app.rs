//! The HTML shell, the route table and the role-aware frame around every `/app` page.

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Outlet, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::admin::pages::{AdminAgentsPage, AdminTicketsPage, AdminUsersPage, DashboardPage};
use crate::auth::guard::login_url_for;
use crate::auth::pages::{LoginPage, LogoutButton, RegisterPage};
use crate::categories::pages::AdminCategoriesPage;
use crate::client::LiveClient;
use crate::domain::account::{Role, User};
use crate::i18n::{Lang, LanguageSwitch, t};
use crate::tickets::pages::{AgentTicketPage, InboxPage, MyTicketsPage, NewTicketPage, UserTicketPage};
use crate::ui::shortcuts::Shortcuts;
use crate::unread::view::UnreadBadge;

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
                <HydrationScripts options islands=true />
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
    crate::ui::flash::provide();
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

/// The frame of every `/app` page. The session layer let the request in, so the server knows the
/// user; it renders the header and the page inside the live frame, which hydrates in the browser.
#[component]
fn AppShell() -> impl IntoView {
    // The session is the server's to read; hydrating, the browser gets the server's answer.
    #[cfg(feature = "ssr")]
    let session_user = || crate::auth::server::current_session().map(|session| session.user);
    #[cfg(not(feature = "ssr"))]
    let session_user = || None::<User>;
    match SharedValue::new(session_user).into_inner() {
        Some(user) => {
            // For the page's server-only components; the frame provides it to islands.
            provide_context(user.clone());
            leptos::either::Either::Left(view! {
                <LiveFrame user=user.clone()>
                    <AppHeader user />
                    <main class="app-main"><Outlet /></main>
                </LiveFrame>
            })
        }
        None => leptos::either::Either::Right(view! { <Redirect path=login_url_for(&crate::ui::url::path_and_query()) /> }),
    }
}

/// What every `/app` page runs in the browser: the live client (one socket per tab) and the
/// clock, given to the page's islands as context; the tab's title with the unread count; the
/// narrow screen's folded menu; the keyboard shortcuts. The header and the page are `children`,
/// rendered by the server.
#[island]
fn LiveFrame(user: User, children: Children) -> impl IntoView {
    crate::ui::ready::island_ready();
    // In the browser nothing outside an island runs: the frame provides what the page's
    // islands share.
    #[cfg(not(feature = "ssr"))]
    crate::i18n::provide_lang();
    provide_context(user.clone());
    let chat = LiveClient::new(user.clone());
    provide_context(chat);
    let clock = crate::ui::time::Clock::provide();
    // Effects run only in the browser: times turn local and relative only after hydration.
    Effect::new(move |_| clock.start());
    // The header's menu is open from the server (a plain row of links on wide screens); on a
    // narrow screen it is folded once the page runs.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use leptos::wasm_bindgen::JsCast;
        let narrow = window().match_media("(max-width: 40rem)").ok().flatten().is_some_and(|query| query.matches());
        let menu = document().query_selector(".nav-menu").ok().flatten().and_then(|menu| menu.dyn_into::<leptos::web_sys::HtmlDetailsElement>().ok());
        if let (true, Some(menu)) = (narrow, menu) {
            menu.set_open(false);
        }
    });
    // The tab's title leads with the unread count: "(3) Inbox · MyRelay".
    let counted = move |title: String| match chat.unread_total() {
        0 => title,
        total => format!("({}) {title}", crate::domain::unread::badge(total)),
    };
    #[cfg(feature = "ssr")]
    let title = crate::ui::server_only(view! { <Title formatter=move |page| counted(page_title(page)) /> });
    // In the browser the page's title is the server's, without the count it had then.
    #[cfg(not(feature = "ssr"))]
    let title = {
        let served = document().title();
        let page = served.strip_prefix('(').and_then(|rest| rest.split_once(") ")).map_or(served.clone(), |(_, page)| page.to_owned());
        Effect::new(move |_| document().set_title(&counted(page.clone())));
    };
    view! {
        {title}
        {children()}
        {user.role.is_staff().then(|| view! { <Shortcuts /> })}
    }
}

/// The header of `/app` pages: the role's sections (the person's own work with its unread
/// count, an island), search, who is signed in, the language and signing out.
#[component]
fn AppHeader(user: User) -> impl IntoView {
    let path = crate::ui::url::path();
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
    view! {
        <header class="app-header">
            <a href=user.role.home_path() class="brand">"MyRelay"</a>
            <details class="nav-menu" open>
            <summary aria-label=t.menu>{t.menu}</summary>
            <div class="nav-panel">
            <nav aria-label=t.main_nav>
                {links
                    .into_iter()
                    .map(|(href, label)| {
                        // A section's front page is only "current" on itself, not under other links.
                        let exact = matches!(href, "/app/admin" | "/app/tickets");
                        let current = path == href || (!exact && path.starts_with(&format!("{href}/")));
                        // The person's own work carries the unread count.
                        let counted = href == if user.role.is_staff() { "/app/inbox" } else { "/app/tickets" };
                        view! { <a href=href aria-current=current.then_some("page")>{label}{counted.then(|| view! { <NavUnread /> })}</a> }
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

/// The navigation's unread count: every open ticket of the person's, as the live client knows it.
#[island]
fn NavUnread() -> impl IntoView {
    crate::ui::ready::island_ready();
    let chat = expect_context::<LiveClient>();
    view! { <UnreadBadge count=move || chat.unread_total() /> }
}

/// `/app`: the session layer already redirects to the role's home; this is the page's own answer if it renders.
#[component]
fn RoleHome() -> impl IntoView {
    let user = expect_context::<User>();
    view! { <Redirect path=user.role.home_path() /> }
}

/// A page's title in the tab: "Inbox · MyRelay".
fn page_title(page: String) -> String {
    if page.is_empty() { "MyRelay".to_owned() } else { format!("{page} · MyRelay") }
}
