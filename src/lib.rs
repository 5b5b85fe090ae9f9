#![doc = include_str!("../README.md")]
//!
//! # Crate map
//!
//! The data flows from the rules to the decisions:
//!
//! - [`Role`], [`ResourceKind`], [`Action`] (with its [`Scope`] and overview
//!   [`Category`]): the closed id sets of the spec.
//! - [`Permissions`]: a set of actions as one `u64` (`bitflags`).
//! - [`matrix`]: the compile-time permission matrix, its proven invariants,
//!   the hot check [`allows`], the spec's [`Cell`]s and reverse queries.
//! - [`decide`]: the full [`Decision`] with conditions evaluated against a
//!   [`Context`] and denials explained.
//! - [`Overview`]: the six-row summary derived from the matrix.
//! - [`batch`]: many hot checks at once, into a slice or a bitmask, with
//!   no allocation and no branch per request.
//!
//! # Features
//!
//! - `std` (default): implements `std::error::Error`; implies `alloc`.
//! - `alloc`: heap-backed types, without the rest of `std`.
//! - `serde` (default): `Serialize`/`Deserialize` with the platform's ids.
//!
//! With `--no-default-features` the rules, the matrix, [`allows`] and
//! [`decide`] build for `no_std` targets.
#![no_std]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod action;
pub mod batch;
mod context;
mod decision;
mod error;
pub mod matrix;
mod overview;
mod permissions;
mod resource;
mod role;

pub use action::{Action, Category, Scope};
pub use context::{Context, ReviewAppSettings, ReviewAppTrigger};
pub use decision::{DEPLOYMENT_LOG_WINDOW, Decision, Denial, DenialReason, decide, evaluate};
pub use error::{IdKind, ParseIdError};
pub use matrix::{
    Cell, Condition, Grants, Limit, Obligation, RoleChange, allows, cell, grants, lowest_role,
    role_change, roles_for,
};
pub use overview::{Coverage, Overview};
pub use permissions::{Actions, Permissions};
pub use resource::ResourceKind;
pub use role::Role;
