//! `collab-authz-service`: the reference service's command line.
//!
//! ```text
//! collab-authz-service serve --listen 127.0.0.1:8080 [--public-url URL]
//! collab-authz-service user add EMAIL [--username NAME] [--two-factor enabled|disabled]
//! ```
//!
//! Both read `DATABASE_URL` and apply the embedded migrations first.
//! `serve` prints `listening on http://ADDR` once it accepts connections
//! (with `--listen 127.0.0.1:0`, ADDR has the port the system chose).
//! `user add` prints the new API token alone on its last line.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::allow_attributes
)]

use std::io::Write;
use std::process::ExitCode;

use collab_authz::org::directory::TwoFactor;
use collab_authz_service::{AppState, Config, router, users};

const USAGE: &str = "usage:
  collab-authz-service serve --listen ADDR [--public-url URL]
  collab-authz-service user add EMAIL [--username NAME] [--two-factor enabled|disabled]
environment: DATABASE_URL (required), DB_POOL_SIZE (default 16)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Reads `--flag VALUE` pairs after the positional arguments.
fn flags<'a>(args: &'a [String], allowed: &[&str]) -> Result<Vec<(&'a str, &'a str)>, String> {
    let mut out = Vec::new();
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        if !allowed.contains(&flag.as_str()) {
            return Err(format!("unexpected argument {flag:?}\n{USAGE}"));
        }
        let value = iter
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        out.push((flag.as_str(), value.as_str()));
    }
    Ok(out)
}

fn database_url() -> Result<String, String> {
    std::env::var("DATABASE_URL").map_err(|_| format!("DATABASE_URL is not set\n{USAGE}"))
}

fn pool_size() -> Result<usize, String> {
    match std::env::var("DB_POOL_SIZE") {
        Err(_) => Ok(16),
        Ok(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| format!("DB_POOL_SIZE: expected 1 to 1000, got {v:?}")),
    }
}

async fn run(args: Vec<String>) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("serve") => serve(args.get(1..).unwrap_or_default()).await,
        Some("user") if args.get(1).map(String::as_str) == Some("add") => {
            user_add(args.get(2..).unwrap_or_default()).await
        }
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(USAGE.to_string()),
    }
}

async fn serve(args: &[String]) -> Result<(), String> {
    let mut listen = None;
    let mut public_url = std::env::var("PUBLIC_URL").ok();
    for (flag, value) in flags(args, &["--listen", "--public-url"])? {
        match flag {
            "--listen" => listen = Some(value.to_string()),
            _ => public_url = Some(value.to_string()),
        }
    }
    let listen = listen.ok_or_else(|| format!("serve needs --listen ADDR\n{USAGE}"))?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    let mut config = Config::new(public_url.unwrap_or_else(|| format!("http://{addr}")));
    config.pool_size = pool_size()?;
    let state = AppState::connect(&database_url()?, config)
        .await
        .map_err(|e| e.to_string())?;
    let app = router(state);
    println!("listening on http://{addr}");
    let _ = std::io::stdout().flush();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| format!("server: {e}"))
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

async fn user_add(args: &[String]) -> Result<(), String> {
    let (email, rest) = args
        .split_first()
        .ok_or_else(|| format!("user add needs an EMAIL\n{USAGE}"))?;
    let mut username = None;
    let mut two_factor = TwoFactor::Disabled;
    for (flag, value) in flags(rest, &["--username", "--two-factor"])? {
        match flag {
            "--username" => username = Some(value),
            _ => {
                two_factor = match value {
                    "enabled" => TwoFactor::Enabled,
                    "disabled" => TwoFactor::Disabled,
                    other => {
                        return Err(format!(
                            "--two-factor: expected enabled or disabled, got {other:?}"
                        ));
                    }
                }
            }
        }
    }
    let state = AppState::connect(&database_url()?, Config::new("http://localhost"))
        .await
        .map_err(|e| e.to_string())?;
    let (user, token) = users::create_user(&state.store, email, username, two_factor)
        .await
        .map_err(|e| e.to_string())?;
    println!("created user {} <{}>; API token:", user.id, user.email);
    println!("{token}");
    Ok(())
}
