//! A database fault: PostgreSQL stopped in the middle of a run gives 503s
//! (never a 500, never a 401 for a valid token), leaves no partial write,
//! and the service recovers without a restart once the database is back.
//! Its own test binary, since it stops the server it shares.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use collab_authz::ResourceKind;
use collab_authz::membership::MemberStatus;
use common::{Api, postgres, service, user};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_down_gives_503_then_recovers_without_restart() {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let app_id = common::create_app(&api, &olivia, "shop").await;

    // A writer invites guests one after another (4 at a time) while the
    // database goes away and comes back.
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..4 {
        let olivia = olivia.clone();
        let stop = Arc::clone(&stop);
        writers.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) && i < 2000 {
                let email = format!("guest{w}-{i}@example.com");
                let r = api
                    .call(
                        &olivia,
                        "POST",
                        "/v1/apps/shop/collaborators",
                        Some(json!({"collaborator": {"email": email}})),
                    )
                    .await;
                outcomes.push((email, r.status, r.text()));
                i += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            outcomes
        }));
    }
    tokio::time::sleep(Duration::from_millis(400)).await;

    let t0 = Instant::now();
    tokio::task::spawn_blocking(|| postgres().stop())
        .await
        .unwrap();
    eprintln!("stopped in {:?}", t0.elapsed());
    // While it is down: every route that needs it answers 503 with a JSON
    // error, a valid bearer token included (not 401).
    for (method, path) in [
        ("GET", "/v1/apps/shop/collaborators"),
        ("GET", "/v1/users/self"),
        ("GET", "/v1/apps"),
    ] {
        let started = Instant::now();
        let r = api.call(&olivia, method, path, None).await;
        assert_eq!(r.status, 503, "{method} {path}: {}", r.text());
        assert!(r.error().contains("unavailable"));
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "503 took {:?}",
            started.elapsed()
        );
    }
    let r = api.exchange(&olivia.api_token).await;
    assert_eq!(r.status, 503, "{}", r.text());
    tokio::time::sleep(Duration::from_millis(300)).await;

    let t0 = Instant::now();
    tokio::task::spawn_blocking(|| postgres().start())
        .await
        .unwrap();
    eprintln!("started in {:?}", t0.elapsed());
    let t0 = Instant::now();
    // Recovery without a restart: the same service answers again.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = api
            .call(&olivia, "GET", "/v1/apps/shop/collaborators", None)
            .await;
        if r.status == 200 {
            eprintln!("recovered {:?} after the start", t0.elapsed());
            break;
        }
        assert_eq!(r.status, 503, "{}", r.text());
        assert!(Instant::now() < deadline, "no recovery in 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let mut outcomes = Vec::new();
    for w in writers {
        outcomes.extend(w.await.unwrap());
    }
    let ok: Vec<&String> = outcomes
        .iter()
        .filter(|(_, s, _)| *s == 201)
        .map(|(e, _, _)| e)
        .collect();
    let unavailable = outcomes.iter().filter(|(_, s, _)| *s == 503).count();
    eprintln!(
        "{} invitations: {} created, {unavailable} refused with 503",
        outcomes.len(),
        ok.len()
    );
    for (email, status, text) in &outcomes {
        assert!(*status == 201 || *status == 503, "{email}: {status} {text}");
    }
    assert!(unavailable > 0, "the fault was not observed");
    assert!(!ok.is_empty());

    // No partial write: the log has no gap and ends at the version; the
    // index matches the roster; a replay rebuilds what the service serves;
    // every acknowledged invitation is there.
    let resource = svc
        .state
        .store
        .resource(ResourceKind::App, &app_id)
        .await
        .unwrap();
    let client = svc.state.pool.get().await.unwrap();
    let seqs: Vec<i64> = client
        .query(
            "SELECT seq FROM resource_log WHERE resource_id = $1 ORDER BY seq",
            &[&app_id],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(seqs, (1..=resource.version).collect::<Vec<_>>());
    let replayed = svc.state.store.replay(&resource).await.unwrap();
    let served = svc.state.store.roster(&resource).await.unwrap();
    assert_eq!(&replayed, served.as_ref());
    for email in &ok {
        let member = replayed.get(&email.parse().unwrap());
        assert!(member.is_some(), "{email} acknowledged but missing");
        assert_eq!(member.unwrap().status(), MemberStatus::Pending);
    }
    let indexed: i64 = client
        .query_one(
            "SELECT count(*) FROM memberships WHERE resource_id = $1",
            &[&app_id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(usize::try_from(indexed).unwrap(), replayed.len());
    // A 503 may only hide a commit whose acknowledgement was lost: at most
    // one per writer, never a half-written one (checked above).
    let extra = replayed.len() - 1 - ok.len();
    assert!(extra <= 4, "{extra} invitations written without a 201");

    // And new writes work.
    let r = api
        .call(
            &olivia,
            "POST",
            "/v1/apps/shop/collaborators",
            Some(json!({"collaborator": {"email": "after@example.com"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
}
