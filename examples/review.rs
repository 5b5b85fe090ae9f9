//! Builds a small organization (three apps and a dedicated database),
//! prints its directory grouped by collaborator and by resource, the CSV
//! export, and the access review as Markdown.
//!
//! ```text
//! cargo run --example review                  # the CSV export says how to turn it on
//! cargo run --example review --features csv   # with the CSV export
//! ```

use std::error::Error;

use collab_authz::membership::MemberParts;
use collab_authz::org::review::Usage;
use collab_authz::{
    Account, Directory, DirectoryBuilder, Email, Invitation, InvitationToken, Member, MemberId,
    MemberStatus, Permissions, Resource, ResourceId, ResourceKind, ReviewPolicy, Role, Roster,
    Timestamp, TwoFactor, Username, review,
};

const DAY: u64 = 86_400;

fn main() -> Result<(), Box<dyn Error>> {
    let start = Timestamp::from_unix_seconds(1_700_000_000);
    let now = Timestamp::from_unix_seconds(1_700_000_000 + 60 * DAY);
    let ada = Email::parse("ada@example.com")?;
    let bob = Email::parse("bob@example.com")?;
    let carol = Email::parse("carol@example.com")?;
    let owner = Account {
        id: MemberId::new("u-ada")?,
        email: ada.clone(),
        username: Some(Username::new("ada")?),
    };

    // Three apps owned by Ada; Bob is a collaborator on each, Carol was
    // invited to one and never accepted.
    let mut rosters = Vec::new();
    for (i, name) in ["api", "web", "worker"].into_iter().enumerate() {
        let app = Resource::new(
            ResourceKind::App,
            ResourceId::new(format!("app-{i}"))?,
            name,
        )?;
        let (mut roster, _) = Roster::create(app, owner.clone(), start);
        let token = InvitationToken::new(format!("tok-bob-{i}"))?;
        let invitation = Invitation::new(
            MemberId::new(format!("m-bob-{i}"))?,
            bob.clone(),
            token.clone(),
        )
        .with_role(Role::Collaborator);
        roster.invite(&ada, invitation, start)?;
        roster.accept(&bob, &token, Username::new("bob")?, start)?;
        if name == "web" {
            let token = InvitationToken::new("tok-carol")?;
            roster.invite(
                &ada,
                Invitation::new(MemberId::new("m-carol")?, carol.clone(), token),
                start,
            )?;
        }
        rosters.push(roster);
    }

    // A dedicated database whose one collaborator deleted their account
    // (as a snapshot from the platform would say).
    let db = Resource::new(
        ResourceKind::DedicatedDatabase,
        ResourceId::new("db-0")?,
        "ledger",
    )?;
    let db_owner = Member::new(MemberParts {
        id: MemberId::new("u-ada-db")?,
        email: ada.clone(),
        username: Some(Username::new("ada")?),
        status: MemberStatus::Owner,
        role: Role::Owner,
        custom_role: None,
        invited_at: start,
        expires_at: None,
        token: None,
    })?;
    let dan = Member::new(MemberParts {
        id: MemberId::new("m-dan")?,
        email: Email::parse("dan@example.com")?,
        username: Some(Username::new("dan")?),
        status: MemberStatus::UserAccountDeleted,
        role: Role::Collaborator,
        custom_role: None,
        invited_at: start,
        expires_at: None,
        token: None,
    })?;
    rosters.push(Roster::from_parts(db, db_owner, [dan])?);

    // 2FA status, as the caller knows it from the platform.
    let mut builder = DirectoryBuilder::new();
    for roster in &rosters {
        builder.add_roster(roster);
    }
    let directory = builder.build(|email| match email.normalized() {
        "ada@example.com" => TwoFactor::Enabled,
        "bob@example.com" => TwoFactor::Disabled,
        _ => TwoFactor::Unknown,
    })?;

    println!("## By collaborator\n");
    println!("{}", directory.by_collaborator());
    println!("## By resource\n");
    println!("{}", directory.by_resource());
    println!("## CSV\n");
    print_csv(&directory)?;
    println!();

    // What Bob did over the period: restarts and logs only.
    let mut usage = Usage::new();
    for roster in rosters.iter().filter(|r| r.kind() == ResourceKind::App) {
        usage.record(
            &bob,
            roster.resource().id(),
            Permissions::RESTART | Permissions::VIEW_LOGS,
        );
    }
    let report = review(&directory, now, &ReviewPolicy::default(), &usage);
    print!("{}", report.to_markdown());
    Ok(())
}

/// The CSV export, grouped by collaborator (feature `csv`).
#[cfg(feature = "csv")]
fn print_csv(directory: &Directory) -> Result<(), Box<dyn Error>> {
    print!(
        "{}",
        directory.to_csv(collab_authz::Grouping::ByCollaborator)?
    );
    Ok(())
}

/// Without the `csv` feature there is no CSV writer: say how to get one.
#[cfg(not(feature = "csv"))]
fn print_csv(_: &Directory) -> Result<(), Box<dyn Error>> {
    println!("(the CSV export needs the `csv` feature: cargo run --example review --features csv)");
    Ok(())
}
