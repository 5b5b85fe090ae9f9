//! Answers derived from a roster at one version (the serialized
//! collaborator listing, say), kept per process until the resource moves
//! past that version: a read at the same version answers the same bytes
//! without rebuilding them. Opaque to the store (bytes under a view name
//! the caller chooses); keyed by the resource's id, the view and the
//! head (version and digest), so an entry can never be served at another
//! version, nor at the same version of another log (a database that lost
//! writes this process saw).

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;
use collab_authz::membership::LogDigest;

use super::{ResourceRow, Store};

/// Past this many bytes of kept answers, they are all dropped (the next
/// read of each builds it again).
const VIEWS_BUDGET: usize = 64 << 20;

/// The kept answers, by resource id: its version and the views kept at
/// it.
#[derive(Debug, Default)]
pub(super) struct Views {
    inner: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    entries: HashMap<String, Entry>,
    bytes: usize,
}

#[derive(Debug)]
struct Entry {
    version: i64,
    head: LogDigest,
    views: Vec<(&'static str, Bytes)>,
}

impl Entry {
    fn bytes(&self) -> usize {
        self.views.iter().map(|(_, body)| body.len()).sum()
    }
}

impl Store {
    /// The answer `view` of `resource` kept at its current version, if
    /// any (none while the roster cache is off).
    #[must_use]
    pub fn view(&self, resource: &ResourceRow, view: &'static str) -> Option<Bytes> {
        if !self.cache_enabled() {
            return None;
        }
        let kept = self.views.inner.lock().ok()?;
        let entry = kept.entries.get(resource.id.as_str())?;
        if entry.version != resource.version || entry.head != resource.head {
            return None;
        }
        entry
            .views
            .iter()
            .find(|(name, _)| *name == view)
            .map(|(_, body)| body.clone())
    }

    /// Keeps `body` as the answer `view` of `resource` at its version;
    /// the views of an earlier version are dropped, and nothing is kept
    /// when a later version is.
    pub fn keep_view(&self, resource: &ResourceRow, view: &'static str, body: Bytes) {
        if !self.cache_enabled() || body.len() > VIEWS_BUDGET {
            return;
        }
        let Ok(mut kept) = self.views.inner.lock() else {
            return;
        };
        let kept = &mut *kept;
        let stale = match kept.entries.get(resource.id.as_str()) {
            Some(entry) if entry.version > resource.version => return,
            Some(entry) if entry.version == resource.version && entry.head == resource.head => {
                if entry.views.iter().any(|(name, _)| *name == view) {
                    return;
                }
                None
            }
            Some(entry) => Some(entry.bytes()),
            None => None,
        };
        if let Some(freed) = stale {
            kept.entries.remove(resource.id.as_str());
            kept.bytes = kept.bytes.saturating_sub(freed);
        }
        if kept.bytes + body.len() > VIEWS_BUDGET {
            kept.entries.clear();
            kept.bytes = 0;
        }
        kept.bytes += body.len();
        let entry = kept
            .entries
            .entry(resource.id.clone())
            .or_insert_with(|| Entry {
                version: resource.version,
                head: resource.head,
                views: Vec::with_capacity(2),
            });
        entry.views.push((view, body));
    }

    /// Drops every kept answer (the roster cache turned off).
    pub(super) fn clear_views(&self) {
        if let Ok(mut kept) = self.views.inner.lock() {
            kept.entries.clear();
            kept.bytes = 0;
        }
    }
}
