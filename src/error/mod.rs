//! The one error type of MyRelay. It crosses the wire as JSON from server functions and routes
//! (`{"code": ..., "problem": ..., "params": ..., "message": ..., "field": ...}`), and the socket's
//! `error` event carries the same `problem`, so the browser and scripts see the same thing.
//! `code` is the broad kind (it sets the HTTP status), `problem` the precise reason, by which the
//! browser translates; `message` is the English text.

mod encoding;
mod problem;

pub use encoding::JsonText;
pub use problem::{Problem, ProblemParams, TextKind};

use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Input failed validation; `field` names the input when there is one.
    Validation,
    /// No valid session.
    Unauthenticated,
    /// Email or password wrong (deliberately one code for both).
    InvalidCredentials,
    /// The account exists but an admin deactivated it.
    AccountDisabled,
    /// Signed in, but the role or ownership does not allow this.
    Forbidden,
    NotFound,
    /// The request conflicts with the current state (e.g. email already registered).
    Conflict,
    TooManyRequests,
    /// The request body is over the limit (`server::http_guard::BODY_LIMIT_BYTES`).
    PayloadTooLarge,
    /// The body is neither form-encoded nor JSON.
    UnsupportedMediaType,
    /// The browser could not reach the server.
    Network,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
#[serde(try_from = "AppErrorWire")]
pub struct AppError {
    pub code: ErrorCode,
    #[serde(flatten)]
    pub problem: Problem,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

pub type AppResult<T> = Result<T, AppError>;

/// An [`AppError`] as read: its problem by key and parameters, made a [`Problem`] by
/// [`Problem::from_wire`] (serde's `flatten` of the enum cost the browser 40 KB of decoders).
#[derive(Deserialize)]
struct AppErrorWire {
    code: ErrorCode,
    problem: String,
    #[serde(default)]
    params: ProblemParams,
    message: String,
    #[serde(default)]
    field: Option<String>,
}

impl TryFrom<AppErrorWire> for AppError {
    type Error = String;

    fn try_from(wire: AppErrorWire) -> Result<Self, String> {
        let problem = Problem::from_wire(&wire.problem, &wire.params).ok_or_else(|| unknown_problem(&wire.problem))?;
        let AppErrorWire { code, message, field, .. } = wire;
        Ok(Self { code, problem, message, field })
    }
}

/// Why a problem could not be read: its key is unknown or its parameters do not fit it.
pub fn unknown_problem(key: &str) -> String {
    format!("unknown problem or parameters: {key}")
}

/// Refuses control characters other than line breaks and tabs (PostgreSQL cannot store NUL; the
/// others only hide or garble text). Every validator of people's text calls it, for HTTP and
/// socket input alike.
pub fn refuse_control_chars(field: &str, text: &str) -> AppResult<()> {
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(AppError::invalid(field, Problem::ControlCharacters));
    }
    Ok(())
}

impl AppError {
    pub fn new(code: ErrorCode, problem: Problem) -> Self {
        Self { code, message: problem.english(), problem, field: None }
    }

    /// A `validation` error about the input `field`.
    pub fn invalid(field: &str, problem: Problem) -> Self {
        Self { field: Some(field.to_owned()), ..Self::new(ErrorCode::Validation, problem) }
    }

    /// The same problem, about the input `field` (shown next to it).
    pub fn on_field(self, field: &str) -> Self {
        Self { field: Some(field.to_owned()), ..self }
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, Problem::SignInRequired)
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, Problem::NotPermitted)
    }

    pub fn payload_too_large() -> Self {
        Self::new(ErrorCode::PayloadTooLarge, Problem::RequestTooLarge)
    }

    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, Problem::Internal)
    }

    #[cfg(feature = "ssr")]
    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self.code {
            ErrorCode::Validation => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ErrorCode::AccountDisabled | ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::Network => StatusCode::BAD_GATEWAY,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonText;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) => Self::new(ErrorCode::Network, Problem::Unreachable),
            ServerFnErrorErr::Args(detail) | ServerFnErrorErr::MissingArg(detail) => {
                Self::new(ErrorCode::Validation, Problem::MalformedArguments { detail })
            }
            // A body without a declared length, cut off while read (`DefaultBodyLimit`).
            ServerFnErrorErr::Deserialization(detail) if detail.contains("length limit exceeded") => Self::payload_too_large(),
            _ => Self::internal(),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        tracing::error!(error = %err, "database error");
        Self::internal()
    }
}

#[cfg(feature = "ssr")]
impl From<object_store::Error> for AppError {
    fn from(err: object_store::Error) -> Self {
        tracing::error!(error = %err, "file storage error");
        Self::internal()
    }
}

#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        (self.status(), axum::Json(self)).into_response()
    }
}
