//! [`Event`]: the record of one change to a roster.

use alloc::string::String;
use alloc::sync::Arc;
use core::fmt;

mod chain;
#[cfg(feature = "serde")]
mod stored;

use crate::id::id_enum;
use crate::membership::chain::LogDigest;
use crate::membership::digest::TokenDigest;
use crate::membership::email::Email;
use crate::membership::member::{
    Account, IdentifierError, ResourceRef, SCHEMA_VERSION, Timestamp, check_identifier,
};
use crate::rules::custom_role::CustomRole;
use crate::rules::matrix::grants;
use crate::rules::permissions::Permissions;
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

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
/// | [`Renamed`](EventKind::Renamed) | `resource_renamed` | |
/// | [`Deleted`](EventKind::Deleted) | `resource_deleted` | |
///
/// The last five, like `roster_created`, are this crate's own: the
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
    /// The owner renamed the resource (this crate's addition). The event
    /// carries the new name ([`Event::name`]); the kind and id stay.
    #[cfg_attr(feature = "serde", serde(rename = "resource_renamed"))]
    Renamed,
    /// The owner deleted the resource (this crate's addition): the roster
    /// is closed, and every later operation is refused.
    #[cfg_attr(feature = "serde", serde(rename = "resource_deleted"))]
    Deleted,
}

impl EventKind {
    /// Every kind, in declaration order.
    pub const ALL: [EventKind; 10] = [
        EventKind::RosterCreated,
        EventKind::Invited,
        EventKind::Accepted,
        EventKind::Removed,
        EventKind::RoleChanged,
        EventKind::TransferRequested,
        EventKind::TransferCancelled,
        EventKind::AccountDeleted,
        EventKind::Renamed,
        EventKind::Deleted,
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
            EventKind::Renamed => "resource_renamed",
            EventKind::Deleted => "resource_deleted",
        }
    }

    /// The public API's event type, when the platform has one.
    #[must_use]
    pub const fn api_name(self) -> Option<&'static str> {
        match self {
            EventKind::RosterCreated
            | EventKind::TransferRequested
            | EventKind::TransferCancelled
            | EventKind::AccountDeleted
            | EventKind::Renamed
            | EventKind::Deleted => None,
            EventKind::Invited => Some("new_collaborator"),
            EventKind::Accepted => Some("accept_collaborator"),
            EventKind::Removed => Some("delete_collaborator"),
            EventKind::RoleChanged => Some("change_collaborator_role"),
        }
    }
}

impl EventKind {
    /// The kind named `name`: its notification name, or the public API's
    /// event type where the platform has one. `None` for any other string.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.notification_name() == name || k.api_name() == Some(name))
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.notification_name())
    }
}

id_enum! {
    kind: Advisory,
    /// Something the caller should do after a change. Its id (`Display`,
    /// `FromStr`, and what serde writes) is `rotate_secrets`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    #[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
    #[non_exhaustive]
    pub enum Advisory {
        /// The member could read data or secrets (an action of the matrix's
        /// [`Category::DataAndSecrets`](crate::Category::DataAndSecrets)) and no longer can: they were removed
        /// or their account deleted after holding such access while accepted,
        /// or they were demoted to a role without some of it. Taking the
        /// access away does not change what they saw, so the owner should
        /// rotate those credentials.
        RotateSecrets => "rotate_secrets",
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
    demotion_advisory_sets(
        grants(from, kind).data_and_secrets(),
        grants(to, kind).data_and_secrets(),
    )
}

/// [`demotion_advisory`] on the `data_and_secrets` actions held before
/// and after (a custom role's or a built-in role's).
pub(crate) fn demotion_advisory_sets(from: Permissions, to: Permissions) -> Option<Advisory> {
    let lost = from.difference(to);
    (!lost.is_empty()).then_some(Advisory::RotateSecrets)
}

/// Why the fields of an event do not fit its kind, or why a stored event
/// cannot be read.
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
    /// An invitation event without its token digest, or another event
    /// with one.
    #[error("{kind} event must {} a token_digest", if *.expected { "carry" } else { "not carry" })]
    Token {
        /// The event's kind.
        kind: EventKind,
        /// Whether the kind carries a token.
        expected: bool,
    },
    /// `name` is missing on `roster_created` or `resource_renamed`, or
    /// present on another kind.
    #[error("{kind} event must {} a name", if *.expected { "carry" } else { "not carry" })]
    Name {
        /// The event's kind.
        kind: EventKind,
        /// Whether the kind carries a name.
        expected: bool,
    },
    /// The resource name is not a valid identifier.
    #[error("resource name: {0}")]
    InvalidName(IdentifierError),
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
    /// Sequence numbers start at 1, and `roster_created` is always event
    /// 1 of its stream and the only one: any other `seq` for it, `seq` 0,
    /// or `seq` 1 on another kind is refused.
    #[error("{kind} event cannot have seq {seq}; roster_created is event 1, and only it")]
    Seq {
        /// The event's kind.
        kind: EventKind,
        /// The seq found.
        seq: u64,
    },
    /// An advisory on a kind that never carries one (only removals, role
    /// changes and account deletions do).
    #[error("{kind} event must not carry an advisory")]
    Advisory {
        /// The event's kind.
        kind: EventKind,
    },
    /// The seq is past [`Event::MAX_SEQ`] (`i64::MAX`): no stream holds
    /// that many events, so the value is corrupt or hostile.
    #[error("event seq {seq} is out of range: a seq is 1 to {}", Event::MAX_SEQ)]
    SeqOutOfRange {
        /// The seq found.
        seq: u64,
    },
    /// A stored event's `type` is not a kind this version knows (written
    /// by a newer version, or not an event). See the README's
    /// compatibility promise.
    #[error("unknown event type")]
    UnknownType,
    /// A stored event's schema version `v` is missing or not one this
    /// version reads.
    #[error(
        "unsupported event schema version {found} (this version reads 1 without a custom role, and 2 to {SCHEMA_VERSION})"
    )]
    UnsupportedVersion {
        /// The version found (0 when missing).
        found: u64,
    },
    /// A custom role (`custom_role` or `previous_custom_role`) on an event
    /// without the matching built-in role, with role owner, of another
    /// resource kind than the event's resource, or whose built-in role is
    /// not the custom role's base ([`CustomRole::covering_role`]).
    #[error("{kind} event carries a custom role that does not fit it")]
    CustomRole {
        /// The event's kind.
        kind: EventKind,
    },
}

/// The record of one accepted change to a roster.
///
/// Carries its sequence number in the resource's stream ([`Event::seq`]),
/// the resource by kind and id ([`ResourceRef`]; its name only on
/// `roster_created` and `resource_renamed`, so a rename never rewrites
/// history), the member (id, email, username if known), the role after
/// the change (none after a removal, and none on a transfer request or
/// cancellation, a rename or a deletion, which change no role) and before
/// it, the acting account and the caller's timestamp; an invitation also
/// carries its expiry and the digest of its token, and a removal, a role change or an
/// account deletion may carry an [`Advisory`].
///
/// # Sequence numbers
///
/// `roster_created` is event 1. An event decided on a roster at
/// [version](crate::Roster::version) `v` has `seq` `v + 1`, and
/// [`Roster::apply`](crate::Roster::apply) takes only the event whose
/// `seq` is the roster's version plus one, so a store with a unique
/// `(resource_id, seq)` key gets optimistic concurrency for free: of two
/// writers deciding against the same version, the second insert fails.
///
/// A seq is at most [`Event::MAX_SEQ`] (`i64::MAX`, so it fits an SQL
/// `BIGINT`): a larger one is refused when an event is built or read
/// ([`EventError::SeqOutOfRange`]), and a roster at that version applies
/// no further event.
///
/// # Stored form
///
/// Serialized with `"v": 1` (the schema version), `seq`, and `type`
/// holding the notification name; see [`EventKind`] for the spellings
/// read, and the README for the compatibility promise. Deserializing
/// checks that the fields fit the kind.
///
/// # Hash chain
///
/// An event decided by a roster states the digest of the stream before it
/// ([`Event::prev`], field `prev`: its roster's
/// [`head`](crate::Roster::head) digest), and [`Event::digest`] is the
/// digest of the stream up to it. [`Roster::apply`](crate::Roster::apply)
/// takes only an event whose `prev` is the roster's head digest, so two
/// streams of the same length that differ anywhere have different heads,
/// and an event decided on one never applies to the other. An event
/// without `prev` (stored before the chain existed) applies only where
/// no chained event precedes it. See [`LogDigest`](crate::membership::LogDigest).
///
/// # Secrets
///
/// A `collaborator_invited` event carries the SHA-256 digest of the
/// invitation's token ([`Event::token_digest`], field `token_digest`),
/// never the token: replay rebuilds the pending invitation with the
/// digest, and the invitee presents the token to
/// [`Roster::accept`](crate::Roster::accept), which hashes it. A stored
/// stream opens no invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    seq: u64,
    kind: EventKind,
    resource: ResourceRef,
    name: Option<Arc<str>>,
    member: Account,
    role: Option<Role>,
    previous_role: Option<Role>,
    custom_role: Option<CustomRole>,
    previous_custom_role: Option<CustomRole>,
    actor: Email,
    at: Timestamp,
    expires_at: Option<Timestamp>,
    token_digest: Option<TokenDigest>,
    advisory: Option<Advisory>,
    /// The digest of the stream before this event; `None` on an event
    /// written before the chain existed.
    prev: Option<LogDigest>,
}

/// The parts of an [`Event`], for [`Event::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventParts {
    /// The event's place in its resource's stream (1 for
    /// `roster_created`).
    pub seq: u64,
    /// What changed.
    pub kind: EventKind,
    /// The resource, by kind and id.
    pub resource: ResourceRef,
    /// The resource's name: on `roster_created` (the first name) and
    /// `resource_renamed` (the new name) only.
    pub name: Option<String>,
    /// The member concerned (the owner, for a rename or a deletion).
    pub member: Account,
    /// The role after the change; `None` for a removal, a transfer
    /// request or cancellation, a rename and a deletion.
    pub role: Option<Role>,
    /// The role before the change: set for a removal and a role change.
    pub previous_role: Option<Role>,
    /// Who acted.
    pub actor: Email,
    /// When, as the caller said.
    pub at: Timestamp,
    /// The invitation's expiry, on an invitation.
    pub expires_at: Option<Timestamp>,
    /// The digest of the invitation's secret, on an invitation
    /// ([`InvitationToken::digest`](crate::InvitationToken::digest)).
    pub token_digest: Option<TokenDigest>,
    /// The advisory of a removal, a role change or an account deletion.
    pub advisory: Option<Advisory>,
}

impl Event {
    /// Builds an event from its parts, checking that they fit the kind.
    ///
    /// # Errors
    /// [`EventError`] naming the field that does not fit.
    pub fn new(parts: EventParts) -> Result<Self, EventError> {
        Self::with_custom_roles(parts, None, None)
    }

    /// Like [`Event::new`], for a member who holds a custom role after
    /// the change (`custom_role`) or held one before it
    /// (`previous_custom_role`). Each goes with its built-in role in
    /// `parts` (`role`, `previous_role`), which must be the custom role's
    /// base ([`CustomRole::covering_role`]); a role change must change the
    /// built-in role or the custom role.
    ///
    /// # Errors
    /// As [`Event::new`], and [`EventError::CustomRole`] for a custom role
    /// that does not fit (no matching built-in role, role owner, another
    /// resource kind, another base).
    pub fn with_custom_roles(
        parts: EventParts,
        custom_role: Option<CustomRole>,
        previous_custom_role: Option<CustomRole>,
    ) -> Result<Self, EventError> {
        let kind = parts.kind;
        // (role, previous role, token, advisory allowed, name)
        let (role, previous, token, advisory, name) = match kind {
            EventKind::RosterCreated => (true, false, false, false, true),
            EventKind::Accepted => (true, false, false, false, false),
            EventKind::Invited => (true, false, true, false, false),
            EventKind::Removed => (false, true, false, true, false),
            EventKind::RoleChanged => (true, true, false, true, false),
            EventKind::TransferRequested | EventKind::TransferCancelled | EventKind::Deleted => {
                (false, false, false, false, false)
            }
            EventKind::AccountDeleted => (true, false, false, true, false),
            EventKind::Renamed => (false, false, false, false, true),
        };
        if parts.seq > Event::MAX_SEQ {
            return Err(EventError::SeqOutOfRange { seq: parts.seq });
        }
        if parts.seq == 0 || (kind == EventKind::RosterCreated) != (parts.seq == 1) {
            return Err(EventError::Seq {
                kind,
                seq: parts.seq,
            });
        }
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
        if parts.token_digest.is_some() != token {
            return Err(EventError::Token {
                kind,
                expected: token,
            });
        }
        if parts.name.is_some() != name {
            return Err(EventError::Name {
                kind,
                expected: name,
            });
        }
        if let Some(name) = &parts.name {
            check_identifier(name).map_err(EventError::InvalidName)?;
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
        for (custom, role) in [
            (&custom_role, parts.role),
            (&previous_custom_role, parts.previous_role),
        ] {
            if let Some(custom) = custom {
                let fits = custom.kind() == resource_kind
                    && role.is_some_and(|r| {
                        r != Role::Owner && r == crate::membership::member::custom_base(custom)
                    });
                if !fits {
                    return Err(EventError::CustomRole { kind });
                }
            }
        }
        if kind == EventKind::RoleChanged
            && parts.role == parts.previous_role
            && custom_role == previous_custom_role
        {
            return Err(EventError::Unchanged);
        }
        if kind == EventKind::RosterCreated && parts.role != Some(Role::Owner) {
            return Err(EventError::CreatedNotOwner);
        }
        Ok(Self {
            seq: parts.seq,
            kind,
            resource: parts.resource,
            name: parts.name.map(Arc::from),
            member: parts.member,
            role: parts.role,
            previous_role: parts.previous_role,
            custom_role,
            previous_custom_role,
            actor: parts.actor,
            at: parts.at,
            expires_at: parts.expires_at,
            token_digest: parts.token_digest,
            advisory: parts.advisory,
            prev: None,
        })
    }

    /// An event built by the roster's decisions, which fit the fields to
    /// the kind by construction.
    pub(crate) fn record(
        seq: u64,
        kind: EventKind,
        resource: ResourceRef,
        member: Account,
        actor: Email,
        at: Timestamp,
    ) -> Self {
        Self {
            seq,
            kind,
            resource,
            name: None,
            member,
            role: None,
            previous_role: None,
            custom_role: None,
            previous_custom_role: None,
            actor,
            at,
            expires_at: None,
            token_digest: None,
            advisory: None,
            prev: None,
        }
    }

    pub(crate) fn set_seq(&mut self, seq: u64) {
        self.seq = seq;
    }

    pub(crate) fn with_roles(mut self, role: Option<Role>, previous: Option<Role>) -> Self {
        self.role = role;
        self.previous_role = previous;
        self
    }

    pub(crate) fn with_custom(
        mut self,
        custom_role: Option<CustomRole>,
        previous_custom_role: Option<CustomRole>,
    ) -> Self {
        self.custom_role = custom_role;
        self.previous_custom_role = previous_custom_role;
        self
    }

    pub(crate) fn with_name(mut self, name: Arc<str>) -> Self {
        self.name = Some(name);
        self
    }

    pub(crate) fn with_invitation(
        mut self,
        expires_at: Option<Timestamp>,
        token_digest: TokenDigest,
    ) -> Self {
        self.expires_at = expires_at;
        self.token_digest = Some(token_digest);
        self
    }

    pub(crate) fn with_advisory(mut self, advisory: Option<Advisory>) -> Self {
        self.advisory = advisory;
        self
    }

    /// The largest sequence number an event may have, and the largest
    /// version a roster snapshot may have: `i64::MAX` (2^63 - 1), so that
    /// every seq and version fits a signed 64-bit integer (an SQL `BIGINT`)
    /// and adding the one or two events of an operation never overflows a
    /// `u64`. A stored event ([`Event::new`], `Deserialize`) or snapshot
    /// beyond it is refused ([`EventError::SeqOutOfRange`], a snapshot's
    /// [`RosterError::VersionOutOfRange`](crate::membership::RosterError::VersionOutOfRange)),
    /// and [`Roster::apply`](crate::Roster::apply) applies no event past
    /// it ([`ApplyEventError::VersionExhausted`](crate::membership::ApplyEventError::VersionExhausted)).
    pub const MAX_SEQ: u64 = i64::MAX.unsigned_abs();

    /// The event's place in its resource's stream: 1 for
    /// `roster_created`, and `v + 1` for an event decided on a roster at
    /// version `v`. See [Sequence numbers](Event#sequence-numbers).
    #[must_use]
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// What changed.
    #[must_use]
    pub fn kind(&self) -> EventKind {
        self.kind
    }

    /// The resource whose roster changed, by kind and id.
    #[must_use]
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }

    /// The resource's name: the first one on `roster_created`, the new
    /// one on `resource_renamed`; `None` on every other kind.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    pub(crate) fn name_arc(&self) -> Option<&Arc<str>> {
        self.name.as_ref()
    }

    /// The member concerned: id, email, username if known (the owner, on
    /// a rename or a deletion).
    #[must_use]
    pub fn member(&self) -> &Account {
        &self.member
    }

    /// The member's role after the change; `None` after a removal, on a
    /// transfer request or cancellation, a rename and a deletion.
    #[must_use]
    pub fn role(&self) -> Option<Role> {
        self.role
    }

    /// The member's role before the change (removal and role change).
    #[must_use]
    pub fn previous_role(&self) -> Option<Role> {
        self.previous_role
    }

    /// The custom role the member holds after the change, when they hold
    /// one: [`role`](Self::role) is then its base. Stored as
    /// `custom_role`, absent otherwise.
    #[must_use]
    pub fn custom_role(&self) -> Option<&CustomRole> {
        self.custom_role.as_ref()
    }

    /// The custom role the member held before the change (removal and
    /// role change), when they held one: [`previous_role`](Self::previous_role)
    /// is then its base. Stored as `previous_custom_role`, absent otherwise.
    #[must_use]
    pub fn previous_custom_role(&self) -> Option<&CustomRole> {
        self.previous_custom_role.as_ref()
    }

    /// Whether the event names a custom role (after or before the change):
    /// what decides its stored schema version.
    #[cfg(feature = "serde")]
    pub(crate) fn holds_custom_role(&self) -> bool {
        self.custom_role.is_some() || self.previous_custom_role.is_some()
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

    /// The digest of the invitation's token, on an invitation event.
    /// See [Secrets](Event#secrets).
    #[must_use]
    pub fn token_digest(&self) -> Option<&TokenDigest> {
        self.token_digest.as_ref()
    }
}

#[cfg(feature = "serde")]
crate::id::serde_id::deserialize_by_id!(Advisory);
