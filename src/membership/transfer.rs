//! [`TransferRequest`]: a pending ownership transfer, held by the caller.

use crate::membership::{Email, ResourceId, Timestamp};

/// An ownership transfer the owner asked for and the target has not
/// accepted yet.
///
/// Requesting and cancelling do not change the roster (the roster changes
/// only when the target accepts, with two `collaborator_role_changed`
/// events), so the request is a value the caller stores, not roster state.
/// [`Roster::accept_transfer`](crate::Roster::accept_transfer) checks it
/// again against the roster as it is then: same resource, same owner,
/// target still an accepted collaborator.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TransferRequest {
    resource: ResourceId,
    from: Email,
    to: Email,
    requested_at: Timestamp,
}

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
