//! The listing measures widths as the platform's command-line tool does:
//! per code point, with the tool's table (`listing::width`), byte for byte
//! on the classes where that differs from measuring grapheme clusters.
//!
//! Each golden table in `tests/golden/` (`<class>_table.txt` for
//! `<class>_payload.json`) is the tool's table library's own output for
//! those rows (`scripts/listing-widths.sh --tables` renders them with the
//! tool's vendored `tablewriter` and diffs), never this crate's. The
//! widths below are worked out by hand from the properties that library's
//! table gives each code point (`tests/golden/README.md` says which);
//! each test checks the golden file's padding against them, so a golden
//! file that disagreed with the hand figures would fail here too.
#![expect(clippy::unwrap_used, reason = "tests")]

use collab_authz::api::CollaboratorList;
use collab_authz::{Member, MemberStatus, Role, Timestamp, listing};

use super::owner;

/// A golden class: its payload, its table, and for each username in the
/// payload its width worked out by hand (one figure per code point).
struct Golden {
    payload: &'static str,
    table: &'static str,
    usernames: &'static [(&'static str, &'static [usize])],
}

/// Regional indicators: `Wide` in the tool's table (its generator puts
/// Regional_Indicator there), two columns each, so a flag takes four.
const FLAGS: Golden = Golden {
    payload: include_str!("../../golden/flags_payload.json"),
    table: include_str!("../../golden/flags_table.txt"),
    usernames: &[
        // U+1F1EB, U+1F1F7
        ("\u{1F1EB}\u{1F1F7}", &[2, 2]),
        // a, d, a (1 each), then three flags
        (
            "ada\u{1F1EB}\u{1F1F7}\u{1F1E9}\u{1F1EA}\u{1F1EF}\u{1F1F5}",
            &[1, 1, 1, 2, 2, 2, 2, 2, 2],
        ),
        ("un", &[1, 1]),
    ],
};

/// Emoji with skin-tone modifiers: the base (Emoji_Presentation) and the
/// modifier U+1F3FB..U+1F3FF (Emoji_Presentation, East Asian Width W) are
/// both `Wide`: four columns where a terminal draws one two-column glyph.
const SKIN_TONES: Golden = Golden {
    payload: include_str!("../../golden/skin_tones_payload.json"),
    table: include_str!("../../golden/skin_tones_table.txt"),
    usernames: &[
        // U+1F44B waving hand, U+1F3FD medium skin tone
        ("\u{1F44B}\u{1F3FD}", &[2, 2]),
        // U+1F44D U+1F3FF, U+1F44D U+1F3FB, U+1F44B U+1F3FD
        (
            "\u{1F44D}\u{1F3FF}\u{1F44D}\u{1F3FB}\u{1F44B}\u{1F3FD}",
            &[2, 2, 2, 2, 2, 2],
        ),
        // The bare hand: two columns.
        ("\u{1F44B}", &[2]),
    ],
};

/// Hangul conjoining jamo: an initial consonant (U+1100..U+115F, East
/// Asian Width W) is `Wide`; a medial vowel or final consonant
/// (U+1160..U+11FF, East Asian Width N, general category Lo) is not in the
/// table's zero-width class and takes one column. Old Hangul jamo (the
/// arae-a U+119E), which NFC does not compose, so the test holds whether
/// or not usernames are normalized.
const HANGUL_JAMO: Golden = Golden {
    payload: include_str!("../../golden/hangul_jamo_payload.json"),
    table: include_str!("../../golden/hangul_jamo_table.txt"),
    usernames: &[
        // U+1112 (initial), U+119E (medial), U+11AB (final)
        ("\u{1112}\u{119E}\u{11AB}", &[2, 1, 1]),
        // U+1106 U+119E, U+1105 U+119E U+11B7, space, U+1112 U+119E U+11AB
        (
            "\u{1106}\u{119E}\u{1105}\u{119E}\u{11B7} \u{1112}\u{119E}\u{11AB}",
            &[2, 1, 2, 1, 1, 1, 2, 1, 1],
        ),
        // The precomposed syllable U+D55C (Hangul Syllables, W): two.
        ("\u{D55C}", &[2]),
    ],
};

/// Ligatures: Arabic lam (U+0644) and alef (U+0627) are drawn as one
/// lam-alef glyph, one column, but each is a plain letter (East Asian
/// Width N, Lo) of one column in the table. The presentation form U+FB01
/// (the `fi` ligature, one code point) takes one column.
const LIGATURES: Golden = Golden {
    payload: include_str!("../../golden/ligatures_payload.json"),
    table: include_str!("../../golden/ligatures_table.txt"),
    usernames: &[
        ("\u{644}\u{627}", &[1, 1]),
        (
            "\u{644}\u{627}\u{644}\u{627}\u{644}\u{627}\u{644}\u{627}\u{644}\u{627}",
            &[1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
        ),
        // U+FB01, l, e
        ("\u{FB01}le", &[1, 1, 1]),
    ],
};

const GOLDENS: [(&str, Golden); 4] = [
    ("flags", FLAGS),
    ("skin tones", SKIN_TONES),
    ("hangul jamo", HANGUL_JAMO),
    ("ligatures", LIGATURES),
];

fn members(payload: &str) -> Vec<Member> {
    let list: CollaboratorList = serde_json::from_str(payload).unwrap();
    list.to_members(Timestamp::from_unix_seconds(0)).unwrap()
}

/// The username cell of the row whose username is `username`, with its
/// margins: `" text   "`.
fn username_cell<'t>(table: &'t str, username: &str) -> &'t str {
    table
        .lines()
        .filter_map(|line| line.split('│').nth(2))
        .find(|cell| cell.trim() == username)
        .unwrap_or_else(|| panic!("no row for {username:?} in\n{table}"))
}

#[test]
fn each_class_prints_the_tools_bytes() {
    for (class, golden) in GOLDENS {
        let boss = owner("boss@example.com", "boss");
        let members = members(golden.payload);
        let table = listing::members_to_string(core::iter::once(&boss).chain(&members));
        assert_eq!(
            table, golden.table,
            "{class}: the listing differs from the tool"
        );
    }
}

#[test]
fn the_golden_tables_agree_with_the_hand_figures() {
    for (class, golden) in GOLDENS {
        // The username column is as wide as its widest cell, the header
        // `USERNAME` (8) and `boss` (4) included.
        let column = golden
            .usernames
            .iter()
            .map(|(_, widths)| widths.iter().sum::<usize>())
            .chain([8, 4])
            .max()
            .unwrap();
        for (username, widths) in golden.usernames {
            assert_eq!(
                username.chars().count(),
                widths.len(),
                "{class}: {username}"
            );
            let hand: usize = widths.iter().sum();
            let cell = username_cell(golden.table, username);
            // One space of margin, the text, padding to the column, one
            // space of margin: the padding is what the width decides.
            let padding = cell.len() - 1 - username.len() - 1;
            assert_eq!(
                padding,
                column - hand,
                "{class}: {username:?} is padded for width {} in the golden table, {hand} by hand",
                column - padding
            );
            // And the crate's own measure is the hand figure.
            assert_eq!(listing::width(username), hand, "{class}: {username:?}");
            for (c, &w) in username.chars().zip(widths.iter()) {
                assert_eq!(listing::char_width(c), w, "{class}: U+{:04X}", u32::from(c));
            }
        }
    }
}

#[test]
fn zwj_sequences_add_up_and_never_reach_a_listing() {
    // Man, ZWJ, woman, ZWJ, girl: 2 + 0 + 2 + 0 + 2 in the tool's table
    // (U+200D is a format character, zero width), where a terminal draws
    // one two-column glyph.
    let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
    assert_eq!(listing::width(family), 6);
    // But U+200D hides text, so no email or username holds it: the
    // listing never has to draw a ZWJ sequence.
    assert!(collab_authz::Username::new(family).is_err());
    assert!(collab_authz::Email::parse(&format!("{family}@example.com")).is_err());
    let payload = format!(
        r#"{{"collaborators": [{{"id": "c1", "email": "f@example.com", "status": "accepted", "username": "{family}", "is_limited": false}}]}}"#
    );
    let list: CollaboratorList = serde_json::from_str(&payload).unwrap();
    assert!(list.to_members(Timestamp::from_unix_seconds(0)).is_err());
}

#[test]
fn east_asian_ambiguous_characters_take_one_column() {
    // The tool's default outside CJK locales: ambiguous (A) characters
    // are narrow. `·` U+00B7, `§` U+00A7, `é` U+00E9, `…` U+2026, `Ω` U+03A9.
    for c in ['\u{B7}', '\u{A7}', '\u{E9}', '\u{2026}', '\u{3A9}'] {
        assert_eq!(listing::char_width(c), 1, "U+{:04X}", u32::from(c));
    }
    let dot = super::member(
        "m1",
        "dot@example.com",
        Some("a·b…§"),
        MemberStatus::Accepted,
        Role::Collaborator,
    );
    let table = listing::members_to_string([&dot]);
    assert!(table.contains("│ a·b…§    │"), "{table}");
}
