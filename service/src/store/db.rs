//! The PostgreSQL side: the connection pool, the embedded migrations,
//! the shared signing key and the readiness probe's question.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::{NoTls, SimpleQueryMessage};

/// The migrations compiled into the binary, applied in order at start.
pub const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("../../migrations/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/0002_deployment_pusher.sql"),
    ),
    (3, include_str!("../../migrations/0003_log_head.sql")),
];

/// An arbitrary constant: the advisory lock that serializes migrations
/// between replicas starting at once.
const MIGRATION_LOCK: i64 = 0x636f_6c6c_6162;

/// Why the service could not start on a database.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// `DATABASE_URL` is not a PostgreSQL connection string.
    #[error("invalid DATABASE_URL: {0}")]
    Url(String),
    /// The pool could not be built.
    #[error("connection pool: {0}")]
    Pool(String),
    /// A query failed while migrating or reading the signing key.
    #[error("database: {0}")]
    Database(String),
}

impl From<tokio_postgres::Error> for StartError {
    fn from(e: tokio_postgres::Error) -> Self {
        StartError::Database(e.to_string())
    }
}

impl From<deadpool_postgres::PoolError> for StartError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        StartError::Database(e.to_string())
    }
}

/// A pool of at most `size` connections to `database_url`.
///
/// Waiting for a connection, opening one and checking one back are all
/// bounded (2 s), so that a database that is down gives 503s quickly
/// instead of hanging requests; a broken connection is dropped and a new
/// one opened on the next request, so the service recovers by itself when
/// the database is back.
///
/// # Errors
/// [`StartError`] when the URL cannot be parsed or the pool built.
pub fn pool(database_url: &str, size: usize) -> Result<Pool, StartError> {
    let mut config: tokio_postgres::Config = database_url
        .parse()
        .map_err(|e: tokio_postgres::Error| StartError::Url(e.to_string()))?;
    config.connect_timeout(Duration::from_secs(2));
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(Duration::from_secs(2)))
        .create_timeout(Some(Duration::from_secs(2)))
        .recycle_timeout(Some(Duration::from_secs(2)))
        .build()
        .map_err(|e| StartError::Pool(e.to_string()))
}

/// Applies the migrations not applied yet, under an advisory lock so that
/// replicas starting together apply each exactly once.
///
/// # Errors
/// [`StartError::Database`] when a statement fails (the failing
/// migration is rolled back).
pub async fn migrate(pool: &Pool) -> Result<(), StartError> {
    let mut client = pool.get().await?;
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let result = apply_migrations(&mut client).await;
    let unlock = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await;
    result?;
    unlock?;
    Ok(())
}

async fn apply_migrations(client: &mut deadpool_postgres::Client) -> Result<(), StartError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            )",
        )
        .await?;
    for (version, sql) in MIGRATIONS {
        let tx = client.transaction().await?;
        let applied = tx
            .query_opt(
                "SELECT 1 FROM schema_migrations WHERE version = $1",
                &[version],
            )
            .await?
            .is_some();
        if !applied {
            tx.batch_execute(sql).await?;
            tx.execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[version],
            )
            .await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// The key every replica signs bearer tokens and derives invitation
/// secrets with: created (32 random bytes) by the first process that
/// starts on the database, read by every other.
///
/// # Errors
/// [`StartError::Database`] when the key cannot be stored or read.
pub async fn signing_key(pool: &Pool) -> Result<Vec<u8>, StartError> {
    let client = pool.get().await?;
    let fresh =
        crate::ids::random_bytes::<32>().map_err(|e| StartError::Database(e.to_string()))?;
    client
        .execute(
            "INSERT INTO signing_keys (id, key) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
            &[&fresh.as_slice()],
        )
        .await?;
    let row = client
        .query_one("SELECT key FROM signing_keys WHERE id = 1", &[])
        .await?;
    Ok(row.try_get::<_, Vec<u8>>(0)?)
}

/// Whether the database can take the service's writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// It answers and accepts writes.
    Ready,
    /// No connection, or the query failed (the error).
    Unreachable(String),
    /// It is a standby (`pg_is_in_recovery()`).
    InRecovery,
    /// Transactions are read-only (`default_transaction_read_only`, as a
    /// database being failed over or put in maintenance is).
    ReadOnly,
}

impl Readiness {
    /// The `reason` of the 503 body; `None` when ready.
    #[must_use]
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            Readiness::Ready => None,
            Readiness::Unreachable(_) => Some("unreachable"),
            Readiness::InRecovery => Some("in_recovery"),
            Readiness::ReadOnly => Some("read_only"),
        }
    }
}

impl crate::store::Store {
    /// Asks the database, on a pooled connection like the service's writes
    /// use and in one round trip, whether it is a primary and whether a
    /// transaction there would be read-write. Bounded by the pool's timeouts
    /// (2 s).
    pub async fn readiness(&self) -> Readiness {
        let client = match self.pool().get().await {
            Ok(client) => client,
            Err(e) => return Readiness::Unreachable(e.to_string()),
        };
        let sql = "SELECT pg_is_in_recovery()::text, current_setting('transaction_read_only')";
        let messages = match client.simple_query(sql).await {
            Ok(messages) => messages,
            Err(e) => return Readiness::Unreachable(e.to_string()),
        };
        let row = messages.iter().find_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some((row.get(0), row.get(1))),
            _ => None,
        });
        match row {
            Some((Some("false"), Some("off"))) => Readiness::Ready,
            Some((Some("true"), _)) => Readiness::InRecovery,
            Some((_, Some("on"))) => Readiness::ReadOnly,
            other => Readiness::Unreachable(format!("unexpected answer {other:?}")),
        }
    }
}
