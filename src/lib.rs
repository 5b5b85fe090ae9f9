#![doc = include_str!("../README.md")]
//!
//! # Crate map
//!
//! The data flows from the rules to the decisions:
//!
//! - [`Role`], [`ResourceKind`], [`Action`] (with its [`Scope`] and overview
//!   [`Category`]): the closed id sets of the spec.
//! - [`Permissions`]: a set of actions as one `u64`.
//! - [`matrix`]: the compile-time permission matrix, its proven invariants,
//!   the hot check [`allows`], the spec's [`Cell`]s and reverse queries.
//! - [`decide`]: the full [`Decision`] with conditions evaluated against a
//!   [`Context`] and denials explained.
//! - [`Overview`]: the six-row summary derived from the matrix.
//! - [`membership`] (feature `alloc`): a [`Roster`] per resource, its
//!   operations (invite, accept, change role, revoke, leave, ownership
//!   transfer) asked of the matrix, the [`Event`]s they emit and
//!   [`Roster::replay`].
//! - [`api`] (features `alloc` + `serde`): the platform's public-API
//!   collaborator objects, lists, single responses and events, converted
//!   into the crate's types.
//! - [`listing`] (feature `alloc`): a roster as the platform's CLI table.
//! - [`export`]: the whole matrix as CSV, Markdown or JSON, generated from
//!   the constants, written into any `core::fmt::Write`.
//! - [`CustomRole`]: a user-defined named permission set, checked like the
//!   built-in roles, its rules enforced at compile time with [`custom_role!`]
//!   and at run time; [`CustomRole::check_grant`] refuses escalation, and
//!   `CustomRole::check_grant_in` (feature `alloc`) asks a [`Roster`] who
//!   the granter is.
//! - [`Directory`] (feature `alloc`): many rosters in one directory with
//!   each person's [`TwoFactor`] status, grouped by collaborator or by
//!   resource, rendered as text, CSV (feature `csv`) or JSON (feature
//!   `json`).
//! - [`review`] (feature `alloc`): an access review of a directory at a
//!   caller-supplied time, typed [`Finding`]s with a [`Severity`] and a
//!   suggested [`Fix`], rendered as Markdown.
//! - [`plan`] (feature `alloc`): the ordered, minimal [`Plan`] of
//!   invitations, role changes and revocations that takes a roster to a
//!   desired set of (email, role), applied through the roster's operations.
//! - [`batch`]: many hot checks at once, into a slice or a bitmask, with
//!   no allocation and no branch per request.
//!
//! # Features
//!
//! - `std` (default): implements `std::error::Error`; implies `alloc`.
//! - `alloc`: heap-backed types, without the rest of `std`.
//! - `serde` (default): `Serialize`/`Deserialize` with the platform's ids.
//! - `alloc` enables [`membership`] and [`listing`]; `alloc` and `serde`
//!   together enable [`api`].
//! - `csv` (opt-in; needs `std`): `Directory::to_csv` and
//!   `Directory::write_csv`, with the `csv` crate.
//! - `json` (opt-in; needs `std` and `serde`): `Directory::to_json` and
//!   `Directory::write_json`, with `serde_json`.
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
#[cfg(all(feature = "alloc", feature = "serde"))]
pub mod api;
pub mod batch;
mod context;
mod custom_role;
mod decision;
#[cfg(feature = "alloc")]
mod directory;
mod error;
pub mod export;
#[cfg(feature = "alloc")]
pub mod listing;
pub mod matrix;
#[cfg(feature = "alloc")]
pub mod membership;
mod overview;
mod permissions;
#[cfg(feature = "alloc")]
mod plan;
mod resource;
#[cfg(feature = "alloc")]
mod review;
mod role;

pub use action::{Action, Category, Scope};
pub use context::{Context, ReviewAppSettings, ReviewAppTrigger};
pub use custom_role::{
    CustomRole, CustomRoleError, GrantError, Granter, MAX_NAME_LEN, NameError, validate_name,
    validate_permissions,
};
pub use decision::{
    DEPLOYMENT_LOG_WINDOW, Decision, Denial, DenialReason, MissingFact, Unmet, check_condition,
    decide, evaluate,
};
#[cfg(feature = "csv")]
pub use directory::CsvExportError;
#[cfg(feature = "json")]
pub use directory::JsonExportError;
#[cfg(feature = "alloc")]
pub use directory::{
    ByCollaborator, ByResource, CSV_HEADER, CollaboratorGroup, Directory, DirectoryBuilder,
    DirectoryError, Grouping, Membership, Person, ResourceGroup, TwoFactor, neutralize_cell,
};
pub use error::{Excerpt, IdKind, MAX_REJECTED_LEN, ParseIdError};
pub use export::{Export, Format, write_matrix};
pub use matrix::{
    Cell, Condition, Grants, Limit, Obligation, RoleChange, RoleChangeError, allows, cell, grants,
    lowest_role, role_change, roles_for,
};
#[cfg(feature = "alloc")]
pub use membership::{
    AcceptError, Account, AccountDeletedError, Advisory, ApplyEventError, ChangeRoleError,
    DeleteError, Email, EmailError, Event, EventError, EventKind, EventParts, IdentifierError,
    InvisibleCharacter, Invitation, InvitationToken, InviteError, LeaveError, Member, MemberError,
    MemberId, MemberParts, MemberRef, MemberStatus, Members, NotPermitted, RenameError,
    ReplayError, ReplayErrorKind, Resource, ResourceId, ResourceRef, RevokeError, Roster,
    RosterError, SCHEMA_VERSION, Timestamp, TokenDigest, TokenDigestError, TransferError,
    TransferRequest, Username,
};
#[cfg(feature = "alloc")]
pub use membership::{Classify, ErrorClass};
pub use overview::{Coverage, Overview};
pub use permissions::{Actions, Permissions};
#[cfg(feature = "alloc")]
pub use plan::{ApplyError, Plan, PlanError, Step, StepError, plan};
pub use resource::ResourceKind;
#[cfg(feature = "alloc")]
pub use review::{
    Detail, Finding, FindingKind, Fix, Report, ReviewPolicy, Severity, Usage, review,
};
pub use role::Role;
