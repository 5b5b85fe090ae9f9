//! The access review: each finding kind's rule, severities, fixes, the
//! thresholds, usage-based findings, and the Markdown rendering.
#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

use crate::common::{at, email, roster};
use collab_authz::org::review::{Detail, Finding, FindingKind as K, Fix, Severity, Usage};
use collab_authz::{
    Directory, DirectoryBuilder, MemberStatus as S, Permissions, ResourceKind, ReviewPolicy,
    Role as R, Roster, TwoFactor, review,
};

const DAY: u64 = 86_400;
const NOW: u64 = 100 * DAY;

fn organization() -> Vec<Roster> {
    let bob = ("bob@example.com", R::Collaborator, S::Accepted, 0);
    vec![
        roster(
            ResourceKind::App,
            "app-1",
            "api",
            "ada@example.com",
            &[
                bob,
                ("gina@example.com", R::LimitedCollaborator, S::Accepted, 0),
            ],
        ),
        roster(
            ResourceKind::App,
            "app-2",
            "web",
            "ada@example.com",
            &[
                bob,
                (
                    "carol@example.com",
                    R::LimitedCollaborator,
                    S::Pending,
                    NOW - 40 * DAY,
                ),
            ],
        ),
        roster(
            ResourceKind::App,
            "app-3",
            "worker",
            "ada@example.com",
            &[bob, ("frank@example.com", R::Collaborator, S::Accepted, 0)],
        ),
        roster(
            ResourceKind::App,
            "app-4",
            "admin",
            "ada@example.com",
            &[bob, ("hal@example.com", R::Collaborator, S::Accepted, 0)],
        ),
        roster(
            ResourceKind::DedicatedDatabase,
            "db-1",
            "ledger",
            "ada@example.com",
            &[
                ("eve@example.com", R::Collaborator, S::UserAccountDeleted, 0),
                (
                    "ivy@example.com",
                    R::Collaborator,
                    S::Pending,
                    NOW - 29 * DAY,
                ),
            ],
        ),
        roster(ResourceKind::App, "app-5", "solo", "zoe@example.com", &[]),
    ]
}

fn two_factor(e: &collab_authz::Email) -> TwoFactor {
    match e.normalized() {
        "ada@example.com" | "gina@example.com" => TwoFactor::Disabled,
        "hal@example.com" => TwoFactor::Unknown,
        _ => TwoFactor::Enabled,
    }
}

fn directory(rosters: &[Roster]) -> Directory<'_> {
    let mut b = DirectoryBuilder::new();
    for r in rosters {
        b.add_roster(r);
    }
    b.build(two_factor).unwrap()
}

fn usage() -> Usage {
    let mut u = Usage::new();
    // Actions a limited collaborator holds without condition.
    let light = Permissions::RESTART | Permissions::VIEW_LOGS | Permissions::VIEW_DEPLOYMENTS;
    for app in ["app-1", "app-2", "app-3"] {
        u.record(&email("bob@example.com"), &app.parse().unwrap(), light);
    }
    // On app-4 Bob stops the app: a limited collaborator may not.
    u.record(
        &email("bob@example.com"),
        &"app-4".parse().unwrap(),
        Permissions::STOP,
    );
    // Frank never used app-3.
    u.record(
        &email("frank@example.com"),
        &"app-3".parse().unwrap(),
        Permissions::empty(),
    );
    u
}

fn summary<'a>(findings: &'a [Finding<'a>]) -> Vec<(Severity, K, Option<&'a str>, Vec<&'a str>)> {
    findings
        .iter()
        .map(|f| {
            (
                f.severity(),
                f.kind(),
                f.email().map(|e| e.as_str()),
                f.resources().iter().map(|r| r.id().as_str()).collect(),
            )
        })
        .collect()
}

#[test]
fn every_rule_fires_where_it_should() {
    let rosters = organization();
    let dir = directory(&rosters);
    let report = review(&dir, at(NOW), &ReviewPolicy::default(), &usage());
    assert_eq!(
        summary(report.findings()),
        vec![
            // Ada owns everything with 2FA disabled. Resources in name order.
            (
                Severity::Critical,
                K::FullRightsWithoutTwoFactor,
                Some("ada@example.com"),
                vec!["app-4", "app-1", "db-1", "app-2", "app-3"]
            ),
            // Hal's status is unknown; Gina is limited (cannot read secrets): no finding.
            (
                Severity::Medium,
                K::FullRightsWithoutTwoFactor,
                Some("hal@example.com"),
                vec!["app-4"]
            ),
            (
                Severity::Medium,
                K::DeletedAccount,
                Some("eve@example.com"),
                vec!["db-1"]
            ),
            // Bob: limited would do on app-1..3 (not app-4, where he stops the app).
            (
                Severity::Medium,
                K::LimitedWouldDo,
                Some("bob@example.com"),
                vec!["app-1", "app-2", "app-3"]
            ),
            (
                Severity::Medium,
                K::UnusedAccess,
                Some("frank@example.com"),
                vec!["app-3"]
            ),
            // Carol pending 40 days; Ivy only 29 (under the 30-day default).
            (
                Severity::Low,
                K::StaleInvitation,
                Some("carol@example.com"),
                vec!["app-2"]
            ),
            // db-1's other members are a deleted account and a pending
            // invitation: not "owner only" (they have findings of their
            // own, or are the invitation it would suggest); app-5 is.
            (Severity::Low, K::OwnerOnly, None, vec!["app-5"]),
        ]
    );
    let f = report.findings();
    assert_eq!(f[0].fix(), Fix::EnableTwoFactor);
    assert_eq!(f[0].detail(), Detail::TwoFactor(TwoFactor::Disabled));
    assert_eq!(
        f[2].fix(),
        Fix::RevokeMembership {
            rotate_secrets: true
        }
    );
    assert_eq!(f[2].detail(), Detail::KeptRole(R::Collaborator));
    assert_eq!(
        f[3].fix(),
        Fix::ChangeRole {
            to: R::LimitedCollaborator
        }
    );
    assert_eq!(
        f[3].detail(),
        Detail::Used(Permissions::RESTART | Permissions::VIEW_LOGS | Permissions::VIEW_DEPLOYMENTS)
    );
    assert_eq!(f[5].detail(), Detail::PendingFor(40 * DAY));
    assert_eq!(report.count(Severity::Medium), 4);
    assert_eq!(report.count(Severity::High), 0);
}

#[test]
fn collaborator_with_2fa_disabled_is_high() {
    let rosters = vec![roster(
        ResourceKind::DedicatedDatabase,
        "db",
        "db",
        "o@example.com",
        &[
            ("gina@example.com", R::Collaborator, S::Accepted, 0),
            ("x@example.com", R::Collaborator, S::Pending, NOW),
        ],
    )];
    let dir = directory(&rosters);
    let report = review(&dir, at(NOW), &ReviewPolicy::default(), &Usage::new());
    // A pending collaborator holds no rights: no 2FA finding for x.
    assert_eq!(
        summary(report.findings()),
        vec![(
            Severity::High,
            K::FullRightsWithoutTwoFactor,
            Some("gina@example.com"),
            vec!["db"]
        )]
    );
}

/// The severity table of `FindingKind::FullRightsWithoutTwoFactor`, every
/// row: owner-level access without confirmed 2FA is at least high.
#[test]
fn two_factor_severity_table() {
    use TwoFactor::{Disabled, Enabled, Unknown};
    let table = [
        (R::Owner, Disabled, Some(Severity::Critical)),
        (R::Owner, Unknown, Some(Severity::High)),
        (R::Owner, Enabled, None),
        (R::Collaborator, Disabled, Some(Severity::High)),
        (R::Collaborator, Unknown, Some(Severity::Medium)),
        (R::Collaborator, Enabled, None),
        // A limited collaborator cannot read data and secrets.
        (R::LimitedCollaborator, Disabled, None),
        (R::LimitedCollaborator, Unknown, None),
    ];
    for (role, status, expected) in table {
        // `p@` holds `role` on an app owned by `o@` (2FA enabled), so the
        // owner's own finding never mixes in.
        let rosters = match role {
            R::Owner => vec![roster(ResourceKind::App, "a", "a", "p@example.com", &[])],
            _ => vec![roster(
                ResourceKind::App,
                "a",
                "a",
                "o@example.com",
                &[("p@example.com", role, S::Accepted, 0)],
            )],
        };
        let mut b = DirectoryBuilder::new();
        b.add_roster(&rosters[0]);
        let dir = b
            .build(|e| {
                if e.normalized() == "p@example.com" {
                    status
                } else {
                    Enabled
                }
            })
            .unwrap();
        let report = review(&dir, at(NOW), &ReviewPolicy::default(), &Usage::new());
        let got = report
            .findings()
            .iter()
            .find(|f| f.kind() == K::FullRightsWithoutTwoFactor)
            .map(|f| (f.severity(), f.email().unwrap().as_str(), f.detail()));
        assert_eq!(
            got,
            expected.map(|sev| (sev, "p@example.com", Detail::TwoFactor(status))),
            "{role:?} with 2FA {status}"
        );
    }
    // A person who is owner somewhere and collaborator elsewhere is rated
    // by the owner-level access.
    let rosters = [
        roster(ResourceKind::App, "a", "a", "p@example.com", &[]),
        roster(
            ResourceKind::App,
            "b",
            "b",
            "o@example.com",
            &[("p@example.com", R::Collaborator, S::Accepted, 0)],
        ),
    ];
    let mut b = DirectoryBuilder::new();
    b.add_roster(&rosters[0]).add_roster(&rosters[1]);
    let dir = b.build(|_| Unknown).unwrap();
    let report = review(&dir, at(NOW), &ReviewPolicy::default(), &Usage::new());
    let p = report
        .findings()
        .iter()
        .find(|f| f.email().map(|e| e.as_str()) == Some("p@example.com"))
        .unwrap();
    assert_eq!((p.severity(), p.resources().len()), (Severity::High, 2));
}

/// Only the `yes` cells of a limited collaborator count towards "limited
/// would do": use of an action a limited collaborator holds only under a
/// condition disqualifies the app (the downgrade could break the work).
/// Every action of the limited app row, from the matrix.
#[test]
fn limited_would_do_counts_only_unconditional_grants() {
    use collab_authz::matrix::grants;
    let row = grants(R::LimitedCollaborator, ResourceKind::App);
    let rosters: Vec<Roster> = (1..=3)
        .map(|i| {
            roster(
                ResourceKind::App,
                &format!("app-{i}"),
                &format!("app{i}"),
                "o@example.com",
                &[("bob@example.com", R::Collaborator, S::Accepted, 0)],
            )
        })
        .collect();
    let dir = directory(&rosters);
    assert!(!row.limited().is_empty());
    for (action, counts) in row
        .allowed()
        .actions()
        .map(|a| (a, true))
        .chain(row.limited().actions().map(|a| (a, false)))
    {
        let mut usage = Usage::new();
        for (i, r) in rosters.iter().enumerate() {
            // Two apps used lightly; the third with `action` too.
            let used = if i == 2 {
                Permissions::RESTART | Permissions::from(action)
            } else {
                Permissions::RESTART
            };
            usage.record(&email("bob@example.com"), r.resource().id(), used);
        }
        let report = review(&dir, at(NOW), &ReviewPolicy::default(), &usage);
        let found = report
            .findings()
            .iter()
            .find(|f| f.kind() == K::LimitedWouldDo);
        assert_eq!(found.is_some(), counts, "{action}");
        if let Some(f) = found {
            assert_eq!(f.resources().len(), 3);
            assert_eq!(
                f.detail(),
                Detail::Used(Permissions::RESTART | Permissions::from(action))
            );
        }
    }
}

/// "Owner only" means nobody but the owner in the roster; one resource
/// never gets both "revoke" and "invite collaborators" advice.
#[test]
fn owner_only_is_precise_and_never_contradicts() {
    let rosters = vec![
        roster(ResourceKind::App, "alone", "alone", "o@example.com", &[]),
        roster(
            ResourceKind::DedicatedDatabase,
            "deleted",
            "deleted",
            "o@example.com",
            &[("d@example.com", R::Collaborator, S::UserAccountDeleted, 0)],
        ),
        roster(
            ResourceKind::App,
            "pending",
            "pending",
            "o@example.com",
            &[(
                "p@example.com",
                R::LimitedCollaborator,
                S::Pending,
                NOW - 40 * DAY,
            )],
        ),
        roster(
            ResourceKind::App,
            "fresh",
            "fresh",
            "o@example.com",
            &[("f@example.com", R::LimitedCollaborator, S::Pending, NOW)],
        ),
        roster(
            ResourceKind::App,
            "active",
            "active",
            "o@example.com",
            &[("a@example.com", R::Collaborator, S::Accepted, 0)],
        ),
    ];
    let dir = directory(&rosters);
    let report = review(&dir, at(NOW), &ReviewPolicy::default(), &Usage::new());
    let owner_only: Vec<&str> = report
        .findings()
        .iter()
        .filter(|f| f.kind() == K::OwnerOnly)
        .map(|f| f.resources()[0].id().as_str())
        .collect();
    assert_eq!(owner_only, ["alone"]);
    // The same resources the by-resource listing leaves out.
    let by_resource = dir.by_resource();
    let listed: Vec<&str> = by_resource
        .iter()
        .map(|g| g.resource().id().as_str())
        .collect();
    for r in dir.resources() {
        assert_eq!(
            owner_only.contains(&r.id().as_str()),
            !listed.contains(&r.id().as_str())
        );
    }
    for r in dir.resources() {
        let fixes: Vec<Fix> = report
            .findings()
            .iter()
            .filter(|f| f.resources().iter().any(|x| x.id() == r.id()))
            .map(|f| f.fix())
            .collect();
        let invite = fixes.contains(&Fix::InviteCollaborators);
        let revoke = fixes
            .iter()
            .any(|f| matches!(f, Fix::RevokeMembership { .. } | Fix::RevokeInvitation));
        assert!(!(invite && revoke), "{}: {fixes:?}", r.id());
    }
}

#[test]
fn thresholds_are_the_callers() {
    let rosters = organization();
    let dir = directory(&rosters);
    let strict = ReviewPolicy {
        stale_invitation_after: 29 * DAY,
        limited_would_do_min_resources: 4,
    };
    let report = review(&dir, at(NOW), &strict, &usage());
    let kinds: Vec<(K, Option<&str>)> = report
        .findings()
        .iter()
        .map(|f| (f.kind(), f.email().map(|e| e.as_str())))
        .collect();
    assert!(
        kinds.contains(&(K::StaleInvitation, Some("ivy@example.com"))),
        "at exactly the threshold: {kinds:?}"
    );
    // The rule says what the code does: "at least", not "older than".
    assert!(K::StaleInvitation.rule().contains("at least"));
    // One second younger than the threshold: not stale.
    let lenient = ReviewPolicy {
        stale_invitation_after: 29 * DAY + 1,
        ..strict
    };
    let report = review(&dir, at(NOW), &lenient, &usage());
    assert!(
        !report
            .findings()
            .iter()
            .any(|f| f.email().map(|e| e.as_str()) == Some("ivy@example.com"))
    );
    assert!(!kinds.iter().any(|(k, _)| *k == K::LimitedWouldDo));
    // Without usage, no usage-based finding.
    let report = review(&dir, at(NOW), &ReviewPolicy::default(), &Usage::new());
    assert!(
        !report
            .findings()
            .iter()
            .any(|f| matches!(f.kind(), K::LimitedWouldDo | K::UnusedAccess))
    );
}

#[test]
fn expired_invitation_is_its_own_finding() {
    let mut m = crate::common::member(
        "p",
        (
            "late@example.com",
            R::LimitedCollaborator,
            S::Pending,
            NOW - DAY,
        ),
    );
    let mut parts = collab_authz::membership::MemberParts {
        id: m.id().clone(),
        email: m.email().clone(),
        username: None,
        status: S::Pending,
        role: R::LimitedCollaborator,
        custom_role: None,
        invited_at: m.invited_at(),
        expires_at: Some(at(NOW)),
        token: Some(collab_authz::InvitationToken::new("tok").unwrap().digest()),
    };
    m = collab_authz::Member::new(parts.clone()).unwrap();
    let r = roster(ResourceKind::App, "a", "a", "o@example.com", &[]);
    let mut b = DirectoryBuilder::new();
    let members = [r.owner().clone(), m];
    b.add(r.resource(), members.iter());
    let dir = b.build(|_| TwoFactor::Enabled).unwrap();
    let report = review(&dir, at(NOW), &ReviewPolicy::default(), &Usage::new());
    assert_eq!(report.findings()[0].kind(), K::ExpiredInvitation);
    assert_eq!(report.findings()[0].detail(), Detail::ExpiredAt(at(NOW)));
    // One second before the expiry it is neither expired nor stale.
    let report = review(&dir, at(NOW - 1), &ReviewPolicy::default(), &Usage::new());
    assert!(report.findings().iter().all(|f| f.kind() == K::OwnerOnly));
    parts.expires_at = None;
    assert!(collab_authz::Member::new(parts).is_ok());
}

#[test]
fn markdown_report_escapes_and_lists_rules() {
    let solo = roster(
        ResourceKind::App,
        "x|1",
        "a|b<script>*",
        "o_wner@example.com",
        &[],
    );
    let mut b = DirectoryBuilder::new();
    b.add_roster(&solo);
    let dir = b.build(|_| TwoFactor::Unknown).unwrap();
    let md = review(&dir, at(NOW), &ReviewPolicy::default(), &Usage::new()).to_markdown();
    let expected = "# Access review\n\
\n\
Reviewed 1 memberships of 1 people on 1 resources at 8640000 (Unix time).\n\
\n\
| severity | findings |\n\
| --- | ---: |\n\
| critical | 0 |\n\
| high | 1 |\n\
| medium | 0 |\n\
| low | 1 |\n\
\n\
## Findings\n\
\n\
| # | severity | finding | who | resources | details | suggested fix |\n\
| ---: | --- | --- | --- | --- | --- | --- |\n\
| 1 | high | full rights without 2FA | o\\_wner@example.com | app a\\|b&lt;script&gt;\\* (x\\|1) | 2FA unknown | enable two-factor authentication, or lower the role to one that cannot read data and secrets |\n\
| 2 | low | owner only | - | app a\\|b&lt;script&gt;\\* (x\\|1) | - | invite the people who work on it as collaborators with their own accounts |\n\
\n\
## Rules\n\
\n\
- **full rights without 2FA**: an active owner or collaborator whose role can read data and secrets, with two-factor authentication disabled or unknown.\n\
- **owner only**: a resource whose roster holds nobody but its owner (no collaborator, invitation or deleted account).\n";
    assert_eq!(md, expected);
    // Every table row has the same number of unescaped pipes.
    for line in md
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("owner"))
    {
        let pipes = line.replace("\\|", "").matches('|').count();
        assert_eq!(pipes, 8, "{line}");
    }
}

/// The age of a stale invitation in the largest whole unit: never
/// "pending for 0 days".
#[test]
fn markdown_prints_ages_in_a_sensible_unit() {
    let table = [
        (0, "0 seconds"),
        (1, "1 second"),
        (59, "59 seconds"),
        (60, "1 minute"),
        (150, "2 minutes"),
        (3_600, "1 hour"),
        (5 * 3_600 + 59, "5 hours"),
        (DAY - 1, "23 hours"),
        (DAY, "1 day"),
        (40 * DAY + 3_600, "40 days"),
    ];
    let policy = ReviewPolicy {
        stale_invitation_after: 0,
        ..ReviewPolicy::default()
    };
    for (age, text) in table {
        let r = roster(
            ResourceKind::App,
            "a",
            "a",
            "o@example.com",
            &[(
                "p@example.com",
                R::LimitedCollaborator,
                S::Pending,
                NOW - age,
            )],
        );
        let mut b = DirectoryBuilder::new();
        b.add_roster(&r);
        let dir = b.build(|_| TwoFactor::Enabled).unwrap();
        let report = review(&dir, at(NOW), &policy, &Usage::new());
        assert_eq!(report.findings()[0].detail(), Detail::PendingFor(age));
        let md = report.to_markdown();
        assert!(
            md.contains(&format!("| pending for {text} |")),
            "{age}: {md}"
        );
    }
}

#[test]
fn empty_directory_has_no_findings() {
    let dir = DirectoryBuilder::new()
        .build(|_| TwoFactor::Unknown)
        .unwrap();
    let report = review(&dir, at(0), &ReviewPolicy::default(), &Usage::new());
    assert!(report.findings().is_empty());
    assert!(report.to_markdown().ends_with("No findings.\n"));
}

#[test]
fn every_kind_documents_its_rule() {
    for kind in K::ALL {
        assert!(!kind.rule().is_empty() && !kind.title().is_empty());
        assert!(
            kind.id()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_')
        );
    }
}

#[test]
fn types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<collab_authz::Report<'static>>();
    check::<Usage>();
    check::<ReviewPolicy>();
}
