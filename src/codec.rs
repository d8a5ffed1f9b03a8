//! How server functions take their arguments (docs/api.md). `Form`: a POST whose body is
//! form-encoded (what browsers and our own client send) or a JSON object (what integrators tend to
//! send). `Query`: a GET with the arguments in the query string. Input that cannot be decoded is a
//! `validation` error naming its field (422); another body type is `unsupported_media_type` (415).
//! Both replace server_fn's `PostUrl`/`GetUrl`, whose decoding errors name no field.

use http::Method;
use leptos::server_fn::ContentType;
use leptos::server_fn::codec::Encoding;
use leptos::server_fn::request::{ClientReq, Req};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;

pub struct Form;
pub struct Query;

const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

impl ContentType for Form {
    const CONTENT_TYPE: &'static str = FORM_CONTENT_TYPE;
}
impl Encoding for Form {
    const METHOD: Method = Method::POST;
}
impl ContentType for Query {
    const CONTENT_TYPE: &'static str = FORM_CONTENT_TYPE;
}
impl Encoding for Query {
    const METHOD: Method = Method::GET;
}

/// Declares that server functions' argument types travel as `Form` (POST) or `Query` (GET). Each
/// api module lists its functions' argument structs (the `#[server]` macro names them after the
/// function: `create_ticket` → `CreateTicket`); Rust's orphan rule rules out one blanket impl.
#[macro_export]
macro_rules! server_arguments {
    ($encoding:ident: $($args:ty),+ $(,)?) => {$(
        impl<Request> ::leptos::server_fn::codec::IntoReq<$crate::codec::$encoding, Request, $crate::error::AppError> for $args
        where
            Request: ::leptos::server_fn::request::ClientReq<$crate::error::AppError>,
        {
            fn into_req(self, path: &str, accepts: &str) -> Result<Request, $crate::error::AppError> {
                $crate::codec::$encoding::request(&self, path, accepts)
            }
        }
        impl<Request> ::leptos::server_fn::codec::FromReq<$crate::codec::$encoding, Request, $crate::error::AppError> for $args
        where
            Request: ::leptos::server_fn::request::Req<$crate::error::AppError> + Send + 'static,
        {
            async fn from_req(request: Request) -> Result<Self, $crate::error::AppError> {
                $crate::codec::$encoding::arguments(request).await
            }
        }
    )+};
}

fn encode<T: Serialize>(args: &T) -> Result<String, AppError> {
    serde_qs::to_string(args).map_err(|_| AppError::internal())
}

impl Form {
    pub fn request<T: Serialize, Request: ClientReq<AppError>>(args: &T, path: &str, accepts: &str) -> Result<Request, AppError> {
        Request::try_new_post(path, FORM_CONTENT_TYPE, accepts, encode(args)?)
    }

    pub async fn arguments<T: DeserializeOwned, Request: Req<AppError>>(request: Request) -> Result<T, AppError> {
        let media_type = request.to_content_type().map(|value| media_type(&value));
        let body = request.try_into_bytes().await?;
        #[cfg(feature = "ssr")]
        return decode::body(media_type.as_deref(), &body);
        #[cfg(not(feature = "ssr"))]
        return Err(decode_on_server_only(media_type, body));
    }
}

impl Query {
    pub fn request<T: Serialize, Request: ClientReq<AppError>>(args: &T, path: &str, accepts: &str) -> Result<Request, AppError> {
        Request::try_new_get(path, FORM_CONTENT_TYPE, accepts, &encode(args)?)
    }

    pub async fn arguments<T: DeserializeOwned, Request: Req<AppError>>(request: Request) -> Result<T, AppError> {
        let query = request.as_query().unwrap_or_default();
        #[cfg(feature = "ssr")]
        return decode::form(query.as_bytes());
        #[cfg(not(feature = "ssr"))]
        return Err(decode_on_server_only(query, ()));
    }
}

/// The `output` of every `#[server]` function: JSON, read in the browser from text
/// (`error::JsonText`, the error's encoding too).
pub type Json = leptos::server_fn::codec::Post<crate::error::JsonText>;

/// The browser never decodes requests; this keeps the decoders out of the bundle.
#[cfg(not(feature = "ssr"))]
fn decode_on_server_only<A, B>(_: A, _: B) -> AppError {
    AppError::internal()
}

/// `application/json; charset=utf-8` → `application/json`.
fn media_type(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

#[cfg(feature = "ssr")]
pub mod decode {
    use serde::de::DeserializeOwned;

    use crate::error::{AppError, ErrorCode, Problem};

    /// Decodes a request body by its media type.
    pub fn body<T: DeserializeOwned>(media_type: Option<&str>, body: &[u8]) -> Result<T, AppError> {
        match media_type {
            Some("application/json") => json(body),
            Some(super::FORM_CONTENT_TYPE) | None => form(body),
            // An empty body (a call without arguments) carries no type worth refusing.
            Some(_) if body.is_empty() => form(body),
            Some(other) => Err(AppError::new(ErrorCode::UnsupportedMediaType, Problem::UnsupportedMediaType { media_type: other.to_owned() })),
        }
    }

    pub fn form<T: DeserializeOwned>(input: &[u8]) -> Result<T, AppError> {
        let config = serde_qs::Config::new(5, false);
        let deserializer = serde_qs::Deserializer::with_config(&config, input).map_err(|err| malformed(&err.to_string()))?;
        serde_path_to_error::deserialize(deserializer).map_err(|err| field_error(err.path().to_string(), &err.into_inner().to_string()))
    }

    pub fn json<T: DeserializeOwned>(input: &[u8]) -> Result<T, AppError> {
        if input.iter().all(u8::is_ascii_whitespace) {
            return form(b"");
        }
        let mut deserializer = serde_json::Deserializer::from_slice(input);
        let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
            let inner = err.inner();
            if inner.is_syntax() || inner.is_eof() {
                malformed("the body is not valid JSON")
            } else {
                field_error(err.path().to_string(), &inner.to_string())
            }
        })?;
        deserializer.end().map_err(|_| malformed("the body has text after its JSON value"))?;
        Ok(value)
    }

    fn malformed(detail: &str) -> AppError {
        AppError::new(ErrorCode::Validation, Problem::UnreadableRequest { detail: detail.to_owned() })
    }

    /// A decoding error as a `validation` error naming the field: the path where decoding failed,
    /// or the field serde reports missing (that one fails at its parent).
    fn field_error(path: String, detail: &str) -> AppError {
        if let Some(missing) = detail.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()) {
            return AppError::invalid(missing, Problem::FieldRequired { field: missing.to_owned() });
        }
        if path.is_empty() || path == "." {
            return malformed(detail.split(" at line ").next().unwrap_or(detail));
        }
        let detail = detail.split(" at line ").next().unwrap_or(detail);
        AppError::invalid(&path, Problem::FieldInvalid { field: path.clone(), detail: detail.to_owned() })
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::decode;
    use crate::error::ErrorCode;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Args {
        id: i64,
        note: Option<String>,
        active: Option<bool>,
    }

    #[test]
    fn forms_and_json_decode_to_the_same_arguments() {
        let expected = Args { id: 4, note: Some("hi there".into()), active: Some(true) };
        assert_eq!(decode::body::<Args>(None, b"id=4&note=hi+there&active=true").unwrap(), expected);
        assert_eq!(decode::body::<Args>(Some("application/json"), br#"{"id":4,"note":"hi there","active":true}"#).unwrap(), expected);
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Choice {
        agent: Option<i64>,
    }

    /// A `<select>`'s "none" option sends an empty value: no id, not an error.
    #[test]
    fn an_empty_value_is_no_value() {
        assert_eq!(decode::form::<Choice>(b"agent=7").unwrap(), Choice { agent: Some(7) });
        assert_eq!(decode::form::<Choice>(b"agent=").unwrap(), Choice { agent: None });
        assert_eq!(decode::form::<Choice>(b"agent=x").unwrap_err().field.as_deref(), Some("agent"));
    }

    #[test]
    fn bad_input_names_its_field() {
        let err = decode::form::<Args>(b"id=abc").unwrap_err();
        assert_eq!((err.code, err.field.as_deref()), (ErrorCode::Validation, Some("id")));
        let err = decode::form::<Args>(b"note=x").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("id"));
        let err = decode::form::<Args>(b"id=1&active=maybe").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("active"));
        let err = decode::json::<Args>(br#"{"id":1.5}"#).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("id"));
        let err = decode::json::<Args>(b"{not json").unwrap_err();
        assert_eq!((err.code, err.field), (ErrorCode::Validation, None));
        let err = decode::body::<Args>(Some("text/plain"), b"id=1").unwrap_err();
        assert_eq!(err.code, ErrorCode::UnsupportedMediaType);
    }
}
