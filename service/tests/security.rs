//! The service's shell under attack (issue 18): hostile JSON, the
//! cookies' scheme, the API's security headers, keys outside the
//! database, sessions that end with their token, bounded connections,
//! what a pending invitation tells, and bounded growth.

mod common;

use collab_authz_service::Config;
use common::{Api, create_app, fresh_database, send, service, service_with, user};
use serde_json::json;

// ---------------------------------------------------------------------------
// Item 6: duplicate JSON keys.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_json_keys_are_refused_at_any_depth() {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    create_app(&api, &olivia, "shop-api").await;
    let base = "/v1/apps/shop-api";

    // Last key wins in a serde_json tree: `is_limited` would be `true`.
    let bodies: [(&str, &str); 4] = [
        (
            "inner",
            r#"{"collaborator":{"email":"ada@example.com","is_limited":false,"is_limited":true}}"#,
        ),
        (
            "outer",
            r#"{"collaborator":{"email":"ada@example.com"},"collaborator":{"email":"eve@example.com"}}"#,
        ),
        (
            "escaped spelling",
            r#"{"collaborator":{"email":"ada@example.com","is_limited":false,"is\u005flimited":true}}"#,
        ),
        (
            "same value",
            r#"{"collaborator":{"email":"ada@example.com","email":"ada@example.com"}}"#,
        ),
    ];
    for (what, body) in bodies {
        let r = api
            .raw(
                &olivia,
                "POST",
                &format!("{base}/collaborators"),
                body.as_bytes(),
            )
            .await;
        assert_eq!(r.status, 422, "{what}: {}", r.text());
        assert!(r.error().contains("duplicate"), "{what}: {}", r.error());
    }
    // Deeper: an object inside a list.
    let r = api
        .raw(
            &olivia,
            "PUT",
            &format!("{base}/variables"),
            br#"{"variables":[{"name":"A","value":"1","value":"2"}]}"#,
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.error().contains("duplicate"), "{}", r.error());

    // Nothing was written; the same bodies without the duplicate pass.
    let list = api
        .call(&olivia, "GET", &format!("{base}/collaborators"), None)
        .await;
    assert_eq!(list.json()["collaborators"], json!([]), "{}", list.text());
    let vars = api
        .call(&olivia, "GET", &format!("{base}/variables"), None)
        .await;
    assert_eq!(vars.status, 200, "{}", vars.text());
    assert_eq!(vars.json()["variables"], json!([]), "{}", vars.text());
    let r = api
        .raw(
            &olivia,
            "POST",
            &format!("{base}/collaborators"),
            br#"{"collaborator":{"email":"ada@example.com","is_limited":false}}"#,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["collaborator"]["is_limited"], false);
}

// ---------------------------------------------------------------------------
// Item 7: the public URL's scheme, case-insensitively.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upper_case_https_public_url_still_gives_secure_host_cookies() {
    use clap::Parser;
    use collab_authz_service::config::{Cli, Command};
    let cli = Cli::try_parse_from([
        "collab-authz-service",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--public-url",
        "HTTPS://Collab.Example.com/",
    ])
    .unwrap();
    let Command::Serve(serve) = cli.command else {
        panic!("serve")
    };
    let config = serve.config().unwrap();
    assert!(config.https(), "{config:?}");
    assert!(
        config.public_url.starts_with("https://"),
        "links are built on a lower-case scheme: {}",
        config.public_url
    );

    // A Config built by hand with an upper-case scheme counts too.
    let database_url = fresh_database().await;
    let svc = service_with(&database_url, |c| {
        c.public_url = "HTTPS://collab.example.com".into();
    })
    .await;
    let page = send(svc.addr, "GET", "/sign-in", &[], None).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let cookies: Vec<&str> = page
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(!cookies.is_empty());
    for cookie in cookies {
        assert!(cookie.starts_with("__Host-"), "{cookie}");
        assert!(cookie.contains("; Secure"), "{cookie}");
    }
}

// ---------------------------------------------------------------------------
// Item 8: the API's security headers.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_answers_carry_security_headers_and_hsts_only_behind_https() {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let authenticated = [
        api.call(&olivia, "GET", "/v1/users/self", None).await,
        api.call(&olivia, "GET", "/v1/apps/nope", None).await,
        api.exchange(&olivia.api_token).await,
        send(
            svc.addr,
            "GET",
            "/v1/apps",
            &[("authorization", "Bearer not.a.jwt")],
            None,
        )
        .await,
    ];
    for r in &authenticated {
        let h = &r.headers;
        assert_eq!(h["x-content-type-options"], "nosniff", "{r:?}");
        assert_eq!(h["cache-control"], "no-store", "{r:?}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{r:?}");
        assert_eq!(h["x-frame-options"], "DENY", "{r:?}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert!(h.get("strict-transport-security").is_none(), "{r:?}");
    }
    // Unknown routes get them too.
    let r = send(svc.addr, "GET", "/v1/nothing-here", &[], None).await;
    assert_eq!(r.headers["x-content-type-options"], "nosniff");

    // Behind https://, HSTS on the API and on the pages.
    let database_url = fresh_database().await;
    let tls = service_with(&database_url, |c| {
        c.public_url = "https://collab.example.com".into();
    })
    .await;
    let olivia = user(&tls, "olivia@example.com", Some("olivia")).await;
    let tls_api = Api { addr: tls.addr };
    for r in [
        tls_api.call(&olivia, "GET", "/v1/users/self", None).await,
        send(tls.addr, "GET", "/v1/regions", &[], None).await,
        send(tls.addr, "GET", "/sign-in", &[], None).await,
    ] {
        let hsts = r.headers["strict-transport-security"].to_str().unwrap();
        assert!(hsts.starts_with("max-age="), "{hsts}");
        let age: u64 = hsts["max-age=".len()..]
            .split(';')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(age >= 31_536_000, "{hsts}");
    }
}
