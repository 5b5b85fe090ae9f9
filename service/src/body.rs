//! [`JsonBody`]: a JSON request body read under a size limit, whose every
//! failure is a JSON error (400 malformed, 413 too large, 422 invalid).

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::ApiError;

/// The largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A request body parsed as JSON into `T`.
///
/// - over [`BODY_LIMIT`]: 413;
/// - not JSON (syntax, truncated, not UTF-8): 400;
/// - JSON of the wrong shape (wrong type, missing or unknown field, bad
///   value): 422.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &AppState) -> Result<Self, ApiError> {
        let bytes = axum::body::to_bytes(req.into_body(), BODY_LIMIT)
            .await
            .map_err(|_| ApiError::PayloadTooLarge(BODY_LIMIT))?;
        parse(&bytes).map(JsonBody)
    }
}

/// Parses `bytes` as `T` with the status rules of [`JsonBody`].
///
/// Every body of the API is an object whose arrays hold objects; serde
/// would also read a struct from an array of its fields in order
/// (`[{"email": ...}]` as `{"collaborator": {...}}`), so any other shape is
/// refused before `T` is read.
///
/// # Errors
/// 400 for malformed JSON, 422 for JSON of the wrong shape.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        let message = e.to_string();
        match e.classify() {
            Category::Data => ApiError::Unprocessable(format!("invalid body: {message}")),
            Category::Syntax | Category::Eof | Category::Io => {
                ApiError::BadRequest(format!("malformed JSON: {message}"))
            }
        }
    })?;
    if !value.is_object() || !arrays_hold_objects(&value) {
        return Err(ApiError::Unprocessable(
            "invalid body: expected a JSON object (whose lists hold objects)".into(),
        ));
    }
    serde_json::from_value(value).map_err(|e| ApiError::Unprocessable(format!("invalid body: {e}")))
}

fn arrays_hold_objects(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Array(items) => items
            .iter()
            .all(|item| item.is_object() && arrays_hold_objects(item)),
        Value::Object(map) => map.values().all(arrays_hold_objects),
        _ => true,
    }
}

/// The fields a crate body may carry: the crate's request bodies
/// ([`InviteBody`](collab_authz::api::InviteBody),
/// [`UpdateBody`](collab_authz::api::UpdateBody)) ignore unknown fields;
/// the service refuses them (422), so that a misspelt or unsupported field
/// (`"role": "owner"`) is never silently dropped.
pub trait KnownFields {
    /// The one top-level key.
    const OUTER: &'static str;
    /// The keys allowed in the object under [`OUTER`](Self::OUTER).
    const INNER: &'static [&'static str];
}

impl KnownFields for collab_authz::api::InviteBody {
    const OUTER: &'static str = "collaborator";
    const INNER: &'static [&'static str] = &["email", "is_limited"];
}

impl KnownFields for collab_authz::api::UpdateBody {
    const OUTER: &'static str = "collaborator";
    const INNER: &'static [&'static str] = &["is_limited"];
}

/// A request body read as [`JsonBody`] does, into a crate body whose
/// unknown fields are refused first ([`KnownFields`]).
#[derive(Debug, Clone)]
pub struct StrictBody<T>(pub T);

impl<T: DeserializeOwned + KnownFields> FromRequest<AppState> for StrictBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let JsonBody(value) = JsonBody::<serde_json::Value>::from_request(req, state).await?;
        let unknown =
            |key: &str| ApiError::Unprocessable(format!("invalid body: unknown field `{key}`"));
        if let Some(object) = value.as_object() {
            if let Some(key) = object.keys().find(|k| *k != T::OUTER) {
                return Err(unknown(key));
            }
            if let Some(inner) = object.get(T::OUTER).and_then(serde_json::Value::as_object) {
                if let Some(key) = inner.keys().find(|k| !T::INNER.contains(&k.as_str())) {
                    return Err(unknown(key));
                }
            }
        }
        serde_json::from_value(value)
            .map(StrictBody)
            .map_err(|e| ApiError::Unprocessable(format!("invalid body: {e}")))
    }
}
