//! Small view pieces shared by forms and pages.

pub mod apply;
pub mod flash;
pub mod form_data;
mod get_form;
pub mod shortcuts;
pub mod ready;
pub mod time;
pub mod url;

pub use get_form::GetForm;
pub use time::{Time, Waiting, format_time};

use std::sync::Arc;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server_fn::client::Client;
use leptos::server_fn::{Http, ServerFn};
use serde::de::DeserializeOwned;

use crate::codec::Form;
use crate::domain::ticket::TicketStatus;
use crate::error::{AppError, ErrorCode, Problem};
use crate::i18n::{error_message, t};

/// A form posting to the server function `action` stands for (`codec::Form` arguments). Once the
/// page runs, it is submitted through `action` without a page load, its typed answer in
/// `action.value()` (`ui::flash::Outcome` shows it). Without JavaScript, or before hydration, it
/// is a plain HTML form, which the function answers by sending the browser back to the page
/// (`ui::flash`). (leptos' `ActionForm` takes only `PostUrl` functions, whose decoding errors name
/// no field.)
#[component]
pub fn ServerForm<ServFn, OutputProtocol>(action: ServerAction<ServFn>, children: Children) -> impl IntoView
where
    ServFn: DeserializeOwned + ServerFn<Protocol = Http<Form, OutputProtocol>, Error = AppError> + Clone + Send + Sync + 'static,
    ServFn::Output: Send + Sync + 'static,
    ServFn::Client: Client<AppError>,
{
    // Only what depends on the function is generic here; the form itself is `posting_form`'s,
    // compiled once for every form of the app.
    let succeeded = Signal::derive(move || action.value().with(|value| matches!(value, Some(Ok(_)))));
    let submit = move |pairs: &[(String, String)]| match form_data::from_pairs::<ServFn>(pairs) {
        Ok(input) => {
            action.dispatch(input);
            true
        }
        Err(error) => {
            let detail = error.to_string();
            action.value().set(Some(Err(AppError::new(ErrorCode::Validation, Problem::MalformedArguments { detail }))));
            false
        }
    };
    posting_form(ServFn::url(), succeeded, Arc::new(submit), children)
}

/// Sends a form's fields to `submit` instead of posting them (a plain post without JavaScript);
/// `submit` says whether they went out.
type Submit = Arc<dyn Fn(&[(String, String)]) -> bool + Send + Sync>;

fn posting_form(url: &'static str, succeeded: Signal<bool>, submit: Submit, children: Children) -> AnyView {
    // After a success the form starts over, as a page loaded again would show it (what a view
    // renders again is updated in place, and an input keeps what was typed into it).
    let form = NodeRef::<leptos::html::Form>::new();
    let sent_here = StoredValue::new(false);
    Effect::new(move |_| {
        if succeeded.get() && sent_here.get_value() {
            sent_here.set_value(false);
            if let Some(form) = form.get_untracked() {
                form.reset();
            }
        }
    });
    let on_submit = move |event: SubmitEvent| {
        if event.default_prevented() {
            return;
        }
        // A form that can't be read here still posts as a plain one.
        #[cfg(feature = "hydrate")]
        let Some(pairs) = form_data::submitted(&event) else { return };
        #[cfg(not(feature = "hydrate"))]
        let pairs: Vec<(String, String)> = Vec::new();
        event.prevent_default();
        sent_here.set_value(true);
        if !submit(&pairs) {
            sent_here.set_value(false);
        }
    };
    view! { <form method="post" action=url on:submit=on_submit node_ref=form>{children()}</form> }.into_any()
}

/// `aria-invalid` for an input: "true" while the last error is about `field`.
pub fn aria_invalid(error: Signal<Option<AppError>>, field: &'static str) -> impl Fn() -> &'static str + Send + Sync {
    move || if error.get().is_some_and(|e| e.field.as_deref() == Some(field)) { "true" } else { "false" }
}

/// The message under an input when the last error is about that input.
#[component]
pub fn FieldError(error: Signal<Option<AppError>>, field: &'static str) -> impl IntoView {
    move || {
        error.get().filter(|e| e.field.as_deref() == Some(field)).map(|e| {
            let message = error_message(&e);
            view! { <p class="field-error" id=format!("{field}-error") role="alert">{message}</p> }
        })
    }
}

/// The message above a form for errors that are not about one input (wrong password, network…).
#[component]
pub fn FormError(error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().filter(|e| e.field.is_none()).map(|e| {
            view! { <p class="form-error" role="alert">{error_message(&e)}</p> }
        })
    }
}

/// The submit button of a form: disabled and relabelled while the request is on its way.
#[component]
pub fn SubmitButton(pending: Memo<bool>, label: &'static str, busy_label: &'static str) -> impl IntoView {
    view! {
        <button type="submit" class="button primary" disabled=move || pending.get() aria-busy=move || pending.get().to_string()>
            {move || if pending.get() { busy_label } else { label }}
        </button>
    }
}

/// The page's name in the tab's title ("Inbox · MyRelay"; the app frame adds the unread count).
#[component]
pub fn PageTitle(#[prop(into)] text: String) -> impl IntoView {
    view! { <leptos_meta::Title text /> }
}

/// A page's title in the tab: "Inbox · MyRelay" (what [`PageTitle`]'s text becomes).
pub fn tab_title(page: String) -> String {
    if page.is_empty() { "MyRelay".to_owned() } else { format!("{page} · MyRelay") }
}

#[component]
pub fn StatusBadge(status: TicketStatus) -> impl IntoView {
    view! { <span class=format!("status status-{}", status.as_str())>{t().common.status(status)}</span> }
}

/// Set once this tab signs out (the frame provides it): a load refused meanwhile is no reason to
/// send the browser to sign in again, the sign-out's own page follows.
#[derive(Clone, Copy)]
pub struct SigningOut(pub RwSignal<bool>);

/// A failed load, with a way to try again; when the session has ended meanwhile (signed out in
/// another tab, deactivated), the way to the sign-in page instead, taken at once.
#[component]
pub fn LoadError(error: AppError, #[prop(into)] retry: Callback<()>) -> impl IntoView {
    let t = &t().common;
    let action = if error.code == crate::error::ErrorCode::Unauthenticated {
        let sign_in = crate::auth::guard::login_url_for(&url::path_and_query());
        let target = sign_in.clone();
        let signing_out = use_context::<SigningOut>();
        Effect::new(move |_| {
            if !signing_out.is_some_and(|s| s.0.get_untracked()) {
                url::load(&target);
            }
        });
        leptos::either::Either::Left(view! { <a class="button primary" href=sign_in>{t.sign_in}</a> })
    } else {
        leptos::either::Either::Right(view! { <button type="button" class="button" on:click=move |_| retry.run(())>{t.try_again}</button> })
    };
    view! {
        <div class="load-error" role="alert">
            <p>{error_message(&error)}</p>
            {action}
        </div>
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <div class="skeleton-block" aria-busy="true" role="status">
            <span class="visually-hidden">{t().common.loading}</span>
            <span class="bone title"></span>
            <span class="bone row"></span>
            <span class="bone row"></span>
        </div>
    }
}

/// A query-string value: letters, digits and `-_.~` as they are, everything else percent-encoded.
pub fn encode_query_value(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
