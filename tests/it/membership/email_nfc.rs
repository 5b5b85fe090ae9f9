//! Emails and Unicode canonical equivalence: an address must be in NFC,
//! so that two accepted addresses never render the same while naming two
//! members. The pairs the issue names, the order of refusals, a property
//! test over canonically equivalent spellings built here (the oracle is
//! the construction, not a normalization library), and the stored forms
//! and API bodies, which read emails with the same rule.
#![expect(clippy::unwrap_used, reason = "tests")]

use crate::common::{at, cases, email, new_app};
use collab_authz::membership::{Classify, EmailError, ErrorClass};
use collab_authz::{Email, Event, Invitation, InvitationToken, MemberId, Roster};
use proptest::prelude::*;

#[test]
fn precomposed_accent_is_accepted_decomposed_is_refused() {
    let composed = email("jos\u{E9}@example.com");
    assert_eq!(composed.as_str(), "jos\u{E9}@example.com");
    assert_eq!(
        Email::parse("jose\u{301}@example.com"),
        Err(EmailError::NotNfc { at: 3 })
    );
    // Upper-case ASCII around it changes nothing: still the same rule.
    assert_eq!(
        Email::parse("JOSE\u{301}@Example.com"),
        Err(EmailError::NotNfc { at: 3 })
    );
    assert_eq!(
        email("JOS\u{E9}@Example.com"),
        composed,
        "ASCII case still folds"
    );
}

#[test]
fn canonical_look_alikes_and_orders_are_refused_at_their_offset() {
    let rows: &[(&str, usize)] = &[
        // KELVIN SIGN is canonically K; ANGSTROM SIGN is Å; OHM SIGN is Ω.
        ("\u{212A}ate@example.com", 0),
        ("\u{212B}sa@example.com", 0),
        ("x\u{2126}@example.com", 1),
        // A with a combining ring: Å (U+00C5) in NFC.
        ("A\u{30A}sa@example.com", 0),
        // Hangul: conjoining jamo that compose to one syllable.
        ("\u{1100}\u{1161}@example.com", 0),
        // Two marks out of canonical order (ccc 230 before ccc 220).
        ("q\u{301}\u{316}@example.com", 1),
        // In the domain: the letter that carries the accent.
        ("ada@exa\u{301}mple.com", 6),
        // e + circumflex + dot below: ệ (U+1EC7).
        ("e\u{302}\u{323}@example.com", 0),
    ];
    for &(s, offset) in rows {
        assert_eq!(
            Email::parse(s),
            Err(EmailError::NotNfc { at: offset }),
            "{s:?}"
        );
    }
    for s in [
        "\u{C5}sa@example.com",
        "x\u{3A9}@example.com",
        "\u{AC00}@example.com",
        "q\u{316}\u{301}@example.com",
        "ada@ex\u{E1}mple.com",
        "\u{1EC7}@example.com",
        // No precomposed b with acute: b + U+0301 is NFC.
        "b\u{301}@example.com",
    ] {
        assert!(Email::parse(s).is_ok(), "{s:?}");
    }
}

#[test]
fn the_refusal_says_how_to_fix_it() {
    let err = Email::parse("jose\u{301}@example.com").unwrap_err();
    assert_eq!(err.class(), ErrorClass::Invalid);
    let message = err.to_string();
    assert!(message.contains("NFC"), "{message}");
    assert!(message.contains("byte 3"), "{message}");
    assert!(
        message.contains("U+00E9 rather than e + U+0301"),
        "{message}"
    );
    // The message holds no combining mark of the input.
    assert!(!message.contains('\u{301}'), "{message}");
}

#[test]
fn earlier_rules_keep_their_precedence() {
    // The shape and the characters are checked before NFC.
    assert_eq!(Email::parse("jose\u{301}"), Err(EmailError::At));
    assert_eq!(
        Email::parse("e\u{301}@b@c"),
        Err(EmailError::At),
        "two @ before NFC"
    );
    assert_eq!(
        Email::parse("@e\u{301}.com"),
        Err(EmailError::EmptyLocalPart)
    );
    assert_eq!(
        Email::parse("a@e\u{301}..com"),
        Err(EmailError::InvalidDomain)
    );
    assert!(matches!(
        Email::parse("e\u{301}\u{200B}@example.com"),
        Err(EmailError::Invisible(c)) if c.byte_offset() == 3
    ));
    assert_eq!(
        Email::parse("e\u{301} x@example.com"),
        Err(EmailError::InvalidCharacter)
    );
}

/// Pieces of text, each with its canonically equivalent spellings; the
/// first is the NFC one. Each starts with a starter that composes with
/// nothing before it, so the spellings of a sequence of pieces are
/// canonically equivalent exactly when made of the same pieces.
const PIECES: &[&[&str]] = &[
    &["a"],
    &["K", "\u{212A}"],
    &["\u{E9}", "e\u{301}"],
    &["\u{C5}", "A\u{30A}", "\u{212B}"],
    &["\u{E5}", "a\u{30A}"],
    &["\u{3A9}", "\u{2126}"],
    &["\u{AC00}", "\u{1100}\u{1161}"],
    &[
        "\u{1EC7}",
        "e\u{323}\u{302}",
        "e\u{302}\u{323}",
        "\u{EA}\u{323}",
        "\u{1EB9}\u{302}",
    ],
    &["q\u{316}\u{301}", "q\u{301}\u{316}"],
    &["\u{F1}", "n\u{303}"],
];

/// A spelling of the pieces `ids`, variant `choice[i] % len` of each.
fn spell(ids: &[usize], choice: &[usize]) -> String {
    let mut local = String::new();
    for (&id, &c) in ids.iter().zip(choice) {
        let variants = PIECES.get(id % PIECES.len()).unwrap();
        local.push_str(variants.get(c % variants.len()).unwrap());
    }
    format!("{local}@example.com")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Two canonically equivalent spellings: the NFC one is accepted,
    /// every other is refused as not NFC, and two accepted spellings are
    /// the same bytes and the same email. So no two accepted emails are
    /// canonically equivalent but unequal.
    #[test]
    fn canonically_equivalent_spellings_are_one_email_or_refused(
        ids in proptest::collection::vec(0usize..64, 1..8),
        a in proptest::collection::vec(0usize..64, 8),
        b in proptest::collection::vec(0usize..64, 8),
    ) {
        let canonical = spell(&ids, &[0; 8]);
        let accepted = Email::parse(&canonical);
        prop_assert!(accepted.is_ok(), "{:?}: {:?}", canonical, accepted);
        for choice in [&a, &b] {
            let spelled = spell(&ids, choice);
            match Email::parse(&spelled) {
                Ok(e) => {
                    prop_assert_eq!(e.as_str(), canonical.as_str());
                    prop_assert_eq!(Some(&e), accepted.as_ref().ok());
                }
                Err(EmailError::NotNfc { at }) => {
                    prop_assert!(spelled != canonical);
                    // The text before the offset is NFC and shared.
                    prop_assert_eq!(spelled.get(..at), canonical.get(..at));
                }
                Err(other) => prop_assert!(false, "{:?}: {:?}", spelled, other),
            }
        }
    }
}

/// An app roster whose owner is `jos\u{E9}@example.com` (composed), with
/// `ren\u{E9}e@example.com` invited by the owner; its events too.
fn roster_with_accents() -> (Roster, Vec<Event>) {
    let (mut roster, created) = new_app("m-0", "jos\u{E9}@example.com", None, 100);
    let invited = roster
        .invite(
            &email("jos\u{E9}@example.com"),
            Invitation::new(
                MemberId::new("m-1").unwrap(),
                email("ren\u{E9}e@example.com"),
                InvitationToken::new("tok-1").unwrap(),
            ),
            at(200),
        )
        .unwrap();
    (roster, vec![created, invited])
}

/// `json` with every composed é (raw or escaped) written decomposed, in
/// the raw or the escaped (`\u0065\u0301`) spelling.
fn decompose(json: &str, escaped: bool) -> String {
    let to = if escaped { "e\\u0301" } else { "e\u{301}" };
    json.replace('\u{E9}', to).replace("\\u00e9", to)
}

#[test]
fn stored_events_with_a_decomposed_email_are_refused() {
    let (_, events) = roster_with_accents();
    for event in &events {
        let json = serde_json::to_string(event).unwrap();
        assert!(json.contains('\u{E9}'), "{json}");
        // The composed form reads back to the same event.
        assert_eq!(&serde_json::from_str::<Event>(&json).unwrap(), event);
        for escaped in [false, true] {
            let stored = decompose(&json, escaped);
            let err = serde_json::from_str::<Event>(&stored).unwrap_err();
            assert!(err.to_string().contains("NFC"), "{stored}: {err}");
        }
    }
}

#[test]
fn stored_rosters_with_a_decomposed_email_are_refused() {
    let (roster, _) = roster_with_accents();
    let json = serde_json::to_string(&roster).unwrap();
    assert_eq!(serde_json::from_str::<Roster>(&json).unwrap(), roster);
    for escaped in [false, true] {
        let stored = decompose(&json, escaped);
        let err = serde_json::from_str::<Roster>(&stored).unwrap_err();
        assert!(err.to_string().contains("NFC"), "{stored}: {err}");
    }
    // A bare email reads as `Email::parse` does.
    assert_eq!(
        serde_json::from_str::<Email>("\"jos\\u00e9@example.com\"").unwrap(),
        email("jos\u{E9}@example.com")
    );
    let err = serde_json::from_str::<Email>("\"jose\\u0301@example.com\"").unwrap_err();
    assert!(err.to_string().contains("NFC"), "{err}");
}

#[test]
fn api_invitation_bodies_with_a_decomposed_email_are_refused() {
    use collab_authz::api::InviteBody;
    let ok: InviteBody =
        serde_json::from_str(r#"{"collaborator": {"email": "jos\u00e9@example.com"}}"#).unwrap();
    assert_eq!(ok.email(), &email("jos\u{E9}@example.com"));
    let err = serde_json::from_str::<InviteBody>(
        r#"{"collaborator": {"email": "jose\u0301@example.com"}}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("NFC"), "{err}");
}
