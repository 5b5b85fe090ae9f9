//! What an operator relies on: the probes (`/healthz` without the
//! database, `/readyz` following it, down or read-only), `/metrics` in the
//! Prometheus format with the request counter and latency histogram of a
//! route just called, request ids, JSON logs with the span's fields, and a
//! `--help` (and README) that lists every setting.
//!
//! The readiness test stops the test server and makes a database
//! read-only, so it holds [`DATABASE`] for writing while every other test
//! that needs the server holds it for reading.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::CommandFactory;
use collab_authz_service::config::{Cli, Config, Secret};
use collab_authz_service::{AppState, router};
use common::{Api, Response, fresh_database, postgres, send, service, user};
use serde_json::{Value, json};
use tokio::sync::RwLock;

/// Held for writing by the test that stops the server or makes a database
/// read-only; for reading by every other test that uses the server.
static DATABASE: RwLock<()> = RwLock::const_new(());

const BIN: &str = env!("CARGO_BIN_EXE_collab-authz-service");

async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Response {
    send(addr, "GET", path, headers, None).await
}

/// Runs SQL on the test server's maintenance database.
async fn admin(sql: &str) {
    let (client, connection) =
        tokio_postgres::connect(&postgres().admin_url, tokio_postgres::NoTls)
            .await
            .unwrap();
    let task = tokio::spawn(connection);
    client.batch_execute(sql).await.unwrap();
    drop(client);
    let _ = task.await;
}

fn database_name(url: &str) -> &str {
    url.rsplit_once('/').unwrap().1
}

/// Polls `/readyz` until it answers `status` with `reason` (or `None` for
/// no reason), for at most 20 s; the last answer.
async fn readyz_until(addr: SocketAddr, status: u16, reason: Option<&str>) -> Response {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = get(addr, "/readyz", &[]).await;
        let got = r.json()["reason"].as_str().map(str::to_string);
        if (r.status == status && got.as_deref() == reason) || Instant::now() > deadline {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_database_and_liveness_does_not() {
    let _exclusive = DATABASE.write().await;
    let svc = service().await;
    let name = database_name(&svc.database_url).to_string();
    let ok = get(svc.addr, "/healthz", &[]).await;
    assert_eq!((ok.status, ok.json()["status"].as_str()), (200, Some("ok")));
    let ready = get(svc.addr, "/readyz", &[]).await;
    assert_eq!(ready.status, 200, "{}", ready.text());
    assert_eq!(ready.json()["status"], "ready");

    // Read-only (as during a failover or maintenance): the service's new
    // connections could not write, so it is not ready.
    let kick = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    );
    admin(&format!(
        "ALTER DATABASE {name} SET default_transaction_read_only = on; {kick}"
    ))
    .await;
    let r = readyz_until(svc.addr, 503, Some("read_only")).await;
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.json()["reason"], "read_only", "{}", r.text());
    assert_eq!(r.headers["retry-after"], "1");
    assert_eq!(get(svc.addr, "/healthz", &[]).await.status, 200);
    admin(&format!(
        "ALTER DATABASE {name} RESET default_transaction_read_only; {kick}"
    ))
    .await;
    let r = readyz_until(svc.addr, 200, None).await;
    assert_eq!(r.status, 200, "{}", r.text());

    // Stopped: not ready, still alive (the liveness probe does no database
    // work), and ready again once it is back, without a restart.
    postgres().stop();
    let r = readyz_until(svc.addr, 503, Some("unreachable")).await;
    let live = get(svc.addr, "/healthz", &[]).await;
    postgres().start();
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.json()["reason"], "unreachable", "{}", r.text());
    assert_eq!(live.status, 200, "{}", live.text());
    let r = readyz_until(svc.addr, 200, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

/// One sample of the Prometheus text format.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

fn samples(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap();
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => (name, rest.strip_suffix('}').unwrap()),
                None => (series, ""),
            };
            let labels = labels
                .split(',')
                .filter(|p| !p.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap();
                    (k.to_string(), v.trim_matches('"').to_string())
                })
                .collect();
            Sample {
                name: name.to_string(),
                labels,
                value: value.parse().unwrap(),
            }
        })
        .collect()
}

/// The value of `name` with exactly these labels (plus `le` for a bucket),
/// 0 when absent.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
                && s.labels
                    .keys()
                    .all(|k| k == "le" || labels.iter().any(|(l, _)| l == k))
        })
        .map_or(0.0, |s| s.value)
}

async fn scrape(addr: SocketAddr) -> (String, Vec<Sample>) {
    let r = get(addr, "/metrics", &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4"),
        "{:?}",
        r.headers
    );
    let text = r.text();
    let parsed = samples(&text);
    (text, parsed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_each_request_by_route_and_status_with_a_latency_histogram() {
    let _shared = DATABASE.read().await;
    let svc = service().await;
    let regions = [
        ("method", "GET"),
        ("route", "/v1/regions"),
        ("status", "200"),
    ];
    let refused = [
        ("method", "GET"),
        ("route", "/v1/users/self"),
        ("status", "401"),
    ];
    let unmatched = [
        ("method", "DELETE"),
        ("route", "unmatched"),
        ("status", "404"),
    ];
    let (_, before) = scrape(svc.addr).await;
    for _ in 0..3 {
        assert_eq!(get(svc.addr, "/v1/regions", &[]).await.status, 200);
    }
    assert_eq!(get(svc.addr, "/v1/users/self", &[]).await.status, 401);
    let r = send(svc.addr, "DELETE", "/no-such-page-7f3a", &[], None).await;
    assert_eq!(r.status, 404);
    let (text, after) = scrape(svc.addr).await;

    let delta = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    assert_eq!(delta("http_server_requests_total", &regions), 3.0, "{text}");
    assert_eq!(delta("http_server_requests_total", &refused), 1.0, "{text}");
    assert_eq!(
        delta("http_server_requests_total", &unmatched),
        1.0,
        "{text}"
    );
    // A histogram, not a summary: buckets, a count and a sum.
    let duration = "http_server_request_duration_seconds";
    assert_eq!(delta(&format!("{duration}_count"), &regions), 3.0, "{text}");
    assert!(
        value(&after, &format!("{duration}_sum"), &regions) > 0.0,
        "{text}"
    );
    let inf = [regions.as_slice(), &[("le", "+Inf")]].concat();
    assert_eq!(delta(&format!("{duration}_bucket"), &inf), 3.0, "{text}");
    assert!(
        text.contains(&format!("# TYPE {duration} histogram")),
        "{text}"
    );
    // The raw path never becomes a label; the probes are not counted.
    assert!(!text.contains("no-such-page"), "{text}");
    assert!(!text.contains("route=\"/metrics\""), "{text}");

    // The pool and the roster store, read at the scrape.
    assert_eq!(
        value(&after, "collab_authz_db_pool_max_connections", &[]),
        16.0,
        "{text}"
    );
    assert!(
        value(&after, "collab_authz_db_pool_connections", &[]) >= 1.0,
        "{text}"
    );
    for counter in [
        "collab_authz_roster_cache_hits_total",
        "collab_authz_roster_cache_misses_total",
        "collab_authz_roster_cas_lost_total",
        "collab_authz_roster_cache_divergences_total",
        "collab_authz_roster_cache_resumed_total",
    ] {
        assert!(
            text.contains(&format!("# TYPE {counter} counter")),
            "{counter}: {text}"
        );
    }

    // The roster cache's counters follow this store: the only one of this
    // test binary that reads rosters.
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let api = Api { addr: svc.addr };
    common::create_app(&api, &olivia, "shop").await;
    let hits = "collab_authz_roster_cache_hits_total";
    let (_, before) = scrape(svc.addr).await;
    for _ in 0..2 {
        assert_eq!(
            api.call(&olivia, "GET", "/v1/apps/shop", None).await.status,
            200
        );
    }
    let (text, after) = scrape(svc.addr).await;
    assert!(
        value(&after, hits, &[]) >= value(&before, hits, &[]) + 2.0,
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_token_when_configured() {
    let _shared = DATABASE.read().await;
    let database_url = fresh_database().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Config {
        metrics_token: Some(Secret::new("s3cret-metrics-token-0001")),
        ..Config::new(format!("http://{addr}"))
    };
    let state = AppState::connect(&database_url, config).await.unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router(state)).await;
    });
    let r = get(addr, "/metrics", &[]).await;
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(r.headers["www-authenticate"], "Bearer");
    let wrong = get(
        addr,
        "/metrics",
        &[("authorization", "Bearer s3cret-metrics-token-0002")],
    )
    .await;
    assert_eq!(wrong.status, 401);
    let right = get(
        addr,
        "/metrics",
        &[("authorization", "Bearer s3cret-metrics-token-0001")],
    )
    .await;
    assert_eq!(right.status, 200, "{}", right.text());
    assert!(
        right
            .text()
            .contains("# TYPE collab_authz_db_pool_connections gauge")
    );
    // The probes stay open.
    assert_eq!(get(addr, "/healthz", &[]).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_a_request_id() {
    let _shared = DATABASE.read().await;
    let svc = service().await;
    // Not the routes whose counters the metrics test checks: the tests of
    // this binary share one recorder.
    for path in ["/healthz", "/v1/apps", "/sign-in", "/no-such-page"] {
        let given = get(svc.addr, path, &[("x-request-id", "req-given-42")]).await;
        assert_eq!(given.headers["x-request-id"], "req-given-42", "{path}");
        let made = get(svc.addr, path, &[]).await;
        let id = made.headers["x-request-id"].to_str().unwrap().to_string();
        let again = get(svc.addr, path, &[]).await;
        assert_eq!(id.len(), 36, "{path}: a UUID, got {id:?}");
        assert_ne!(
            again.headers["x-request-id"].to_str().unwrap(),
            id,
            "{path}"
        );
        // An implausible id (too long, or with spaces) is replaced.
        let long = "a".repeat(129);
        for bad in [long.as_str(), "two words", ""] {
            let r = get(svc.addr, path, &[("x-request-id", bad)]).await;
            let echoed = r.headers["x-request-id"].to_str().unwrap();
            assert_eq!(echoed.len(), 36, "{path} {bad:?}: {echoed}");
        }
        let longest = "b".repeat(128);
        let r = get(svc.addr, path, &[("x-request-id", &longest)]).await;
        assert_eq!(r.headers["x-request-id"], longest.as_str());
    }
}

/// The binary, spawned; its stderr collected by a thread.
struct Spawned {
    child: std::process::Child,
    addr: SocketAddr,
    stderr: std::thread::JoinHandle<String>,
}

fn spawn_serve(args: &[&str], database_url: &str) -> Spawned {
    let mut child = Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("KEY_FILE", common::key_file(database_url))
        .env_remove("RUST_LOG")
        .env_remove("LOG_FORMAT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let Some(addr) = common::listening_addr(child.stdout.take().unwrap()) else {
        let _ = child.kill();
        panic!("no address on stdout; stderr: {}", stderr.join().unwrap())
    };
    Spawned {
        child,
        addr,
        stderr,
    }
}

impl Spawned {
    /// Stops it with SIGTERM; its exit status and stderr.
    fn terminate(mut self) -> (std::process::ExitStatus, String) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -TERM");
        let status = self.child.wait().unwrap();
        (status, self.stderr.join().unwrap())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_one_object_per_line_with_the_request_span() {
    let _shared = DATABASE.read().await;
    // A password the server (trust authentication) never asks for: it must
    // not reach the logs.
    let database_url = fresh_database()
        .await
        .replacen("postgres@", "postgres:pw-never-logged@", 1);
    let served = spawn_serve(
        &["--log-format", "json", "serve", "--listen", "127.0.0.1:0"],
        &database_url,
    );
    let addr = served.addr;
    let r = get(addr, "/v1/regions", &[("x-request-id", "json-log-1")]).await;
    assert_eq!(r.status, 200);
    let r = get(addr, "/v1/users/self", &[]).await;
    assert_eq!(r.status, 401);
    // A write: its span names the resource and the races it lost.
    let out = Command::new(BIN)
        .args(["user", "add", "olivia@example.com"])
        .env("DATABASE_URL", &database_url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let api_token = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_string();
    let jwt = Api { addr }.exchange(&api_token).await.json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let bearer = format!("Bearer {jwt}");
    let auth = [("authorization", bearer.as_str())];
    let body = |v: Value| Some(serde_json::to_vec(&v).unwrap());
    let app = send(
        addr,
        "POST",
        "/v1/apps",
        &auth,
        body(json!({"app": {"name": "shop"}})),
    )
    .await;
    assert_eq!(app.status, 201, "{}", app.text());
    let app_id = app.json()["app"]["id"].as_str().unwrap().to_string();
    let invite = json!({"collaborator": {"email": "ada@example.com"}});
    let r = send(
        addr,
        "POST",
        "/v1/apps/shop/collaborators",
        &auth,
        body(invite),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let (status, stderr) = served.terminate();
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(!stderr.contains("pw-never-logged"), "{stderr}");

    let lines: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.iter().all(Value::is_object), "{stderr}");
    let by_message = |m: &'static str| lines.iter().filter(move |l| l["message"] == m);

    let started = by_message("listening")
        .next()
        .unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(started["level"], "INFO");
    assert_eq!(started["address"], addr.to_string());
    assert!(
        started["database"]
            .as_str()
            .unwrap()
            .contains("dbname=cas_test_")
    );
    assert_eq!(started["pool_size"], 16);
    assert_eq!(started["metrics"], "open");

    let responses: Vec<&Value> = by_message("response").collect();
    let regions = responses
        .iter()
        .find(|l| l["span"]["route"] == "/v1/regions")
        .unwrap_or_else(|| panic!("{stderr}"));
    let span = &regions["span"];
    assert_eq!(span["name"], "request");
    assert_eq!(span["method"], "GET");
    assert_eq!(span["status"], 200);
    assert_eq!(span["request_id"], "json-log-1");
    assert!(span["latency_ms"].as_f64().unwrap() >= 0.0, "{span}");
    let refused = responses
        .iter()
        .find(|l| l["span"]["route"] == "/v1/users/self")
        .unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(refused["span"]["status"], 401);
    assert_eq!(refused["span"]["request_id"].as_str().unwrap().len(), 36);
    let invited = responses
        .iter()
        .find(|l| l["span"]["route"] == "/v1/apps/{key}/collaborators")
        .unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(invited["span"]["method"], "POST");
    assert_eq!(invited["span"]["status"], 201);
    assert_eq!(invited["span"]["resource_id"], app_id.as_str());
    assert_eq!(invited["span"]["retries"], 0);

    let stopping = by_message("shutting down: finishing the requests in flight")
        .next()
        .unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(stopping["signal"], "SIGTERM");
    assert!(by_message("stopped").next().is_some(), "{stderr}");
}

/// Every setting of the command line: its flag and its variable.
fn settings() -> Vec<(String, String, Option<String>)> {
    let cli = Cli::command();
    let mut out = Vec::new();
    let mut add = |sub: &str, cmd: &clap::Command| {
        for arg in cmd.get_arguments() {
            if let Some(long) = arg.get_long() {
                if long == "help" || long == "version" {
                    continue;
                }
                let env = arg.get_env().map(|e| e.to_string_lossy().into_owned());
                out.push((sub.to_string(), long.to_string(), env));
            }
        }
    };
    add("", &cli);
    for sub in cli.get_subcommands() {
        add(sub.get_name(), sub);
        for nested in sub.get_subcommands() {
            add(&format!("{} {}", sub.get_name(), nested.get_name()), nested);
        }
    }
    out
}

#[test]
fn help_and_readme_list_every_setting() {
    let all = settings();
    let envs: Vec<&str> = all.iter().filter_map(|(_, _, e)| e.as_deref()).collect();
    // The settings the service had and the ones the logs and metrics need.
    for expected in [
        "LISTEN_ADDR",
        "DATABASE_URL",
        "DB_POOL_SIZE",
        "PUBLIC_URL",
        "REGION",
        "JWT_TTL_SECONDS",
        "METRICS_TOKEN",
        "RUST_LOG",
        "LOG_FORMAT",
    ] {
        assert!(
            envs.contains(&expected),
            "{expected} is not a setting: {all:?}"
        );
    }
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .split("## Configuration")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    for (sub, long, env) in &all {
        let mut argv: Vec<&str> = sub.split_whitespace().collect();
        argv.push("--help");
        let out = Command::new(BIN)
            .args(&argv)
            .env("DATABASE_URL", "postgres://u:pw-not-in-help@h/db")
            .env("METRICS_TOKEN", "token-not-in-help-0123")
            .output()
            .unwrap();
        assert!(out.status.success(), "{argv:?}");
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(
            help.contains(&format!("--{long}")),
            "{argv:?} lacks --{long}:\n{help}"
        );
        assert!(
            section.contains(&format!("--{long}")),
            "README lacks --{long}"
        );
        if let Some(env) = env {
            assert!(
                help.contains(&format!("[env: {env}")),
                "{argv:?} lacks {env}:\n{help}"
            );
            assert!(section.contains(&format!("`{env}`")), "README lacks {env}");
        }
        assert!(!help.contains("pw-not-in-help"), "{help}");
        assert!(!help.contains("token-not-in-help"), "{help}");
    }
}

#[test]
fn a_refused_setting_is_named() {
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env("DATABASE_URL", "postgres://x@127.0.0.1:1/x")
            .env("KEY_FILE", "/nonexistent/keys")
            .env_remove("RUST_LOG");
        for (k, v) in env {
            command.env(k, v);
        }
        let out = command.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        String::from_utf8(out.stderr).unwrap()
    };
    let serve = ["serve", "--listen", "127.0.0.1:0"];
    let e = run(&[&serve[..], &["--public-url", "ftp://x"]].concat(), &[]);
    assert!(e.contains("PUBLIC_URL (--public-url)"), "{e}");
    let e = run(&serve, &[("PUBLIC_URL", "https://a.example/?q=1")]);
    assert!(e.contains("PUBLIC_URL (--public-url)"), "{e}");
    let e = run(&serve, &[("RUST_LOG", "info,=[[")]);
    assert!(e.contains("RUST_LOG (--log)"), "{e}");
    let e = run(&serve, &[("REGION", "eu west")]);
    assert!(e.contains("REGION (--region)"), "{e}");
    let e = run(&serve, &[("METRICS_TOKEN", "short")]);
    assert!(e.contains("METRICS_TOKEN (--metrics-token)"), "{e}");
    let e = run(&serve, &[("DB_POOL_SIZE", "0")]);
    assert!(e.contains("--db-pool-size"), "{e}");
    let e = run(&serve, &[("JWT_TTL_SECONDS", "5")]);
    assert!(e.contains("--jwt-ttl-seconds"), "{e}");
    let e = run(&serve, &[("LOG_FORMAT", "xml")]);
    assert!(e.contains("--log-format"), "{e}");
    let e = run(&["serve", "--listen", "localhost"], &[]);
    assert!(e.contains("--listen"), "{e}");
}
