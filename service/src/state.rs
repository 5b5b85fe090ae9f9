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
    /// The keys derived from the shared signing key.
    pub keys: Arc<keys::Keys>,
    /// The rosters.
    pub store: Arc<store::Store>,
    /// The settings.
    pub config: Arc<Config>,
}

impl AppState {
    /// Connects to `database_url`, applies the embedded migrations and
    /// reads (or, first, creates) the shared signing key.
    ///
    /// # Errors
    /// [`db::StartError`] when the URL is invalid or the database refuses.
    pub async fn connect(database_url: &str, config: Config) -> Result<Self, db::StartError> {
        let pool = db::pool_with(database_url, &config.pool_settings())?;
        db::migrate(&pool).await?;
        let master = db::signing_key(&pool).await?;
        Ok(Self::new(pool, &master, config))
    }

    /// A state on an open, migrated `pool` with the `master` key.
    #[must_use]
    pub fn new(pool: Pool, master: &[u8], config: Config) -> Self {
        let keys = keys::Keys::derive(master);
        let store = store::Store::new(pool.clone(), keys.clone());
        Self {
            pool,
            keys: Arc::new(keys),
            store: Arc::new(store),
            config: Arc::new(config),
        }
    }
}
