//! Helpers shared by the organization-wide tests: rosters built from parts.
#![expect(clippy::unwrap_used, reason = "tests: a bad fixture is a test failure")]

use collab_authz::{
    Email, InvitationToken, Member, MemberId, MemberParts, MemberStatus, Resource, ResourceId,
    ResourceKind, Role, Roster, Timestamp, Username,
};

pub fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

pub fn at(seconds: u64) -> Timestamp {
    Timestamp::from_unix_seconds(seconds)
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
