//! Logs, request spans and metrics: what an operator reads.
//!
//! - [`init_logging`] installs the process's `tracing` subscriber: text or
//!   one JSON object per line, on stderr, filtered by `--log` / `RUST_LOG`
//!   (the `log` records of the database driver included).
//! - [`requests`] wraps the API and the pages: every request gets a span
//!   `request` with `method`, `route` (the matched route template, never the
//!   raw path, which can carry an invitation's secret), `request_id`, and,
//!   once answered, `status` and `latency_ms`; the store records
//!   `resource_id` (the access step) and `retries` (a membership write's
//!   lost races) on it with `tracing::Span::current().record(..)`. One `response`
//!   event per request is the access log. Each request also counts in
//!   [`HTTP_REQUESTS`] and [`HTTP_DURATION`] by method, route and status.
//! - [`request_ids`] gives every request an `x-request-id` (the caller's,
//!   or a new one in the UUID format) and echoes it on the response.
//! - [`metrics()`] is the process's Prometheus recorder, rendered by
//!   `GET /metrics`; the pool and the roster store are read at each scrape
//!   (by the metrics route, in `ops.rs`).
//!
//! The metrics (Prometheus text format):
//!
//! | name | type | labels |
//! | --- | --- | --- |
//! | `http_server_requests_total` | counter | `method`, `route`, `status` |
//! | `http_server_request_duration_seconds` | histogram | `method`, `route`, `status` |
//! | `collab_authz_db_pool_connections` | gauge: open connections | |
//! | `collab_authz_db_pool_idle_connections` | gauge: open and idle | |
//! | `collab_authz_db_pool_max_connections` | gauge: `--db-pool-size` | |
//! | `collab_authz_db_pool_waiting` | gauge: requests waiting for a connection | |
//! | `collab_authz_roster_cache_hits_total` | counter | |
//! | `collab_authz_roster_cache_misses_total` | counter | |
//! | `collab_authz_roster_cas_lost_total` | counter: compare-and-sets lost to another writer, each followed by one retry | |
//! | `collab_authz_roster_cache_divergences_total` | counter: cached rosters dropped because the database holds another log head (writes it lost) | |
//! | `collab_authz_roster_cache_resumed_total` | counter: cached rosters far behind the database, replaced by its latest snapshot and the events after it | |

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, Method, Response};
use axum::middleware::{self, Next};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tower_http::trace::TraceLayer;
use tracing::Span;
use tracing::field::Empty;
use tracing_subscriber::EnvFilter;

use crate::config::{ConfigError, LogArgs, LogFormat};

/// Requests answered, by `method`, `route` and `status`.
pub const HTTP_REQUESTS: &str = "http_server_requests_total";
/// The time to answer a request, in seconds, by `method`, `route` and
/// `status`.
pub const HTTP_DURATION: &str = "http_server_request_duration_seconds";
/// Open database connections.
pub const POOL_CONNECTIONS: &str = "collab_authz_db_pool_connections";
/// Open and idle database connections.
pub const POOL_IDLE: &str = "collab_authz_db_pool_idle_connections";
/// The pool's limit (`--db-pool-size`).
pub const POOL_MAX: &str = "collab_authz_db_pool_max_connections";
/// Requests waiting for a database connection.
pub const POOL_WAITING: &str = "collab_authz_db_pool_waiting";
/// Roster reads served from the cache at the current version.
pub const CACHE_HITS: &str = "collab_authz_roster_cache_hits_total";
/// Roster reads that loaded events or a snapshot.
pub const CACHE_MISSES: &str = "collab_authz_roster_cache_misses_total";
/// Compare-and-sets a write lost to another writer; each is followed by
/// one retry.
pub const CAS_LOST: &str = "collab_authz_roster_cas_lost_total";
/// Cached rosters dropped because the database holds another log head
/// than the cached one (it lost writes: a crash with asynchronous commit,
/// a failover to an asynchronous standby, a restore).
pub const CACHE_DIVERGENCES: &str = "collab_authz_roster_cache_divergences_total";
/// Cached rosters far behind the database (another replica wrote many
/// events since), replaced by the latest snapshot and the events after it
/// rather than continued event by event.
pub const CACHE_RESUMED: &str = "collab_authz_roster_cache_resumed_total";

/// The route label of a request no route matched.
pub const UNMATCHED: &str = "unmatched";

/// The request-id header, read and echoed.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The latency buckets, in seconds: 1 ms to 10 s.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Installs the process's `tracing` subscriber on stderr: `args.filter`
/// (the `RUST_LOG` syntax) and `args.log_format`; `log` records (the
/// database driver's) are forwarded to it.
///
/// # Errors
/// [`ConfigError`] naming `RUST_LOG` when the filter does not parse, or
/// when a subscriber is already installed.
pub fn init_logging(args: &LogArgs) -> Result<(), ConfigError> {
    let invalid = |reason: String| ConfigError::Invalid {
        flag: "log",
        env: "RUST_LOG",
        reason,
    };
    let filter = EnvFilter::builder()
        .parse(&args.filter)
        .map_err(|e| invalid(format!("not a log filter ({e}): {:?}", args.filter)))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let installed = match args.log_format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    installed.map_err(|e| invalid(format!("cannot install the logger: {e}")))
}

/// The process's Prometheus recorder: installed as the global `metrics`
/// recorder on first use. If another recorder is installed already (a
/// program embedding the service), this one renders only what is recorded
/// through it, which is nothing; the metrics go to the other.
pub fn metrics() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        // Only an empty bucket list is refused, and this one is not.
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if let Err(e) = metrics::set_global_recorder(recorder) {
            tracing::warn!(error = %e, "another metrics recorder is installed; /metrics stays empty");
        }
        describe();
        handle
    })
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "Requests answered, by method, route and status."
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer a request, by method, route and status."
    );
    describe_gauge!(POOL_CONNECTIONS, "Open database connections.");
    describe_gauge!(POOL_IDLE, "Open and idle database connections.");
    describe_gauge!(POOL_MAX, "The connection pool's limit.");
    describe_gauge!(POOL_WAITING, "Requests waiting for a database connection.");
    describe_counter!(
        CACHE_HITS,
        "Roster reads served from the cache at the current version."
    );
    describe_counter!(
        CACHE_MISSES,
        "Roster reads that loaded events or a snapshot."
    );
    describe_counter!(
        CAS_LOST,
        "Compare-and-sets lost to another writer; each is followed by one retry."
    );
}

/// Wraps every route of `router` (and its fallbacks) in the request span,
/// the access log and the request metrics. Routes merged afterwards (the
/// probes and `/metrics`) are neither logged nor counted.
pub fn requests<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    // Installed before the first request, so that none goes uncounted.
    let _ = metrics();
    router.layer(middleware::from_fn(count_request)).layer(
        TraceLayer::new_for_http()
            .make_span_with(request_span)
            .on_response(log_response)
            // A 5xx is logged once, with its cause, where it is mapped.
            .on_failure(()),
    )
}

/// Gives every request of `router` an `x-request-id` before anything else
/// sees it, and echoes it on the response: the caller's when it is a
/// plausible id ([`MAX_REQUEST_ID`] bytes at most of letters, digits and
/// `-_.:/+=@`), else a new one in the UUID format ([`new_request_id`]),
/// so that a caller cannot put arbitrary text in every log line of a
/// request.
pub fn request_ids<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(middleware::from_fn(request_id))
}

/// The longest request id taken from a caller.
pub const MAX_REQUEST_ID: usize = 128;

async fn request_id(mut request: Request, next: Next) -> axum::response::Response {
    let plausible = |v: &HeaderValue| {
        let bytes = v.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= MAX_REQUEST_ID
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(b))
    };
    let headers = request.headers_mut();
    let mut given = headers.get_all(&REQUEST_ID).iter();
    let id = match (given.next(), given.next()) {
        (Some(id), None) if plausible(id) => id.clone(),
        _ => new_request_id(),
    };
    headers.insert(REQUEST_ID, id.clone());
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID, id);
    response
}

/// A new request id, in the UUID format (36 characters, lower-case hex):
/// a random 64-bit prefix drawn once per process, then a counter mixed by
/// a bijection (so ids look unrelated, and no two of a process are the
/// same). Unique, not secret: it names a request in the logs and costs no
/// system call.
#[must_use]
pub fn new_request_id() -> HeaderValue {
    static PREFIX: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(|| {
        crate::ids::random_bytes::<8>().map_or_else(
            // Without the generator, the clock: still distinct between
            // processes started at different instants.
            |_| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64)
            },
            u64::from_le_bytes,
        )
    });
    let n = mix(COUNTER.fetch_add(1, Ordering::Relaxed) ^ prefix);
    let bits = (u128::from(prefix) << 64) | u128::from(n);
    let mut text = [b'-'; 36];
    let mut digits = (0..32).rev().map(|i| {
        let nibble = ((bits >> (4 * i)) & 0xf) as u8;
        if nibble < 10 {
            b'0' + nibble
        } else {
            b'a' + nibble - 10
        }
    });
    for (at, byte) in text.iter_mut().enumerate() {
        if ![8, 13, 18, 23].contains(&at) {
            *byte = digits.next().unwrap_or(b'0');
        }
    }
    // Hex digits and dashes: always a valid header value.
    HeaderValue::from_bytes(&text).unwrap_or(HeaderValue::from_static("request"))
}

/// `splitmix64`'s finalizer: a bijection of the 64-bit integers.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The method label: the standard methods by name, any other as `other`
/// (so that a caller cannot grow the label set).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn route_label(request: &Request) -> String {
    request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_string(), |p| p.as_str().to_string())
}

fn request_span(request: &Request<Body>) -> Span {
    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!(
        "request",
        method = method_label(request.method()),
        route = %route_label(request),
        request_id,
        status = Empty,
        latency_ms = Empty,
        resource_id = Empty,
        retries = Empty,
    )
}

fn log_response(response: &Response<Body>, latency: Duration, span: &Span) {
    span.record("status", response.status().as_u16());
    span.record("latency_ms", latency.as_secs_f64() * 1000.0);
    tracing::info!("response");
}

async fn count_request(request: Request, next: Next) -> axum::response::Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let route = route.as_ref().map_or(UNMATCHED, MatchedPath::as_str);
    let (requests, duration) = request_metrics(method, route, response.status().as_u16());
    requests.increment(1);
    duration.record(started.elapsed());
    response
}

/// The counter and the histogram of requests by `method`, `route` and
/// `status`, registered once per label set and kept (routes, methods and
/// statuses are bounded sets), so that a request builds no label set.
fn request_metrics(
    method: &'static str,
    route: &str,
    status: u16,
) -> (metrics::Counter, metrics::Histogram) {
    type ByRoute = HashMap<Box<str>, (metrics::Counter, metrics::Histogram)>;
    static KEPT: OnceLock<Mutex<HashMap<(&'static str, u16), ByRoute>>> = OnceLock::new();
    let kept = KEPT.get_or_init(Mutex::default);
    if let Ok(kept) = kept.lock()
        && let Some(handles) = kept.get(&(method, status)).and_then(|r| r.get(route))
    {
        return handles.clone();
    }
    let labels = [
        ("method", method.to_string()),
        ("route", route.to_string()),
        ("status", status.to_string()),
    ];
    let handles = (
        metrics::counter!(HTTP_REQUESTS, &labels),
        metrics::histogram!(HTTP_DURATION, &labels),
    );
    if let Ok(mut kept) = kept.lock() {
        kept.entry((method, status))
            .or_default()
            .insert(route.into(), handles.clone());
    }
    handles
}
