//! [`Command`]: every change a caller may ask of a roster, as one value,
//! decided by [`Roster::decide_command`](crate::Roster::decide_command)
//! into an [`Outcome`]; its refusal is one [`CommandError`](crate::membership::CommandError).

use alloc::string::String;
use alloc::vec::Vec;

use crate::membership::email::Email;
use crate::membership::event::Event;
use crate::membership::member::{InvitationToken, MemberId, MemberRef, Username};
use crate::membership::roster::Invitation;
use crate::rules::custom_role::CustomRole;
use crate::rules::role::Role;

/// A membership named by email or by member id, owned (the owned form of
/// [`MemberRef`], for a [`Command`] built from a request).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MemberKey {
    /// By email (compared case-insensitively).
    Email(Email),
    /// By member id.
    Id(MemberId),
}

impl MemberKey {
    /// The borrowed form, as the roster's lookups take it.
    #[must_use]
    pub fn as_ref(&self) -> MemberRef<'_> {
        match self {
            MemberKey::Email(email) => MemberRef::Email(email),
            MemberKey::Id(id) => MemberRef::Id(id),
        }
    }
}

impl From<Email> for MemberKey {
    fn from(email: Email) -> Self {
        MemberKey::Email(email)
    }
}

impl From<MemberId> for MemberKey {
    fn from(id: MemberId) -> Self {
        MemberKey::Id(id)
    }
}

impl<'a> From<&'a MemberKey> for MemberRef<'a> {
    fn from(key: &'a MemberKey) -> Self {
        key.as_ref()
    }
}

/// The role a role change gives: a built-in role or a custom role.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AnyRole {
    /// A built-in role ([`Roster::change_role`](crate::Roster::change_role)).
    BuiltIn(Role),
    /// A custom role of the roster's kind
    /// ([`Roster::change_role_custom`](crate::Roster::change_role_custom)).
    Custom(CustomRole),
}

impl From<Role> for AnyRole {
    fn from(role: Role) -> Self {
        AnyRole::BuiltIn(role)
    }
}

impl From<CustomRole> for AnyRole {
    fn from(role: CustomRole) -> Self {
        AnyRole::Custom(role)
    }
}

/// Every change a caller may ask of a roster, as one value: what a
/// service builds from a request and hands to
/// [`Roster::decide_command`](crate::Roster::decide_command) (pure: the
/// events to append) or [`Roster::execute`](crate::Roster::execute)
/// (decide, then apply).
///
/// The actor is passed beside the command, never inside it: the
/// service's authenticated caller. Each variant is one operation of the
/// roster, with the rules `docs/lifecycle.md` states; the rules a service
/// would otherwise write itself are here:
///
/// - [`Accept`](Command::Accept) names the membership (as an invitation
///   link does) and it must be the actor's own: any other id, unknown or
///   someone else's, is refused exactly as no invitation is
///   ([`AcceptError::NoInvitation`](crate::membership::AcceptError::NoInvitation)),
///   and so is a wrong token.
/// - [`Remove`](Command::Remove) of the actor's own membership is a leave
///   (or the decline of their own pending invitation), decided as
///   [`Roster::leave`](crate::Roster::leave): a limited collaborator may
///   leave though they may not revoke. Anyone else's is a revoke.
/// - [`AcceptTransfer`](Command::AcceptTransfer) accepts the roster's own
///   pending transfer: the caller need not fetch it first.
/// - [`AccountDeleted`](Command::AccountDeleted) reports that the actor's
///   own account was deleted: nobody reports it for someone else.
///
/// Repeats: asking for a state that already holds is
/// [`Outcome::Unchanged`], without events, so that an HTTP `PUT` or
/// `PATCH` is idempotent: a role change to the role (or the custom role)
/// the member holds, a rename to the current name, a transfer request to
/// the member who is already the pending transfer's target. Every other
/// repeat stays a refusal: a second invitation of the same email (it
/// would carry a new token), accepting an accepted invitation, removing a
/// member who is gone, cancelling a transfer that is not pending,
/// deleting a deleted resource. Permission is checked before a no-op is
/// recognized: whoever may not make the change learns the refusal, not
/// the current state.
///
/// ```
/// use collab_authz::membership::{Command, Outcome};
/// use collab_authz::{
///     Account, Email, Invitation, InvitationToken, MemberId, Resource, ResourceId,
///     ResourceKind, Role, Roster, Timestamp,
/// };
///
/// let t = Timestamp::from_unix_seconds(0);
/// let owner = Email::parse("owner@example.com")?;
/// let app = Resource::new(ResourceKind::App, ResourceId::new("app-1")?, "billing")?;
/// let account = Account { id: MemberId::new("m0")?, email: owner.clone(), username: None };
/// let (mut roster, _) = Roster::create(app, account, t);
///
/// let ada = Email::parse("ada@example.com")?;
/// let token = InvitationToken::new("secret")?;
/// let invite = Command::invite(Invitation::new(MemberId::new("m1")?, ada.clone(), token.clone()));
/// let outcome = roster.decide_command(&owner, &invite, t)?;
/// assert_eq!(outcome.events().len(), 1);
/// roster.apply(&outcome.events()[0])?;
///
/// // The invitee accepts through the link: their member id and the token.
/// let accept = Command::Accept { member: MemberId::new("m1")?, token, username: None };
/// roster.execute(&ada, &accept, t)?;
///
/// // The same role again holds already: no event.
/// let again = Command::change_role(MemberId::new("m1")?, Role::LimitedCollaborator);
/// assert_eq!(roster.decide_command(&owner, &again, t)?, Outcome::Unchanged);
///
/// // Removing oneself is a leave: a limited collaborator may.
/// let leave = Command::Remove { member: ada.clone().into() };
/// assert_eq!(roster.execute(&ada, &leave, t)?.events().len(), 1);
/// assert!(roster.get(&ada).is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// Invite `invitation.email`: with `invitation.role` (or the kind's
    /// default) when `custom_role` is `None`
    /// ([`Roster::decide_invite`](crate::Roster::decide_invite)), else
    /// with the custom role, and `invitation.role` must be `None`
    /// ([`Roster::decide_invite_custom`](crate::Roster::decide_invite_custom)).
    Invite {
        /// The new membership's id, email, token, expiry (and built-in
        /// role).
        invitation: Invitation,
        /// The custom role to invite with, instead of a built-in role.
        custom_role: Option<CustomRole>,
    },
    /// The actor accepts their invitation, named by its member id (the
    /// invitation link's), with its token; `username` when known
    /// ([`Roster::decide_accept`](crate::Roster::decide_accept)). An id
    /// that is not the actor's own membership is refused as no
    /// invitation.
    Accept {
        /// The invitation's member id: it must be the actor's.
        member: MemberId,
        /// The invitation's secret.
        token: InvitationToken,
        /// The actor's username, when the caller knows it.
        username: Option<Username>,
    },
    /// Change `member`'s role to a built-in or custom role
    /// ([`Roster::decide_change_role`](crate::Roster::decide_change_role),
    /// [`Roster::decide_change_role_custom`](crate::Roster::decide_change_role_custom)).
    /// The role already held is [`Outcome::Unchanged`].
    ChangeRole {
        /// Whose role.
        member: MemberKey,
        /// The new role.
        role: AnyRole,
    },
    /// Remove `member`: a leave (or decline) when it is the actor's own
    /// membership ([`Roster::decide_leave`](crate::Roster::decide_leave)),
    /// a revoke otherwise
    /// ([`Roster::decide_revoke`](crate::Roster::decide_revoke)).
    Remove {
        /// Whose membership.
        member: MemberKey,
    },
    /// The actor leaves, or declines their pending invitation
    /// ([`Roster::decide_leave`](crate::Roster::decide_leave)).
    Leave,
    /// The owner asks to hand the resource to `to`
    /// ([`Roster::decide_request_transfer`](crate::Roster::decide_request_transfer)).
    /// A request to the pending transfer's own target is
    /// [`Outcome::Unchanged`].
    RequestTransfer {
        /// The accepted collaborator to become owner.
        to: MemberKey,
    },
    /// The actor, target of the roster's pending transfer, accepts it
    /// ([`Roster::decide_accept_transfer`](crate::Roster::decide_accept_transfer)
    /// with [`Roster::pending_transfer`](crate::Roster::pending_transfer)):
    /// two events.
    AcceptTransfer,
    /// The owner or the target cancels the pending transfer
    /// ([`Roster::decide_cancel_transfer`](crate::Roster::decide_cancel_transfer)).
    CancelTransfer,
    /// The owner renames the resource
    /// ([`Roster::decide_rename`](crate::Roster::decide_rename)). The
    /// current name is [`Outcome::Unchanged`].
    Rename {
        /// The new name.
        name: String,
    },
    /// The owner deletes the resource
    /// ([`Roster::decide_delete`](crate::Roster::decide_delete)).
    Delete,
    /// The platform reports that the actor's account was deleted: their
    /// accepted membership becomes `user_account_deleted`
    /// ([`Roster::decide_account_deleted`](crate::Roster::decide_account_deleted)
    /// of the actor's own membership).
    AccountDeleted,
}

impl Command {
    /// [`Command::Invite`] with a built-in role (or the kind's default).
    #[must_use]
    pub fn invite(invitation: Invitation) -> Self {
        Command::Invite {
            invitation,
            custom_role: None,
        }
    }

    /// [`Command::Invite`] with the custom role `custom`.
    #[must_use]
    pub fn invite_custom(invitation: Invitation, custom: CustomRole) -> Self {
        Command::Invite {
            invitation,
            custom_role: Some(custom),
        }
    }

    /// [`Command::ChangeRole`] of `member` to `role` (a [`Role`] or a
    /// [`CustomRole`]).
    #[must_use]
    pub fn change_role(member: impl Into<MemberKey>, role: impl Into<AnyRole>) -> Self {
        Command::ChangeRole {
            member: member.into(),
            role: role.into(),
        }
    }

    /// The command's stable snake_case name, for logs and metrics:
    /// `invite`, `accept`, `change_role`, `remove`, `leave`,
    /// `request_transfer`, `accept_transfer`, `cancel_transfer`,
    /// `rename`, `delete`, `account_deleted`.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            Command::Invite { .. } => "invite",
            Command::Accept { .. } => "accept",
            Command::ChangeRole { .. } => "change_role",
            Command::Remove { .. } => "remove",
            Command::Leave => "leave",
            Command::RequestTransfer { .. } => "request_transfer",
            Command::AcceptTransfer => "accept_transfer",
            Command::CancelTransfer => "cancel_transfer",
            Command::Rename { .. } => "rename",
            Command::Delete => "delete",
            Command::AccountDeleted => "account_deleted",
        }
    }
}

/// What a [`Command`] decides: the events to append, or nothing because
/// the state asked for already holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Outcome {
    /// Append these events, in order, at their [`seq`](Event::seq)
    /// (`version() + 1`, and `+ 2` for a completed transfer), then apply
    /// them.
    Append(Vec<Event>),
    /// The state asked for holds already: nothing to append, the roster
    /// stays as it is (an idempotent repeat; see [`Command`]).
    Unchanged,
}

impl Outcome {
    /// The events to append: empty for [`Outcome::Unchanged`].
    #[must_use]
    pub fn events(&self) -> &[Event] {
        match self {
            Outcome::Append(events) => events,
            Outcome::Unchanged => &[],
        }
    }

    /// The events to append, owned: empty for [`Outcome::Unchanged`].
    #[must_use]
    pub fn into_events(self) -> Vec<Event> {
        match self {
            Outcome::Append(events) => events,
            Outcome::Unchanged => Vec::new(),
        }
    }

    /// Whether the state held already (no event).
    #[must_use]
    pub const fn is_unchanged(&self) -> bool {
        matches!(self, Outcome::Unchanged)
    }
}
