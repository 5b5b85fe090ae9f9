//! The store's errors: what went wrong below HTTP. [`StoreError`] is a
//! storage failure (it keeps the database's SQLSTATE and message);
//! [`Refusal`] is the crate's refusal of a membership operation;
//! [`AccessError`] is the access step's answer. The HTTP mapping of each
//! is at the edge (the service's `error.rs`), once.

use collab_authz::membership::{Classify, ErrorClass, NotPermitted};
use collab_authz::{Denial, ResourceKind};

use crate::ids::RandomError;

/// A storage failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No live record of this kind (`app`, `database`, `resource`,
    /// `deployment`, `collaborator`, ...).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique key is taken (a resource name, an email, a username).
    #[error("{0}")]
    Taken(String),
    /// A value PostgreSQL cannot hold (SQLSTATE class 22: a NUL byte in
    /// text, a number out of range): bad input.
    #[error("a value cannot be stored (invalid text or number)")]
    InvalidValue {
        /// The SQLSTATE.
        sqlstate: String,
        /// The database's message.
        message: String,
    },
    /// The database cannot be reached (no connection, shut down, out of
    /// resources).
    #[error("the database is unavailable: {message}")]
    Unavailable {
        /// The SQLSTATE, when the database answered one.
        sqlstate: Option<String>,
        /// The driver's or the database's message.
        message: String,
    },
    /// Any other database error.
    #[error("database error {sqlstate}: {message}")]
    Database {
        /// The SQLSTATE.
        sqlstate: String,
        /// The database's message.
        message: String,
    },
    /// A stored value the service cannot read back, or a broken
    /// invariant of the store (a fault of the service).
    #[error("store fault: {0}")]
    Corrupt(String),
    /// The random generator failed.
    #[error(transparent)]
    Random(#[from] RandomError),
}

impl StoreError {
    /// The SQLSTATE the database answered, if any.
    #[must_use]
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            StoreError::InvalidValue { sqlstate, .. } | StoreError::Database { sqlstate, .. } => {
                Some(sqlstate)
            }
            StoreError::Unavailable { sqlstate, .. } => sqlstate.as_deref(),
            _ => None,
        }
    }

    /// Whether the database rolled the transaction back because of a
    /// serialization failure (SQLSTATE 40001) or a deadlock (40P01): nothing
    /// was written, and the same work may succeed if tried again.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(self.sqlstate(), Some(SERIALIZATION_FAILURE | DEADLOCK))
    }

    /// What kind of outage this failure is a sign of, if it is one (see
    /// [`Outage`]); `None` for anything but [`StoreError::Unavailable`].
    #[must_use]
    pub fn outage(&self) -> Option<Outage> {
        let StoreError::Unavailable { sqlstate, message } = self else {
            return None;
        };
        Some(match sqlstate.as_deref() {
            Some(READ_ONLY) => Outage::ReadOnly,
            Some(DISK_FULL) => Outage::DiskFull,
            Some(SERIALIZATION_FAILURE | DEADLOCK) => Outage::Contention,
            Some(QUERY_CANCELED) => Outage::Timeout,
            Some(_) => Outage::Unreachable,
            None if message.contains("Timeout") || message.contains("timed out") => Outage::Timeout,
            None => Outage::Unreachable,
        })
    }

    /// A fault of the service: `context` says what could not be read.
    #[must_use]
    pub fn corrupt(context: impl core::fmt::Display) -> Self {
        StoreError::Corrupt(context.to_string())
    }
}

/// SQLSTATE `read_only_sql_transaction`: a write on a read-only server.
pub const READ_ONLY: &str = "25006";
/// SQLSTATE `serialization_failure`.
pub const SERIALIZATION_FAILURE: &str = "40001";
/// SQLSTATE `deadlock_detected`.
pub const DEADLOCK: &str = "40P01";
/// SQLSTATE `disk_full`.
pub const DISK_FULL: &str = "53100";
/// SQLSTATE `query_canceled` (a statement timeout, a cancel request).
pub const QUERY_CANCELED: &str = "57014";

/// The kinds of database outage the service tells apart in its logs and
/// its answers (each a 503 with `Retry-After`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outage {
    /// No connection: refused, reset, shut down, no read-write host.
    Unreachable,
    /// The server refuses writes (SQLSTATE 25006): a standby, or a
    /// primary put read-only.
    ReadOnly,
    /// The server's disk is full (SQLSTATE 53100).
    DiskFull,
    /// A request ran out of its deadline (slow or frozen server), or a
    /// statement was cancelled (57014).
    Timeout,
    /// Serialization failures or deadlocks (40001, 40P01) still failing
    /// after the write path's retries.
    Contention,
}

impl Outage {
    /// A stable name, as logged: `unreachable`, `read_only`, `disk_full`,
    /// `timeout`, `contention`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Outage::Unreachable => "unreachable",
            Outage::ReadOnly => "read_only",
            Outage::DiskFull => "disk_full",
            Outage::Timeout => "timeout",
            Outage::Contention => "contention",
        }
    }
}

impl core::fmt::Display for Outage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// The name of the unique index on live resource names.
pub(crate) const LIVE_NAME: &str = "resources_live_name";

impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> Self {
        use tokio_postgres::error::SqlState;
        let message = error
            .as_db_error()
            .map_or_else(|| error.to_string(), |d| d.message().to_string());
        let Some(code) = error.code() else {
            // No SQL state: the connection (closed, refused, I/O).
            return StoreError::Unavailable {
                sqlstate: None,
                message,
            };
        };
        let sqlstate = code.code().to_string();
        let class = sqlstate.get(..2).unwrap_or("");
        if *code == SqlState::UNIQUE_VIOLATION {
            StoreError::Taken("conflicts with an existing record".into())
        } else if class == "22" {
            StoreError::InvalidValue { sqlstate, message }
        } else if matches!(class, "08" | "57" | "53")
            || matches!(
                sqlstate.as_str(),
                READ_ONLY | SERIALIZATION_FAILURE | DEADLOCK
            )
        {
            // Connection exceptions, operator intervention (shutdown, a
            // cancelled statement), insufficient resources (a full disk);
            // a read-only server (a standby, a primary being failed over);
            // a transaction rolled back by a serialization failure or a
            // deadlock (retried by the write path first): the request may
            // succeed later, nothing of it was written.
            StoreError::Unavailable {
                sqlstate: Some(sqlstate),
                message,
            }
        } else {
            StoreError::Database { sqlstate, message }
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        match error {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => StoreError::Unavailable {
                sqlstate: None,
                message: format!("connection pool: {other}"),
            },
        }
    }
}

/// The crate's refusal of an operation on a resource of `kind`: its
/// [`ErrorClass`], whether the actor is a stranger (whose answer must not
/// reveal the resource), and its explanation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    kind: ResourceKind,
    class: ErrorClass,
    stranger: bool,
    message: String,
}

impl Refusal {
    /// The refusal `error` of the crate, on a resource of `kind`.
    #[must_use]
    pub fn new<E: Classify + core::fmt::Display>(kind: ResourceKind, error: &E) -> Self {
        Self {
            kind,
            class: error.class(),
            stranger: error.not_permitted() == Some(&NotPermitted::Stranger),
            message: error.to_string(),
        }
    }

    /// The answer to a reference that names nothing the caller may use
    /// (`what`: `invitation`, `collaborator`): class not found.
    #[must_use]
    pub fn not_found(kind: ResourceKind, what: &str) -> Self {
        Self {
            kind,
            class: ErrorClass::NotFound,
            stranger: false,
            message: format!("{what} not found"),
        }
    }

    /// A request the service refuses as invalid before the crate decides
    /// (`message` names the field and says why): class invalid, answered
    /// with 422.
    #[must_use]
    pub fn invalid(kind: ResourceKind, message: String) -> Self {
        Self::limit(kind, message)
    }

    /// A service limit the operation would pass (`message` says which and
    /// what to do): class invalid, answered with 422.
    #[must_use]
    pub fn limit(kind: ResourceKind, message: String) -> Self {
        Self {
            kind,
            class: ErrorClass::Invalid,
            stranger: false,
            message,
        }
    }

    /// The resource's kind.
    #[must_use]
    pub fn kind(&self) -> ResourceKind {
        self.kind
    }

    /// The crate's class of the refusal.
    #[must_use]
    pub fn class(&self) -> ErrorClass {
        self.class
    }

    /// Whether the actor is a stranger to the resource.
    #[must_use]
    pub fn stranger(&self) -> bool {
        self.stranger
    }
}

/// Why the access step gave no guarded value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccessError {
    /// The resource (`app`, `database`, `invitation`) does not exist, or
    /// the caller may not see it (its existence does not leak).
    #[error("{0} not found")]
    Hidden(&'static str),
    /// The crate denies the action; the denial explains why.
    #[error("{0}")]
    Denied(Denial),
    /// The storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a write failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The crate refused the operation; nothing was written.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The storage failed. Nothing is half-written (one transaction), but
    /// this does not say that nothing was written: when the connection
    /// broke after the append was sent, the database may have committed it
    /// (a write with an idempotency key can be retried safely:
    /// [`Store::submit`](super::Store::submit)).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The resource (`app`, `database`, `invitation`) does not exist, or
    /// the caller may not see it (as [`AccessError::Hidden`]); nothing was
    /// written.
    #[error("{0} not found")]
    Hidden(&'static str),
    /// The caller sent as many invitations as the service allows in its
    /// window ([`InvitationRate`](super::InvitationRate)); nothing was
    /// written.
    #[error(
        "you sent {limit} invitations in the last {window_seconds} seconds, the most this \
         service allows; try again in {retry_after} seconds"
    )]
    TooManyInvitations {
        /// The most invitations in a window.
        limit: u32,
        /// The window, in seconds.
        window_seconds: u64,
        /// Seconds until the oldest invitation of the window leaves it.
        retry_after: u64,
    },
    /// The request's idempotency key was recorded with another request
    /// (another method, path or body); nothing was written.
    #[error(
        "Idempotency-Key: already used for another request (another method, path or body) \
         on this route and resource; use a new key for a new request"
    )]
    KeyReused,
}

impl From<RandomError> for WriteError {
    fn from(e: RandomError) -> Self {
        WriteError::Store(e.into())
    }
}

impl From<tokio_postgres::Error> for WriteError {
    fn from(e: tokio_postgres::Error) -> Self {
        WriteError::Store(e.into())
    }
}

impl From<deadpool_postgres::PoolError> for WriteError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        WriteError::Store(e.into())
    }
}
