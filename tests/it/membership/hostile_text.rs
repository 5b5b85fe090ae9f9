//! Hostile text against every constructor of an identity: emails,
//! usernames, resource names, member ids, resource ids, invitation tokens,
//! and the public API's objects that carry them.
//!
//! Properties: no panic; an invisible, bidi-control or control character
//! is refused; an accepted value round-trips (as written, through
//! `FromStr` and serde); an error's message is bounded and holds no
//! control or invisible character (it cannot forge or hide a log line).
//! The oracle below lists the refused characters independently of the
//! crate's own policy.
#![expect(clippy::unwrap_used, reason = "tests")]

const MAX_REJECTED_LEN: usize = Excerpt::MAX_LEN;

use collab_authz::api::{ApiCollaborator, ApiEvent, CollaboratorList};
use collab_authz::membership::{IdentifierError, MemberParts};
use collab_authz::membership::{MAX_EMAIL_LEN, MAX_IDENTIFIER_LEN};
use collab_authz::{
    Email, Excerpt, InvitationToken, Member, MemberId, MemberStatus, Resource, ResourceId,
    ResourceKind, Role, Timestamp, Username,
};
use proptest::prelude::*;
use serde_json::json;

/// The characters the spec and the issue name: zero-width, bidi
/// embeddings/overrides/isolates, word joiner and invisible operators,
/// byte order mark, soft hyphen, Mongolian vowel separator, line and
/// paragraph separators, a tag character, a variation selector, the
/// Arabic letter mark, the combining grapheme joiner, a Hangul filler.
const INVISIBLE: &[char] = &[
    '\u{200B}',
    '\u{200C}',
    '\u{200D}',
    '\u{200E}',
    '\u{200F}',
    '\u{202A}',
    '\u{202B}',
    '\u{202C}',
    '\u{202D}',
    '\u{202E}',
    '\u{2060}',
    '\u{2061}',
    '\u{2062}',
    '\u{2063}',
    '\u{2064}',
    '\u{2066}',
    '\u{2067}',
    '\u{2068}',
    '\u{2069}',
    '\u{FEFF}',
    '\u{00AD}',
    '\u{180E}',
    '\u{2028}',
    '\u{2029}',
    '\u{E0041}',
    '\u{FE0F}',
    '\u{061C}',
    '\u{034F}',
    '\u{3164}',
];

const CONTROL: &[char] = &[
    '\n', '\r', '\t', '\0', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}',
];

/// Characters that must never appear raw in an error message.
fn unsafe_in_message(c: char) -> bool {
    c.is_control() || INVISIBLE.contains(&c)
}

fn refused_in_identity(c: char) -> bool {
    c.is_control() || INVISIBLE.contains(&c)
}

fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => proptest::char::range('a', 'z'),
        1 => proptest::char::range('A', 'Z'),
        1 => prop::sample::select(vec!['@', '.', '-', '"', '\\', ' ', 'K', '\u{212A}', '\u{130}', '\u{A0}']),
        2 => prop::sample::select(INVISIBLE.to_vec()),
        1 => prop::sample::select(CONTROL.to_vec()),
        1 => any::<char>(),
    ]
}

/// Up to 400 characters: some longer than every limit.
fn hostile() -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_char(), 0..400).prop_map(String::from_iter)
}

/// Mostly email-shaped, with hostile characters mixed in.
fn hostile_email() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(hostile_char(), 1..30),
        prop::collection::vec(hostile_char(), 1..20),
        prop::sample::select(vec!["com", "org", "x"]),
    )
        .prop_map(|(l, d, tld)| {
            format!(
                "{}@{}.{tld}",
                String::from_iter(l),
                String::from_iter(d).replace('@', "")
            )
        })
}

/// The message is bounded and holds no character that could forge or
/// hide a line.
fn assert_safe(message: &str, max: usize) -> Result<(), TestCaseError> {
    prop_assert!(
        message.len() <= max,
        "{} bytes: {:?}",
        message.len(),
        message
    );
    prop_assert!(
        !message.chars().any(unsafe_in_message),
        "unsafe character in {:?}",
        message
    );
    Ok(())
}

/// Bound of an identifier's or an email's error message.
const SHORT: usize = 160;
/// Bound of an error quoting two excerpts: each is at most two quotes,
/// `MAX_REJECTED_LEN` bytes escaped to at most six characters each
/// (`\u{1b}`), and `…`.
const TWO_EXCERPTS: usize = 2 * (2 + 6 * MAX_REJECTED_LEN + 3) + 100;

macro_rules! identifier_properties {
    ($name:ident, $ty:ty) => {
        fn $name(s: &str) -> Result<(), TestCaseError> {
            let made = <$ty>::new(s);
            prop_assert_eq!(&s.parse::<$ty>(), &made);
            let via_serde = serde_json::from_value::<$ty>(json!(s));
            prop_assert_eq!(via_serde.is_ok(), made.is_ok());
            match made {
                Ok(v) => {
                    prop_assert_eq!(v.as_str(), s);
                    prop_assert!(!s.is_empty() && s.len() <= MAX_IDENTIFIER_LEN);
                    prop_assert!(!s.chars().any(refused_in_identity), "{:?}", s);
                    let written = serde_json::to_value(&v).unwrap();
                    prop_assert_eq!(serde_json::from_value::<$ty>(written).unwrap(), v);
                }
                Err(e) => {
                    assert_safe(&e.to_string(), SHORT)?;
                    assert_safe(&format!("{e:?}"), SHORT)?;
                    assert_safe(&via_serde.unwrap_err().to_string(), SHORT + 40)?;
                }
            }
            Ok(())
        }
    };
}

identifier_properties!(member_id, MemberId);
identifier_properties!(resource_id, ResourceId);
identifier_properties!(username, Username);
identifier_properties!(token, InvitationToken);

fn email(s: &str) -> Result<(), TestCaseError> {
    let made = Email::parse(s);
    prop_assert_eq!(&s.parse::<Email>(), &made);
    match made {
        Ok(e) => {
            prop_assert_eq!(e.as_str(), s);
            prop_assert!(s.len() <= MAX_EMAIL_LEN);
            prop_assert!(
                !s.chars()
                    .any(|c| refused_in_identity(c) || c.is_whitespace())
            );
            // ASCII folding only.
            prop_assert_eq!(e.normalized(), s.to_ascii_lowercase());
            prop_assert_eq!(&Email::parse(&s.to_ascii_uppercase()).unwrap(), &e);
            let written = serde_json::to_value(&e).unwrap();
            prop_assert_eq!(serde_json::from_value::<Email>(written).unwrap(), e);
        }
        Err(err) => {
            assert_safe(&err.to_string(), SHORT)?;
            assert_safe(&format!("{err:?}"), SHORT)?;
        }
    }
    Ok(())
}

fn resource_name(s: &str) -> Result<(), TestCaseError> {
    let id = ResourceId::new("app-1").unwrap();
    match Resource::new(ResourceKind::App, id, s) {
        Ok(r) => {
            prop_assert_eq!(r.name(), s);
            prop_assert!(!s.chars().any(refused_in_identity), "{:?}", s);
            let written = serde_json::to_value(&r).unwrap();
            prop_assert_eq!(serde_json::from_value::<Resource>(written).unwrap(), r);
        }
        Err(e) => assert_safe(&e.to_string(), SHORT)?,
    }
    Ok(())
}

fn owner() -> Member {
    Member::new(MemberParts {
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
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn identifiers(s in hostile()) {
        member_id(&s)?;
        resource_id(&s)?;
        username(&s)?;
        token(&s)?;
        resource_name(&s)?;
    }

    #[test]
    fn identifiers_refuse_an_invisible_character_anywhere(
        (prefix, c, suffix) in ("[a-z0-9 ]{0,20}", prop::sample::select(INVISIBLE.to_vec()), "[a-z0-9 ]{0,20}"),
    ) {
        let s = format!("{prefix}{c}{suffix}");
        let Err(IdentifierError::Invisible(found)) = Username::new(s.as_str()) else {
            return Err(TestCaseError::fail(format!("accepted {s:?}")));
        };
        prop_assert_eq!((found.character(), found.byte_offset()), (c, prefix.len()));
        prop_assert!(MemberId::new(s.as_str()).is_err());
        prop_assert!(ResourceId::new(s.as_str()).is_err());
        prop_assert!(InvitationToken::new(s.as_str()).is_err());
        prop_assert!(Resource::new(ResourceKind::App, ResourceId::new("a").unwrap(), s.as_str()).is_err());
        let email = format!("{}{c}{}@example.com", prefix.replace(' ', ""), suffix.replace(' ', ""));
        prop_assert!(Email::parse(&email).is_err(), "{:?}", email);
    }

    #[test]
    fn emails(s in prop_oneof![hostile_email(), hostile()]) {
        email(&s)?;
    }

    #[test]
    fn clean_values_round_trip(
        s in "[a-zA-Z0-9][a-zA-Z0-9 ._-]{0,60}",
        local in "[a-zA-Z0-9._+-]{1,30}",
        domain in "[a-zA-Z0-9-]{1,20}\\.[a-z]{2,6}",
    ) {
        for made in [
            MemberId::new(s.as_str()).map(|v| v.as_str().to_owned()),
            ResourceId::new(s.as_str()).map(|v| v.as_str().to_owned()),
            Username::new(s.as_str()).map(|v| v.as_str().to_owned()),
            InvitationToken::new(s.as_str()).map(|_| s.clone()),
        ] {
            prop_assert_eq!(made.unwrap(), s.clone());
        }
        let address = format!("{local}@{domain}");
        let e = Email::parse(&address).unwrap();
        prop_assert_eq!(e.as_str(), address.as_str());
        prop_assert_eq!(Email::parse(&address.to_ascii_lowercase()).unwrap(), e);
    }

    /// The API's objects: hostile field values never panic, and every
    /// error (serde's and the conversions') is bounded and escaped.
    #[test]
    fn api_objects(
        id in hostile(), address in prop_oneof![hostile_email(), hostile()], name in hostile(),
        status in prop_oneof![Just("pending".to_owned()), hostile()], app in hostile(),
        link in hostile(),
    ) {
        let object = json!({"id": id, "email": address, "username": name, "status": status,
                            "app_id": app, "app_name": name, "is_limited": true,
                            "invitation_link": link});
        match serde_json::from_value::<ApiCollaborator>(object.clone()) {
            Err(e) => assert_safe(&e.to_string(), 2 * SHORT + 6 * MAX_REJECTED_LEN)?,
            Ok(c) => {
                let debug = format!("{c:?}");
                prop_assert!(!debug.contains(&link) || link.len() < 12);
                if let Err(e) = c.to_member(Timestamp::from_unix_seconds(0)) {
                    assert_safe(&e.to_string(), TWO_EXCERPTS)?;
                }
                let list: CollaboratorList =
                    serde_json::from_value(json!({"collaborators": [object]})).unwrap();
                let resource = Resource::new(
                    ResourceKind::App,
                    ResourceId::new("app-\u{212A}").unwrap(),
                    "billing",
                ).unwrap();
                if let Err(e) = list.to_roster(resource, owner(), Timestamp::from_unix_seconds(0)) {
                    assert_safe(&e.to_string(), TWO_EXCERPTS)?;
                }
            }
        }
        let event = json!({"type": status, "type_data": {"collaborator": {}}});
        if let Err(e) = serde_json::from_value::<ApiEvent>(event) {
            assert_safe(&e.to_string(), 2 * SHORT + 6 * MAX_REJECTED_LEN)?;
        }
    }

    #[test]
    fn excerpts_are_bounded_and_escaped(s in hostile()) {
        let e = Excerpt::new(&s);
        prop_assert!(s.starts_with(e.as_str()));
        prop_assert!(e.as_str().len() <= MAX_REJECTED_LEN);
        prop_assert_eq!(e.is_truncated(), e.as_str().len() < s.len());
        assert_safe(&e.to_string(), 2 + 6 * MAX_REJECTED_LEN + 3)?;
        assert_safe(&format!("{e:?}"), 40 + 6 * MAX_REJECTED_LEN)?;
    }
}

// ---------------------------------------------------------------------------
// ASCII case folding only
// ---------------------------------------------------------------------------

/// Whether two addresses are the same account; equal ones hash alike and
/// order as equal.
fn same(a: &str, b: &str) -> bool {
    use std::hash::BuildHasher;
    let (a, b) = (Email::parse(a).unwrap(), Email::parse(b).unwrap());
    let state = std::hash::RandomState::new();
    let equal = a == b;
    assert_eq!(equal, a.cmp(&b).is_eq());
    if equal {
        assert_eq!(state.hash_one(&a), state.hash_one(&b));
    }
    equal
}

#[test]
fn kelvin_sign_is_refused_not_another_k() {
    // KELVIN SIGN is canonically `K`: not NFC, so refused rather than a
    // second account that renders as kate.
    assert_eq!(
        Email::parse("\u{212A}ate@example.com"),
        Err(collab_authz::membership::EmailError::NotNfc { at: 0 })
    );
    assert!(same("KATE@EXAMPLE.COM", "kate@example.com"));
}

#[test]
fn unicode_case_mapping_is_never_applied() {
    for (a, b) in [
        // LATIN CAPITAL I WITH DOT lower-cases to "i\u{307}".
        ("\u{130}nfo@example.com", "i\u{307}nfo@example.com"),
        // Non-ASCII letters keep their case: different accounts.
        ("\u{C5}sa@example.com", "\u{E5}sa@example.com"),
        ("\u{41A}ate@example.com", "\u{43A}ate@example.com"),
        // LONG S upper-cases to S, but folding goes one way only.
        ("\u{17F}am@example.com", "sam@example.com"),
    ] {
        assert!(!same(a, b), "{a} vs {b}");
    }
    assert_eq!(
        Email::parse("\u{17F}AM@Example.COM").unwrap().normalized(),
        "\u{17F}am@example.com"
    );
}

#[test]
fn a_roster_tells_the_long_s_look_alike_apart() {
    use collab_authz::{Account, Invitation, Roster};
    let (mut roster, _) = Roster::create(
        Resource::new(
            ResourceKind::App,
            ResourceId::new("app-1").unwrap(),
            "billing",
        )
        .unwrap(),
        Account {
            id: MemberId::new("m-0").unwrap(),
            email: "owner@example.com".parse().unwrap(),
            username: None,
        },
        Timestamp::from_unix_seconds(0),
    );
    let owner: Email = "owner@example.com".parse().unwrap();
    for (i, address) in ["sam@example.com", "\u{17F}am@example.com"]
        .into_iter()
        .enumerate()
    {
        roster
            .invite(
                &owner,
                Invitation::new(
                    MemberId::new(format!("m-{}", i + 1)).unwrap(),
                    address.parse().unwrap(),
                    InvitationToken::new(format!("t{i}")).unwrap(),
                ),
                Timestamp::from_unix_seconds(1),
            )
            .unwrap();
    }
    // SAM is sam: refused as a duplicate.
    assert!(
        roster
            .invite(
                &owner,
                Invitation::new(
                    MemberId::new("m-9").unwrap(),
                    "SAM@example.com".parse().unwrap(),
                    InvitationToken::new("t9").unwrap(),
                ),
                Timestamp::from_unix_seconds(1),
            )
            .is_err()
    );
}

#[test]
fn the_app_id_mismatch_quotes_the_hostile_value_escaped_and_bounded() {
    let forged = format!(
        "app-1\n2026-12-03T10:00:00Z INFO access granted to mallory{}",
        "x".repeat(500)
    );
    let list: CollaboratorList = serde_json::from_value(json!({"collaborators": [
        {"id": "c1", "email": "a@x.com", "status": "accepted", "app_id": forged}
    ]}))
    .unwrap();
    let resource = Resource::new(
        ResourceKind::App,
        ResourceId::new("app-1").unwrap(),
        "billing",
    )
    .unwrap();
    let err = list
        .to_roster(resource, owner(), Timestamp::from_unix_seconds(0))
        .unwrap_err();
    let message = err.to_string();
    assert_eq!(
        message,
        r#"field `app_id`: collaborator of "app-1\n2026-12-03T10:00:00Z INFO access g…", not of "app-1""#
    );
}

#[test]
fn an_unknown_status_is_quoted_escaped_and_bounded() {
    let status = format!("banned\u{202E}\r\n{}", "y".repeat(10_000));
    let err = serde_json::from_value::<ApiCollaborator>(json!({ "status": status }))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(r#"invalid value: string "banned\u{202e}\r\nyyy"#),
        "{err}"
    );
    assert!(err.len() < 200, "{err}");
}
