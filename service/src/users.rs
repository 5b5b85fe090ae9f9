//! Accounts: creating one with its first API token (the command line's
//! `user add` and the tests), after checking the email and username.

use collab_authz::Email;
use collab_authz::api::UNKNOWN_USERNAME;
use collab_authz::membership::Username;
use collab_authz::org::directory::TwoFactor;

use crate::auth::{new_api_token, token_digest};
use crate::error::{ApiError, ApiResult};
use crate::ids::new_id;
use crate::store::Store;
use crate::store::accounts::{NewUser, User};

/// Creates an account and its first API token; returns the account and
/// the token (shown once: only its digest is stored).
///
/// # Errors
/// 422 for an invalid email or username; 409 when the email or username
/// is taken; 503 when the database is unreachable.
pub async fn create_user(
    store: &Store,
    email: &str,
    username: Option<&str>,
    two_factor: TwoFactor,
) -> ApiResult<(User, String)> {
    let email = Email::parse(email).map_err(|e| ApiError::Unprocessable(format!("email: {e}")))?;
    if let Some(name) = username {
        validate_username(name)?;
    }
    let id = new_id("usr_")?;
    let token = new_api_token()?;
    let token_id = new_id("tok_")?;
    store
        .insert_user(NewUser {
            id: &id,
            email: &email,
            username,
            two_factor,
            token_id: &token_id,
            token_digest: &token_digest(&token),
        })
        .await?;
    let user = User {
        id,
        email: email.as_str().to_string(),
        username: username.map(str::to_string),
        two_factor,
    };
    Ok((user, token))
}

/// A username: what the crate accepts, at most 64 bytes, and only ASCII
/// letters, digits, `-`, `_` and `.` (no spaces, controls or
/// bidirectional marks to spoof a listing with).
///
/// # Errors
/// 422 naming the rule broken.
pub fn validate_username(name: &str) -> ApiResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name != UNKNOWN_USERNAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !ok {
        return Err(ApiError::Unprocessable(
            "username: 1 to 64 ASCII letters, digits, '-', '_' or '.'".into(),
        ));
    }
    Username::new(name).map_err(|e| ApiError::Unprocessable(format!("username: {e}")))?;
    Ok(())
}
