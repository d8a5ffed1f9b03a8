//! Server side of accounts: password hashing, sessions, the request middleware that finds the
//! signed-in user, and the guards every server function, route and socket uses.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::guard::{PageAccess, login_url_for, page_access};
use super::repo;
use crate::domain::account::{NewAccount, Role, User, normalize_email, validate_password};
use crate::error::{AppError, AppResult, ErrorCode, Problem};
use crate::server::state::AppState;

pub const SESSION_COOKIE: &str = "myrelay_session";

/// Failed logins allowed per account, and per client address, within the window.
const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
const MAX_FAILURES_PER_ADDRESS: i64 = 30;
const FAILURE_WINDOW_MINUTES: i32 = 15;
/// A session's expiry slides forward on use, at most this often (saves a write per request).
const TOUCH_INTERVAL_SECONDS: i64 = 300;

/// The signed-in user of a request, put into the request's extensions by [`session_layer`].
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub user: User,
    pub token_hash: Vec<u8>,
}

// ---- passwords ------------------------------------------------------------------------------

/// Hashes a new password for storing (argon2id, see `super::password`).
pub async fn hash_password(password: String) -> AppResult<String> {
    super::password::hash(password).await
}

async fn verify_password(password: String, stored_hash: Option<String>) -> AppResult<bool> {
    super::password::verify(password, stored_hash).await
}

// ---- sessions -------------------------------------------------------------------------------

fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn session_cookie(state: &AppState, value: &str, max_age_seconds: u64) -> HeaderValue {
    let secure = if state.config.secure_cookies() { "; Secure" } else { "" };
    let cookie = format!("{SESSION_COOKIE}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_seconds}{secure}");
    HeaderValue::from_str(&cookie).expect("session cookie is ASCII")
}

fn clearing_cookie(state: &AppState) -> HeaderValue {
    session_cookie(state, "", 0)
}

/// Starts a session: stores the token's hash and returns the `Set-Cookie` value carrying the token.
pub async fn start_session(state: &AppState, user_id: i64) -> AppResult<HeaderValue> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let ttl = state.config.session_ttl;
    let expires_at = Utc::now() + chrono::Duration::from_std(ttl).map_err(|_| AppError::internal())?;
    repo::insert_session(&state.pool, &hash_token(&token), user_id, expires_at).await?;
    Ok(session_cookie(state, &token, ttl.as_secs()))
}

/// Whether a session is still valid (not logged out, expired, or deactivated), and its user now.
pub async fn session_user(state: &AppState, token_hash: &[u8]) -> AppResult<Option<User>> {
    Ok(repo::find_session_user(&state.pool, token_hash).await?.map(|(user, _)| user))
}

async fn resolve_session(state: &AppState, token: &str) -> AppResult<Option<CurrentSession>> {
    let token_hash = hash_token(token);
    let Some((user, last_used_at)) = repo::find_session_user(&state.pool, &token_hash).await? else {
        return Ok(None);
    };
    if (Utc::now() - last_used_at).num_seconds() > TOUCH_INTERVAL_SECONDS {
        let expires_at = Utc::now() + chrono::Duration::from_std(state.config.session_ttl).unwrap_or_default();
        repo::touch_session(&state.pool, &token_hash, expires_at).await?;
    }
    Ok(Some(CurrentSession { user, token_hash }))
}

/// Middleware on every page and server function: finds the session, puts [`CurrentSession`] into
/// the request, and answers page requests that need another page with a redirect before any HTML.
pub async fn session_layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(request.headers());
    let token = jar.get(SESSION_COOKIE).map(|cookie| cookie.value().to_owned()).filter(|t| !t.is_empty());
    let session = match &token {
        Some(token) => match resolve_session(&state, token).await {
            Ok(session) => session,
            Err(err) => return err.into_response(),
        },
        None => None,
    };
    let stale_cookie = token.is_some() && session.is_none();

    let is_page = request.method() == axum::http::Method::GET && !request.uri().path().starts_with("/api/");
    let page_redirect = if is_page {
        match page_access(request.uri().path(), session.as_ref().map(|s| &s.user)) {
            PageAccess::Allow => None,
            PageAccess::SignIn => {
                let wanted = request.uri().path_and_query().map_or("/app", |pq| pq.as_str());
                Some(login_url_for(wanted))
            }
            PageAccess::Redirect(path) => Some(path.to_owned()),
        }
    } else {
        None
    };

    if let Some(session) = session {
        request.extensions_mut().insert(session);
    }
    let mut response = match page_redirect {
        Some(location) => Redirect::to(&location).into_response(),
        None => next.run(request).await,
    };
    if stale_cookie {
        response.headers_mut().append(header::SET_COOKIE, clearing_cookie(&state));
    }
    response
}

// ---- guards ---------------------------------------------------------------------------------

/// The session of the current request, if any. Works in server functions and during SSR.
pub fn current_session() -> Option<CurrentSession> {
    leptos::prelude::use_context::<Parts>()?.extensions.get::<CurrentSession>().cloned()
}

/// The signed-in user, or `unauthenticated`.
pub fn require_user() -> AppResult<User> {
    current_session().map(|s| s.user).ok_or_else(AppError::unauthenticated)
}

/// The signed-in user if their role is one of `roles`; `forbidden` otherwise.
pub fn require_role(roles: &[Role]) -> AppResult<User> {
    let user = require_user()?;
    if roles.contains(&user.role) { Ok(user) } else { Err(AppError::forbidden()) }
}

// ---- account flows --------------------------------------------------------------------------

/// Creates a `user` account (never staff: staff come from the CLI or an admin).
pub async fn register(state: &AppState, account: NewAccount) -> AppResult<User> {
    let hash = hash_password(account.password).await?;
    let user = repo::insert_user(&state.pool, &account.email, &account.display_name, &hash, Role::User).await?;
    // Mails to this person are written in the language they registered in (until they switch).
    repo::set_language(&state.pool, user.id, crate::i18n::Lang::detect().code()).await?;
    Ok(user)
}

/// Checks credentials with throttling per account and per client address.
pub async fn authenticate(state: &AppState, email: &str, password: String, client_addr: &str) -> AppResult<User> {
    let email = normalize_email(email)?;
    if password.is_empty() {
        return Err(AppError::invalid("password", Problem::PasswordRequired));
    }
    // The attempt is recorded before the password is checked, so parallel guesses count against
    // each other; a success clears the account's record again.
    repo::record_failure(&state.pool, &email, client_addr).await?;
    let (account_attempts, address_attempts) =
        repo::count_recent_failures(&state.pool, &email, client_addr, FAILURE_WINDOW_MINUTES).await?;
    // A burst (over the limit) goes to the audit log once per window, for the account and for the address.
    if account_attempts > MAX_FAILURES_PER_ACCOUNT {
        crate::audit::repo::record_sign_in_burst(&state.pool, &email, client_addr, account_attempts, FAILURE_WINDOW_MINUTES).await?;
    }
    if address_attempts > MAX_FAILURES_PER_ADDRESS {
        let subject = format!("address {client_addr}");
        crate::audit::repo::record_sign_in_burst(&state.pool, &subject, client_addr, address_attempts, FAILURE_WINDOW_MINUTES).await?;
    }
    if account_attempts > MAX_FAILURES_PER_ACCOUNT || address_attempts > MAX_FAILURES_PER_ADDRESS {
        return Err(AppError::new(ErrorCode::TooManyRequests, Problem::SignInThrottled { minutes: FAILURE_WINDOW_MINUTES }));
    }
    let found = repo::find_user_by_email(&state.pool, &email).await?;
    // Over-long passwords are never valid; skip hashing them.
    let password_ok = validate_password(&password).is_ok()
        && verify_password(password, found.as_ref().map(|f| f.password_hash.clone())).await?;
    match found {
        Some(found) if password_ok => {
            if !found.user.is_active {
                return Err(AppError::new(ErrorCode::AccountDisabled, Problem::AccountDeactivated));
            }
            repo::clear_failures(&state.pool, &email).await?;
            Ok(found.user)
        }
        _ => Err(AppError::new(ErrorCode::InvalidCredentials, Problem::WrongCredentials)),
    }
}

/// Ends the current request's session, if any.
pub async fn end_session(state: &AppState) -> AppResult<()> {
    if let Some(session) = current_session() {
        repo::delete_session(&state.pool, &session.token_hash).await?;
    }
    Ok(())
}

/// The client's address: the socket peer, or the last `X-Forwarded-For` hop behind a trusted proxy.
pub fn client_addr(state: &AppState) -> String {
    let Some(parts) = leptos::prelude::use_context::<Parts>() else { return "unknown".into() };
    if state.config.trust_forwarded_for
        && let Some(forwarded) = parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(last) = forwarded.rsplit(',').next().map(str::trim).filter(|s| !s.is_empty())
    {
        return last.to_owned();
    }
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map_or_else(|| "unknown".into(), |info| info.0.ip().to_string())
}

/// Adds a `Set-Cookie` header to the server function's response.
pub fn set_cookie(value: HeaderValue) {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.append_header(header::SET_COOKIE, value);
    }
}

pub fn clear_cookie(state: &AppState) {
    set_cookie(clearing_cookie(state));
}

#[cfg(test)]
mod tests {
    use super::*;
    use leptos::prelude::{Owner, provide_context};

    fn with_request<T>(session: Option<CurrentSession>, check: impl FnOnce() -> T) -> T {
        let mut request = axum::http::Request::new(());
        if let Some(session) = session {
            request.extensions_mut().insert(session);
        }
        let (parts, ()) = request.into_parts();
        Owner::new().with(|| {
            provide_context(parts);
            check()
        })
    }

    fn session(role: Role) -> CurrentSession {
        let user = User {
            id: 7,
            email: "x@example.com".into(),
            display_name: "X".into(),
            role,
            is_active: true,
            created_at: chrono::DateTime::UNIX_EPOCH,
        };
        CurrentSession { user, token_hash: vec![0; 32] }
    }

    #[test]
    fn guards_refuse_the_anonymous_and_the_wrong_role() {
        let anonymous = with_request(None, || require_role(&[Role::User, Role::Agent, Role::Admin]));
        assert_eq!(anonymous.unwrap_err().code, ErrorCode::Unauthenticated);

        let user_as_admin = with_request(Some(session(Role::User)), || require_role(&[Role::Admin]));
        assert_eq!(user_as_admin.unwrap_err().code, ErrorCode::Forbidden);

        let agent_as_staff = with_request(Some(session(Role::Agent)), || require_role(&[Role::Agent, Role::Admin]));
        assert_eq!(agent_as_staff.unwrap().id, 7);
    }
}
