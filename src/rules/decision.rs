//! [`decide`]: the full decision, with conditions evaluated and denials
//! explained.

use core::fmt;
use core::time::Duration;

use crate::rules::action::Action;
use crate::rules::context::{Context, ReviewAppSettings, ReviewAppTrigger};
use crate::rules::matrix::{self, Condition, Limit, Obligation, article};
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

/// How long a limited collaborator may read a deployment's logs.
pub const DEPLOYMENT_LOG_WINDOW: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The outcome of [`decide`]. Deny by default: only the three `Allowed*`
/// variants let the action through, and each says on what terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use]
pub enum Decision {
    /// Allowed (a `yes` cell).
    Allowed,
    /// Allowed, provided the caller honours the obligation.
    AllowedWithObligation(Obligation),
    /// Allowed because the cell's condition holds in the given context.
    AllowedUnderCondition(Condition),
    /// Denied, with the reason and what would allow it.
    Denied(Denial),
}

impl Decision {
    /// Whether the action may go ahead (on the terms the variant states).
    #[must_use]
    #[inline]
    pub const fn is_allowed(&self) -> bool {
        !matches!(self, Decision::Denied(_))
    }

    /// The denial, if the decision is one.
    #[must_use]
    pub const fn denial(&self) -> Option<&Denial> {
        match self {
            Decision::Denied(denial) => Some(denial),
            _ => None,
        }
    }
}

/// Why an action was denied.
///
/// With the `serde` feature it serializes (for an audit log) as an object
/// whose `reason` field is the variant's snake_case name, with the
/// variant's data beside it:
/// `{"reason":"role_too_low","lowest":"collaborator"}`,
/// `{"reason":"role_not_available","lowest":"collaborator"}` (`null` when no
/// role may do the action), `{"reason":"not_applicable"}`,
/// `{"reason":"condition_not_met","condition":"...","unmet":"..."}`,
/// `{"reason":"condition_unknown","condition":"...","missing":"..."}`;
/// and for the reasons only a roster gives
/// ([`Roster::decide`](crate::Roster::decide), feature `alloc`):
/// `{"reason":"not_a_member"}`, `{"reason":"invitation_pending"}`,
/// `{"reason":"account_deleted"}`, `{"reason":"custom_role_lacks"}`,
/// `{"reason":"resource_deleted"}`.
///
/// The free [`decide`] never gives those five: it knows a role, not who
/// holds it. The enum is exhaustive, so a `match` on it names every
/// reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DenialReason {
    /// The role does not hold the action; `lowest` is the least privileged
    /// role that does.
    RoleTooLow {
        /// The least privileged role that may do the action on this kind.
        lowest: Role,
    },
    /// The role does not exist on this resource kind.
    RoleNotAvailable {
        /// The least privileged role of this kind that may do the action,
        /// or `None` when the action does not apply to the kind at all.
        lowest: Option<Role>,
    },
    /// The action does not apply to this resource kind, for any role.
    NotApplicable,
    /// The cell's condition was evaluated and does not hold; the [`Unmet`]
    /// part says which part of it failed (and names the condition).
    ConditionNotMet(Unmet),
    /// The context lacks a fact the cell's condition needs; the
    /// [`MissingFact`] says which (and names the condition).
    ConditionUnknown(MissingFact),
    /// The actor has no membership on the resource (a stranger): the
    /// denial names no role ([`Denial::role`] is `None`). Only a roster
    /// gives it.
    NotAMember,
    /// The actor's membership is a pending invitation: it grants nothing
    /// until accepted. [`Denial::role`] is the invited built-in role
    /// (`None` for an invitation with a custom role). Only a roster gives
    /// it.
    InvitationPending,
    /// The account behind the actor's membership was deleted: the
    /// membership grants nothing. [`Denial::role`] is the built-in role it
    /// held (`None` for a custom role). Only a roster gives it.
    AccountDeleted,
    /// The actor holds a custom role whose set lacks the action: a custom
    /// role is all its holder holds, whatever its base role would allow.
    /// The denial names no role ([`Denial::role`] is `None`). Only a
    /// roster gives it.
    CustomRoleLacks,
    /// The resource was deleted: its roster is closed and allows nothing
    /// to anyone. Only a roster gives it.
    ResourceDeleted,
}

impl DenialReason {
    /// The condition that was not met or could not be evaluated, for the
    /// two condition reasons.
    #[must_use]
    pub const fn condition(self) -> Option<Condition> {
        match self {
            DenialReason::ConditionNotMet(unmet) => Some(unmet.condition()),
            DenialReason::ConditionUnknown(missing) => Some(missing.condition()),
            _ => None,
        }
    }
}

/// The part of a `limited(...)` cell's condition that a request fails.
///
/// Each value belongs to one [`Condition`] ([`Unmet::condition`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Unmet {
    /// [`Condition::DeploymentYoungerThan7Days`]: the deployment is 7 days
    /// old or older.
    DeploymentTooOld,
    /// [`Condition::ReviewAppViaScmWhenAllowed`]: the review app is not
    /// being created through the SCM integration (the app's settings allow
    /// it or are unknown).
    NotThroughScmIntegration,
    /// [`Condition::ReviewAppViaScmWhenAllowed`]: the app's review-app
    /// settings forbid creating review apps (the trigger is the SCM
    /// integration or unknown).
    ForbiddenBySettings,
    /// [`Condition::ReviewAppViaScmWhenAllowed`]: both of the above.
    NotThroughScmIntegrationAndForbiddenBySettings,
}

impl Unmet {
    /// The condition this is a part of.
    #[must_use]
    pub const fn condition(self) -> Condition {
        match self {
            Unmet::DeploymentTooOld => Condition::DeploymentYoungerThan7Days,
            Unmet::NotThroughScmIntegration
            | Unmet::ForbiddenBySettings
            | Unmet::NotThroughScmIntegrationAndForbiddenBySettings => {
                Condition::ReviewAppViaScmWhenAllowed
            }
        }
    }
}

impl fmt::Display for Unmet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NOT_SCM: &str = "the review app is not being created through the SCM integration";
        const FORBIDDEN: &str = "the app's review-app settings forbid creating review apps";
        match self {
            Unmet::DeploymentTooOld => f.write_str("the deployment is 7 days old or older"),
            Unmet::NotThroughScmIntegration => f.write_str(NOT_SCM),
            Unmet::ForbiddenBySettings => f.write_str(FORBIDDEN),
            Unmet::NotThroughScmIntegrationAndForbiddenBySettings => {
                write!(f, "{NOT_SCM}, and {FORBIDDEN}")
            }
        }
    }
}

/// The facts a [`Context`] lacks to evaluate a `limited(...)` cell's
/// condition.
///
/// Each value belongs to one [`Condition`] ([`MissingFact::condition`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum MissingFact {
    /// The deployment's age ([`Context::with_deployment_age`]).
    DeploymentAge,
    /// How the review app is being created
    /// ([`Context::with_review_app_trigger`]).
    ReviewAppTrigger,
    /// The app's review-app settings
    /// ([`Context::with_review_app_settings`]).
    ReviewAppSettings,
    /// Both how the review app is being created and the app's review-app
    /// settings.
    ReviewAppTriggerAndSettings,
}

impl MissingFact {
    /// The condition that needs the fact.
    #[must_use]
    pub const fn condition(self) -> Condition {
        match self {
            MissingFact::DeploymentAge => Condition::DeploymentYoungerThan7Days,
            MissingFact::ReviewAppTrigger
            | MissingFact::ReviewAppSettings
            | MissingFact::ReviewAppTriggerAndSettings => Condition::ReviewAppViaScmWhenAllowed,
        }
    }
}

impl fmt::Display for MissingFact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MissingFact::DeploymentAge => "the deployment's age",
            MissingFact::ReviewAppTrigger => "how the review app is being created",
            MissingFact::ReviewAppSettings => "the app's review-app settings",
            MissingFact::ReviewAppTriggerAndSettings => {
                "how the review app is being created and the app's review-app settings"
            }
        })
    }
}

/// A denial that explains itself: who asked for what, on which kind, why it
/// was refused and what would allow it.
///
/// The role is `None` only for a stranger
/// ([`DenialReason::NotAMember`], from
/// [`Roster::decide`](crate::Roster::decide)); the free [`decide`] always
/// names the role it was asked about.
///
/// ```
/// use collab_authz::{decide, Action, Context, ResourceKind, Role};
///
/// let denial = *decide(Role::LimitedCollaborator, ResourceKind::App, Action::Stop, &Context::new())
///     .denial()
///     .unwrap();
/// assert_eq!(denial.required_role(), Some(Role::Collaborator));
/// assert_eq!(denial.role(), Some(Role::LimitedCollaborator));
/// assert_eq!(
///     denial.to_string(),
///     "limited_collaborator may not stop on an app: it needs the collaborator role or higher"
/// );
///
/// // A role the kind does not have: the denial names the role that would do.
/// let denial = *decide(
///     Role::LimitedCollaborator,
///     ResourceKind::DedicatedDatabase,
///     Action::ViewConnectionDetails,
///     &Context::new(),
/// )
/// .denial()
/// .unwrap();
/// assert_eq!(denial.required_role(), Some(Role::Collaborator));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Denial {
    role: Option<Role>,
    kind: ResourceKind,
    action: Action,
    reason: DenialReason,
}

impl Denial {
    /// The built-in role that asked: the role [`decide`] was asked about,
    /// or the role the actor's membership carries
    /// ([`Roster::decide`](crate::Roster::decide): the invited role for a
    /// pending invitation); `None` for a stranger
    /// ([`DenialReason::NotAMember`]) and for a member who holds a custom
    /// role, whatever the reason: their rights are the custom set, and the
    /// custom role's base role, which holds more, is never named as theirs.
    #[must_use]
    pub const fn role(&self) -> Option<Role> {
        self.role
    }
    /// The kind of resource asked about.
    #[must_use]
    pub const fn kind(&self) -> ResourceKind {
        self.kind
    }
    /// The action asked for.
    #[must_use]
    pub const fn action(&self) -> Action {
        self.action
    }
    /// Why it was denied.
    #[must_use]
    pub const fn reason(&self) -> DenialReason {
        self.reason
    }
    /// A denial of `action` on `kind` for `reason`, asked by `role`
    /// (`None`: a stranger). For the roster's own reasons; [`decide`]
    /// builds the rest.
    #[cfg(feature = "alloc")]
    pub(crate) const fn new(
        role: Option<Role>,
        kind: ResourceKind,
        action: Action,
        reason: DenialReason,
    ) -> Self {
        Self {
            role,
            kind,
            action,
            reason,
        }
    }
    /// The least privileged role that would be allowed, when the role is
    /// what is wrong: too low ([`DenialReason::RoleTooLow`]) or not
    /// available on the kind ([`DenialReason::RoleNotAvailable`], `None` if
    /// no role of the kind may do the action).
    #[must_use]
    pub const fn required_role(&self) -> Option<Role> {
        match self.reason {
            DenialReason::RoleTooLow { lowest } => Some(lowest),
            DenialReason::RoleNotAvailable { lowest } => lowest,
            _ => None,
        }
    }
}

/// `the {role} role` plus ` or higher` unless `role` is the top one.
struct Needs(Role);

impl fmt::Display for Needs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Role::Owner => write!(f, "the {} role", self.0),
            role => write!(f, "the {role} role or higher"),
        }
    }
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (action, on) = (self.action, article(self.kind));
        let this = match self.kind {
            ResourceKind::App => "this app",
            ResourceKind::DedicatedDatabase => "this dedicated database",
        };
        let Some(role) = self.role else {
            // No built-in role to name: a stranger, or a member who holds
            // a custom role (its base role is not what they hold).
            return match self.reason {
                DenialReason::InvitationPending => write!(
                    f,
                    "the actor's invitation with a custom role on {this} is pending and grants nothing until accepted: may not {action}"
                ),
                DenialReason::AccountDeleted => write!(
                    f,
                    "the account behind the actor's membership with a custom role on {this} was deleted and the membership grants nothing: may not {action}"
                ),
                DenialReason::CustomRoleLacks => write!(
                    f,
                    "the actor's custom role does not hold {action} on {this} (a custom role is all its holder holds): may not {action}"
                ),
                DenialReason::ResourceDeleted => {
                    write!(f, "{this} was deleted: nobody may {action} on it")
                }
                DenialReason::NotApplicable => {
                    write!(f, "{action} does not apply to {on}, for any role")
                }
                DenialReason::NotAMember
                | DenialReason::RoleTooLow { .. }
                | DenialReason::RoleNotAvailable { .. }
                | DenialReason::ConditionNotMet(_)
                | DenialReason::ConditionUnknown(_) => {
                    write!(f, "the actor has no membership on {this}: may not {action}")
                }
            };
        };
        match self.reason {
            DenialReason::RoleTooLow { lowest } => write!(
                f,
                "{role} may not {action} on {on}: it needs {}",
                Needs(lowest)
            ),
            DenialReason::RoleNotAvailable {
                lowest: Some(lowest),
            } => write!(
                f,
                "the {role} role is not available on {on}: {action} needs {}",
                Needs(lowest)
            ),
            DenialReason::RoleNotAvailable { lowest: None } => write!(
                f,
                "the {role} role is not available on {on}, and {action} does not apply to it for any role"
            ),
            DenialReason::NotApplicable => {
                write!(f, "{action} does not apply to {on}, for any role")
            }
            DenialReason::ConditionNotMet(unmet) => write!(
                f,
                "{role} may {action} on {on} only under a condition ({}), and this request does not meet it: {unmet}",
                unmet.condition()
            ),
            DenialReason::ConditionUnknown(missing) => write!(
                f,
                "{role} may {action} on {on} only under a condition ({}), and the context does not say whether this request meets it: it lacks {missing}",
                missing.condition()
            ),
            DenialReason::NotAMember => {
                write!(f, "the actor has no membership on {this}: may not {action}")
            }
            DenialReason::InvitationPending => write!(
                f,
                "the actor's invitation as {role} on {this} is pending and grants nothing until accepted: may not {action}"
            ),
            DenialReason::AccountDeleted => write!(
                f,
                "the account behind the actor's {role} membership on {this} was deleted and the membership grants nothing: may not {action}"
            ),
            DenialReason::CustomRoleLacks => write!(
                f,
                "the actor's custom role does not hold {action} on {this} (a custom role is all its holder holds): may not {action}"
            ),
            DenialReason::ResourceDeleted => {
                write!(f, "{this} was deleted: nobody may {action} on it")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Denial {}

/// Serialization for audit logs. The field names and the snake_case values
/// are stable; `message` is the `Display` text, for people.
#[cfg(feature = "serde")]
mod serde_impl {
    use serde::ser::{Serialize, SerializeStruct, Serializer};

    use super::{Decision, Denial, DenialReason};

    impl Serialize for Decision {
        /// `{"decision":"allowed"}`,
        /// `{"decision":"allowed_with_obligation","obligation":"..."}`,
        /// `{"decision":"allowed_under_condition","condition":"..."}` or
        /// `{"decision":"denied","denial":{...}}`.
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let fields = if matches!(self, Decision::Allowed) {
                1
            } else {
                2
            };
            let mut s = serializer.serialize_struct("Decision", fields)?;
            match self {
                Decision::Allowed => s.serialize_field("decision", "allowed")?,
                Decision::AllowedWithObligation(o) => {
                    s.serialize_field("decision", "allowed_with_obligation")?;
                    s.serialize_field("obligation", o)?;
                }
                Decision::AllowedUnderCondition(c) => {
                    s.serialize_field("decision", "allowed_under_condition")?;
                    s.serialize_field("condition", c)?;
                }
                Decision::Denied(denial) => {
                    s.serialize_field("decision", "denied")?;
                    s.serialize_field("denial", denial)?;
                }
            }
            s.end()
        }
    }

    /// The `Display` text of a denial, written straight into the serializer.
    struct Message<'a>(&'a Denial);

    impl Serialize for Message<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_str(self.0)
        }
    }

    impl Serialize for Denial {
        /// `{"role":"...","resource_kind":"...","action":"...",
        /// "reason":{...},"required_role":"..." or null,"message":"..."}`.
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut s = serializer.serialize_struct("Denial", 6)?;
            s.serialize_field("role", &self.role)?;
            s.serialize_field("resource_kind", &self.kind)?;
            s.serialize_field("action", &self.action)?;
            s.serialize_field("reason", &self.reason)?;
            s.serialize_field("required_role", &self.required_role())?;
            s.serialize_field("message", &Message(self))?;
            s.end()
        }
    }

    impl Serialize for DenialReason {
        /// See [`DenialReason`]'s documentation for the shape.
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let fields = match self {
                DenialReason::NotApplicable
                | DenialReason::NotAMember
                | DenialReason::InvitationPending
                | DenialReason::AccountDeleted
                | DenialReason::CustomRoleLacks
                | DenialReason::ResourceDeleted => 1,
                DenialReason::RoleTooLow { .. } | DenialReason::RoleNotAvailable { .. } => 2,
                DenialReason::ConditionNotMet(_) | DenialReason::ConditionUnknown(_) => 3,
            };
            let mut s = serializer.serialize_struct("DenialReason", fields)?;
            match self {
                DenialReason::RoleTooLow { lowest } => {
                    s.serialize_field("reason", "role_too_low")?;
                    s.serialize_field("lowest", lowest)?;
                }
                DenialReason::RoleNotAvailable { lowest } => {
                    s.serialize_field("reason", "role_not_available")?;
                    s.serialize_field("lowest", lowest)?;
                }
                DenialReason::NotApplicable => s.serialize_field("reason", "not_applicable")?,
                DenialReason::NotAMember => s.serialize_field("reason", "not_a_member")?,
                DenialReason::InvitationPending => {
                    s.serialize_field("reason", "invitation_pending")?;
                }
                DenialReason::AccountDeleted => s.serialize_field("reason", "account_deleted")?,
                DenialReason::CustomRoleLacks => {
                    s.serialize_field("reason", "custom_role_lacks")?;
                }
                DenialReason::ResourceDeleted => {
                    s.serialize_field("reason", "resource_deleted")?;
                }
                DenialReason::ConditionNotMet(unmet) => {
                    s.serialize_field("reason", "condition_not_met")?;
                    s.serialize_field("condition", &unmet.condition())?;
                    s.serialize_field("unmet", unmet)?;
                }
                DenialReason::ConditionUnknown(missing) => {
                    s.serialize_field("reason", "condition_unknown")?;
                    s.serialize_field("condition", &missing.condition())?;
                    s.serialize_field("missing", missing)?;
                }
            }
            s.end()
        }
    }
}

/// Whether a condition holds in a context: `Some(true)`, `Some(false)`, or
/// `None` when the context lacks a fact it needs.
///
/// [`check_condition`] says, in addition, which part failed or which fact is
/// missing.
#[must_use]
pub const fn evaluate(condition: Condition, ctx: &Context) -> Option<bool> {
    match check_condition(condition, ctx) {
        Ok(()) => Some(true),
        Err(DenialReason::ConditionNotMet(_)) => Some(false),
        Err(_) => None,
    }
}

/// Checks a condition against a context: `Ok(())` when it holds, else the
/// [`DenialReason::ConditionNotMet`] naming the part that failed, or the
/// [`DenialReason::ConditionUnknown`] naming the missing fact. A known
/// failure wins over a missing fact: a manual trigger fails the review-app
/// condition whatever the settings say.
///
/// ```
/// use collab_authz::decision::check_condition;
/// use collab_authz::matrix::Condition;
/// use collab_authz::{Context, DenialReason, MissingFact, ReviewAppSettings, ReviewAppTrigger, Unmet};
///
/// let c = Condition::ReviewAppViaScmWhenAllowed;
/// let forbidden = Context::new()
///     .with_review_app_trigger(ReviewAppTrigger::ScmIntegration)
///     .with_review_app_settings(ReviewAppSettings::ForbidCreation);
/// assert_eq!(check_condition(c, &forbidden), Err(DenialReason::ConditionNotMet(Unmet::ForbiddenBySettings)));
/// let scm = Context::new().with_review_app_trigger(ReviewAppTrigger::ScmIntegration);
/// assert_eq!(check_condition(c, &scm), Err(DenialReason::ConditionUnknown(MissingFact::ReviewAppSettings)));
/// ```
///
/// # Errors
/// The reason the condition does not hold, as above; never another
/// [`DenialReason`].
pub const fn check_condition(condition: Condition, ctx: &Context) -> Result<(), DenialReason> {
    use ReviewAppSettings::{AllowCreation, ForbidCreation};
    use ReviewAppTrigger::{Manual, ScmIntegration};
    let failure = match condition {
        Condition::DeploymentYoungerThan7Days => match ctx.deployment_age() {
            Some(age) if age.as_nanos() < DEPLOYMENT_LOG_WINDOW.as_nanos() => return Ok(()),
            Some(_) => DenialReason::ConditionNotMet(Unmet::DeploymentTooOld),
            None => DenialReason::ConditionUnknown(MissingFact::DeploymentAge),
        },
        Condition::ReviewAppViaScmWhenAllowed => {
            match (ctx.review_app_trigger(), ctx.review_app_settings()) {
                (Some(ScmIntegration), Some(AllowCreation)) => return Ok(()),
                (Some(Manual), Some(ForbidCreation)) => DenialReason::ConditionNotMet(
                    Unmet::NotThroughScmIntegrationAndForbiddenBySettings,
                ),
                (Some(Manual), _) => DenialReason::ConditionNotMet(Unmet::NotThroughScmIntegration),
                (_, Some(ForbidCreation)) => {
                    DenialReason::ConditionNotMet(Unmet::ForbiddenBySettings)
                }
                (None, None) => {
                    DenialReason::ConditionUnknown(MissingFact::ReviewAppTriggerAndSettings)
                }
                (None, Some(AllowCreation)) => {
                    DenialReason::ConditionUnknown(MissingFact::ReviewAppTrigger)
                }
                (Some(ScmIntegration), None) => {
                    DenialReason::ConditionUnknown(MissingFact::ReviewAppSettings)
                }
            }
        }
    };
    Err(failure)
}

/// The full decision for `role` doing `action` on `kind`, with any
/// `limited(...)` cell evaluated against `ctx`. No allocation.
///
/// ```
/// use core::time::Duration;
/// use collab_authz::matrix::Condition;
/// use collab_authz::{decide, Action, Context, Decision, DenialReason, MissingFact, ResourceKind, Role};
///
/// let limited = Role::LimitedCollaborator;
/// let fresh = Context::new().with_deployment_age(Duration::from_secs(3600));
/// assert_eq!(
///     decide(limited, ResourceKind::App, Action::ViewDeploymentLogs, &fresh),
///     Decision::AllowedUnderCondition(Condition::DeploymentYoungerThan7Days),
/// );
/// // An unknown fact is never an allow.
/// let d = decide(limited, ResourceKind::App, Action::ViewDeploymentLogs, &Context::new());
/// assert_eq!(
///     d.denial().map(|d| d.reason()),
///     Some(DenialReason::ConditionUnknown(MissingFact::DeploymentAge)),
/// );
/// ```
#[inline]
pub const fn decide(role: Role, kind: ResourceKind, action: Action, ctx: &Context) -> Decision {
    // A conditional cell depends on the context: evaluate it. Every other
    // decision is context-free and was computed at compile time by the same
    // function, so the common path is one table load with no branch on the
    // request.
    let row = row(kind, role);
    #[expect(
        clippy::indexing_slicing,
        reason = "row() < 6 and an action's discriminant < 59 = COUNT (both proven at compile time), so the index is in range"
    )]
    let (conditional, decision) = (CONDITIONAL[row], CONTEXT_FREE[row][action as usize]);
    if conditional & action.permission().bits() != 0 {
        return decide_in_context(role, kind, action, ctx);
    }
    decision
}

/// The `limited(...)` cells of each (kind, role) row, read from the matrix:
/// a table load instead of a match on the request.
const CONDITIONAL: [u64; ResourceKind::ALL.len() * Role::ALL.len()] = {
    let mut table = [0; ResourceKind::ALL.len() * Role::ALL.len()];
    let mut k = 0;
    while k < ResourceKind::ALL.len() {
        let mut r = 0;
        while r < Role::ALL.len() {
            #[expect(clippy::indexing_slicing, reason = "loop bounds are the array lengths")]
            {
                let (kind, role) = (ResourceKind::ALL[k], Role::ALL[r]);
                table[row(kind, role)] = matrix::grants(role, kind).limited().bits();
            }
            r += 1;
        }
        k += 1;
    }
    table
};

/// The row of (`kind`, `role`) in [`CONTEXT_FREE`].
#[inline]
const fn row(kind: ResourceKind, role: Role) -> usize {
    kind as usize * Role::ALL.len() + role as usize
}

/// Every (kind, role, action) decision made with an empty context, built at
/// compile time by [`decide_in_context`]. Only the conditional cells depend
/// on the context, and [`decide`] never reads their entries.
const CONTEXT_FREE: [[Decision; Action::COUNT]; ResourceKind::ALL.len() * Role::ALL.len()] = {
    let empty = Context::new();
    let placeholder = Decision::Allowed;
    let mut table = [[placeholder; Action::COUNT]; ResourceKind::ALL.len() * Role::ALL.len()];
    let mut k = 0;
    while k < ResourceKind::ALL.len() {
        let mut r = 0;
        while r < Role::ALL.len() {
            let mut a = 0;
            while a < Action::COUNT {
                #[expect(clippy::indexing_slicing, reason = "loop bounds are the array lengths")]
                {
                    let (kind, role, action) = (ResourceKind::ALL[k], Role::ALL[r], Action::ALL[a]);
                    table[row(kind, role)][action as usize] =
                        decide_in_context(role, kind, action, &empty);
                }
                a += 1;
            }
            r += 1;
        }
        k += 1;
    }
    table
};

// `row` covers 0..6 exactly once, in `ALL` order.
const _: () = {
    assert!(row(ResourceKind::App, Role::LimitedCollaborator) == 0);
    assert!(row(ResourceKind::DedicatedDatabase, Role::Owner) == 5);
    assert!(ResourceKind::DedicatedDatabase as usize == 1 && Role::Owner as usize == 2);
};

/// The decision, evaluated step by step: role on kind, action on kind,
/// `yes` cell, `limited(...)` cell against `ctx`, then the denial.
const fn decide_in_context(
    role: Role,
    kind: ResourceKind,
    action: Action,
    ctx: &Context,
) -> Decision {
    let reason = if !kind.has_role(role) {
        DenialReason::RoleNotAvailable {
            lowest: matrix::lowest_role(kind, action),
        }
    } else if !kind.applicable_actions().has(action) {
        DenialReason::NotApplicable
    } else {
        let grants = matrix::grants(role, kind);
        if grants.allowed().has(action) {
            return Decision::Allowed;
        }
        match (grants.limited().has(action), Limit::of(action)) {
            (true, Some(Limit::Obligation(o))) => return Decision::AllowedWithObligation(o),
            (true, Some(Limit::Condition(c))) => match check_condition(c, ctx) {
                Ok(()) => return Decision::AllowedUnderCondition(c),
                Err(reason) => reason,
            },
            _ => DenialReason::RoleTooLow {
                lowest: match matrix::lowest_role(kind, action) {
                    Some(lowest) => lowest,
                    // Unreachable: the owner holds every applicable action
                    // (proven at compile time).
                    None => Role::Owner,
                },
            },
        }
    };
    Decision::Denied(Denial {
        role: Some(role),
        kind,
        action,
        reason,
    })
}
