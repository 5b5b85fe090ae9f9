//! The HTTP API end to end: real HTTP on loopback, real PostgreSQL (a
//! throwaway server per test binary, a fresh database per test). Every
//! route, its refusals with their explanations, the 401s, the whole
//! membership lifecycle and bad input.

mod common;

use collab_authz::org::directory::TwoFactor;
use collab_authz_service::keys::{Audience, Claims, KeyRing, Keys};
use collab_authz_service::time::now_unix;
use common::{Api, Service, User, create_app, send, service, user, user_2fa};
use serde_json::{Value, json};

/// Invites `email` to `app` as `by`; the collaborator object.
async fn invite(api: &Api, by: &User, base: &str, email: &str, is_limited: Option<bool>) -> Value {
    let mut fields = json!({ "email": email });
    if let Some(limited) = is_limited {
        fields["is_limited"] = json!(limited);
    }
    let r = api
        .call(
            by,
            "POST",
            &format!("{base}/collaborators"),
            Some(json!({ "collaborator": fields })),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["collaborator"].clone()
}

/// The path of an invitation link.
fn link_path(svc: &Service, collaborator: &Value) -> String {
    let link = collaborator["invitation_link"].as_str().unwrap();
    link.strip_prefix(&format!("http://{}", svc.addr))
        .unwrap_or_else(|| panic!("link {link} not on the service"))
        .to_string()
}

async fn accept(api: &Api, svc: &Service, who: &User, collaborator: &Value) -> Value {
    let r = api
        .call(who, "POST", &link_path(svc, collaborator), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["collaborator"].clone()
}

async fn collaborators(api: &Api, who: &User, base: &str) -> Vec<Value> {
    let r = api
        .call(who, "GET", &format!("{base}/collaborators"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["collaborators"].as_array().unwrap().clone()
}

/// `PATCH {path}` (an app) renaming it to `name`, as `who`.
async fn rename(api: &Api, who: &User, path: &str, name: &str) -> common::Response {
    let body = json!({"app": {"name": name}});
    api.call(who, "PATCH", path, Some(body)).await
}

/// `PATCH {base}/collaborators/{id}` setting `is_limited`, as `who`.
async fn set_limited(
    api: &Api,
    who: &User,
    base: &str,
    id: &str,
    limited: bool,
) -> common::Response {
    let body = json!({"collaborator": {"is_limited": limited}});
    let path = format!("{base}/collaborators/{id}");
    api.call(who, "PATCH", &path, Some(body)).await
}

/// Revokes `who`'s API token (`DELETE /v1/tokens/self`), then asserts that
/// every `GET` of `paths` with their bearer token is a 401.
async fn revoke_then_refused<P: AsRef<str>>(api: &Api, who: &User, paths: &[P]) {
    let revoke = api.call(who, "DELETE", "/v1/tokens/self", None).await;
    assert_eq!(revoke.status, 204, "{}", revoke.text());
    for path in paths {
        let path = path.as_ref();
        let r = api.call(who, "GET", path, None).await;
        assert_eq!(r.status, 401, "{path}: {}", r.text());
    }
}

fn assert_error(r: &common::Response, status: u16, needle: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    let error = r.error();
    assert!(
        error.contains(needle),
        "error {error:?} does not mention {needle:?}"
    );
}

// ---------------------------------------------------------------------------
// Credentials.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_routes_and_every_401() {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;

    // Regions describe the service itself, without credentials.
    let regions = send(svc.addr, "GET", "/v1/regions", &[], None).await;
    assert_eq!(regions.status, 200);
    let region = &regions.json()["regions"][0];
    for field in [
        "name",
        "display_name",
        "api",
        "database_api",
        "dashboard",
        "ssh",
        "default",
    ] {
        assert!(region.get(field).is_some(), "region lacks {field}");
    }
    assert_eq!(region["api"], format!("http://{}", svc.addr));
    assert_eq!(region["default"], true);

    // The exchanged token is a JWT with sub and exp.
    let parts: Vec<&str> = olivia.jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    use base64::Engine;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["sub"], olivia.id.as_str());
    assert!(claims["exp"].as_u64().unwrap() > now_unix());

    let me = api.call(&olivia, "GET", "/v1/users/self", None).await;
    assert_eq!(me.status, 200);
    assert_eq!(
        me.json(),
        json!({"user": {"id": olivia.id, "username": "olivia", "email": "olivia@example.com"}})
    );

    // Exchange: wrong token, no header, not Basic, empty password.
    assert_eq!(api.exchange("cas_not-a-token").await.status, 401);
    let none = send(svc.addr, "POST", "/v1/tokens/exchange", &[], None).await;
    assert_error(&none, 401, "credentials");
    let bearer = send(
        svc.addr,
        "POST",
        "/v1/tokens/exchange",
        &[("authorization", &format!("Bearer {}", olivia.api_token))],
        None,
    )
    .await;
    assert_eq!(bearer.status, 401);
    let garbage = send(
        svc.addr,
        "POST",
        "/v1/tokens/exchange",
        &[("authorization", "Basic !!!not-base64")],
        None,
    )
    .await;
    assert_eq!(garbage.status, 401);

    // Every other route needs a valid bearer token.
    let cases: Vec<(&str, String)> = vec![
        ("missing", String::new()),
        ("not bearer", format!("Basic {}", olivia.jwt)),
        ("garbage", "Bearer not.a.jwt".into()),
        (
            "truncated",
            format!("Bearer {}", &olivia.jwt[..olivia.jwt.len() - 3]),
        ),
    ];
    for (what, header) in &cases {
        let headers: Vec<(&str, &str)> = if header.is_empty() {
            vec![]
        } else {
            vec![("authorization", header.as_str())]
        };
        for (method, path) in [
            ("GET", "/v1/users/self"),
            ("GET", "/v1/apps"),
            ("POST", "/v1/apps"),
        ] {
            let r = send(svc.addr, method, path, &headers, None).await;
            assert_eq!(r.status, 401, "{what} {method} {path}: {}", r.text());
            assert_eq!(r.headers["www-authenticate"], "Bearer");
            r.error();
        }
    }

    // Forged: signed with another key.
    let now = now_unix();
    let claims = Claims::new(&olivia.id, "tok_whatever", Audience::Api, now, 600);
    let forged = Keys::new(&KeyRing::generate().unwrap())
        .sign(&claims)
        .unwrap();
    let r = send(
        svc.addr,
        "GET",
        "/v1/users/self",
        &[("authorization", &format!("Bearer {forged}"))],
        None,
    )
    .await;
    assert_eq!(r.status, 401, "forged");

    // Expired: our key, our token id, exp in the past.
    let real: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();
    let expired = svc
        .state
        .keys
        .sign(&Claims {
            iat: now - 7200,
            exp: now - 1,
            ..Claims::new(
                &olivia.id,
                real["tid"].as_str().unwrap(),
                Audience::Api,
                now,
                0,
            )
        })
        .unwrap();
    let r = send(
        svc.addr,
        "GET",
        "/v1/users/self",
        &[("authorization", &format!("Bearer {expired}"))],
        None,
    )
    .await;
    assert_eq!(r.status, 401, "expired");

    // The same claims, unexpired, pass: the test above fails on expiry.
    let fresh = svc
        .state
        .keys
        .sign(&Claims::new(
            &olivia.id,
            real["tid"].as_str().unwrap(),
            Audience::Api,
            now,
            60,
        ))
        .unwrap();
    let r = send(
        svc.addr,
        "GET",
        "/v1/users/self",
        &[("authorization", &format!("Bearer {fresh}"))],
        None,
    )
    .await;
    assert_eq!(r.status, 200, "fresh");

    // alg none.
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
    let none_token = format!("{header}.{}.", parts[1]);
    let r = send(
        svc.addr,
        "GET",
        "/v1/users/self",
        &[("authorization", &format!("Bearer {none_token}"))],
        None,
    )
    .await;
    assert_eq!(r.status, 401, "alg none");

    // Revoked: the API token behind the bearer token.
    let revoke = api.call(&olivia, "DELETE", "/v1/tokens/self", None).await;
    assert_eq!(revoke.status, 204, "{}", revoke.text());
    assert_eq!(
        api.call(&olivia, "GET", "/v1/users/self", None)
            .await
            .status,
        401
    );
    assert_eq!(api.exchange(&olivia.api_token).await.status, 401);

    // Only the digest is stored.
    let client = svc.state.pool.get().await.unwrap();
    let rows = client
        .query("SELECT digest FROM api_tokens", &[])
        .await
        .unwrap();
    for row in rows {
        let digest: Vec<u8> = row.get(0);
        assert_eq!(digest.len(), 32);
        assert!(!String::from_utf8_lossy(&digest).contains(&olivia.api_token));
    }
}

// ---------------------------------------------------------------------------
// Apps.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_create_list_show_rename_delete() {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let stranger = user(&svc, "mallory@example.com", Some("mallory")).await;

    let id = create_app(&api, &olivia, "billing").await;
    assert!(id.starts_with("app_"));
    let dup = api
        .call(
            &olivia,
            "POST",
            "/v1/apps",
            Some(json!({"app": {"name": "billing"}})),
        )
        .await;
    assert_error(&dup, 409, "billing");

    for key in ["billing", id.as_str()] {
        let r = api
            .call(&olivia, "GET", &format!("/v1/apps/{key}"), None)
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let app = &r.json()["app"];
        assert_eq!(app["id"], id.as_str());
        assert_eq!(app["name"], "billing");
        assert_eq!(
            app["owner"],
            json!({"id": olivia.id, "username": "olivia", "email": "olivia@example.com"})
        );
        assert_eq!(app["role"], "owner");
    }
    // A stranger sees nothing, and cannot tell it exists.
    let r = api.call(&stranger, "GET", "/v1/apps/billing", None).await;
    assert_error(&r, 404, "app not found");
    assert_eq!(
        api.call(&stranger, "GET", "/v1/apps", None).await.json()["apps"],
        json!([])
    );
    let r = rename(&api, &stranger, "/v1/apps/billing", "mine").await;
    assert_eq!(r.status, 404);
    assert_eq!(
        api.call(&stranger, "DELETE", "/v1/apps/billing", None)
            .await
            .status,
        404
    );

    // Rename: owner only, decided by the crate.
    let ada = user(&svc, "ada@example.com", Some("ada")).await;
    let c = invite(
        &api,
        &olivia,
        "/v1/apps/billing",
        "ada@example.com",
        Some(false),
    )
    .await;
    accept(&api, &svc, &ada, &c).await;
    let r = rename(&api, &ada, "/v1/apps/billing", "ledger").await;
    assert_error(&r, 403, "collaborator may not rename on this app");
    let r = rename(&api, &olivia, "/v1/apps/billing", "ledger").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["app"]["name"], "ledger");
    assert_eq!(
        api.call(&olivia, "GET", "/v1/apps/billing", None)
            .await
            .status,
        404
    );
    assert_eq!(
        api.call(&olivia, "GET", "/v1/apps/ledger", None)
            .await
            .status,
        200
    );
    let same = rename(&api, &olivia, "/v1/apps/ledger", "ledger").await;
    // The current name again: an idempotent 200 with the app as it is.
    assert_eq!(same.status, 200, "{}", same.text());
    assert_eq!(same.json()["app"]["name"], "ledger");
    create_app(&api, &olivia, "other").await;
    let taken = rename(&api, &olivia, "/v1/apps/ledger", "other").await;
    assert_error(&taken, 409, "taken");

    // The list: owned and collaborated-on, with the caller's role.
    let mine = api.call(&ada, "GET", "/v1/apps", None).await.json();
    let names: Vec<&str> = mine["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["ledger"]);
    assert_eq!(mine["apps"][0]["role"], "collaborator");
    assert_eq!(
        api.call(&olivia, "GET", "/v1/apps", None).await.json()["apps"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Delete: owner only.
    let r = api.call(&ada, "DELETE", "/v1/apps/ledger", None).await;
    assert_error(&r, 403, "collaborator may not delete on this app");
    assert_eq!(
        api.call(&olivia, "DELETE", "/v1/apps/ledger", None)
            .await
            .status,
        204
    );
    assert_eq!(
        api.call(&olivia, "GET", "/v1/apps/ledger", None)
            .await
            .status,
        404
    );
    assert_eq!(
        api.call(&ada, "GET", &format!("/v1/apps/{id}"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        api.call(&ada, "GET", "/v1/apps/ledger/collaborators", None)
            .await
            .status,
        404
    );
    // The name is free again.
    create_app(&api, &olivia, "ledger").await;
}

/// `GET /v1/apps/{app}` (and a database's) is kept per version and per
/// role: the same bytes while nothing changes, each caller's own role,
/// and every write (a role change, a rename) in the next read. It checks
/// the bearer's token in its one statement: revoked, it is a 401 at
/// once, the answer kept or not, for a resource that does not exist and
/// for a malformed path too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kept_resource_follows_the_version_and_the_role_and_refuses_revoked_tokens() {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let lin = user(&svc, "lin@example.com", Some("lin")).await;
    create_app(&api, &olivia, "shown").await;
    let base = "/v1/apps/shown";
    let c_lin = invite(&api, &olivia, base, "lin@example.com", Some(true)).await;
    accept(&api, &svc, &lin, &c_lin).await;
    let show = |who: &User, path: &str| {
        let (who, path) = (who.clone(), path.to_string());
        let api = Api { addr: svc.addr };
        async move {
            let r = api.call(&who, "GET", &path, None).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text());
            (r.text(), r.json()["app"].clone())
        }
    };
    let (first, app) = show(&olivia, base).await;
    assert_eq!(app["role"], "owner");
    assert_eq!(app["members"], 2);
    assert_eq!(app["owner"]["id"], olivia.id.as_str());
    assert_eq!(show(&olivia, base).await.0, first, "kept: the same bytes");
    let row = svc
        .state
        .store
        .resource(collab_authz::ResourceKind::App, "shown")
        .await
        .unwrap();
    let kept = svc.state.store.view(&row, "resource:owner");
    assert_eq!(kept.as_deref(), Some(first.as_bytes()));
    let (_, app) = show(&lin, base).await;
    assert_eq!(app["role"], "limited_collaborator");
    assert_eq!(show(&olivia, base).await.1["role"], "owner");
    let lin_id = c_lin["id"].as_str().unwrap();
    let r = set_limited(&api, &olivia, base, lin_id, false).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(show(&lin, base).await.1["role"], "collaborator");
    let r = rename(&api, &olivia, base, "shown-2").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(show(&lin, "/v1/apps/shown-2").await.1["name"], "shown-2");
    let r = api.call(&lin, "GET", base, None).await;
    assert_eq!(r.status, 404, "{}", r.text());
    // A database's, the same way.
    let r = api
        .call(
            &olivia,
            "POST",
            "/v1/databases",
            Some(json!({"database": {"name": "shown-db"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let r = api
        .call(&olivia, "GET", "/v1/databases/shown-db", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["database"]["role"], "owner");

    // The events read checks the token in the same statement too.
    let events = "/v1/apps/shown-2/events";
    let r = api.call(&lin, "GET", events, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!r.json()["events"].as_array().unwrap().is_empty());
    let r = api
        .call(&lin, "GET", "/v1/apps/shown-2/events?bogus=1", None)
        .await;
    assert_eq!(r.status, 400, "{}", r.text());

    let paths = [
        "/v1/apps/shown-2",
        "/v1/apps/nothing",
        "/v1/apps/a%00b",
        "/v1/databases/shown-db",
        events,
        "/v1/apps/shown-2/events?bogus=1",
        "/v1/apps/a%00b/events",
    ];
    revoke_then_refused(&api, &lin, &paths).await;
    let r = api.call(&olivia, "GET", "/v1/apps/a%00b", None).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let r = api.call(&olivia, "GET", "/v1/apps/nothing", None).await;
    assert_eq!(r.status, 404, "{}", r.text());
}

// ---------------------------------------------------------------------------
// The whole lifecycle.
// ---------------------------------------------------------------------------

/// The listing is kept per version and per view: the same bytes while
/// nothing changes, the links only in the view of those who may invite
/// (whoever reads first), and every write (a role change, a rename, an
/// acceptance) shows in the next read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kept_listing_follows_the_version_and_the_viewer() {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let ada = user(&svc, "ada@example.com", Some("ada")).await;
    let lin = user(&svc, "lin@example.com", Some("lin")).await;
    create_app(&api, &olivia, "kept").await;
    let base = "/v1/apps/kept";
    let c_ada = invite(&api, &olivia, base, "ada@example.com", Some(false)).await;
    let c_lin = invite(&api, &olivia, base, "lin@example.com", Some(true)).await;
    accept(&api, &svc, &lin, &c_lin).await;
    let raw = |who: &User| {
        let who = who.clone();
        let api = Api { addr: svc.addr };
        async move {
            let r = api
                .call(&who, "GET", &format!("{base}/collaborators"), None)
                .await;
            assert_eq!(r.status, 200, "{}", r.text());
            r.body
        }
    };
    // The limited collaborator reads first: no link, and the owner's
    // view at the same version still has ada's.
    let lin_first = raw(&lin).await;
    let olivia_first = raw(&olivia).await;
    assert_ne!(lin_first, olivia_first);
    let links = |body: &[u8]| {
        let v: Value = serde_json::from_slice(body).unwrap();
        v["collaborators"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["invitation_link"].is_string())
            .count()
    };
    assert_eq!(links(&lin_first), 0);
    assert_eq!(links(&olivia_first), 1);
    // Both views are kept at this version, as answered.
    let resource = svc
        .state
        .store
        .resource(collab_authz::ResourceKind::App, "kept")
        .await
        .unwrap();
    let kept = |view| svc.state.store.view(&resource, view);
    assert_eq!(kept("collaborators").as_deref(), Some(&lin_first[..]));
    assert_eq!(
        kept("collaborators+links").as_deref(),
        Some(&olivia_first[..])
    );
    assert_eq!(raw(&olivia).await, olivia_first);
    assert_eq!(raw(&lin).await, lin_first);

    // A role change, an acceptance and a rename each show at once.
    let lin_id = c_lin["id"].as_str().unwrap();
    let r = set_limited(&api, &olivia, base, lin_id, false).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let list = collaborators(&api, &lin, base).await;
    let lin_row = list.iter().find(|c| c["id"] == lin_id).unwrap();
    assert_eq!(lin_row["is_limited"], false);
    assert_eq!(lin_row["user_id"], lin.id.as_str());
    // Now a collaborator, lin may invite: the links are in lin's view.
    assert_eq!(links(&raw(&lin).await), 1);
    accept(&api, &svc, &ada, &c_ada).await;
    let list = collaborators(&api, &olivia, base).await;
    let ada_row = list
        .iter()
        .find(|c| c["email"] == "ada@example.com")
        .unwrap();
    assert_eq!(ada_row["status"], "accepted");
    assert_eq!(ada_row["user_id"], ada.id.as_str());
    assert!(list.iter().all(|c| c["invitation_link"].is_null()));
    let r = rename(&api, &olivia, base, "kept-2").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let list = collaborators(&api, &olivia, "/v1/apps/kept-2").await;
    assert!(list.iter().all(|c| c["app_name"] == "kept-2"));

    // The read checks the bearer's token in its one statement: revoked,
    // it is a 401 at once, the listing kept or not, for a resource that
    // does not exist and for a malformed path too.
    let r = api
        .call(&lin, "GET", "/v1/apps/kept-2/collaborators", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let paths = [
        "/v1/apps/kept-2/collaborators",
        "/v1/apps/nothing/collaborators",
        "/v1/apps/a%00b/collaborators",
    ];
    revoke_then_refused(&api, &lin, &paths).await;
    let r = api
        .call(&olivia, "GET", "/v1/apps/a%00b/collaborators", None)
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    let r = api
        .call(&olivia, "GET", "/v1/apps/nothing/collaborators", None)
        .await;
    assert_eq!(r.status, 404, "{}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_invite_accept_role_transfer_rename_revoke_leave_delete() {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let ada = user(&svc, "ada@example.com", Some("ada")).await;
    let lin = user(&svc, "lin@example.com", Some("lin")).await;
    let eve = user(&svc, "eve@example.com", Some("eve")).await;
    let app_id = create_app(&api, &olivia, "shop").await;
    let base = "/v1/apps/shop";

    // Invite: explicit false is a collaborator, absent is the app default
    // (limited).
    let c_ada = invite(&api, &olivia, base, "ada@example.com", Some(false)).await;
    assert_eq!(c_ada["is_limited"], false);
    assert_eq!(c_ada["status"], "pending");
    assert_eq!(c_ada["username"], "n/a");
    assert_eq!(c_ada["user_id"], Value::Null);
    assert_eq!(c_ada["app_id"], app_id.as_str());
    assert_eq!(c_ada["email"], "ada@example.com");
    assert!(
        c_ada["invitation_link"]
            .as_str()
            .unwrap()
            .starts_with(&format!("http://{}/v1/invitations/{app_id}/", svc.addr))
    );
    let c_lin = invite(&api, &olivia, base, "LIN@example.com", None).await;
    assert_eq!(c_lin["is_limited"], true);
    // null is absent too.
    let c_eve = {
        let r = api
            .call(
                &olivia,
                "POST",
                &format!("{base}/collaborators"),
                Some(json!({"collaborator": {"email": "eve@example.com", "is_limited": null}})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["collaborator"].clone()
    };
    assert_eq!(c_eve["is_limited"], true);
    let again = api
        .call(
            &olivia,
            "POST",
            &format!("{base}/collaborators"),
            Some(json!({"collaborator": {"email": "Ada@Example.com"}})),
        )
        .await;
    assert_error(&again, 409, "already has a membership");

    // Pending grants nothing: the invitee does not see the app.
    assert_eq!(api.call(&ada, "GET", base, None).await.status, 404);
    assert_eq!(
        api.call(&ada, "GET", &format!("{base}/collaborators"), None)
            .await
            .status,
        404
    );

    // Someone else cannot use ada's link; a forged secret is refused.
    let someone_else = api.call(&eve, "POST", &link_path(&svc, &c_ada), None).await;
    assert_error(&someone_else, 404, "no invitation matches");
    let forged = format!(
        "/v1/invitations/{app_id}/{}/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        c_ada["id"].as_str().unwrap()
    );
    // A wrong token is the crate's no invitation, word for word: a
    // guessed token learns nothing.
    let r = api.call(&ada, "POST", &forged, None).await;
    assert_error(&r, 404, "no invitation matches");
    assert_eq!(r.error(), someone_else.error());

    // Accept through the link.
    let accepted = accept(&api, &svc, &ada, &c_ada).await;
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["username"], "ada");
    assert_eq!(accepted["user_id"], ada.id.as_str());
    assert_eq!(accepted["invitation_link"], Value::Null);
    let twice = api.call(&ada, "POST", &link_path(&svc, &c_ada), None).await;
    assert_error(&twice, 409, "only a pending invitation");
    accept(&api, &svc, &lin, &c_lin).await;

    // The list: the owner left out; links only to those who may invite.
    let list = collaborators(&api, &olivia, base).await;
    assert_eq!(list.len(), 3);
    // The crate's reader of the platform's API takes the list as it is.
    let raw = api
        .call(&olivia, "GET", &format!("{base}/collaborators"), None)
        .await;
    let read: collab_authz::api::CollaboratorList = serde_json::from_slice(&raw.body).unwrap();
    let members = read
        .to_members(collab_authz::membership::Timestamp::from_unix_seconds(0))
        .unwrap();
    assert_eq!(members.len(), 3);
    let ada_member = members
        .iter()
        .find(|m| m.email().as_str() == "ada@example.com")
        .unwrap();
    assert_eq!(ada_member.role(), collab_authz::Role::Collaborator);
    assert_eq!(
        ada_member.status(),
        collab_authz::membership::MemberStatus::Accepted
    );
    assert_eq!(ada_member.username().unwrap().as_str(), "ada");
    assert_eq!(read.collaborators()[0].app_id(), Some(app_id.as_str()));
    let eve_row = list
        .iter()
        .find(|c| c["email"] == "eve@example.com")
        .unwrap();
    assert!(eve_row["invitation_link"].is_string());
    let lin_view = collaborators(&api, &lin, base).await;
    assert!(lin_view.iter().all(|c| c["invitation_link"].is_null()));

    // A limited collaborator may not manage collaborators.
    let r = api
        .call(
            &lin,
            "POST",
            &format!("{base}/collaborators"),
            Some(json!({"collaborator": {"email": "x@example.com"}})),
        )
        .await;
    assert_error(&r, 403, "limited_collaborator may not invite_collaborator");

    // Change role (by the owner), and a collaborator may too.
    let lin_id = c_lin["id"].as_str().unwrap();
    let r = set_limited(&api, &olivia, base, lin_id, false).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["collaborator"]["is_limited"], false);
    assert_eq!(r.json()["collaborator"]["id"], lin_id);
    let r = set_limited(&api, &ada, base, lin_id, true).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["collaborator"]["is_limited"], true);
    // The same role again: idempotent, 200 with the current object and
    // nothing appended to the log.
    let before = api
        .call(&ada, "GET", &format!("{base}/events?limit=1000"), None)
        .await;
    let r = set_limited(&api, &ada, base, lin_id, true).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["collaborator"]["is_limited"], true);
    assert_eq!(r.json()["collaborator"]["id"], lin_id);
    let after = api
        .call(&ada, "GET", &format!("{base}/events?limit=1000"), None)
        .await;
    assert_eq!(
        before.json()["events"].as_array().map(Vec::len),
        after.json()["events"].as_array().map(Vec::len),
        "a no-op PATCH appended an event"
    );
    // Permission comes before the no-op: lin, limited, may not change
    // roles, not even to the one she has.
    let r = set_limited(&api, &lin, base, lin_id, true).await;
    assert_eq!(r.status, 403, "{}", r.text());

    // Transfer ownership: owner only; to an accepted collaborator.
    let r = api
        .call(
            &ada,
            "POST",
            &format!("{base}/transfer"),
            Some(json!({"transfer": {"email": "ada@example.com"}})),
        )
        .await;
    assert_error(&r, 403, "transfer_ownership");
    let r = api
        .call(
            &olivia,
            "POST",
            &format!("{base}/transfer"),
            Some(json!({"transfer": {"email": "lin@example.com"}})),
        )
        .await;
    assert_error(&r, 409, "accepted collaborator");
    let r = api
        .call(
            &olivia,
            "POST",
            &format!("{base}/transfer"),
            Some(json!({"transfer": {"email": "ada@example.com"}})),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text());
    assert_eq!(r.json()["app"]["pending_transfer"]["to"], "ada@example.com");
    let r = api
        .call(&lin, "POST", &format!("{base}/transfer/accept"), None)
        .await;
    assert_error(&r, 403, "only the target");
    let r = api
        .call(&ada, "POST", &format!("{base}/transfer/accept"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let app = &r.json()["app"];
    assert_eq!(app["owner"]["email"], "ada@example.com");
    assert_eq!(app["owner"]["id"], ada.id.as_str());
    assert_eq!(app["role"], "owner");
    // The previous owner is now a collaborator, listed as one.
    let list = collaborators(&api, &ada, base).await;
    let olivia_row = list
        .iter()
        .find(|c| c["email"] == "olivia@example.com")
        .unwrap();
    assert_eq!(olivia_row["status"], "accepted");
    assert_eq!(olivia_row["is_limited"], false);
    assert!(list.iter().all(|c| c["email"] != "ada@example.com"));
    let r = api
        .call(&ada, "POST", &format!("{base}/transfer/accept"), None)
        .await;
    assert_eq!(r.status, 404, "no transfer pending: {}", r.text());

    // Rename: now the new owner's right, not the old owner's.
    let r = rename(&api, &olivia, base, "store").await;
    assert_error(&r, 403, "may not rename");
    let r = rename(&api, &ada, base, "store").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let base = "/v1/apps/store";

    // Revoke: the owner cannot be removed; a limited collaborator may not
    // revoke; the owner revokes eve's pending invitation.
    let owner_member = {
        let client = svc.state.pool.get().await.unwrap();
        let row = client
            .query_one(
                "SELECT member_id FROM memberships WHERE resource_id = $1 AND status = 'owner'",
                &[&app_id],
            )
            .await
            .unwrap();
        row.get::<_, String>(0)
    };
    let r = api
        .call(
            &olivia,
            "DELETE",
            &format!("{base}/collaborators/{owner_member}"),
            None,
        )
        .await;
    assert_error(&r, 409, "the owner cannot be removed");
    let eve_id = c_eve["id"].as_str().unwrap();
    let r = api
        .call(
            &lin,
            "DELETE",
            &format!("{base}/collaborators/{eve_id}"),
            None,
        )
        .await;
    assert_error(&r, 403, "may not revoke_collaborator");
    let r = api
        .call(
            &ada,
            "DELETE",
            &format!("{base}/collaborators/{eve_id}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    // The link of a revoked invitation no longer works.
    let r = api.call(&eve, "POST", &link_path(&svc, &c_eve), None).await;
    assert_eq!(r.status, 404, "{}", r.text());

    // Leave: a limited collaborator deletes their own membership.
    let r = api
        .call(
            &lin,
            "DELETE",
            &format!("{base}/collaborators/{lin_id}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(api.call(&lin, "GET", base, None).await.status, 404);
    // The owner cannot leave.
    let r = api
        .call(
            &ada,
            "DELETE",
            &format!("{base}/collaborators/{owner_member}"),
            None,
        )
        .await;
    assert_error(&r, 409, "the owner cannot leave");

    // Events: the log with the notification names, in order.
    let r = api
        .call(&olivia, "GET", &format!("{base}/events"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let events = r.json()["events"].as_array().unwrap().clone();
    let names: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        vec![
            "roster_created",
            "collaborator_invited",
            "collaborator_invited",
            "collaborator_invited",
            "collaborator_accepted",
            "collaborator_accepted",
            "collaborator_role_changed",
            "collaborator_role_changed",
            "ownership_transfer_requested",
            "collaborator_role_changed",
            "collaborator_role_changed",
            "app_renamed",
            "collaborator_removed",
            "collaborator_removed",
        ]
    );
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=14).collect::<Vec<_>>());
    let page = api
        .call(
            &olivia,
            "GET",
            &format!("{base}/events?after=12&limit=1"),
            None,
        )
        .await;
    assert_eq!(page.json()["events"][0]["seq"], 13);
    assert_eq!(page.json()["events"].as_array().unwrap().len(), 1);
    // No secret in the log.
    let log = svc.state.store.log(&app_id, 0, 100).await.unwrap();
    let text = serde_json::to_string(&log).unwrap();
    let secret = link_path(&svc, &c_ada)
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    assert!(!text.contains(&secret), "the link's secret is in the log");

    // The stored log replays to the roster the service serves.
    let resource = svc
        .state
        .store
        .resource(collab_authz::ResourceKind::App, &app_id)
        .await
        .unwrap();
    let replayed = svc.state.store.replay(&resource).await.unwrap();
    let served = svc.state.store.roster(&resource).await.unwrap();
    assert_eq!(&replayed, served.as_ref());
    assert_eq!(replayed.owner().email().as_str(), "ada@example.com");
    // The membership index follows the log: revoked and left members gone.
    let client = svc.state.pool.get().await.unwrap();
    let indexed: Vec<(String, String)> = client
        .query(
            "SELECT email_norm, status FROM memberships WHERE resource_id = $1 ORDER BY email_norm",
            &[&app_id],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        indexed,
        vec![
            ("ada@example.com".to_string(), "owner".to_string()),
            ("olivia@example.com".to_string(), "accepted".to_string()),
        ]
    );

    // Delete.
    let r = api.call(&olivia, "DELETE", base, None).await;
    assert_error(&r, 403, "may not delete");
    assert_eq!(api.call(&ada, "DELETE", base, None).await.status, 204);
    assert_eq!(api.call(&ada, "GET", base, None).await.status, 404);
    assert_eq!(
        api.call(&olivia, "GET", "/v1/apps", None).await.json()["apps"],
        json!([])
    );
}

// ---------------------------------------------------------------------------
// Guarded app actions: decisions, obligations, conditions.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guarded_actions_apply_the_crate_decision() {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let ada = user(&svc, "ada@example.com", Some("ada")).await;
    let lin = user(&svc, "lin@example.com", Some("lin")).await;
    let mallory = user(&svc, "mallory@example.com", Some("mallory")).await;
    let app_id = create_app(&api, &olivia, "api").await;
    let base = "/v1/apps/api";
    let c = invite(&api, &olivia, base, "ada@example.com", Some(false)).await;
    accept(&api, &svc, &ada, &c).await;
    let c = invite(&api, &olivia, base, "lin@example.com", Some(true)).await;
    accept(&api, &svc, &lin, &c).await;

    // Restart: every role; a stranger sees nothing.
    for who in [&olivia, &ada, &lin] {
        let r = api
            .call(who, "POST", &format!("{base}/restart"), None)
            .await;
        assert_eq!(r.status, 202, "{}", r.text());
        assert_eq!(r.json()["operation"]["action"], "restart");
    }
    assert_eq!(
        api.call(&mallory, "POST", &format!("{base}/restart"), None)
            .await
            .status,
        404
    );
    let client = svc.state.pool.get().await.unwrap();
    let restarts: i64 = client
        .query_one(
            "SELECT count(*) FROM operations WHERE resource_id = $1 AND action = 'restart'",
            &[&app_id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(restarts, 3);

    // Variables: managing needs collaborator; a limited collaborator sees
    // names, values redacted.
    let vars = json!({"variables": [{"name": "DATABASE_PASSWORD", "value": "hunter2"}]});
    let r = api
        .call(
            &lin,
            "PUT",
            &format!("{base}/variables"),
            Some(vars.clone()),
        )
        .await;
    assert_error(
        &r,
        403,
        "limited_collaborator may not manage_env_vars on an app",
    );
    let r = api
        .call(&ada, "PUT", &format!("{base}/variables"), Some(vars))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = api
        .call(&olivia, "GET", &format!("{base}/variables"), None)
        .await;
    assert_eq!(
        r.json()["variables"],
        json!([{"id": "DATABASE_PASSWORD", "name": "DATABASE_PASSWORD", "value": "hunter2", "redacted": false}])
    );
    let r = api
        .call(&lin, "GET", &format!("{base}/variables"), None)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["variables"],
        json!([{"id": "DATABASE_PASSWORD", "name": "DATABASE_PASSWORD", "value": null, "redacted": true}])
    );
    assert!(!r.text().contains("hunter2"));

    // Activity: details with the obligation applied for the limited role.
    let r = api
        .call(&lin, "GET", &format!("{base}/activity"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["details_redacted"], true);
    assert!(!r.text().contains("hunter2"), "{}", r.text());
    assert!(r.text().contains("[redacted]"));
    let r = api
        .call(&olivia, "GET", &format!("{base}/activity"), None)
        .await;
    assert_eq!(r.json()["details_redacted"], false);
    assert!(r.text().contains("hunter2"));

    // Deployments: deploy needs collaborator; logs of an old deployment are
    // refused to a limited collaborator (the condition, with the age in
    // the context).
    let r = api
        .call(
            &lin,
            "POST",
            &format!("{base}/deployments"),
            Some(json!({"deployment": {"git_ref": "main"}})),
        )
        .await;
    assert_error(&r, 403, "may not deploy_any_branch");
    let r = api
        .call(
            &ada,
            "POST",
            &format!("{base}/deployments"),
            Some(json!({"deployment": {"git_ref": "main"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let fresh = r.json()["deployment"]["id"].as_str().unwrap().to_string();
    client
        .execute(
            "INSERT INTO deployments (id, resource_id, git_ref, output, created_at)
             VALUES ('dep_old', $1, 'v1', 'old output', now() - interval '8 days')",
            &[&app_id],
        )
        .await
        .unwrap();
    let r = api
        .call(&lin, "GET", &format!("{base}/deployments"), None)
        .await;
    assert_eq!(r.json()["deployments"].as_array().unwrap().len(), 2);
    let r = api
        .call(
            &lin,
            "GET",
            &format!("{base}/deployments/{fresh}/output"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["output"].as_str().unwrap().contains("main"));
    let r = api
        .call(
            &lin,
            "GET",
            &format!("{base}/deployments/dep_old/output"),
            None,
        )
        .await;
    assert_error(&r, 403, "younger than 7 days");
    let r = api
        .call(
            &ada,
            "GET",
            &format!("{base}/deployments/dep_old/output"),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["output"], "old output");
    let r = api
        .call(
            &ada,
            "GET",
            &format!("{base}/deployments/dep_nope/output"),
            None,
        )
        .await;
    assert_error(&r, 404, "deployment not found");

    // The reads check the bearer's token in the statement that reads the
    // app: revoked, every one is a 401, a malformed path or query too.
    let reads = [
        format!("{base}/variables"),
        format!("{base}/deployments"),
        format!("{base}/deployments/{fresh}"),
        format!("{base}/deployments/{fresh}/output"),
        format!("{base}/deployments/{fresh}/output.txt"),
        format!("{base}/logs"),
        format!("{base}/activity"),
    ];
    for path in &reads {
        let r = api.call(&ada, "GET", path, None).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text());
    }
    let malformed = [
        "/v1/apps/a%00b/variables".to_string(),
        format!("{base}/deployments?page=abc"),
    ];
    for path in &malformed {
        let r = api.call(&ada, "GET", path, None).await;
        assert_eq!(r.status, 400, "{path}: {}", r.text());
    }
    let paths: Vec<&String> = reads.iter().chain(&malformed).collect();
    revoke_then_refused(&api, &ada, &paths).await;
}

// ---------------------------------------------------------------------------
// Dedicated databases.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn databases_have_their_own_roster_without_limited_role() {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let ada = user(&svc, "ada@example.com", Some("ada")).await;
    let app_id = create_app(&api, &olivia, "shop").await;
    let r = api
        .call(
            &olivia,
            "POST",
            "/v1/databases",
            Some(json!({"database": {"name": "shop"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let db_id = r.json()["database"]["id"].as_str().unwrap().to_string();
    assert!(db_id.starts_with("db_"));
    assert_eq!(r.json()["database"]["kind"], "dedicated_database");
    // Kinds are apart.
    assert_eq!(
        api.call(&olivia, "GET", &format!("/v1/apps/{db_id}"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        api.call(&olivia, "GET", &format!("/v1/databases/{app_id}"), None)
            .await
            .status,
        404
    );

    let base = "/v1/databases/shop";
    let limited = api
        .call(
            &olivia,
            "POST",
            &format!("{base}/collaborators"),
            Some(json!({"collaborator": {"email": "ada@example.com", "is_limited": true}})),
        )
        .await;
    assert_error(&limited, 422, "does not exist on a dedicated_database");
    let c = invite(&api, &olivia, base, "ada@example.com", None).await;
    assert_eq!(
        c["is_limited"], false,
        "the database default is collaborator"
    );
    assert_eq!(c["app_id"], db_id.as_str());
    accept(&api, &svc, &ada, &c).await;
    let r = api
        .call(
            &olivia,
            "PATCH",
            &format!("{base}/collaborators/{}", c["id"].as_str().unwrap()),
            Some(json!({"collaborator": {"is_limited": true}})),
        )
        .await;
    // Role changes do not apply to a dedicated database (the matrix).
    assert_error(&r, 403, "no role may do that on a dedicated database");
    let list = collaborators(&api, &ada, base).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["status"], "accepted");
    let r = api.call(&ada, "GET", "/v1/databases", None).await;
    assert_eq!(r.json()["databases"].as_array().unwrap().len(), 1);
    let r = api.call(&ada, "GET", "/v1/apps", None).await;
    assert_eq!(r.json()["apps"], json!([]));
    let r = api.call(&ada, "GET", &format!("{base}/events"), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["events"].as_array().unwrap().len(), 3);
    let r = api
        .call(
            &ada,
            "PATCH",
            base,
            Some(json!({"database": {"name": "other"}})),
        )
        .await;
    assert_error(&r, 403, "may not rename on this dedicated database");
    // Leave.
    let r = api
        .call(
            &ada,
            "DELETE",
            &format!("{base}/collaborators/{}", c["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(api.call(&ada, "GET", base, None).await.status, 404);
    assert_eq!(api.call(&olivia, "DELETE", base, None).await.status, 204);
}

// ---------------------------------------------------------------------------
// The owner's directory.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_groups_and_exports_with_two_factor() {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user_2fa(
        &svc,
        "olivia@example.com",
        Some("olivia"),
        TwoFactor::Enabled,
    )
    .await;
    let ada = user_2fa(&svc, "ada@example.com", Some("ada"), TwoFactor::Disabled).await;
    create_app(&api, &olivia, "shop").await;
    create_app(&api, &olivia, "blog").await;
    let r = api
        .call(
            &olivia,
            "POST",
            "/v1/databases",
            Some(json!({"database": {"name": "main-db"}})),
        )
        .await;
    assert_eq!(r.status, 201);
    for base in ["/v1/apps/shop", "/v1/apps/blog", "/v1/databases/main-db"] {
        let c = invite(&api, &olivia, base, "ada@example.com", None).await;
        accept(&api, &svc, &ada, &c).await;
    }
    invite(&api, &olivia, "/v1/apps/shop", "nobody@example.com", None).await;

    let r = api.call(&olivia, "GET", "/v1/directory", None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.headers["content-type"], "application/json");
    let by_person = r.json();
    let people = by_person["collaborators"].as_array().unwrap();
    let ada_entry = people
        .iter()
        .find(|p| p["email"] == "ada@example.com")
        .unwrap_or_else(|| panic!("{by_person}"));
    assert_eq!(ada_entry["two_factor"], "disabled");
    assert_eq!(ada_entry["memberships"].as_array().unwrap().len(), 3);
    let nobody = people
        .iter()
        .find(|p| p["email"] == "nobody@example.com")
        .unwrap();
    assert_eq!(nobody["two_factor"], "unknown");
    let olivia_entry = people
        .iter()
        .find(|p| p["email"] == "olivia@example.com")
        .unwrap();
    assert_eq!(olivia_entry["two_factor"], "enabled");

    let r = api
        .call(&olivia, "GET", "/v1/directory?group_by=resource", None)
        .await;
    let resources = r.json()["resources"].as_array().unwrap().clone();
    let names: Vec<&str> = resources
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["blog", "main-db", "shop"]);

    let r = api
        .call(
            &olivia,
            "GET",
            "/v1/directory?format=csv&group_by=collaborator",
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        collab_authz::org::directory::CSV_HEADER.join(",")
    );
    // 3 owner rows + 3 ada rows + 1 pending.
    assert_eq!(lines.count(), 7, "{csv}");
    assert!(csv.contains("disabled"));

    // A renamed app shows its current name.
    let r = rename(&api, &olivia, "/v1/apps/blog", "journal").await;
    assert_eq!(r.status, 200);
    let r = api
        .call(&olivia, "GET", "/v1/directory?format=csv", None)
        .await;
    assert!(
        r.text().contains("journal") && !r.text().contains("blog"),
        "{}",
        r.text()
    );

    // Only what the caller owns.
    let r = api.call(&ada, "GET", "/v1/directory", None).await;
    assert_eq!(r.json()["collaborators"], json!([]));
    // Bad parameters.
    let r = api
        .call(&olivia, "GET", "/v1/directory?group_by=team", None)
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    let r = api
        .call(&olivia, "GET", "/v1/directory?group_by=app", None)
        .await;
    assert!(r.json()["resources"].is_array(), "app is read as resource");
    let r = api.call(&olivia, "GET", "/v1/directory?sort=1", None).await;
    assert_eq!(r.status, 400, "{}", r.text());
}

// ---------------------------------------------------------------------------
// Bad input.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_json_errors_and_changes_nothing() {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let app_id = create_app(&api, &olivia, "shop").await;
    let base = "/v1/apps/shop";
    let invite_path = format!("{base}/collaborators");

    let version = |svc: &Service| {
        let pool = svc.state.pool.clone();
        let id = app_id.clone();
        async move {
            let client = pool.get().await.unwrap();
            let v: i64 = client
                .query_one("SELECT version FROM resources WHERE id = $1", &[&id])
                .await
                .unwrap()
                .get(0);
            v
        }
    };
    let before = version(&svc).await;

    // Malformed JSON: 400.
    for body in [
        &b"{"[..],
        b"",
        b"not json",
        b"{\"collaborator\": }",
        b"\xff\xfe",
    ] {
        let r = api.raw(&olivia, "POST", &invite_path, body).await;
        assert_eq!(
            r.status,
            400,
            "{:?}: {}",
            String::from_utf8_lossy(body),
            r.text()
        );
        r.error();
    }
    // Wrong types, missing and unknown fields: 422.
    let invalid = [
        json!({"collaborator": {"email": 5}}),
        json!({"collaborator": {"email": "a@example.com", "is_limited": "yes"}}),
        json!({"collaborator": {"email": "a@example.com", "role": "owner"}}),
        json!({"collaborator": {}}),
        json!({"collaborators": {"email": "a@example.com"}}),
        json!([{"email": "a@example.com"}]),
        json!({"collaborator": {"email": "not-an-email"}}),
        json!({"collaborator": {"email": ""}}),
        json!({"collaborator": {"email": "a\u{0007}b@example.com"}}),
        json!({"collaborator": {"email": "ad\u{202e}moc.elpmaxe@a.com"}}),
        json!({"collaborator": {"email": "a\u{200b}da@example.com"}}),
        json!({"collaborator": {"email": format!("{}@example.com", "a".repeat(10_000))}}),
    ];
    for body in &invalid {
        let r = api
            .call(&olivia, "POST", &invite_path, Some(body.clone()))
            .await;
        assert_eq!(r.status, 422, "{body}: {}", r.text());
        r.error();
    }
    // App names: hostile strings.
    let names = [
        json!({"app": {"name": "a\u{0000}b"}}),
        json!({"app": {"name": "evil\u{202e}txt"}}),
        json!({"app": {"name": "x".repeat(10_000)}}),
        json!({"app": {"name": "UPPER"}}),
        json!({"app": {"name": "a b"}}),
        json!({"app": {"name": "-lead"}}),
        json!({"app": {"name": ""}}),
        json!({"app": {"name": ["shop"]}}),
        json!({"app": {"name": "ok-name", "region": "x"}}),
        json!({"database": {"name": "ok-name"}}),
        json!({"app": {"name": "ok-name"}, "database": {"name": "ok-name"}}),
    ];
    for body in &names {
        let r = api
            .call(&olivia, "POST", "/v1/apps", Some(body.clone()))
            .await;
        assert_eq!(
            r.status,
            422,
            "{}: {}",
            &body.to_string()[..body.to_string().len().min(60)],
            r.text()
        );
    }
    // PATCH bodies.
    let members = collaborators(&api, &olivia, base).await;
    assert!(members.is_empty());
    let c = invite(&api, &olivia, base, "ada@example.com", None).await;
    let cid = c["id"].as_str().unwrap();
    for body in [
        json!({"collaborator": {"is_limited": "false"}}),
        json!({"collaborator": {}}),
        json!({"collaborator": {"is_limited": false, "email": "x@example.com"}}),
    ] {
        let r = api
            .call(
                &olivia,
                "PATCH",
                &format!("{invite_path}/{cid}"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, 422, "{body}: {}", r.text());
    }

    // Oversized body: 413.
    let big = format!(
        "{{\"collaborator\":{{\"email\":\"a@example.com\",\"pad\":\"{}\"}}}}",
        "x".repeat(200_000)
    );
    let r = api.raw(&olivia, "POST", &invite_path, big.as_bytes()).await;
    assert_eq!(r.status, 413, "{}", r.text());
    r.error();

    // Unknown ids, routes and methods.
    for path in [
        "/v1/apps/app_00000000000000000000000000000000".to_string(),
        "/v1/apps/nope/collaborators".to_string(),
        format!("/v1/apps/{}", "z".repeat(5000)),
        "/v1/apps/%E2%80%AEevil".to_string(),
    ] {
        let r = api.call(&olivia, "GET", &path, None).await;
        assert_eq!(r.status, 404, "{path}: {}", r.text());
        r.error();
    }
    for (method, path) in [
        ("PATCH", format!("{invite_path}/mem_unknown")),
        ("DELETE", format!("{invite_path}/mem_unknown")),
        ("DELETE", format!("{invite_path}/{}", "m".repeat(1000))),
    ] {
        let body = (method == "PATCH").then(|| json!({"collaborator": {"is_limited": false}}));
        let r = api.call(&olivia, method, &path, body).await;
        assert_eq!(r.status, 404, "{method} {path}: {}", r.text());
    }
    let r = api.call(&olivia, "GET", "/v1/apps/%00", None).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let r = api.call(&olivia, "GET", "/v1/apps/%FF%FE", None).await;
    assert!(r.status == 400 || r.status == 404, "{}", r.text());
    r.error();
    let r = api.call(&olivia, "GET", "/v1/nothing", None).await;
    assert_error(&r, 404, "no such route");
    let r = api.call(&olivia, "PUT", "/v1/apps", None).await;
    assert_eq!(r.status, 405);
    r.error();
    let r = api
        .call(&olivia, "GET", &format!("{base}/events?limit=abc"), None)
        .await;
    assert_eq!(r.status, 400);
    let r = api
        .call(&olivia, "GET", &format!("{base}/events?limit=0"), None)
        .await;
    assert_eq!(r.status, 422);
    let r = api
        .call(&olivia, "POST", "/v1/invitations/app_x/mem_y/secret", None)
        .await;
    assert_eq!(r.status, 404);
    let r = api
        .call(
            &olivia,
            "PUT",
            &format!("{base}/variables"),
            Some(json!({"variables": [{"name": "BAD NAME", "value": "x"}]})),
        )
        .await;
    assert_eq!(r.status, 422);
    let r = api
        .call(
            &olivia,
            "PUT",
            &format!("{base}/variables"),
            Some(json!({"variables": [{"name": "OK", "value": "a\u{0000}b"}]})),
        )
        .await;
    assert_eq!(r.status, 422);

    // Only the one valid invitation above changed the roster.
    assert_eq!(version(&svc).await, before + 1);
    let list = collaborators(&api, &olivia, base).await;
    assert_eq!(list.len(), 1);
}

/// The log is the crate's own events, with their schema version and seq;
/// every resource has a snapshot from its creation; an account without a
/// username accepts without one; the roster a cold store resumes from the
/// snapshot is the one the writer holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_is_the_crates_events_and_reads_resume_snapshots() {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let nameless = user(&svc, "nameless@example.com", None).await;
    let app_id = create_app(&api, &olivia, "store").await;
    let client = svc.state.pool.get().await.unwrap();
    let snapshots: i64 = client
        .query_one(
            "SELECT count(*) FROM roster_snapshots WHERE resource_id = $1 AND seq = 1",
            &[&app_id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(snapshots, 1, "no snapshot at creation");

    let c = invite(
        &api,
        &olivia,
        "/v1/apps/store",
        "nameless@example.com",
        None,
    )
    .await;
    let accepted = accept(&api, &svc, &nameless, &c).await;
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["username"], "n/a", "{accepted}");
    let r = rename(&api, &olivia, "/v1/apps/store", "depot").await;
    assert_eq!(r.status, 200, "{}", r.text());

    // The rows, as stored: the crate's serde form.
    let rows = client
        .query(
            "SELECT seq, entry FROM resource_log WHERE resource_id = $1 ORDER BY seq",
            &[&app_id],
        )
        .await
        .unwrap();
    let types: Vec<String> = rows
        .iter()
        .map(|row| {
            let seq: i64 = row.get(0);
            let entry: Value = row.get(1);
            assert_eq!(entry["v"], 1, "{entry}");
            assert_eq!(entry["seq"], seq, "{entry}");
            entry["type"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        types,
        [
            "roster_created",
            "collaborator_invited",
            "collaborator_accepted",
            "resource_renamed",
        ]
    );
    let secret = link_path(&svc, &c).rsplit('/').next().unwrap().to_string();
    let stored: Value = rows[1].get(1);
    assert!(
        !stored.to_string().contains(&secret),
        "the secret is stored"
    );

    // The events route names the rename after the kind, with the new name.
    let r = api
        .call(&olivia, "GET", "/v1/apps/depot/events?after=3", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["events"][0]["type"], "app_renamed");
    assert_eq!(r.json()["events"][0]["name"], "depot");

    // A store without the cache resumes the snapshot: the same roster,
    // the current name, no username for the nameless member.
    let resource = svc
        .state
        .store
        .resource(collab_authz::ResourceKind::App, &app_id)
        .await
        .unwrap();
    let cold =
        collab_authz_service::store::Store::new(svc.state.pool.clone(), (*svc.state.keys).clone());
    cold.set_cache_enabled(false);
    let resumed = cold.roster(&resource).await.unwrap();
    let served = svc.state.store.roster(&resource).await.unwrap();
    assert_eq!(resumed.as_ref(), served.as_ref());
    assert_eq!(resumed.resource().name(), "depot");
    assert_eq!(resumed.version(), 4);
    let member = resumed
        .get(&collab_authz::Email::parse("nameless@example.com").unwrap())
        .unwrap();
    assert!(member.username().is_none());
}

/// Snapshots are written after the answer, off the write's path: the one
/// at seq 64 appears once the write that reached it answered (waited for,
/// bounded). One never written (deleted here, as if the process had
/// stopped first) is not lost state: a cold read resumes the earlier one,
/// applies more events, gets the same roster, and writes a new snapshot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_are_written_after_the_answer_and_never_lost() {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let app_id = create_app(&api, &olivia, "snaps").await;
    let base = "/v1/apps/snaps";
    // Event 1 is the creation; 32 invitations and their revocations make
    // events 2 to 65.
    for i in 0..32 {
        let c = invite(&api, &olivia, base, &format!("x{i}@example.com"), None).await;
        let id = c["id"].as_str().unwrap();
        let r = api
            .call(
                &olivia,
                "DELETE",
                &format!("{base}/collaborators/{id}"),
                None,
            )
            .await;
        assert_eq!(r.status, 204, "{}", r.text());
    }
    let client = svc.state.pool.get().await.unwrap();
    let count = |seq: i64| {
        let client = &client;
        let app_id = app_id.clone();
        async move {
            let sql = "SELECT count(*) FROM roster_snapshots WHERE resource_id = $1 AND seq = $2";
            let n: i64 = client
                .query_one(sql, &[&app_id, &seq])
                .await
                .unwrap()
                .get(0);
            n
        }
    };
    let mut waited = 0;
    while count(64).await == 0 {
        assert!(waited < 100, "no snapshot at 64 after 10 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    assert_eq!(count(65).await, 0, "a snapshot off its period");

    // Lose it: a cold read resumes the creation's snapshot and 64 events.
    client
        .execute(
            "DELETE FROM roster_snapshots WHERE resource_id = $1 AND seq = 64",
            &[&app_id],
        )
        .await
        .unwrap();
    let resource = svc
        .state
        .store
        .resource(collab_authz::ResourceKind::App, &app_id)
        .await
        .unwrap();
    assert_eq!(resource.version, 65);
    let cold =
        collab_authz_service::store::Store::new(svc.state.pool.clone(), (*svc.state.keys).clone());
    cold.set_cache_enabled(false);
    let resumed = cold.roster(&resource).await.unwrap();
    let served = svc.state.store.roster(&resource).await.unwrap();
    assert_eq!(resumed.as_ref(), served.as_ref());
    let mut waited = 0;
    while count(65).await == 0 {
        assert!(waited < 100, "the cold read wrote no snapshot in 10 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    let replayed = svc.state.store.replay(&resource).await.unwrap();
    let again = cold.roster(&resource).await.unwrap();
    assert_eq!(again.as_ref(), &replayed);
}

/// Migration 0008 stores snapshots as bytes: on a database migrated up to
/// 0007 whose snapshots are `jsonb`, it converts them in place, and a
/// cold read resumes the converted snapshot to the same roster.
#[tokio::test]
async fn snapshots_stored_as_jsonb_are_converted_by_the_migration() {
    use collab_authz::membership::{Account, MemberId, Resource, ResourceId, Timestamp};
    use collab_authz_service::db;
    use collab_authz_service::store::Store;
    use tokio_postgres::types::Json;

    let url = common::fresh_database().await;
    let pool = db::pool(&url, 2).unwrap();
    let mut client = pool.get().await.unwrap();
    client
        .batch_execute(
            "CREATE TABLE schema_migrations (
                version integer PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            )",
        )
        .await
        .unwrap();
    for (version, sql) in db::MIGRATIONS.iter().filter(|(v, _)| *v < 8) {
        client.batch_execute(sql).await.unwrap();
        client
            .execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[version],
            )
            .await
            .unwrap();
    }
    // A resource as the code before 0008 stored it: its creation event
    // and its snapshot as `jsonb`.
    let owner = Account {
        id: MemberId::new("mem_owner").unwrap(),
        email: collab_authz::Email::parse("olivia@example.com").unwrap(),
        username: None,
    };
    let resource = Resource::new(
        collab_authz::ResourceKind::App,
        ResourceId::new("app_converted").unwrap(),
        "converted",
    )
    .unwrap();
    let (roster, event) =
        collab_authz::Roster::create(resource, owner, Timestamp::from_unix_seconds(now_unix()));
    let tx = client.transaction().await.unwrap();
    tx.execute(
        "INSERT INTO resources (id, kind, name, version, head) VALUES ($1, 'app', $2, 1, $3)",
        &[
            &"app_converted",
            &"converted",
            &roster.head().digest.as_bytes().as_slice(),
        ],
    )
    .await
    .unwrap();
    tx.execute(
        "INSERT INTO resource_log (resource_id, seq, entry) VALUES ($1, 1, $2)",
        &[&"app_converted", &Json(&event)],
    )
    .await
    .unwrap();
    tx.execute(
        "INSERT INTO roster_snapshots (resource_id, seq, roster) VALUES ($1, 1, $2)",
        &[&"app_converted", &Json(&roster)],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    drop(client);

    db::migrate(&pool).await.unwrap();
    let client = pool.get().await.unwrap();
    let column: String = client
        .query_one(
            "SELECT data_type FROM information_schema.columns
              WHERE table_name = 'roster_snapshots' AND column_name = 'roster'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(column, "bytea");
    let stored: Vec<u8> = client
        .query_one(
            "SELECT roster FROM roster_snapshots WHERE resource_id = 'app_converted'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let decoded: collab_authz::Roster = serde_json::from_slice(&stored).unwrap();
    assert_eq!(decoded, roster);
    // A cold read resumes it (no cache: the snapshot, then the log).
    let store = Store::new(pool.clone(), Keys::new(&KeyRing::generate().unwrap()));
    store.set_cache_enabled(false);
    let row = store
        .resource(collab_authz::ResourceKind::App, "converted")
        .await
        .unwrap();
    assert_eq!(store.roster(&row).await.unwrap().as_ref(), &roster);
}

/// The access step's values are for one use: a resource opened through an
/// invitation link (or for a member who may only leave) takes no other
/// write, even the owner's, and nothing is written.
#[tokio::test]
async fn an_opened_resource_takes_only_the_writes_it_was_opened_for() {
    use collab_authz_service::store::{Change, Locator, Seen, StoreError, WriteError};

    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let app_id = create_app(&api, &olivia, "single").await;
    let store = &svc.state.store;
    let email = collab_authz::Email::parse(&olivia.email).unwrap();
    for seen in [Seen::Link, Seen::Member] {
        let opened = store
            .open(Locator::Invitation(&app_id), &email, seen)
            .await
            .unwrap();
        let err = store.write(opened, Change::Delete).await.unwrap_err();
        assert!(
            matches!(err, WriteError::Store(StoreError::Corrupt(_))),
            "{err:?}"
        );
    }
    // Opened for an active member, the owner's deletion goes through.
    let opened = store
        .open(Locator::Invitation(&app_id), &email, Seen::Active)
        .await
        .unwrap();
    let done = store.write(opened, Change::Delete).await.unwrap();
    assert_eq!(done.events.len(), 1);
}
