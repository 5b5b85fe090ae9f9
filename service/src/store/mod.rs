//! The store: every SQL statement of the service, below HTTP. It returns
//! its own errors ([`StoreError`], [`WriteError`], [`AccessError`]) or the
//! crate's, never an HTTP answer.
//!
//! | file | concern |
//! | --- | --- |
//! | [`access`] | the one access step: load a resource and its roster once, check visibility, decide once, hand back a guarded value |
//! | `rosters` | resources, rosters (snapshots, the per-process cache) and the log: reads and creation |
//! | `holdings` | what someone owns or collaborates on: the dashboard's and the directory's reads |
//! | [`command`] | what a route asks to write ([`Change`]), and `decide`: the crate's command for it, decided against the roster at `v` (the only call of the crate's membership operations), then the [`GrowthLimits`] |
//! | `write` | the membership writes' one door ([`Store::submit`]: a [`WriteRequest`] in, the answer to send out) and the one write path: the key, the invitation rate limit, decide, append, retry (optimistic, then under the row lock) |
//! | `commit` | after the decision: the committed write, a keyed write's answer, the cache and the snapshot after the append |
//! | `append` | the one statement: compare-and-set of the head, the events, the membership index, the idempotency key |
//! | [`accounts`] | accounts, API tokens, sessions, the user-id cache |
//! | `views` | answers derived from a roster at one version (the serialized listing), kept until the version moves |
//! | [`actions`] | the rows of guarded app actions: operations, variables, deployments |
//! | [`db`] | the pool, the embedded migrations and the readiness question |
//! | [`health`] | the database outage in progress, logged once when it starts and once when it ends |
//! | [`idempotency`] | idempotency keys: the answer of a keyed write, recorded by its append statement, replayed to a retry |
//! | [`error`] | the errors above |
//!
//! Storage: each app's and dedicated database's log is a run of rows
//! `(resource_id, seq)` in `resource_log`, unique, each the crate's own
//! [`Event`](collab_authz::Event) (its serde form, with its schema version `"v"`), with
//! `resources.version` the last `seq` (the roster's
//! [`version`](collab_authz::Roster::version)) and `resources.head` the
//! digest of the log up to it (the roster's
//! [`head`](collab_authz::Roster::head): each event states the digest of
//! the log before it, a hash chain the crate checks). A write decides
//! against the roster at head `(v, h)` (on a shared reference: no copy),
//! and in one statement moves `resources` from `(v, h)` to the head after
//! its `n` events (a compare-and-set on the row: the version and the
//! digest) and inserts them at `v + 1 ..= v + n`; then it
//! [applies](collab_authz::Roster::apply) them to the cached roster. A concurrent writer
//! that decided at the same `v` finds the version moved (or collides on
//! the unique key), reloads and decides again, a bounded number of times
//! ([`OPTIMISTIC_ATTEMPTS`]); then it decides once more holding the
//! resource's row lock, which cannot lose (no starvation). Within one
//! process, writes to one resource also take a local lock so that only
//! writers of different processes ever race.
//!
//! Reads never replay a whole log: a per-process cache keyed by head
//! (version and digest) gives the roster at the current head when nothing
//! changed, applies only the new events when something did (the crate
//! refuses them unless they continue the cached log), drops the cached
//! roster when it is on another log than the database's (the database
//! lost writes this process saw: a crash with asynchronous commit, a
//! failover to an asynchronous standby, a restore), and otherwise
//! [resumes](collab_authz::Roster::resume) the latest snapshot (one at creation, then
//! one every [`SNAPSHOT_EVERY`] events, written in the background after the
//! write that reached it, or by a cold read that found the latest one a
//! whole period behind; storing one deletes those no read can use any
//! more: a resource keeps its creation snapshot and its two latest).

pub mod access;
pub mod accounts;
pub mod actions;
mod append;
pub mod command;
mod commit;
pub mod db;
pub mod error;
pub mod health;
mod holdings;
pub mod idempotency;
mod rosters;
mod views;
mod write;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex};

use collab_authz::ResourceKind;
use collab_authz::membership::LogDigest;
use deadpool_postgres::Pool;

use crate::keys::Keys;

pub use access::{Granted, Locator, Opened, Seen};
pub use command::Change;
pub use command::{GrowthLimits, InvitationRate};
pub use commit::Committed;
pub use error::{AccessError, Outage, Refusal, StoreError, WriteError};
pub use holdings::{Holding, Owned};
pub use idempotency::{IdempotencyKey, Recall, Recorded};
use rosters::Cached;
pub use write::{Submitted, WriteRequest};

/// A snapshot of the roster is stored at creation and then every this
/// many log events (in the background, after the write's answer).
pub const SNAPSHOT_EVERY: i64 = 64;

/// How many optimistic attempts a write makes; after as many lost races
/// it decides once more under the resource's row lock, which cannot lose.
pub const OPTIMISTIC_ATTEMPTS: u32 = 4;

/// How many times a write decides again after the database rolled it back
/// (a serialization failure or a deadlock: nothing was written) before it
/// answers 503.
pub const ROLLED_BACK_ATTEMPTS: u32 = 3;

/// Past this many cached rosters, the cache is emptied.
const CACHE_CAPACITY: usize = 10_000;

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
    /// The digest of its log up to its last chained event (the crate's
    /// [`LogDigest`]): with `version`,
    /// the log's [head](collab_authz::Roster::head), moved by every write
    /// in one compare-and-set.
    pub head: LogDigest,
    /// When it was created (Unix seconds).
    pub created_at: i64,
}

/// Counters, for the benchmarks and the operator.
#[derive(Debug, Default)]
pub struct Stats {
    /// Reads served from the cache at the current version.
    pub cache_hits: AtomicU64,
    /// Reads that loaded events or a snapshot.
    pub cache_misses: AtomicU64,
    /// Reads that found the cached roster on another head than the
    /// database's (ahead of it, or at its version with another digest, or
    /// behind it on a log the database's does not continue: writes it
    /// lost, a restore, a failover) and dropped it.
    pub cache_divergences: AtomicU64,
    /// Reads that found the cached roster far behind the database (more
    /// events behind than resuming the latest snapshot costs) and resumed
    /// that snapshot instead of applying every event since the cached
    /// version.
    pub cache_resumed: AtomicU64,
    /// Writes that decided again after losing a race.
    pub retries: AtomicU64,
    /// Nanoseconds spent inside the crate: `Roster::decide_command`,
    /// `apply`, `Roster::create` and the deserialization of snapshots and
    /// events (not the access checks, `Roster::decide`, which take
    /// nanoseconds each).
    pub crate_nanos: AtomicU64,
}

/// The rosters of every resource, the accounts and the app actions, on
/// PostgreSQL, with a per-process roster cache.
#[derive(Debug)]
pub struct Store {
    pool: Pool,
    keys: Keys,
    cache: Mutex<HashMap<String, Cached>>,
    write_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    user_ids: accounts::UserIdCache,
    views: views::Views,
    limits: GrowthLimits,
    retention: std::time::Duration,
    /// Use counters.
    pub stats: Stats,
    /// The database outage in progress, as the logs tell it.
    pub health: health::Health,
    cache_enabled: AtomicBool,
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
            user_ids: accounts::UserIdCache::default(),
            views: views::Views::default(),
            limits: GrowthLimits::NONE,
            retention: write::DEFAULT_RETENTION,
            stats: Stats::default(),
            health: health::Health::default(),
            cache_enabled: AtomicBool::new(true),
        }
    }

    /// The store with rosters bounded by `limits` (checked when an
    /// invitation is decided).
    #[must_use]
    pub fn with_growth_limits(mut self, limits: GrowthLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The connection pool (for health checks and metrics).
    #[must_use]
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// A connection from the pool (the request's deadline names the wait
    /// and then the statements as its step).
    async fn client(&self) -> Result<deadpool_postgres::Client, StoreError> {
        crate::deadline::enter(crate::deadline::Stage::Checkout);
        let client = self.pool.get().await?;
        crate::deadline::enter(crate::deadline::Stage::Query);
        Ok(client)
    }

    /// The secret of the invitation link of `member_id` on `resource_id`.
    #[must_use]
    pub fn invitation_secret(&self, resource_id: &str, member_id: &str) -> String {
        self.keys.invitation_secret(resource_id, member_id)
    }
}
