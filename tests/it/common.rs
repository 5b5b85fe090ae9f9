//! Helpers shared by the tests: values (emails, instants, tokens), rosters
//! built from parts, and the property tests' case count.
#![expect(clippy::unwrap_used, reason = "tests: a bad fixture is a test failure")]

#[cfg(feature = "serde")]
use collab_authz::membership::{Account, Event};
use collab_authz::membership::{
    Email, InvitationToken, Member, MemberId, MemberParts, MemberStatus, Resource, ResourceId,
    Roster, Timestamp, Username,
};
use collab_authz::{ResourceKind, Role};

pub fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

pub fn at(seconds: u64) -> Timestamp {
    Timestamp::from_unix_seconds(seconds)
}

#[cfg(feature = "serde")]
pub fn token(s: &str) -> InvitationToken {
    InvitationToken::new(s).unwrap()
}

/// The property tests' case count: 2,000, or `PROPTEST_CASES`.
#[cfg(feature = "serde")]
pub fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

/// One membership: (email, role, status, invited_at).
pub type Spec<'a> = (&'a str, Role, MemberStatus, u64);

pub fn member(id: &str, spec: Spec<'_>) -> Member {
    let (address, role, status, invited) = spec;
    let username = match status {
        MemberStatus::Pending => None,
        _ => Some(Username::new(address.split('@').next().unwrap()).unwrap()),
    };
    let token = match status {
        MemberStatus::Pending => Some(InvitationToken::new(format!("tok-{id}")).unwrap().digest()),
        _ => None,
    };
    Member::new(MemberParts {
        id: MemberId::new(id).unwrap(),
        email: email(address),
        username,
        status,
        role,
        custom_role: None,
        invited_at: at(invited),
        expires_at: None,
        token,
    })
    .unwrap()
}

/// A roster for `kind` `id` named `name`, owned by `owner`, with `others`.
pub fn roster(
    kind: ResourceKind,
    id: &str,
    name: &str,
    owner: &str,
    others: &[Spec<'_>],
) -> Roster {
    let resource = Resource::new(kind, ResourceId::new(id).unwrap(), name).unwrap();
    let owner = member(
        &format!("{id}-owner"),
        (owner, Role::Owner, MemberStatus::Owner, 0),
    );
    let members = others
        .iter()
        .enumerate()
        .map(|(i, spec)| member(&format!("{id}-{i}"), *spec));
    Roster::from_parts(resource, owner, members).unwrap()
}

/// A new app `app-1` named "billing", owned by `owner` (membership
/// `owner_id`, with `username` if any) and created at `when`: the roster
/// and its `roster_created` event.
#[cfg(feature = "serde")]
pub fn new_app(owner_id: &str, owner: &str, username: Option<&str>, when: u64) -> (Roster, Event) {
    let resource = Resource::new(
        ResourceKind::App,
        ResourceId::new("app-1").unwrap(),
        "billing",
    )
    .unwrap();
    let account = Account {
        id: MemberId::new(owner_id).unwrap(),
        email: email(owner),
        username: username.map(|u| Username::new(u).unwrap()),
    };
    Roster::create(resource, account, at(when))
}
