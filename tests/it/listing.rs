//! The collaborators table, byte for byte as the platform's command-line
//! tool prints it: centered headers, left-aligned cells, the owner first
//! and the others in the given order (never sorted), columns measured in
//! display width as the tool measures it (wide characters two columns,
//! combining marks none, per code point: `width` has the classes where
//! that differs from grapheme clusters, `forgery` the escaping of text
//! that would draw the table).
//!
//! Every expected table below is written by hand from those rules; the
//! first one (`tests/golden/collaborators_table.txt`) is the tool's own
//! output for `tests/golden/collaborators_payload.json`, copied from the
//! issue that reported the differences.
#![expect(clippy::unwrap_used, reason = "tests")]
#![expect(clippy::panic, reason = "tests")]

mod forgery;
mod width;

use core::fmt;

use crate::common::at;
use collab_authz::api::CollaboratorList;
use collab_authz::membership::MemberParts;
use collab_authz::{
    Account, Email, Invitation, InvitationToken, Member, MemberId, MemberStatus, Resource,
    ResourceId, ResourceKind, Role, Roster, Username, listing,
};

const GOLDEN_PAYLOAD: &str = include_str!("../golden/collaborators_payload.json");
const GOLDEN_TABLE: &str = include_str!("../golden/collaborators_table.txt");

fn member(
    id: &str,
    email: &str,
    username: Option<&str>,
    status: MemberStatus,
    role: Role,
) -> Member {
    Member::new(MemberParts {
        id: MemberId::new(id).unwrap(),
        email: Email::parse(email).unwrap(),
        username: username.map(|u| Username::new(u).unwrap()),
        status,
        role,
        custom_role: None,
        invited_at: at(0),
        expires_at: None,
        token: None,
    })
    .unwrap()
}

fn owner(email: &str, username: &str) -> Member {
    member(
        "owner",
        email,
        Some(username),
        MemberStatus::Owner,
        Role::Owner,
    )
}

fn resource(kind: ResourceKind, id: &str) -> Resource {
    Resource::new(kind, ResourceId::new(id).unwrap(), "billing").unwrap()
}

fn golden_members() -> Vec<Member> {
    let list: CollaboratorList = serde_json::from_str(GOLDEN_PAYLOAD).unwrap();
    list.to_members(at(0)).unwrap()
}

/// `write_members` into a `String`, checking it agrees with
/// `members_to_string`.
fn table<'a>(members: impl IntoIterator<Item = &'a Member> + Clone) -> String {
    let mut out = String::new();
    listing::write_members(&mut out, members.clone()).unwrap();
    assert_eq!(out, listing::members_to_string(members));
    out
}

#[test]
fn the_issue_payload_prints_the_tools_bytes() {
    // The golden file is the tool's output; check that it is what it
    // claims to be before comparing with it.
    assert!(GOLDEN_TABLE.contains("│ hé@exämple.com   │ 日本語   │"));
    assert!(GOLDEN_TABLE.ends_with("┘\n"));
    let boss = owner("boss@example.com", "boss");
    let members = golden_members();
    assert_eq!(table(core::iter::once(&boss).chain(&members)), GOLDEN_TABLE);
}

#[test]
fn the_owner_comes_first_and_the_others_keep_the_given_order() {
    let boss = owner("boss@example.com", "boss");
    let members = golden_members();
    // The owner given in the middle still prints first; the others are
    // not sorted (zoe before al).
    let [zoe, al, he] = members.as_slice() else {
        panic!("three collaborators expected")
    };
    assert_eq!(table([zoe, &boss, al, he]), GOLDEN_TABLE);
    // Another order prints in that order.
    let reversed = table([he, al, zoe, &boss]);
    let emails: Vec<&str> = reversed
        .lines()
        .skip(3)
        .filter_map(|l| l.split('│').nth(1))
        .map(str::trim)
        .collect();
    assert_eq!(
        emails,
        [
            "boss@example.com",
            "hé@exämple.com",
            "al@example.com",
            "zoe@example.com"
        ]
    );
}

#[test]
fn a_roster_built_from_the_api_payload_lists_members_in_the_api_order() {
    let list: CollaboratorList = serde_json::from_str(GOLDEN_PAYLOAD).unwrap();
    let roster = list
        .to_roster(
            resource(ResourceKind::App, "a1"),
            owner("boss@example.com", "boss"),
            at(0),
        )
        .unwrap();
    assert_eq!(listing::to_string(&roster), GOLDEN_TABLE);
    assert_eq!(roster.to_string(), GOLDEN_TABLE);
}

#[test]
fn wide_characters_take_two_columns() {
    let olivia = owner("owner@example.com", "olivia");
    let yamada = member(
        "m1",
        "yamada@example.com",
        Some("山田太郎さん"),
        MemberStatus::Accepted,
        Role::Collaborator,
    );
    let ada = member(
        "m2",
        "ada@example.com",
        None,
        MemberStatus::Pending,
        Role::LimitedCollaborator,
    );
    assert_eq!(
        table([&olivia, &yamada, &ada]),
        "\
┌────────────────────┬──────────────┬──────────┬──────────────────────┐
│       EMAIL        │   USERNAME   │  STATUS  │         ROLE         │
├────────────────────┼──────────────┼──────────┼──────────────────────┤
│ owner@example.com  │ olivia       │ owner    │ owner                │
│ yamada@example.com │ 山田太郎さん │ accepted │ collaborator         │
│ ada@example.com    │ n/a          │ pending  │ limited collaborator │
└────────────────────┴──────────────┴──────────┴──────────────────────┘
"
    );
}

#[test]
fn combining_marks_take_no_column() {
    let olivia = owner("owner@example.com", "olivia");
    // Combining marks: `q` + U+0301 (no precomposed form, so the email is
    // NFC) and `e` + U+0308, one column each.
    let eve = member(
        "m1",
        "q\u{301}ve@example.com",
        Some("zoe\u{308}"),
        MemberStatus::Accepted,
        Role::Collaborator,
    );
    assert_eq!(
        table([&olivia, &eve]),
        "\
┌───────────────────┬──────────┬──────────┬──────────────┐
│       EMAIL       │ USERNAME │  STATUS  │     ROLE     │
├───────────────────┼──────────┼──────────┼──────────────┤
│ owner@example.com │ olivia   │ owner    │ owner        │
│ q\u{301}ve@example.com   │ zoe\u{308}      │ accepted │ collaborator │
└───────────────────┴──────────┴──────────┴──────────────┘
"
    );
}

#[test]
fn an_emoji_takes_two_columns() {
    let olivia = owner("owner@example.com", "olivia");
    let ferris = member(
        "m1",
        "ferris@example.com",
        Some("🦀crab"),
        MemberStatus::UserAccountDeleted,
        Role::Collaborator,
    );
    assert_eq!(
        table([&olivia, &ferris]),
        "\
┌────────────────────┬──────────┬──────────────────────┬──────────────┐
│       EMAIL        │ USERNAME │        STATUS        │     ROLE     │
├────────────────────┼──────────┼──────────────────────┼──────────────┤
│ owner@example.com  │ olivia   │ owner                │ owner        │
│ ferris@example.com │ 🦀crab   │ user account deleted │ collaborator │
└────────────────────┴──────────┴──────────────────────┴──────────────┘
"
    );
}

#[test]
fn an_owner_only_roster() {
    let account = Account {
        id: MemberId::new("m-0").unwrap(),
        email: Email::parse("owner@example.com").unwrap(),
        username: Some(Username::new("olivia").unwrap()),
    };
    let (roster, _) = Roster::create(resource(ResourceKind::App, "app-1"), account, at(0));
    let expected = "\
┌───────────────────┬──────────┬────────┬───────┐
│       EMAIL       │ USERNAME │ STATUS │ ROLE  │
├───────────────────┼──────────┼────────┼───────┤
│ owner@example.com │ olivia   │ owner  │ owner │
└───────────────────┴──────────┴────────┴───────┘
";
    assert_eq!(listing::to_string(&roster), expected);
    assert_eq!(roster.to_string(), expected);
    let mut written = String::new();
    listing::write(&mut written, &roster).unwrap();
    assert_eq!(written, expected);
}

#[test]
fn a_dedicated_database() {
    let dba = owner("dba@example.com", "dba");
    // Given in email order, so that the roster's iteration order (by
    // email or by joining) does not matter here.
    let bob = member(
        "m1",
        "bob@example.com",
        Some("bob"),
        MemberStatus::Accepted,
        Role::Collaborator,
    );
    let eve = member(
        "m2",
        "eve@example.com",
        None,
        MemberStatus::Pending,
        Role::Collaborator,
    );
    let roster = Roster::from_parts(
        resource(ResourceKind::DedicatedDatabase, "db-1"),
        dba,
        [bob, eve],
    )
    .unwrap();
    let expected = "\
┌─────────────────┬──────────┬──────────┬──────────────┐
│      EMAIL      │ USERNAME │  STATUS  │     ROLE     │
├─────────────────┼──────────┼──────────┼──────────────┤
│ dba@example.com │ dba      │ owner    │ owner        │
│ bob@example.com │ bob      │ accepted │ collaborator │
│ eve@example.com │ n/a      │ pending  │ collaborator │
└─────────────────┴──────────┴──────────┴──────────────┘
";
    assert_eq!(listing::to_string(&roster), expected);
    assert_eq!(roster.to_string(), expected);
}

#[test]
fn a_very_long_email() {
    let olivia = owner("owner@example.com", "olivia");
    let long = member(
        "m1",
        "first.middle.last+collaborators-2026@engineering.subsidiary.example.com",
        Some("lee"),
        MemberStatus::Accepted,
        Role::LimitedCollaborator,
    );
    assert_eq!(
        table([&olivia, &long]),
        "\
┌─────────────────────────────────────────────────────────────────────────┬──────────┬──────────┬──────────────────────┐
│                                  EMAIL                                  │ USERNAME │  STATUS  │         ROLE         │
├─────────────────────────────────────────────────────────────────────────┼──────────┼──────────┼──────────────────────┤
│ owner@example.com                                                       │ olivia   │ owner    │ owner                │
│ first.middle.last+collaborators-2026@engineering.subsidiary.example.com │ lee      │ accepted │ limited collaborator │
└─────────────────────────────────────────────────────────────────────────┴──────────┴──────────┴──────────────────────┘
"
    );
}

#[test]
fn a_roster_invitation_prints_its_default_role() {
    // Through the roster's own operations rather than parts.
    let owner_email = Email::parse("owner@example.com").unwrap();
    let account = Account {
        id: MemberId::new("m-0").unwrap(),
        email: owner_email.clone(),
        username: Some(Username::new("olivia").unwrap()),
    };
    let (mut roster, _) = Roster::create(
        resource(ResourceKind::DedicatedDatabase, "db-1"),
        account,
        at(0),
    );
    let invite = Invitation::new(
        MemberId::new("m-1").unwrap(),
        Email::parse("ada@example.com").unwrap(),
        InvitationToken::new("t").unwrap(),
    );
    roster.invite(&owner_email, invite, at(1)).unwrap();
    assert_eq!(
        roster.to_string(),
        "\
┌───────────────────┬──────────┬─────────┬──────────────┐
│       EMAIL       │ USERNAME │ STATUS  │     ROLE     │
├───────────────────┼──────────┼─────────┼──────────────┤
│ owner@example.com │ olivia   │ owner   │ owner        │
│ ada@example.com   │ n/a      │ pending │ collaborator │
└───────────────────┴──────────┴─────────┴──────────────┘
"
    );
}

#[test]
fn no_members_still_prints_the_header() {
    assert_eq!(
        table([]),
        "\
┌───────┬──────────┬────────┬──────┐
│ EMAIL │ USERNAME │ STATUS │ ROLE │
├───────┼──────────┼────────┼──────┤
└───────┴──────────┴────────┴──────┘
"
    );
}

/// A writer that accepts `left` more writes, then fails.
struct Failing {
    left: usize,
}

impl fmt::Write for Failing {
    fn write_str(&mut self, _: &str) -> fmt::Result {
        self.left = self.left.checked_sub(1).ok_or(fmt::Error)?;
        Ok(())
    }
}

#[test]
fn the_writers_error_is_returned() {
    let members = golden_members();
    for left in [0, 1, 10, 100] {
        assert_eq!(
            listing::write_members(&mut Failing { left }, &members),
            Err(fmt::Error),
            "failing after {left} writes"
        );
    }
}

#[test]
fn an_unknown_username_prints_the_one_label() {
    use collab_authz::{api, membership};
    assert_eq!(listing::UNKNOWN_USERNAME, membership::UNKNOWN_USERNAME);
    assert_eq!(api::UNKNOWN_USERNAME, membership::UNKNOWN_USERNAME);
    let pending = member(
        "c1",
        "al@example.com",
        None,
        MemberStatus::Pending,
        Role::Collaborator,
    );
    let out = table([&owner("o@example.com", "olivia"), &pending]);
    let row = out.lines().find(|l| l.contains("al@example.com")).unwrap();
    let cells: Vec<&str> = row.split('│').map(str::trim).collect();
    assert_eq!(cells.get(2), Some(&membership::UNKNOWN_USERNAME));
}
