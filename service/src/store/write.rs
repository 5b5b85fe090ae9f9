//! The one write path: turn the route's [`Change`] into the crate's
//! command and decide it against the roster at `v` (the only place the
//! service calls the crate's membership operations), then in one
//! statement compare-and-set the version from `v` and append the events;
//! a writer that lost the race decides again, at most
//! [`OPTIMISTIC_ATTEMPTS`] times, then once more under the row lock.
//! Snapshots are written after the commit, in the background.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use collab_authz::membership::{
    AcceptError, Command, EventKind, Invitation, InvitationToken, MemberId, MemberStatus, Timestamp,
};
use collab_authz::{Email, Event, ResourceKind, Role, Roster};
use tokio_postgres::types::Json;

use super::access::{Opened, Seen};
use super::command::Change;
use super::idempotency::{IdempotencyKey, Keyed, Recall, Recorded, recall_on};
use super::rosters::{RESOURCE_COLUMNS, apply_all, check_head, is_name_taken, resource_row, timed};
use super::{
    CACHE_CAPACITY, OPTIMISTIC_ATTEMPTS, ROLLED_BACK_ATTEMPTS, Refusal, ResourceRow,
    SNAPSHOT_EVERY, Stats, Store, StoreError, WriteError,
};
use crate::ids::{jitter_millis, new_id};
use crate::keys::Keys;
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

/// What a keyed write ([`Store::write_keyed`]) did.
#[derive(Debug)]
pub enum KeyedOutcome {
    /// It appended events and recorded the answer, in one statement: send
    /// it.
    Recorded(Committed, Recorded),
    /// It changed nothing (the state asked for already held); nothing was
    /// recorded: answer as without a key.
    Unchanged(Committed),
    /// The key was recorded before (by this request's first try, possibly
    /// on another replica): nothing written.
    Recalled(Recall),
}

/// What [`Store::write_with`] did.
enum Wrote {
    /// Appended events; with the recorded answer for a keyed write.
    Appended(Committed, Option<Recorded>),
    /// Nothing to append.
    Unchanged(Committed),
    /// A keyed write found its key recorded.
    Recalled(Recall),
}

/// The answer builder of a write without a key (never called).
type NoAnswer = fn(Committed) -> std::future::Ready<Result<Recorded, StoreError>>;

enum CommitError {
    /// Lost the race: decide again.
    Lost,
    /// The idempotency key was recorded meanwhile by another request:
    /// nothing written; recall it.
    KeyTaken,
    /// Anything else.
    Failed(WriteError),
}

impl<E: Into<WriteError>> From<E> for CommitError {
    fn from(e: E) -> Self {
        CommitError::Failed(e.into())
    }
}

/// Maps a failed append statement: a duplicate `(resource_id, seq)` is a
/// lost race, a taken name a conflict.
fn append_error(e: tokio_postgres::Error) -> CommitError {
    if is_name_taken(&e) {
        CommitError::Failed(StoreError::Taken("the name is taken".into()).into())
    } else if e.as_db_error().and_then(|d| d.constraint()) == Some(KEY_CONSTRAINT) {
        CommitError::KeyTaken
    } else if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
        CommitError::Lost
    } else {
        CommitError::Failed(StoreError::from(e).into())
    }
}

/// The primary key of `idempotency_keys`.
const KEY_CONSTRAINT: &str = "idempotency_keys_pkey";

/// The whole append, one statement: the compare-and-set of the head
/// (version and digest: the events were decided on the log the database
/// holds, not one it lost) gates every other part (`FROM moved`), so a
/// lost race or a decision on another log writes nothing and returns no
/// row; a duplicate `(resource_id, seq)` fails the whole statement. A
/// keyed write (`$18` not null) also records its key and answer
/// (`keyed`): a key recorded already fails the whole statement too, so
/// the events are written if and only if the key is recorded.
const APPEND_SQL: &str = "
WITH moved AS (
    UPDATE resources
       SET version = $3, name = coalesce($4, name),
           deleted_at = CASE WHEN $5 THEN now() ELSE deleted_at END,
           head = $14
     WHERE id = $1 AND version = $2 AND head = $13 AND deleted_at IS NULL
 RETURNING id, kind, name, version, head, extract(epoch FROM created_at)::bigint AS created_at
), logged AS (
    INSERT INTO resource_log (resource_id, seq, entry)
    SELECT moved.id, e.seq, e.entry
      FROM moved, unnest($6::bigint[], $7::jsonb[]) AS e (seq, entry)
    RETURNING 1
), upserted AS (
    INSERT INTO memberships (resource_id, email_norm, member_id, role, status)
    SELECT moved.id, u.email_norm, u.member_id, u.role, u.status
      FROM moved,
           unnest($8::text[], $9::text[], $10::text[], $11::text[])
               AS u (email_norm, member_id, role, status)
    ON CONFLICT (resource_id, email_norm)
    DO UPDATE SET member_id = excluded.member_id, role = excluded.role, status = excluded.status
    RETURNING 1
), removed AS (
    DELETE FROM memberships m USING moved
     WHERE m.resource_id = moved.id AND m.email_norm = ANY($12::text[])
    RETURNING 1
), keyed AS (
    INSERT INTO idempotency_keys
           (account_id, route, resource, key, fingerprint, status, body,
            resource_id, seq, expires_at)
    SELECT $15::text, $16::text, $17::text, $18::text, $19::bytea, $20::smallint, $21::bytea,
           moved.id, moved.version, now() + make_interval(secs => $22::float8)
      FROM moved WHERE $18::text IS NOT NULL
    RETURNING 1
)
SELECT id, kind, name, version, head, created_at FROM moved";

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
    /// must know writes with an idempotency key ([`Store::write_keyed`])
    /// and retries with the same key.
    pub async fn write(&self, opened: Opened, change: Change) -> Result<Committed, WriteError> {
        match self.write_with::<NoAnswer, _>(opened, change, None).await? {
            Wrote::Appended(done, _) | Wrote::Unchanged(done) => Ok(done),
            Wrote::Recalled(_) => {
                Err(StoreError::corrupt("a write without a key recalled one").into())
            }
        }
    }

    /// [`Store::write`] with an idempotency key: the first write with
    /// `keyed.key` that appends events records, in its append statement,
    /// the answer `keyed.answer` builds for the state it commits (built
    /// before the append, again after a lost race); a later write with
    /// the same key (a retry, on any replica) writes nothing and gets
    /// [`KeyedOutcome::Recalled`]. The key is looked up after every load
    /// of the roster and before every decision, so a retry that finds the
    /// first try's events also finds its key; two tries at once are
    /// serialized by the resource's head (the loser reloads, then finds
    /// the key). A write that changes nothing, or a refusal, records
    /// nothing.
    ///
    /// # Errors
    /// As [`Store::write`], and whatever `keyed.answer` fails with
    /// (nothing is written then).
    pub async fn write_keyed<F, Fut>(
        &self,
        opened: Opened,
        change: Change,
        keyed: &Keyed<'_, F>,
    ) -> Result<KeyedOutcome, WriteError>
    where
        F: Fn(Committed) -> Fut + Sync,
        Fut: Future<Output = Result<Recorded, StoreError>> + Send,
    {
        match self.write_with(opened, change, Some(keyed)).await? {
            Wrote::Appended(done, Some(answer)) => Ok(KeyedOutcome::Recorded(done, answer)),
            Wrote::Appended(_, None) => {
                Err(StoreError::corrupt("a keyed write recorded no answer").into())
            }
            Wrote::Unchanged(done) => Ok(KeyedOutcome::Unchanged(done)),
            Wrote::Recalled(recall) => Ok(KeyedOutcome::Recalled(recall)),
        }
    }

    async fn write_with<F, Fut>(
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
        let invite_id = match &change {
            Change::Invite { .. } | Change::InviteBody { .. } => Some(new_id("mem_")?),
            _ => None,
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
            if let Some(keyed) = keyed {
                // After the roster's load: a key recorded before it was
                // read is found here.
                let client = self.client().await?;
                if let Some(recall) = recall_on(&client, keyed.key, 0).await? {
                    return Ok(Wrote::Recalled(recall));
                }
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

    /// In one statement (its own transaction, or part of `client`'s):
    /// moves the head (version and digest) from the one the events were
    /// decided on to the one after them (or reports the race lost: the
    /// database holds another head), appends them and updates the
    /// membership index. One round trip. No snapshot: [`Store::committed`]
    /// has it written after the answer.
    ///
    /// `before` is the roster the events were decided on: the index rows
    /// come from the events and it.
    async fn append<C: deadpool_postgres::GenericClient>(
        &self,
        client: &C,
        resource: &ResourceRow,
        before: &Roster,
        decided: &Decided,
        recording: Option<((&IdempotencyKey, Duration), &Recorded)>,
    ) -> Result<ResourceRow, CommitError> {
        let events = &decided.events;
        let count = i64::try_from(events.len()).map_err(StoreError::corrupt)?;
        let (from, to) = (resource.version, resource.version + count);
        // The head the events were decided on, and the one after them.
        let from_head = before.head().digest;
        let to_head = events
            .last()
            .and_then(Event::digest)
            .ok_or_else(|| StoreError::corrupt("a decided event states no prev"))?;
        let deleted = events.iter().any(|e| e.kind() == EventKind::Deleted);
        let new_name = events
            .iter()
            .rev()
            .find(|e| e.kind() == EventKind::Renamed)
            .and_then(Event::name);
        let seqs: Vec<i64> = (from + 1..=to).collect();
        let logged: Vec<Json<&Event>> = events.iter().map(Json).collect();
        let index = IndexRows::of(before, events);
        let key = recording.map(|((key, _), _)| key);
        let answer = recording.map(|(_, answer)| answer);
        let status = answer
            .map(|a| i16::try_from(a.status))
            .transpose()
            .map_err(StoreError::corrupt)?;
        let retention = recording.map(|((_, retention), _)| retention.as_secs_f64());
        let statement = client.prepare_cached(APPEND_SQL).await?;
        let row = client
            .query_opt(
                &statement,
                &[
                    &resource.id,
                    &from,
                    &to,
                    &new_name,
                    &deleted,
                    &seqs,
                    &logged,
                    &index.emails,
                    &index.ids,
                    &index.roles,
                    &index.statuses,
                    &index.removed,
                    &from_head.as_bytes().as_slice(),
                    &to_head.as_bytes().as_slice(),
                    &key.map(|k| k.account_id.as_str()),
                    &key.map(|k| k.route.as_str()),
                    &key.map(|k| k.resource.as_str()),
                    &key.map(|k| k.key.as_str()),
                    &key.map(|k| k.fingerprint.as_slice()),
                    &status,
                    &answer.map(|a| a.body.as_slice()),
                    &retention,
                ],
            )
            .await
            .map_err(append_error)?;
        match row {
            Some(row) => Ok(resource_row(&row)?),
            None => Err(CommitError::Lost),
        }
    }
}

/// What a write decided: the events, the membership concerned (the
/// invited one for an invitation) and, for an invitation, its link's
/// secret.
#[derive(Debug)]
struct Decided {
    events: Vec<Event>,
    member_id: Option<String>,
    secret: Option<String>,
}

/// The inputs of a decision besides the change.
struct Facts<'a> {
    resource: &'a ResourceRow,
    actor: &'a Email,
    /// The id chosen for an invited membership (once per write, so that a
    /// retried invitation keeps it).
    invite_id: Option<&'a str>,
    now: u64,
    keys: &'a Keys,
    stats: &'a Stats,
    limits: &'a GrowthLimits,
}

/// How large a roster may grow: a service policy (the platform's storage
/// and page sizes), not a membership rule, so it is checked here, on the
/// roster at the version the write is decided at, after the crate has
/// decided the invitation: the compare-and-set that appends it fails if
/// the roster moved, and the write decides again, so two replicas cannot
/// both take the last place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrowthLimits {
    /// At most this many people on a roster, owner and pending invitees
    /// included.
    pub max_members: usize,
    /// At most this many pending invitations on a roster.
    pub max_pending: usize,
}

impl GrowthLimits {
    /// No limit (a store built without settings).
    pub const NONE: Self = Self {
        max_members: usize::MAX,
        max_pending: usize::MAX,
    };

    /// Whether one more invitation fits `roster` (of `kind`); a 422
    /// refusal saying which limit it would pass and what to do.
    ///
    /// # Errors
    /// [`Refusal`] of class invalid.
    pub fn check(&self, roster: &Roster, kind: ResourceKind) -> Result<(), Refusal> {
        let word = crate::kind::singular(kind);
        let members = roster.iter().count();
        if members >= self.max_members {
            return Err(Refusal::limit(
                kind,
                format!(
                    "this {word} has {members} members and invitations, the most this service \
                     allows (MAX_MEMBERS = {}): remove someone or withdraw an invitation first",
                    self.max_members
                ),
            ));
        }
        let pending = roster
            .iter()
            .filter(|m| m.status() == MemberStatus::Pending)
            .count();
        if pending >= self.max_pending {
            return Err(Refusal::limit(
                kind,
                format!(
                    "this {word} has {pending} pending invitations, the most this service allows \
                     (MAX_PENDING_INVITATIONS = {}): withdraw one, or wait until one is accepted",
                    self.max_pending
                ),
            ));
        }
        Ok(())
    }
}

fn member_id(kind: ResourceKind, id: &str) -> Result<MemberId, Refusal> {
    MemberId::new(id).map_err(|_| Refusal::not_found(kind, "collaborator"))
}

/// Decides `change` against `roster` (the roster at the resource's
/// version): the events to append, none when the state asked for already
/// holds. The one command call of the service: every membership rule is
/// the crate's ([`Roster::decide_command`]).
fn decide(roster: &Roster, change: &Change, facts: &Facts<'_>) -> Result<Decided, WriteError> {
    let kind = facts.resource.kind;
    let (command, secret) = command(change, facts)?;
    let at = Timestamp::from_unix_seconds(facts.now);
    let outcome = timed(facts.stats, || {
        roster.decide_command(facts.actor, &command, at)
    })
    .map_err(|e| Refusal::new(kind, &e))?;
    if matches!(change, Change::Invite { .. } | Change::InviteBody { .. })
        && !outcome.events().is_empty()
    {
        // After the crate: whoever may not invite gets the crate's answer,
        // never a word about the roster's size.
        facts.limits.check(roster, kind)?;
    }
    let member_id = match change {
        Change::Invite { .. } | Change::InviteBody { .. } => facts.invite_id.map(str::to_string),
        Change::Accept { member_id, .. }
        | Change::ChangeRole { member_id, .. }
        | Change::Update { member_id, .. }
        | Change::Remove { member_id } => Some(member_id.clone()),
        _ => None,
    };
    Ok(Decided {
        events: outcome.into_events(),
        member_id,
        secret,
    })
}

/// The crate's command for `change`, and for an invitation the link's
/// secret (derived once, here).
fn command(change: &Change, facts: &Facts<'_>) -> Result<(Command, Option<String>), WriteError> {
    let kind = facts.resource.kind;
    let member = |id: &str| member_id(kind, id);
    Ok(match change {
        Change::Invite { email, role } => {
            let id = facts
                .invite_id
                .ok_or_else(|| StoreError::corrupt("invite id"))?;
            let secret = facts.keys.invitation_secret(&facts.resource.id, id);
            let token = InvitationToken::new(secret.as_str()).map_err(StoreError::corrupt)?;
            let mut invitation = Invitation::new(member(id)?, email.clone(), token);
            if let Some(role) = role {
                invitation = invitation.with_role(*role);
            }
            (Command::invite(invitation), Some(secret))
        }
        Change::InviteBody { body } => {
            let id = facts
                .invite_id
                .ok_or_else(|| StoreError::corrupt("invite id"))?;
            let secret = facts.keys.invitation_secret(&facts.resource.id, id);
            let token = InvitationToken::new(secret.as_str()).map_err(StoreError::corrupt)?;
            (body.to_command(member(id)?, token), Some(secret))
        }
        Change::Accept {
            member_id: id,
            secret,
            username,
        } => {
            // An id or a secret that cannot be one is no invitation.
            let none = || Refusal::new(kind, &AcceptError::NoInvitation);
            let member = MemberId::new(id.as_str()).map_err(|_| none())?;
            let token = InvitationToken::new(secret.as_str()).map_err(|_| none())?;
            let username = username.clone();
            (
                Command::Accept {
                    member,
                    token,
                    username,
                },
                None,
            )
        }
        Change::ChangeRole {
            member_id: id,
            role,
        } => (Command::change_role(member(id)?, *role), None),
        Change::Update {
            member_id: id,
            body,
        } => (body.to_command(member(id)?), None),
        Change::Remove { member_id: id } => (
            Command::Remove {
                member: member(id)?.into(),
            },
            None,
        ),
        Change::RequestTransfer { email } => (
            Command::RequestTransfer {
                to: email.clone().into(),
            },
            None,
        ),
        Change::AcceptTransfer => (Command::AcceptTransfer, None),
        Change::CancelTransfer => (Command::CancelTransfer, None),
        Change::Rename { name } => (Command::Rename { name: name.clone() }, None),
        Change::Delete => (Command::Delete, None),
    })
}

/// The `memberships` index rows a run of events changes, as the columns
/// of the append statement.
#[derive(Default)]
struct IndexRows {
    emails: Vec<String>,
    ids: Vec<String>,
    roles: Vec<String>,
    statuses: Vec<&'static str>,
    removed: Vec<String>,
}

impl IndexRows {
    /// The members the events are about, each once, in their state after
    /// the last event about them: present ones are upserted, removed ones
    /// deleted from the index.
    fn of(before: &Roster, events: &[Event]) -> Self {
        let mut touched = std::collections::BTreeMap::new();
        for event in events {
            if let Some(state) = index_state(before, event) {
                touched.insert(event.member().email.normalized().to_string(), state);
            }
        }
        let mut rows = Self::default();
        for (email, state) in touched {
            match state {
                IndexState::Present { id, role, status } => {
                    rows.emails.push(email);
                    rows.ids.push(id);
                    rows.roles.push(role);
                    rows.statuses.push(status);
                }
                IndexState::Removed => rows.removed.push(email),
            }
        }
        rows
    }
}

/// A member's row of the `memberships` index after an event.
enum IndexState {
    Present {
        id: String,
        role: String,
        status: &'static str,
    },
    Removed,
}

/// The index row of the member `event` is about, after it (`before`: the
/// roster the event was decided on); `None` for an event that changes no
/// membership (rename, delete, a transfer request or cancellation).
fn index_state(before: &Roster, event: &Event) -> Option<IndexState> {
    use collab_authz::membership::MemberStatus;
    let member = event.member();
    let present = |role: Role, status: MemberStatus| IndexState::Present {
        id: member.id.as_str().to_string(),
        role: role.to_string(),
        status: status.id(),
    };
    match event.kind() {
        EventKind::RosterCreated => Some(present(Role::Owner, MemberStatus::Owner)),
        EventKind::Invited => event.role().map(|r| present(r, MemberStatus::Pending)),
        EventKind::Accepted => event.role().map(|r| present(r, MemberStatus::Accepted)),
        EventKind::RoleChanged => {
            let role = event.role()?;
            // An ownership transfer: the new owner and the previous one,
            // now an accepted collaborator; otherwise the status stays.
            let status = if role == Role::Owner {
                MemberStatus::Owner
            } else if event.previous_role() == Some(Role::Owner) {
                MemberStatus::Accepted
            } else {
                before.find(&member.id)?.status()
            };
            Some(present(role, status))
        }
        EventKind::AccountDeleted => event
            .role()
            .map(|r| present(r, MemberStatus::UserAccountDeleted)),
        EventKind::Removed => Some(IndexState::Removed),
        _ => None,
    }
}
