//! Custom roles: naming and permission rules at run time and through serde,
//! the one-AND check against a naive model, and the no-escalation grant rule.
#![expect(clippy::unwrap_used, reason = "tests")]

use collab_authz::{
    Action, CustomRole, CustomRoleError, GrantError, Granter, NameError, Permissions, ResourceKind,
    Role, allows, custom_role,
};
use proptest::prelude::*;

const DEPLOYER: CustomRole = custom_role!(
    "deployer",
    ResourceKind::App,
    Permissions::DEPLOY_ANY_BRANCH
        .union(Permissions::VIEW_DEPLOYMENTS)
        .union(Permissions::INVITE_COLLABORATOR),
);

#[test]
fn const_role_holds_what_it_was_given() {
    assert_eq!(DEPLOYER.name(), "deployer");
    assert_eq!(DEPLOYER.kind(), ResourceKind::App);
    assert!(DEPLOYER.allows(Action::DeployAnyBranch));
    assert!(DEPLOYER.allows(Action::InviteCollaborator));
    assert!(!DEPLOYER.allows(Action::Restart));
    assert_eq!(DEPLOYER.to_string(), "deployer");
    assert_eq!(DEPLOYER.covering_role(), Some(Role::Collaborator));
}

#[test]
fn names_are_checked() {
    let cases: &[(&str, Result<(), NameError>)] = &[
        ("ops", Ok(())),
        ("db-operator_2", Ok(())),
        ("", Err(NameError::Empty)),
        ("2ops", Err(NameError::BadStart)),
        ("_ops", Err(NameError::BadStart)),
        ("Ops", Err(NameError::BadStart)),
        ("ops team", Err(NameError::BadCharacter)),
        ("opsé", Err(NameError::BadCharacter)),
        ("owner", Err(NameError::Reserved)),
        ("collaborator", Err(NameError::Reserved)),
        ("limited_collaborator", Err(NameError::Reserved)),
        ("collaborators", Ok(())),
    ];
    for (name, expected) in cases {
        assert_eq!(CustomRole::validate_name(name), *expected, "{name:?}");
        let built = CustomRole::from_name(name, ResourceKind::App, Permissions::RESTART);
        assert_eq!(
            built.err(),
            expected.err().map(CustomRoleError::Name),
            "{name:?}"
        );
    }
    let long = "a".repeat(65);
    assert_eq!(CustomRole::validate_name(&long), Err(NameError::TooLong));
    assert!(CustomRole::validate_name(&long[..64]).is_ok());
}

/// Refusals as a table: (kind, permissions, error, message).
#[test]
fn permission_rules_are_checked_and_named() {
    let db = ResourceKind::DedicatedDatabase;
    let app = ResourceKind::App;
    let table: [(ResourceKind, Permissions, CustomRoleError, &str); 3] = [
        (
            db,
            Permissions::STOP | Permissions::RESTART | Permissions::MINOR_UPGRADE,
            CustomRoleError::NotApplicable {
                kind: db,
                actions: Permissions::RESTART | Permissions::STOP,
            },
            "a custom role on dedicated_database cannot hold actions that do not apply to it: restart, stop",
        ),
        (
            app,
            Permissions::RENAME | Permissions::TRANSFER_OWNERSHIP,
            CustomRoleError::OwnerOnly {
                actions: Permissions::RENAME | Permissions::TRANSFER_OWNERSHIP,
            },
            "a custom role cannot hold owner-only actions: rename, transfer_ownership",
        ),
        (
            app,
            Permissions::empty(),
            CustomRoleError::Empty,
            "a custom role must hold at least one action",
        ),
    ];
    for (kind, permissions, error, message) in table {
        let err = CustomRole::new("ops", kind, permissions).unwrap_err();
        assert_eq!(err, error, "{kind} {permissions}");
        assert_eq!(err.to_string(), message, "{kind} {permissions}");
    }
}

#[cfg(feature = "serde")]
#[test]
fn deserialize_checks_every_rule() {
    let ok: CustomRole = serde_json::from_str(
        r#"{"name":"deployer","kind":"app","permissions":["deploy_any_branch","view_deployments","invite_collaborator"]}"#,
    )
    .unwrap();
    assert_eq!(
        ok,
        CustomRole::from_name("deployer", ResourceKind::App, DEPLOYER.permissions()).unwrap()
    );
    // An owned name and a static one compare equal.
    assert_eq!(ok, DEPLOYER);
    assert_ne!(
        ok,
        CustomRole::from_name("deployer", ResourceKind::App, Permissions::RESTART).unwrap()
    );
    let back = serde_json::to_string(&ok).unwrap();
    assert_eq!(
        back,
        r#"{"name":"deployer","kind":"app","permissions":["invite_collaborator","deploy_any_branch","view_deployments"]}"#
    );

    let owner_only =
        serde_json::from_str::<CustomRole>(r#"{"name":"x","kind":"app","permissions":["delete"]}"#)
            .unwrap_err();
    assert!(
        owner_only
            .to_string()
            .contains("owner-only actions: delete"),
        "{owner_only}"
    );
    let na = serde_json::from_str::<CustomRole>(
        r#"{"name":"x","kind":"dedicated_database","permissions":["stop"]}"#,
    )
    .unwrap_err();
    assert!(na.to_string().contains("do not apply to it: stop"), "{na}");
    let bad_name = serde_json::from_str::<CustomRole>(
        r#"{"name":"owner","kind":"app","permissions":["restart"]}"#,
    )
    .unwrap_err();
    assert!(bad_name.to_string().contains("built-in role"), "{bad_name}");
    let unknown =
        serde_json::from_str::<CustomRole>(r#"{"name":"x","kind":"app","permissions":["fly"]}"#);
    assert!(unknown.is_err());
    let extra = serde_json::from_str::<CustomRole>(
        r#"{"name":"x","kind":"app","permissions":["restart"],"admin":true}"#,
    );
    assert!(extra.is_err());
}

#[test]
fn grant_rules() {
    let auditor = CustomRole::from_name(
        "auditor",
        ResourceKind::App,
        Permissions::VIEW_LOGS | Permissions::VIEW_ENV_VAR_VALUES,
    )
    .unwrap();
    // (granter, resource kind, expected), the refusals with their reason.
    let deployer = DEPLOYER;
    let table: [(Granter<'_>, ResourceKind, Result<(), GrantError>); 5] = [
        // Owner and collaborator hold every grantable action.
        (Role::Owner.into(), ResourceKind::App, Ok(())),
        (Role::Collaborator.into(), ResourceKind::App, Ok(())),
        // A limited collaborator may not invite at all.
        (
            Role::LimitedCollaborator.into(),
            ResourceKind::App,
            Err(GrantError::MayNotGrant),
        ),
        // Wrong kind.
        (
            Role::Owner.into(),
            ResourceKind::DedicatedDatabase,
            Err(GrantError::WrongKind {
                role: ResourceKind::App,
                resource: ResourceKind::DedicatedDatabase,
            }),
        ),
        // A custom granter lacking actions gets them named.
        (
            (&deployer).into(),
            ResourceKind::App,
            Err(GrantError::Escalation {
                missing: Permissions::VIEW_LOGS | Permissions::VIEW_ENV_VAR_VALUES,
            }),
        ),
    ];
    for (granter, kind, expected) in table {
        assert_eq!(
            auditor.check_grant(granter, kind),
            expected,
            "{granter:?} on {kind}"
        );
    }
    // A custom granter may grant a subset of itself, including itself.
    assert_eq!(
        DEPLOYER.check_grant((&DEPLOYER).into(), ResourceKind::App),
        Ok(())
    );
    let viewer =
        CustomRole::new("viewer", ResourceKind::App, Permissions::VIEW_DEPLOYMENTS).unwrap();
    assert_eq!(
        viewer.check_grant((&DEPLOYER).into(), ResourceKind::App),
        Ok(())
    );
}

#[test]
fn types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<CustomRole>();
    check::<CustomRoleError>();
    check::<GrantError>();
    check::<Granter<'static>>();
}

fn any_permissions() -> impl Strategy<Value = Permissions> {
    (0u64..(1 << Action::COUNT)).prop_map(Permissions::from_bits_truncate)
}

fn any_kind() -> impl Strategy<Value = ResourceKind> {
    prop::sample::select(ResourceKind::ALL.to_vec())
}

fn any_role() -> impl Strategy<Value = Role> {
    prop::sample::select(Role::ALL.to_vec())
}

proptest! {
    /// Construction succeeds exactly when a naive per-action check says so,
    /// and the one-AND check agrees with a per-action lookup.
    #[test]
    fn construction_matches_naive_model(perms in any_permissions(), kind in any_kind()) {
        let naive_ok = !perms.is_empty()
            && perms.actions().all(|a| {
                // Applicable iff the owner holds it (the owner holds every
                // applicable action); never owner-only.
                allows(Role::Owner, kind, a)
                    && !matches!(a, Action::Delete | Action::Rename | Action::TransferOwnership)
            });
        let built = CustomRole::from_name("r", kind, perms);
        prop_assert_eq!(built.is_ok(), naive_ok);
        if let Ok(role) = built {
            for a in Action::ALL {
                prop_assert_eq!(role.allows(a), perms.actions().any(|b| b == a));
            }
        }
    }

    /// A grant by a built-in role succeeds exactly when the role may invite
    /// and holds every action of the custom role as a `yes` cell.
    #[test]
    fn grant_matches_naive_model(perms in any_permissions(), kind in any_kind(), granter in any_role()) {
        if let Ok(role) = CustomRole::from_name("r", kind, perms) {
            let naive_ok = allows(granter, kind, Action::InviteCollaborator)
                && perms.actions().all(|a| allows(granter, kind, a));
            prop_assert_eq!(role.check_grant(Granter::Role(granter), kind).is_ok(), naive_ok);
        }
    }

    /// A custom granter never grants an action it lacks.
    #[test]
    fn no_escalation_through_custom_granters(a in any_permissions(), b in any_permissions()) {
        let kind = ResourceKind::App;
        if let (Ok(granter), Ok(role)) = (
            CustomRole::from_name("g", kind, a),
            CustomRole::from_name("r", kind, b),
        ) {
            match role.check_grant(Granter::Custom(&granter), kind) {
                Ok(()) => prop_assert!(granter.permissions().contains(role.permissions())
                    && granter.allows(Action::InviteCollaborator)),
                Err(GrantError::Escalation { missing }) => {
                    prop_assert_eq!(missing, role.permissions() - granter.permissions());
                }
                Err(GrantError::MayNotGrant) => prop_assert!(!granter.allows(Action::InviteCollaborator)),
                Err(e) => prop_assert!(false, "unexpected {e}"),
            }
        }
    }
}
