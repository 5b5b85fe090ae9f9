//! The command line (clap): subcommands and their flags, each with its
//! environment variable; [`ServeArgs::config`] checks them into a
//! [`Config`](super::Config).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::http::Uri;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use super::*;

/// `collab-authz-service`: the command line.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "collab-authz-service",
    version,
    about = "The reference HTTP service of collab-authz: the collaborator API and pages on PostgreSQL",
    long_about = None,
    after_help = "Every setting can also be given by its environment variable; a flag wins over it.",
)]
pub struct Cli {
    /// Logging, for every subcommand.
    #[command(flatten)]
    pub log: LogArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Apply the migrations and serve HTTP until SIGTERM or Ctrl-C; prints
    /// `listening on http://ADDR` on stdout once it accepts connections.
    Serve(ServeArgs),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage the key file: the keys that sign bearer tokens and session
    /// cookies and derive invitation links, kept outside the database.
    #[command(subcommand)]
    Keys(KeysCommand),
}

/// `keys ...`: the key file every replica reads. After a change, restart
/// every replica (each reads the file at start).
#[derive(Debug, Clone, Subcommand)]
pub enum KeysCommand {
    /// Create a new key file (refused if it exists); `serve` also creates
    /// one at first start when the file named does not exist.
    Generate(KeyFileArgs),
    /// Add a new signing key, which signs from the next start on; the
    /// older keys keep verifying the tokens they signed until removed.
    /// With `--link`, replace the invitation-link key instead: every
    /// pending invitation link stops working.
    Rotate(KeyRotateArgs),
    /// Remove signing key KID: the tokens it signed are refused from the
    /// next start on (not the last key).
    Remove(KeyRemoveArgs),
    /// List the signing keys' ids, the signing one first (never a key).
    List(KeyFileArgs),
}

/// The key file of a `keys` subcommand.
#[derive(Debug, Clone, Args)]
pub struct KeyFileArgs {
    /// The key file.
    #[arg(long, env = "KEY_FILE", value_name = "PATH")]
    pub key_file: PathBuf,
}

/// `keys rotate`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct KeyRotateArgs {
    /// The key file.
    #[command(flatten)]
    pub file: KeyFileArgs,
    /// Replace the invitation-link key (pending links stop working)
    /// instead of adding a signing key.
    #[arg(long)]
    pub link: bool,
}

/// `keys remove`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct KeyRemoveArgs {
    /// The id of the signing key to remove (`keys list`).
    #[arg(value_name = "KID")]
    pub kid: String,
    /// The key file.
    #[command(flatten)]
    pub file: KeyFileArgs,
}

/// `user ...`.
#[derive(Debug, Clone, Subcommand)]
pub enum UserCommand {
    /// Create an account; prints its API token alone on the last line.
    Add(UserAddArgs),
}

/// Logging settings (global: before or after the subcommand).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Logging")]
pub struct LogArgs {
    /// Which events to log, as a tracing filter: a level (`info`) or
    /// per-target directives (`info,collab_authz_service=debug`).
    #[arg(
        long = "log",
        env = "RUST_LOG",
        value_name = "FILTER",
        default_value = "info",
        global = true
    )]
    pub filter: String,
    /// How log lines are written (to stderr): `text` for people, `json` for
    /// one JSON object per line with the span's fields.
    #[arg(
        long,
        env = "LOG_FORMAT",
        value_enum,
        value_name = "FORMAT",
        default_value_t = LogFormat::Text,
        global = true
    )]
    pub log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The database settings of every subcommand.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Database")]
pub struct DatabaseArgs {
    /// The PostgreSQL connection string (`postgres://user:password@host:port/db`
    /// or `host=... dbname=...`); required. Prefer the environment variable: a
    /// flag's password shows in the process list.
    #[arg(long, env = "DATABASE_URL", value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// At most this many database connections per process (1 to 1000).
    #[arg(
        long,
        env = "DB_POOL_SIZE",
        value_name = "N",
        default_value_t = DEFAULT_POOL_SIZE,
        value_parser = pool_size
    )]
    pub db_pool_size: usize,
    /// Per database host, in milliseconds: TCP connect, startup,
    /// authentication and the read-write check of
    /// `target_session_attrs=read-write` together; a host that does not
    /// answer in time is skipped for the next host of the URL (100 to
    /// 60000).
    #[arg(
        long,
        env = "DB_CONNECT_TIMEOUT_MS",
        value_name = "MS",
        default_value_t = DEFAULT_DB_CONNECT_TIMEOUT_MS,
        value_parser = clap::value_parser!(u64).range(100..=60_000)
    )]
    pub db_connect_timeout_ms: u64,
    /// The round trip, in milliseconds, that checks a pooled connection
    /// before it is handed out again (one idle for 1 s or more; every one
    /// during an outage and for 30 s after it); a connection whose server
    /// does not answer in time, or is a standby or read-only, is dropped
    /// (50 to 60000).
    #[arg(
        long,
        env = "DB_CHECK_TIMEOUT_MS",
        value_name = "MS",
        default_value_t = DEFAULT_DB_CHECK_TIMEOUT_MS,
        value_parser = clap::value_parser!(u64).range(50..=60_000)
    )]
    pub db_check_timeout_ms: u64,
    /// TCP keepalive on database connections, in seconds: idle time before
    /// the first probe and between probes (3 probes; unacknowledged data
    /// breaks the connection after three times this) (1 to 3600).
    #[arg(
        long,
        env = "DB_KEEPALIVE_SECONDS",
        value_name = "SECONDS",
        default_value_t = DEFAULT_DB_KEEPALIVE_SECONDS,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub db_keepalive_seconds: u64,
}

fn pool_size(s: &str) -> Result<usize, String> {
    s.parse::<usize>()
        .ok()
        .filter(|n| (1..=1000).contains(n))
        .ok_or_else(|| format!("expected 1 to 1000, got {s:?}"))
}

impl DatabaseArgs {
    /// `config` with these database settings.
    #[must_use]
    pub fn apply(&self, config: Config) -> Config {
        Config {
            pool_size: self.db_pool_size,
            db_connect_timeout: Duration::from_millis(self.db_connect_timeout_ms),
            db_check_timeout: Duration::from_millis(self.db_check_timeout_ms),
            db_keepalive: Duration::from_secs(self.db_keepalive_seconds),
            ..config
        }
    }

    /// The connection string, checked.
    ///
    /// # Errors
    /// [`ConfigError`] naming `DATABASE_URL` when it is absent or is not a
    /// PostgreSQL connection string.
    pub fn url(&self) -> Result<&str, ConfigError> {
        let url = self.database_url.as_deref().ok_or(ConfigError::Missing {
            flag: "database-url",
            env: "DATABASE_URL",
        })?;
        url.parse::<tokio_postgres::Config>()
            .map_err(|e| ConfigError::Invalid {
                flag: "database-url",
                env: "DATABASE_URL",
                reason: format!("not a PostgreSQL connection string ({e})"),
            })?;
        Ok(url)
    }

    /// Where the database is, for the startup log: hosts, ports, database
    /// and user, never the password.
    #[must_use]
    pub fn summary(&self) -> String {
        let Some(config) = self
            .database_url
            .as_deref()
            .and_then(|u| u.parse::<tokio_postgres::Config>().ok())
        else {
            return "unset".into();
        };
        let hosts: Vec<String> = config
            .get_hosts()
            .iter()
            .map(|h| match h {
                tokio_postgres::config::Host::Tcp(name) => name.clone(),
                tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
        format!(
            "host={} port={} dbname={} user={}",
            hosts.join(","),
            ports.join(","),
            config.get_dbname().unwrap_or("-"),
            config.get_user().unwrap_or("-"),
        )
    }
}

/// `serve`'s settings.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// The address to listen on (`IP:PORT`; port 0 lets the system choose).
    #[arg(long, env = "LISTEN_ADDR", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// The key file (required): the keys that sign bearer tokens and
    /// session cookies and derive invitation links, never stored in the
    /// database. Created with new keys when it does not exist (one log line
    /// says so); every replica must read the same file. Managed with
    /// `collab-authz-service keys`.
    #[arg(long, env = "KEY_FILE", value_name = "PATH")]
    pub key_file: PathBuf,
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The URL clients reach the service at (`http://` or `https://`, no
    /// query): invitation links and `/v1/regions` are built on it, and
    /// cookies are `Secure` when it is `https://`. Replicas behind one load
    /// balancer must share it. Default: `http://` and the bound address.
    #[arg(long, env = "PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// The region name `/v1/regions` gives (letters, digits, `-`, `_`; at
    /// most 63).
    #[arg(long, env = "REGION", value_name = "NAME", default_value = DEFAULT_REGION)]
    pub region: String,
    /// The lifetime of a bearer token from `/v1/tokens/exchange`, in seconds
    /// (60 to 86400); a token whose `exp - iat` is longer is refused.
    #[arg(
        long,
        env = "JWT_TTL_SECONDS",
        value_name = "SECONDS",
        default_value_t = DEFAULT_JWT_TTL_SECONDS,
        value_parser = clap::value_parser!(u64).range(60..=86_400)
    )]
    pub jwt_ttl_seconds: u64,
    /// A token `GET /metrics` then requires as `Authorization: Bearer TOKEN`
    /// (at least 16 characters). Unset, `/metrics` is open: restrict it at
    /// the load balancer, or set this. Prefer the environment variable.
    #[arg(
        long,
        env = "METRICS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,
    /// The deadline of each request, in milliseconds: waiting for a
    /// database connection, the queries and the per-resource write lock
    /// together; past it the request answers 503 with `Retry-After` (100
    /// to 600000).
    #[arg(
        long,
        env = "REQUEST_TIMEOUT_MS",
        value_name = "MS",
        default_value_t = DEFAULT_REQUEST_TIMEOUT_MS,
        value_parser = clap::value_parser!(u64).range(100..=600_000)
    )]
    pub request_timeout_ms: u64,
    /// How long, in seconds, the answer of a write sent with an
    /// `Idempotency-Key` header is kept, so that a retry with the same key
    /// gets it again instead of writing twice; past it the key is
    /// forgotten (1 to 604800; default 24 h).
    #[arg(
        long,
        env = "IDEMPOTENCY_RETENTION_SECONDS",
        value_name = "SECONDS",
        default_value_t = DEFAULT_IDEMPOTENCY_RETENTION_SECONDS,
        value_parser = clap::value_parser!(u64).range(1..=604_800)
    )]
    pub idempotency_retention_seconds: u64,
    /// Connections.
    #[command(flatten)]
    pub connections: ConnectionArgs,
    /// Growth.
    #[command(flatten)]
    pub growth: GrowthArgs,
}

/// How far rosters and invitations may grow (`serve`).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Growth")]
pub struct GrowthArgs {
    /// At most this many people on one app's or database's roster, owner
    /// and pending invitees included; an invitation past it answers 422
    /// (1 to 100000).
    #[arg(
        long,
        env = "MAX_MEMBERS",
        value_name = "N",
        default_value_t = DEFAULT_MAX_MEMBERS,
        value_parser = clap::value_parser!(u32).range(1..=100_000).map(|n| n as usize)
    )]
    pub max_members: usize,
    /// At most this many pending invitations on one roster; past it, 422
    /// (1 to 100000).
    #[arg(
        long,
        env = "MAX_PENDING_INVITATIONS",
        value_name = "N",
        default_value_t = DEFAULT_MAX_PENDING_INVITATIONS,
        value_parser = clap::value_parser!(u32).range(1..=100_000).map(|n| n as usize)
    )]
    pub max_pending_invitations: usize,
    /// At most this many invitations sent by one person per
    /// `--invitation-rate-window-seconds`, on all replicas together;
    /// past it, 429 with `Retry-After` (1 to 1000000).
    #[arg(
        long,
        env = "INVITATION_RATE_LIMIT",
        value_name = "N",
        default_value_t = DEFAULT_INVITATION_RATE_LIMIT,
        value_parser = clap::value_parser!(u32).range(1..=1_000_000)
    )]
    pub invitation_rate_limit: u32,
    /// The window of `--invitation-rate-limit`, in seconds (1 to 604800).
    #[arg(
        long,
        env = "INVITATION_RATE_WINDOW_SECONDS",
        value_name = "SECONDS",
        default_value_t = DEFAULT_INVITATION_RATE_WINDOW_SECONDS,
        value_parser = clap::value_parser!(u64).range(1..=604_800)
    )]
    pub invitation_rate_window_seconds: u64,
}

/// How connections are bounded (`serve`).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Connections")]
pub struct ConnectionArgs {
    /// How long a request head may take to arrive, in seconds, from the
    /// moment the server waits for it (on a kept-alive connection, from
    /// the previous response); then the connection is closed (1 to 3600).
    #[arg(
        long,
        env = "HEADER_READ_TIMEOUT_SECONDS",
        value_name = "SECONDS",
        default_value_t = DEFAULT_HEADER_READ_TIMEOUT_SECONDS,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub header_read_timeout_seconds: u64,
    /// How long a whole request body may take to arrive, in seconds; then
    /// 408 (1 to 3600). Keep it under `--request-timeout-ms`, whose
    /// deadline also runs while the body arrives.
    #[arg(
        long,
        env = "BODY_TIMEOUT_SECONDS",
        value_name = "SECONDS",
        default_value_t = DEFAULT_BODY_TIMEOUT_SECONDS,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub body_timeout_seconds: u64,
    /// A connection with no request being handled and no byte read or
    /// written for this many seconds is closed (1 to 3600).
    #[arg(
        long,
        env = "IDLE_TIMEOUT_SECONDS",
        value_name = "SECONDS",
        default_value_t = DEFAULT_IDLE_TIMEOUT_SECONDS,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub idle_timeout_seconds: u64,
    /// At most this many connections open at once; the next ones wait in
    /// the listen backlog until one closes (1 to 1000000).
    #[arg(
        long,
        env = "MAX_CONNECTIONS",
        value_name = "N",
        default_value_t = DEFAULT_MAX_CONNECTIONS,
        value_parser = max_connections
    )]
    pub max_connections: usize,
    /// After SIGTERM or Ctrl-C, how many seconds the requests in flight
    /// may take before the connections still open are dropped (0 to
    /// 3600).
    #[arg(
        long,
        env = "SHUTDOWN_TIMEOUT_SECONDS",
        value_name = "SECONDS",
        default_value_t = DEFAULT_SHUTDOWN_TIMEOUT_SECONDS,
        value_parser = clap::value_parser!(u64).range(0..=3600)
    )]
    pub shutdown_timeout_seconds: u64,
}

fn max_connections(s: &str) -> Result<usize, String> {
    s.parse::<usize>()
        .ok()
        .filter(|n| (1..=1_000_000).contains(n))
        .ok_or_else(|| format!("expected 1 to 1000000, got {s:?}"))
}

impl ServeArgs {
    /// The service's [`Config`]; without `--public-url`, the public URL is
    /// `http://` and [`listen`](Self::listen) (the caller sets it again
    /// once the port is bound, when it was 0).
    ///
    /// # Errors
    /// [`ConfigError`] naming the first setting that does not hold.
    pub fn config(&self) -> Result<Config, ConfigError> {
        let public_url = match &self.public_url {
            Some(url) => public_url(url)?,
            None => format!("http://{}", self.listen),
        };
        let region = self.region.as_str();
        if region.is_empty()
            || region.len() > 63
            || !region
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(ConfigError::Invalid {
                flag: "region",
                env: "REGION",
                reason: format!("expected 1 to 63 letters, digits, '-' or '_', got {region:?}"),
            });
        }
        let metrics_token = match &self.metrics_token {
            None => None,
            Some(token) if token.chars().count() < 16 || token.chars().any(char::is_whitespace) => {
                return Err(ConfigError::Invalid {
                    flag: "metrics-token",
                    env: "METRICS_TOKEN",
                    reason: "expected at least 16 characters and no spaces".into(),
                });
            }
            Some(token) => Some(Secret(token.clone())),
        };
        Ok(self.database.apply(Config {
            metrics_token,
            jwt_ttl_seconds: self.jwt_ttl_seconds,
            region: region.to_string(),
            key_file: Some(self.key_file.clone()),
            header_read_timeout: Duration::from_secs(self.connections.header_read_timeout_seconds),
            body_timeout: Duration::from_secs(self.connections.body_timeout_seconds),
            idle_timeout: Duration::from_secs(self.connections.idle_timeout_seconds),
            max_connections: self.connections.max_connections,
            shutdown_timeout: Duration::from_secs(self.connections.shutdown_timeout_seconds),
            max_members: self.growth.max_members,
            max_pending_invitations: self.growth.max_pending_invitations,
            invitation_rate_limit: self.growth.invitation_rate_limit,
            invitation_rate_window: Duration::from_secs(self.growth.invitation_rate_window_seconds),
            request_timeout: Duration::from_millis(self.request_timeout_ms),
            idempotency_retention: Duration::from_secs(self.idempotency_retention_seconds),
            ..Config::new(public_url)
        }))
    }
}

/// Checks a public URL: absolute `http://` or `https://` with a host, no
/// query or fragment; gives it back without its trailing slashes.
fn public_url(url: &str) -> Result<String, ConfigError> {
    let invalid = |reason: String| ConfigError::Invalid {
        flag: "public-url",
        env: "PUBLIC_URL",
        reason,
    };
    let uri: Uri = url
        .parse()
        .map_err(|e| invalid(format!("not a URL ({e}): {url:?}")))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => {
            return Err(invalid(format!(
                "expected http:// or https://, got {url:?}"
            )));
        }
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid(format!("no host in {url:?}")));
    }
    if uri.query().is_some() || url.contains('#') {
        return Err(invalid(format!(
            "expected no query or fragment, got {url:?}"
        )));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// `user add`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct UserAddArgs {
    /// The account's email address.
    #[arg(value_name = "EMAIL")]
    pub email: String,
    /// Its username (shown beside the email).
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,
    /// Whether it has two-factor authentication on (shown in the owners'
    /// directory).
    #[arg(
        long,
        value_name = "STATE",
        default_value = "disabled",
        value_parser = PossibleValuesParser::new(["enabled", "disabled"])
            .try_map(|s| s.parse::<TwoFactor>())
    )]
    pub two_factor: TwoFactor,
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,
}
