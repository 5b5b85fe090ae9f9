//! Test harness: a throwaway PostgreSQL per test binary (unless
//! `DATABASE_URL` names one), a fresh database per test, the service on a
//! loopback port, and a small HTTP client.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use collab_authz::org::directory::TwoFactor;
use collab_authz_service::{AppState, Config, router, users};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::Value;

/// The server every test of this binary shares.
pub struct Postgres {
    /// `postgres://...` of the maintenance database.
    pub admin_url: String,
    /// The data directory, when this binary started the server.
    pub dir: Option<PathBuf>,
    /// `pg_ctl`, when this binary started the server.
    pub pg_ctl: Option<PathBuf>,
    /// The port.
    pub port: u16,
}

fn find_bin(name: &str) -> Option<PathBuf> {
    if let Ok(path) = std::env::var("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin").join(name))
        .filter(|p| p.is_file())
        .collect();
    found.sort_by_key(|p| {
        p.parent()
            .and_then(Path::parent)
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs `program args` as the `postgres` user when we are root.
fn as_owner(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_postgres() -> Postgres {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        let port = url
            .rsplit_once(':')
            .and_then(|(_, rest)| rest.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or(5432);
        return Postgres {
            admin_url: url,
            dir: None,
            pg_ctl: None,
            port,
        };
    }
    let (Some(initdb), Some(pg_ctl)) = (find_bin("initdb"), find_bin("pg_ctl")) else {
        panic!(
            "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in \
             /usr/lib/postgresql/*/bin: install them with `apt-get install postgresql`, \
             or set DATABASE_URL to a server the tests may create databases on"
        );
    };
    let dir = PathBuf::from(format!(
        "/tmp/cas-test-pg.{}.{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    if is_root() {
        let ok = Command::new("chown")
            .arg("postgres")
            .arg(&dir)
            .status()
            .unwrap()
            .success();
        assert!(ok, "chown postgres {}", dir.display());
    }
    let out = as_owner(&initdb)
        .arg("-D")
        .arg(dir.join("data"))
        .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut port = 0;
    let mut started = false;
    for _ in 0..5 {
        port = free_port();
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c max_connections=300 \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            dir.display()
        );
        let status = as_owner(&pg_ctl)
            .arg("-D")
            .arg(dir.join("data"))
            .arg("-l")
            .arg(dir.join("server.log"))
            .args(["-w", "-t", "30", "-o", &options, "start"])
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        if status.success() {
            started = true;
            break;
        }
    }
    assert!(
        started,
        "PostgreSQL did not start; see {}/server.log",
        dir.display()
    );
    // A watchdog stops the server and removes its directory once this
    // test binary has exited.
    let stop = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; \
         {runas} {pg_ctl} -D {data} -m immediate -w stop >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        runas = if is_root() {
            "runuser -u postgres --"
        } else {
            ""
        },
        pg_ctl = pg_ctl.display(),
        data = dir.join("data").display(),
        dir = dir.display(),
    );
    #[expect(
        clippy::zombie_processes,
        reason = "the watchdog outlives this process on purpose"
    )]
    let _watchdog = Command::new("sh")
        .args(["-c", &stop])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    Postgres {
        admin_url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        dir: Some(dir),
        pg_ctl: Some(pg_ctl),
        port,
    }
}

/// The server of this test binary, started on first use.
pub fn postgres() -> &'static Postgres {
    static PG: OnceLock<Postgres> = OnceLock::new();
    PG.get_or_init(start_postgres)
}

impl Postgres {
    /// Stops the server (for the fault test); only a server this binary
    /// started.
    pub fn stop(&self) {
        let (Some(pg_ctl), Some(dir)) = (&self.pg_ctl, &self.dir) else {
            panic!("the fault test needs a server it started (unset DATABASE_URL)");
        };
        let status = as_owner(pg_ctl)
            .arg("-D")
            .arg(dir.join("data"))
            .args(["-m", "fast", "-w", "stop"])
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pg_ctl stop");
    }

    /// Stops the server with `pg_ctl stop -m MODE` (`immediate`: as a
    /// crash, losing what it has not written yet); only a server this
    /// binary started.
    pub fn stop_mode(&self, mode: &str) {
        let (Some(pg_ctl), Some(dir)) = (&self.pg_ctl, &self.dir) else {
            panic!("this test needs a server it started (unset DATABASE_URL)");
        };
        let status = as_owner(pg_ctl)
            .arg("-D")
            .arg(dir.join("data"))
            .args(["-m", mode, "-w", "stop"])
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pg_ctl stop -m {mode}");
    }

    /// Runs `sh -c script` as the server's owner, in the server's
    /// directory (its data directory is `data`); panics unless it succeeds.
    pub fn owner_sh(&self, script: &str) {
        let Some(dir) = &self.dir else {
            panic!("this test needs a server it started (unset DATABASE_URL)");
        };
        let status = as_owner(Path::new("/bin/sh"))
            .arg("-c")
            .arg(script)
            .current_dir(dir)
            .status()
            .unwrap();
        assert!(status.success(), "{script}");
    }

    /// Starts it again on the same port.
    pub fn start(&self) {
        let (Some(pg_ctl), Some(dir)) = (&self.pg_ctl, &self.dir) else {
            panic!("the fault test needs a server it started (unset DATABASE_URL)");
        };
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c max_connections=300 \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            self.port,
            dir.display()
        );
        let status = as_owner(pg_ctl)
            .arg("-D")
            .arg(dir.join("data"))
            .arg("-l")
            .arg(dir.join("server.log"))
            .args(["-w", "-t", "30", "-o", &options, "start"])
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pg_ctl start");
    }
}

/// A fresh, empty database on the shared server; its URL.
pub async fn fresh_database() -> String {
    let pg = postgres();
    let (client, connection) = tokio_postgres::connect(&pg.admin_url, tokio_postgres::NoTls)
        .await
        .expect("connect to the test server");
    let task = tokio::spawn(connection);
    let bytes: [u8; 8] = collab_authz_service::ids::random_bytes().unwrap();
    let name = format!("cas_test_{}", collab_authz_service::ids::hex(&bytes));
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    drop(client);
    let _ = task.await;
    let base = pg
        .admin_url
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap();
    format!("{base}/{name}")
}

/// The key file of the services on `database_url` (one per database, so
/// that every service and replica on it shares its keys, as a deployment's
/// replicas share one file); created by the first service that starts.
pub fn key_file(database_url: &str) -> PathBuf {
    let path = database_url.split('?').next().unwrap_or(database_url);
    let name = path.rsplit_once('/').map_or("db", |(_, n)| n);
    let dir = std::env::temp_dir().join("cas-test-keys");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{name}.keys"))
}

/// A running service on a fresh database.
pub struct Service {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its state (pool, store).
    pub state: AppState,
    /// Its database.
    pub database_url: String,
}

/// Starts the service in this test's runtime on a fresh database.
pub async fn service() -> Service {
    let database_url = fresh_database().await;
    service_on(&database_url).await
}

/// Starts the service in this test's runtime on `database_url`.
pub async fn service_on(database_url: &str) -> Service {
    service_with(database_url, |_| {}).await
}

/// Starts the service in this test's runtime on `database_url`, with the
/// default settings for its address changed by `change`.
pub async fn service_with(database_url: &str, change: impl FnOnce(&mut Config)) -> Service {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = Config::new(format!("http://{addr}"));
    config.key_file = Some(key_file(database_url));
    // The growth policy is tested with explicit limits (tests/security.rs);
    // elsewhere, tests invite as much as they need.
    config.max_members = usize::MAX;
    config.max_pending_invitations = usize::MAX;
    config.invitation_rate_limit = u32::MAX;
    change(&mut config);
    let state = AppState::connect(database_url, config).await.unwrap();
    let app = router(state.clone());
    let config = Config::clone(&state.config);
    tokio::spawn(async move {
        let _ = collab_authz_service::server::serve(
            listener,
            app,
            &config,
            std::future::pending::<()>(),
        )
        .await;
    });
    Service {
        addr,
        state,
        database_url: database_url.to_string(),
    }
}

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: hyper::HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Response {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), status {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The `error` of a JSON error body.
    pub fn error(&self) -> String {
        self.json()["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error field: {}", String::from_utf8_lossy(&self.body)))
            .to_string()
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one request on a new connection.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> Response {
    try_send(addr, method, path, headers, body).await.unwrap()
}

/// Sends one request on a new connection; an I/O error is returned.
pub async fn try_send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> Result<Response, String> {
    let stream = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::net::TcpStream::connect(addr),
    )
    .await
    .map_err(|_| "connect timeout".to_string())?
    .map_err(|e| e.to_string())?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr.to_string());
    let has_body = body.is_some();
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if has_body
        && !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        req = req.header("content-type", "application/json");
    }
    let req = req
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| e.to_string())?;
    let response = tokio::time::timeout(Duration::from_secs(30), sender.send_request(req))
        .await
        .map_err(|_| "response timeout".to_string())?
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// A caller with a bearer token.
#[derive(Debug, Clone)]
pub struct User {
    /// Account id.
    pub id: String,
    /// Email.
    pub email: String,
    /// Username.
    pub username: Option<String>,
    /// API token.
    pub api_token: String,
    /// Bearer token.
    pub jwt: String,
}

/// A client of one service.
#[derive(Debug, Clone, Copy)]
pub struct Api {
    /// Where the service listens.
    pub addr: SocketAddr,
}

impl Api {
    /// A request as `user` (bearer), with an optional JSON body.
    pub async fn call(
        &self,
        user: &User,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let auth = format!("Bearer {}", user.jwt);
        send(
            self.addr,
            method,
            path,
            &[("authorization", &auth)],
            body.map(|b| serde_json::to_vec(&b).unwrap()),
        )
        .await
    }

    /// A raw-body request as `user`.
    pub async fn raw(&self, user: &User, method: &str, path: &str, body: &[u8]) -> Response {
        let auth = format!("Bearer {}", user.jwt);
        send(
            self.addr,
            method,
            path,
            &[("authorization", &auth)],
            Some(body.to_vec()),
        )
        .await
    }

    /// Exchanges an API token for a bearer token.
    pub async fn exchange(&self, api_token: &str) -> Response {
        use base64::Engine;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(":{api_token}"));
        let auth = format!("Basic {basic}");
        send(
            self.addr,
            "POST",
            "/v1/tokens/exchange",
            &[("authorization", &auth)],
            None,
        )
        .await
    }
}

/// Creates an account on the service's database and exchanges its token.
pub async fn user(service: &Service, email: &str, username: Option<&str>) -> User {
    user_2fa(service, email, username, TwoFactor::Enabled).await
}

/// [`user`] with a two-factor status.
pub async fn user_2fa(
    service: &Service,
    email: &str,
    username: Option<&str>,
    two_factor: TwoFactor,
) -> User {
    let (created, api_token) =
        users::create_user(&service.state.store, email, username, two_factor)
            .await
            .unwrap();
    let api = Api { addr: service.addr };
    let response = api.exchange(&api_token).await;
    assert_eq!(response.status, 200, "{}", response.text());
    let jwt = response.json()["token"].as_str().unwrap().to_string();
    User {
        id: created.id,
        email: email.to_string(),
        username: username.map(str::to_string),
        api_token,
        jwt,
    }
}

/// The address a spawned service binary prints as its first stdout line
/// (`listening on http://ADDR`), waited for up to 30 s; the rest of stdout
/// is drained so the child never blocks on a full pipe. `None` when no
/// such line came in time.
pub fn listening_addr(stdout: std::process::ChildStdout) -> Option<SocketAddr> {
    use std::io::{BufRead, BufReader};
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(line)) = lines.next() {
            let _ = tx.send(line);
        }
        for _ in lines {}
    });
    let line = rx.recv_timeout(Duration::from_secs(30)).ok()?;
    line.strip_prefix("listening on http://")?.parse().ok()
}

/// Creates an app as `owner`; its id.
pub async fn create_app(api: &Api, owner: &User, name: &str) -> String {
    let r = api
        .call(
            owner,
            "POST",
            "/v1/apps",
            Some(serde_json::json!({"app": {"name": name}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["app"]["id"].as_str().unwrap().to_string()
}

/// Starts the service in this test's runtime on `database_url`, with the
/// settings `configure` makes of the defaults.
pub async fn service_configured(
    database_url: &str,
    configure: impl FnOnce(Config) -> Config,
) -> Service {
    service_with(database_url, |config| {
        *config = configure(config.clone());
    })
    .await
}

/// A spawned `collab-authz-service serve` process, killed when dropped.
pub struct Replica {
    /// The process.
    pub child: std::process::Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A replica on `database_url` with `pool_size` connections: it reads the
/// database's key file (replicas behind one load balancer share it and the
/// public URL), and the growth limits are lifted (these tests are about
/// races and lost writes, not the growth policy).
pub fn spawn_replica(database_url: &str, pool_size: u32) -> Replica {
    let mut child = Command::new(env!("CARGO_BIN_EXE_collab-authz-service"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("DATABASE_URL", database_url)
        .env("KEY_FILE", key_file(database_url))
        .env("DB_POOL_SIZE", pool_size.to_string())
        .env("INVITATION_RATE_LIMIT", "1000000")
        .env("MAX_PENDING_INVITATIONS", "100000")
        .env("MAX_MEMBERS", "100000")
        .env("PUBLIC_URL", "http://collab-authz.test")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("spawn the service binary");
    let addr = listening_addr(child.stdout.take().expect("piped stdout"))
        .expect("the service printed its address on stdout");
    Replica { child, addr }
}
