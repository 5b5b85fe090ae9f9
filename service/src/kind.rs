//! The one resource-kind seam: everything the service says differently
//! about an app and a dedicated database. Routes are generic over
//! [`Kind`] and instantiated for [`App`] and [`Database`]; code that holds
//! a [`ResourceKind`] value asks the functions here. The crate's own id of
//! a kind ([`ResourceKind::id`]) is what is stored.

use collab_authz::ResourceKind;

/// A resource kind at the type level, so that a route is written once and
/// mounted for each kind.
pub trait Kind: Send + Sync + 'static {
    /// The crate's kind.
    const KIND: ResourceKind;
}

/// The app routes' kind.
#[derive(Debug, Clone, Copy)]
pub struct App;

impl Kind for App {
    const KIND: ResourceKind = ResourceKind::App;
}

/// The dedicated-database routes' kind.
#[derive(Debug, Clone, Copy)]
pub struct Database;

impl Kind for Database {
    const KIND: ResourceKind = ResourceKind::DedicatedDatabase;
}

/// `app` or `database`: the JSON key of one resource of `kind`, and the
/// word the API and the pages use for it.
#[must_use]
pub const fn singular(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::App => "app",
        ResourceKind::DedicatedDatabase => "database",
    }
}

/// `apps` or `databases`: the JSON key and the path segment of a list
/// (`/v1/apps`, `/databases/{db}/settings/...`).
#[must_use]
pub const fn plural(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::App => "apps",
        ResourceKind::DedicatedDatabase => "databases",
    }
}

/// The prefix of a new resource's id: `app_` or `db_`. Only ever used to
/// mint ids: the kind of a stored resource is read from its row, never
/// from its id.
#[must_use]
pub const fn id_prefix(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::App => "app_",
        ResourceKind::DedicatedDatabase => "db_",
    }
}

/// `/apps` or `/databases`: where the pages of a resource of `kind` live.
#[must_use]
pub const fn page_base(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::App => "/apps",
        ResourceKind::DedicatedDatabase => "/databases",
    }
}

/// `App` or `Database`: the kind as a column or a heading shows it.
#[must_use]
pub const fn label(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::App => "App",
        ResourceKind::DedicatedDatabase => "Database",
    }
}

#[cfg(test)]
mod tests {
    use collab_authz::ResourceKind;

    use super::{App, Database, Kind, id_prefix, label, page_base, plural, singular};

    #[test]
    fn each_kind_has_its_own_words() {
        assert_eq!(App::KIND, ResourceKind::App);
        assert_eq!(Database::KIND, ResourceKind::DedicatedDatabase);
        for kind in [ResourceKind::App, ResourceKind::DedicatedDatabase] {
            assert_eq!(plural(kind), format!("{}s", singular(kind)));
            assert_eq!(page_base(kind), format!("/{}", plural(kind)));
            assert_eq!(label(kind).to_lowercase(), singular(kind));
            assert!(id_prefix(kind).ends_with('_'));
        }
        assert_ne!(
            id_prefix(ResourceKind::App),
            id_prefix(ResourceKind::DedicatedDatabase)
        );
    }
}
