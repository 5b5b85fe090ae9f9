//! After the decision: the committed write ([`Committed`]) and how the
//! write path (`write.rs`) gets there: the facts a decision reads, the
//! state a keyed write records its answer for, and the cache and the
//! snapshot after the append.

use std::future::Future;
use std::sync::Arc;

use collab_authz::membership::EventKind;
use collab_authz::{Email, Event, Roster};

use super::command::{Decided, Facts};
use super::idempotency::{Keyed, Recall, Recorded};
use super::rosters::{apply_all, check_head, timed};
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

impl Store {
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
}
