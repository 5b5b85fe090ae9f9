//! A `no_std` consumer of `collab-authz`: it calls the hot check and the
//! full decision, and defines the panic handler a `no_std` artifact needs.
//! If `std` reaches the build (a dependency's default feature, an
//! unconditional `extern crate std`), the standard library's panic handler
//! collides with this one and the build fails.
//!
//! The panic handler is behind the `link-check` feature; CI builds this
//! package alone, with it, as a static library and `-C panic=abort` (a
//! `no_std` artifact has no unwinder): see `Cargo.toml`.
#![no_std]
#![forbid(unsafe_code)]

use collab_authz::{Action, Context, ResourceKind, Role, allows, decide};

/// Whether a limited collaborator may restart an app (they may).
#[must_use]
pub fn limited_may_restart() -> bool {
    allows(
        Role::LimitedCollaborator,
        ResourceKind::App,
        Action::Restart,
    )
}

/// Whether a limited collaborator may read a deployment log of unknown age
/// (they may not: the condition cannot be checked).
#[must_use]
pub fn limited_may_read_logs_of_unknown_age() -> bool {
    decide(
        Role::LimitedCollaborator,
        ResourceKind::App,
        Action::ViewDeploymentLogs,
        &Context::new(),
    )
    .is_allowed()
}

#[cfg(feature = "link-check")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}
