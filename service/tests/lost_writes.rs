//! A database that loses its last writes: two replicas (the built binary,
//! spawned twice) write through PostgreSQL with asynchronous commit, and
//! the database comes back behind what the replicas cached.
//!
//! 1. A crash: `pg_ctl stop -m immediate` right after the last
//!    acknowledged write, with `synchronous_commit = off` and a 10 s
//!    `wal_writer_delay`, loses the writes whose WAL was still in memory.
//! 2. A restore: the data directory copied (clean stop), four more writes
//!    acknowledged and read by both replicas, then a crash and the copy
//!    put back: the database lost exactly those four. One replica writes
//!    the database back to the same version with other events, then the
//!    other, whose cache still holds the lost log at that version, revokes
//!    a membership that only the lost log holds.
//!
//! After each: every replica serves the database's roster, no answer is a
//! 500, later writes through both append, and a fresh process (a third
//! replica, and a store with an empty cache replaying the whole log,
//! which checks the hash chain from `roster_created` on) agrees. On a
//! store whose cache and compare-and-set know only the version, the
//! revocation is decided on the lost log and appended, and the log no
//! longer replays (every fresh process answers 500).
//!
//! Its own test binary, since it stops, crashes and restores the server.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use collab_authz::ResourceKind;
use collab_authz_service::{AppState, Config};
use common::{Api, Response, Service, User, fresh_database, postgres, spawn_replica};
use serde_json::{Value, json};

/// Every answer the replicas gave, by status.
#[derive(Default)]
struct Seen {
    statuses: Vec<(String, u16)>,
}

impl Seen {
    async fn call(
        &mut self,
        api: Api,
        user: &User,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let r = api.call(user, method, path, body).await;
        self.statuses
            .push((format!("{method} {path} on {}", api.addr), r.status));
        assert_ne!(r.status, 500, "{method} {path}: {}", r.text());
        r
    }

    /// Polls `path` until it answers 200 (503s while the database is away).
    async fn until_ok(&mut self, api: Api, user: &User, path: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let r = self.call(api, user, "GET", path, None).await;
            if r.status == 200 {
                return;
            }
            assert_eq!(r.status, 503, "GET {path}: {}", r.text());
            assert!(Instant::now() < deadline, "{path}: no 200 in 30 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn invite(&mut self, api: Api, user: &User, email: &str) -> Response {
        self.call(
            api,
            user,
            "POST",
            "/v1/apps/ledger/collaborators",
            Some(json!({"collaborator": {"email": email}})),
        )
        .await
    }

    /// The emails a replica lists.
    async fn listed(&mut self, api: Api, user: &User) -> BTreeSet<String> {
        let r = self
            .call(api, user, "GET", "/v1/apps/ledger/collaborators", None)
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["collaborators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["email"].as_str().unwrap().to_string())
            .collect()
    }
}

/// What the database holds, read by a fresh store (empty cache): the
/// whole log replayed by the crate, which checks every event's `prev`
/// from `roster_created` on, ending at the stored head. The members'
/// emails.
async fn database_view(database_url: &str, app_id: &str) -> (i64, BTreeSet<String>) {
    let state = AppState::connect(database_url, Config::new("http://unused"))
        .await
        .unwrap();
    let store = &state.store;
    let resource = store.resource(ResourceKind::App, app_id).await.unwrap();
    let replayed = store.replay(&resource).await.unwrap();
    let head = replayed.head();
    assert_eq!(i64::try_from(head.seq).unwrap(), resource.version);
    assert_eq!(head.digest, resource.head, "the stored head is the log's");
    let served = store.roster(&resource).await.unwrap();
    assert_eq!(served.as_ref(), &replayed);
    let emails = replayed
        .members()
        .map(|m| m.email().as_str().to_string())
        .collect();
    (resource.version, emails)
}

/// Every replica lists what the database holds.
async fn converged(
    seen: &mut Seen,
    database_url: &str,
    app_id: &str,
    apis: &[Api],
    owner: &User,
) -> (i64, BTreeSet<String>) {
    let (version, emails) = database_view(database_url, app_id).await;
    for api in apis {
        let listed = seen.listed(*api, owner).await;
        let listed: BTreeSet<String> = listed.into_iter().filter(|e| e != &owner.email).collect();
        assert_eq!(listed, emails, "replica {} at version {version}", api.addr);
    }
    (version, emails)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_loses_its_last_writes_heals_every_replica() {
    tokio::time::timeout(Duration::from_secs(240), run())
        .await
        .expect("the test runs within 240 s");
}

async fn run() {
    let pg = postgres();
    // Asynchronous commit is on for every test server (`synchronous_commit
    // = off`); a 10 s WAL writer delay keeps the last commits in memory.
    let (admin, connection) = tokio_postgres::connect(&pg.admin_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(connection);
    admin
        .batch_execute("ALTER SYSTEM SET wal_writer_delay = '10s'")
        .await
        .unwrap();
    admin
        .batch_execute("SELECT pg_reload_conf()")
        .await
        .unwrap();
    drop(admin);
    let _ = task.await;

    let database_url = fresh_database().await;
    let a = spawn_replica(&database_url, 4);
    let b = spawn_replica(&database_url, 4);
    let (api_a, api_b) = (Api { addr: a.addr }, Api { addr: b.addr });
    let state = AppState::connect(&database_url, Config::new("http://unused"))
        .await
        .unwrap();
    let helper = Service {
        addr: a.addr,
        state,
        database_url: database_url.clone(),
    };
    let olivia = common::user(&helper, "olivia@example.com", Some("olivia")).await;
    drop(helper);
    let app_id = common::create_app(&api_a, &olivia, "ledger").await;
    let mut seen = Seen::default();

    // 1. A crash with asynchronous commit, right after the last
    //    acknowledged write; both replicas wrote and read.
    let mut acked = Vec::new();
    for i in 0..30 {
        let api = if i % 2 == 0 { api_a } else { api_b };
        let email = format!("crash{i}@example.com");
        let r = seen.invite(api, &olivia, &email).await;
        assert_eq!(r.status, 201, "{}", r.text());
        acked.push(email);
        seen.listed(if i % 2 == 0 { api_b } else { api_a }, &olivia)
            .await;
    }
    let crash = tokio::task::spawn_blocking(|| {
        postgres().stop_mode("immediate");
        postgres().start();
    });
    crash.await.unwrap();
    seen.until_ok(api_a, &olivia, "/v1/users/self").await;
    seen.until_ok(api_b, &olivia, "/v1/users/self").await;
    let (version_1, held) =
        converged(&mut seen, &database_url, &app_id, &[api_a, api_b], &olivia).await;
    let lost_1 = acked.iter().filter(|e| !held.contains(*e)).count();
    // What the database kept is a prefix of what it acknowledged.
    assert!(
        acked
            .iter()
            .take(acked.len() - lost_1)
            .all(|e| held.contains(e)),
        "a write was lost before a kept one"
    );
    // Later writes through both append after what the database holds.
    for (i, api) in [api_a, api_b, api_a, api_b].into_iter().enumerate() {
        let r = seen
            .invite(api, &olivia, &format!("after-crash{i}@example.com"))
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let (version_1b, _) =
        converged(&mut seen, &database_url, &app_id, &[api_a, api_b], &olivia).await;
    assert_eq!(version_1b, version_1 + 4);

    // 2. A restore: copy the data directory, write four more (acknowledged,
    //    read by both), crash, put the copy back.
    tokio::task::spawn_blocking(|| {
        postgres().stop_mode("fast");
        postgres().owner_sh("rm -rf backup && cp -a data backup");
        postgres().start();
    })
    .await
    .unwrap();
    seen.until_ok(api_a, &olivia, "/v1/apps/ledger/collaborators")
        .await;
    seen.until_ok(api_b, &olivia, "/v1/apps/ledger/collaborators")
        .await;
    let mut lost_ids = Vec::new();
    for i in 0..4 {
        let r = seen
            .invite(api_a, &olivia, &format!("lost{i}@example.com"))
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        lost_ids.push(r.json()["collaborator"]["id"].as_str().unwrap().to_string());
    }
    let before_restore = seen.listed(api_b, &olivia).await;
    assert!(before_restore.contains("lost3@example.com"));
    seen.listed(api_a, &olivia).await;
    tokio::task::spawn_blocking(|| {
        postgres().stop_mode("immediate");
        postgres().owner_sh("rm -rf data && cp -a backup data");
        postgres().start();
    })
    .await
    .unwrap();
    // Replica b writes the database back to the version both caches hold,
    // with other events.
    seen.until_ok(api_b, &olivia, "/v1/users/self").await;
    for i in 0..4 {
        let r = seen
            .invite(api_b, &olivia, &format!("other{i}@example.com"))
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    // Replica a, whose cache holds the lost log at that same version,
    // revokes a membership only the lost log holds: the database has no
    // such collaborator.
    seen.until_ok(api_a, &olivia, "/v1/users/self").await;
    let r = seen
        .call(
            api_a,
            &olivia,
            "DELETE",
            &format!("/v1/apps/ledger/collaborators/{}", lost_ids[0]),
            None,
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text());
    let (version_2, held) =
        converged(&mut seen, &database_url, &app_id, &[api_a, api_b], &olivia).await;
    assert_eq!(version_2, version_1b + 4);
    let lost_2 = (0..4)
        .filter(|i| !held.contains(&format!("lost{i}@example.com")))
        .count();
    assert_eq!(lost_2, 4, "the restore put the database back");
    // Later writes through both append; a third, fresh replica agrees.
    for (i, api) in [api_a, api_b].into_iter().enumerate() {
        let r = seen
            .invite(api, &olivia, &format!("after-restore{i}@example.com"))
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let c = spawn_replica(&database_url, 4);
    let api_c = Api { addr: c.addr };
    let (version_3, _) = converged(
        &mut seen,
        &database_url,
        &app_id,
        &[api_a, api_b, api_c],
        &olivia,
    )
    .await;
    assert_eq!(version_3, version_2 + 2);

    let errors = seen.statuses.iter().filter(|(_, s)| *s >= 500 && *s != 503);
    assert_eq!(errors.count(), 0);
    let unavailable = seen.statuses.iter().filter(|(_, s)| *s == 503).count();
    eprintln!(
        "lost writes: crash (asynchronous commit, immediate stop): {} acknowledged, {lost_1} lost; \
         restore: 4 acknowledged, {lost_2} lost, then 4 written at the same versions; \
         {} answers, 0 with status 500, {unavailable} with 503 (database away); \
         log at {version_3}, its chain verified by a fresh process",
        acked.len(),
        seen.statuses.len()
    );
}
