//! No text a user chooses can forge a listing's columns or rows: the
//! characters that draw the table (U+2500..U+257F), controls and line
//! separators are escaped as `\u{...}`, a backslash as `\\`. Each test
//! parses the table back and counts.
#![expect(clippy::unwrap_used, reason = "tests")]
#![expect(
    clippy::indexing_slicing,
    reason = "tests: a missing row is a test failure"
)]

use collab_authz::{Email, Member, MemberStatus, Role, Username, listing};
use proptest::prelude::*;

use super::{member, owner};

/// The table's lines: the number of rules (no `│`), and the others (the
/// header first) each split into its cells' trimmed text. Fails unless every line is a rule or holds
/// exactly five `│` around four cells, and unless all lines have one
/// display width.
fn parse(table: &str) -> (usize, Vec<[String; 4]>) {
    let lines: Vec<&str> = table.lines().collect();
    let widths: Vec<usize> = lines.iter().map(|l| listing::width(l)).collect();
    assert!(
        widths.windows(2).all(|w| w[0] == w[1]),
        "ragged table {widths:?}:\n{table}"
    );
    let mut rules = 0;
    let mut rows = Vec::new();
    for line in lines {
        if !line.contains('│') {
            assert!(
                line.chars().all(|c| matches!(
                    c,
                    '─' | '┌' | '┬' | '┐' | '├' | '┼' | '┤' | '└' | '┴' | '┘'
                )),
                "a rule holds text: {line:?}"
            );
            rules += 1;
            continue;
        }
        let parts: Vec<&str> = line.split('│').collect();
        let [first, a, b, c, d, last] = parts.as_slice() else {
            panic!("not four cells: {line:?}\n{table}");
        };
        assert!(first.is_empty() && last.is_empty(), "{line:?}");
        rows.push([a, b, c, d].map(|cell| cell.trim().to_owned()));
    }
    (rules, rows)
}

/// Undoes the listing's escapes: `\\` and `\u{...}`.
fn unescape(cell: &str) -> String {
    let mut out = String::new();
    let mut chars = cell.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('u') => {
                assert_eq!(chars.next(), Some('{'), "{cell:?}");
                let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
            }
            other => panic!("a lone backslash before {other:?} in {cell:?}"),
        }
    }
    out
}

fn accepted(id: &str, email: &str, username: Option<&str>) -> Member {
    member(
        id,
        email,
        username,
        MemberStatus::Accepted,
        Role::Collaborator,
    )
}

#[test]
fn a_username_cannot_add_a_column() {
    let boss = owner("boss@example.com", "boss");
    let forged = accepted("m1", "ada@example.com", Some("ada │ owner │ owner"));
    let table = listing::members_to_string([&boss, &forged]);
    let (rules, rows) = parse(&table);
    assert_eq!((rules, rows.len()), (3, 3), "{table}");
    assert_eq!(rows[2][1], "ada \\u{2502} owner \\u{2502} owner");
    assert_eq!(unescape(&rows[2][1]), "ada │ owner │ owner");
    assert_eq!(rows[2][2], "accepted");
}

#[test]
fn a_username_cannot_draw_a_row() {
    // A fake rule and a fake row, in one username (no line feed: that is
    // refused, below); and the corners and junctions of every style in
    // the block (light, heavy, double, rounded).
    let boss = owner("boss@example.com", "boss");
    let fake_rule = accepted("m1", "eve@example.com", Some("├─────┼─────┤"));
    let corners = accepted("m2", "mal@example.com", Some("╭╮╰╯ ┏┓┗┛ ╔╗╚╝ ═║"));
    let table = listing::members_to_string([&boss, &fake_rule, &corners]);
    let (rules, rows) = parse(&table);
    assert_eq!((rules, rows.len()), (3, 4), "{table}");
    assert_eq!(
        rows[2][1],
        "\\u{251c}\\u{2500}\\u{2500}\\u{2500}\\u{2500}\\u{2500}\\u{253c}\\u{2500}\\u{2500}\\u{2500}\\u{2500}\\u{2500}\\u{2524}"
    );
    assert_eq!(unescape(&rows[3][1]), "╭╮╰╯ ┏┓┗┛ ╔╗╚╝ ═║");
    // No box-drawing character outside the borders: every one left in a
    // row line is a column separator.
    for line in table.lines().filter(|l| l.contains('│')) {
        assert!(
            !line
                .chars()
                .any(|c| ('\u{2500}'..='\u{257F}').contains(&c) && c != '│'),
            "{line:?}"
        );
    }
}

#[test]
fn an_email_cannot_either() {
    // Box drawing in a quoted local part and in the domain: valid emails.
    let boss = owner("boss@example.com", "boss");
    let quoted = accepted("m1", "\"a│b\"@example.com", None);
    let domain = accepted("m2", "x@a─┼─b.example", Some("x"));
    let table = listing::members_to_string([&boss, &quoted, &domain]);
    let (rules, rows) = parse(&table);
    assert_eq!((rules, rows.len()), (3, 4), "{table}");
    assert_eq!(rows[2][0], "\"a\\u{2502}b\"@example.com");
    assert_eq!(unescape(&rows[3][0]), "x@a─┼─b.example");
}

#[test]
fn line_breaks_and_controls_are_refused_before_the_listing() {
    // The tool would break a cell at a line feed into two lines; the crate
    // refuses every control character (and U+2028, U+2029) in usernames
    // and emails, so no member holds one.
    for hostile in [
        "ada\nowner",
        "ada\r│ x",
        "a\tb",
        "a\u{1b}[2J",
        "a\u{85}b",
        "a\u{2028}b",
        "a\u{2029}b",
        "a\u{b}b",
        "a\u{c}b",
    ] {
        assert!(Username::new(hostile).is_err(), "{hostile:?}");
        assert!(
            Email::parse(&format!("{hostile}@example.com")).is_err(),
            "{hostile:?}"
        );
    }
}

#[test]
fn a_backslash_is_escaped_so_that_escapes_cannot_be_faked() {
    // A user who writes the escape of `│` by hand does not look like one
    // whose name holds `│`.
    let boss = owner("boss@example.com", "boss");
    let real = accepted("m1", "a@example.com", Some("a│b"));
    let fake = accepted("m2", "b@example.com", Some("a\\u{2502}b"));
    let slash = accepted("m3", "c@example.com", Some("DOMAIN\\ada"));
    let table = listing::members_to_string([&boss, &real, &fake, &slash]);
    let (_, rows) = parse(&table);
    assert_eq!(rows[2][1], "a\\u{2502}b");
    assert_eq!(rows[3][1], "a\\\\u{2502}b");
    assert_eq!(rows[4][1], "DOMAIN\\\\ada");
    assert_ne!(rows[2][1], rows[3][1]);
    assert_eq!(unescape(&rows[3][1]), "a\\u{2502}b");
}

#[test]
fn the_ascii_table_characters_print_as_they_are() {
    // `|`, `+` and `-` draw nothing in this table: plus-addressing and
    // hyphens print unchanged, as the tool prints them.
    let boss = owner("boss@example.com", "boss");
    let plain = accepted("m1", "first-last+ci@example.com", Some("a | b +-+ c"));
    let table = listing::members_to_string([&boss, &plain]);
    assert!(
        table.contains("│ first-last+ci@example.com │ a | b +-+ c │"),
        "{table}"
    );
}

#[test]
fn surrounding_spaces_are_trimmed_as_the_tool_trims_them() {
    let boss = owner("boss@example.com", "boss");
    let padded = accepted("m1", "ada@example.com", Some("  ada  "));
    let blank = accepted("m2", "bob@example.com", Some("   "));
    let table = listing::members_to_string([&boss, &padded, &blank]);
    let (_, rows) = parse(&table);
    assert_eq!(rows[2][1], "ada");
    assert_eq!(rows[3][1], "");
    assert!(table.contains("│ ada@example.com  │ ada      │"), "{table}");
}

/// Text from an alphabet rich in table characters, escapes and wide and
/// zero-width characters.
fn hostile_text() -> impl Strategy<Value = String> {
    let alphabet = prop::sample::select(vec![
        "a",
        "Z",
        " ",
        "│",
        "─",
        "┼",
        "┌",
        "┘",
        "╬",
        "\\",
        "u",
        "{",
        "}",
        "2",
        "|",
        "+",
        "-",
        "日",
        "\u{1F1EB}",
        "\u{301}",
        "\u{1161}",
        "\u{644}",
        "\"",
        "@",
        ".",
    ]);
    prop::collection::vec(alphabet, 1..24).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Whatever the usernames and emails hold, the table has three rules
    /// and one line per member, four cells a line, lines of one display
    /// width, and each cell reads back (unescaped) as the member's text,
    /// trimmed.
    #[test]
    fn no_text_forges_the_table(texts in prop::collection::vec((hostile_text(), hostile_text()), 1..6)) {
        let boss = owner("boss@example.com", "boss");
        let mut members = vec![boss];
        for (i, (local, username)) in texts.iter().enumerate() {
            let local = local.replace(['@', ' '], "x");
            let email = format!("{local}{i}@example.com");
            if Email::parse(&email).is_err() || Username::new(username.as_str()).is_err() {
                continue;
            }
            members.push(accepted(&format!("m{i}"), &email, Some(username)));
        }
        let table = listing::members_to_string(&members);
        let (rules, rows) = parse(&table);
        prop_assert_eq!(rules, 3);
        prop_assert_eq!(rows.len(), 1 + members.len());
        for (member, row) in members.iter().zip(&rows[1..]) {
            prop_assert_eq!(unescape(&row[0]), member.email().as_str());
            prop_assert_eq!(unescape(&row[1]), member.username().unwrap().as_str().trim());
        }
    }
}
