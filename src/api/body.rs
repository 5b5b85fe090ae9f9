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
use crate::membership::{Command, Email, Invitation, InvitationToken, MemberId, MemberKey};
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

/// The built-in role `is_limited` names, whatever the kind.
const fn named_role(is_limited: bool) -> Role {
    if is_limited {
        Role::LimitedCollaborator
    } else {
        Role::Collaborator
    }
}

/// The role `is_limited` names on `kind`; `true` on a kind without a
/// limited role is an error.
fn flag_role(is_limited: bool, kind: ResourceKind) -> Result<Role, ApiError> {
    let role = named_role(is_limited);
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
    /// It checks the kind before any permission: to answer a request,
    /// build [`to_command`](Self::to_command) instead, which leaves the
    /// kind to the roster, after the permission check.
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

    /// The invitation as a [`Command`] for
    /// [`Roster::decide_command`](crate::Roster::decide_command), with the
    /// membership id and the secret the caller chose: `is_limited` becomes
    /// the role it names (`true`: `limited_collaborator`, `false`:
    /// `collaborator`), and a missing flag leaves the role to the roster's
    /// kind default ([`ResourceKind::default_invitation_role`]).
    ///
    /// Unlike [`to_invitation`](Self::to_invitation), it checks no kind:
    /// the roster checks the actor's permission first, then the role
    /// against its kind, so a caller who may not invite is refused as
    /// such, whatever the body asks (see the
    /// [module docs](crate::api#permission-before-kind)).
    ///
    /// ```
    /// use collab_authz::api::InviteBody;
    /// use collab_authz::membership::{CommandError, ErrorClass, Classify, InviteError};
    /// use collab_authz::{Account, Email, InvitationToken, MemberId, Resource, ResourceId, ResourceKind, Roster, Timestamp};
    ///
    /// let t = Timestamp::from_unix_seconds(0);
    /// let owner = Email::parse("owner@example.com")?;
    /// let db = Resource::new(ResourceKind::DedicatedDatabase, ResourceId::new("db-1")?, "ledger")?;
    /// let account = Account { id: MemberId::new("m0")?, email: owner.clone(), username: None };
    /// let (roster, _) = Roster::create(db, account, t);
    /// let body: InviteBody = serde_json::from_str(
    ///     r#"{"collaborator": {"email": "ada@example.com", "is_limited": true}}"#,
    /// )?;
    /// let command = body.to_command(MemberId::new("m1")?, InvitationToken::new("s3cret")?);
    ///
    /// // A stranger is refused for who they are, not for the body.
    /// let eve = Email::parse("eve@example.com")?;
    /// let err = roster.decide_command(&eve, &command, t).unwrap_err();
    /// assert_eq!(err.class(), ErrorClass::NotPermitted);
    /// // The owner may invite: the kind has no limited role.
    /// let err = roster.decide_command(&owner, &command, t).unwrap_err();
    /// assert!(matches!(err, CommandError::Invite(InviteError::RoleNotOnKind { .. })));
    /// assert_eq!(err.class(), ErrorClass::Invalid);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn to_command(&self, id: MemberId, token: InvitationToken) -> Command {
        let invitation = Invitation::new(id, self.collaborator.email.clone(), token);
        Command::invite(match self.collaborator.is_limited {
            None => invitation,
            Some(flag) => invitation.with_role(named_role(flag)),
        })
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

    /// The role the update asks for on a resource of `kind`. It checks
    /// the kind before any permission: to answer a request, build
    /// [`to_command`](Self::to_command) instead.
    ///
    /// # Errors
    /// [`ApiError::RoleNotOnKind`] for `is_limited: true` on a dedicated
    /// database.
    pub fn role_on(&self, kind: ResourceKind) -> Result<Role, ApiError> {
        flag_role(self.collaborator.is_limited, kind)
    }

    /// The update of `member` as a [`Command`] for
    /// [`Roster::decide_command`](crate::Roster::decide_command): a role
    /// change to the role `is_limited` names (`true`:
    /// `limited_collaborator`, `false`: `collaborator`).
    ///
    /// Unlike [`role_on`](Self::role_on), it checks no kind: the roster
    /// checks the actor's permission first, then the role against its
    /// kind (see the [module docs](crate::api#permission-before-kind)). The role
    /// the member holds already is
    /// [`Outcome::Unchanged`](crate::membership::Outcome::Unchanged).
    #[must_use]
    pub fn to_command(&self, member: impl Into<MemberKey>) -> Command {
        Command::change_role(member, named_role(self.collaborator.is_limited))
    }
}
