//! What the API and the pages show, below both: the invitation link, the
//! collaborator object, and the directory's downloads.

use std::collections::HashMap;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use collab_authz::api::{ApiStatus, UNKNOWN_USERNAME};
use collab_authz::membership::{Member, Username};
use collab_authz::org::directory::{Directory, Grouping, TwoFactor};
use collab_authz::{Role, Roster};
use serde::Serialize;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::store::{Owned, ResourceRow};

/// The invitation link of membership `member_id` of `resource_id` with
/// its `secret`.
#[must_use]
pub fn invitation_link(
    public_url: &str,
    resource_id: &str,
    member_id: &str,
    secret: &str,
) -> String {
    format!("{public_url}/v1/invitations/{resource_id}/{member_id}/{secret}")
}

/// The invitation link of a pending membership, its secret derived again.
#[must_use]
pub fn derived_invitation_link(state: &AppState, resource_id: &str, member_id: &str) -> String {
    invitation_link(
        &state.config.public_url,
        resource_id,
        member_id,
        &state.keys.invitation_secret(resource_id, member_id),
    )
}

/// One collaborator in the API's shape.
#[derive(Debug, Serialize)]
pub struct CollaboratorOut<'a> {
    id: &'a str,
    app_id: &'a str,
    app_name: &'a str,
    email: &'a str,
    username: &'a str,
    status: &'static str,
    user_id: Option<&'a str>,
    is_limited: bool,
    role: &'static str,
    invitation_link: Option<String>,
}

/// How a collaborator's invitation link is shown.
#[derive(Debug, Clone, Copy)]
pub enum Link<'a> {
    /// Not shown (the viewer may not invite).
    Hidden,
    /// Derived again from the shared key.
    Derived(&'a AppState),
    /// This one (an invitation just made, its secret in hand).
    Known(&'a str),
}

/// `member` of `resource` as the API's collaborator object (`None` for
/// the owner, whom the API leaves out); `user_ids` by normalized email.
#[must_use]
pub fn collaborator<'a>(
    resource: &'a ResourceRow,
    member: &'a Member,
    user_ids: &'a HashMap<String, String>,
    link: Link<'_>,
) -> Option<CollaboratorOut<'a>> {
    let status = ApiStatus::from_status(member.status())?;
    let pending = status == ApiStatus::Pending;
    let member_id = member.id().as_str();
    let invitation_link = match (pending, link) {
        (false, _) | (true, Link::Hidden) => None,
        (true, Link::Derived(state)) => {
            Some(derived_invitation_link(state, &resource.id, member_id))
        }
        (true, Link::Known(link)) => Some(link.to_string()),
    };
    Some(CollaboratorOut {
        id: member_id,
        app_id: &resource.id,
        app_name: &resource.name,
        email: member.email().as_str(),
        username: member.username().map_or(UNKNOWN_USERNAME, Username::as_str),
        status: status.as_str(),
        user_id: if pending {
            None
        } else {
            user_ids
                .get(member.email().normalized())
                .map(String::as_str)
        },
        is_limited: member.role() == Role::LimitedCollaborator,
        role: member.role().id(),
        invitation_link,
    })
}

/// The normalized emails of the roster's accepted (or deleted-account)
/// members and owner: those whose user ids the API shows.
#[must_use]
pub fn account_emails(roster: &Roster) -> Vec<&str> {
    roster
        .iter()
        .filter(|m| m.status() != collab_authz::membership::MemberStatus::Pending)
        .map(|m| m.email().normalized())
        .collect()
}

/// The crate's directory of what someone owns, each person with the
/// two-factor status of their account (unknown without one).
///
/// # Errors
/// 500 when the crate refuses the rosters.
pub fn directory(owned: &Owned) -> ApiResult<Directory<'_>> {
    let mut builder = collab_authz::DirectoryBuilder::new();
    for (resource, roster) in owned.resources.iter().zip(&owned.rosters) {
        builder.add(resource, roster.iter());
    }
    builder
        .build(|email| {
            owned
                .users
                .get(email.normalized())
                .map_or(TwoFactor::Unknown, |u| u.two_factor)
        })
        .map_err(ApiError::internal)
}

/// The format of a directory download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON (`application/json`).
    Json,
    /// CSV (`text/csv`).
    Csv,
}

impl Format {
    /// The file name a download of this format is saved as:
    /// `collaborators.json` or `collaborators.csv`, from the API and the
    /// page alike (the page's `download` attribute says the same).
    #[must_use]
    pub const fn filename(self) -> &'static str {
        match self {
            Format::Json => "collaborators.json",
            Format::Csv => "collaborators.csv",
        }
    }

    const fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }

    const fn disposition(self) -> &'static str {
        match self {
            Format::Json => "attachment; filename=\"collaborators.json\"",
            Format::Csv => "attachment; filename=\"collaborators.csv\"",
        }
    }
}

/// The crate's export of `directory` in `grouping` and `format`, as a
/// download named [`Format::filename`].
///
/// # Errors
/// 500 when the export fails.
pub fn export(
    directory: &Directory<'_>,
    grouping: Grouping,
    format: Format,
) -> ApiResult<Response> {
    let body = match format {
        Format::Csv => directory.to_csv(grouping).map_err(ApiError::internal)?,
        Format::Json => directory.to_json(grouping).map_err(ApiError::internal)?,
    };
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type()),
            (header::CONTENT_DISPOSITION, format.disposition()),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::Format;

    #[test]
    fn the_disposition_names_the_download_file() {
        for format in [Format::Csv, Format::Json] {
            assert_eq!(
                format.disposition(),
                format!("attachment; filename=\"{}\"", format.filename())
            );
        }
    }
}
