//! Scale-out: two service processes (the built binary, spawned twice) on
//! one database, with hundreds of concurrent, conflicting writes spread
//! over both. No event is lost or duplicated, the log has no gap, both
//! serve the same roster, a replay rebuilds it, there is one owner and no
//! escalation.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use collab_authz::membership::MemberStatus;
use collab_authz::{ResourceKind, Role};
use collab_authz_service::{AppState, Config};
use common::{Api, Service, User, fresh_database, send, spawn_replica};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

/// `user add` through the binary: the token is alone on the last line.
fn cli_user_add(database_url: &str, email: &str, username: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_collab-authz-service"))
        .args([
            "user",
            "add",
            email,
            "--username",
            username,
            "--two-factor",
            "enabled",
        ])
        .env("DATABASE_URL", database_url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.lines().last().unwrap().trim().to_string();
    assert!(token.starts_with("cas_"), "{stdout}");
    token
}

async fn login(addr: SocketAddr, email: &str, token: &str) -> User {
    let api = Api { addr };
    let r = api.exchange(token).await;
    assert_eq!(r.status, 200, "{}", r.text());
    User {
        id: String::new(),
        email: email.to_string(),
        username: None,
        api_token: token.to_string(),
        jwt: r.json()["token"].as_str().unwrap().to_string(),
    }
}

/// The settings of a store on `database_url` reading its key file, with
/// rosters large enough for the races below.
fn keyed(database_url: &str, public_url: &str) -> Config {
    Config {
        key_file: Some(common::key_file(database_url)),
        max_pending_invitations: 100_000,
        max_members: 100_000,
        // Every write path holds invitations to the rate limit; these
        // tests invite hundreds at once as one owner.
        invitation_rate_limit: 100_000,
        ..Config::new(public_url)
    }
}

fn sorted(list: &Value) -> Vec<Value> {
    let mut items = list.as_array().unwrap().clone();
    items.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_one_database_concurrent_conflicting_writes() {
    let database_url = fresh_database().await;
    let a = spawn_replica(&database_url, 12);
    let b = spawn_replica(&database_url, 12);
    let (api_a, api_b) = (Api { addr: a.addr }, Api { addr: b.addr });

    let olivia_token = cli_user_add(&database_url, "olivia@example.com", "olivia");
    let olivia = login(a.addr, "olivia@example.com", &olivia_token).await;
    // The bearer token from one replica works on the other: shared key.
    let me = api_b.call(&olivia, "GET", "/v1/users/self", None).await;
    assert_eq!(me.status, 200, "{}", me.text());

    // Accounts for the collaborators, through the library on the same
    // database (the CLI is covered above).
    let state = AppState::connect(&database_url, keyed(&database_url, "http://unused"))
        .await
        .unwrap();
    let helper = Service {
        addr: a.addr,
        state: state.clone(),
        database_url: database_url.clone(),
    };
    let ada = common::user(&helper, "ada@example.com", Some("ada")).await;
    let lin = common::user(&helper, "lin@example.com", Some("lin")).await;
    let ben = common::user(&helper, "ben@example.com", Some("ben")).await;
    let lou = common::user(&helper, "lou@example.com", Some("lou")).await;

    let app_id = common::create_app(&api_a, &olivia, "shared").await;
    let base = "/v1/apps/shared";

    // Ada and ben collaborators, lin and lou limited, all accepted.
    for (who, limited, api) in [
        (&ada, false, api_a),
        (&ben, false, api_b),
        (&lin, true, api_b),
        (&lou, true, api_a),
    ] {
        let r = api
            .call(
                &olivia,
                "POST",
                &format!("{base}/collaborators"),
                Some(json!({"collaborator": {"email": who.email, "is_limited": limited}})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let link = r.json()["collaborator"]["invitation_link"]
            .as_str()
            .unwrap()
            .to_string();
        let path = link
            .split_once("/v1/")
            .map(|(_, p)| format!("/v1/{p}"))
            .unwrap();
        // Accepted on the other replica than the one that invited.
        let other = if api.addr == a.addr { api_b } else { api_a };
        let r = other.call(who, "POST", &path, None).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let member_id = |list: &Value, email: &str| {
        list["collaborators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["email"] == email)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let listed = api_a
        .call(&olivia, "GET", &format!("{base}/collaborators"), None)
        .await
        .json();
    let lin_id = member_id(&listed, "lin@example.com");
    let lou_id = member_id(&listed, "lou@example.com");

    // The storm: 240 distinct invitations (by the owner, ada and ben), 40
    // duplicate pairs (the same email through both replicas), 60 role
    // flips of lin (by ada and ben, conflicting), and 80 escalation
    // attempts by lou (limited), all at once, at most 96 in flight,
    // alternating replicas.
    let limit = Arc::new(Semaphore::new(96));
    let mut tasks = Vec::new();
    let inviters = [olivia.clone(), ada.clone(), ben.clone()];
    let start = Instant::now();
    for i in 0..240usize {
        let api = if i % 2 == 0 { api_a } else { api_b };
        let who = inviters[i % 3].clone();
        let limit = Arc::clone(&limit);
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire().await.unwrap();
            let email = format!("guest{i}@example.com");
            let r = api
                .call(
                    &who,
                    "POST",
                    "/v1/apps/shared/collaborators",
                    Some(json!({"collaborator": {"email": email}})),
                )
                .await;
            ("invite", email, r.status, r.text())
        }));
    }
    for i in 0..40usize {
        for api in [api_a, api_b] {
            let who = olivia.clone();
            let limit = Arc::clone(&limit);
            tasks.push(tokio::spawn(async move {
                let _permit = limit.acquire().await.unwrap();
                let email = format!("dup{i}@example.com");
                let r = api
                    .call(
                        &who,
                        "POST",
                        "/v1/apps/shared/collaborators",
                        Some(json!({"collaborator": {"email": email}})),
                    )
                    .await;
                ("dup", email, r.status, r.text())
            }));
        }
    }
    for i in 0..60usize {
        let api = if i % 2 == 0 { api_a } else { api_b };
        let who = if i % 3 == 0 { ada.clone() } else { ben.clone() };
        let path = format!("/v1/apps/shared/collaborators/{lin_id}");
        let limit = Arc::clone(&limit);
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire().await.unwrap();
            let r = api
                .call(
                    &who,
                    "PATCH",
                    &path,
                    Some(json!({"collaborator": {"is_limited": i % 2 == 1}})),
                )
                .await;
            ("flip", String::new(), r.status, r.text())
        }));
    }
    for i in 0..80usize {
        let api = if i % 2 == 0 { api_a } else { api_b };
        let lou = lou.clone();
        let lin_id = lin_id.clone();
        let lou_id = lou_id.clone();
        let limit = Arc::clone(&limit);
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire().await.unwrap();
            let r = match i % 4 {
                0 => api
                    .call(
                        &lou,
                        "POST",
                        "/v1/apps/shared/collaborators",
                        Some(json!({"collaborator": {"email": format!("sneak{i}@example.com"), "is_limited": false}})),
                    )
                    .await,
                1 => api
                    .call(
                        &lou,
                        "PATCH",
                        &format!("/v1/apps/shared/collaborators/{lou_id}"),
                        Some(json!({"collaborator": {"is_limited": false}})),
                    )
                    .await,
                2 => api
                    .call(
                        &lou,
                        "PATCH",
                        &format!("/v1/apps/shared/collaborators/{lin_id}"),
                        Some(json!({"collaborator": {"is_limited": false}})),
                    )
                    .await,
                _ => api
                    .call(
                        &lou,
                        "POST",
                        "/v1/apps/shared/transfer",
                        Some(json!({"transfer": {"email": "lou@example.com"}})),
                    )
                    .await,
            };
            ("escalate", String::new(), r.status, r.text())
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    let elapsed = start.elapsed();
    assert!(results.len() >= 200);

    let mut by_kind: BTreeMap<(&str, u16), usize> = BTreeMap::new();
    for (kind, _, status, _) in &results {
        *by_kind.entry((kind, *status)).or_default() += 1;
    }
    eprintln!("{} requests in {elapsed:?}: {by_kind:?}", results.len());
    // Every distinct invitation succeeded.
    assert_eq!(by_kind.get(&("invite", 201)), Some(&240), "{by_kind:?}");
    // Exactly one of each duplicate pair, the other refused as a conflict.
    assert_eq!(by_kind.get(&("dup", 201)), Some(&40), "{by_kind:?}");
    assert_eq!(by_kind.get(&("dup", 409)), Some(&40), "{by_kind:?}");
    for (kind, _, status, text) in &results {
        match *kind {
            "dup" if *status == 409 => assert!(text.contains("already has a membership"), "{text}"),
            // A flip to the role lin already has is an idempotent 200.
            "flip" => assert_eq!(*status, 200, "{text}"),
            "escalate" => assert_eq!(*status, 403, "{text}"),
            _ => {}
        }
    }
    let flips_ok = by_kind.get(&("flip", 200)).copied().unwrap_or(0);
    assert_eq!(flips_ok, 60, "{by_kind:?}");

    // The log: seq 1..=version, no gap, nothing duplicated.
    let client = state.pool.get().await.unwrap();
    let version: i64 = client
        .query_one("SELECT version FROM resources WHERE id = $1", &[&app_id])
        .await
        .unwrap()
        .get(0);
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
    assert_eq!(seqs, (1..=version).collect::<Vec<_>>());
    // 1 created + 4 invited + 4 accepted + 240 + 40 invitations + the
    // role changes that changed a role (a repeat appends nothing); no
    // event of lou's.
    let log = state.store.log(&app_id, 0, i64::MAX).await.unwrap();
    let role_changes = log
        .iter()
        .filter(|e| e.kind() == collab_authz::membership::EventKind::RoleChanged)
        .count();
    assert!((1..=flips_ok).contains(&role_changes), "{role_changes}");
    // Consecutive role changes of lin alternate: none repeats a role.
    let lin_roles: Vec<_> = log
        .iter()
        .filter(|e| e.kind() == collab_authz::membership::EventKind::RoleChanged)
        .map(|e| (e.previous_role(), e.role()))
        .collect();
    assert!(
        lin_roles.iter().all(|(from, to)| from != to),
        "{lin_roles:?}"
    );
    let expected = 1 + 4 + 4 + 240 + 40 + role_changes;
    assert_eq!(usize::try_from(version).unwrap(), expected);
    let mut invited = BTreeSet::new();
    for event in &log {
        if event.actor().as_str() == "lou@example.com" {
            // Lou's only event is accepting the invitation.
            assert_eq!(
                event.kind(),
                collab_authz::membership::EventKind::Accepted,
                "an escalation was written"
            );
        }
        if event.kind() == collab_authz::membership::EventKind::Invited {
            assert!(
                invited.insert(event.member().email.normalized().to_string()),
                "invited twice: {}",
                event.member().email
            );
        }
    }
    assert_eq!(invited.len(), 4 + 240 + 40);

    // Both replicas serve the same roster, which a replay rebuilds.
    let list_a = api_a
        .call(&olivia, "GET", &format!("{base}/collaborators"), None)
        .await;
    let list_b = api_b
        .call(&olivia, "GET", &format!("{base}/collaborators"), None)
        .await;
    assert_eq!(list_a.status, 200);
    let (list_a, list_b) = (
        sorted(&list_a.json()["collaborators"]),
        sorted(&list_b.json()["collaborators"]),
    );
    assert!(list_a == list_b, "the replicas serve different rosters");
    assert_eq!(list_a.len(), 4 + 240 + 40);
    let lou_listed = list_a
        .iter()
        .find(|c| c["email"] == "lou@example.com")
        .unwrap();
    assert_eq!(lou_listed["is_limited"], true, "lou escalated");
    let resource = state
        .store
        .resource(ResourceKind::App, &app_id)
        .await
        .unwrap();
    let replayed = state.store.replay(&resource).await.unwrap();
    assert_eq!(replayed.len(), 1 + list_a.len());
    for c in &list_a {
        let member = replayed
            .get(&c["email"].as_str().unwrap().parse().unwrap())
            .unwrap();
        assert_eq!(member.id().as_str(), c["id"].as_str().unwrap());
        assert_eq!(
            member.role() == Role::LimitedCollaborator,
            c["is_limited"] == true
        );
    }
    // Lin's role is whatever the last successful flip made it: the flips
    // alternate, so an even count leaves lin limited.
    let lin_role = replayed
        .get(&"lin@example.com".parse().unwrap())
        .unwrap()
        .role();
    let lin_limited = lin_role == Role::LimitedCollaborator;
    let lin_listed = list_a
        .iter()
        .find(|c| c["email"] == "lin@example.com")
        .unwrap();
    assert_eq!(lin_listed["is_limited"] == true, lin_limited);

    // One owner, in the roster and in the index.
    let owners: Vec<_> = replayed
        .iter()
        .filter(|m| m.status() == MemberStatus::Owner)
        .collect();
    assert_eq!(owners.len(), 1);
    assert_eq!(owners[0].email().as_str(), "olivia@example.com");
    let indexed_owners: i64 = client
        .query_one(
            "SELECT count(*) FROM memberships WHERE resource_id = $1 AND status = 'owner'",
            &[&app_id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(indexed_owners, 1);
    let indexed: i64 = client
        .query_one(
            "SELECT count(*) FROM memberships WHERE resource_id = $1",
            &[&app_id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(usize::try_from(indexed).unwrap(), replayed.len());

    // Snapshots were written along the way (only the creation one and the
    // two latest are kept) and a cold read from one matches the replay.
    // (Written after each answer, in the background: waited for, at
    // most 10 s.)
    let mut waited = 0;
    loop {
        let snapshots: i64 = client
            .query_one(
                "SELECT count(*) FROM roster_snapshots WHERE resource_id = $1",
                &[&app_id],
            )
            .await
            .unwrap()
            .get(0);
        if snapshots == 3 {
            break;
        }
        assert!(waited < 100, "{snapshots} snapshots after 10 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    let cold = collab_authz_service::store::Store::new(state.pool.clone(), (*state.keys).clone());
    let from_snapshot = cold.roster(&resource).await.unwrap();
    assert_eq!(from_snapshot.as_ref(), &replayed);

    // Racing transfers: two requests at once on the two replicas, one
    // wins; then the target accepts on one replica while the owner
    // revokes the target on the other: one owner whichever wins.
    let t1 = api_a.call(
        &olivia,
        "POST",
        "/v1/apps/shared/transfer",
        Some(json!({"transfer": {"email": "ada@example.com"}})),
    );
    let t2 = api_b.call(
        &olivia,
        "POST",
        "/v1/apps/shared/transfer",
        Some(json!({"transfer": {"email": "ben@example.com"}})),
    );
    let (t1, t2) = tokio::join!(t1, t2);
    let mut statuses = [t1.status, t2.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [202, 409], "{} / {}", t1.text(), t2.text());
    let (target, target_email) = if t1.status == 202 {
        (&ada, "ada@example.com")
    } else {
        (&ben, "ben@example.com")
    };
    let target_id = list_a.iter().find(|c| c["email"] == target_email).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let revoke_path = format!("/v1/apps/shared/collaborators/{target_id}");
    let accept = api_a.call(target, "POST", "/v1/apps/shared/transfer/accept", None);
    let revoke = api_b.call(&olivia, "DELETE", &revoke_path, None);
    let (accept, revoke) = tokio::join!(accept, revoke);
    eprintln!("accept {} / revoke {}", accept.status, revoke.status);
    let resource = state
        .store
        .resource(ResourceKind::App, &app_id)
        .await
        .unwrap();
    let replayed = state.store.replay(&resource).await.unwrap();
    let owners: Vec<String> = replayed
        .iter()
        .filter(|m| m.status() == MemberStatus::Owner)
        .map(|m| m.email().to_string())
        .collect();
    assert_eq!(owners.len(), 1, "{owners:?}");
    if accept.status == 200 {
        assert_eq!(owners[0], target_email);
        // The previous owner, now a collaborator, may not remove the owner (a conflict:
        // the owner is never removed).
        assert_eq!(revoke.status, 409, "{}", revoke.text());
    } else {
        assert_eq!(owners[0], "olivia@example.com");
        assert_eq!(revoke.status, 204, "{}", revoke.text());
        assert!(replayed.get(&target_email.parse().unwrap()).is_none());
    }
    let show_a = api_a.call(&ada, "GET", base, None).await;
    let show_b = api_b.call(&ada, "GET", base, None).await;
    assert_eq!(show_a.status, show_b.status);
    if show_a.status == 200 {
        assert_eq!(show_a.json()["app"]["owner"], show_b.json()["app"]["owner"]);
    }

    let _ = send(a.addr, "GET", "/v1/regions", &[], None).await;
    drop((a, b));
}

/// Two stores (two processes' worth of cache and locks) on one fresh
/// database, and app `name` created by the first, owned by `olivia`.
async fn two_stores(
    name: &str,
) -> (
    AppState,
    AppState,
    collab_authz::Email,
    collab_authz_service::store::ResourceRow,
) {
    use collab_authz::membership::{Account, MemberId};

    let database_url = fresh_database().await;
    let one = AppState::connect(&database_url, keyed(&database_url, "http://one"))
        .await
        .unwrap();
    let two = AppState::connect(&database_url, keyed(&database_url, "http://two"))
        .await
        .unwrap();
    let owner: collab_authz::Email = "olivia@example.com".parse().unwrap();
    let account = Account {
        id: MemberId::new("mem_owner").unwrap(),
        email: owner.clone(),
        username: None,
    };
    let (resource, _) = one
        .store
        .create(ResourceKind::App, name, &account)
        .await
        .unwrap();
    (one, two, owner, resource)
}

/// Two stores (two processes' worth of cache and locks) on one database,
/// writing to one roster at once: they lose races to each other, decide
/// again, and every write lands exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_race_and_retry_without_loss() {
    use collab_authz::Email;
    use collab_authz_service::store::{Change, Locator, Seen};
    use std::sync::atomic::Ordering;

    let (one, two, owner, resource) = two_stores("race").await;
    let mut tasks = Vec::new();
    for i in 0..200usize {
        let state = if i % 2 == 0 { one.clone() } else { two.clone() };
        let id = resource.id.clone();
        let owner = owner.clone();
        tasks.push(tokio::spawn(async move {
            let email: Email = format!("g{i}@example.com").parse().unwrap();
            let at = Locator::Key(ResourceKind::App, &id);
            let opened = state.store.open(at, &owner, Seen::Active).await.unwrap();
            state
                .store
                .write(opened, Change::Invite { email, role: None })
                .await
                .map(|c| c.retries)
        }));
    }
    let mut retried = 0;
    for task in tasks {
        retried += task.await.unwrap().expect("every write lands");
    }
    let retries = one.store.stats.retries.load(Ordering::Relaxed)
        + two.store.stats.retries.load(Ordering::Relaxed);
    eprintln!("{retries} lost races, decided again");
    assert_eq!(u64::from(retried), retries);
    assert!(retries > 0, "the two stores never raced");
    let fresh = one
        .store
        .resource(ResourceKind::App, &resource.id)
        .await
        .unwrap();
    assert_eq!(fresh.version, 201);
    let replayed = one.store.replay(&fresh).await.unwrap();
    assert_eq!(replayed.len(), 201);
    assert_eq!(two.store.roster(&fresh).await.unwrap().as_ref(), &replayed);
    assert_eq!(one.store.roster(&fresh).await.unwrap().as_ref(), &replayed);
}

/// A replica whose cached roster is far behind (the other wrote more than
/// a snapshot period since, and more events than a quarter of its members)
/// resumes the latest snapshot and the events after it instead of
/// applying every event since; a replica a few events behind, or far
/// behind with no snapshot past its cached version, continues its cached
/// roster. Each ends on the database's roster.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_far_behind_resumes_the_latest_snapshot() {
    use collab_authz::Email;
    use collab_authz_service::store::{Change, Locator, Seen};
    use std::sync::atomic::Ordering;

    let (one, two, owner, resource) = two_stores("far").await;
    let invite = |state: &AppState, i: usize| {
        let state = state.clone();
        let id = resource.id.clone();
        let owner = owner.clone();
        async move {
            let email: Email = format!("f{i}@example.com").parse().unwrap();
            let opened = state
                .store
                .open(Locator::Key(ResourceKind::App, &id), &owner, Seen::Active)
                .await
                .unwrap();
            state
                .store
                .write(opened, Change::Invite { email, role: None })
                .await
                .unwrap();
        }
    };
    let at = |state: &AppState| {
        let state = state.clone();
        let id = resource.id.clone();
        async move {
            let row = state.store.resource(ResourceKind::App, &id).await.unwrap();
            let roster = state.store.roster(&row).await.unwrap();
            (row, roster)
        }
    };
    // `one` caches the roster at version 1; `two` writes 70 events.
    at(&one).await;
    for i in 0..70 {
        invite(&two, i).await;
    }
    // Snapshots are written in the background: wait for one.
    let client = one.pool.get().await.unwrap();
    let wait_for_snapshot = |seq: i64| {
        let client = &client;
        let id = resource.id.clone();
        async move {
            for _ in 0..100 {
                let n: i64 = client
                    .query_one(
                        "SELECT count(*) FROM roster_snapshots WHERE resource_id = $1 AND seq = $2",
                        &[&id, &seq],
                    )
                    .await
                    .unwrap()
                    .get(0);
                if n == 1 {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            panic!("no snapshot at {seq} after 10 s");
        }
    };
    wait_for_snapshot(64).await;
    let (row, far) = at(&one).await;
    assert_eq!(row.version, 71);
    assert_eq!(one.store.stats.cache_resumed.load(Ordering::Relaxed), 1);
    assert_eq!(one.store.stats.cache_divergences.load(Ordering::Relaxed), 0);
    assert_eq!(far.as_ref(), &one.store.replay(&row).await.unwrap());
    assert_eq!(far.as_ref(), at(&two).await.1.as_ref());

    // Three events behind: continued from the cache, no snapshot read.
    for i in 70..73 {
        invite(&two, i).await;
    }
    let misses = one.store.stats.cache_misses.load(Ordering::Relaxed);
    let (row, near) = at(&one).await;
    assert_eq!(row.version, 74);
    assert_eq!(one.store.stats.cache_resumed.load(Ordering::Relaxed), 1);
    assert_eq!(
        one.store.stats.cache_misses.load(Ordering::Relaxed),
        misses + 1
    );
    assert_eq!(near.as_ref(), &one.store.replay(&row).await.unwrap());
    assert_eq!(near.len(), 74);

    // Far behind again, but the snapshot past the cached version is gone
    // (as if its writer stopped first): continued from the cache.
    for i in 73..143 {
        invite(&two, i).await;
    }
    wait_for_snapshot(128).await;
    client
        .execute(
            "DELETE FROM roster_snapshots WHERE resource_id = $1 AND seq = 128",
            &[&resource.id],
        )
        .await
        .unwrap();
    let (row, continued) = at(&one).await;
    assert_eq!(row.version, 144);
    assert_eq!(one.store.stats.cache_resumed.load(Ordering::Relaxed), 1);
    assert_eq!(one.store.stats.cache_divergences.load(Ordering::Relaxed), 0);
    assert_eq!(continued.as_ref(), &one.store.replay(&row).await.unwrap());
}

/// The command line refuses bad arguments with a message and a failure
/// status, and never touches the database for them.
#[test]
fn command_line_refuses_bad_arguments() {
    let bin = env!("CARGO_BIN_EXE_collab-authz-service");
    let run = |args: &[&str], database_url: Option<&str>| {
        let mut command = Command::new(bin);
        command
            .args(args)
            .env_remove("DATABASE_URL")
            .env("KEY_FILE", "/nonexistent/keys");
        if let Some(url) = database_url {
            command.env("DATABASE_URL", url);
        }
        command.output().unwrap()
    };
    let out = run(&["serve", "--listen", "127.0.0.1:0"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("DATABASE_URL is not set"));
    let out = run(
        &["user", "add", "a@example.com", "--two-factor", "maybe"],
        Some("postgres://x@127.0.0.1:1/x"),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--two-factor"));
    let out = run(&["serve"], Some("postgres://x@127.0.0.1:1/x"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--listen"));
    let out = run(&["frobnicate"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage"));
    let out = run(&["user", "add"], None);
    assert!(!out.status.success());
    let out = run(&["serve", "--listen", "127.0.0.1:0"], Some("not a url"));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("DATABASE_URL"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
