//! [`decide`]: the full decision, with conditions evaluated and denials
//! explained.

use core::fmt;
use core::time::Duration;

use crate::matrix::{self, Condition, Limit, Obligation};
use crate::{Action, Context, ResourceKind, ReviewAppSettings, ReviewAppTrigger, Role};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DenialReason {
    /// The role does not hold the action; `lowest` is the least privileged
    /// role that does.
    RoleTooLow {
        /// The least privileged role that may do the action on this kind.
        lowest: Role,
    },
    /// The role does not exist on this resource kind.
    RoleNotAvailable,
    /// The action does not apply to this resource kind, for any role.
    NotApplicable,
    /// The cell's condition was evaluated and does not hold.
    ConditionNotMet(Condition),
    /// The context lacks a fact the cell's condition needs.
    ConditionUnknown(Condition),
}

/// A denial that explains itself: who asked for what, on which kind, why it
/// was refused and what would allow it.
///
/// ```
/// use collab_authz::{decide, Action, Context, ResourceKind, Role};
///
/// let denial = *decide(Role::LimitedCollaborator, ResourceKind::App, Action::Stop, &Context::new())
///     .denial()
///     .unwrap();
/// assert_eq!(denial.required_role(), Some(Role::Collaborator));
/// assert_eq!(
///     denial.to_string(),
///     "limited_collaborator may not stop on an app: it needs the collaborator role or higher"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Denial {
    role: Role,
    kind: ResourceKind,
    action: Action,
    reason: DenialReason,
}

impl Denial {
    /// The role that asked.
    #[must_use]
    pub const fn role(&self) -> Role {
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
    /// The least privileged role that would be allowed, when a higher role
    /// is what is missing.
    #[must_use]
    pub const fn required_role(&self) -> Option<Role> {
        match self.reason {
            DenialReason::RoleTooLow { lowest } => Some(lowest),
            _ => None,
        }
    }
}

const fn article(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::App => "an app",
        ResourceKind::DedicatedDatabase => "a dedicated database",
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Condition::DeploymentYoungerThan7Days => "only deployments younger than 7 days",
            Condition::ReviewAppViaScmWhenAllowed => {
                "only through the SCM integration, and only when the app's review-app settings allow it"
            }
        })
    }
}

impl fmt::Display for Obligation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Obligation::RedactEnvVarValues => "environment variable values are redacted",
        })
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Obligation(o) => o.fmt(f),
            Limit::Condition(c) => c.fmt(f),
        }
    }
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (role, action, on) = (self.role, self.action, article(self.kind));
        match self.reason {
            DenialReason::RoleTooLow { lowest } => write!(
                f,
                "{role} may not {action} on {on}: it needs the {lowest} role or higher"
            ),
            DenialReason::RoleNotAvailable => {
                write!(f, "the {role} role is not available on {on}")
            }
            DenialReason::NotApplicable => {
                write!(f, "{action} does not apply to {on}, for any role")
            }
            DenialReason::ConditionNotMet(c) => {
                write!(
                    f,
                    "{role} may {action} on {on} only under a condition ({c}), and this request does not meet it"
                )
            }
            DenialReason::ConditionUnknown(c) => write!(
                f,
                "{role} may {action} on {on} only under a condition ({c}), and the context does not say whether this request meets it"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Denial {}

/// Whether a condition holds in a context: `Some(true)`, `Some(false)`, or
/// `None` when the context lacks a fact it needs.
#[must_use]
pub const fn evaluate(condition: Condition, ctx: &Context) -> Option<bool> {
    match condition {
        Condition::DeploymentYoungerThan7Days => match ctx.deployment_age() {
            Some(age) => Some(age.as_nanos() < DEPLOYMENT_LOG_WINDOW.as_nanos()),
            None => None,
        },
        Condition::ReviewAppViaScmWhenAllowed => {
            match (ctx.review_app_trigger(), ctx.review_app_settings()) {
                (Some(ReviewAppTrigger::Manual), _) => Some(false),
                (_, Some(ReviewAppSettings::ForbidCreation)) => Some(false),
                (
                    Some(ReviewAppTrigger::ScmIntegration),
                    Some(ReviewAppSettings::AllowCreation),
                ) => Some(true),
                _ => None,
            }
        }
    }
}

/// The full decision for `role` doing `action` on `kind`, with any
/// `limited(...)` cell evaluated against `ctx`. No allocation.
///
/// ```
/// use core::time::Duration;
/// use collab_authz::{decide, Action, Condition, Context, Decision, DenialReason, ResourceKind, Role};
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
///     Some(DenialReason::ConditionUnknown(Condition::DeploymentYoungerThan7Days)),
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
        DenialReason::RoleNotAvailable
    } else if !kind.applicable_actions().has(action) {
        DenialReason::NotApplicable
    } else {
        let grants = matrix::grants(role, kind);
        if grants.allowed().has(action) {
            return Decision::Allowed;
        }
        match (grants.limited().has(action), Limit::of(action)) {
            (true, Some(Limit::Obligation(o))) => return Decision::AllowedWithObligation(o),
            (true, Some(Limit::Condition(c))) => match evaluate(c, ctx) {
                Some(true) => return Decision::AllowedUnderCondition(c),
                Some(false) => DenialReason::ConditionNotMet(c),
                None => DenialReason::ConditionUnknown(c),
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
        role,
        kind,
        action,
        reason,
    })
}
