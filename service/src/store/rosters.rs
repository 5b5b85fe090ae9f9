//! Resources, their rosters and their logs: reads (by key, by member,
//! the roster at a version through the cache and the snapshots, the log)
//! and creation.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use collab_authz::membership::{Account, Resource, ResourceId, Timestamp};
use collab_authz::membership::{LogDigest, LogHead};
use collab_authz::{Event, ResourceKind, Roster};
use tokio_postgres::types::Json;

use super::error::LIVE_NAME;
use super::{CACHE_CAPACITY, ResourceRow, SNAPSHOT_EVERY, Stats, Store, StoreError, WriteError};
use crate::ids::new_id;
use crate::kind::{id_prefix, singular};
use crate::time::now_unix;

pub(super) const RESOURCE_COLUMNS: &str =
    "id, kind, name, version, head, extract(epoch FROM created_at)::bigint AS created_at";

pub(super) fn resource_row(row: &tokio_postgres::Row) -> Result<ResourceRow, StoreError> {
    let kind: &str = row.try_get("kind")?;
    Ok(ResourceRow {
        id: row.try_get("id")?,
        kind: kind
            .parse()
            .map_err(|_| StoreError::corrupt(format!("stored kind {kind:?}")))?,
        name: row.try_get("name")?,
        version: row.try_get("version")?,
        head: log_digest(row.try_get("head")?)?,
        created_at: row.try_get("created_at")?,
    })
}

/// A stored log digest (32 bytes).
pub(super) fn log_digest(bytes: &[u8]) -> Result<LogDigest, StoreError> {
    <[u8; 32]>::try_from(bytes)
        .map(LogDigest::from_bytes)
        .map_err(|_| StoreError::corrupt(format!("a log head of {} bytes", bytes.len())))
}

pub(super) fn is_name_taken(e: &tokio_postgres::Error) -> bool {
    e.as_db_error().and_then(|d| d.constraint()) == Some(LIVE_NAME)
}

impl Store {
    /// The live resource of `kind` whose id or name is `key`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when there is none.
    pub async fn resource(&self, kind: ResourceKind, key: &str) -> Result<ResourceRow, StoreError> {
        let client = self.client().await?;
        let sql = format!(
            "SELECT {RESOURCE_COLUMNS} FROM resources
              WHERE kind = $1 AND (id = $2 OR name = $2) AND deleted_at IS NULL"
        );
        let row = client
            .query_opt(&client.prepare_cached(&sql).await?, &[&kind.id(), &key])
            .await?
            .ok_or_else(|| StoreError::NotFound(singular(kind)))?;
        resource_row(&row)
    }

    /// The live resource whose id is `id`, of either kind (its kind read
    /// from its row).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when there is none.
    pub async fn resource_by_id(&self, id: &str) -> Result<ResourceRow, StoreError> {
        let client = self.client().await?;
        let sql = format!(
            "SELECT {RESOURCE_COLUMNS} FROM resources WHERE id = $1 AND deleted_at IS NULL"
        );
        let row = client
            .query_opt(&client.prepare_cached(&sql).await?, &[&id])
            .await?
            .ok_or(StoreError::NotFound("resource"))?;
        resource_row(&row)
    }

    /// The roster of `resource` at its head (`resource.version` and
    /// `resource.head`).
    ///
    /// From the cache when it holds the roster at that head; from the
    /// cached roster and the events after it when it is behind and the
    /// events continue its log; from the latest snapshot and the events
    /// after it when the cached roster is far behind (another replica
    /// wrote more events since than resuming the snapshot costs:
    /// [`Stats::cache_resumed`](super::Stats::cache_resumed)); otherwise
    /// the cached roster is on a log the database does not hold (it lost
    /// writes this process saw) and is dropped, and the roster is loaded
    /// from the latest snapshot.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] when the stored log does not apply or does
    /// not end at the resource's head.
    pub async fn roster(&self, resource: &ResourceRow) -> Result<Arc<Roster>, StoreError> {
        let cached = if self.cache_enabled() {
            self.cache_get(&resource.id)
        } else {
            None
        };
        if let Some(c) = &cached {
            if c.version == resource.version && c.head == resource.head {
                self.stats.cache_hits.fetch_add(1, Ordering::Relaxed);
                return Ok(Arc::clone(&c.roster));
            }
        }
        self.stats.cache_misses.fetch_add(1, Ordering::Relaxed);
        let client = self.client().await?;
        let mut loaded = None;
        // The latest snapshot, when the cache is far behind and there is
        // one past the cached version.
        let mut later = None;
        if let Some(c) = cached {
            if far_behind(c.version, resource.version, c.roster.len()) {
                later = self.snapshot_after(&client, resource, c.version).await?;
            }
            if later.is_some() {
                // Replaced, not continued: whether the cached roster was
                // on the database's log is not checked (the database's
                // snapshot and events are the authority either way), so
                // this is not counted as a divergence.
                self.stats.cache_resumed.fetch_add(1, Ordering::Relaxed);
            } else if c.version < resource.version {
                let events = self.log_range(&client, resource, c.version).await?;
                let mut base = Arc::clone(&c.roster);
                // A copy only when a reader elsewhere still holds the old
                // version.
                let roster = Arc::make_mut(&mut base);
                let continued = timed(&self.stats, || apply_all(roster, &events))
                    .and_then(|()| check_head(resource, roster));
                if continued.is_ok() {
                    loaded = Some(base);
                }
            }
            if loaded.is_none() && later.is_none() {
                // Ahead of the database, at its version on another digest,
                // or behind it on a log its events do not continue.
                self.diverged(&c, resource);
            }
        }
        let roster = match loaded {
            Some(roster) => roster,
            None => {
                let (base_version, mut base) = match later {
                    Some(snapshot) => snapshot,
                    None => self.snapshot(&client, resource).await?,
                };
                let events = self.log_range(&client, resource, base_version).await?;
                let roster = Arc::make_mut(&mut base);
                timed(&self.stats, || apply_all(roster, &events))?;
                check_head(resource, roster)?;
                // The latest snapshot was a whole period behind (one was
                // never written: the process stopped first, or the
                // database refused): this reader writes one, in the
                // background.
                if resource.version - base_version >= SNAPSHOT_EVERY {
                    self.snapshot_later(&resource.id, &base);
                }
                base
            }
        };
        drop(client);
        self.cache_put(resource, &roster);
        Ok(roster)
    }

    /// Drops the cached roster `cached` of `resource`, which is on another
    /// log than the database's, and says so.
    fn diverged(&self, cached: &Cached, resource: &ResourceRow) {
        let head = |version: i64, digest: LogDigest| LogHead {
            seq: u64::try_from(version).unwrap_or(0),
            digest,
        };
        let (cached_head, database) = (
            head(cached.version, cached.head),
            head(resource.version, resource.head),
        );
        if cached.version > resource.version {
            // Also a reader that read the row before a writer of this
            // process moved it: the next read applies the new events.
            tracing::debug!(resource = %resource.id, cached = %cached_head, %database,
                "the cached roster is ahead of the database: dropped");
        } else {
            tracing::warn!(resource = %resource.id, cached = %cached_head, %database,
                "the cached roster is on another log than the database's \
                 (it lost writes this process saw): dropped, reloading");
        }
        self.stats.cache_divergences.fetch_add(1, Ordering::Relaxed);
        self.cache_drop(&resource.id, cached.version, cached.head);
    }

    /// Writes the snapshot of `roster` (at its version) as resource
    /// `id`'s, in a task of its own on its own connection, and deletes
    /// those no read can use any more (the creation one, the latest
    /// before it and itself stay): after the answer, never in a write's
    /// statement, taking no lock a write waits for. A snapshot never written (the process stops first, the
    /// database refuses: logged) is not lost state: the next read that
    /// misses the cache resumes an earlier one and applies more events,
    /// and writes this one ([`Store::roster`]).
    pub(super) fn snapshot_later(&self, id: &str, roster: &Arc<Roster>) {
        if roster.is_deleted() {
            return;
        }
        let Ok(version) = i64::try_from(roster.version()) else {
            return;
        };
        let pool = self.pool.clone();
        let id = id.to_string();
        let roster = Arc::clone(roster);
        tokio::spawn(async move {
            let written = async {
                // Encoded off the runtime's workers: a 1,000-member
                // roster is about a millisecond of CPU, which would hold
                // back the tasks queued behind it (the answer of the
                // write that reached the snapshot's seq among them).
                let bytes = tokio::task::spawn_blocking(move || snapshot_bytes(&roster))
                    .await
                    .map_err(|e| StoreError::corrupt(format!("snapshot: {e}")))??;
                let client = pool.get().await.map_err(StoreError::from)?;
                // Stored, then only the ones a read can still use kept:
                // the creation one (seq 1), the latest before this one
                // (for a reader at a version before it) and this one and
                // any later.
                let statement = client
                    .prepare_cached(
                        "WITH stored AS (
                             INSERT INTO roster_snapshots (resource_id, seq, roster)
                             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING
                             RETURNING 1
                         )
                         DELETE FROM roster_snapshots s
                          WHERE s.resource_id = $1 AND s.seq > 1
                            AND s.seq < (SELECT max(p.seq) FROM roster_snapshots p
                                          WHERE p.resource_id = $1 AND p.seq < $2)",
                    )
                    .await?;
                client.execute(&statement, &[&id, &version, &bytes]).await?;
                Ok::<_, StoreError>(())
            };
            if let Err(e) = written.await {
                tracing::warn!(resource_id = %id, version, error = %e, "snapshot not written");
            }
        });
    }

    /// The latest snapshot of `resource` at or before its version.
    async fn snapshot(
        &self,
        client: &deadpool_postgres::Client,
        resource: &ResourceRow,
    ) -> Result<(i64, Arc<Roster>), StoreError> {
        self.snapshot_after(client, resource, 0)
            .await?
            .ok_or_else(|| StoreError::corrupt(format!("no snapshot of {}", resource.id)))
    }

    /// The latest snapshot of `resource` at or before its version, if it
    /// is after version `after` (none is read, nor decoded, otherwise).
    async fn snapshot_after(
        &self,
        client: &deadpool_postgres::Client,
        resource: &ResourceRow,
        after: i64,
    ) -> Result<Option<(i64, Arc<Roster>)>, StoreError> {
        let Some(row) = client
            .query_opt(
                &client
                    .prepare_cached(
                        "SELECT seq, roster FROM roster_snapshots
                          WHERE resource_id = $1 AND seq <= $2 AND seq > $3
                          ORDER BY seq DESC LIMIT 1",
                    )
                    .await?,
                &[&resource.id, &resource.version, &after],
            )
            .await?
        else {
            return Ok(None);
        };
        let seq: i64 = row.try_get(0)?;
        // The crate's `Deserialize` checks every invariant again: timed as
        // the crate's share.
        let bytes: &[u8] = row.try_get(1)?;
        let roster: Roster = timed(&self.stats, || serde_json::from_slice(bytes))
            .map_err(|e| StoreError::corrupt(format!("snapshot: {e}")))?;
        Ok(Some((seq, Arc::new(roster))))
    }

    /// The events of `resource` after `base` up to its version.
    async fn log_range(
        &self,
        client: &deadpool_postgres::Client,
        resource: &ResourceRow,
        base: i64,
    ) -> Result<Vec<Event>, StoreError> {
        let rows = client
            .query(
                &client
                    .prepare_cached(
                        "SELECT entry::text FROM resource_log
                  WHERE resource_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq",
                    )
                    .await?,
                &[&resource.id, &base, &resource.version],
            )
            .await?;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            // The crate's `Deserialize` of the event: the crate's share.
            let text: &str = row.try_get(0)?;
            let event: Event = timed(&self.stats, || serde_json::from_str(text))
                .map_err(|e| StoreError::corrupt(format!("log of {}: {e}", resource.id)))?;
            events.push(event);
        }
        Ok(events)
    }

    /// Creates a resource of `kind` named `name`, owned by `owner`: its
    /// `roster_created` event at seq 1 and a snapshot at 1 (so that every
    /// read resumes a snapshot).
    ///
    /// # Errors
    /// [`WriteError::Refused`] for a name the crate refuses;
    /// [`StoreError::Taken`] when the name is taken.
    pub async fn create(
        &self,
        kind: ResourceKind,
        name: &str,
        owner: &Account,
    ) -> Result<(ResourceRow, Arc<Roster>), WriteError> {
        let id = new_id(id_prefix(kind))?;
        let resource_id = ResourceId::new(id.clone()).map_err(StoreError::corrupt)?;
        let resource =
            Resource::new(kind, resource_id, name).map_err(|e| super::Refusal::new(kind, &e))?;
        let now = Timestamp::from_unix_seconds(now_unix());
        let (roster, event) = timed(&self.stats, || Roster::create(resource, owner.clone(), now));
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_one(
                &format!(
                    "INSERT INTO resources (id, kind, name, version, head)
                     VALUES ($1, $2, $3, 1, $4)
                     RETURNING {RESOURCE_COLUMNS}"
                ),
                &[
                    &id,
                    &kind.id(),
                    &name,
                    &roster.head().digest.as_bytes().as_slice(),
                ],
            )
            .await
            .map_err(|e| {
                if is_name_taken(&e) {
                    StoreError::Taken(format!("a {} named {name:?} exists", singular(kind)))
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
            &[&id, &snapshot_bytes(&roster)?],
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
        self.cache_put(&row, &roster);
        Ok((row, roster))
    }

    /// The log of a resource, events `after < seq`, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for an unreadable event.
    pub async fn log(
        &self,
        resource_id: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Event>, StoreError> {
        let client = self.client().await?;
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
                    .map_err(|e| StoreError::corrupt(format!("log of {resource_id}: {e}")))
            })
            .collect()
    }

    /// The log of the opened resource, events `after < seq`, at most
    /// `limit`: what its events route shows to whoever opened it.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for an unreadable event.
    pub async fn events(
        &self,
        opened: &super::Opened,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Event>, StoreError> {
        self.log(&opened.resource().id, after, limit).await
    }

    /// Rebuilds the roster of `resource` from its whole log with the
    /// crate's `Roster::replay`, bypassing cache and snapshots (for checks).
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] when the log does not replay.
    pub async fn replay(&self, resource: &ResourceRow) -> Result<Roster, StoreError> {
        let events = self.log(&resource.id, 0, i64::MAX).await?;
        Roster::replay(&events).map_err(|e| StoreError::corrupt(format!("replay: {e}")))
    }
}

/// A cached roster and the head it is at.
#[derive(Debug, Clone)]
pub(super) struct Cached {
    version: i64,
    head: LogDigest,
    roster: Arc<Roster>,
}

/// Whether a cached roster of `members` members at version `cached` is
/// cheaper to replace by the latest snapshot (and the events after it)
/// than to continue to version `head` event by event: more than
/// [`SNAPSHOT_EVERY`] events behind (so a later snapshot is due), and
/// more than one event behind per [`MEMBERS_PER_EVENT`] members.
fn far_behind(cached: i64, head: i64, members: usize) -> bool {
    let behind = head.saturating_sub(cached);
    let members = i64::try_from(members).unwrap_or(i64::MAX);
    behind > SNAPSHOT_EVERY && behind.saturating_mul(MEMBERS_PER_EVENT) > members
}

/// Reading and applying one event of the log costs about as much as
/// decoding this many members of a snapshot ([`far_behind`];
/// BENCHMARKS.md, "The invitation's tail").
const MEMBERS_PER_EVENT: i64 = 4;

/// A snapshot as stored (`roster_snapshots.roster`, `bytea`): the UTF-8
/// JSON of the crate's serde form of `roster`, which the database keeps
/// as it is (no `jsonb` parse; migration 0008).
fn snapshot_bytes(roster: &Roster) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(roster).map_err(|e| StoreError::corrupt(format!("snapshot: {e}")))
}

/// Runs `f`, adding its duration to the crate's share in `stats`.
pub(super) fn timed<T>(stats: &Stats, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
    stats.crate_nanos.fetch_add(nanos, Ordering::Relaxed);
    out
}

/// Applies `events` in turn to `roster` with the crate's
/// [`Roster::apply`].
pub(super) fn apply_all(roster: &mut Roster, events: &[Event]) -> Result<(), StoreError> {
    for event in events {
        roster
            .apply(event)
            .map_err(|e| StoreError::corrupt(format!("event {}: {e}", event.seq())))?;
    }
    Ok(())
}

/// Checks that the roster's head is the resource's (its version and its
/// digest).
pub(super) fn check_head(resource: &ResourceRow, roster: &Roster) -> Result<(), StoreError> {
    let head = roster.head();
    if i64::try_from(head.seq).ok() == Some(resource.version) && head.digest == resource.head {
        Ok(())
    } else {
        Err(StoreError::corrupt(format!(
            "roster of {} at {head}, not {}@{}",
            resource.id, resource.version, resource.head
        )))
    }
}

/// The per-process roster cache.
impl Store {
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
            self.clear_views();
        }
    }

    /// The cached roster of `id` and its head.
    fn cache_get(&self, id: &str) -> Option<Cached> {
        let cache = self.cache.lock().ok()?;
        cache.get(id).cloned()
    }

    /// Takes the cached roster of `id` out of the cache when it is at
    /// `version` with digest `head` (so that the writer holding it may
    /// apply its events in place, or because it is on another log than
    /// the database's).
    pub(super) fn cache_drop(&self, id: &str, version: i64, head: LogDigest) {
        if let Ok(mut cache) = self.cache.lock() {
            if cache
                .get(id)
                .is_some_and(|c| c.version == version && c.head == head)
            {
                cache.remove(id);
            }
        }
    }

    /// Caches `roster` as the roster of `resource` at its head (unless one
    /// at a later version is cached).
    pub(super) fn cache_put(&self, resource: &ResourceRow, roster: &Arc<Roster>) {
        if !self.cache_enabled() {
            return;
        }
        if let Ok(mut cache) = self.cache.lock() {
            if cache
                .get(&resource.id)
                .is_some_and(|c| c.version >= resource.version)
            {
                return;
            }
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
            cache.insert(
                resource.id.clone(),
                Cached {
                    version: resource.version,
                    head: resource.head,
                    roster: Arc::clone(roster),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{MEMBERS_PER_EVENT, SNAPSHOT_EVERY, far_behind};

    #[test]
    fn far_behind_takes_a_period_and_a_share_of_the_members() {
        // Within a period: never (no later snapshot is due).
        assert!(!far_behind(1, 1 + SNAPSHOT_EVERY, 0));
        assert!(far_behind(1, 2 + SNAPSHOT_EVERY, 0));
        // Past a period, against the roster's size.
        let behind: i64 = 800;
        let members = 3200;
        assert_eq!(i64::try_from(members), Ok(behind * MEMBERS_PER_EVENT));
        assert!(far_behind(2000, 2000 + behind, members - 1));
        assert!(!far_behind(2000, 2000 + behind, members));
        assert!(!far_behind(2000, 2000 + behind, 10_000));
        // Ahead, or at the head: never.
        assert!(!far_behind(100, 1, 0));
        assert!(!far_behind(5, 5, 0));
    }
}
