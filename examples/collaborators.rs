//! Prints the collaborators table of one app from a public-API payload.
//!
//! Reads a list response (`{"collaborators": [...]}`) or a single response
//! (`{"collaborator": {...}}`) on standard input and prints the table the
//! platform's command-line tool shows. The API's list leaves the owner out:
//! pass `--owner EMAIL` (and optionally `--owner-username NAME`) to list
//! them first.
//!
//! ```text
//! cargo run --example collaborators -- --owner owner@example.com < payload.json
//! ```
//!
//! Bad input prints one line on standard error and exits with status 1;
//! bad arguments exit with status 2.

use std::io::Read;
use std::process::ExitCode;

use collab_authz::api::CollaboratorsPayload;
use collab_authz::{Email, Member, MemberId, MemberParts, MemberStatus, Role, Timestamp, Username};

struct Args {
    owner: Option<String>,
    owner_username: Option<String>,
}

const USAGE: &str = "usage: collaborators [--owner EMAIL] [--owner-username NAME] < payload.json";

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut out = Args {
        owner: None,
        owner_username: None,
    };
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--owner" => &mut out.owner,
            "--owner-username" => &mut out.owner_username,
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

fn owner(args: &Args) -> Result<Option<Member>, String> {
    let Some(email) = &args.owner else {
        return Ok(None);
    };
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
        invited_at: Timestamp::default(),
        expires_at: None,
        token: None,
    })
    .map_err(|e| e.to_string())?;
    Ok(Some(member))
}

fn run() -> Result<String, (u8, String)> {
    let args = parse_args(std::env::args().skip(1)).map_err(|e| (2, e))?;
    let owner = owner(&args).map_err(|e| (2, e))?;
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| (1, format!("cannot read standard input: {e}")))?;
    let payload: CollaboratorsPayload =
        serde_json::from_str(&input).map_err(|e| (1, format!("invalid payload: {e}")))?;
    // The API gives no invitation times; the listing does not show them.
    let members = payload
        .to_members(Timestamp::default())
        .map_err(|e| (1, format!("invalid collaborator: {e}")))?;
    if let Some(owner) = &owner {
        if members.iter().any(|m| m.email() == owner.email()) {
            return Err((
                1,
                format!("{} is both the owner and a collaborator", owner.email()),
            ));
        }
    }
    Ok(collab_authz::listing::members_to_string(
        owner.iter().chain(&members),
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
