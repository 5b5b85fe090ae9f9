//! What a request carries, read the same way by the API (`routes/`) and
//! the pages (`web/`): path and query extractors whose rejections are
//! JSON errors, and the checks of the values people type (emails,
//! resource names).

use axum::extract::{FromRequestParts, RawQuery};
use axum::http::request::Parts;
use collab_authz::Email;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::ApiError;

/// Path parameters, whose rejection (bad percent-encoding) is a JSON 400.
#[derive(Debug)]
pub struct PathParams<T>(pub T);

impl<T> FromRequestParts<AppState> for PathParams<T>
where
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if parts.uri.path().contains("%00") {
            return Err(ApiError::BadRequest("path: contains a NUL byte".into()));
        }
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| PathParams(p.0))
            .map_err(|e| ApiError::BadRequest(format!("path: {e}")))
    }
}

/// Query parameters, whose rejection is a JSON 400; unknown parameters
/// are refused when `T` denies them.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<T> FromRequestParts<AppState> for QueryParams<T>
where
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let RawQuery(query) = RawQuery::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadRequest(format!("query: {e}")))?;
        serde_urlencoded::from_str(query.as_deref().unwrap_or(""))
            .map(QueryParams)
            .map_err(|e| ApiError::BadRequest(format!("query: {e}")))
    }
}

/// An email as the crate parses it (the crate refuses control,
/// invisible and bidirectional characters), or 422 with its reason.
///
/// # Errors
/// 422 with the crate's reason.
pub fn parse_email(s: &str) -> Result<Email, ApiError> {
    Email::parse(s).map_err(|e| ApiError::Unprocessable(format!("email: {e}")))
}

/// A resource name: 3 to 48 bytes of lower-case ASCII letters, digits and
/// `-`, starting with a letter and not ending with `-` (a DNS label, so
/// hostile text never reaches a listing).
///
/// # Errors
/// 422 naming the rule.
pub fn validate_name(name: &str) -> Result<(), ApiError> {
    let bytes = name.as_bytes();
    let ok = (3..=48).contains(&bytes.len())
        && bytes.first().is_some_and(u8::is_ascii_lowercase)
        && bytes.last().is_some_and(|b| *b != b'-')
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::Unprocessable(
            "name: 3 to 48 lower-case letters, digits or '-', starting with a letter, not ending with '-'"
                .into(),
        ))
    }
}
