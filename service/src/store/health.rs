//! Database outages as the log tells them: the first failure of a kind is
//! logged once, at `error`, with its cause; the recovery once, at `warn`,
//! with how long it lasted and how many requests failed. In between, each
//! failed request has its own `warn` line (where its 503 is mapped) and
//! nothing more. Every failure, and the end of an outage, has the pool
//! check every connection before handing it out for a while
//! ([`check_every_connection`](super::db::check_every_connection)).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::error::Outage;

/// The outage in progress, if any.
#[derive(Debug, Default)]
pub struct Health {
    current: Mutex<Option<Current>>,
}

#[derive(Debug, Clone, Copy)]
struct Current {
    kind: Outage,
    since: Instant,
    failures: u64,
}

impl Outage {
    /// Whether reads keep working through this kind of outage (a
    /// read-only server, a full disk, contention): then only a successful
    /// write ends it.
    #[must_use]
    pub fn only_writes(self) -> bool {
        matches!(
            self,
            Outage::ReadOnly | Outage::DiskFull | Outage::Contention
        )
    }
}

impl Health {
    /// Records a request or probe that failed with `kind`: the first of an
    /// outage (or of a new kind) is logged with `cause`.
    pub fn failed(&self, kind: Outage, cause: &str) {
        super::db::check_every_connection();
        let Ok(mut current) = self.current.lock() else {
            return;
        };
        match current.as_mut() {
            Some(c) if c.kind == kind => c.failures += 1,
            previous => {
                if let Some(p) = previous {
                    tracing::warn!(
                        outage = p.kind.name(),
                        duration_ms = millis(p.since.elapsed()),
                        failures = p.failures,
                        next = kind.name(),
                        "database outage changed"
                    );
                }
                tracing::error!(
                    outage = kind.name(),
                    cause,
                    "database outage: first failure"
                );
                *current = Some(Current {
                    kind,
                    since: Instant::now(),
                    failures: 1,
                });
            }
        }
    }

    /// Records a request that the database served (`write`: a write
    /// committed or decided): ends the outage in progress, logged once,
    /// unless it is of a kind reads go through and this was a read.
    pub fn succeeded(&self, write: bool) {
        let Ok(mut current) = self.current.lock() else {
            return;
        };
        let Some(c) = *current else {
            return;
        };
        if c.kind.only_writes() && !write {
            return;
        }
        *current = None;
        // Connections to a former primary may still be pooled.
        super::db::check_every_connection();
        tracing::warn!(
            outage = c.kind.name(),
            duration_ms = millis(c.since.elapsed()),
            failures = c.failures,
            "database outage over: requests succeed again"
        );
    }

    /// The outage in progress: its kind and how long it has lasted.
    #[must_use]
    pub fn current(&self) -> Option<(Outage, Duration)> {
        let current = self.current.lock().ok()?;
        current.map(|c| (c.kind, c.since.elapsed()))
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::{Health, Outage};

    #[test]
    fn an_outage_lasts_until_a_request_of_the_right_kind_succeeds() {
        let health = Health::default();
        assert!(health.current().is_none());
        health.failed(Outage::DiskFull, "SQLSTATE 53100: could not extend file");
        health.failed(Outage::DiskFull, "again");
        // Reads go through a full disk: they do not end it.
        health.succeeded(false);
        assert_eq!(health.current().map(|c| c.0), Some(Outage::DiskFull));
        health.succeeded(true);
        assert!(health.current().is_none());
        health.failed(Outage::Unreachable, "connection refused");
        health.failed(Outage::Timeout, "deadline");
        assert_eq!(health.current().map(|c| c.0), Some(Outage::Timeout));
        health.succeeded(false);
        assert!(health.current().is_none());
    }
}
