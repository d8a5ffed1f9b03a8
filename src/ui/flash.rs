//! Feedback for the forms the server renders. Such a form posts without a script and the server
//! sends the browser back to its page (a redirect). What the page should say then (a notice after
//! a success, "Targets saved."; after a refusal the error and what was typed) rides along in a
//! short-lived cookie that the next page reads once, so the address stays the page's own.
//! Requests from scripts (the app's own actions, integrators) get none of it.
//!
//! The page takes it once, at the top of the app ([`provide`]), as a value the browser reads back
//! when it hydrates: the server and the browser render the same feedback. Components read it with
//! [`current`]. Once the page runs, its forms post through their actions instead, and [`Outcome`]
//! carries on from the flash with each action's answer.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What the previous form post left for this page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    /// Said once, as a status line.
    pub notice: Option<String>,
    /// Why the form was refused.
    pub error: Option<AppError>,
    /// The refused form's inputs as they were typed, by name.
    pub typed: Vec<(String, String)>,
}

impl Flash {
    /// What was typed into the input `name` of the refused form.
    pub fn typed(&self, name: &str) -> Option<String> {
        self.typed.iter().find(|(field, _)| field == name).map(|(_, value)| value.clone())
    }
}

#[cfg(feature = "ssr")]
pub use server::{after_form, after_form_notice, form_post, with_status};

/// This page's flash, as context.
#[derive(Clone)]
struct ThisPage(Flash);

/// Takes the request's flash (clearing the cookie) and gives it to the page; once, in `App`.
pub fn provide() {
    #[cfg(feature = "ssr")]
    let take = server::take;
    // The cookie is the server's to read; hydrating, the browser gets the server's value.
    #[cfg(not(feature = "ssr"))]
    let take = Flash::default;
    let flash = leptos::prelude::SharedValue::new(take).into_inner();
    leptos::prelude::provide_context(ThisPage(flash));
}

/// What the previous form post left for this page (nothing after a navigation in the browser).
pub fn current() -> Flash {
    leptos::prelude::use_context::<ThisPage>().map(|page| page.0).unwrap_or_default()
}

/// What a page's forms said last, for the page to show: at first what a plain post left in the
/// flash, then the answer of each action the page follows (posted from the browser).
#[derive(Clone, Copy)]
pub struct Outcome {
    pub notice: leptos::prelude::RwSignal<Option<String>>,
    pub error: leptos::prelude::RwSignal<Option<AppError>>,
    /// Bumped by each success: what the page loaded, it loads again.
    pub saved: leptos::prelude::RwSignal<u64>,
}

impl Outcome {
    pub fn new() -> Self {
        Self::starting_with(current())
    }

    /// One that starts empty: another part of the page shows the flash.
    pub fn fresh() -> Self {
        Self::starting_with(Flash::default())
    }

    fn starting_with(flash: Flash) -> Self {
        use leptos::prelude::RwSignal;
        Self { notice: RwSignal::new(flash.notice), error: RwSignal::new(flash.error), saved: RwSignal::new(0) }
    }

    /// Follows `action`: a success says `notice(answer)` and bumps `saved`; a refusal says why.
    pub fn follow<S>(self, action: leptos::prelude::ServerAction<S>, notice: impl Fn(&S::Output) -> Option<String> + Send + Sync + 'static) -> Self
    where
        S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
        S::Output: Clone + Send + Sync + 'static,
    {
        use leptos::prelude::*;
        Effect::new(move |_| match action.value().get() {
            None => {}
            Some(Ok(answer)) => {
                self.notice.set(notice(&answer));
                self.error.set(None);
                self.saved.update(|n| *n += 1);
            }
            Some(Err(error)) => {
                self.notice.set(None);
                self.error.set(Some(error));
            }
        });
        self
    }

    /// The last refusal, for `FormError`/`FieldError`.
    pub fn refusal(self) -> leptos::prelude::Signal<Option<AppError>> {
        self.error.into()
    }
}

impl Default for Outcome {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "ssr")]
mod server {
    use axum::http::header::{ACCEPT, COOKIE, REFERER, SET_COOKIE};
    use axum::http::{HeaderValue, request::Parts};
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;

    use super::Flash;
    use crate::error::AppResult;
    use crate::server::state::AppState;

    const NAME: &str = "myrelay_flash";
    /// Browsers keep cookies up to 4 KiB; hex doubles the text, so typed values beyond this are
    /// not kept (the refusal is still shown).
    const MAX_TEXT_BYTES: usize = 1800;

    /// Whether this request is a browser's plain form post (it will follow a redirect back).
    pub fn form_post() -> bool {
        use_context::<Parts>().is_some_and(|parts| {
            parts.headers.get(ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
        })
    }

    /// Gives a server function's error its HTTP status (a script sees 401/409/422…, not a blanket
    /// 500). Every `#[server]` function ends with this. A plain HTML form post (no JavaScript) keeps
    /// the redirect back to its form, which carries the error for the form to show.
    pub fn with_status<T>(result: AppResult<T>) -> AppResult<T> {
        if let Err(err) = &result
            && !form_post()
            && let Some(response) = use_context::<ResponseOptions>()
        {
            response.set_status(err.status());
        }
        result
    }

    /// Ends a server function: after a form post, leaves `notice(value)` for the page on success;
    /// on a refusal the error and the `typed` inputs (name, value), and sends the browser back to
    /// its page as it was (not server_fn's address with the error in it).
    pub fn after_form<T, Value: Into<String>>(
        result: AppResult<T>,
        notice: impl FnOnce(&T) -> Option<String>,
        typed: impl IntoIterator<Item = (&'static str, Value)>,
    ) -> AppResult<T> {
        if form_post() {
            let flash = match &result {
                Ok(value) => Flash { notice: notice(value), ..Flash::default() },
                Err(error) => {
                    if let Some(back) = referer() {
                        leptos_axum::redirect(&back);
                    }
                    let typed = typed.into_iter().map(|(name, value)| (name.to_owned(), value.into())).collect();
                    Flash { error: Some(error.clone()), typed, ..Flash::default() }
                }
            };
            if flash != Flash::default() {
                set(flash);
            }
        }
        result
    }

    /// [`after_form`] for a form with nothing worth showing again (choices, not typing).
    pub fn after_form_notice<T>(result: AppResult<T>, notice: impl FnOnce(&T) -> Option<String>) -> AppResult<T> {
        after_form(result, notice, std::iter::empty::<(&'static str, String)>())
    }

    /// The page the form was on, without an earlier refusal's `__err` in its address.
    fn referer() -> Option<String> {
        let parts = use_context::<Parts>()?;
        let referer = parts.headers.get(REFERER)?.to_str().ok()?;
        Some(without_error_info(referer))
    }

    fn without_error_info(address: &str) -> String {
        let Some((page, query)) = address.split_once('?') else { return address.to_owned() };
        let kept: Vec<&str> = query.split('&').filter(|pair| !pair.starts_with("__err=") && !pair.starts_with("__path=")).collect();
        if kept.is_empty() { page.to_owned() } else { format!("{page}?{}", kept.join("&")) }
    }

    fn set(mut flash: Flash) {
        let Ok(mut text) = serde_json::to_string(&flash) else { return };
        // Too long for a cookie: the longest value is left out first, so the short ones (a
        // subject, a choice) still come back.
        while text.len() > MAX_TEXT_BYTES {
            let Some(longest) = (0..flash.typed.len()).max_by_key(|&i| flash.typed[i].1.len()) else { break };
            flash.typed.remove(longest);
            let Ok(shorter) = serde_json::to_string(&flash) else { return };
            text = shorter;
        }
        cookie(&hex::encode(text), 60);
    }

    /// The flash this request carries (once: the response clears it).
    pub fn take() -> Flash {
        let Some(parts) = use_context::<Parts>() else { return Flash::default() };
        let value = parts
            .headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|header| header.to_str().ok())
            .flat_map(|header| header.split(';'))
            .find_map(|pair| pair.trim().strip_prefix(NAME)?.strip_prefix('=').map(str::to_owned));
        let Some(value) = value else { return Flash::default() };
        cookie("", 0);
        hex::decode(value).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default()
    }

    fn cookie(value: &str, max_age_seconds: u32) {
        let (Some(response), Ok(state)) = (use_context::<ResponseOptions>(), AppState::from_context()) else { return };
        let secure = if state.config.secure_cookies() { "; Secure" } else { "" };
        let cookie = format!("{NAME}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_seconds}{secure}");
        if let Ok(header) = HeaderValue::from_str(&cookie) {
            response.append_header(SET_COOKIE, header);
        }
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn an_earlier_refusal_leaves_the_address() {
            use super::without_error_info as strip;
            assert_eq!(strip("http://h/login"), "http://h/login");
            assert_eq!(strip("http://h/login?__path=/api/x&__err=abc"), "http://h/login");
            assert_eq!(strip("http://h/login?next=%2Fapp&__err=abc"), "http://h/login?next=%2Fapp");
        }
    }
}
