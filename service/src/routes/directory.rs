//! `GET /v1/directory`: the caller's organization-wide view, from the
//! crate's [`Directory`](collab_authz::Directory): every member of every
//! app and database the caller owns, with each person's two-factor status,
//! grouped by collaborator or by resource, as JSON or CSV.

use axum::extract::State;
use axum::response::Response;
use collab_authz::org::directory::Grouping;
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::shared::QueryParams;
use crate::shared::directory::{ExportFormat, directory as build, export};
use crate::state::AppState;

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
    let owned = state.store.owned(&caller.email).await?;
    let grouping = match query.group_by {
        GroupBy::Collaborator => Grouping::ByCollaborator,
        GroupBy::Resource => Grouping::ByResource,
    };
    let format = match query.format {
        Format::Json => ExportFormat::Json,
        Format::Csv => ExportFormat::Csv,
    };
    export(&build(&owned)?, grouping, format)
}
