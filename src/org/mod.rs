//! Organization tools: many rosters at once (feature `alloc`).
//!
//! - [`directory`]: every roster's members in one [`Directory`](directory::Directory),
//!   grouped by collaborator or by resource, exported as text, CSV
//!   (feature `csv`) or JSON (feature `json`);
//! - [`review`]: an access review of a directory at a caller-supplied
//!   time: typed findings with a severity and a suggested fix;
//! - [`plan`]: the ordered, minimal plan of invitations, role changes and
//!   revocations that takes a roster to a desired set of (email, role).
//!
//! The everyday entry points are re-exported at the crate root
//! ([`Directory`](crate::Directory), [`DirectoryBuilder`](crate::DirectoryBuilder),
//! [`review`](crate::review()), [`plan`](crate::plan())); the rest is
//! reached through these modules (`org::review::Finding`,
//! `org::plan::Step`, ...).

pub mod directory;
pub mod plan;
pub mod review;
