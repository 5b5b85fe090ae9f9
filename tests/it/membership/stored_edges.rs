//! The edges of the stored forms: absurd versions and sequence numbers
//! (refused with a typed error, never a panic or a wrap), and hostile ids
//! (every error that quotes one quotes an escaped, bounded excerpt, serde's
//! own messages included).
#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

use crate::common::new_app;
use collab_authz::api::{ApiCollaborator, InviteBody, UpdateBody};
use collab_authz::membership::{ApplyEventError, EventError, InviteError, RosterError};
use collab_authz::{
    CustomRole, Email, Event, Excerpt, Invitation, InvitationToken, MemberId, Permissions,
    ResourceKind, Roster, Timestamp, custom_role,
};
use serde_json::{Value, json};

const DEPLOYER: CustomRole = custom_role!(
    "deployer",
    ResourceKind::App,
    Permissions::DEPLOY_ANY_BRANCH.union(Permissions::VIEW_DEPLOYMENTS),
);

fn t(s: u64) -> Timestamp {
    Timestamp::from_unix_seconds(s)
}

fn owner() -> Email {
    Email::parse("owner@example.com").unwrap()
}

/// A roster with a pending custom-role member, and its events.
fn roster() -> (Roster, Vec<Event>) {
    let (mut roster, created) = new_app("m0", "owner@example.com", None, 0);
    let invitation = Invitation::new(
        MemberId::new("m1").unwrap(),
        Email::parse("ada@example.com").unwrap(),
        InvitationToken::new("tok-1").unwrap(),
    );
    let invited = roster
        .invite_custom(&owner(), invitation, DEPLOYER, t(10))
        .unwrap();
    (roster, vec![created, invited])
}

fn snapshot_with_version(version: Value) -> Result<Roster, serde_json::Error> {
    let (roster, _) = roster();
    let mut json = serde_json::to_value(&roster).unwrap();
    json["version"] = version;
    serde_json::from_value(json)
}

fn event_with_seq(seq: Value) -> Result<Event, serde_json::Error> {
    let (_, events) = roster();
    let mut json = serde_json::to_value(&events[1]).unwrap();
    json["seq"] = seq;
    serde_json::from_value(json)
}

/// JSON numbers at the edges, written as text so that those past `u64`
/// and `i64` reach the reader as the input would.
const ABSURD: [&str; 8] = [
    "18446744073709551615", // u64::MAX
    "18446744073709551614",
    "9223372036854775808",  // i64::MAX + 1
    "18446744073709551616", // u64::MAX + 1
    "-1",
    "-9223372036854775808", // i64::MIN
    "1e30",
    "0",
];

fn number(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

#[test]
fn max_seq_is_i64_max() {
    assert_eq!(Event::MAX_SEQ, i64::MAX as u64);
    assert!(Event::MAX_SEQ.checked_add(2).is_some());
}

#[test]
fn an_absurd_snapshot_version_is_refused() {
    for text in ABSURD {
        // Through the text, exactly as a store hands it over.
        let (roster, _) = roster();
        let json = serde_json::to_string(&roster).unwrap();
        let json = json.replacen("\"version\":2", &format!("\"version\":{text}"), 1);
        assert!(json.contains(text));
        let err = serde_json::from_str::<Roster>(&json).unwrap_err();
        assert!(!err.to_string().is_empty(), "{text}");
        // And through a value, where it is one.
        assert!(snapshot_with_version(number(text)).is_err(), "{text}");
    }
    let err = snapshot_with_version(json!(u64::MAX)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&RosterError::VersionOutOfRange { found: u64::MAX }.to_string()),
        "{err}"
    );
    assert!(snapshot_with_version(json!("2")).is_err());
    // The largest version reads.
    let at_max = snapshot_with_version(json!(Event::MAX_SEQ)).unwrap();
    assert_eq!(at_max.version(), Event::MAX_SEQ);
}

#[test]
fn an_absurd_event_seq_is_refused() {
    for text in ABSURD {
        let (_, events) = roster();
        let json = serde_json::to_string(&events[1]).unwrap();
        let json = json.replacen("\"seq\":2", &format!("\"seq\":{text}"), 1);
        assert!(json.contains(text));
        assert!(serde_json::from_str::<Event>(&json).is_err(), "{text}");
        assert!(event_with_seq(number(text)).is_err(), "{text}");
    }
    let err = event_with_seq(json!(u64::MAX)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&EventError::SeqOutOfRange { seq: u64::MAX }.to_string()),
        "{err}"
    );
    assert_eq!(
        event_with_seq(json!(Event::MAX_SEQ)).unwrap().seq(),
        Event::MAX_SEQ
    );
}

#[test]
fn no_event_applies_past_the_largest_version() {
    // A roster one short of the largest version takes one more event...
    let (live, _) = roster();
    let mut json = serde_json::to_value(&live).unwrap();
    json["version"] = json!(Event::MAX_SEQ - 1);
    let mut near: Roster = serde_json::from_value(json).unwrap();
    let decided = near
        .decide_revoke(&owner(), &Email::parse("ada@example.com").unwrap(), t(20))
        .unwrap();
    assert_eq!(decided.seq(), Event::MAX_SEQ);
    let stored: Event = serde_json::from_str(&serde_json::to_string(&decided).unwrap()).unwrap();
    near.apply(&stored).unwrap();
    assert_eq!(near.version(), Event::MAX_SEQ);

    // ... and then none: a typed error, the roster unchanged.
    let before = near.clone();
    let err = near.apply(&stored).unwrap_err();
    assert_eq!(
        err,
        ApplyEventError::VersionExhausted {
            version: Event::MAX_SEQ
        }
    );
    assert_eq!(near, before);
    let err = near.clone().resume([&stored]).unwrap_err();
    assert_eq!(err.index(), 0);
    assert!(matches!(
        err.reason(),
        ApplyEventError::VersionExhausted { .. }
    ));

    // An operation decided there is refused with a typed error, never a
    // panic, a wrap or an event past the largest seq; the roster is
    // unchanged.
    let invitation = Invitation::new(
        MemberId::new("m2").unwrap(),
        Email::parse("bob@example.com").unwrap(),
        InvitationToken::new("tok-2").unwrap(),
    );
    assert_eq!(
        near.decide_invite(&owner(), invitation.clone(), t(30)),
        Err(InviteError::VersionExhausted {
            version: Event::MAX_SEQ
        })
    );
    assert_eq!(
        near.invite(&owner(), invitation, t(30)),
        Err(InviteError::VersionExhausted {
            version: Event::MAX_SEQ
        })
    );
    assert_eq!(near, before);
}

#[test]
fn seq_zero_is_refused() {
    let err = event_with_seq(json!(0)).unwrap_err();
    assert!(err.to_string().contains("seq 0"), "{err}");
    let err = snapshot_with_version(json!(0)).unwrap_err();
    assert!(err.to_string().contains("version 0"), "{err}");
}

// ---------------------------------------------------------------------------
// Hostile ids.
// ---------------------------------------------------------------------------

/// 10 kB of hostile text: ANSI escapes, control characters, a forged log
/// line, a direction override, and a long run of `x`.
fn hostile() -> String {
    let mut s = String::from("\u{1b}[31mRED\u{1b}[0m\r\n[INFO] forged\u{7}\u{202e}");
    while s.len() < 10_000 {
        s.push('x');
    }
    s
}

/// The message quotes at most an excerpt of the input, escaped.
fn assert_bounded(what: &str, message: &str) {
    assert!(
        !message.chars().any(|c| c.is_control()),
        "{what}: a control character in {message:?}"
    );
    assert!(!message.contains('\u{202e}'), "{what}: {message:?}");
    let longest_run = message.split(|c| c != 'x').map(str::len).max().unwrap_or(0);
    assert!(
        longest_run <= Excerpt::MAX_LEN,
        "{what}: quotes {longest_run} bytes of the input: {message:?}"
    );
    // The longest list of ids (the 59 actions) and an excerpt fit.
    assert!(message.len() < 2_000, "{what}: {} bytes", message.len());
}

fn refused<T: serde::de::DeserializeOwned + std::fmt::Debug>(what: &str, json: &Value) {
    let err = serde_json::from_value::<T>(json.clone()).unwrap_err();
    assert_bounded(what, &err.to_string());
    let text = serde_json::to_string(json).unwrap();
    let err = serde_json::from_str::<T>(&text).unwrap_err();
    assert_bounded(what, &err.to_string());
}

#[test]
fn a_hostile_id_in_a_snapshot_is_quoted_bounded_and_escaped() {
    let (roster, _) = roster();
    let base = serde_json::to_value(&roster).unwrap();
    let bad = Value::String(hostile());
    let paths: &[(&str, &[&str])] = &[
        ("owner role", &["owner", "role"]),
        ("owner status", &["owner", "status"]),
        ("resource kind", &["resource", "kind"]),
        ("version", &["version"]),
        ("owner invited_at", &["owner", "invited_at"]),
        ("owner", &["owner"]),
        ("resource", &["resource"]),
        ("snapshot schema version", &["v"]),
        ("pending transfer", &["pending_transfer"]),
        ("members", &["members"]),
        ("secret access", &["secret_access"]),
        ("deleted", &["deleted"]),
    ];
    for (what, path) in paths {
        let mut json = base.clone();
        let mut at = &mut json;
        for key in *path {
            at = &mut at[*key];
        }
        *at = bad.clone();
        refused::<Roster>(what, &json);
    }
    // Inside a member's custom role.
    for (what, key) in [("custom role kind", "kind"), ("custom role", "")] {
        let mut json = base.clone();
        let member = &mut json["members"][0];
        if key.is_empty() {
            member["custom_role"] = bad.clone();
        } else {
            member["custom_role"][key] = bad.clone();
        }
        refused::<Roster>(what, &json);
    }
    let mut json = base.clone();
    json["members"][0]["custom_role"]["permissions"] = json!([hostile()]);
    refused::<Roster>("custom role action", &json);
    let mut json = base;
    json["members"][0]["custom_role"][hostile()] = json!(1);
    refused::<Roster>("custom role field", &json);
}

#[test]
fn a_hostile_id_in_an_event_is_quoted_bounded_and_escaped() {
    let (_, events) = roster();
    let base = serde_json::to_value(&events[1]).unwrap();
    for key in [
        "type", "role", "seq", "at", "advisory", "resource", "member", "v",
    ] {
        let mut json = base.clone();
        json[key] = Value::String(hostile());
        refused::<Event>(key, &json);
    }
    let mut json = base.clone();
    json["resource"]["kind"] = Value::String(hostile());
    refused::<Event>("resource kind", &json);
    let mut json = base;
    json["custom_role"]["kind"] = Value::String(hostile());
    refused::<Event>("custom role kind", &json);
}

#[test]
fn a_hostile_id_in_custom_role_json_is_quoted_bounded_and_escaped() {
    let base = serde_json::to_value(DEPLOYER).unwrap();
    for key in ["kind", "permissions"] {
        let mut json = base.clone();
        json[key] = Value::String(hostile());
        refused::<CustomRole>(key, &json);
    }
    let mut json = base.clone();
    json["permissions"] = json!(["deploy_any_branch", hostile()]);
    refused::<CustomRole>("action", &json);
    let mut json = base.clone();
    json[hostile()] = json!(true);
    refused::<CustomRole>("unknown field", &json);
    refused::<CustomRole>("whole", &Value::String(hostile()));
    // A hostile name is refused by the naming rules, quoting nothing.
    let mut json = base;
    json["name"] = Value::String(hostile());
    refused::<CustomRole>("name", &json);
}

#[test]
fn a_hostile_value_in_an_api_body_is_quoted_bounded_and_escaped() {
    let bad = Value::String(hostile());
    refused::<InviteBody>(
        "invite is_limited",
        &json!({"collaborator": {"email": "ada@example.com", "is_limited": bad}}),
    );
    refused::<InviteBody>("invite collaborator", &json!({"collaborator": bad}));
    refused::<InviteBody>("invite body", &bad);
    refused::<UpdateBody>(
        "update is_limited",
        &json!({"collaborator": {"is_limited": bad}}),
    );
    refused::<ApiCollaborator>("status", &json!({"status": bad}));
    refused::<ApiCollaborator>("is_limited", &json!({"is_limited": bad}));
    refused::<ApiCollaborator>("custom role", &json!({"custom_role": bad}));
    refused::<ApiCollaborator>(
        "custom role kind",
        &json!({"custom_role": {"name": "deployer", "kind": bad, "permissions": ["restart"]}}),
    );
    refused::<ApiCollaborator>(
        "custom role action",
        &json!({"custom_role": {"name": "deployer", "kind": "app", "permissions": [bad]}}),
    );
    refused::<collab_authz::api::CollaboratorList>("list", &json!({"collaborators": bad}));
}

#[test]
fn every_id_still_reads_as_before() {
    use collab_authz::{Action, MemberStatus, Role};
    for action in Action::ALL {
        let json = serde_json::to_string(&action).unwrap();
        assert_eq!(json, format!("\"{}\"", action.id()));
        assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), action);
    }
    for role in Role::ALL {
        let json = serde_json::to_string(&role).unwrap();
        assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), role);
    }
    for kind in ResourceKind::ALL {
        let json = serde_json::to_string(&kind).unwrap();
        assert_eq!(serde_json::from_str::<ResourceKind>(&json).unwrap(), kind);
    }
    for status in MemberStatus::ALL {
        let json = serde_json::to_string(&status).unwrap();
        assert_eq!(serde_json::from_str::<MemberStatus>(&json).unwrap(), status);
    }
    // The public API's spelling of a deleted account still reads.
    assert_eq!(
        serde_json::from_str::<MemberStatus>("\"user account deleted\"").unwrap(),
        MemberStatus::UserAccountDeleted
    );
    let err = serde_json::from_str::<Role>("\"Owner\"").unwrap_err();
    assert!(
        err.to_string()
            .starts_with(r#"unknown role "Owner", expected one of: limited_collaborator"#),
        "{err}"
    );
}
