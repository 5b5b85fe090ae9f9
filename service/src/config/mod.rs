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
//! | `serve --key-file PATH`, `keys ... --key-file PATH` | `KEY_FILE` | required |
//! | `serve --header-read-timeout-seconds S` | `HEADER_READ_TIMEOUT_SECONDS` | 10 |
//! | `serve --body-timeout-seconds S` | `BODY_TIMEOUT_SECONDS` | 4 |
//! | `serve --idle-timeout-seconds S` | `IDLE_TIMEOUT_SECONDS` | 60 |
//! | `serve --max-connections N` | `MAX_CONNECTIONS` | 1024 |
//! | `serve --shutdown-timeout-seconds S` | `SHUTDOWN_TIMEOUT_SECONDS` | 20 |
//! | `serve --max-members N` | `MAX_MEMBERS` | 1000 |
//! | `serve --max-pending-invitations N` | `MAX_PENDING_INVITATIONS` | 200 |
//! | `serve --invitation-rate-limit N` | `INVITATION_RATE_LIMIT` | 100 |
//! | `serve --invitation-rate-window-seconds S` | `INVITATION_RATE_WINDOW_SECONDS` | 3600 |
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
//!     "--key-file", "/etc/collab-authz/keys",
//!     "--database-url", "postgres://app@db.internal/collab",
//!     "--public-url", "https://collab.example.com/",
//! ])?;
//! let Command::Serve(serve) = cli.command else { unreachable!() };
//! let config = serve.config()?;
//! assert_eq!(config.public_url, "https://collab.example.com");
//! assert_eq!(config.pool_size, 16);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cli;

use core::fmt;
use std::path::PathBuf;
use std::time::Duration;

use collab_authz::org::directory::TwoFactor;

pub use cli::{
    Cli, Command, ConnectionArgs, DatabaseArgs, GrowthArgs, KeyFileArgs, KeyRemoveArgs,
    KeyRotateArgs, KeysCommand, LogArgs, LogFormat, ServeArgs, UserAddArgs, UserCommand,
};

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
    /// The key file ([`KeyRing`](crate::keys::KeyRing)): read at start, or
    /// created when it does not exist. `None`: keys generated for this
    /// process alone (tests, embedding), whose tokens and invitation
    /// links die with it.
    pub key_file: Option<PathBuf>,
    /// How long a request head may take to arrive, from the moment the
    /// server waits for it (the service's `server.rs`).
    pub header_read_timeout: Duration,
    /// How long a request body may take to arrive, whole (then 408).
    pub body_timeout: Duration,
    /// A connection with no request being handled and no byte moving for
    /// this long is closed.
    pub idle_timeout: Duration,
    /// At most this many connections open at once; the next ones wait in
    /// the listen backlog.
    pub max_connections: usize,
    /// After SIGTERM or Ctrl-C, how long the requests in flight may take
    /// before the connections still open are dropped.
    pub shutdown_timeout: Duration,
    /// At most this many people on one app's or database's roster (owner
    /// and pending invitees included); an invitation past it is a 422.
    pub max_members: usize,
    /// At most this many pending invitations on one roster (422 past it).
    pub max_pending_invitations: usize,
    /// At most this many invitations by one person in
    /// [`invitation_rate_window`](Self::invitation_rate_window), counted
    /// from the database (so across replicas); past it, 429 with
    /// `Retry-After`. Every write path holds invitations to it (the API,
    /// the pages, and `Store::write` on a
    /// state built from this configuration); `u32::MAX` is no limit and
    /// counts nothing (the flag accepts at most 1,000,000).
    pub invitation_rate_limit: u32,
    /// The window of [`invitation_rate_limit`](Self::invitation_rate_limit).
    pub invitation_rate_window: Duration,
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
        // URL schemes are case-insensitive (RFC 3986, 3.1): links are
        // built on the lower-case spelling.
        for scheme in ["https://", "http://"] {
            if public_url
                .get(..scheme.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
            {
                public_url.replace_range(..scheme.len(), scheme);
            }
        }
        Self {
            public_url,
            jwt_ttl_seconds: DEFAULT_JWT_TTL_SECONDS,
            region: DEFAULT_REGION.into(),
            pool_size: DEFAULT_POOL_SIZE,
            metrics_token: None,
            key_file: None,
            header_read_timeout: Duration::from_secs(DEFAULT_HEADER_READ_TIMEOUT_SECONDS),
            body_timeout: Duration::from_secs(DEFAULT_BODY_TIMEOUT_SECONDS),
            idle_timeout: Duration::from_secs(DEFAULT_IDLE_TIMEOUT_SECONDS),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            shutdown_timeout: Duration::from_secs(DEFAULT_SHUTDOWN_TIMEOUT_SECONDS),
            max_members: DEFAULT_MAX_MEMBERS,
            max_pending_invitations: DEFAULT_MAX_PENDING_INVITATIONS,
            invitation_rate_limit: DEFAULT_INVITATION_RATE_LIMIT,
            invitation_rate_window: Duration::from_secs(DEFAULT_INVITATION_RATE_WINDOW_SECONDS),
            request_timeout: Duration::from_millis(DEFAULT_REQUEST_TIMEOUT_MS),
            db_connect_timeout: Duration::from_millis(DEFAULT_DB_CONNECT_TIMEOUT_MS),
            db_check_timeout: Duration::from_millis(DEFAULT_DB_CHECK_TIMEOUT_MS),
            db_keepalive: Duration::from_secs(DEFAULT_DB_KEEPALIVE_SECONDS),
            idempotency_retention: Duration::from_secs(DEFAULT_IDEMPOTENCY_RETENTION_SECONDS),
        }
    }

    /// Whether clients reach the service over HTTPS (its public URL is
    /// `https://`, in any case: `HTTPS://` too), so that cookies must be
    /// `Secure` and `__Host-` prefixed and answers carry HSTS.
    #[must_use]
    pub fn https(&self) -> bool {
        self.public_url
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
    }
}

const DEFAULT_JWT_TTL_SECONDS: u64 = 3600;
const DEFAULT_REGION: &str = "local";
const DEFAULT_POOL_SIZE: usize = 16;
const DEFAULT_HEADER_READ_TIMEOUT_SECONDS: u64 = 10;
const DEFAULT_BODY_TIMEOUT_SECONDS: u64 = 4;
const DEFAULT_IDLE_TIMEOUT_SECONDS: u64 = 60;
const DEFAULT_MAX_CONNECTIONS: usize = 1024;
const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS: u64 = 20;
const DEFAULT_MAX_MEMBERS: usize = 1000;
const DEFAULT_MAX_PENDING_INVITATIONS: usize = 200;
const DEFAULT_INVITATION_RATE_LIMIT: u32 = 100;
const DEFAULT_INVITATION_RATE_WINDOW_SECONDS: u64 = 3600;
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

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use clap::Parser;

    use super::*;

    fn serve(args: &[&str]) -> Result<Config, ConfigError> {
        let mut argv = vec![
            "collab-authz-service",
            "serve",
            "--listen",
            "127.0.0.1:9",
            "--key-file",
            "/nonexistent/keys",
        ];
        argv.extend_from_slice(args);
        let Ok(cli) = Cli::try_parse_from(argv) else {
            return Err(ConfigError::Missing {
                flag: "?",
                env: "?",
            });
        };
        match cli.command {
            Command::Serve(s) => s.config(),
            Command::User(_) | Command::Keys(_) => Err(ConfigError::Missing {
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
