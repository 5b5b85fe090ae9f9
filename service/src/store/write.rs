//! The one write path: decide the route's [`Change`] against the roster
//! at `v` (`command.rs`), then in one statement (`append.rs`)
//! compare-and-set the head from `v` and append the events;
//! a writer that lost the race decides again, at most
//! [`OPTIMISTIC_ATTEMPTS`] times, then once more under the row lock.
//! Snapshots are written after the commit, in the background.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use collab_authz::membership::EventKind;
use collab_authz::{Email, Event, Roster};

use super::access::{Opened, Seen};
use super::append::CommitError;
use super::command::{Change, Decided, Facts, decide};
use super::idempotency::{Keyed, PRUNE_BATCH, Recall, Recorded, recall_on};
use super::rosters::{RESOURCE_COLUMNS, apply_all, check_head, resource_row, timed};
use super::{
    CACHE_CAPACITY, OPTIMISTIC_ATTEMPTS, ROLLED_BACK_ATTEMPTS, ResourceRow, SNAPSHOT_EVERY, Store,
    StoreError, WriteError,
};
use crate::ids::{jitter_millis, new_id};
use crate::time::now_unix;

/// A committed write: the roster after it, its version and the events.
#[derive(Debug, Clone)]
pub struct Committed {
    /// The resource after the write.
    pub resource: ResourceRow,
    /// The roster after the write.
    pub roster: Arc<Roster>,
    /// The events appended, the crate's own.
    pub events: Vec<Event>,
    /// The membership the operation was about, if any (the invited one for
    /// an invitation).
    pub member_id: Option<String>,
    /// The secret of the invitation link, for an invitation.
    pub secret: Option<String>,
    /// How many times the write decided again after losing a race.
    pub retries: u32,
}

impl Committed {
    /// A write that found its state already holding: nothing appended.
    fn unchanged(
        resource: ResourceRow,
        roster: Arc<Roster>,
        decided: Decided,
        retries: u32,
    ) -> Self {
        Self {
            resource,
            roster,
            events: Vec::new(),
            member_id: decided.member_id,
            secret: decided.secret,
            retries,
        }
    }

    /// Whether the write changed nothing (the state asked for already
    /// held).
    #[must_use]
    pub fn is_unchanged(&self) -> bool {
        self.events.is_empty()
    }
}

/// What [`Store::write_with`] did.
pub(super) enum Wrote {
    /// Appended events; with the recorded answer for a keyed write.
    Appended(Committed, Option<Recorded>),
    /// Nothing to append.
    Unchanged(Committed),
    /// A keyed write found its key recorded.
    Recalled(Recall),
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
            // The request's span (telemetry) tells how many races it lost.
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
            let decided = decide(&roster, &change, &facts)?;
            if decided.events.is_empty() {
                let done = Committed::unchanged(resource, roster, decided, retries);
                return Ok(Wrote::Unchanged(done));
            }
            let record = match keyed {
                Some(keyed) => Some(
                    self.answer(keyed, &resource, &roster, &decided, retries)
                        .await?,
                ),
                None => None,
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

    fn facts<'a>(
        &'a self,
        resource: &'a ResourceRow,
        actor: &'a Email,
        invite_id: Option<&'a str>,
    ) -> Facts<'a> {
        Facts {
            resource,
            actor,
            invite_id,
            now: now_unix(),
            keys: &self.keys,
            stats: &self.stats,
            limits: &self.limits,
        }
    }

    /// A keyed write's state after `decided` (the roster with the events
    /// applied, the resource at the head after them) and the answer
    /// `keyed` builds for it: what the append will commit and record.
    async fn answer<F, Fut>(
        &self,
        keyed: &Keyed<'_, F>,
        resource: &ResourceRow,
        roster: &Roster,
        decided: &Decided,
        retries: u32,
    ) -> Result<(Committed, Recorded), WriteError>
    where
        F: Fn(Committed) -> Fut + Sync,
        Fut: Future<Output = Result<Recorded, StoreError>> + Send,
    {
        let mut after = timed(&self.stats, || roster.clone());
        timed(&self.stats, || apply_all(&mut after, &decided.events))?;
        let head = after.head();
        let name = decided
            .events
            .iter()
            .rev()
            .find(|e| e.kind() == EventKind::Renamed)
            .and_then(Event::name)
            .map_or_else(|| resource.name.clone(), ToString::to_string);
        let row = ResourceRow {
            name,
            version: i64::try_from(head.seq).map_err(StoreError::corrupt)?,
            head: head.digest,
            ..resource.clone()
        };
        let done = Committed {
            resource: row,
            roster: Arc::new(after),
            events: decided.events.clone(),
            member_id: decided.member_id.clone(),
            secret: decided.secret.clone(),
            retries,
        };
        let answer = (keyed.answer)(done.clone()).await?;
        Ok((done, answer))
    }

    /// After the append: the committed write, from the state computed
    /// before it for a keyed write (checked against the row the append
    /// returned), else by [`Store::committed`].
    fn finish(
        &self,
        before: &ResourceRow,
        row: ResourceRow,
        roster: Arc<Roster>,
        decided: Decided,
        retries: u32,
        record: Option<(Committed, Recorded)>,
    ) -> Result<Wrote, WriteError> {
        let Some((mut done, answer)) = record else {
            let done = self.committed(before, row, roster, decided, retries)?;
            return Ok(Wrote::Appended(done, None));
        };
        self.cache_drop(&before.id, before.version, before.head);
        check_head(&row, &done.roster)?;
        if row.name != done.resource.name {
            return Err(
                StoreError::corrupt("a keyed write's name differs from the stored one").into(),
            );
        }
        self.cache_put(&row, &done.roster);
        // As [`Store::committed`]: a snapshot when due, in the background.
        if row.version / SNAPSHOT_EVERY > before.version / SNAPSHOT_EVERY {
            self.snapshot_later(&row.id, &done.roster);
        }
        done.resource = row;
        Ok(Wrote::Appended(done, Some(answer)))
    }

    /// After the append: applies the decided events to the roster they
    /// were decided on (in place when no reader holds it; the cache gives
    /// its reference up first), caches the result, and when the write
    /// crossed a multiple of [`SNAPSHOT_EVERY`], has its snapshot written
    /// in the background ([`Store::snapshot_later`]).
    fn committed(
        &self,
        before: &ResourceRow,
        row: ResourceRow,
        mut roster: Arc<Roster>,
        decided: Decided,
        retries: u32,
    ) -> Result<Committed, WriteError> {
        self.cache_drop(&before.id, before.version, before.head);
        let next = Arc::make_mut(&mut roster);
        timed(&self.stats, || apply_all(next, &decided.events))?;
        check_head(&row, next)?;
        self.cache_put(&row, &roster);
        // Every [`SNAPSHOT_EVERY`] events a snapshot, written in the
        // background: never on the write's path, never in its statement.
        if row.version / SNAPSHOT_EVERY > before.version / SNAPSHOT_EVERY {
            self.snapshot_later(&row.id, &roster);
        }
        Ok(Committed {
            resource: row,
            roster,
            events: decided.events,
            member_id: decided.member_id,
            secret: decided.secret,
            retries,
        })
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
        let decided = decide(&roster, change, &self.facts(&resource, actor, invite_id))?;
        if decided.events.is_empty() {
            let done = Committed::unchanged(resource, roster, decided, retries);
            return Ok(Wrote::Unchanged(done));
        }
        let record = match keyed {
            Some(keyed) => Some(
                self.answer(keyed, &resource, &roster, &decided, retries)
                    .await?,
            ),
            None => None,
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
