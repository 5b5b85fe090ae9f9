//! Idempotency keys: the answer of a keyed write, recorded by the write's
//! own append statement (see `write`), and read back for a retry.
//!
//! A write is committed if and only if its key is recorded: the key's row
//! is inserted by the statement that moves the resource's head and appends
//! the events, and its primary key makes a second write with the same key
//! fail as a whole. Only writes that append events are recorded; a refusal
//! or a write that changes nothing (the crate's `Outcome::Unchanged`)
//! records nothing, so a retry decides again (and, changing nothing the
//! first time, changes nothing either unless the state moved meanwhile).
//!
//! Storage is bounded by time: each row expires after the retention
//! setting (`--idempotency-retention-seconds`, 24 h by default); each
//! [`Store::recall`] deletes the expired row of its own key and at most
//! [`PRUNE_BATCH`] other expired rows, oldest first, through the index on
//! `expires_at` (never a scan of the table). A row exists only for a write
//! that appended events, so the table never holds more rows than the
//! keyed writes of one retention period.

use std::time::Duration;

use super::{Store, StoreError};

/// How many expired keys (of anyone) each [`Store::recall`] deletes, at
/// most, besides its own.
pub const PRUNE_BATCH: i64 = 32;

/// An `Idempotency-Key` with what it is scoped to and the fingerprint of
/// the request that carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// The caller's account id.
    pub account_id: String,
    /// The method and route template (`POST /v1/apps/{key}/collaborators`).
    pub route: String,
    /// The resource as the request's path names it (its name or its id).
    pub resource: String,
    /// The key itself: 1 to 255 printable ASCII characters.
    pub key: String,
    /// SHA-256 of the method, the path and query, and the body.
    pub fingerprint: [u8; 32],
}

/// An answer as sent and recorded: its status and its body (JSON, or
/// empty for a 204).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The HTTP status.
    pub status: u16,
    /// The body's bytes.
    pub body: Vec<u8>,
}

/// What a key recorded before says about a request carrying it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recall {
    /// The same request (same fingerprint): its recorded answer, to be
    /// sent again; nothing is written.
    Same(Recorded),
    /// Another request with the same key (another fingerprint): refused.
    Different,
}

/// A keyed write: its key, how long the key is kept, and how to build the
/// answer of the committed state (called before the append, on the state
/// the append will commit, so that the statement records it).
#[derive(Debug)]
pub(crate) struct Keyed<'a, F> {
    /// The key and its scope.
    pub key: &'a IdempotencyKey,
    /// How long the recorded answer is kept.
    pub retention: Duration,
    /// The answer to the committed write.
    pub answer: F,
}

/// Deletes the expired row of this key and at most [`PRUNE_BATCH`] other
/// expired rows (oldest first, skipping rows another statement holds),
/// then reads this key's live row. One round trip.
const RECALL_SQL: &str = "
WITH pruned AS (
    DELETE FROM idempotency_keys
     WHERE (account_id, route, resource, key) IN (
            SELECT account_id, route, resource, key FROM idempotency_keys
             WHERE expires_at <= now()
             ORDER BY expires_at LIMIT $5
               FOR UPDATE SKIP LOCKED)
        OR (account_id = $1 AND route = $2 AND resource = $3 AND key = $4
            AND expires_at <= now())
    RETURNING 1
)
SELECT fingerprint, status, body FROM idempotency_keys
 WHERE account_id = $1 AND route = $2 AND resource = $3 AND key = $4
   AND expires_at > now()";

impl Store {
    /// The answer recorded for `key`, if a live one is (pruning expired
    /// keys on the way, see the module's documentation).
    ///
    /// # Errors
    /// [`StoreError`] when the database fails.
    pub async fn recall(&self, key: &IdempotencyKey) -> Result<Option<Recall>, StoreError> {
        let client = self.client().await?;
        recall_on(&client, key, PRUNE_BATCH).await
    }
}

/// [`Store::recall`] on `client` (a pooled connection or a transaction),
/// deleting at most `prune` expired keys besides its own (the write path
/// looks its key up again without pruning more).
pub(super) async fn recall_on<C: deadpool_postgres::GenericClient>(
    client: &C,
    key: &IdempotencyKey,
    prune: i64,
) -> Result<Option<Recall>, StoreError> {
    let statement = client.prepare_cached(RECALL_SQL).await?;
    let row = client
        .query_opt(
            &statement,
            &[&key.account_id, &key.route, &key.resource, &key.key, &prune],
        )
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let fingerprint: &[u8] = row.try_get("fingerprint")?;
    if fingerprint != key.fingerprint.as_slice() {
        return Ok(Some(Recall::Different));
    }
    let status: i16 = row.try_get("status")?;
    let status = u16::try_from(status)
        .map_err(|_| StoreError::corrupt(format!("a recorded status of {status}")))?;
    Ok(Some(Recall::Same(Recorded {
        status,
        body: row.try_get("body")?,
    })))
}
