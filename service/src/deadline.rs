//! What a request is doing when its deadline passes: the store marks each
//! step ([`enter`]) and the request's guard ([`track`], installed by
//! the service's router) reads the last one ([`Stage`]) to log the cause of a
//! 503 once. Outside a tracked request (startup, the tests calling the
//! store directly) marking does nothing.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

/// A step of a request, as the deadline's cause names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// Before any database work: reading and authenticating the request.
    Request,
    /// Waiting for a database connection (a free one, a new one, or the
    /// check of a pooled one).
    Checkout,
    /// Running statements on the database.
    Query,
    /// Waiting for the per-resource write lock (another write of this
    /// process on the same resource).
    WriteLock,
}

impl Stage {
    /// How the cause reads: `reading the request`, `waiting for a database
    /// connection`, `running database statements`, `waiting for the
    /// resource's write lock`.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Stage::Request => "reading the request",
            Stage::Checkout => "waiting for a database connection",
            Stage::Query => "running database statements",
            Stage::WriteLock => "waiting for the resource's write lock",
        }
    }

    fn of(n: u8) -> Self {
        match n {
            1 => Stage::Checkout,
            2 => Stage::Query,
            3 => Stage::WriteLock,
            _ => Stage::Request,
        }
    }

    fn id(self) -> u8 {
        match self {
            Stage::Request => 0,
            Stage::Checkout => 1,
            Stage::Query => 2,
            Stage::WriteLock => 3,
        }
    }
}

/// The step of one request, shared between it and its guard.
#[derive(Debug, Clone, Default)]
pub struct Tracker(Arc<AtomicU8>);

impl Tracker {
    /// The last step the request entered.
    #[must_use]
    pub fn stage(&self) -> Stage {
        Stage::of(self.0.load(Ordering::Relaxed))
    }
}

tokio::task_local! {
    static CURRENT: Tracker;
}

/// Runs `future` with `tracker` as the request's: [`enter`] inside it
/// records on `tracker`.
pub async fn track<F: Future>(tracker: Tracker, future: F) -> F::Output {
    CURRENT.scope(tracker, future).await
}

/// Records that the current request (if any) entered `stage`.
pub fn enter(stage: Stage) {
    let _ = CURRENT.try_with(|t| t.0.store(stage.id(), Ordering::Relaxed));
}

#[cfg(test)]
mod tests {
    use super::{Stage, Tracker, enter, track};

    #[tokio::test]
    async fn the_last_stage_entered_is_the_one_read() {
        let tracker = Tracker::default();
        assert_eq!(tracker.stage(), Stage::Request);
        track(tracker.clone(), async {
            enter(Stage::Checkout);
            enter(Stage::WriteLock);
        })
        .await;
        assert_eq!(tracker.stage(), Stage::WriteLock);
        // Outside a tracked request: nothing happens.
        enter(Stage::Query);
        assert_eq!(tracker.stage(), Stage::WriteLock);
    }
}
