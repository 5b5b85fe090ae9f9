//! Accounts and their tokens: creating an account with its first API
//! token, looking people up by email (with a per-process id cache), API
//! tokens and sessions (rows of `api_tokens`, stored as digests).

use std::collections::HashMap;
use std::sync::Mutex;

use collab_authz::org::directory::TwoFactor;
use collab_authz::{Email, ResourceKind};

use super::rosters::resource_row;
use super::{ResourceRow, Store, StoreError};

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

/// A new account and its first API token, as [`Store::insert_user`]
/// stores them.
#[derive(Debug, Clone, Copy)]
pub struct NewUser<'a> {
    /// The account's id.
    pub id: &'a str,
    /// Its email.
    pub email: &'a Email,
    /// Its username, if any.
    pub username: Option<&'a str>,
    /// Its two-factor status.
    pub two_factor: TwoFactor,
    /// The id of its first API token.
    pub token_id: &'a str,
    /// The digest of that token.
    pub token_digest: &'a [u8],
}

/// Reads a two-factor status as stored (anything else: unknown).
fn two_factor(s: &str) -> TwoFactor {
    s.parse().unwrap_or(TwoFactor::Unknown)
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

impl Store {
    /// Stores a new account and its first API token, in one transaction.
    ///
    /// # Errors
    /// [`StoreError::Taken`] when the email or username is taken.
    pub async fn insert_user(&self, user: NewUser<'_>) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "INSERT INTO users (id, email, email_norm, username, two_factor)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &user.id,
                &user.email.as_str(),
                &user.email.normalized(),
                &user.username,
                &user.two_factor.id(),
            ],
        )
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Taken(_) => StoreError::Taken("the email or username is taken".into()),
            other => other,
        })?;
        tx.execute(
            "INSERT INTO api_tokens (id, digest, user_id) VALUES ($1, $2, $3)",
            &[&user.token_id, &user.token_digest, &user.id],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The accounts of these normalized emails, by normalized email.
    ///
    /// # Errors
    /// [`StoreError`] when the database fails.
    pub async fn users_by_email(
        &self,
        emails: &[&str],
    ) -> Result<HashMap<String, User>, StoreError> {
        if emails.is_empty() {
            return Ok(HashMap::new());
        }
        let client = self.client().await?;
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
                    two_factor: two_factor(row.try_get(3)?),
                },
            );
        }
        Ok(out)
    }

    /// The account ids of these normalized emails (those that have one),
    /// asking the database only for the emails not cached yet.
    ///
    /// # Errors
    /// [`StoreError`] when the database fails.
    pub async fn user_ids(&self, emails: &[&str]) -> Result<HashMap<String, String>, StoreError> {
        let poisoned = || StoreError::corrupt("user id cache poisoned");
        let mut out = HashMap::with_capacity(emails.len());
        let mut missing = Vec::new();
        {
            let map = self.user_ids.map.lock().map_err(|_| poisoned())?;
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
        let found = self.users_by_email(&missing).await?;
        let mut map = self.user_ids.map.lock().map_err(|_| poisoned())?;
        if map.len() + found.len() > USER_ID_CACHE_CAPACITY {
            map.clear();
        }
        for (email, user) in found {
            map.insert(email.clone(), user.id.clone());
            out.insert(email, user.id);
        }
        Ok(out)
    }

    /// The live API token whose digest is `digest`, as `(token id, user
    /// id)`; with `email`, only if it is that account's.
    ///
    /// # Errors
    /// [`StoreError`] when the database fails.
    pub async fn api_token(
        &self,
        digest: &[u8],
        email: Option<&Email>,
    ) -> Result<Option<(String, String)>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &client
                    .prepare_cached(
                        "SELECT t.id, t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id
                          WHERE t.digest = $1 AND t.revoked_at IS NULL
                            AND ($2::text IS NULL OR u.email_norm = $2)",
                    )
                    .await?,
                &[&digest, &email.map(Email::normalized)],
            )
            .await?;
        Ok(match row {
            Some(row) => Some((row.try_get(0)?, row.try_get(1)?)),
            None => None,
        })
    }

    /// Stores a token row `token_id` (an API token or a session) of
    /// account `user_id`.
    ///
    /// # Errors
    /// [`StoreError`] when the database fails.
    pub async fn insert_token(
        &self,
        token_id: &str,
        digest: &[u8],
        user_id: &str,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO api_tokens (id, digest, user_id) VALUES ($1, $2, $3)",
                &[&token_id, &digest, &user_id],
            )
            .await?;
        Ok(())
    }

    /// Revokes token `token_id` (every bearer token from it is refused
    /// from then on, on every replica).
    ///
    /// # Errors
    /// [`StoreError`] when the database fails.
    pub async fn revoke_token(&self, token_id: &str) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                &client
                    .prepare_cached(
                        "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
                    )
                    .await?,
                &[&token_id],
            )
            .await?;
        Ok(())
    }

    /// [`Store::token_account`] and, in the same statement, the live
    /// resource of `kind` whose id or name is `key`: the credential check
    /// and the resource's version that a read needs, in one round trip.
    /// The token's conditions are those of [`Store::token_account`]
    /// (keep the two statements' `WHERE` the same), so a revoked token is
    /// refused here at once, on every replica. `None`: the credential is
    /// refused; `Some((user, None))`: no such resource.
    ///
    /// # Errors
    /// [`StoreError`] when the database fails.
    pub async fn token_account_and_resource(
        &self,
        token_id: &str,
        user_id: &str,
        kind: ResourceKind,
        key: &str,
    ) -> Result<Option<(User, Option<ResourceRow>)>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &client
                    .prepare_cached(
                        "SELECT u.id AS user_id, u.email AS user_email,
                        u.username AS user_username, u.two_factor AS user_two_factor,
                        r.id, r.kind, r.name, r.version,
                        extract(epoch FROM r.created_at)::bigint AS created_at
                   FROM api_tokens t JOIN users u ON u.id = t.user_id
                   LEFT JOIN resources r
                     ON r.kind = $3 AND (r.id = $4 OR r.name = $4) AND r.deleted_at IS NULL
                  WHERE t.id = $1 AND t.user_id = $2 AND t.revoked_at IS NULL",
                    )
                    .await?,
                &[&token_id, &user_id, &kind.id(), &key],
            )
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let user = User {
            id: row.try_get("user_id")?,
            email: row.try_get("user_email")?,
            username: row.try_get("user_username")?,
            two_factor: two_factor(row.try_get("user_two_factor")?),
        };
        let resource = match row.try_get::<_, Option<String>>("id")? {
            Some(_) => Some(resource_row(&row)?),
            None => None,
        };
        Ok(Some((user, resource)))
    }

    /// The account of user `user_id` if token `token_id` is theirs and
    /// not revoked.
    ///
    /// # Errors
    /// [`StoreError`] when the database fails.
    pub async fn token_account(
        &self,
        token_id: &str,
        user_id: &str,
    ) -> Result<Option<User>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &client
                    .prepare_cached(
                        "SELECT u.id, u.email, u.username, u.two_factor
                   FROM api_tokens t JOIN users u ON u.id = t.user_id
                  WHERE t.id = $1 AND t.user_id = $2 AND t.revoked_at IS NULL",
                    )
                    .await?,
                &[&token_id, &user_id],
            )
            .await?;
        Ok(match row {
            Some(row) => Some(User {
                id: row.try_get(0)?,
                email: row.try_get(1)?,
                username: row.try_get(2)?,
                two_factor: two_factor(row.try_get(3)?),
            }),
            None => None,
        })
    }
}
