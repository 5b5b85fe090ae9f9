//! Error classes: what a service answers, without guessing. Every error
//! of the membership lifecycle, the identifiers and the public API's
//! objects has one ([`Classify`]).

use super::{
    AcceptError, AccountDeletedError, ChangeRoleError, DeleteError, InviteError, LeaveError,
    NotPermitted, RenameError, RevokeError, TransferError,
};
use super::{ApplyEventError, CommandError, ReplayError, RosterError};
use crate::membership::member::MemberError;
use crate::rules::custom_role::GrantError;

/// What kind of failure an error is: the one thing a service needs to
/// answer it (an HTTP status, a gRPC code, a CLI exit code).
///
/// Every error of the membership lifecycle, the identifiers and the
/// public API's objects has a class ([`Classify`]), decided by an
/// exhaustive `match` on its variants: a variant added later does not
/// compile until it is classified, so a service never maps it by a
/// catch-all.
///
/// | class | HTTP status | meaning |
/// | --- | --- | --- |
/// | [`NotPermitted`](Self::NotPermitted) | 403 Forbidden | the actor may not do this (see [`Classify::not_permitted`] for why) |
/// | [`NotFound`](Self::NotFound) | 404 Not Found | the membership, invitation or pending transfer named does not exist (a wrong invitation token too, so that a guess learns nothing) |
/// | [`Conflict`](Self::Conflict) | 409 Conflict | the request is valid but the current state refuses it (already a member, the target is the owner, the role is unchanged, a transfer is pending already, the roster's version has no seq left for the operation's events, ...) |
/// | [`Gone`](Self::Gone) | 410 Gone | the thing existed and can no longer be used (an expired invitation) |
/// | [`Invalid`](Self::Invalid) | 422 Unprocessable Content | the input is malformed or asks for what the rules never allow (an invalid email or name, role owner, a role the resource kind lacks, an expiry in the past, a roster or event stream that breaks an invariant) |
///
/// A body that is not valid JSON at all is the service's own 400; a
/// roster snapshot or event stream that the service loads from its own
/// storage and that fails ([`RosterError`], [`ReplayError`]) is its own
/// 500, although the class says [`Invalid`](Self::Invalid) (the data is).
///
/// The enum is exhaustive on purpose: a new class is a breaking change,
/// so a `match` on it needs no catch-all either.
///
/// ```
/// use collab_authz::{Classify, ErrorClass, NotPermitted};
/// use collab_authz::membership::InviteError;
///
/// let err = InviteError::NotPermitted(NotPermitted::Stranger);
/// assert_eq!(err.class(), ErrorClass::NotPermitted);
/// assert_eq!(err.http_status(), 403);
/// assert_eq!(err.not_permitted(), Some(&NotPermitted::Stranger));
/// assert_eq!(InviteError::OwnerRole.class().http_status(), 422);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorClass {
    /// The actor may not perform the operation: HTTP 403.
    NotPermitted,
    /// What the request names does not exist: HTTP 404.
    NotFound,
    /// The current state refuses a valid request: HTTP 409.
    Conflict,
    /// What the request names existed and can no longer be used: HTTP
    /// 410.
    Gone,
    /// The input is malformed or asks for what the rules never allow:
    /// HTTP 422.
    Invalid,
}

impl ErrorClass {
    /// Every class, in declaration order.
    pub const ALL: [ErrorClass; 5] = [
        ErrorClass::NotPermitted,
        ErrorClass::NotFound,
        ErrorClass::Conflict,
        ErrorClass::Gone,
        ErrorClass::Invalid,
    ];

    /// The HTTP status a service answers: 403, 404, 409, 410 or 422 (see
    /// the table on [`ErrorClass`]).
    #[must_use]
    pub const fn http_status(self) -> u16 {
        match self {
            ErrorClass::NotPermitted => 403,
            ErrorClass::NotFound => 404,
            ErrorClass::Conflict => 409,
            ErrorClass::Gone => 410,
            ErrorClass::Invalid => 422,
        }
    }

    /// A stable snake_case id for an error body: `not_permitted`,
    /// `not_found`, `conflict`, `gone`, `invalid`.
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            ErrorClass::NotPermitted => "not_permitted",
            ErrorClass::NotFound => "not_found",
            ErrorClass::Conflict => "conflict",
            ErrorClass::Gone => "gone",
            ErrorClass::Invalid => "invalid",
        }
    }
}

impl core::fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.pad(self.id())
    }
}

/// An error that knows its [`ErrorClass`], so that a service maps every
/// error of the crate with one generic function:
///
/// ```
/// use collab_authz::{Classify, Timestamp};
/// use collab_authz::membership::AcceptError;
///
/// fn status_and_message<E: Classify + core::fmt::Display>(err: &E) -> (u16, String) {
///     (err.http_status(), err.to_string())
/// }
///
/// let expired = AcceptError::Expired { expires_at: Timestamp::from_unix_seconds(9) };
/// assert_eq!(status_and_message(&expired), (410, "the invitation expired at 9".to_owned()));
/// ```
pub trait Classify {
    /// The class of this error (see the table on [`ErrorClass`]).
    fn class(&self) -> ErrorClass;

    /// Why the actor is not permitted, when the error is a
    /// [`NotPermitted`] refusal of the permission matrix. `None` for every
    /// other error, and for the refusals that are not the matrix's (only
    /// the target of a transfer accepts it: class
    /// [`ErrorClass::NotPermitted`], no [`NotPermitted`] explanation).
    fn not_permitted(&self) -> Option<&NotPermitted> {
        None
    }

    /// The HTTP status of [`class`](Self::class).
    fn http_status(&self) -> u16 {
        self.class().http_status()
    }
}

impl Classify for NotPermitted {
    fn class(&self) -> ErrorClass {
        match self {
            NotPermitted::Stranger
            | NotPermitted::Inactive { .. }
            | NotPermitted::RoleLacks { .. }
            | NotPermitted::CustomRoleLacks { .. } => ErrorClass::NotPermitted,
        }
    }

    fn not_permitted(&self) -> Option<&NotPermitted> {
        Some(self)
    }
}

/// The class of a refused grant: a custom role of another kind is
/// [`Invalid`](ErrorClass::Invalid) input; the rest (escalation, a
/// granter who may not grant) is [`NotPermitted`](ErrorClass::NotPermitted).
fn grant_class(why: GrantError) -> ErrorClass {
    match why {
        GrantError::WrongKind { .. } => ErrorClass::Invalid,
        GrantError::MayNotGrant
        | GrantError::NotAMember
        | GrantError::NotActive
        | GrantError::Escalation { .. } => ErrorClass::NotPermitted,
    }
}

impl Classify for InviteError {
    fn class(&self) -> ErrorClass {
        match self {
            InviteError::Closed => ErrorClass::Gone,
            InviteError::TransferIncomplete | InviteError::VersionExhausted { .. } => {
                ErrorClass::Conflict
            }
            InviteError::NotPermitted(_) => ErrorClass::NotPermitted,
            InviteError::Grant(why) => grant_class(*why),
            InviteError::OwnerRole
            | InviteError::RoleAndCustomRole
            | InviteError::RoleNotOnKind { .. }
            | InviteError::AlreadyExpired { .. } => ErrorClass::Invalid,
            InviteError::AlreadyMember { .. } | InviteError::DuplicateId => ErrorClass::Conflict,
        }
    }

    fn not_permitted(&self) -> Option<&NotPermitted> {
        match self {
            InviteError::NotPermitted(why) => Some(why),
            InviteError::OwnerRole
            | InviteError::Grant(_)
            | InviteError::RoleAndCustomRole
            | InviteError::RoleNotOnKind { .. }
            | InviteError::AlreadyMember { .. }
            | InviteError::DuplicateId
            | InviteError::AlreadyExpired { .. }
            | InviteError::Closed
            | InviteError::TransferIncomplete
            | InviteError::VersionExhausted { .. } => None,
        }
    }
}

impl Classify for AcceptError {
    /// A wrong token is [`NotFound`](ErrorClass::NotFound), like a missing
    /// invitation: a guessed token learns nothing.
    fn class(&self) -> ErrorClass {
        match self {
            AcceptError::Closed => ErrorClass::Gone,
            AcceptError::TransferIncomplete | AcceptError::VersionExhausted { .. } => {
                ErrorClass::Conflict
            }
            AcceptError::NoInvitation | AcceptError::WrongToken => ErrorClass::NotFound,
            AcceptError::NotPending { .. } => ErrorClass::Conflict,
            AcceptError::Expired { .. } => ErrorClass::Gone,
        }
    }
}

impl Classify for ChangeRoleError {
    fn class(&self) -> ErrorClass {
        match self {
            ChangeRoleError::Closed => ErrorClass::Gone,
            ChangeRoleError::TransferIncomplete | ChangeRoleError::VersionExhausted { .. } => {
                ErrorClass::Conflict
            }
            ChangeRoleError::NotPermitted(_) => ErrorClass::NotPermitted,
            ChangeRoleError::Grant(why) => grant_class(*why),
            ChangeRoleError::NoSuchMember => ErrorClass::NotFound,
            ChangeRoleError::TargetIsOwner
            | ChangeRoleError::Unchanged { .. }
            | ChangeRoleError::UnchangedCustom => ErrorClass::Conflict,
            ChangeRoleError::ToOwner | ChangeRoleError::RoleNotOnKind { .. } => ErrorClass::Invalid,
        }
    }

    fn not_permitted(&self) -> Option<&NotPermitted> {
        match self {
            ChangeRoleError::NotPermitted(why) => Some(why),
            ChangeRoleError::NoSuchMember
            | ChangeRoleError::TargetIsOwner
            | ChangeRoleError::ToOwner
            | ChangeRoleError::RoleNotOnKind { .. }
            | ChangeRoleError::Unchanged { .. }
            | ChangeRoleError::UnchangedCustom
            | ChangeRoleError::Grant(_)
            | ChangeRoleError::Closed
            | ChangeRoleError::TransferIncomplete
            | ChangeRoleError::VersionExhausted { .. } => None,
        }
    }
}

impl Classify for RevokeError {
    fn class(&self) -> ErrorClass {
        match self {
            RevokeError::Closed => ErrorClass::Gone,
            RevokeError::TransferIncomplete | RevokeError::VersionExhausted { .. } => {
                ErrorClass::Conflict
            }
            RevokeError::NotPermitted(_) => ErrorClass::NotPermitted,
            RevokeError::NoSuchMember => ErrorClass::NotFound,
            RevokeError::TargetIsOwner => ErrorClass::Conflict,
        }
    }

    fn not_permitted(&self) -> Option<&NotPermitted> {
        match self {
            RevokeError::NotPermitted(why) => Some(why),
            RevokeError::NoSuchMember
            | RevokeError::TargetIsOwner
            | RevokeError::Closed
            | RevokeError::TransferIncomplete
            | RevokeError::VersionExhausted { .. } => None,
        }
    }
}

impl Classify for LeaveError {
    fn class(&self) -> ErrorClass {
        match self {
            LeaveError::Closed => ErrorClass::Gone,
            LeaveError::TransferIncomplete | LeaveError::VersionExhausted { .. } => {
                ErrorClass::Conflict
            }
            LeaveError::NotAMember => ErrorClass::NotFound,
            LeaveError::Owner => ErrorClass::Conflict,
        }
    }
}

impl Classify for TransferError {
    /// Only the target accepting, and only the owner or the target
    /// cancelling, are [`NotPermitted`](ErrorClass::NotPermitted) without a
    /// [`NotPermitted`] explanation (the rule is the transfer's, not the
    /// matrix's).
    fn class(&self) -> ErrorClass {
        match self {
            TransferError::Closed => ErrorClass::Gone,
            TransferError::TransferIncomplete | TransferError::VersionExhausted { .. } => {
                ErrorClass::Conflict
            }
            TransferError::NotPermitted(_) | TransferError::NotTarget | TransferError::NotParty => {
                ErrorClass::NotPermitted
            }
            TransferError::NoSuchMember | TransferError::NoPending => ErrorClass::NotFound,
            TransferError::NotAcceptedCollaborator { .. }
            | TransferError::TargetHoldsCustomRole
            | TransferError::NotFromOwner
            | TransferError::AlreadyPending
            | TransferError::NotPending => ErrorClass::Conflict,
            TransferError::WrongResource => ErrorClass::Invalid,
        }
    }

    fn not_permitted(&self) -> Option<&NotPermitted> {
        match self {
            TransferError::NotPermitted(why) => Some(why),
            TransferError::NoSuchMember
            | TransferError::NotAcceptedCollaborator { .. }
            | TransferError::TargetHoldsCustomRole
            | TransferError::WrongResource
            | TransferError::NotFromOwner
            | TransferError::NoPending
            | TransferError::AlreadyPending
            | TransferError::NotPending
            | TransferError::NotTarget
            | TransferError::NotParty
            | TransferError::Closed
            | TransferError::TransferIncomplete
            | TransferError::VersionExhausted { .. } => None,
        }
    }
}

impl Classify for AccountDeletedError {
    fn class(&self) -> ErrorClass {
        match self {
            AccountDeletedError::Closed => ErrorClass::Gone,
            AccountDeletedError::TransferIncomplete
            | AccountDeletedError::VersionExhausted { .. } => ErrorClass::Conflict,
            AccountDeletedError::NoSuchMember => ErrorClass::NotFound,
            AccountDeletedError::Owner | AccountDeletedError::NotAccepted { .. } => {
                ErrorClass::Conflict
            }
        }
    }
}

impl Classify for RosterError {
    /// Always [`Invalid`](ErrorClass::Invalid): the parts break an
    /// invariant (a service loading its own snapshot answers 500).
    fn class(&self) -> ErrorClass {
        match self {
            RosterError::OwnerNotOwner
            | RosterError::SecondOwner(_)
            | RosterError::RoleNotOnKind { .. }
            | RosterError::DuplicateEmail(_)
            | RosterError::DuplicateId(_)
            | RosterError::Transfer(_)
            | RosterError::SecretAccessHistory(_)
            | RosterError::SecretAccessMissing(_)
            | RosterError::Member { .. }
            | RosterError::CustomRoleKind(_)
            | RosterError::VersionOutOfRange { .. }
            | RosterError::AwaitingEvent => ErrorClass::Invalid,
        }
    }
}

impl Classify for ApplyEventError {
    /// A [`Gap`](ApplyEventError::Gap), an
    /// [`Overlap`](ApplyEventError::Overlap) or a
    /// [`Diverged`](ApplyEventError::Diverged) is a
    /// [`Conflict`](ErrorClass::Conflict): the event was decided at
    /// another version or on another stream (reload and decide again); an event after the
    /// resource's deletion is [`Gone`](ErrorClass::Gone); every other
    /// reason is [`Invalid`](ErrorClass::Invalid): the stream does not
    /// rebuild a roster, whichever operation it records was refused.
    fn class(&self) -> ErrorClass {
        match self {
            ApplyEventError::Gap { .. }
            | ApplyEventError::Overlap { .. }
            | ApplyEventError::Diverged { .. } => ErrorClass::Conflict,
            ApplyEventError::Closed => ErrorClass::Gone,
            ApplyEventError::Empty
            | ApplyEventError::NotCreatedFirst(_)
            | ApplyEventError::SecondOwner
            | ApplyEventError::OtherResource
            | ApplyEventError::UnpairedTransfer
            | ApplyEventError::Invite(_)
            | ApplyEventError::Accept(_)
            | ApplyEventError::ChangeRole(_)
            | ApplyEventError::Revoke(_)
            | ApplyEventError::Leave(_)
            | ApplyEventError::Transfer(_)
            | ApplyEventError::AccountDeleted(_)
            | ApplyEventError::Rename(_)
            | ApplyEventError::Delete(_)
            | ApplyEventError::VersionExhausted { .. }
            | ApplyEventError::Unchained { .. }
            | ApplyEventError::Mismatch => ErrorClass::Invalid,
        }
    }
}

impl Classify for RenameError {
    fn class(&self) -> ErrorClass {
        match self {
            RenameError::Closed => ErrorClass::Gone,
            RenameError::TransferIncomplete
            | RenameError::VersionExhausted { .. }
            | RenameError::Unchanged => ErrorClass::Conflict,
            RenameError::NotPermitted(_) => ErrorClass::NotPermitted,
            RenameError::InvalidName(_) => ErrorClass::Invalid,
        }
    }

    fn not_permitted(&self) -> Option<&NotPermitted> {
        match self {
            RenameError::NotPermitted(why) => Some(why),
            RenameError::Closed
            | RenameError::TransferIncomplete
            | RenameError::VersionExhausted { .. }
            | RenameError::InvalidName(_)
            | RenameError::Unchanged => None,
        }
    }
}

impl Classify for DeleteError {
    fn class(&self) -> ErrorClass {
        match self {
            DeleteError::Closed => ErrorClass::Gone,
            DeleteError::TransferIncomplete | DeleteError::VersionExhausted { .. } => {
                ErrorClass::Conflict
            }
            DeleteError::NotPermitted(_) => ErrorClass::NotPermitted,
        }
    }

    fn not_permitted(&self) -> Option<&NotPermitted> {
        match self {
            DeleteError::NotPermitted(why) => Some(why),
            DeleteError::Closed
            | DeleteError::TransferIncomplete
            | DeleteError::VersionExhausted { .. } => None,
        }
    }
}

impl Classify for CommandError {
    /// The class of the operation's own error.
    fn class(&self) -> ErrorClass {
        match self {
            CommandError::Invite(e) => e.class(),
            CommandError::Accept(e) => e.class(),
            CommandError::ChangeRole(e) => e.class(),
            CommandError::Revoke(e) => e.class(),
            CommandError::Leave(e) => e.class(),
            CommandError::Transfer(e) => e.class(),
            CommandError::AccountDeleted(e) => e.class(),
            CommandError::Rename(e) => e.class(),
            CommandError::Delete(e) => e.class(),
        }
    }

    /// The operation's own [`NotPermitted`] explanation, if any.
    fn not_permitted(&self) -> Option<&NotPermitted> {
        match self {
            CommandError::Invite(e) => e.not_permitted(),
            CommandError::Accept(e) => e.not_permitted(),
            CommandError::ChangeRole(e) => e.not_permitted(),
            CommandError::Revoke(e) => e.not_permitted(),
            CommandError::Leave(e) => e.not_permitted(),
            CommandError::Transfer(e) => e.not_permitted(),
            CommandError::AccountDeleted(e) => e.not_permitted(),
            CommandError::Rename(e) => e.not_permitted(),
            CommandError::Delete(e) => e.not_permitted(),
        }
    }
}

impl Classify for ReplayError {
    /// The class of its [`reason`](ReplayError::reason).
    fn class(&self) -> ErrorClass {
        self.reason().class()
    }
}

impl Classify for crate::membership::event::EventError {
    /// Always [`Invalid`](ErrorClass::Invalid): the fields do not fit the
    /// event's kind.
    fn class(&self) -> ErrorClass {
        use crate::membership::event::EventError as E;
        match self {
            E::Role { .. }
            | E::PreviousRole { .. }
            | E::Token { .. }
            | E::Unchanged
            | E::RoleNotOnKind { .. }
            | E::CreatedNotOwner
            | E::Advisory { .. }
            | E::Name { .. }
            | E::InvalidName(_)
            | E::Seq { .. }
            | E::SeqOutOfRange { .. }
            | E::UnknownType
            | E::UnsupportedVersion { .. }
            | E::CustomRole { .. } => ErrorClass::Invalid,
        }
    }
}

impl Classify for crate::membership::member::IdentifierError {
    /// Always [`Invalid`](ErrorClass::Invalid).
    fn class(&self) -> ErrorClass {
        use crate::membership::member::IdentifierError as E;
        match self {
            E::Empty | E::TooLong | E::ControlCharacter | E::Invisible(_) => ErrorClass::Invalid,
        }
    }
}

impl Classify for crate::membership::email::EmailError {
    /// Always [`Invalid`](ErrorClass::Invalid).
    fn class(&self) -> ErrorClass {
        use crate::membership::email::EmailError as E;
        match self {
            E::Empty
            | E::TooLong
            | E::InvalidCharacter
            | E::Invisible(_)
            | E::At
            | E::EmptyLocalPart
            | E::InvalidDomain
            | E::NotNfc { .. } => ErrorClass::Invalid,
        }
    }
}

impl Classify for MemberError {
    /// Always [`Invalid`](ErrorClass::Invalid).
    fn class(&self) -> ErrorClass {
        match self {
            MemberError::OwnerMismatch
            | MemberError::TokenMismatch
            | MemberError::CustomRoleOwner
            | MemberError::CustomRoleBase => ErrorClass::Invalid,
        }
    }
}

impl Classify for crate::id::ParseIdError {
    /// Always [`Invalid`](ErrorClass::Invalid): not one of the spec's ids.
    fn class(&self) -> ErrorClass {
        ErrorClass::Invalid
    }
}
