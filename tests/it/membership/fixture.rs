//! The lifecycle tests' fixture: a roster built through the operations,
//! and `refused`, which checks a refusal and that nothing changed.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

use crate::common::{at, email, token};
use collab_authz::membership::{
    Account, Event, Invitation, MemberId, Resource, ResourceId, Roster, TransferRequest, Username,
};
use collab_authz::{CustomRole, Permissions, ResourceKind, Role, custom_role};

/// `event` with its `seq` replaced (through its stored form: the crate
/// offers no setter), to build streams that reach a given check.
pub fn reseq(event: &Event, seq: u64) -> Event {
    let mut value = serde_json::to_value(event).unwrap();
    value["seq"] = seq.into();
    serde_json::from_value(value).unwrap()
}

/// The stream renumbered from 1, as a store would after dropping or
/// inserting events, and unchained (no `prev`, as written before the hash
/// chain), so that the checks after the chain's are reached.
pub fn renumber(events: &[Event]) -> Vec<Event> {
    unchained(
        &events
            .iter()
            .zip(1..)
            .map(|(e, seq)| reseq(e, seq))
            .collect::<Vec<_>>(),
    )
}

/// The stream without its hash chain (no event states a `prev`), as a
/// stream stored before the chain existed: the checks after the chain's
/// are reached.
pub fn unchained(events: &[Event]) -> Vec<Event> {
    events.iter().map(|e| e.clone().with_prev(None)).collect()
}

pub const OWNER: &str = "owner@example.com";
pub const COLLAB: &str = "collab@example.com";
pub const LIMITED: &str = "limited@example.com";
pub const PENDING: &str = "pending@example.com";
pub const PENDING_COLLAB: &str = "pending-collab@example.com";
pub const STRANGER: &str = "stranger@example.com";

/// A roster built through the operations, with the events they emitted.
pub struct Fixture {
    pub roster: Roster,
    pub events: Vec<Event>,
}

impl Fixture {
    /// owner; collab (accepted collaborator); limited (accepted limited,
    /// apps only); pending (pending, default role, expires at 1000);
    /// pending-collab (pending collaborator).
    pub fn new(kind: ResourceKind) -> Self {
        let resource = Resource::new(kind, ResourceId::new("res-1").unwrap(), "billing").unwrap();
        let owner = Account {
            id: MemberId::new("m-owner").unwrap(),
            email: email(OWNER),
            username: Some(Username::new("olivia").unwrap()),
        };
        let (roster, created) = Roster::create(resource, owner, at(0));
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
                .expiring_at(at(1000)),
                at(20),
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
                at(21),
            )
            .unwrap();
        f.events.push(ev);
        f
    }

    pub fn invite_accept(&mut self, who: &str, role: Option<Role>, username: &str) {
        let mut inv = Invitation::new(
            MemberId::new(format!("m-{username}")).unwrap(),
            email(who),
            token(&format!("tok-{username}")),
        );
        if let Some(role) = role {
            inv = inv.with_role(role);
        }
        let ev = self.roster.invite(&email(OWNER), inv, at(10)).unwrap();
        self.events.push(ev);
        let ev = self
            .roster
            .accept(
                &email(who),
                &token(&format!("tok-{username}")),
                Username::new(username).unwrap(),
                at(11),
            )
            .unwrap();
        self.events.push(ev);
    }

    /// Applies `op` and records its event.
    pub fn push(&mut self, op: impl FnOnce(&mut Roster) -> Event) {
        let ev = op(&mut self.roster);
        self.events.push(ev);
    }

    pub fn assert_replays(&self) {
        assert_eq!(Roster::replay(&self.events).unwrap(), self.roster);
    }
}

impl Fixture {
    /// The owner asks `to`; returns the pending request.
    pub fn request(&mut self, to: &str, when: u64) -> TransferRequest {
        self.push(|r| {
            r.request_transfer(&email(OWNER), &email(to), at(when))
                .unwrap()
        });
        self.roster.pending_transfer().unwrap().clone()
    }
}

pub fn app() -> Fixture {
    Fixture::new(ResourceKind::App)
}

pub fn db() -> Fixture {
    Fixture::new(ResourceKind::DedicatedDatabase)
}

/// Runs `op` on a copy, asserts it is refused with `expected` and that the
/// roster did not change.
pub fn refused<T: std::fmt::Debug, E: PartialEq + std::fmt::Debug>(
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

pub fn inv(id: &str, who: &str) -> Invitation {
    Invitation::new(MemberId::new(id).unwrap(), email(who), token("tok-new"))
}

/// A custom role on an app: deploy any branch, view deployments and their
/// logs (nothing about collaborators, nothing conditional).
pub const DEPLOYER: CustomRole = custom_role!(
    "deployer",
    ResourceKind::App,
    Permissions::DEPLOY_ANY_BRANCH
        .union(Permissions::VIEW_DEPLOYMENTS)
        .union(Permissions::VIEW_DEPLOYMENT_LOGS),
);
