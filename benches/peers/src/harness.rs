//! The differential harness: compares the crate's [`decide`] with an
//! engine on every (kind, role, action) and a set of contexts, and names
//! each cell where they disagree.

use core::fmt;
use core::time::Duration;

use collab_authz::matrix::{Limit, cell};
use collab_authz::{
    Action, Context, Decision, ResourceKind, ReviewAppSettings, ReviewAppTrigger, Role, decide,
};

use crate::Error;
use crate::cedar::{CedarMatrix, Outcome};
use crate::rbac::CasbinMatrix;

/// An engine that decides a (role, kind, action) in a context.
pub trait Engine {
    /// The engine's name in reports, e.g. `cedar (hand-written)`.
    fn label(&self) -> String;

    /// Whether the engine tells an allow with an obligation from a plain
    /// allow (casbin cannot: it only allows or denies).
    fn reports_obligations(&self) -> bool;

    /// The engine's decision.
    ///
    /// # Errors
    /// When the engine fails to evaluate the request.
    fn outcome(
        &self,
        role: Role,
        kind: ResourceKind,
        action: Action,
        ctx: &Context,
    ) -> Result<Outcome, Error>;
}

impl Engine for CedarMatrix {
    fn label(&self) -> String {
        format!("cedar ({})", self.name())
    }

    fn reports_obligations(&self) -> bool {
        true
    }

    fn outcome(
        &self,
        role: Role,
        kind: ResourceKind,
        action: Action,
        ctx: &Context,
    ) -> Result<Outcome, Error> {
        self.decide(role, kind, action, ctx)
    }
}

impl Engine for CasbinMatrix {
    fn label(&self) -> String {
        format!("casbin ({})", self.name())
    }

    fn reports_obligations(&self) -> bool {
        false
    }

    fn outcome(
        &self,
        role: Role,
        kind: ResourceKind,
        action: Action,
        ctx: &Context,
    ) -> Result<Outcome, Error> {
        Ok(if self.is_allowed(role, kind, action, ctx)? {
            Outcome::Allowed
        } else {
            Outcome::Denied
        })
    }
}

/// The crate's decision as an [`Outcome`].
pub const fn crate_outcome(decision: &Decision) -> Outcome {
    match decision {
        Decision::Allowed | Decision::AllowedUnderCondition(_) => Outcome::Allowed,
        Decision::AllowedWithObligation(_) => Outcome::AllowedWithObligation,
        Decision::Denied(_) => Outcome::Denied,
    }
}

/// A named context, with whether it meets each condition, read from the
/// spec's words (not from the crate).
#[derive(Debug, Clone)]
pub struct Probe {
    /// The name in reports.
    pub name: &'static str,
    /// The facts.
    pub context: Context,
    /// Whether it meets "only deployments younger than 7 days".
    pub young_deployment: bool,
    /// Whether it meets "only through the SCM integration, and only when
    /// the app's review-app settings allow it".
    pub scm_and_allowed: bool,
    /// Whether every cell is checked in it (the others are used only for
    /// the actions that have a limit, to keep the debug-build run short).
    pub broad: bool,
}

const DAY: u64 = 24 * 60 * 60;

/// The contexts: nothing known, each condition met and failed at its edges
/// (7 days minus a nanosecond, exactly 7 days, ...), and everything met or
/// failed at once.
pub fn probes() -> Vec<Probe> {
    use ReviewAppSettings::{AllowCreation as Allow, ForbidCreation as Forbid};
    use ReviewAppTrigger::{Manual, ScmIntegration as Scm};
    let age = |secs: u64| Context::new().with_deployment_age(Duration::from_secs(secs));
    let review = |t, s| {
        Context::new()
            .with_review_app_trigger(t)
            .with_review_app_settings(s)
    };
    let probe = |name, context, young_deployment, scm_and_allowed| Probe {
        name,
        context,
        young_deployment,
        scm_and_allowed,
        broad: false,
    };
    let seven_days_less_1ns =
        Context::new().with_deployment_age(Duration::from_nanos(7 * DAY * 1_000_000_000 - 1));
    vec![
        Probe {
            broad: true,
            ..probe("empty", Context::new(), false, false)
        },
        probe("deployment 0s old", age(0), true, false),
        probe("deployment 1h old", age(3600), true, false),
        probe("deployment 7d-1s old", age(7 * DAY - 1), true, false),
        probe("deployment 7d-1ns old", seven_days_less_1ns, true, false),
        probe("deployment 7d old", age(7 * DAY), false, false),
        probe("deployment 7d+1s old", age(7 * DAY + 1), false, false),
        probe("deployment 30d old", age(30 * DAY), false, false),
        probe("deployment u64::MAX s old", age(u64::MAX), false, false),
        probe("scm + allow", review(Scm, Allow), false, true),
        probe("scm + forbid", review(Scm, Forbid), false, false),
        probe("manual + allow", review(Manual, Allow), false, false),
        probe("manual + forbid", review(Manual, Forbid), false, false),
        probe(
            "scm only",
            Context::new().with_review_app_trigger(Scm),
            false,
            false,
        ),
        probe(
            "allow only",
            Context::new().with_review_app_settings(Allow),
            false,
            false,
        ),
        Probe {
            broad: true,
            ..probe(
                "everything met",
                review(Scm, Allow).with_deployment_age(Duration::from_secs(60)),
                true,
                true,
            )
        },
        Probe {
            broad: true,
            ..probe(
                "everything failed",
                review(Manual, Forbid).with_deployment_age(Duration::from_secs(8 * DAY)),
                false,
                false,
            )
        },
    ]
}

/// Where an engine and the crate decide differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// The engine's label.
    pub engine: String,
    /// The cell's resource kind.
    pub kind: ResourceKind,
    /// The cell's role.
    pub role: Role,
    /// The cell's action.
    pub action: Action,
    /// The context's name.
    pub context: &'static str,
    /// The crate's decision.
    pub ours: Outcome,
    /// The engine's decision.
    pub theirs: Outcome,
}

impl Disagreement {
    /// The cell: (kind, role, action).
    pub const fn cell(&self) -> (ResourceKind, Role, Action) {
        (self.kind, self.role, self.action)
    }
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cell ({}, {}, {}) = {} in context `{}`: crate {:?}, {} {:?}",
            self.kind,
            self.role,
            self.action,
            cell(self.role, self.kind, self.action).label(),
            self.context,
            self.ours,
            self.engine,
            self.theirs
        )
    }
}

/// What a comparison found.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    /// How many (cell, context) pairs were decided by both.
    pub checked: usize,
    /// Where they disagreed.
    pub disagreements: Vec<Disagreement>,
}

/// Compares `engine` with the crate's [`decide`] on every (kind, role,
/// action): in the broad probes for every action, and in every probe for
/// the actions that have a limit ([`Limit::of`]).
///
/// # Errors
/// When the engine fails to evaluate a request.
pub fn compare(engine: &dyn Engine, probes: &[Probe]) -> Result<Comparison, Error> {
    let mut found = Comparison::default();
    let label = engine.label();
    for kind in ResourceKind::ALL {
        for role in Role::ALL {
            for action in Action::ALL {
                let limited = Limit::of(action).is_some();
                for probe in probes.iter().filter(|p| p.broad || limited) {
                    let ours = crate_outcome(&decide(role, kind, action, &probe.context));
                    let theirs = engine.outcome(role, kind, action, &probe.context)?;
                    let same = if engine.reports_obligations() {
                        ours == theirs
                    } else {
                        ours.is_allowed() == theirs.is_allowed()
                    };
                    if !same {
                        found.disagreements.push(Disagreement {
                            engine: label.clone(),
                            kind,
                            role,
                            action,
                            context: probe.name,
                            ours,
                            theirs,
                        });
                    }
                    found.checked += 1;
                }
            }
        }
    }
    Ok(found)
}
