//! Guarded app actions: each is a row in a table, and in front of each is
//! the crate's decision ([`collab_authz::decide`] with a [`Context`]):
//! a denial is a 403 with the crate's explanation, an obligation is
//! applied to the response, a condition is evaluated with the facts of the
//! request.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use collab_authz::matrix::Obligation;
use collab_authz::{Action, Context, Decision, Email, Roster};
use serde::Deserialize;
use serde_json::{Value, json};

use super::resources::APP;
use super::{PathParams, singular};
use crate::AppState;
use crate::auth::{Caller, new_id, now_unix};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::store::ResourceRow;
use crate::time::iso8601;

/// The app `key` and its roster, visible to the caller.
async fn app(
    state: &AppState,
    caller: &Caller,
    key: &str,
) -> ApiResult<(ResourceRow, std::sync::Arc<Roster>)> {
    let kind = super::resources::kind_of::<APP>();
    let resource = state.store.resource(kind, key).await?;
    let roster = state.store.roster(&resource).await?;
    if roster.may_view(&caller.email).is_err() {
        return Err(ApiError::not_found(singular(kind)));
    }
    Ok((resource, roster))
}

/// Refuses with the 403 explaining the crate's denial, if it denies.
fn require(
    state: &AppState,
    roster: &Roster,
    actor: &Email,
    action: Action,
    ctx: &Context,
) -> ApiResult<()> {
    allowed(state, roster, actor, action, ctx).map(|_| ())
}

/// The crate's decision, or the 403 explaining its denial.
fn allowed(
    state: &AppState,
    roster: &Roster,
    actor: &Email,
    action: Action,
    ctx: &Context,
) -> ApiResult<Decision> {
    let decision = state.store.decide_action(roster, actor, action, ctx)?;
    match decision.denial() {
        Some(denial) => Err(ApiError::Forbidden(denial.to_string())),
        None => Ok(decision),
    }
}

async fn record(
    state: &AppState,
    resource: &ResourceRow,
    caller: &Caller,
    action: Action,
    details: &Value,
) -> ApiResult<(i64, i64)> {
    let client = crate::db::client(&state.pool).await?;
    let row = client
        .query_one(
            &client
                .prepare_cached(
                    "INSERT INTO operations (resource_id, action, actor_id, details)
             VALUES ($1, $2, $3, $4)
             RETURNING id, extract(epoch FROM at)::bigint",
                )
                .await?,
            &[
                &resource.id,
                &action.to_string(),
                &caller.id,
                &tokio_postgres::types::Json(details),
            ],
        )
        .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// `POST /v1/apps/{app}/restart`: `restart`; 202 `{"operation":{...}}`.
pub async fn restart(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (resource, roster) = app(&state, &caller, &key).await?;
    require(
        &state,
        &roster,
        &caller.email,
        Action::Restart,
        &Context::new(),
    )?;
    let (id, at) = record(&state, &resource, &caller, Action::Restart, &json!({})).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "operation": { "id": id, "action": "restart", "at": iso8601(at) } })),
    ))
}

/// `GET /v1/apps/{app}/variables`: the names need `view_env_var_names`;
/// the values are shown only when the crate allows `view_env_var_values`
/// without an obligation to redact them, and are `null` with
/// `"redacted": true` otherwise.
pub async fn variables(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
) -> ApiResult<Json<Value>> {
    let (resource, roster) = app(&state, &caller, &key).await?;
    let ctx = Context::new();
    require(
        &state,
        &roster,
        &caller.email,
        Action::ViewEnvVarNames,
        &ctx,
    )?;
    let values =
        state
            .store
            .decide_action(&roster, &caller.email, Action::ViewEnvVarValues, &ctx)?;
    let redact = matches!(
        values,
        Decision::Denied(_) | Decision::AllowedWithObligation(Obligation::RedactEnvVarValues)
    );
    let client = crate::db::client(&state.pool).await?;
    let rows = client
        .query(
            &client
                .prepare_cached(
                    "SELECT name, value FROM variables WHERE resource_id = $1 ORDER BY name",
                )
                .await?,
            &[&resource.id],
        )
        .await?;
    let mut list = Vec::with_capacity(rows.len());
    for row in rows {
        let name: String = row.try_get(0)?;
        let value: Option<String> = if redact { None } else { row.try_get(1)? };
        list.push(json!({ "name": name, "value": value, "redacted": redact }));
    }
    Ok(Json(json!({ "variables": list })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Variable {
    name: String,
    value: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VariablesBody {
    variables: Vec<Variable>,
}

fn validate_variable(v: &Variable) -> ApiResult<()> {
    let name_ok = (1..=128).contains(&v.name.len())
        && v.name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !v.name.as_bytes().first().is_some_and(u8::is_ascii_digit);
    if !name_ok {
        return Err(ApiError::Unprocessable(
            "variable name: 1 to 128 ASCII letters, digits or '_', not starting with a digit"
                .into(),
        ));
    }
    if v.value.len() > 8192 || v.value.contains('\0') {
        return Err(ApiError::Unprocessable(
            "variable value: at most 8192 bytes, no NUL".into(),
        ));
    }
    Ok(())
}

/// `PUT /v1/apps/{app}/variables`: `{"variables":[{"name","value"}]}`
/// sets them (`manage_env_vars`); 200 with the names set. The change is
/// recorded in the activity with its values.
pub async fn set_variables(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
    JsonBody(body): JsonBody<VariablesBody>,
) -> ApiResult<Json<Value>> {
    let (resource, roster) = app(&state, &caller, &key).await?;
    require(
        &state,
        &roster,
        &caller.email,
        Action::ManageEnvVars,
        &Context::new(),
    )?;
    if body.variables.len() > 100 {
        return Err(ApiError::Unprocessable(
            "at most 100 variables at once".into(),
        ));
    }
    for v in &body.variables {
        validate_variable(v)?;
    }
    let mut client = crate::db::client(&state.pool).await?;
    let tx = client.transaction().await?;
    let mut details = serde_json::Map::new();
    for v in &body.variables {
        tx.execute(
            "INSERT INTO variables (resource_id, name, value) VALUES ($1, $2, $3)
             ON CONFLICT (resource_id, name) DO UPDATE SET value = $3",
            &[&resource.id, &v.name, &v.value],
        )
        .await?;
        details.insert(v.name.clone(), Value::String(v.value.clone()));
    }
    tx.execute(
        "INSERT INTO operations (resource_id, action, actor_id, details) VALUES ($1, $2, $3, $4)",
        &[
            &resource.id,
            &Action::ManageEnvVars.to_string(),
            &caller.id,
            &tokio_postgres::types::Json(json!({ "variables": details })),
        ],
    )
    .await?;
    tx.commit().await?;
    let names: Vec<&str> = body.variables.iter().map(|v| v.name.as_str()).collect();
    Ok(Json(json!({ "variables": names })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeploymentFields {
    git_ref: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeploymentBody {
    deployment: DeploymentFields,
}

fn deployment_json(id: &str, git_ref: &str, created_at: i64) -> Value {
    json!({ "id": id, "git_ref": git_ref, "created_at": iso8601(created_at) })
}

/// `POST /v1/apps/{app}/deployments`: `{"deployment":{"git_ref":...}}`
/// (`deploy_any_branch`); 201 `{"deployment":{...}}`.
pub async fn deploy(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
    JsonBody(body): JsonBody<DeploymentBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (resource, roster) = app(&state, &caller, &key).await?;
    require(
        &state,
        &roster,
        &caller.email,
        Action::DeployAnyBranch,
        &Context::new(),
    )?;
    let git_ref = body.deployment.git_ref;
    let ref_ok = (1..=255).contains(&git_ref.len())
        && git_ref
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'));
    if !ref_ok {
        return Err(ApiError::Unprocessable(
            "git_ref: 1 to 255 ASCII letters, digits, '-', '_', '.' or '/'".into(),
        ));
    }
    let id = new_id("dep_")?;
    let output = format!("-----> Deploying {git_ref}\n-----> Build succeeded\n");
    let client = crate::db::client(&state.pool).await?;
    let row = client
        .query_one(
            &client.prepare_cached("INSERT INTO deployments (id, resource_id, git_ref, output) VALUES ($1, $2, $3, $4)
             RETURNING extract(epoch FROM created_at)::bigint").await?,
            &[&id, &resource.id, &git_ref, &output],
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "deployment": deployment_json(&id, &git_ref, row.try_get(0)?) })),
    ))
}

/// `GET /v1/apps/{app}/deployments` (`view_deployments`).
pub async fn deployments(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
) -> ApiResult<Json<Value>> {
    let (resource, roster) = app(&state, &caller, &key).await?;
    require(
        &state,
        &roster,
        &caller.email,
        Action::ViewDeployments,
        &Context::new(),
    )?;
    let client = crate::db::client(&state.pool).await?;
    let rows = client
        .query(
            &client
                .prepare_cached(
                    "SELECT id, git_ref, extract(epoch FROM created_at)::bigint FROM deployments
              WHERE resource_id = $1 ORDER BY created_at DESC LIMIT 100",
                )
                .await?,
            &[&resource.id],
        )
        .await?;
    let mut list = Vec::with_capacity(rows.len());
    for row in rows {
        let id: String = row.try_get(0)?;
        let git_ref: String = row.try_get(1)?;
        list.push(deployment_json(&id, &git_ref, row.try_get(2)?));
    }
    Ok(Json(json!({ "deployments": list })))
}

/// `GET /v1/apps/{app}/deployments/{id}/output`: `view_deployment_logs`,
/// decided with the deployment's age in the [`Context`] (a limited
/// collaborator: only deployments younger than 7 days).
pub async fn deployment_output(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((key, id)): PathParams<(String, String)>,
) -> ApiResult<Json<Value>> {
    let (resource, roster) = app(&state, &caller, &key).await?;
    let client = crate::db::client(&state.pool).await?;
    let row = client
        .query_opt(
            &client
                .prepare_cached(
                    "SELECT output, extract(epoch FROM created_at)::bigint FROM deployments
              WHERE id = $1 AND resource_id = $2",
                )
                .await?,
            &[&id, &resource.id],
        )
        .await?
        .ok_or_else(|| ApiError::not_found("deployment"))?;
    drop(client);
    let created_at: i64 = row.try_get(1)?;
    let now = i64::try_from(now_unix()).unwrap_or(i64::MAX);
    let age = Duration::from_secs(u64::try_from(now.saturating_sub(created_at)).unwrap_or(0));
    let ctx = Context::new().with_deployment_age(age);
    require(
        &state,
        &roster,
        &caller.email,
        Action::ViewDeploymentLogs,
        &ctx,
    )?;
    let output: String = row.try_get(0)?;
    Ok(Json(json!({ "output": output })))
}

/// `GET /v1/apps/{app}/activity`: the operations (`view_activity`); their
/// details need `view_activity_details`, whose obligation for a limited
/// collaborator (redact environment variable values) is applied here.
pub async fn activity(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
) -> ApiResult<Json<Value>> {
    let (resource, roster) = app(&state, &caller, &key).await?;
    let ctx = Context::new();
    require(&state, &roster, &caller.email, Action::ViewActivity, &ctx)?;
    let details =
        state
            .store
            .decide_action(&roster, &caller.email, Action::ViewActivityDetails, &ctx)?;
    let client = crate::db::client(&state.pool).await?;
    let rows = client
        .query(
            &client
                .prepare_cached(
                    "SELECT o.id, o.action, u.email, o.details, extract(epoch FROM o.at)::bigint
               FROM operations o JOIN users u ON u.id = o.actor_id
              WHERE o.resource_id = $1 ORDER BY o.id DESC LIMIT 100",
                )
                .await?,
            &[&resource.id],
        )
        .await?;
    let mut list = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get(0)?;
        let action: String = row.try_get(1)?;
        let actor: String = row.try_get(2)?;
        let tokio_postgres::types::Json(mut detail): tokio_postgres::types::Json<Value> =
            row.try_get(3)?;
        let at: i64 = row.try_get(4)?;
        let detail = match details {
            Decision::Denied(_) => Value::Null,
            Decision::AllowedWithObligation(Obligation::RedactEnvVarValues) => {
                redact_values(&mut detail);
                detail
            }
            _ => detail,
        };
        list.push(json!({
            "id": id, "action": action, "actor": actor, "at": iso8601(at), "details": detail,
        }));
    }
    Ok(Json(
        json!({ "activity": list, "details_redacted": matches!(
        details,
        Decision::AllowedWithObligation(Obligation::RedactEnvVarValues)
    ) }),
    ))
}

/// Replaces every environment variable value in an operation's details.
fn redact_values(detail: &mut Value) {
    if let Some(Value::Object(vars)) = detail.get_mut("variables") {
        for value in vars.values_mut() {
            *value = Value::String("[redacted]".into());
        }
    }
}
