//! The one door: `Roster::decide` (every denial reason, custom roles on
//! every action, equality with the free `decide` for built-in roles) and
//! `Roster::decide_command` (each command's rules, its no-ops, its
//! refusals), and the hardening that goes with it: a wrong invitation
//! token reads exactly as no invitation, and the transfer steps tell a
//! stranger nothing about a pending transfer.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use super::fixture::*;
use crate::common::{at, email, token};
use collab_authz::membership::{
    AcceptError, AnyRole, ChangeRoleError, Command, CommandError, InviteError, LeaveError,
    MemberId, MemberStatus, NotPermitted, Outcome, RevokeError, Roster, TransferError,
};
use collab_authz::{
    Action, Classify, Context, CustomRole, Decision, DenialReason, ErrorClass, Permissions,
    ResourceKind, ReviewAppSettings, ReviewAppTrigger, Role, custom_role, decide,
};
use core::time::Duration;

const RECRUITER: CustomRole = custom_role!(
    "recruiter",
    ResourceKind::App,
    Permissions::INVITE_COLLABORATOR
        .union(Permissions::REVOKE_COLLABORATOR)
        .union(Permissions::CHANGE_COLLABORATOR_ROLE),
);
const BACKUPS: CustomRole = custom_role!(
    "backups",
    ResourceKind::DedicatedDatabase,
    Permissions::CREATE_MANUAL_BACKUP,
);

const CUSTOM: &str = "custom@example.com";
const DELETED: &str = "deleted@example.com";

/// Contexts that exercise every conditional cell: empty (conditions
/// unknown), favourable (every condition holds), unfavourable.
fn contexts() -> [Context; 3] {
    [
        Context::new(),
        Context::new()
            .with_deployment_age(Duration::from_secs(60))
            .with_review_app_trigger(ReviewAppTrigger::ScmIntegration)
            .with_review_app_settings(ReviewAppSettings::AllowCreation),
        Context::new()
            .with_deployment_age(Duration::from_secs(30 * 24 * 3600))
            .with_review_app_trigger(ReviewAppTrigger::Manual)
            .with_review_app_settings(ReviewAppSettings::ForbidCreation),
    ]
}

/// The fixture plus an accepted member holding `custom` and an accepted
/// collaborator whose account was deleted.
fn with_custom(kind: ResourceKind, custom: CustomRole) -> Fixture {
    let mut f = Fixture::new(kind);
    let invitation = inv("m-custom", CUSTOM);
    f.push(|r| {
        r.invite_custom(&email(OWNER), invitation, custom, at(30))
            .unwrap()
    });
    f.push(|r| {
        r.accept(&email(CUSTOM), &token("tok-new"), None, at(31))
            .unwrap()
    });
    f.invite_accept(DELETED, Some(Role::Collaborator), "deleted");
    f.push(|r| r.account_deleted(&email(DELETED), at(32)).unwrap());
    f
}

#[test]
fn built_in_members_get_exactly_the_free_decide() {
    for kind in [ResourceKind::App, ResourceKind::DedicatedDatabase] {
        let f = Fixture::new(kind);
        let r = &f.roster;
        let mut who = vec![(OWNER, Role::Owner), (COLLAB, Role::Collaborator)];
        if kind == ResourceKind::App {
            who.push((LIMITED, Role::LimitedCollaborator));
        }
        for ctx in &contexts() {
            for (address, role) in &who {
                let member = r.get(&email(address)).unwrap();
                for action in Action::ALL {
                    let expected = decide(*role, kind, action, ctx);
                    assert_eq!(r.decide(&email(address), action, ctx), expected);
                    // By member id: the same answer.
                    assert_eq!(r.decide(member.id(), action, ctx), expected);
                }
            }
        }
    }
}

#[test]
fn a_custom_role_is_all_its_holder_holds_on_every_action() {
    for (kind, custom) in [
        (ResourceKind::App, DEPLOYER),
        (ResourceKind::App, RECRUITER),
        (ResourceKind::DedicatedDatabase, BACKUPS),
    ] {
        let f = with_custom(kind, custom.clone());
        let r = &f.roster;
        let member = r.get(&email(CUSTOM)).unwrap();
        let base = member.role();
        let mut widened_somewhere = false;
        for ctx in &contexts() {
            for action in Action::ALL {
                let got = r.decide(&email(CUSTOM), action, ctx);
                let by_base = decide(base, kind, action, ctx);
                if custom.allows(action) {
                    // Unconditional, as a custom role's grants are; the
                    // base role holds it too.
                    assert_eq!(got, Decision::Allowed, "{action}");
                    assert!(by_base.is_allowed(), "{action}");
                } else {
                    assert!(!got.is_allowed(), "{} widened to {action}", custom.name());
                    let denial = got.denial().unwrap();
                    let expected = if kind.applicable_actions().has(action) {
                        DenialReason::CustomRoleLacks
                    } else {
                        DenialReason::NotApplicable
                    };
                    assert_eq!(denial.reason(), expected, "{action}");
                    // No built-in role is named: the base holds more.
                    assert_eq!(denial.role(), None);
                    assert_eq!(denial.action(), action);
                    assert_eq!(denial.kind(), kind);
                    widened_somewhere |= by_base.is_allowed();
                }
                assert_eq!(r.decide(member.id(), action, ctx), got);
                // The roster's permission set agrees.
                assert_eq!(
                    got.is_allowed(),
                    r.effective_permissions(&email(CUSTOM)).has(action)
                );
            }
        }
        // Not vacuous: the base role would have allowed more.
        assert!(widened_somewhere, "{}", custom.name());
    }
}

#[test]
fn every_denial_reason_explains_itself() {
    let f = with_custom(ResourceKind::App, DEPLOYER);
    let database = with_custom(ResourceKind::DedicatedDatabase, BACKUPS);
    let mut closed = f.roster.clone();
    closed.delete(&email(OWNER), at(40)).unwrap();
    let ctx = Context::new();
    /// (roster, actor, action, reason, role named, message).
    type Row<'a> = (
        &'a Roster,
        &'a str,
        Action,
        DenialReason,
        Option<Role>,
        &'a str,
    );
    let rows: [Row<'_>; 7] = [
        (
            &f.roster,
            STRANGER,
            Action::ViewLogs,
            DenialReason::NotAMember,
            None,
            "the actor has no membership on this app: may not view_logs",
        ),
        (
            &f.roster,
            PENDING,
            Action::ViewLogs,
            DenialReason::InvitationPending,
            Some(Role::LimitedCollaborator),
            "the actor's invitation as limited_collaborator on this app is pending and grants nothing until accepted: may not view_logs",
        ),
        (
            &f.roster,
            DELETED,
            Action::Restart,
            DenialReason::AccountDeleted,
            Some(Role::Collaborator),
            "the account behind the actor's collaborator membership on this app was deleted and the membership grants nothing: may not restart",
        ),
        (
            &f.roster,
            CUSTOM,
            Action::Restart,
            DenialReason::CustomRoleLacks,
            None,
            "the actor's custom role does not hold restart on this app (a custom role is all its holder holds): may not restart",
        ),
        (
            &f.roster,
            LIMITED,
            Action::Stop,
            DenialReason::RoleTooLow {
                lowest: Role::Collaborator,
            },
            Some(Role::LimitedCollaborator),
            "limited_collaborator may not stop on an app: it needs the collaborator role or higher",
        ),
        (
            &closed,
            OWNER,
            Action::Restart,
            DenialReason::ResourceDeleted,
            Some(Role::Owner),
            "this app was deleted: nobody may restart on it",
        ),
        (
            &database.roster,
            CUSTOM,
            Action::Restart,
            DenialReason::NotApplicable,
            None,
            "restart does not apply to a dedicated database, for any role",
        ),
    ];
    for (roster, who, action, reason, role, message) in rows {
        let decision = roster.decide(&email(who), action, &ctx);
        let denial = decision
            .denial()
            .unwrap_or_else(|| panic!("{who} {action}"));
        assert_eq!(denial.reason(), reason, "{who}");
        assert_eq!(denial.role(), role, "{who}");
        assert_eq!(denial.to_string(), message);
        let json = serde_json::to_value(decision).unwrap();
        assert_eq!(json["decision"], "denied");
        assert_eq!(json["denial"]["message"], message);
        assert_eq!(
            json["denial"]["role"],
            serde_json::to_value(role).unwrap(),
            "{who}"
        );
    }
    // In people's words (`explain`), for a page.
    for (who, action, words) in [
        (
            STRANGER,
            Action::ViewLogs,
            "You are not a collaborator on this app, so you cannot view logs there.",
        ),
        (
            PENDING,
            Action::Restart,
            "Your invitation to this app is still pending, and a pending invitation grants nothing: you cannot restart it yet.",
        ),
        (
            DELETED,
            Action::Restart,
            "The account behind this membership of the app was deleted, so the membership grants nothing, not even to restart it.",
        ),
        (
            CUSTOM,
            Action::Restart,
            "Your custom role does not let you restart an app.",
        ),
    ] {
        let d = f.roster.decide(&email(who), action, &ctx);
        assert_eq!(d.denial().unwrap().explain().to_string(), words);
    }
    let d = closed.decide(&email(OWNER), Action::Restart, &ctx);
    assert_eq!(
        d.denial().unwrap().explain().to_string(),
        "This app was deleted: nobody can restart it any more."
    );
    // The serde names of the roster's reasons.
    for (reason, name) in [
        (DenialReason::NotAMember, "not_a_member"),
        (DenialReason::InvitationPending, "invitation_pending"),
        (DenialReason::AccountDeleted, "account_deleted"),
        (DenialReason::CustomRoleLacks, "custom_role_lacks"),
        (DenialReason::ResourceDeleted, "resource_deleted"),
    ] {
        assert_eq!(
            serde_json::to_value(reason).unwrap(),
            serde_json::json!({ "reason": name })
        );
        assert_eq!(reason.condition(), None);
    }
    // A deleted resource refuses even what the owner always holds; a
    // stranger is a stranger first.
    assert_eq!(
        closed
            .decide(&email(STRANGER), Action::Restart, &ctx)
            .denial()
            .map(|d| d.reason()),
        Some(DenialReason::NotAMember)
    );
    for who in [OWNER, COLLAB, LIMITED, CUSTOM] {
        for action in Action::ALL {
            let d = closed.decide(&email(who), action, &ctx);
            assert_eq!(
                d.denial().map(|d| d.reason()),
                Some(DenialReason::ResourceDeleted)
            );
        }
    }
}

#[test]
fn inactive_members_get_nothing_on_any_action() {
    let f = with_custom(ResourceKind::App, DEPLOYER);
    let r = &f.roster;
    for (who, reason) in [
        (PENDING, DenialReason::InvitationPending),
        (PENDING_COLLAB, DenialReason::InvitationPending),
        (DELETED, DenialReason::AccountDeleted),
        (STRANGER, DenialReason::NotAMember),
    ] {
        for ctx in &contexts() {
            for action in Action::ALL {
                let d = r.decide(&email(who), action, ctx);
                assert_eq!(d.denial().map(|d| d.reason()), Some(reason), "{who}");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Commands.
// ---------------------------------------------------------------------------

/// `decide_command` on a copy: the outcome, and that `execute` reaches
/// the same roster as applying the outcome's events (or leaves it as it
/// was).
fn run(roster: &Roster, actor: &str, command: &Command) -> Result<Outcome, CommandError> {
    let decided = roster.decide_command(&email(actor), command, at(50));
    let mut executed = roster.clone();
    let got = executed.execute(&email(actor), command, at(50));
    assert_eq!(got, decided);
    let mut applied = roster.clone();
    if let Ok(outcome) = &decided {
        for event in outcome.events() {
            applied.apply(event).unwrap();
        }
    }
    assert_eq!(executed, applied);
    decided
}

#[test]
fn removing_oneself_is_a_leave_and_anyone_else_a_revoke() {
    let f = app();
    let r = &f.roster;
    // A limited collaborator may not revoke, but may remove themself.
    let own = Command::Remove {
        member: MemberId::new("m-limited").unwrap().into(),
    };
    let out = run(r, LIMITED, &own).unwrap();
    assert_eq!(
        out.events(),
        [r.decide_leave(&email(LIMITED), at(50)).unwrap()]
    );
    // The same by email.
    let own = Command::Remove {
        member: email(LIMITED).into(),
    };
    assert_eq!(run(r, LIMITED, &own).unwrap(), out);
    // A pending invitee declines their own invitation.
    let decline = Command::Remove {
        member: email(PENDING).into(),
    };
    assert_eq!(
        run(r, PENDING, &decline).unwrap().events(),
        [r.decide_leave(&email(PENDING), at(50)).unwrap()]
    );
    // Anyone else's: a revoke, with the revoke's refusal.
    let other = Command::Remove {
        member: email(COLLAB).into(),
    };
    assert_eq!(
        run(r, LIMITED, &other),
        Err(CommandError::Revoke(RevokeError::NotPermitted(
            NotPermitted::RoleLacks {
                role: Role::LimitedCollaborator,
                kind: ResourceKind::App,
                action: Action::RevokeCollaborator,
                lowest: Some(Role::Collaborator),
            }
        )))
    );
    assert_eq!(
        run(r, OWNER, &other).unwrap().events(),
        [r.decide_revoke(&email(OWNER), &email(COLLAB), at(50))
            .unwrap()]
    );
    // The owner removing themself: the leave's refusal.
    let owner = Command::Remove {
        member: email(OWNER).into(),
    };
    assert_eq!(
        run(r, OWNER, &owner),
        Err(CommandError::Leave(LeaveError::Owner))
    );
    assert_eq!(
        run(r, OWNER, &Command::Leave),
        Err(LeaveError::Owner.into())
    );
}

#[test]
fn accept_names_the_actors_own_invitation_or_reads_as_none() {
    let f = app();
    let r = &f.roster;
    let accept = |member: &str, tok: &str| Command::Accept {
        member: MemberId::new(member).unwrap(),
        token: token(tok),
        username: None,
    };
    let ok = run(r, PENDING, &accept("m-pending", "tok-pending")).unwrap();
    assert_eq!(
        ok.events(),
        [
            r.decide_accept(&email(PENDING), &token("tok-pending"), None, at(50))
                .unwrap()
        ]
    );
    let none: CommandError = AcceptError::NoInvitation.into();
    // Someone else's invitation, with its right token: as none.
    assert_eq!(
        run(r, PENDING, &accept("m-pending-collab", "tok-pc")),
        Err(none.clone())
    );
    // Someone else's membership, an unknown id, a stranger: as none.
    assert_eq!(
        run(r, PENDING, &accept("m-collab", "tok-pending")),
        Err(none.clone())
    );
    assert_eq!(
        run(r, PENDING, &accept("m-nobody", "tok-pending")),
        Err(none.clone())
    );
    assert_eq!(
        run(r, STRANGER, &accept("m-pending", "tok-pending")),
        Err(none.clone())
    );
    // The actor's own invitation with a wrong token: a different variant
    // for the audit log, the same answer.
    let wrong = run(r, PENDING, &accept("m-pending", "tok-guess")).unwrap_err();
    assert_eq!(wrong, CommandError::Accept(AcceptError::WrongToken));
    assert_eq!(wrong.class(), none.class());
    assert_eq!(wrong.class(), ErrorClass::NotFound);
    assert_eq!(wrong.to_string(), none.to_string());
}

#[test]
fn a_wrong_token_is_indistinguishable_from_no_invitation() {
    let f = app();
    let r = &f.roster;
    let wrong = r
        .decide_accept(&email(PENDING), &token("tok-guess"), None, at(50))
        .unwrap_err();
    let none = r
        .decide_accept(&email(STRANGER), &token("tok-guess"), None, at(50))
        .unwrap_err();
    assert_eq!(
        (wrong, none),
        (AcceptError::WrongToken, AcceptError::NoInvitation)
    );
    assert_eq!(wrong.class(), none.class());
    assert_eq!(wrong.http_status(), 404);
    assert_eq!(wrong.to_string(), none.to_string());
    assert_eq!(wrong.not_permitted(), none.not_permitted());
}

#[test]
fn repeats_that_hold_already_are_unchanged_after_the_permission_check() {
    let mut f = with_custom(ResourceKind::App, DEPLOYER);
    let request = f.request(COLLAB, 45);
    let r = &f.roster;
    let unchanged = [
        // The built-in role held.
        (
            OWNER,
            Command::change_role(email(LIMITED), Role::LimitedCollaborator),
        ),
        (
            OWNER,
            Command::change_role(MemberId::new("m-collab").unwrap(), Role::Collaborator),
        ),
        // The custom role held.
        (OWNER, Command::change_role(email(CUSTOM), DEPLOYER)),
        // The current name.
        (
            OWNER,
            Command::Rename {
                name: "billing".into(),
            },
        ),
        // The pending transfer's own target.
        (
            OWNER,
            Command::RequestTransfer {
                to: email(COLLAB).into(),
            },
        ),
    ];
    for (actor, command) in &unchanged {
        assert_eq!(
            run(r, actor, command),
            Ok(Outcome::Unchanged),
            "{command:?}"
        );
        assert!(Outcome::Unchanged.events().is_empty());
    }
    // Whoever may not make the change learns the refusal, not the state.
    for (_, command) in &unchanged {
        for who in [LIMITED, STRANGER, PENDING] {
            let err = run(r, who, command).unwrap_err();
            assert_eq!(err.class(), ErrorClass::NotPermitted, "{who} {command:?}");
        }
    }
    assert_eq!(r.pending_transfer(), Some(&request));
    // A change from the custom role to its base is a change.
    let to_base = Command::change_role(email(CUSTOM), Role::Collaborator);
    assert_eq!(run(r, OWNER, &to_base).unwrap().events().len(), 1);
    // A request to another target stays a conflict.
    let other = Command::RequestTransfer {
        to: email(LIMITED).into(),
    };
    assert_eq!(
        run(r, OWNER, &other),
        Err(TransferError::AlreadyPending.into())
    );
}

#[test]
fn repeats_that_do_not_hold_stay_refusals() {
    let f = app();
    let r = &f.roster;
    // A second invitation of the same email: a conflict, not a no-op.
    let again = Command::invite(inv("m-again", PENDING));
    let err = run(r, OWNER, &again).unwrap_err();
    assert!(matches!(
        err,
        CommandError::Invite(InviteError::AlreadyMember { .. })
    ));
    assert_eq!(err.class(), ErrorClass::Conflict);
    // Removing a member who is gone: not found.
    let gone = Command::Remove {
        member: MemberId::new("m-gone").unwrap().into(),
    };
    assert_eq!(run(r, OWNER, &gone), Err(RevokeError::NoSuchMember.into()));
    // Cancelling or accepting a transfer that is not pending.
    assert_eq!(
        run(r, OWNER, &Command::CancelTransfer),
        Err(TransferError::NoPending.into())
    );
    assert_eq!(
        run(r, COLLAB, &Command::AcceptTransfer),
        Err(TransferError::NoPending.into())
    );
    // Deleting a deleted resource.
    let mut closed = r.clone();
    let deleted = closed.execute(&email(OWNER), &Command::Delete, at(60));
    assert_eq!(deleted.unwrap().events().len(), 1);
    let err = run(&closed, OWNER, &Command::Delete).unwrap_err();
    assert_eq!(err.class(), ErrorClass::Gone);
    // A role change to the role held, on a closed roster: closed first.
    let same = Command::change_role(email(COLLAB), Role::Collaborator);
    assert_eq!(
        run(&closed, OWNER, &same),
        Err(ChangeRoleError::Closed.into())
    );
}

#[test]
fn accept_transfer_takes_the_rosters_pending_request() {
    let mut f = app();
    let request = f.request(COLLAB, 45);
    let r = &f.roster;
    let out = run(r, COLLAB, &Command::AcceptTransfer).unwrap();
    assert_eq!(
        out.events(),
        r.decide_accept_transfer(&email(COLLAB), &request, at(50))
            .unwrap()
    );
    let mut moved = r.clone();
    let accepted = moved.execute(&email(COLLAB), &Command::AcceptTransfer, at(50));
    assert_eq!(accepted.unwrap(), out);
    assert_eq!(moved.owner().email(), &email(COLLAB));
    assert_eq!(moved.awaiting_event(), None);
    // Only the target.
    assert_eq!(
        run(r, LIMITED, &Command::AcceptTransfer),
        Err(TransferError::NotTarget.into())
    );
}

#[test]
fn account_deleted_is_the_actors_own() {
    let f = app();
    let r = &f.roster;
    let out = run(r, COLLAB, &Command::AccountDeleted).unwrap();
    assert_eq!(
        out.events(),
        [r.decide_account_deleted(&email(COLLAB), at(50)).unwrap()]
    );
    assert_eq!(
        run(r, STRANGER, &Command::AccountDeleted)
            .unwrap_err()
            .class(),
        ErrorClass::NotFound
    );
}

#[test]
fn commands_with_custom_roles() {
    let f = app();
    let r = &f.roster;
    let invite = Command::invite_custom(inv("m-new", "new@example.com"), DEPLOYER);
    assert_eq!(
        run(r, OWNER, &invite).unwrap().events(),
        [r.decide_invite_custom(
            &email(OWNER),
            inv("m-new", "new@example.com"),
            DEPLOYER,
            at(50)
        )
        .unwrap()]
    );
    let change = Command::ChangeRole {
        member: email(LIMITED).into(),
        role: AnyRole::Custom(DEPLOYER),
    };
    assert_eq!(
        run(r, OWNER, &change).unwrap().events(),
        [
            r.decide_change_role_custom(&email(OWNER), &email(LIMITED), DEPLOYER, at(50))
                .unwrap()
        ]
    );
    // A custom role of another kind: invalid input.
    let wrong_kind = Command::invite_custom(inv("m-new", "new@example.com"), BACKUPS);
    assert_eq!(
        run(r, OWNER, &wrong_kind).unwrap_err().class(),
        ErrorClass::Invalid
    );
    // Both a built-in and a custom role.
    let both = Command::invite_custom(
        inv("m-new", "new@example.com").with_role(Role::Collaborator),
        DEPLOYER,
    );
    assert_eq!(
        run(r, OWNER, &both),
        Err(InviteError::RoleAndCustomRole.into())
    );
}

#[test]
fn command_names_are_stable() {
    let names: Vec<&str> = [
        Command::invite(inv("m-x", "x@example.com")),
        Command::Accept {
            member: MemberId::new("m-x").unwrap(),
            token: token("t"),
            username: None,
        },
        Command::change_role(email(COLLAB), Role::Collaborator),
        Command::Remove {
            member: email(COLLAB).into(),
        },
        Command::Leave,
        Command::RequestTransfer {
            to: email(COLLAB).into(),
        },
        Command::AcceptTransfer,
        Command::CancelTransfer,
        Command::Rename { name: "x".into() },
        Command::Delete,
        Command::AccountDeleted,
    ]
    .iter()
    .map(Command::name)
    .collect();
    assert_eq!(
        names,
        [
            "invite",
            "accept",
            "change_role",
            "remove",
            "leave",
            "request_transfer",
            "accept_transfer",
            "cancel_transfer",
            "rename",
            "delete",
            "account_deleted"
        ]
    );
}

// ---------------------------------------------------------------------------
// The transfer steps tell a stranger nothing.
// ---------------------------------------------------------------------------

#[test]
fn transfer_steps_check_the_actor_before_the_transfer() {
    for kind in [ResourceKind::App, ResourceKind::DedicatedDatabase] {
        let quiet = Fixture::new(kind);
        let mut busy = Fixture::new(kind);
        let request = busy.request(COLLAB, 45);
        for (who, why) in [
            (STRANGER, NotPermitted::Stranger),
            (
                PENDING,
                NotPermitted::Inactive {
                    status: MemberStatus::Pending,
                },
            ),
        ] {
            let refusal = TransferError::NotPermitted(why);
            for f in [&quiet, &busy] {
                let r = &f.roster;
                // The same answer whether a transfer is pending or not,
                // and whatever request is presented.
                refused(r, |r| r.cancel_transfer(&email(who), at(50)), refusal);
                refused(
                    r,
                    |r| r.accept_transfer(&email(who), &request, at(50)),
                    refusal,
                );
                refused(
                    r,
                    |r| r.request_transfer(&email(who), &email(COLLAB), at(50)),
                    refusal,
                );
                refused(
                    r,
                    |r| r.request_transfer(&email(who), &email(STRANGER), at(50)),
                    refusal,
                );
                for command in [Command::AcceptTransfer, Command::CancelTransfer] {
                    assert_eq!(run(r, who, &command), Err(refusal.into()));
                }
            }
        }
    }
}
