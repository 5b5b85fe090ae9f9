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

const HELP: &str = "\
Prints the permission matrix, generated from the crate's constants.

usage: permissions [--format csv|markdown|json]

options:
  --format FORMAT  csv (default; header + 118 rows), markdown (one table per
                   resource kind) or json (an array of row objects)
  -h, --help       print this help and exit
";

/// What the arguments ask for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    /// Print the matrix in this format.
    Print(Format),
    /// Print the help.
    Help,
}

/// What the arguments ask for, or a one-line error.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut format = Format::Csv;
    while let Some(arg) = args.next() {
        let value = match arg.split_once('=') {
            Some(("--format", value)) => value.to_owned(),
            _ if arg == "--format" => args
                .next()
                .ok_or_else(|| format!("--format needs a value; {USAGE}"))?,
            _ if arg == "-h" || arg == "--help" => return Ok(Command::Help),
            _ => return Err(format!("unexpected argument `{arg}`; {USAGE}")),
        };
        format = value.parse().map_err(|e| format!("{e}; {USAGE}"))?;
    }
    Ok(Command::Print(format))
}

fn main() -> ExitCode {
    let format = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Print(format)) => format,
        Ok(Command::Help) => {
            let mut stdout = std::io::stdout().lock();
            return match stdout
                .write_all(HELP.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("permissions: cannot write to stdout: {e}");
                    ExitCode::FAILURE
                }
            };
        }
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

#[cfg(test)]
mod tests {
    use super::{Command, Format, USAGE, parse_args};

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn arguments() {
        assert_eq!(parse(&[]), Ok(Command::Print(Format::Csv)));
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
        assert_eq!(parse(&["-h"]), Ok(Command::Help));
        assert_eq!(parse(&["--format", "json", "--help"]), Ok(Command::Help));
        assert_eq!(
            parse(&["--format", "markdown"]),
            Ok(Command::Print(Format::Markdown))
        );
        assert_eq!(parse(&["--format=json"]), Ok(Command::Print(Format::Json)));
        let err = parse(&["--format", "yaml"]).err();
        assert_eq!(
            err,
            Some(format!(
                "unknown export format, expected one of: csv, markdown, json; {USAGE}"
            ))
        );
        assert!(err.is_some_and(|e| !e.contains('\n')));
        assert_eq!(
            parse(&["--format"]).err(),
            Some(format!("--format needs a value; {USAGE}"))
        );
        assert_eq!(
            parse(&["--sudo"]).err(),
            Some(format!("unexpected argument `--sudo`; {USAGE}"))
        );
    }
}
