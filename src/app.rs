//! The HTML shell, the route table and the role-aware frame around every `/app` page.

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos::either::{Either, EitherOf4};
use leptos_router::components::{Outlet, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::{Lazy, SsrMode, path};

use crate::auth::guard::{PageAccess, login_url_for, page_access};
use crate::auth::pages::{LoginPage, LogoutButton, RegisterPage};
use crate::client::LiveClient;
use crate::domain::account::{Role, User};
use crate::i18n::{Lang, LanguageSwitch, t};
use crate::routes::*;
use crate::ui::LoadError;
use crate::ui::shortcuts::{ShortcutHelp, Shortcuts};
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
    crate::ui::flash::provide();
    // `<body data-routing>` while a client-side navigation loads its page (tests wait for it).
    let routing = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-routing", &routing.get().to_string());
        }
    });
    view! {
        <Title formatter=page_title />
        <Router set_is_routing=routing>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Landing />
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <Route path=path!("/register") view=RegisterPage ssr=SsrMode::Async />
                <ParentRoute path=path!("/app") view=AppShell ssr=SsrMode::Async>
                    <Route path=path!("") view=RoleHome ssr=SsrMode::Async />
                    <Route path=path!("tickets") view={Lazy::<MyTicketsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("tickets/new") view={Lazy::<NewTicketRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("tickets/:ticketId") view={Lazy::<UserTicketRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("inbox") view={Lazy::<InboxRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("inbox/:ticketId") view={Lazy::<AgentTicketRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("admin") view={Lazy::<DashboardRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("admin/tickets") view={Lazy::<AdminTicketsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("admin/users") view={Lazy::<AdminUsersRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("admin/agents") view={Lazy::<AdminAgentsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("admin/categories") view={Lazy::<AdminCategoriesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("admin/sla") view={Lazy::<SlaSettingsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("admin/audit") view={Lazy::<AuditRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("search") view={Lazy::<SearchRoute>::new()} ssr=SsrMode::Async />
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

/// The frame of every `/app` page: finds the signed-in user once and gives the page the frame
/// ([`AppFrame`]). It stays mounted while the person moves between `/app` pages, and with it the
/// tab's live client.
#[component]
fn AppShell() -> impl IntoView {
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
    // The tab's title leads with the unread count: "(3) Inbox · MyRelay".
    let counted = move |page: String| match chat.unread_total() {
        0 => page_title(page),
        total => format!("({}) {}", crate::domain::unread::badge(total), page_title(page)),
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
        <header class="app-header">
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

/// `/app`: the session layer already redirects to the role's home; this covers client navigation.
#[component]
fn RoleHome() -> impl IntoView {
    let user = expect_context::<User>();
    view! { <Redirect path=user.role.home_path() /> }
}

/// A page's title in the tab: "Inbox · MyRelay".
fn page_title(page: String) -> String {
    if page.is_empty() { "MyRelay".to_owned() } else { format!("{page} · MyRelay") }
}
