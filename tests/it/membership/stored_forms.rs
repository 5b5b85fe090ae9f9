//! Fail closed in every form: no serialized or API form of a member reads
//! back to more rights than the member holds. For every form and every
//! member (built-in role or custom role, every status), reading the form
//! back either fails or yields a member whose effective permissions are a
//! subset of the original's ([`Member::effective_permissions`]).
//!
//! The forms: the stored member, the roster snapshot, the API
//! collaborator object (alone and as a list read into a roster), the
//! listing's and the directory's role text, and (feature `json` / `csv`)
//! the directory's JSON and CSV exports. The exports and the listing have
//! no reader in the crate: the reader here is the one a consumer of the
//! documented columns writes, which knows the built-in role ids (labels
//! for the listing) and refuses anything else.
#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

use collab_authz::api::{ApiCollaborator, CollaboratorList, ToApiError};
use collab_authz::membership::MemberParts;
use collab_authz::{
    CustomRole, Email, Member, MemberId, MemberStatus, Permissions, Resource, ResourceId,
    ResourceKind, Role, Roster, Timestamp, matrix,
};
use proptest::prelude::*;

use crate::common::cases;

fn t(s: u64) -> Timestamp {
    Timestamp::from_unix_seconds(s)
}

/// What a reader that knows only the built-in roles gives for a role
/// text and a status text: `None` when it refuses them.
fn built_in_reading(
    kind: ResourceKind,
    role: Option<Role>,
    status: Option<MemberStatus>,
) -> Option<Permissions> {
    let (role, status) = (role?, status?);
    if !kind.has_role(role) {
        return None;
    }
    Some(if status.is_active() {
        matrix::grants(role, kind).allowed()
    } else {
        Permissions::empty()
    })
}

/// Fails unless `read` is a subset of what `original` holds now.
fn no_wider(form: &str, original: &Member, kind: ResourceKind, read: Permissions) {
    let held = original.effective_permissions(kind);
    let extra = read.difference(held);
    assert!(
        extra.is_empty(),
        "{form}: {} ({:?}, {}) reads back with {extra} more",
        original.email(),
        original.status(),
        original.role_name(),
    );
}

/// A custom role of `kind` named `name` with the actions of `bits` that
/// a custom role may hold; `None` when none is left.
fn custom(name: &str, kind: ResourceKind, bits: u64) -> Option<CustomRole> {
    let allowed = kind.applicable_actions().difference(matrix::OWNER_ONLY);
    let set = Permissions::from_bits_truncate(bits).intersection(allowed);
    CustomRole::from_name(name, kind, set).ok()
}

#[derive(Debug, Clone)]
struct Case {
    kind: ResourceKind,
    status: MemberStatus,
    role: Role,
    custom: Option<CustomRole>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::select(ResourceKind::ALL.to_vec()),
        prop::sample::select(vec![
            MemberStatus::Pending,
            MemberStatus::Accepted,
            MemberStatus::UserAccountDeleted,
        ]),
        prop::sample::select(vec![Role::LimitedCollaborator, Role::Collaborator]),
        any::<bool>(),
        any::<u64>(),
        "[a-z][a-z0-9_-]{0,12}",
    )
        .prop_map(|(kind, status, role, with_custom, bits, name)| {
            let role = if kind.has_role(role) {
                role
            } else {
                Role::Collaborator
            };
            let custom = if with_custom {
                custom(&name, kind, bits)
            } else {
                None
            };
            Case {
                kind,
                status,
                role,
                custom,
            }
        })
}

fn build(case: &Case) -> (Resource, Member, Member) {
    let resource = match case.kind {
        ResourceKind::App => Resource::new(case.kind, ResourceId::new("app-1").unwrap(), "billing"),
        ResourceKind::DedicatedDatabase => {
            Resource::new(case.kind, ResourceId::new("db-1").unwrap(), "ledger")
        }
    }
    .unwrap();
    let owner = Member::new(MemberParts {
        id: MemberId::new("m-0").unwrap(),
        email: Email::parse("owner@example.com").unwrap(),
        username: None,
        status: MemberStatus::Owner,
        role: Role::Owner,
        custom_role: None,
        invited_at: t(0),
        expires_at: None,
        token: None,
    })
    .unwrap();
    let token = (case.status == MemberStatus::Pending).then(|| {
        collab_authz::InvitationToken::new("secret-1")
            .unwrap()
            .digest()
    });
    let mut member = Member::new(MemberParts {
        id: MemberId::new("m-1").unwrap(),
        email: Email::parse("ada@example.com").unwrap(),
        username: None,
        status: case.status,
        role: case.role,
        custom_role: None,
        invited_at: t(10),
        expires_at: None,
        token,
    })
    .unwrap();
    if let Some(c) = &case.custom {
        member = member.with_custom_role(c.clone()).unwrap();
    }
    (resource, owner, member)
}

/// Every form of `member` (and of the owner) read back, each checked.
fn check_every_form(resource: &Resource, owner: &Member, member: &Member) {
    let kind = resource.kind();

    // The stored member: reads back exactly (a custom role at version 2).
    for m in [owner, member] {
        let json = serde_json::to_string(m).unwrap();
        let back: Member = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, m);
        no_wider("stored member", m, kind, back.effective_permissions(kind));
    }

    // The parts: `Member::new(m.into_parts())` is the same member, its
    // custom role kept.
    for m in [owner, member] {
        let back = Member::new(m.clone().into_parts()).unwrap();
        assert_eq!(&back, m);
        no_wider("member parts", m, kind, back.effective_permissions(kind));
    }

    // The snapshot.
    let roster = Roster::from_parts(resource.clone(), owner.clone(), [member.clone()]).unwrap();
    let snapshot = serde_json::to_string(&roster).unwrap();
    let back: Roster = serde_json::from_str(&snapshot).unwrap();
    for m in [owner, member] {
        let read = back.get(m.email()).unwrap();
        assert_eq!(read.custom_role(), m.custom_role());
        no_wider("snapshot", m, kind, read.effective_permissions(kind));
    }

    // The API object: the owner has none; the platform's form refuses a
    // custom role (a reader that ignores unknown fields would read its
    // base role); the crate's form reads back, and never wider.
    assert_eq!(
        ApiCollaborator::from_member(owner, resource),
        Err(ToApiError::Owner)
    );
    assert_eq!(
        ApiCollaborator::from_member_with_custom_role(owner, resource),
        Err(ToApiError::Owner)
    );
    let object = ApiCollaborator::from_member_with_custom_role(member, resource).unwrap();
    let platform = ApiCollaborator::from_member(member, resource);
    match member.custom_role() {
        Some(c) => assert_eq!(
            platform,
            Err(ToApiError::CustomRole {
                name: c.name().to_string()
            })
        ),
        None => {
            // The platform's form is the crate's, and a plain reader's
            // role (the listing's flag) is the member's own.
            assert_eq!(platform.as_ref(), Ok(&object));
            assert_eq!(object.role_in_listing(), Some(member.role()));
        }
    }
    let json = serde_json::to_string(&object).unwrap();
    let read: ApiCollaborator = serde_json::from_str(&json).unwrap();
    // No built-in role is named for a custom role's holder.
    assert_eq!(
        read.role_in_listing().is_none(),
        member.custom_role().is_some()
    );
    let back = read.to_member(member.invited_at());
    assert!(
        back.is_ok(),
        "the API object of {member:?} does not read back: {back:?}"
    );
    let back = back.unwrap();
    assert_eq!(back.custom_role(), member.custom_role());
    no_wider("API object", member, kind, back.effective_permissions(kind));
    // A reader that drops `custom_role` is the widening this guards
    // against; the crate's reader refuses an object whose flag is not the
    // custom role's base.
    if let Some(c) = member.custom_role() {
        let base_is_limited = c.covering_role() == Some(Role::LimitedCollaborator);
        let flipped = read.clone().with_is_limited(!base_is_limited);
        assert!(flipped.to_member(member.invited_at()).is_err());
    }
    // The list response, read into a roster.
    let list = CollaboratorList::new(vec![object]);
    let json = serde_json::to_string(&list).unwrap();
    let list: CollaboratorList = serde_json::from_str(&json).unwrap();
    let from_api = list
        .to_roster(resource.clone(), owner.clone(), member.invited_at())
        .unwrap();
    let read = from_api.get(member.email()).unwrap();
    no_wider("API list", member, kind, read.effective_permissions(kind));

    // The listing prints the role's name: a reader that knows the
    // built-in labels refuses a custom role's (no custom name is a label
    // or an id: `NameError::Reserved`, no spaces).
    for m in [owner, member] {
        let role = Role::ALL
            .into_iter()
            .find(|r| r.label() == m.role_name() || r.id() == m.role_name());
        match built_in_reading(kind, role, Some(m.status())) {
            Some(read) => no_wider("listing", m, kind, read),
            None => assert!(m.custom_role().is_some()),
        }
    }

    exports(&roster, [owner, member]);
}

#[cfg(all(feature = "json", feature = "csv"))]
fn exports(roster: &Roster, members: [&Member; 2]) {
    use collab_authz::{DirectoryBuilder, Grouping, TwoFactor};

    let kind = roster.kind();
    let mut builder = DirectoryBuilder::new();
    builder.add_roster(roster);
    let directory = builder.build(|_| TwoFactor::Unknown).unwrap();

    // JSON, by resource: `role` and `status` of each member.
    let json: serde_json::Value =
        serde_json::from_str(&directory.to_json(Grouping::ByResource).unwrap()).unwrap();
    let rows = json["resources"][0]["members"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        let m = members
            .into_iter()
            .find(|m| m.email().as_str() == row["email"].as_str().unwrap())
            .unwrap();
        let role = row["role"].as_str().unwrap().parse::<Role>().ok();
        let status = serde_json::from_value::<MemberStatus>(row["status"].clone()).ok();
        match built_in_reading(kind, role, status) {
            Some(read) => no_wider("directory JSON", m, kind, read),
            None => assert!(m.custom_role().is_some()),
        }
    }

    // CSV, by resource: the columns by the header's names.
    let csv = directory.to_csv(Grouping::ByResource).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (email, role, status) = (col("email"), col("role"), col("status"));
    let mut seen = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let m = members
            .into_iter()
            .find(|m| m.email().as_str() == cells[email])
            .unwrap();
        let read = built_in_reading(
            kind,
            cells[role].parse::<Role>().ok(),
            cells[status].parse::<MemberStatus>().ok(),
        );
        match read {
            Some(read) => no_wider("directory CSV", m, kind, read),
            None => assert!(m.custom_role().is_some()),
        }
        seen += 1;
    }
    assert_eq!(seen, 2);
}

#[cfg(not(all(feature = "json", feature = "csv")))]
fn exports(_: &Roster, _: [&Member; 2]) {}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// Every form of every member reads back no wider than the member.
    #[test]
    fn no_form_reads_back_wider(case in case()) {
        let (resource, owner, member) = build(&case);
        check_every_form(&resource, &owner, &member);
    }
}

/// The case the issue names: an accepted member holding a custom role
/// whose base is collaborator. Before, the API object read back as a
/// collaborator; now it reads back as the custom role, and an object
/// whose `custom_role` field was dropped no longer agrees with it.
#[test]
fn the_api_object_of_a_custom_role_keeps_it() {
    let deployer = custom(
        "deployer",
        ResourceKind::App,
        Permissions::DEPLOY_ANY_BRANCH.bits(),
    )
    .unwrap();
    let case = Case {
        kind: ResourceKind::App,
        status: MemberStatus::Accepted,
        role: Role::Collaborator,
        custom: Some(deployer.clone()),
    };
    let (resource, owner, member) = build(&case);
    check_every_form(&resource, &owner, &member);

    let object = ApiCollaborator::from_member_with_custom_role(&member, &resource).unwrap();
    let mut json = serde_json::to_value(&object).unwrap();
    assert_eq!(json["is_limited"], false);
    let back: ApiCollaborator = serde_json::from_value(json.clone()).unwrap();
    let read = back.to_member(t(10)).unwrap();
    assert_eq!(read.custom_role(), Some(&deployer));
    assert_eq!(
        read.effective_permissions(ResourceKind::App),
        Permissions::DEPLOY_ANY_BRANCH
    );

    // A malformed custom role is an error naming the field, never
    // ignored (ignoring it would leave the base collaborator role).
    json["custom_role"]["permissions"] = serde_json::json!(["delete"]);
    let err = serde_json::from_value::<ApiCollaborator>(json).unwrap_err();
    assert!(
        err.to_string().starts_with("field `custom_role`: "),
        "{err}"
    );
}
