//! Load generator for BENCHMARKS.md: the service in this process on
//! 127.0.0.1, PostgreSQL at `DATABASE_URL`, and keep-alive HTTP/1 clients.
//!
//! ```text
//! DATABASE_URL=postgres://... cargo run --release -p collab-authz-service --example loadgen -- \
//!     [--gets 2000] [--invites 400] [--members 10,100,1000] [--clients 1,16] [--async-commit]
//! ```
//!
//! For each roster size, a fresh app with that many members (the owner
//! and accepted collaborators); for the cache on and off, for each client
//! count: `GET /v1/apps/{app}/collaborators` `--gets` times, then
//! `POST .../collaborators` (an invitation, timed) followed by a `DELETE`
//! of it (not timed, so the roster keeps its size) `--invites` times. Each
//! row gives requests per second, p50 and p99 latency as the client sees
//! it, and the share of the server's time spent in the crate (roster
//! operations, replays, decisions, the crate's deserialization of
//! snapshots and events) over the time spent in the router. Every loop is
//! bounded by its count; the database is a fresh one created on the
//! server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
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
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

struct Row {
    requests: usize,
    wall: Duration,
    latencies: Vec<Duration>,
    crate_nanos: u64,
    server_nanos: u64,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Get,
    Invite,
}

async fn run(
    addr: SocketAddr,
    state: &AppState,
    auth: &str,
    app: &str,
    kind: Kind,
    clients: usize,
    total: usize,
) -> Row {
    // Warm-up, untimed.
    let mut warm = Conn::open(addr).await;
    for _ in 0..20 {
        warm.send("GET", &format!("/v1/apps/{app}/collaborators"), auth, None)
            .await;
    }
    let counter = Arc::new(AtomicUsize::new(0));
    let crate_before = state.store.stats.crate_nanos.load(Ordering::Relaxed);
    let server_before = SERVER_NANOS.load(Ordering::Relaxed);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let counter = Arc::clone(&counter);
        let auth = auth.to_string();
        let app = app.to_string();
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await;
            let mut latencies = Vec::new();
            loop {
                let i = counter.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                match kind {
                    Kind::Get => {
                        let t = Instant::now();
                        let (status, _) = conn
                            .send("GET", &format!("/v1/apps/{app}/collaborators"), &auth, None)
                            .await;
                        latencies.push(t.elapsed());
                        assert_eq!(status, 200);
                    }
                    Kind::Invite => {
                        let body = format!(
                            r#"{{"collaborator":{{"email":"bench-{c}-{i}@example.net"}}}}"#
                        );
                        let t = Instant::now();
                        let (status, bytes) = conn
                            .send(
                                "POST",
                                &format!("/v1/apps/{app}/collaborators"),
                                &auth,
                                Some(body),
                            )
                            .await;
                        latencies.push(t.elapsed());
                        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&bytes));
                        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                        let id = v["collaborator"]["id"].as_str().unwrap();
                        let (status, _) = conn
                            .send(
                                "DELETE",
                                &format!("/v1/apps/{app}/collaborators/{id}"),
                                &auth,
                                None,
                            )
                            .await;
                        assert_eq!(status, 204);
                    }
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    let wall = start.elapsed();
    latencies.sort_unstable();
    Row {
        requests: latencies.len(),
        wall,
        latencies,
        crate_nanos: state.store.stats.crate_nanos.load(Ordering::Relaxed) - crate_before,
        server_nanos: SERVER_NANOS.load(Ordering::Relaxed) - server_before,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let gets = arg_list(&args, "--gets", &[2000])[0];
    let invites = arg_list(&args, "--invites", &[400])[0];
    let sizes = arg_list(&args, "--members", &[10, 100, 1000]);
    let client_counts = arg_list(&args, "--clients", &[1, 16]);
    let admin_url = std::env::var("DATABASE_URL").expect("DATABASE_URL");

    // A fresh database on the server.
    let (client, connection) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let name = format!(
        "cas_bench_{}",
        collab_authz_service::ids::hex(&collab_authz_service::ids::random_bytes::<6>().unwrap())
    );
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    // `--async-commit`: the bench database commits without waiting for
    // the WAL flush (a crash may lose the last commits, never corrupt).
    if args.iter().any(|a| a == "--async-commit") {
        client
            .batch_execute(&format!(
                "ALTER DATABASE {name} SET synchronous_commit = off"
            ))
            .await
            .unwrap();
    }
    let pg_version: String = client
        .query_one("SHOW server_version", &[])
        .await
        .unwrap()
        .get(0);
    let fsync: String = client.query_one("SHOW fsync", &[]).await.unwrap().get(0);
    let database_url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Rosters of any size and invitations at any rate: the load measures
    // the service, not its growth policy.
    let config = Config {
        max_members: usize::MAX,
        max_pending_invitations: usize::MAX,
        // The CLI's largest limit over its shortest window: the rate
        // check reads the inviter's invitations of the last second
        // (the setup's fall outside it a second after it), as many as
        // the load sends in a second, where u32::MAX would read every invitation the
        // owner ever sent (the default, 100 an hour, reads at most 100).
        invitation_rate_limit: 1_000_000,
        invitation_rate_window: Duration::from_secs(1),
        ..Config::new(format!("http://{addr}"))
    };
    let state = AppState::connect(&database_url, config).await.unwrap();
    let app = router(state.clone()).layer(middleware::from_fn(timing));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let sync_commit: String = state
        .pool
        .get()
        .await
        .unwrap()
        .query_one("SHOW synchronous_commit", &[])
        .await
        .unwrap()
        .get(0);
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

    println!(
        "machine: {} cores ({}); PostgreSQL {pg_version} on the same machine, fsync={fsync}, synchronous_commit={sync_commit}",
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
    );
    println!();
    println!("| members | cache | clients | request | n | req/s | p50 ms | p99 ms | crate share |");
    println!("| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |");

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
        for cached in [true, false] {
            state.store.set_cache_enabled(cached);
            for &clients in &client_counts {
                for (kind, total, label) in [
                    (Kind::Get, gets, "GET collaborators"),
                    (Kind::Invite, invites, "POST invite"),
                ] {
                    let row = run(addr, &state, &auth, &app_name, kind, clients, total).await;
                    println!(
                        "| {size} | {} | {clients} | {label} | {} | {:.0} | {:.2} | {:.2} | {:.1}% |",
                        if cached { "on" } else { "off" },
                        row.requests,
                        row.requests as f64 / row.wall.as_secs_f64(),
                        percentile(&row.latencies, 50.0).as_secs_f64() * 1e3,
                        percentile(&row.latencies, 99.0).as_secs_f64() * 1e3,
                        100.0 * row.crate_nanos as f64 / row.server_nanos.max(1) as f64,
                    );
                }
            }
        }
        state.store.set_cache_enabled(true);
    }
    drop(client);
}
