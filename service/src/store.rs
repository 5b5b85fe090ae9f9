//! The one module that drives the crate's membership operations: every
//! roster read and write of the service goes through [`Store`].
//!
//! Storage: each app's and dedicated database's log is a run of rows
//! `(resource_id, seq)` in `resource_log`, unique, each the crate's own
//! [`Event`] (its serde form, with its schema version `"v"`), with
//! `resources.version` the last `seq` (the roster's
//! [`version`](Roster::version)). A write decides against the roster at
//! version `v` ([`Roster`]'s `decide_*`, on a shared reference: no copy),
//! and in one statement moves `resources.version` from `v` to `v + n` (a
//! compare-and-set on the row) and inserts the `n` events at
//! `v + 1 ..= v + n`; then it [applies](Roster::apply) them to the cached
//! roster. A concurrent writer that decided at the same `v` finds the
//! version moved (or collides on the unique key), reloads and decides
//! again, a bounded number of times ([`OPTIMISTIC_ATTEMPTS`]); then it
//! decides once more holding the resource's row lock, which cannot lose
//! (no starvation). Within one process, writes to one resource also take
//! a local lock so that only writers of different processes ever race.
//!
//! Reads never replay a whole log: a per-process cache keyed by version
//! gives the roster at the current version when nothing changed, applies
//! only the new events when something did, and otherwise
//! [resumes](Roster::resume) the latest snapshot (one at creation, then
//! one every [`SNAPSHOT_EVERY`] events).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use collab_authz::membership::{
    Account, Classify, ErrorClass, EventKind, Invitation, InvitationToken, MemberId, NotPermitted,
    Resource, ResourceId, Timestamp, Username,
};
use collab_authz::{Context, Decision, Email, Event, ResourceKind, Role, Roster, decide};
use deadpool_postgres::Pool;
use tokio_postgres::types::Json;

use crate::auth::{Keys, new_id, now_unix};
use crate::error::{ApiError, ApiResult};

/// A snapshot of the roster is stored at creation and then every this
/// many log events.
pub const SNAPSHOT_EVERY: i64 = 64;

/// How many optimistic attempts a write makes; after as many lost races
/// it decides once more under the resource's row lock, which cannot lose.
pub const OPTIMISTIC_ATTEMPTS: u32 = 4;

/// Past this many cached rosters, the cache is emptied.
const CACHE_CAPACITY: usize = 10_000;

/// The name the service's events route gives `event` on a resource of
/// `kind`: the crate's notification name, except for a rename or a
/// deletion, which the API names after the kind (`app_renamed`,
/// `database_deleted`, ...).
#[must_use]
pub fn event_name(event: &Event, kind: ResourceKind) -> &'static str {
    match (event.kind(), kind) {
        (EventKind::Renamed, ResourceKind::App) => "app_renamed",
        (EventKind::Renamed, ResourceKind::DedicatedDatabase) => "database_renamed",
        (EventKind::Deleted, ResourceKind::App) => "app_deleted",
        (EventKind::Deleted, ResourceKind::DedicatedDatabase) => "database_deleted",
        (other, _) => other.notification_name(),
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
    /// The `seq` of the last event of its log.
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
        /// The caller's username, if their account has one.
        username: Option<Username>,
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
    /// How many times the write decided again after losing a race.
    pub retries: u32,
}

/// Counters, for the benchmarks and the operator.
#[derive(Debug, Default)]
pub struct Stats {
    /// Reads served from the cache at the current version.
    pub cache_hits: AtomicU64,
    /// Reads that loaded events or a snapshot.
    pub cache_misses: AtomicU64,
    /// Writes that decided again after losing a race.
    pub retries: AtomicU64,
    /// Nanoseconds spent inside the crate: its membership decisions,
    /// `apply`, `Roster::create`, `decide` and the deserialization of
    /// snapshots and events.
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

/// The token the crate is given for an invitation: the link's secret
/// itself (the crate keeps only its SHA-256 digest).
fn invitation_token(secret: &str) -> ApiResult<InvitationToken> {
    InvitationToken::new(secret).map_err(ApiError::internal)
}

fn to_member_id(id: &str) -> ApiResult<MemberId> {
    MemberId::new(id).map_err(|_| ApiError::not_found("collaborator"))
}

/// The answer to a refusal of the crate on a resource of `kind`: the
/// status of its [`ErrorClass`] with the crate's explanation, except that
/// a stranger gets the 404 of a resource they cannot see (its existence
/// does not leak).
pub fn refused<E: Classify + core::fmt::Display>(kind: ResourceKind, e: &E) -> ApiError {
    if e.not_permitted() == Some(&NotPermitted::Stranger) {
        return ApiError::not_found(kind_word(kind));
    }
    let message = e.to_string();
    match e.class() {
        ErrorClass::NotPermitted => ApiError::Forbidden(message),
        ErrorClass::NotFound => ApiError::NotFound(message),
        ErrorClass::Conflict => ApiError::Conflict(message),
        ErrorClass::Gone => ApiError::Gone(message),
        ErrorClass::Invalid => ApiError::Unprocessable(message),
    }
}

/// The role `email` holds on the roster ([`Roster::may_view`]), or the
/// 404/403 a guarded action answers a stranger or an inactive member
/// with.
///
/// # Errors
/// 404 for a stranger, 403 for a pending invitation or deleted account.
pub fn active_role(roster: &Roster, email: &Email) -> ApiResult<Role> {
    roster
        .may_view(email)
        .map_err(|e| refused(roster.kind(), &e))
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
            if roster.may_view(email).is_ok() {
                out.push((resource, roster));
            }
        }
        Ok(out)
    }

    /// The roster of `resource` at `resource.version`.
    ///
    /// # Errors
    /// 503 when the database is unreachable; 500 when the stored log does
    /// not apply (a corrupted store).
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
        let (base_version, mut base) = match cached {
            Some((version, roster)) if version < resource.version => (version, roster),
            _ => {
                let row = client
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
                    .await?
                    .ok_or_else(|| ApiError::internal(format!("no snapshot of {}", resource.id)))?;
                let seq: i64 = row.try_get(0)?;
                // The crate's `Deserialize` checks every invariant again:
                // timed as the crate's share.
                let text: &str = row.try_get(1)?;
                let roster: Roster = timed(&self.stats, || serde_json::from_str(text))
                    .map_err(|e| ApiError::internal(format!("snapshot: {e}")))?;
                (seq, Arc::new(roster))
            }
        };
        let rows = client
            .query(
                &client
                    .prepare_cached(
                        "SELECT entry::text FROM resource_log
                  WHERE resource_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq",
                    )
                    .await?,
                &[&resource.id, &base_version, &resource.version],
            )
            .await?;
        drop(client);
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            // The crate's `Deserialize` of the event: the crate's share.
            let text: &str = row.try_get(0)?;
            let event: Event = timed(&self.stats, || serde_json::from_str(text))
                .map_err(|e| ApiError::internal(format!("log of {}: {e}", resource.id)))?;
            events.push(event);
        }
        // A copy only when a reader elsewhere still holds the old version.
        let roster = Arc::make_mut(&mut base);
        timed(&self.stats, || apply_all(roster, &events))?;
        check_version(resource, roster)?;
        if self.cache_enabled() {
            self.cache_put(&resource.id, resource.version, &base);
        }
        Ok(base)
    }

    fn cache_get(&self, id: &str) -> Option<(i64, Arc<Roster>)> {
        let cache = self.cache.lock().ok()?;
        cache.get(id).map(|c| (c.version, Arc::clone(&c.roster)))
    }

    /// Takes the cached roster of `id` out of the cache when it is at
    /// `version` (so that the writer holding it may apply its events in
    /// place).
    fn cache_take(&self, id: &str, version: i64) {
        if let Ok(mut cache) = self.cache.lock() {
            if cache.get(id).is_some_and(|c| c.version == version) {
                cache.remove(id);
            }
        }
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

    /// Creates a resource of `kind` named `name`, owned by `owner`: its
    /// `roster_created` event at seq 1 and a snapshot at 1 (so that every
    /// read resumes a snapshot).
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
            &[&id, &Json(&event)],
        )
        .await?;
        tx.execute(
            "INSERT INTO roster_snapshots (resource_id, seq, roster) VALUES ($1, 1, $2)",
            &[&id, &Json(&roster)],
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

    /// Writes `change` on resource `resource_id` as `actor`: decides
    /// against the roster at the current version and appends at the next,
    /// deciding again after a lost race, at most [`OPTIMISTIC_ATTEMPTS`]
    /// times, then once under the row lock.
    ///
    /// # Errors
    /// The crate's refusal (403, 404, 409, 410, 422, with its
    /// explanation) with nothing written; 503 when the database is
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
            let decided = self.decide(
                &resource,
                &roster,
                actor,
                &change,
                invite_id.as_deref(),
                now_unix(),
            )?;
            let client = crate::db::client(&self.pool).await?;
            match self.append(&client, &resource, &roster, &decided).await {
                Ok(row) => {
                    drop(client);
                    return self.committed(&resource, row, roster, decided, retries);
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

    /// After the append: applies the decided events to the roster they
    /// were decided on (in place when no reader holds it; the cache gives
    /// its reference up first) and caches the result.
    fn committed(
        &self,
        before: &ResourceRow,
        row: ResourceRow,
        mut roster: Arc<Roster>,
        decided: Decided,
        retries: u32,
    ) -> ApiResult<Committed> {
        self.cache_take(&before.id, before.version);
        let next = Arc::make_mut(&mut roster);
        timed(&self.stats, || apply_all(next, &decided.events))?;
        check_version(&row, next)?;
        if self.cache_enabled() {
            self.cache_put(&row.id, row.version, &roster);
        }
        Ok(Committed {
            resource: row,
            roster,
            events: decided.events,
            member_id: decided.member_id,
            retries,
        })
    }

    /// Decides `change` against `roster` (the roster at the resource's
    /// version): the events to append and the membership concerned.
    fn decide(
        &self,
        resource: &ResourceRow,
        roster: &Roster,
        actor: &Email,
        change: &Change,
        invite_id: Option<&str>,
        now: u64,
    ) -> ApiResult<Decided> {
        let kind = resource.kind;
        let at = Timestamp::from_unix_seconds(now);
        let stats = &self.stats;
        let (events, member_id) = match change {
            Change::Membership(Op::Invite { email, role }) => {
                let id = invite_id.ok_or_else(|| ApiError::internal("invite id"))?;
                let secret = self.invitation_secret(&resource.id, id);
                let mut invitation =
                    Invitation::new(to_member_id(id)?, email.clone(), invitation_token(&secret)?);
                if let Some(role) = role {
                    invitation = invitation.with_role(*role);
                }
                let event = timed(stats, || roster.decide_invite(actor, invitation, at))
                    .map_err(|e| refused(kind, &e))?;
                (vec![event], Some(id.to_string()))
            }
            Change::Membership(Op::Accept {
                member_id,
                secret,
                username,
            }) => {
                // The link names the membership: it must be the caller's
                // own.
                let mine = roster
                    .get(actor)
                    .is_some_and(|m| m.id().as_str() == member_id);
                if !mine {
                    return Err(ApiError::not_found("invitation"));
                }
                let token = invitation_token(secret)?;
                let event = timed(stats, || {
                    roster.decide_accept(actor, &token, username.clone(), at)
                })
                .map_err(|e| refused(kind, &e))?;
                (vec![event], Some(member_id.clone()))
            }
            Change::Membership(Op::ChangeRole { member_id, role }) => {
                let id = to_member_id(member_id)?;
                let event = timed(stats, || roster.decide_change_role(actor, &id, *role, at))
                    .map_err(|e| refused(kind, &e))?;
                (vec![event], Some(member_id.clone()))
            }
            Change::Membership(Op::Remove { member_id }) => {
                let id = to_member_id(member_id)?;
                let own = roster.find(&id).is_some_and(|m| m.email() == actor);
                let event = if own {
                    timed(stats, || roster.decide_leave(actor, at))
                        .map_err(|e| refused(kind, &e))?
                } else {
                    timed(stats, || roster.decide_revoke(actor, &id, at))
                        .map_err(|e| refused(kind, &e))?
                };
                (vec![event], Some(member_id.clone()))
            }
            Change::Membership(Op::RequestTransfer { email }) => {
                let event = timed(stats, || roster.decide_request_transfer(actor, email, at))
                    .map_err(|e| refused(kind, &e))?;
                let member = event.member().id.as_str().to_string();
                (vec![event], Some(member))
            }
            Change::Membership(Op::AcceptTransfer) => {
                let Some(request) = roster.pending_transfer() else {
                    let e = collab_authz::membership::TransferError::NoPending;
                    return Err(refused(kind, &e));
                };
                let events = timed(stats, || roster.decide_accept_transfer(actor, request, at))
                    .map_err(|e| refused(kind, &e))?;
                (events.to_vec(), None)
            }
            Change::Membership(Op::CancelTransfer) => {
                let event = timed(stats, || roster.decide_cancel_transfer(actor, at))
                    .map_err(|e| refused(kind, &e))?;
                (vec![event], None)
            }
            Change::Rename { name } => {
                let event = timed(stats, || roster.decide_rename(actor, name, at))
                    .map_err(|e| refused(kind, &e))?;
                (vec![event], None)
            }
            Change::Delete => {
                let event = timed(stats, || roster.decide_delete(actor, at))
                    .map_err(|e| refused(kind, &e))?;
                (vec![event], None)
            }
        };
        Ok(Decided { events, member_id })
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
        let decided = self.decide(&resource, &roster, actor, change, invite_id, now_unix())?;
        let row = match self.append(&tx, &resource, &roster, &decided).await {
            Ok(row) => row,
            Err(CommitError::Api(e)) => return Err(e),
            Err(CommitError::Conflict) => {
                return Err(ApiError::internal(
                    "a write under the row lock found the version moved",
                ));
            }
        };
        tx.commit().await?;
        drop(client);
        self.committed(&resource, row, roster, decided, retries)
    }

    /// In one statement (its own transaction, or part of `client`'s):
    /// moves the version from the resource's to past the decided events
    /// (or reports the race lost), appends them, updates the membership
    /// index and writes a snapshot when one is due. One round trip.
    ///
    /// `before` is the roster the events were decided on: the index rows
    /// come from the events and it; a snapshot (every [`SNAPSHOT_EVERY`]
    /// events) is a copy of it with the events applied.
    async fn append<C: deadpool_postgres::GenericClient>(
        &self,
        client: &C,
        resource: &ResourceRow,
        before: &Roster,
        decided: &Decided,
    ) -> Result<ResourceRow, CommitError> {
        let events = &decided.events;
        let count = i64::try_from(events.len()).map_err(ApiError::internal)?;
        let (from, to) = (resource.version, resource.version + count);
        let deleted = events.iter().any(|e| e.kind() == EventKind::Deleted);
        let new_name = events
            .iter()
            .rev()
            .find(|e| e.kind() == EventKind::Renamed)
            .and_then(Event::name);
        let seqs: Vec<i64> = (from + 1..=to).collect();
        let logged: Vec<Json<&Event>> = events.iter().map(Json).collect();
        // The members the events are about, each once, in their state
        // after the last event about them: present ones are upserted,
        // removed ones deleted from the index.
        let mut touched = std::collections::BTreeMap::new();
        for event in events {
            if let Some(state) = index_state(before, event) {
                touched.insert(event.member().email.normalized(), state);
            }
        }
        let (mut emails, mut ids, mut roles, mut statuses, mut removed) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (email, state) in touched {
            match state {
                IndexState::Present { id, role, status } => {
                    emails.push(email);
                    ids.push(id);
                    roles.push(role);
                    statuses.push(status);
                }
                IndexState::Removed => removed.push(email),
            }
        }
        let snapshot = if !deleted && to / SNAPSHOT_EVERY > from / SNAPSHOT_EVERY {
            let mut after = timed(&self.stats, || before.clone());
            timed(&self.stats, || apply_all(&mut after, events))?;
            Some(after)
        } else {
            None
        };
        let snapshot = snapshot.as_ref().map(Json);
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

    /// The log of a resource, events `after < seq`, at most `limit`.
    ///
    /// # Errors
    /// 503 when the database is unreachable; 500 for an unreadable event.
    pub async fn log(&self, resource_id: &str, after: i64, limit: i64) -> ApiResult<Vec<Event>> {
        let client = crate::db::client(&self.pool).await?;
        let rows = client
            .query(
                &client
                    .prepare_cached(
                        "SELECT entry::text FROM resource_log
                  WHERE resource_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                    )
                    .await?,
                &[&resource_id, &after, &limit],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let text: &str = row.try_get(0)?;
                serde_json::from_str(text)
                    .map_err(|e| ApiError::internal(format!("log of {resource_id}: {e}")))
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
        let events = self.log(&resource.id, 0, i64::MAX).await?;
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
}

/// What a write decided: the events, and the membership concerned (the
/// invited one for an invitation).
#[derive(Debug)]
struct Decided {
    events: Vec<Event>,
    member_id: Option<String>,
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

/// Applies `events` in turn to `roster` with the crate's
/// [`Roster::apply`].
fn apply_all(roster: &mut Roster, events: &[Event]) -> ApiResult<()> {
    for event in events {
        roster
            .apply(event)
            .map_err(|e| ApiError::internal(format!("event {}: {e}", event.seq())))?;
    }
    Ok(())
}

/// Checks that the roster's version is the resource's.
fn check_version(resource: &ResourceRow, roster: &Roster) -> ApiResult<()> {
    if i64::try_from(roster.version()).ok() == Some(resource.version) {
        Ok(())
    } else {
        Err(ApiError::internal(format!(
            "roster of {} at {}, not {}",
            resource.id,
            roster.version(),
            resource.version
        )))
    }
}
