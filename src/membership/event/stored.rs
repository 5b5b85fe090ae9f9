//! The stored form of an [`Event`]: written with its schema version, read
//! back with every rule of [`Event::new`] checked again.

use alloc::string::String;

use super::{Advisory, Event, EventError, EventKind, EventParts};
use crate::membership::chain::LogDigest;
use crate::membership::digest::TokenDigest;
use crate::membership::email::Email;
use crate::membership::member::{
    Account, ResourceRef, Timestamp, reads_schema_version, schema_version,
};
use crate::rules::custom_role::CustomRole;
use crate::rules::role::Role;

impl serde::Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Event", 16)?;
        s.serialize_field("v", &schema_version(self.holds_custom_role()))?;
        s.serialize_field("seq", &self.seq)?;
        s.serialize_field("type", &self.kind)?;
        s.serialize_field("resource", &self.resource)?;
        match self.name.as_deref() {
            Some(name) => s.serialize_field("name", name)?,
            None => s.skip_field("name")?,
        }
        s.serialize_field("member", &self.member)?;
        s.serialize_field("role", &self.role)?;
        match &self.custom_role {
            Some(c) => s.serialize_field("custom_role", c)?,
            None => s.skip_field("custom_role")?,
        }
        match &self.previous_role {
            Some(r) => s.serialize_field("previous_role", r)?,
            None => s.skip_field("previous_role")?,
        }
        match &self.previous_custom_role {
            Some(c) => s.serialize_field("previous_custom_role", c)?,
            None => s.skip_field("previous_custom_role")?,
        }
        s.serialize_field("actor", &self.actor)?;
        s.serialize_field("at", &self.at)?;
        match &self.expires_at {
            Some(t) => s.serialize_field("expires_at", t)?,
            None => s.skip_field("expires_at")?,
        }
        match &self.token_digest {
            Some(t) => s.serialize_field("token_digest", t)?,
            None => s.skip_field("token_digest")?,
        }
        match &self.advisory {
            Some(a) => s.serialize_field("advisory", a)?,
            None => s.skip_field("advisory")?,
        }
        match &self.prev {
            Some(p) => s.serialize_field("prev", p)?,
            None => s.skip_field("prev")?,
        }
        s.end()
    }
}

impl<'de> serde::Deserialize<'de> for Event {
    /// Reads an event of schema version 1 or 2 ([`SCHEMA_VERSION`](crate::membership::SCHEMA_VERSION); a
    /// custom role only at 2): unknown fields are ignored, an unknown
    /// `type` or another `v` is refused
    /// ([`EventError::UnknownType`], [`EventError::UnsupportedVersion`]),
    /// and the fields must fit the kind ([`Event::new`]).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw<'a> {
            #[serde(default, deserialize_with = "crate::id::serde_id::read_u64")]
            v: u64,
            #[serde(deserialize_with = "crate::id::serde_id::read_u64")]
            seq: u64,
            #[serde(rename = "type", borrow)]
            kind: alloc::borrow::Cow<'a, str>,
            resource: ResourceRef,
            #[serde(default)]
            name: Option<String>,
            #[serde(borrow, deserialize_with = "read_account")]
            member: RawAccount<'a>,
            #[serde(default)]
            role: Option<Role>,
            #[serde(default)]
            custom_role: Option<CustomRole>,
            #[serde(default)]
            previous_role: Option<Role>,
            #[serde(default)]
            previous_custom_role: Option<CustomRole>,
            #[serde(borrow)]
            actor: alloc::borrow::Cow<'a, str>,
            at: Timestamp,
            #[serde(default)]
            expires_at: Option<Timestamp>,
            #[serde(default)]
            token_digest: Option<TokenDigest>,
            #[serde(default)]
            advisory: Option<Advisory>,
            #[serde(default)]
            prev: Option<LogDigest>,
        }
        let r: Raw<'_> = crate::id::serde_id::structure(
            deserializer,
            "Event",
            &[
                "v",
                "seq",
                "type",
                "resource",
                "name",
                "member",
                "role",
                "custom_role",
                "previous_role",
                "previous_custom_role",
                "actor",
                "at",
                "expires_at",
                "token_digest",
                "advisory",
                "prev",
            ],
        )?;
        let holds_custom_role = r.custom_role.is_some() || r.previous_custom_role.is_some();
        if !reads_schema_version(r.v, holds_custom_role) {
            return Err(serde::de::Error::custom(EventError::UnsupportedVersion {
                found: r.v,
            }));
        }
        fn read_account<'de: 'a, 'a, D: serde::Deserializer<'de>>(
            d: D,
        ) -> Result<RawAccount<'a>, D::Error> {
            crate::id::serde_id::structure(d, "Account", &["id", "email", "username"])
        }
        /// The member as stored, its email read in place.
        #[derive(serde::Deserialize)]
        struct RawAccount<'a> {
            id: crate::membership::member::MemberId,
            #[serde(borrow)]
            email: alloc::borrow::Cow<'a, str>,
            #[serde(default)]
            username: Option<crate::membership::member::Username>,
        }
        let kind = EventKind::from_name(&r.kind)
            .ok_or_else(|| serde::de::Error::custom(EventError::UnknownType))?;
        let email = Email::parse(&r.member.email).map_err(serde::de::Error::custom)?;
        // The actor is often the member (acceptances, leaves): parse once.
        let actor = if r.actor == r.member.email {
            email.clone()
        } else {
            Email::parse(&r.actor).map_err(serde::de::Error::custom)?
        };
        let member = Account {
            id: r.member.id,
            email,
            username: r.member.username,
        };
        Event::with_custom_roles(
            EventParts {
                seq: r.seq,
                kind,
                resource: r.resource,
                name: r.name,
                member,
                role: r.role,
                previous_role: r.previous_role,
                actor,
                at: r.at,
                expires_at: r.expires_at,
                token_digest: r.token_digest,
                advisory: r.advisory,
            },
            r.custom_role,
            r.previous_custom_role,
        )
        .map(|event| event.with_prev(r.prev))
        .map_err(serde::de::Error::custom)
    }
}
