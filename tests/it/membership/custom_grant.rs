//! Granting a custom role on a roster (`Roster::check_custom_grant`): the
//! granter's effective role read from the roster, table-driven and against
//! a model.
#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

use collab_authz::{
    Action, CustomRole, GrantError, Granter, MemberStatus, Permissions, ResourceKind, Role, Roster,
};
use proptest::prelude::*;

use crate::common::{email, roster};

/// An app and a dedicated database, each with a member in every role and
/// status the kind has.
fn rosters() -> [Roster; 2] {
    use MemberStatus::{Accepted, Pending, UserAccountDeleted};
    [
        roster(
            ResourceKind::App,
            "app",
            "app",
            "owner@x.io",
            &[
                ("collab@x.io", Role::Collaborator, Accepted, 0),
                ("limited@x.io", Role::LimitedCollaborator, Accepted, 0),
                ("pending@x.io", Role::Collaborator, Pending, 0),
                ("gone@x.io", Role::Collaborator, UserAccountDeleted, 0),
            ],
        ),
        roster(
            ResourceKind::DedicatedDatabase,
            "db",
            "db",
            "owner@x.io",
            &[
                ("collab@x.io", Role::Collaborator, Accepted, 0),
                ("pending@x.io", Role::Collaborator, Pending, 0),
                ("gone@x.io", Role::Collaborator, UserAccountDeleted, 0),
            ],
        ),
    ]
}

/// The roster bridge, table-driven: who may grant, read from the roster.
#[test]
fn grant_rules_in_a_roster() {
    let [app, db] = rosters();
    // Within a collaborator's rights (every action but owner-only ones).
    let ops = CustomRole::from_name(
        "ops",
        ResourceKind::App,
        Permissions::STOP | Permissions::VIEW_ENV_VAR_VALUES | Permissions::INVITE_COLLABORATOR,
    )
    .unwrap();
    let table: [(&str, Result<(), GrantError>); 6] = [
        ("owner@x.io", Ok(())),
        ("Collab@X.io", Ok(())),
        ("limited@x.io", Err(GrantError::MayNotGrant)),
        ("pending@x.io", Err(GrantError::NotActive)),
        ("gone@x.io", Err(GrantError::NotActive)),
        ("stranger@x.io", Err(GrantError::NotAMember)),
    ];
    for (actor, expected) in table {
        assert_eq!(
            app.check_custom_grant(&email(actor), &ops),
            expected,
            "{actor}"
        );
    }
    // Kind mismatch is refused whoever asks, owner included.
    for actor in ["owner@x.io", "stranger@x.io"] {
        assert_eq!(
            db.check_custom_grant(&email(actor), &ops),
            Err(GrantError::WrongKind {
                role: ResourceKind::App,
                resource: ResourceKind::DedicatedDatabase
            })
        );
    }
    let backup = CustomRole::new(
        "backup",
        ResourceKind::DedicatedDatabase,
        Permissions::DOWNLOAD_BACKUPS,
    )
    .unwrap();
    assert_eq!(
        db.check_custom_grant(&email("collab@x.io"), &backup),
        Ok(())
    );
    assert_eq!(
        db.check_custom_grant(&email("gone@x.io"), &backup),
        Err(GrantError::NotActive)
    );
    // The messages say why.
    assert_eq!(
        GrantError::NotActive.to_string(),
        "the granter's membership is not active (pending invitation or deleted account)"
    );
    assert_eq!(
        GrantError::NotAMember.to_string(),
        "the granter has no membership on the resource"
    );
    // The roster's role is what is checked: the same member, lowered to
    // limited, may no longer grant.
    let mut lowered = app.clone();
    lowered
        .change_role(
            &email("owner@x.io"),
            &email("collab@x.io"),
            Role::LimitedCollaborator,
            crate::common::at(1),
        )
        .unwrap();
    assert_eq!(
        lowered.check_custom_grant(&email("collab@x.io"), &ops),
        Err(GrantError::MayNotGrant)
    );
}

fn any_permissions() -> impl Strategy<Value = Permissions> {
    (0u64..(1 << Action::COUNT)).prop_map(Permissions::from_bits_truncate)
}

fn any_kind() -> impl Strategy<Value = ResourceKind> {
    prop::sample::select(ResourceKind::ALL.to_vec())
}

proptest! {
    /// The roster bridge agrees with `check_grant` on the actor's effective
    /// role, and refuses every inactive or unknown actor; with built-in
    /// roles it never reports an escalation (a role that may invite holds
    /// every action a custom role may hold), and an escalation by a custom
    /// granter names exactly the missing actions.
    #[test]
    fn check_custom_grant_matches_the_effective_role(perms in any_permissions(), kind in any_kind(), actor in 0usize..6) {
        // Mostly valid roles: the random set cut down to what a custom role
        // on `kind` may hold (a collaborator's `yes` cells).
        let perms = perms & collab_authz::grants(Role::Collaborator, kind).allowed();
        let actors = ["owner@x.io", "collab@x.io", "limited@x.io", "pending@x.io", "gone@x.io", "stranger@x.io"];
        let rosters = rosters();
        if let Ok(role) = CustomRole::from_name("r", kind, perms) {
            for r in &rosters {
                let actor = email(actors[actor]);
                let got = r.check_custom_grant(&actor, &role);
                let expected = if r.kind() != kind {
                    Err(GrantError::WrongKind { role: kind, resource: r.kind() })
                } else {
                    match r.get(&actor) {
                        None => Err(GrantError::NotAMember),
                        Some(m) => match m.effective_role() {
                            None => Err(GrantError::NotActive),
                            Some(effective) => role.check_grant(Granter::Role(effective), kind),
                        },
                    }
                };
                prop_assert_eq!(got, expected);
                let escalated = matches!(got, Err(GrantError::Escalation { .. }));
                prop_assert!(!escalated);
                prop_assert_eq!(got.is_ok(), r.kind() == kind && r.may(&actor, Action::InviteCollaborator).is_ok());
            }
        }
    }

}
