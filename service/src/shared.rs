//! What the JSON API ([`routes`](crate::routes)) and the pages
//! ([`web`](crate::web)) both use, below both of them: neither imports
//! from the other.
//!
//! - [`PathParams`], [`QueryParams`]: path and query parameters whose
//!   rejection is a 400;
//! - [`parse_email`]: an address as the crate parses it;
//! - [`validate_name`]: a resource name;
//! - [`invitation_link`]: the link a pending invitee opens;
//! - [`directory`]: the owner's consolidated directory and its exports.

pub mod directory;

use axum::extract::{FromRequestParts, RawQuery};
use axum::http::request::Parts;
use collab_authz::Email;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Path parameters, whose rejection (bad percent-encoding, a NUL byte) is
/// a 400.
#[derive(Debug)]
pub struct PathParams<T>(pub T);

impl<S, T> FromRequestParts<S> for PathParams<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
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

impl<S, T> FromRequestParts<S> for QueryParams<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let RawQuery(query) = RawQuery::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadRequest(format!("query: {e}")))?;
        serde_urlencoded::from_str(query.as_deref().unwrap_or(""))
            .map(QueryParams)
            .map_err(|e| ApiError::BadRequest(format!("query: {e}")))
    }
}

/// An email as the crate parses it (a quoted local part such as
/// `"ada lovelace"@example.com` included; control, invisible and
/// bidirectional characters refused), or 422 with its reason.
///
/// # Errors
/// 422 naming what is wrong with the address.
pub fn parse_email(s: &str) -> ApiResult<Email> {
    Email::parse(s).map_err(|e| ApiError::Unprocessable(format!("email: {e}")))
}

/// The invitation link of the pending membership `member_id` of
/// `resource_id`: the service's public URL, the ids and the secret the
/// service derives for them.
#[must_use]
pub fn invitation_link(state: &AppState, resource_id: &str, member_id: &str) -> String {
    let secret = state.keys.invitation_secret(resource_id, member_id);
    invitation_link_with(&state.config.public_url, resource_id, member_id, &secret)
}

/// The invitation link of membership `member_id` of `resource_id` with
/// its `secret` in hand (an invitation just made: derived once).
#[must_use]
pub fn invitation_link_with(
    public_url: &str,
    resource_id: &str,
    member_id: &str,
    secret: &str,
) -> String {
    format!("{public_url}/v1/invitations/{resource_id}/{member_id}/{secret}")
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

#[cfg(test)]
mod tests {
    use super::parse_email;

    #[test]
    fn a_quoted_local_part_is_an_address() {
        let quoted = "\"ada.lovelace\"@example.com";
        let parsed = parse_email(quoted).map(|e| e.as_str().to_string());
        assert_eq!(parsed, Ok(quoted.to_string()));
        assert!(parse_email("ada lovelace@example.com").is_err());
    }
}
