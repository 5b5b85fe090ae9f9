//! Differential agreement between the crate and Cedar and casbin.
//!
//! The reference is the **hand-written** encodings (`benches/peers/policies/`,
//! typed from the spec, independent of the crate): the crate must decide
//! every (kind, role, action) as they do in every context of a set that
//! meets and fails each condition at its edges. The **generated** encodings
//! (the benchmark's) are checked on every cell in three broad contexts, and
//! on the actions with a limit in every context. A disagreement names the cell; the last tests
//! break an encoding on purpose and check that the harness names exactly
//! the broken cells.
#![expect(clippy::unwrap_used, reason = "tests")]
#![expect(clippy::indexing_slicing, reason = "tests")]

use std::collections::BTreeSet;

use collab_authz::matrix::{Cell, Condition, Limit, cell};
use collab_authz::{
    Action, Context, DenialReason, ResourceKind, ReviewAppSettings, ReviewAppTrigger, Role, decide,
};
use collab_authz_peers::cedar::{CedarMatrix, Encoding, Outcome};
use collab_authz_peers::handwritten::{self, CASBIN_POLICY, CEDAR_POLICIES};
use collab_authz_peers::harness::{Comparison, Engine, Probe, compare, crate_outcome, probes};
use collab_authz_peers::rbac::CasbinMatrix;

/// Broad probes for all 354 cells, every probe for the 3 actions with a
/// limit on each of the 6 (kind, role) pairs.
fn expected_checks() -> usize {
    let probes = probes();
    let broad = probes.iter().filter(|p| p.broad).count();
    (354 - 3 * 6) * broad + 3 * 6 * probes.len()
}

/// Every probe marked broad: every cell in every context.
fn every_probe() -> Vec<Probe> {
    probes()
        .into_iter()
        .map(|p| Probe { broad: true, ..p })
        .collect()
}

fn assert_agree(engine: &dyn Engine, probes: &[Probe], expected_checks: usize) -> Comparison {
    let found = compare(engine, probes).unwrap();
    assert!(
        found.disagreements.is_empty(),
        "{} disagreements with {}:\n{}",
        found.disagreements.len(),
        engine.label(),
        found
            .disagreements
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(found.checked, expected_checks);
    found
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

// The hand-written encodings are the independent reference: every cell in
// every context (354 x 17).

#[test]
fn the_crate_agrees_with_the_hand_written_cedar_policies() {
    let every = every_probe();
    assert_agree(&handwritten::cedar().unwrap(), &every, 354 * every.len());
}

#[test]
fn the_crate_agrees_with_the_hand_written_casbin_policy() {
    let every = every_probe();
    assert_agree(&handwritten::casbin().unwrap(), &every, 354 * every.len());
}

// The generated encodings (the benchmark's): every cell in the broad
// contexts, the actions with a limit in every context.

#[test]
fn the_crate_agrees_with_every_generated_encoding() {
    for encoding in Encoding::ALL {
        assert_agree(
            &CedarMatrix::new(encoding).unwrap(),
            &probes(),
            expected_checks(),
        );
    }
    assert_agree(&CasbinMatrix::new().unwrap(), &probes(), expected_checks());
}

#[test]
fn decide_evaluates_each_cell_as_its_label_says() {
    // The crate's `decide` against its own `cell` and the probes' spec
    // flags: the conditions are evaluated, not collapsed.
    let (mut met, mut failed) = (0, 0);
    for kind in ResourceKind::ALL {
        for role in Role::ALL {
            for action in Action::ALL {
                let cell = cell(role, kind, action);
                for p in probes() {
                    let ours = crate_outcome(&decide(role, kind, action, &p.context));
                    let spec = expected(cell, p.young_deployment, p.scm_and_allowed);
                    assert_eq!(
                        ours,
                        spec,
                        "({kind}, {role}, {action}) = {} in `{}`",
                        cell.label(),
                        p.name
                    );
                    if let Cell::Limited(Limit::Condition(_)) = cell {
                        if ours.is_allowed() {
                            met += 1;
                        } else {
                            failed += 1;
                        }
                    }
                }
            }
        }
    }
    // Both conditional cells were seen met and failed.
    assert!(met >= 4 && failed >= 4, "{met} / {failed}");
}

/// Every `Action::"..."` literal of a Cedar text.
fn cedar_action_ids(text: &str) -> Vec<&str> {
    text.split("Action::\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect()
}

#[test]
fn the_hand_written_files_name_only_spec_ids() {
    // Cedar without a schema would silently never match a misspelt action.
    let ids = cedar_action_ids(CEDAR_POLICIES);
    assert!(ids.len() > 59, "{} action literals", ids.len());
    for id in &ids {
        assert!(
            id.parse::<Action>().is_ok(),
            "unknown action `{id}` in matrix.cedar"
        );
    }
    let named: BTreeSet<&str> = ids.into_iter().collect();
    assert_eq!(named.len(), 59, "matrix.cedar names every action");

    let (groupings, policies) = handwritten::parse_casbin_csv(CASBIN_POLICY).unwrap();
    assert!(groupings.is_empty());
    let mut seen = BTreeSet::new();
    for line in &policies {
        let at = line.join(", ");
        assert!(line[0].parse::<Role>().is_ok(), "role in `{at}`");
        assert!(line[1].parse::<ResourceKind>().is_ok(), "kind in `{at}`");
        assert!(line[2].parse::<Action>().is_ok(), "action in `{at}`");
        assert!(
            [
                "always",
                "deployment_younger_than_7_days",
                "review_app_via_scm_when_allowed"
            ]
            .contains(&line[3].as_str()),
            "condition in `{at}`"
        );
        assert!(seen.insert(&line[..3]), "duplicate line `{at}`");
    }
    // The spec's columns: owner 59 + 20, collaborator 56 + 17, limited
    // collaborator 17 (14 yes, 3 limited) on an app.
    assert_eq!(policies.len(), 59 + 20 + 56 + 17 + 17);
}

#[test]
fn wrong_role_on_kind_is_denied_everywhere_even_when_every_condition_holds() {
    let engines: Vec<Box<dyn Engine>> = vec![
        Box::new(handwritten::cedar().unwrap()),
        Box::new(handwritten::casbin().unwrap()),
        Box::new(CedarMatrix::new(Encoding::PerKind).unwrap()),
        Box::new(CasbinMatrix::new().unwrap()),
    ];
    let everything = Context::new()
        .with_deployment_age(core::time::Duration::from_secs(1))
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
        for engine in &engines {
            let outcome = engine.outcome(role, kind, action, &everything).unwrap();
            assert_eq!(outcome, Outcome::Denied, "{} {at}", engine.label());
        }
    }
}

#[test]
fn generated_policy_counts_match_the_spec() {
    // What each role adds over the one below it (app: limited 14 + 3
    // limited cells, collaborator 42, owner 3; dedicated database:
    // collaborator 17, owner 3), one policy per cell, per (kind, role) or
    // per kind, plus the 3 limited cells.
    let counts = Encoding::ALL.map(|e| CedarMatrix::new(e).unwrap().policy_count());
    assert_eq!(counts, [14 + 3 + 42 + 3 + 17 + 3, 5 + 3, 5 + 3, 2 + 3]);
    assert_eq!(handwritten::cedar().unwrap().policy_count(), 5 + 3);
}

// ---- The harness catches a broken encoding and names the cell ----

/// `text` with its one occurrence of `from` replaced by `to`.
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` occurs once");
    text.replacen(from, to, 1)
}

/// The distinct cells the harness reports, and the contexts named.
fn reported(
    engine: &dyn Engine,
) -> (
    BTreeSet<(ResourceKind, Role, Action)>,
    BTreeSet<&'static str>,
) {
    let found = compare(engine, &probes()).unwrap();
    for d in &found.disagreements {
        let text = d.to_string();
        let cell = format!("cell ({}, {}, {})", d.kind, d.role, d.action);
        assert!(text.starts_with(&cell), "{text}");
        assert!(text.contains(&engine.label()), "{text}");
    }
    (
        found.disagreements.iter().map(|d| d.cell()).collect(),
        found.disagreements.iter().map(|d| d.context).collect(),
    )
}

#[test]
fn a_cedar_cell_flipped_to_allow_is_named() {
    // Limited collaborators may not stop an app; grant it by mistake.
    let broken = format!(
        "{CEDAR_POLICIES}\npermit(principal in Role::\"limited_collaborator\", \
         action == Action::\"stop\", resource is App);"
    );
    let engine = handwritten::cedar_with("broken", &broken).unwrap();
    let (cells, contexts) = reported(&engine);
    assert_eq!(
        cells,
        BTreeSet::from([(ResourceKind::App, Role::LimitedCollaborator, Action::Stop)])
    );
    assert_eq!(
        contexts,
        BTreeSet::from(["empty", "everything met", "everything failed"])
    );
}

#[test]
fn a_dropped_cedar_policy_names_each_cell_it_held() {
    let start = CEDAR_POLICIES
        .find("@id(\"dedicated_database/owner\")")
        .unwrap();
    let broken = &CEDAR_POLICIES[..start];
    let engine = handwritten::cedar_with("broken", broken).unwrap();
    let (cells, _) = reported(&engine);
    let db = ResourceKind::DedicatedDatabase;
    assert_eq!(
        cells,
        BTreeSet::from([
            (db, Role::Owner, Action::Delete),
            (db, Role::Owner, Action::Rename),
            (db, Role::Owner, Action::TransferOwnership),
        ])
    );
}

#[test]
fn a_condition_off_by_one_second_is_named_with_its_edge_context() {
    // "younger than 7 days" written as "at most 7 days": only the context
    // exactly 7 days old tells them apart.
    let broken = replace_once(
        CEDAR_POLICIES,
        "context.deployment_age_secs < 7 * 24 * 3600",
        "context.deployment_age_secs <= 7 * 24 * 3600",
    );
    let engine = handwritten::cedar_with("broken", &broken).unwrap();
    let found = compare(&engine, &probes()).unwrap();
    let names: Vec<String> = found
        .disagreements
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        names,
        [
            "cell (app, limited_collaborator, view_deployment_logs) = limited in context \
          `deployment 7d old`: crate Denied, cedar (broken) Allowed"
        ]
    );
}

#[test]
fn a_lost_obligation_is_named() {
    let broken = replace_once(CEDAR_POLICIES, "@obligation(\"redact_env_var_values\")", "");
    let engine = handwritten::cedar_with("broken", &broken).unwrap();
    let found = compare(&engine, &probes()).unwrap();
    let cells: BTreeSet<_> = found.disagreements.iter().map(|d| d.cell()).collect();
    assert_eq!(
        cells,
        BTreeSet::from([(
            ResourceKind::App,
            Role::LimitedCollaborator,
            Action::ViewActivityDetails
        )])
    );
    assert!(
        found
            .disagreements
            .iter()
            .all(|d| { d.ours == Outcome::AllowedWithObligation && d.theirs == Outcome::Allowed })
    );
    assert_eq!(found.disagreements.len(), probes().len());
}

#[test]
fn a_dropped_casbin_line_is_named() {
    let broken = replace_once(CASBIN_POLICY, "p, owner, app, rename, always\n", "");
    let engine = handwritten::casbin_with("broken", &broken).unwrap();
    let (cells, _) = reported(&engine);
    assert_eq!(
        cells,
        BTreeSet::from([(ResourceKind::App, Role::Owner, Action::Rename)])
    );
}

#[test]
fn a_casbin_condition_on_the_wrong_cell_is_named() {
    // The review-app condition put on deploy_default_branch instead of
    // create_review_app: two cells, each only in the contexts that tell.
    let broken = replace_once(
        CASBIN_POLICY,
        "p, limited_collaborator, app, deploy_default_branch, always",
        "p, limited_collaborator, app, deploy_default_branch, review_app_via_scm_when_allowed",
    );
    let engine = handwritten::casbin_with("broken", &broken).unwrap();
    let (cells, contexts) = reported(&engine);
    assert_eq!(
        cells,
        BTreeSet::from([(
            ResourceKind::App,
            Role::LimitedCollaborator,
            Action::DeployDefaultBranch
        )])
    );
    // Denied where the condition fails; `everything met` still agrees.
    assert_eq!(contexts, BTreeSet::from(["empty", "everything failed"]));
}
