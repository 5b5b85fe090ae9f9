//! A roster with no seq left for an operation's events (at
//! `Event::MAX_SEQ`, or one short of the two events of an accepted
//! transfer) refuses every live operation with a typed
//! `VersionExhausted`, class `Conflict`, and changes nothing: through each
//! `decide_*` method, each mutating method and `decide_command` /
//! `execute`. One seq short of the limit, the one-event operations still
//! decide, at seq `MAX_SEQ`, and their events read back.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use super::fixture::*;
use crate::common::{at, email, token};
use collab_authz::membership::{
    AcceptError, AccountDeletedError, ChangeRoleError, Command, CommandError, DeleteError,
    InviteError, LeaveError, MemberId, RenameError, RevokeError, Roster, TransferError,
};
use collab_authz::{
    Classify, CustomRole, ErrorClass, Event, Permissions, ResourceKind, Role, custom_role,
};

const DEPLOYER: CustomRole = custom_role!(
    "deployer",
    ResourceKind::App,
    Permissions::DEPLOY_ANY_BRANCH.union(Permissions::VIEW_DEPLOYMENTS),
);

const LAST: u64 = Event::MAX_SEQ;

/// The fixture's app roster (no transfer pending) at `version`.
fn plain(version: u64) -> Roster {
    app().roster.with_version(version)
}

/// The fixture's app roster with a transfer to `COLLAB` pending, at
/// `version`.
fn pending(version: u64) -> Roster {
    let mut f = app();
    f.request(COLLAB, 45);
    f.roster.with_version(version)
}

/// Every decision of a one-event operation on `plain` (first) and of a
/// transfer step on `pending`, as the operation's error type boxed into a
/// `CommandError` (the per-operation error is kept inside, unchanged).
fn every_decision(
    plain: &Roster,
    pending: &Roster,
) -> Vec<(&'static str, Result<u64, CommandError>)> {
    let now = at(50);
    let owner = email(OWNER);
    let seq = |e: Event| e.seq();
    let request = pending.pending_transfer().unwrap().clone();
    vec![
        (
            "invite",
            plain
                .decide_invite(&owner, inv("m-new", "new@example.com"), now)
                .map(seq)
                .map_err(Into::into),
        ),
        (
            "invite_custom",
            plain
                .decide_invite_custom(&owner, inv("m-new", "new@example.com"), DEPLOYER, now)
                .map(seq)
                .map_err(Into::into),
        ),
        (
            "accept",
            plain
                .decide_accept(&email(PENDING), &token("tok-pending"), None, now)
                .map(seq)
                .map_err(Into::into),
        ),
        (
            "change_role",
            plain
                .decide_change_role(&owner, &email(LIMITED), Role::Collaborator, now)
                .map(seq)
                .map_err(Into::into),
        ),
        (
            "change_role_custom",
            plain
                .decide_change_role_custom(&owner, &email(LIMITED), DEPLOYER, now)
                .map(seq)
                .map_err(Into::into),
        ),
        (
            "revoke",
            plain
                .decide_revoke(&owner, &email(LIMITED), now)
                .map(seq)
                .map_err(Into::into),
        ),
        (
            "leave",
            plain
                .decide_leave(&email(LIMITED), now)
                .map(seq)
                .map_err(Into::into),
        ),
        (
            "account_deleted",
            plain
                .decide_account_deleted(&email(LIMITED), now)
                .map(seq)
                .map_err(Into::into),
        ),
        (
            "request_transfer",
            plain
                .decide_request_transfer(&owner, &email(COLLAB), now)
                .map(seq)
                .map_err(Into::into),
        ),
        (
            "cancel_transfer",
            pending
                .decide_cancel_transfer(&owner, now)
                .map(seq)
                .map_err(Into::into),
        ),
        (
            "rename",
            plain
                .decide_rename(&owner, "ledger", now)
                .map(seq)
                .map_err(Into::into),
        ),
        (
            "delete",
            plain
                .decide_delete(&owner, now)
                .map(seq)
                .map_err(Into::into),
        ),
        (
            // The last of the two events.
            "accept_transfer",
            pending
                .decide_accept_transfer(&email(COLLAB), &request, now)
                .map(|[_, second]| second.seq())
                .map_err(Into::into),
        ),
    ]
}

/// The operation's own error, `VersionExhausted` at `version`, wrapped as
/// `decide_command` wraps it.
fn exhausted(name: &str, version: u64) -> CommandError {
    match name {
        "invite" | "invite_custom" => InviteError::VersionExhausted { version }.into(),
        "accept" => AcceptError::VersionExhausted { version }.into(),
        "change_role" | "change_role_custom" => {
            ChangeRoleError::VersionExhausted { version }.into()
        }
        "revoke" => RevokeError::VersionExhausted { version }.into(),
        "leave" => LeaveError::VersionExhausted { version }.into(),
        "account_deleted" => AccountDeletedError::VersionExhausted { version }.into(),
        "request_transfer" | "cancel_transfer" | "accept_transfer" => {
            TransferError::VersionExhausted { version }.into()
        }
        "rename" => RenameError::VersionExhausted { version }.into(),
        "delete" => DeleteError::VersionExhausted { version }.into(),
        other => panic!("no operation {other}"),
    }
}

#[test]
fn every_decision_at_the_last_version_is_refused() {
    let (plain, pending) = (plain(LAST), pending(LAST));
    let decisions = every_decision(&plain, &pending);
    assert_eq!(decisions.len(), 13);
    for (name, got) in decisions {
        let err = got.unwrap_err();
        assert_eq!(err, exhausted(name, LAST), "{name}");
        assert_eq!(err.class(), ErrorClass::Conflict, "{name}");
        assert_eq!(err.http_status(), 409, "{name}");
        assert_eq!(err.not_permitted(), None, "{name}");
        let message = err.to_string();
        assert!(message.contains(&LAST.to_string()), "{name}: {message}");
    }
}

#[test]
fn one_seq_short_one_event_decides_and_a_transfer_does_not() {
    let (plain, pending) = (plain(LAST - 1), pending(LAST - 1));
    for (name, got) in every_decision(&plain, &pending) {
        if name == "accept_transfer" {
            // Two events, one seq left.
            assert_eq!(got, Err(exhausted(name, LAST - 1)));
        } else {
            assert_eq!(got, Ok(LAST), "{name}");
        }
    }
    // Two seqs left: the transfer's two events take them.
    let (plain, pending) = (self::plain(LAST - 2), self::pending(LAST - 2));
    for (name, got) in every_decision(&plain, &pending) {
        let expected = if name == "accept_transfer" {
            LAST
        } else {
            LAST - 1
        };
        assert_eq!(got, Ok(expected), "{name}");
    }
}

#[test]
fn the_events_decided_at_the_edge_read_back_and_apply() {
    let mut near = plain(LAST - 1);
    let event = near
        .decide_revoke(&email(OWNER), &email(LIMITED), at(50))
        .unwrap();
    let stored: Event = serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
    assert_eq!(stored, event);
    near.apply(&stored).unwrap();
    assert_eq!(near.version(), LAST);
    // And the snapshot at the last version reads back.
    let json = serde_json::to_string(&near).unwrap();
    assert_eq!(serde_json::from_str::<Roster>(&json).unwrap(), near);

    let mut near = pending(LAST - 2);
    let request = near.pending_transfer().unwrap().clone();
    let events = near
        .decide_accept_transfer(&email(COLLAB), &request, at(50))
        .unwrap();
    for event in &events {
        let stored: Event = serde_json::from_str(&serde_json::to_string(event).unwrap()).unwrap();
        near.apply(&stored).unwrap();
    }
    assert_eq!(near.version(), LAST);
    assert_eq!(near.owner().email(), &email(COLLAB));
}

#[test]
fn every_mutating_operation_at_the_last_version_changes_nothing() {
    let (plain, pending) = (plain(LAST), pending(LAST));
    let owner = email(OWNER);
    let now = at(50);
    let v = LAST;
    refused(
        &plain,
        |r| r.invite(&owner, inv("m-new", "new@example.com"), now),
        InviteError::VersionExhausted { version: v },
    );
    refused(
        &plain,
        |r| r.invite_custom(&owner, inv("m-new", "new@example.com"), DEPLOYER, now),
        InviteError::VersionExhausted { version: v },
    );
    refused(
        &plain,
        |r| r.accept(&email(PENDING), &token("tok-pending"), None, now),
        AcceptError::VersionExhausted { version: v },
    );
    refused(
        &plain,
        |r| r.change_role(&owner, &email(LIMITED), Role::Collaborator, now),
        ChangeRoleError::VersionExhausted { version: v },
    );
    refused(
        &plain,
        |r| r.change_role_custom(&owner, &email(LIMITED), DEPLOYER, now),
        ChangeRoleError::VersionExhausted { version: v },
    );
    refused(
        &plain,
        |r| r.revoke(&owner, &email(LIMITED), now),
        RevokeError::VersionExhausted { version: v },
    );
    refused(
        &plain,
        |r| r.leave(&email(LIMITED), now),
        LeaveError::VersionExhausted { version: v },
    );
    refused(
        &plain,
        |r| r.account_deleted(&email(LIMITED), now),
        AccountDeletedError::VersionExhausted { version: v },
    );
    refused(
        &plain,
        |r| r.request_transfer(&owner, &email(COLLAB), now),
        TransferError::VersionExhausted { version: v },
    );
    refused(
        &pending,
        |r| r.cancel_transfer(&owner, now),
        TransferError::VersionExhausted { version: v },
    );
    let request = pending.pending_transfer().unwrap().clone();
    refused(
        &pending,
        |r| r.accept_transfer(&email(COLLAB), &request, now),
        TransferError::VersionExhausted { version: v },
    );
    refused(
        &plain,
        |r| r.rename(&owner, "ledger", now),
        RenameError::VersionExhausted { version: v },
    );
    refused(
        &plain,
        |r| r.delete(&owner, now),
        DeleteError::VersionExhausted { version: v },
    );
    // A one-event operation one seq short changes the roster as usual;
    // the transfer does not.
    let short = self::pending(LAST - 1);
    refused(
        &short,
        |r| r.accept_transfer(&email(COLLAB), &request, now),
        TransferError::VersionExhausted { version: LAST - 1 },
    );
    let mut moved = short.clone();
    moved.cancel_transfer(&owner, now).unwrap();
    assert_eq!(moved.version(), LAST);
    assert_eq!(moved.pending_transfer(), None);
}

/// Every command, each with the actor who may make it, on the roster it
/// needs: (actor, command, whether it needs the pending transfer).
fn every_command() -> Vec<(&'static str, &'static str, Command, bool)> {
    vec![
        (
            "invite",
            OWNER,
            Command::invite(inv("m-new", "new@example.com")),
            false,
        ),
        (
            "invite_custom",
            OWNER,
            Command::invite_custom(inv("m-new", "new@example.com"), DEPLOYER),
            false,
        ),
        (
            "accept",
            PENDING,
            Command::Accept {
                member: MemberId::new("m-pending").unwrap(),
                token: token("tok-pending"),
                username: None,
            },
            false,
        ),
        (
            "change_role",
            OWNER,
            Command::change_role(email(LIMITED), Role::Collaborator),
            false,
        ),
        // A repeat that would be `Unchanged`: refused all the same.
        (
            "change_role",
            OWNER,
            Command::change_role(email(LIMITED), Role::LimitedCollaborator),
            false,
        ),
        (
            "change_role_custom",
            OWNER,
            Command::change_role(email(LIMITED), DEPLOYER),
            false,
        ),
        (
            "revoke",
            OWNER,
            Command::Remove {
                member: email(LIMITED).into(),
            },
            false,
        ),
        (
            "leave",
            LIMITED,
            Command::Remove {
                member: email(LIMITED).into(),
            },
            false,
        ),
        ("leave", LIMITED, Command::Leave, false),
        ("account_deleted", LIMITED, Command::AccountDeleted, false),
        (
            "request_transfer",
            OWNER,
            Command::RequestTransfer {
                to: email(COLLAB).into(),
            },
            false,
        ),
        // The repeat of the pending request: refused all the same.
        (
            "request_transfer",
            OWNER,
            Command::RequestTransfer {
                to: email(COLLAB).into(),
            },
            true,
        ),
        ("cancel_transfer", OWNER, Command::CancelTransfer, true),
        ("accept_transfer", COLLAB, Command::AcceptTransfer, true),
        // With no transfer pending: the same answer as with one.
        ("accept_transfer", COLLAB, Command::AcceptTransfer, false),
        (
            "rename",
            OWNER,
            Command::Rename {
                name: "ledger".into(),
            },
            false,
        ),
        // The current name: refused all the same.
        (
            "rename",
            OWNER,
            Command::Rename {
                name: "billing".into(),
            },
            false,
        ),
        ("delete", OWNER, Command::Delete, false),
    ]
}

#[test]
fn every_command_at_the_last_version_is_refused_and_changes_nothing() {
    let rosters = [plain(LAST), pending(LAST)];
    for (name, actor, command, needs_pending) in every_command() {
        let roster = &rosters[usize::from(needs_pending)];
        let expected = exhausted(name, LAST);
        let got = roster.decide_command(&email(actor), &command, at(50));
        assert_eq!(got, Err(expected.clone()), "{name}: {command:?}");
        assert_eq!(got.unwrap_err().class(), ErrorClass::Conflict, "{name}");
        let mut executed = roster.clone();
        let got = executed.execute(&email(actor), &command, at(50));
        assert_eq!(got, Err(expected), "{name}: {command:?}");
        assert_eq!(
            &executed, roster,
            "{name}: a refused command changed the roster"
        );
    }
}

#[test]
fn every_command_one_seq_short_decides_but_the_transfer() {
    let rosters = [plain(LAST - 1), pending(LAST - 1)];
    for (name, actor, command, needs_pending) in every_command() {
        let roster = &rosters[usize::from(needs_pending)];
        let got = roster.decide_command(&email(actor), &command, at(50));
        if name == "accept_transfer" {
            // Whether or not a transfer is pending: the same refusal.
            assert_eq!(got, Err(exhausted(name, LAST - 1)), "{command:?}");
            continue;
        }
        let outcome = got.unwrap();
        if !outcome.is_unchanged() {
            assert_eq!(outcome.events().len(), 1, "{name}");
            assert_eq!(outcome.events()[0].seq(), LAST, "{name}");
            let mut executed = roster.clone();
            let executed_outcome = executed.execute(&email(actor), &command, at(50));
            assert_eq!(executed_outcome, Ok(outcome), "{name}");
            assert_eq!(executed.version(), LAST, "{name}");
        }
    }
}

#[test]
fn a_closed_roster_says_so_first() {
    let mut f = app();
    f.push(|r| r.delete(&email(OWNER), at(40)).unwrap());
    let closed = f.roster.with_version(LAST);
    assert_eq!(
        closed.decide_rename(&email(OWNER), "ledger", at(50)),
        Err(RenameError::Closed)
    );
    assert_eq!(
        closed.decide_command(&email(OWNER), &Command::Delete, at(50)),
        Err(DeleteError::Closed.into())
    );
}

#[test]
fn a_version_past_the_last_is_taken_as_the_last() {
    for version in [LAST, LAST + 1, u64::MAX] {
        let roster = plain(version);
        assert_eq!(roster.version(), LAST);
        assert_eq!(
            roster.decide_delete(&email(OWNER), at(50)),
            Err(DeleteError::VersionExhausted { version: LAST })
        );
        // It reads back: the stored form holds versions up to the last.
        let json = serde_json::to_string(&roster).unwrap();
        assert_eq!(serde_json::from_str::<Roster>(&json).unwrap(), roster);
    }
    assert_eq!(plain(0).version(), 1);
}
