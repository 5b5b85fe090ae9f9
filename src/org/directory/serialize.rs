//! `Serialize` for the directory views (feature `serde`): the shape the
//! JSON export writes, for callers with their own serializer.

use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

use super::{ByCollaborator, ByResource, CollaboratorGroup, Entry, ResourceGroup};

/// A membership inside a person's group: no email, the resource.
struct InPerson<'m>(Entry<'m>);
/// A membership inside a resource's group: the person, no resource.
struct InResource<'m>(Entry<'m>);

impl Serialize for InPerson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let m = &self.0;
        let mut s = serializer.serialize_struct("Entry", 4)?;
        s.serialize_field("resource", &ResourceText(m))?;
        s.serialize_field("role", m.role_id())?;
        s.serialize_field("status", &m.status())?;
        s.serialize_field("invited_at", &m.row.invited_at)?;
        s.end()
    }
}

/// A membership's resource, `{"kind", "id", "name"}`, from the arena.
struct ResourceText<'m, 'd>(&'m Entry<'d>);

impl Serialize for ResourceText<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (id, name) = self.0.resource_text();
        let mut s = serializer.serialize_struct("Resource", 3)?;
        s.serialize_field("kind", &self.0.row.kind)?;
        s.serialize_field("id", id)?;
        s.serialize_field("name", name)?;
        s.end()
    }
}

impl Serialize for InResource<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let m = &self.0;
        let mut s = serializer.serialize_struct("Member", 6)?;
        s.serialize_field("email", m.email_text())?;
        s.serialize_field("username", &m.username_text())?;
        s.serialize_field("two_factor", &m.two_factor())?;
        s.serialize_field("role", m.role_id())?;
        s.serialize_field("status", &m.status())?;
        s.serialize_field("invited_at", &m.row.invited_at)?;
        s.end()
    }
}

struct Seq<I>(core::cell::Cell<Option<I>>);

impl<I: Iterator<Item = T>, T: Serialize> Serialize for Seq<I> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        if let Some(items) = self.0.take() {
            for item in items {
                seq.serialize_element(&item)?;
            }
        }
        seq.end()
    }
}

fn seq<I>(items: I) -> Seq<I> {
    Seq(core::cell::Cell::new(Some(items)))
}

impl Serialize for CollaboratorGroup<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let p = self.person();
        let mut s = serializer.serialize_struct("Collaborator", 4)?;
        s.serialize_field("email", p.email().as_str())?;
        s.serialize_field("username", &p.username().map(|u| u.as_str()))?;
        s.serialize_field("two_factor", &p.two_factor())?;
        s.serialize_field("memberships", &seq(self.memberships().map(InPerson)))?;
        s.end()
    }
}

impl Serialize for ResourceGroup<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = self.resource();
        let mut s = serializer.serialize_struct("Resource", 4)?;
        s.serialize_field("kind", &r.kind())?;
        s.serialize_field("id", r.id())?;
        s.serialize_field("name", r.name())?;
        s.serialize_field("members", &seq(self.memberships().map(InResource)))?;
        s.end()
    }
}

impl Serialize for ByCollaborator<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("collaborators", &seq(self.iter()))?;
        map.end()
    }
}

impl Serialize for ByResource<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("resources", &seq(self.iter()))?;
        map.end()
    }
}
