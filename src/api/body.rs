//! The request bodies of the public API's collaborator endpoints: an
//! invitation ([`InviteBody`]) and a role update ([`UpdateBody`]).
//!
//! Both read a JSON object only, ignore unknown fields (as the API does,
//! and as the crate's response readers do), and name the field in every
//! error. Ignoring a field can never raise a role: an invitation whose
//! `is_limited` is missing, misspelled or `null` gets the resource kind's
//! default invitation role, the lower one on an app, and an update
//! without `is_limited` is refused.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use super::ApiError;
use super::read::{object_only, read_email, read_is_limited};
use crate::membership::{Email, Invitation, InvitationToken, MemberId};
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

/// The role `is_limited` names on `kind`; `true` on a kind without a
/// limited role is an error.
fn flag_role(is_limited: bool, kind: ResourceKind) -> Result<Role, ApiError> {
    let role = if is_limited {
        Role::LimitedCollaborator
    } else {
        Role::Collaborator
    };
    if kind.has_role(role) {
        Ok(role)
    } else {
        Err(ApiError::RoleNotOnKind { role, kind })
    }
}

/// `email`: required, a valid [`Email`], the error naming the field.
fn read_required_email<'de, D: Deserializer<'de>>(d: D) -> Result<Email, D::Error> {
    let text = read_email(d)?.ok_or_else(|| de::Error::custom("field `email` is null"))?;
    Email::parse(&text).map_err(|e| de::Error::custom(format_args!("field `email`: {e}")))
}

/// `is_limited`: required, a boolean.
fn read_required_is_limited<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    read_is_limited(d)?.ok_or_else(|| {
        de::Error::custom("field `is_limited` is null; a role update must name the role")
    })
}

/// The fields of an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(remote = "Self")]
struct InviteFields {
    #[serde(deserialize_with = "read_required_email")]
    email: Email,
    #[serde(
        default,
        deserialize_with = "read_is_limited",
        skip_serializing_if = "Option::is_none"
    )]
    is_limited: Option<bool>,
}

object_only!(
    InviteFields,
    "an invitation (a JSON object {\"email\": ..., \"is_limited\": ...})"
);

/// The body of an invitation request:
/// `{"collaborator": {"email": "...", "is_limited": true}}`.
///
/// `email` is required and validated; `is_limited` is optional. When it
/// is missing or `null`, the invitation gets the resource kind's default
/// invitation role ([`ResourceKind::default_invitation_role`]):
/// `limited_collaborator` on an app, `collaborator` on a dedicated
/// database, never the higher role. `is_limited: true` on a dedicated
/// database is an error ([`role_on`](Self::role_on)). Unknown fields are
/// ignored.
///
/// ```
/// use collab_authz::api::{ApiError, InviteBody};
/// use collab_authz::{ResourceKind, Role};
///
/// let body: InviteBody =
///     serde_json::from_str(r#"{"collaborator": {"email": "ada@example.com"}}"#)?;
/// assert_eq!(body.role_on(ResourceKind::App)?, Role::LimitedCollaborator);
/// assert_eq!(body.role_on(ResourceKind::DedicatedDatabase)?, Role::Collaborator);
///
/// let body: InviteBody = serde_json::from_str(
///     r#"{"collaborator": {"email": "ada@example.com", "is_limited": true}}"#,
/// )?;
/// assert!(matches!(
///     body.role_on(ResourceKind::DedicatedDatabase),
///     Err(ApiError::RoleNotOnKind { .. })
/// ));
///
/// let err = serde_json::from_str::<InviteBody>(
///     r#"{"collaborator": {"email": "ada\u200b@example.com"}}"#,
/// ).unwrap_err();
/// assert!(err.to_string().starts_with("field `email`: email contains an invisible"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(remote = "Self")]
pub struct InviteBody {
    collaborator: InviteFields,
}

object_only!(
    InviteBody,
    "an invitation request (a JSON object {\"collaborator\": {...}})"
);

impl InviteBody {
    /// An invitation of `email`; `is_limited` as the request gives it
    /// (`None`: the kind's default role).
    #[must_use]
    pub fn new(email: Email, is_limited: Option<bool>) -> Self {
        Self {
            collaborator: InviteFields { email, is_limited },
        }
    }

    /// Who is invited.
    #[must_use]
    pub fn email(&self) -> &Email {
        &self.collaborator.email
    }

    /// The `is_limited` flag, as given (`None` when missing or `null`).
    #[must_use]
    pub fn is_limited(&self) -> Option<bool> {
        self.collaborator.is_limited
    }

    /// The role the invitation asks for on a resource of `kind`:
    /// `is_limited` missing or `null` gives
    /// [`kind.default_invitation_role()`](ResourceKind::default_invitation_role),
    /// `false` gives `collaborator`, `true` gives `limited_collaborator`.
    ///
    /// # Errors
    /// [`ApiError::RoleNotOnKind`] for `is_limited: true` on a dedicated
    /// database, which has no limited role.
    pub fn role_on(&self, kind: ResourceKind) -> Result<Role, ApiError> {
        match self.collaborator.is_limited {
            None => Ok(kind.default_invitation_role()),
            Some(flag) => flag_role(flag, kind),
        }
    }

    /// The [`Invitation`] for [`Roster::invite`](crate::Roster::invite) on
    /// a resource of `kind`, with the membership id and the secret the
    /// caller chose, and the role of [`role_on`](Self::role_on) written out
    /// (never left to a default).
    ///
    /// # Errors
    /// As [`role_on`](Self::role_on).
    pub fn to_invitation(
        &self,
        kind: ResourceKind,
        id: MemberId,
        token: InvitationToken,
    ) -> Result<Invitation, ApiError> {
        let role = self.role_on(kind)?;
        Ok(Invitation::new(id, self.collaborator.email.clone(), token).with_role(role))
    }
}

/// The fields of a role update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(remote = "Self")]
struct UpdateFields {
    #[serde(deserialize_with = "read_required_is_limited")]
    is_limited: bool,
}

object_only!(
    UpdateFields,
    "a role update (a JSON object {\"is_limited\": ...})"
);

/// The body of a role update: `{"collaborator": {"is_limited": false}}`.
///
/// `is_limited` is required (missing or `null` is an error: an update
/// that names no role changes nothing). `true` on a dedicated database is
/// an error ([`role_on`](Self::role_on)). Unknown fields are ignored.
///
/// ```
/// use collab_authz::api::UpdateBody;
/// use collab_authz::{ResourceKind, Role};
///
/// let body: UpdateBody = serde_json::from_str(r#"{"collaborator": {"is_limited": false}}"#)?;
/// assert_eq!(body.role_on(ResourceKind::App)?, Role::Collaborator);
/// assert!(serde_json::from_str::<UpdateBody>(r#"{"collaborator": {}}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(remote = "Self")]
pub struct UpdateBody {
    collaborator: UpdateFields,
}

object_only!(
    UpdateBody,
    "a role update request (a JSON object {\"collaborator\": {...}})"
);

impl UpdateBody {
    /// An update to `limited_collaborator` (`true`) or `collaborator`
    /// (`false`).
    #[must_use]
    pub fn new(is_limited: bool) -> Self {
        Self {
            collaborator: UpdateFields { is_limited },
        }
    }

    /// The `is_limited` flag.
    #[must_use]
    pub fn is_limited(&self) -> bool {
        self.collaborator.is_limited
    }

    /// The role the update asks for on a resource of `kind`.
    ///
    /// # Errors
    /// [`ApiError::RoleNotOnKind`] for `is_limited: true` on a dedicated
    /// database.
    pub fn role_on(&self, kind: ResourceKind) -> Result<Role, ApiError> {
        flag_role(self.collaborator.is_limited, kind)
    }
}
