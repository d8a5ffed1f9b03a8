//! Sign-in and registration pages. Both are plain HTML forms posting to the server functions, so
//! they work before the WebAssembly has loaded; once hydrated they submit without a page load.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::{Login, Logout, Register};
use crate::ui::{FieldError, FormError, ServerForm, SubmitButton, aria_invalid, last_error};

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let error = last_error(action.value());
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let notice = move || {
        let query = query.read();
        if query.get("signed_out").is_some() {
            Some("You have signed out.")
        } else if query.get("next").is_some() {
            Some("Please sign in to continue.")
        } else {
            None
        }
    };

    view! {
        <Title text="Sign in" />
        <main class="auth-page">
            <section class="auth-card">
                <a href="/" class="brand">"MyRelay"</a>
                <h1>"Sign in"</h1>
                {move || notice().map(|text| view! { <p class="notice" role="status">{text}</p> })}
                <ServerForm action=action attr:class="form" attr:aria-label="Sign in">
                    <input type="hidden" name="next" value=next />
                    <FormError error />
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="username" required autofocus
                        aria-invalid=aria_invalid(error, "email") aria-describedby="email-error" />
                    <FieldError error field="email" />
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required
                        aria-invalid=aria_invalid(error, "password") aria-describedby="password-error" />
                    <FieldError error field="password" />
                    <SubmitButton pending=action.pending() label="Sign in" busy_label="Signing in…" />
                </ServerForm>
                <p class="muted">"New to MyRelay? " <a href="/register">"Create an account"</a></p>
            </section>
        </main>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = ServerAction::<Register>::new();
    let error = last_error(action.value());

    view! {
        <Title text="Create an account" />
        <main class="auth-page">
            <section class="auth-card">
                <a href="/" class="brand">"MyRelay"</a>
                <h1>"Create an account"</h1>
                <ServerForm action=action attr:class="form" attr:aria-label="Create an account">
                    <FormError error />
                    <label for="display_name">"Your name"</label>
                    <input id="display_name" name="display_name" type="text" autocomplete="name" required autofocus
                        maxlength="80" aria-invalid=aria_invalid(error, "display_name") aria-describedby="display_name-error" />
                    <FieldError error field="display_name" />
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="email" required
                        aria-invalid=aria_invalid(error, "email") aria-describedby="email-error" />
                    <FieldError error field="email" />
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="new-password" required
                        minlength="8" maxlength="128" aria-invalid=aria_invalid(error, "password")
                        aria-describedby="password-hint password-error" />
                    <p class="hint" id="password-hint">"At least 8 characters."</p>
                    <FieldError error field="password" />
                    <SubmitButton pending=action.pending() label="Create account" busy_label="Creating account…" />
                </ServerForm>
                <p class="muted">"Already have an account? " <a href="/login">"Sign in"</a></p>
            </section>
        </main>
    }
}

/// The sign-out button of the app shell.
#[component]
pub fn LogoutButton() -> impl IntoView {
    let action = ServerAction::<Logout>::new();
    view! {
        <ServerForm action=action attr:class="logout-form">
            <button type="submit" class="button subtle" disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Signing out…" } else { "Sign out" }}
            </button>
        </ServerForm>
    }
}
