//! Prints the collaborators table of one app (or dedicated database) from
//! a public-API payload.
//!
//! Reads a list response (`{"collaborators": [...]}`) or a single response
//! (`{"collaborator": {...}}`) on standard input and prints the table the
//! platform's command-line tool shows, byte for byte: the collaborators in
//! the API's order (never sorted), after the owner. (Except where an email
//! or username holds a character that would draw the table, `│` or `─`
//! for instance: the listing escapes it, see `collab_authz::listing`.)
//! The API's list leaves
//! the owner out: pass `--owner EMAIL` (and optionally
//! `--owner-username NAME`) to list them first. `--kind dedicated_database`
//! reads the payload as a dedicated database's (the default is `app`).
//!
//! ```text
//! cargo run --example collaborators -- --owner owner@example.com < payload.json
//! ```
//!
//! The collaborators are checked with the roster's rules (one membership
//! per email, compared case-insensitively; unique ids; one resource; no
//! limited collaborator on a dedicated database): bad input prints one
//! line on standard error and exits with status 1; bad arguments exit
//! with status 2.

use std::io::Read;
use std::process::ExitCode;

use collab_authz::api::CollaboratorsPayload;
use collab_authz::membership::MemberParts;
use collab_authz::{
    Email, Member, MemberId, MemberStatus, Resource, ResourceId, ResourceKind, Role, Timestamp,
    Username,
};

struct Args {
    owner: Option<String>,
    owner_username: Option<String>,
    kind: Option<String>,
}

const USAGE: &str = "usage: collaborators [--owner EMAIL] [--owner-username NAME] \
                     [--kind app|dedicated_database] < payload.json";

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut out = Args {
        owner: None,
        owner_username: None,
        kind: None,
    };
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--owner" => &mut out.owner,
            "--owner-username" => &mut out.owner_username,
            "--kind" => &mut out.kind,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`; {USAGE}")),
        };
        *slot = Some(
            args.next()
                .ok_or_else(|| format!("`{arg}` needs a value; {USAGE}"))?,
        );
    }
    if out.owner_username.is_some() && out.owner.is_none() {
        return Err(format!("`--owner-username` needs `--owner`; {USAGE}"));
    }
    Ok(out)
}

/// Without `--owner`, the roster's rules are checked against a stand-in
/// owner at a reserved domain (RFC 2606: `.invalid`), which no listing
/// shows.
const STAND_IN_OWNER: &str = "owner@owner.invalid";

fn owner(args: &Args) -> Result<Member, String> {
    let email = args.owner.as_deref().unwrap_or(STAND_IN_OWNER);
    let email = Email::parse(email).map_err(|e| format!("--owner: {e}"))?;
    let username = args
        .owner_username
        .as_deref()
        .map(Username::new)
        .transpose()
        .map_err(|e| format!("--owner-username: {e}"))?;
    let member = Member::new(MemberParts {
        // The payload does not say the owner's membership id; any id that
        // no collaborator uses will do for a listing.
        id: MemberId::new("owner").map_err(|e| e.to_string())?,
        email,
        username,
        status: MemberStatus::Owner,
        role: Role::Owner,
        custom_role: None,
        invited_at: Timestamp::default(),
        expires_at: None,
        token: None,
    })
    .map_err(|e| e.to_string())?;
    Ok(member)
}

/// The resource kind named by `--kind`; `app` when not given.
fn kind(args: &Args) -> Result<ResourceKind, String> {
    args.kind
        .as_deref()
        .map_or(Ok(ResourceKind::App), str::parse)
        .map_err(|e| format!("--kind: {e}; {USAGE}"))
}

/// The resource the payload is about: its first collaborator's `app_id`
/// and `app_name`, or a stand-in when the payload does not say.
fn resource(kind: ResourceKind, payload: &CollaboratorsPayload) -> Result<Resource, String> {
    let first = payload.collaborators().first();
    let id = first.and_then(|c| c.app_id()).unwrap_or("app");
    let name = first.and_then(|c| c.app_name()).unwrap_or("app");
    let id = ResourceId::new(id).map_err(|e| format!("field `app_id`: {e}"))?;
    Resource::new(kind, id, name).map_err(|e| format!("field `app_name`: {e}"))
}

fn run() -> Result<String, (u8, String)> {
    let args = parse_args(std::env::args().skip(1)).map_err(|e| (2, e))?;
    let owner = owner(&args).map_err(|e| (2, e))?;
    let kind = kind(&args).map_err(|e| (2, e))?;
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| (1, format!("cannot read standard input: {e}")))?;
    let payload: CollaboratorsPayload =
        serde_json::from_str(&input).map_err(|e| (1, format!("invalid payload: {e}")))?;
    let resource = resource(kind, &payload).map_err(|e| (1, e))?;
    // The API gives no invitation times; the listing does not show them.
    let roster = payload
        .to_roster(resource, owner, Timestamp::default())
        .map_err(|e| (1, format!("invalid collaborators: {e}")))?;
    // The roster checked the payload; the rows are the payload's members
    // in the payload's order, which is the order the tool prints.
    let members = payload
        .to_members(Timestamp::default())
        .map_err(|e| (1, format!("invalid collaborators: {e}")))?;
    let owner = args.owner.is_some().then(|| roster.owner());
    Ok(collab_authz::listing::members_to_string(
        owner.into_iter().chain(&members),
    ))
}

fn main() -> ExitCode {
    match run() {
        Ok(table) => {
            print!("{table}");
            ExitCode::SUCCESS
        }
        Err((code, message)) => {
            // One line, whatever the message holds.
            eprintln!("error: {}", message.replace('\n', " "));
            ExitCode::from(code)
        }
    }
}
