//! A walk through one app's membership lifecycle: an invitation with the
//! default role, its acceptance, a refused escalation and its reason, a
//! role change, an ownership transfer, a removal with the rotate-secrets
//! advisory, and the events as JSON, replayed into the same roster.
//!
//! ```text
//! cargo run --example lifecycle
//! ```
#![expect(clippy::unwrap_used, reason = "a walk-through on fixed, valid input")]

use collab_authz::{
    Account, Advisory, Email, Invitation, InvitationToken, MemberId, Resource, ResourceId,
    ResourceKind, Role, Roster, Timestamp, Username, listing,
};

fn lifecycle() {
    let at = Timestamp::from_unix_seconds;
    let olivia: Email = "olivia@example.com".parse().unwrap();
    let ada: Email = "Ada@Example.com".parse().unwrap();

    // An app and its owner.
    let app = Resource::new(
        ResourceKind::App,
        ResourceId::new("app-42").unwrap(),
        "billing",
    )
    .unwrap();
    let owner = Account {
        id: MemberId::new("m-0").unwrap(),
        email: olivia.clone(),
        username: Some(Username::new("olivia").unwrap()),
    };
    let (mut roster, created) = Roster::create(app, owner, at(1_700_000_000));
    let mut events = vec![created];

    // Invite Ada with the default role: limited collaborator on an app.
    let token = InvitationToken::new("invite-secret-1").unwrap();
    let invite = Invitation::new(MemberId::new("m-1").unwrap(), ada.clone(), token.clone());
    let invited = roster.invite(&olivia, invite, at(1_700_000_100)).unwrap();
    println!(
        "invited {} as {}",
        invited.member().email,
        invited.role().unwrap()
    );
    events.push(invited);

    // Ada accepts (emails compare case-insensitively).
    let ada_lower: Email = "ada@example.com".parse().unwrap();
    let accepted = roster
        .accept(
            &ada_lower,
            &token,
            Username::new("ada").unwrap(),
            at(1_700_000_200),
        )
        .unwrap();
    println!("{} accepted", accepted.member().email);
    events.push(accepted);

    // A limited collaborator may not promote themself: refused, with why.
    let before = roster.clone();
    let refused = roster.change_role(&ada, &ada, Role::Collaborator, at(1_700_000_300));
    println!("ada promotes herself: {}", refused.unwrap_err());
    assert_eq!(roster, before, "a refused operation changes nothing");

    // The owner promotes her.
    let changed = roster
        .change_role(&olivia, &ada, Role::Collaborator, at(1_700_000_400))
        .unwrap();
    println!(
        "{} is now {}",
        changed.member().email,
        changed.role().unwrap()
    );
    events.push(changed);

    // Olivia hands the app to Ada; Ada accepts; Olivia stays as collaborator.
    let request = roster
        .request_transfer(&olivia, &ada, at(1_700_000_500))
        .unwrap();
    let [promoted, demoted] = roster
        .accept_transfer(&ada, &request, at(1_700_000_600))
        .unwrap();
    println!("owner is now {}", roster.owner().email());
    events.extend([promoted, demoted]);

    println!("{}", listing::to_string(&roster));

    // Ada, the new owner, removes Olivia: a collaborator could read secrets.
    let removed = roster.revoke(&ada, &olivia, at(1_700_000_700)).unwrap();
    let advisory = removed.advisory().map_or("none", Advisory::id);
    println!("removed {}: advisory {advisory}", removed.member().email);
    events.push(removed);

    // The events, as JSON, rebuild the same roster.
    let json = serde_json::to_string_pretty(&events).unwrap();
    println!("{json}");
    let read: Vec<collab_authz::Event> = serde_json::from_str(&json).unwrap();
    assert_eq!(Roster::replay(&read).unwrap(), roster);
    println!("replayed {} events into the same roster", read.len());
}

fn main() {
    lifecycle();
}
