//! The hot check, the cell lookup, the full decision and the iteration over
//! a permission set allocate nothing, measured with a counting global
//! allocator (`stats_alloc`, so this file needs no `unsafe`).
//!
//! The allocator counts every thread, so everything runs in one `#[test]`
//! and the counting region is kept as small as the calls under test.

use std::alloc::System;
use std::hint::black_box;
use std::time::Duration;

use collab_authz::{
    Action, Context, Decision, Permissions, ResourceKind, ReviewAppSettings, ReviewAppTrigger,
    Role, allows, decide, grants, matrix::cell, role_change,
};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Allocations (and reallocations) made while running `f`.
fn allocations_during(f: impl FnOnce()) -> usize {
    let region = Region::new(GLOBAL);
    f();
    let change = region.change();
    change.allocations + change.reallocations
}

#[test]
fn checks_and_decisions_allocate_nothing() {
    // Prepare everything that may allocate outside the counted regions.
    let contexts = [
        Context::new(),
        Context::new()
            .with_deployment_age(Duration::from_secs(60))
            .with_review_app_trigger(ReviewAppTrigger::ScmIntegration)
            .with_review_app_settings(ReviewAppSettings::AllowCreation),
        Context::new()
            .with_deployment_age(Duration::from_secs(30 * 24 * 3600))
            .with_review_app_trigger(ReviewAppTrigger::Manual)
            .with_review_app_settings(ReviewAppSettings::ForbidCreation),
    ];

    // Sanity: the counter sees a heap allocation, so a zero below means
    // something.
    let counted = allocations_during(|| {
        let v: Vec<u64> = black_box(Vec::with_capacity(16));
        drop(black_box(v));
    });
    assert!(
        counted >= 1,
        "the counting allocator saw {counted} allocations for a Vec"
    );

    let mut allowed = 0usize;
    let mut decisions = 0usize;
    let mut listed = 0usize;
    let counted = allocations_during(|| {
        for role in Role::ALL {
            for kind in ResourceKind::ALL {
                for action in Action::ALL {
                    allowed += usize::from(black_box(allows(
                        black_box(role),
                        black_box(kind),
                        black_box(action),
                    )));
                    black_box(cell(black_box(role), black_box(kind), black_box(action)));
                    for ctx in &contexts {
                        let decision: Decision = decide(role, kind, action, black_box(ctx));
                        decisions += usize::from(black_box(decision).is_allowed());
                    }
                }
                for action in grants(role, kind).any().actions() {
                    listed += black_box(action) as usize;
                }
                for action in black_box(Permissions::all()).actions() {
                    listed += black_box(action) as usize;
                }
            }
        }
    });
    assert_eq!(
        counted, 0,
        "allows/cell/decide/actions() allocated {counted} times"
    );
    // The loops really ran.
    assert!(allowed > 0 && decisions > allowed && listed > 0);

    errors_and_denials_explain_themselves_without_allocating();
}

/// A `core::fmt::Write` into a fixed buffer.
struct Fixed {
    buf: [u8; 512],
    len: usize,
}

impl core::fmt::Write for Fixed {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        self.buf
            .get_mut(self.len..end)
            .ok_or(core::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// A rejected id keeps the input without an allocator, and its message and
/// a denial's message are written without one too. (Called from the one
/// test: the allocator counts every thread.)
fn errors_and_denials_explain_themselves_without_allocating() {
    use core::fmt::Write as _;
    let long = "x".repeat(100);
    let mut out = Fixed {
        buf: [0; 512],
        len: 0,
    };
    let mut written = 0usize;
    let counted = allocations_during(|| {
        for input in [black_box("Owner"), black_box(long.as_str())] {
            if let Err(err) = input.parse::<Role>() {
                out.len = 0;
                if write!(out, "{err}").is_ok() {
                    written += out.len;
                }
            }
        }
        let denial = decide(
            Role::LimitedCollaborator,
            ResourceKind::DedicatedDatabase,
            Action::ViewConnectionDetails,
            black_box(&Context::new()),
        );
        if let Some(denial) = denial.denial() {
            out.len = 0;
            if write!(out, "{denial}").is_ok() {
                written += out.len;
            }
        }
        black_box(role_change(
            ResourceKind::DedicatedDatabase,
            black_box(Role::LimitedCollaborator),
            Role::Collaborator,
        ))
        .ok();
    });
    assert_eq!(counted, 0, "allocated {counted} times");
    // The three messages were written in full.
    assert!(written > 3 * 60, "wrote only {written} bytes");
    let text = core::str::from_utf8(out.buf.get(..out.len).unwrap_or_default()).unwrap_or("");
    assert!(text.contains("needs the collaborator role"), "{text}");
}
