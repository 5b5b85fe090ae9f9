//! [`JsonBody`]: a JSON request body read under a size limit, whose every
//! failure is a JSON error (400 malformed, 413 too large, 422 invalid).

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A request body parsed as JSON into `T`.
///
/// - over [`BODY_LIMIT`]: 413;
/// - not JSON (syntax, truncated, not UTF-8): 400;
/// - JSON of the wrong shape (wrong type, missing, unknown or duplicate
///   field at any depth, bad value): 422.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        parse(&read(req).await?).map(JsonBody)
    }
}

/// The body of `req`, at most [`BODY_LIMIT`] bytes (else 413).
async fn read(req: Request) -> Result<axum::body::Bytes, ApiError> {
    read_limited(req, BODY_LIMIT).await
}

/// The body of `req`, at most `limit` bytes: 413 past the limit, 408 when
/// the router's body deadline (`Config::body_timeout`)
/// passed first (or the client went away).
///
/// # Errors
/// [`ApiError::PayloadTooLarge`] or [`ApiError::RequestTimeout`].
pub async fn read_limited(req: Request, limit: usize) -> Result<axum::body::Bytes, ApiError> {
    let deadline = req
        .extensions()
        .get::<BodyDeadline>()
        .map_or(0, |d| d.0.as_secs());
    axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|e| {
            let over = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if over {
                ApiError::PayloadTooLarge(limit)
            } else {
                ApiError::RequestTimeout(deadline)
            }
        })
}

/// The body deadline of the router, as a request extension (for the 408's
/// message).
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadline(pub std::time::Duration);

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
    convert(tree(bytes)?)
}

/// `bytes` as a JSON tree of the shape every body has (an object whose
/// arrays hold objects): 400 when it is not JSON, 422 for another shape.
fn tree(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    let value = serde_json::from_slice::<Unique>(bytes)
        .map(|u| u.0)
        .map_err(|e| {
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
    Ok(value)
}

/// A JSON tree read with every object's keys distinct, at any depth: a
/// `serde_json::Value` keeps the last of two equal keys, so
/// `{"is_limited":false,"is_limited":true}` would silently mean `true`.
/// A repeated key (after unescaping: `"is\u005flimited"` is `is_limited`)
/// is a data error, which [`tree`] answers with 422.
struct Unique(serde_json::Value);

impl<'de> serde::Deserialize<'de> for Unique {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueVisitor).map(Unique)
    }
}

struct UniqueVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Unique(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(serde_json::Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format_args!(
                    "duplicate field `{key}`"
                )));
            }
            let Unique(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(serde_json::Value::Object(object))
    }
}

/// A checked tree as `T` (422 when it does not fit).
fn convert<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
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
/// unknown fields are refused first ([`KnownFields`]). The body is read
/// into a JSON tree once, checked, and converted once.
#[derive(Debug, Clone)]
pub struct StrictBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + KnownFields> FromRequest<S> for StrictBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let value = tree(&read(req).await?)?;
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
        convert(value).map(StrictBody)
    }
}
