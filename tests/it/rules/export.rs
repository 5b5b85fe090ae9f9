//! The export formats: the README's matrix is the generated Markdown, the
//! JSON is valid and says what the CSV says, the writers need no allocator,
//! and `Format` parses its three ids only.
//!
//! The CSV itself is compared with the spec, cell for cell, in
//! `tests/golden.rs`.
#![expect(clippy::unwrap_used, reason = "test code")]
#![expect(clippy::expect_used, reason = "test code")]

use core::fmt::{self, Write as _};

use collab_authz::IdKind;
use collab_authz::export::{Export, Format, write_matrix};

const README: &str = include_str!("../../../README.md");
const START: &str = "<!-- permission-matrix:start -->";
const END: &str = "<!-- permission-matrix:end -->";

#[test]
fn readme_matrix_is_generated() {
    let start = README.find(START).expect("README has the start marker") + START.len();
    let end = README.find(END).expect("README has the end marker");
    assert!(start < end, "the markers are in order");
    assert_eq!(README.matches(START).count(), 1);
    let in_readme = README[start..end].trim_matches('\n');
    let generated = Export::new(Format::Markdown).to_string();
    assert_eq!(
        in_readme,
        generated.trim_end_matches('\n'),
        "README.md's matrix drifted; regenerate it with \
         `cargo run --example permissions -- --format markdown`"
    );
}

#[test]
fn json_is_valid_and_says_what_the_csv_says() {
    let json = Export::new(Format::Json).to_string();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = value.as_array().unwrap();
    assert_eq!(rows.len(), 118);

    let csv = Export::new(Format::Csv).to_string();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header,
        [
            "resource",
            "action",
            "owner",
            "collaborator",
            "limited_collaborator"
        ]
    );
    for (row, line) in rows.iter().zip(lines) {
        let object = row.as_object().unwrap();
        assert_eq!(object.len(), header.len());
        for (key, field) in header.iter().zip(line.split(',')) {
            assert_eq!(object[*key].as_str(), Some(field), "{key} in {line}");
        }
    }
}

#[test]
fn markdown_has_one_table_per_kind_with_a_row_per_action() {
    let md = Export::new(Format::Markdown).to_string();
    assert_eq!(md.matches("#### `app`").count(), 1);
    assert_eq!(md.matches("#### `dedicated_database`").count(), 1);
    let rows = md.lines().filter(|l| l.starts_with("| `")).count();
    assert_eq!(rows, 118);
    assert!(md.contains(
        "| `view_deployment_logs` | deployment | yes | yes | limited (only deployments younger than 7 days) |"
    ));
    assert!(md.contains("| `stop` | lifecycle | n/a | n/a | n/a |"));
    assert!(md.contains("| `delete` | administration | yes | no | n/a |"));
}

/// A writer with no heap: counts bytes and lines into fixed fields.
#[derive(Default)]
struct Counter {
    bytes: usize,
    lines: usize,
}

impl fmt::Write for Counter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.bytes += s.len();
        self.lines += s.matches('\n').count();
        Ok(())
    }
}

/// A writer that fails after `room` bytes, like a full fixed buffer.
struct Full {
    room: usize,
}

impl fmt::Write for Full {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.room = self.room.checked_sub(s.len()).ok_or(fmt::Error)?;
        Ok(())
    }
}

#[test]
fn writers_work_into_any_fmt_write_and_pass_errors_on() {
    for format in Format::ALL {
        let mut counter = Counter::default();
        write_matrix(&mut counter, format).unwrap();
        let text = Export::new(format).to_string();
        assert_eq!(counter.bytes, text.len());
        assert_eq!(counter.lines, text.lines().count());
        assert_eq!(
            write_matrix(&mut Full { room: 100 }, format),
            Err(fmt::Error)
        );
    }
    let mut csv = Counter::default();
    write!(csv, "{}", Export::new(Format::Csv)).unwrap();
    assert_eq!(csv.lines, 119);
}

#[test]
fn format_parses_its_ids_only() {
    for (id, format) in [
        ("csv", Format::Csv),
        ("markdown", Format::Markdown),
        ("json", Format::Json),
    ] {
        assert_eq!(id.parse::<Format>(), Ok(format));
        assert_eq!(format.to_string(), id);
    }
    for bad in ["", "CSV", "md", "xml", "json ", "markdown\n"] {
        let err = bad.parse::<Format>().unwrap_err();
        assert_eq!((err.kind(), err.input()), (IdKind::ExportFormat, bad));
    }
    assert_eq!(
        "xml".parse::<Format>().unwrap_err().to_string(),
        "unknown export format \"xml\", expected one of: csv, markdown, json"
    );
    assert_eq!(
        "markdown\n".parse::<Format>().unwrap_err().to_string(),
        "unknown export format \"markdown\\n\", expected one of: csv, markdown, json"
    );
}

/// Runs `cargo run --example permissions -- ARGS` (the example is already
/// built by `cargo test`) and returns (success, stdout, stderr).
fn run_example(args: &[&str]) -> (bool, String, String) {
    let output = std::process::Command::new(env!("CARGO"))
        .args([
            "run",
            "--quiet",
            "--example",
            "permissions",
            "--manifest-path",
        ])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .arg("--")
        .args(args)
        .output()
        .expect("cargo runs");
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// `--help` is not an error: usage on stdout, exit 0. An unknown format is:
/// one line on stderr, a failing exit status, nothing on stdout.
#[test]
fn the_example_helps_and_refuses_clearly() {
    let (ok, stdout, stderr) = run_example(&["--help"]);
    assert!(ok, "--help failed: {stderr}");
    assert!(
        stdout.contains("usage: permissions [--format csv|markdown|json]"),
        "{stdout}"
    );
    assert_eq!(stderr, "");

    let (ok, stdout, stderr) = run_example(&["--format", "yaml"]);
    assert!(!ok, "an unknown format succeeded");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "permissions: unknown export format \"yaml\", expected one of: csv, markdown, json; \
         usage: permissions [--format csv|markdown|json]\n"
    );

    let (ok, stdout, _) = run_example(&["--format", "csv"]);
    assert!(ok);
    assert_eq!(stdout, Export::new(Format::Csv).to_string());
}
