//! The matrix as a Cedar policy set.
//!
//! Entities: one `User` per role (`User::"owner"` etc.) whose parent is its
//! `Role`, and the role chain `Role::"owner"` in `Role::"collaborator"` in
//! `Role::"limited_collaborator"`, so `principal in Role::"collaborator"`
//! holds for collaborators and owners. Resources are `App::"app"` and
//! `DedicatedDatabase::"db"`; actions are `Action::"<action id>"`.
//!
//! Each role on each kind is granted only what it adds over the role below
//! it (inheritance gives it the rest). The `limited(...)` cells are their own
//! policies: the obligation as an `@obligation` annotation, the conditions as
//! `when` clauses over the request context:
//!
//! - `deployment_age_secs` (`Long`, whole seconds, rounded down): the cell
//!   allows when it is below 604800 (7 days);
//! - `review_app_trigger` (`"scm_integration"` or `"manual"`) and
//!   `review_app_settings` (`"allow_creation"` or `"forbid_creation"`): the
//!   cell allows for `"scm_integration"` and `"allow_creation"`.
//!
//! A fact the caller does not know is left out of the context, and
//! `context has ...` makes the `when` clause false.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityUid, PolicySet, Request,
    RestrictedExpression,
};
use collab_authz::matrix::{Condition, Limit, Obligation};
use collab_authz::{
    Action, Permissions, ResourceKind, ReviewAppSettings, ReviewAppTrigger, Role, grants,
};

use crate::{Error, roles_with_lower};

/// How the policy set groups the actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// One `permit` per cell: `action == Action::"stop"`.
    PerCell,
    /// One `permit` per (kind, role): `action in [Action::"a", ...]`.
    ActionLists,
    /// One `permit` per (kind, role) over an action group entity:
    /// `action in Action::"app/collaborator"`, each action entity a member
    /// of the groups that grant it.
    ActionGroups,
    /// The action groups, with one `permit` per kind whose `when` clause
    /// is the disjunction over the roles: `(principal in Role::"r" &&
    /// action in Action::"app/r") || ...`.
    PerKind,
}

impl Encoding {
    /// Every encoding.
    pub const ALL: [Encoding; 4] = [
        Encoding::PerCell,
        Encoding::ActionLists,
        Encoding::ActionGroups,
        Encoding::PerKind,
    ];

    /// A short name for reports.
    pub const fn name(self) -> &'static str {
        match self {
            Encoding::PerCell => "per-cell",
            Encoding::ActionLists => "action-lists",
            Encoding::ActionGroups => "action-groups",
            Encoding::PerKind => "per-kind",
        }
    }
}

/// The annotation key that marks a policy allowing with an obligation.
pub const OBLIGATION: &str = "obligation";

/// What Cedar decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Allowed by at least one policy without an obligation.
    Allowed,
    /// Allowed only by policies that carry the obligation annotation.
    AllowedWithObligation,
    /// Denied.
    Denied,
}

impl Outcome {
    /// Whether the action may go ahead.
    pub const fn is_allowed(self) -> bool {
        !matches!(self, Outcome::Denied)
    }
}

/// The Cedar entity type of a resource kind.
pub const fn resource_type(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::App => "App",
        ResourceKind::DedicatedDatabase => "DedicatedDatabase",
    }
}

const fn resource_id(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::App => "app",
        ResourceKind::DedicatedDatabase => "db",
    }
}

/// The Cedar `when` clause of a condition, written from the spec.
const fn when_clause(condition: Condition) -> &'static str {
    match condition {
        Condition::DeploymentYoungerThan7Days => {
            "context has deployment_age_secs && context.deployment_age_secs < 604800"
        }
        Condition::ReviewAppViaScmWhenAllowed => {
            "context has review_app_trigger && context.review_app_trigger == \"scm_integration\" \
             && context has review_app_settings && context.review_app_settings == \"allow_creation\""
        }
    }
}

const fn obligation_id(obligation: Obligation) -> &'static str {
    match obligation {
        Obligation::RedactEnvVarValues => "redact_env_var_values",
    }
}

fn uid(type_name: &str, id: &str) -> Result<EntityUid, Error> {
    Ok(format!("{type_name}::\"{id}\"").parse()?)
}

/// The `User` entity that holds `role`.
pub fn user(role: Role) -> Result<EntityUid, Error> {
    uid("User", role.id())
}

/// The `Action` entity of `action`.
pub fn action_uid(action: Action) -> Result<EntityUid, Error> {
    uid("Action", action.id())
}

/// The resource entity of `kind`.
pub fn resource(kind: ResourceKind) -> Result<EntityUid, Error> {
    uid(resource_type(kind), resource_id(kind))
}

fn group_id(kind: ResourceKind, role: Role) -> String {
    format!("{}/{}", kind.id(), role.id())
}

/// What `role` adds on `kind` over the role below it: the unconditional
/// cells, and the `limited(...)` cells.
fn increment(kind: ResourceKind, role: Role, lower: Option<Role>) -> (Permissions, Permissions) {
    let own = grants(role, kind);
    let inherited = lower.map_or(Permissions::empty(), |lower| grants(lower, kind).allowed());
    (own.allowed().difference(inherited), own.limited())
}

/// The policy set text for `encoding`.
///
/// # Errors
/// When an action has a `limited(...)` cell but no limit (a matrix bug).
pub fn policies_text(encoding: Encoding) -> Result<String, Error> {
    let mut text = String::new();
    for kind in ResourceKind::ALL {
        let resource = resource_type(kind);
        if encoding == Encoding::PerKind {
            let arms: Vec<String> = roles_with_lower(kind)
                .filter(|&(role, lower)| !increment(kind, role, lower).0.is_empty())
                .map(|(role, _)| {
                    format!(
                        "(principal in Role::\"{}\" && action in Action::\"{}\")",
                        role.id(),
                        group_id(kind, role)
                    )
                })
                .collect();
            writeln!(
                text,
                "permit(principal, action, resource is {resource})\nwhen {{ {} }};",
                arms.join(" || ")
            )?;
        }
        for (role, lower) in roles_with_lower(kind) {
            let (allowed, limited) = increment(kind, role, lower);
            let principal = format!("principal in Role::\"{}\"", role.id());
            if !allowed.is_empty() {
                match encoding {
                    Encoding::PerCell => {
                        for action in allowed.actions() {
                            writeln!(
                                text,
                                "permit({principal}, action == Action::\"{}\", resource is {resource});",
                                action.id()
                            )?;
                        }
                    }
                    Encoding::ActionLists => {
                        let list: Vec<String> = allowed
                            .actions()
                            .map(|a| format!("Action::\"{}\"", a.id()))
                            .collect();
                        writeln!(
                            text,
                            "permit({principal}, action in [{}], resource is {resource});",
                            list.join(", ")
                        )?;
                    }
                    Encoding::PerKind => {}
                    Encoding::ActionGroups => {
                        writeln!(
                            text,
                            "permit({principal}, action in Action::\"{}\", resource is {resource});",
                            group_id(kind, role)
                        )?;
                    }
                }
            }
            for action in limited.actions() {
                let head = format!(
                    "({principal}, action == Action::\"{}\", resource is {resource})",
                    action.id()
                );
                match Limit::of(action) {
                    Some(Limit::Obligation(o)) => writeln!(
                        text,
                        "@{OBLIGATION}(\"{}\")\npermit{head};",
                        obligation_id(o)
                    )?,
                    Some(Limit::Condition(c)) => {
                        writeln!(text, "permit{head}\nwhen {{ {} }};", when_clause(c))?;
                    }
                    None => return Err(format!("{action} is limited without a limit").into()),
                }
            }
        }
    }
    Ok(text)
}

/// The entities: users, the role chain, the two resources, and (for
/// [`Encoding::ActionGroups`]) the actions with their groups.
///
/// # Errors
/// When Cedar rejects an entity.
pub fn entities(encoding: Encoding) -> Result<Entities, Error> {
    let mut all = Vec::new();
    for role in Role::ALL {
        let parents = HashSet::from([uid("Role", role.id())?]);
        all.push(Entity::new_no_attrs(user(role)?, parents));
        // Each role is a member of the role just below it.
        let below = Role::ALL.into_iter().take_while(|&r| r != role).last();
        let parents = match below {
            Some(below) => HashSet::from([uid("Role", below.id())?]),
            None => HashSet::new(),
        };
        all.push(Entity::new_no_attrs(uid("Role", role.id())?, parents));
    }
    for kind in ResourceKind::ALL {
        all.push(Entity::new_no_attrs(resource(kind)?, HashSet::new()));
    }
    if matches!(encoding, Encoding::ActionGroups | Encoding::PerKind) {
        let mut groups: HashMap<Action, HashSet<EntityUid>> = HashMap::new();
        for kind in ResourceKind::ALL {
            for (role, lower) in roles_with_lower(kind) {
                let group = uid("Action", &group_id(kind, role))?;
                all.push(Entity::new_no_attrs(group.clone(), HashSet::new()));
                for action in increment(kind, role, lower).0.actions() {
                    groups.entry(action).or_default().insert(group.clone());
                }
            }
        }
        for action in Action::ALL {
            let parents = groups.remove(&action).unwrap_or_default();
            all.push(Entity::new_no_attrs(action_uid(action)?, parents));
        }
    }
    Ok(Entities::from_entities(all, None)?)
}

/// The Cedar request context for a crate [`Context`](collab_authz::Context):
/// only the facts it knows.
///
/// # Errors
/// When Cedar rejects the record.
pub fn context(ctx: &collab_authz::Context) -> Result<Context, Error> {
    let mut pairs = Vec::new();
    if let Some(age) = ctx.deployment_age() {
        let secs = i64::try_from(age.as_secs()).unwrap_or(i64::MAX);
        pairs.push((
            "deployment_age_secs".to_owned(),
            RestrictedExpression::new_long(secs),
        ));
    }
    if let Some(trigger) = ctx.review_app_trigger() {
        let id = match trigger {
            ReviewAppTrigger::ScmIntegration => "scm_integration",
            ReviewAppTrigger::Manual => "manual",
        };
        pairs.push((
            "review_app_trigger".to_owned(),
            RestrictedExpression::new_string(id.to_owned()),
        ));
    }
    if let Some(settings) = ctx.review_app_settings() {
        let id = match settings {
            ReviewAppSettings::AllowCreation => "allow_creation",
            ReviewAppSettings::ForbidCreation => "forbid_creation",
        };
        pairs.push((
            "review_app_settings".to_owned(),
            RestrictedExpression::new_string(id.to_owned()),
        ));
    }
    Ok(Context::from_pairs(pairs)?)
}

/// A ready-to-use Cedar authorizer holding the matrix.
#[derive(Debug)]
pub struct CedarMatrix {
    name: String,
    encoding: Option<Encoding>,
    policies: PolicySet,
    entities: Entities,
    authorizer: Authorizer,
}

impl CedarMatrix {
    /// Parses the policy set and builds the entities for `encoding`.
    ///
    /// # Errors
    /// When Cedar rejects the generated policies or entities.
    pub fn new(encoding: Encoding) -> Result<Self, Error> {
        Ok(Self {
            name: encoding.name().to_owned(),
            encoding: Some(encoding),
            policies: policies_text(encoding)?.parse()?,
            entities: entities(encoding)?,
            authorizer: Authorizer::new(),
        })
    }

    /// A matrix from policy text and entities written elsewhere (by hand,
    /// or deliberately broken by a test), named `name` in reports. Requests
    /// are built as for the generated encodings (see the module docs).
    ///
    /// # Errors
    /// When Cedar rejects the policies.
    pub fn from_text(name: &str, policies: &str, entities: Entities) -> Result<Self, Error> {
        Ok(Self {
            name: name.to_owned(),
            encoding: None,
            policies: policies.parse()?,
            entities,
            authorizer: Authorizer::new(),
        })
    }

    /// The name in reports: the encoding's, or the one given to
    /// [`CedarMatrix::from_text`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The generated encoding (`None` for [`CedarMatrix::from_text`]).
    pub const fn encoding(&self) -> Option<Encoding> {
        self.encoding
    }

    /// How many policies the set holds.
    pub fn policy_count(&self) -> usize {
        self.policies.policies().count()
    }

    /// The Cedar request for `role` doing `action` on `kind` in `ctx`.
    ///
    /// # Errors
    /// When Cedar rejects the request.
    pub fn request(
        &self,
        role: Role,
        kind: ResourceKind,
        action: Action,
        ctx: &collab_authz::Context,
    ) -> Result<Request, Error> {
        Ok(Request::new(
            user(role)?,
            action_uid(action)?,
            resource(kind)?,
            context(ctx)?,
            None,
        )?)
    }

    /// Whether Cedar allows a prebuilt request (the hot path).
    pub fn is_allowed(&self, request: &Request) -> bool {
        self.authorizer
            .is_authorized(request, &self.policies, &self.entities)
            .decision()
            == Decision::Allow
    }

    /// Cedar's full outcome for a prebuilt request, obligation included.
    pub fn outcome(&self, request: &Request) -> Outcome {
        let response = self
            .authorizer
            .is_authorized(request, &self.policies, &self.entities);
        if response.decision() != Decision::Allow {
            return Outcome::Denied;
        }
        let obligated = response
            .diagnostics()
            .reason()
            .all(|id| self.policies.annotation(id, OBLIGATION).is_some());
        if obligated {
            Outcome::AllowedWithObligation
        } else {
            Outcome::Allowed
        }
    }

    /// Builds the request and decides it (the request built per call).
    ///
    /// # Errors
    /// When Cedar rejects the request.
    pub fn decide(
        &self,
        role: Role,
        kind: ResourceKind,
        action: Action,
        ctx: &collab_authz::Context,
    ) -> Result<Outcome, Error> {
        Ok(self.outcome(&self.request(role, kind, action, ctx)?))
    }
}
