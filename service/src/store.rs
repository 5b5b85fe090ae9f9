//! The one module that drives the crate's membership operations: every
//! roster read and write of the service goes through [`Store`].
//!
//! Storage: each app's and dedicated database's log is a run of rows
//! `(resource_id, seq)` in `resource_log`, unique, with
//! `resources.version` the last `seq`. A write reads the roster at version
//! `v`, runs the operation on a copy, and in one transaction moves
//! `resources.version` from `v` to `v + n` (a compare-and-set on the row)
//! and inserts the `n` entries at `v + 1 ..= v + n`. A concurrent writer
//! that decided at the same `v` finds the version moved (or collides on
//! the unique key), rolls back, reloads and decides again, a bounded
//! number of times ([`OPTIMISTIC_ATTEMPTS`]); then it decides once more
//! holding the resource's row lock, which cannot lose (no starvation).
//! Within one process, writes to one resource also take a local lock so
//! that only writers of different processes ever race.
//!
//! Reads never replay a whole log: a per-process cache keyed by version
//! gives the roster at the current version when nothing changed, applies
//! only the new entries when something did, and otherwise starts from the
//! latest snapshot (one every [`SNAPSHOT_EVERY`] entries).
//!
//! The crate's API is changing (decide-then-apply, `apply(&Event)`,
//! snapshots with a version, rename/delete events): the switch happens in
//! this module alone. Until then, an entry is applied by running again the
//! operation that produced it, as the crate's `Roster::replay` does.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use collab_authz::{
    AcceptError, Account, ChangeRoleError, Context, Decision, Email, Event, EventKind, Invitation,
    InvitationToken, InviteError, LeaveError, MemberId, MemberStatus, NotPermitted, Resource,
    ResourceId, ResourceKind, RevokeError, Role, Roster, Timestamp, TransferError, Username,
    decide,
};
use deadpool_postgres::Pool;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio_postgres::types::Json;

use crate::auth::{Keys, hex, new_id, now_unix};
use crate::error::{ApiError, ApiResult};

/// A snapshot of the roster is stored every this many log entries.
pub const SNAPSHOT_EVERY: i64 = 64;

/// How many optimistic attempts a write makes; after as many lost races
/// it decides once more under the resource's row lock, which cannot lose.
pub const OPTIMISTIC_ATTEMPTS: u32 = 4;

/// Past this many cached rosters, the cache is emptied.
const CACHE_CAPACITY: usize = 10_000;

/// One entry of a resource's log.
// TODO(crate): schema versions of stored events; until then an entry is
// the crate's current serde form of `Event`, tagged by the service.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum LogEntry {
    /// A membership event of the crate.
    Membership {
        /// The event.
        event: Box<Event>,
    },
    /// The resource was renamed.
    // TODO(crate): a rename event of the roster (the roster's resource
    // keeps its creation name until then; the current name is
    // `resources.name`).
    Renamed {
        /// The previous name.
        from: String,
        /// The new name.
        to: String,
        /// Who renamed it.
        actor: String,
        /// When (Unix seconds).
        at: u64,
    },
    /// The resource was deleted: its roster is closed.
    // TODO(crate): a delete event and a closed roster.
    Deleted {
        /// Who deleted it.
        actor: String,
        /// When (Unix seconds).
        at: u64,
    },
}

impl LogEntry {
    /// The notification name of the entry.
    #[must_use]
    pub fn name(&self, kind: ResourceKind) -> &'static str {
        match (self, kind) {
            (LogEntry::Membership { event }, _) => event.kind().notification_name(),
            (LogEntry::Renamed { .. }, ResourceKind::App) => "app_renamed",
            (LogEntry::Renamed { .. }, ResourceKind::DedicatedDatabase) => "database_renamed",
            (LogEntry::Deleted { .. }, ResourceKind::App) => "app_deleted",
            (LogEntry::Deleted { .. }, ResourceKind::DedicatedDatabase) => "database_deleted",
        }
    }
}

/// A resource as the `resources` table holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRow {
    /// Its id (`app_...` or `db_...`).
    pub id: String,
    /// App or dedicated database.
    pub kind: ResourceKind,
    /// Its current name.
    pub name: String,
    /// The `seq` of the last entry of its log.
    pub version: i64,
    /// When it was created (Unix seconds).
    pub created_at: i64,
}

/// A membership operation, asked by the caller of a route.
#[derive(Debug, Clone)]
pub enum Op {
    /// Invite `email` with `role` (`None`: the kind's default).
    Invite {
        /// Who is invited.
        email: Email,
        /// The role, or the kind's default.
        role: Option<Role>,
    },
    /// The caller accepts the invitation of membership `member_id` with
    /// the link's `secret`.
    Accept {
        /// The membership the link names.
        member_id: String,
        /// The secret the link carries.
        secret: String,
        /// The caller's username.
        username: Username,
    },
    /// Change the role of membership `member_id`.
    ChangeRole {
        /// The membership.
        member_id: String,
        /// Its new role.
        role: Role,
    },
    /// Remove membership `member_id` (the caller's own: leave).
    Remove {
        /// The membership.
        member_id: String,
    },
    /// The owner asks to hand the resource to `email`, an accepted
    /// collaborator.
    RequestTransfer {
        /// The target.
        email: Email,
    },
    /// The target of the pending transfer accepts it.
    AcceptTransfer,
    /// The owner or the target cancels the pending transfer.
    CancelTransfer,
}

/// What a route asks the store to write.
#[derive(Debug, Clone)]
pub enum Change {
    /// A membership operation.
    Membership(Op),
    /// Rename the resource (owner only, decided by the crate).
    Rename {
        /// The new name.
        name: String,
    },
    /// Delete the resource (owner only, decided by the crate).
    Delete,
}

/// A committed write: the roster after it, its version and the entries.
#[derive(Debug, Clone)]
pub struct Committed {
    /// The resource after the write.
    pub resource: ResourceRow,
    /// The roster after the write.
    pub roster: Arc<Roster>,
    /// The entries appended.
    pub entries: Vec<LogEntry>,
    /// The membership the operation was about, if any (the invited one for
    /// an invitation).
    pub member_id: Option<String>,
    /// How many times the write decided again after losing a race.
    pub retries: u32,
}

/// Counters, for the benchmarks and the operator.
#[derive(Debug, Default)]
pub struct Stats {
    /// Reads served from the cache at the current version.
    pub cache_hits: AtomicU64,
    /// Reads that loaded entries or a snapshot.
    pub cache_misses: AtomicU64,
    /// Writes that decided again after losing a race.
    pub retries: AtomicU64,
    /// Nanoseconds spent inside the crate's roster operations, replays
    /// and decisions.
    pub crate_nanos: AtomicU64,
}

#[derive(Debug)]
struct Cached {
    version: i64,
    roster: Arc<Roster>,
}

/// The rosters of every resource, on PostgreSQL, with a per-process cache.
#[derive(Debug)]
pub struct Store {
    pool: Pool,
    keys: Keys,
    cache: Mutex<HashMap<String, Cached>>,
    write_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Use counters.
    pub stats: Stats,
    cache_enabled: AtomicBool,
}

fn timed<T>(stats: &Stats, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
    stats.crate_nanos.fetch_add(nanos, Ordering::Relaxed);
    out
}

fn kind_id(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::App => "app",
        ResourceKind::DedicatedDatabase => "dedicated_database",
    }
}

fn kind_word(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::App => "app",
        ResourceKind::DedicatedDatabase => "database",
    }
}

/// Reads a resource kind as stored.
fn parse_kind(s: &str) -> ApiResult<ResourceKind> {
    s.parse()
        .map_err(|_| ApiError::internal(format!("stored kind {s:?}")))
}

/// The token the crate is given for an invitation: the hex SHA-256 of the
/// link's secret, so the log holds a digest, never the secret.
// TODO(crate): invitation token digests in the crate itself.
fn invitation_token(secret: &str) -> ApiResult<InvitationToken> {
    InvitationToken::new(hex(&Sha256::digest(secret.as_bytes()))).map_err(ApiError::internal)
}

fn to_member_id(id: &str) -> ApiResult<MemberId> {
    MemberId::new(id).map_err(|_| ApiError::not_found("collaborator"))
}

fn not_permitted(kind: ResourceKind, e: NotPermitted) -> ApiError {
    match e {
        NotPermitted::Stranger => ApiError::not_found(kind_word(kind)),
        other => ApiError::Forbidden(other.to_string()),
    }
}

// TODO(crate): `ErrorClass` / `class()` on every membership error; until
// then the service classifies them here, in one place.
fn invite_error(kind: ResourceKind, e: InviteError) -> ApiError {
    match e {
        InviteError::NotPermitted(p) => not_permitted(kind, p),
        InviteError::AlreadyMember { .. } | InviteError::DuplicateId => {
            ApiError::Conflict(e.to_string())
        }
        other => ApiError::Unprocessable(other.to_string()),
    }
}

fn accept_error(e: AcceptError) -> ApiError {
    match e {
        AcceptError::NoInvitation => ApiError::not_found("invitation"),
        AcceptError::NotPending { .. } => ApiError::Conflict(e.to_string()),
        other => ApiError::Forbidden(other.to_string()),
    }
}

fn change_role_error(kind: ResourceKind, e: ChangeRoleError) -> ApiError {
    match e {
        ChangeRoleError::NotPermitted(p) => not_permitted(kind, p),
        ChangeRoleError::NoSuchMember => ApiError::not_found("collaborator"),
        ChangeRoleError::TargetIsOwner => ApiError::Forbidden(e.to_string()),
        ChangeRoleError::Unchanged { .. } => ApiError::Conflict(e.to_string()),
        other => ApiError::Unprocessable(other.to_string()),
    }
}

fn revoke_error(kind: ResourceKind, e: RevokeError) -> ApiError {
    match e {
        RevokeError::NotPermitted(p) => not_permitted(kind, p),
        RevokeError::NoSuchMember => ApiError::not_found("collaborator"),
        other => ApiError::Forbidden(other.to_string()),
    }
}

fn leave_error(kind: ResourceKind, e: LeaveError) -> ApiError {
    match e {
        LeaveError::NotAMember => ApiError::not_found(kind_word(kind)),
        other => ApiError::Forbidden(other.to_string()),
    }
}

fn transfer_error(kind: ResourceKind, e: TransferError) -> ApiError {
    match e {
        TransferError::NotPermitted(p) => not_permitted(kind, p),
        TransferError::NoSuchMember => ApiError::not_found("collaborator"),
        TransferError::NotTarget | TransferError::NotParty => ApiError::Forbidden(e.to_string()),
        TransferError::NoPending => ApiError::NotFound(e.to_string()),
        other => ApiError::Conflict(other.to_string()),
    }
}

/// The role `email` holds on the roster, or the 404/403 a guarded action
/// answers a stranger or an inactive member with.
///
/// # Errors
/// 404 for a stranger, 403 for a pending invitation or deleted account.
pub fn active_role(roster: &Roster, email: &Email) -> ApiResult<Role> {
    let kind = roster.kind();
    match roster.get(email) {
        None => Err(ApiError::not_found(kind_word(kind))),
        Some(member) => member.effective_role().ok_or_else(|| {
            not_permitted(
                kind,
                NotPermitted::Inactive {
                    status: member.status(),
                },
            )
        }),
    }
}

/// Whether `email` may see the resource at all: an active member.
// TODO(crate): `Roster::may_view`.
#[must_use]
pub fn may_view(roster: &Roster, email: &Email) -> bool {
    roster.effective_role(email).is_some()
}

fn is_conflict(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION)
        && e.as_db_error().and_then(|d| d.constraint()) != Some("resources_live_name")
}

fn is_name_taken(e: &tokio_postgres::Error) -> bool {
    e.as_db_error().and_then(|d| d.constraint()) == Some("resources_live_name")
}

enum CommitError {
    /// Lost the race: decide again.
    Conflict,
    /// Anything else.
    Api(ApiError),
}

impl From<tokio_postgres::Error> for CommitError {
    fn from(e: tokio_postgres::Error) -> Self {
        if is_conflict(&e) {
            CommitError::Conflict
        } else if is_name_taken(&e) {
            CommitError::Api(ApiError::Conflict("the name is taken".into()))
        } else {
            CommitError::Api(e.into())
        }
    }
}

impl From<ApiError> for CommitError {
    fn from(e: ApiError) -> Self {
        CommitError::Api(e)
    }
}

/// The whole append, one statement: the compare-and-set of the version
/// gates every other part (`FROM moved`), so a lost race writes nothing
/// and returns no row; a duplicate `(resource_id, seq)` fails the whole
/// statement.
const APPEND_SQL: &str = "
WITH moved AS (
    UPDATE resources
       SET version = $3, name = coalesce($4, name),
           deleted_at = CASE WHEN $5 THEN now() ELSE deleted_at END
     WHERE id = $1 AND version = $2 AND deleted_at IS NULL
 RETURNING id, kind, name, version, extract(epoch FROM created_at)::bigint AS created_at
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
), snapshot AS (
    INSERT INTO roster_snapshots (resource_id, seq, roster)
    SELECT moved.id, moved.version, $13::jsonb FROM moved WHERE $13::jsonb IS NOT NULL
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT id, kind, name, version, created_at FROM moved";

const RESOURCE_COLUMNS: &str =
    "id, kind, name, version, extract(epoch FROM created_at)::bigint AS created_at";

fn resource_row(row: &tokio_postgres::Row) -> ApiResult<ResourceRow> {
    Ok(ResourceRow {
        id: row.try_get("id")?,
        kind: parse_kind(row.try_get("kind")?)?,
        name: row.try_get("name")?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// A store on `pool`, deriving invitation secrets with `keys`.
    #[must_use]
    pub fn new(pool: Pool, keys: Keys) -> Self {
        Self {
            pool,
            keys,
            cache: Mutex::new(HashMap::new()),
            write_locks: Mutex::new(HashMap::new()),
            stats: Stats::default(),
            cache_enabled: AtomicBool::new(true),
        }
    }

    /// Whether the per-process roster cache is used (the default).
    #[must_use]
    pub fn cache_enabled(&self) -> bool {
        self.cache_enabled.load(Ordering::Relaxed)
    }

    /// Turns the per-process roster cache on or off (off: every read
    /// starts from the latest snapshot; for benchmarks and checks).
    pub fn set_cache_enabled(&self, enabled: bool) {
        self.cache_enabled.store(enabled, Ordering::Relaxed);
        if !enabled {
            if let Ok(mut cache) = self.cache.lock() {
                cache.clear();
            }
        }
    }

    /// The secret of the invitation link of `member_id` on `resource_id`.
    #[must_use]
    pub fn invitation_secret(&self, resource_id: &str, member_id: &str) -> String {
        self.keys.invitation_secret(resource_id, member_id)
    }

    /// The live resource of `kind` whose id or name is `key`.
    ///
    /// # Errors
    /// 404 when there is none; 503 when the database is unreachable.
    pub async fn resource(&self, kind: ResourceKind, key: &str) -> ApiResult<ResourceRow> {
        let client = crate::db::client(&self.pool).await?;
        let sql = format!(
            "SELECT {RESOURCE_COLUMNS} FROM resources
              WHERE kind = $1 AND (id = $2 OR name = $2) AND deleted_at IS NULL"
        );
        let row = client
            .query_opt(&client.prepare_cached(&sql).await?, &[&kind_id(kind), &key])
            .await?
            .ok_or_else(|| ApiError::not_found(kind_word(kind)))?;
        resource_row(&row)
    }

    async fn resource_by_id(&self, id: &str) -> ApiResult<ResourceRow> {
        let client = crate::db::client(&self.pool).await?;
        let sql = format!(
            "SELECT {RESOURCE_COLUMNS} FROM resources WHERE id = $1 AND deleted_at IS NULL"
        );
        let row = client
            .query_opt(&client.prepare_cached(&sql).await?, &[&id])
            .await?
            .ok_or_else(|| ApiError::not_found("resource"))?;
        resource_row(&row)
    }

    /// The live resources of `kind` on which `email` is the owner or an
    /// accepted member, with their roster.
    ///
    /// # Errors
    /// 503 when the database is unreachable.
    pub async fn resources_of(
        &self,
        kind: ResourceKind,
        email: &Email,
        owned_only: bool,
    ) -> ApiResult<Vec<(ResourceRow, Arc<Roster>)>> {
        let client = crate::db::client(&self.pool).await?;
        let statuses: &[&str] = if owned_only {
            &["owner"]
        } else {
            &["owner", "accepted"]
        };
        let sql = "SELECT r.id, r.kind, r.name, r.version,
                    extract(epoch FROM r.created_at)::bigint AS created_at
               FROM memberships m JOIN resources r ON r.id = m.resource_id
              WHERE m.email_norm = $1 AND r.kind = $2 AND r.deleted_at IS NULL
                AND m.status = ANY($3)
              ORDER BY r.name";
        let rows = client
            .query(
                &client.prepare_cached(sql).await?,
                &[&email.normalized(), &kind_id(kind), &statuses],
            )
            .await?;
        drop(client);
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let resource = resource_row(row)?;
            let roster = self.roster(&resource).await?;
            // The index follows the log in the same transaction; the
            // roster is the authority.
            if may_view(&roster, email) {
                out.push((resource, roster));
            }
        }
        Ok(out)
    }

    /// The roster of `resource` at `resource.version`.
    ///
    /// # Errors
    /// 503 when the database is unreachable; 500 when the stored log does
    /// not replay (a corrupted store).
    pub async fn roster(&self, resource: &ResourceRow) -> ApiResult<Arc<Roster>> {
        let cached = if self.cache_enabled() {
            self.cache_get(&resource.id)
        } else {
            None
        };
        if let Some((version, roster)) = &cached {
            if *version == resource.version {
                self.stats.cache_hits.fetch_add(1, Ordering::Relaxed);
                return Ok(Arc::clone(roster));
            }
        }
        self.stats.cache_misses.fetch_add(1, Ordering::Relaxed);
        let client = crate::db::client(&self.pool).await?;
        let (base_version, base) = match cached {
            Some((version, roster)) if version < resource.version => (version, Some(roster)),
            _ => {
                let snapshot = client
                    .query_opt(
                        &client
                            .prepare_cached(
                                "SELECT seq, roster::text FROM roster_snapshots
                          WHERE resource_id = $1 AND seq <= $2
                          ORDER BY seq DESC LIMIT 1",
                            )
                            .await?,
                        &[&resource.id, &resource.version],
                    )
                    .await?;
                match snapshot {
                    Some(row) => {
                        let seq: i64 = row.try_get(0)?;
                        // The crate's `Deserialize` checks every invariant
                        // again: timed as the crate's share.
                        let text: &str = row.try_get(1)?;
                        let roster: Roster = timed(&self.stats, || serde_json::from_str(text))
                            .map_err(|e| ApiError::internal(format!("snapshot: {e}")))?;
                        (seq, Some(Arc::new(roster)))
                    }
                    None => (0, None),
                }
            }
        };
        let rows = client
            .query(
                &client
                    .prepare_cached(
                        "SELECT seq, entry::text FROM resource_log
                  WHERE resource_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq",
                    )
                    .await?,
                &[&resource.id, &base_version, &resource.version],
            )
            .await?;
        drop(client);
        let mut expected = base_version;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            let seq: i64 = row.try_get(0)?;
            expected += 1;
            if seq != expected {
                return Err(ApiError::internal(format!(
                    "log of {} has a gap at {expected}",
                    resource.id
                )));
            }
            // The crate's `Deserialize` of the event: the crate's share.
            let text: &str = row.try_get(1)?;
            let entry: LogEntry = timed(&self.stats, || serde_json::from_str(text))
                .map_err(|e| ApiError::internal(format!("log entry {seq}: {e}")))?;
            if let LogEntry::Membership { event } = entry {
                events.push(*event);
            }
        }
        if expected != resource.version {
            return Err(ApiError::internal(format!(
                "log of {} ends at {expected}, not {}",
                resource.id, resource.version
            )));
        }
        let roster = match base {
            None => timed(&self.stats, || Roster::replay(&events))
                .map_err(|e| ApiError::internal(format!("replay of {}: {e}", resource.id)))?,
            Some(base) => {
                let mut roster = (*base).clone();
                timed(&self.stats, || self.apply_events(&mut roster, &events))?;
                roster
            }
        };
        let roster = Arc::new(roster);
        if self.cache_enabled() {
            self.cache_put(&resource.id, resource.version, &roster);
        }
        Ok(roster)
    }

    fn cache_get(&self, id: &str) -> Option<(i64, Arc<Roster>)> {
        let cache = self.cache.lock().ok()?;
        cache.get(id).map(|c| (c.version, Arc::clone(&c.roster)))
    }

    fn cache_put(&self, id: &str, version: i64, roster: &Arc<Roster>) {
        if let Ok(mut cache) = self.cache.lock() {
            if cache.get(id).is_some_and(|c| c.version >= version) {
                return;
            }
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
            cache.insert(
                id.to_string(),
                Cached {
                    version,
                    roster: Arc::clone(roster),
                },
            );
        }
    }

    /// Applies `events` (which follow the roster's state) to `roster`, by
    /// running again the operation each records and checking that it
    /// produces the same event.
    // TODO(crate): `Roster::apply(&Event)` and snapshot resume; this
    // mirrors `Roster::replay`'s dispatch.
    fn apply_events(&self, roster: &mut Roster, events: &[Event]) -> ApiResult<()> {
        let mut iter = events.iter();
        let bad = |e: &dyn core::fmt::Display| ApiError::internal(format!("apply: {e}"));
        while let Some(event) = iter.next() {
            let actor = event.actor();
            let email = &event.member().email;
            let at = event.at();
            let produced = match event.kind() {
                EventKind::RosterCreated => return Err(bad(&"a second roster_created")),
                EventKind::Invited => {
                    let (Some(token), Some(role)) = (event.invitation_token(), event.role()) else {
                        return Err(bad(&"invitation without token or role"));
                    };
                    let invitation = Invitation {
                        id: event.member().id.clone(),
                        email: email.clone(),
                        role: Some(role),
                        token: token.clone(),
                        expires_at: event.expires_at(),
                    };
                    roster.invite(actor, invitation, at).map_err(|e| bad(&e))?
                }
                EventKind::Accepted => {
                    let secret = self.invitation_secret(
                        roster.resource().id().as_str(),
                        event.member().id.as_str(),
                    );
                    let token = invitation_token(&secret)?;
                    let Some(username) = event.member().username.clone() else {
                        return Err(bad(&"acceptance without username"));
                    };
                    roster
                        .accept(actor, &token, username, at)
                        .map_err(|e| bad(&e))?
                }
                EventKind::Removed if actor == email => {
                    roster.leave(actor, at).map_err(|e| bad(&e))?
                }
                EventKind::Removed => roster.revoke(actor, email, at).map_err(|e| bad(&e))?,
                EventKind::RoleChanged if event.role() == Some(Role::Owner) => {
                    let Some(second) = iter.next() else {
                        return Err(bad(&"unpaired ownership change"));
                    };
                    let request = roster
                        .pending_transfer()
                        .cloned()
                        .ok_or_else(|| bad(&"no pending transfer"))?;
                    let [promoted, demoted] = roster
                        .accept_transfer(actor, &request, at)
                        .map_err(|e| bad(&e))?;
                    if demoted != *second {
                        return Err(bad(&"unpaired ownership change"));
                    }
                    promoted
                }
                EventKind::RoleChanged => {
                    let Some(role) = event.role() else {
                        return Err(bad(&"role change without role"));
                    };
                    roster
                        .change_role(actor, email, role, at)
                        .map_err(|e| bad(&e))?
                }
                EventKind::TransferRequested => roster
                    .request_transfer(actor, email, at)
                    .map_err(|e| bad(&e))?,
                EventKind::TransferCancelled => {
                    roster.cancel_transfer(actor, at).map_err(|e| bad(&e))?
                }
                EventKind::AccountDeleted => {
                    roster.account_deleted(email, at).map_err(|e| bad(&e))?
                }
            };
            if produced != *event {
                return Err(bad(&"an event does not match the change it records"));
            }
        }
        Ok(())
    }

    /// Creates a resource of `kind` named `name`, owned by `owner`.
    ///
    /// # Errors
    /// 422 for a name the crate refuses; 409 when the name is taken; 503
    /// when the database is unreachable.
    pub async fn create(
        &self,
        kind: ResourceKind,
        name: &str,
        owner: &Account,
    ) -> ApiResult<(ResourceRow, Arc<Roster>)> {
        let prefix = match kind {
            ResourceKind::App => "app_",
            ResourceKind::DedicatedDatabase => "db_",
        };
        let id = new_id(prefix)?;
        let resource_id = ResourceId::new(id.clone()).map_err(ApiError::internal)?;
        let resource = Resource::new(kind, resource_id, name)
            .map_err(|e| ApiError::Unprocessable(format!("name: {e}")))?;
        let now = Timestamp::from_unix_seconds(now_unix());
        let (roster, event) = timed(&self.stats, || Roster::create(resource, owner.clone(), now));
        let entry = LogEntry::Membership {
            event: Box::new(event),
        };
        let mut client = crate::db::client(&self.pool).await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_one(
                &format!(
                    "INSERT INTO resources (id, kind, name, version) VALUES ($1, $2, $3, 1)
                     RETURNING {RESOURCE_COLUMNS}"
                ),
                &[&id, &kind_id(kind), &name],
            )
            .await
            .map_err(|e| {
                if is_name_taken(&e) {
                    ApiError::Conflict(format!("a {} named {name:?} exists", kind_word(kind)))
                } else {
                    e.into()
                }
            })?;
        tx.execute(
            "INSERT INTO resource_log (resource_id, seq, entry) VALUES ($1, 1, $2)",
            &[&id, &Json(&entry)],
        )
        .await?;
        tx.execute(
            "INSERT INTO memberships (resource_id, email_norm, member_id, role, status)
             VALUES ($1, $2, $3, 'owner', 'owner')",
            &[&id, &owner.email.normalized(), &owner.id.as_str()],
        )
        .await?;
        tx.commit().await?;
        let row = resource_row(&row)?;
        let roster = Arc::new(roster);
        if self.cache_enabled() {
            self.cache_put(&id, 1, &roster);
        }
        Ok((row, roster))
    }

    fn write_lock(&self, id: &str) -> ApiResult<Arc<tokio::sync::Mutex<()>>> {
        let mut locks = self
            .write_locks
            .lock()
            .map_err(|_| ApiError::internal("write lock table poisoned"))?;
        if locks.len() >= CACHE_CAPACITY {
            locks.retain(|_, lock| Arc::strong_count(lock) > 1);
        }
        Ok(Arc::clone(locks.entry(id.to_string()).or_default()))
    }

    /// Writes `change` on resource `resource_id` as `actor` (who is
    /// `actor_id` for the service's own entries): decides against the
    /// roster at the current version and appends at the next, deciding
    /// again after a lost race, at most [`OPTIMISTIC_ATTEMPTS`] times, then
    /// once under the row lock.
    ///
    /// # Errors
    /// The crate's refusal (403, 404, 409, 422) with nothing written;
    /// 503 when the database is
    /// unreachable (the transaction is rolled back: nothing written).
    pub async fn write(
        &self,
        resource_id: &str,
        actor: &Email,
        change: Change,
    ) -> ApiResult<Committed> {
        let lock = self.write_lock(resource_id)?;
        let _guard = lock.lock().await;
        // Chosen once, so that a retried invitation keeps its id.
        let invite_id = match &change {
            Change::Membership(Op::Invite { .. }) => Some(new_id("mem_")?),
            _ => None,
        };
        let mut retries = 0;
        loop {
            if retries >= OPTIMISTIC_ATTEMPTS {
                // Starved by faster writers elsewhere: decide under the
                // row lock, which cannot lose.
                return self
                    .write_locked(resource_id, actor, &change, invite_id.as_deref(), retries)
                    .await;
            }
            let resource = self.resource_by_id(resource_id).await?;
            let roster = self.roster(&resource).await?;
            // TODO(crate): decide on `&Roster` and apply; until then the
            // operation runs on a copy (the crate's `Clone`, timed).
            let mut next = timed(&self.stats, || (*roster).clone());
            let now = now_unix();
            let (entries, member_id, new_name) = self.decide(
                &resource,
                &mut next,
                actor,
                &change,
                invite_id.as_deref(),
                now,
            )?;
            match self
                .commit(&resource, &next, &entries, new_name.as_deref())
                .await
            {
                Ok(resource) => {
                    let roster = Arc::new(next);
                    if self.cache_enabled() {
                        self.cache_put(&resource.id, resource.version, &roster);
                    }
                    return Ok(Committed {
                        resource,
                        roster,
                        entries,
                        member_id,
                        retries,
                    });
                }
                Err(CommitError::Conflict) => {
                    retries += 1;
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    let jitter =
                        crate::auth::random_bytes::<1>().map_or(0, |b| u64::from(b[0]) % 4);
                    tokio::time::sleep(Duration::from_millis(1 + jitter)).await;
                }
                Err(CommitError::Api(e)) => return Err(e),
            }
        }
    }

    /// Runs `change` on `roster` (a copy of the roster at the resource's
    /// version): the entries to append, the membership concerned, the new
    /// name.
    fn decide(
        &self,
        resource: &ResourceRow,
        roster: &mut Roster,
        actor: &Email,
        change: &Change,
        invite_id: Option<&str>,
        now: u64,
    ) -> ApiResult<(Vec<LogEntry>, Option<String>, Option<String>)> {
        let kind = resource.kind;
        let at = Timestamp::from_unix_seconds(now);
        // TODO(crate): operations by member id; until then the id is looked
        // up and the operation given the email.
        let member_email = |roster: &Roster, id: &str| -> ApiResult<Email> {
            let member_id = to_member_id(id)?;
            roster
                .get_by_id(&member_id)
                .map(|m| m.email().clone())
                .ok_or_else(|| ApiError::not_found("collaborator"))
        };
        let membership = |events: Vec<Event>| {
            events
                .into_iter()
                .map(|event| LogEntry::Membership {
                    event: Box::new(event),
                })
                .collect::<Vec<_>>()
        };
        let stats = &self.stats;
        match change {
            Change::Membership(op) => {
                let (events, member) = match op {
                    Op::Invite { email, role } => {
                        let id = invite_id.ok_or_else(|| ApiError::internal("invite id"))?;
                        let secret = self.invitation_secret(&resource.id, id);
                        let mut invitation = Invitation::new(
                            to_member_id(id)?,
                            email.clone(),
                            invitation_token(&secret)?,
                        );
                        invitation.role = *role;
                        let event = timed(stats, || roster.invite(actor, invitation, at))
                            .map_err(|e| invite_error(kind, e))?;
                        (vec![event], Some(id.to_string()))
                    }
                    Op::Accept {
                        member_id,
                        secret,
                        username,
                    } => {
                        // The link names the membership: it must be the
                        // caller's own.
                        let mine = roster
                            .get(actor)
                            .is_some_and(|m| m.id().as_str() == member_id);
                        if !mine {
                            return Err(ApiError::not_found("invitation"));
                        }
                        let token = invitation_token(secret)?;
                        let event =
                            timed(stats, || roster.accept(actor, &token, username.clone(), at))
                                .map_err(accept_error)?;
                        (vec![event], Some(member_id.clone()))
                    }
                    Op::ChangeRole { member_id, role } => {
                        let email = member_email(roster, member_id)?;
                        let event = timed(stats, || roster.change_role(actor, &email, *role, at))
                            .map_err(|e| change_role_error(kind, e))?;
                        (vec![event], Some(member_id.clone()))
                    }
                    Op::Remove { member_id } => {
                        let email = member_email(roster, member_id)?;
                        let event = if email == *actor {
                            timed(stats, || roster.leave(actor, at))
                                .map_err(|e| leave_error(kind, e))?
                        } else {
                            timed(stats, || roster.revoke(actor, &email, at))
                                .map_err(|e| revoke_error(kind, e))?
                        };
                        (vec![event], Some(member_id.clone()))
                    }
                    Op::RequestTransfer { email } => {
                        let event = timed(stats, || roster.request_transfer(actor, email, at))
                            .map_err(|e| transfer_error(kind, e))?;
                        {
                            let member = event_member(&event);
                            (vec![event], Some(member))
                        }
                    }
                    Op::AcceptTransfer => {
                        let request = roster.pending_transfer().cloned().ok_or_else(|| {
                            ApiError::NotFound(TransferError::NoPending.to_string())
                        })?;
                        let events = timed(stats, || roster.accept_transfer(actor, &request, at))
                            .map_err(|e| transfer_error(kind, e))?;
                        (events.to_vec(), None)
                    }
                    Op::CancelTransfer => {
                        let event = timed(stats, || roster.cancel_transfer(actor, at))
                            .map_err(|e| transfer_error(kind, e))?;
                        (vec![event], None)
                    }
                };
                Ok((membership(events), member, None))
            }
            Change::Rename { name } => {
                guard(stats, roster, actor, collab_authz::Action::Rename)?;
                Resource::new(kind, roster.resource().id().clone(), name.as_str())
                    .map_err(|e| ApiError::Unprocessable(format!("name: {e}")))?;
                if *name == resource.name {
                    return Err(ApiError::Conflict(format!(
                        "the {} is named {name:?} already",
                        kind_word(kind)
                    )));
                }
                let entry = LogEntry::Renamed {
                    from: resource.name.clone(),
                    to: name.clone(),
                    actor: actor.as_str().to_string(),
                    at: now,
                };
                Ok((vec![entry], None, Some(name.clone())))
            }
            Change::Delete => {
                guard(stats, roster, actor, collab_authz::Action::Delete)?;
                let entry = LogEntry::Deleted {
                    actor: actor.as_str().to_string(),
                    at: now,
                };
                Ok((vec![entry], None, None))
            }
        }
    }

    /// The last attempt of a write: in one transaction, lock the
    /// resource's row (`FOR UPDATE`), read the roster at its version,
    /// decide and append. Optimistic writers elsewhere wait for the lock
    /// and then find the version moved, so this attempt cannot lose.
    async fn write_locked(
        &self,
        resource_id: &str,
        actor: &Email,
        change: &Change,
        invite_id: Option<&str>,
        retries: u32,
    ) -> ApiResult<Committed> {
        let mut client = crate::db::client(&self.pool).await?;
        let tx = client.transaction().await?;
        let sql = format!(
            "SELECT {RESOURCE_COLUMNS} FROM resources
              WHERE id = $1 AND deleted_at IS NULL FOR UPDATE"
        );
        let row = tx
            .query_opt(&tx.prepare_cached(&sql).await?, &[&resource_id])
            .await?
            .ok_or_else(|| ApiError::not_found("resource"))?;
        let resource = resource_row(&row)?;
        let roster = self.roster(&resource).await?;
        let mut next = timed(&self.stats, || (*roster).clone());
        let (entries, member_id, new_name) =
            self.decide(&resource, &mut next, actor, change, invite_id, now_unix())?;
        let resource = match self
            .append(&tx, &resource, &next, &entries, new_name.as_deref())
            .await
        {
            Ok(resource) => resource,
            Err(CommitError::Api(e)) => return Err(e),
            Err(CommitError::Conflict) => {
                return Err(ApiError::internal(
                    "a write under the row lock found the version moved",
                ));
            }
        };
        tx.commit().await?;
        let roster = Arc::new(next);
        if self.cache_enabled() {
            self.cache_put(&resource.id, resource.version, &roster);
        }
        Ok(Committed {
            resource,
            roster,
            entries,
            member_id,
            retries,
        })
    }

    async fn commit(
        &self,
        resource: &ResourceRow,
        roster: &Roster,
        entries: &[LogEntry],
        new_name: Option<&str>,
    ) -> Result<ResourceRow, CommitError> {
        let client = crate::db::client(&self.pool).await?;
        self.append(&client, resource, roster, entries, new_name)
            .await
    }

    /// In one statement (its own transaction, or part of `client`'s):
    /// moves the version from the resource's to past `entries` (or
    /// reports the race lost), appends the entries, updates the membership
    /// index and writes a snapshot when one is due. One round trip.
    async fn append<C: deadpool_postgres::GenericClient>(
        &self,
        client: &C,
        resource: &ResourceRow,
        roster: &Roster,
        entries: &[LogEntry],
        new_name: Option<&str>,
    ) -> Result<ResourceRow, CommitError> {
        let count = i64::try_from(entries.len()).map_err(ApiError::internal)?;
        let (from, to) = (resource.version, resource.version + count);
        let deleted = entries
            .iter()
            .any(|e| matches!(e, LogEntry::Deleted { .. }));
        let seqs: Vec<i64> = (from + 1..=to).collect();
        let logged: Vec<Json<&LogEntry>> = entries.iter().map(Json).collect();
        // The members the entries are about, each once: present ones are
        // upserted with their state after the write, absent ones removed.
        let mut touched = std::collections::BTreeMap::new();
        for entry in entries {
            if let LogEntry::Membership { event } = entry {
                let email = &event.member().email;
                touched.insert(email.normalized(), roster.get(email));
            }
        }
        let (mut emails, mut ids, mut roles, mut statuses, mut removed) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (email, member) in touched {
            match member {
                Some(member) => {
                    emails.push(email);
                    ids.push(member.id().as_str());
                    roles.push(member.role().to_string());
                    statuses.push(member.status().id());
                }
                None => removed.push(email),
            }
        }
        let snapshot =
            (!deleted && to / SNAPSHOT_EVERY > from / SNAPSHOT_EVERY).then_some(Json(roster));
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
                    &emails,
                    &ids,
                    &roles,
                    &statuses,
                    &removed,
                    &snapshot,
                ],
            )
            .await?;
        match row {
            Some(row) => Ok(resource_row(&row)?),
            None => Err(CommitError::Conflict),
        }
    }

    /// The log of a resource, entries `after < seq`, at most `limit`.
    ///
    /// # Errors
    /// 503 when the database is unreachable; 500 for an unreadable entry.
    pub async fn log(
        &self,
        resource_id: &str,
        after: i64,
        limit: i64,
    ) -> ApiResult<Vec<(i64, LogEntry)>> {
        let client = crate::db::client(&self.pool).await?;
        let rows = client
            .query(
                &client
                    .prepare_cached(
                        "SELECT seq, entry FROM resource_log
                  WHERE resource_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                    )
                    .await?,
                &[&resource_id, &after, &limit],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let Json(entry): Json<LogEntry> = row.try_get(1)?;
                Ok((row.try_get(0)?, entry))
            })
            .collect()
    }

    /// Rebuilds the roster of `resource` from its whole log with the
    /// crate's `Roster::replay`, bypassing cache and snapshots (for checks).
    ///
    /// # Errors
    /// 503 when the database is unreachable; 500 when the log does not
    /// replay.
    pub async fn replay(&self, resource: &ResourceRow) -> ApiResult<Roster> {
        let entries = self.log(&resource.id, 0, i64::MAX).await?;
        let events: Vec<Event> = entries
            .into_iter()
            .filter_map(|(_, e)| match e {
                LogEntry::Membership { event } => Some(*event),
                _ => None,
            })
            .collect();
        Roster::replay(&events).map_err(|e| ApiError::internal(format!("replay: {e}")))
    }

    /// The crate's decision for `actor` doing `action` on the resource of
    /// `roster` in `ctx`, timed into the stats.
    ///
    /// # Errors
    /// 404 for a stranger, 403 (explained) for an inactive member.
    pub fn decide_action(
        &self,
        roster: &Roster,
        actor: &Email,
        action: collab_authz::Action,
        ctx: &Context,
    ) -> ApiResult<Decision> {
        let role = active_role(roster, actor)?;
        Ok(timed(&self.stats, || {
            decide(role, roster.kind(), action, ctx)
        }))
    }

    /// Whether this membership is pending (for showing its link).
    #[must_use]
    pub fn is_pending(status: MemberStatus) -> bool {
        status == MemberStatus::Pending
    }
}

fn event_member(event: &Event) -> String {
    event.member().id.as_str().to_string()
}

/// Refuses unless the crate allows `actor` to do `action` (no context).
fn guard(
    stats: &Stats,
    roster: &Roster,
    actor: &Email,
    action: collab_authz::Action,
) -> ApiResult<()> {
    let role = active_role(roster, actor)?;
    match timed(stats, || {
        decide(role, roster.kind(), action, &Context::new())
    }) {
        Decision::Denied(denial) => Err(ApiError::Forbidden(denial.to_string())),
        _ => Ok(()),
    }
}
