//! Interoperability with the platform's public HTTP API: serde types that
//! read its collaborator objects, list and single responses and
//! collaborator events exactly as the API writes them, and their
//! conversion into the crate's types.
//!
//! Reading is lenient where the API is (any field may be missing or
//! `null`, `username` may be the placeholder `n/a` or empty, unknown
//! fields are ignored) and strict where it matters: every object must be a
//! JSON object (never an array read by position), and a wrong type or an
//! unknown `status` or `type` is an error that names the field, never a
//! panic.
//!
//! There is no conversion from [`ApiEvent`] to the crate's
//! [`Event`](crate::Event): the API's event holds the type and the
//! collaborator object only, while an `Event` records the actor, the time,
//! the previous role and (for an invitation) the token, which
//! [`Roster::replay`] checks. Read the collaborator with
//! [`ApiEvent::collaborator`] and [`ApiCollaborator::to_member`] instead.
//!
//! ```
//! use collab_authz::api::CollaboratorList;
//! use collab_authz::{MemberStatus, Role, Timestamp};
//!
//! let json = r#"{"collaborators": [
//!     {"id": "c1", "email": "ada@example.com", "username": "n/a",
//!      "status": "pending", "is_limited": true, "app_id": "app-1", "app_name": "billing",
//!      "invitation_link": "https://example.com/invite/abc", "extra": 1},
//!     {"id": "c2", "email": "bob@example.com", "username": "bob",
//!      "status": "user account deleted", "is_limited": false}
//! ]}"#;
//! let list: CollaboratorList = serde_json::from_str(json)?;
//! let members = list.to_members(Timestamp::from_unix_seconds(0))?;
//! assert_eq!(members[0].username(), None);
//! assert_eq!(members[0].role(), Role::LimitedCollaborator);
//! assert_eq!(members[1].status(), MemberStatus::UserAccountDeleted);
//!
//! let err = serde_json::from_str::<CollaboratorList>(
//!     r#"{"collaborators": [{"status": "banned"}]}"#,
//! ).unwrap_err();
//! assert!(err.to_string().contains("field `status`"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::membership::{
    Email, EmailError, EventKind, IdentifierError, InvitationToken, Member, MemberError, MemberId,
    MemberParts, MemberStatus, Resource, ResourceId, Roster, RosterError, Timestamp, Username,
};
use crate::{ResourceKind, Role};

/// The username the API writes for a pending invitation.
pub const UNKNOWN_USERNAME: &str = "n/a";

/// A collaborator's status as the API writes it: `pending`, `accepted`,
/// `user account deleted`.
///
/// Reading also accepts the crate's id `user_account_deleted`; any other
/// value is an error naming the field `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiStatus {
    /// `pending`.
    Pending,
    /// `accepted`.
    Accepted,
    /// `user account deleted`.
    UserAccountDeleted,
}

impl ApiStatus {
    /// The API's spelling.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ApiStatus::Pending => "pending",
            ApiStatus::Accepted => "accepted",
            ApiStatus::UserAccountDeleted => "user account deleted",
        }
    }

    /// The crate's status.
    #[must_use]
    pub const fn status(self) -> MemberStatus {
        match self {
            ApiStatus::Pending => MemberStatus::Pending,
            ApiStatus::Accepted => MemberStatus::Accepted,
            ApiStatus::UserAccountDeleted => MemberStatus::UserAccountDeleted,
        }
    }

    /// The API status of a crate status; `None` for the owner, whom the
    /// API's collaborator lists leave out.
    #[must_use]
    pub const fn from_status(status: MemberStatus) -> Option<Self> {
        match status {
            MemberStatus::Pending => Some(ApiStatus::Pending),
            MemberStatus::Accepted => Some(ApiStatus::Accepted),
            MemberStatus::UserAccountDeleted => Some(ApiStatus::UserAccountDeleted),
            MemberStatus::Owner => None,
        }
    }
}

impl Serialize for ApiStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------
// Objects only: serde's derive also reads a struct from a sequence, by
// position (`{"collaborator": ["1", "a@x.com"]}`); the API never writes
// that, so it is refused.
// ---------------------------------------------------------------------------

/// Reads `T` (a derived struct) from a map only, saying `what` was
/// expected otherwise.
fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
    what: &'static str,
) -> Result<T, D::Error> {
    struct ObjectVisitor<T>(&'static str, core::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_map(ObjectVisitor(what, core::marker::PhantomData))
}

/// `Deserialize` and `Serialize` for a public type whose derives are
/// `#[serde(remote = "Self")]`: reading goes through a private mirror
/// that accepts JSON objects only.
macro_rules! object_only {
    ($ty:ident, $what:literal) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                /// The derived reader, as a type of its own.
                struct Fields($ty);
                impl<'de> Deserialize<'de> for Fields {
                    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        $ty::deserialize(d).map(Fields)
                    }
                }
                object::<D, Fields>(d, $what).map(|Fields(v)| v)
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $ty::serialize(self, s)
            }
        }
    };
}

// ---------------------------------------------------------------------------
// Field readers whose errors name the field.
// ---------------------------------------------------------------------------

/// Expects `null` or a leaf value of field `field`.
struct Opt<L> {
    field: &'static str,
    leaf: L,
}

/// A leaf value of some field: how to read it and what to call it.
trait Leaf: Copy {
    type Value;
    fn what(self) -> &'static str;
    fn read<'de, D: Deserializer<'de>>(
        self,
        field: &'static str,
        d: D,
    ) -> Result<Self::Value, D::Error>;
}

struct Expected {
    what: &'static str,
    field: &'static str,
}

impl de::Expected for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} or null (field `{}`)", self.what, self.field)
    }
}

impl<'de, L: Leaf> Visitor<'de> for Opt<L> {
    type Value = Option<L::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        de::Expected::fmt(
            &Expected {
                what: self.leaf.what(),
                field: self.field,
            },
            f,
        )
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.leaf.read(self.field, d).map(Some)
    }
}

#[derive(Clone, Copy)]
struct Text;

struct TextVisitor(&'static str);

impl Visitor<'_> for TextVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a string or null (field `{}`)", self.0)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(String::from(v))
    }
}

impl Leaf for Text {
    type Value = String;
    fn what(self) -> &'static str {
        "a string"
    }
    fn read<'de, D: Deserializer<'de>>(
        self,
        field: &'static str,
        d: D,
    ) -> Result<String, D::Error> {
        d.deserialize_str(TextVisitor(field))
    }
}

#[derive(Clone, Copy)]
struct Flag;

struct FlagVisitor(&'static str);

impl Visitor<'_> for FlagVisitor {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a boolean or null (field `{}`)", self.0)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }
}

impl Leaf for Flag {
    type Value = bool;
    fn what(self) -> &'static str {
        "a boolean"
    }
    fn read<'de, D: Deserializer<'de>>(self, field: &'static str, d: D) -> Result<bool, D::Error> {
        d.deserialize_bool(FlagVisitor(field))
    }
}

#[derive(Clone, Copy)]
struct Status;

struct StatusVisitor;

const STATUS_EXPECTED: &str =
    "one of `pending`, `accepted`, `user account deleted`, or null (field `status`)";

impl Visitor<'_> for StatusVisitor {
    type Value = ApiStatus;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(STATUS_EXPECTED)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<ApiStatus, E> {
        match v {
            "pending" => Ok(ApiStatus::Pending),
            "accepted" => Ok(ApiStatus::Accepted),
            "user account deleted" | "user_account_deleted" => Ok(ApiStatus::UserAccountDeleted),
            other => Err(E::invalid_value(Unexpected::Str(other), &STATUS_EXPECTED)),
        }
    }
}

impl Leaf for Status {
    type Value = ApiStatus;
    fn what(self) -> &'static str {
        "a status"
    }
    fn read<'de, D: Deserializer<'de>>(self, _: &'static str, d: D) -> Result<ApiStatus, D::Error> {
        d.deserialize_str(StatusVisitor)
    }
}

macro_rules! readers {
    ($( $fn:ident : $field:literal => $leaf:ident, )*) => {
        $(
            fn $fn<'de, D: Deserializer<'de>>(d: D) -> Result<Option<<$leaf as Leaf>::Value>, D::Error> {
                d.deserialize_option(Opt { field: $field, leaf: $leaf })
            }
        )*
    };
}

readers! {
    read_id: "id" => Text,
    read_email: "email" => Text,
    read_username: "username" => Text,
    read_status: "status" => Status,
    read_user_id: "user_id" => Text,
    read_app_id: "app_id" => Text,
    read_app_name: "app_name" => Text,
    read_is_limited: "is_limited" => Flag,
    read_invitation_link: "invitation_link" => Text,
}

// ---------------------------------------------------------------------------
// The API's objects.
// ---------------------------------------------------------------------------

/// One collaborator object as the public API writes it.
///
/// Every field may be missing or `null`; unknown fields are ignored. The
/// role is the boolean `is_limited` (missing or `false`: collaborator).
/// [`username`](Self::username) reads the placeholder `n/a` and the empty
/// string as unknown. Only a JSON object is read, never an array.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(remote = "Self")]
pub struct ApiCollaborator {
    #[serde(default, deserialize_with = "read_id")]
    id: Option<String>,
    #[serde(default, deserialize_with = "read_email")]
    email: Option<String>,
    #[serde(default, deserialize_with = "read_username")]
    username: Option<String>,
    #[serde(default, deserialize_with = "read_status")]
    status: Option<ApiStatus>,
    #[serde(default, deserialize_with = "read_user_id")]
    user_id: Option<String>,
    #[serde(default, deserialize_with = "read_app_id")]
    app_id: Option<String>,
    #[serde(default, deserialize_with = "read_app_name")]
    app_name: Option<String>,
    #[serde(default, deserialize_with = "read_is_limited")]
    is_limited: Option<bool>,
    #[serde(default, deserialize_with = "read_invitation_link")]
    invitation_link: Option<String>,
}

/// Why an API object cannot become one of the crate's types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// A field the conversion needs is missing or `null`.
    #[error("field `{0}` is missing or null")]
    MissingField(&'static str),
    /// The `email` field is not a valid address.
    #[error("field `email`: {0}")]
    Email(EmailError),
    /// A text field is not a valid identifier.
    #[error("field `{field}`: {error}")]
    Identifier {
        /// The field.
        field: &'static str,
        /// What is wrong.
        error: IdentifierError,
    },
    /// The fields contradict each other.
    #[error("collaborator {email}: {error}")]
    Member {
        /// The collaborator's email.
        email: String,
        /// What is wrong.
        error: MemberError,
    },
    /// The collaborators do not form a valid roster.
    #[error("roster: {0}")]
    Roster(RosterError),
    /// A collaborator's `app_id` is not the id of the resource it is read
    /// into.
    #[error("field `app_id`: collaborator of {found}, not of {expected}")]
    AppMismatch {
        /// The resource's id.
        expected: String,
        /// The collaborator's `app_id`.
        found: String,
    },
    /// A role does not exist on the resource kind (`is_limited: true` on a
    /// dedicated database).
    #[error("field `is_limited`: role {role} does not exist on a {kind}")]
    RoleNotOnKind {
        /// The role.
        role: Role,
        /// The resource kind.
        kind: ResourceKind,
    },
}

fn identifier<T>(
    field: &'static str,
    value: Option<&String>,
    make: fn(String) -> Result<T, IdentifierError>,
) -> Result<T, ApiError> {
    let value = value.ok_or(ApiError::MissingField(field))?;
    make(value.clone()).map_err(|error| ApiError::Identifier { field, error })
}

impl ApiCollaborator {
    /// The API's collaborator id.
    #[must_use]
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The email, as written.
    #[must_use]
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// The username; `None` when missing, `null`, empty or the
    /// placeholder `n/a`.
    #[must_use]
    pub fn username(&self) -> Option<&str> {
        self.username
            .as_deref()
            .filter(|u| !u.is_empty() && *u != UNKNOWN_USERNAME)
    }

    /// The status.
    #[must_use]
    pub fn status(&self) -> Option<ApiStatus> {
        self.status
    }

    /// The account id behind the membership.
    #[must_use]
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// The app's id.
    #[must_use]
    pub fn app_id(&self) -> Option<&str> {
        self.app_id.as_deref()
    }

    /// The app's name.
    #[must_use]
    pub fn app_name(&self) -> Option<&str> {
        self.app_name.as_deref()
    }

    /// The `is_limited` flag, as given.
    #[must_use]
    pub fn is_limited(&self) -> Option<bool> {
        self.is_limited
    }

    /// The invitation link of a pending invitation.
    #[must_use]
    pub fn invitation_link(&self) -> Option<&str> {
        self.invitation_link.as_deref()
    }

    /// The role: `limited_collaborator` when `is_limited` is `true`,
    /// `collaborator` otherwise (missing included).
    #[must_use]
    pub fn role(&self) -> Role {
        if self.is_limited == Some(true) {
            Role::LimitedCollaborator
        } else {
            Role::Collaborator
        }
    }

    /// The app this collaborator object belongs to, when `app_id` and
    /// `app_name` are present.
    ///
    /// # Errors
    /// [`ApiError`] naming the missing or invalid field.
    pub fn app(&self) -> Result<Resource, ApiError> {
        let id = identifier("app_id", self.app_id.as_ref(), ResourceId::new)?;
        let name = self
            .app_name
            .as_ref()
            .ok_or(ApiError::MissingField("app_name"))?;
        Resource::new(ResourceKind::App, id, name.clone()).map_err(|error| ApiError::Identifier {
            field: "app_name",
            error,
        })
    }

    /// The crate's [`Member`]: `id`, `email` and `status` are required;
    /// the API has no invitation time, so the caller gives `invited_at`;
    /// a pending invitation's `invitation_link` becomes its token.
    ///
    /// # Errors
    /// [`ApiError`] naming the missing or invalid field.
    pub fn to_member(&self, invited_at: Timestamp) -> Result<Member, ApiError> {
        let id = identifier("id", self.id.as_ref(), MemberId::new)?;
        let email = self.email.as_ref().ok_or(ApiError::MissingField("email"))?;
        let email = Email::parse(email).map_err(ApiError::Email)?;
        let status = self
            .status
            .ok_or(ApiError::MissingField("status"))?
            .status();
        let username = self
            .username()
            .map(|u| {
                Username::new(u).map_err(|error| ApiError::Identifier {
                    field: "username",
                    error,
                })
            })
            .transpose()?;
        let token = match (status, self.invitation_link.as_ref()) {
            (MemberStatus::Pending, Some(link)) => Some(
                InvitationToken::new(link.clone()).map_err(|error| ApiError::Identifier {
                    field: "invitation_link",
                    error,
                })?,
            ),
            _ => None,
        };
        Member::new(MemberParts {
            id,
            email: email.clone(),
            username,
            status,
            role: self.role(),
            invited_at,
            expires_at: None,
            token: token.as_ref().map(InvitationToken::digest),
        })
        .map_err(|error| ApiError::Member {
            email: email.as_str().to_string(),
            error,
        })
    }

    /// The API object for `member` of `resource`; `None` for the owner,
    /// whom the API's collaborator lists leave out. A pending invitation's
    /// token is not written.
    #[must_use]
    pub fn from_member(member: &Member, resource: &Resource) -> Option<Self> {
        let status = ApiStatus::from_status(member.status())?;
        Some(Self {
            id: Some(member.id().as_str().to_string()),
            email: Some(member.email().as_str().to_string()),
            username: Some(
                member
                    .username()
                    .map_or(UNKNOWN_USERNAME, Username::as_str)
                    .to_string(),
            ),
            status: Some(status),
            user_id: None,
            app_id: Some(resource.id().as_str().to_string()),
            app_name: Some(resource.name().to_string()),
            is_limited: Some(member.role() == Role::LimitedCollaborator),
            invitation_link: None,
        })
    }
}

fn to_members(list: &[ApiCollaborator], at: Timestamp) -> Result<Vec<Member>, ApiError> {
    list.iter().map(|c| c.to_member(at)).collect()
}

/// A list response: `{"collaborators": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(remote = "Self")]
pub struct CollaboratorList {
    #[serde(deserialize_with = "read_collaborators")]
    collaborators: Vec<ApiCollaborator>,
}

struct ListVisitor;

impl<'de> Visitor<'de> for ListVisitor {
    type Value = Vec<ApiCollaborator>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of collaborator objects (field `collaborators`)")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // Never trust a size hint from the input for the allocation.
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(c) = seq.next_element()? {
            out.push(c);
        }
        Ok(out)
    }
}

fn read_collaborators<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ApiCollaborator>, D::Error> {
    d.deserialize_seq(ListVisitor)
}

impl CollaboratorList {
    /// A list response holding `collaborators`.
    #[must_use]
    pub fn new(collaborators: Vec<ApiCollaborator>) -> Self {
        Self { collaborators }
    }

    /// The collaborator objects, in the API's order.
    #[must_use]
    pub fn collaborators(&self) -> &[ApiCollaborator] {
        &self.collaborators
    }

    /// Every collaborator as a [`Member`] (see
    /// [`ApiCollaborator::to_member`]).
    ///
    /// # Errors
    /// The first collaborator's [`ApiError`].
    pub fn to_members(&self, invited_at: Timestamp) -> Result<Vec<Member>, ApiError> {
        to_members(&self.collaborators, invited_at)
    }

    /// The roster of `resource`: the API's list leaves the owner out, so
    /// the caller gives it. Every invariant is checked
    /// ([`Roster::from_parts`]), and a collaborator's `app_id`, when
    /// present, must be `resource`'s id.
    ///
    /// # Errors
    /// [`ApiError`]: a collaborator that does not convert, an `app_id` of
    /// another resource, or a roster invariant broken (duplicate email,
    /// limited collaborator on a dedicated database, ...).
    pub fn to_roster(
        &self,
        resource: Resource,
        owner: Member,
        invited_at: Timestamp,
    ) -> Result<Roster, ApiError> {
        to_roster(&self.collaborators, resource, owner, invited_at)
    }
}

fn to_roster(
    list: &[ApiCollaborator],
    resource: Resource,
    owner: Member,
    invited_at: Timestamp,
) -> Result<Roster, ApiError> {
    if let Some(found) = list
        .iter()
        .filter_map(ApiCollaborator::app_id)
        .find(|id| *id != resource.id().as_str())
    {
        return Err(ApiError::AppMismatch {
            expected: resource.id().as_str().to_string(),
            found: found.to_string(),
        });
    }
    let kind = resource.kind();
    let members = to_members(list, invited_at)?;
    if let Some(m) = members.iter().find(|m| !kind.has_role(m.role())) {
        return Err(ApiError::RoleNotOnKind {
            role: m.role(),
            kind,
        });
    }
    Roster::from_parts(resource, owner, members).map_err(ApiError::Roster)
}

/// A single response: `{"collaborator": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(remote = "Self")]
pub struct CollaboratorResponse {
    collaborator: ApiCollaborator,
}

impl CollaboratorResponse {
    /// A single response holding `collaborator`.
    #[must_use]
    pub fn new(collaborator: ApiCollaborator) -> Self {
        Self { collaborator }
    }

    /// The collaborator object.
    #[must_use]
    pub fn collaborator(&self) -> &ApiCollaborator {
        &self.collaborator
    }
}

/// Either response shape, as a command-line tool reading standard input
/// gets it: `{"collaborators": [...]}` or `{"collaborator": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CollaboratorsPayload {
    /// A list response.
    List(CollaboratorList),
    /// A single response.
    Single(CollaboratorResponse),
}

impl CollaboratorsPayload {
    /// The collaborator objects (one for a single response).
    #[must_use]
    pub fn collaborators(&self) -> &[ApiCollaborator] {
        match self {
            CollaboratorsPayload::List(list) => list.collaborators(),
            CollaboratorsPayload::Single(one) => core::slice::from_ref(&one.collaborator),
        }
    }

    /// Every collaborator as a [`Member`].
    ///
    /// # Errors
    /// The first collaborator's [`ApiError`].
    pub fn to_members(&self, invited_at: Timestamp) -> Result<Vec<Member>, ApiError> {
        to_members(self.collaborators(), invited_at)
    }

    /// The roster of `resource`, as [`CollaboratorList::to_roster`] builds
    /// it.
    ///
    /// # Errors
    /// As [`CollaboratorList::to_roster`].
    pub fn to_roster(
        &self,
        resource: Resource,
        owner: Member,
        invited_at: Timestamp,
    ) -> Result<Roster, ApiError> {
        to_roster(self.collaborators(), resource, owner, invited_at)
    }
}

impl<'de> Deserialize<'de> for CollaboratorsPayload {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(default, deserialize_with = "read_optional_collaborators")]
            collaborators: Option<Vec<ApiCollaborator>>,
            #[serde(default)]
            collaborator: Option<ApiCollaborator>,
        }
        let raw: Raw = object(
            deserializer,
            "a JSON object {\"collaborators\": [...]} or {\"collaborator\": {...}}",
        )?;
        match raw {
            Raw {
                collaborators: Some(list),
                collaborator: None,
            } => Ok(CollaboratorsPayload::List(CollaboratorList::new(list))),
            Raw {
                collaborators: None,
                collaborator: Some(one),
            } => Ok(CollaboratorsPayload::Single(CollaboratorResponse::new(one))),
            Raw {
                collaborators: Some(_),
                collaborator: Some(_),
            } => Err(de::Error::custom(
                "expected either field `collaborators` or field `collaborator`, not both",
            )),
            Raw {
                collaborators: None,
                collaborator: None,
            } => Err(de::Error::custom(
                "expected field `collaborators` (a list) or field `collaborator` (an object)",
            )),
        }
    }
}

fn read_optional_collaborators<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<ApiCollaborator>>, D::Error> {
    read_collaborators(d).map(Some)
}

/// A collaborator event as the API writes it: `type` and
/// `type_data: {"collaborator": {...}}`.
///
/// `type` reads both spellings (`new_collaborator` and
/// `collaborator_invited`, ...; see [`EventKind`]); other fields of the
/// event are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(remote = "Self")]
pub struct ApiEvent {
    #[serde(
        rename = "type",
        deserialize_with = "read_event_type",
        serialize_with = "write_event_type"
    )]
    kind: EventKind,
    type_data: CollaboratorResponse,
}

struct EventTypeVisitor;

const EVENT_TYPE_EXPECTED: &str =
    "a collaborator event type such as `new_collaborator` or `collaborator_invited` (field `type`)";

impl Visitor<'_> for EventTypeVisitor {
    type Value = EventKind;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EVENT_TYPE_EXPECTED)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<EventKind, E> {
        EventKind::ALL
            .into_iter()
            .find(|k| {
                k.api_name() == Some(v) || (k.notification_name() == v && k.api_name().is_some())
            })
            .ok_or_else(|| E::invalid_value(Unexpected::Str(v), &EVENT_TYPE_EXPECTED))
    }
}

fn read_event_type<'de, D: Deserializer<'de>>(d: D) -> Result<EventKind, D::Error> {
    d.deserialize_str(EventTypeVisitor)
}

fn write_event_type<S: Serializer>(kind: &EventKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.api_name().unwrap_or(kind.notification_name()))
}

impl ApiEvent {
    /// What happened.
    #[must_use]
    pub fn kind(&self) -> EventKind {
        self.kind
    }

    /// The collaborator concerned (`type_data.collaborator`).
    #[must_use]
    pub fn collaborator(&self) -> &ApiCollaborator {
        self.type_data.collaborator()
    }
}

object_only!(ApiCollaborator, "a collaborator object (a JSON object)");
object_only!(
    CollaboratorList,
    "a list response (a JSON object {\"collaborators\": [...]})"
);
object_only!(
    CollaboratorResponse,
    "a single response (a JSON object {\"collaborator\": {...}})"
);
object_only!(ApiEvent, "a collaborator event (a JSON object)");

impl fmt::Display for ApiStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}
