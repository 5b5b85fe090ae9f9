//! `GET /v1/directory`: the caller's organization-wide view, from the
//! crate's [`Directory`]: every member of every
//! app and database the caller owns, with each person's two-factor status,
//! grouped by collaborator or by resource, as JSON or CSV.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;

use collab_authz::membership::Resource;
use collab_authz::org::directory::{Directory, DirectoryBuilder, Grouping, TwoFactor};
use collab_authz::{Email, ResourceKind, Roster};
use serde::Deserialize;

use super::QueryParams;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum GroupBy {
    #[default]
    Collaborator,
    #[serde(alias = "app")]
    Resource,
}

#[derive(Debug, Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum Format {
    #[default]
    Json,
    Csv,
}

/// The query of `GET /v1/directory`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryQuery {
    #[serde(default)]
    group_by: GroupBy,
    #[serde(default)]
    format: Format,
}

/// `GET /v1/directory?group_by=collaborator|resource&format=json|csv`
/// (`app` is read as `resource`).
pub async fn directory(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<DirectoryQuery>,
) -> ApiResult<Response> {
    let owned = owned(&state, &caller.email).await?;
    let directory = owned.directory()?;
    let grouping = match query.group_by {
        GroupBy::Collaborator => Grouping::ByCollaborator,
        GroupBy::Resource => Grouping::ByResource,
    };
    export(&directory, grouping, matches!(query.format, Format::Csv))
}

/// The apps and databases someone owns, with their rosters and the
/// accounts of their members: what the crate's
/// [`Directory`] is built from ([`Owned::directory`]).
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

/// The crate's export of `directory` in `grouping`: CSV (as a download
/// named `directory.csv`) when `csv`, else JSON.
///
/// # Errors
/// 500 when the export fails.
pub fn export(directory: &Directory<'_>, grouping: Grouping, csv: bool) -> ApiResult<Response> {
    Ok(if csv {
        let body = directory.to_csv(grouping).map_err(ApiError::internal)?;
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"directory.csv\"",
                ),
            ],
            body,
        )
            .into_response()
    } else {
        let body = directory.to_json(grouping).map_err(ApiError::internal)?;
        ([(header::CONTENT_TYPE, "application/json")], body).into_response()
    })
}
