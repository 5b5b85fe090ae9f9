//! The service's shell under attack (issue 18): hostile JSON, the
//! cookies' scheme, the API's security headers, keys outside the
//! database, sessions that end with their token, bounded connections,
//! what a pending invitation tells, and bounded growth.

mod common;

use collab_authz_service::Config;
use collab_authz_service::keys::{Audience, Claims, KeyRing};
use collab_authz_service::time::now_unix;
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
        "--key-file",
        "/nonexistent/keys",
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

// ---------------------------------------------------------------------------
// Item 1: keys outside the database.
// ---------------------------------------------------------------------------

/// Every row of every table of the service's database, as JSON text (what
/// a `pg_dump --data-only` holds, in another spelling).
async fn dump(database_url: &str) -> String {
    let (client, connection) = tokio_postgres::connect(database_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(connection);
    let tables: Vec<String> = client
        .query(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name)
               FROM information_schema.tables
              WHERE table_type = 'BASE TABLE'
                AND table_schema NOT IN ('pg_catalog', 'information_schema')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(tables.len() >= 5, "{tables:?}");
    let mut out = String::new();
    for table in &tables {
        for row in client
            .query(&format!("SELECT row_to_json(t)::text FROM {table} t"), &[])
            .await
            .unwrap()
        {
            out.push_str(table);
            out.push(' ');
            out.push_str(row.get::<_, &str>(0));
            out.push('\n');
        }
    }
    drop(client);
    let _ = task.await;
    out
}

/// Every candidate key in `text`: each run of 64 or more hex digits, and
/// of 43 or more base64 or base64url characters, decoded, and every
/// 32-byte window of it; and each such run's own bytes (as a text key).
fn candidate_keys(text: &str) -> std::collections::BTreeSet<Vec<u8>> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let mut out = std::collections::BTreeSet::new();
    let add_windows = |bytes: &[u8], out: &mut std::collections::BTreeSet<Vec<u8>>| {
        for window in bytes.windows(32) {
            out.insert(window.to_vec());
        }
    };
    let runs = |is: fn(char) -> bool| -> Vec<String> {
        text.split(|c: char| !is(c))
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect()
    };
    for run in runs(|c| c.is_ascii_hexdigit()) {
        if run.len() >= 64 {
            for start in 0..2 {
                let s = &run[start..];
                let s = &s[..s.len() / 2 * 2];
                let bytes: Vec<u8> = (0..s.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                    .collect();
                add_windows(&bytes, &mut out);
            }
        }
    }
    for run in runs(|c| c.is_ascii_alphanumeric() || "-_+/=".contains(c)) {
        let trimmed = run.trim_end_matches('=');
        if trimmed.len() < 43 {
            continue;
        }
        out.insert(run.as_bytes().to_vec());
        // Each run may hold a token after a prefix (`cas_`, `\x`): try
        // every start.
        for start in 0..trimmed.len().saturating_sub(42) {
            let s = &trimmed[start..];
            for engine in [&URL_SAFE_NO_PAD, &STANDARD_NO_PAD] {
                for end in [s.len(), s.len() / 4 * 4, 43, 44] {
                    if let Some(part) = s.get(..end) {
                        if let Ok(bytes) = engine.decode(part) {
                            add_windows(&bytes, &mut out);
                        }
                    }
                }
            }
        }
    }
    out
}

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

fn hmac_parts(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    use hmac::{KeyInit, Mac};
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).unwrap();
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

fn hmac_raw(key: &[u8], data: &[u8]) -> Vec<u8> {
    use hmac::{KeyInit, Mac};
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).unwrap();
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// What an attacker would make of a candidate: itself, and every
/// derivation label the service has used (the key as a master secret).
fn derivations(candidate: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![candidate.to_vec()];
    for label in [
        &b"collab-authz-service jwt hs256"[..],
        b"collab-authz-service invitation link",
        b"collab-authz-service key file jwt hs256",
        b"collab-authz-service key file invitation link",
    ] {
        out.push(hmac_parts(candidate, &[label]));
    }
    out
}

/// Whether `key` signs `jwt` (its HS256 signature is HMAC(key, input)):
/// with such a key, any token for anyone can be minted.
fn signs(key: &[u8], jwt: &str) -> bool {
    use base64::Engine;
    let (input, signature) = jwt.rsplit_once('.').unwrap();
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature)
        .unwrap();
    hmac_raw(key, input.as_bytes()) == signature
}

/// Whether `key` derives the secret of the invitation link `link`
/// (`.../v1/invitations/{resource}/{member}/{secret}`).
fn derives_link(key: &[u8], link: &str) -> bool {
    use base64::Engine;
    let mut parts = link.rsplit('/');
    let (secret, member, resource) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let derived = hmac_parts(key, &[resource.as_bytes(), member.as_bytes()]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(derived) == secret
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_dump_holds_no_key_that_mints_a_token_or_a_link() {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let ada = user(&svc, "ada@example.com", Some("ada")).await;
    create_app(&api, &olivia, "shop-api").await;
    let mut links = Vec::new();
    for email in [ada.email.as_str(), "eve@example.com"] {
        let r = api
            .call(
                &olivia,
                "POST",
                "/v1/apps/shop-api/collaborators",
                Some(json!({"collaborator": {"email": email}})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        links.push(
            r.json()["collaborator"]["invitation_link"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    // A page session too.
    let email = collab_authz::Email::parse("olivia@example.com").unwrap();
    let cookie = collab_authz_service::web::session::sign_in(&svc.state, &email, &olivia.api_token)
        .await
        .unwrap();
    let tokens = [olivia.jwt.clone(), ada.jwt.clone(), cookie];

    let dump = dump(&svc.database_url).await;
    assert!(dump.contains("api_tokens"), "{dump}");
    let candidates = candidate_keys(&dump);
    // The dump holds digests, ids and the invitation token digests:
    // plenty of 32-byte material to try.
    assert!(candidates.len() > 50, "{} candidates", candidates.len());
    let mut tried = 0;
    for candidate in &candidates {
        for key in derivations(candidate) {
            tried += 1;
            for token in &tokens {
                assert!(!signs(&key, token), "a key in the dump signs {token}");
            }
            for link in &links {
                assert!(
                    !derives_link(&key, link),
                    "a key in the dump derives {link}"
                );
            }
        }
    }
    assert!(tried > 150, "{tried}");

    // The check can fail: the service's own key material, were it in the
    // dump, would be found by the same scan.
    let positive = key_material_of(&svc);
    assert!(
        positive
            .iter()
            .any(|k| candidate_keys(&format!("x {} x", k)).iter().any(|c| {
                derivations(c)
                    .iter()
                    .any(|d| tokens.iter().any(|t| signs(d, t)))
            })),
        "the scan finds the real key"
    );
}

/// The service's key material as a dump would spell it: the secrets of
/// its key file, as the file writes them (base64url) and in hex.
fn key_material_of(svc: &common::Service) -> Vec<String> {
    use base64::Engine;
    let text = std::fs::read_to_string(common::key_file(&svc.database_url)).unwrap();
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let secret = line.split_whitespace().last().unwrap();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(secret)
            .unwrap();
        out.push(secret.to_string());
        out.push(collab_authz_service::ids::hex(&bytes));
    }
    assert!(out.len() >= 4, "{text}");
    out
}

/// A token signed with the service's own key, with `claims`.
fn signed(svc: &common::Service, claims: &Claims) -> String {
    svc.state.keys.sign(claims).unwrap()
}

async fn whoami(addr: std::net::SocketAddr, jwt: &str) -> u16 {
    send(
        addr,
        "GET",
        "/v1/users/self",
        &[("authorization", &format!("Bearer {jwt}"))],
        None,
    )
    .await
    .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_too_long_lived_not_yet_valid_or_of_an_unknown_key_are_refused() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let svc = service().await;
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let payload: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(olivia.jwt.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    let tid = payload["tid"].as_str().unwrap();
    let header: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(olivia.jwt.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert!(
        header["kid"].as_str().is_some_and(|k| !k.is_empty()),
        "{header}"
    );
    assert_eq!(payload["aud"], "api");

    let now = now_unix();
    let ttl = svc.state.config.jwt_ttl_seconds;
    let base = Claims::new(&olivia.id, tid, Audience::Api, now, ttl);
    assert_eq!(whoami(svc.addr, &signed(&svc, &base)).await, 200, "control");
    let ten_years = Claims::new(&olivia.id, tid, Audience::Api, now, 10 * 365 * 86_400);
    assert_eq!(
        whoami(svc.addr, &signed(&svc, &ten_years)).await,
        401,
        "10 years"
    );
    let one_over = Claims::new(&olivia.id, tid, Audience::Api, now, ttl + 1);
    assert_eq!(
        whoami(svc.addr, &signed(&svc, &one_over)).await,
        401,
        "ttl + 1"
    );
    let future = Claims::new(&olivia.id, tid, Audience::Api, now + 3600, 60);
    assert_eq!(
        whoami(svc.addr, &signed(&svc, &future)).await,
        401,
        "future iat"
    );
    let nbf = Claims {
        nbf: Some(now + 600),
        ..base.clone()
    };
    assert_eq!(
        whoami(svc.addr, &signed(&svc, &nbf)).await,
        401,
        "future nbf"
    );
    let session = Claims {
        aud: Audience::Session,
        ..base.clone()
    };
    assert_eq!(
        whoami(svc.addr, &signed(&svc, &session)).await,
        401,
        "session"
    );
    // Our signature, without a kid or with another one.
    let good = signed(&svc, &base);
    let (_, rest) = good.split_once('.').unwrap();
    for header in [
        json!({"alg": "HS256", "typ": "JWT"}),
        json!({"alg": "HS256", "typ": "JWT", "kid": "someone-else"}),
    ] {
        let forged = format!(
            "{}.{rest}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap())
        );
        assert_eq!(whoami(svc.addr, &forged).await, 401, "{header}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_keys_verify_until_removed_and_links_survive_rotation() {
    let database_url = fresh_database().await;
    let svc = service_with(&database_url, |_| {}).await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let ada = user(&svc, "ada@example.com", Some("ada")).await;
    create_app(&api, &olivia, "shop-api").await;
    let r = api
        .call(
            &olivia,
            "POST",
            "/v1/apps/shop-api/collaborators",
            Some(json!({"collaborator": {"email": ada.email}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let link = r.json()["collaborator"]["invitation_link"]
        .as_str()
        .unwrap()
        .to_string();
    let path = common::key_file(&database_url);
    let first = KeyRing::load(&path).unwrap().kids()[0].to_string();

    // `keys rotate` through the binary, then a restart (a new process on
    // the same file and database).
    let bin = env!("CARGO_BIN_EXE_collab-authz-service");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin)
            .args(args)
            .env("KEY_FILE", &path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    run(&["keys", "rotate"]);
    let listed = run(&["keys", "list"]);
    let kids: Vec<&str> = listed.lines().collect();
    assert_eq!(kids.len(), 2, "{listed}");
    assert!(kids[1].starts_with(&first), "{listed}");
    assert!(!listed.contains(&std::fs::read_to_string(&path).unwrap()[200..230]));
    let restarted = service_with(&database_url, |_| {}).await;
    assert_eq!(
        whoami(restarted.addr, &olivia.jwt).await,
        200,
        "old key verifies"
    );
    let new_api = Api {
        addr: restarted.addr,
    };
    let fresh = new_api.exchange(&olivia.api_token).await;
    let fresh = fresh.json()["token"].as_str().unwrap().to_string();
    assert_ne!(
        fresh.split('.').next(),
        olivia.jwt.split('.').next(),
        "new kid"
    );
    // The link key did not change: the manager sees the same link.
    let list = new_api
        .call(&olivia, "GET", "/v1/apps/shop-api/collaborators", None)
        .await;
    let shown = list.json()["collaborators"][0]["invitation_link"]
        .as_str()
        .unwrap()
        .replace(&restarted.addr.to_string(), &svc.addr.to_string());
    assert_eq!(shown, link);

    // Removed: its tokens are refused after the next start.
    run(&["keys", "remove", &first]);
    let third = service_with(&database_url, |_| {}).await;
    assert_eq!(whoami(third.addr, &olivia.jwt).await, 401, "removed key");
    assert_eq!(whoami(third.addr, &fresh).await, 200, "the new key");

    // `keys generate` refuses to overwrite; a fresh file has one key.
    let out = std::process::Command::new(bin)
        .args(["keys", "generate"])
        .env("KEY_FILE", &path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let other = path.with_extension("other");
    let _ = std::fs::remove_file(&other);
    let out = std::process::Command::new(bin)
        .args(["keys", "generate", "--key-file"])
        .arg(&other)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(KeyRing::load(&other).unwrap().kids().len(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&other).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
    let _ = std::fs::remove_file(&other);
}

// ---------------------------------------------------------------------------
// Item 2: sessions belong to the token that opened them.
// ---------------------------------------------------------------------------

/// The status of `GET /dashboard` with session cookie `cookie`: 200
/// signed in, 303 (to sign in) otherwise.
async fn dashboard_status(addr: std::net::SocketAddr, cookie: &str) -> u16 {
    send(
        addr,
        "GET",
        "/dashboard",
        &[("cookie", &format!("cas_session={cookie}"))],
        None,
    )
    .await
    .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_with_their_token_are_listed_and_revoked_and_are_no_api_bearer() {
    use collab_authz_service::web::session::sign_in;
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let ada = user(&svc, "ada@example.com", Some("ada")).await;
    let email = collab_authz::Email::parse(&olivia.email).unwrap();
    let first = sign_in(&svc.state, &email, &olivia.api_token)
        .await
        .unwrap();
    let second = sign_in(&svc.state, &email, &olivia.api_token)
        .await
        .unwrap();
    assert_eq!(dashboard_status(svc.addr, &first).await, 200);
    assert_eq!(dashboard_status(svc.addr, &second).await, 200);

    // A session cookie is not an API bearer.
    assert_eq!(whoami(svc.addr, &first).await, 401, "cookie as bearer");
    // Nor is a bearer a session cookie.
    assert_eq!(
        dashboard_status(svc.addr, &olivia.jwt).await,
        303,
        "bearer as cookie"
    );

    // Listed for their owner only.
    let r = api.call(&olivia, "GET", "/v1/sessions", None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let sessions = r.json()["sessions"].as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    for s in &sessions {
        assert!(s["id"].as_str().unwrap().starts_with("tok_"), "{s}");
        assert!(s["created_at"].as_str().unwrap().ends_with('Z'), "{s}");
        assert!(s["expires_at"].as_str().unwrap().ends_with('Z'), "{s}");
    }
    let r = api.call(&ada, "GET", "/v1/sessions", None).await;
    assert_eq!(r.json()["sessions"], json!([]), "{}", r.text());

    // Revoked one by one; another user's revocation is a 404.
    let tid = |cookie: &str| -> String {
        use base64::Engine;
        let payload: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(cookie.split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap();
        payload["tid"].as_str().unwrap().to_string()
    };
    let first_id = tid(&first);
    let r = api
        .call(&ada, "DELETE", &format!("/v1/sessions/{first_id}"), None)
        .await;
    assert_eq!(r.status, 404, "{}", r.text());
    assert_eq!(dashboard_status(svc.addr, &first).await, 200);
    // An API token's id is no session.
    let own_token = tid(&olivia.jwt);
    let r = api
        .call(
            &olivia,
            "DELETE",
            &format!("/v1/sessions/{own_token}"),
            None,
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text());
    assert_eq!(whoami(svc.addr, &olivia.jwt).await, 200);
    let r = api
        .call(&olivia, "DELETE", &format!("/v1/sessions/{first_id}"), None)
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(
        dashboard_status(svc.addr, &first).await,
        303,
        "revoked session"
    );
    assert_eq!(
        dashboard_status(svc.addr, &second).await,
        200,
        "the other one"
    );
    let r = api.call(&olivia, "GET", "/v1/sessions", None).await;
    assert_eq!(r.json()["sessions"].as_array().unwrap().len(), 1);

    // On the dashboard: the sessions, each with a Sign out button.
    let third = sign_in(&svc.state, &email, &olivia.api_token)
        .await
        .unwrap();
    let third_id = tid(&third);
    let page = send(
        svc.addr,
        "GET",
        "/dashboard",
        &[("cookie", &format!("cas_session={second}"))],
        None,
    )
    .await;
    assert_eq!(page.status, 200);
    let form = format!("/sessions/{third_id}/sign-out");
    assert!(page.text().contains(&form), "{}", page.text());
    assert!(page.text().contains("(this session)"));
    let csrf = collab_authz_service::web::session::csrf_token(&second);
    let r = send(
        svc.addr,
        "POST",
        &form,
        &[
            ("cookie", &format!("cas_session={second}")),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        Some(format!("csrf={csrf}").into_bytes()),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        dashboard_status(svc.addr, &third).await,
        303,
        "signed out on the page"
    );
    assert_eq!(dashboard_status(svc.addr, &second).await, 200);

    // Revoking the API token ends the sessions it opened.
    let r = api.call(&olivia, "DELETE", "/v1/tokens/self", None).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(
        dashboard_status(svc.addr, &second).await,
        303,
        "token revoked"
    );
    // Ada's sessions are hers: untouched.
    let ada_email = collab_authz::Email::parse(&ada.email).unwrap();
    let ada_session = sign_in(&svc.state, &ada_email, &ada.api_token)
        .await
        .unwrap();
    assert_eq!(dashboard_status(svc.addr, &ada_session).await, 200);
}

// ---------------------------------------------------------------------------
// Item 5: connections are bounded.
// ---------------------------------------------------------------------------

use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads from `stream` until it closes or `limit` passes: what was read
/// and whether it closed (EOF or reset).
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, bool) {
    let deadline = Instant::now() + limit;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (out, false);
        }
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return (out, false),
            Ok(Ok(0)) | Ok(Err(_)) => return (out, true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
}

/// Writes `header` bytes, then one more header line every 100 ms, until
/// the server closes the connection or `limit` passes; how long it
/// stayed open, or `None` if it never closed.
async fn trickle_headers(addr: std::net::SocketAddr, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    write
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let closed = tokio::spawn(async move {
        let mut buf = [0u8; 1024];
        loop {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => return Instant::now(),
                Ok(_) => {}
            }
        }
    });
    while start.elapsed() < limit {
        if closed.is_finished() {
            return Some(closed.await.unwrap() - start);
        }
        if write.write_all(b"X-Slow: 1\r\n").await.is_err() {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    closed.abort();
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_has_a_deadline() {
    let database_url = fresh_database().await;
    let svc = service_with(&database_url, |c| {
        c.header_read_timeout = Duration::from_millis(500);
        c.idle_timeout = Duration::from_secs(30);
    })
    .await;
    let open = trickle_headers(svc.addr, Duration::from_secs(6))
        .await
        .expect("a trickled head is cut off");
    assert!(open >= Duration::from_millis(400), "{open:?}");
    assert!(open < Duration::from_secs(3), "{open:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_body_has_a_deadline_and_answers_408() {
    let database_url = fresh_database().await;
    let svc = service_with(&database_url, |c| {
        c.body_timeout = Duration::from_millis(500);
        c.idle_timeout = Duration::from_secs(30);
    })
    .await;
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let mut stream = TcpStream::connect(svc.addr).await.unwrap();
    let head = format!(
        "POST /v1/apps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"app\"",
        olivia.jwt
    );
    let start = Instant::now();
    stream.write_all(head.as_bytes()).await.unwrap();
    // One byte every 100 ms: each chunk arrives well within 500 ms, the
    // whole body never does.
    let (mut read, mut write) = stream.into_split();
    let trickle = tokio::spawn(async move {
        for _ in 0..60 {
            if write.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") && start.elapsed() < Duration::from_secs(6) {
        match tokio::time::timeout(Duration::from_millis(200), read.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    let took = start.elapsed();
    trickle.abort();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{took:?}: {text}");
    assert!(took >= Duration::from_millis(400), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    // Nothing was created.
    let r = Api { addr: svc.addr }
        .call(&olivia, "GET", "/v1/apps", None)
        .await;
    assert_eq!(r.json()["apps"], json!([]), "{}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed() {
    let database_url = fresh_database().await;
    let svc = service_with(&database_url, |c| {
        c.idle_timeout = Duration::from_millis(500);
        c.header_read_timeout = Duration::from_secs(30);
    })
    .await;
    // Silent from the start: closed by the idle bound (the head's is 30 s).
    let start = Instant::now();
    let mut silent = TcpStream::connect(svc.addr).await.unwrap();
    let (_, closed) = read_until_closed(&mut silent, Duration::from_secs(6)).await;
    let open = start.elapsed();
    assert!(closed, "a silent connection stays open");
    assert!(open >= Duration::from_millis(400), "{open:?}");
    assert!(open < Duration::from_secs(3), "{open:?}");
    // Kept alive after a request, then silent: closed too.
    let mut kept = TcpStream::connect(svc.addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let start = Instant::now();
    let (answer, closed) = read_until_closed(&mut kept, Duration::from_secs(6)).await;
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    assert!(closed, "an idle keep-alive connection stays open");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_cap_wait_until_one_closes() {
    let database_url = fresh_database().await;
    let svc = service_with(&database_url, |c| {
        c.max_connections = 2;
        c.idle_timeout = Duration::from_secs(30);
        c.header_read_timeout = Duration::from_secs(30);
    })
    .await;
    let first = TcpStream::connect(svc.addr).await.unwrap();
    let _second = TcpStream::connect(svc.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The third connects (the kernel's backlog) but is not served.
    let mut third = TcpStream::connect(svc.addr).await.unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let (answer, _) = read_until_closed(&mut third, Duration::from_millis(800)).await;
    assert!(
        answer.is_empty(),
        "served past the cap: {}",
        String::from_utf8_lossy(&answer)
    );
    // One closes: the third is served.
    drop(first);
    let (answer, _) = read_until_closed(&mut third, Duration::from_secs(5)).await;
    assert!(
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

/// Opens a POST whose body never arrives whole (a request in flight).
async fn body_in_flight(addr: std::net::SocketAddr) -> tokio::task::JoinHandle<()> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            b"POST /sign-in HTTP/1.1\r\nHost: x\r\nCookie: cas_signin=abc\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ncsrf=",
        )
        .await
        .unwrap();
    tokio::spawn(async move {
        for _ in 0..300 {
            if stream.write_all(b"a").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_has_a_deadline() {
    let database_url = fresh_database().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Config {
        key_file: Some(common::key_file(&database_url)),
        shutdown_timeout: Duration::from_millis(500),
        body_timeout: Duration::from_secs(60),
        idle_timeout: Duration::from_secs(60),
        header_read_timeout: Duration::from_secs(60),
        ..Config::new(format!("http://{addr}"))
    };
    let state = collab_authz_service::AppState::connect(&database_url, config.clone())
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        collab_authz_service::server::serve(
            listener,
            collab_authz_service::router(state),
            &config,
            async {
                let _ = stopped.await;
            },
        )
        .await
    });
    let slow = body_in_flight(addr).await;
    let mut idle = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let start = Instant::now();
    stop.send(()).unwrap();
    let done = tokio::time::timeout(Duration::from_secs(10), server).await;
    let took = start.elapsed();
    slow.abort();
    assert!(
        done.is_ok(),
        "the server waited on its connections past the deadline"
    );
    assert!(
        took >= Duration::from_millis(400),
        "{took:?}: the request in flight was cut short"
    );
    assert!(took < Duration::from_secs(3), "{took:?}");
    let (_, closed) = read_until_closed(&mut idle, Duration::from_secs(2)).await;
    assert!(closed);
    // The listener is closed.
    assert!(TcpStream::connect(addr).await.is_err());
}

#[test]
fn sigterm_stops_the_binary_within_its_deadline() {
    use std::process::{Command, Stdio};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let database_url = runtime.block_on(fresh_database());
    let mut child = Command::new(env!("CARGO_BIN_EXE_collab-authz-service"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("DATABASE_URL", &database_url)
        .env("KEY_FILE", common::key_file(&database_url))
        .env("SHUTDOWN_TIMEOUT_SECONDS", "1")
        .env("BODY_TIMEOUT_SECONDS", "120")
        .env("IDLE_TIMEOUT_SECONDS", "120")
        .env("HEADER_READ_TIMEOUT_SECONDS", "120")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let Some(addr) = common::listening_addr(child.stdout.take().unwrap()) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the service did not print its address");
    };
    let stderr = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut { stderr }, &mut text);
        text
    });
    let (slow, _trickle) = runtime.block_on(async {
        let slow = body_in_flight(addr).await;
        let trickle = trickle_headers(addr, Duration::from_millis(1));
        let _ = trickle.await;
        let held = TcpStream::connect(addr).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        (slow, held)
    });
    let start = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut exited = None;
    while start.elapsed() < Duration::from_secs(10) {
        if let Some(status) = child.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let took = start.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    slow.abort();
    let log = log.join().unwrap();
    let status = exited.unwrap_or_else(|| panic!("still running 10 s after SIGTERM:\n{log}"));
    assert!(status.success(), "{status:?}\n{log}");
    assert!(
        took >= Duration::from_millis(900),
        "{took:?}: cut before its deadline\n{log}"
    );
    assert!(took < Duration::from_secs(5), "{took:?}\n{log}");
    assert!(log.contains("shutdown deadline passed"), "{log}");
    assert!(log.contains("stopped"), "{log}");
}

// ---------------------------------------------------------------------------
// Item 3: a pending invitation tells nothing about the invitee's account.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_invitees_account_facts_are_unknown_until_they_accept() {
    use collab_authz::org::directory::TwoFactor;
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    // Ada has an account with 2FA on, Bob one with it off, Eve none: as
    // pending invitees, all three look the same.
    let ada = common::user_2fa(&svc, "ada@example.com", Some("ada"), TwoFactor::Enabled).await;
    common::user_2fa(&svc, "bob@example.com", Some("bob"), TwoFactor::Disabled).await;
    create_app(&api, &olivia, "shop-api").await;
    let mut ada_link = String::new();
    for email in ["ada@example.com", "bob@example.com", "eve@example.com"] {
        let r = api
            .call(
                &olivia,
                "POST",
                "/v1/apps/shop-api/collaborators",
                Some(json!({"collaborator": {"email": email}})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let c = r.json()["collaborator"].clone();
        // The invitation's answer tells nothing either.
        assert_eq!(c["user_id"], serde_json::Value::Null, "{c}");
        assert_eq!(c["username"], "n/a", "{c}");
        if email == "ada@example.com" {
            ada_link = c["invitation_link"].as_str().unwrap().to_string();
        }
    }
    let facts = |json: &serde_json::Value| -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = json["collaborators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["email"].as_str().unwrap().to_string(),
                    p["two_factor"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        out.sort();
        out
    };
    let r = api.call(&olivia, "GET", "/v1/directory", None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let mut pending: Vec<(String, String)> = ["ada", "bob", "eve"]
        .iter()
        .map(|n| (format!("{n}@example.com"), "unknown".to_string()))
        .collect();
    pending.push(("olivia@example.com".into(), "enabled".into()));
    assert_eq!(facts(&r.json()), pending, "{}", r.text());
    let csv = api
        .call(&olivia, "GET", "/v1/directory?format=csv", None)
        .await
        .text();
    for line in csv.lines().filter(|l| !l.contains("olivia@")) {
        assert!(
            !line.contains("enabled") && !line.contains("disabled"),
            "{csv}"
        );
    }
    let collaborators = api
        .call(&olivia, "GET", "/v1/apps/shop-api/collaborators", None)
        .await
        .json();
    for c in collaborators["collaborators"].as_array().unwrap() {
        assert_eq!(c["user_id"], serde_json::Value::Null, "{c}");
        assert_eq!(c["username"], "n/a", "{c}");
    }
    // The page too.
    let email = collab_authz::Email::parse(&olivia.email).unwrap();
    let cookie = collab_authz_service::web::session::sign_in(&svc.state, &email, &olivia.api_token)
        .await
        .unwrap();
    let page = send(
        svc.addr,
        "GET",
        "/collaborators",
        &[("cookie", &format!("cas_session={cookie}"))],
        None,
    )
    .await;
    assert_eq!(page.status, 200);
    let text = page.text();
    for person in ["ada@example.com", "bob@example.com", "eve@example.com"] {
        let row = text
            .split("<tr")
            .find(|r| r.contains(person))
            .unwrap_or_else(|| panic!("{person} not on the page: {text}"));
        assert!(row.contains("tfa unknown"), "{row}");
    }

    // Once Ada accepts, her 2FA shows.
    let path = ada_link.split_once(&svc.addr.to_string()).unwrap().1;
    let r = api.call(&ada, "POST", path, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = api.call(&olivia, "GET", "/v1/directory", None).await;
    let got = facts(&r.json());
    assert!(
        got.contains(&("ada@example.com".into(), "enabled".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("bob@example.com".into(), "unknown".into())),
        "{got:?}"
    );
}

// ---------------------------------------------------------------------------
// Item 4: bounded growth.
// ---------------------------------------------------------------------------

async fn invite_status(api: &Api, by: &common::User, app: &str, email: &str) -> common::Response {
    api.call(
        by,
        "POST",
        &format!("/v1/apps/{app}/collaborators"),
        Some(json!({"collaborator": {"email": email, "is_limited": false}})),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rosters_are_bounded_after_the_crate_decides() {
    let database_url = fresh_database().await;
    let svc = service_with(&database_url, |c| {
        c.max_members = 5;
        c.max_pending_invitations = 3;
    })
    .await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let ada = user(&svc, "ada@example.com", Some("ada")).await;
    let bob = user(&svc, "bob@example.com", Some("bob")).await;
    let stranger = user(&svc, "stranger@example.com", Some("stranger")).await;
    create_app(&api, &olivia, "shop-api").await;
    let mut links = Vec::new();
    for email in ["ada@example.com", "bob@example.com", "carol@example.com"] {
        let r = invite_status(&api, &olivia, "shop-api", email).await;
        assert_eq!(r.status, 201, "{}", r.text());
        links.push(
            r.json()["collaborator"]["invitation_link"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    // Three pending: the fourth invitation is refused, and says why.
    let r = invite_status(&api, &olivia, "shop-api", "dan@example.com").await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.error().contains("MAX_PENDING_INVITATIONS = 3"),
        "{}",
        r.error()
    );
    // The crate decides first: a stranger learns nothing about the size.
    let r = invite_status(&api, &stranger, "shop-api", "dan@example.com").await;
    assert_eq!(r.status, 404, "{}", r.text());
    // Ada and Bob accept: two places free up among the pending.
    for (who, link) in [(&ada, &links[0]), (&bob, &links[1])] {
        let path = link.split_once(&svc.addr.to_string()).unwrap().1;
        let r = api.call(who, "POST", path, None).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let r = invite_status(&api, &olivia, "shop-api", "dan@example.com").await;
    assert_eq!(r.status, 201, "{}", r.text());
    // Olivia, Ada, Bob, Carol and Dan: five, the most.
    let r = invite_status(&api, &olivia, "shop-api", "erin@example.com").await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.error().contains("MAX_MEMBERS = 5"), "{}", r.error());
    // A collaborator inviting meets the same bound.
    let r = invite_status(&api, &ada, "shop-api", "erin@example.com").await;
    assert_eq!(r.status, 422, "{}", r.text());
    // Nothing was written by the refusals.
    let list = api
        .call(&olivia, "GET", "/v1/apps/shop-api/collaborators", None)
        .await;
    assert_eq!(list.json()["collaborators"].as_array().unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_are_rate_limited_per_inviter_across_replicas() {
    let database_url = fresh_database().await;
    let limit = |c: &mut Config| {
        c.invitation_rate_limit = 3;
        c.invitation_rate_window = Duration::from_secs(3);
    };
    let one = service_with(&database_url, limit).await;
    let two = service_with(&database_url, limit).await;
    let (api_one, api_two) = (Api { addr: one.addr }, Api { addr: two.addr });
    let olivia = user(&one, "olivia@example.com", Some("olivia")).await;
    let ada = user(&one, "ada@example.com", Some("ada")).await;
    create_app(&api_one, &olivia, "shop-api").await;
    create_app(&api_one, &ada, "blog").await;
    // Three invitations, over both replicas and two apps.
    let start = Instant::now();
    assert_eq!(
        invite_status(&api_one, &olivia, "shop-api", "a@example.com")
            .await
            .status,
        201
    );
    assert_eq!(
        invite_status(&api_two, &olivia, "shop-api", "b@example.com")
            .await
            .status,
        201
    );
    let r = api_two
        .call(
            &olivia,
            "POST",
            "/v1/databases",
            Some(json!({"database": {"name": "main-db"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    // The third with an idempotency key (its answer may be lost).
    let auth = format!("Bearer {}", olivia.jwt);
    let headers = [("authorization", auth.as_str()), ("idempotency-key", "c-1")];
    let third = || {
        let body = json!({"collaborator": {"email": "c@example.com"}});
        let body = Some(serde_json::to_vec(&body).unwrap());
        send(
            one.addr,
            "POST",
            "/v1/databases/main-db/collaborators",
            &headers,
            body,
        )
    };
    let first = third().await;
    assert_eq!(first.status, 201, "{}", first.text());
    // The fourth, on either replica: 429 with Retry-After.
    for api in [&api_one, &api_two] {
        let r = invite_status(api, &olivia, "shop-api", "d@example.com").await;
        assert_eq!(r.status, 429, "{}", r.text());
        let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=3).contains(&wait), "{wait}");
        assert!(r.error().contains("3 invitations"), "{}", r.error());
    }
    // The third's retry with its key, now at the limit: its first answer
    // again (the key is looked up before the limit), not a 429.
    let retry = third().await;
    assert_eq!(retry.status, 201, "{}", retry.text());
    assert_eq!(retry.headers["idempotent-replayed"], "true");
    assert_eq!(retry.text(), first.text());
    // Someone else is not limited by Olivia's invitations.
    assert_eq!(
        invite_status(&api_two, &ada, "blog", "d@example.com")
            .await
            .status,
        201
    );
    // Retry-After tells the truth: after it, the next one passes.
    let r = invite_status(&api_one, &olivia, "shop-api", "d@example.com").await;
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    tokio::time::sleep(Duration::from_secs(wait) + Duration::from_millis(200)).await;
    let r = invite_status(&api_one, &olivia, "shop-api", "d@example.com").await;
    assert_eq!(
        r.status,
        201,
        "{:?} after the first: {}",
        start.elapsed(),
        r.text()
    );
    // The refused invitation wrote nothing.
    let list = api_one
        .call(&olivia, "GET", "/v1/apps/shop-api/collaborators", None)
        .await;
    assert_eq!(list.json()["collaborators"].as_array().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_snapshots_a_read_can_use_are_kept() {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let id = create_app(&api, &olivia, "shop-a").await;
    // 260 renames: 261 events, snapshots due at 64, 128, 192 and 256.
    for i in 0..260 {
        let (from, to) = if i % 2 == 0 {
            ("shop-a", "shop-b")
        } else {
            ("shop-b", "shop-a")
        };
        let r = api
            .call(
                &olivia,
                "PATCH",
                &format!("/v1/apps/{from}"),
                Some(json!({"app": {"name": to}})),
            )
            .await;
        assert_eq!(r.status, 200, "{i}: {}", r.text());
    }
    let client = svc.state.pool.get().await.unwrap();
    // Snapshots are written after the answer, in the background: waited
    // for, at most 10 s.
    let mut waited = 0;
    loop {
        let seqs: Vec<i64> = client
            .query(
                "SELECT seq FROM roster_snapshots WHERE resource_id = $1 ORDER BY seq",
                &[&id],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        if seqs == [1, 192, 256] {
            break;
        }
        assert!(
            waited < 100,
            "{seqs:?}: not the creation one and the two latest after 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    // Reads without the cache resume the latest and give the same roster.
    svc.state.store.set_cache_enabled(false);
    let r = api.call(&olivia, "GET", "/v1/apps/shop-a", None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = api
        .call(
            &olivia,
            "GET",
            &format!("/v1/apps/{id}/events?limit=5"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn serve_creates_a_missing_key_file_once_and_says_so() {
    use std::process::{Command, Stdio};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let database_url = runtime.block_on(fresh_database());
    let path = common::key_file(&database_url).with_extension("first-start");
    let _ = std::fs::remove_file(&path);
    let start = |expect_created: bool| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_collab-authz-service"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("DATABASE_URL", &database_url)
            .env("KEY_FILE", &path)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let addr = common::listening_addr(child.stdout.take().unwrap());
        let _ = child.kill();
        let _ = child.wait();
        let mut log = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
        assert!(addr.is_some(), "{log}");
        let said = log.matches("created a new key file").count();
        assert_eq!(said, usize::from(expect_created), "{log}");
        assert!(!log.contains("readable by other users"), "{log}");
    };
    start(true);
    let ring = KeyRing::load(&path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
    // Started again: the same keys, no creation.
    start(false);
    assert_eq!(KeyRing::load(&path).unwrap(), ring);
    let _ = std::fs::remove_file(&path);
}
