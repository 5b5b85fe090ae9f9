//! Golden tests: every cell of the spec (`docs/permissions.md`), written out here
//! by hand, compared with the crate's matrix, overview and CSV export.
//!
//! Nothing in the expected tables is derived from the code under test.
#![expect(
    clippy::panic,
    reason = "a test reports a malformed golden table by panicking"
)]
#![expect(clippy::indexing_slicing, reason = "test code")]

use collab_authz::export::{Export, Format};
use collab_authz::matrix::{Cell, Condition, Limit, Obligation, cell};
use collab_authz::{
    Action, Category, Coverage, Overview, Permissions, ResourceKind, Role, RoleChangeError,
    role_change,
};

const REDACTED: &str = "limited(environment variable values are redacted)";
const YOUNGER_THAN_7_DAYS: &str = "limited(only deployments younger than 7 days)";
const VIA_SCM_WHEN_ALLOWED: &str = "limited(only through the SCM integration, and only when the app's review-app settings allow it)";

/// "Actions on an `app`": (scope, action id, owner, collaborator,
/// limited_collaborator). The owner column is stated in the spec as "yes
/// for every action that applies to the kind"; it is written out here.
const APP: [(&str, &str, &str, &str, &str); 59] = [
    ("lifecycle", "restart", "yes", "yes", "yes"),
    ("lifecycle", "stop", "yes", "yes", "no"),
    ("lifecycle", "scale_vertically", "yes", "yes", "no"),
    ("lifecycle", "scale_horizontally", "yes", "yes", "no"),
    ("lifecycle", "create_autoscaler", "yes", "yes", "no"),
    ("lifecycle", "update_autoscaler", "yes", "yes", "no"),
    ("lifecycle", "grant_support_access", "yes", "yes", "yes"),
    ("lifecycle", "manage_log_drains", "yes", "yes", "no"),
    ("lifecycle", "create_child_app", "yes", "yes", "no"),
    ("monitoring", "view_activity", "yes", "yes", "yes"),
    (
        "monitoring",
        "view_activity_details",
        "yes",
        "yes",
        REDACTED,
    ),
    ("monitoring", "view_logs", "yes", "yes", "yes"),
    ("monitoring", "download_log_archives", "yes", "yes", "no"),
    ("monitoring", "view_metrics", "yes", "yes", "yes"),
    ("administration", "delete", "yes", "no", "no"),
    ("administration", "rename", "yes", "no", "no"),
    ("administration", "transfer_ownership", "yes", "no", "no"),
    ("administration", "change_stack", "yes", "yes", "no"),
    ("collaborators", "invite_collaborator", "yes", "yes", "no"),
    ("collaborators", "revoke_collaborator", "yes", "yes", "no"),
    (
        "collaborators",
        "change_collaborator_role",
        "yes",
        "yes",
        "no",
    ),
    ("deployment", "configure_scm", "yes", "yes", "no"),
    ("deployment", "manage_auto_deploy", "yes", "yes", "no"),
    ("deployment", "deploy_any_branch", "yes", "yes", "no"),
    ("deployment", "deploy_default_branch", "yes", "yes", "yes"),
    ("deployment", "view_deployments", "yes", "yes", "yes"),
    (
        "deployment",
        "view_deployment_logs",
        "yes",
        "yes",
        YOUNGER_THAN_7_DAYS,
    ),
    ("deployment", "reset_deployment_cache", "yes", "yes", "yes"),
    ("one_off", "list_one_offs", "yes", "yes", "yes"),
    ("one_off", "create_one_off", "yes", "yes", "no"),
    ("one_off", "attach_one_off", "yes", "yes", "no"),
    ("one_off", "list_cron_jobs", "yes", "yes", "yes"),
    ("environment", "manage_env_vars", "yes", "yes", "no"),
    ("environment", "view_env_var_names", "yes", "yes", "yes"),
    ("environment", "view_env_var_values", "yes", "yes", "no"),
    ("review_apps", "configure_review_apps", "yes", "yes", "no"),
    ("review_apps", "list_review_apps", "yes", "yes", "yes"),
    (
        "review_apps",
        "create_review_app",
        "yes",
        "yes",
        VIA_SCM_WHEN_ALLOWED,
    ),
    ("review_apps", "close_review_app", "yes", "yes", "yes"),
    ("review_apps", "redeploy_review_app", "yes", "yes", "yes"),
    ("addons", "provision_addon", "yes", "yes", "no"),
    ("addons", "access_addon_dashboard", "yes", "yes", "no"),
    ("addons", "change_addon_plan", "yes", "yes", "no"),
    ("addons", "remove_addon", "yes", "yes", "no"),
    ("database", "access_database_dashboard", "yes", "yes", "no"),
    ("database", "create_manual_backup", "yes", "yes", "no"),
    ("database", "manage_scheduled_backups", "yes", "yes", "no"),
    ("database", "download_backups", "yes", "yes", "no"),
    ("database", "restore_backup", "yes", "yes", "no"),
    ("database", "restore_pitr", "yes", "yes", "no"),
    ("database", "view_connection_details", "yes", "yes", "no"),
    ("database", "view_database_logs", "yes", "yes", "no"),
    ("database", "view_database_metrics", "yes", "yes", "no"),
    ("database", "manage_internet_access", "yes", "yes", "no"),
    ("database", "manage_database_config", "yes", "yes", "no"),
    ("database", "manage_database_users", "yes", "yes", "no"),
    ("database", "manage_maintenance_windows", "yes", "yes", "no"),
    ("database", "major_upgrade", "yes", "yes", "no"),
    ("database", "minor_upgrade", "yes", "yes", "no"),
];

/// "Actions on a `dedicated_database`": the only actions that apply,
/// (action id, owner, collaborator, limited_collaborator). The 15 `database`
/// scope actions are written out one by one. Every other action is `n/a`
/// for every role.
const DEDICATED_DATABASE: [(&str, &str, &str, &str); 20] = [
    ("delete", "yes", "no", "n/a"),
    ("rename", "yes", "no", "n/a"),
    ("transfer_ownership", "yes", "no", "n/a"),
    ("invite_collaborator", "yes", "yes", "n/a"),
    ("revoke_collaborator", "yes", "yes", "n/a"),
    ("access_database_dashboard", "yes", "yes", "n/a"),
    ("create_manual_backup", "yes", "yes", "n/a"),
    ("manage_scheduled_backups", "yes", "yes", "n/a"),
    ("download_backups", "yes", "yes", "n/a"),
    ("restore_backup", "yes", "yes", "n/a"),
    ("restore_pitr", "yes", "yes", "n/a"),
    ("view_connection_details", "yes", "yes", "n/a"),
    ("view_database_logs", "yes", "yes", "n/a"),
    ("view_database_metrics", "yes", "yes", "n/a"),
    ("manage_internet_access", "yes", "yes", "n/a"),
    ("manage_database_config", "yes", "yes", "n/a"),
    ("manage_database_users", "yes", "yes", "n/a"),
    ("manage_maintenance_windows", "yes", "yes", "n/a"),
    ("major_upgrade", "yes", "yes", "n/a"),
    ("minor_upgrade", "yes", "yes", "n/a"),
];

/// "Overview categories": (category, owner, collaborator,
/// limited_collaborator) for an app.
const OVERVIEW: [(&str, &str, &str, &str); 6] = [
    ("destructive_actions", "yes", "no", "no"),
    ("app_configuration", "yes", "yes", "no"),
    ("deployment", "yes", "yes", "limited"),
    ("addons_management", "yes", "yes", "no"),
    ("collaborator_management", "yes", "yes", "no"),
    ("data_and_secrets", "yes", "yes", "no"),
];

/// The columns of the spec's tables, in their order.
const COLUMNS: [Role; 3] = [Role::Owner, Role::Collaborator, Role::LimitedCollaborator];

/// The spec's cell text, as a [`Cell`]. The mapping is written by hand.
fn spec_cell(text: &str) -> Cell {
    match text {
        "yes" => Cell::Yes,
        "no" => Cell::No,
        "n/a" => Cell::NotApplicable,
        REDACTED => Cell::Limited(Limit::Obligation(Obligation::RedactEnvVarValues)),
        YOUNGER_THAN_7_DAYS => {
            Cell::Limited(Limit::Condition(Condition::DeploymentYoungerThan7Days))
        }
        VIA_SCM_WHEN_ALLOWED => {
            Cell::Limited(Limit::Condition(Condition::ReviewAppViaScmWhenAllowed))
        }
        other => panic!("not a cell of the spec: {other:?}"),
    }
}

/// The CSV label of a spec cell (`limited(...)` -> `limited`).
fn csv_label(text: &str) -> &str {
    if text.starts_with("limited(") {
        "limited"
    } else {
        text
    }
}

fn action(id: &str) -> Action {
    id.parse()
        .unwrap_or_else(|e| panic!("{id:?} is a spec action id: {e}"))
}

/// The spec's expected cells for every (kind, action), as label texts in
/// `COLUMNS` order, in the spec's action order.
fn spec_rows(kind: ResourceKind) -> Vec<(&'static str, [&'static str; 3])> {
    match kind {
        ResourceKind::App => APP
            .iter()
            .map(|&(_, id, o, c, l)| (id, [o, c, l]))
            .collect(),
        ResourceKind::DedicatedDatabase => APP
            .iter()
            .map(|&(_, id, _, _, _)| {
                let cells = DEDICATED_DATABASE
                    .iter()
                    .find(|row| row.0 == id)
                    .map_or(["n/a", "n/a", "n/a"], |&(_, o, c, l)| [o, c, l]);
                (id, cells)
            })
            .collect(),
    }
}

#[test]
fn the_spec_lists_59_distinct_actions_in_the_crates_order() {
    let ids: Vec<&str> = APP.iter().map(|row| row.1).collect();
    let crate_ids: Vec<&str> = Action::ALL.iter().map(|a| a.id()).collect();
    assert_eq!(ids, crate_ids);
    for (_, id, _, _, _) in APP {
        assert_eq!(action(id).to_string(), id);
    }
    for (id, _, _, _) in DEDICATED_DATABASE {
        assert!(APP.iter().any(|row| row.1 == id), "{id} is an app action");
    }
}

#[test]
fn every_action_has_the_spec_scope() {
    for (scope, id, _, _, _) in APP {
        assert_eq!(action(id).scope().id(), scope, "scope of {id}");
    }
}

#[test]
fn every_cell_matches_the_spec() {
    let mut checked = 0;
    for kind in ResourceKind::ALL {
        for (id, cells) in spec_rows(kind) {
            for (role, text) in COLUMNS.into_iter().zip(cells) {
                assert_eq!(
                    cell(role, kind, action(id)),
                    spec_cell(text),
                    "cell ({kind}, {role}, {id})"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 * 3 * 59);
}

#[test]
fn the_overview_matches_the_spec() {
    let overview = Overview::of(ResourceKind::App);
    let rows: Vec<_> = overview.rows().collect();
    assert_eq!(rows.len(), OVERVIEW.len());
    for (i, (category, o, c, l)) in OVERVIEW.into_iter().enumerate() {
        let category: Category = category.parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rows[i].0, category);
        for (role, text) in COLUMNS.into_iter().zip([o, c, l]) {
            let expected = match text {
                "yes" => Coverage::Yes,
                "no" => Coverage::No,
                "limited" => Coverage::Limited,
                other => panic!("not an overview cell: {other}"),
            };
            assert_eq!(
                overview.coverage(category, role),
                expected,
                "overview ({category}, {role})"
            );
        }
    }
}

#[test]
fn the_csv_export_matches_the_spec_cell_for_cell() {
    let csv = Export::new(Format::Csv).to_string();
    let mut expected = String::from("resource,action,owner,collaborator,limited_collaborator\n");
    for (kind, kind_id) in [
        (ResourceKind::App, "app"),
        (ResourceKind::DedicatedDatabase, "dedicated_database"),
    ] {
        for (id, [o, c, l]) in spec_rows(kind) {
            expected += &format!(
                "{kind_id},{id},{},{},{}\n",
                csv_label(o),
                csv_label(c),
                csv_label(l)
            );
        }
    }
    assert_eq!(csv.lines().count(), 119);
    for (n, (got, want)) in csv.lines().zip(expected.lines()).enumerate() {
        assert_eq!(got, want, "CSV line {}", n + 1);
    }
    assert_eq!(csv, expected);
}

/// `role_change` against the spec's columns: what the new role may do (yes
/// or limited) that the old one may not, and the reverse; no answer at all
/// for a role the kind does not have.
#[test]
fn role_change_matches_the_spec_columns() {
    // "limited_collaborator is not available" on a dedicated database.
    let available = |kind, role| {
        !(kind == ResourceKind::DedicatedDatabase && role == Role::LimitedCollaborator)
    };
    let may = |text: &str| text == "yes" || text.starts_with("limited(");
    let mut answered = 0;
    for kind in ResourceKind::ALL {
        let rows = spec_rows(kind);
        let set = |keep: &dyn Fn(&[&str; 3]) -> bool| -> Permissions {
            rows.iter()
                .filter(|(_, cells)| keep(cells))
                .map(|(id, _)| action(id))
                .collect()
        };
        for (f, from) in COLUMNS.into_iter().enumerate() {
            for (t, to) in COLUMNS.into_iter().enumerate() {
                let got = role_change(kind, from, to);
                if !available(kind, from) || !available(kind, to) {
                    let role = if available(kind, from) { to } else { from };
                    assert_eq!(
                        got,
                        Err(RoleChangeError::RoleNotAvailable { kind, role }),
                        "({kind}, {from} -> {to})"
                    );
                    continue;
                }
                let change = got.unwrap_or_else(|e| panic!("({kind}, {from} -> {to}): {e}"));
                assert_eq!(change.added(), set(&|c| may(c[t]) && !may(c[f])));
                assert_eq!(change.removed(), set(&|c| may(c[f]) && !may(c[t])));
                assert_eq!(
                    change.conditions_lifted(),
                    set(&|c| c[f].starts_with("limited(") && c[t] == "yes")
                );
                assert_eq!(
                    change.conditions_imposed(),
                    set(&|c| c[f] == "yes" && c[t].starts_with("limited("))
                );
                answered += 1;
            }
        }
    }
    assert_eq!(answered, 9 + 4);
    // The audit's case: there is no limited collaborator on a dedicated
    // database to promote.
    let err = role_change(
        ResourceKind::DedicatedDatabase,
        Role::LimitedCollaborator,
        Role::Collaborator,
    )
    .err()
    .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("the limited_collaborator role is not available on a dedicated database")
    );
}

/// The serde forms (feature `serde`).
#[cfg(feature = "serde")]
mod serialization {
    use core::time::Duration;

    use collab_authz::matrix::{Cell, Condition, Limit, Obligation};
    use collab_authz::{
        Action, Context, Decision, MissingFact, ResourceKind, ReviewAppSettings, ReviewAppTrigger,
        Role, Unmet, decide,
    };
    use serde_json::{Value, json};

    /// The JSON an audit log gets for a decision: one example of each decision
    /// and of each denial reason, written out by hand. The `message` is the
    /// denial's `Display` text (its wording is tested in `denial_messages.rs`).
    #[test]
    fn decisions_serialize_to_the_documented_json() {
        let app = ResourceKind::App;
        let db = ResourceKind::DedicatedDatabase;
        let limited = Role::LimitedCollaborator;
        let none = Context::new();
        let fresh = Context::new().with_deployment_age(Duration::from_secs(60));
        let forbidden = Context::new()
            .with_review_app_trigger(ReviewAppTrigger::ScmIntegration)
            .with_review_app_settings(ReviewAppSettings::ForbidCreation);
        let denied = |role: &str, kind: &str, action: &str, reason: Value, required: Value| {
            json!({
                "decision": "denied",
                "denial": {
                    "role": role,
                    "resource_kind": kind,
                    "action": action,
                    "reason": reason,
                    "required_role": required,
                }
            })
        };
        let cases = [
            (
                decide(Role::Owner, app, Action::Delete, &none),
                json!({"decision": "allowed"}),
            ),
            (
                decide(limited, app, Action::ViewActivityDetails, &none),
                json!({"decision": "allowed_with_obligation", "obligation": "redact_env_var_values"}),
            ),
            (
                decide(limited, app, Action::ViewDeploymentLogs, &fresh),
                json!({"decision": "allowed_under_condition", "condition": "deployment_younger_than_7_days"}),
            ),
            (
                decide(Role::Collaborator, app, Action::Delete, &none),
                denied(
                    "collaborator",
                    "app",
                    "delete",
                    json!({"reason": "role_too_low", "lowest": "owner"}),
                    json!("owner"),
                ),
            ),
            (
                decide(limited, db, Action::ViewConnectionDetails, &none),
                denied(
                    "limited_collaborator",
                    "dedicated_database",
                    "view_connection_details",
                    json!({"reason": "role_not_available", "lowest": "collaborator"}),
                    json!("collaborator"),
                ),
            ),
            (
                decide(limited, db, Action::Restart, &none),
                denied(
                    "limited_collaborator",
                    "dedicated_database",
                    "restart",
                    json!({"reason": "role_not_available", "lowest": null}),
                    Value::Null,
                ),
            ),
            (
                decide(Role::Owner, db, Action::Restart, &none),
                denied(
                    "owner",
                    "dedicated_database",
                    "restart",
                    json!({"reason": "not_applicable"}),
                    Value::Null,
                ),
            ),
            (
                decide(limited, app, Action::CreateReviewApp, &forbidden),
                denied(
                    "limited_collaborator",
                    "app",
                    "create_review_app",
                    json!({
                        "reason": "condition_not_met",
                        "condition": "review_app_via_scm_when_allowed",
                        "unmet": "forbidden_by_settings",
                    }),
                    Value::Null,
                ),
            ),
            (
                decide(limited, app, Action::ViewDeploymentLogs, &none),
                denied(
                    "limited_collaborator",
                    "app",
                    "view_deployment_logs",
                    json!({
                        "reason": "condition_unknown",
                        "condition": "deployment_younger_than_7_days",
                        "missing": "deployment_age",
                    }),
                    Value::Null,
                ),
            ),
        ];
        for (decision, want) in cases {
            let mut got = serde_json::to_value(decision)
                .unwrap_or_else(|e| panic!("{decision:?} does not serialize: {e}"));
            if let Decision::Denied(denial) = decision {
                let message = got
                    .get_mut("denial")
                    .and_then(|d| d.as_object_mut())
                    .and_then(|d| d.remove("message"));
                assert_eq!(message, Some(json!(denial.to_string())), "{decision:?}");
            }
            assert_eq!(got, want, "{decision:?}");
        }
    }

    /// Cells, limits and the parts of a condition serialize as snake_case ids
    /// and read back.
    #[test]
    fn cells_and_condition_parts_serialize_as_ids() {
        let cases = [
            (Cell::Yes, json!("yes")),
            (Cell::No, json!("no")),
            (Cell::NotApplicable, json!("not_applicable")),
            (
                Cell::Limited(Limit::Obligation(Obligation::RedactEnvVarValues)),
                json!({"limited": {"obligation": "redact_env_var_values"}}),
            ),
            (
                Cell::Limited(Limit::Condition(Condition::DeploymentYoungerThan7Days)),
                json!({"limited": {"condition": "deployment_younger_than_7_days"}}),
            ),
            (
                Cell::Limited(Limit::Condition(Condition::ReviewAppViaScmWhenAllowed)),
                json!({"limited": {"condition": "review_app_via_scm_when_allowed"}}),
            ),
        ];
        for (cell, want) in cases {
            assert_eq!(serde_json::to_value(cell).ok(), Some(want.clone()));
            assert_eq!(serde_json::from_value::<Cell>(want).ok(), Some(cell));
        }
        assert_eq!(
            serde_json::from_value::<Condition>(json!("deployment_younger_than7_days")).ok(),
            Some(Condition::DeploymentYoungerThan7Days),
            "the earlier spelling still reads"
        );
        for (unmet, id) in [
            (Unmet::DeploymentTooOld, "deployment_too_old"),
            (
                Unmet::NotThroughScmIntegration,
                "not_through_scm_integration",
            ),
            (Unmet::ForbiddenBySettings, "forbidden_by_settings"),
            (
                Unmet::NotThroughScmIntegrationAndForbiddenBySettings,
                "not_through_scm_integration_and_forbidden_by_settings",
            ),
        ] {
            assert_eq!(serde_json::to_value(unmet).ok(), Some(json!(id)));
            assert_eq!(serde_json::from_value::<Unmet>(json!(id)).ok(), Some(unmet));
        }
        for (missing, id) in [
            (MissingFact::DeploymentAge, "deployment_age"),
            (MissingFact::ReviewAppTrigger, "review_app_trigger"),
            (MissingFact::ReviewAppSettings, "review_app_settings"),
            (
                MissingFact::ReviewAppTriggerAndSettings,
                "review_app_trigger_and_settings",
            ),
        ] {
            assert_eq!(serde_json::to_value(missing).ok(), Some(json!(id)));
            assert_eq!(
                serde_json::from_value::<MissingFact>(json!(id)).ok(),
                Some(missing)
            );
        }
    }
}
