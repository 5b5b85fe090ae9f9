//! After the decision: the committed write ([`Committed`]) and how the
//! write path (`write.rs`) gets there: the state a keyed write records
//! its answer for, the cache and the snapshot after the append, and the
//! last attempt under the resource's row lock.

use std::future::Future;
use std::sync::Arc;

use collab_authz::membership::EventKind;
use collab_authz::{Email, Event, Roster};

use super::append::CommitError;
use super::command::{Change, Decided, Facts, decide};
use super::idempotency::{Keyed, Recall, Recorded, recall_on};
use super::rosters::{RESOURCE_COLUMNS, apply_all, check_head, resource_row, timed};
use super::{ResourceRow, SNAPSHOT_EVERY, Store, StoreError, WriteError};
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
    pub(super) fn unchanged(
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

/// A write decided, before its append.
pub(super) enum Ready {
    /// Nothing to append: the state asked for already holds.
    Unchanged(Committed),
    /// The events to append and, for a keyed write, the state they commit
    /// with the answer the append records.
    Append(Decided, Option<(Committed, Recorded)>),
}

impl Store {
    /// Decides `change` on `roster` (at the version of `facts.resource`,
    /// by `facts.actor`) and, for a keyed write, builds the answer of the
    /// state the append will commit: what both attempts of the write
    /// path (optimistic, and under the row lock) do between the load and
    /// the append.
    ///
    /// # Errors
    /// The crate's refusal, a growth limit's, or the answer's failure.
    pub(super) async fn ready<F, Fut>(
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

    /// The inputs of a decision by `actor` on `resource` besides the
    /// change, read now.
    pub(super) fn facts<'a>(
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
    pub(super) async fn answer<F, Fut>(
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
    pub(super) fn finish(
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
    pub(super) fn committed(
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
    pub(super) async fn write_locked<F, Fut>(
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
