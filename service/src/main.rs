//! `collab-authz-service`: the reference service's command line.
//!
//! ```text
//! collab-authz-service [--log FILTER] [--log-format text|json] serve --listen ADDR [--public-url URL] ...
//! collab-authz-service user add EMAIL [--username NAME] [--two-factor enabled|disabled]
//! collab-authz-service keys generate|rotate [--link]|remove KID|list --key-file PATH
//! ```
//!
//! Every setting is a flag and an environment variable
//! ([`collab_authz_service::config`]; `--help` lists them). Both subcommands
//! read `DATABASE_URL` and apply the embedded migrations first. `serve`
//! prints `listening on http://ADDR` on stdout once it accepts connections
//! (with `--listen 127.0.0.1:0`, ADDR has the port the system chose);
//! `user add` prints the new API token alone on its last line. Logs go to
//! stderr. A setting that does not hold is refused before anything
//! starts, with a message naming it, and exit status 2; a failure to start
//! or serve is logged and exits with 1.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::allow_attributes
)]

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use collab_authz_service::config::{
    Cli, Command, Config, ConfigError, KeysCommand, ServeArgs, UserAddArgs, UserCommand,
};
use collab_authz_service::keys::KeyRing;
use collab_authz_service::{AppState, router, server, telemetry, users};

/// A command with its settings checked.
enum Plan {
    Serve {
        args: Box<ServeArgs>,
        config: Box<Config>,
        database_url: String,
    },
    UserAdd {
        args: UserAddArgs,
        database_url: String,
    },
    Keys(KeysCommand),
}

fn plan(command: Command) -> Result<Plan, ConfigError> {
    match command {
        Command::Serve(args) => Ok(Plan::Serve {
            database_url: args.database.url()?.to_string(),
            config: Box::new(args.config()?),
            args: Box::new(args),
        }),
        Command::User(UserCommand::Add(args)) => Ok(Plan::UserAdd {
            database_url: args.database.url()?.to_string(),
            args,
        }),
        Command::Keys(command) => Ok(Plan::Keys(command)),
    }
}

/// Exits with clap's status and format for a refused setting.
fn refuse(error: &ConfigError) -> ! {
    Cli::command()
        .error(clap::error::ErrorKind::ValueValidation, error)
        .exit()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = telemetry::init_logging(&cli.log) {
        refuse(&e);
    }
    let plan = plan(cli.command).unwrap_or_else(|e| refuse(&e));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the runtime");
            return ExitCode::FAILURE;
        }
    };
    let result = match plan {
        Plan::Serve {
            args,
            config,
            database_url,
        } => runtime.block_on(serve(&args, *config, &database_url)),
        Plan::UserAdd { args, database_url } => runtime.block_on(user_add(args, &database_url)),
        Plan::Keys(command) => keys(&command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!(error = %message, "failed");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: &ServeArgs, mut config: Config, database_url: &str) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr: SocketAddr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    if args.public_url.is_none() {
        config.public_url = format!("http://{addr}");
    }
    let state = AppState::connect(database_url, config)
        .await
        .map_err(|e| e.to_string())?;
    let config = &state.config;
    let database = args.database.summary();
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        address = %addr,
        public_url = %config.public_url,
        region = %config.region,
        // Quoted in text logs: it has spaces.
        database = database.as_str(),
        pool_size = config.pool_size,
        request_timeout_ms = config.request_timeout.as_millis(),
        db_connect_timeout_ms = config.db_connect_timeout.as_millis(),
        jwt_ttl_seconds = config.jwt_ttl_seconds,
        key_file = %args.key_file.display(),
        max_connections = config.max_connections,
        metrics = if config.metrics_token.is_some() { "token" } else { "open" },
        "listening"
    );
    let config = Config::clone(config);
    let app = router(state);
    println!("listening on http://{addr}");
    let _ = std::io::stdout().flush();
    server::serve(listener, app, &config, shutdown())
        .await
        .map_err(|e| format!("server: {e}"))?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM; the server then stops accepting and
/// finishes the requests in flight, for at most `--shutdown-timeout-seconds`.
async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot watch SIGTERM; stopping on Ctrl-C only");
                    let _ = ctrl_c.await;
                    tracing::info!(signal = "SIGINT", "shutting down");
                    return;
                }
            };
        let signal = tokio::select! {
            _ = ctrl_c => "SIGINT",
            _ = term.recv() => "SIGTERM",
        };
        tracing::info!(signal, "shutting down: finishing the requests in flight");
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
        tracing::info!(
            signal = "Ctrl-C",
            "shutting down: finishing the requests in flight"
        );
    }
}

/// `keys ...`: the key file, changed in place at once (written aside,
/// then renamed); prints what it did on stdout, never a key.
fn keys(command: &KeysCommand) -> Result<(), String> {
    let fail = |e: collab_authz_service::keys::KeyFileError| e.to_string();
    match command {
        KeysCommand::Generate(file) => {
            let ring = KeyRing::generate().map_err(|e| e.to_string())?;
            ring.create(&file.key_file).map_err(fail)?;
            println!(
                "created {} with signing key {}",
                file.key_file.display(),
                ring.kids().join(", ")
            );
        }
        KeysCommand::Rotate(args) => {
            let path = &args.file.key_file;
            let mut ring = KeyRing::load(path).map_err(fail)?;
            if args.link {
                ring.rotate_link().map_err(|e| e.to_string())?;
                ring.replace(path).map_err(fail)?;
                println!(
                    "replaced the invitation-link key in {}: pending invitation links stop \
                     working once every replica restarts",
                    path.display()
                );
            } else {
                let kid = ring.rotate().map_err(|e| e.to_string())?;
                ring.replace(path).map_err(fail)?;
                println!(
                    "added signing key {kid} to {}: it signs once every replica restarts; \
                     the older keys verify until removed",
                    path.display()
                );
            }
        }
        KeysCommand::Remove(args) => {
            let path = &args.file.key_file;
            let mut ring = KeyRing::load(path).map_err(fail)?;
            ring.remove(&args.kid).map_err(fail)?;
            ring.replace(path).map_err(fail)?;
            println!(
                "removed signing key {} from {}: its tokens are refused once every replica \
                     restarts",
                args.kid,
                path.display()
            );
        }
        KeysCommand::List(file) => {
            let ring = KeyRing::load(&file.key_file).map_err(fail)?;
            for (i, kid) in ring.kids().iter().enumerate() {
                println!("{kid}{}", if i == 0 { " (signs)" } else { "" });
            }
        }
    }
    Ok(())
}

/// `user add`: signs nothing, so it reads no key file (its state's keys
/// are generated for the process and never used).
async fn user_add(args: UserAddArgs, database_url: &str) -> Result<(), String> {
    let config = args.database.apply(Config::new("http://localhost"));
    let state = AppState::connect(database_url, config)
        .await
        .map_err(|e| e.to_string())?;
    let (user, token) = users::create_user(
        &state.store,
        &args.email,
        args.username.as_deref(),
        args.two_factor,
    )
    .await
    .map_err(|e| e.to_string())?;
    println!("created user {} <{}>; API token:", user.id, user.email);
    println!("{token}");
    Ok(())
}
