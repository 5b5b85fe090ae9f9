//! The rows of the guarded app actions: operations (the activity),
//! environment variables and deployments. Each operation takes the
//! [`Granted`] value of its action: it cannot run unchecked.

use collab_authz::Action;
use serde_json::Value;
use tokio_postgres::types::Json;

use super::access::{Granted, Opened};
use super::{Store, StoreError};

/// A recorded operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// Its id.
    pub id: i64,
    /// The action's id.
    pub action: String,
    /// The actor's email.
    pub actor: String,
    /// Its details (JSON).
    pub details: Value,
    /// When (Unix seconds).
    pub at: i64,
}

/// An environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// A deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// Its id.
    pub id: String,
    /// The git ref deployed.
    pub git_ref: String,
    /// When (Unix seconds).
    pub created_at: i64,
    /// Who pushed it; `None` for a deployment recorded before pushers were
    /// (or whose account is gone).
    pub pusher: Option<Pusher>,
}

/// The account that pushed a deployment (the platform's `pusher`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pusher {
    /// The account's id.
    pub id: String,
    /// Its email.
    pub email: String,
    /// Its username, if set.
    pub username: Option<String>,
}

/// The columns of a deployment with its pusher, for [`deployment_row`]
/// (`d` the deployment, `u` its pusher's account, left-joined).
const DEPLOYMENT_COLUMNS: &str = "d.id, d.git_ref, extract(epoch FROM d.created_at)::bigint, \
     u.id, u.email, u.username \
     FROM deployments d LEFT JOIN users u ON u.id = d.pusher_id";

fn deployment_row(row: &tokio_postgres::Row) -> Result<Deployment, StoreError> {
    let pusher = match row.try_get::<_, Option<String>>(3)? {
        Some(id) => Some(Pusher {
            id,
            email: row.try_get(4)?,
            username: row.try_get(5)?,
        }),
        None => None,
    };
    Ok(Deployment {
        id: row.try_get(0)?,
        git_ref: row.try_get(1)?,
        created_at: row.try_get(2)?,
        pusher,
    })
}

impl Store {
    /// Records a restart by `actor_id`: the operation's `(id, at)`.
    ///
    /// # Errors
    /// [`StoreError`] when the database fails or `granted` is not for
    /// `restart`.
    pub async fn restart(
        &self,
        granted: &Granted,
        actor_id: &str,
    ) -> Result<(i64, i64), StoreError> {
        let resource = granted.check(Action::Restart)?;
        let client = self.client().await?;
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
                    &Action::Restart.id(),
                    &actor_id,
                    &Json(serde_json::json!({})),
                ],
            )
            .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// The app's variables, by name (`view_env_var_names`).
    ///
    /// # Errors
    /// [`StoreError`] when the database fails or the grant is another's.
    pub async fn variables(&self, granted: &Granted) -> Result<Vec<Variable>, StoreError> {
        let resource = granted.check(Action::ViewEnvVarNames)?;
        let client = self.client().await?;
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
        rows.iter()
            .map(|row| {
                Ok(Variable {
                    name: row.try_get(0)?,
                    value: row.try_get(1)?,
                })
            })
            .collect()
    }

    /// Sets `variables` (`manage_env_vars`) and records the change, with
    /// its values, in the activity; one transaction.
    ///
    /// # Errors
    /// [`StoreError`] when the database fails or the grant is another's.
    pub async fn set_variables(
        &self,
        granted: &Granted,
        actor_id: &str,
        variables: &[Variable],
    ) -> Result<(), StoreError> {
        let resource = granted.check(Action::ManageEnvVars)?;
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mut details = serde_json::Map::new();
        for v in variables {
            tx.execute(
                "INSERT INTO variables (resource_id, name, value) VALUES ($1, $2, $3)
                 ON CONFLICT (resource_id, name) DO UPDATE SET value = $3",
                &[&resource.id, &v.name, &v.value],
            )
            .await?;
            details.insert(v.name.clone(), Value::String(v.value.clone()));
        }
        tx.execute(
            "INSERT INTO operations (resource_id, action, actor_id, details)
             VALUES ($1, $2, $3, $4)",
            &[
                &resource.id,
                &Action::ManageEnvVars.id(),
                &actor_id,
                &Json(serde_json::json!({ "variables": details })),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Unsets the variable `name` (`manage_env_vars`) and records it, by
    /// name, in the activity; one transaction.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the app has no such variable.
    pub async fn unset_variable(
        &self,
        granted: &Granted,
        actor_id: &str,
        name: &str,
    ) -> Result<(), StoreError> {
        let resource = granted.check(Action::ManageEnvVars)?;
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let removed = tx
            .execute(
                "DELETE FROM variables WHERE resource_id = $1 AND name = $2",
                &[&resource.id, &name],
            )
            .await?;
        if removed == 0 {
            return Err(StoreError::NotFound("variable"));
        }
        tx.execute(
            "INSERT INTO operations (resource_id, action, actor_id, details)
             VALUES ($1, $2, $3, $4)",
            &[
                &resource.id,
                &Action::ManageEnvVars.id(),
                &actor_id,
                &Json(serde_json::json!({ "unset": [name] })),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records deployment `id` of `git_ref` with its `output`, pushed by
    /// `pusher_id` (`deploy_any_branch`); its creation time.
    ///
    /// # Errors
    /// [`StoreError`] when the database fails or the grant is another's.
    pub async fn deploy(
        &self,
        granted: &Granted,
        id: &str,
        git_ref: &str,
        output: &str,
        pusher_id: &str,
    ) -> Result<i64, StoreError> {
        let resource = granted.check(Action::DeployAnyBranch)?;
        let client = self.client().await?;
        let row = client
            .query_one(
                &client
                    .prepare_cached(
                        "INSERT INTO deployments (id, resource_id, git_ref, output, pusher_id)
                         VALUES ($1, $2, $3, $4, $5)
                         RETURNING extract(epoch FROM created_at)::bigint",
                    )
                    .await?,
                &[&id, &resource.id, &git_ref, &output, &pusher_id],
            )
            .await?;
        Ok(row.try_get(0)?)
    }

    /// A page of the app's deployments, newest first (`view_deployments`):
    /// at most `limit` after skipping `offset`, and how many the app has.
    ///
    /// # Errors
    /// [`StoreError`] when the database fails or the grant is another's.
    pub async fn deployments(
        &self,
        granted: &Granted,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<Deployment>, i64), StoreError> {
        let resource = granted.check(Action::ViewDeployments)?;
        let client = self.client().await?;
        let sql = format!(
            "SELECT {DEPLOYMENT_COLUMNS} WHERE d.resource_id = $1
              ORDER BY d.created_at DESC, d.id DESC OFFSET $2 LIMIT $3"
        );
        let rows = client
            .query(
                &client.prepare_cached(&sql).await?,
                &[&resource.id, &offset, &limit],
            )
            .await?;
        let total: i64 = client
            .query_one(
                &client
                    .prepare_cached("SELECT count(*) FROM deployments WHERE resource_id = $1")
                    .await?,
                &[&resource.id],
            )
            .await?
            .try_get(0)?;
        let page = rows.iter().map(deployment_row).collect::<Result<_, _>>()?;
        Ok((page, total))
    }

    /// Deployment `id` of the app (`view_deployments`).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the app has no such deployment.
    pub async fn deployment(&self, granted: &Granted, id: &str) -> Result<Deployment, StoreError> {
        let resource = granted.check(Action::ViewDeployments)?;
        let client = self.client().await?;
        let sql = format!("SELECT {DEPLOYMENT_COLUMNS} WHERE d.id = $1 AND d.resource_id = $2");
        let row = client
            .query_opt(&client.prepare_cached(&sql).await?, &[&id, &resource.id])
            .await?
            .ok_or(StoreError::NotFound("deployment"))?;
        deployment_row(&row)
    }

    /// The creation time of deployment `id` of the opened app: the fact
    /// its output's decision needs.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the app has no such deployment.
    pub async fn deployment_created_at(
        &self,
        opened: &Opened,
        id: &str,
    ) -> Result<i64, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &client
                    .prepare_cached(
                        "SELECT extract(epoch FROM created_at)::bigint FROM deployments
                          WHERE id = $1 AND resource_id = $2",
                    )
                    .await?,
                &[&id, &opened.resource().id],
            )
            .await?
            .ok_or(StoreError::NotFound("deployment"))?;
        Ok(row.try_get(0)?)
    }

    /// The output of deployment `id` (`view_deployment_logs`).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the app has no such deployment.
    pub async fn deployment_output(
        &self,
        granted: &Granted,
        id: &str,
    ) -> Result<String, StoreError> {
        let resource = granted.check(Action::ViewDeploymentLogs)?;
        let client = self.client().await?;
        let row = client
            .query_opt(
                &client
                    .prepare_cached(
                        "SELECT output FROM deployments WHERE id = $1 AND resource_id = $2",
                    )
                    .await?,
                &[&id, &resource.id],
            )
            .await?
            .ok_or(StoreError::NotFound("deployment"))?;
        Ok(row.try_get(0)?)
    }

    /// The app's last 100 operations, newest first (`view_activity`).
    ///
    /// # Errors
    /// [`StoreError`] when the database fails or the grant is another's.
    pub async fn activity(&self, granted: &Granted) -> Result<Vec<Operation>, StoreError> {
        let resource = granted.check(Action::ViewActivity)?;
        self.operations(&resource.id, 100).await
    }

    /// The app's log (`view_logs`): its last `n` operations, newest first.
    /// The service runs no containers; what happens to an app is its
    /// operations, and these are its log.
    ///
    /// # Errors
    /// [`StoreError`] when the database fails or the grant is another's.
    pub async fn log_lines(&self, granted: &Granted, n: i64) -> Result<Vec<Operation>, StoreError> {
        let resource = granted.check(Action::ViewLogs)?;
        self.operations(&resource.id, n).await
    }

    async fn operations(
        &self,
        resource_id: &str,
        limit: i64,
    ) -> Result<Vec<Operation>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &client
                    .prepare_cached(
                        "SELECT o.id, o.action, u.email, o.details,
                                extract(epoch FROM o.at)::bigint
                           FROM operations o JOIN users u ON u.id = o.actor_id
                          WHERE o.resource_id = $1 ORDER BY o.id DESC LIMIT $2",
                    )
                    .await?,
                &[&resource_id, &limit],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let Json(details): Json<Value> = row.try_get(3)?;
                Ok(Operation {
                    id: row.try_get(0)?,
                    action: row.try_get(1)?,
                    actor: row.try_get(2)?,
                    details,
                    at: row.try_get(4)?,
                })
            })
            .collect()
    }
}
