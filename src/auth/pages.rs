//! Sign-in and registration pages. Their forms post through their actions, and the server
//! function sends the person on (a client-side navigation); without JavaScript they are plain
//! posts, which come back with the error and what was typed (`ui::flash`).

use leptos::prelude::*;

use super::api::{Login, Logout, Register};
use crate::i18n::{LanguageSwitch, t};
use crate::ui::flash::Outcome;
use crate::ui::{FieldError, FormError, PageTitle, ServerForm, SubmitButton, aria_invalid, url};

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let flash = crate::ui::flash::current();
    let error = Outcome::new().follow(action, |_| None).refusal();
    let query = url::query().get_untracked();
    let t = &t().auth;
    let notice = if query.get("signed_out").is_some() {
        Some(t.signed_out_notice)
    } else if query.get("next").is_some() {
        Some(t.sign_in_to_continue)
    } else {
        None
    };

    view! {
        <PageTitle text=t.sign_in />
        <main class="auth-page">
            <section class="auth-card">
                <div class="top-bar"><a href="/" class="brand">"MyRelay"</a><LanguageSwitch /></div>
                <h1>{t.sign_in}</h1>
                {notice.map(|text| view! { <p class="notice" role="status">{text}</p> })}
                <ServerForm action=action attr:class="form" attr:aria-label=t.sign_in>
                    <input type="hidden" name="next" value=query.get("next").unwrap_or_default() />
                    <FormError error />
                    <label for="email">{t.email}</label>
                    <input id="email" name="email" type="email" autocomplete="username" required autofocus value=flash.typed("email")
                        aria-invalid=aria_invalid(error, "email") aria-describedby="email-error" />
                    <FieldError error field="email" />
                    <label for="password">{t.password}</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required
                        aria-invalid=aria_invalid(error, "password") aria-describedby="password-error" />
                    <FieldError error field="password" />
                    <SubmitButton pending=action.pending() label=t.sign_in busy_label=t.signing_in />
                </ServerForm>
                <p class="muted">{t.new_here} <a href="/register">{t.create_account_title}</a></p>
            </section>
        </main>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = ServerAction::<Register>::new();
    let flash = crate::ui::flash::current();
    let error = Outcome::new().follow(action, |_| None).refusal();
    let t = &t().auth;

    view! {
        <PageTitle text=t.create_account_title />
        <main class="auth-page">
            <section class="auth-card">
                <div class="top-bar"><a href="/" class="brand">"MyRelay"</a><LanguageSwitch /></div>
                <h1>{t.create_account_title}</h1>
                <ServerForm action=action attr:class="form" attr:aria-label=t.create_account_title>
                    <FormError error />
                    <label for="display_name">{t.your_name}</label>
                    <input id="display_name" name="display_name" type="text" autocomplete="name" required autofocus
                        value=flash.typed("display_name") maxlength="80" aria-invalid=aria_invalid(error, "display_name")
                        aria-describedby="display_name-error" />
                    <FieldError error field="display_name" />
                    <label for="email">{t.email}</label>
                    <input id="email" name="email" type="email" autocomplete="email" required value=flash.typed("email")
                        aria-invalid=aria_invalid(error, "email") aria-describedby="email-error" />
                    <FieldError error field="email" />
                    <label for="password">{t.password}</label>
                    <input id="password" name="password" type="password" autocomplete="new-password" required
                        minlength="8" maxlength="128" aria-invalid=aria_invalid(error, "password")
                        aria-describedby="password-hint password-error" />
                    <p class="hint" id="password-hint">{t.password_hint}</p>
                    <FieldError error field="password" />
                    <SubmitButton pending=action.pending() label=t.create_account busy_label=t.creating_account />
                </ServerForm>
                <p class="muted">{t.have_account} <a href="/login">{t.sign_in}</a></p>
            </section>
        </main>
    }
}

/// The sign-out button of the app shell.
#[component]
pub fn LogoutButton() -> impl IntoView {
    let action = ServerAction::<Logout>::new();
    if let Some(crate::ui::SigningOut(signing_out)) = use_context::<crate::ui::SigningOut>() {
        Effect::new(move |_| {
            if action.pending().get() {
                signing_out.set(true);
            }
        });
    }
    let t = &t().auth;
    view! {
        <ServerForm action=action attr:class="logout-form">
            <button type="submit" class="button subtle" disabled=move || action.pending().get()>
                {move || if action.pending().get() { t.signing_out } else { t.sign_out }}
            </button>
        </ServerForm>
    }
}
