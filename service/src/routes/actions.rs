//! Guarded app actions: each is a row in a table, and in front of each is
//! the crate's decision through the access step ([`Store::access`]): a
//! denial is a 403 with the crate's explanation, an obligation is applied
//! to the response, a condition is evaluated with the facts of the
//! request. The reads (variables, deployments and their output, the
//! activity; the logs URL in [`logs`](super::logs)) take a [`BearerWith`]
//! and check the bearer's token in the statement that reads the app
//! ([`Bearer::open`]): one round trip fewer than a [`Caller`]'s, with a
//! revoked token refused there (401 before anything else, a malformed
//! path or query included).
//!
//! [`Store::access`]: crate::store::Store::access

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use collab_authz::matrix::Obligation;
use collab_authz::{Action, Context, Decision, ResourceKind};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{Bearer, BearerAt, BearerWith, Caller};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::ids::new_id;
use crate::shared::{PathParams, QueryParams};
use crate::state::AppState;
use crate::store::actions::{Deployment, Variable};
use crate::store::{Granted, Locator};
use crate::time::{iso8601, now_unix};

/// The access step for `action` on the app `key`, without facts.
async fn grant(state: &AppState, caller: &Caller, key: &str, action: Action) -> ApiResult<Granted> {
    let at = Locator::Key(ResourceKind::App, key);
    Ok(state
        .store
        .access(at, &caller.email, action, &Context::new())
        .await?)
}

/// [`grant`] for a read: the bearer's token checked in the statement that
/// reads the app ([`Bearer::open`]).
pub(super) async fn grant_read(
    state: &AppState,
    bearer: &Bearer,
    key: &str,
    action: Action,
) -> ApiResult<Granted> {
    let opened = bearer.open(state, ResourceKind::App, key).await?;
    Ok(opened.grant(action, &Context::new())?)
}

/// Whether `decision` (of a read that shows values) hides them.
fn redacts(decision: &Decision) -> bool {
    matches!(
        decision,
        Decision::Denied(_) | Decision::AllowedWithObligation(Obligation::RedactEnvVarValues)
    )
}

/// `POST /v1/apps/{app}/restart`: `restart`; 202 `{"operation":{...}}`.
pub async fn restart(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let granted = grant(&state, &caller, &key, Action::Restart).await?;
    let (id, at) = state.store.restart(&granted, &caller.id).await?;
    let operation = json!({ "id": id, "action": Action::Restart.id(), "at": iso8601(at) });
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "operation": operation })),
    ))
}

/// `GET /v1/apps/{app}/variables`: the names need `view_env_var_names`;
/// the values are shown only when the crate allows `view_env_var_values`
/// without an obligation to redact them, and are `null` with
/// `"redacted": true` otherwise.
pub async fn variables(State(state): State<AppState>, at: BearerAt) -> ApiResult<Json<Value>> {
    let granted = grant_read(&state, &at.bearer, at.key(), Action::ViewEnvVarNames).await?;
    let redact = redacts(&granted.decide(Action::ViewEnvVarValues, &Context::new()));
    let list: Vec<Value> = state
        .store
        .variables(&granted)
        .await?
        .into_iter()
        .map(|v| variable_json(v, redact))
        .collect();
    Ok(Json(json!({ "variables": list })))
}

/// A variable in the API's shape: its `id` is its name (names are unique
/// in an app), the platform's `DELETE .../variables/{id}` takes it.
fn variable_json(v: Variable, redact: bool) -> Value {
    let value = (!redact).then_some(v.value);
    json!({ "id": v.name, "name": v.name, "value": value, "redacted": redact })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VariableFields {
    /// The platform's client sends `""` for a new variable; a variable's
    /// id is its name, so anything else must be the name.
    #[serde(default)]
    id: Option<String>,
    name: String,
    value: String,
}

/// `{"variables":[{"name","value"}]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariablesBody {
    variables: Vec<VariableFields>,
}

impl VariablesBody {
    /// The variables, checked: at most 100; names of 1 to 128 ASCII
    /// letters, digits or `_` not starting with a digit; values of at most
    /// 8192 bytes without NUL.
    fn checked(self) -> ApiResult<Vec<Variable>> {
        if self.variables.len() > 100 {
            return Err(ApiError::Unprocessable(
                "variables: at most 100 at once".into(),
            ));
        }
        self.variables.into_iter().map(check_variable).collect()
    }
}

fn check_variable(v: VariableFields) -> ApiResult<Variable> {
    let name_ok = (1..=128).contains(&v.name.len())
        && v.name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !v.name.as_bytes().first().is_some_and(u8::is_ascii_digit);
    if !name_ok {
        return Err(ApiError::Unprocessable(
            "name: a variable name is 1 to 128 ASCII letters, digits or '_', not starting with a digit"
                .into(),
        ));
    }
    if v.id
        .as_deref()
        .is_some_and(|id| !id.is_empty() && id != v.name)
    {
        return Err(ApiError::Unprocessable(
            "id: a variable's id is its name; leave it empty or give the name".into(),
        ));
    }
    if v.value.len() > 8192 || v.value.contains('\0') {
        return Err(ApiError::Unprocessable(
            "value: a variable value is at most 8192 bytes, without NUL".into(),
        ));
    }
    Ok(Variable {
        name: v.name,
        value: v.value,
    })
}

/// `PUT /v1/apps/{app}/variables`: `{"variables":[{"id","name","value"}]}`
/// (`id` optional) sets them (`manage_env_vars`); 200 with the variables
/// set, in the shape of the list (their values redacted as the list would
/// redact them). The change is recorded in the activity with its values.
///
/// The crate decides before the body is checked: a caller who may not
/// manage variables is told so (403 with the crate's explanation), not
/// what is wrong with the body.
pub async fn set_variables(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    let granted = grant(&state, &caller, &key, Action::ManageEnvVars).await?;
    let body: VariablesBody = serde_json::from_value(body)
        .map_err(|e| ApiError::Unprocessable(format!("invalid body: {e}")))?;
    let variables = body.checked()?;
    state
        .store
        .set_variables(&granted, &caller.id, &variables)
        .await?;
    let redact = redacts(&granted.decide(Action::ViewEnvVarValues, &Context::new()));
    let list: Vec<Value> = variables
        .into_iter()
        .map(|v| variable_json(v, redact))
        .collect();
    Ok(Json(json!({ "variables": list })))
}

/// `DELETE /v1/apps/{app}/variables/{id}` (the platform's `env-unset`;
/// the id is the name): `manage_env_vars`; 204, recorded in the activity
/// by name.
pub async fn unset_variable(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((key, id)): PathParams<(String, String)>,
) -> ApiResult<StatusCode> {
    let granted = grant(&state, &caller, &key, Action::ManageEnvVars).await?;
    state
        .store
        .unset_variable(&granted, &caller.id, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeploymentFields {
    git_ref: String,
}

/// `{"deployment":{"git_ref":...}}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentBody {
    deployment: DeploymentFields,
}

/// A deployment in the API's shape, the platform's fields included:
/// `pusher` (always an object; its fields null when the pusher is not
/// known), `status` (`success`: the service records finished
/// deployments) and `links.output`, the URL of its output as text.
fn deployment_json(state: &AppState, app_id: &str, d: &Deployment) -> Value {
    let pusher = d.pusher.as_ref();
    json!({
        "id": d.id,
        "app_id": app_id,
        "git_ref": d.git_ref,
        "created_at": iso8601(d.created_at),
        "status": "success",
        "pusher": {
            "id": pusher.map(|p| p.id.as_str()),
            "username": pusher.and_then(|p| p.username.as_deref()),
            "email": pusher.map(|p| p.email.as_str()),
        },
        "links": {
            "output": format!(
                "{}/v1/apps/{app_id}/deployments/{}/output.txt",
                state.config.public_url, d.id
            ),
        },
    })
}

/// A git ref: 1 to 255 ASCII letters, digits, `-`, `_`, `.` or `/`.
fn check_git_ref(git_ref: &str) -> ApiResult<()> {
    let ok = (1..=255).contains(&git_ref.len())
        && git_ref
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::Unprocessable(
            "git_ref: 1 to 255 ASCII letters, digits, '-', '_', '.' or '/'".into(),
        ))
    }
}

/// `POST /v1/apps/{app}/deployments`: `{"deployment":{"git_ref":...}}`
/// (`deploy_any_branch`); 201 `{"deployment":{...}}`.
pub async fn deploy(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
    JsonBody(body): JsonBody<DeploymentBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let granted = grant(&state, &caller, &key, Action::DeployAnyBranch).await?;
    let git_ref = body.deployment.git_ref;
    check_git_ref(&git_ref)?;
    let id = new_id("dep_")?;
    let output = format!("-----> Deploying {git_ref}\n-----> Build succeeded\n");
    let at = state
        .store
        .deploy(&granted, &id, &git_ref, &output, &caller.id)
        .await?;
    let pushed = Deployment {
        id,
        git_ref,
        created_at: at,
        pusher: Some(crate::store::actions::Pusher {
            id: caller.id.clone(),
            email: caller.email.as_str().to_string(),
            username: caller.username.clone(),
        }),
    };
    let deployment = deployment_json(&state, &granted.resource().id, &pushed);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "deployment": deployment })),
    ))
}

/// The page query of a paginated list (`?page=&per_page=`, as the
/// platform's clients send it).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    #[serde(default = "first_page")]
    page: i64,
    #[serde(default = "default_per_page")]
    per_page: i64,
}

fn first_page() -> i64 {
    1
}

fn default_per_page() -> i64 {
    100
}

impl PageQuery {
    /// `(offset, limit)`, checked: `page` from 1, `per_page` 1 to 100.
    fn window(&self) -> ApiResult<(i64, i64)> {
        if !(1..=1_000_000).contains(&self.page) {
            return Err(ApiError::Unprocessable("page: from 1 to 1000000".into()));
        }
        if !(1..=100).contains(&self.per_page) {
            return Err(ApiError::Unprocessable("per_page: from 1 to 100".into()));
        }
        Ok(((self.page - 1) * self.per_page, self.per_page))
    }
}

/// The platform's `meta.pagination` of page `page` of `per_page` items
/// out of `total`: at least one page; the previous and next pages stay
/// within the pages there are.
pub fn pagination(page: i64, per_page: i64, total: i64) -> Value {
    let total_pages = ((total + per_page - 1) / per_page.max(1)).max(1);
    json!({
        "current_page": page,
        "per_page": per_page,
        "prev_page": (page - 1).max(1),
        "next_page": (page + 1).min(total_pages),
        "total_pages": total_pages,
        "total_count": total,
    })
}

/// `GET /v1/apps/{app}/deployments?page=&per_page=` (`view_deployments`):
/// newest first, 100 a page unless `per_page` says otherwise, with the
/// platform's `meta.pagination`.
pub async fn deployments(
    State(state): State<AppState>,
    BearerWith {
        bearer,
        with: (PathParams(key), QueryParams(query)),
    }: BearerWith<(PathParams<String>, QueryParams<PageQuery>)>,
) -> ApiResult<Json<Value>> {
    let granted = grant_read(&state, &bearer, &key, Action::ViewDeployments).await?;
    let (offset, limit) = query.window()?;
    let (page, total) = state.store.deployments(&granted, offset, limit).await?;
    let app_id = &granted.resource().id;
    let list: Vec<Value> = page
        .iter()
        .map(|d| deployment_json(&state, app_id, d))
        .collect();
    let meta = json!({ "pagination": pagination(query.page, query.per_page, total) });
    Ok(Json(json!({ "deployments": list, "meta": meta })))
}

/// `GET /v1/apps/{app}/deployments/{id}` (`view_deployments`):
/// `{"deployment":{...}}` with its `links.output`.
pub async fn deployment(
    State(state): State<AppState>,
    BearerWith {
        bearer,
        with: PathParams((key, id)),
    }: BearerWith<PathParams<(String, String)>>,
) -> ApiResult<Json<Value>> {
    let granted = grant_read(&state, &bearer, &key, Action::ViewDeployments).await?;
    let found = state.store.deployment(&granted, &id).await?;
    let value = deployment_json(&state, &granted.resource().id, &found);
    Ok(Json(json!({ "deployment": value })))
}

/// The output of deployment `id` of the app `key`: `view_deployment_logs`,
/// decided with the deployment's age in the [`Context`] (a limited
/// collaborator: only deployments younger than 7 days).
async fn output_of(state: &AppState, bearer: &Bearer, key: &str, id: &str) -> ApiResult<String> {
    let opened = bearer.open(state, ResourceKind::App, key).await?;
    let created_at = state.store.deployment_created_at(&opened, id).await?;
    let now = i64::try_from(now_unix()).unwrap_or(i64::MAX);
    let age = Duration::from_secs(u64::try_from(now.saturating_sub(created_at)).unwrap_or(0));
    let ctx = Context::new().with_deployment_age(age);
    let granted = opened.grant(Action::ViewDeploymentLogs, &ctx)?;
    Ok(state.store.deployment_output(&granted, id).await?)
}

/// `GET /v1/apps/{app}/deployments/{id}/output`: `{"output":...}`:
/// `view_deployment_logs`, decided with the deployment's age in the
/// [`Context`] (a limited collaborator: only deployments younger than 7
/// days).
pub async fn deployment_output(
    State(state): State<AppState>,
    BearerWith {
        bearer,
        with: PathParams((key, id)),
    }: BearerWith<PathParams<(String, String)>>,
) -> ApiResult<Json<Value>> {
    let output = output_of(&state, &bearer, &key, &id).await?;
    Ok(Json(json!({ "output": output })))
}

/// `GET /v1/apps/{app}/deployments/{id}/output.txt`: the same output as
/// text, what a deployment's `links.output` names (the platform's client
/// copies the body to the terminal).
pub async fn deployment_output_text(
    State(state): State<AppState>,
    BearerWith {
        bearer,
        with: PathParams((key, id)),
    }: BearerWith<PathParams<(String, String)>>,
) -> ApiResult<Response> {
    let output = output_of(&state, &bearer, &key, &id).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        output,
    )
        .into_response())
}

/// `GET /v1/apps/{app}/activity`: the operations (`view_activity`); their
/// details need `view_activity_details`, whose obligation for a limited
/// collaborator (redact environment variable values) is applied here.
pub async fn activity(State(state): State<AppState>, at: BearerAt) -> ApiResult<Json<Value>> {
    let granted = grant_read(&state, &at.bearer, at.key(), Action::ViewActivity).await?;
    let details = granted.decide(Action::ViewActivityDetails, &Context::new());
    let shown = details.is_allowed();
    let redact = shown && redacts(&details);
    let list: Vec<Value> = state
        .store
        .activity(&granted)
        .await?
        .into_iter()
        .map(|mut op| {
            if redact {
                redact_values(&mut op.details);
            }
            let detail = if shown { op.details } else { Value::Null };
            json!({
                "id": op.id, "action": op.action, "actor": op.actor, "at": iso8601(op.at),
                "details": detail,
            })
        })
        .collect();
    Ok(Json(
        json!({ "activity": list, "details_redacted": redact }),
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
