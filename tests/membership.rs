//! Table-driven tests of the membership lifecycle: every transition row and
//! every refusal of the lifecycle spec, with the roster compared before and
//! after each refused operation.
#![expect(clippy::unwrap_used, clippy::panic, reason = "tests")]
#![expect(clippy::indexing_slicing, reason = "tests index small known vectors")]

use collab_authz::{
    AcceptError, Account, Action, Advisory, ChangeRoleError, Email, Event, EventKind, Invitation,
    InvitationToken, InviteError, LeaveError, Member, MemberId, MemberParts, MemberStatus,
    NotPermitted, ReplayErrorKind, Resource, ResourceId, ResourceKind, RevokeError, Role, Roster,
    RosterError, Timestamp, TransferError, TransferRequest, Username,
};

fn email(s: &str) -> Email {
    s.parse().unwrap()
}

fn t(s: u64) -> Timestamp {
    Timestamp::from_unix_seconds(s)
}

fn token(s: &str) -> InvitationToken {
    InvitationToken::new(s).unwrap()
}

/// `event` with its `seq` replaced (through its stored form: the crate
/// offers no setter), to build streams that reach a given check.
fn reseq(event: &Event, seq: u64) -> Event {
    let mut value = serde_json::to_value(event).unwrap();
    value["seq"] = seq.into();
    serde_json::from_value(value).unwrap()
}

/// The stream renumbered from 1, as a store would after dropping or
/// inserting events.
fn renumber(events: &[Event]) -> Vec<Event> {
    events
        .iter()
        .zip(1..)
        .map(|(e, seq)| reseq(e, seq))
        .collect()
}

const OWNER: &str = "owner@example.com";
const COLLAB: &str = "collab@example.com";
const LIMITED: &str = "limited@example.com";
const PENDING: &str = "pending@example.com";
const PENDING_COLLAB: &str = "pending-collab@example.com";
const STRANGER: &str = "stranger@example.com";

/// A roster built through the operations, with the events they emitted.
struct Fixture {
    roster: Roster,
    events: Vec<Event>,
}

impl Fixture {
    /// owner; collab (accepted collaborator); limited (accepted limited,
    /// apps only); pending (pending, default role, expires at 1000);
    /// pending-collab (pending collaborator).
    fn new(kind: ResourceKind) -> Self {
        let resource = Resource::new(kind, ResourceId::new("res-1").unwrap(), "billing").unwrap();
        let owner = Account {
            id: MemberId::new("m-owner").unwrap(),
            email: email(OWNER),
            username: Some(Username::new("olivia").unwrap()),
        };
        let (roster, created) = Roster::create(resource, owner, t(0));
        let mut f = Fixture {
            roster,
            events: vec![created],
        };
        f.invite_accept(COLLAB, Some(Role::Collaborator), "collab");
        if kind == ResourceKind::App {
            f.invite_accept(LIMITED, Some(Role::LimitedCollaborator), "limited");
        }
        let ev = f
            .roster
            .invite(
                &email(OWNER),
                Invitation::new(
                    MemberId::new("m-pending").unwrap(),
                    email(PENDING),
                    token("tok-pending"),
                )
                .expiring_at(t(1000)),
                t(20),
            )
            .unwrap();
        f.events.push(ev);
        let ev = f
            .roster
            .invite(
                &email(OWNER),
                Invitation::new(
                    MemberId::new("m-pending-collab").unwrap(),
                    email(PENDING_COLLAB),
                    token("tok-pc"),
                )
                .with_role(Role::Collaborator),
                t(21),
            )
            .unwrap();
        f.events.push(ev);
        f
    }

    fn invite_accept(&mut self, who: &str, role: Option<Role>, username: &str) {
        let mut inv = Invitation::new(
            MemberId::new(format!("m-{username}")).unwrap(),
            email(who),
            token(&format!("tok-{username}")),
        );
        if let Some(role) = role {
            inv = inv.with_role(role);
        }
        let ev = self.roster.invite(&email(OWNER), inv, t(10)).unwrap();
        self.events.push(ev);
        let ev = self
            .roster
            .accept(
                &email(who),
                &token(&format!("tok-{username}")),
                Username::new(username).unwrap(),
                t(11),
            )
            .unwrap();
        self.events.push(ev);
    }

    fn assert_replays(&self) {
        assert_eq!(Roster::replay(&self.events).unwrap(), self.roster);
    }
}

fn app() -> Fixture {
    Fixture::new(ResourceKind::App)
}

fn db() -> Fixture {
    Fixture::new(ResourceKind::DedicatedDatabase)
}

/// Runs `op` on a copy, asserts it is refused with `expected` and that the
/// roster did not change.
fn refused<T: std::fmt::Debug, E: PartialEq + std::fmt::Debug>(
    roster: &Roster,
    op: impl FnOnce(&mut Roster) -> Result<T, E>,
    expected: E,
) {
    let mut copy = roster.clone();
    let got = op(&mut copy);
    match got {
        Ok(v) => panic!("expected refusal {expected:?}, got Ok({v:?})"),
        Err(e) => assert_eq!(e, expected),
    }
    assert_eq!(&copy, roster, "a refused operation changed the roster");
}

fn inv(id: &str, who: &str) -> Invitation {
    Invitation::new(MemberId::new(id).unwrap(), email(who), token("tok-new"))
}

// ---------------------------------------------------------------------------
// invite
// ---------------------------------------------------------------------------

#[test]
fn invite_defaults_the_role_per_kind() {
    for (kind, expected) in [
        (ResourceKind::App, Role::LimitedCollaborator),
        (ResourceKind::DedicatedDatabase, Role::Collaborator),
    ] {
        let mut f = Fixture::new(kind);
        let ev = f
            .roster
            .invite(&email(OWNER), inv("m-new", "new@example.com"), t(50))
            .unwrap();
        assert_eq!(ev.kind(), EventKind::Invited);
        assert_eq!(ev.role(), Some(expected));
        assert_eq!(ev.previous_role(), None);
        assert_eq!(ev.actor(), &email(OWNER));
        assert_eq!(ev.at(), t(50));
        assert_eq!(ev.member().email.as_str(), "new@example.com");
        assert_eq!(ev.member().username, None);
        assert_eq!(ev.resource(), &f.roster.resource().to_ref());
        let m = f.roster.get(&email("new@example.com")).unwrap();
        assert_eq!(
            (m.status(), m.role(), m.effective_role()),
            (MemberStatus::Pending, expected, None)
        );
        f.events.push(ev);
        f.assert_replays();
    }
}

#[test]
fn invite_allowed_actors() {
    // (kind, actor, role asked)
    let rows = [
        (ResourceKind::App, OWNER, Some(Role::Collaborator)),
        (ResourceKind::App, OWNER, Some(Role::LimitedCollaborator)),
        (ResourceKind::App, COLLAB, Some(Role::Collaborator)),
        (ResourceKind::App, COLLAB, None),
        (ResourceKind::DedicatedDatabase, OWNER, None),
        (
            ResourceKind::DedicatedDatabase,
            COLLAB,
            Some(Role::Collaborator),
        ),
    ];
    for (kind, actor, role) in rows {
        let mut f = Fixture::new(kind);
        let mut i = inv("m-new", "New@Example.com");
        if let Some(r) = role {
            i = i.with_role(r);
        }
        let ev = f.roster.invite(&email(actor), i, t(50)).unwrap();
        assert_eq!(
            ev.role(),
            Some(role.unwrap_or(kind.default_invitation_role())),
            "{kind} {actor}"
        );
        assert_eq!(ev.actor(), &email(actor));
        // Lookup is case-insensitive; the spelling is kept.
        let m = f.roster.get(&email("new@example.COM")).unwrap();
        assert_eq!(m.email().as_str(), "New@Example.com");
        assert_eq!(
            f.roster.get_by_id(&MemberId::new("m-new").unwrap()),
            Some(m)
        );
    }
}

#[test]
fn invite_refusals() {
    let f = app();
    let r = &f.roster;
    let lacks = |role| {
        InviteError::NotPermitted(NotPermitted::RoleLacks {
            role,
            kind: ResourceKind::App,
            action: Action::InviteCollaborator,
            lowest: Some(Role::Collaborator),
        })
    };
    // Who may not invite.
    refused(
        r,
        |r| r.invite(&email(LIMITED), inv("m-new", "new@example.com"), t(50)),
        lacks(Role::LimitedCollaborator),
    );
    refused(
        r,
        |r| {
            r.invite(
                &email(PENDING_COLLAB),
                inv("m-new", "new@example.com"),
                t(50),
            )
        },
        InviteError::NotPermitted(NotPermitted::Inactive {
            status: MemberStatus::Pending,
        }),
    );
    refused(
        r,
        |r| r.invite(&email(STRANGER), inv("m-new", "new@example.com"), t(50)),
        InviteError::NotPermitted(NotPermitted::Stranger),
    );
    // Which role may not be asked.
    refused(
        r,
        |r| {
            r.invite(
                &email(OWNER),
                inv("m-new", "new@example.com").with_role(Role::Owner),
                t(50),
            )
        },
        InviteError::OwnerRole,
    );
    refused(
        r,
        |r| {
            r.invite(
                &email(COLLAB),
                inv("m-new", "new@example.com").with_role(Role::Owner),
                t(50),
            )
        },
        InviteError::OwnerRole,
    );
    // An email that already has a membership, in any status, any case.
    for (who, status) in [
        ("OWNER@example.com", MemberStatus::Owner),
        (COLLAB, MemberStatus::Accepted),
        ("Limited@Example.Com", MemberStatus::Accepted),
        (PENDING, MemberStatus::Pending),
    ] {
        let existing = r.get(&email(who)).unwrap().email().clone();
        refused(
            r,
            |r| r.invite(&email(OWNER), inv("m-new", who), t(50)),
            InviteError::AlreadyMember {
                email: existing,
                status,
            },
        );
    }
    // A member id already in use.
    refused(
        r,
        |r| r.invite(&email(OWNER), inv("m-collab", "new@example.com"), t(50)),
        InviteError::DuplicateId,
    );
    refused(
        r,
        |r| r.invite(&email(OWNER), inv("m-owner", "new@example.com"), t(50)),
        InviteError::DuplicateId,
    );
}

#[test]
fn invite_refusals_on_a_dedicated_database() {
    let f = db();
    refused(
        &f.roster,
        |r| {
            r.invite(
                &email(OWNER),
                inv("m-new", "new@example.com").with_role(Role::LimitedCollaborator),
                t(50),
            )
        },
        InviteError::RoleNotOnKind {
            role: Role::LimitedCollaborator,
            kind: ResourceKind::DedicatedDatabase,
        },
    );
    // A pending collaborator grants nothing, even on a database.
    refused(
        &f.roster,
        |r| {
            r.invite(
                &email(PENDING_COLLAB),
                inv("m-new", "new@example.com"),
                t(50),
            )
        },
        InviteError::NotPermitted(NotPermitted::Inactive {
            status: MemberStatus::Pending,
        }),
    );
}

#[test]
fn a_deleted_account_grants_nothing() {
    let f = app();
    let mut members: Vec<Member> = f.roster.members().cloned().collect();
    for m in &mut members {
        if m.email() == &email(COLLAB) {
            let mut parts = m.clone().into_parts();
            parts.status = MemberStatus::UserAccountDeleted;
            *m = Member::new(parts).unwrap();
        }
    }
    let roster = Roster::from_parts(
        f.roster.resource().clone(),
        f.roster.owner().clone(),
        members,
    )
    .unwrap();
    assert_eq!(roster.effective_role(&email(COLLAB)), None);
    refused(
        &roster,
        |r| r.invite(&email(COLLAB), inv("m-new", "new@example.com"), t(50)),
        InviteError::NotPermitted(NotPermitted::Inactive {
            status: MemberStatus::UserAccountDeleted,
        }),
    );
    // It can still be removed, and had rights once: rotate secrets.
    let mut roster = roster;
    let ev = roster.revoke(&email(OWNER), &email(COLLAB), t(60)).unwrap();
    assert_eq!(ev.advisory(), Some(Advisory::RotateSecrets));
}

// ---------------------------------------------------------------------------
// accept
// ---------------------------------------------------------------------------

#[test]
fn accept_records_the_username_and_grants_the_role() {
    let mut f = db();
    assert_eq!(f.roster.effective_role(&email(PENDING_COLLAB)), None);
    let ev = f
        .roster
        .accept(
            &email("Pending-Collab@example.com"),
            &token("tok-pc"),
            Username::new("pat").unwrap(),
            t(30),
        )
        .unwrap();
    assert_eq!(ev.kind(), EventKind::Accepted);
    assert_eq!(ev.role(), Some(Role::Collaborator));
    assert_eq!(
        ev.member().username.as_ref().map(Username::as_str),
        Some("pat")
    );
    assert_eq!(ev.actor(), &email(PENDING_COLLAB));
    let m = f.roster.get(&email(PENDING_COLLAB)).unwrap();
    assert_eq!(m.status(), MemberStatus::Accepted);
    assert_eq!(m.username().map(Username::as_str), Some("pat"));
    assert_eq!(
        f.roster.effective_role(&email(PENDING_COLLAB)),
        Some(Role::Collaborator)
    );
    // Accepted, the collaborator may now invite.
    f.events.push(ev);
    let ev = f
        .roster
        .invite(
            &email(PENDING_COLLAB),
            inv("m-new", "new@example.com"),
            t(31),
        )
        .unwrap();
    f.events.push(ev);
    f.assert_replays();
}

#[test]
fn accept_before_the_expiry() {
    let mut f = app();
    f.roster
        .accept(
            &email(PENDING),
            &token("tok-pending"),
            Username::new("p").unwrap(),
            t(999),
        )
        .unwrap();
}

#[test]
fn accept_refusals() {
    let f = app();
    let r = &f.roster;
    let u = || Username::new("x").unwrap();
    refused(
        r,
        |r| r.accept(&email(PENDING), &token("wrong"), u(), t(30)),
        AcceptError::WrongToken,
    );
    refused(
        r,
        |r| r.accept(&email(PENDING), &token("tok-pending"), u(), t(1000)),
        AcceptError::Expired {
            expires_at: t(1000),
        },
    );
    refused(
        r,
        |r| r.accept(&email(PENDING), &token("tok-pending"), u(), t(5000)),
        AcceptError::Expired {
            expires_at: t(1000),
        },
    );
    refused(
        r,
        |r| r.accept(&email(COLLAB), &token("tok-collab"), u(), t(30)),
        AcceptError::NotPending {
            status: MemberStatus::Accepted,
        },
    );
    refused(
        r,
        |r| r.accept(&email(OWNER), &token("tok-pending"), u(), t(30)),
        AcceptError::NotPending {
            status: MemberStatus::Owner,
        },
    );
    refused(
        r,
        |r| r.accept(&email(STRANGER), &token("tok-pending"), u(), t(30)),
        AcceptError::NoInvitation,
    );
    // Someone else's token does not work for the stranger either.
    refused(
        r,
        |r| r.accept(&email(STRANGER), &token("tok-pc"), u(), t(30)),
        AcceptError::NoInvitation,
    );
}

// ---------------------------------------------------------------------------
// change_role
// ---------------------------------------------------------------------------

#[test]
fn change_role_by_those_who_may_manage() {
    // (actor, member, new role)
    let rows = [
        (OWNER, LIMITED, Role::Collaborator),
        (OWNER, COLLAB, Role::LimitedCollaborator),
        (COLLAB, LIMITED, Role::Collaborator),
        (COLLAB, COLLAB, Role::LimitedCollaborator),
        (OWNER, PENDING, Role::Collaborator),
    ];
    for (actor, member, role) in rows {
        let mut f = app();
        let before = f.roster.get(&email(member)).unwrap().role();
        let ev = f
            .roster
            .change_role(&email(actor), &email(member), role, t(40))
            .unwrap();
        assert_eq!(ev.kind(), EventKind::RoleChanged);
        assert_eq!((ev.previous_role(), ev.role()), (Some(before), Some(role)));
        assert_eq!(ev.actor(), &email(actor));
        assert_eq!(f.roster.get(&email(member)).unwrap().role(), role);
        f.events.push(ev);
        f.assert_replays();
    }
}

#[test]
fn change_role_refusals() {
    let f = app();
    let r = &f.roster;
    refused(
        r,
        |r| r.change_role(&email(LIMITED), &email(LIMITED), Role::Collaborator, t(40)),
        ChangeRoleError::NotPermitted(NotPermitted::RoleLacks {
            role: Role::LimitedCollaborator,
            kind: ResourceKind::App,
            action: Action::ChangeCollaboratorRole,
            lowest: Some(Role::Collaborator),
        }),
    );
    refused(
        r,
        |r| r.change_role(&email(STRANGER), &email(LIMITED), Role::Collaborator, t(40)),
        ChangeRoleError::NotPermitted(NotPermitted::Stranger),
    );
    refused(
        r,
        |r| {
            r.change_role(
                &email(PENDING_COLLAB),
                &email(LIMITED),
                Role::Collaborator,
                t(40),
            )
        },
        ChangeRoleError::NotPermitted(NotPermitted::Inactive {
            status: MemberStatus::Pending,
        }),
    );
    refused(
        r,
        |r| r.change_role(&email(OWNER), &email(OWNER), Role::Collaborator, t(40)),
        ChangeRoleError::TargetIsOwner,
    );
    refused(
        r,
        |r| r.change_role(&email(COLLAB), &email(OWNER), Role::Collaborator, t(40)),
        ChangeRoleError::TargetIsOwner,
    );
    refused(
        r,
        |r| r.change_role(&email(OWNER), &email(COLLAB), Role::Owner, t(40)),
        ChangeRoleError::ToOwner,
    );
    refused(
        r,
        |r| r.change_role(&email(COLLAB), &email(LIMITED), Role::Owner, t(40)),
        ChangeRoleError::ToOwner,
    );
    refused(
        r,
        |r| r.change_role(&email(COLLAB), &email(COLLAB), Role::Owner, t(40)),
        ChangeRoleError::ToOwner,
    );
    refused(
        r,
        |r| r.change_role(&email(OWNER), &email(COLLAB), Role::Collaborator, t(40)),
        ChangeRoleError::Unchanged {
            role: Role::Collaborator,
        },
    );
    refused(
        r,
        |r| r.change_role(&email(OWNER), &email(STRANGER), Role::Collaborator, t(40)),
        ChangeRoleError::NoSuchMember,
    );
}

#[test]
fn change_role_to_a_role_the_kind_lacks_is_refused() {
    // On a dedicated database only owner and collaborator exist, and the
    // matrix gives no role `change_collaborator_role` there: every change
    // is refused, the move to limited_collaborator included.
    let f = db();
    for actor in [OWNER, COLLAB] {
        let role = f.roster.effective_role(&email(actor)).unwrap();
        refused(
            &f.roster,
            |r| {
                r.change_role(
                    &email(actor),
                    &email(COLLAB),
                    Role::LimitedCollaborator,
                    t(40),
                )
            },
            ChangeRoleError::NotPermitted(NotPermitted::RoleLacks {
                role,
                kind: ResourceKind::DedicatedDatabase,
                action: Action::ChangeCollaboratorRole,
                lowest: None,
            }),
        );
    }
}

// ---------------------------------------------------------------------------
// revoke and leave
// ---------------------------------------------------------------------------

#[test]
fn revoke_rows_with_their_advisory() {
    // (kind, actor, member, previous role, advisory)
    let rows = [
        (
            ResourceKind::App,
            OWNER,
            COLLAB,
            Role::Collaborator,
            Some(Advisory::RotateSecrets),
        ),
        (
            ResourceKind::App,
            OWNER,
            LIMITED,
            Role::LimitedCollaborator,
            None,
        ),
        (
            ResourceKind::App,
            COLLAB,
            LIMITED,
            Role::LimitedCollaborator,
            None,
        ),
        (
            ResourceKind::App,
            COLLAB,
            COLLAB,
            Role::Collaborator,
            Some(Advisory::RotateSecrets),
        ),
        (
            ResourceKind::App,
            OWNER,
            PENDING,
            Role::LimitedCollaborator,
            None,
        ),
        // A pending invitation never held its rights: nothing to rotate.
        (
            ResourceKind::App,
            OWNER,
            PENDING_COLLAB,
            Role::Collaborator,
            None,
        ),
        (
            ResourceKind::DedicatedDatabase,
            OWNER,
            COLLAB,
            Role::Collaborator,
            Some(Advisory::RotateSecrets),
        ),
        (
            ResourceKind::DedicatedDatabase,
            COLLAB,
            PENDING_COLLAB,
            Role::Collaborator,
            None,
        ),
    ];
    for (kind, actor, member, previous, advisory) in rows {
        let mut f = Fixture::new(kind);
        let id = f.roster.get(&email(member)).unwrap().id().clone();
        let ev = f
            .roster
            .revoke(&email(actor), &email(member), t(60))
            .unwrap();
        assert_eq!(ev.kind(), EventKind::Removed);
        assert_eq!(
            (ev.previous_role(), ev.role()),
            (Some(previous), None),
            "{kind} {member}"
        );
        assert_eq!(ev.advisory(), advisory, "{kind} {member}");
        assert_eq!(ev.actor(), &email(actor));
        assert!(f.roster.get(&email(member)).is_none());
        assert!(f.roster.get_by_id(&id).is_none());
        f.events.push(ev);
        f.assert_replays();
    }
}

#[test]
fn revoke_refusals() {
    let f = app();
    let r = &f.roster;
    refused(
        r,
        |r| r.revoke(&email(LIMITED), &email(PENDING), t(60)),
        RevokeError::NotPermitted(NotPermitted::RoleLacks {
            role: Role::LimitedCollaborator,
            kind: ResourceKind::App,
            action: Action::RevokeCollaborator,
            lowest: Some(Role::Collaborator),
        }),
    );
    refused(
        r,
        |r| r.revoke(&email(STRANGER), &email(LIMITED), t(60)),
        RevokeError::NotPermitted(NotPermitted::Stranger),
    );
    refused(
        r,
        |r| r.revoke(&email(PENDING_COLLAB), &email(LIMITED), t(60)),
        RevokeError::NotPermitted(NotPermitted::Inactive {
            status: MemberStatus::Pending,
        }),
    );
    refused(
        r,
        |r| r.revoke(&email(OWNER), &email(OWNER), t(60)),
        RevokeError::TargetIsOwner,
    );
    refused(
        r,
        |r| r.revoke(&email(COLLAB), &email(OWNER), t(60)),
        RevokeError::TargetIsOwner,
    );
    refused(
        r,
        |r| r.revoke(&email(OWNER), &email(STRANGER), t(60)),
        RevokeError::NoSuchMember,
    );
}

#[test]
fn leave_rows() {
    // (kind, member, advisory)
    let rows = [
        (ResourceKind::App, LIMITED, None),
        (ResourceKind::App, COLLAB, Some(Advisory::RotateSecrets)),
        (ResourceKind::App, PENDING, None),
        (
            ResourceKind::DedicatedDatabase,
            COLLAB,
            Some(Advisory::RotateSecrets),
        ),
        (ResourceKind::DedicatedDatabase, PENDING_COLLAB, None),
    ];
    for (kind, member, advisory) in rows {
        let mut f = Fixture::new(kind);
        let ev = f.roster.leave(&email(member), t(70)).unwrap();
        assert_eq!(ev.kind(), EventKind::Removed);
        assert_eq!(ev.actor(), &email(member));
        assert_eq!(ev.advisory(), advisory);
        assert!(f.roster.get(&email(member)).is_none());
        f.events.push(ev);
        f.assert_replays();
    }
}

#[test]
fn leave_refusals() {
    let f = app();
    refused(
        &f.roster,
        |r| r.leave(&email(OWNER), t(70)),
        LeaveError::Owner,
    );
    refused(
        &f.roster,
        |r| r.leave(&email(STRANGER), t(70)),
        LeaveError::NotAMember,
    );
}

// ---------------------------------------------------------------------------
// ownership transfer
// ---------------------------------------------------------------------------

impl Fixture {
    /// Applies `op` and records its event.
    fn push(&mut self, op: impl FnOnce(&mut Roster) -> Event) {
        let ev = op(&mut self.roster);
        self.events.push(ev);
    }

    /// The owner asks `to`; returns the pending request.
    fn request(&mut self, to: &str, at: u64) -> TransferRequest {
        self.push(|r| {
            r.request_transfer(&email(OWNER), &email(to), t(at))
                .unwrap()
        });
        self.roster.pending_transfer().unwrap().clone()
    }
}

#[test]
fn transfer_request_accept() {
    for kind in [ResourceKind::App, ResourceKind::DedicatedDatabase] {
        let mut f = Fixture::new(kind);
        let before = f.roster.clone();
        let ev = f
            .roster
            .request_transfer(&email(OWNER), &email(COLLAB), t(80))
            .unwrap();
        assert_eq!(ev.kind(), EventKind::TransferRequested);
        assert_eq!(
            (ev.member().email.clone(), ev.actor().clone()),
            (email(COLLAB), email(OWNER))
        );
        assert_eq!(
            (ev.role(), ev.previous_role(), ev.advisory()),
            (None, None, None)
        );
        f.events.push(ev);
        f.assert_replays();
        // Only the pending transfer changed.
        assert_ne!(f.roster, before);
        assert!(f.roster.iter().eq(before.iter()));
        let request = f.roster.pending_transfer().unwrap().clone();
        assert_eq!(
            (request.from(), request.to(), request.requested_at()),
            (&email(OWNER), &email(COLLAB), t(80))
        );
        let [promoted, demoted] = f
            .roster
            .accept_transfer(&email(COLLAB), &request, t(90))
            .unwrap();
        assert_eq!(f.roster.pending_transfer(), None);
        assert_eq!(promoted.kind(), EventKind::RoleChanged);
        assert_eq!(promoted.member().email, email(COLLAB));
        assert_eq!(
            (promoted.previous_role(), promoted.role()),
            (Some(Role::Collaborator), Some(Role::Owner))
        );
        assert_eq!(demoted.member().email, email(OWNER));
        assert_eq!(
            (demoted.previous_role(), demoted.role()),
            (Some(Role::Owner), Some(Role::Collaborator))
        );
        assert_eq!(promoted.actor(), &email(COLLAB));
        assert_eq!(f.roster.owner().email(), &email(COLLAB));
        assert_eq!(f.roster.owner().status(), MemberStatus::Owner);
        let old = f.roster.get(&email(OWNER)).unwrap();
        assert_eq!(
            (old.status(), old.role()),
            (MemberStatus::Accepted, Role::Collaborator)
        );
        assert_eq!(
            f.roster.iter().filter(|m| m.role() == Role::Owner).count(),
            1
        );
        // The ids still resolve.
        assert_eq!(
            f.roster
                .get_by_id(&MemberId::new("m-owner").unwrap())
                .unwrap()
                .email(),
            &email(OWNER)
        );
        assert_eq!(
            f.roster.get_by_id(&MemberId::new("m-collab").unwrap()),
            Some(f.roster.owner())
        );
        f.events.extend([promoted, demoted]);
        f.assert_replays();
        // The previous owner may no longer transfer; the new one may.
        assert!(
            f.roster
                .clone()
                .request_transfer(&email(OWNER), &email(COLLAB), t(95))
                .is_err()
        );
        assert!(
            f.roster
                .clone()
                .request_transfer(&email(COLLAB), &email(OWNER), t(95))
                .is_ok()
        );
    }
}

#[test]
fn transfer_request_refusals() {
    let f = app();
    let r = &f.roster;
    let lacks = |role| {
        TransferError::NotPermitted(NotPermitted::RoleLacks {
            role,
            kind: ResourceKind::App,
            action: Action::TransferOwnership,
            lowest: Some(Role::Owner),
        })
    };
    refused(
        r,
        |r| r.request_transfer(&email(COLLAB), &email(COLLAB), t(80)),
        lacks(Role::Collaborator),
    );
    refused(
        r,
        |r| r.request_transfer(&email(LIMITED), &email(COLLAB), t(80)),
        lacks(Role::LimitedCollaborator),
    );
    refused(
        r,
        |r| r.request_transfer(&email(STRANGER), &email(COLLAB), t(80)),
        TransferError::NotPermitted(NotPermitted::Stranger),
    );
    for (to, status, role) in [
        (LIMITED, MemberStatus::Accepted, Role::LimitedCollaborator),
        (PENDING_COLLAB, MemberStatus::Pending, Role::Collaborator),
        (OWNER, MemberStatus::Owner, Role::Owner),
    ] {
        refused(
            r,
            |r| r.request_transfer(&email(OWNER), &email(to), t(80)),
            TransferError::NotAcceptedCollaborator { status, role },
        );
    }
    refused(
        r,
        |r| r.request_transfer(&email(OWNER), &email(STRANGER), t(80)),
        TransferError::NoSuchMember,
    );
    // A second request while one is pending is refused, not a replacement,
    // to the same target or another.
    let mut f = app();
    f.invite_accept("second@example.com", Some(Role::Collaborator), "second");
    let pending = f.request(COLLAB, 80);
    for to in [COLLAB, "second@example.com"] {
        refused(
            &f.roster,
            |r| r.request_transfer(&email(OWNER), &email(to), t(81)),
            TransferError::AlreadyPending,
        );
    }
    assert_eq!(f.roster.pending_transfer(), Some(&pending));
}

#[test]
fn transfer_accept_refusals() {
    let mut f = app();
    // Nothing pending yet: any request, even one built by deserializing,
    // is refused.
    let forged: TransferRequest = serde_json::from_str(
        r#"{"resource":"res-1","from":"owner@example.com","to":"collab@example.com","requested_at":80}"#,
    )
    .unwrap();
    refused(
        &f.roster,
        |r| r.accept_transfer(&email(COLLAB), &forged, t(90)),
        TransferError::NoPending,
    );
    let request = f.request(COLLAB, 80);
    assert_eq!(request, forged, "the forged value names the real request");
    // Only the target accepts.
    for actor in [OWNER, LIMITED, STRANGER, PENDING] {
        refused(
            &f.roster,
            |r| r.accept_transfer(&email(actor), &request, t(90)),
            TransferError::NotTarget,
        );
    }
    // A request that is not the pending one: another time, another
    // target, another owner.
    let other = |json: &str| serde_json::from_str::<TransferRequest>(json).unwrap();
    for json in [
        r#"{"resource":"res-1","from":"owner@example.com","to":"collab@example.com","requested_at":79}"#,
        r#"{"resource":"res-1","from":"owner@example.com","to":"limited@example.com","requested_at":80}"#,
        r#"{"resource":"res-1","from":"collab@example.com","to":"collab@example.com","requested_at":80}"#,
    ] {
        refused(
            &f.roster,
            |r| r.accept_transfer(&email(COLLAB), &other(json), t(90)),
            TransferError::NotPending,
        );
    }
    // The request is for another resource.
    let other_resource = Resource::new(
        ResourceKind::App,
        ResourceId::new("res-2").unwrap(),
        "other",
    )
    .unwrap();
    let (elsewhere, _) = Roster::create(other_resource, f.roster.owner().account(), t(0));
    refused(
        &elsewhere,
        |x| x.accept_transfer(&email(COLLAB), &request, t(90)),
        TransferError::WrongResource,
    );
    // Accepted once; the same request again is refused.
    let mut moved = f.roster.clone();
    moved
        .accept_transfer(&email(COLLAB), &request, t(90))
        .unwrap();
    refused(
        &moved,
        |x| x.accept_transfer(&email(COLLAB), &request, t(91)),
        TransferError::NoPending,
    );
}

#[test]
fn a_cancelled_transfer_cannot_be_accepted() {
    for canceller in [OWNER, COLLAB] {
        let mut f = app();
        let request = f.request(COLLAB, 80);
        for actor in [LIMITED, STRANGER, PENDING] {
            refused(
                &f.roster,
                |r| r.cancel_transfer(&email(actor), t(85)),
                TransferError::NotParty,
            );
        }
        let ev = f.roster.cancel_transfer(&email(canceller), t(85)).unwrap();
        assert_eq!(ev.kind(), EventKind::TransferCancelled);
        assert_eq!(
            (ev.member().email.clone(), ev.actor().clone()),
            (email(COLLAB), email(canceller))
        );
        f.events.push(ev);
        f.assert_replays();
        assert_eq!(f.roster.pending_transfer(), None);
        refused(
            &f.roster,
            |r| r.accept_transfer(&email(COLLAB), &request, t(90)),
            TransferError::NoPending,
        );
        refused(
            &f.roster,
            |r| r.cancel_transfer(&email(OWNER), t(90)),
            TransferError::NoPending,
        );
        // Asking again makes a new pending request, which does work.
        let again = f.request(COLLAB, 95);
        assert_ne!(again, request);
        refused(
            &f.roster,
            |r| r.accept_transfer(&email(COLLAB), &request, t(96)),
            TransferError::NotPending,
        );
        f.push(|r| {
            let [a, b] = r.accept_transfer(&email(COLLAB), &again, t(96)).unwrap();
            assert_eq!(a.member().email, email(COLLAB));
            b
        });
        assert_eq!(f.roster.owner().email(), &email(COLLAB));
    }
}

/// Changes after which a pending owner -> collab request can no longer be
/// completed drop it, live and in replay alike.
#[test]
fn stale_transfers_are_dropped() {
    type Change = fn(&mut Fixture);
    let rows: [(&str, Change); 6] = [
        ("target revoked", |f| {
            f.push(|r| r.revoke(&email(OWNER), &email(COLLAB), t(85)).unwrap());
        }),
        ("target left", |f| {
            f.push(|r| r.leave(&email(COLLAB), t(85)).unwrap());
        }),
        ("target left and was invited again", |f| {
            f.push(|r| r.leave(&email(COLLAB), t(85)).unwrap());
            f.push(|r| {
                let inv = Invitation::new(
                    MemberId::new("m-again").unwrap(),
                    email(COLLAB),
                    token("tok-again"),
                )
                .with_role(Role::Collaborator);
                r.invite(&email(OWNER), inv, t(86)).unwrap()
            });
            f.push(|r| {
                r.accept(
                    &email(COLLAB),
                    &token("tok-again"),
                    Username::new("collab").unwrap(),
                    t(87),
                )
                .unwrap()
            });
        }),
        ("target demoted and promoted again", |f| {
            for (role, at) in [(Role::LimitedCollaborator, 85), (Role::Collaborator, 86)] {
                f.push(|r| {
                    r.change_role(&email(OWNER), &email(COLLAB), role, t(at))
                        .unwrap()
                });
            }
        }),
        ("target's account deleted", |f| {
            f.push(|r| r.account_deleted(&email(COLLAB), t(85)).unwrap());
        }),
        ("ownership went to another and came back", |f| {
            f.push(|r| r.cancel_transfer(&email(OWNER), t(84)).unwrap());
            f.invite_accept("second@example.com", Some(Role::Collaborator), "second");
            for (from, to, at) in [
                (OWNER, "second@example.com", 85),
                ("second@example.com", OWNER, 87),
            ] {
                f.push(|r| r.request_transfer(&email(from), &email(to), t(at)).unwrap());
                let req = f.roster.pending_transfer().unwrap().clone();
                let [a, b] = f
                    .roster
                    .accept_transfer(&email(to), &req, t(at + 1))
                    .unwrap();
                f.events.extend([a, b]);
            }
        }),
    ];
    for (what, change) in rows {
        let mut f = app();
        let request = f.request(COLLAB, 80);
        change(&mut f);
        assert_eq!(f.roster.owner().email(), &email(OWNER), "{what}");
        assert_eq!(f.roster.pending_transfer(), None, "{what}");
        let got = f
            .roster
            .clone()
            .accept_transfer(&email(COLLAB), &request, t(100))
            .unwrap_err();
        assert!(
            matches!(got, TransferError::NoPending),
            "{what}: the stale request was accepted or refused oddly: {got:?}"
        );
        f.assert_replays();
        // The owner may ask again.
        if f.roster
            .get(&email(COLLAB))
            .is_some_and(|m| m.status() == MemberStatus::Accepted && m.role() == Role::Collaborator)
        {
            f.request(COLLAB, 101);
            f.assert_replays();
        }
    }
    // A change that leaves the request valid keeps it.
    let mut f = app();
    let request = f.request(COLLAB, 80);
    f.push(|r| r.revoke(&email(OWNER), &email(LIMITED), t(85)).unwrap());
    assert_eq!(f.roster.pending_transfer(), Some(&request));
    f.assert_replays();
}

#[test]
fn transfer_refusal_messages_read_well() {
    for (status, role, says) in [
        (
            MemberStatus::Owner,
            Role::Owner,
            "they are the owner already",
        ),
        (
            MemberStatus::Pending,
            Role::Collaborator,
            "their invitation is still pending",
        ),
        (
            MemberStatus::Accepted,
            Role::LimitedCollaborator,
            "they hold the limited_collaborator role",
        ),
        (
            MemberStatus::UserAccountDeleted,
            Role::Collaborator,
            "their account was deleted",
        ),
    ] {
        let msg = TransferError::NotAcceptedCollaborator { status, role }.to_string();
        assert_eq!(
            msg,
            format!("the target must be an accepted collaborator; {says}")
        );
    }
}

// ---------------------------------------------------------------------------
// replay
// ---------------------------------------------------------------------------

#[test]
fn replay_rebuilds_the_fixtures() {
    app().assert_replays();
    db().assert_replays();
}

#[test]
fn replay_rejects_inconsistent_streams() {
    let f = app();
    let kind_of = |events: &[Event]| Roster::replay(events).unwrap_err();

    let err = kind_of(&[]);
    assert_eq!((err.index(), err.reason()), (0, &ReplayErrorKind::Empty));

    // Not starting with roster_created.
    let err = kind_of(&f.events[1..]);
    assert_eq!(
        err.reason(),
        &ReplayErrorKind::NotCreatedFirst(EventKind::Invited)
    );

    // Two owners: a second roster_created. It is event 1 by definition,
    // so after event 1 it is an overlap; with any other seq it is not an
    // event at all.
    let mut two = f.events.clone();
    two.push(f.events[0].clone());
    let err = kind_of(&two);
    assert_eq!(
        (err.index(), err.reason()),
        (
            two.len() - 1,
            &ReplayErrorKind::Overlap {
                expected: two.len() as u64,
                found: 1
            }
        )
    );
    let mut value = serde_json::to_value(&f.events[0]).unwrap();
    value["seq"] = (two.len() as u64).into();
    assert!(serde_json::from_value::<Event>(value).is_err());
    // A roster_created offered to a live roster: event 1 is always behind
    // it, so an overlap, and nothing changes.
    let mut g = app();
    let created_again = Event::new(collab_authz::EventParts {
        seq: 1,
        kind: EventKind::RosterCreated,
        resource: g.roster.resource().to_ref(),
        name: Some("billing".into()),
        member: g.roster.owner().account(),
        role: Some(Role::Owner),
        previous_role: None,
        actor: email(OWNER),
        at: t(0),
        expires_at: None,
        token_digest: None,
        advisory: None,
    })
    .unwrap();
    let before = g.roster.clone();
    assert_eq!(
        g.roster.apply(&created_again),
        Err(ReplayErrorKind::Overlap {
            expected: before.version() + 1,
            found: 1
        })
    );
    assert_eq!(g.roster, before);

    // Accept without invite: drop the collaborator's invitation.
    let mut no_invite = f.events.clone();
    assert_eq!(no_invite[1].kind(), EventKind::Invited);
    no_invite.remove(1);
    let no_invite = renumber(&no_invite);
    let err = kind_of(&no_invite);
    assert_eq!(
        (err.index(), err.reason()),
        (1, &ReplayErrorKind::Accept(AcceptError::NoInvitation))
    );

    // Accept twice.
    let mut twice = f.events.clone();
    twice.push(reseq(&f.events[2], twice.len() as u64 + 1));
    let err = kind_of(&twice);
    assert_eq!(
        err.reason(),
        &ReplayErrorKind::Accept(AcceptError::NotPending {
            status: MemberStatus::Accepted
        })
    );

    // A transfer cut in half: two owners.
    let mut g = app();
    let request = g.request(COLLAB, 80);
    let [promoted, demoted] = g
        .roster
        .accept_transfer(&email(COLLAB), &request, t(90))
        .unwrap();
    let mut half = g.events.clone();
    half.push(promoted.clone());
    let err = kind_of(&half);
    assert_eq!(err.reason(), &ReplayErrorKind::UnpairedTransfer);
    let mut other_half = g.events.clone();
    other_half.push(reseq(&demoted, other_half.len() as u64 + 1));
    assert_eq!(
        kind_of(&other_half).reason(),
        &ReplayErrorKind::UnpairedTransfer
    );
    let mut full = g.events.clone();
    full.extend([promoted, demoted]);
    assert_eq!(Roster::replay(&full).unwrap(), g.roster);

    // An event about another resource.
    let other = Fixture::new(ResourceKind::DedicatedDatabase);
    let mut mixed = f.events.clone();
    mixed.push(reseq(&other.events[1], mixed.len() as u64 + 1));
    assert_eq!(kind_of(&mixed).reason(), &ReplayErrorKind::OtherResource);

    // An event whose actor could not have done it: the limited
    // collaborator "revoking" the collaborator.
    let ev = app()
        .roster
        .clone()
        .revoke(&email(OWNER), &email(COLLAB), t(60))
        .unwrap();
    let json = serde_json::to_string(&ev).unwrap().replace(OWNER, LIMITED);
    let mut forged2 = f.events.clone();
    forged2.push(serde_json::from_str(&json).unwrap());
    assert!(matches!(
        kind_of(&forged2).reason(),
        ReplayErrorKind::Revoke(RevokeError::NotPermitted(_))
    ));

    // A mismatching event: the advisory was dropped.
    let mut g = app();
    let ev = g
        .roster
        .revoke(&email(OWNER), &email(COLLAB), t(60))
        .unwrap();
    let json = serde_json::to_string(&ev)
        .unwrap()
        .replace(",\"advisory\":\"rotate_secrets\"", "");
    assert_ne!(json, serde_json::to_string(&ev).unwrap());
    let mut tampered = g.events.clone();
    tampered.push(serde_json::from_str(&json).unwrap());
    assert_eq!(kind_of(&tampered).reason(), &ReplayErrorKind::Mismatch);
}

// ---------------------------------------------------------------------------
// snapshots
// ---------------------------------------------------------------------------

#[test]
fn roster_snapshots_round_trip() {
    for f in [app(), db()] {
        let json = serde_json::to_string(&f.roster).unwrap();
        let back: Roster = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f.roster);
    }
}

#[test]
fn from_parts_checks_every_invariant() {
    let f = app();
    let owner = f.roster.owner().clone();
    let resource = f.roster.resource().clone();
    let members: Vec<Member> = f.roster.members().cloned().collect();
    let collab = f.roster.get(&email(COLLAB)).unwrap().clone();

    // Owner not an owner.
    assert_eq!(
        Roster::from_parts(resource.clone(), collab.clone(), Vec::new()),
        Err(RosterError::OwnerNotOwner)
    );
    // A second owner.
    let mut second = owner.clone().into_parts();
    second.email = email("second@example.com");
    second.id = MemberId::new("m-second").unwrap();
    let second = Member::new(second).unwrap();
    assert_eq!(
        Roster::from_parts(resource.clone(), owner.clone(), [second]),
        Err(RosterError::SecondOwner(email("second@example.com")))
    );
    // A duplicate email, compared case-insensitively, owner's included.
    let mut dup = collab.clone().into_parts();
    dup.email = email("COLLAB@example.com");
    dup.id = MemberId::new("m-dup").unwrap();
    let dup = Member::new(dup).unwrap();
    let mut with_dup = members.clone();
    with_dup.push(dup);
    assert!(matches!(
        Roster::from_parts(resource.clone(), owner.clone(), with_dup),
        Err(RosterError::DuplicateEmail(_))
    ));
    let mut owner_dup = collab.clone().into_parts();
    owner_dup.email = email("Owner@Example.com");
    assert!(matches!(
        Roster::from_parts(
            resource.clone(),
            owner.clone(),
            [Member::new(owner_dup).unwrap()]
        ),
        Err(RosterError::DuplicateEmail(_))
    ));
    // A duplicate id.
    let mut dup_id = collab.clone().into_parts();
    dup_id.email = email("other@example.com");
    let mut with_dup_id = members.clone();
    with_dup_id.push(Member::new(dup_id).unwrap());
    assert!(matches!(
        Roster::from_parts(resource.clone(), owner.clone(), with_dup_id),
        Err(RosterError::DuplicateId(_))
    ));
    // A limited collaborator on a dedicated database.
    let db_resource = Resource::new(
        ResourceKind::DedicatedDatabase,
        ResourceId::new("db").unwrap(),
        "db",
    )
    .unwrap();
    let limited = f.roster.get(&email(LIMITED)).unwrap().clone();
    assert_eq!(
        Roster::from_parts(db_resource, owner.clone(), [limited]),
        Err(RosterError::RoleNotOnKind {
            email: email(LIMITED),
            role: Role::LimitedCollaborator,
            kind: ResourceKind::DedicatedDatabase
        })
    );
    // And the valid parts build the same roster (at version 1, as if just
    // created; placed at the live roster's version, equal).
    let rebuilt = Roster::from_parts(resource, owner, members).unwrap();
    assert_eq!(rebuilt.version(), 1);
    assert_eq!(rebuilt.clone().with_version(0).version(), 1);
    assert_eq!(rebuilt.with_version(f.roster.version()), f.roster);
}

#[test]
fn member_rules() {
    let base = MemberParts {
        id: MemberId::new("m").unwrap(),
        email: email("a@example.com"),
        username: None,
        status: MemberStatus::Accepted,
        role: Role::Owner,
        invited_at: t(0),
        expires_at: None,
        token: None,
    };
    assert!(
        Member::new(base.clone()).is_err(),
        "accepted with role owner"
    );
    assert!(
        Member::new(MemberParts {
            status: MemberStatus::Owner,
            role: Role::Collaborator,
            ..base.clone()
        })
        .is_err()
    );
    assert!(
        Member::new(MemberParts {
            role: Role::Collaborator,
            token: Some(token("x").digest()),
            ..base.clone()
        })
        .is_err(),
        "a token on an accepted membership"
    );
    assert!(
        Member::new(MemberParts {
            status: MemberStatus::Owner,
            ..base.clone()
        })
        .is_ok()
    );
    assert!(
        Member::new(MemberParts {
            status: MemberStatus::Pending,
            role: Role::Collaborator,
            token: Some(token("x").digest()),
            ..base
        })
        .is_ok()
    );
}

// ---------------------------------------------------------------------------
// values
// ---------------------------------------------------------------------------

#[test]
fn emails_compare_case_insensitively_and_keep_their_spelling() {
    use std::collections::HashSet;
    let a = email("Ada.Lovelace@Example.COM");
    let b = email("ada.lovelace@example.com");
    assert_eq!(a, b);
    assert_eq!(a.cmp(&b), std::cmp::Ordering::Equal);
    assert_eq!(HashSet::from([a.clone(), b.clone()]).len(), 1);
    assert_eq!(a.to_string(), "Ada.Lovelace@Example.COM");
    assert_eq!(b.as_str(), "ada.lovelace@example.com");
    assert_ne!(a, email("ada@example.com"));
}

#[test]
fn malformed_emails_are_refused_with_a_reason() {
    use collab_authz::EmailError as E;
    let rows = [
        ("", E::Empty),
        ("   ", E::Empty),
        ("ada", E::At),
        ("a@b@c.com", E::At),
        ("@example.com", E::EmptyLocalPart),
        ("ada@", E::InvalidDomain),
        ("ada@.com", E::InvalidDomain),
        ("ada@example..com", E::InvalidDomain),
        ("ada@example.com.", E::InvalidDomain),
        ("ada lovelace@example.com", E::InvalidCharacter),
        ("ada@exa\u{7}mple.com", E::InvalidCharacter),
    ];
    for (s, expected) in rows {
        assert_eq!(s.parse::<Email>(), Err(expected), "{s:?}");
    }
    let long = format!("{}@example.com", "a".repeat(250));
    assert_eq!(long.parse::<Email>(), Err(E::TooLong));
    assert_eq!(E::Empty.to_string(), "email is empty");
}

#[test]
fn refusals_explain_themselves() {
    let f = app();
    let err = f
        .roster
        .clone()
        .change_role(&email(LIMITED), &email(LIMITED), Role::Collaborator, t(1))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "not permitted: limited_collaborator may not change_collaborator_role on this app (it needs the collaborator role or higher)"
    );
    let err = db()
        .roster
        .change_role(&email(OWNER), &email(COLLAB), Role::Collaborator, t(1))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "not permitted: owner may not change_collaborator_role on this dedicated database (no role may do that on a dedicated database)"
    );
    let err = f
        .roster
        .clone()
        .invite(&email(PENDING), inv("m-x", "x@example.com"), t(1))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "not permitted: the actor's membership is pending, which grants nothing"
    );
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync + Unpin>() {}
    use collab_authz::api;
    check::<Email>();
    check::<collab_authz::EmailError>();
    check::<Timestamp>();
    check::<MemberId>();
    check::<ResourceId>();
    check::<InvitationToken>();
    check::<Username>();
    check::<collab_authz::IdentifierError>();
    check::<Resource>();
    check::<MemberStatus>();
    check::<Member>();
    check::<MemberParts>();
    check::<collab_authz::MemberError>();
    check::<Account>();
    check::<Roster>();
    check::<collab_authz::Members<'static>>();
    check::<Invitation>();
    check::<Event>();
    check::<EventKind>();
    check::<collab_authz::EventParts>();
    check::<collab_authz::EventError>();
    check::<Advisory>();
    check::<collab_authz::TransferRequest>();
    check::<NotPermitted>();
    check::<InviteError>();
    check::<AcceptError>();
    check::<ChangeRoleError>();
    check::<RevokeError>();
    check::<LeaveError>();
    check::<TransferError>();
    check::<collab_authz::AccountDeletedError>();
    check::<collab_authz::TransferRequest>();
    check::<RosterError>();
    check::<collab_authz::ReplayError>();
    check::<ReplayErrorKind>();
    check::<api::ApiCollaborator>();
    check::<api::ApiStatus>();
    check::<api::ApiError>();
    check::<api::CollaboratorList>();
    check::<api::CollaboratorResponse>();
    check::<api::CollaboratorsPayload>();
    check::<api::ApiEvent>();
}

mod ordering {
    //! Emails and ids compare through an inline prefix first; the order
    //! must be exactly the string order.
    use collab_authz::{Email, MemberId};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn email_order_is_the_normalized_string_order(
            a in "[a-zA-Z0-9._%+-]{1,24}@[a-z]{1,8}\\.[a-z]{2,3}",
            b in "[a-zA-Z0-9._%+-]{1,24}@[a-z]{1,8}\\.[a-z]{2,3}",
        ) {
            let (x, y): (Email, Email) = (a.parse().unwrap(), b.parse().unwrap());
            prop_assert_eq!(x.cmp(&y), x.normalized().cmp(y.normalized()));
            prop_assert_eq!(x == y, a.to_lowercase() == b.to_lowercase());
        }

        #[test]
        fn id_order_is_the_string_order(a in "\\PC{1,40}", b in "\\PC{1,40}") {
            // `\PC` holds spaces other than U+0020 and invisible
            // characters outside `Cf`, which identifiers refuse.
            let (Ok(x), Ok(y)) = (MemberId::new(a.clone()), MemberId::new(b.clone())) else {
                return Err(TestCaseError::reject("not an identifier"));
            };
            prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            prop_assert_eq!(x == y, a == b);
        }
    }

    #[test]
    fn shared_prefixes_fall_back_to_the_strings() {
        let a: Email = "averylongprefix-0001@example.com".parse().unwrap();
        let b: Email = "averylongprefix-0001@example.org".parse().unwrap();
        let c: Email = "AveryLongPrefix-0001@Example.com".parse().unwrap();
        assert!(a < b);
        assert_eq!(a, c);
        let short: Email = "a@b.c".parse().unwrap();
        let longer: Email = "a@b.cd".parse().unwrap();
        assert!(short < longer);
    }
}

// ---------------------------------------------------------------------------
// the rotate-secrets advisory
// ---------------------------------------------------------------------------

#[test]
fn demoting_then_removing_still_advises_rotation() {
    // The dodge: demote a collaborator to limited, then revoke (or let
    // them leave).
    for leave in [false, true] {
        let mut f = app();
        assert!(f.roster.held_secret_access(&email(COLLAB)));
        let demoted = f
            .roster
            .change_role(
                &email(OWNER),
                &email(COLLAB),
                Role::LimitedCollaborator,
                t(50),
            )
            .unwrap();
        // The demotion itself takes data_and_secrets actions away.
        assert_eq!(demoted.advisory(), Some(Advisory::RotateSecrets));
        f.events.push(demoted);
        assert!(f.roster.held_secret_access(&email(COLLAB)));
        f.assert_replays();
        let removed = if leave {
            f.roster.leave(&email(COLLAB), t(60)).unwrap()
        } else {
            f.roster
                .revoke(&email(OWNER), &email(COLLAB), t(60))
                .unwrap()
        };
        assert_eq!(removed.advisory(), Some(Advisory::RotateSecrets));
        f.events.push(removed);
        f.assert_replays();
        assert!(!f.roster.held_secret_access(&email(COLLAB)));
    }
}

#[test]
fn role_change_advisories_follow_the_matrix() {
    // (from, to, advisory) on an app, written from the spec: a collaborator
    // can read environment variable values, backups, connection details
    // (data_and_secrets); a limited collaborator cannot.
    for (from, to, expected) in [
        (
            Role::Collaborator,
            Role::LimitedCollaborator,
            Some(Advisory::RotateSecrets),
        ),
        (Role::LimitedCollaborator, Role::Collaborator, None),
    ] {
        let mut f = app();
        let (accepted, pending) = match from {
            Role::Collaborator => (COLLAB, PENDING_COLLAB),
            _ => (LIMITED, PENDING),
        };
        let ev = f
            .roster
            .change_role(&email(OWNER), &email(accepted), to, t(50))
            .unwrap();
        assert_eq!(ev.advisory(), expected, "{from} -> {to}, accepted");
        // A pending invitation granted nothing: no advisory.
        let ev = f
            .roster
            .change_role(&email(OWNER), &email(pending), to, t(51))
            .unwrap();
        assert_eq!(ev.advisory(), None, "{from} -> {to}, pending");
    }
}

#[test]
fn a_never_accepted_invitation_carries_no_advisory() {
    let mut f = app();
    // Invited as collaborator, demoted and promoted while pending,
    // then removed: it never granted anything.
    for (role, at) in [(Role::LimitedCollaborator, 50), (Role::Collaborator, 51)] {
        let ev = f
            .roster
            .change_role(&email(OWNER), &email(PENDING_COLLAB), role, t(at))
            .unwrap();
        assert_eq!(ev.advisory(), None);
        f.events.push(ev);
    }
    assert!(!f.roster.held_secret_access(&email(PENDING_COLLAB)));
    let ev = f
        .roster
        .revoke(&email(OWNER), &email(PENDING_COLLAB), t(60))
        .unwrap();
    assert_eq!(ev.advisory(), None);
    f.events.push(ev);
    // Declining (leaving while pending) neither.
    let ev = f.roster.leave(&email(PENDING), t(61)).unwrap();
    assert_eq!(ev.advisory(), None);
    f.events.push(ev);
    f.assert_replays();
}

#[test]
fn a_member_promoted_while_pending_holds_access_once_accepted() {
    let mut f = app();
    let ev = f
        .roster
        .change_role(&email(OWNER), &email(PENDING), Role::Collaborator, t(50))
        .unwrap();
    f.events.push(ev);
    let ev = f
        .roster
        .accept(
            &email(PENDING),
            &token("tok-pending"),
            Username::new("pat").unwrap(),
            t(60),
        )
        .unwrap();
    f.events.push(ev);
    assert!(f.roster.held_secret_access(&email(PENDING)));
    // An accepted limited collaborator, never more, held none.
    assert!(!f.roster.held_secret_access(&email(LIMITED)));
    assert!(f.roster.held_secret_access(&email(OWNER)));
    assert!(!f.roster.held_secret_access(&email(STRANGER)));
    f.assert_replays();
}

#[test]
fn a_previous_owner_removed_after_a_transfer_advises_rotation() {
    let mut f = app();
    let request = f.request(COLLAB, 80);
    let [promoted, demoted] = f
        .roster
        .accept_transfer(&email(COLLAB), &request, t(90))
        .unwrap();
    // Owner to collaborator loses no data_and_secrets action (the spec
    // gives a collaborator every one of them): no advisory yet.
    assert_eq!(demoted.advisory(), None);
    f.events.extend([promoted, demoted]);
    // Demote the previous owner to limited, then remove: still advised.
    f.push(|r| {
        r.change_role(
            &email(COLLAB),
            &email(OWNER),
            Role::LimitedCollaborator,
            t(95),
        )
        .unwrap()
    });
    let ev = f.roster.leave(&email(OWNER), t(96)).unwrap();
    assert_eq!(ev.advisory(), Some(Advisory::RotateSecrets));
    f.events.push(ev);
    f.assert_replays();
}

// ---------------------------------------------------------------------------
// account deletion
// ---------------------------------------------------------------------------

#[test]
fn account_deletion_rows() {
    // (kind, member, advisory)
    let rows = [
        (ResourceKind::App, COLLAB, Some(Advisory::RotateSecrets)),
        (ResourceKind::App, LIMITED, None),
        (
            ResourceKind::DedicatedDatabase,
            COLLAB,
            Some(Advisory::RotateSecrets),
        ),
    ];
    for (kind, member, advisory) in rows {
        let mut f = Fixture::new(kind);
        let ev = f.roster.account_deleted(&email(member), t(70)).unwrap();
        assert_eq!(ev.kind(), EventKind::AccountDeleted);
        assert_eq!(ev.actor(), &email(member));
        assert_eq!(ev.advisory(), advisory);
        let m = f.roster.get(&email(member)).unwrap();
        assert_eq!(m.status(), MemberStatus::UserAccountDeleted);
        assert_eq!(ev.role(), Some(m.role()));
        assert_eq!(f.roster.effective_role(&email(member)), None);
        f.events.push(ev);
        f.assert_replays();
        // The membership can still be revoked, with the same advisory.
        f.push(|r| r.revoke(&email(OWNER), &email(member), t(80)).unwrap());
        assert_eq!(f.events.last().unwrap().advisory(), advisory);
        f.assert_replays();
    }
}

#[test]
fn account_deletion_refusals() {
    let mut f = app();
    f.push(|r| r.account_deleted(&email(COLLAB), t(70)).unwrap());
    let r = &f.roster;
    refused(
        r,
        |r| r.account_deleted(&email(OWNER), t(80)),
        collab_authz::AccountDeletedError::Owner,
    );
    refused(
        r,
        |r| r.account_deleted(&email(STRANGER), t(80)),
        collab_authz::AccountDeletedError::NoSuchMember,
    );
    for (member, status) in [
        (PENDING, MemberStatus::Pending),
        (COLLAB, MemberStatus::UserAccountDeleted),
    ] {
        refused(
            r,
            |r| r.account_deleted(&email(member), t(80)),
            collab_authz::AccountDeletedError::NotAccepted { status },
        );
    }
}

// ---------------------------------------------------------------------------
// invitation expiry and tokens
// ---------------------------------------------------------------------------

#[test]
fn an_invitation_expiring_by_now_is_refused() {
    let f = app();
    for expires in [0, 99, 100] {
        refused(
            &f.roster,
            |r| {
                r.invite(
                    &email(OWNER),
                    inv("m-new", "new@example.com").expiring_at(t(expires)),
                    t(100),
                )
            },
            InviteError::AlreadyExpired {
                expires_at: t(expires),
                now: t(100),
            },
        );
    }
    let mut ok = f.roster.clone();
    ok.invite(
        &email(OWNER),
        inv("m-new", "new@example.com").expiring_at(t(101)),
        t(100),
    )
    .unwrap();
}

#[test]
fn tokens_must_match_exactly() {
    let f = app();
    // Same length with one byte off, a prefix, an extension, another case.
    for wrong in ["tok-pendinG", "tok-pendin", "tok-pending-", "TOK-PENDING"] {
        refused(
            &f.roster,
            |r| {
                r.accept(
                    &email(PENDING),
                    &token(wrong),
                    Username::new("p").unwrap(),
                    t(30),
                )
            },
            AcceptError::WrongToken,
        );
    }
}

#[test]
fn events_and_snapshots_keep_a_digest_never_the_token() {
    let f = app();
    let invited = f
        .events
        .iter()
        .find(|e| e.kind() == EventKind::Invited && e.member().email == email(PENDING))
        .unwrap();
    let secret = "tok-pending";
    // The event keeps the token's SHA-256, written as hex.
    assert_eq!(invited.token_digest(), Some(&token(secret).digest()));
    let json = serde_json::to_string(invited).unwrap();
    assert!(json.contains(&format!("\"token_digest\":\"{}\"", token(secret).digest())));
    // The token appears nowhere: not in any event's JSON or Debug, not in
    // the snapshot, not in the roster's Debug or listing.
    let snapshot = serde_json::to_string(&f.roster).unwrap();
    for text in f
        .events
        .iter()
        .flat_map(|e| [serde_json::to_string(e).unwrap(), format!("{e:?}")])
        .chain([snapshot, format!("{:?}", f.roster), f.roster.to_string()])
    {
        assert!(!text.contains(secret), "{text}");
        assert!(!text.contains("tok-pc"), "{text}");
    }
    // No other kind carries a digest.
    assert!(
        f.events
            .iter()
            .filter(|e| e.kind() != EventKind::Invited)
            .all(|e| e.token_digest().is_none())
    );
    // The invitee presents the token; a replayed roster still checks it.
    let mut replayed = Roster::replay(&f.events).unwrap();
    assert_eq!(
        replayed.accept(&email(PENDING), &token("tok-pendinG"), None, t(30)),
        Err(AcceptError::WrongToken)
    );
    assert!(
        replayed
            .accept(&email(PENDING), &token(secret), None, t(30))
            .is_ok()
    );
}

// ---------------------------------------------------------------------------
// snapshots of the transfer and the secret-access history
// ---------------------------------------------------------------------------

#[test]
fn snapshots_keep_the_pending_transfer_and_the_history() {
    let mut f = app();
    f.push(|r| {
        r.change_role(
            &email(OWNER),
            &email(COLLAB),
            Role::LimitedCollaborator,
            t(50),
        )
        .unwrap()
    });
    f.invite_accept("second@example.com", Some(Role::Collaborator), "second");
    let request = f.request("second@example.com", 80);
    let json = serde_json::to_string(&f.roster).unwrap();
    assert!(json.contains("\"pending_transfer\""));
    let back: Roster = serde_json::from_str(&json).unwrap();
    assert_eq!(back, f.roster);
    assert_eq!(back.pending_transfer(), Some(&request));
    assert!(back.held_secret_access(&email(COLLAB)));
    // A stale pending transfer in a snapshot is refused on read.
    let stale = json.replace(
        "\"to\":\"second@example.com\"",
        "\"to\":\"limited@example.com\"",
    );
    assert_ne!(stale, json);
    let err = serde_json::from_str::<Roster>(&stale).unwrap_err();
    assert!(err.to_string().contains("pending transfer"), "{err}");
    let not_owner = json.replace(
        "\"from\":\"owner@example.com\"",
        "\"from\":\"collab@example.com\"",
    );
    assert_ne!(not_owner, json);
    let err = serde_json::from_str::<Roster>(&not_owner).unwrap_err();
    assert!(err.to_string().contains("current owner"), "{err}");
    // A history naming a pending invitation, or missing a collaborator.
    let with_pending = json.replace("\"secret_access\":[", "\"secret_access\":[\"m-pending\",");
    assert_ne!(with_pending, json);
    assert!(serde_json::from_str::<Roster>(&with_pending).is_err());
    // Without the history, it is presumed from the current roles.
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut map = value.as_object().unwrap().clone();
    map.remove("secret_access");
    let presumed: Roster = serde_json::from_value(serde_json::Value::Object(map)).unwrap();
    assert!(!presumed.held_secret_access(&email(COLLAB)));
    assert!(presumed.held_secret_access(&email("second@example.com")));
    let err = Roster::from_parts(
        f.roster.resource().clone(),
        f.roster.owner().clone(),
        f.roster.members().cloned(),
    )
    .unwrap()
    .with_secret_access_history([])
    .unwrap_err();
    assert_eq!(
        err,
        RosterError::SecretAccessMissing(email("second@example.com"))
    );
}

#[test]
fn a_roster_from_parts_decides_storable_events() {
    let f = app();
    let parts = Roster::from_parts(
        f.roster.resource().clone(),
        f.roster.owner().clone(),
        f.roster.members().cloned(),
    )
    .unwrap();
    // As if just created: the next event is event 2, and it reads back.
    assert_eq!(parts.version(), 1);
    let event = parts
        .decide_invite(&email(OWNER), inv("m-new", "new@example.com"), t(70))
        .unwrap();
    assert_eq!(event.seq(), 2);
    let read: Event = serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
    assert_eq!(read, event);
    let mut applied = parts.clone();
    applied.apply(&read).unwrap();
    assert_eq!(applied.version(), 2);
    assert!(applied.get(&email("new@example.com")).is_some());
    // Imported at a known point of a stream, it takes the events after it.
    let at = parts.with_version(f.roster.version());
    let next = f
        .roster
        .decide_revoke(&email(OWNER), &email(PENDING), t(70))
        .unwrap();
    let mut live = f.roster.clone();
    live.apply(&next).unwrap();
    assert_eq!(at.resume([&next]).unwrap(), live);
}
