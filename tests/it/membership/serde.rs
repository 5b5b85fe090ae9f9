//! Serde of the membership types against literal JSON written here: events
//! (both spellings of the type), statuses, roster snapshots (invariants
//! checked again), the API objects written from members, and the listing
//! table. Plus a property test that arbitrary and hostile JSON never
//! panics any of the deserializers (the API's included). The API's own
//! JSON readers are tested in `api/json.rs`.
#![expect(clippy::unwrap_used, reason = "tests")]
#![expect(clippy::indexing_slicing, reason = "tests index small known vectors")]

use crate::common::{at, cases, email, new_app};
use collab_authz::api::{ApiEvent, CollaboratorList, CollaboratorResponse, CollaboratorsPayload};
use collab_authz::membership::{Advisory, EventKind};
use collab_authz::{
    Account, Email, Event, Invitation, InvitationToken, Member, MemberId, MemberStatus, Resource,
    ResourceId, ResourceKind, Role, Roster, Username, listing,
};
use proptest::prelude::*;

fn app_roster() -> (Roster, Vec<Event>) {
    let (mut roster, created) = new_app("m-0", "Owner@Example.com", Some("olivia"), 100);
    let mut events = vec![created];
    events.push(
        roster
            .invite(
                &email("owner@example.com"),
                Invitation::new(
                    MemberId::new("m-1").unwrap(),
                    email("ada@example.com"),
                    InvitationToken::new("tok-1").unwrap(),
                )
                .with_role(Role::Collaborator)
                .expiring_at(at(1000)),
                at(200),
            )
            .unwrap(),
    );
    events.push(
        roster
            .accept(
                &email("ada@example.com"),
                &InvitationToken::new("tok-1").unwrap(),
                Username::new("ada").unwrap(),
                at(300),
            )
            .unwrap(),
    );
    events.push(
        roster
            .revoke(
                &email("owner@example.com"),
                &email("ada@example.com"),
                at(400),
            )
            .unwrap(),
    );
    (roster, events)
}

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

#[test]
fn events_serialize_with_notification_names() {
    let (_, events) = app_roster();
    let mut json: Vec<serde_json::Value> = events
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    // Each event states the digest of the stream before it (`prev`): 32
    // zero bytes before the first. Checked, then set aside for the fields
    // below.
    let mut prev = "0".repeat(64);
    for (event, value) in events.iter().zip(&mut json) {
        assert_eq!(value["prev"], prev.as_str());
        prev = event.digest().unwrap().to_string();
        value.as_object_mut().unwrap().remove("prev");
    }
    // The digest is part of the stored form: its encoding never changes
    // (this value was also computed apart, from docs/lifecycle.md).
    assert_eq!(
        events[0].digest().unwrap().to_string(),
        "01a1fcd290dbf2db620927bfa5a730846145962b280518a5fc603441ab48346d"
    );
    let resource = serde_json::json!({"kind": "app", "id": "app-1"});
    assert_eq!(
        json[0],
        serde_json::json!({
            "v": 1, "seq": 1, "type": "roster_created", "resource": resource, "name": "billing",
            "member": {"id": "m-0", "email": "Owner@Example.com", "username": "olivia"},
            "role": "owner", "actor": "Owner@Example.com", "at": 100
        })
    );
    assert_eq!(
        json[1],
        serde_json::json!({
            "v": 1, "seq": 2, "type": "collaborator_invited", "resource": resource,
            "member": {"id": "m-1", "email": "ada@example.com", "username": null},
            "role": "collaborator", "actor": "owner@example.com", "at": 200,
            "expires_at": 1000,
            // SHA-256 of "tok-1": the event keeps the digest, never the token.
            "token_digest": "65dcf16ea3dfa49069628089eb4a75483070f5584b2a21ee64912b5f621f12da"
        })
    );
    assert_eq!(
        json[2],
        serde_json::json!({
            "v": 1, "seq": 3, "type": "collaborator_accepted", "resource": resource,
            "member": {"id": "m-1", "email": "ada@example.com", "username": "ada"},
            "role": "collaborator", "actor": "ada@example.com", "at": 300
        })
    );
    assert_eq!(
        json[3],
        serde_json::json!({
            "v": 1, "seq": 4, "type": "collaborator_removed", "resource": resource,
            "member": {"id": "m-1", "email": "ada@example.com", "username": "ada"},
            "role": null, "previous_role": "collaborator",
            "actor": "owner@example.com", "at": 400, "advisory": "rotate_secrets"
        })
    );
    assert_eq!(events[3].advisory(), Some(Advisory::RotateSecrets));
    // Round trip (`prev` included).
    for event in &events {
        let value = serde_json::to_value(event).unwrap();
        assert_eq!(&serde_json::from_value::<Event>(value).unwrap(), event);
    }
}

#[test]
fn events_read_both_spellings() {
    let rows = [
        (
            "collaborator_invited",
            "new_collaborator",
            EventKind::Invited,
        ),
        (
            "collaborator_accepted",
            "accept_collaborator",
            EventKind::Accepted,
        ),
        (
            "collaborator_removed",
            "delete_collaborator",
            EventKind::Removed,
        ),
        (
            "collaborator_role_changed",
            "change_collaborator_role",
            EventKind::RoleChanged,
        ),
    ];
    for (notification, api, kind) in rows {
        for name in [notification, api] {
            let parsed: EventKind = serde_json::from_str(&format!("\"{name}\"")).unwrap();
            assert_eq!(parsed, kind);
        }
        assert_eq!(
            serde_json::to_string(&kind).unwrap(),
            format!("\"{notification}\"")
        );
        assert_eq!(kind.api_name(), Some(api));
    }
    assert!(serde_json::from_str::<EventKind>("\"collaborator_promoted\"").is_err());

    let json = r#"{"v": 1, "seq": 5, "type": "change_collaborator_role",
        "resource": {"kind": "app", "id": "a"},
        "member": {"id": "m", "email": "x@example.com"},
        "role": "collaborator", "previous_role": "limited_collaborator",
        "actor": "o@example.com", "at": 5}"#;
    let event: Event = serde_json::from_str(json).unwrap();
    assert_eq!(event.kind(), EventKind::RoleChanged);
    assert_eq!(event.member().username, None);
    assert!(
        serde_json::to_string(&event)
            .unwrap()
            .contains("\"type\":\"collaborator_role_changed\"")
    );
}

#[test]
fn malformed_events_are_refused() {
    // Event 1 for roster_created, event 2 otherwise, unless `extra` sets
    // its own seq or schema version.
    let base = |extra: &str| {
        let seq = if extra.contains("\"seq\"") {
            ""
        } else if extra.contains("roster_created") {
            r#""seq": 1,"#
        } else {
            r#""seq": 2,"#
        };
        let v = if extra.contains("\"v\"") {
            ""
        } else {
            r#""v": 1,"#
        };
        format!(
            r#"{{{v} {seq} "resource": {{"kind": "dedicated_database", "id": "a"}},
                "member": {{"id": "m", "email": "x@example.com"}},
                "actor": "o@example.com", "at": 5, {extra}}}"#
        )
    };
    let bad = [
        // A removal with a role after.
        r#""type": "collaborator_removed", "role": "collaborator", "previous_role": "collaborator""#,
        // A role change without a previous role.
        r#""type": "collaborator_role_changed", "role": "collaborator""#,
        // A role change that changes nothing.
        r#""type": "collaborator_role_changed", "role": "collaborator", "previous_role": "collaborator""#,
        // An invitation without its token.
        r#""type": "collaborator_invited", "role": "collaborator""#,
        // A limited collaborator on a dedicated database.
        r#""type": "collaborator_invited", "role": "limited_collaborator", "token_digest": "e3b98a4da31a127d4bde6e43033f66ba274cab0eb7eb1c70ec41402bf6273dd8""#,
        // An invitation with the token itself instead of its digest.
        r#""type": "collaborator_invited", "role": "collaborator", "invitation_token": "t""#,
        // A digest that is not 64 hex digits.
        r#""type": "collaborator_invited", "role": "collaborator", "token_digest": "t""#,
        // roster_created for someone who is not the owner.
        r#""type": "roster_created", "role": "collaborator""#,
        // An unknown type.
        r#""type": "collaborator_promoted", "role": "collaborator""#,
        // A schema version this version does not read, or none.
        r#""v": 3, "type": "collaborator_accepted", "role": "collaborator""#,
        r#""v": 0, "type": "collaborator_accepted", "role": "collaborator""#,
        // roster_created is event 1, and only it.
        r#""seq": 3, "type": "roster_created", "role": "owner", "name": "n""#,
        r#""seq": 1, "type": "collaborator_accepted", "role": "collaborator""#,
        r#""seq": 0, "type": "collaborator_accepted", "role": "collaborator""#,
        // A name where none belongs, none where one does.
        r#""type": "collaborator_accepted", "role": "collaborator", "name": "n""#,
        r#""type": "resource_renamed""#,
        r#""type": "roster_created", "role": "owner""#,
    ];
    for extra in bad {
        assert!(
            serde_json::from_str::<Event>(&base(extra)).is_err(),
            "{extra}"
        );
    }
    assert!(
        serde_json::from_str::<Event>(&base(
            r#""type": "accept_collaborator", "role": "collaborator""#
        ))
        .is_ok()
    );
    // Unknown fields are ignored (the compatibility promise: a newer
    // minor version may add fields), and the event reads the same.
    let plain = serde_json::from_str::<Event>(&base(
        r#""type": "collaborator_accepted", "role": "collaborator""#,
    ))
    .unwrap();
    let extended = serde_json::from_str::<Event>(&base(
        r#""type": "collaborator_accepted", "role": "collaborator", "is_admin": true"#,
    ))
    .unwrap();
    assert_eq!(extended, plain);
    // The refusals of the stored form name their reason.
    let err = serde_json::from_str::<Event>(&base(
        r#""type": "collaborator_promoted", "role": "collaborator""#,
    ))
    .unwrap_err();
    assert!(err.to_string().contains("unknown event type"), "{err}");
    let err = serde_json::from_str::<Event>(&base(
        r#""v": 3, "type": "collaborator_accepted", "role": "collaborator""#,
    ))
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("unsupported event schema version 3"),
        "{err}"
    );
}

#[test]
fn statuses_read_the_api_spelling_too() {
    let deleted: MemberStatus = serde_json::from_str("\"user account deleted\"").unwrap();
    assert_eq!(deleted, MemberStatus::UserAccountDeleted);
    assert_eq!(
        serde_json::from_str::<MemberStatus>("\"user_account_deleted\"").unwrap(),
        deleted
    );
    assert_eq!(
        serde_json::to_string(&deleted).unwrap(),
        "\"user_account_deleted\""
    );
    assert_eq!(deleted.label(), "user account deleted");
    for (s, status) in [
        ("pending", MemberStatus::Pending),
        ("accepted", MemberStatus::Accepted),
        ("owner", MemberStatus::Owner),
    ] {
        assert_eq!(
            serde_json::from_str::<MemberStatus>(&format!("\"{s}\"")).unwrap(),
            status
        );
    }
    assert!(serde_json::from_str::<MemberStatus>("\"banned\"").is_err());
}

// ---------------------------------------------------------------------------
// Roster snapshots
// ---------------------------------------------------------------------------

const OWNER: &str = r#"{"id": "m-0", "email": "owner@example.com", "username": "olivia",
    "status": "owner", "role": "owner", "invited_at": 0}"#;

fn snapshot(kind: &str, owner: &str, members: &[&str]) -> String {
    format!(
        r#"{{"v": 1, "version": 3, "resource": {{"kind": "{kind}", "id": "r", "name": "n"}}, "owner": {owner}, "members": [{}]}}"#,
        members.join(",")
    )
}

#[test]
fn a_valid_snapshot_reads_and_writes_back() {
    let json = snapshot(
        "app",
        OWNER,
        &[
            r#"{"id": "m-2", "email": "Bob@example.com", "status": "pending", "role": "limited_collaborator",
                "invited_at": 5, "expires_at": 50, "token_digest": "e3b98a4da31a127d4bde6e43033f66ba274cab0eb7eb1c70ec41402bf6273dd8"}"#,
            r#"{"id": "m-1", "email": "ada@example.com", "username": "ada", "status": "accepted",
                "role": "collaborator", "invited_at": 3}"#,
        ],
    );
    let roster: Roster = serde_json::from_str(&json).unwrap();
    assert_eq!(roster.len(), 3);
    assert_eq!(
        roster.owner().username().map(Username::as_str),
        Some("olivia")
    );
    let bob = roster.get(&email("bob@EXAMPLE.com")).unwrap();
    assert_eq!(
        (bob.status(), bob.role(), bob.expires_at()),
        (
            MemberStatus::Pending,
            Role::LimitedCollaborator,
            Some(at(50))
        )
    );
    // Members keep the snapshot's order (the order they joined).
    let order: Vec<&str> = roster.members().map(|m| m.email().as_str()).collect();
    assert_eq!(order, ["Bob@example.com", "ada@example.com"]);
    assert_eq!(roster.version(), 3);
    let back: Roster = serde_json::from_str(&serde_json::to_string(&roster).unwrap()).unwrap();
    assert_eq!(back, roster);
    // The snapshot's pending token still works.
    let mut roster = roster;
    roster
        .accept(
            &email("bob@example.com"),
            &InvitationToken::new("t").unwrap(),
            Username::new("bob").unwrap(),
            at(10),
        )
        .unwrap();
}

#[test]
fn snapshots_breaking_an_invariant_are_refused() {
    let collab = r#"{"id": "m-1", "email": "ada@example.com", "username": "ada", "status": "accepted", "role": "collaborator", "invited_at": 3}"#;
    let rows: [(&str, String); 9] = [
        (
            "two owners",
            snapshot(
                "app",
                OWNER,
                &[
                    r#"{"id": "m-9", "email": "two@example.com", "status": "owner", "role": "owner", "invited_at": 1}"#,
                ],
            ),
        ),
        (
            "owner role without owner status",
            snapshot(
                "app",
                OWNER,
                &[
                    r#"{"id": "m-9", "email": "two@example.com", "status": "accepted", "role": "owner", "invited_at": 1}"#,
                ],
            ),
        ),
        ("owner not owner", snapshot("app", collab, &[])),
        (
            "limited on a database",
            snapshot(
                "dedicated_database",
                OWNER,
                &[
                    r#"{"id": "m-9", "email": "l@example.com", "status": "accepted", "role": "limited_collaborator", "invited_at": 1}"#,
                ],
            ),
        ),
        (
            "duplicate email",
            snapshot(
                "app",
                OWNER,
                &[
                    collab,
                    r#"{"id": "m-9", "email": "ADA@example.com", "status": "accepted", "role": "collaborator", "invited_at": 1}"#,
                ],
            ),
        ),
        (
            "duplicate of the owner",
            snapshot(
                "app",
                OWNER,
                &[
                    r#"{"id": "m-9", "email": "Owner@Example.com", "status": "accepted", "role": "collaborator", "invited_at": 1}"#,
                ],
            ),
        ),
        (
            "duplicate id",
            snapshot(
                "app",
                OWNER,
                &[
                    r#"{"id": "m-0", "email": "x@example.com", "status": "accepted", "role": "collaborator", "invited_at": 1}"#,
                ],
            ),
        ),
        (
            "token on an accepted member",
            snapshot(
                "app",
                OWNER,
                &[
                    r#"{"id": "m-9", "email": "x@example.com", "status": "accepted", "role": "collaborator", "invited_at": 1, "token_digest": "e3b98a4da31a127d4bde6e43033f66ba274cab0eb7eb1c70ec41402bf6273dd8"}"#,
                ],
            ),
        ),
        (
            "bad email",
            snapshot(
                "app",
                OWNER,
                &[
                    r#"{"id": "m-9", "email": "not an email", "status": "accepted", "role": "collaborator", "invited_at": 1}"#,
                ],
            ),
        ),
    ];
    for (what, json) in rows {
        assert!(
            serde_json::from_str::<Roster>(&json).is_err(),
            "{what} was accepted"
        );
    }
    assert!(serde_json::from_str::<Roster>(&snapshot("app", OWNER, &[collab])).is_ok());
    let err =
        serde_json::from_str::<Roster>(&snapshot("app", OWNER, &[collab, collab])).unwrap_err();
    assert!(
        err.to_string()
            .contains("ada@example.com has more than one membership"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------
// API objects written from members
// ---------------------------------------------------------------------------

#[test]
fn api_objects_written_from_members() {
    let (roster, _) = app_roster();
    let mut roster = roster;
    roster
        .invite(
            &email("owner@example.com"),
            Invitation::new(
                MemberId::new("m-5").unwrap(),
                email("eve@example.com"),
                InvitationToken::new("t").unwrap(),
            ),
            at(500),
        )
        .unwrap();
    let eve = roster.get(&email("eve@example.com")).unwrap();
    let api = collab_authz::api::ApiCollaborator::from_member(eve, roster.resource()).unwrap();
    assert_eq!(
        serde_json::to_value(&api).unwrap(),
        serde_json::json!({"id": "m-5", "email": "eve@example.com", "username": "n/a", "status": "pending",
            "user_id": null, "app_id": "app-1", "app_name": "billing", "is_limited": true, "invitation_link": null})
    );
    assert!(
        collab_authz::api::ApiCollaborator::from_member(roster.owner(), roster.resource()).is_err()
    );
}

// ---------------------------------------------------------------------------
// Listing
// ---------------------------------------------------------------------------

#[test]
fn listing_puts_the_owner_first_and_prints_labels() {
    let json = snapshot(
        "app",
        OWNER,
        &[
            r#"{"id": "m-2", "email": "Amy@example.com", "status": "pending", "role": "limited_collaborator", "invited_at": 5}"#,
            r#"{"id": "m-1", "email": "zed@example.com", "username": "zed", "status": "user_account_deleted", "role": "collaborator", "invited_at": 3}"#,
        ],
    );
    let roster: Roster = serde_json::from_str(&json).unwrap();
    let expected = "\
┌───────────────────┬──────────┬──────────────────────┬──────────────────────┐
│       EMAIL       │ USERNAME │        STATUS        │         ROLE         │
├───────────────────┼──────────┼──────────────────────┼──────────────────────┤
│ owner@example.com │ olivia   │ owner                │ owner                │
│ Amy@example.com   │ n/a      │ pending              │ limited collaborator │
│ zed@example.com   │ zed      │ user account deleted │ collaborator         │
└───────────────────┴──────────┴──────────────────────┴──────────────────────┘
";
    assert_eq!(listing::to_string(&roster), expected);
    assert_eq!(roster.to_string(), expected);
    // Members in any order: the owner still comes first, others keep theirs.
    let mut members: Vec<&Member> = roster.members().collect();
    members.reverse();
    members.insert(1, roster.owner());
    let table = listing::members_to_string(members);
    let emails: Vec<&str> = table
        .lines()
        .skip(3)
        .filter_map(|l| l.split('│').nth(1))
        .map(str::trim)
        .collect();
    assert_eq!(
        emails,
        ["owner@example.com", "zed@example.com", "Amy@example.com"]
    );
    // An empty table still has its header.
    assert_eq!(
        listing::members_to_string([]),
        "┌───────┬──────────┬────────┬──────┐\n│ EMAIL │ USERNAME │ STATUS │ ROLE │\n├───────┼──────────┼────────┼──────┤\n└───────┴──────────┴────────┴──────┘\n"
    );
}

// ---------------------------------------------------------------------------
// Hostile input
// ---------------------------------------------------------------------------

/// Strings that mean something to the deserializers, and some that are
/// merely unpleasant.
fn interesting_string() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("pending".to_owned()),
        Just("accepted".to_owned()),
        Just("user account deleted".to_owned()),
        Just("owner".to_owned()),
        Just("n/a".to_owned()),
        Just("collaborator".to_owned()),
        Just("limited_collaborator".to_owned()),
        Just("app".to_owned()),
        Just("dedicated_database".to_owned()),
        Just("new_collaborator".to_owned()),
        Just("collaborator_removed".to_owned()),
        Just("roster_created".to_owned()),
        Just("ada@example.com".to_owned()),
        Just("ADA@example.com".to_owned()),
        Just("".to_owned()),
        Just("\u{0}\u{7f}\u{202e}".to_owned()),
        "[a-z@. ]{0,12}",
        any::<String>(),
        "x{300}",
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "id", "email", "username", "status", "user_id", "app_id", "app_name", "is_limited",
            "invitation_link", "collaborators", "collaborator", "type", "type_data", "resource",
            "member", "role", "previous_role", "actor", "at", "expires_at", "invitation_token",
            "advisory", "owner", "members", "kind", "name", "invited_at", "token", "token_digest", "v", "seq", "version",
        ])
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        interesting_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn try_all(text: &str) {
    let _ = serde_json::from_str::<CollaboratorList>(text);
    let _ = serde_json::from_str::<CollaboratorResponse>(text);
    let _ = serde_json::from_str::<CollaboratorsPayload>(text).map(|p| p.to_members(at(0)));
    let _ = serde_json::from_str::<ApiEvent>(text);
    let _ = serde_json::from_str::<Event>(text);
    let _ = serde_json::from_str::<Vec<Event>>(text).map(|events| Roster::replay(&events));
    let _ = serde_json::from_str::<Roster>(text).map(|r| listing::to_string(&r));
    let _ = serde_json::from_str::<Member>(text);
    let _ = serde_json::from_str::<Email>(text);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        let text = value.to_string();
        try_all(&text);
        // Wrapped the way the API wraps its objects.
        try_all(&format!(r#"{{"collaborators": [{text}]}}"#));
        try_all(&format!(r#"{{"collaborator": {text}}}"#));
        try_all(&format!(r#"{{"type": "new_collaborator", "type_data": {{"collaborator": {text}}}}}"#));
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        try_all(&text);
    }

    #[test]
    fn mutated_valid_json_never_panics(cut in 0usize..2000, byte in any::<u8>()) {
        let (roster, events) = app_roster();
        for valid in [serde_json::to_string(&roster).unwrap(), serde_json::to_string(&events).unwrap()] {
            let mut bytes = valid.into_bytes();
            let i = cut % bytes.len();
            bytes[i] = byte;
            try_all(&String::from_utf8_lossy(&bytes));
            try_all(&String::from_utf8_lossy(&bytes[..i]));
        }
    }
}

#[test]
fn deeply_nested_json_is_an_error_not_a_crash() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    try_all(&deep);
    let deep = format!(
        "{}1{}",
        r#"{"collaborators":"#.repeat(10_000),
        "}".repeat(10_000)
    );
    try_all(&deep);
}

#[test]
fn transfer_and_deletion_events_serialize_with_their_names() {
    let (mut roster, mut events) = app_roster();
    let owner = roster.owner().email().clone();
    let to = email("bob@example.com");
    let token = InvitationToken::new("tok-2").unwrap();
    let invite = Invitation::new(MemberId::new("m-2").unwrap(), to.clone(), token.clone())
        .with_role(Role::Collaborator);
    events.push(roster.invite(&owner, invite, at(450)).unwrap());
    events.push(
        roster
            .accept(&to, &token, Username::new("bob").unwrap(), at(460))
            .unwrap(),
    );
    events.push(roster.request_transfer(&owner, &to, at(500)).unwrap());
    events.push(roster.cancel_transfer(&to, at(501)).unwrap());
    events.push(roster.account_deleted(&to, at(502)).unwrap());
    let json: Vec<serde_json::Value> = events
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    let n = json.len();
    assert_eq!(json[n - 3]["type"], "ownership_transfer_requested");
    assert_eq!(json[n - 2]["type"], "ownership_transfer_cancelled");
    assert_eq!(json[n - 1]["type"], "collaborator_account_deleted");
    assert_eq!(json[n - 1]["advisory"], "rotate_secrets");
    assert!(
        json[n - 3]
            .get("role")
            .is_none_or(serde_json::Value::is_null)
    );
    let back: Vec<Event> = serde_json::from_value(serde_json::Value::Array(json)).unwrap();
    assert_eq!(back, events);
    assert_eq!(Roster::replay(&back).unwrap(), roster);
    for kind in [
        EventKind::TransferRequested,
        EventKind::TransferCancelled,
        EventKind::AccountDeleted,
    ] {
        assert_eq!(kind.api_name(), None);
        assert_eq!(kind.to_string(), kind.notification_name());
    }
    // An advisory where no advisory belongs is refused.
    let mut requested = serde_json::to_value(&events[events.len() - 3]).unwrap();
    requested["advisory"] = "rotate_secrets".into();
    let err = serde_json::from_value::<Event>(requested).unwrap_err();
    assert!(
        err.to_string().contains("must not carry an advisory"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------
// No secrets in the stored forms
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever the token (printable, 6 to 60 characters, with a marker
    /// that no digest, id or name here contains), no serialized event or
    /// snapshot, and no `Debug` or listing, contains it; the pending
    /// invitation still accepts it, after a round trip of the snapshot and
    /// after a replay of the events.
    #[test]
    fn no_stored_form_contains_the_token(
        secret in "[!-~]{3,57}",
        db in any::<bool>(),
        accept in any::<bool>(),
    ) {
        let token_text = format!("#Q{secret}");
        let token = InvitationToken::new(token_text.clone()).unwrap();
        let kind = if db { ResourceKind::DedicatedDatabase } else { ResourceKind::App };
        let resource = Resource::new(kind, ResourceId::new("r").unwrap(), "n").unwrap();
        let owner = Account { id: MemberId::new("m-0").unwrap(), email: email("o@example.com"), username: None };
        let (mut roster, created) = Roster::create(resource, owner, at(1));
        let mut events = vec![created];
        events.push(roster.invite(&email("o@example.com"), Invitation::new(MemberId::new("m-1").unwrap(), email("p@example.com"), token.clone()), at(2)).unwrap());
        let snapshot = serde_json::to_string(&roster).unwrap();
        let pretty = serde_json::to_string_pretty(&roster).unwrap();
        let mut texts = vec![snapshot.clone(), pretty, format!("{roster:?}"), roster.to_string()];
        for e in &events {
            texts.push(serde_json::to_string(e).unwrap());
            texts.push(format!("{e:?}"));
        }
        texts.push(format!("{:?}", Invitation::new(MemberId::new("m-2").unwrap(), email("q@example.com"), token.clone())));
        for text in &texts {
            prop_assert!(!text.contains(&token_text), "the token leaked: {}", text);
        }
        prop_assert!(snapshot.contains(&token.digest().to_string()));
        if accept {
            let mut read: Roster = serde_json::from_str(&snapshot).unwrap();
            prop_assert!(read.accept(&email("p@example.com"), &token, None, at(3)).is_ok());
        } else {
            let mut replayed = Roster::replay(&events).unwrap();
            let wrong = InvitationToken::new(format!("{token_text}x")).unwrap();
            prop_assert!(replayed.accept(&email("p@example.com"), &wrong, None, at(3)).is_err());
            prop_assert!(replayed.accept(&email("p@example.com"), &token, None, at(3)).is_ok());
        }
    }
}
