//! What every HTTP request and response passes through (docs/api.md, "Limits and errors"): writes
//! only from this site, a body limit, the HTTP status of server function errors, security headers.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::state::AppState;
use crate::error::{AppError, ErrorCode, Problem};

/// The largest request body accepted, on every route (answers 413 above it).
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// Whether a request comes from this site, by `Origin`: the configured public URL, or the host the
/// request was sent to. Clients that send no `Origin` are not browsers (browsers send it on every
/// WebSocket and every cross-site write) and cannot be tricked into using someone's cookie.
pub fn origin_allowed(headers: &HeaderMap, public_url: &str) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    let Ok(origin) = origin.to_str() else { return false };
    if origin == public_url {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) == Some(host)
}

/// Refuses state-changing requests made by another site with someone's cookie (403). Browsers send
/// `Origin` on such requests, or at least `Sec-Fetch-Site`; scripts send neither and pass.
pub async fn same_site_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let headers = request.headers();
    let from_this_site = if headers.contains_key(header::ORIGIN) {
        origin_allowed(headers, &state.config.public_url)
    } else {
        match headers.get("sec-fetch-site").map(HeaderValue::as_bytes) {
            Some(site) => site == b"same-origin" || site == b"none",
            None => true,
        }
    };
    // Signed links from mails (no cookie involved): mail programs post them from anywhere.
    let signed_link = request.uri().path() == crate::mail::routes::UNSUBSCRIBE_PATH;
    if !safe && !from_this_site && !signed_link {
        return AppError::new(ErrorCode::Forbidden, Problem::CrossSiteRequest).into_response();
    }
    next.run(request).await
}

/// Answers 413 before reading a body that says it is too large (attachments aside); bodies without a length are cut
/// off at the same limit while they are read (`DefaultBodyLimit`, mapped in `crate::error`).
pub async fn body_limit(request: Request, next: Next) -> Response {
    // Uploads and inbound mail stream under their own, larger limits.
    if [crate::attachments::routes::UPLOAD_PATH, crate::mail::routes::INBOUND_PATH].contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > BODY_LIMIT_BYTES as u64) {
        return AppError::payload_too_large().into_response();
    }
    next.run(request).await
}

/// server_fn answers every error with 500; ours carry their code, so give them its status. Errors
/// raised inside a function already set it (`with_status`); this covers arguments that could not
/// be decoded, which fail before the function runs.
pub async fn server_fn_error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || !response.headers().contains_key("serverfnerror") {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return AppError::internal().into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = error.status();
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Headers every response gets. Pages also get a Content-Security-Policy with the response's nonce
/// (set by the shell, `page_policy`); everything else a policy that allows nothing.
pub async fn security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if state.config.secure_cookies() {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"));
    }
    response
}

/// The policy of a server-rendered page: scripts only with this response's nonce (the hydration
/// scripts carry it) and what they load; the wasm may be compiled; no framing, no plugins.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.parse().unwrap(), HeaderValue::from_static(v))).collect()
    }

    #[test]
    fn origin_must_be_this_site() {
        let public = "https://support.example.com";
        assert!(origin_allowed(&headers(&[]), public));
        assert!(origin_allowed(&headers(&[("origin", "https://support.example.com")]), public));
        assert!(origin_allowed(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]), public));
        assert!(!origin_allowed(&headers(&[("origin", "http://evil.example"), ("host", "127.0.0.1:3000")]), public));
        assert!(!origin_allowed(&headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]), public));
    }
}
