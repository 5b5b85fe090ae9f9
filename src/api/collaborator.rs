//! [`ApiCollaborator`]: one collaborator object of the public API, read
//! leniently, converted into a [`Member`], and built by a service for its
//! own responses.

use alloc::string::{String, ToString};
use core::fmt;

use serde::{Deserialize, Serialize};

use super::read::{
    object_only, read_app_id, read_app_name, read_custom_role, read_email, read_id,
    read_invitation_link, read_is_limited, read_status, read_user_id, read_username,
};
use super::{ApiError, ApiStatus};
use crate::membership::{
    Email, IdentifierError, InvitationToken, Member, MemberId, MemberParts, MemberStatus, Resource,
    ResourceId, Timestamp, UNKNOWN_USERNAME, Username,
};
use crate::rules::custom_role::CustomRole;
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

/// One collaborator object as the public API writes it.
///
/// Every field may be missing or `null`; unknown fields are ignored. The
/// role is the boolean `is_limited`; in a listing a missing flag reads as
/// collaborator ([`role_in_listing`](Self::role_in_listing)).
/// [`username`](Self::username) reads the placeholder `n/a` and the empty
/// string as unknown. Only a JSON object is read, never an array.
///
/// A service builds its own responses with
/// [`from_member`](Self::from_member) and the `with_*` methods:
///
/// ```
/// use collab_authz::api::ApiCollaborator;
/// use collab_authz::{
///     Email, InvitationToken, Member, MemberId, MemberStatus, Resource, ResourceId, ResourceKind,
///     Role, Timestamp,
/// };
/// use collab_authz::membership::MemberParts;
///
/// let app = Resource::new(ResourceKind::App, ResourceId::new("app-1")?, "billing")?;
/// let ada = Member::new(MemberParts {
///     id: MemberId::new("m-1")?,
///     email: Email::parse("ada@example.com")?,
///     username: None,
///     status: MemberStatus::Pending,
///     role: Role::LimitedCollaborator,
///     custom_role: None,
///     invited_at: Timestamp::from_unix_seconds(0),
///     expires_at: None,
///     token: Some(InvitationToken::new("s3cret")?.digest()),
/// })?;
/// let object = ApiCollaborator::from_member(&ada, &app)?
///     .with_user_id("us-1")
///     .with_invitation_link("https://example.com/invite/s3cret");
/// assert_eq!(
///     serde_json::to_value(&object)?,
///     serde_json::json!({
///         "id": "m-1", "email": "ada@example.com", "username": "n/a",
///         "status": "pending", "user_id": "us-1", "app_id": "app-1",
///         "app_name": "billing", "is_limited": true,
///         "invitation_link": "https://example.com/invite/s3cret",
///     })
/// );
/// // Debug never shows the link (it carries the invitation's secret).
/// assert!(!format!("{object:?}").contains("s3cret"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// The spec names no database field: for a dedicated database's
/// collaborators, `app_id` and `app_name` carry the database's id and
/// name.
///
/// # Custom roles
///
/// The platform's object has no field for a custom role, and no value of
/// `is_limited` says what a custom role holds: `true` or `false` names a
/// built-in role, which holds more (or other) actions. A reader that
/// ignores unknown fields (the platform's own clients do) would read any
/// object of such a member as that built-in role. So
/// [`from_member`](Self::from_member), the platform's form, **refuses** a
/// member who holds a custom role ([`ToApiError::CustomRole`]).
///
/// A service whose readers know the crate's form opts in with
/// [`from_member_with_custom_role`](Self::from_member_with_custom_role):
/// the object then carries the crate's own field `custom_role`, the
/// custom role as the stored forms write it (`{"name", "kind",
/// "permissions"}`), next to `is_limited` set to its base role's flag. The
/// crate's reader honours it, strictly: [`to_member`](Self::to_member)
/// gives a member who holds exactly the custom role's set, and refuses an
/// object whose `custom_role` does not read, or whose `is_limited` is not
/// its base's. Read back by the crate, the object never gives more than
/// the member held (fail closed); read by a reader that drops the field,
/// it gives the base role, so send it only to readers that know it. The
/// field is written only for a custom role, so the object of a built-in
/// role is the platform's, unchanged.
///
/// ```
/// use collab_authz::api::{ApiCollaborator, ToApiError};
/// use collab_authz::membership::MemberParts;
/// use collab_authz::{
///     custom_role, CustomRole, Email, Member, MemberId, MemberStatus, Permissions, Resource,
///     ResourceId, ResourceKind, Role, Timestamp,
/// };
///
/// const DEPLOYER: CustomRole =
///     custom_role!("deployer", ResourceKind::App, Permissions::DEPLOY_ANY_BRANCH);
/// let app = Resource::new(ResourceKind::App, ResourceId::new("app-1")?, "billing")?;
/// let at = Timestamp::from_unix_seconds(0);
/// let ada = Member::new(MemberParts {
///     id: MemberId::new("m-1")?,
///     email: Email::parse("ada@example.com")?,
///     username: None,
///     status: MemberStatus::Accepted,
///     role: Role::Collaborator,
///     custom_role: None,
///     invited_at: at,
///     expires_at: None,
///     token: None,
/// })?
/// .with_custom_role(DEPLOYER)?;
/// // The platform's form cannot say what the member holds: refused.
/// assert_eq!(
///     ApiCollaborator::from_member(&ada, &app),
///     Err(ToApiError::CustomRole { name: "deployer".into() }),
/// );
/// // The crate's form, for readers that know the field.
/// let object = ApiCollaborator::from_member_with_custom_role(&ada, &app)?;
/// let json = serde_json::to_value(&object)?;
/// assert_eq!(json["is_limited"], false);
/// assert_eq!(json["custom_role"]["name"], "deployer");
///
/// let back: ApiCollaborator = serde_json::from_value(json)?;
/// let member = back.to_member(at)?;
/// assert_eq!(member.custom_role(), Some(&DEPLOYER));
/// assert_eq!(member.permissions(ResourceKind::App), Permissions::DEPLOY_ANY_BRANCH);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
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
    #[serde(
        default,
        deserialize_with = "read_custom_role",
        skip_serializing_if = "Option::is_none"
    )]
    custom_role: Option<CustomRole>,
}

impl fmt::Debug for ApiCollaborator {
    /// Every field, except that a present `invitation_link` (which carries
    /// the invitation's secret) shows as `<redacted>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiCollaborator")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("username", &self.username)
            .field("status", &self.status)
            .field("user_id", &self.user_id)
            .field("app_id", &self.app_id)
            .field("app_name", &self.app_name)
            .field("is_limited", &self.is_limited)
            .field(
                "invitation_link",
                &self.invitation_link.as_ref().map(|_| Redacted),
            )
            .field("custom_role", &self.custom_role)
            .finish()
    }
}

/// Shows as `<redacted>` in `Debug`.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Declares `with_*` setters of text fields.
macro_rules! text_setters {
    ($( $(#[$doc:meta])* $fn:ident => $field:ident, )*) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $fn(mut self, $field: impl Into<String>) -> Self {
                self.$field = Some($field.into());
                self
            }
        )*
    };
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

    /// The built-in role of a collaborator read from a listing (a list or
    /// single response, or an event): `limited_collaborator` when
    /// `is_limited` is `true`, `collaborator` otherwise, a missing or
    /// `null` flag included; `None` for an object that carries a
    /// [`custom_role`](Self::custom_role): no built-in role names what its
    /// holder holds (fail closed; [`to_member`](Self::to_member) reads the
    /// custom role).
    ///
    /// This is the listings' legacy rule, for objects the platform wrote.
    /// Never apply it to a request: an invitation without `is_limited`
    /// gets the resource kind's default invitation role, the lower one on
    /// an app ([`InviteBody::role_on`](super::InviteBody::role_on)).
    #[must_use]
    pub fn role_in_listing(&self) -> Option<Role> {
        self.custom_role.is_none().then(|| self.flag_role())
    }

    /// The built-in role the flag names, by the listings' rule.
    fn flag_role(&self) -> Role {
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
    /// a pending invitation's `invitation_link` becomes its token; a
    /// `custom_role` is honoured: the member holds that custom role, and
    /// nothing more (see [Custom roles](Self#custom-roles)).
    ///
    /// # Errors
    /// [`ApiError`] naming the missing or invalid field;
    /// [`ApiError::Member`] with [`MemberError::CustomRoleBase`](crate::membership::MemberError::CustomRoleBase) when
    /// `is_limited` is not the flag of the custom role's base role.
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
        // The custom role is honoured, never dropped: the member holds its
        // set and nothing more. Its base must be the role the flag names
        // (`Member::new` checks it), so that a reader that ignored the
        // field would not even agree on the built-in role.
        Member::new(MemberParts {
            id,
            email: email.clone(),
            username,
            status,
            role: self.flag_role(),
            custom_role: self.custom_role.clone(),
            invited_at,
            expires_at: None,
            token: token.as_ref().map(InvitationToken::digest),
        })
        .map_err(|error| ApiError::Member { email, error })
    }

    /// The platform's API object for `member` of `resource`.
    ///
    /// It writes `id`, `email`, `username` (`n/a` while pending,
    /// [`UNKNOWN_USERNAME`]), `status`, `app_id` and `app_name` (the
    /// resource's id and name, whatever its kind) and `is_limited`. The
    /// crate knows neither the account id nor the link the service mails
    /// (the member's token is never written): add them with
    /// [`with_user_id`](Self::with_user_id) and
    /// [`with_invitation_link`](Self::with_invitation_link).
    ///
    /// # Errors
    /// [`ToApiError::Owner`] for the owner, whom the API's collaborator
    /// lists leave out; [`ToApiError::CustomRole`] for a member who holds
    /// a custom role, which the platform's object cannot carry: read by a
    /// client that ignores unknown fields, any object would name a
    /// built-in role, which holds more (see [Custom roles](Self#custom-roles);
    /// [`from_member_with_custom_role`](Self::from_member_with_custom_role)
    /// is the crate's form, for readers that know it).
    pub fn from_member(member: &Member, resource: &Resource) -> Result<Self, ToApiError> {
        match member.custom_role() {
            Some(custom) => Err(ToApiError::CustomRole {
                name: custom.name().to_string(),
            }),
            None => Self::from_member_with_custom_role(member, resource),
        }
    }

    /// The API object for `member` of `resource`, in the crate's form: as
    /// [`from_member`](Self::from_member), and a member who holds a custom
    /// role gets the crate's field `custom_role` too, which
    /// [`to_member`](Self::to_member) honours (see
    /// [Custom roles](Self#custom-roles)). Send it only to readers that
    /// know the field: one that drops it reads the base role, which holds
    /// more. For a member with a built-in role it is exactly
    /// [`from_member`](Self::from_member)'s object.
    ///
    /// # Errors
    /// [`ToApiError::Owner`] for the owner.
    pub fn from_member_with_custom_role(
        member: &Member,
        resource: &Resource,
    ) -> Result<Self, ToApiError> {
        let status = ApiStatus::from_status(member.status()).ok_or(ToApiError::Owner)?;
        Ok(Self {
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
            custom_role: member.custom_role().cloned(),
        })
    }

    /// An object with every field missing, to fill with the `with_*`
    /// methods (the same as [`Default`]).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    text_setters! {
        /// Sets `id`, the API's collaborator id.
        with_id => id,
        /// Sets `email`.
        with_email => email,
        /// Sets `username` (write [`UNKNOWN_USERNAME`] for a pending
        /// invitation, as the API does).
        with_username => username,
        /// Sets `user_id`, the account id behind the membership.
        with_user_id => user_id,
        /// Sets `app_id`, the resource's id.
        with_app_id => app_id,
        /// Sets `app_name`, the resource's name.
        with_app_name => app_name,
        /// Sets `invitation_link`, the URL the invited person opens. It
        /// carries the invitation's secret: `Debug` never shows it, and a
        /// service writes it only to the people allowed to see it.
        with_invitation_link => invitation_link,
    }

    /// Sets `status`.
    #[must_use]
    pub fn with_status(mut self, status: ApiStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets `is_limited`.
    #[must_use]
    pub fn with_is_limited(mut self, is_limited: bool) -> Self {
        self.is_limited = Some(is_limited);
        self
    }

    /// The custom role the collaborator holds (the crate's field
    /// `custom_role`, see [Custom roles](Self#custom-roles)); `None` for a
    /// built-in role.
    #[must_use]
    pub fn custom_role(&self) -> Option<&CustomRole> {
        self.custom_role.as_ref()
    }

    /// Sets `custom_role`, and `is_limited` to the flag of its base role
    /// ([`CustomRole::covering_role`]), as
    /// [`from_member_with_custom_role`](Self::from_member_with_custom_role)
    /// writes them: the crate's form, for readers that know the field
    /// (see [Custom roles](Self#custom-roles)).
    #[must_use]
    pub fn with_custom_role(mut self, custom: CustomRole) -> Self {
        self.is_limited = Some(custom.covering_role() == Some(Role::LimitedCollaborator));
        self.custom_role = Some(custom);
        self
    }
}

object_only!(ApiCollaborator, "a collaborator object (a JSON object)");

/// Why a [`Member`] has no platform API object
/// ([`ApiCollaborator::from_member`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ToApiError {
    /// The member is the owner, whom the API's collaborator lists leave
    /// out.
    #[error("the owner is not a collaborator: the API's collaborator objects leave the owner out")]
    Owner,
    /// The member holds a custom role, which the platform's object cannot
    /// carry: its `is_limited` names a built-in role, which holds more.
    /// [`ApiCollaborator::from_member_with_custom_role`] writes the
    /// crate's form, for readers that know it.
    #[error(
        "the member holds the custom role {name}, which the platform's collaborator object cannot carry (its `is_limited` would name a built-in role, which holds more)"
    )]
    CustomRole {
        /// The custom role's name (a valid name: `a`-`z`, `0`-`9`, `_`,
        /// `-`).
        name: String,
    },
}
