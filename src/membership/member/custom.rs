//! A member who holds a custom role: the role's base, and the methods of
//! [`Member`] that read or set the custom role.

use super::{Member, MemberError, MemberStatus};
use crate::rules::custom_role::CustomRole;
use crate::rules::matrix::grants;
use crate::rules::permissions::Permissions;
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

/// The built-in role a member holding `custom` carries: the least
/// privileged built-in role that holds every action of it
/// ([`CustomRole::covering_role`]).
pub(crate) fn custom_base(custom: &CustomRole) -> Role {
    custom.covering_role().unwrap_or(Role::Collaborator)
}

impl Member {
    /// The same member holding the custom role `custom`: its built-in
    /// [`role`](Self::role) becomes the custom role's base, the least
    /// privileged built-in role that holds every action of it
    /// ([`CustomRole::covering_role`]), and its rights are exactly the
    /// custom role's set ([`Member::permissions`]).
    ///
    /// Whether the custom role is of the resource's kind is checked by the
    /// roster that holds the member ([`Roster::from_parts`](crate::Roster::from_parts)).
    ///
    /// ```
    /// use collab_authz::membership::MemberParts;
    /// use collab_authz::{
    ///     CustomRole, Email, Member, MemberId, MemberStatus, Permissions, ResourceKind, Role,
    ///     Timestamp, custom_role,
    /// };
    ///
    /// const DEPLOYER: CustomRole =
    ///     custom_role!("deployer", ResourceKind::App, Permissions::DEPLOY_ANY_BRANCH);
    /// let ada = Member::new(MemberParts {
    ///     id: MemberId::new("m-1")?,
    ///     email: Email::parse("ada@example.com")?,
    ///     username: None,
    ///     status: MemberStatus::Accepted,
    ///     role: Role::LimitedCollaborator,
    ///     custom_role: None,
    ///     invited_at: Timestamp::from_unix_seconds(0),
    ///     expires_at: None,
    ///     token: None,
    /// })?
    /// .with_custom_role(DEPLOYER)?;
    /// assert_eq!(ada.role(), Role::Collaborator); // the base: deploy_any_branch needs it
    /// assert_eq!(ada.role_name(), "deployer");
    /// assert_eq!(ada.permissions(ResourceKind::App), Permissions::DEPLOY_ANY_BRANCH);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`MemberError::CustomRoleOwner`] for the owner's membership.
    pub fn with_custom_role(mut self, custom: CustomRole) -> Result<Self, MemberError> {
        if self.status == MemberStatus::Owner {
            return Err(MemberError::CustomRoleOwner);
        }
        self.role = custom_base(&custom);
        self.custom_role = Some(custom);
        Ok(self)
    }

    /// The custom role the member holds, if any (`None`: the built-in
    /// [`role`](Self::role) only).
    #[must_use]
    pub fn custom_role(&self) -> Option<&CustomRole> {
        self.custom_role.as_ref()
    }

    /// The role's name as listings print it: the custom role's name, or
    /// the built-in role's [label](Role::label) (`limited collaborator`).
    #[must_use]
    pub fn role_name(&self) -> &str {
        match &self.custom_role {
            Some(custom) => custom.name(),
            None => self.role.label(),
        }
    }

    /// The role's id as stored forms and exports write it: the custom
    /// role's name, or the built-in role's [id](Role::id)
    /// (`limited_collaborator`).
    #[must_use]
    pub fn role_id(&self) -> &str {
        match &self.custom_role {
            Some(custom) => custom.name(),
            None => self.role.id(),
        }
    }

    /// The actions the member's role holds on a resource of `kind`, as one
    /// [`Permissions`] value: the custom role's set, or the built-in
    /// role's unconditional row ([`grants`]). A pending or deleted
    /// membership holds them without their rights: see
    /// [`Member::effective_permissions`].
    #[must_use]
    pub fn permissions(&self, kind: ResourceKind) -> Permissions {
        match &self.custom_role {
            Some(custom) if custom.kind() == kind => custom.permissions(),
            Some(_) => Permissions::empty(),
            None => grants(self.role, kind).allowed(),
        }
    }

    /// The actions the member may perform now on a resource of `kind`:
    /// [`Member::permissions`] for the owner and an accepted membership,
    /// nothing for a pending invitation or a deleted account. Every check
    /// is one AND on it.
    #[must_use]
    pub fn effective_permissions(&self, kind: ResourceKind) -> Permissions {
        if self.status.is_active() {
            self.permissions(kind)
        } else {
            Permissions::empty()
        }
    }

    /// The data-and-secrets actions the member's role holds on `kind`
    /// (conditional cells of a built-in role included).
    pub(crate) fn secret_actions(&self, kind: ResourceKind) -> Permissions {
        match &self.custom_role {
            Some(custom) => custom
                .permissions()
                .intersection(crate::Category::DataAndSecrets.actions()),
            None => grants(self.role, kind).data_and_secrets(),
        }
    }
}
