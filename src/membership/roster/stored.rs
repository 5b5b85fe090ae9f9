//! The roster's stored form (its serde `Serialize` and `Deserialize`):
//! a snapshot with its schema version, read back with every invariant
//! checked again.

use alloc::boxed::Box;

use super::Roster;
use crate::membership::chain::LogDigest;
use crate::membership::error::RosterError;
use crate::membership::event::Event;
use crate::membership::member::{
    Member, MemberId, Resource, SCHEMA_VERSION, reads_schema_version, schema_version,
};
use crate::membership::transfer::TransferRequest;

impl Roster {
    /// Whether a member, or the awaiting transfer event, holds a custom
    /// role: what decides the snapshot's stored schema version.
    fn holds_custom_role(&self) -> bool {
        core::iter::once(&self.owner)
            .chain(self.members())
            .any(|m| m.custom_role().is_some())
            || self
                .awaiting
                .as_deref()
                .is_some_and(Event::holds_custom_role)
    }
}

impl serde::Serialize for Roster {
    /// Writes a snapshot: `"v"` (the schema version), `version`, `head`
    /// (the [`LogDigest`] of the stream up to it, when it is chained), the
    /// resource, the owner, the members in their order, and the pending
    /// transfer, secret-access history, deletion and awaiting transfer
    /// event when there are any.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;

        struct All<'a>(&'a Roster);
        impl serde::Serialize for All<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.members())
            }
        }

        let mut s = serializer.serialize_struct("Roster", 10)?;
        s.serialize_field("v", &schema_version(self.holds_custom_role()))?;
        s.serialize_field("version", &self.version)?;
        // The head digest of a chained stream; a roster with no chained
        // event yet writes none (and reads back as such).
        if self.head.is_genesis() {
            s.skip_field("head")?;
        } else {
            s.serialize_field("head", &self.head)?;
        }
        s.serialize_field("resource", &self.resource)?;
        s.serialize_field("owner", &self.owner)?;
        s.serialize_field("members", &All(self))?;
        if let Some(request) = &self.pending_transfer {
            s.serialize_field("pending_transfer", request)?;
        } else {
            s.skip_field("pending_transfer")?;
        }
        s.serialize_field("secret_access", &self.secret_access)?;
        if self.deleted {
            s.serialize_field("deleted", &true)?;
        } else {
            s.skip_field("deleted")?;
        }
        if let Some(event) = &self.awaiting {
            s.serialize_field("awaiting_event", event)?;
        } else {
            s.skip_field("awaiting_event")?;
        }
        s.end()
    }
}

/// Why a snapshot's schema version cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "unsupported snapshot schema version {0} (this version reads 1 without a custom role, and 2 to {SCHEMA_VERSION})"
)]
struct UnsupportedSnapshot(u64);

impl<'de> serde::Deserialize<'de> for Roster {
    /// Reads a snapshot of schema version 1 or 2 ([`SCHEMA_VERSION`]; a
    /// custom role only at 2; unknown fields ignored, another `v` refused) and checks every invariant
    /// again ([`Roster::from_parts`], its checks linear: each member's own
    /// rules in one pass, the uniqueness of emails and ids through sorted
    /// keys), the pending transfer
    /// ([`Roster::with_pending_transfer`]), the secret-access history
    /// ([`Roster::with_secret_access_history`]; when missing, presumed as
    /// `from_parts` does) and the awaiting transfer event included.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw {
            #[serde(default, deserialize_with = "crate::id::serde_id::read_u64")]
            v: u64,
            #[serde(deserialize_with = "crate::id::serde_id::read_u64")]
            version: u64,
            resource: Resource,
            owner: Member,
            #[serde(default, deserialize_with = "crate::id::serde_id::read_list")]
            members: alloc::vec::Vec<Member>,
            #[serde(default)]
            pending_transfer: Option<TransferRequest>,
            #[serde(default, deserialize_with = "crate::id::serde_id::read_optional_list")]
            secret_access: Option<alloc::vec::Vec<MemberId>>,
            #[serde(default, deserialize_with = "crate::id::serde_id::read_bool")]
            deleted: bool,
            #[serde(default)]
            awaiting_event: Option<Event>,
            #[serde(default)]
            head: Option<LogDigest>,
        }
        let raw: Raw = crate::id::serde_id::structure(
            deserializer,
            "Roster",
            &[
                "v",
                "version",
                "resource",
                "owner",
                "members",
                "pending_transfer",
                "secret_access",
                "deleted",
                "awaiting_event",
                "head",
            ],
        )?;
        let holds_custom_role = core::iter::once(&raw.owner)
            .chain(&raw.members)
            .any(|m| m.custom_role().is_some())
            || raw
                .awaiting_event
                .as_ref()
                .is_some_and(Event::holds_custom_role);
        if !reads_schema_version(raw.v, holds_custom_role) {
            return Err(serde::de::Error::custom(UnsupportedSnapshot(raw.v)));
        }
        if raw.version == 0 || raw.version > Event::MAX_SEQ {
            return Err(serde::de::Error::custom(RosterError::VersionOutOfRange {
                found: raw.version,
            }));
        }
        // Without a stored history, it is presumed as `from_parts` does.
        let presume = raw.secret_access.is_none();
        let mut roster = Roster::from_members(raw.resource, raw.owner, raw.members, presume)
            .map_err(serde::de::Error::custom)?;
        if let Some(history) = raw.secret_access {
            roster = roster
                .with_stored_history(history)
                .map_err(serde::de::Error::custom)?;
        }
        if let Some(request) = raw.pending_transfer {
            roster = roster
                .with_pending_transfer(request)
                .map_err(serde::de::Error::custom)?;
        }
        roster.version = raw.version;
        // A snapshot written before the chain existed has no head: the
        // stream up to it is unchained.
        roster.head = raw.head.unwrap_or(LogDigest::GENESIS);
        roster.deleted = raw.deleted;
        if let Some(event) = raw.awaiting_event {
            roster
                .check_awaiting(&event)
                .map_err(serde::de::Error::custom)?;
            roster.awaiting = Some(Box::new(event));
        }
        Ok(roster)
    }
}
