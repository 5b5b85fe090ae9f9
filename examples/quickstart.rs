//! A tour of `collab-authz` for a newcomer: `cargo run --example quickstart`.
//!
//! Each section is a small function called from `main`; read them top to
//! bottom, or add a section of your own.

use std::time::Duration;

use collab_authz::{
    Action, Context, Decision, ResourceKind, ReviewAppSettings, ReviewAppTrigger, Role, Scope,
    allows, decide, grants, role_change, roles_for,
};

fn main() {
    decisions();
    what_each_role_may_do();
    moving_between_roles();
}

/// Prints a section header.
fn section(title: &str) {
    println!("\n== {title} ==\n");
}

/// One decision in words.
fn describe(decision: &Decision) -> String {
    match decision {
        Decision::Allowed => "ALLOWED".to_owned(),
        Decision::AllowedWithObligation(obligation) => {
            format!("ALLOWED, with an obligation: {obligation}")
        }
        Decision::AllowedUnderCondition(condition) => {
            format!("ALLOWED, because the condition holds: {condition}")
        }
        Decision::Denied(denial) => format!("DENIED: {denial}"),
    }
}

/// "an app" or "a dedicated database".
fn on(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::App => "an app",
        ResourceKind::DedicatedDatabase => "a dedicated database",
    }
}

/// Asks for one decision and prints the question and the answer.
fn ask(role: Role, kind: ResourceKind, action: Action, ctx: &Context, situation: &str) {
    let decision = decide(role, kind, action, ctx);
    println!("{} / {action} on {} ({situation})", role.label(), on(kind));
    println!("  -> {}", describe(&decision));
}

/// A few decisions: an allow, a conditional both ways, an obligation, an
/// explained denial, and a role that a dedicated database does not have.
fn decisions() {
    section("Decisions");
    let app = ResourceKind::App;
    let limited = Role::LimitedCollaborator;
    let nothing_known = Context::new();

    ask(
        limited,
        app,
        Action::Restart,
        &nothing_known,
        "no context needed",
    );

    let two_days = Context::new().with_deployment_age(Duration::from_secs(2 * 24 * 3600));
    let ten_days = Context::new().with_deployment_age(Duration::from_secs(10 * 24 * 3600));
    ask(
        limited,
        app,
        Action::ViewDeploymentLogs,
        &two_days,
        "deployment 2 days old",
    );
    ask(
        limited,
        app,
        Action::ViewDeploymentLogs,
        &ten_days,
        "deployment 10 days old",
    );
    ask(
        limited,
        app,
        Action::ViewDeploymentLogs,
        &nothing_known,
        "age unknown",
    );

    let via_scm = Context::new()
        .with_review_app_trigger(ReviewAppTrigger::ScmIntegration)
        .with_review_app_settings(ReviewAppSettings::AllowCreation);
    ask(
        limited,
        app,
        Action::CreateReviewApp,
        &via_scm,
        "pull request, settings allow it",
    );

    ask(
        limited,
        app,
        Action::ViewActivityDetails,
        &nothing_known,
        "obligation",
    );
    ask(
        limited,
        app,
        Action::ViewEnvVarValues,
        &nothing_known,
        "secrets",
    );
    ask(
        Role::Collaborator,
        app,
        Action::Delete,
        &nothing_known,
        "owner-only",
    );
    ask(
        limited,
        ResourceKind::DedicatedDatabase,
        Action::ViewDatabaseMetrics,
        &nothing_known,
        "role not on this kind",
    );
    ask(
        Role::Owner,
        ResourceKind::DedicatedDatabase,
        Action::Restart,
        &nothing_known,
        "action not on this kind",
    );

    // The hot path: a `const fn` yes/no for the unconditional cells only.
    const MAY_RESTART: bool = allows(
        Role::LimitedCollaborator,
        ResourceKind::App,
        Action::Restart,
    );
    println!(
        "\nallows(limited_collaborator, app, restart) = {MAY_RESTART} (computed at compile time)"
    );
}

/// What each role may do on an app: counts and the lists.
fn what_each_role_may_do() {
    section("What each role may do on an app");
    let app = ResourceKind::App;
    for role in Role::ALL.into_iter().rev() {
        let g = grants(role, app);
        println!(
            "{:<21} {:>2} of {} actions: {} freely, {} under a limit",
            role.label(),
            g.any().count(),
            app.applicable_actions().count(),
            g.allowed().count(),
            g.limited().count(),
        );
        if role == Role::LimitedCollaborator {
            println!("  freely:        {}", g.allowed());
            println!("  under a limit: {}", g.limited());
        }
    }
    let owner_only = grants(Role::Owner, app)
        .allowed()
        .difference(grants(Role::Collaborator, app).any());
    println!("only the owner: {owner_only}");

    // The reverse question: who may do an action?
    for action in [Action::ViewEnvVarValues, Action::DeployDefaultBranch] {
        let who: Vec<&str> = roles_for(app, action).map(Role::label).collect();
        println!("who may {action}: {}", who.join(", "));
    }
}

/// What promoting a limited collaborator to collaborator changes.
fn moving_between_roles() {
    section("From limited collaborator to collaborator, on an app");
    let change = role_change(
        ResourceKind::App,
        Role::LimitedCollaborator,
        Role::Collaborator,
    );
    println!("gains {} actions, by scope:", change.added().count());
    for scope in Scope::ALL {
        let gained = change.added().intersection(scope.actions());
        if !gained.is_empty() {
            println!("  + {scope:<15} {gained}");
        }
    }
    println!("limits lifted: {}", change.conditions_lifted());
    println!("loses: {}", change.removed());
}
