//! The one statement of a write: the compare-and-set of the resource's
//! head, the events, the membership index and (for a keyed write) the
//! idempotency key, in one round trip.

use collab_authz::membership::EventKind;
use collab_authz::{Event, Role, Roster};
use tokio_postgres::types::Json;

use std::time::Duration;

use super::command::Decided;
use super::idempotency::{IdempotencyKey, Recorded};
use super::rosters::{is_name_taken, resource_row};
use super::{ResourceRow, Store, StoreError, WriteError};

pub(super) enum CommitError {
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

impl Store {
    /// In one statement (its own transaction, or part of `client`'s):
    /// moves the head (version and digest) from the one the events were
    /// decided on to the one after them (or reports the race lost: the
    /// database holds another head), appends them and updates the
    /// membership index. One round trip. No snapshot: [`Store::committed`]
    /// has it written after the answer.
    ///
    /// `before` is the roster the events were decided on: the index rows
    /// come from the events and it.
    pub(super) async fn append<C: deadpool_postgres::GenericClient>(
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
