//! `Idempotency-Key` on the membership writes (issue 19 item 5): a write
//! whose answer was lost (a cut connection, a 503 after which the commit
//! went through) retried with the same key gets the first answer again and
//! writes nothing, on any replica; another request with the same key is
//! refused; an expired key is forgotten.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use collab_authz_service::Config;
use common::{Api, Response, Service, User, send, try_send};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

/// A request as `user` with `key` as its `Idempotency-Key`.
async fn keyed(
    addr: SocketAddr,
    user: &User,
    key: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Response {
    let auth = format!("Bearer {}", user.jwt);
    let headers = [("authorization", auth.as_str()), ("idempotency-key", key)];
    let body = body.map(|b| serde_json::to_vec(&b).unwrap());
    send(addr, method, path, &headers, body).await
}

fn invite(email: &str) -> Value {
    json!({"collaborator": {"email": email}})
}

/// Runs statements on the database of `url`.
async fn execute(url: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(connection);
    client.batch_execute(sql).await.unwrap();
    drop(client);
    let _ = task.await;
}

/// Runs one query on the database of `url`; its rows.
async fn query(url: &str, sql: &str) -> Vec<tokio_postgres::Row> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(connection);
    let rows = client.query(sql, &[]).await.unwrap();
    drop(client);
    let _ = task.await;
    rows
}

/// How many events of `kind` (the crate's notification name) the log of
/// the app `key` holds, read through the API.
async fn events_of(api: &Api, owner: &User, key: &str, kind: &str) -> usize {
    let r = api
        .call(owner, "GET", &format!("/v1/apps/{key}/events"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == kind)
        .count()
}

/// A proxy for one connection to `target`: it passes the request on,
/// then cuts the client's connection at the first byte of the answer,
/// which it keeps (the answer is complete on the service's side: the
/// write was committed). The task gives the withheld answer's bytes.
async fn cutting_proxy(target: SocketAddr) -> (SocketAddr, tokio::task::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (client, _) = listener.accept().await.unwrap();
        let server = TcpStream::connect(target).await.unwrap();
        let (mut client_read, client_write) = client.into_split();
        let (mut server_read, mut server_write) = server.into_split();
        let up = tokio::spawn(async move {
            let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
            server_write
        });
        let mut withheld = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        let n = server_read.read(&mut buf).await.unwrap();
        withheld.extend_from_slice(&buf[..n]);
        // Cut: both halves of the client's socket go.
        drop(client_write);
        up.abort();
        while let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_millis(300), server_read.read(&mut buf)).await
        {
            if n == 0 {
                break;
            }
            withheld.extend_from_slice(&buf[..n]);
        }
        withheld
    });
    (addr, task)
}

/// The status and body of a raw HTTP/1 answer.
fn parse_answer(raw: &[u8]) -> (u16, Vec<u8>) {
    let text = String::from_utf8_lossy(raw);
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap();
    let at = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    (status, raw[at..].to_vec())
}

/// Whether the collaborator `email` of a collaborator list is limited.
fn limited_of(list: &Response, email: &str) -> bool {
    list.json()["collaborators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == email)
        .unwrap()["is_limited"]
        .as_bool()
        .unwrap()
}

async fn owner_and_app(svc: &Service) -> (Api, User) {
    let api = Api { addr: svc.addr };
    let olivia = common::user(svc, "olivia@example.com", Some("olivia")).await;
    common::create_app(&api, &olivia, "shop").await;
    (api, olivia)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_whose_connection_was_cut_is_replayed_to_its_retry() {
    let svc = common::service().await;
    let (api, olivia) = owner_and_app(&svc).await;
    let path = "/v1/apps/shop/collaborators";
    let body = serde_json::to_vec(&invite("ada@example.com")).unwrap();
    let auth = format!("Bearer {}", olivia.jwt);
    let headers = [
        ("authorization", auth.as_str()),
        ("idempotency-key", "7b0e-cut-1"),
    ];

    let (proxy, withheld) = cutting_proxy(svc.addr).await;
    let cut = try_send(proxy, "POST", path, &headers, Some(body.clone())).await;
    assert!(
        cut.is_err(),
        "the proxy should have cut the answer: {cut:?}"
    );
    let (status, original) = parse_answer(&withheld.await.unwrap());
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&original));

    // The retry (without the key it would be 409: already invited).
    for _ in 0..2 {
        let r = send(svc.addr, "POST", path, &headers, Some(body.clone())).await;
        assert_eq!(r.status, 201, "{}", r.text());
        assert_eq!(r.headers["idempotent-replayed"], "true");
        assert_eq!(r.headers["content-type"], "application/json");
        assert_eq!(r.body.as_ref(), original.as_slice());
    }
    assert_eq!(
        events_of(&api, &olivia, "shop", "collaborator_invited").await,
        1
    );
    // A new key is a new request: the crate refuses a second invitation.
    let r = keyed(
        svc.addr,
        &olivia,
        "7b0e-cut-2",
        "POST",
        path,
        Some(invite("ada@example.com")),
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.headers.get("idempotent-replayed").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_after_the_commit_is_replayed_to_its_retry() {
    let url = common::fresh_database().await;
    let svc = common::service_configured(&url, |c| Config {
        request_timeout: Duration::from_millis(1000),
        ..c
    })
    .await;
    let (api, olivia) = owner_and_app(&svc).await;
    // The next insert into the log takes 2 s: the request's deadline
    // passes while the append statement runs, and the statement commits
    // all the same.
    execute(
        &url,
        "CREATE SEQUENCE slow_seq;
         CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF nextval('slow_seq') = 1 THEN PERFORM pg_sleep(2); END IF;
           RETURN NEW;
         END $$;
         CREATE TRIGGER slow_insert AFTER INSERT ON resource_log
           FOR EACH ROW EXECUTE FUNCTION slow_insert();",
    )
    .await;
    let path = "/v1/apps/shop/collaborators";
    let first = keyed(
        svc.addr,
        &olivia,
        "k-503",
        "POST",
        path,
        Some(invite("ada@example.com")),
    )
    .await;
    assert_eq!(first.status, 503, "{}", first.text());
    // The statement commits about 2 s after it started (until then, a
    // request handed its connection waits behind it: 503).
    let mut invited = 0;
    for _ in 0..100 {
        let r = api.call(&olivia, "GET", "/v1/apps/shop/events", None).await;
        if r.status == 200 {
            let events = r.json()["events"].as_array().unwrap().clone();
            invited = events
                .iter()
                .filter(|e| e["type"] == "collaborator_invited")
                .count();
            if invited > 0 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(invited, 1, "the 503 should hide a committed write");
    let retry = keyed(
        svc.addr,
        &olivia,
        "k-503",
        "POST",
        path,
        Some(invite("ada@example.com")),
    )
    .await;
    assert_eq!(retry.status, 201, "{}", retry.text());
    assert_eq!(retry.headers["idempotent-replayed"], "true");
    assert_eq!(retry.json()["collaborator"]["email"], "ada@example.com");
    assert_eq!(
        events_of(&api, &olivia, "shop", "collaborator_invited").await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_key_for_another_request_is_refused_and_bad_keys_are_named() {
    let svc = common::service().await;
    let (api, olivia) = owner_and_app(&svc).await;
    let path = "/v1/apps/shop/collaborators";
    let r = keyed(
        svc.addr,
        &olivia,
        "k1",
        "POST",
        path,
        Some(invite("a@example.com")),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let r = keyed(
        svc.addr,
        &olivia,
        "k1",
        "POST",
        path,
        Some(invite("b@example.com")),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.error().starts_with("Idempotency-Key: already used"),
        "{}",
        r.text()
    );
    assert_eq!(
        events_of(&api, &olivia, "shop", "collaborator_invited").await,
        1
    );
    // The same key on another route is another key.
    let a = r#"a@example.com"#;
    let list = api.call(&olivia, "GET", path, None).await.json();
    let id = list["collaborators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == a)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let update = json!({"collaborator": {"is_limited": false}});
    let member = format!("{path}/{id}");
    let r = keyed(
        svc.addr,
        &olivia,
        "k1",
        "PATCH",
        &member,
        Some(update.clone()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.headers.get("idempotent-replayed").is_none());
    // Another member's path with the same key on the same route: 422.
    let other = format!("{path}/mem_other");
    let r = keyed(
        svc.addr,
        &olivia,
        "k1",
        "PATCH",
        &other,
        Some(update.clone()),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    // A write that changes nothing records nothing: the same key then
    // serves another request.
    let r = keyed(svc.addr, &olivia, "u0", "PATCH", &member, Some(update)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.headers.get("idempotent-replayed").is_none());
    let limited = json!({"collaborator": {"is_limited": true}});
    let r = keyed(svc.addr, &olivia, "u0", "PATCH", &member, Some(limited)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["collaborator"]["is_limited"], true);
    assert_eq!(
        events_of(&api, &olivia, "shop", "collaborator_role_changed").await,
        2
    );

    let long = "x".repeat(256);
    for bad in ["", long.as_str(), "caf\u{e9}", "tab\there"] {
        let auth = format!("Bearer {}", olivia.jwt);
        let headers = [("authorization", auth.as_str()), ("idempotency-key", bad)];
        let body = serde_json::to_vec(&invite("c@example.com")).unwrap();
        let Ok(r) = try_send(svc.addr, "POST", path, &headers, Some(body)).await else {
            continue; // a header value the client itself refuses to send
        };
        assert_eq!(r.status, 422, "{bad:?}: {}", r.text());
        assert!(
            r.error().starts_with("Idempotency-Key: expected 1 to 255"),
            "{}",
            r.text()
        );
    }
    let ok = "x".repeat(255);
    let r = keyed(
        svc.addr,
        &olivia,
        &ok,
        "POST",
        path,
        Some(invite("c@example.com")),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    // A route outside the membership writes refuses a key rather than
    // ignore it.
    let r = keyed(
        svc.addr,
        &olivia,
        "k2",
        "POST",
        "/v1/apps/shop/restart",
        None,
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.error()
            .contains("not taken by POST /v1/apps/{key}/restart"),
        "{}",
        r.text()
    );
    // A read ignores it.
    let auth = format!("Bearer {}", olivia.jwt);
    let headers = [("authorization", auth.as_str()), ("idempotency-key", "")];
    assert_eq!(
        send(svc.addr, "GET", path, &headers, None).await.status,
        200
    );
    // Nothing recorded for a refusal: the same key answers the refusal
    // again, decided again (not replayed).
    let r = keyed(
        svc.addr,
        &olivia,
        "k3",
        "POST",
        path,
        Some(invite("c@example.com")),
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.text());
    let r = keyed(
        svc.addr,
        &olivia,
        "k3",
        "POST",
        path,
        Some(invite("c@example.com")),
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.headers.get("idempotent-replayed").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rename_and_a_delete_are_replayed_though_their_path_is_gone() {
    let svc = common::service().await;
    let (api, olivia) = owner_and_app(&svc).await;
    let rename = json!({"app": {"name": "shop-two"}});
    let first = keyed(
        svc.addr,
        &olivia,
        "r1",
        "PATCH",
        "/v1/apps/shop",
        Some(rename.clone()),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.text());
    let again = keyed(
        svc.addr,
        &olivia,
        "r1",
        "PATCH",
        "/v1/apps/shop",
        Some(rename),
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.body, first.body);
    assert_eq!(events_of(&api, &olivia, "shop-two", "app_renamed").await, 1);

    let first = keyed(svc.addr, &olivia, "d1", "DELETE", "/v1/apps/shop-two", None).await;
    assert_eq!(first.status, 204, "{}", first.text());
    let again = keyed(svc.addr, &olivia, "d1", "DELETE", "/v1/apps/shop-two", None).await;
    assert_eq!(again.status, 204, "{}", again.text());
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert!(again.body.is_empty());
    assert!(again.headers.get("content-type").is_none());
    // Without the key, the same request finds nothing.
    let r = api.call(&olivia, "DELETE", "/v1/apps/shop-two", None).await;
    assert_eq!(r.status, 404, "{}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_key_is_a_new_write_and_expired_keys_are_pruned() {
    let url = common::fresh_database().await;
    let svc = common::service_configured(&url, |c| Config {
        idempotency_retention: Duration::from_secs(3600),
        ..c
    })
    .await;
    let (api, olivia) = owner_and_app(&svc).await;
    let ada = common::user(&svc, "ada@example.com", Some("ada")).await;
    let r = api
        .call(
            &olivia,
            "POST",
            "/v1/apps/shop/collaborators",
            Some(invite("ada@example.com")),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let link = r.json()["collaborator"]["invitation_link"]
        .as_str()
        .unwrap()
        .to_string();
    let accept = link
        .split_once("/v1/")
        .map(|(_, p)| format!("/v1/{p}"))
        .unwrap();
    let r = keyed(svc.addr, &ada, "acc", "POST", &accept, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let member = r.json()["collaborator"]["id"].as_str().unwrap().to_string();
    // The same key by another caller on the same route and resource is
    // another key (not a 422 for another request).
    let bob = common::user(&svc, "bob@example.com", Some("bob")).await;
    let r = api
        .call(
            &olivia,
            "POST",
            "/v1/apps/shop/collaborators",
            Some(invite("bob@example.com")),
        )
        .await;
    let link = r.json()["collaborator"]["invitation_link"]
        .as_str()
        .unwrap()
        .to_string();
    let bob_accepts = link
        .split_once("/v1/")
        .map(|(_, p)| format!("/v1/{p}"))
        .unwrap();
    let r = keyed(svc.addr, &bob, "acc", "POST", &bob_accepts, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.headers.get("idempotent-replayed").is_none());
    assert_eq!(r.json()["collaborator"]["email"], "bob@example.com");
    let path = format!("/v1/apps/shop/collaborators/{member}");
    let to_full = json!({"collaborator": {"is_limited": false}});
    let to_limited = json!({"collaborator": {"is_limited": true}});

    let r = keyed(
        svc.addr,
        &olivia,
        "u1",
        "PATCH",
        &path,
        Some(to_full.clone()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = api.call(&olivia, "PATCH", &path, Some(to_limited)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    // Within the retention: replayed, nothing written (ada stays limited).
    let r = keyed(
        svc.addr,
        &olivia,
        "u1",
        "PATCH",
        &path,
        Some(to_full.clone()),
    )
    .await;
    assert_eq!(r.headers["idempotent-replayed"], "true");
    assert_eq!(r.json()["collaborator"]["is_limited"], false);
    let list = api
        .call(&olivia, "GET", "/v1/apps/shop/collaborators", None)
        .await;
    assert!(limited_of(&list, "ada@example.com"));
    assert_eq!(
        events_of(&api, &olivia, "shop", "collaborator_role_changed").await,
        2
    );
    // The key is kept for the retention setting.
    let rows = query(
        &url,
        "SELECT extract(epoch FROM expires_at - created_at)::float8 FROM idempotency_keys
          WHERE key = 'u1'",
    )
    .await;
    let kept: f64 = rows[0].get(0);
    assert!((kept - 3600.0).abs() < 1.0, "{kept}");

    // Expired (as if 3600 s had passed), with 40 other expired keys.
    execute(
        &url,
        "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'u1';
         INSERT INTO idempotency_keys
                (account_id, route, resource, key, fingerprint, status, body, resource_id, seq,
                 created_at, expires_at)
         SELECT 'acct_' || n, 'POST /v1/apps/{key}/collaborators', 'shop', 'old', \
                decode(repeat('00', 32), 'hex'), 201, '', 'app_x', 1,
                now() - interval '2 days', now() - interval '1 day' - n * interval '1 second'
           FROM generate_series(1, 40) AS n;",
    )
    .await;
    let r = keyed(svc.addr, &olivia, "u1", "PATCH", &path, Some(to_full)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.headers.get("idempotent-replayed").is_none());
    let list = api
        .call(&olivia, "GET", "/v1/apps/shop/collaborators", None)
        .await;
    assert!(!limited_of(&list, "ada@example.com"));
    assert_eq!(
        events_of(&api, &olivia, "shop", "collaborator_role_changed").await,
        3
    );
    // That write pruned its own expired key and 32 of the 40 others.
    let rows = query(
        &url,
        "SELECT count(*) FILTER (WHERE expires_at <= now()),
                count(*) FILTER (WHERE key = 'u1' AND expires_at > now())
           FROM idempotency_keys",
    )
    .await;
    let (expired, live): (i64, i64) = (rows[0].get(0), rows[0].get(1));
    assert_eq!((expired, live), (8, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_on_the_other_replica_gets_the_same_answer() {
    let a = common::service().await;
    let b = common::service_on(&a.database_url).await;
    let (api, olivia) = owner_and_app(&a).await;
    let path = "/v1/apps/shop/collaborators";
    // One after the other: the first on A, the retry on B.
    let first = keyed(
        a.addr,
        &olivia,
        "x1",
        "POST",
        path,
        Some(invite("one@example.com")),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.text());
    let retry = keyed(
        b.addr,
        &olivia,
        "x1",
        "POST",
        path,
        Some(invite("one@example.com")),
    )
    .await;
    assert_eq!(retry.status, 201, "{}", retry.text());
    assert_eq!(retry.headers["idempotent-replayed"], "true");
    assert_eq!(retry.body, first.body);
    // At once on both replicas, eight times: one write each, one answer.
    for n in 0..8 {
        let (key, email) = (format!("y{n}"), format!("two{n}@example.com"));
        let (on_a, on_b) = tokio::join!(
            keyed(a.addr, &olivia, &key, "POST", path, Some(invite(&email))),
            keyed(b.addr, &olivia, &key, "POST", path, Some(invite(&email))),
        );
        assert_eq!(
            (on_a.status, on_b.status),
            (201, 201),
            "{} {}",
            on_a.text(),
            on_b.text()
        );
        assert_eq!(on_a.body, on_b.body);
        let replayed = [&on_a, &on_b]
            .iter()
            .filter(|r| r.headers.get("idempotent-replayed").is_some())
            .count();
        assert_eq!(replayed, 1);
    }
    assert_eq!(
        events_of(&api, &olivia, "shop", "collaborator_invited").await,
        9
    );
}
