//! [`review`]: an access review of a [`Directory`] at a time the caller
//! supplies, as typed [`Finding`]s with a [`Severity`] and a suggested
//! [`Fix`], rendered as Markdown.
//!
//! Regular access reviews are the recommended practice for least
//! privilege. Each [`FindingKind`] documents the rule behind it
//! ([`FindingKind::rule`] says it in one sentence, and the Markdown report
//! lists the rules of the findings it holds).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::id::id_enum;
use crate::membership::{Email, MemberStatus, Resource, ResourceId, Timestamp};
use crate::org::directory::{Directory, Entry, TwoFactor};
use crate::rules::matrix::grants;
use crate::rules::permissions::Permissions;
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

id_enum! {
    kind: Severity,
    /// How urgent a finding is. Ordered from least to most urgent. Its id
    /// (`Display`, `FromStr`) is `low`, `medium`, `high` or `critical`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    #[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
    pub enum Severity {
        /// Tidy-up: no access is at stake.
        Low => "low",
        /// Access wider than needed, or a risk the caller cannot rule out.
        Medium => "medium",
        /// Access to data and secrets with a known weakness.
        High => "high",
        /// The owner's account, which can delete and transfer the resource,
        /// with a known weakness.
        Critical => "critical",
    }
}

id_enum! {
    kind: FindingKind,
    /// What a finding is about. Each variant states its rule.
    ///
    /// # Severities
    ///
    /// | kind | severity |
    /// | --- | --- |
    /// | [`FullRightsWithoutTwoFactor`](Self::FullRightsWithoutTwoFactor), owner-level access, 2FA disabled | critical |
    /// | [`FullRightsWithoutTwoFactor`](Self::FullRightsWithoutTwoFactor), owner-level access, 2FA unknown | high |
    /// | [`FullRightsWithoutTwoFactor`](Self::FullRightsWithoutTwoFactor), collaborator, 2FA disabled | high |
    /// | [`FullRightsWithoutTwoFactor`](Self::FullRightsWithoutTwoFactor), collaborator, 2FA unknown | medium |
    /// | [`DeletedAccount`](Self::DeletedAccount) | medium |
    /// | [`LimitedWouldDo`](Self::LimitedWouldDo) | medium |
    /// | [`UnusedAccess`](Self::UnusedAccess) | medium |
    /// | [`StaleInvitation`](Self::StaleInvitation) | low |
    /// | [`ExpiredInvitation`](Self::ExpiredInvitation) | low |
    /// | [`OwnerOnly`](Self::OwnerOnly) | low |
    ///
    /// Owner-level access without confirmed two-factor authentication is at
    /// least high: the owner's account can delete, rename and transfer the
    /// resource, so a status the caller cannot confirm is not given the
    /// benefit of the doubt.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    #[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
    #[non_exhaustive]
    pub enum FindingKind {
        /// **Rule:** an active member (accepted collaborator, or the owner)
        /// whose role can read data and secrets (the role's grants meet
        /// [`Category::DataAndSecrets`](crate::rules::action::Category::DataAndSecrets)) and whose two-factor authentication is
        /// disabled or unknown. Severity, for the person's most privileged
        /// such membership: critical for an owner with 2FA disabled, high for
        /// an owner with 2FA unknown or a collaborator with 2FA disabled,
        /// medium for a collaborator with 2FA unknown. One finding per person,
        /// listing every such resource.
        FullRightsWithoutTwoFactor => "full_rights_without_two_factor",
        /// **Rule:** a pending invitation (not expired) that is at least
        /// [`ReviewPolicy::stale_invitation_after`] seconds old at the review
        /// time (an invitation exactly that old is stale). Severity low: it
        /// grants nothing yet, but whoever holds the link can still accept it.
        StaleInvitation => "stale_invitation",
        /// **Rule:** a pending invitation whose expiry (set by the inviter) is
        /// at or before the review time: it can no longer be accepted.
        /// Severity low.
        ExpiredInvitation => "expired_invitation",
        /// **Rule:** a membership whose account was deleted
        /// (`user_account_deleted`). It grants nothing, but it keeps a role that
        /// a re-created account could be mistaken for; if the role could read
        /// data and secrets, those secrets outlived the account. Severity
        /// medium.
        DeletedAccount => "deleted_account",
        /// **Rule:** a person who holds `collaborator` on at least
        /// [`ReviewPolicy::limited_would_do_min_resources`] apps where the
        /// caller-supplied [`Usage`] is not empty and every action used is one
        /// that `limited_collaborator` holds on an app without condition (a
        /// `yes` cell). An app where the person used an action that a limited
        /// collaborator holds only under a condition (`view_activity_details`
        /// with values redacted, `view_deployment_logs` for deployments younger
        /// than 7 days, `create_review_app` through the SCM integration) does
        /// not count: [`Usage`] does not say whether the condition held, and
        /// lowering the role could break the person's work. Only apps count: a
        /// dedicated database has no limited role. Severity medium.
        LimitedWouldDo => "limited_would_do",
        /// **Rule:** an accepted collaborator whose caller-supplied [`Usage`]
        /// on the resource is recorded and empty: access held and not used.
        /// Severity medium.
        UnusedAccess => "unused_access",
        /// **Rule:** a resource whose roster holds nobody but its owner: no
        /// collaborator in any status (accepted, pending or deleted account).
        /// Everyone who works on it either uses the owner's account (shared
        /// credentials, owner-only actions exposed) or nobody can act when
        /// that one account is lost. Severity low.
        ///
        /// A resource whose other memberships are all pending or deleted
        /// accounts is not flagged, so one resource never gets contradictory
        /// advice: a pending invitation already is the invitation this finding
        /// would suggest (and is flagged itself when stale or expired), and a
        /// deleted account gets its own [`DeletedAccount`](Self::DeletedAccount)
        /// finding (revoke it; if the owner is then alone, the next review
        /// flags the resource).
        OwnerOnly => "owner_only",
    }
}

impl FindingKind {
    /// A short title, as the report's table prints it.
    #[must_use]
    pub const fn title(self) -> &'static str {
        match self {
            FindingKind::FullRightsWithoutTwoFactor => "full rights without 2FA",
            FindingKind::StaleInvitation => "stale invitation",
            FindingKind::ExpiredInvitation => "expired invitation",
            FindingKind::DeletedAccount => "deleted account",
            FindingKind::LimitedWouldDo => "limited collaborator would do",
            FindingKind::UnusedAccess => "unused access",
            FindingKind::OwnerOnly => "owner only",
        }
    }

    /// The rule behind the finding, in one sentence.
    #[must_use]
    pub const fn rule(self) -> &'static str {
        match self {
            FindingKind::FullRightsWithoutTwoFactor => {
                "an active owner or collaborator whose role can read data and secrets, with two-factor authentication disabled or unknown"
            }
            FindingKind::StaleInvitation => {
                "a pending invitation at least as old as the review's stale-invitation age"
            }
            FindingKind::ExpiredInvitation => {
                "a pending invitation whose expiry has passed, which can no longer be accepted"
            }
            FindingKind::DeletedAccount => "a membership whose account was deleted",
            FindingKind::LimitedWouldDo => {
                "a collaborator on many apps whose recorded work a limited collaborator may do without condition"
            }
            FindingKind::UnusedAccess => {
                "an accepted collaborator with no recorded use of the resource"
            }
            FindingKind::OwnerOnly => {
                "a resource whose roster holds nobody but its owner (no collaborator, invitation or deleted account)"
            }
        }
    }
}

/// What the review suggests doing about a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fix {
    /// Turn two-factor authentication on for the account, or else lower
    /// the member to a role that cannot read data and secrets.
    EnableTwoFactor,
    /// Revoke the pending invitation (and invite again if still wanted).
    RevokeInvitation,
    /// Revoke the membership; `rotate_secrets` when the role could read
    /// data and secrets.
    RevokeMembership {
        /// Whether the credentials the role could see should be rotated.
        rotate_secrets: bool,
    },
    /// Change the member's role to this one on the listed resources.
    ChangeRole {
        /// The suggested role.
        to: Role,
    },
    /// Invite the people who work on the resource as collaborators with
    /// their own accounts.
    InviteCollaborators,
}

impl fmt::Display for Fix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fix::EnableTwoFactor => f.write_str(
                "enable two-factor authentication, or lower the role to one that cannot read data and secrets",
            ),
            Fix::RevokeInvitation => {
                f.write_str("revoke the invitation, and invite again if still needed")
            }
            Fix::RevokeMembership {
                rotate_secrets: true,
            } => f.write_str(
                "revoke the membership and rotate the secrets the role could read",
            ),
            Fix::RevokeMembership {
                rotate_secrets: false,
            } => f.write_str("revoke the membership"),
            Fix::ChangeRole { to } => write!(f, "change the role to {}", to.label()),
            Fix::InviteCollaborators => f.write_str(
                "invite the people who work on it as collaborators with their own accounts",
            ),
        }
    }
}

/// One finding of an access review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding<'d> {
    kind: FindingKind,
    severity: Severity,
    email: Option<&'d Email>,
    resources: Vec<&'d Resource>,
    fix: Fix,
    detail: Detail,
}

/// The facts behind a finding that its kind alone does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Detail {
    /// Nothing more.
    None,
    /// The person's two-factor status.
    TwoFactor(TwoFactor),
    /// How long the invitation has been pending, in seconds.
    PendingFor(u64),
    /// When the invitation expired.
    ExpiredAt(Timestamp),
    /// The built-in role the deleted account kept.
    KeptRole(Role),
    /// The custom role's set the deleted account kept (never its base
    /// role, which holds more).
    KeptCustomRole(Permissions),
    /// The actions used, which a limited collaborator holds without
    /// condition.
    Used(Permissions),
}

impl<'d> Finding<'d> {
    /// What the finding is about.
    #[must_use]
    pub fn kind(&self) -> FindingKind {
        self.kind
    }

    /// How urgent it is.
    #[must_use]
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// The person, for findings about a person or a membership.
    #[must_use]
    pub fn email(&self) -> Option<&'d Email> {
        self.email
    }

    /// The resources concerned, in resource order.
    #[must_use]
    pub fn resources(&self) -> &[&'d Resource] {
        &self.resources
    }

    /// What to do about it.
    #[must_use]
    pub fn fix(&self) -> Fix {
        self.fix
    }

    /// The facts behind it.
    #[must_use]
    pub fn detail(&self) -> Detail {
        self.detail
    }
}

/// The thresholds of a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReviewPolicy {
    /// A pending invitation at least this old (seconds) is a
    /// [`FindingKind::StaleInvitation`]. Default: 30 days.
    pub stale_invitation_after: u64,
    /// A person is a [`FindingKind::LimitedWouldDo`] finding when limited
    /// would do on at least this many apps. Default: 3.
    pub limited_would_do_min_resources: usize,
}

impl Default for ReviewPolicy {
    fn default() -> Self {
        Self {
            stale_invitation_after: 30 * 24 * 60 * 60,
            limited_would_do_min_resources: 3,
        }
    }
}

/// What each person used on each resource over the review period, as the
/// caller knows it (from the platform's activity or audit logs). A
/// membership with no entry is "not known", never "unused".
///
/// ```
/// use collab_authz::org::review::Usage;
/// use collab_authz::{Email, Permissions, ResourceId};
///
/// let mut usage = Usage::new();
/// let bob = Email::parse("bob@example.com")?;
/// let app = ResourceId::new("app-1")?;
/// usage.record(&bob, &app, Permissions::RESTART);
/// usage.record(&bob, &app, Permissions::VIEW_LOGS);
/// assert_eq!(usage.get(&bob, &app), Some(Permissions::RESTART | Permissions::VIEW_LOGS));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// Normalized email -> resource -> actions used.
    used: BTreeMap<String, BTreeMap<ResourceId, Permissions>>,
}

impl Usage {
    /// No usage known.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `email` used `actions` on `resource` (added to what
    /// was recorded). Recording the empty set marks the membership as known
    /// and unused.
    pub fn record(&mut self, email: &Email, resource: &ResourceId, actions: Permissions) {
        *self
            .used
            .entry(String::from(email.normalized()))
            .or_default()
            .entry(resource.clone())
            .or_default() |= actions;
    }

    /// What `email` used on `resource`, if known.
    #[must_use]
    pub fn get(&self, email: &Email, resource: &ResourceId) -> Option<Permissions> {
        self.used
            .get(email.normalized())
            .and_then(|per_resource| per_resource.get(resource))
            .copied()
    }

    /// Whether nothing is recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.used.is_empty()
    }
}

/// The result of [`review`]: findings, most severe first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report<'d> {
    findings: Vec<Finding<'d>>,
    at: Timestamp,
    memberships: usize,
    people: usize,
    resources: usize,
}

impl<'d> Report<'d> {
    /// The findings: most severe first, then by kind, person and resource.
    #[must_use]
    pub fn findings(&self) -> &[Finding<'d>] {
        &self.findings
    }

    /// How many findings have `severity`.
    #[must_use]
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// The review time.
    #[must_use]
    pub fn at(&self) -> Timestamp {
        self.at
    }

    /// Writes the report as Markdown: a summary, a table of findings with
    /// their suggested fixes, and the rules of the kinds found. Every text
    /// cell from the directory (emails, names, ids) is escaped.
    ///
    /// # Errors
    /// Only those of `out`.
    pub fn write_markdown(&self, out: &mut impl fmt::Write) -> fmt::Result {
        writeln!(out, "# Access review")?;
        writeln!(out)?;
        writeln!(
            out,
            "Reviewed {} memberships of {} people on {} resources at {} (Unix time).",
            self.memberships, self.people, self.resources, self.at
        )?;
        writeln!(out)?;
        if self.findings.is_empty() {
            writeln!(out, "No findings.")?;
            return Ok(());
        }
        writeln!(out, "| severity | findings |")?;
        writeln!(out, "| --- | ---: |")?;
        for severity in [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
        ] {
            writeln!(out, "| {severity} | {} |", self.count(severity))?;
        }
        writeln!(out)?;
        writeln!(out, "## Findings")?;
        writeln!(out)?;
        writeln!(
            out,
            "| # | severity | finding | who | resources | details | suggested fix |"
        )?;
        writeln!(out, "| ---: | --- | --- | --- | --- | --- | --- |")?;
        for (i, f) in self.findings.iter().enumerate() {
            write!(out, "| {} | {} | {} | ", i + 1, f.severity, f.kind.title())?;
            match f.email {
                Some(email) => escape(out, email.as_str())?,
                None => out.write_str("-")?,
            }
            out.write_str(" | ")?;
            for (j, r) in f.resources.iter().enumerate() {
                if j > 0 {
                    out.write_str(", ")?;
                }
                write!(out, "{} ", r.kind())?;
                escape(out, r.name())?;
                out.write_str(" (")?;
                escape(out, r.id().as_str())?;
                out.write_str(")")?;
            }
            out.write_str(" | ")?;
            match f.detail {
                Detail::None => out.write_str("-")?,
                Detail::TwoFactor(t) => write!(out, "2FA {t}")?,
                Detail::PendingFor(s) => {
                    out.write_str("pending for ")?;
                    write_age(out, s)?;
                }
                Detail::ExpiredAt(t) => write!(out, "expired at {t}")?,
                Detail::KeptRole(role) => write!(out, "kept role {}", role.label())?,
                Detail::KeptCustomRole(p) => {
                    out.write_str("kept a custom role: ")?;
                    escape(out, &alloc::format!("{p}"))?;
                }
                Detail::Used(p) => {
                    out.write_str("used: ")?;
                    escape(out, &alloc::format!("{p}"))?;
                }
            }
            writeln!(out, " | {} |", f.fix)?;
        }
        writeln!(out)?;
        writeln!(out, "## Rules")?;
        writeln!(out)?;
        for kind in FindingKind::ALL {
            if self.findings.iter().any(|f| f.kind == kind) {
                writeln!(out, "- **{}**: {}.", kind.title(), kind.rule())?;
            }
        }
        Ok(())
    }

    /// The report as a Markdown string: see [`Report::write_markdown`].
    #[must_use]
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = self.write_markdown(&mut out);
        out
    }
}

impl fmt::Display for Report<'_> {
    /// The Markdown report.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_markdown(f)
    }
}

/// Writes an age in seconds in the largest unit it holds at least once
/// (seconds, minutes, hours or days), rounded down: `45 seconds`,
/// `1 minute`, `5 hours`, `40 days`.
fn write_age(out: &mut impl fmt::Write, seconds: u64) -> fmt::Result {
    const UNITS: [(u64, &str); 3] = [(86_400, "day"), (3_600, "hour"), (60, "minute")];
    let (n, unit) = UNITS
        .iter()
        .find(|(size, _)| seconds >= *size)
        .map_or((seconds, "second"), |(size, unit)| (seconds / size, *unit));
    let plural = if n == 1 { "" } else { "s" };
    write!(out, "{n} {unit}{plural}")
}

/// Writes `s` with the characters that Markdown or HTML would interpret
/// escaped, so that a crafted name cannot break the table or inject markup.
fn escape(out: &mut impl fmt::Write, s: &str) -> fmt::Result {
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' | '~' => {
                out.write_char('\\')?;
                out.write_char(c)?;
            }
            '<' => out.write_str("&lt;")?,
            '>' => out.write_str("&gt;")?,
            '&' => out.write_str("&amp;")?,
            c if c.is_control() => out.write_char(' ')?,
            c => out.write_char(c)?,
        }
    }
    Ok(())
}

/// Reviews `directory` at `now` (a time the caller supplies) with the
/// thresholds of `policy` and what the caller knows of `usage` (pass
/// `&Usage::new()` when unknown: the usage-based findings are then
/// skipped).
///
/// Linear in the number of memberships (plus `log` lookups in `usage`).
///
/// ```
/// use collab_authz::org::review::{FindingKind, Fix, Severity, Usage};
/// use collab_authz::{
///     review, DirectoryBuilder, Email, Member, MemberId, MemberStatus, Resource, ResourceId,
///     ResourceKind, ReviewPolicy, Role, Roster, Timestamp, TwoFactor,
/// };
/// use collab_authz::membership::MemberParts;
///
/// let owner = Member::new(MemberParts {
///     id: MemberId::new("m1")?, email: Email::parse("ada@example.com")?, username: None,
///     status: MemberStatus::Owner, role: Role::Owner, custom_role: None,
///     invited_at: Timestamp::from_unix_seconds(0), expires_at: None, token: None,
/// })?;
/// let bob = Member::new(MemberParts {
///     id: MemberId::new("m2")?, email: Email::parse("bob@example.com")?, username: None,
///     status: MemberStatus::Accepted, role: Role::Collaborator, custom_role: None,
///     invited_at: Timestamp::from_unix_seconds(0), expires_at: None, token: None,
/// })?;
/// let app = Resource::new(ResourceKind::App, ResourceId::new("app-1")?, "billing")?;
/// let roster = Roster::from_parts(app, owner, [bob])?;
/// let mut builder = DirectoryBuilder::new();
/// builder.add_roster(&roster);
/// let directory = builder.build(|e| {
///     if e.normalized() == "bob@example.com" { TwoFactor::Disabled } else { TwoFactor::Enabled }
/// })?;
///
/// let report = review(&directory, Timestamp::from_unix_seconds(86_400), &ReviewPolicy::default(), &Usage::new());
/// let finding = &report.findings()[0];
/// assert_eq!(finding.kind(), FindingKind::FullRightsWithoutTwoFactor);
/// assert_eq!(finding.severity(), Severity::High);
/// assert_eq!(finding.fix(), Fix::EnableTwoFactor);
/// assert!(report.to_markdown().contains("| 1 | high | full rights without 2FA | bob@example.com |"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn review<'d>(
    directory: &'d Directory<'d>,
    now: Timestamp,
    policy: &ReviewPolicy,
    usage: &Usage,
) -> Report<'d> {
    let mut findings = Vec::new();
    // Only the `yes` cells: a conditional grant may not cover the use.
    let limited_app = grants(Role::LimitedCollaborator, ResourceKind::App).allowed();

    // Per person: 2FA, invitations, deleted accounts, usage.
    for group in directory.by_collaborator().iter() {
        let person = group.person();
        let email = person.email();
        let mut without_2fa: Vec<&'d Resource> = Vec::new();
        let mut owner_without_2fa = false;
        let mut limited_would_do: Vec<&'d Resource> = Vec::new();
        let mut used_union = Permissions::empty();
        for m in group.memberships() {
            let resource = m.resource();
            let kind = resource.kind();
            let status = m.status();
            let role = m.role();
            match status {
                MemberStatus::Owner | MemberStatus::Accepted => {
                    if person.two_factor() != TwoFactor::Enabled
                        && !m.member().secret_actions(kind).is_empty()
                    {
                        without_2fa.push(resource);
                        owner_without_2fa |= role == Role::Owner;
                    }
                    if status == MemberStatus::Accepted {
                        usage_findings(
                            &m,
                            usage,
                            limited_app,
                            &mut findings,
                            &mut limited_would_do,
                            &mut used_union,
                        );
                    }
                }
                MemberStatus::Pending => invitation_findings(&m, now, policy, &mut findings),
                MemberStatus::UserAccountDeleted => findings.push(Finding {
                    kind: FindingKind::DeletedAccount,
                    severity: Severity::Medium,
                    email: Some(m.email()),
                    resources: alloc::vec![resource],
                    fix: Fix::RevokeMembership {
                        rotate_secrets: !m.member().secret_actions(kind).is_empty(),
                    },
                    detail: match m.member().custom_role() {
                        Some(custom) => Detail::KeptCustomRole(custom.permissions()),
                        None => Detail::KeptRole(role),
                    },
                }),
            }
        }
        if !without_2fa.is_empty() {
            // See the severity table of `FindingKind`.
            let severity = match (person.two_factor(), owner_without_2fa) {
                (TwoFactor::Disabled, true) => Severity::Critical,
                (_, true) | (TwoFactor::Disabled, false) => Severity::High,
                (_, false) => Severity::Medium,
            };
            findings.push(Finding {
                kind: FindingKind::FullRightsWithoutTwoFactor,
                severity,
                email: Some(email),
                resources: without_2fa,
                fix: Fix::EnableTwoFactor,
                detail: Detail::TwoFactor(person.two_factor()),
            });
        }
        if !limited_would_do.is_empty()
            && limited_would_do.len() >= policy.limited_would_do_min_resources
        {
            findings.push(Finding {
                kind: FindingKind::LimitedWouldDo,
                severity: Severity::Medium,
                email: Some(email),
                resources: limited_would_do,
                fix: Fix::ChangeRole {
                    to: Role::LimitedCollaborator,
                },
                detail: Detail::Used(used_union),
            });
        }
    }

    // Per resource: owner only.
    for resource in directory.resources_with_only_owner() {
        findings.push(Finding {
            kind: FindingKind::OwnerOnly,
            severity: Severity::Low,
            email: None,
            resources: alloc::vec![resource],
            fix: Fix::InviteCollaborators,
            detail: Detail::None,
        });
    }

    // Most severe first; then kind; then person; then resource order (the
    // order the directory produced, kept by the stable sort).
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.kind.cmp(&b.kind))
            .then(a.email.cmp(&b.email))
    });
    Report {
        findings,
        at: now,
        memberships: directory.len(),
        people: directory.people().len(),
        resources: directory.resources().len(),
    }
}

fn invitation_findings<'d>(
    m: &Entry<'d>,
    now: Timestamp,
    policy: &ReviewPolicy,
    findings: &mut Vec<Finding<'d>>,
) {
    let member = m.member();
    if let Some(expires_at) = member.expires_at() {
        if expires_at <= now {
            findings.push(Finding {
                kind: FindingKind::ExpiredInvitation,
                severity: Severity::Low,
                email: Some(m.email()),
                resources: alloc::vec![m.resource()],
                fix: Fix::RevokeInvitation,
                detail: Detail::ExpiredAt(expires_at),
            });
            return;
        }
    }
    let age = now
        .as_unix_seconds()
        .saturating_sub(member.invited_at().as_unix_seconds());
    if age >= policy.stale_invitation_after {
        findings.push(Finding {
            kind: FindingKind::StaleInvitation,
            severity: Severity::Low,
            email: Some(m.email()),
            resources: alloc::vec![m.resource()],
            fix: Fix::RevokeInvitation,
            detail: Detail::PendingFor(age),
        });
    }
}

fn usage_findings<'d>(
    m: &Entry<'d>,
    usage: &Usage,
    limited_app: Permissions,
    findings: &mut Vec<Finding<'d>>,
    limited_would_do: &mut Vec<&'d Resource>,
    used_union: &mut Permissions,
) {
    if usage.is_empty() {
        return;
    }
    let resource = m.resource();
    let Some(used) = usage.get(m.email(), resource.id()) else {
        return;
    };
    if used.is_empty() {
        findings.push(Finding {
            kind: FindingKind::UnusedAccess,
            severity: Severity::Medium,
            email: Some(m.email()),
            resources: alloc::vec![resource],
            fix: Fix::RevokeMembership {
                rotate_secrets: !m.member().secret_actions(resource.kind()).is_empty(),
            },
            detail: Detail::None,
        });
    } else if resource.kind() == ResourceKind::App && limited_would_do_for(m, limited_app, used) {
        limited_would_do.push(resource);
        *used_union |= used;
    }
}

/// Whether the limited collaborator role would do for `m`'s recorded use
/// `used` on an app: the member's permission set (the built-in role's row
/// or the custom role's set) strictly holds the limited collaborator's,
/// and the use fits in the latter. A collaborator qualifies; a custom
/// role qualifies only when it holds more than a limited collaborator.
fn limited_would_do_for(m: &Entry<'_>, limited_app: Permissions, used: Permissions) -> bool {
    let held = m.member().permissions(ResourceKind::App);
    held != limited_app && held.contains(limited_app) && limited_app.contains(used)
}

#[cfg(feature = "serde")]
crate::id::serde_id::deserialize_by_id!(Severity, FindingKind);
