//! Interoperability with the platform's public HTTP API: serde types that
//! read its collaborator objects, list and single responses and
//! collaborator events exactly as the API writes them, and their
//! conversion into the crate's types; the request bodies a service reads
//! ([`InviteBody`], [`UpdateBody`]); and the response objects it writes
//! ([`ApiCollaborator::from_member`] and the `with_*` methods).
//!
//! Reading is lenient where the API is (any field may be missing or
//! `null`, `username` may be the placeholder `n/a` or empty, unknown
//! fields are ignored, in responses and request bodies alike) and strict
//! where it matters: every object must be a JSON object (never an array
//! read by position), and a wrong type or an unknown `status` or `type` is
//! an error that names the field, never a panic. An error that quotes a
//! value it was given quotes an [`Excerpt`]: escaped and
//! at most [`Excerpt::MAX_LEN`](crate::id::Excerpt::MAX_LEN) bytes.
//!
//! # The role flag
//!
//! The API gives the role as the boolean `is_limited`, and a missing flag
//! means two different things:
//! - in an invitation request ([`InviteBody::role_on`]), the resource
//!   kind's default invitation role: `limited_collaborator` on an app,
//!   `collaborator` on a dedicated database, never the higher one;
//! - in a listing the platform wrote ([`ApiCollaborator::role_in_listing`]),
//!   `collaborator`, the listings' legacy rule.
//!
//! `is_limited: true` on a dedicated database is an error in both
//! directions ([`ApiError::RoleNotOnKind`]).
//!
//! # Permission before kind
//!
//! `is_limited: true` names a role a dedicated database does not have.
//! [`InviteBody::role_on`] and [`UpdateBody::role_on`] refuse it at once
//! ([`ApiError::RoleNotOnKind`], a 422), before anyone asked whether the
//! caller may invite or change roles at all: a stranger or a limited
//! collaborator would learn the request's shape is wrong instead of being
//! refused (403). A service that answers requests builds the command
//! instead ([`InviteBody::to_command`], [`UpdateBody::to_command`]): the
//! flag becomes the role it names, unchecked, and
//! [`Roster::decide_command`](crate::Roster::decide_command) checks the
//! actor's permission first and the role against the kind after
//! ([`InviteError::RoleNotOnKind`](crate::membership::InviteError::RoleNotOnKind),
//! [`ChangeRoleError::RoleNotOnKind`](crate::membership::ChangeRoleError::RoleNotOnKind)).
//!
//! # Custom roles fail closed
//!
//! No value of `is_limited` says what a custom role holds, and the
//! platform's own clients ignore unknown fields, so the platform's object
//! of a member who holds one would read as a built-in role, which holds
//! more. [`ApiCollaborator::from_member`] refuses such a member
//! ([`ToApiError::CustomRole`]). The crate's form, for readers that know
//! it, is an explicit opt-in
//! ([`ApiCollaborator::from_member_with_custom_role`]): it carries the
//! crate's field `custom_role` (the custom role in full), and
//! [`ApiCollaborator::to_member`] honours it: read back, the object never
//! gives more rights than the member held, and
//! [`ApiCollaborator::role_in_listing`] names no built-in role for it.
//! See [`ApiCollaborator`]'s section on custom roles.
//!
//! # Errors and HTTP statuses
//!
//! [`ApiError`] and every error of the membership lifecycle implement
//! [`Classify`](crate::membership::Classify): a service maps them with one generic
//! function to the statuses of the table on
//! [`ErrorClass`](crate::membership::ErrorClass).
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

use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::id::Excerpt;
use crate::membership::{
    Email, EmailError, EventKind, IdentifierError, Member, MemberError, MemberStatus, Resource,
    ResourceId, Roster, RosterError, Timestamp,
};
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

mod body;
mod collaborator;
mod read;

/// The username the API writes for a pending invitation (defined once, next
/// to [`Username`](crate::Username)).
pub use crate::membership::UNKNOWN_USERNAME;
pub use body::{InviteBody, UpdateBody};
pub use collaborator::{ApiCollaborator, ToApiError};

use read::{Named, object, object_only};

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
// The API's objects.
// ---------------------------------------------------------------------------

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
    #[error("collaborator {}: {error}", Excerpt::new(email.as_str()))]
    Member {
        /// The collaborator's email (the message quotes it as an
        /// [`Excerpt`]).
        email: Email,
        /// What is wrong.
        error: MemberError,
    },
    /// The collaborators do not form a valid roster.
    #[error("roster: {0}")]
    Roster(RosterError),
    /// A collaborator's `app_id` is not the id of the resource it is read
    /// into. The message quotes both as [`Excerpt`]s (escaped, at most
    /// [`Excerpt::MAX_LEN`](crate::id::Excerpt::MAX_LEN) bytes each), so a
    /// hostile value can neither forge a log line nor grow the message.
    #[error(
        "field `app_id`: collaborator of {found}, not of {}",
        Excerpt::new(expected.as_str())
    )]
    AppMismatch {
        /// The resource's id.
        expected: ResourceId,
        /// The collaborator's `app_id`, bounded.
        found: Excerpt,
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

impl crate::membership::Classify for ApiError {
    /// Always [`Invalid`](crate::membership::ErrorClass::Invalid): the object or body
    /// is malformed, or asks for a role the resource kind lacks.
    fn class(&self) -> crate::membership::ErrorClass {
        match self {
            ApiError::MissingField(_)
            | ApiError::Email(_)
            | ApiError::Identifier { .. }
            | ApiError::Member { .. }
            | ApiError::Roster(_)
            | ApiError::AppMismatch { .. }
            | ApiError::RoleNotOnKind { .. } => crate::membership::ErrorClass::Invalid,
        }
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
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Err(crate::id::serde_id::unexpected_str(v, &self))
    }
}

fn read_collaborators<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ApiCollaborator>, D::Error> {
    // `deserialize_any`: a string reaches `visit_str` (an excerpt).
    d.deserialize_any(ListVisitor)
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
            expected: resource.id().clone(),
            found: Excerpt::new(found),
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

const EVENT_TYPE_EXPECTED: &str =
    "a collaborator event type such as `new_collaborator` or `collaborator_invited` (field `type`)";

fn event_kind(v: &str) -> Option<EventKind> {
    EventKind::ALL
        .into_iter()
        .find(|k| k.api_name() == Some(v) || (k.notification_name() == v && k.api_name().is_some()))
}

fn read_event_type<'de, D: Deserializer<'de>>(d: D) -> Result<EventKind, D::Error> {
    d.deserialize_str(Named {
        expected: EVENT_TYPE_EXPECTED,
        find: event_kind,
    })
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
