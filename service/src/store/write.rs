//! The membership writes' one door and the one write path.
//!
//! A route hands [`Store::submit`] a [`WriteRequest`] (which resource, who
//! asks, what change, the idempotency key if the request carried one) and
//! how to answer the committed write; the store does the rest in one call:
//!
//! 1. opens the resource (its row and roster, once) for the caller as
//!    [`Seen`] says ([`Store::open`]); a resource the caller may not see
//!    is [`WriteError::Hidden`], unless the request's key was recorded
//!    (a retry of a rename, a deletion or a leave finds its resource
//!    renamed or gone, yet gets its first answer);
//! 2. writes ([`Store::write`], the path the pages take too): the key
//!    looked up after the roster's load, an invitation held to the
//!    [`InvitationRate`](super::InvitationRate), the crate's decision on
//!    the roster at `v` (`command.rs`), then in one statement
//!    (`append.rs`) the compare-and-set of the head from `v`, the events
//!    and the keyed answer; a writer that lost the race decides again, at
//!    most [`OPTIMISTIC_ATTEMPTS`] times, then once more under the row
//!    lock. What follows the append (the cache, the snapshot written in
//!    the background) is in `commit.rs`;
//! 3. hands back the answer to send: built from the committed write, or
//!    the one recorded for the key ([`Submitted::Replayed`]).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use collab_authz::{Email, Roster};

use super::access::{Locator, Opened, Seen};
use super::append::CommitError;
use super::command::{Change, Decided, Facts, decide};
use super::commit::{Committed, Wrote};
use super::idempotency::{IdempotencyKey, Keyed, PRUNE_BATCH, Recall, Recorded, recall_on};
use super::rosters::{RESOURCE_COLUMNS, resource_row};
use super::{
    AccessError, CACHE_CAPACITY, OPTIMISTIC_ATTEMPTS, ROLLED_BACK_ATTEMPTS, Store, StoreError,
    WriteError,
};
use crate::ids::{jitter_millis, new_id};

/// One membership write as a route asks for it.
#[derive(Debug)]
pub struct WriteRequest<'a> {
    /// The resource.
    pub at: Locator<'a>,
    /// Who asks (the crate decides for them).
    pub caller: &'a Email,
    /// Who may open the resource for this write: [`Seen::Active`] for
    /// every write but a removal ([`Seen::Member`]: leave or decline) and
    /// an acceptance ([`Seen::Link`]).
    pub seen: Seen,
    /// What to write.
    pub change: Change,
    /// The request's idempotency key, scoped to the caller, if it carried
    /// one.
    pub key: Option<IdempotencyKey>,
}

/// The answer to a submitted write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// The answer built for this write (it appended events, or changed
    /// nothing: the state asked for already held).
    Answered(Recorded),
    /// The answer recorded for the request's key by its first try (on
    /// any replica), sent again: nothing was written.
    Replayed(Recorded),
}

/// How long an idempotency key's answer is kept when the store is built
/// without a setting.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

/// A write decided, before its append.
enum Ready {
    /// Nothing to append: the state asked for already holds.
    Unchanged(Committed),
    /// The events to append and, for a keyed write, the state they commit
    /// with the answer the append records.
    Append(Decided, Option<(Committed, Recorded)>),
}

/// The answer builder of a write without a key (never called).
type NoAnswer = fn(Committed) -> std::future::Ready<Result<Recorded, StoreError>>;

/// Waits before deciding again after the database rolled the `attempt`th
/// try back: a few milliseconds, doubling, with jitter.
async fn back_off(attempt: u32, e: &StoreError) {
    tracing::debug!(attempt, cause = %e, "the database rolled the write back; deciding again");
    let millis = jitter_millis().saturating_mul(1 << attempt.min(4));
    tokio::time::sleep(Duration::from_millis(millis)).await;
}

impl Store {
    /// Keeps the answers of keyed writes for `retention`.
    #[must_use]
    pub fn with_idempotency_retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// The membership writes' one door (see the module's documentation):
    /// opens `request.at` for its caller, writes `request.change` (the
    /// crate decides), and answers with what `answer` builds of the
    /// committed write, or the answer recorded for the request's key.
    ///
    /// # Errors
    /// [`WriteError::Hidden`]: no such resource, or the caller may not
    /// see it; [`WriteError::Refused`]: the crate's refusal (or a growth
    /// limit's); [`WriteError::TooManyInvitations`];
    /// [`WriteError::KeyReused`]: the key was recorded with another
    /// request; [`WriteError::Store`]: the database failed (see
    /// [`Store::write`] on what that says of the write). Nothing is
    /// written on any error but the last, and a retry with the same key
    /// is safe after it.
    ///
    /// # Example
    ///
    /// An invitation as the owner of app `shop`, answered with the new
    /// membership's id (the JSON API answers with the collaborator):
    ///
    /// ```no_run
    /// use collab_authz::Email;
    /// use collab_authz::ResourceKind;
    /// use collab_authz_service::store::{
    ///     Change, Locator, Recorded, Seen, Store, Submitted, WriteError, WriteRequest,
    /// };
    ///
    /// async fn invite(store: &Store, owner: &Email) -> Result<Vec<u8>, WriteError> {
    ///     let request = WriteRequest {
    ///         at: Locator::Key(ResourceKind::App, "shop"),
    ///         caller: owner,
    ///         seen: Seen::Active,
    ///         change: Change::Invite {
    ///             email: "ada@example.com".parse().expect("an address"),
    ///             role: None,
    ///         },
    ///         key: None,
    ///     };
    ///     let answer = |done: collab_authz_service::store::Committed| async move {
    ///         let id = done.member_id.unwrap_or_default();
    ///         Ok(Recorded { status: 201, body: id.into_bytes() })
    ///     };
    ///     match store.submit(request, answer).await? {
    ///         Submitted::Answered(sent) | Submitted::Replayed(sent) => Ok(sent.body),
    ///     }
    /// }
    /// ```
    pub async fn submit<F, Fut>(
        &self,
        request: WriteRequest<'_>,
        answer: F,
    ) -> Result<Submitted, WriteError>
    where
        F: Fn(Committed) -> Fut + Sync,
        Fut: Future<Output = Result<Recorded, StoreError>> + Send,
    {
        let WriteRequest {
            at,
            caller,
            seen,
            change,
            key,
        } = request;
        let opened = match self.open(at, caller, seen).await {
            Ok(opened) => opened,
            Err(AccessError::Hidden(what)) => {
                if let Some(key) = &key {
                    if let Some(recall) = self.recall(key).await? {
                        return recalled(recall);
                    }
                }
                return Err(WriteError::Hidden(what));
            }
            Err(AccessError::Store(e)) => return Err(e.into()),
            Err(e) => return Err(StoreError::corrupt(e).into()),
        };
        let keyed = key.as_ref().map(|key| Keyed {
            key,
            retention: self.retention,
            answer: &answer,
        });
        match self.write_with(opened, change, keyed.as_ref()).await? {
            Wrote::Appended(_, Some(recorded)) => Ok(Submitted::Answered(recorded)),
            Wrote::Appended(done, None) | Wrote::Unchanged(done) => {
                Ok(Submitted::Answered(answer(done).await?))
            }
            Wrote::Recalled(recall) => recalled(recall),
        }
    }

    fn write_lock(&self, id: &str) -> Result<Arc<tokio::sync::Mutex<()>>, StoreError> {
        let mut locks = self
            .write_locks
            .lock()
            .map_err(|_| StoreError::corrupt("write lock table poisoned"))?;
        if locks.len() >= CACHE_CAPACITY {
            locks.retain(|_, lock| Arc::strong_count(lock) > 1);
        }
        Ok(Arc::clone(locks.entry(id.to_string()).or_default()))
    }

    /// Writes `change` on the resource `opened` holds, as its caller:
    /// decides against the roster `opened` loaded and appends at the next
    /// version; after a lost race, reloads and decides again, at most
    /// [`OPTIMISTIC_ATTEMPTS`] times, then once under the row lock. An
    /// attempt the database rolled back (serialization failure, deadlock)
    /// decides again, at most [`ROLLED_BACK_ATTEMPTS`] times.
    ///
    /// # Errors
    /// [`WriteError::Refused`]: the crate's refusal, nothing written;
    /// [`WriteError::Store`]: the database failed. Nothing is half-written
    /// (one transaction), but when the connection broke after the commit
    /// was sent, the write may have been committed without the service
    /// knowing (so a 503 does not mean nothing was written): a caller that
    /// must know writes with an idempotency key ([`Store::submit`])
    /// and retries with the same key.
    pub async fn write(&self, opened: Opened, change: Change) -> Result<Committed, WriteError> {
        match self.write_with::<NoAnswer, _>(opened, change, None).await? {
            Wrote::Appended(done, _) | Wrote::Unchanged(done) => Ok(done),
            Wrote::Recalled(_) => {
                Err(StoreError::corrupt("a write without a key recalled one").into())
            }
        }
    }

    /// [`Store::write`], with an idempotency key when `keyed` has one
    /// ([`Store::submit`]): the first write with the key that appends
    /// events records, in its append statement, the answer
    /// `keyed.answer` builds for the state it commits (built before the
    /// append, again after a lost race); a later write with the same key
    /// (a retry, on any replica) writes nothing and gets
    /// [`Wrote::Recalled`]. The key is looked up after every load of the
    /// roster and before every decision, so a retry that finds the first
    /// try's events also finds its key; two tries at once are serialized
    /// by the resource's head (the loser reloads, then finds the key). A
    /// write that changes nothing, or a refusal, records nothing. An
    /// invitation is held to the [`InvitationRate`](super::InvitationRate)
    /// after the key's lookup (a retry replays) and before the decision.
    pub(super) async fn write_with<F, Fut>(
        &self,
        opened: Opened,
        change: Change,
        keyed: Option<&Keyed<'_, F>>,
    ) -> Result<Wrote, WriteError>
    where
        F: Fn(Committed) -> Fut + Sync,
        Fut: Future<Output = Result<Recorded, StoreError>> + Send,
    {
        let Opened {
            mut resource,
            mut roster,
            caller: actor,
            seen,
        } = opened;
        let fits = match seen {
            Seen::Active => true,
            Seen::Member => matches!(change, Change::Remove { .. }),
            Seen::Link => matches!(change, Change::Accept { .. }),
        };
        if !fits {
            return Err(StoreError::corrupt("a write on a resource opened for another use").into());
        }
        let lock = self.write_lock(&resource.id)?;
        crate::deadline::enter(crate::deadline::Stage::WriteLock);
        let _guard = lock.lock().await;
        crate::deadline::enter(crate::deadline::Stage::Query);
        // Chosen once, so that a retried invitation keeps its id.
        let invite_id = if change.is_invitation() {
            Some(new_id("mem_")?)
        } else {
            None
        };
        let mut retries = 0;
        // Attempts the database rolled back (serialization failure,
        // deadlock): nothing was written, so the write decides again.
        let mut rolled_back = 0;
        loop {
            // The request's span tells how many races it lost.
            tracing::Span::current().record("retries", retries);
            if retries >= OPTIMISTIC_ATTEMPTS {
                // Starved by faster writers elsewhere: decide under the
                // row lock, which cannot lose.
                match self
                    .write_locked(
                        &resource.id,
                        &actor,
                        &change,
                        invite_id.as_deref(),
                        retries,
                        keyed,
                    )
                    .await
                {
                    Err(WriteError::Store(e))
                        if e.is_retryable() && rolled_back < ROLLED_BACK_ATTEMPTS =>
                    {
                        rolled_back += 1;
                        back_off(rolled_back, &e).await;
                        continue;
                    }
                    other => return other,
                }
            }
            if retries > 0 || rolled_back > 0 {
                resource = self.resource_by_id(&resource.id).await?;
                roster = self.roster(&resource).await?;
            }
            let first = retries == 0 && rolled_back == 0;
            if let Some(keyed) = keyed {
                // After the roster's load: a key recorded before it was
                // read is found here. The first lookup prunes expired keys.
                let client = self.client().await?;
                let prune = if first { PRUNE_BATCH } else { 0 };
                if let Some(recall) = recall_on(&client, keyed.key, prune).await? {
                    return Ok(Wrote::Recalled(recall));
                }
            }
            if first && change.is_invitation() {
                self.check_invitation_rate(&actor).await?;
            }
            let facts = self.facts(&resource, &actor, invite_id.as_deref());
            let ready = self.ready(&roster, &change, &facts, keyed, retries);
            let (decided, record) = match ready.await? {
                Ready::Unchanged(done) => return Ok(Wrote::Unchanged(done)),
                Ready::Append(decided, record) => (decided, record),
            };
            let client = self.client().await?;
            let key = keyed.map(|k| (k.key, k.retention));
            let recording = key.zip(record.as_ref().map(|(_, answer)| answer));
            match self
                .append(&client, &resource, &roster, &decided, recording)
                .await
            {
                Ok(row) => {
                    drop(client);
                    return self.finish(&resource, row, roster, decided, retries, record);
                }
                Err(CommitError::KeyTaken) => {
                    // Another try with this key committed meanwhile: the
                    // next round finds it.
                    retries += 1;
                }
                Err(CommitError::Lost) => {
                    retries += 1;
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(jitter_millis())).await;
                }
                Err(CommitError::Failed(WriteError::Store(e)))
                    if e.is_retryable() && rolled_back < ROLLED_BACK_ATTEMPTS =>
                {
                    rolled_back += 1;
                    back_off(rolled_back, &e).await;
                }
                Err(CommitError::Failed(e)) => return Err(e),
            }
        }
    }

    /// Refuses an invitation by `actor` past the store's
    /// [`InvitationRate`](super::InvitationRate): at least `limit`
    /// invitations of theirs in the log within the window (so every
    /// replica counts the same), with the seconds until the oldest of the
    /// last `limit` leaves it (at least 1). Reads at most `limit` entries
    /// of an index (`resource_log_invitations_by_actor`).
    async fn check_invitation_rate(&self, actor: &Email) -> Result<(), WriteError> {
        let Some(rate) = self.limits.invitations else {
            return Ok(());
        };
        let window = i64::try_from(rate.window.as_secs()).unwrap_or(i64::MAX);
        let offset = i64::from(rate.limit.saturating_sub(1));
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT ceil(extract(epoch FROM
                          recorded_at + ($2::bigint)::float8 * interval '1 second' - now()
                        ))::bigint
                   FROM resource_log
                  WHERE entry->>'type' = 'collaborator_invited'
                    AND entry->>'actor' = $1
                    AND recorded_at > now() - ($2::bigint)::float8 * interval '1 second'
                  ORDER BY recorded_at DESC
                 OFFSET $3 LIMIT 1",
            )
            .await?;
        let row = client
            .query_opt(&statement, &[&actor.as_str(), &window, &offset])
            .await?;
        let Some(row) = row else {
            return Ok(());
        };
        let wait = row.try_get::<_, i64>(0).map_err(StoreError::from)?;
        Err(WriteError::TooManyInvitations {
            limit: rate.limit,
            window_seconds: rate.window.as_secs(),
            retry_after: u64::try_from(wait).unwrap_or(0).max(1),
        })
    }

    /// Decides `change` on `roster` (at the version of `facts.resource`,
    /// by `facts.actor`) and, for a keyed write, builds the answer of the
    /// state the append will commit: what both attempts of the write
    /// path (optimistic, and under the row lock) do between the load and
    /// the append.
    ///
    /// # Errors
    /// The crate's refusal, a growth limit's, or the answer's failure.
    async fn ready<F, Fut>(
        &self,
        roster: &Arc<Roster>,
        change: &Change,
        facts: &Facts<'_>,
        keyed: Option<&Keyed<'_, F>>,
        retries: u32,
    ) -> Result<Ready, WriteError>
    where
        F: Fn(Committed) -> Fut + Sync,
        Fut: Future<Output = Result<Recorded, StoreError>> + Send,
    {
        let resource = facts.resource;
        let decided = decide(roster, change, facts)?;
        if decided.events.is_empty() {
            let (resource, roster) = (resource.clone(), Arc::clone(roster));
            let done = Committed::unchanged(resource, roster, decided, retries);
            return Ok(Ready::Unchanged(done));
        }
        let record = match keyed {
            Some(keyed) => Some(
                self.answer(keyed, resource, roster, &decided, retries)
                    .await?,
            ),
            None => None,
        };
        Ok(Ready::Append(decided, record))
    }

    /// The last attempt of a write: in one transaction, lock the
    /// resource's row (`FOR UPDATE`), read the roster at its version,
    /// decide and append. Optimistic writers elsewhere wait for the lock
    /// and then find the version moved, so this attempt cannot lose.
    async fn write_locked<F, Fut>(
        &self,
        resource_id: &str,
        actor: &Email,
        change: &Change,
        invite_id: Option<&str>,
        retries: u32,
        keyed: Option<&Keyed<'_, F>>,
    ) -> Result<Wrote, WriteError>
    where
        F: Fn(Committed) -> Fut + Sync,
        Fut: Future<Output = Result<Recorded, StoreError>> + Send,
    {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let sql = format!(
            "SELECT {RESOURCE_COLUMNS} FROM resources
              WHERE id = $1 AND deleted_at IS NULL FOR UPDATE"
        );
        let row = tx
            .query_opt(&tx.prepare_cached(&sql).await?, &[&resource_id])
            .await?
            .ok_or(StoreError::NotFound("resource"))?;
        let resource = resource_row(&row)?;
        let roster = self.roster(&resource).await?;
        if let Some(keyed) = keyed {
            if let Some(recall) = recall_on(&tx, keyed.key, 0).await? {
                return Ok(Wrote::Recalled(recall));
            }
        }
        let facts = self.facts(&resource, actor, invite_id);
        let ready = self.ready(&roster, change, &facts, keyed, retries);
        let (decided, record) = match ready.await? {
            Ready::Unchanged(done) => return Ok(Wrote::Unchanged(done)),
            Ready::Append(decided, record) => (decided, record),
        };
        let key = keyed.map(|k| (k.key, k.retention));
        let recording = key.zip(record.as_ref().map(|(_, answer)| answer));
        let row = match self
            .append(&tx, &resource, &roster, &decided, recording)
            .await
        {
            Ok(row) => row,
            Err(CommitError::Failed(e)) => return Err(e),
            Err(CommitError::KeyTaken) => {
                // Another try with this key committed meanwhile (on
                // another resource than this locked one: the path's name
                // now names another): its answer.
                drop(tx);
                let found = match keyed {
                    Some(keyed) => recall_on(&client, keyed.key, 0).await?,
                    None => None,
                };
                return match found {
                    Some(recall) => Ok(Wrote::Recalled(recall)),
                    None => Err(StoreError::Taken(
                        "another request with this Idempotency-Key was written meanwhile; retry"
                            .into(),
                    )
                    .into()),
                };
            }
            Err(CommitError::Lost) => {
                return Err(StoreError::corrupt(
                    "a write under the row lock found the version moved",
                )
                .into());
            }
        };
        tx.commit().await?;
        drop(client);
        self.finish(&resource, row, roster, decided, retries, record)
    }
}

/// The answer to a request whose key was recorded.
fn recalled(recall: Recall) -> Result<Submitted, WriteError> {
    match recall {
        Recall::Same(answer) => Ok(Submitted::Replayed(answer)),
        Recall::Different => Err(WriteError::KeyReused),
    }
}
