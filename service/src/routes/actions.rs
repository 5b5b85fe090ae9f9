//! Guarded app actions: each is a row in a table, and in front of each is
//! the crate's decision through the access step ([`Store::access`]): a
//! denial is a 403 with the crate's explanation, an obligation is applied
//! to the response, a condition is evaluated with the facts of the
//! request.
//!
//! [`Store::access`]: crate::store::Store::access

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use collab_authz::matrix::Obligation;
use collab_authz::{Action, Context, Decision, ResourceKind};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::Caller;
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::ids::new_id;
use crate::shared::PathParams;
use crate::store::actions::Variable;
use crate::store::{Granted, Locator, Seen};
use crate::time::{iso8601, now_unix};

/// The access step for `action` on the app `key`, without facts.
async fn grant(state: &AppState, caller: &Caller, key: &str, action: Action) -> ApiResult<Granted> {
    let at = Locator::Key(ResourceKind::App, key);
    Ok(state
        .store
        .access(at, &caller.email, action, &Context::new())
        .await?)
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
pub async fn variables(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
) -> ApiResult<Json<Value>> {
    let granted = grant(&state, &caller, &key, Action::ViewEnvVarNames).await?;
    let redact = redacts(&granted.decide(Action::ViewEnvVarValues, &Context::new()));
    let list: Vec<Value> = state
        .store
        .variables(&granted)
        .await?
        .into_iter()
        .map(|v| {
            let value = (!redact).then_some(v.value);
            json!({ "name": v.name, "value": value, "redacted": redact })
        })
        .collect();
    Ok(Json(json!({ "variables": list })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VariableFields {
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
                "at most 100 variables at once".into(),
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
            "variable name: 1 to 128 ASCII letters, digits or '_', not starting with a digit"
                .into(),
        ));
    }
    if v.value.len() > 8192 || v.value.contains('\0') {
        return Err(ApiError::Unprocessable(
            "variable value: at most 8192 bytes, no NUL".into(),
        ));
    }
    Ok(Variable {
        name: v.name,
        value: v.value,
    })
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
    let granted = grant(&state, &caller, &key, Action::ManageEnvVars).await?;
    let variables = body.checked()?;
    state
        .store
        .set_variables(&granted, &caller.id, &variables)
        .await?;
    let names: Vec<&str> = variables.iter().map(|v| v.name.as_str()).collect();
    Ok(Json(json!({ "variables": names })))
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

fn deployment_json(id: &str, git_ref: &str, created_at: i64) -> Value {
    json!({ "id": id, "git_ref": git_ref, "created_at": iso8601(created_at) })
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
    let at = state.store.deploy(&granted, &id, &git_ref, &output).await?;
    let deployment = deployment_json(&id, &git_ref, at);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "deployment": deployment })),
    ))
}

/// `GET /v1/apps/{app}/deployments` (`view_deployments`).
pub async fn deployments(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
) -> ApiResult<Json<Value>> {
    let granted = grant(&state, &caller, &key, Action::ViewDeployments).await?;
    let list: Vec<Value> = state
        .store
        .deployments(&granted)
        .await?
        .iter()
        .map(|d| deployment_json(&d.id, &d.git_ref, d.created_at))
        .collect();
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
    let at = Locator::Key(ResourceKind::App, &key);
    let opened = state.store.open(at, &caller.email, Seen::Active).await?;
    let created_at = state.store.deployment_created_at(&opened, &id).await?;
    let now = i64::try_from(now_unix()).unwrap_or(i64::MAX);
    let age = Duration::from_secs(u64::try_from(now.saturating_sub(created_at)).unwrap_or(0));
    let ctx = Context::new().with_deployment_age(age);
    let granted = opened.grant(Action::ViewDeploymentLogs, &ctx)?;
    let output = state.store.deployment_output(&granted, &id).await?;
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
    let granted = grant(&state, &caller, &key, Action::ViewActivity).await?;
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
