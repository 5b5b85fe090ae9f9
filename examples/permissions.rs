//! Prints the permission matrix, generated from the crate's constants.
//!
//! ```text
//! cargo run --example permissions                      # CSV (header + 118 rows)
//! cargo run --example permissions -- --format markdown # one table per resource kind
//! cargo run --example permissions -- --format json     # an array of row objects
//! ```

use std::io::Write as _;
use std::process::ExitCode;

use collab_authz::export::{Export, Format};

const USAGE: &str = "usage: permissions [--format csv|markdown|json]";

/// The format the arguments ask for, or a one-line error.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Format, String> {
    let mut format = Format::Csv;
    while let Some(arg) = args.next() {
        let value = match arg.split_once('=') {
            Some(("--format", value)) => value.to_owned(),
            _ if arg == "--format" => args
                .next()
                .ok_or_else(|| format!("--format needs a value; {USAGE}"))?,
            _ if arg == "-h" || arg == "--help" => return Err(USAGE.to_owned()),
            _ => return Err(format!("unexpected argument `{arg}`; {USAGE}")),
        };
        format = value.parse().map_err(|e| format!("{e}; {USAGE}"))?;
    }
    Ok(format)
}

fn main() -> ExitCode {
    let format = match parse_args(std::env::args().skip(1)) {
        Ok(format) => format,
        Err(message) => {
            eprintln!("permissions: {message}");
            return ExitCode::FAILURE;
        }
    };
    // Write through a locked stdout and report errors instead of panicking
    // like `print!` would; a closed pipe (`| head`) is not an error.
    let mut stdout = std::io::stdout().lock();
    match write!(stdout, "{}", Export::new(format)).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("permissions: cannot write to stdout: {e}");
            ExitCode::FAILURE
        }
    }
}
