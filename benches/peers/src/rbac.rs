//! The matrix as a casbin RBAC model.
//!
//! Subjects are the role ids; the grouping policy `g` makes each role
//! inherit the role below it (`g, owner, collaborator` and
//! `g, collaborator, limited_collaborator`), and each role's `p` lines grant
//! only what it adds on a kind over the role below it. The object is the
//! resource kind's id (`app`, `dedicated_database`), so the rules are kept
//! per kind and a role that does not exist on a kind simply has no line for
//! it.
//!
//! casbin has no obligations and no `when` clauses, so the `limited(...)`
//! cells are modelled with a fourth policy field, `cond`, and the matcher
//! evaluates the named condition over three extra request fields (casbin
//! ABAC through its expression engine):
//!
//! - `always`: an unconditional cell (also the obligation cell: casbin
//!   cannot return an obligation, only allow);
//! - `deployment_younger_than_7_days`: `r.age` (whole seconds, `-1` when
//!   unknown) is in `0..604800`;
//! - `review_app_via_scm_when_allowed`: `r.trigger == "scm_integration"`
//!   and `r.settings == "allow_creation"` (`""` when unknown).

use casbin::{CoreApi, DefaultModel, Enforcer, MemoryAdapter, MgmtApi};
use collab_authz::matrix::{Condition, Limit};
use collab_authz::{Action, ResourceKind, ReviewAppSettings, ReviewAppTrigger, Role, grants};

use crate::{Error, block_on, roles_with_lower};

/// The casbin model.
pub const MODEL: &str = r#"
[request_definition]
r = sub, obj, act, age, trigger, settings

[policy_definition]
p = sub, obj, act, cond

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act && (p.cond == "always" || (p.cond == "deployment_younger_than_7_days" && r.age >= 0 && r.age < 604800) || (p.cond == "review_app_via_scm_when_allowed" && r.trigger == "scm_integration" && r.settings == "allow_creation"))
"#;

const fn condition_id(condition: Condition) -> &'static str {
    match condition {
        Condition::DeploymentYoungerThan7Days => "deployment_younger_than_7_days",
        Condition::ReviewAppViaScmWhenAllowed => "review_app_via_scm_when_allowed",
    }
}

/// The `p` lines: (role, kind, action, condition) for what each role adds.
///
/// # Errors
/// When an action has a `limited(...)` cell but no limit (a matrix bug).
pub fn policies() -> Result<Vec<Vec<String>>, Error> {
    let mut lines = Vec::new();
    for kind in ResourceKind::ALL {
        for (role, lower) in roles_with_lower(kind) {
            let own = grants(role, kind);
            let inherited = lower.map(|lower| grants(lower, kind).allowed());
            let added = own.allowed().difference(inherited.unwrap_or_default());
            let line = |action: Action, cond: &str| {
                vec![
                    role.id().to_owned(),
                    kind.id().to_owned(),
                    action.id().to_owned(),
                    cond.to_owned(),
                ]
            };
            for action in added.actions() {
                lines.push(line(action, "always"));
            }
            for action in own.limited().actions() {
                let cond = match Limit::of(action) {
                    Some(Limit::Obligation(_)) => "always",
                    Some(Limit::Condition(c)) => condition_id(c),
                    None => return Err(format!("{action} is limited without a limit").into()),
                };
                lines.push(line(action, cond));
            }
        }
    }
    Ok(lines)
}

/// The `g` lines: each role inherits the one below it.
pub fn groupings() -> Vec<Vec<String>> {
    Role::ALL
        .windows(2)
        .filter_map(|pair| match pair {
            [lower, higher] => Some(vec![higher.id().to_owned(), lower.id().to_owned()]),
            _ => None,
        })
        .collect()
}

/// The casbin request fields for a crate context: `(age, trigger,
/// settings)`.
pub fn facts(ctx: &collab_authz::Context) -> (i32, &'static str, &'static str) {
    let age = ctx
        .deployment_age()
        .map_or(-1, |age| i32::try_from(age.as_secs()).unwrap_or(i32::MAX));
    let trigger = match ctx.review_app_trigger() {
        Some(ReviewAppTrigger::ScmIntegration) => "scm_integration",
        Some(ReviewAppTrigger::Manual) => "manual",
        None => "",
    };
    let settings = match ctx.review_app_settings() {
        Some(ReviewAppSettings::AllowCreation) => "allow_creation",
        Some(ReviewAppSettings::ForbidCreation) => "forbid_creation",
        None => "",
    };
    (age, trigger, settings)
}

/// A casbin enforcer holding the matrix.
pub struct CasbinMatrix {
    name: String,
    enforcer: Enforcer,
}

impl std::fmt::Debug for CasbinMatrix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CasbinMatrix")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl CasbinMatrix {
    /// Loads the model and the policies into an in-memory enforcer.
    ///
    /// # Errors
    /// When casbin rejects the model or a policy.
    pub fn new() -> Result<Self, Error> {
        Self::from_lines("generated", groupings(), policies()?)
    }

    /// Loads the model with `g` lines `groupings` and `p` lines `policies`
    /// written elsewhere (by hand, or deliberately broken by a test), named
    /// `name` in reports.
    ///
    /// # Errors
    /// When casbin rejects the model or a policy.
    pub fn from_lines(
        name: &str,
        groupings: Vec<Vec<String>>,
        policies: Vec<Vec<String>>,
    ) -> Result<Self, Error> {
        block_on(async {
            let model = DefaultModel::from_str(MODEL).await?;
            let mut enforcer = Enforcer::new(model, MemoryAdapter::default()).await?;
            if !groupings.is_empty() {
                enforcer.add_grouping_policies(groupings).await?;
            }
            if !policies.is_empty() {
                enforcer.add_policies(policies).await?;
            }
            Ok(Self {
                name: name.to_owned(),
                enforcer,
            })
        })
    }

    /// The name in reports.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether casbin allows `role` to do `action` on `kind` in `ctx`
    /// (`enforce` is synchronous).
    ///
    /// # Errors
    /// When casbin fails to evaluate the matcher.
    pub fn is_allowed(
        &self,
        role: Role,
        kind: ResourceKind,
        action: Action,
        ctx: &collab_authz::Context,
    ) -> Result<bool, Error> {
        let (age, trigger, settings) = facts(ctx);
        Ok(self
            .enforcer
            .enforce((role.id(), kind.id(), action.id(), age, trigger, settings))?)
    }
}
