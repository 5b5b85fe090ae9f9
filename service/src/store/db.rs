//! The PostgreSQL side: the connection pool, the embedded migrations and
//! the readiness probe's question. (No key is stored here: see
//! [`keys`](crate::keys).)

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use deadpool_postgres::{
    ClientWrapper, Connect, Hook, HookError, Manager, ManagerConfig, Pool, QueueMode,
    RecyclingMethod, Runtime,
};
use tokio::task::JoinHandle;
use tokio_postgres::{NoTls, SimpleQueryMessage};

/// The migrations compiled into the binary, applied in order at start.
pub const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("../../migrations/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/0002_deployment_pusher.sql"),
    ),
    (3, include_str!("../../migrations/0003_log_head.sql")),
    (
        4,
        include_str!("../../migrations/0004_keys_outside_the_database.sql"),
    ),
    (
        5,
        include_str!("../../migrations/0005_sessions_belong_to_tokens.sql"),
    ),
    (
        6,
        include_str!("../../migrations/0006_invitations_by_inviter.sql"),
    ),
    (
        7,
        include_str!("../../migrations/0007_idempotency_keys.sql"),
    ),
    (
        8,
        include_str!("../../migrations/0008_snapshots_as_bytes.sql"),
    ),
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
    /// A query failed while migrating.
    #[error("database: {0}")]
    Database(String),
    /// The key file cannot be read, parsed or created.
    #[error(transparent)]
    Keys(#[from] crate::keys::KeyFileError),
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

/// How the pool reaches the database and finds out that a connection went
/// bad: the settings `Config` carries (`--db-*`), with the pool's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// At most this many connections.
    pub size: usize,
    /// Per host of the URL: TCP connect, startup, authentication and (with
    /// `target_session_attrs=read-write`) the read-write check together.
    /// A host that does not answer in time is skipped for the next one, so
    /// that a frozen primary does not hide its promoted standby.
    pub connect_timeout: Duration,
    /// The check a pooled connection passes before it is handed out again
    /// (after [`CHECK_IDLE`] idle, or during an outage): one round trip
    /// asking whether the server is still a read-write primary, answered
    /// within this time or the connection is dropped.
    pub check_timeout: Duration,
    /// How long a request waits for a free connection.
    pub wait_timeout: Duration,
    /// TCP keepalive: idle time before the first probe and the time
    /// between probes (3 probes), and the time sent data may stay
    /// unacknowledged (`TCP_USER_TIMEOUT`), so that a vanished host breaks
    /// its connections instead of hanging them.
    pub keepalive: Duration,
}

impl PoolSettings {
    /// The defaults for a pool of `size` connections: 2 s to connect per
    /// host, 1 s for the check, 2 s to wait for a connection, keepalive
    /// probes after 10 s.
    #[must_use]
    pub fn new(size: usize) -> Self {
        Self {
            size,
            connect_timeout: Duration::from_secs(2),
            check_timeout: Duration::from_secs(1),
            wait_timeout: Duration::from_secs(2),
            keepalive: Duration::from_secs(10),
        }
    }
}

/// A pool of at most `size` connections to `database_url`, with the
/// default [`PoolSettings`].
///
/// # Errors
/// [`StartError`] when the URL cannot be parsed or the pool built.
pub fn pool(database_url: &str, size: usize) -> Result<Pool, StartError> {
    pool_with(database_url, &PoolSettings::new(size))
}

/// A pool on `database_url` as `settings` say.
///
/// Waiting for a connection, opening one and checking one back are all
/// bounded, so that a database that is down gives 503s quickly instead of
/// hanging requests. Each host of a multi-host URL
/// (`postgres://u@primary,standby/db?target_session_attrs=read-write`) is
/// tried in turn, each within [`PoolSettings::connect_timeout`] (the host
/// that answered last first), so a host that hangs costs one timeout, not
/// the whole attempt. Before a pooled connection is handed out again it
/// passes a check (one round trip within [`PoolSettings::check_timeout`])
/// when it was idle [`CHECK_IDLE`] or more, and always while an outage is
/// in progress and for [`VIGILANCE`] after it ([`check_every_connection`]):
/// a connection whose server stopped answering, or became a standby or
/// read-only, is dropped and a new one opened, so the service follows a
/// failover by itself, without a restart.
///
/// # Errors
/// [`StartError`] when the URL cannot be parsed or the pool built.
pub fn pool_with(database_url: &str, settings: &PoolSettings) -> Result<Pool, StartError> {
    let mut config: tokio_postgres::Config = database_url
        .parse()
        .map_err(|e: tokio_postgres::Error| StartError::Url(e.to_string()))?;
    config
        .connect_timeout(settings.connect_timeout)
        .keepalives(true)
        .keepalives_idle(settings.keepalive)
        .keepalives_interval(settings.keepalive)
        .keepalives_retries(3)
        .tcp_user_timeout(settings.keepalive.saturating_mul(3));
    let hosts = per_host(&config);
    let count = u32::try_from(hosts.len()).unwrap_or(u32::MAX);
    let connect = HostByHost {
        hosts,
        timeout: settings.connect_timeout,
        preferred: AtomicUsize::new(0),
    };
    let manager = Manager::from_connect(
        config,
        connect,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    let check_timeout = settings.check_timeout;
    Pool::builder(manager)
        .max_size(settings.size)
        // The connection used last is handed out first: under a light
        // load the same few connections serve every request (their
        // prepared statements and their server process warm), where the
        // default (first in, first out) would take the coldest one each
        // time and prepare each statement once per pooled connection.
        .queue_mode(QueueMode::Lifo)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(settings.wait_timeout))
        .create_timeout(Some(
            settings
                .connect_timeout
                .saturating_mul(count)
                .saturating_add(Duration::from_millis(500)),
        ))
        .recycle_timeout(Some(
            check_timeout.saturating_add(Duration::from_millis(500)),
        ))
        .pre_recycle(Hook::async_fn(move |client, metrics| {
            let due = checking_all() || metrics.last_used() >= CHECK_IDLE;
            Box::pin(async move {
                if due {
                    check(client, check_timeout).await
                } else {
                    Ok(())
                }
            })
        }))
        .build()
        .map_err(|e| StartError::Pool(e.to_string()))
}

/// A pooled connection idle this long is checked before it is handed out
/// again; one used more recently is handed out as it is, unless an outage
/// is in progress or ended less than [`VIGILANCE`] ago
/// ([`check_every_connection`]).
pub const CHECK_IDLE: Duration = Duration::from_secs(1);

/// How long after the last sign of an outage every pooled connection is
/// checked before it is handed out.
pub const VIGILANCE: Duration = Duration::from_secs(30);

/// Until when, in milliseconds since [`epoch`], every pooled connection is
/// checked: shared by the pools of the process (a process has one; in
/// tests, one pool's outage makes the others check more, which changes
/// nothing but their cost).
static CHECK_ALL_UNTIL: AtomicU64 = AtomicU64::new(0);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_millis() -> u64 {
    u64::try_from(epoch().elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Has the pools check every connection before handing it out, however
/// recently it was used, for the next [`VIGILANCE`]: called on every sign
/// of an outage and at its end, so that connections to a server that went
/// away, read-only or silent are dropped even on a busy service, and so
/// that those to a former primary are found once writes work again.
pub fn check_every_connection() {
    let until = now_millis().saturating_add(u64::try_from(VIGILANCE.as_millis()).unwrap_or(0));
    CHECK_ALL_UNTIL.fetch_max(until, Ordering::Relaxed);
}

fn checking_all() -> bool {
    now_millis() < CHECK_ALL_UNTIL.load(Ordering::Relaxed)
}

/// The pool's check of a connection before it is handed out again.
async fn check(client: &mut ClientWrapper, timeout: Duration) -> Result<(), HookError> {
    let answer = tokio::time::timeout(timeout, client.simple_query(READINESS_SQL)).await;
    let readiness = match answer {
        Err(_) => Readiness::Unreachable(format!("no answer within {timeout:?}")),
        Ok(Err(e)) => Readiness::Unreachable(e.to_string()),
        Ok(Ok(messages)) => Readiness::of(&messages),
    };
    match readiness {
        Readiness::Ready => Ok(()),
        other => {
            let reason = other.reason().unwrap_or("unreachable");
            tracing::debug!(reason, detail = ?other, "dropping a pooled database connection");
            Err(HookError::message(format!("connection dropped: {reason}")))
        }
    }
}

/// One `tokio_postgres::Config` per host of `config` (its own port and
/// address, every other setting the same), in the URL's order.
fn per_host(config: &tokio_postgres::Config) -> Vec<tokio_postgres::Config> {
    use tokio_postgres::config::Host;
    let hosts = config.get_hosts();
    let addrs = config.get_hostaddrs();
    let ports = config.get_ports();
    let count = hosts.len().max(addrs.len());
    if count <= 1 {
        return vec![config.clone()];
    }
    (0..count)
        .map(|i| {
            let mut one = tokio_postgres::Config::new();
            if let Some(user) = config.get_user() {
                one.user(user);
            }
            if let Some(password) = config.get_password() {
                one.password(password);
            }
            if let Some(dbname) = config.get_dbname() {
                one.dbname(dbname);
            }
            if let Some(options) = config.get_options() {
                one.options(options);
            }
            if let Some(name) = config.get_application_name() {
                one.application_name(name);
            }
            match hosts.get(i) {
                Some(Host::Tcp(host)) => {
                    one.host(host);
                }
                #[cfg(unix)]
                Some(Host::Unix(path)) => {
                    one.host_path(path);
                }
                None => {}
            }
            if let Some(addr) = addrs.get(i) {
                one.hostaddr(*addr);
            }
            one.port(ports.get(i).or(ports.first()).copied().unwrap_or(5432))
                .ssl_mode(config.get_ssl_mode())
                .channel_binding(config.get_channel_binding())
                .target_session_attrs(config.get_target_session_attrs())
                .keepalives(config.get_keepalives())
                .keepalives_idle(config.get_keepalives_idle());
            if let Some(t) = config.get_connect_timeout() {
                one.connect_timeout(*t);
            }
            if let Some(t) = config.get_tcp_user_timeout() {
                one.tcp_user_timeout(*t);
            }
            if let Some(t) = config.get_keepalives_interval() {
                one.keepalives_interval(t);
            }
            if let Some(n) = config.get_keepalives_retries() {
                one.keepalives_retries(n);
            }
            one
        })
        .collect()
}

/// Opens a connection host by host, each attempt (TCP, startup,
/// authentication, the read-write check of `target_session_attrs`) within
/// `timeout`; starts with the host that answered last.
struct HostByHost {
    hosts: Vec<tokio_postgres::Config>,
    timeout: Duration,
    preferred: AtomicUsize,
}

impl Connect for HostByHost {
    fn connect(
        &self,
        _: &tokio_postgres::Config,
    ) -> Pin<
        Box<
            dyn Future<
                    Output = Result<
                        (tokio_postgres::Client, JoinHandle<()>),
                        tokio_postgres::Error,
                    >,
                > + Send
                + '_,
        >,
    > {
        Box::pin(async move {
            let count = self.hosts.len();
            let first = self.preferred.load(Ordering::Relaxed);
            let mut last_error = None;
            for k in 0..count {
                let i = (first + k) % count;
                let Some(config) = self.hosts.get(i) else {
                    continue;
                };
                match tokio::time::timeout(self.timeout, config.connect(NoTls)).await {
                    Ok(Ok((client, connection))) => {
                        self.preferred.store(i, Ordering::Relaxed);
                        let task = tokio::spawn(async move {
                            if let Err(e) = connection.await {
                                tracing::debug!(error = %e, "database connection closed");
                            }
                        });
                        return Ok((client, task));
                    }
                    Ok(Err(e)) => {
                        tracing::debug!(host = i, error = %e, "database host refused");
                        last_error = Some(e);
                    }
                    Err(_) => {
                        tracing::debug!(host = i, timeout = ?self.timeout, "database host did not answer");
                        // tokio-postgres's own "timeout waiting for server"
                        // error (its `postgres` crate builds it the same way).
                        last_error = Some(tokio_postgres::Error::__private_api_timeout());
                    }
                }
            }
            Err(last_error.unwrap_or_else(tokio_postgres::Error::__private_api_timeout))
        })
    }
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

/// How long the readiness probe waits for the database's answer.
const READINESS_TIMEOUT: Duration = Duration::from_secs(2);

/// The readiness question: is the server a primary, and would a
/// transaction be read-write?
const READINESS_SQL: &str =
    "SELECT pg_is_in_recovery()::text, current_setting('transaction_read_only')";

impl Readiness {
    /// The answer to [`READINESS_SQL`].
    fn of(messages: &[SimpleQueryMessage]) -> Self {
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

impl crate::store::Store {
    /// Asks the database, on a pooled connection like the service's writes
    /// use and in one round trip, whether it is a primary and whether a
    /// transaction there would be read-write. Bounded by the pool's timeouts
    /// and 2 s for the answer.
    pub async fn readiness(&self) -> Readiness {
        let client = match self.pool().get().await {
            Ok(client) => client,
            Err(e) => return Readiness::Unreachable(e.to_string()),
        };
        let answer = tokio::time::timeout(READINESS_TIMEOUT, client.simple_query(READINESS_SQL));
        match answer.await {
            Ok(Ok(messages)) => Readiness::of(&messages),
            Ok(Err(e)) => Readiness::Unreachable(e.to_string()),
            Err(_) => Readiness::Unreachable(format!("no answer within {READINESS_TIMEOUT:?}")),
        }
    }
}

impl crate::config::Config {
    /// The database pool's settings: the size, the timeouts and keepalive
    /// above, and at most 2 s (or the request deadline) to wait for a
    /// free connection.
    #[must_use]
    pub fn pool_settings(&self) -> PoolSettings {
        PoolSettings {
            size: self.pool_size,
            connect_timeout: self.db_connect_timeout,
            check_timeout: self.db_check_timeout,
            wait_timeout: self.request_timeout.min(Duration::from_secs(2)),
            keepalive: self.db_keepalive,
        }
    }
}
