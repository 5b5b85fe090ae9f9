//! The membership layer: the lifecycle operations one by one (each
//! refusal checked against the roster before and after), replay and
//! snapshots, values, the rotate-secrets advisory, account deletion and
//! expiry; a model-based property test of whole streams (`model`); the
//! stored forms (`serde`, `corpus`); error classes; hostile text; and
//! granting a custom role on a roster.

mod custom_grant;

// The lifecycle, operation by operation, over one shared fixture.
#[cfg(feature = "serde")]
mod fixture;

#[cfg(feature = "serde")]
mod accept;
#[cfg(feature = "serde")]
mod account_deletion;
#[cfg(feature = "serde")]
mod advisories;
#[cfg(feature = "serde")]
mod change_role;
#[cfg(feature = "serde")]
mod door;
#[cfg(feature = "serde")]
mod expiry;
#[cfg(feature = "serde")]
mod held_custom_roles;
#[cfg(feature = "serde")]
mod ids_and_email;
#[cfg(feature = "serde")]
mod invite;
#[cfg(feature = "serde")]
mod replay_apply;
#[cfg(feature = "serde")]
mod revoke_leave;
#[cfg(feature = "serde")]
mod snapshots;
#[cfg(feature = "serde")]
mod transfer;

// Whole streams against a model, the stored forms, and the edges.
#[cfg(feature = "serde")]
mod chain;
#[cfg(feature = "serde")]
mod corpus;
#[cfg(feature = "serde")]
mod email_nfc;
#[cfg(feature = "serde")]
mod error_class;
#[cfg(feature = "serde")]
mod hostile_text;
#[cfg(feature = "serde")]
mod model;
#[cfg(feature = "serde")]
mod serde;
#[cfg(feature = "serde")]
mod stored_edges;
#[cfg(feature = "serde")]
mod stored_forms;
#[cfg(feature = "serde")]
mod version_exhausted;
