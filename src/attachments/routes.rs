//! The attachments' HTTP routes (bytes never go over the WebSocket): upload, download, thumbnail.

use std::collections::HashMap;

use axum::Json;
use axum::body::Body;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use super::{repo, sniff, store};
use crate::auth::server::CurrentSession;
use crate::domain::attachment::{Attachment, MAX_UNSENT, sanitize_name};
use crate::domain::ticket::TicketStatus;
use crate::error::{AppError, AppResult, ErrorCode, Problem};
use crate::server::state::AppState;

pub const UPLOAD_PATH: &str = "/api/attachments/upload";

/// `POST /api/attachments/upload?ticket_id=<id>&name=<file name>`, the file as the raw body;
/// without `ticket_id`, a file for the ticket the person is about to open.
pub async fn upload(
    State(state): State<AppState>,
    session: Option<Extension<CurrentSession>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Json<Attachment>> {
    let Some(Extension(CurrentSession { user, .. })) = session else { return Err(AppError::unauthenticated()) };
    // Without a ticket: for the ticket this person is opening (only users open tickets).
    let ticket_id = match query.get("ticket_id").map(String::as_str).filter(|id| !id.is_empty()) {
        Some(id) => Some(id.parse::<i64>().map_err(|_| AppError::invalid("ticket_id", Problem::UploadTicketInvalid))?),
        None if user.role == crate::domain::account::Role::User => None,
        None => return Err(AppError::invalid("ticket_id", Problem::UploadTicketMissing)),
    };
    let name = sanitize_name(query.get("name").map_or("", String::as_str));
    let limit = state.config.upload_limit_bytes;
    // Refused before a byte is read when the body says it is too large.
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(store::too_large(limit));
    }
    if let Some(ticket_id) = ticket_id {
        let ticket = crate::tickets::repo::find_ticket(&state.pool, &user, ticket_id).await?.ok_or_else(no_such_ticket)?;
        if ticket.status == TicketStatus::Closed {
            return Err(AppError::new(ErrorCode::Conflict, Problem::TicketClosedForFiles));
        }
    }
    // Checked before a byte is read, and again, under a lock, as the row is stored (uploads racing
    // each other all pass the first check).
    if repo::count_unsent(&state.pool, &user).await? >= MAX_UNSENT {
        return Err(AppError::new(ErrorCode::TooManyRequests, Problem::TooManyUnsentFiles { max: MAX_UNSENT }));
    }
    let stored = store::store_body(&state.files, body, limit).await?;
    let has_thumbnail = sniff::is_image(stored.content_type) && store::make_thumbnail(&state.files, &stored.sha256).await?;
    Ok(Json(repo::insert_within_cap(&state.pool, &user, ticket_id, &name, &stored, has_thumbnail, MAX_UNSENT).await?))
}

fn no_such_ticket() -> AppError {
    AppError::new(ErrorCode::NotFound, Problem::NoSuchTicket)
}

fn no_such_file() -> AppError {
    AppError::new(ErrorCode::NotFound, Problem::NoSuchFile)
}

async fn visible(state: &AppState, session: Option<Extension<CurrentSession>>, token: &str) -> AppResult<repo::StoredAttachment> {
    let Some(Extension(CurrentSession { user, .. })) = session else { return Err(AppError::unauthenticated()) };
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(no_such_file());
    }
    repo::find_for_viewer(&state.pool, &user, token).await?.ok_or_else(no_such_file)
}

/// `GET /api/attachments/<token>`: the file. Images are shown inline, everything else is a
/// download; the type is the sniffed one and browsers are told not to guess another.
pub async fn download(State(state): State<AppState>, session: Option<Extension<CurrentSession>>, Path(token): Path<String>) -> Response {
    let result = async {
        let found = visible(&state, session, &token).await?;
        let object = state.files.get(&store::blob_path(&found.sha256)).await?;
        let attachment = found.attachment;
        let disposition = if sniff::is_image(&attachment.content_type) { "inline" } else { "attachment" };
        Ok::<_, AppError>(serve(object, &attachment.content_type, &format!("{disposition}; {}", filename_parameters(&attachment.name))))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `GET /api/attachments/<token>/thumbnail`: the server-made PNG of an image.
pub async fn thumbnail(State(state): State<AppState>, session: Option<Extension<CurrentSession>>, Path(token): Path<String>) -> Response {
    let result = async {
        let found = visible(&state, session, &token).await?;
        if !found.attachment.has_thumbnail {
            return Err(no_such_file());
        }
        let object = state.files.get(&store::thumbnail_path(&found.sha256)).await?;
        Ok::<_, AppError>(serve(object, "image/png", "inline"))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

fn serve(object: object_store::GetResult, content_type: &str, disposition: &str) -> Response {
    let length = object.meta.size;
    let stream = object.into_stream().map(|chunk| chunk.map_err(std::io::Error::other));
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    let value = |text: &str| HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, value(content_type));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(disposition).unwrap_or_else(|_| HeaderValue::from_static("attachment")));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Per person (the link checks who asks): never in shared caches.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    response
}

/// `filename="…"` (ASCII stand-in) and `filename*=UTF-8''…` (the real name), per RFC 6266.
fn filename_parameters(name: &str) -> String {
    let ascii: String = name.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    let encoded: String = name
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    format!("filename=\"{}\"; filename*=UTF-8''{encoded}", ascii.replace(['"', '\\'], "_"))
}
