//! Unit tests of the directory internals: the build's sort, the cell
//! encoder and the exports against a plain re-implementation.

use alloc::string::String;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::{CSV_HEADER, Directory, DirectoryBuilder, Entry, Grouping, TwoFactor};
use crate::membership::{
    Email, InvitationToken, Member, MemberId, MemberParts, MemberStatus, Resource, ResourceId,
    Roster, Timestamp, Username,
};
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

#[test]
fn decimal_matches_display() {
    for n in [0, 7, 10, 99, 1_700_000_000, u64::MAX] {
        let mut buf = [0u8; 20];
        assert_eq!(
            super::cells::decimal(&mut buf, n),
            alloc::format!("{n}").as_bytes()
        );
    }
}

/// The CSV export as it was written before the encoded cells: every
/// cell of every row through one `csv::Writer`.
fn reference_csv<'d>(rows: impl Iterator<Item = Entry<'d>>) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::new());
    writer.write_record(CSV_HEADER).unwrap();
    for m in rows {
        let (id, name) = m.resource_text();
        let cells = [
            m.email_text(),
            m.username_text().unwrap_or(""),
            m.two_factor().id(),
            m.resource_kind().id(),
            id,
            name,
            m.role().id(),
            m.status().id(),
            &alloc::format!("{}", m.row.invited_at),
        ];
        for (i, cell) in cells.into_iter().enumerate() {
            let neutralize = matches!(i, 0 | 1 | 4 | 5);
            if neutralize {
                writer
                    .write_field(super::neutralize_cell(cell).as_bytes())
                    .unwrap();
            } else {
                writer.write_field(cell).unwrap();
            }
        }
        writer.write_record(None::<&[u8]>).unwrap();
    }
    writer.into_inner().unwrap()
}

fn check_exports(dir: &Directory<'_>) {
    let by_resource = dir.by_resource();
    for (grouping, reference, json) in [
        (
            Grouping::ByCollaborator,
            reference_csv(dir.by_collaborator().memberships()),
            serde_json::to_string(&dir.by_collaborator()).unwrap(),
        ),
        (
            Grouping::ByResource,
            reference_csv(by_resource.memberships()),
            serde_json::to_string(&by_resource).unwrap(),
        ),
    ] {
        let reference = String::from_utf8(reference).unwrap();
        assert_eq!(dir.to_csv(grouping).unwrap(), reference);
        let mut out = Vec::new();
        dir.write_csv(grouping, &mut out).unwrap();
        assert_eq!(out, reference.as_bytes());
        assert_eq!(dir.to_json(grouping).unwrap(), json);
        out.clear();
        dir.write_json(grouping, &mut out).unwrap();
        assert_eq!(out, json.as_bytes());
    }
}

/// Spellings that CSV must quote or neutralize and JSON must escape.
const EMAILS: [&str; 9] = [
    "ada@x.io",
    "ADA@X.io",
    "=b@x.io",
    "c,\"q\"@x.io",
    "-d@x.io",
    "e\\f@x.io",
    "\u{e9}l\u{e8}ve@x.io",
    "+g@x.io",
    "'h@x.io",
];
const NAMES: [&str; 9] = [
    "billing",
    "=SUM(A1)",
    "a,b",
    "say \"hi\"",
    "@cmd",
    "back\\slash",
    "caf\u{e9} \u{1f600}",
    "x=1",
    "'=quoted",
];

/// A generated membership: person, status, username choice, invited at.
type MemberSpec = (u8, u8, u8, u64);

/// A generated resource: app or database, its owner, its members.
type ResourceSpec = (bool, u8, Vec<MemberSpec>);

fn build(specs: &[ResourceSpec]) -> Vec<Roster> {
    build_with(specs, &EMAILS)
}

fn build_with(specs: &[ResourceSpec], emails: &[&str]) -> Vec<Roster> {
    specs
        .iter()
        .enumerate()
        .map(|(i, (app, owner, others))| {
            let kind = if *app {
                ResourceKind::App
            } else {
                ResourceKind::DedicatedDatabase
            };
            let name = NAMES.get(i % NAMES.len()).copied().unwrap();
            let resource = Resource::new(
                kind,
                ResourceId::new(alloc::format!("{name}-{i}")).unwrap(),
                name,
            )
            .unwrap();
            let member = |j: usize, person: u8, status: MemberStatus, user: u8, at: u64| {
                let email = emails.get(usize::from(person) % emails.len()).unwrap();
                let role = match status {
                    MemberStatus::Owner => Role::Owner,
                    _ if *app && at % 2 == 0 => Role::LimitedCollaborator,
                    _ => Role::Collaborator,
                };
                let username = match user % 5 {
                    0 => None,
                    1 => Some(alloc::format!("u{person}")),
                    2 => Some(alloc::format!("=u,\"{person}\"")),
                    3 => Some(alloc::format!("'u{person}")),
                    _ => Some(alloc::format!("other{j}")),
                };
                Member::new(MemberParts {
                    id: MemberId::new(alloc::format!("m{i}-{j}")).unwrap(),
                    email: Email::parse(email).unwrap(),
                    username: username.map(|u| Username::new(u).unwrap()),
                    status,
                    role,
                    custom_role: None,
                    invited_at: Timestamp::from_unix_seconds(at),
                    expires_at: None,
                    token: (status == MemberStatus::Pending)
                        .then(|| InvitationToken::new("t").unwrap().digest()),
                })
                .unwrap()
            };
            let owner = member(0, *owner, MemberStatus::Owner, 1, 0);
            let mut seen = alloc::vec![owner.email().clone()];
            let members: Vec<Member> = others
                .iter()
                .enumerate()
                .filter_map(|(j, &(person, status, user, at))| {
                    let status = [
                        MemberStatus::Pending,
                        MemberStatus::Accepted,
                        MemberStatus::UserAccountDeleted,
                    ][usize::from(status % 3)];
                    let m = member(j + 1, person, status, user, at);
                    if seen.contains(m.email()) {
                        return None;
                    }
                    seen.push(m.email().clone());
                    Some(m)
                })
                .collect();
            Roster::from_parts(resource, owner, members).unwrap()
        })
        .collect()
}

fn directory(rosters: &[Roster]) -> Directory<'_> {
    let mut builder = DirectoryBuilder::new();
    for roster in rosters {
        builder.add_roster(roster);
    }
    builder
        .build(|e| match e.normalized().len() % 3 {
            0 => TwoFactor::Enabled,
            1 => TwoFactor::Disabled,
            _ => TwoFactor::Unknown,
        })
        .unwrap()
}

/// Accepts `room` bytes, a few at a time, then fails; `flush` fails
/// when `fail_flush`.
struct Failing {
    room: usize,
    fail_flush: bool,
    out: Vec<u8>,
}

impl std::io::Write for Failing {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.room == 0 {
            return Err(std::io::Error::other("full"));
        }
        let n = bytes.len().min(self.room).min(7);
        self.out.extend_from_slice(&bytes[..n]);
        self.room -= n;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.fail_flush {
            Err(std::io::Error::other("flush"))
        } else {
            Ok(())
        }
    }
}

#[test]
fn writer_errors_are_reported_and_short_writes_are_completed() {
    // Over 64 KiB of output, so that the export hands it over in chunks.
    let specs: Vec<ResourceSpec> = (0..250u8)
        .map(|i| {
            (
                i % 2 == 0,
                i,
                (0..6u8)
                    .map(|j| (i.wrapping_add(j), j, j, u64::from(i)))
                    .collect(),
            )
        })
        .collect();
    let rosters = build(&specs);
    let dir = directory(&rosters);
    for grouping in [Grouping::ByCollaborator, Grouping::ByResource] {
        let csv = dir.to_csv(grouping).unwrap();
        let json = dir.to_json(grouping).unwrap();
        assert!(csv.len() > super::cells::CHUNK && json.len() > super::cells::CHUNK);
        // Short writes: everything arrives.
        let mut w = Failing {
            room: usize::MAX,
            fail_flush: false,
            out: Vec::new(),
        };
        dir.write_csv(grouping, &mut w).unwrap();
        assert_eq!(w.out, csv.as_bytes());
        let mut w = Failing {
            room: usize::MAX,
            fail_flush: false,
            out: Vec::new(),
        };
        dir.write_json(grouping, &mut w).unwrap();
        assert_eq!(w.out, json.as_bytes());
        // A write that fails, early or late.
        for room in [0, 10, csv.len() / 2] {
            let mut w = Failing {
                room,
                fail_flush: false,
                out: Vec::new(),
            };
            let e = dir.write_csv(grouping, &mut w).unwrap_err();
            assert!(matches!(e, super::CsvExportError::Csv(_)), "{e:?}");
            let mut w = Failing {
                room,
                fail_flush: false,
                out: Vec::new(),
            };
            assert!(dir.write_json(grouping, &mut w).is_err());
        }
        // A flush that fails.
        let mut w = Failing {
            room: usize::MAX,
            fail_flush: true,
            out: Vec::new(),
        };
        let e = dir.write_csv(grouping, &mut w).unwrap_err();
        assert!(matches!(e, super::CsvExportError::Io(_)), "{e:?}");
        let mut w = Failing {
            room: usize::MAX,
            fail_flush: true,
            out: Vec::new(),
        };
        assert!(dir.write_json(grouping, &mut w).is_err());
    }
}

#[test]
fn empty_directory_exports_as_before() {
    check_exports(&directory(&[]));
}

proptest! {
    /// The exports write exactly what one `csv::Writer` per row and
    /// `serde_json` over the `Serialize` implementations write.
    #[test]
    fn exports_match_the_reference_encoders(
        specs in prop::collection::vec(
            (any::<bool>(), any::<u8>(), prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), any::<u64>()), 0..6)),
            0..12,
        )
    ) {
        let rosters = build(&specs);
        check_exports(&directory(&rosters));
    }

    /// Emails longer than the build's 16-byte sort key that share it
    /// (or part of it) still come out in email order, one person per
    /// email, each person's memberships in resource order.
    #[test]
    fn build_orders_emails_that_share_the_sort_key(
        specs in prop::collection::vec(
            (any::<bool>(), any::<u8>(), prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), any::<u64>()), 0..8)),
            0..12,
        )
    ) {
        let rosters = build_with(&specs, &LONG_EMAILS);
        let dir = directory(&rosters);
        let mut expected: Vec<(String, String)> = Vec::new();
        let ranks: Vec<&Resource> = dir.resources().collect();
        for roster in &rosters {
            for m in roster.iter() {
                expected.push((String::from(m.email().normalized()), String::from(roster.resource().id().as_str())));
            }
        }
        let rank = |id: &str| ranks.iter().position(|r| r.id().as_str() == id).unwrap();
        expected.sort_by(|a, b| a.0.cmp(&b.0).then(rank(&a.1).cmp(&rank(&b.1))));
        let got: Vec<(String, String)> = dir
            .memberships()
            .map(|m| (String::from(m.email().normalized()), String::from(m.resource().id().as_str())))
            .collect();
        prop_assert_eq!(&got, &expected);
        let people: Vec<&str> = dir.people().map(|p| p.email().normalized()).collect();
        let mut distinct: Vec<&str> = expected.iter().map(|(e, _)| e.as_str()).collect();
        distinct.dedup();
        prop_assert_eq!(people, distinct);
        for m in dir.memberships() {
            prop_assert_eq!(m.person().email().normalized(), m.email().normalized());
        }
    }
}

/// Emails around the build's 16-byte sort key: sharing it, one a
/// prefix of another, exactly 16 bytes, spelled in upper case.
const LONG_EMAILS: [&str; 10] = [
    "averylongprefix-b@x.io",
    "averylongprefix-a@x.io",
    "AVERYLONGPREFIX-A@X.IO",
    "averylongprefix@x.io",
    "averylongprefi@x.io",
    "averylongprefix-a@x.iox",
    "abcdefghij@x.io1",
    "abcdefghij@x.io",
    "abcdefghij@x.io12",
    "averylongprefix-@x.io",
];
