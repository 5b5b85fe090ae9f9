//! The values a roster is made of: [`Timestamp`], the identifiers,
//! [`Resource`], [`MemberStatus`] and [`Member`].

use alloc::string::String;
use alloc::sync::Arc;
use core::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::id::id_enum;
use crate::membership::digest::TokenDigest;
use crate::membership::email::Email;
use crate::rules::custom_role::CustomRole;
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

mod change;
mod custom;
#[cfg(feature = "serde")]
mod deserialize;

pub(crate) use custom::custom_base;

/// A point in time chosen by the caller: seconds since the Unix epoch.
///
/// The crate never reads a clock; every operation takes "now" from the
/// caller and only compares timestamps.
///
/// ```
/// use collab_authz::Timestamp;
///
/// let t = Timestamp::from_unix_seconds(1_700_000_000);
/// assert!(t < Timestamp::from_unix_seconds(1_700_000_001));
/// assert_eq!(t.as_unix_seconds(), 1_700_000_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct Timestamp(u64);

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Timestamp {
    /// Reads the seconds: a negative number, one past `u64::MAX` or a
    /// string is an error (a string quoted as an escaped, bounded
    /// excerpt).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::id::serde_id::read_u64(deserializer).map(Self)
    }
}

impl Timestamp {
    /// The timestamp `seconds` after the Unix epoch.
    #[must_use]
    pub const fn from_unix_seconds(seconds: u64) -> Self {
        Self(seconds)
    }

    /// Seconds since the Unix epoch.
    #[must_use]
    pub const fn as_unix_seconds(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The longest identifier accepted, in bytes.
pub const MAX_IDENTIFIER_LEN: usize = 256;

/// Why a string is not a valid identifier ([`MemberId`], [`ResourceId`],
/// [`InvitationToken`], a username or a resource name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum IdentifierError {
    /// The string is empty.
    #[error("identifier is empty")]
    Empty,
    /// Longer than [`MAX_IDENTIFIER_LEN`] bytes.
    #[error("identifier is longer than 256 bytes")]
    TooLong,
    /// Holds a control character.
    #[error("identifier contains a control character")]
    ControlCharacter,
    /// Holds an invisible or direction-changing character (zero-width,
    /// bidi control, other format character, a space other than U+0020,
    /// ...).
    #[error("identifier contains an invisible or direction-changing character ({0})")]
    Invisible(crate::membership::text::InvisibleCharacter),
}

pub(crate) fn check_identifier(s: &str) -> Result<(), IdentifierError> {
    use crate::membership::text::{Refused, Spaces, check};
    if s.is_empty() {
        Err(IdentifierError::Empty)
    } else if s.len() > MAX_IDENTIFIER_LEN {
        Err(IdentifierError::TooLong)
    } else {
        match check(s, Spaces::AsciiSpace) {
            Ok(()) => Ok(()),
            Err(Refused::Control) => Err(IdentifierError::ControlCharacter),
            Err(Refused::Invisible(c)) => Err(IdentifierError::Invisible(c)),
        }
    }
}

/// Declares a validated string newtype.
macro_rules! identifier {
    ($(#[$meta:meta])* $name:ident, debug = $debug:ident) => {
        $(#[$meta])*
        ///
        /// Cloning is cheap (a reference-counted string); the order is the
        /// string's, compared through an inline prefix first.
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name {
            prefix: u128,
            text: Arc<str>,
        }

        impl $name {
            /// Validates `s`: non-empty, at most [`MAX_IDENTIFIER_LEN`]
            /// bytes, no control character, no invisible or
            /// direction-changing character (see
            /// [`InvisibleCharacter`](crate::membership::InvisibleCharacter)).
            ///
            /// # Errors
            /// [`IdentifierError`] naming the broken rule.
            pub fn new(s: impl Into<String>) -> Result<Self, IdentifierError> {
                let s = s.into();
                check_identifier(&s)?;
                Ok(Self { prefix: crate::membership::email::prefix(&s), text: Arc::from(s) })
            }

            /// The identifier as written.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.text
            }

            /// [`Self::new`] from a borrowed string: one allocation.
            #[cfg_attr(not(feature = "serde"), expect(dead_code, reason = "used by serde only"))]
            fn from_ref(s: &str) -> Result<Self, IdentifierError> {
                check_identifier(s)?;
                Ok(Self { prefix: crate::membership::email::prefix(s), text: Arc::from(s) })
            }
        }

        impl core::str::FromStr for $name {
            type Err = IdentifierError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        identifier!(@debug $name $debug);

        #[cfg(feature = "serde")]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.text)
            }
        }

        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str($crate::id::serde_id::StrVisitor("an identifier string", Self::from_ref))
            }
        }
    };
    (@debug $name:ident shown) => {
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&*self.text, f)
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(&self.text)
            }
        }
    };
    (@debug $name:ident redacted) => {
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    };
}

identifier! {
    /// The platform's id of one membership (the API's collaborator `id`),
    /// chosen by the caller. Unique within a roster.
    MemberId, debug = shown
}

identifier! {
    /// The platform's id of an app or dedicated database.
    ResourceId, debug = shown
}

/// The newest schema version of the stored forms this crate writes and
/// reads: every serialized [`Event`](crate::Event) and
/// [`Roster`](crate::Roster) snapshot carries its version as `"v"`.
///
/// - `1`: a form that holds no custom role;
/// - `2`: a form that holds one (a member's `custom_role`, an event's
///   `custom_role` or `previous_custom_role`).
///
/// A form is written at the lowest version that can hold it, so a reader
/// that knows only version 1 refuses a form with a custom role instead of
/// ignoring the field and reading the member as the custom role's base
/// role, which holds more. This crate reads both versions, and refuses a
/// custom role in a form that says version 1. See the README's
/// compatibility promise.
pub const SCHEMA_VERSION: u32 = 2;

/// The version of a stored form: 2 when it holds a custom role, else 1
/// ([`SCHEMA_VERSION`]).
#[cfg(feature = "serde")]
pub(crate) const fn schema_version(holds_custom_role: bool) -> u32 {
    if holds_custom_role { 2 } else { 1 }
}

/// Whether this crate reads a stored form of version `v` that does, or
/// does not, hold a custom role.
#[cfg(feature = "serde")]
pub(crate) const fn reads_schema_version(v: u64, holds_custom_role: bool) -> bool {
    v == 2 || (v == 1 && !holds_custom_role)
}

/// A resource's identity, which survives renames: its kind and the
/// platform's id. Events name their resource by this
/// ([`Event::resource`](crate::Event::resource)); the name is carried by
/// `roster_created` and `resource_renamed` only.
///
/// ```
/// use collab_authz::{Resource, ResourceId, ResourceKind};
/// use collab_authz::membership::ResourceRef;
///
/// let app = Resource::new(ResourceKind::App, ResourceId::new("app-1")?, "billing")?;
/// assert_eq!(app.to_ref(), ResourceRef::new(ResourceKind::App, ResourceId::new("app-1")?));
/// # Ok::<(), collab_authz::membership::IdentifierError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(remote = "Self")
)]
pub struct ResourceRef {
    kind: ResourceKind,
    id: ResourceId,
}

#[cfg(feature = "serde")]
crate::id::serde_id::bounded_struct!(ResourceRef, ["kind", "id"]);

impl ResourceRef {
    /// The resource of `kind` with the platform's `id`.
    #[must_use]
    pub fn new(kind: ResourceKind, id: ResourceId) -> Self {
        Self { kind, id }
    }

    /// Whether it is an app or a dedicated database.
    #[must_use]
    pub fn kind(&self) -> ResourceKind {
        self.kind
    }

    /// The platform's id.
    #[must_use]
    pub fn id(&self) -> &ResourceId {
        &self.id
    }
}

/// A member of a roster, addressed by email or by member id: what the
/// operations that target a member take (`impl Into<MemberRef>`), so that
/// `&Email` and `&MemberId` both work.
///
/// ```
/// use collab_authz::{Email, MemberId};
/// use collab_authz::membership::MemberRef;
///
/// let email: Email = "ada@example.com".parse()?;
/// let id = MemberId::new("m-1")?;
/// assert!(matches!(MemberRef::from(&email), MemberRef::Email(_)));
/// assert!(matches!(MemberRef::from(&id), MemberRef::Id(_)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberRef<'a> {
    /// By email (compared case-insensitively).
    Email(&'a Email),
    /// By the platform's membership id.
    Id(&'a MemberId),
}

impl<'a> From<&'a Email> for MemberRef<'a> {
    fn from(email: &'a Email) -> Self {
        MemberRef::Email(email)
    }
}

impl<'a> From<&'a MemberId> for MemberRef<'a> {
    fn from(id: &'a MemberId) -> Self {
        MemberRef::Id(id)
    }
}

identifier! {
    /// The secret of one invitation (what the invitation link carries),
    /// generated by the caller. `Debug` never shows it; it has no
    /// `Display`.
    ///
    /// Neither the roster nor its events keep it: they keep its SHA-256
    /// digest ([`TokenDigest`](crate::membership::TokenDigest)), so a stored event
    /// stream or snapshot opens no invitation.
    /// [`Roster::accept`](crate::Roster::accept) hashes the presented
    /// token and compares the digests in constant time; `==` on this type
    /// is an ordinary comparison, not meant for checking a presented
    /// secret.
    InvitationToken, debug = redacted
}

impl InvitationToken {
    /// The token's SHA-256 digest: what rosters and events keep.
    #[must_use]
    pub fn digest(&self) -> TokenDigest {
        TokenDigest::of(self)
    }
}

/// The hash of an [`InvitationToken`] (here, beside the token: the digest
/// itself knows nothing of tokens).
impl TokenDigest {
    /// The digest of `token`.
    #[must_use]
    pub fn of(token: &InvitationToken) -> Self {
        Self::from_bytes(Sha256::digest(token.as_str().as_bytes()).into())
    }

    /// Whether `presented` hashes to this digest, compared in constant
    /// time (the time taken does not depend on where the digests differ).
    #[must_use]
    pub fn verify(&self, presented: &InvitationToken) -> bool {
        bool::from(self.as_bytes().ct_eq(TokenDigest::of(presented).as_bytes()))
    }
}

impl From<&InvitationToken> for TokenDigest {
    fn from(token: &InvitationToken) -> Self {
        TokenDigest::of(token)
    }
}

/// The app or dedicated database a roster belongs to.
///
/// ```
/// use collab_authz::{Resource, ResourceId, ResourceKind};
///
/// let app = Resource::new(ResourceKind::App, ResourceId::new("app-1")?, "billing")?;
/// assert_eq!(app.kind(), ResourceKind::App);
/// assert_eq!(app.name(), "billing");
/// # Ok::<(), collab_authz::membership::IdentifierError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Resource {
    kind: ResourceKind,
    id: ResourceId,
    #[cfg_attr(feature = "serde", serde(serialize_with = "serialize_arc_str"))]
    name: Arc<str>,
}

#[cfg(feature = "serde")]
fn serialize_arc_str<S: serde::Serializer>(s: &Arc<str>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(s)
}

impl Resource {
    /// A resource of `kind` with the platform's `id` and its current
    /// `name`.
    ///
    /// # Errors
    /// [`IdentifierError`] when `name` is empty, too long, or holds a
    /// control, invisible or direction-changing character.
    pub fn new(
        kind: ResourceKind,
        id: ResourceId,
        name: impl Into<String>,
    ) -> Result<Self, IdentifierError> {
        let name = name.into();
        check_identifier(&name)?;
        Ok(Self {
            kind,
            id,
            name: Arc::from(name),
        })
    }

    /// Whether it is an app or a dedicated database.
    #[must_use]
    pub fn kind(&self) -> ResourceKind {
        self.kind
    }

    /// The platform's id.
    #[must_use]
    pub fn id(&self) -> &ResourceId {
        &self.id
    }

    /// The name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The resource's identity, without its name.
    #[must_use]
    pub fn to_ref(&self) -> ResourceRef {
        ResourceRef::new(self.kind, self.id.clone())
    }

    pub(crate) fn name_arc(&self) -> &Arc<str> {
        &self.name
    }

    pub(crate) fn set_name(&mut self, name: Arc<str>) {
        self.name = name;
    }

    pub(crate) fn is(&self, r: &ResourceRef) -> bool {
        self.kind == r.kind && self.id == r.id
    }
}

impl fmt::Display for Resource {
    /// The current name (after any rename), as listings and messages show
    /// the resource.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.name)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Resource {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw {
            kind: ResourceKind,
            id: ResourceId,
            name: String,
        }
        let raw: Raw =
            crate::id::serde_id::structure(deserializer, "Resource", &["kind", "id", "name"])?;
        Resource::new(raw.kind, raw.id, raw.name).map_err(serde::de::Error::custom)
    }
}

id_enum! {
    kind: MemberStatus,
    /// The state of one membership. Its id (`Display`, `FromStr`) is
    /// `pending`, `accepted`, `owner` or `user_account_deleted`.
    ///
    /// Serde writes the spec's ids (`user_account_deleted`) and also reads
    /// the public API's spelling `user account deleted`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    #[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
    pub enum MemberStatus {
        /// Invited, not yet accepted: grants nothing.
        Pending => "pending",
        /// An active collaborator.
        Accepted => "accepted",
        /// The owner.
        Owner => "owner",
        /// The account behind an accepted membership was deleted: grants
        /// nothing.
        UserAccountDeleted => "user_account_deleted",
    }
}

impl MemberStatus {
    /// The status as the platform's API and listings write it
    /// (`user account deleted`).
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            MemberStatus::UserAccountDeleted => "user account deleted",
            other => other.id(),
        }
    }

    /// Whether a member in this status holds the rights of their role.
    /// Only the owner and accepted collaborators do; a pending invitation
    /// or a deleted account grants nothing.
    #[must_use]
    pub const fn is_active(self) -> bool {
        matches!(self, MemberStatus::Accepted | MemberStatus::Owner)
    }
}

/// An account as the caller knows it: id, email and (if known) username.
///
/// Used to create a roster's owner and to describe the member of an event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Account {
    /// The membership id.
    pub id: MemberId,
    /// The account's email.
    pub email: Email,
    /// The account's username, when known.
    #[cfg_attr(feature = "serde", serde(default))]
    pub username: Option<Username>,
}

identifier! {
    /// A platform username. Any non-empty string without control,
    /// invisible or direction-changing characters; the API's placeholder
    /// [`UNKNOWN_USERNAME`] (`n/a`) is read as "unknown" by the public-API
    /// types, never as a username.
    Username, debug = shown
}

/// What the public API and the listings write for an unknown username (a
/// pending invitation): `n/a`.
pub const UNKNOWN_USERNAME: &str = "n/a";

/// Why a [`Member`] cannot be built from the given parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum MemberError {
    /// Status `owner` with another role, or role `owner` with another
    /// status.
    #[error("status owner and role owner go together")]
    OwnerMismatch,
    /// A membership that is not pending carries an invitation token.
    #[error("only a pending membership carries an invitation token digest")]
    TokenMismatch,
    /// The owner's membership carries a custom role: the owner holds the
    /// owner role only.
    #[error("the owner cannot hold a custom role")]
    CustomRoleOwner,
    /// A membership with a custom role carries another built-in role than
    /// the custom role's base ([`CustomRole::covering_role`]).
    #[error("a membership with a custom role must carry its base role")]
    CustomRoleBase,
}

/// One membership of a roster: the owner or a collaborator.
///
/// Fields are private; a `Member` is built by the roster's operations, by
/// [`Member::new`] (which checks the rules between the fields) or by
/// deserializing (which checks them too).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Member {
    id: MemberId,
    email: Email,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    username: Option<Username>,
    status: MemberStatus,
    role: Role,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    custom_role: Option<CustomRole>,
    invited_at: Timestamp,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    expires_at: Option<Timestamp>,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    token_digest: Option<TokenDigest>,
}

/// The parts of a [`Member`], for [`Member::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberParts {
    /// The membership id.
    pub id: MemberId,
    /// The email the invitation went to.
    pub email: Email,
    /// The username, once known.
    pub username: Option<Username>,
    /// The state of the membership.
    pub status: MemberStatus,
    /// The built-in role: for a member who holds a custom role, the
    /// custom role's base ([`CustomRole::covering_role`]).
    pub role: Role,
    /// The custom role the member holds, if any: their rights are then
    /// exactly its set ([`Member::custom_role`]). `role` must be its base.
    pub custom_role: Option<CustomRole>,
    /// When the invitation was made (for the owner: when the roster was
    /// created).
    pub invited_at: Timestamp,
    /// When the invitation expires, if the inviter set an expiry.
    pub expires_at: Option<Timestamp>,
    /// The digest of the invitation's secret, while pending
    /// ([`InvitationToken::digest`]; the token itself is never kept).
    pub token: Option<TokenDigest>,
}

impl Member {
    /// Builds a member from its parts, checking the rules between them:
    /// status `owner` if and only if role `owner`; a token only while
    /// pending (a pending membership without one, as the public API may
    /// list it, can never be accepted through [`Roster::accept`](crate::Roster::accept)).
    ///
    /// A custom role ([`MemberParts::custom_role`]) is honoured, never
    /// dropped: the owner may not hold one, and `role` must be its base
    /// ([`CustomRole::covering_role`], as [`Member::with_custom_role`]
    /// sets it), so that `Member::new(member.into_parts())` gives back the
    /// same member.
    ///
    /// Whether the role (or the custom role) exists on the resource kind
    /// is checked by the roster that holds the member.
    ///
    /// # Errors
    /// [`MemberError`] naming the broken rule:
    /// [`MemberError::CustomRoleOwner`] for an owner with a custom role,
    /// [`MemberError::CustomRoleBase`] when `role` is not the custom
    /// role's base.
    pub fn new(parts: MemberParts) -> Result<Self, MemberError> {
        let MemberParts {
            id,
            email,
            username,
            status,
            role,
            custom_role,
            invited_at,
            expires_at,
            token: token_digest,
        } = parts;
        if (status == MemberStatus::Owner) != (role == Role::Owner) {
            return Err(MemberError::OwnerMismatch);
        }
        if status != MemberStatus::Pending && token_digest.is_some() {
            return Err(MemberError::TokenMismatch);
        }
        if let Some(custom) = &custom_role {
            if status == MemberStatus::Owner {
                return Err(MemberError::CustomRoleOwner);
            }
            if custom::custom_base(custom) != role {
                return Err(MemberError::CustomRoleBase);
            }
        }
        Ok(Self {
            id,
            email,
            username,
            status,
            role,
            custom_role,
            invited_at,
            expires_at,
            token_digest,
        })
    }

    /// The membership id.
    #[must_use]
    pub fn id(&self) -> &MemberId {
        &self.id
    }

    /// The email the invitation went to (the owner's account email).
    #[must_use]
    pub fn email(&self) -> &Email {
        &self.email
    }

    /// The username, once known (a pending invitation has none).
    #[must_use]
    pub fn username(&self) -> Option<&Username> {
        self.username.as_ref()
    }

    /// The state of the membership.
    #[must_use]
    pub fn status(&self) -> MemberStatus {
        self.status
    }

    /// The built-in role. A pending or deleted membership holds it without
    /// its rights: see [`Member::effective_role`]. A member who holds a
    /// [custom role](Self::custom_role) carries its base here (the least
    /// privileged built-in role that holds every action of it); its rights
    /// are the custom role's ([`Member::permissions`]).
    #[must_use]
    pub fn role(&self) -> Role {
        self.role
    }

    /// The built-in role whose rights the member holds now: `None`
    /// unless the membership is accepted or the owner's, and `None` for a
    /// member who holds a [custom role](Self::custom_role): no built-in
    /// role names their rights (the custom set is all they hold, and its
    /// base role holds more). Ask [`Member::effective_permissions`] for
    /// the rights of any member.
    #[must_use]
    pub fn effective_role(&self) -> Option<Role> {
        if self.custom_role.is_some() {
            return None;
        }
        self.active_role()
    }

    /// The built-in role of an active membership, a custom role's base
    /// included: an upper bound of the rights, for the roster's own
    /// checks that then read the custom set.
    pub(crate) fn active_role(&self) -> Option<Role> {
        self.status.is_active().then_some(self.role)
    }

    /// When the invitation was made.
    #[must_use]
    pub fn invited_at(&self) -> Timestamp {
        self.invited_at
    }

    /// When the invitation expires, if the inviter set an expiry.
    #[must_use]
    pub fn expires_at(&self) -> Option<Timestamp> {
        self.expires_at
    }

    /// The account view of the member: id, email, username.
    #[must_use]
    pub fn account(&self) -> Account {
        Account {
            id: self.id.clone(),
            email: self.email.clone(),
            username: self.username.clone(),
        }
    }

    /// The digest of the pending invitation's token, if any.
    #[must_use]
    pub fn token_digest(&self) -> Option<&TokenDigest> {
        self.token_digest.as_ref()
    }
}

#[cfg(feature = "serde")]
crate::id::serde_id::deserialize_by_id!(MemberStatus with |id| {
    // The public API's spelling, read too.
    (id == "user account deleted").then_some(MemberStatus::UserAccountDeleted)
});
