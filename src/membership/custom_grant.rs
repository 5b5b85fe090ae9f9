//! Granting a [`CustomRole`] on a roster: the granter's role read from the
//! [`Roster`]. The rule itself ([`CustomRole::check_grant`]) lives in the
//! rules layer, which knows nothing of rosters; this is the one place the
//! two meet.

use crate::membership::email::Email;
use crate::membership::roster::Roster;
use crate::rules::custom_role::{CustomRole, GrantError, Granter};

impl Roster {
    /// Checks that `actor` may hand the custom `role` to someone on this
    /// roster's resource: [`CustomRole::check_grant`] with the granter and
    /// the kind read from the roster.
    ///
    /// The granter is the actor's built-in role on the roster, while the
    /// membership is active: an owner or an accepted collaborator
    /// grants as the matrix says; a limited collaborator may not grant (no
    /// `invite_collaborator`); a stranger, a pending invitation or a
    /// deleted account holds no rights and may not grant. An actor who
    /// holds a custom role on the roster ([`Member::custom_role`](crate::Member::custom_role))
    /// grants as [`Granter::Custom`] with it: only what that custom role
    /// holds, and only if it holds `invite_collaborator`.
    ///
    /// The rules, in order: the roster's kind is the role's kind; the actor
    /// has an active membership; then those of
    /// [`CustomRole::check_grant`]. A built-in role that may invite holds
    /// every action a custom role may hold on its kind, so
    /// [`GrantError::Escalation`] only comes from custom granters.
    ///
    /// [`Roster::invite_custom`] and [`Roster::change_role_custom`] apply
    /// the same no-escalation rule to the actor's effective permissions
    /// (they ask for the operation's own action instead of
    /// `invite_collaborator`).
    ///
    /// ```
    /// use collab_authz::{custom_role, Account, CustomRole, Email, GrantError, Invitation, InvitationToken, MemberId, Permissions, Resource, ResourceId, ResourceKind, Role, Roster, Timestamp};
    ///
    /// const DEPLOYER: CustomRole = custom_role!(
    ///     "deployer",
    ///     ResourceKind::App,
    ///     Permissions::DEPLOY_ANY_BRANCH.union(Permissions::VIEW_DEPLOYMENTS),
    /// );
    /// let t = Timestamp::from_unix_seconds(0);
    /// let ada = Email::parse("ada@example.com")?;
    /// let owner = Account { id: MemberId::new("m0")?, email: ada.clone(), username: None };
    /// let app = Resource::new(ResourceKind::App, ResourceId::new("app-1")?, "billing")?;
    /// let (mut roster, _) = Roster::create(app, owner, t);
    /// let bob = Email::parse("bob@example.com")?;
    /// roster.invite(&ada, Invitation::new(MemberId::new("m1")?, bob.clone(), InvitationToken::new("t1")?), t)?;
    ///
    /// assert_eq!(roster.check_custom_grant(&ada, &DEPLOYER), Ok(()));
    /// // Bob's invitation is pending: he holds no rights yet.
    /// assert_eq!(roster.check_custom_grant(&bob, &DEPLOYER), Err(GrantError::NotActive));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`GrantError::WrongKind`] when the roster's resource is of another
    /// kind than the role's; [`GrantError::NotAMember`] when the actor has
    /// no membership on it; [`GrantError::NotActive`] when the membership
    /// is pending or of a deleted account; [`GrantError::MayNotGrant`] for
    /// a limited collaborator; [`GrantError::Escalation`] as
    /// [`CustomRole::check_grant`].
    pub fn check_custom_grant(&self, actor: &Email, role: &CustomRole) -> Result<(), GrantError> {
        let kind = self.kind();
        if kind != role.kind() {
            return Err(GrantError::WrongKind {
                role: role.kind(),
                resource: kind,
            });
        }
        let member = self.get(actor).ok_or(GrantError::NotAMember)?;
        let granter = member.active_role().ok_or(GrantError::NotActive)?;
        match member.custom_role() {
            Some(held) => role.check_grant(Granter::Custom(held), kind),
            None => role.check_grant(Granter::Role(granter), kind),
        }
    }
}
