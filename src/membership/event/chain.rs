//! The event's place in its log's hash chain: the digest it states for
//! the stream before it (`prev`), the digest after it, and the canonical
//! encoding that is hashed (see [Hash chain](super::Event#hash-chain)).

use super::Event;
use crate::membership::chain::{Encoder, LogDigest};

impl Event {
    /// The same event stating `prev` as the digest of the stream before
    /// it ([`Event::prev`]); `None` makes it an event of a stream written
    /// before the chain existed. An event built by [`Event::new`] states
    /// none; the roster's decisions state their roster's head.
    #[must_use]
    pub fn with_prev(mut self, prev: Option<LogDigest>) -> Self {
        self.prev = prev;
        self
    }

    /// The digest of the stream before this event, as the event states it
    /// (stored as `prev`): the [`head`](crate::Roster::head) digest of the
    /// roster it was decided on. `None` on an event written before the
    /// chain existed (a stored event without `prev`). See
    /// [Hash chain](Event#hash-chain).
    #[must_use]
    pub fn prev(&self) -> Option<LogDigest> {
        self.prev
    }

    /// The digest of the stream up to and including this event:
    /// SHA-256 of a domain tag, [`prev`](Event::prev) and the event's
    /// canonical encoding (every field, in a fixed order, each
    /// length-prefixed). `None` when the event states no `prev` (written
    /// before the chain existed). See [Hash chain](Event#hash-chain).
    #[must_use]
    pub fn digest(&self) -> Option<LogDigest> {
        self.prev
            .map(|prev| LogDigest::after(&prev, |e| self.encode(e)))
    }

    /// Feeds the event's canonical encoding to the hash (its `prev`
    /// excluded: the caller hashes it first).
    pub(crate) fn encode(&self, e: &mut Encoder<'_>) {
        e.u64(self.seq);
        e.str(self.kind.notification_name());
        e.str(self.resource.kind().id());
        e.str(self.resource.id().as_str());
        e.opt(self.name.as_deref(), Encoder::str);
        e.str(self.member.id.as_str());
        e.str(self.member.email.as_str());
        e.opt(self.member.username.as_ref(), |e, u| e.str(u.as_str()));
        e.opt(self.role, |e, r| e.str(r.id()));
        e.opt(self.previous_role, |e, r| e.str(r.id()));
        for custom in [&self.custom_role, &self.previous_custom_role] {
            e.opt(custom.as_ref(), |e, c| {
                e.str(c.name());
                e.str(c.kind().id());
                e.u64(c.permissions().bits());
            });
        }
        e.str(self.actor.as_str());
        e.u64(self.at.as_unix_seconds());
        e.opt(self.expires_at, |e, t| e.u64(t.as_unix_seconds()));
        e.opt(self.token_digest.as_ref(), |e, d| e.bytes32(d.as_bytes()));
        e.opt(self.advisory, |e, a| e.str(a.id()));
    }
}
