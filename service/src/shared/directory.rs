//! The owner's consolidated directory, as the API's `GET /v1/directory`
//! and the page `GET /collaborators` both build and export it: every
//! member of every app and database someone owns, each person with the
//! two-factor status of their account, from the crate's [`Directory`].

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use collab_authz::membership::Resource;
use collab_authz::org::directory::{Directory, DirectoryBuilder, Grouping, TwoFactor};
use collab_authz::{Email, ResourceKind, Roster};

use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// The apps and databases someone owns, with their rosters and the
/// accounts of their members: what the crate's [`Directory`] is built
/// from ([`Owned::directory`]).
#[derive(Debug)]
pub struct Owned {
    resources: Vec<Resource>,
    rosters: Vec<Arc<Roster>>,
    users: HashMap<String, crate::users::User>,
}

/// What `email` owns (apps, then dedicated databases), for the directory.
///
/// # Errors
/// 503 when the database is unreachable; 500 for a stored id or name the
/// crate refuses.
pub async fn owned(state: &AppState, email: &Email) -> ApiResult<Owned> {
    let mut owned = state
        .store
        .resources_of(ResourceKind::App, email, true)
        .await?;
    owned.extend(
        state
            .store
            .resources_of(ResourceKind::DedicatedDatabase, email, true)
            .await?,
    );
    // The roster's resource carries the current name (rename events).
    let resources = owned
        .iter()
        .map(|(_, roster)| roster.resource().clone())
        .collect();
    let emails: Vec<&str> = owned
        .iter()
        .flat_map(|(_, roster)| roster.iter().map(|m| m.email().normalized()))
        .collect();
    let users = crate::users::by_emails(&state.pool, &emails).await?;
    Ok(Owned {
        resources,
        rosters: owned.into_iter().map(|(_, roster)| roster).collect(),
        users,
    })
}

impl Owned {
    /// The crate's directory of these resources, each person with the
    /// two-factor status of their account (unknown without one).
    ///
    /// # Errors
    /// 500 when the crate refuses the rosters.
    pub fn directory(&self) -> ApiResult<Directory<'_>> {
        let mut builder = DirectoryBuilder::new();
        for (resource, roster) in self.resources.iter().zip(&self.rosters) {
            builder.add(resource, roster.iter());
        }
        builder
            .build(|email| {
                self.users
                    .get(email.normalized())
                    .map_or(TwoFactor::Unknown, |u| u.two_factor)
            })
            .map_err(ApiError::internal)
    }
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
