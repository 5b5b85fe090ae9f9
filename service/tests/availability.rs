//! Availability: a read-only database, serialization failures and
//! deadlocks answer 503 with `Retry-After` (never 500), rolled-back writes
//! are retried a bounded number of times, and pooled connections to a
//! server that became read-only are dropped. Its own test binary: one test
//! makes the whole server read-only.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::{Api, postgres, service};
use serde_json::json;
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
