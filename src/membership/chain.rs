//! The hash chain of a resource's event stream: [`LogDigest`], the digest
//! of a stream up to an event, and [`LogHead`], a stream's last position
//! and digest.

use core::fmt;

use sha2::{Digest, Sha256};

/// The SHA-256 digest of an event stream up to (and including) one event:
/// what identifies a stream's head beyond its length.
///
/// Each event decided by a [`Roster`](crate::Roster) states, as its
/// [`prev`](crate::Event::prev), the digest of the stream before it; the digest
/// of the stream up to that event is then `SHA-256` of a domain tag, that
/// `prev` and the event's canonical encoding (every field, in a fixed
/// order, each length-prefixed: see [`Event::digest`](crate::Event::digest)). Two streams of the
/// same length that differ in any event have different heads, so a store
/// that compares heads, not only lengths, never appends an event decided
/// on a stream it does not hold.
///
/// [`LogDigest::GENESIS`] (32 zero bytes) is the digest of a stream with no
/// chained event yet: the `prev` of a new stream's `roster_created`, and of
/// the first event after events written before the chain existed (see
/// [`Roster::apply`](crate::Roster::apply)).
///
/// Serialized as 64 lower-case hex digits; parsed from 64 hex digits of
/// either case.
///
/// ```
/// use collab_authz::membership::LogDigest;
///
/// let genesis: LogDigest = "00".repeat(32).parse()?;
/// assert_eq!(genesis, LogDigest::GENESIS);
/// assert!(genesis.is_genesis());
/// # Ok::<(), collab_authz::membership::LogDigestError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct LogDigest([u8; 32]);

impl LogDigest {
    /// The digest of a stream with no chained event: 32 zero bytes.
    pub const GENESIS: LogDigest = LogDigest([0; 32]);

    /// The digest with these 32 bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The digest's 32 bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Whether this is [`LogDigest::GENESIS`].
    #[must_use]
    pub fn is_genesis(&self) -> bool {
        *self == Self::GENESIS
    }

    /// The digest of the stream whose last event `encode` feeds to the
    /// hash (its canonical encoding), stated after `prev` (the event's
    /// own `prev`).
    pub(crate) fn after(prev: &LogDigest, encode: impl FnOnce(&mut Encoder<'_>)) -> Self {
        let mut h = Sha256::new();
        h.update(DOMAIN);
        h.update(prev.0);
        encode(&mut Encoder(&mut h));
        Self(h.finalize().into())
    }
}

/// The domain tag hashed first, so that no other SHA-256 use of the crate
/// (token digests) or of a service collides with a stream digest; `v1`
/// names the encoding below, which never changes.
const DOMAIN: &[u8] = b"collab-authz/log-digest/v1\0";

crate::membership::digest::hex32_text!(LogDigest, LogDigestError);

/// Why a string is not a [`LogDigest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("a log digest is 64 hex digits")]
pub struct LogDigestError;

/// The head of an event stream: how many events it holds (`seq`, the
/// [`Roster::version`](crate::Roster::version) of the roster it rebuilds)
/// and the digest of the stream up to its last chained event
/// ([`LogDigest`]).
///
/// The next event decided on a roster with this head has seq `seq + 1`
/// and states `digest` as its [`prev`](crate::Event::prev);
/// [`Roster::apply`](crate::Roster::apply) refuses an event stating
/// another one ([`ApplyEventError::Diverged`](crate::membership::ApplyEventError::Diverged)).
/// A store keeps the head beside the stream and moves it with a
/// compare-and-set on both fields.
///
/// Serialized as `{"seq": 7, "digest": "<64 hex digits>"}`; a roster
/// snapshot carries its head as `head`.
///
/// ```
/// use collab_authz::{Account, MemberId, Resource, ResourceId, ResourceKind, Roster, Timestamp};
/// use collab_authz::membership::{LogDigest, LogHead};
///
/// let app = Resource::new(ResourceKind::App, ResourceId::new("app-1")?, "billing")?;
/// let owner = Account { id: MemberId::new("m-0")?, email: "o@example.com".parse()?, username: None };
/// let (roster, created) = Roster::create(app, owner, Timestamp::from_unix_seconds(0));
/// assert_eq!(created.prev(), Some(LogDigest::GENESIS));
/// assert_eq!(roster.head(), LogHead { seq: 1, digest: created.digest().unwrap() });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LogHead {
    /// The seq of the stream's last event (its length).
    pub seq: u64,
    /// The digest of the stream up to its last chained event.
    pub digest: LogDigest,
}

impl fmt::Display for LogHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.seq, self.digest)
    }
}

/// The canonical encoding fed to the hash: fixed field order, every
/// variable-length field prefixed with its length (8 bytes, big-endian),
/// every optional one with a presence byte, so that distinct events never
/// encode alike.
pub(crate) struct Encoder<'a>(&'a mut Sha256);

impl Encoder<'_> {
    pub(crate) fn u64(&mut self, n: u64) {
        self.0.update(n.to_be_bytes());
    }

    pub(crate) fn str(&mut self, s: &str) {
        self.u64(u64::try_from(s.len()).unwrap_or(u64::MAX));
        self.0.update(s.as_bytes());
    }

    pub(crate) fn bytes32(&mut self, b: &[u8; 32]) {
        self.0.update(b);
    }

    /// A presence byte, then the value when present.
    pub(crate) fn opt<T>(&mut self, value: Option<T>, f: impl FnOnce(&mut Self, T)) {
        match value {
            None => self.0.update([0u8]),
            Some(v) => {
                self.0.update([1u8]);
                f(self, v);
            }
        }
    }
}
