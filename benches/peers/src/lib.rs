//! The `collab-authz` permission matrix in two general-purpose engines,
//! [Cedar](cedar_policy) and [casbin], for a differential test and a
//! comparison benchmark.
//!
//! Two kinds of encoding:
//!
//! - **Hand-written** ([`handwritten`]): a Cedar policy set and a casbin
//!   policy typed from the spec (`docs/permissions.md`) into
//!   `benches/peers/policies/`, independent of the crate, so that a wrong
//!   cell in the crate shows up in the differential test.
//! - **Generated** (below; the fast ones, used by the benchmark).
//!
//! The generated encodings come from the crate's rule constants
//! ([`grants`](collab_authz::grants), [`Limit::of`](collab_authz::Limit::of),
//! [`ResourceKind::has_role`]) but never call the crate's checks: each engine
//! decides with its own evaluator, and the conditions of the `limited(...)`
//! cells are written out by hand in each engine's language, from the spec.
//!
//! - [`cedar`]: a policy set with role entities (`limited_collaborator` <
//!   `collaborator` < `owner`), in four encodings ([`cedar::Encoding`]).
//! - [`rbac`]: a casbin RBAC model with role inheritance through `g`.
//! - [`workload`]: a deterministic mixed workload for the benchmark.
//! - [`harness`]: compares an engine with the crate on every cell and a set
//!   of contexts, naming each cell where they disagree.
//!
//! Not published; `cargo test` at the workspace root does not build it.

use collab_authz::{ResourceKind, Role};

pub mod cedar;
pub mod handwritten;
pub mod harness;
pub mod rbac;
pub mod workload;

/// Any setup error of a peer engine.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Every role that exists on `kind`, least privileged first, with the role
/// just below it on that kind (if any).
pub fn roles_with_lower(kind: ResourceKind) -> impl Iterator<Item = (Role, Option<Role>)> {
    let mut lower = None;
    Role::ALL
        .into_iter()
        .filter(move |&role| kind.has_role(role))
        .map(move |role| {
            let pair = (role, lower);
            lower = Some(role);
            pair
        })
}

/// Runs a future that never waits on I/O (casbin's setup with its memory
/// adapter) to completion on the current thread, without an async runtime.
pub fn block_on<F: Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::thread::yield_now();
    }
}
