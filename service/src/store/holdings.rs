//! What someone holds: the resources they own or collaborate on (the
//! dashboard) and what they own, with the rosters and their members'
//! accounts (the directory).

use std::collections::HashMap;
use std::sync::Arc;

use collab_authz::membership::Resource;
use collab_authz::{Email, ResourceKind, Roster};

use super::accounts::User;
use super::rosters::resource_row;
use super::{ResourceRow, Store, StoreError};

/// Which memberships [`Store::resources_of`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holding {
    /// Resources the person owns.
    Owner,
    /// Resources the person owns or is an accepted collaborator on.
    OwnerOrAccepted,
}

/// The apps and databases someone owns, with their rosters and the
/// accounts of their members: what the crate's
/// [`Directory`](collab_authz::Directory) is built from.
#[derive(Debug)]
pub struct Owned {
    /// The resources (their current names), apps first.
    pub resources: Vec<Resource>,
    /// Their rosters, in the same order.
    pub rosters: Vec<Arc<Roster>>,
    /// The accounts of their members, by normalized email.
    pub users: HashMap<String, User>,
}

impl Store {
    /// The live resources of `kind` that `email` holds as `holding` says,
    /// with their roster (the roster is the authority; the index follows
    /// the log in the same transaction).
    ///
    /// # Errors
    /// [`StoreError`] when the database fails.
    pub async fn resources_of(
        &self,
        kind: ResourceKind,
        email: &Email,
        holding: Holding,
    ) -> Result<Vec<(ResourceRow, Arc<Roster>)>, StoreError> {
        let client = self.client().await?;
        let statuses: &[&str] = match holding {
            Holding::Owner => &["owner"],
            Holding::OwnerOrAccepted => &["owner", "accepted"],
        };
        let sql = "SELECT r.id, r.kind, r.name, r.version, r.head,
                    extract(epoch FROM r.created_at)::bigint AS created_at
               FROM memberships m JOIN resources r ON r.id = m.resource_id
              WHERE m.email_norm = $1 AND r.kind = $2 AND r.deleted_at IS NULL
                AND m.status = ANY($3)
              ORDER BY r.name";
        let rows = client
            .query(
                &client.prepare_cached(sql).await?,
                &[&email.normalized(), &kind.id(), &statuses],
            )
            .await?;
        drop(client);
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let resource = resource_row(row)?;
            let roster = self.roster(&resource).await?;
            if roster.may_view(email).is_ok() {
                out.push((resource, roster));
            }
        }
        Ok(out)
    }

    /// What `email` owns (apps, then dedicated databases) with the
    /// accounts of every member: the directory's input.
    ///
    /// # Errors
    /// [`StoreError`] when the database fails.
    pub async fn owned(&self, email: &Email) -> Result<Owned, StoreError> {
        let mut owned = self
            .resources_of(ResourceKind::App, email, Holding::Owner)
            .await?;
        owned.extend(
            self.resources_of(ResourceKind::DedicatedDatabase, email, Holding::Owner)
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
        let users = self.users_by_email(&emails).await?;
        Ok(Owned {
            resources,
            rosters: owned.into_iter().map(|(_, roster)| roster).collect(),
            users,
        })
    }
}
