//! The public API's request bodies (invite, role update) and the response
//! objects a service builds, as a service uses them.
#![expect(clippy::unwrap_used, reason = "tests")]

use collab_authz::api::{
    ApiCollaborator, ApiError, ApiEvent, ApiStatus, CollaboratorList, InviteBody, ToApiError,
    UNKNOWN_USERNAME, UpdateBody,
};
use collab_authz::membership::{
    ChangeRoleError, Classify, CommandError, ErrorClass, InviteError, MemberParts,
};
use collab_authz::{
    Action, Email, InvitationToken, Member, MemberId, MemberStatus, Resource, ResourceId,
    ResourceKind, Role, Timestamp, Username,
};

use crate::common::{at, email, roster};
use serde_json::json;

const APP: ResourceKind = ResourceKind::App;
const DB: ResourceKind = ResourceKind::DedicatedDatabase;

fn invite(json: &str) -> Result<InviteBody, serde_json::Error> {
    serde_json::from_str(json)
}

fn update(json: &str) -> Result<UpdateBody, serde_json::Error> {
    serde_json::from_str(json)
}

fn roles(body: &InviteBody) -> (Result<Role, ApiError>, Result<Role, ApiError>) {
    (body.role_on(APP), body.role_on(DB))
}

#[test]
fn a_missing_flag_invites_with_the_kinds_default_never_higher() {
    for json in [
        r#"{"collaborator": {"email": "ada@example.com"}}"#,
        r#"{"collaborator": {"email": "ada@example.com", "is_limited": null}}"#,
        // A misspelled or unknown field is ignored: it can only lower the role.
        r#"{"collaborator": {"email": "ada@example.com", "is_limted": false, "role": "owner"}}"#,
        r#"{"collaborator": {"email": "ada@example.com"}, "is_limited": false, "extra": [1]}"#,
    ] {
        let body = invite(json).unwrap();
        assert_eq!(body.is_limited(), None, "{json}");
        assert_eq!(
            roles(&body),
            (Ok(Role::LimitedCollaborator), Ok(Role::Collaborator)),
            "{json}"
        );
    }
}

#[test]
fn an_explicit_flag_is_obeyed_where_the_role_exists() {
    let limited =
        invite(r#"{"collaborator": {"email": "ada@example.com", "is_limited": true}}"#).unwrap();
    assert_eq!(
        roles(&limited),
        (
            Ok(Role::LimitedCollaborator),
            Err(ApiError::RoleNotOnKind {
                role: Role::LimitedCollaborator,
                kind: DB
            })
        )
    );
    let full =
        invite(r#"{"collaborator": {"email": "ada@example.com", "is_limited": false}}"#).unwrap();
    assert_eq!(
        roles(&full),
        (Ok(Role::Collaborator), Ok(Role::Collaborator))
    );
}

/// The trial's finding: the listing reader's legacy rule (a missing flag
/// reads as collaborator) is not the invitation rule.
#[test]
fn the_listing_rule_and_the_invitation_rule_differ_by_name() {
    let object: ApiCollaborator = serde_json::from_str(r#"{"email": "ada@example.com"}"#).unwrap();
    assert_eq!(object.role_in_listing(), Some(Role::Collaborator));
    let body = invite(r#"{"collaborator": {"email": "ada@example.com"}}"#).unwrap();
    assert_eq!(body.role_on(APP).unwrap(), Role::LimitedCollaborator);
}

#[test]
fn invitations_carry_the_resolved_role() {
    let body = invite(r#"{"collaborator": {"email": "Ada@Example.com"}}"#).unwrap();
    let inv = body
        .to_invitation(
            APP,
            MemberId::new("m-1").unwrap(),
            InvitationToken::new("t").unwrap(),
        )
        .unwrap();
    assert_eq!(
        (inv.role, inv.email.as_str(), inv.id.as_str()),
        (Some(Role::LimitedCollaborator), "Ada@Example.com", "m-1")
    );
    let limited = InviteBody::new(inv.email.clone(), Some(true));
    assert!(
        limited
            .to_invitation(
                DB,
                MemberId::new("m-1").unwrap(),
                InvitationToken::new("t").unwrap()
            )
            .is_err()
    );
}

#[test]
fn bad_invitation_bodies_are_errors_naming_the_field() {
    let cases = [
        (r#"{"collaborator": {}}"#, "missing field `email`"),
        (
            r#"{"collaborator": {"email": null}}"#,
            "field `email` is null",
        ),
        (r#"{"collaborator": {"email": 7}}"#, "(field `email`)"),
        (
            r#"{"collaborator": {"email": "not-an-address"}}"#,
            "field `email`: email must contain exactly one '@'",
        ),
        (
            r#"{"collaborator": {"email": "a\u2066b@x.com"}}"#,
            "field `email`: email contains an invisible or direction-changing character (U+2066 at byte 1)",
        ),
        (
            r#"{"collaborator": {"email": "a@x.com", "is_limited": "yes"}}"#,
            "(field `is_limited`)",
        ),
        (r#"{"email": "a@x.com"}"#, "missing field `collaborator`"),
        (r#"{"collaborator": ["a@x.com", true]}"#, "an invitation"),
        (r#"[{"email": "a@x.com"}]"#, "an invitation request"),
    ];
    for (json, expected) in cases {
        let err = invite(json).unwrap_err().to_string();
        assert!(err.contains(expected), "{json}: {err}");
    }
}

#[test]
fn updates_name_the_role() {
    let to_limited = update(r#"{"collaborator": {"is_limited": true, "x": 1}}"#).unwrap();
    assert_eq!(
        (to_limited.role_on(APP), to_limited.role_on(DB)),
        (
            Ok(Role::LimitedCollaborator),
            Err(ApiError::RoleNotOnKind {
                role: Role::LimitedCollaborator,
                kind: DB
            })
        )
    );
    let to_full = update(r#"{"collaborator": {"is_limited": false}}"#).unwrap();
    assert_eq!(
        (to_full.role_on(APP), to_full.role_on(DB)),
        (Ok(Role::Collaborator), Ok(Role::Collaborator))
    );
    for (json, expected) in [
        (r#"{"collaborator": {}}"#, "missing field `is_limited`"),
        (
            r#"{"collaborator": {"is_limited": null}}"#,
            "field `is_limited` is null",
        ),
        (
            r#"{"collaborator": {"is_limited": "false"}}"#,
            "(field `is_limited`)",
        ),
        (r#"{"is_limited": true}"#, "missing field `collaborator`"),
    ] {
        let err = update(json).unwrap_err().to_string();
        assert!(err.contains(expected), "{json}: {err}");
    }
}

#[test]
fn bodies_round_trip() {
    let email: Email = "ada@example.com".parse().unwrap();
    for (body, expected) in [
        (
            InviteBody::new(email.clone(), None),
            json!({"collaborator": {"email": "ada@example.com"}}),
        ),
        (
            InviteBody::new(email.clone(), Some(false)),
            json!({"collaborator": {"email": "ada@example.com", "is_limited": false}}),
        ),
    ] {
        let written = serde_json::to_value(&body).unwrap();
        assert_eq!(written, expected);
        assert_eq!(serde_json::from_value::<InviteBody>(written).unwrap(), body);
    }
    let body = UpdateBody::new(true);
    let written = serde_json::to_value(body).unwrap();
    assert_eq!(written, json!({"collaborator": {"is_limited": true}}));
    assert_eq!(serde_json::from_value::<UpdateBody>(written).unwrap(), body);
}

fn pending_member() -> Member {
    Member::new(MemberParts {
        id: MemberId::new("m-7").unwrap(),
        email: "eve@example.com".parse().unwrap(),
        username: None,
        status: MemberStatus::Pending,
        role: Role::Collaborator,
        custom_role: None,
        invited_at: Timestamp::from_unix_seconds(5),
        expires_at: None,
        token: Some(InvitationToken::new("member-secret").unwrap().digest()),
    })
    .unwrap()
}

#[test]
fn a_service_writes_the_whole_response_object() {
    let db = Resource::new(DB, ResourceId::new("db-1").unwrap(), "ledger").unwrap();
    let link = "https://example.com/invitations/link-secret";
    let object = ApiCollaborator::from_member(&pending_member(), &db)
        .unwrap()
        .with_user_id("us-9")
        .with_invitation_link(link);
    let written = serde_json::to_value(&object).unwrap();
    assert_eq!(
        written,
        json!({"id": "m-7", "email": "eve@example.com", "username": UNKNOWN_USERNAME,
               "status": "pending", "user_id": "us-9", "app_id": "db-1", "app_name": "ledger",
               "is_limited": false, "invitation_link": link})
    );
    // The member's own token is never written.
    assert!(!written.to_string().contains("member-secret"));

    // Read back: the same object, and a pending member whose token is the link.
    let read: ApiCollaborator = serde_json::from_value(written).unwrap();
    assert_eq!(read, object);
    let member = read.to_member(Timestamp::from_unix_seconds(5)).unwrap();
    assert_eq!(
        (
            member.status(),
            member.role(),
            member.username(),
            member.id().as_str()
        ),
        (MemberStatus::Pending, Role::Collaborator, None, "m-7")
    );

    // Built field by field.
    let by_hand = ApiCollaborator::new()
        .with_id("m-7")
        .with_email("eve@example.com")
        .with_username(UNKNOWN_USERNAME)
        .with_status(ApiStatus::Pending)
        .with_user_id("us-9")
        .with_app_id("db-1")
        .with_app_name("ledger")
        .with_is_limited(false)
        .with_invitation_link(link);
    assert_eq!(by_hand, object);
}

#[test]
fn debug_never_shows_the_invitation_link() {
    let secret = "https://example.com/invitations/s3cr3t-t0ken";
    let object = ApiCollaborator::new()
        .with_email("eve@example.com")
        .with_invitation_link(secret);
    let debug = format!("{object:?}");
    assert!(!debug.contains("s3cr3t"), "{debug}");
    assert!(
        debug.contains("invitation_link: Some(<redacted>)"),
        "{debug}"
    );
    assert!(debug.contains("eve@example.com"), "{debug}");
    assert!(format!("{:?}", ApiCollaborator::new()).contains("invitation_link: None"));

    let list: CollaboratorList = serde_json::from_value(
        json!({"collaborators": [{"email": "eve@example.com", "invitation_link": secret}]}),
    )
    .unwrap();
    assert!(!format!("{list:?}").contains("s3cr3t"));
    let event: ApiEvent = serde_json::from_value(json!({"type": "new_collaborator",
        "type_data": {"collaborator": {"invitation_link": secret}}}))
    .unwrap();
    assert!(!format!("{event:?}").contains("s3cr3t"));
    assert!(!format!("{event:#?}").contains("s3cr3t"));
    // The accessor and serialization still give it to the service.
    assert_eq!(object.invitation_link(), Some(secret));
}

#[test]
fn the_owner_is_not_a_collaborator_object() {
    let app = Resource::new(APP, ResourceId::new("app-1").unwrap(), "billing").unwrap();
    let owner = Member::new(MemberParts {
        id: MemberId::new("m-0").unwrap(),
        email: "owner@example.com".parse().unwrap(),
        username: Some(Username::new("own").unwrap()),
        status: MemberStatus::Owner,
        role: Role::Owner,
        custom_role: None,
        invited_at: Timestamp::from_unix_seconds(0),
        expires_at: None,
        token: None,
    })
    .unwrap();
    assert_eq!(
        ApiCollaborator::from_member(&owner, &app),
        Err(ToApiError::Owner)
    );
}

/// What the roster must answer `actor` for a body asking for `role`: the
/// permission refusal when the actor may not perform `action` at all,
/// else the kind refusal when the kind lacks the role, else success.
fn expected_class(
    r: &collab_authz::Roster,
    actor: &Email,
    action: Action,
    role: Role,
) -> Option<ErrorClass> {
    if r.may(actor, action).is_err() {
        Some(ErrorClass::NotPermitted)
    } else if !r.kind().has_role(role) {
        Some(ErrorClass::Invalid)
    } else {
        None
    }
}

/// Permission before kind: a body asking for a role the kind lacks is
/// refused as the caller's lack of permission when they may not make the
/// change at all, and as the kind's only for one who may.
#[test]
fn commands_from_bodies_check_permission_before_kind() {
    let people = [
        (
            "collab@example.com",
            Role::Collaborator,
            MemberStatus::Accepted,
            1,
        ),
        (
            "pending@example.com",
            Role::Collaborator,
            MemberStatus::Pending,
            1,
        ),
        (
            "target@example.com",
            Role::Collaborator,
            MemberStatus::Accepted,
            1,
        ),
    ];
    let db = roster(DB, "db-1", "ledger", "owner@example.com", &people);
    let limited = [
        (
            "limited@example.com",
            Role::LimitedCollaborator,
            MemberStatus::Accepted,
            1,
        ),
        (
            "target@example.com",
            Role::LimitedCollaborator,
            MemberStatus::Accepted,
            1,
        ),
    ];
    let app = roster(APP, "app-1", "billing", "owner@example.com", &limited);
    let actors = [
        "owner@example.com",
        "collab@example.com",
        "pending@example.com",
        "limited@example.com",
        "stranger@example.com",
    ];
    let mut seen = Vec::new();
    for r in [&db, &app] {
        for flag in [true, false] {
            let role = if flag {
                Role::LimitedCollaborator
            } else {
                Role::Collaborator
            };
            let body = InviteBody::new(email("new@example.com"), Some(flag));
            let invite = body.to_command(
                MemberId::new("m-new").unwrap(),
                InvitationToken::new("s").unwrap(),
            );
            let update = UpdateBody::new(flag).to_command(email("target@example.com"));
            for actor in actors.map(email) {
                let want = expected_class(r, &actor, Action::InviteCollaborator, role);
                let got = r.decide_command(&actor, &invite, at(5));
                assert_eq!(
                    got.as_ref().err().map(Classify::class),
                    want,
                    "{actor} invites {body:?} on {:?}: {got:?}",
                    r.kind()
                );
                if want == Some(ErrorClass::Invalid) {
                    assert!(
                        matches!(
                            got,
                            Err(CommandError::Invite(InviteError::RoleNotOnKind { .. }))
                        ),
                        "{got:?}"
                    );
                }
                seen.push(want);

                let want = expected_class(r, &actor, Action::ChangeCollaboratorRole, role);
                let got = r.decide_command(&actor, &update, at(5));
                // The same role again is `Unchanged`, a success.
                assert_eq!(
                    got.as_ref().err().map(Classify::class),
                    want,
                    "{actor} updates to {flag} on {:?}: {got:?}",
                    r.kind()
                );
                if want == Some(ErrorClass::Invalid) {
                    assert!(
                        matches!(
                            got,
                            Err(CommandError::ChangeRole(
                                ChangeRoleError::RoleNotOnKind { .. }
                            ))
                        ),
                        "{got:?}"
                    );
                }
            }
        }
    }
    // Every answer occurs: the test exercises each branch.
    for class in [
        Some(ErrorClass::NotPermitted),
        Some(ErrorClass::Invalid),
        None,
    ] {
        assert!(seen.contains(&class), "{class:?}");
    }
    // The owner of the database gets the kind refusal; the stranger and
    // the pending invitee the permission refusal (403, not 422).
    let body = InviteBody::new(email("new@example.com"), Some(true));
    let invite = body.to_command(
        MemberId::new("m-new").unwrap(),
        InvitationToken::new("s").unwrap(),
    );
    assert_eq!(
        db.decide_command(&email("owner@example.com"), &invite, at(5))
            .unwrap_err()
            .class(),
        ErrorClass::Invalid
    );
    for actor in ["stranger@example.com", "pending@example.com"] {
        assert_eq!(
            db.decide_command(&email(actor), &invite, at(5))
                .unwrap_err()
                .class(),
            ErrorClass::NotPermitted
        );
    }
    // The eager check refuses the body before anyone is asked.
    assert!(matches!(
        body.role_on(DB),
        Err(ApiError::RoleNotOnKind { .. })
    ));
    // A limited collaborator asking to raise someone on an app: refused
    // for their role.
    let raise = UpdateBody::new(false).to_command(email("target@example.com"));
    assert_eq!(
        app.decide_command(&email("limited@example.com"), &raise, at(5))
            .unwrap_err()
            .class(),
        ErrorClass::NotPermitted
    );
}

/// Where the kind has the role, the command decides exactly as the
/// invitation the body writes out, a missing flag included.
#[test]
fn commands_from_bodies_match_the_written_out_invitation() {
    for kind in [APP, DB] {
        let r = roster(kind, "r-1", "res", "owner@example.com", &[]);
        let owner = email("owner@example.com");
        for flag in [None, Some(false), Some(true)] {
            let body = InviteBody::new(email("new@example.com"), flag);
            let (id, token) = (
                MemberId::new("m-new").unwrap(),
                InvitationToken::new("s").unwrap(),
            );
            let by_command =
                r.decide_command(&owner, &body.to_command(id.clone(), token.clone()), at(5));
            match body.to_invitation(kind, id, token) {
                Ok(invitation) => {
                    let by_hand = r.decide_invite(&owner, invitation, at(5)).unwrap();
                    assert_eq!(by_command.unwrap().events(), [by_hand]);
                }
                Err(_) => assert!(by_command.is_err()),
            }
        }
    }
}
