//! `POST /language`: the language switch. Sets the cookie and sends the browser back where it
//! was, so it works the same with or without JavaScript. Server only.

use axum::extract::State;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{COOKIE, Lang};
use crate::codec::decode;
use crate::domain::account::safe_next_path;
use crate::error::{AppError, Problem};
use crate::server::state::AppState;

#[derive(Deserialize)]
pub struct LanguageChoice {
    lang: String,
    next: Option<String>,
}

const ONE_YEAR_SECONDS: u32 = 365 * 24 * 3600;

pub async fn set_language(State(state): State<AppState>, session: Option<axum::Extension<crate::auth::server::CurrentSession>>, body: axum::body::Bytes) -> Response {
    let choice: LanguageChoice = match decode::form(&body) {
        Ok(choice) => choice,
        Err(err) => return err.into_response(),
    };
    let Some(lang) = Lang::parse(&choice.lang) else {
        return AppError::invalid("lang", Problem::UnknownLanguage).into_response();
    };
    // A signed-in person's mails follow their choice too.
    if let Some(axum::Extension(session)) = session
        && let Err(err) = crate::auth::repo::set_language(&state.pool, session.user.id, lang.code()).await
    {
        return err.into_response();
    }
    let secure = if state.config.secure_cookies() { "; Secure" } else { "" };
    let cookie = format!("{COOKIE}={}; SameSite=Lax; Path=/; Max-Age={ONE_YEAR_SECONDS}{secure}", lang.code());
    let next = safe_next_path(choice.next.as_deref()).unwrap_or_else(|| "/".to_owned());
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(SET_COOKIE, HeaderValue::from_str(&cookie).expect("the cookie is ASCII"));
    match HeaderValue::from_str(&next) {
        Ok(location) => headers.insert(LOCATION, location),
        Err(_) => headers.insert(LOCATION, HeaderValue::from_static("/")),
    };
    response
}
