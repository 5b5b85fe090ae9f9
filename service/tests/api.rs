//! The HTTP API end to end: real HTTP on loopback, real PostgreSQL (a
//! throwaway server per test binary, a fresh database per test).

mod common;

use common::{Api, service, user};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchange_self_and_create_app() {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;

    let me = api.call(&olivia, "GET", "/v1/users/self", None).await;
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json()["user"]["email"], "olivia@example.com");
    assert_eq!(me.json()["user"]["id"], olivia.id.as_str());

    let created = api
        .call(
            &olivia,
            "POST",
            "/v1/apps",
            Some(json!({"app": {"name": "billing"}})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let app = &created.json()["app"];
    assert_eq!(app["name"], "billing");
    assert_eq!(app["owner"]["email"], "olivia@example.com");
    assert_eq!(app["owner"]["id"], olivia.id.as_str());

    let listed = api.call(&olivia, "GET", "/v1/apps", None).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()["apps"].as_array().unwrap().len(), 1);
}
