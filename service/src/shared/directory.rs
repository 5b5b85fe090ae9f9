//! The owner's consolidated directory, as the API's `GET /v1/directory`
//! and the page `GET /collaborators` both build and export it: every
//! member of every app and database someone owns, each person with the
//! two-factor status of their account (unknown while they have only been
//! invited), from the crate's [`Directory`].

use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::collections::HashSet;

use collab_authz::membership::MemberStatus;
use collab_authz::org::directory::{Directory, DirectoryBuilder, Grouping, TwoFactor};

use crate::error::{ApiError, ApiResult};
use crate::store::Owned;

/// The crate's directory of what someone owns ([`Store::owned`]), each
/// person with the two-factor status of their account: unknown without
/// one, and unknown too while the person is only a pending invitee in
/// everything the owner has. Anyone may invite any address, so showing a
/// pending invitee's status would tell a stranger whether an address has
/// an account and whether its 2FA is on; once they accept (anywhere the
/// owner owns), the owner knows their account and sees its status.
///
/// # Errors
/// 500 when the crate refuses the rosters.
///
/// [`Store::owned`]: crate::store::Store::owned
pub fn directory(owned: &Owned) -> ApiResult<Directory<'_>> {
    let mut builder = DirectoryBuilder::new();
    let mut joined = HashSet::new();
    for (resource, roster) in owned.resources.iter().zip(&owned.rosters) {
        builder.add(resource, roster.iter());
        joined.extend(
            roster
                .iter()
                .filter(|m| m.status() != MemberStatus::Pending)
                .map(|m| m.email().normalized()),
        );
    }
    builder
        .build(|email| {
            let known = joined.contains(email.normalized());
            owned
                .users
                .get(email.normalized())
                .filter(|_| known)
                .map_or(TwoFactor::Unknown, |u| u.two_factor)
        })
        .map_err(ApiError::internal)
}

/// The format of a directory export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportFormat {
    /// The crate's JSON export (`application/json`).
    #[default]
    Json,
    /// The crate's CSV export (`text/csv`).
    Csv,
}

impl ExportFormat {
    /// The file name an export of this format is downloaded as:
    /// `collaborators.json` or `collaborators.csv`, on the API and on the
    /// page alike (the page's `download` attribute says the same).
    #[must_use]
    pub const fn filename(self) -> &'static str {
        match self {
            ExportFormat::Json => "collaborators.json",
            ExportFormat::Csv => "collaborators.csv",
        }
    }

    const fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Json => "application/json",
            ExportFormat::Csv => "text/csv; charset=utf-8",
        }
    }

    const fn disposition(self) -> &'static str {
        match self {
            ExportFormat::Json => "attachment; filename=\"collaborators.json\"",
            ExportFormat::Csv => "attachment; filename=\"collaborators.csv\"",
        }
    }
}

/// The crate's export of `directory` in `grouping` and `format`, as a
/// download named [`ExportFormat::filename`].
///
/// # Errors
/// 500 when the export fails.
pub fn export(
    directory: &Directory<'_>,
    grouping: Grouping,
    format: ExportFormat,
) -> ApiResult<Response> {
    let body = match format {
        ExportFormat::Csv => directory.to_csv(grouping).map_err(ApiError::internal)?,
        ExportFormat::Json => directory.to_json(grouping).map_err(ApiError::internal)?,
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
    use super::ExportFormat;

    #[test]
    fn the_disposition_names_the_download_file() {
        for format in [ExportFormat::Csv, ExportFormat::Json] {
            assert_eq!(
                format.disposition(),
                format!("attachment; filename=\"{}\"", format.filename())
            );
        }
    }
}
