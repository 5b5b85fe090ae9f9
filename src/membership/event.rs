//! [`Event`]: the record of one change to a roster.

use core::fmt;

use crate::membership::{Account, Email, InvitationToken, MemberStatus, Resource, Timestamp};
use crate::{Category, ResourceKind, Role, grants};

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
}

impl EventKind {
    /// Every kind, in declaration order.
    pub const ALL: [EventKind; 5] = [
        EventKind::RosterCreated,
        EventKind::Invited,
        EventKind::Accepted,
        EventKind::Removed,
        EventKind::RoleChanged,
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
        }
    }

    /// The public API's event type, when the platform has one.
    #[must_use]
    pub const fn api_name(self) -> Option<&'static str> {
        match self {
            EventKind::RosterCreated => None,
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
    /// The removed member's role could read data or secrets
    /// (`data_and_secrets`); removing them does not change those secrets,
    /// so the owner should rotate the credentials they could see.
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

/// Whether removing a member who held `role` on `kind` (with its rights:
/// `status` accepted or deleted account) calls for rotating secrets: the
/// role's grants intersect [`Category::DataAndSecrets`].
pub(crate) fn removal_advisory(
    kind: ResourceKind,
    role: Role,
    status: MemberStatus,
) -> Option<Advisory> {
    let could_read = grants(role, kind)
        .any()
        .intersects(Category::DataAndSecrets.actions());
    let held_rights = !matches!(status, MemberStatus::Pending);
    (could_read && held_rights).then_some(Advisory::RotateSecrets)
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
}

/// The record of one accepted change to a roster.
///
/// Carries the resource, the member (id, email, username if known), the
/// role after the change (none after a removal) and before it, the acting
/// account and the caller's timestamp; an invitation also carries its
/// expiry and token, and a removal may carry an [`Advisory`].
///
/// Serialized with `type` holding the notification name; see
/// [`EventKind`] for the spellings read. Deserializing checks that the
/// fields fit the kind.
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
    /// The role after the change; `None` for a removal.
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
    /// The advisory of a removal.
    pub advisory: Option<Advisory>,
}

impl Event {
    /// Builds an event from its parts, checking that they fit the kind.
    ///
    /// # Errors
    /// [`EventError`] naming the field that does not fit.
    pub fn new(parts: EventParts) -> Result<Self, EventError> {
        let kind = parts.kind;
        let (role, previous, token) = match kind {
            EventKind::RosterCreated | EventKind::Invited => {
                (true, false, kind == EventKind::Invited)
            }
            EventKind::Accepted => (true, false, false),
            EventKind::Removed => (false, true, false),
            EventKind::RoleChanged => (true, true, false),
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

    /// The member's role after the change; `None` after a removal.
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

    /// The invitation's secret, on an invitation event.
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
