//! The mail's HTTP routes: the unsubscribe link (works signed out: the link is signed) and the
//! endpoint a mail provider posts inbound mail to (authenticated by a bearer token).

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::compose::escape;
use super::inbound::{self, Inbound};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::server::state::AppState;

pub const UNSUBSCRIBE_PATH: &str = "/mail/unsubscribe";
pub const INBOUND_PATH: &str = "/api/mail/inbound";

/// `GET /mail/unsubscribe?u=<user>&s=<signature>`: the link in every mail. One click turns the
/// mails off and says so, with a button to turn them on again. `POST` with the same query: the
/// mail program's one-click unsubscribe (RFC 8058), or that button (`subscribe=1` in the body).
pub async fn unsubscribe(State(state): State<AppState>, method: axum::http::Method, Query(query): Query<HashMap<String, String>>, body: String) -> Response {
    let user_id = query.get("u").and_then(|u| u.parse::<i64>().ok());
    let signature = query.get("s").map(String::as_str).unwrap_or_default();
    let Some(user_id) = user_id.filter(|id| state.signer.check_unsubscribe(*id, signature)) else {
        return (StatusCode::BAD_REQUEST, page(Lang::En, "This link is not valid", "The link is incomplete or was changed. Use the link in your latest email, or change the setting on your tickets page after signing in.", None)).into_response();
    };
    let subscribe = method == axum::http::Method::POST && body.split('&').any(|pair| pair == "subscribe=1");
    let language: Result<Option<String>, _> = sqlx::query_scalar("UPDATE users SET email_notifications = $2 WHERE id = $1 RETURNING language")
        .bind(user_id)
        .bind(subscribe)
        .fetch_optional(&state.pool)
        .await;
    let lang = match language {
        Ok(Some(code)) => Lang::parse(&code).unwrap_or_default(),
        Ok(None) => return (StatusCode::NOT_FOUND, page(Lang::En, "Unknown account", "This account no longer exists.", None)).into_response(),
        Err(_) => return AppError::internal().into_response(),
    };
    let action = format!("{UNSUBSCRIBE_PATH}?u={user_id}&s={}", escape(signature));
    let (title, text, button) = match (lang, subscribe) {
        (Lang::En, false) => ("Emails turned off", "You will no longer get emails about your support requests. You can still follow them on the website.", Some(("1", "Turn emails back on"))),
        (Lang::En, true) => ("Emails turned on", "You will get an email when support answers and you are not on the website.", Some(("0", "Turn them off"))),
        (Lang::Es, false) => ("Correos desactivados", "Ya no recibirás correos sobre tus solicitudes de soporte. Puedes seguirlas en el sitio web.", Some(("1", "Volver a activar los correos"))),
        (Lang::Es, true) => ("Correos activados", "Recibirás un correo cuando el soporte responda y no estés en el sitio web.", Some(("0", "Desactivarlos"))),
    };
    page(lang, title, text, button.map(|(value, label)| (action, value, label))).into_response()
}

fn page(lang: Lang, title: &str, text: &str, form: Option<(String, &str, &str)>) -> Html<String> {
    let form = form.map_or_else(String::new, |(action, value, label)| {
        format!(r#"<form method="post" action="{action}"><input type="hidden" name="subscribe" value="{value}"><button type="submit">{}</button></form>"#, escape(label))
    });
    Html(format!(
        r#"<!DOCTYPE html><html lang="{}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} · MyRelay</title></head><body><main><h1>{title}</h1><p>{text}</p>{form}<p><a href="/app">MyRelay</a></p></main></body></html>"#,
        lang.code(),
        title = escape(title),
        text = escape(text),
    ))
}

/// `POST /api/mail/inbound` with `Authorization: Bearer <MYRELAY_MAIL_INBOUND_TOKEN>`, the raw
/// mail (RFC 5322) as the body and, optionally, `?recipient=<envelope recipient>`. Answers what
/// became of it as JSON; 503 when mail could not be stored for now (the provider retries).
pub async fn inbound_post(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<HashMap<String, String>>, body: Body) -> Response {
    let Some(expected) = state.config.mail_inbound_token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or_default();
    if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        return AppError::unauthenticated().into_response();
    }
    let limit = state.config.mail_inbound_max_bytes as usize;
    let Ok(raw) = axum::body::to_bytes(body, limit).await else { return AppError::payload_too_large().into_response() };
    match inbound::receive(&state, &raw, query.get("recipient").map(String::as_str)).await {
        Ok(Inbound::Accepted { ticket_id, message_id }) => {
            axum::Json(serde_json::json!({ "outcome": "accepted", "ticket_id": ticket_id, "message_id": message_id })).into_response()
        }
        Ok(Inbound::Refused { reason, answered }) => axum::Json(serde_json::json!({ "outcome": "refused", "reason": reason, "answered": answered })).into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response(),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
