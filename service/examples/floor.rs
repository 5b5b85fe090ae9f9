//! The service against its floor, measured in one run (BENCHMARKS.md,
//! "The service at its floor"; `scripts/bench-floor` runs it).
//!
//! ```text
//! DATABASE_URL=postgres://... cargo run --release -p collab-authz-service --example floor -- \
//!     [--members 10,100,1000,10000] [--clients 1,16] [--duration 4] [--rounds 3] [--invites 400]
//! ```
//!
//! In one process (2 tokio worker threads), on 127.0.0.1:
//! - the service (`router`, no log subscriber), on a fresh database on
//!   the server at `DATABASE_URL`, with one app per roster size (the owner
//!   and accepted collaborators, each with an account);
//! - the floor: an HTTP server (axum, the same HTTP stack) that makes the
//!   one database round trip a read needs (`SELECT version FROM resources
//!   WHERE id = $1`, prepared, on a pool of the same size) and answers the
//!   bytes the service answers for that app (fetched once, the owner's
//!   view), `application/json`.
//!
//! Then, for each size and client count, `rounds` times: `wrk` on the
//! floor, then on the service's `GET /v1/apps/{app}/collaborators` as the
//! owner (alternating, so both see the same machine), each for
//! `duration` seconds, one `wrk` thread. A row per run and the ratio
//! service / floor of each pair. Then the invitations at 1,000 members
//! (or the largest size below): `invites` times, one client, a timed
//! `POST .../collaborators` followed by an untimed `DELETE` of it (after
//! one untimed pair, in which the service catches up with the other's
//! run: timed apart, listed with the slowest 1%), with
//! durable commits and, alternating, through a second service whose
//! database role commits asynchronously (`synchronous_commit = off`). The
//! crate's share: time inside the crate (the store's `crate_nanos`:
//! `decide_command`, `apply`, `resume`, the decoding of snapshots and
//! events) over the time the service's router spent (a middleware), over
//! each service run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use collab_authz::membership::{Account, MemberId, Username};
use collab_authz::org::directory::TwoFactor;
use collab_authz::{Email, ResourceKind};
use collab_authz_service::store::{Change, Locator, Seen};
use collab_authz_service::{AppState, Config, router, users};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

static SERVER_NANOS: AtomicU64 = AtomicU64::new(0);

async fn timing(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let response = next.run(req).await;
    SERVER_NANOS.fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
    response
}

fn arg_list(args: &[String], flag: &str, default: &[usize]) -> Vec<usize> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            v.split(',')
                .map(|n| n.trim().parse().expect("a number"))
                .collect()
        })
        .unwrap_or_else(|| default.to_vec())
}

/// The floor's state: the pool and, per app id, the bytes to answer.
#[derive(Clone)]
struct Floor {
    pool: deadpool_postgres::Pool,
    bodies: std::sync::Arc<std::collections::HashMap<String, Bytes>>,
}

async fn floor(State(floor): State<Floor>, Path(app): Path<String>) -> Response {
    let client = floor.pool.get().await.unwrap();
    let statement = client
        .prepare_cached("SELECT version FROM resources WHERE id = $1")
        .await
        .unwrap();
    let row = client.query_one(&statement, &[&app]).await.unwrap();
    let _version: i64 = row.get(0);
    drop(client);
    let body = floor.bodies.get(&app).unwrap().clone();
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

struct Conn {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Self {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(conn);
        Self { sender }
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        auth: &str,
        body: Option<String>,
    ) -> (u16, Bytes) {
        self.sender.ready().await.unwrap();
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", "bench")
            .header("authorization", auth);
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .unwrap();
        let res = self.sender.send_request(req).await.unwrap();
        let status = res.status().as_u16();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        (status, body)
    }

    /// Invites `email` to `app` (201), then deletes the invitation (204):
    /// the invitation's latency, seen by this client and by the router.
    async fn invite_then_delete(
        &mut self,
        app: &str,
        auth: &str,
        email: &str,
    ) -> (Duration, Duration) {
        let path = format!("/v1/apps/{app}/collaborators");
        let body = format!(r#"{{"collaborator":{{"email":"{email}"}}}}"#);
        let server_before = SERVER_NANOS.load(Ordering::Relaxed);
        let t = Instant::now();
        let (status, bytes) = self.send("POST", &path, auth, Some(body)).await;
        let took = t.elapsed();
        let server = Duration::from_nanos(SERVER_NANOS.load(Ordering::Relaxed) - server_before);
        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&bytes));
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let id = v["collaborator"]["id"].as_str().unwrap();
        let (status, _) = self
            .send("DELETE", &format!("{path}/{id}"), auth, None)
            .await;
        assert_eq!(status, 204);
        (took, server)
    }
}

/// What `wrk --latency` reports: requests per second, p50 and p99 (ms).
#[derive(Debug, Clone, Copy)]
struct Wrk {
    rps: f64,
    p50: f64,
    p99: f64,
    errors: bool,
}

/// A `wrk` duration (`812.00us`, `1.23ms`, `2.00s`) in milliseconds.
fn millis(text: &str) -> f64 {
    let (number, factor) = if let Some(n) = text.strip_suffix("us") {
        (n, 1e-3)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1e3)
    } else {
        panic!("a wrk duration: {text}")
    };
    number.parse::<f64>().unwrap() * factor
}

fn parse_wrk(out: &str) -> Wrk {
    let mut wrk = Wrk {
        rps: 0.0,
        p50: 0.0,
        p99: 0.0,
        errors: false,
    };
    for line in out.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", t] => wrk.p50 = millis(t),
            ["99%", t] => wrk.p99 = millis(t),
            ["Requests/sec:", n] => wrk.rps = n.parse().unwrap(),
            ["Non-2xx", ..] | ["Socket", "errors:", ..] => wrk.errors = true,
            _ => {}
        }
    }
    wrk
}

async fn wrk(url: String, auth: String, clients: usize, seconds: u64) -> Wrk {
    tokio::task::spawn_blocking(move || {
        let out = Command::new("wrk")
            .args(["-t1", &format!("-c{clients}"), &format!("-d{seconds}s")])
            .args(["--latency", "--timeout", "10s", "-H"])
            .arg(format!("authorization: {auth}"))
            .arg(&url)
            .output()
            .expect("wrk on PATH");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "wrk failed: {text}");
        parse_wrk(&text)
    })
    .await
    .unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_default()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sizes = arg_list(&args, "--members", &[10, 100, 1000, 10_000]);
    let client_counts = arg_list(&args, "--clients", &[1, 16]);
    let seconds = arg_list(&args, "--duration", &[4])[0] as u64;
    let rounds = arg_list(&args, "--rounds", &[3])[0];
    let invites = arg_list(&args, "--invites", &[400])[0];
    let admin_url = std::env::var("DATABASE_URL").expect("DATABASE_URL");

    // A fresh database on the server.
    let (client, connection) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let name = format!(
        "cas_floor_{}",
        collab_authz_service::ids::hex(&collab_authz_service::ids::random_bytes::<6>().unwrap())
    );
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let pg_version: String = client
        .query_one("SHOW server_version", &[])
        .await
        .unwrap()
        .get(0);
    let fsync: String = client.query_one("SHOW fsync", &[]).await.unwrap().get(0);
    let sync_commit: String = client
        .query_one("SHOW synchronous_commit", &[])
        .await
        .unwrap()
        .get(0);
    let database_url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Rosters of any size and invitations at any rate: the run measures
    // the service, not its growth policy.
    let unbounded = |url: String| Config {
        max_members: usize::MAX,
        max_pending_invitations: usize::MAX,
        // The CLI's largest limit over its shortest window: the rate
        // check reads the inviter's invitations of the last second
        // (the setup's are long outside it), as many as the run sends
        // in a second, where u32::MAX would read every invitation the
        // owner ever sent (the default, 100 an hour, reads at most 100).
        invitation_rate_limit: 1_000_000,
        invitation_rate_window: Duration::from_secs(1),
        ..Config::new(url)
    };
    let state = AppState::connect(&database_url, unbounded(format!("http://{addr}")))
        .await
        .unwrap();
    let app = router(state.clone()).layer(middleware::from_fn(timing));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let (owner, token) = users::create_user(
        &state.store,
        "owner@example.net",
        Some("owner"),
        TwoFactor::Enabled,
    )
    .await
    .unwrap();
    let basic = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!(":{token}"))
    };
    let mut conn = Conn::open(addr).await;
    let (status, body) = conn
        .send(
            "POST",
            "/v1/tokens/exchange",
            &format!("Basic {basic}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let jwt: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let auth = format!("Bearer {}", jwt["token"].as_str().unwrap());
    let owner_email: Email = owner.email.parse().unwrap();

    let max = sizes.iter().copied().max().unwrap_or(0);
    let setup = Instant::now();
    let mut members = Vec::new();
    for i in 1..max {
        let email = format!("member{i}@example.net");
        let (user, _) = users::create_user(
            &state.store,
            &email,
            Some(&format!("member{i}")),
            TwoFactor::Enabled,
        )
        .await
        .unwrap();
        members.push(user);
    }

    // One app per size; the floor answers its bytes.
    let mut apps = Vec::new();
    let mut bodies = std::collections::HashMap::new();
    for &size in &sizes {
        let app_name = format!("bench-{size}");
        let account = Account {
            id: MemberId::new(format!("mem_owner_{size}")).unwrap(),
            email: owner_email.clone(),
            username: Some(Username::new("owner").unwrap()),
        };
        let (resource, _) = state
            .store
            .create(ResourceKind::App, &app_name, &account)
            .await
            .unwrap();
        for user in members.iter().take(size.saturating_sub(1)) {
            let email: Email = user.email.parse().unwrap();
            let at = Locator::Key(ResourceKind::App, &resource.id);
            let opened = state
                .store
                .open(at, &owner_email, Seen::Active)
                .await
                .unwrap();
            let change = Change::Invite {
                email: email.clone(),
                role: Some(collab_authz::Role::Collaborator),
            };
            let invited = state.store.write(opened, change).await.unwrap();
            let member_id = invited.member_id.unwrap();
            let secret = invited.secret.unwrap();
            let opened = state.store.open(at, &email, Seen::Link).await.unwrap();
            let change = Change::Accept {
                member_id,
                secret,
                username: Some(Username::new(user.username.clone().unwrap()).unwrap()),
            };
            state.store.write(opened, change).await.unwrap();
        }
        let (status, body) = conn
            .send(
                "GET",
                &format!("/v1/apps/{app_name}/collaborators"),
                &auth,
                None,
            )
            .await;
        assert_eq!(status, 200);
        // The measured read is the kept one.
        let now = state
            .store
            .resource(ResourceKind::App, &resource.id)
            .await
            .unwrap();
        let kept = state.store.view(&now, "collaborators+links");
        assert_eq!(
            kept.as_ref(),
            Some(&body),
            "the listing of {app_name} is not kept"
        );
        bodies.insert(resource.id.clone(), body);
        apps.push((size, app_name, resource.id));
    }

    let floor_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let floor_addr = floor_listener.local_addr().unwrap();
    let floor_state = Floor {
        pool: collab_authz_service::db::pool(&database_url, 16).unwrap(),
        bodies: std::sync::Arc::new(bodies),
    };
    let floor_app = Router::new()
        .route("/floor/{app}", get(floor))
        .with_state(floor_state);
    tokio::spawn(async move { axum::serve(floor_listener, floor_app).await.unwrap() });

    println!(
        "machine: {} cores ({}); PostgreSQL {pg_version} on the same machine, fsync={fsync}, synchronous_commit={sync_commit}; setup {:.0} s",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(
                |s| s.lines().find(|l| l.starts_with("model name")).map(|l| l
                    .split(':')
                    .nth(1)
                    .unwrap_or("")
                    .trim()
                    .to_string())
            )
            .unwrap_or_default(),
        setup.elapsed().as_secs_f64(),
    );
    println!();
    println!(
        "| members | body bytes | clients | round | load | floor req/s | floor p50 ms | floor p99 ms | service req/s | service p50 ms | service p99 ms | p50 ratio | req/s ratio (floor/service) | crate share |"
    );
    println!(
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for (size, app_name, app_id) in &apps {
        let body_len = {
            let (_, body) = conn
                .send(
                    "GET",
                    &format!("/v1/apps/{app_name}/collaborators"),
                    &auth,
                    None,
                )
                .await;
            body.len()
        };
        for &clients in &client_counts {
            for round in 1..=rounds {
                let load_now = load();
                let floor_run = wrk(
                    format!("http://{floor_addr}/floor/{app_id}"),
                    auth.clone(),
                    clients,
                    seconds,
                )
                .await;
                let crate_before = state.store.stats.crate_nanos.load(Ordering::Relaxed);
                let server_before = SERVER_NANOS.load(Ordering::Relaxed);
                let service_run = wrk(
                    format!("http://{addr}/v1/apps/{app_name}/collaborators"),
                    auth.clone(),
                    clients,
                    seconds,
                )
                .await;
                let crate_nanos =
                    state.store.stats.crate_nanos.load(Ordering::Relaxed) - crate_before;
                let server_nanos = SERVER_NANOS.load(Ordering::Relaxed) - server_before;
                assert!(
                    !floor_run.errors && !service_run.errors,
                    "errors: {floor_run:?} {service_run:?}"
                );
                println!(
                    "| {size} | {body_len} | {clients} | {round} | {load_now} | {:.0} | {:.3} | {:.3} | {:.0} | {:.3} | {:.3} | {:.2} | {:.2} | {:.2}% |",
                    floor_run.rps,
                    floor_run.p50,
                    floor_run.p99,
                    service_run.rps,
                    service_run.p50,
                    service_run.p99,
                    service_run.p50 / floor_run.p50,
                    floor_run.rps / service_run.rps,
                    100.0 * crate_nanos as f64 / server_nanos.max(1) as f64,
                );
            }
        }
    }

    // Invitations at 1,000 members (or the largest size below): durable
    // commits through this service, and, alternating, asynchronous ones
    // (`synchronous_commit = off`, set on a role of its own) through a
    // second service on the same database, so that the difference is the
    // commit's wait for the WAL flush.
    let Some((size, app_name, _)) = apps
        .iter()
        .filter(|(size, _, _)| *size <= 1000)
        .max_by_key(|(size, _, _)| *size)
    else {
        return;
    };
    client
        .batch_execute(
            "CREATE ROLE bench_async SUPERUSER LOGIN;
             ALTER ROLE bench_async SET synchronous_commit = off",
        )
        .await
        .unwrap();
    let async_url = database_url.replacen("postgres://postgres@", "postgres://bench_async@", 1);
    assert_ne!(async_url, database_url, "a postgres://postgres@ URL");
    let async_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let async_addr = async_listener.local_addr().unwrap();
    let async_state = AppState::connect(&async_url, unbounded(format!("http://{async_addr}")))
        .await
        .unwrap();
    let async_commit: String = async_state
        .pool
        .get()
        .await
        .unwrap()
        .query_one("SHOW synchronous_commit", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(async_commit, "off");
    let async_app = router(async_state.clone()).layer(middleware::from_fn(timing));
    tokio::spawn(async move { axum::serve(async_listener, async_app).await.unwrap() });
    println!();
    println!(
        "invitations at {size} members, 1 client, {invites} per run after an untimed first one, each followed by an untimed DELETE (so a run is {} events: {} snapshots due)",
        2 * invites + 2,
        (2 * invites + 2) / 64,
    );
    println!();
    println!(
        "| round | commit | load | p50 ms | p99 ms | p99 / p50 | max ms | req/s | crate share | slowest 1% at a snapshot |"
    );
    println!("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let mut async_conn = Conn::open(async_addr).await;
    // Its own bearer token (each state signs with its own keys).
    let (status, body) = async_conn
        .send(
            "POST",
            "/v1/tokens/exchange",
            &format!("Basic {basic}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let async_jwt: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let async_auth = format!("Bearer {}", async_jwt["token"].as_str().unwrap());
    let mut slow = Vec::new();
    for round in 1..=rounds {
        for (commit, conn, stats, auth) in [
            ("durable", &mut conn, &state.store.stats, &auth),
            (
                "asynchronous",
                &mut async_conn,
                &async_state.store.stats,
                &async_auth,
            ),
        ] {
            // One untimed invitation and its deletion first: this
            // service's cache catches up with the other's run (its
            // events since this service last wrote), timed apart.
            let resumed_before = stats.cache_resumed.load(Ordering::Relaxed);
            let (caught_up, _) = conn
                .invite_then_delete(
                    app_name,
                    auth,
                    &format!("bench-{round}-{commit}-first@example.net"),
                )
                .await;
            let resumed = stats.cache_resumed.load(Ordering::Relaxed) - resumed_before;
            let crate_before = stats.crate_nanos.load(Ordering::Relaxed);
            let server_before = SERVER_NANOS.load(Ordering::Relaxed);
            let load_now = load();
            let mut latencies = Vec::with_capacity(invites);
            // The seq of invitation `i` is `first + 2 i` (each is followed
            // by its deletion).
            let first = state
                .store
                .resource(ResourceKind::App, app_name)
                .await
                .unwrap()
                .version
                + 1;
            let mut seqs = Vec::with_capacity(invites);
            let start = Instant::now();
            for i in 0..invites {
                let (took, server_one) = conn
                    .invite_then_delete(
                        app_name,
                        auth,
                        &format!("bench-{round}-{commit}-{i}@example.net"),
                    )
                    .await;
                latencies.push(took);
                seqs.push((took, first + 2 * i as i64, server_one));
            }
            let wall = start.elapsed();
            let crate_nanos = stats.crate_nanos.load(Ordering::Relaxed) - crate_before;
            let server_nanos = SERVER_NANOS.load(Ordering::Relaxed) - server_before;
            latencies.sort_unstable();
            let p50 = percentile(&latencies, 50.0).as_secs_f64() * 1e3;
            let p99 = percentile(&latencies, 99.0).as_secs_f64() * 1e3;
            // The slowest 1%: how many were the write that reached a
            // snapshot's seq (a multiple of 64) or the next invitation.
            seqs.sort_unstable_by_key(|&(latency, _, _)| std::cmp::Reverse(latency));
            let slowest = &seqs[..(invites / 100).max(1)];
            let near = slowest.iter().filter(|(_, seq, _)| seq % 64 <= 2).count();
            slow.push(format!(
                "round {round}, {commit}: first (untimed) {:.3} ms{}; {}",
                caught_up.as_secs_f64() * 1e3,
                if resumed > 0 {
                    " (resumed a snapshot)"
                } else {
                    ""
                },
                slowest
                    .iter()
                    .map(|(latency, seq, server)| format!(
                        "{:.3} ms (server {:.3} ms, seq {seq} = 64 k + {})",
                        latency.as_secs_f64() * 1e3,
                        server.as_secs_f64() * 1e3,
                        seq % 64
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
            println!(
                "| {round} | {commit} | {load_now} | {p50:.3} | {p99:.3} | {:.2} | {:.3} | {:.0} | {:.2}% | {near} of {} |",
                p99 / p50,
                latencies.last().unwrap().as_secs_f64() * 1e3,
                invites as f64 / wall.as_secs_f64(),
                100.0 * crate_nanos as f64 / server_nanos.max(1) as f64,
                slowest.len(),
            );
        }
    }
    println!();
    println!(
        "the slowest 1% of each row: the client's time, the router's (the rest is the client, hyper and the socket), the event's seq"
    );
    println!();
    for line in slow {
        println!("- {line}");
    }
    drop(client);
}
