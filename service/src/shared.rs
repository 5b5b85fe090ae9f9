//! What the JSON API ([`routes`](crate::routes)) and the pages
//! ([`web`](crate::web)) both use, below both of them: neither imports
//! from the other.
//!
//! - [`PathParams`]: path parameters whose rejection is a 400;
//! - [`parse_email`]: an address as the crate parses it;
//! - [`invitation_link`]: the link a pending invitee opens;
//! - [`directory`]: the owner's consolidated directory and its exports.

pub mod directory;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use collab_authz::Email;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// Path parameters, whose rejection (bad percent-encoding, a NUL byte) is
/// a 400.
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
    format!(
        "{}/v1/invitations/{resource_id}/{member_id}/{}",
        state.config.public_url,
        state.store.invitation_secret(resource_id, member_id)
    )
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
