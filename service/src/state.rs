//! [`AppState`]: what every route shares. Below the extractors and the
//! handlers that take it; above only the store, the keys and the
//! configuration.

use std::sync::Arc;

use deadpool_postgres::Pool;

use crate::config::Config;
use crate::store::db;
use crate::{keys, store};

/// What every route shares: the pool, the derived keys, the roster store
/// and the settings. Cloning is cheap (reference-counted).
#[derive(Debug, Clone)]
pub struct AppState {
    /// The connection pool.
    pub pool: Pool,
    /// The keys derived from the key file.
    pub keys: Arc<keys::Keys>,
    /// The rosters.
    pub store: Arc<store::Store>,
    /// The settings.
    pub config: Arc<Config>,
}

impl AppState {
    /// Connects to `database_url`, applies the embedded migrations and
    /// reads the key file named by [`Config::key_file`] (creating it when
    /// it does not exist, with one log line saying so); without a key
    /// file, keys are generated for this process alone (its tokens and
    /// links die with it).
    ///
    /// # Errors
    /// [`db::StartError`] when the URL is invalid, the database refuses or
    /// the key file cannot be read or created.
    pub async fn connect(database_url: &str, config: Config) -> Result<Self, db::StartError> {
        let ring = match &config.key_file {
            Some(path) => {
                let (ring, created) = keys::KeyRing::load_or_create(path)?;
                if created {
                    tracing::warn!(
                        key_file = %path.display(),
                        "created a new key file: every replica must read this same file \
                         (tokens and invitation links signed with other keys are refused)"
                    );
                }
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    if std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0) {
                        tracing::warn!(
                            key_file = %path.display(),
                            "the key file is readable by other users: whoever reads it can act \
                             as anyone (chmod 600 it)"
                        );
                    }
                }
                ring
            }
            None => keys::KeyRing::generate().map_err(keys::KeyFileError::from)?,
        };
        let pool = db::pool_with(database_url, &config.pool_settings())?;
        db::migrate(&pool).await?;
        Ok(Self::new(pool, keys::Keys::new(&ring), config))
    }

    /// A state on an open, migrated `pool` with `keys`.
    #[must_use]
    pub fn new(pool: Pool, keys: keys::Keys, config: Config) -> Self {
        let store = store::Store::new(pool.clone(), keys.clone())
            .with_growth_limits(store::GrowthLimits {
                max_members: config.max_members,
                max_pending: config.max_pending_invitations,
                // `u32::MAX` (only from code: the flag's range ends at a
                // million) is no limit, and nothing is counted.
                invitations: (config.invitation_rate_limit != u32::MAX).then_some(
                    store::InvitationRate {
                        limit: config.invitation_rate_limit,
                        window: config.invitation_rate_window,
                    },
                ),
            })
            .with_idempotency_retention(config.idempotency_retention);
        Self {
            pool,
            keys: Arc::new(keys),
            store: Arc::new(store),
            config: Arc::new(config),
        }
    }
}
