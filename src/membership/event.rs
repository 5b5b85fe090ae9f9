//! [`Event`]: the record of one change to a roster.

use core::fmt;

use crate::membership::{Account, Email, InvitationToken, Resource, Timestamp};
use crate::{ResourceKind, Role, grants};

/// What kind of change an [`Event`] records.
///
/// Serde writes the notification names and reads both them and the
/// public API's event types:
///
/// | variant | written | also read |
/// | --- | --- | --- |
/// | [`RosterCreated`](EventKind::RosterCreated) | `roster_created` | |
/// | [`Invited`](EventKind::Invited) | `collaborator_invited` | `new_collaborator` |
/// | [`Accepted`](EventKind::Accepted) | `collaborator_accepted` | `accept_collaborator` |
/// | [`Removed`](EventKind::Removed) | `collaborator_removed` | `delete_collaborator` |
/// | [`RoleChanged`](EventKind::RoleChanged) | `collaborator_role_changed` | `change_collaborator_role` |
/// | [`TransferRequested`](EventKind::TransferRequested) | `ownership_transfer_requested` | |
/// | [`TransferCancelled`](EventKind::TransferCancelled) | `ownership_transfer_cancelled` | |
/// | [`AccountDeleted`](EventKind::AccountDeleted) | `collaborator_account_deleted` | |
///
/// The last three, like `roster_created`, are this crate's own: the
/// public API has no such event type ([`EventKind::api_name`] is `None`),
/// so [`api::ApiEvent`](crate::api::ApiEvent) does not read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum EventKind {
    /// The roster was created with its owner: the first event of every
    /// stream (this crate's addition; the platform has no such
    /// notification).
    #[cfg_attr(feature = "serde", serde(rename = "roster_created"))]
    RosterCreated,
    /// Someone was invited.
    #[cfg_attr(
        feature = "serde",
        serde(rename = "collaborator_invited", alias = "new_collaborator")
    )]
    Invited,
    /// An invitation was accepted.
    #[cfg_attr(
        feature = "serde",
        serde(rename = "collaborator_accepted", alias = "accept_collaborator")
    )]
    Accepted,
    /// A membership was revoked, declined or left.
    #[cfg_attr(
        feature = "serde",
        serde(rename = "collaborator_removed", alias = "delete_collaborator")
    )]
    Removed,
    /// A member's role changed (two of these record a completed ownership
    /// transfer).
    #[cfg_attr(
        feature = "serde",
        serde(
            rename = "collaborator_role_changed",
            alias = "change_collaborator_role"
        )
    )]
    RoleChanged,
    /// The owner asked to hand the resource to an accepted collaborator
    /// (this crate's addition; the public API has no such event type).
    /// No role changes until the target accepts.
    #[cfg_attr(feature = "serde", serde(rename = "ownership_transfer_requested"))]
    TransferRequested,
    /// The owner or the target cancelled the pending ownership transfer
    /// (this crate's addition; the public API has no such event type).
    #[cfg_attr(feature = "serde", serde(rename = "ownership_transfer_cancelled"))]
    TransferCancelled,
    /// The platform reported that the account behind an accepted
    /// membership was deleted: the membership stays, with status
    /// `user_account_deleted` and no rights (this crate's addition; the
    /// public API has no such event type).
    #[cfg_attr(feature = "serde", serde(rename = "collaborator_account_deleted"))]
    AccountDeleted,
}

impl EventKind {
    /// Every kind, in declaration order.
    pub const ALL: [EventKind; 8] = [
        EventKind::RosterCreated,
        EventKind::Invited,
        EventKind::Accepted,
        EventKind::Removed,
        EventKind::RoleChanged,
        EventKind::TransferRequested,
        EventKind::TransferCancelled,
        EventKind::AccountDeleted,
    ];

    /// The notification name (what serde writes).
    #[must_use]
    pub const fn notification_name(self) -> &'static str {
        match self {
            EventKind::RosterCreated => "roster_created",
            EventKind::Invited => "collaborator_invited",
            EventKind::Accepted => "collaborator_accepted",
            EventKind::Removed => "collaborator_removed",
            EventKind::RoleChanged => "collaborator_role_changed",
            EventKind::TransferRequested => "ownership_transfer_requested",
            EventKind::TransferCancelled => "ownership_transfer_cancelled",
            EventKind::AccountDeleted => "collaborator_account_deleted",
        }
    }

    /// The public API's event type, when the platform has one.
    #[must_use]
    pub const fn api_name(self) -> Option<&'static str> {
        match self {
            EventKind::RosterCreated
            | EventKind::TransferRequested
            | EventKind::TransferCancelled
            | EventKind::AccountDeleted => None,
            EventKind::Invited => Some("new_collaborator"),
            EventKind::Accepted => Some("accept_collaborator"),
            EventKind::Removed => Some("delete_collaborator"),
            EventKind::RoleChanged => Some("change_collaborator_role"),
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.notification_name())
    }
}

/// Something the caller should do after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Advisory {
    /// The member could read data or secrets (an action of the matrix's
    /// [`Category::DataAndSecrets`](crate::Category::DataAndSecrets)) and no longer can: they were removed
    /// or their account deleted after holding such access while accepted,
    /// or they were demoted to a role without some of it. Taking the
    /// access away does not change what they saw, so the owner should
    /// rotate those credentials.
    RotateSecrets,
}

impl Advisory {
    /// The advisory's id, as serde writes it (`rotate_secrets`).
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Advisory::RotateSecrets => "rotate_secrets",
        }
    }
}

impl fmt::Display for Advisory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.id())
    }
}

/// Whether `role` on `kind` could read data or secrets (the matrix's
/// [`Grants::reads_data_or_secrets`](crate::Grants::reads_data_or_secrets)).
pub(crate) fn reads_secrets(kind: ResourceKind, role: Role) -> bool {
    grants(role, kind).reads_data_or_secrets()
}

/// The advisory of a demotion of an accepted member from `from` to `to`:
/// [`Advisory::RotateSecrets`] when `to` lacks any `data_and_secrets`
/// action that `from` held.
pub(crate) fn demotion_advisory(kind: ResourceKind, from: Role, to: Role) -> Option<Advisory> {
    let lost = grants(from, kind)
        .data_and_secrets()
        .difference(grants(to, kind).data_and_secrets());
    (!lost.is_empty()).then_some(Advisory::RotateSecrets)
}

/// Why the fields of an event do not fit its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum EventError {
    /// `role` is missing on a kind that records one, or present on a
    /// removal.
    #[error("{kind} event must {} a role", if *.expected { "carry" } else { "not carry" })]
    Role {
        /// The event's kind.
        kind: EventKind,
        /// Whether the kind carries a role.
        expected: bool,
    },
    /// `previous_role` is missing on a removal or role change, or present
    /// elsewhere.
    #[error("{kind} event must {} a previous_role", if *.expected { "carry" } else { "not carry" })]
    PreviousRole {
        /// The event's kind.
        kind: EventKind,
        /// Whether the kind carries a previous role.
        expected: bool,
    },
    /// An invitation event without its token, or another event with one.
    #[error("{kind} event must {} an invitation_token", if *.expected { "carry" } else { "not carry" })]
    Token {
        /// The event's kind.
        kind: EventKind,
        /// Whether the kind carries a token.
        expected: bool,
    },
    /// A role change to the same role.
    #[error("collaborator_role_changed event does not change the role")]
    Unchanged,
    /// The role does not exist on the resource kind.
    #[error("role {role} does not exist on a {kind}")]
    RoleNotOnKind {
        /// The role.
        role: Role,
        /// The resource kind.
        kind: ResourceKind,
    },
    /// `roster_created` with a role other than owner.
    #[error("roster_created event must carry role owner")]
    CreatedNotOwner,
    /// An advisory on a kind that never carries one (only removals, role
    /// changes and account deletions do).
    #[error("{kind} event must not carry an advisory")]
    Advisory {
        /// The event's kind.
        kind: EventKind,
    },
}

/// The record of one accepted change to a roster.
///
/// Carries the resource, the member (id, email, username if known), the
/// role after the change (none after a removal, and none on a transfer
/// request or cancellation, which change no role) and before it, the
/// acting account and the caller's timestamp; an invitation also carries
/// its expiry and token, and a removal, a role change or an account
/// deletion may carry an [`Advisory`].
///
/// Serialized with `type` holding the notification name; see
/// [`EventKind`] for the spellings read. Deserializing checks that the
/// fields fit the kind.
///
/// # Secrets
///
/// A `collaborator_invited` event carries the invitation's token
/// ([`Event::invitation_token`]), and so does its serialized form
/// (field `invitation_token`): replay needs it to rebuild the pending
/// invitation that the invitee later accepts with it. Store event streams
/// as you store secrets, and do not log or forward them as they are; to
/// show an event, print its fields (`Debug` redacts the token). Once the
/// invitation is accepted, revoked or declined, the token opens nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Event {
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    kind: EventKind,
    resource: Resource,
    member: Account,
    role: Option<Role>,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    previous_role: Option<Role>,
    actor: Email,
    at: Timestamp,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    expires_at: Option<Timestamp>,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    invitation_token: Option<InvitationToken>,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    advisory: Option<Advisory>,
}

/// The parts of an [`Event`], for [`Event::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventParts {
    /// What changed.
    pub kind: EventKind,
    /// The resource.
    pub resource: Resource,
    /// The member concerned.
    pub member: Account,
    /// The role after the change; `None` for a removal and for a transfer
    /// request or cancellation.
    pub role: Option<Role>,
    /// The role before the change: set for a removal and a role change.
    pub previous_role: Option<Role>,
    /// Who acted.
    pub actor: Email,
    /// When, as the caller said.
    pub at: Timestamp,
    /// The invitation's expiry, on an invitation.
    pub expires_at: Option<Timestamp>,
    /// The invitation's secret, on an invitation.
    pub invitation_token: Option<InvitationToken>,
    /// The advisory of a removal, a role change or an account deletion.
    pub advisory: Option<Advisory>,
}

impl Event {
    /// Builds an event from its parts, checking that they fit the kind.
    ///
    /// # Errors
    /// [`EventError`] naming the field that does not fit.
    pub fn new(parts: EventParts) -> Result<Self, EventError> {
        let kind = parts.kind;
        // (role, previous role, token, advisory allowed)
        let (role, previous, token, advisory) = match kind {
            EventKind::RosterCreated | EventKind::Accepted => (true, false, false, false),
            EventKind::Invited => (true, false, true, false),
            EventKind::Removed => (false, true, false, true),
            EventKind::RoleChanged => (true, true, false, true),
            EventKind::TransferRequested | EventKind::TransferCancelled => {
                (false, false, false, false)
            }
            EventKind::AccountDeleted => (true, false, false, true),
        };
        if parts.role.is_some() != role {
            return Err(EventError::Role {
                kind,
                expected: role,
            });
        }
        if parts.previous_role.is_some() != previous {
            return Err(EventError::PreviousRole {
                kind,
                expected: previous,
            });
        }
        if parts.invitation_token.is_some() != token {
            return Err(EventError::Token {
                kind,
                expected: token,
            });
        }
        if parts.advisory.is_some() && !advisory {
            return Err(EventError::Advisory { kind });
        }
        let resource_kind = parts.resource.kind();
        for r in [parts.role, parts.previous_role].into_iter().flatten() {
            if !resource_kind.has_role(r) {
                return Err(EventError::RoleNotOnKind {
                    role: r,
                    kind: resource_kind,
                });
            }
        }
        if kind == EventKind::RoleChanged && parts.role == parts.previous_role {
            return Err(EventError::Unchanged);
        }
        if kind == EventKind::RosterCreated && parts.role != Some(Role::Owner) {
            return Err(EventError::CreatedNotOwner);
        }
        Ok(Self {
            kind,
            resource: parts.resource,
            member: parts.member,
            role: parts.role,
            previous_role: parts.previous_role,
            actor: parts.actor,
            at: parts.at,
            expires_at: parts.expires_at,
            invitation_token: parts.invitation_token,
            advisory: parts.advisory,
        })
    }

    /// An event built by the roster's operations, which fit the fields to
    /// the kind by construction.
    pub(crate) fn record(parts: EventParts) -> Self {
        Self {
            kind: parts.kind,
            resource: parts.resource,
            member: parts.member,
            role: parts.role,
            previous_role: parts.previous_role,
            actor: parts.actor,
            at: parts.at,
            expires_at: parts.expires_at,
            invitation_token: parts.invitation_token,
            advisory: parts.advisory,
        }
    }

    pub(crate) fn set_invitation(&mut self, expires_at: Option<Timestamp>, token: InvitationToken) {
        self.expires_at = expires_at;
        self.invitation_token = Some(token);
    }

    pub(crate) fn set_advisory(&mut self, advisory: Option<Advisory>) {
        self.advisory = advisory;
    }

    /// What changed.
    #[must_use]
    pub fn kind(&self) -> EventKind {
        self.kind
    }

    /// The resource whose roster changed.
    #[must_use]
    pub fn resource(&self) -> &Resource {
        &self.resource
    }

    /// The member concerned: id, email, username if known.
    #[must_use]
    pub fn member(&self) -> &Account {
        &self.member
    }

    /// The member's role after the change; `None` after a removal and on
    /// a transfer request or cancellation.
    #[must_use]
    pub fn role(&self) -> Option<Role> {
        self.role
    }

    /// The member's role before the change (removal and role change).
    #[must_use]
    pub fn previous_role(&self) -> Option<Role> {
        self.previous_role
    }

    /// The account that acted.
    #[must_use]
    pub fn actor(&self) -> &Email {
        &self.actor
    }

    /// When, as the caller said.
    #[must_use]
    pub fn at(&self) -> Timestamp {
        self.at
    }

    /// The invitation's expiry, on an invitation that has one.
    #[must_use]
    pub fn expires_at(&self) -> Option<Timestamp> {
        self.expires_at
    }

    /// What the caller should do after this change, if anything.
    #[must_use]
    pub fn advisory(&self) -> Option<Advisory> {
        self.advisory
    }

    /// The invitation's secret, on an invitation event. See
    /// [Secrets](Event#secrets).
    #[must_use]
    pub fn invitation_token(&self) -> Option<&InvitationToken> {
        self.invitation_token.as_ref()
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            #[serde(rename = "type")]
            kind: EventKind,
            resource: Resource,
            member: Account,
            #[serde(default)]
            role: Option<Role>,
            #[serde(default)]
            previous_role: Option<Role>,
            actor: Email,
            at: Timestamp,
            #[serde(default)]
            expires_at: Option<Timestamp>,
            #[serde(default)]
            invitation_token: Option<InvitationToken>,
            #[serde(default)]
            advisory: Option<Advisory>,
        }
        let r = Raw::deserialize(deserializer)?;
        Event::new(EventParts {
            kind: r.kind,
            resource: r.resource,
            member: r.member,
            role: r.role,
            previous_role: r.previous_role,
            actor: r.actor,
            at: r.at,
            expires_at: r.expires_at,
            invitation_token: r.invitation_token,
            advisory: r.advisory,
        })
        .map_err(serde::de::Error::custom)
    }
}
