//! A tour of `collab-authz` for a newcomer: `cargo run --example quickstart`.
//!
//! Each section is a small function called from `main`; read them top to
//! bottom, or add a section of your own.

#![expect(clippy::unwrap_used, reason = "a walk-through on fixed, valid input")]

use std::time::Duration;

use collab_authz::matrix::roles_for;
use collab_authz::membership::Advisory;
use collab_authz::{
    Account, Email, Event, Invitation, InvitationToken, MemberId, Resource, ResourceId, Roster,
    Timestamp, Username, listing,
};
use collab_authz::{
    Action, Context, Decision, ResourceKind, ReviewAppSettings, ReviewAppTrigger, Role, Scope,
    allows, decide, grants, role_change,
};

fn main() {
    decisions();
    what_each_role_may_do();
    moving_between_roles();
    lifecycle();
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
    )
    .unwrap();
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

/// Membership: invite, accept, a refused escalation, a role change, an
/// ownership transfer, a removal with its advisory, and the events replayed.
fn lifecycle() {
    section("A membership lifecycle");
    let at = Timestamp::from_unix_seconds;
    let olivia: Email = "olivia@example.com".parse().unwrap();
    let ada: Email = "Ada@Example.com".parse().unwrap();

    // An app and its owner.
    let app = Resource::new(
        ResourceKind::App,
        ResourceId::new("app-42").unwrap(),
        "billing",
    )
    .unwrap();
    let owner = Account {
        id: MemberId::new("m-0").unwrap(),
        email: olivia.clone(),
        username: Some(Username::new("olivia").unwrap()),
    };
    let (mut roster, created) = Roster::create(app, owner, at(1_700_000_000));
    let mut events = vec![created];

    // Invite Ada with the default role: limited collaborator on an app.
    let token = InvitationToken::new("invite-secret-1").unwrap();
    let invite = Invitation::new(MemberId::new("m-1").unwrap(), ada.clone(), token.clone());
    let invited = roster.invite(&olivia, invite, at(1_700_000_100)).unwrap();
    println!(
        "invited {} as {}",
        invited.member().email,
        invited.role().unwrap()
    );
    events.push(invited);

    // Ada accepts (emails compare case-insensitively).
    let ada_lower: Email = "ada@example.com".parse().unwrap();
    let accepted = roster
        .accept(
            &ada_lower,
            &token,
            Username::new("ada").unwrap(),
            at(1_700_000_200),
        )
        .unwrap();
    println!("{} accepted", accepted.member().email);
    events.push(accepted);

    // A limited collaborator may not promote themself: refused, with why.
    let before = roster.clone();
    let refused = roster.change_role(&ada, &ada, Role::Collaborator, at(1_700_000_300));
    println!("ada promotes herself: {}", refused.unwrap_err());
    assert_eq!(roster, before, "a refused operation changes nothing");

    // The owner promotes her.
    let changed = roster
        .change_role(&olivia, &ada, Role::Collaborator, at(1_700_000_400))
        .unwrap();
    println!(
        "{} is now {}",
        changed.member().email,
        changed.role().unwrap()
    );
    events.push(changed);

    // Olivia asks to hand the app to Ada: the roster records the request.
    let requested = roster
        .request_transfer(&olivia, &ada, at(1_700_000_500))
        .unwrap();
    println!(
        "{} asks {} to take the app over",
        requested.actor(),
        requested.member().email
    );
    events.push(requested);

    // Ada accepts the pending request; Olivia stays as collaborator.
    let request = roster.pending_transfer().cloned().unwrap();
    let [promoted, demoted] = roster
        .accept_transfer(&ada, &request, at(1_700_000_600))
        .unwrap();
    println!("owner is now {}", roster.owner().email());
    events.extend([promoted, demoted]);

    println!("{}", listing::to_string(&roster));

    // Ada, the new owner, removes Olivia: a collaborator could read secrets.
    let removed = roster.revoke(&ada, &olivia, at(1_700_000_700)).unwrap();
    let advisory = removed.advisory().map_or("none", Advisory::id);
    println!("removed {}: advisory {advisory}", removed.member().email);
    events.push(removed);

    // The events. Their JSON carries the digest of the invitation's token,
    // never the token; still, show the fields rather than the JSON.
    println!("\nevents:");
    for event in &events {
        let line = summary(event);
        assert!(!line.contains(token.as_str()), "never print the secret");
        println!("  {line}");
    }
    let json = serde_json::to_string(&events).unwrap();
    let read: Vec<Event> = serde_json::from_str(&json).unwrap();
    assert_eq!(Roster::replay(&read).unwrap(), roster);
    println!("replayed {} events into the same roster", read.len());
}

/// One event on one line, without its secret: kind, member, role change,
/// actor, advisory.
fn summary(event: &Event) -> String {
    let mut line = format!("{:<29} {}", event.kind(), event.member().email);
    match (event.previous_role(), event.role()) {
        (Some(from), Some(to)) => line += &format!(" {from} -> {to}"),
        (None, Some(role)) => line += &format!(" as {role}"),
        (Some(from), None) => line += &format!(" (was {from})"),
        (None, None) => {}
    }
    line += &format!(", by {}", event.actor());
    if let Some(advisory) = event.advisory() {
        line += &format!(", advisory {advisory}");
    }
    line
}
