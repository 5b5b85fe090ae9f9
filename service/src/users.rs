//! Accounts: creating one with its first API token, and looking people up
//! by email.

use std::collections::HashMap;
use std::sync::Mutex;

use collab_authz::Email;
use collab_authz::membership::Username;
use collab_authz::org::directory::TwoFactor;
use deadpool_postgres::Pool;

use crate::auth::{new_api_token, new_id, parse_two_factor, token_digest};
use crate::error::{ApiError, ApiResult};

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its id (`usr_...`).
    pub id: String,
    /// Its email.
    pub email: String,
    /// Its username, if set.
    pub username: Option<String>,
    /// Its two-factor status.
    pub two_factor: TwoFactor,
}

/// Creates an account and its first API token; returns the account and
/// the token (shown once: only its digest is stored).
///
/// # Errors
/// 422 for an invalid email or username; 409 when the email or username
/// is taken; 503 when the database is unreachable.
pub async fn create_user(
    pool: &Pool,
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
    let mut client = crate::db::client(pool).await?;
    let tx = client.transaction().await?;
    tx.execute(
        "INSERT INTO users (id, email, email_norm, username, two_factor) VALUES ($1, $2, $3, $4, $5)",
        &[
            &id,
            &email.as_str(),
            &email.normalized(),
            &username,
            &two_factor.id(),
        ],
    )
    .await
    .map_err(|e| match ApiError::from(e) {
        ApiError::Conflict(_) => ApiError::Conflict("the email or username is taken".into()),
        other => other,
    })?;
    tx.execute(
        "INSERT INTO api_tokens (id, digest, user_id) VALUES ($1, $2, $3)",
        &[&token_id, &token_digest(&token), &id],
    )
    .await?;
    tx.commit().await?;
    Ok((
        User {
            id,
            email: email.as_str().to_string(),
            username: username.map(str::to_string),
            two_factor,
        },
        token,
    ))
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
        && name != crate::routes::UNKNOWN_USERNAME
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

/// The accounts of these normalized emails, by normalized email.
///
/// # Errors
/// 503 when the database is unreachable.
pub async fn by_emails(pool: &Pool, emails: &[&str]) -> ApiResult<HashMap<String, User>> {
    if emails.is_empty() {
        return Ok(HashMap::new());
    }
    let client = crate::db::client(pool).await?;
    let rows = client
        .query(
            &client
                .prepare_cached(
                    "SELECT id, email, username, two_factor, email_norm FROM users
              WHERE email_norm = ANY($1)",
                )
                .await?,
            &[&emails],
        )
        .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        out.insert(
            row.try_get::<_, String>(4)?,
            User {
                id: row.try_get(0)?,
                email: row.try_get(1)?,
                username: row.try_get(2)?,
                two_factor: parse_two_factor(row.try_get(3)?),
            },
        );
    }
    Ok(out)
}

/// Past this many entries, [`UserIdCache`] is emptied.
const USER_ID_CACHE_CAPACITY: usize = 100_000;

/// A per-process map from normalized email to account id. An account's
/// email and id never change and accounts are never deleted, so an entry
/// never goes stale; only hits are kept (an email without an account is
/// asked again).
#[derive(Debug, Default)]
pub struct UserIdCache {
    map: Mutex<HashMap<String, String>>,
}

impl UserIdCache {
    /// The account ids of these normalized emails (those that have one),
    /// asking the database only for the emails not cached yet.
    ///
    /// # Errors
    /// 503 when the database is unreachable.
    pub async fn ids(&self, pool: &Pool, emails: &[&str]) -> ApiResult<HashMap<String, String>> {
        let mut out = HashMap::with_capacity(emails.len());
        let mut missing = Vec::new();
        {
            let map = self
                .map
                .lock()
                .map_err(|_| ApiError::internal("user id cache poisoned"))?;
            for email in emails {
                match map.get(*email) {
                    Some(id) => {
                        out.insert((*email).to_string(), id.clone());
                    }
                    None => missing.push(*email),
                }
            }
        }
        if missing.is_empty() {
            return Ok(out);
        }
        let found = by_emails(pool, &missing).await?;
        let mut map = self
            .map
            .lock()
            .map_err(|_| ApiError::internal("user id cache poisoned"))?;
        if map.len() + found.len() > USER_ID_CACHE_CAPACITY {
            map.clear();
        }
        for (email, user) in found {
            map.insert(email.clone(), user.id.clone());
            out.insert(email, user.id);
        }
        Ok(out)
    }
}
