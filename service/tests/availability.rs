//! Availability: a read-only database, serialization failures and
//! deadlocks answer 503 with `Retry-After` (never 500), rolled-back writes
//! are retried a bounded number of times, and pooled connections to a
//! server that became read-only are dropped. Its own test binary: one test
//! makes the whole server read-only.

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use collab_authz_service::Config;
use common::{Api, postgres, service};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::RwLock;

/// Taken for writing by the test that makes the whole server read-only,
/// for reading by the others.
static SERVER: RwLock<()> = RwLock::const_new(());

/// Runs SQL statements on the test server's maintenance database, each
/// in its own transaction (`ALTER SYSTEM` cannot run in one).
async fn admin(sql: &str) {
    for statement in sql.split("; ") {
        on(&postgres().admin_url, statement).await;
    }
}

/// Runs SQL on the database of `url`.
async fn on(url: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(connection);
    client.batch_execute(sql).await.unwrap();
    drop(client);
    let _ = task.await;
}

/// One value of a query on the database of `url`.
async fn one_i64(url: &str, sql: &str) -> i64 {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(connection);
    let v: i64 = client.query_one(sql, &[]).await.unwrap().get(0);
    drop(client);
    let _ = task.await;
    v
}

/// The backend pids of the service's connections to its database.
async fn backends(url: &str) -> BTreeSet<i32> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(connection);
    let rows = client
        .query(
            "SELECT pid FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .await
        .unwrap();
    drop(client);
    let _ = task.await;
    rows.iter().map(|r| r.get(0)).collect()
}

fn invite(email: &str) -> serde_json::Value {
    json!({"collaborator": {"email": email}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_server_answers_503_and_its_pooled_connections_are_dropped() {
    let _exclusive = SERVER.write().await;
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = common::user(&svc, "olivia@example.com", Some("olivia")).await;
    common::create_app(&api, &olivia, "shop").await;
    // Warm the pool: several connections at once.
    let mut warm = Vec::new();
    for _ in 0..4 {
        let olivia = olivia.clone();
        warm.push(tokio::spawn(async move {
            api.call(&olivia, "GET", "/v1/apps/shop/collaborators", None)
                .await
                .status
        }));
    }
    for w in warm {
        assert_eq!(w.await.unwrap(), 200);
    }
    let before = backends(&svc.database_url).await;
    assert!(!before.is_empty());

    // The whole server turns read-only, as a primary being demoted does;
    // the pooled connections stay open.
    admin("ALTER SYSTEM SET default_transaction_read_only = on; SELECT pg_reload_conf()").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = api
        .call(
            &olivia,
            "POST",
            "/v1/apps/shop/collaborators",
            Some(invite("ro@example.com")),
        )
        .await;
    let restore = "ALTER SYSTEM RESET default_transaction_read_only; SELECT pg_reload_conf()";
    if r.status != 503 {
        admin(restore).await;
    }
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.headers["retry-after"], "1");
    assert!(r.error().contains("unavailable"), "{}", r.text());
    // Reads still work, on new connections: none of the connections the
    // pool held before the server turned read-only is handed out again.
    let r = api
        .call(&olivia, "GET", "/v1/apps/shop/collaborators", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut kept = before.clone();
    while Instant::now() < deadline {
        kept = before
            .intersection(&backends(&svc.database_url).await)
            .copied()
            .collect();
        if kept.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    admin(restore).await;
    assert!(
        kept.is_empty(),
        "pooled connections kept: {kept:?} of {before:?}"
    );

    // Writable again: writes succeed without a restart.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = api
        .call(
            &olivia,
            "POST",
            "/v1/apps/shop/collaborators",
            Some(invite("rw@example.com")),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
}

/// Makes every insert into the log of `url`'s database fail with
/// `sqlstate` while `fail_seq` has not passed `limit`.
async fn inject_rollbacks(url: &str, sqlstate: &str, limit: i64) {
    on(
        url,
        &format!(
            "CREATE SEQUENCE IF NOT EXISTS fail_seq;
             CREATE OR REPLACE FUNCTION fail_insert() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               IF nextval('fail_seq') <= {limit} THEN
                 RAISE EXCEPTION 'injected' USING ERRCODE = '{sqlstate}';
               END IF;
               RETURN NEW;
             END $$;
             DROP TRIGGER IF EXISTS fail_insert ON resource_log;
             CREATE TRIGGER fail_insert BEFORE INSERT ON resource_log
               FOR EACH ROW EXECUTE FUNCTION fail_insert();
             SELECT setval('fail_seq', 1, false);"
        ),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serialization_failures_and_deadlocks_are_retried_then_answer_503() {
    let _shared = SERVER.read().await;
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = common::user(&svc, "olivia@example.com", Some("olivia")).await;
    let app_id = common::create_app(&api, &olivia, "shop").await;
    let url = &svc.database_url;
    let tries = || {
        one_i64(
            url,
            "SELECT last_value - CASE WHEN is_called THEN 0 ELSE 1 END FROM fail_seq",
        )
    };

    for sqlstate in ["40001", "40P01"] {
        // Two rollbacks, then the write goes through: 201, written once.
        inject_rollbacks(url, sqlstate, 2).await;
        let email = format!("retried-{sqlstate}@example.com");
        let r = api
            .call(
                &olivia,
                "POST",
                "/v1/apps/shop/collaborators",
                Some(invite(&email)),
            )
            .await;
        assert_eq!(r.status, 201, "{sqlstate}: {}", r.text());
        assert_eq!(tries().await, 3, "{sqlstate}: two rollbacks and the commit");
        let written = one_i64(
            url,
            &format!(
                "SELECT count(*) FROM resource_log WHERE resource_id = '{app_id}' \
                 AND entry::text LIKE '%{email}%'"
            ),
        )
        .await;
        assert_eq!(written, 1, "{sqlstate}");

        // Rolled back every time: a bounded number of tries, then 503
        // with Retry-After, nothing written.
        inject_rollbacks(url, sqlstate, 1000).await;
        let email = format!("refused-{sqlstate}@example.com");
        let r = api
            .call(
                &olivia,
                "POST",
                "/v1/apps/shop/collaborators",
                Some(invite(&email)),
            )
            .await;
        assert_eq!(r.status, 503, "{sqlstate}: {}", r.text());
        assert_eq!(r.headers["retry-after"], "1");
        assert_eq!(tries().await, 4, "{sqlstate}: the first try and 3 retries");
        let r = api
            .call(&olivia, "GET", "/v1/apps/shop/collaborators", None)
            .await;
        assert!(!r.text().contains(&email), "{}", r.text());
    }
}

/// A loopback TCP proxy to `upstream` that holds every chunk it passes,
/// each way, for `delay`: a slow database.
async fn slow_proxy(upstream: SocketAddr, delay: Duration) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let (from_client, to_client) = client.into_split();
                let (from_server, to_server) = server.into_split();
                tokio::spawn(pipe(from_client, to_server, delay));
                tokio::spawn(pipe(from_server, to_client, delay));
            });
        }
    });
    addr
}

async fn pipe(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, delay: Duration) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        tokio::time::sleep(delay).await;
        if to.write_all(&buffer[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_database_every_request_answers_within_its_deadline() {
    let _shared = SERVER.read().await;
    // Accounts and the app through a direct connection.
    let direct = service().await;
    let olivia = common::user(&direct, "olivia@example.com", Some("olivia")).await;
    let app_id = common::create_app(&Api { addr: direct.addr }, &olivia, "shop").await;

    // The service under test reaches the same database through a proxy
    // that holds every chunk 50 ms each way.
    let delay = Duration::from_millis(50);
    let proxy = slow_proxy(SocketAddr::from(([127, 0, 0, 1], postgres().port)), delay).await;
    let name = direct.database_url.rsplit_once('/').unwrap().1;
    let slow_url = format!("postgres://postgres@127.0.0.1:{}/{name}", proxy.port());
    let timeout = Duration::from_millis(1500);
    let slow = common::service_configured(&slow_url, |c| Config {
        request_timeout: timeout,
        ..c
    })
    .await;
    let api = Api { addr: slow.addr };

    // 8 clients for 6 s: invitations (all on one app, so they queue on
    // its write lock), the roster, the list of apps.
    let started = Instant::now();
    let mut clients = Vec::new();
    for c in 0..8 {
        let olivia = olivia.clone();
        clients.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut i = 0;
            while started.elapsed() < Duration::from_secs(6) {
                let email = format!("slow{c}-{i}@example.com");
                let (method, path, body) = match (c + i) % 3 {
                    0 => ("POST", "/v1/apps/shop/collaborators", Some(invite(&email))),
                    1 => ("GET", "/v1/apps/shop/collaborators", None),
                    _ => ("GET", "/v1/apps", None),
                };
                let t0 = Instant::now();
                let r = api.call(&olivia, method, path, body).await;
                seen.push((method, email, r.status, t0.elapsed(), r));
                i += 1;
            }
            seen
        }));
    }
    let mut seen = Vec::new();
    for c in clients {
        seen.extend(c.await.unwrap());
    }
    let margin = Duration::from_millis(500);
    let slowest = seen.iter().map(|s| s.3).max().unwrap();
    let late: Vec<_> = seen.iter().filter(|s| s.2 == 503).collect();
    let ok = seen.iter().filter(|s| s.2 == 200 || s.2 == 201).count();
    eprintln!(
        "slow database ({delay:?} per chunk), deadline {timeout:?}: {} requests, {ok} served, \
         {} answered 503, slowest answer {slowest:?}",
        seen.len(),
        late.len()
    );
    for (method, email, status, elapsed, r) in &seen {
        assert!(
            [200, 201, 503].contains(status),
            "{method} {email}: {status} {}",
            r.text()
        );
        assert!(
            *elapsed <= timeout + margin,
            "{method} {email}: answered {status} after {elapsed:?}"
        );
        if *status == 503 {
            assert_eq!(r.headers["retry-after"], "1");
        }
    }
    assert!(!late.is_empty(), "the deadline was never reached");

    // Nothing half-written: the log has no gap, a replay gives what the
    // service serves, every acknowledged invitation is in it. The log's
    // length and the version are read in one statement (one snapshot): a
    // write answered 503 at its deadline may still be committing through
    // the slow proxy.
    let gap = one_i64(
        &direct.database_url,
        &format!(
            "SELECT (SELECT version FROM resources WHERE id = '{app_id}')
                  - (SELECT count(*) FROM resource_log WHERE resource_id = '{app_id}')"
        ),
    )
    .await;
    assert_eq!(gap, 0, "the version and the log's length differ");
    let store = &direct.state.store;
    let resource = store
        .resource(collab_authz::ResourceKind::App, &app_id)
        .await
        .unwrap();
    let replayed = store.replay(&resource).await.unwrap();
    for (method, email, status, _, _) in &seen {
        if *method == "POST" && *status == 201 {
            assert!(
                replayed.get(&email.parse().unwrap()).is_some(),
                "{email} lost"
            );
        }
    }
}

/// A loopback TCP proxy to `upstream` that stops passing anything, and
/// accepts connections without answering them, while `frozen` is set: a
/// server stopped with SIGSTOP, as the network sees it.
async fn freezable_proxy(upstream: SocketAddr) -> (SocketAddr, Arc<AtomicBool>) {
    let frozen = Arc::new(AtomicBool::new(false));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let flag = Arc::clone(&frozen);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let frozen = Arc::clone(&flag);
            tokio::spawn(async move {
                thaw(&frozen).await;
                let Ok(server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let (from_client, to_client) = client.into_split();
                let (from_server, to_server) = server.into_split();
                tokio::spawn(hold_while_frozen(
                    from_client,
                    to_server,
                    Arc::clone(&frozen),
                ));
                tokio::spawn(hold_while_frozen(from_server, to_client, frozen));
            });
        }
    });
    (addr, frozen)
}

async fn thaw(frozen: &AtomicBool) {
    while frozen.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn hold_while_frozen(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    frozen: Arc<AtomicBool>,
) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        thaw(&frozen).await;
        if to.write_all(&buffer[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_first_host_is_left_for_the_next_one_without_a_restart() {
    let _shared = SERVER.read().await;
    let direct = service().await;
    let olivia = common::user(&direct, "olivia@example.com", Some("olivia")).await;
    common::create_app(&Api { addr: direct.addr }, &olivia, "shop").await;
    let port = postgres().port;
    let (proxy, frozen) = freezable_proxy(SocketAddr::from(([127, 0, 0, 1], port))).await;
    let name = direct.database_url.rsplit_once('/').unwrap().1;
    // The first host (the proxy) is where the pool connects while it answers.
    let url = format!(
        "postgres://postgres@127.0.0.1:{},127.0.0.1:{port}/{name}?target_session_attrs=read-write",
        proxy.port()
    );
    let timeout = Duration::from_millis(2000);
    let svc = common::service_configured(&url, |c| Config {
        request_timeout: timeout,
        db_connect_timeout: Duration::from_millis(500),
        db_check_timeout: Duration::from_millis(300),
        ..c
    })
    .await;
    let api = Api { addr: svc.addr };
    let path = "/v1/apps/shop/collaborators";
    for _ in 0..5 {
        assert_eq!(api.call(&olivia, "GET", path, None).await.status, 200);
    }
    let through_proxy = svc.state.pool.status().size;
    assert!(through_proxy > 0);

    // The first host freezes: its pooled connections and new connections
    // to it hang. Requests go on, 4 at a time.
    frozen.store(true, Ordering::Relaxed);
    let froze = Instant::now();
    let mut clients = Vec::new();
    for c in 0..4 {
        let olivia = olivia.clone();
        clients.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            for i in 0..10_000 {
                let method_body = if (c + i) % 2 == 0 {
                    ("POST", Some(invite(&format!("f{c}-{i}@example.com"))))
                } else {
                    ("GET", None)
                };
                let t0 = Instant::now();
                let r = api.call(&olivia, method_body.0, path, method_body.1).await;
                seen.push((froze.elapsed(), r.status, t0.elapsed()));
                if froze.elapsed() > Duration::from_secs(8) {
                    break;
                }
            }
            seen
        }));
    }
    let mut seen = Vec::new();
    for c in clients {
        seen.extend(c.await.unwrap());
    }
    frozen.store(false, Ordering::Relaxed);
    seen.sort_by_key(|s| s.0);
    let last_failure = seen
        .iter()
        .filter(|s| s.1 != 200 && s.1 != 201)
        .map(|s| s.0)
        .max();
    let first_success = seen.iter().find(|s| s.1 == 200 || s.1 == 201).map(|s| s.0);
    let slowest = seen.iter().map(|s| s.2).max().unwrap();
    eprintln!(
        "first host frozen: {} requests, first answered after {first_success:?}, last failure \
         {last_failure:?} after the freeze, slowest answer {slowest:?}",
        seen.len()
    );
    for (at, status, elapsed) in &seen {
        assert!([200, 201, 503].contains(status), "{status} at {at:?}");
        assert!(
            *elapsed <= timeout + Duration::from_millis(500),
            "{elapsed:?} at {at:?}"
        );
    }
    // Served again by the second host within 5 s of the freeze, without a
    // restart, and every later request succeeds.
    let recovered = last_failure.unwrap_or_default();
    assert!(
        recovered < Duration::from_secs(5),
        "failures until {recovered:?}"
    );
    assert!(seen.last().is_some_and(|s| s.0 > Duration::from_secs(6)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_is_logged_once_when_it_starts_and_once_when_it_ends() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let _exclusive = SERVER.write().await;
    let direct = service().await;
    let olivia = common::user(&direct, "olivia@example.com", Some("olivia")).await;
    common::create_app(&Api { addr: direct.addr }, &olivia, "shop").await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_collab-authz-service"))
        .args(["--log-format", "json", "serve", "--listen", "127.0.0.1:0"])
        .env("DATABASE_URL", &direct.database_url)
        .env("KEY_FILE", common::key_file(&direct.database_url))
        .env("RUST_LOG", "info")
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
    let addr = common::listening_addr(child.stdout.take().unwrap()).unwrap();
    let api = Api { addr };
    let path = "/v1/apps/shop/collaborators";
    assert_eq!(api.call(&olivia, "GET", path, None).await.status, 200);

    admin("ALTER SYSTEM SET default_transaction_read_only = on; SELECT pg_reload_conf()").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut statuses = Vec::new();
    for i in 0..3 {
        let r = api
            .call(
                &olivia,
                "POST",
                path,
                Some(invite(&format!("o{i}@example.com"))),
            )
            .await;
        statuses.push(r.status);
        // Reads go through a read-only server and do not end its outage.
        statuses.push(api.call(&olivia, "GET", path, None).await.status);
    }
    let ready = send_get(addr, "/readyz").await;
    admin("ALTER SYSTEM RESET default_transaction_read_only; SELECT pg_reload_conf()").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = api
        .call(&olivia, "POST", path, Some(invite("after@example.com")))
        .await;
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let log = stderr.join().unwrap();
    assert_eq!(statuses, [503, 200, 503, 200, 503, 200], "{log}");
    assert_eq!(after.status, 201, "{}", after.text());
    assert_eq!(ready.status, 503);
    assert_eq!(ready.json()["reason"], "read_only", "{}", ready.text());

    let lines: Vec<serde_json::Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let with = |message: &str| -> Vec<&serde_json::Value> {
        lines.iter().filter(|l| l["message"] == message).collect()
    };
    let started = with("database outage: first failure");
    assert_eq!(started.len(), 1, "{log}");
    assert_eq!(started[0]["level"], "ERROR");
    assert_eq!(started[0]["outage"], "read_only");
    assert!(
        started[0]["cause"].as_str().unwrap().contains("25006"),
        "{log}"
    );
    let over = with("database outage over: requests succeed again");
    assert_eq!(over.len(), 1, "{log}");
    assert_eq!(over[0]["outage"], "read_only");
    assert_eq!(over[0]["failures"], 3, "{log}");
    assert!(over[0]["duration_ms"].as_u64().unwrap() >= 300, "{log}");
}

async fn send_get(addr: SocketAddr, path: &str) -> common::Response {
    common::send(addr, "GET", path, &[], None).await
}
