//! The rules: the spec's closed id sets, the compile-time permission
//! matrix and the checks that read it. `no_std`, no allocation, no I/O.
//!
//! In data-flow order: [`role`], [`resource_kind`] and [`action`] are the
//! ids; [`permissions`] is a set of actions as one `u64`; [`matrix`] gives
//! each (role, kind) its grants and proves its invariants at compile time,
//! and [`export`] writes it out; [`context`] carries the facts a
//! conditional cell needs and [`decision`] turns a request into an
//! explained [`Decision`](decision::Decision); [`overview`] summarises the
//! matrix; [`custom_role`] checks a user-defined permission set against it;
//! [`labels`] puts a denial into people's words.
//!
//! The module is private: its items are re-exported at the crate root
//! (`collab_authz::Role`, ...), [`matrix`] and [`export`] also as
//! `collab_authz::matrix` and `collab_authz::export`. Nothing here imports
//! from a layer above (membership, api, org).

pub mod action;
pub mod context;
pub mod custom_role;
pub mod decision;
pub mod export;
pub mod labels;
pub mod matrix;
pub mod overview;
pub mod permissions;
pub mod resource_kind;
pub mod role;
