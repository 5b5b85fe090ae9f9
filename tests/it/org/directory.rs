//! The consolidated directory: grouping, order, errors, and the CSV and JSON
//! exports (RFC 4180 quoting, formula neutralization, 2FA included).
#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use std::collections::{BTreeMap, BTreeSet};

use crate::common::{email, roster};
#[cfg(any(feature = "csv", feature = "json"))]
use collab_authz::Grouping;
use collab_authz::org::directory::{DirectoryError, neutralize_cell};
use collab_authz::{
    Directory, DirectoryBuilder, MemberStatus as S, ResourceKind, Role as R, Roster, TwoFactor,
};
use proptest::prelude::*;

/// Three resources: an app with collaborators, a database with one, and an
/// app whose only member is its owner.
fn organization() -> Vec<Roster> {
    vec![
        roster(
            ResourceKind::App,
            "app-2",
            "storefront",
            "ada@example.com",
            &[
                ("Bob@Example.com", R::Collaborator, S::Accepted, 10),
                ("carol@example.com", R::LimitedCollaborator, S::Pending, 20),
            ],
        ),
        roster(
            ResourceKind::DedicatedDatabase,
            "db-1",
            "=ledger",
            "ada@example.com",
            &[(
                "bob@example.com",
                R::Collaborator,
                S::UserAccountDeleted,
                30,
            )],
        ),
        roster(
            ResourceKind::App,
            "app-1",
            "billing",
            "dan@example.com",
            &[],
        ),
    ]
}

fn two_factor(e: &collab_authz::Email) -> TwoFactor {
    match e.normalized() {
        "ada@example.com" => TwoFactor::Enabled,
        "bob@example.com" => TwoFactor::Disabled,
        _ => TwoFactor::Unknown,
    }
}

fn directory(rosters: &[Roster]) -> Directory<'_> {
    let mut b = DirectoryBuilder::new();
    for r in rosters {
        b.add_roster(r);
    }
    b.build(two_factor).unwrap()
}

#[test]
fn groups_by_collaborator_one_entry_per_person() {
    let rosters = organization();
    let dir = directory(&rosters);
    assert_eq!(dir.len(), 6);
    type Group = (String, TwoFactor, Vec<(String, R, S)>);
    let groups: Vec<Group> = dir
        .by_collaborator()
        .iter()
        .map(|g| {
            (
                g.person().email().normalized().to_owned(),
                g.person().two_factor(),
                g.memberships()
                    .map(|m| (m.resource().name().to_owned(), m.role(), m.status()))
                    .collect(),
            )
        })
        .collect();
    // People in email order; resources in name order ("=ledger" < "billing"
    // < "storefront" in byte order). Bob's two spellings are one person.
    assert_eq!(
        groups,
        vec![
            (
                "ada@example.com".into(),
                TwoFactor::Enabled,
                vec![
                    ("=ledger".into(), R::Owner, S::Owner),
                    ("storefront".into(), R::Owner, S::Owner)
                ]
            ),
            (
                "bob@example.com".into(),
                TwoFactor::Disabled,
                vec![
                    ("=ledger".into(), R::Collaborator, S::UserAccountDeleted),
                    ("storefront".into(), R::Collaborator, S::Accepted)
                ]
            ),
            (
                "carol@example.com".into(),
                TwoFactor::Unknown,
                vec![("storefront".into(), R::LimitedCollaborator, S::Pending)]
            ),
            (
                "dan@example.com".into(),
                TwoFactor::Unknown,
                vec![("billing".into(), R::Owner, S::Owner)]
            ),
        ]
    );
    assert_eq!(
        dir.person(&email("BOB@example.com")).unwrap().two_factor(),
        TwoFactor::Disabled
    );
    assert!(dir.person(&email("eve@example.com")).is_none());
}

#[test]
fn groups_by_resource_only_with_collaborators_owner_first() {
    let rosters = organization();
    let dir = directory(&rosters);
    let by_resource = dir.by_resource();
    let groups: Vec<(&str, Vec<String>)> = by_resource
        .iter()
        .map(|g| {
            (
                g.resource().id().as_str(),
                g.memberships()
                    .map(|m| m.email().normalized().to_owned())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        vec![
            (
                "db-1",
                vec!["ada@example.com".to_owned(), "bob@example.com".to_owned()]
            ),
            (
                "app-2",
                vec![
                    "ada@example.com".to_owned(),
                    "bob@example.com".to_owned(),
                    "carol@example.com".to_owned()
                ]
            ),
        ]
    );
    // billing (owner only) is left out of this grouping, not of the directory.
    assert_eq!(dir.resources().count(), 3);
}

#[test]
fn owner_first_even_when_not_first_by_email() {
    let rosters = vec![roster(
        ResourceKind::App,
        "a",
        "a",
        "zed@example.com",
        &[("amy@example.com", R::Collaborator, S::Accepted, 1)],
    )];
    let dir = directory(&rosters);
    let by_resource = dir.by_resource();
    let group = by_resource.iter().next().unwrap();
    let roles: Vec<R> = group.memberships().map(|m| m.role()).collect();
    assert_eq!(roles, [R::Owner, R::Collaborator]);
}

#[test]
fn text_listings() {
    let rosters = organization();
    let dir = directory(&rosters);
    let text = dir.by_resource().to_string();
    assert_eq!(
        text,
        "dedicated_database =ledger (db-1)\n\
         \x20 ada@example.com (ada): owner, owner, 2FA enabled\n\
         \x20 bob@example.com (bob): collaborator, user account deleted, 2FA disabled\n\
         app storefront (app-2)\n\
         \x20 ada@example.com (ada): owner, owner, 2FA enabled\n\
         \x20 Bob@Example.com (Bob): collaborator, accepted, 2FA disabled\n\
         \x20 carol@example.com (n/a): limited collaborator, pending, 2FA unknown\n"
    );
    let text = dir.by_collaborator().to_string();
    assert!(text.starts_with(
        "ada@example.com (ada), 2FA enabled\n\
         \x20 dedicated_database =ledger (db-1): owner, owner\n"
    ));
    assert!(text.contains("carol@example.com (n/a), 2FA unknown\n  app storefront (app-2): limited collaborator, pending\n"));
}

/// A pending membership's username is unknown (`docs/lifecycle.md`: listings
/// print `n/a`), even when the same person has a username on another
/// resource or the pending member record carries one: text listing, CSV,
/// JSON and `Membership::username` all agree.
#[test]
fn pending_membership_has_no_username() {
    use collab_authz::membership::MemberParts;
    use collab_authz::{Member, MemberId, Username};
    let mut rosters = organization();
    // Bob (accepted on storefront as "Bob") is also invited to zeta.
    rosters.push(roster(
        ResourceKind::App,
        "app-3",
        "zeta",
        "ada@example.com",
        &[("bob@example.com", R::Collaborator, S::Pending, 40)],
    ));
    // Erin's only membership is pending, yet the record carries a username.
    let resource = collab_authz::Resource::new(
        ResourceKind::App,
        collab_authz::ResourceId::new("app-4").unwrap(),
        "omega",
    )
    .unwrap();
    let erin = Member::new(MemberParts {
        id: MemberId::new("e1").unwrap(),
        email: email("erin@example.com"),
        username: Some(Username::new("erin").unwrap()),
        status: S::Pending,
        role: R::LimitedCollaborator,
        custom_role: None,
        invited_at: crate::common::at(50),
        expires_at: None,
        token: None,
    })
    .unwrap();
    let owner = crate::common::member("o4", ("ada@example.com", R::Owner, S::Owner, 0));
    rosters.push(Roster::from_parts(resource, owner, [erin]).unwrap());
    let dir = directory(&rosters);

    for m in dir.memberships() {
        let pending = m.status() == S::Pending;
        assert_eq!(m.username().is_none(), pending, "{}", m.email());
    }
    let text = dir.by_resource().to_string();
    assert!(
        text.contains(
            "app zeta (app-3)
  ada@example.com (ada): owner, owner, 2FA enabled
  bob@example.com (n/a): collaborator, pending, 2FA disabled
"
        ),
        "{text}"
    );
    assert!(text.contains("Bob@Example.com (Bob): collaborator, accepted"));
    assert!(text.contains("erin@example.com (n/a): limited collaborator, pending"));
    // The person-level username comes only from non-pending memberships.
    let erin = dir.person(&email("erin@example.com")).unwrap();
    assert_eq!(erin.username(), None);
    assert!(dir.by_collaborator().to_string().contains(
        "erin@example.com (n/a), 2FA unknown
"
    ));
    assert_eq!(
        dir.person(&email("bob@example.com"))
            .unwrap()
            .username()
            .map(|u| u.as_str()),
        Some("bob")
    );

    #[cfg(feature = "csv")]
    {
        for grouping in [Grouping::ByCollaborator, Grouping::ByResource] {
            let csv_text = dir.to_csv(grouping).unwrap();
            let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
            let mut pending_rows = 0;
            for record in reader.records() {
                let record = record.unwrap();
                if &record[7] == "pending" {
                    pending_rows += 1;
                    assert_eq!(&record[1], "", "{record:?}");
                } else {
                    assert_ne!(&record[1], "", "{record:?}");
                }
            }
            assert_eq!(pending_rows, 3);
        }
    }

    #[cfg(feature = "json")]
    {
        let v: serde_json::Value =
            serde_json::from_str(&dir.to_json(Grouping::ByResource).unwrap()).unwrap();
        let mut pending_rows = 0;
        for resource in v["resources"].as_array().unwrap() {
            for member in resource["members"].as_array().unwrap() {
                if member["status"] == "pending" {
                    pending_rows += 1;
                    assert_eq!(member["username"], serde_json::Value::Null, "{member}");
                } else {
                    assert!(member["username"].is_string(), "{member}");
                }
            }
        }
        assert_eq!(pending_rows, 3);
        let v: serde_json::Value =
            serde_json::from_str(&dir.to_json(Grouping::ByCollaborator).unwrap()).unwrap();
        let erin = v["collaborators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["email"] == "erin@example.com")
            .unwrap();
        assert_eq!(erin["username"], serde_json::Value::Null);
    }
}

#[test]
fn duplicates_are_refused() {
    let a = roster(ResourceKind::App, "same", "one", "ada@example.com", &[]);
    let b = roster(ResourceKind::App, "same", "two", "bob@example.com", &[]);
    let mut builder = DirectoryBuilder::new();
    builder.add_roster(&a).add_roster(&b);
    assert!(matches!(
        builder.build(two_factor),
        Err(DirectoryError::DuplicateResource { id }) if id.as_str() == "same"
    ));

    let m = crate::common::member("x", ("eve@example.com", R::Collaborator, S::Accepted, 0));
    let m2 = crate::common::member(
        "y",
        ("EVE@example.com", R::LimitedCollaborator, S::Pending, 0),
    );
    let mut builder = DirectoryBuilder::new();
    builder.add(a.resource(), [&m, &m2]);
    let err = builder.build(two_factor).unwrap_err();
    assert_eq!(
        err.to_string().to_lowercase(),
        "eve@example.com has two memberships on resource same"
    );
}

#[test]
fn two_factor_is_asked_once_per_person() {
    let rosters = organization();
    let mut b = DirectoryBuilder::new();
    for r in &rosters {
        b.add_roster(r);
    }
    let mut asked = Vec::new();
    b.build(|e| {
        asked.push(e.normalized().to_owned());
        TwoFactor::Unknown
    })
    .unwrap();
    assert_eq!(
        asked,
        [
            "ada@example.com",
            "bob@example.com",
            "carol@example.com",
            "dan@example.com"
        ]
    );
}

#[cfg(feature = "csv")]
#[test]
fn csv_export_by_resource() {
    let rosters = organization();
    let dir = directory(&rosters);
    let csv = dir.to_csv(Grouping::ByResource).unwrap();
    // Written by hand from the organization above: CRLF line ends, the
    // name "=ledger" neutralized with a leading quote.
    let expected = "email,username,two_factor,resource_kind,resource_id,resource_name,role,status,invited_at\r\n\
        ada@example.com,ada,enabled,dedicated_database,db-1,'=ledger,owner,owner,0\r\n\
        bob@example.com,bob,disabled,dedicated_database,db-1,'=ledger,collaborator,user_account_deleted,30\r\n\
        ada@example.com,ada,enabled,app,app-2,storefront,owner,owner,0\r\n\
        Bob@Example.com,Bob,disabled,app,app-2,storefront,collaborator,accepted,10\r\n\
        carol@example.com,,unknown,app,app-2,storefront,limited_collaborator,pending,20\r\n";
    assert_eq!(csv, expected);
}

/// A value that starts with `'` is written with a second one, so one
/// stripped quote gives back every value, written out by hand.
#[cfg(feature = "csv")]
#[test]
fn csv_doubles_a_leading_quote() {
    let rosters = [roster(
        ResourceKind::App,
        "app-q",
        "'=quoted",
        "'owner@example.com",
        &[],
    )];
    let csv = directory(&rosters)
        .to_csv(Grouping::ByCollaborator)
        .unwrap();
    assert_eq!(
        csv.lines().nth(1),
        Some("''owner@example.com,''owner,unknown,app,app-q,''=quoted,owner,owner,0"),
        "{csv}"
    );
}

#[cfg(feature = "csv")]
#[test]
fn csv_quotes_and_neutralizes_every_dangerous_cell() {
    let names = [
        "=SUM(A1)",
        "+1",
        "-2",
        "@cmd",
        "a,b",
        "say \"hi\"",
        "plain",
        "x=1",
    ];
    let rosters: Vec<Roster> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            roster(
                ResourceKind::App,
                &format!("r{i}"),
                n,
                "-owner@example.com",
                &[("+c@example.com", R::Collaborator, S::Accepted, 1)],
            )
        })
        .collect();
    let dir = directory(&rosters);
    let mut out = Vec::new();
    dir.write_csv(Grouping::ByCollaborator, &mut out).unwrap();
    // Read it back with an RFC 4180 reader.
    let mut reader = csv::ReaderBuilder::new().from_reader(out.as_slice());
    let mut seen = BTreeSet::new();
    for record in reader.records() {
        let record = record.unwrap();
        assert_eq!(record.len(), 9);
        assert!(
            record[0].starts_with("'-owner") || record[0].starts_with("'+c"),
            "{record:?}"
        );
        for cell in record.iter() {
            assert!(
                !matches!(
                    cell.as_bytes().first(),
                    Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
                ),
                "{cell:?}"
            );
        }
        seen.insert(record[5].to_owned());
    }
    let expected: BTreeSet<String> = names
        .iter()
        .map(|n| neutralize_cell(n).into_owned())
        .collect();
    assert_eq!(seen, expected);
    assert!(
        expected.contains("'=SUM(A1)")
            && expected.contains("a,b")
            && expected.contains("say \"hi\"")
    );
    // The quoting is visible in the raw text.
    let raw = String::from_utf8(out).unwrap();
    assert!(raw.contains(",\"a,b\","), "{raw}");
    assert!(raw.contains(",\"say \"\"hi\"\"\","), "{raw}");
}

#[test]
fn neutralize_cell_rules() {
    for dangerous in ["=", "+x", "-x", "@x", "\tx", "\rx", "'x", "'=x", "'"] {
        assert_eq!(neutralize_cell(dangerous), format!("'{dangerous}"));
    }
    for safe in ["", "x", " =x", "x-y", "x'"] {
        assert_eq!(neutralize_cell(safe), safe);
    }
    // The documented policy: legitimate values are prefixed too, and a
    // consumer gets the original back by stripping one leading `'`, exactly
    // (a value that starts with `'` was written with a second one).
    let original = |cell: &str| cell.strip_prefix('\'').unwrap_or(cell).to_owned();
    for value in [
        "-staging", "+1 app", "@team", "=1", "\tx", "\rx", "billing", "", "x-y", " =x", "'=x",
        "'quoted", "''",
    ] {
        assert_eq!(original(&neutralize_cell(value)), value, "{value:?}");
    }
    assert_eq!(neutralize_cell("-staging"), "'-staging");
}

#[cfg(feature = "json")]
#[test]
fn json_export_both_groupings() {
    let rosters = organization();
    let dir = directory(&rosters);
    let v: serde_json::Value =
        serde_json::from_str(&dir.to_json(Grouping::ByCollaborator).unwrap()).unwrap();
    let people = v["collaborators"].as_array().unwrap();
    assert_eq!(people.len(), 4);
    assert_eq!(people[1]["email"], "bob@example.com");
    assert_eq!(people[1]["two_factor"], "disabled");
    assert_eq!(
        people[1]["memberships"][0]["resource"]["kind"],
        "dedicated_database"
    );
    assert_eq!(
        people[1]["memberships"][0]["status"],
        "user_account_deleted"
    );
    assert_eq!(people[2]["username"], serde_json::Value::Null);
    assert_eq!(people[2]["memberships"][0]["role"], "limited_collaborator");

    let mut out = Vec::new();
    dir.write_json(Grouping::ByResource, &mut out).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let resources = v["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 2);
    assert_eq!(resources[0]["name"], "=ledger");
    assert_eq!(resources[1]["members"][2]["email"], "carol@example.com");
    assert_eq!(resources[1]["members"][2]["two_factor"], "unknown");
    assert_eq!(resources[1]["members"][1]["invited_at"], 10);
}

#[test]
fn types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Directory<'static>>();
    check::<DirectoryBuilder<'static>>();
    check::<collab_authz::org::directory::ByResource<'static>>();
    check::<collab_authz::org::directory::ByCollaborator<'static>>();
    check::<DirectoryError>();
    #[cfg(feature = "csv")]
    check::<collab_authz::org::directory::CsvExportError>();
    #[cfg(feature = "json")]
    check::<collab_authz::org::directory::JsonExportError>();
}

// ---------------------------------------------------------------------------
// Property: both groupings against a naive model.
// ---------------------------------------------------------------------------

const PEOPLE: [&str; 6] = ["a@x.io", "B@x.io", "c@x.io", "d@x.io", "e@x.io", "f@x.io"];

const UPPER: [&str; 6] = ["A@X.IO", "B@X.IO", "C@X.IO", "D@X.IO", "E@X.IO", "F@X.IO"];

fn any_org() -> impl Strategy<Value = Vec<Roster>> {
    let resource = (
        any::<bool>(),
        0..PEOPLE.len(),
        prop::collection::btree_map(
            0..PEOPLE.len(),
            (any::<bool>(), 0u8..3, any::<bool>()),
            0..5,
        ),
    );
    prop::collection::vec(resource, 0..8).prop_map(|resources| {
        resources
            .into_iter()
            .enumerate()
            .map(|(i, (is_app, owner, others))| {
                let kind = if is_app {
                    ResourceKind::App
                } else {
                    ResourceKind::DedicatedDatabase
                };
                let members: Vec<_> = others
                    .into_iter()
                    .filter(|(p, _)| *p != owner)
                    .map(|(p, (limited, status, upper))| {
                        let role = if limited && is_app {
                            R::LimitedCollaborator
                        } else {
                            R::Collaborator
                        };
                        let status =
                            [S::Pending, S::Accepted, S::UserAccountDeleted][status as usize];
                        // The same person, sometimes spelled in upper case.
                        let address: &'static str = if upper { UPPER[p] } else { PEOPLE[p] };
                        (address, role, status, i as u64)
                    })
                    .collect();
                // Names repeat on purpose: order falls back to kind and id.
                roster(
                    kind,
                    &format!("id{i}"),
                    &format!("n{}", i % 3),
                    PEOPLE[owner],
                    &members,
                )
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn groupings_match_naive_model(rosters in any_org()) {
        let dir = directory(&rosters);
        // Naive model: (normalized email) -> set of resource ids, and
        // resource id -> list of emails.
        let mut by_person: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut with_collaborators = BTreeSet::new();
        let mut total = 0;
        for r in &rosters {
            for m in r.iter() {
                total += 1;
                by_person.entry(m.email().normalized().to_owned()).or_default().insert(r.resource().id().to_string());
                if m.role() != R::Owner {
                    with_collaborators.insert(r.resource().id().to_string());
                }
            }
        }
        prop_assert_eq!(dir.len(), total);
        let grouped: BTreeMap<String, BTreeSet<String>> = dir.by_collaborator().iter().map(|g| {
            (g.person().email().normalized().to_owned(), g.memberships().map(|m| m.resource().id().to_string()).collect())
        }).collect();
        prop_assert_eq!(&grouped, &by_person);
        // People in email order, each person's resources in resource order.
        let emails: Vec<String> = dir.by_collaborator().iter().map(|g| g.person().email().normalized().to_owned()).collect();
        prop_assert!(emails.windows(2).all(|w| w[0] < w[1]));
        let key = |r: &collab_authz::Resource| (r.name().to_owned(), r.kind(), r.id().to_string());
        for g in dir.by_collaborator().iter() {
            let keys: Vec<_> = g.memberships().map(|m| key(m.resource())).collect();
            prop_assert!(keys.windows(2).all(|w| w[0] < w[1]));
        }

        let by_resource = dir.by_resource();
        let listed: Vec<String> = by_resource.iter().map(|g| g.resource().id().to_string()).collect();
        prop_assert_eq!(listed.iter().cloned().collect::<BTreeSet<_>>(), with_collaborators.clone());
        let keys: Vec<_> = by_resource.iter().map(|g| key(g.resource())).collect();
        prop_assert!(keys.windows(2).all(|w| w[0] < w[1]));
        for g in by_resource.iter() {
            let roster = rosters.iter().find(|r| r.resource().id() == g.resource().id()).unwrap();
            let members: Vec<_> = g.memberships().map(|m| m.email().normalized().to_owned()).collect();
            let expected: Vec<_> = roster.iter().map(|m| m.email().normalized().to_owned()).collect();
            // The roster iterates owner first, then by email: the same order.
            prop_assert_eq!(members, expected);
        }
        #[cfg(feature = "csv")]
        {
        // The CSV cells (read from the directory's text arena) agree with
            // the memberships as the rosters hold them.
            let csv_text = dir.to_csv(Grouping::ByCollaborator).unwrap();
            let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
            for (record, m) in reader.records().zip(dir.memberships()) {
                let record = record.unwrap();
                prop_assert_eq!(&record[0], m.email().as_str());
                // Naive model: a pending membership's username is unknown
                // (empty); any other's is the member's own (the test rosters
                // give every non-pending member one).
                let username = match m.member().status() {
                    S::Pending => "",
                    _ => m.member().username().unwrap().as_str(),
                };
                prop_assert_eq!(&record[1], username);
                prop_assert_eq!(m.username().map(|u| u.as_str()), Some(username).filter(|u| !u.is_empty()));
                prop_assert_eq!(&record[3], m.resource().kind().id());
                prop_assert_eq!(&record[4], m.resource().id().as_str());
                let name = neutralize_cell(m.resource().name()).into_owned();
                prop_assert_eq!(&record[5], name.as_str());
                prop_assert_eq!(&record[8], m.member().invited_at().to_string());
            }
            // Both exports hold one row per listed membership.
            let csv_rows = dir.to_csv(Grouping::ByCollaborator).unwrap().matches("\r\n").count() - 1;
            prop_assert_eq!(csv_rows, total);
            let in_listed: usize = by_resource.iter().map(|g| g.len()).sum();
            let csv_rows = dir.to_csv(Grouping::ByResource).unwrap().matches("\r\n").count() - 1;
            prop_assert_eq!(csv_rows, in_listed);
        }
    }
}

/// Reads one field of a text view at the start of `s`: a quoted text
/// (its escapes undone) or a bare one, up to the next separator. Returns
/// the text, whether it was quoted, and the rest of the line.
fn view_field(s: &str) -> (String, bool, &str) {
    let Some(rest) = s.strip_prefix('"') else {
        let end = s
            .find(|c: char| matches!(c, '(' | ')' | ',' | ':' | '"' | '\\') || c.is_whitespace())
            .unwrap_or(s.len());
        return (s[..end].to_string(), false, &s[end..]);
    };
    let mut out = String::new();
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (out, true, &rest[i + 1..]),
            '\\' => match chars.next().unwrap().1 {
                'u' => {
                    assert_eq!(chars.next().unwrap().1, '{');
                    let hex: String = chars
                        .by_ref()
                        .map(|(_, c)| c)
                        .take_while(|&c| c != '}')
                        .collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                }
                e => {
                    assert!(matches!(e, '"' | '\\'), "escape \\{e}");
                    out.push(e);
                }
            },
            c => out.push(c),
        }
    }
    panic!("unterminated quoted text in {s:?}")
}

/// `s` must start with `prefix`: the rest.
fn expect_prefix<'a>(s: &'a str, prefix: &str) -> &'a str {
    s.strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{s:?} does not start with {prefix:?}"))
}

/// A username field read back: `None` for the bare `n/a`.
fn view_username(s: &str) -> (Option<String>, &str) {
    let (text, quoted, rest) = view_field(s);
    (
        (quoted || text != collab_authz::membership::UNKNOWN_USERNAME).then_some(text),
        rest,
    )
}

/// `kind name (id)`: the resource read back from a line.
fn view_resource(line: &str) -> ((ResourceKind, String, String), &str) {
    let kind = [ResourceKind::App, ResourceKind::DedicatedDatabase]
        .into_iter()
        .find(|k| line.starts_with(&format!("{k} ")))
        .unwrap();
    let rest = expect_prefix(line, &format!("{kind} "));
    let (name, _, rest) = view_field(rest);
    let rest = expect_prefix(rest, " (");
    let (id, _, rest) = view_field(rest);
    ((kind, name, id), expect_prefix(rest, ")"))
}

/// One line's trailing `a, b, c` cells: roles, statuses and the 2FA
/// column hold no comma.
fn view_cells(rest: &str) -> Vec<String> {
    rest.split(", ").map(str::to_string).collect()
}

/// Checks both text views of `dir` by reading them back: every line
/// splits into the fields the directory holds, and there is one line per
/// group and per membership, whatever text the users chose.
fn check_views_read_back(dir: &Directory<'_>) {
    type Line = (String, Option<String>, Vec<String>);
    // By resource.
    let text = dir.by_resource().to_string();
    let mut lines = text.lines();
    for group in dir.by_resource().iter() {
        let r = group.resource();
        let (read, rest) = view_resource(lines.next().unwrap());
        assert_eq!(
            read,
            (r.kind(), r.name().to_string(), r.id().as_str().to_string())
        );
        assert_eq!(rest, "");
        for m in group.memberships() {
            let line = expect_prefix(lines.next().unwrap(), "  ");
            let (email, _, rest) = view_field(line);
            let rest = expect_prefix(rest, " (");
            let (username, rest) = view_username(rest);
            let rest = expect_prefix(rest, "): ");
            let read: Line = (email, username, view_cells(rest));
            let want: Line = (
                m.email().as_str().to_string(),
                m.username().map(|u| u.as_str().to_string()),
                vec![
                    m.role_name().to_string(),
                    m.status().label().to_string(),
                    format!("2FA {}", m.two_factor()),
                ],
            );
            assert_eq!(read, want, "{text}");
        }
    }
    assert_eq!(lines.next(), None, "{text}");

    // By collaborator.
    let text = dir.by_collaborator().to_string();
    let mut lines = text.lines();
    for group in dir.by_collaborator().iter() {
        let p = group.person();
        let (email, _, rest) = view_field(lines.next().unwrap());
        let rest = expect_prefix(rest, " (");
        let (username, rest) = view_username(rest);
        let rest = expect_prefix(rest, "), ");
        let read: Line = (email, username, view_cells(rest));
        let want: Line = (
            p.email().as_str().to_string(),
            p.username().map(|u| u.as_str().to_string()),
            vec![format!("2FA {}", p.two_factor())],
        );
        assert_eq!(read, want, "{text}");
        for m in group.memberships() {
            let line = expect_prefix(lines.next().unwrap(), "  ");
            let (read, rest) = view_resource(line);
            let r = m.resource();
            assert_eq!(
                read,
                (r.kind(), r.name().to_string(), r.id().as_str().to_string())
            );
            let rest = expect_prefix(rest, ": ");
            assert_eq!(
                view_cells(rest),
                [m.role_name().to_string(), m.status().label().to_string()],
                "{text}"
            );
        }
    }
    assert_eq!(lines.next(), None, "{text}");
}

/// Text a user chooses made of the views' separators and look-alikes of
/// their columns.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("ada): owner, owner, 2FA enabled".to_string()),
        Just("n/a".to_string()),
        Just("\"ada\"".to_string()),
        Just("a\\\"b".to_string()),
        Just(" ada ".to_string()),
        "[a-c (),:\"\\\\/2FA\u{a0}\u{2028}]{1,16}",
    ]
}

/// A roster whose owner and collaborator carry hostile usernames and
/// whose resource has a hostile name and id.
fn hostile_roster(
    kind: ResourceKind,
    name: &str,
    id: &str,
    owner: &str,
    other: &str,
) -> Option<Roster> {
    use collab_authz::membership::MemberParts;
    use collab_authz::{Member, MemberId, Resource, ResourceId, Username};
    let resource = Resource::new(kind, ResourceId::new(id).ok()?, name).ok()?;
    let member = |id: &str, address: &str, username: &str, role, status| {
        Member::new(MemberParts {
            id: MemberId::new(id).unwrap(),
            email: email(address),
            username: Some(Username::new(username).ok()?),
            status,
            role,
            custom_role: None,
            invited_at: crate::common::at(0),
            expires_at: None,
            token: None,
        })
        .ok()
    };
    let owner = member("o", "owner@example.com", owner, R::Owner, S::Owner)?;
    let other = member(
        "c",
        "collab@example.com",
        other,
        R::Collaborator,
        S::Accepted,
    )?;
    Roster::from_parts(resource, owner, [other]).ok()
}

#[test]
fn a_username_cannot_forge_the_text_views_columns() {
    let r = hostile_roster(
        ResourceKind::App,
        "billing",
        "app-1",
        "ada): owner, owner, 2FA enabled",
        "n/a",
    )
    .unwrap();
    let rosters = [r];
    let dir = directory(&rosters);
    let text = dir.by_resource().to_string();
    // The forged username stays one quoted field; the one spelled `n/a`
    // is not an unknown username.
    assert!(
        text.contains("(\"ada): owner, owner, 2FA enabled\"): owner, owner, 2FA "),
        "{text}"
    );
    assert!(
        text.contains("collab@example.com (\"n/a\"): collaborator, accepted"),
        "{text}"
    );
    check_views_read_back(&dir);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Whatever the usernames and the resource's name and id, both text
    /// views read back to the directory's fields, one line each.
    #[test]
    fn the_text_views_read_back_whatever_the_text(
        name in hostile_text(),
        id in hostile_text(),
        owner in hostile_text(),
        other in hostile_text(),
        database in any::<bool>(),
    ) {
        let kind = if database { ResourceKind::DedicatedDatabase } else { ResourceKind::App };
        // About a third of the texts are refused at construction (the
        // line separator is an invisible character): skipped.
        if let Some(r) = hostile_roster(kind, &name, &id, &owner, &other) {
            let rosters = [r];
            check_views_read_back(&directory(&rosters));
        }
    }
}
