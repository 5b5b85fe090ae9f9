//! [`TransferRequest`]: the pending ownership transfer a roster holds.

use crate::membership::email::Email;
use crate::membership::member::{ResourceId, Timestamp};

/// An ownership transfer the owner asked for and the target has not
/// accepted yet.
///
/// The [`Roster`](crate::Roster) holds at most one, as part of its state
/// ([`Roster::pending_transfer`](crate::Roster::pending_transfer)):
/// [`Roster::request_transfer`](crate::Roster::request_transfer) records
/// it, [`Roster::cancel_transfer`](crate::Roster::cancel_transfer) clears
/// it, and any change after which it could no longer be completed drops
/// it (the target revoked, leaving, changing role or losing their
/// account; the owner changing).
///
/// A value of this type is evidence of nothing: whether built by
/// deserializing or kept from an earlier request, it only names the
/// request the target means to accept.
/// [`Roster::accept_transfer`](crate::Roster::accept_transfer) succeeds
/// only if it equals the roster's pending request, so a forged, cancelled
/// or stale request is refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(remote = "Self")
)]
pub struct TransferRequest {
    resource: ResourceId,
    from: Email,
    to: Email,
    requested_at: Timestamp,
}

#[cfg(feature = "serde")]
crate::id::serde_id::bounded_struct!(TransferRequest, ["resource", "from", "to", "requested_at"]);

impl TransferRequest {
    pub(crate) fn new(
        resource: ResourceId,
        from: Email,
        to: Email,
        requested_at: Timestamp,
    ) -> Self {
        Self {
            resource,
            from,
            to,
            requested_at,
        }
    }

    /// The resource to transfer.
    #[must_use]
    pub fn resource(&self) -> &ResourceId {
        &self.resource
    }

    /// The owner who asked.
    #[must_use]
    pub fn from(&self) -> &Email {
        &self.from
    }

    /// The collaborator who is to become owner.
    #[must_use]
    pub fn to(&self) -> &Email {
        &self.to
    }

    /// When the owner asked.
    #[must_use]
    pub fn requested_at(&self) -> Timestamp {
        self.requested_at
    }
}
