//! # Crate map
//!
//! Four layers, each importing only from the ones above it in this list;
//! the modules below follow the same order.
//!
//! 1. **Ids** (private module `id`): [`ParseIdError`], the error of every
//!    closed id set, and the macro that declares them. Imports nothing.
//! 2. **Rules** (`no_std`, no allocation; private module `rules`, its
//!    items re-exported here):
//!    - [`Role`], [`ResourceKind`], [`Action`] (with its [`Scope`] and
//!      overview [`Category`]): the closed id sets of the spec;
//!    - [`Permissions`]: a set of actions as one `u64`;
//!    - [`matrix`]: the compile-time permission matrix and its invariants,
//!      the hot check [`allows`], [`grants`], the spec's
//!      [`Cell`](matrix::Cell)s, reverse queries and [`role_change`]; and
//!      [`export`], the whole matrix as CSV, Markdown or JSON;
//!    - [`decide`] ([`decision`]): the full [`Decision`], conditions
//!      evaluated against a [`Context`], denials explained;
//!    - [`Overview`]: the six-row summary derived from the matrix;
//!    - [`CustomRole`]: a user-defined permission set, checked like the
//!      built-in roles, its rules enforced at compile time with
//!      [`custom_role!`] and at run time;
//!
//!    and beside them, [`batch`]: many hot checks at once, into a slice or
//!    a bitmask, with no allocation and no branch per request.
//! 3. **Membership** (feature `alloc`): [`membership`], a [`Roster`] per
//!    resource, its owner and [`Member`]s, and beside it [`listing`].
//!    - The door: [`Roster::decide`] answers every action for an actor
//!      from their own membership (a custom role is all its holder
//!      holds; denials say stranger, pending, deleted account, ...), and
//!      [`Roster::decide_command`] decides every change, one
//!      [`membership::Command`], into the events to append or an explicit
//!      no-op ([`membership::Outcome`]).
//!    - Operations: invite, accept, change role, revoke, leave, ownership
//!      transfer, account deletion, rename and deletion of the resource,
//!      each asked of the matrix and split in two: a pure `decide_*` that
//!      returns the [`Event`], and [`Roster::apply`], the one place an
//!      event changes a roster; the mutating methods are the two in a row.
//!    - Versions: [`Roster::replay`] and [`Roster::resume`] rebuild a
//!      roster from its events, each event's sequence number checked
//!      against the roster's [`version`](Roster::version).
//!    - Identities and secrets: invitation tokens are kept only as a
//!      SHA-256 digest; [`Email`], [`Username`] and the ids refuse
//!      invisible and control characters.
//!    - Errors: one type per operation under [`membership`], a shared
//!      [`NotPermitted`] cause, and for every error an [`ErrorClass`]
//!      ([`Classify`]) that a service maps to a status.
//!    - [`Roster::check_custom_grant`] asks a roster who grants a custom
//!      role; [`listing`] prints a roster as the platform's CLI table.
//! 4. **Interop and organization tools**, both over membership:
//!    - [`api`] (features `alloc` + `serde`): the platform's public-API
//!      collaborator objects, lists, responses and events, converted into
//!      the crate's types;
//!    - [`org`] (feature `alloc`): many rosters at once. A [`Directory`]
//!      ([`org::directory`]) groups them by collaborator or by resource
//!      and exports them as text, CSV (feature `csv`) or JSON (feature
//!      `json`); [`review`] ([`org::review`]) is an access review of a
//!      directory; [`plan`] ([`org::plan`]) is the minimal [`Plan`] that
//!      takes a roster to a desired set of (email, role).
//!
//! The behaviour the crate implements is written down in the repository's
//! `docs/permissions.md` (roles, kinds, the matrix, conditions, custom
//! roles, the export) and `docs/lifecycle.md` (memberships, events, the
//! API's JSON, listings). "The spec" in these docs means those two files.
//!
//! # Features
//!
//! - `std` (default): implements `std::error::Error`; implies `alloc`.
//! - `alloc`: heap-backed types, without the rest of `std`.
//! - `serde` (default): `Serialize`/`Deserialize` with the platform's ids.
//! - `alloc` enables [`membership`], [`listing`] and [`org`]; `alloc` and
//!   `serde` together enable [`api`].
//! - `csv` (opt-in; needs `std`): `Directory::to_csv` and
//!   `Directory::write_csv`, with the `csv` crate.
//! - `json` (opt-in; needs `std` and `serde`): `Directory::to_json` and
//!   `Directory::write_json`, with `serde_json`.
//!
//! With `--no-default-features` the rules, the matrix, [`allows`] and
//! [`decide`] build for `no_std` targets.
//!
//! ---
//!
#![doc = include_str!("../README.md")]
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

// 1. Ids.
mod id;

// 2. Rules, and batch checks beside them.
mod rules;

pub mod batch;
pub use rules::{decision, export, matrix};

// 3. Membership.
#[cfg(feature = "alloc")]
pub mod membership;

#[cfg(feature = "alloc")]
pub mod listing;

// 4. Interop and organization tools.
#[cfg(all(feature = "alloc", feature = "serde"))]
pub mod api;
#[cfg(feature = "alloc")]
pub mod org;

// The everyday names, in the same order.
pub use id::{Excerpt, IdKind, ParseIdError};
pub use rules::action::{Action, Category, Scope};
pub use rules::context::{Context, ReviewAppSettings, ReviewAppTrigger};
pub use rules::custom_role::{CustomRole, CustomRoleError, GrantError, Granter, NameError};
pub use rules::decision::{Decision, Denial, DenialReason, MissingFact, Unmet, decide};
pub use rules::labels::{Capitalized, Explanation};
pub use rules::matrix::{
    Grants, RoleChange, RoleChangeError, allows, grants, lowest_role, role_change,
};
pub use rules::overview::{Coverage, Overview};
pub use rules::permissions::{Actions, Permissions};
pub use rules::resource_kind::ResourceKind;
pub use rules::role::Role;

// The everyday membership names; the per-operation errors, the event
// parts, digests and the rest are reached as `membership::...`.
#[cfg(feature = "alloc")]
pub use membership::{
    Account, Classify, Email, ErrorClass, Event, Invitation, InvitationToken, Member, MemberId,
    MemberStatus, NotPermitted, Resource, ResourceId, Roster, Timestamp, Username,
};

#[cfg(feature = "alloc")]
pub use org::directory::{Directory, DirectoryBuilder, Grouping, TwoFactor};
#[cfg(feature = "alloc")]
pub use org::plan::{Plan, plan};
#[cfg(feature = "alloc")]
pub use org::review::{Report, ReviewPolicy, review};
