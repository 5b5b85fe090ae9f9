//! The integration tests, in one binary laid out like `src/`:
//!
//! - `rules/`: the matrix against the spec cell by cell (`golden`), against
//!   a reference model and by property (`properties`), the denial
//!   sentences, the matrix export and custom roles;
//! - `batch`: the batch checks against the hot check;
//! - `membership/`: the lifecycle operation by operation, replay and
//!   snapshots, a model-based property test, the stored forms and their
//!   corpus, error classes, hostile text, and granting a custom role;
//! - `listing`: the CLI table of a roster;
//! - `api/`: the API request bodies and response objects;
//! - `org/`: the directory and its exports, the access review and the
//!   plan;
//! - `auto_traits`: every public type's auto traits;
//! - `common`: the helpers the tests share (values, rosters, case count).
//!
//! Each part is compiled for the features it needs, so
//! `cargo test --no-default-features` runs the rules and batch tests,
//! `--features alloc` adds the roster-based ones, the default features add
//! serde (and with it most membership tests, the listing and the API),
//! and `--all-features` adds the CSV and JSON exports. The
//! allocation-counting test (its own global allocator) and the README's
//! examples are separate targets.

#[cfg(feature = "alloc")]
mod common;

mod batch;
mod rules;

#[cfg(feature = "alloc")]
mod membership;

#[cfg(all(feature = "alloc", feature = "serde"))]
mod listing;

#[cfg(all(feature = "alloc", feature = "serde"))]
mod api;
#[cfg(feature = "alloc")]
mod org;

#[cfg(all(feature = "alloc", feature = "serde"))]
mod auto_traits;
