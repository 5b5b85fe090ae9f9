//! The service's one configuration: the command line ([`Cli`]) with every
//! setting as a flag and an environment variable, and the typed [`Config`]
//! the running service reads.
//!
//! Every setting has a flag and, except the `user add` arguments, an
//! environment variable; a flag wins over its variable. `--help` lists them
//! all with their defaults (`collab-authz-service serve --help`), and the
//! README's "Configuration" table is the same list. A value that does not
//! hold is refused before anything starts, with a message that names the
//! setting:
//!
//! | flag | environment | default |
//! | --- | --- | --- |
//! | `serve --listen ADDR` | `LISTEN_ADDR` | required |
//! | `--database-url URL` | `DATABASE_URL` | required |
//! | `--db-pool-size N` | `DB_POOL_SIZE` | 16 |
//! | `--db-connect-timeout-ms MS` | `DB_CONNECT_TIMEOUT_MS` | 2000 (per host) |
//! | `--db-check-timeout-ms MS` | `DB_CHECK_TIMEOUT_MS` | 1000 |
//! | `--db-keepalive-seconds S` | `DB_KEEPALIVE_SECONDS` | 10 |
//! | `serve --request-timeout-ms MS` | `REQUEST_TIMEOUT_MS` | 5000 |
//! | `serve --public-url URL` | `PUBLIC_URL` | `http://` + the bound address |
//! | `serve --region NAME` | `REGION` | `local` |
//! | `serve --jwt-ttl-seconds S` | `JWT_TTL_SECONDS` | 3600 |
//! | `serve --metrics-token TOKEN` | `METRICS_TOKEN` | none: `/metrics` open |
//! | `serve --idempotency-retention-seconds S` | `IDEMPOTENCY_RETENTION_SECONDS` | 86400 (24 h) |
//! | `--log FILTER` | `RUST_LOG` | `info` |
//! | `--log-format text\|json` | `LOG_FORMAT` | `text` |
//!
//! ```
//! use clap::Parser;
//! use collab_authz_service::config::{Cli, Command};
//!
//! let cli = Cli::try_parse_from([
//!     "collab-authz-service", "serve", "--listen", "127.0.0.1:8080",
//!     "--database-url", "postgres://app@db.internal/collab",
//!     "--public-url", "https://collab.example.com/",
//! ])?;
//! let Command::Serve(serve) = cli.command else { unreachable!() };
//! let config = serve.config()?;
//! assert_eq!(config.public_url, "https://collab.example.com");
//! assert_eq!(config.pool_size, 16);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use axum::http::Uri;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use collab_authz::org::directory::TwoFactor;

/// The service's settings, as the routes read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The URL clients reach the service at, without a trailing slash
    /// (invitation links and `/v1/regions` are built on it; cookies are
    /// `Secure` when it is `https://`).
    pub public_url: String,
    /// The lifetime of a bearer token, in seconds.
    pub jwt_ttl_seconds: u64,
    /// The region name `/v1/regions` gives.
    pub region: String,
    /// At most this many database connections per process.
    pub pool_size: usize,
    /// The bearer token `GET /metrics` requires, if any.
    pub metrics_token: Option<Secret>,
    /// The deadline of each request: waiting for a database connection,
    /// the queries and the per-resource write lock together. Past it the
    /// request answers 503 with `Retry-After`.
    pub request_timeout: Duration,
    /// Per database host: TCP connect, startup, authentication and the
    /// read-write check, before the next host of the URL is tried.
    pub db_connect_timeout: Duration,
    /// The round trip that checks a pooled connection before it is handed
    /// out again (one idle for a second or more; every one during an
    /// outage), dropped when it fails or finds a read-only server.
    pub db_check_timeout: Duration,
    /// TCP keepalive idle time and probe interval on database connections
    /// (3 probes; also `TCP_USER_TIMEOUT`, three times this).
    pub db_keepalive: Duration,
    /// How long the answer of a write sent with an `Idempotency-Key` is
    /// kept for a retry with the same key; past it the key is forgotten
    /// (and pruned) and a request with it is a new write.
    pub idempotency_retention: Duration,
}

impl Config {
    /// Defaults for a service reached at `public_url`: one-hour bearer
    /// tokens, region `local`, 16 connections, `/metrics` open, a 5 s
    /// request deadline, 2 s to connect per database host, 1 s for the
    /// pool's check, keepalive probes after 10 s, idempotency keys kept
    /// 24 h.
    #[must_use]
    pub fn new(public_url: impl Into<String>) -> Self {
        let mut public_url = public_url.into();
        while public_url.ends_with('/') {
            public_url.pop();
        }
        Self {
            public_url,
            jwt_ttl_seconds: DEFAULT_JWT_TTL_SECONDS,
            region: DEFAULT_REGION.into(),
            pool_size: DEFAULT_POOL_SIZE,
            metrics_token: None,
            request_timeout: Duration::from_millis(DEFAULT_REQUEST_TIMEOUT_MS),
            db_connect_timeout: Duration::from_millis(DEFAULT_DB_CONNECT_TIMEOUT_MS),
            db_check_timeout: Duration::from_millis(DEFAULT_DB_CHECK_TIMEOUT_MS),
            db_keepalive: Duration::from_secs(DEFAULT_DB_KEEPALIVE_SECONDS),
            idempotency_retention: Duration::from_secs(DEFAULT_IDEMPOTENCY_RETENTION_SECONDS),
        }
    }

    /// The database pool's settings: the size, the timeouts and keepalive
    /// above, and at most 2 s (or the request deadline) to wait for a
    /// free connection.
    #[must_use]
    pub fn pool_settings(&self) -> crate::db::PoolSettings {
        crate::db::PoolSettings {
            size: self.pool_size,
            connect_timeout: self.db_connect_timeout,
            check_timeout: self.db_check_timeout,
            wait_timeout: self.request_timeout.min(Duration::from_secs(2)),
            keepalive: self.db_keepalive,
        }
    }

    /// Whether clients reach the service over HTTPS (its public URL is
    /// `https://`), so that cookies must be `Secure`.
    #[must_use]
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

const DEFAULT_JWT_TTL_SECONDS: u64 = 3600;
const DEFAULT_REGION: &str = "local";
const DEFAULT_POOL_SIZE: usize = 16;
const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 5000;
const DEFAULT_DB_CONNECT_TIMEOUT_MS: u64 = 2000;
const DEFAULT_DB_CHECK_TIMEOUT_MS: u64 = 1000;
const DEFAULT_DB_KEEPALIVE_SECONDS: u64 = 10;
const DEFAULT_IDEMPOTENCY_RETENTION_SECONDS: u64 = 86_400;

/// A setting that must not be shown: its `Debug` is `Secret(..)`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `secret`.
    #[must_use]
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// A setting that does not hold; the message names it by its flag and
/// its environment variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required setting is absent.
    #[error("{env} is not set (give --{flag} or the {env} environment variable)")]
    Missing {
        /// The flag, without its dashes.
        flag: &'static str,
        /// The environment variable.
        env: &'static str,
    },
    /// A setting's value is refused.
    #[error("{env} (--{flag}): {reason}")]
    Invalid {
        /// The flag, without its dashes.
        flag: &'static str,
        /// The environment variable.
        env: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

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
    /// (60 to 86400).
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

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    fn serve(args: &[&str]) -> Result<Config, ConfigError> {
        let mut argv = vec!["collab-authz-service", "serve", "--listen", "127.0.0.1:9"];
        argv.extend_from_slice(args);
        let Ok(cli) = Cli::try_parse_from(argv) else {
            return Err(ConfigError::Missing {
                flag: "?",
                env: "?",
            });
        };
        match cli.command {
            Command::Serve(s) => s.config(),
            Command::User(_) => Err(ConfigError::Missing {
                flag: "?",
                env: "?",
            }),
        }
    }

    #[test]
    fn command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn public_url_is_checked_and_trimmed() {
        let c = serve(&["--public-url", "https://a.example//"]).unwrap();
        assert_eq!(c.public_url, "https://a.example");
        assert!(c.https());
        assert_eq!(serve(&[]).unwrap().public_url, "http://127.0.0.1:9");
        for bad in [
            "ftp://a",
            "a.example",
            "https://a.example/?x=1",
            "https://a/#x",
            "http://",
        ] {
            let e = serve(&["--public-url", bad]).unwrap_err();
            assert!(
                e.to_string().starts_with("PUBLIC_URL (--public-url): "),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn region_and_metrics_token_are_checked() {
        let e = serve(&["--region", "eu west"]).unwrap_err();
        assert!(e.to_string().starts_with("REGION (--region)"), "{e}");
        let e = serve(&["--metrics-token", "short"]).unwrap_err();
        assert!(e.to_string().starts_with("METRICS_TOKEN"), "{e}");
        let c = serve(&["--metrics-token", "0123456789abcdef", "--region", "eu-1"]).unwrap();
        assert_eq!(c.region, "eu-1");
        assert_eq!(
            c.metrics_token.as_ref().map(Secret::expose),
            Some("0123456789abcdef")
        );
        assert!(!format!("{c:?}").contains("0123456789abcdef"));
    }

    #[test]
    fn timeouts_are_typed_and_bounded() {
        let c = serve(&[]).unwrap();
        assert_eq!(c.request_timeout, Duration::from_secs(5));
        assert_eq!(c.idempotency_retention, Duration::from_secs(86_400));
        let kept = serve(&["--idempotency-retention-seconds", "60"]).unwrap();
        assert_eq!(kept.idempotency_retention, Duration::from_secs(60));
        assert!(serve(&["--idempotency-retention-seconds", "0"]).is_err());
        assert!(serve(&["--idempotency-retention-seconds", "604801"]).is_err());
        assert_eq!(c.db_connect_timeout, Duration::from_secs(2));
        assert_eq!(c.pool_settings().wait_timeout, Duration::from_secs(2));
        let c = serve(&[
            "--request-timeout-ms",
            "1500",
            "--db-connect-timeout-ms",
            "700",
            "--db-check-timeout-ms",
            "300",
            "--db-keepalive-seconds",
            "4",
        ])
        .unwrap();
        assert_eq!(c.request_timeout, Duration::from_millis(1500));
        let pool = c.pool_settings();
        assert_eq!(pool.connect_timeout, Duration::from_millis(700));
        assert_eq!(pool.check_timeout, Duration::from_millis(300));
        assert_eq!(pool.keepalive, Duration::from_secs(4));
        assert_eq!(pool.wait_timeout, Duration::from_millis(1500));
        for bad in [
            ["--request-timeout-ms", "0"],
            ["--db-connect-timeout-ms", "10"],
            ["--db-check-timeout-ms", "x"],
            ["--db-keepalive-seconds", "0"],
        ] {
            assert!(serve(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn database_url_is_required_and_parsed() {
        let db = |url: Option<&str>| DatabaseArgs {
            database_url: url.map(str::to_string),
            db_pool_size: 1,
            db_connect_timeout_ms: 2000,
            db_check_timeout_ms: 1000,
            db_keepalive_seconds: 10,
        };
        assert!(
            db(None)
                .url()
                .unwrap_err()
                .to_string()
                .starts_with("DATABASE_URL is not set")
        );
        let e = db(Some("postgres://a@h:notaport/x")).url().unwrap_err();
        assert!(
            e.to_string().starts_with("DATABASE_URL (--database-url)"),
            "{e}"
        );
        let ok = db(Some("postgres://u:pw@db.internal:5433/app"));
        assert!(ok.url().is_ok());
        let summary = ok.summary();
        assert_eq!(summary, "host=db.internal port=5433 dbname=app user=u");
        assert!(!summary.contains("pw"));
    }
}
