//! Every error a service maps has the class (and HTTP status) the table on
//! `ErrorClass` documents, and the matrix's `NotPermitted` explanation
//! when there is one.
#![expect(clippy::unwrap_used, reason = "tests")]

use collab_authz::api::ApiError;
use collab_authz::membership::{
    AcceptError, AccountDeletedError, ChangeRoleError, EmailError, IdentifierError, InviteError,
    LeaveError, RevokeError, TransferError,
};
use collab_authz::{
    Action, Classify, ErrorClass, MemberStatus, NotPermitted, ResourceKind, Role, Timestamp,
};

use ErrorClass::{Conflict, Gone, Invalid, NotFound};

fn denied() -> NotPermitted {
    NotPermitted::RoleLacks {
        role: Role::LimitedCollaborator,
        kind: ResourceKind::App,
        action: Action::InviteCollaborator,
        lowest: Some(Role::Collaborator),
    }
}

fn check<E: Classify + std::fmt::Debug>(cases: Vec<(E, ErrorClass)>) {
    for (err, class) in cases {
        assert_eq!(err.class(), class, "{err:?}");
        assert_eq!(err.http_status(), class.http_status(), "{err:?}");
        assert_eq!(err.not_permitted(), None, "{err:?}");
    }
}

#[test]
fn the_status_table() {
    let table: Vec<(ErrorClass, u16, &str)> = ErrorClass::ALL
        .into_iter()
        .map(|c| (c, c.http_status(), c.id()))
        .collect();
    assert_eq!(
        table,
        [
            (ErrorClass::NotPermitted, 403, "not_permitted"),
            (NotFound, 404, "not_found"),
            (Conflict, 409, "conflict"),
            (Gone, 410, "gone"),
            (Invalid, 422, "invalid"),
        ]
    );
    assert_eq!(Gone.to_string(), "gone");
}

#[test]
fn not_permitted_carries_its_explanation() {
    for why in [
        NotPermitted::Stranger,
        NotPermitted::Inactive {
            status: MemberStatus::Pending,
        },
        denied(),
    ] {
        let errors: [&dyn Classify; 5] = [
            &why,
            &InviteError::NotPermitted(why),
            &ChangeRoleError::NotPermitted(why),
            &RevokeError::NotPermitted(why),
            &TransferError::NotPermitted(why),
        ];
        for err in errors {
            assert_eq!(err.class(), ErrorClass::NotPermitted);
            assert_eq!(err.http_status(), 403);
            assert_eq!(err.not_permitted(), Some(&why));
        }
    }
    // The transfer's own rules: forbidden, without a matrix explanation.
    for err in [TransferError::NotTarget, TransferError::NotParty] {
        assert_eq!(
            (err.class(), err.not_permitted()),
            (ErrorClass::NotPermitted, None)
        );
    }
}

#[test]
fn operation_errors() {
    check(vec![
        (InviteError::OwnerRole, Invalid),
        (
            InviteError::RoleNotOnKind {
                role: Role::LimitedCollaborator,
                kind: ResourceKind::DedicatedDatabase,
            },
            Invalid,
        ),
        (
            InviteError::AlreadyMember {
                email: "a@x.com".parse().unwrap(),
                status: MemberStatus::Pending,
            },
            Conflict,
        ),
        (InviteError::DuplicateId, Conflict),
        (
            InviteError::AlreadyExpired {
                expires_at: Timestamp::from_unix_seconds(1),
                now: Timestamp::from_unix_seconds(2),
            },
            Invalid,
        ),
    ]);
    check(vec![
        (AcceptError::NoInvitation, NotFound),
        (AcceptError::WrongToken, NotFound),
        (
            AcceptError::NotPending {
                status: MemberStatus::Accepted,
            },
            Conflict,
        ),
        (
            AcceptError::Expired {
                expires_at: Timestamp::from_unix_seconds(1),
            },
            Gone,
        ),
    ]);
    check(vec![
        (ChangeRoleError::NoSuchMember, NotFound),
        (ChangeRoleError::TargetIsOwner, Conflict),
        (ChangeRoleError::ToOwner, Invalid),
        (
            ChangeRoleError::RoleNotOnKind {
                role: Role::LimitedCollaborator,
                kind: ResourceKind::DedicatedDatabase,
            },
            Invalid,
        ),
        (
            ChangeRoleError::Unchanged {
                role: Role::Collaborator,
            },
            Conflict,
        ),
    ]);
    check(vec![
        (RevokeError::NoSuchMember, NotFound),
        (RevokeError::TargetIsOwner, Conflict),
    ]);
    check(vec![
        (LeaveError::NotAMember, NotFound),
        (LeaveError::Owner, Conflict),
    ]);
    check(vec![
        (TransferError::NoSuchMember, NotFound),
        (TransferError::NoPending, NotFound),
        (
            TransferError::NotAcceptedCollaborator {
                status: MemberStatus::Pending,
                role: Role::Collaborator,
            },
            Conflict,
        ),
        (TransferError::NotFromOwner, Conflict),
        (TransferError::AlreadyPending, Conflict),
        (TransferError::NotPending, Conflict),
        (TransferError::WrongResource, Invalid),
    ]);
    check(vec![
        (AccountDeletedError::NoSuchMember, NotFound),
        (AccountDeletedError::Owner, Conflict),
        (
            AccountDeletedError::NotAccepted {
                status: MemberStatus::Pending,
            },
            Conflict,
        ),
    ]);
}

#[test]
fn input_errors_are_invalid() {
    check(vec![
        (IdentifierError::Empty, Invalid),
        (IdentifierError::TooLong, Invalid),
        (IdentifierError::ControlCharacter, Invalid),
        (
            collab_authz::Username::new("a\u{200B}").unwrap_err(),
            Invalid,
        ),
    ]);
    check(vec![
        (EmailError::Empty, Invalid),
        (EmailError::At, Invalid),
        (
            "\u{202E}a@x.com"
                .parse::<collab_authz::Email>()
                .unwrap_err(),
            Invalid,
        ),
    ]);
    check(vec![(ApiError::MissingField("email"), Invalid)]);
    check(vec![(
        collab_authz::membership::RosterError::OwnerNotOwner,
        Invalid,
    )]);
    check(vec![(
        collab_authz::membership::EventError::Unchanged,
        Invalid,
    )]);
    check(vec![(
        collab_authz::membership::MemberError::OwnerMismatch,
        Invalid,
    )]);
    check(vec![("Owner".parse::<Role>().unwrap_err(), Invalid)]);
}

/// One generic mapping serves every error type.
#[test]
fn one_generic_mapping() {
    fn respond<E: Classify + std::fmt::Display>(err: &E) -> (u16, String) {
        (err.http_status(), format!("{}: {err}", err.class()))
    }
    assert_eq!(
        respond(&LeaveError::Owner),
        (
            409,
            "conflict: the owner cannot leave; transfer ownership first".to_owned()
        )
    );
    assert_eq!(respond(&InviteError::NotPermitted(denied())).0, 403);
}
