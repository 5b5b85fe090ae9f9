//! Differential agreement: the crate, Cedar (in each encoding) and casbin
//! decide the same for every (kind, role, action) in three contexts (no
//! fact known, every condition met, every condition failed), and for the
//! `limited(...)` cells in every context of a set that meets and fails each
//! condition at its edges. A disagreement names the cell.
#![expect(clippy::unwrap_used, reason = "tests")]

use core::time::Duration;

use collab_authz::{
    Action, Cell, Condition, Context, Decision, DenialReason, Limit, ResourceKind,
    ReviewAppSettings, ReviewAppTrigger, Role, cell, decide,
};
use collab_authz_peers::cedar::{CedarMatrix, Encoding, Outcome};
use collab_authz_peers::rbac::CasbinMatrix;

const DAY: u64 = 24 * 60 * 60;

/// Contexts, each with whether it meets each condition (from the spec's
/// words, not from the crate): `(name, context, young_deployment,
/// scm_and_allowed)`.
fn contexts() -> Vec<(&'static str, Context, bool, bool)> {
    let age = |secs: u64| Context::new().with_deployment_age(Duration::from_secs(secs));
    let review = |t, s| {
        Context::new()
            .with_review_app_trigger(t)
            .with_review_app_settings(s)
    };
    use ReviewAppSettings::{AllowCreation as Allow, ForbidCreation as Forbid};
    use ReviewAppTrigger::{Manual, ScmIntegration as Scm};
    vec![
        ("empty", Context::new(), false, false),
        ("deployment 0s old", age(0), true, false),
        ("deployment 1h old", age(3600), true, false),
        ("deployment 7d-1s old", age(7 * DAY - 1), true, false),
        (
            "deployment 7d-1ns old",
            Context::new().with_deployment_age(Duration::from_nanos(7 * DAY * 1_000_000_000 - 1)),
            true,
            false,
        ),
        ("deployment 7d old", age(7 * DAY), false, false),
        ("deployment 7d+1s old", age(7 * DAY + 1), false, false),
        ("deployment 30d old", age(30 * DAY), false, false),
        ("deployment u64::MAX s old", age(u64::MAX), false, false),
        ("scm + allow", review(Scm, Allow), false, true),
        ("scm + forbid", review(Scm, Forbid), false, false),
        ("manual + allow", review(Manual, Allow), false, false),
        ("manual + forbid", review(Manual, Forbid), false, false),
        (
            "scm only",
            Context::new().with_review_app_trigger(Scm),
            false,
            false,
        ),
        (
            "allow only",
            Context::new().with_review_app_settings(Allow),
            false,
            false,
        ),
        (
            "everything met",
            review(Scm, Allow).with_deployment_age(Duration::from_secs(60)),
            true,
            true,
        ),
        (
            "everything failed",
            review(Manual, Forbid).with_deployment_age(Duration::from_secs(8 * DAY)),
            false,
            false,
        ),
    ]
}

/// What the spec says about a cell in a context, from the cell alone.
fn expected(cell: Cell, young: bool, scm_allowed: bool) -> Outcome {
    match cell {
        Cell::Yes => Outcome::Allowed,
        Cell::Limited(Limit::Obligation(_)) => Outcome::AllowedWithObligation,
        Cell::Limited(Limit::Condition(Condition::DeploymentYoungerThan7Days)) if young => {
            Outcome::Allowed
        }
        Cell::Limited(Limit::Condition(Condition::ReviewAppViaScmWhenAllowed)) if scm_allowed => {
            Outcome::Allowed
        }
        Cell::Limited(_) | Cell::No | Cell::NotApplicable => Outcome::Denied,
    }
}

fn crate_outcome(decision: Decision) -> Outcome {
    match decision {
        Decision::Allowed | Decision::AllowedUnderCondition(_) => Outcome::Allowed,
        Decision::AllowedWithObligation(_) => Outcome::AllowedWithObligation,
        Decision::Denied(_) => Outcome::Denied,
    }
}

#[test]
fn crate_cedar_and_casbin_agree_on_every_cell_and_context() {
    let cedars: Vec<CedarMatrix> = Encoding::ALL
        .into_iter()
        .map(|e| CedarMatrix::new(e).unwrap())
        .collect();
    let casbin = CasbinMatrix::new().unwrap();
    let contexts = contexts();

    let mut disagreements = Vec::new();
    let mut checked = 0;
    let mut limited_allowed = 0;
    let mut limited_denied = 0;
    for kind in ResourceKind::ALL {
        for role in Role::ALL {
            for action in Action::ALL {
                let cell = cell(role, kind, action);
                // Every context for the conditional cells; the three broad
                // ones for the rest (this keeps the debug-build run short).
                let broad = ["empty", "everything met", "everything failed"];
                let contexts = contexts
                    .iter()
                    .filter(|c| matches!(cell, Cell::Limited(_)) || broad.contains(&c.0));
                for (name, ctx, young, scm_allowed) in contexts {
                    let at = format!(
                        "cell ({kind}, {role}, {action}) = {} in context `{name}`",
                        cell.label()
                    );
                    let spec = expected(cell, *young, *scm_allowed);
                    let ours = crate_outcome(decide(role, kind, action, ctx));
                    if ours != spec {
                        disagreements.push(format!("{at}: crate {ours:?}, spec {spec:?}"));
                    }
                    for cedar in &cedars {
                        let theirs = cedar.decide(role, kind, action, ctx).unwrap();
                        if theirs != ours {
                            disagreements.push(format!(
                                "{at}: crate {ours:?}, cedar ({}) {theirs:?}",
                                cedar.encoding().name()
                            ));
                        }
                    }
                    let theirs = casbin.is_allowed(role, kind, action, ctx).unwrap();
                    if theirs != ours.is_allowed() {
                        disagreements
                            .push(format!("{at}: crate {ours:?}, casbin allowed = {theirs}"));
                    }
                    if let Cell::Limited(Limit::Condition(_)) = cell {
                        if ours.is_allowed() {
                            limited_allowed += 1;
                        } else {
                            limited_denied += 1;
                        }
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    // 3 limited cells in every context, the other 351 cells in 3 contexts.
    assert_eq!(checked, 3 * contexts.len() + 351 * 3);
    // Both conditional cells were seen met and failed.
    assert!(
        limited_allowed >= 4 && limited_denied >= 4,
        "{limited_allowed} / {limited_denied}"
    );
}

#[test]
fn wrong_role_on_kind_is_denied_everywhere_even_when_every_condition_holds() {
    let cedars: Vec<CedarMatrix> = Encoding::ALL
        .into_iter()
        .map(|e| CedarMatrix::new(e).unwrap())
        .collect();
    let casbin = CasbinMatrix::new().unwrap();
    let everything = Context::new()
        .with_deployment_age(Duration::from_secs(1))
        .with_review_app_trigger(ReviewAppTrigger::ScmIntegration)
        .with_review_app_settings(ReviewAppSettings::AllowCreation);
    let (role, kind) = (Role::LimitedCollaborator, ResourceKind::DedicatedDatabase);
    assert!(!kind.has_role(role));
    for action in Action::ALL {
        let at = format!("({kind}, {role}, {action})");
        let decision = decide(role, kind, action, &everything);
        assert!(
            matches!(
                decision.denial().map(|d| d.reason()),
                Some(DenialReason::RoleNotAvailable { .. })
            ),
            "crate {at}"
        );
        for cedar in &cedars {
            let outcome = cedar.decide(role, kind, action, &everything).unwrap();
            assert_eq!(
                outcome,
                Outcome::Denied,
                "cedar ({}) {at}",
                cedar.encoding().name()
            );
        }
        assert!(
            !casbin.is_allowed(role, kind, action, &everything).unwrap(),
            "casbin {at}"
        );
    }
}

#[test]
fn the_engines_are_not_trivially_permissive_or_restrictive() {
    // Hand-picked cells straight from the spec's tables, so a broken
    // generator (say, an empty policy set) cannot pass by agreeing with a
    // broken crate.
    let cedar = CedarMatrix::new(Encoding::ActionGroups).unwrap();
    let casbin = CasbinMatrix::new().unwrap();
    let none = Context::new();
    let cases = [
        (
            Role::LimitedCollaborator,
            ResourceKind::App,
            Action::Restart,
            true,
        ),
        (
            Role::LimitedCollaborator,
            ResourceKind::App,
            Action::Stop,
            false,
        ),
        (
            Role::Collaborator,
            ResourceKind::App,
            Action::ViewEnvVarValues,
            true,
        ),
        (Role::Collaborator, ResourceKind::App, Action::Delete, false),
        (
            Role::Owner,
            ResourceKind::App,
            Action::TransferOwnership,
            true,
        ),
        (
            Role::Owner,
            ResourceKind::DedicatedDatabase,
            Action::Stop,
            false,
        ),
        (
            Role::Collaborator,
            ResourceKind::DedicatedDatabase,
            Action::RestorePitr,
            true,
        ),
        (
            Role::Owner,
            ResourceKind::DedicatedDatabase,
            Action::Rename,
            true,
        ),
        (
            Role::Collaborator,
            ResourceKind::DedicatedDatabase,
            Action::Rename,
            false,
        ),
    ];
    for (role, kind, action, allowed) in cases {
        let at = format!("({kind}, {role}, {action})");
        assert_eq!(
            cedar
                .decide(role, kind, action, &none)
                .unwrap()
                .is_allowed(),
            allowed,
            "cedar {at}"
        );
        assert_eq!(
            casbin.is_allowed(role, kind, action, &none).unwrap(),
            allowed,
            "casbin {at}"
        );
    }
    // Policy counts from the spec's tables: what each role adds over the
    // one below it (app: limited 14 + 3 limited cells, collaborator 42,
    // owner 3; dedicated database: collaborator 17, owner 3), one policy per
    // cell, per (kind, role) or per kind, plus the 3 limited cells.
    let counts = Encoding::ALL.map(|e| CedarMatrix::new(e).unwrap().policy_count());
    assert_eq!(counts, [14 + 3 + 42 + 3 + 17 + 3, 5 + 3, 5 + 3, 2 + 3]);
}
