//! The HTML shell, the route table and the role-aware frame around every `/app` page.

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{Lazy, SsrMode, path};

use crate::auth::pages::{LoginPage, RegisterPage};
use crate::domain::account::User;
use crate::frame::AppShell;
use crate::i18n::{Lang, LanguageSwitch, t};
use crate::routes::*;

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
        <Title formatter=crate::ui::tab_title />
        <Router set_is_routing=routing>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Landing />
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <Route path=path!("/register") view=RegisterPage ssr=SsrMode::Async />
                // A lazy route's path is in routes.rs's list too (the chunk to load before hydrating).
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

/// `/app`: the session layer already redirects to the role's home; this covers client navigation.
#[component]
fn RoleHome() -> impl IntoView {
    let user = expect_context::<User>();
    view! { <Redirect path=user.role.home_path() /> }
}
