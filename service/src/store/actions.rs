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

    /// Records deployment `id` of `git_ref` with its `output`
    /// (`deploy_any_branch`); its creation time.
    ///
    /// # Errors
    /// [`StoreError`] when the database fails or the grant is another's.
    pub async fn deploy(
        &self,
        granted: &Granted,
        id: &str,
        git_ref: &str,
        output: &str,
    ) -> Result<i64, StoreError> {
        let resource = granted.check(Action::DeployAnyBranch)?;
        let client = self.client().await?;
        let row = client
            .query_one(
                &client
                    .prepare_cached(
                        "INSERT INTO deployments (id, resource_id, git_ref, output)
                         VALUES ($1, $2, $3, $4)
                         RETURNING extract(epoch FROM created_at)::bigint",
                    )
                    .await?,
                &[&id, &resource.id, &git_ref, &output],
            )
            .await?;
        Ok(row.try_get(0)?)
    }

    /// The app's last 100 deployments, newest first (`view_deployments`).
    ///
    /// # Errors
    /// [`StoreError`] when the database fails or the grant is another's.
    pub async fn deployments(&self, granted: &Granted) -> Result<Vec<Deployment>, StoreError> {
        let resource = granted.check(Action::ViewDeployments)?;
        let client = self.client().await?;
        let rows = client
            .query(
                &client
                    .prepare_cached(
                        "SELECT id, git_ref, extract(epoch FROM created_at)::bigint
                           FROM deployments
                          WHERE resource_id = $1 ORDER BY created_at DESC LIMIT 100",
                    )
                    .await?,
                &[&resource.id],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(Deployment {
                    id: row.try_get(0)?,
                    git_ref: row.try_get(1)?,
                    created_at: row.try_get(2)?,
                })
            })
            .collect()
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
        let client = self.client().await?;
        let rows = client
            .query(
                &client
                    .prepare_cached(
                        "SELECT o.id, o.action, u.email, o.details,
                                extract(epoch FROM o.at)::bigint
                           FROM operations o JOIN users u ON u.id = o.actor_id
                          WHERE o.resource_id = $1 ORDER BY o.id DESC LIMIT 100",
                    )
                    .await?,
                &[&resource.id],
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
