//! `GET /v1/directory`: the caller's organization-wide view, from the
//! crate's [`Directory`](collab_authz::Directory): every member of every
//! app and database the caller owns, with each person's two-factor status,
//! grouped by collaborator or by resource, as JSON or CSV.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use collab_authz::{DirectoryBuilder, Grouping, Resource, ResourceId, ResourceKind, TwoFactor};
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DirectoryQuery {
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
    let mut owned = state
        .store
        .resources_of(ResourceKind::App, &caller.email, true)
        .await?;
    owned.extend(
        state
            .store
            .resources_of(ResourceKind::DedicatedDatabase, &caller.email, true)
            .await?,
    );
    // The crate's resource carries the creation name; the directory shows
    // the current one.
    // TODO(crate): rename events (the roster's resource would be current).
    let mut resources = Vec::with_capacity(owned.len());
    for (row, roster) in &owned {
        let id = ResourceId::new(row.id.clone()).map_err(ApiError::internal)?;
        let resource =
            Resource::new(roster.kind(), id, row.name.clone()).map_err(ApiError::internal)?;
        resources.push(resource);
    }
    let emails: Vec<&str> = owned
        .iter()
        .flat_map(|(_, roster)| roster.iter().map(|m| m.email().normalized()))
        .collect();
    let users = crate::users::by_emails(&state.pool, &emails).await?;
    let mut builder = DirectoryBuilder::new();
    for (resource, (_, roster)) in resources.iter().zip(&owned) {
        builder.add(resource, roster.iter());
    }
    let directory = builder
        .build(|email| {
            users
                .get(email.normalized())
                .map_or(TwoFactor::Unknown, |u| u.two_factor)
        })
        .map_err(ApiError::internal)?;
    let grouping = match query.group_by {
        GroupBy::Collaborator => Grouping::ByCollaborator,
        GroupBy::Resource => Grouping::ByResource,
    };
    Ok(match query.format {
        Format::Json => {
            let body = directory.to_json(grouping).map_err(ApiError::internal)?;
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Format::Csv => {
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
        }
    })
}
