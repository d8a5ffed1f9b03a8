//! Every text of the interface, in English and Spanish, and the page's language.
//!
//! The language is chosen per request on the server (the `myrelay_lang` cookie, else the browser's
//! `Accept-Language`) and written into `<html lang>`; the browser reads it back from there when it
//! hydrates, so both render the same text. Switching language posts to `/language`, which sets the
//! cookie and reloads the page: texts are plain `&'static str`s, not signals.
//!
//! One struct of texts per area (`auth.rs`, `tickets.rs`, …), each with an `EN` and an `ES`
//! constant: a text missing in one language is a compile error.

mod admin;
mod audit;
mod auth;
mod chat;
mod common;
mod errors;
mod mail;
#[cfg(feature = "ssr")]
pub mod route;
mod presence;
mod search;
mod sla;
mod tickets;

pub use admin::AdminTexts;
pub use audit::AuditTexts;
pub use auth::AuthTexts;
pub use chat::ChatTexts;
pub use common::CommonTexts;
pub use errors::{error_message, problem_text};
pub use mail::MailUiTexts;
pub use presence::PresenceTexts;
pub use search::SearchTexts;
pub use sla::SlaTexts;
pub use tickets::TicketTexts;

use leptos::prelude::*;

/// The name of the cookie holding a person's choice.
pub const COOKIE: &str = "myrelay_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Es,
}

pub struct Texts {
    pub common: CommonTexts,
    pub auth: AuthTexts,
    pub tickets: TicketTexts,
    pub chat: ChatTexts,
    pub admin: AdminTexts,
    pub audit: AuditTexts,
    pub search: SearchTexts,
    pub sla: SlaTexts,
    pub presence: PresenceTexts,
    pub mail: MailUiTexts,
}

static EN: Texts = Texts { common: common::EN, auth: auth::EN, tickets: tickets::EN, chat: chat::EN, admin: admin::EN, audit: audit::EN, search: search::EN, sla: sla::EN, presence: presence::EN, mail: mail::EN };
static ES: Texts = Texts { common: common::ES, auth: auth::ES, tickets: tickets::ES, chat: chat::ES, admin: admin::ES, audit: audit::ES, search: search::ES, sla: sla::ES, presence: presence::ES, mail: mail::ES };

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    /// The BCP 47 code, as in `<html lang>` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The language's own name, as the switch offers it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Es => "Español",
        }
    }

    /// "es", "es-MX", "ES" → Spanish; anything else we do not have → None.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Lang::ALL.into_iter().find(|lang| lang.code().eq_ignore_ascii_case(primary))
    }

    /// The first language of an `Accept-Language` header we have, by its q-values
    /// (`es-ES,es;q=0.9,en;q=0.8` → Spanish); English when none.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else { continue };
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::Es => &ES,
        }
    }

    /// A whole number as people of this language write it: 12,500 / 12.500 (Spanish groups
    /// digits only from five digits on: 2500, 12.500).
    pub fn number(self, value: i64) -> String {
        let digits = value.unsigned_abs().to_string();
        let (separator, min_digits) = match self {
            Lang::En => (',', 4),
            Lang::Es => ('.', 5),
        };
        let mut out = String::with_capacity(digits.len() + 4);
        if value < 0 {
            out.push('-');
        }
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && digits.len() >= min_digits && (digits.len() - i).is_multiple_of(3) {
                out.push(separator);
            }
            out.push(digit);
        }
        out
    }

    /// The language of this page: on the server the request's, in the browser the one the server
    /// wrote into `<html lang>`.
    pub fn detect() -> Lang {
        #[cfg(feature = "ssr")]
        {
            use_context::<axum::http::request::Parts>().map_or(Lang::En, |parts| Lang::of_request(&parts.headers))
        }
        #[cfg(not(feature = "ssr"))]
        {
            document()
                .document_element()
                .and_then(|root| root.get_attribute("lang"))
                .and_then(|code| Lang::parse(&code))
                .unwrap_or_default()
        }
    }

    /// The cookie's choice, else the browser's preference.
    #[cfg(feature = "ssr")]
    pub fn of_request(headers: &axum::http::HeaderMap) -> Lang {
        use axum::http::header::ACCEPT_LANGUAGE;
        let jar = axum_extra::extract::cookie::CookieJar::from_headers(headers);
        let chosen = jar.get(COOKIE).and_then(|cookie| Lang::parse(cookie.value()));
        chosen.unwrap_or_else(|| {
            headers
                .get(ACCEPT_LANGUAGE)
                .and_then(|value| value.to_str().ok())
                .map_or(Lang::En, Lang::from_accept_language)
        })
    }
}

/// Provided once by the app for the whole page.
pub fn provide_lang() -> Lang {
    let lang = Lang::detect();
    provide_context(lang);
    lang
}

/// The page's language (English outside a page; in the browser without context, `<html lang>`).
pub fn lang() -> Lang {
    use_context::<Lang>().unwrap_or_else(|| if cfg!(feature = "ssr") { Lang::default() } else { Lang::detect() })
}

/// The page's texts: `let t = t();` at the top of a component, then `t.auth.sign_in`.
pub fn t() -> &'static Texts {
    lang().texts()
}

/// The language switch: a form posting to `/language` (so it works without JavaScript), one
/// button per language, the current one pressed. The server sets the cookie and sends the
/// browser back to this page (a page load: every text changes).
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let current = lang();
    // Where the person is now (the header stays while they move between pages).
    let location = leptos_router::hooks::use_location();
    let here = move || {
        let (path, search) = (location.pathname.get(), location.search.get());
        if search.is_empty() { path } else { format!("{path}?{search}") }
    };
    view! {
        <form method="post" action="/language" class="lang-switch" aria-label=current.texts().common.language>
            <input type="hidden" name="next" value=here />
            {Lang::ALL
                .into_iter()
                .map(|lang| {
                    view! {
                        <button type="submit" name="lang" value=lang.code() lang=lang.code() title=lang.name()
                            aria-pressed=(lang == current).to_string()>
                            {lang.code().to_ascii_uppercase()}
                        </button>
                    }
                })
                .collect_view()}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_read_from_tags_and_accept_language() {
        assert_eq!(Lang::parse("es-MX"), Some(Lang::Es));
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("pt-BR"), None);
        assert_eq!(Lang::from_accept_language("es-ES,es;q=0.9,en;q=0.8"), Lang::Es);
        assert_eq!(Lang::from_accept_language("pt-BR,es;q=0.5,en;q=0.7"), Lang::En);
        assert_eq!(Lang::from_accept_language("de, fr;q=0.5"), Lang::En);
        assert_eq!(Lang::from_accept_language("es;q=0, en;q=0.1"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
    }

    #[test]
    fn numbers_are_grouped_per_language() {
        assert_eq!(Lang::En.number(999), "999");
        assert_eq!(Lang::En.number(2500), "2,500");
        assert_eq!(Lang::Es.number(2500), "2500");
        assert_eq!(Lang::Es.number(12_500), "12.500");
        assert_eq!(Lang::En.number(-1_234_567), "-1,234,567");
    }
}
