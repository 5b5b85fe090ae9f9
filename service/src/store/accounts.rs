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

/// The two kinds of token rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An API token (exchanged for API bearer tokens).
    Api,
    /// A page session (behind a session cookie).
    Session,
}

/// The `FROM` and `WHERE` of every credential check: token row `t` is
/// `$1`, of account `$2` (joined as `u`), of the kind given (`api` or
/// `session`), not revoked and not expired; a session's API token (`p`,
/// its `parent_id`) is not revoked either. An API token never has a
/// parent (only sessions are opened with one): its statement requires
/// that instead of joining one, which spares the database a join on
/// every request. `$joins` goes between the token's joins and the
/// `WHERE` (for a statement that reads something else in the same trip).
/// [`Store::token_account`] and [`Store::token_account_and_resource`]
/// both use it, so that their conditions cannot drift apart.
macro_rules! live_token {
    (api, $joins:expr) => {
        concat!(
            "FROM api_tokens t JOIN users u ON u.id = t.user_id ",
            $joins,
            " WHERE t.id = $1 AND t.user_id = $2 AND t.revoked_at IS NULL
                AND t.kind = 'api'
                AND (t.expires_at IS NULL OR t.expires_at > now())
                AND t.parent_id IS NULL"
        )
    };
    (session, $joins:expr) => {
        concat!(
            "FROM api_tokens t JOIN users u ON u.id = t.user_id
              LEFT JOIN api_tokens p ON p.id = t.parent_id ",
            $joins,
            " WHERE t.id = $1 AND t.user_id = $2 AND t.revoked_at IS NULL
                AND t.kind = 'session'
                AND (t.expires_at IS NULL OR t.expires_at > now())
                AND (t.parent_id IS NULL OR p.revoked_at IS NULL)"
        )
    };
}

impl TokenKind {
    /// As stored.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Api => "api",
            TokenKind::Session => "session",
        }
    }
}

/// A live page session as [`Store::sessions`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// Its id (`tok_...`).
    pub id: String,
    /// The API token it was opened with.
    pub api_token_id: String,
    /// When it was opened (Unix seconds).
    pub created_at: i64,
    /// When it ends (Unix seconds).
    pub expires_at: i64,
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
                          WHERE t.digest = $1 AND t.revoked_at IS NULL AND t.kind = 'api'
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

    /// Stores a page session `session_id` of account `user_id`, opened
    /// with API token `parent_id` and ending `ttl_seconds` from now (or
    /// when that token is revoked); `false` when the API token is no
    /// longer live (revoked meanwhile), and then nothing is stored.
    ///
    /// # Errors
    /// [`StoreError`] when the database fails.
    pub async fn insert_session(
        &self,
        session_id: &str,
        digest: &[u8],
        user_id: &str,
        parent_id: &str,
        ttl_seconds: u64,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let ttl = i64::try_from(ttl_seconds).unwrap_or(i64::MAX);
        let inserted = client
            .execute(
                "INSERT INTO api_tokens (id, digest, user_id, kind, parent_id, expires_at)
                 SELECT $1, $2, $3, 'session', p.id, now() + ($5::bigint)::float8 * interval '1 second'
                   FROM api_tokens p
                  WHERE p.id = $4 AND p.user_id = $3 AND p.kind = 'api'
                    AND p.revoked_at IS NULL",
                &[&session_id, &digest, &user_id, &parent_id, &ttl],
            )
            .await?;
        Ok(inserted == 1)
    }

    /// The live page sessions of account `user_id`, newest first.
    ///
    /// # Errors
    /// [`StoreError`] when the database fails.
    pub async fn sessions(&self, user_id: &str) -> Result<Vec<SessionRow>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT s.id, s.parent_id,
                        extract(epoch FROM s.created_at)::bigint,
                        extract(epoch FROM s.expires_at)::bigint
                   FROM api_tokens s JOIN api_tokens p ON p.id = s.parent_id
                  WHERE s.user_id = $1 AND s.kind = 'session'
                    AND s.revoked_at IS NULL AND s.expires_at > now()
                    AND p.revoked_at IS NULL
                  ORDER BY s.created_at DESC, s.id",
                &[&user_id],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(SessionRow {
                    id: row.try_get(0)?,
                    api_token_id: row.try_get(1)?,
                    created_at: row.try_get(2)?,
                    expires_at: row.try_get(3)?,
                })
            })
            .collect()
    }

    /// Ends page session `session_id` of account `user_id`; `false` when
    /// it is not one of their live sessions (nothing changes).
    ///
    /// # Errors
    /// [`StoreError`] when the database fails.
    pub async fn revoke_session(
        &self,
        user_id: &str,
        session_id: &str,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "UPDATE api_tokens SET revoked_at = now()
                  WHERE id = $1 AND user_id = $2 AND kind = 'session'
                    AND revoked_at IS NULL AND expires_at > now()",
                &[&session_id, &user_id],
            )
            .await?;
        Ok(n == 1)
    }

    /// Revokes token `token_id` and, when it is an API token, every page
    /// session opened with it (every bearer token and cookie from them is
    /// refused from then on, on every replica).
    ///
    /// # Errors
    /// [`StoreError`] when the database fails.
    pub async fn revoke_token(&self, token_id: &str) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                &client
                    .prepare_cached(
                        "UPDATE api_tokens SET revoked_at = now()
                          WHERE (id = $1 OR parent_id = $1) AND revoked_at IS NULL",
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
    /// The token's conditions are those of [`Store::token_account`] (the
    /// two statements share them: `live_token!`), so a revoked token is
    /// refused here at once, on every replica. `None`: the credential is
    /// refused; `Some((user, None))`: no such resource.
    ///
    /// # Errors
    /// [`StoreError`] when the database fails.
    pub async fn token_account_and_resource(
        &self,
        token_id: &str,
        user_id: &str,
        token_kind: TokenKind,
        kind: ResourceKind,
        key: &str,
    ) -> Result<Option<(User, Option<ResourceRow>)>, StoreError> {
        macro_rules! statement {
            ($kind:tt) => {
                concat!(
                    "SELECT u.id AS user_id, u.email AS user_email,
                            u.username AS user_username, u.two_factor AS user_two_factor,
                            r.id, r.kind, r.name, r.version, r.head,
                            extract(epoch FROM r.created_at)::bigint AS created_at ",
                    live_token!($kind, "LEFT JOIN resources r
                         ON r.kind = $3 AND (r.id = $4 OR r.name = $4) AND r.deleted_at IS NULL"),
                )
            };
        }
        let sql = match token_kind {
            TokenKind::Api => statement!(api),
            TokenKind::Session => statement!(session),
        };
        let client = self.client().await?;
        let row = client
            .query_opt(
                &client.prepare_cached(sql).await?,
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

    /// The account of user `user_id` if token `token_id` is theirs, of
    /// `kind` (`api` or `session`), not revoked, and, for a session, not
    /// expired and opened with an API token that is not revoked either
    /// (`live_token!`).
    ///
    /// # Errors
    /// [`StoreError`] when the database fails.
    pub async fn token_account(
        &self,
        token_id: &str,
        user_id: &str,
        kind: TokenKind,
    ) -> Result<Option<User>, StoreError> {
        macro_rules! statement {
            ($kind:tt) => {
                concat!(
                    "SELECT u.id, u.email, u.username, u.two_factor ",
                    live_token!($kind, "")
                )
            };
        }
        let sql = match kind {
            TokenKind::Api => statement!(api),
            TokenKind::Session => statement!(session),
        };
        let client = self.client().await?;
        let row = client
            .query_opt(&client.prepare_cached(sql).await?, &[&token_id, &user_id])
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
