//! The public API's JSON read into the crate's types: collaborator lists
//! with every quirk, single responses, payloads in either shape, events;
//! fields of the wrong type named in the error; objects only, never arrays;
//! the unknown-username placeholder; a payload checked against its app.
#![expect(clippy::unwrap_used, reason = "tests")]
#![expect(clippy::indexing_slicing, reason = "tests index small known vectors")]

use crate::common::{at, email};
use collab_authz::api::{
    ApiEvent, ApiStatus, CollaboratorList, CollaboratorResponse, CollaboratorsPayload,
};
use collab_authz::membership::EventKind;
use collab_authz::{
    InvitationToken, Member, MemberId, MemberStatus, Resource, ResourceId, ResourceKind, Role,
    Username,
};

#[test]
fn api_list_with_every_quirk() {
    let json = r#"{
      "collaborators": [
        {"id": "c1", "email": "ada@example.com", "username": "n/a", "status": "pending",
         "user_id": null, "app_id": "app-1", "app_name": "billing", "is_limited": true,
         "invitation_link": "https://example.com/invite/abc"},
        {"id": "c2", "email": "Bob@Example.com", "username": "bob", "status": "accepted",
         "user_id": "us-2", "is_limited": false, "created_at": "2024-01-01", "nested": {"x": [1, 2]}},
        {"id": "c3", "email": "carol@example.com", "username": null, "status": "user account deleted"},
        {"id": "c4", "email": "dan@example.com", "status": "accepted", "is_limited": null}
      ],
      "meta": {"pagination": 1}
    }"#;
    let list: CollaboratorList = serde_json::from_str(json).unwrap();
    let c = list.collaborators();
    assert_eq!(c.len(), 4);
    assert_eq!(
        (c[0].username(), c[0].status(), c[0].role_in_listing()),
        (
            None,
            Some(ApiStatus::Pending),
            Some(Role::LimitedCollaborator)
        )
    );
    assert_eq!(
        c[0].invitation_link(),
        Some("https://example.com/invite/abc")
    );
    assert_eq!(c[0].app().unwrap().name(), "billing");
    assert_eq!(
        (c[1].username(), c[1].user_id(), c[1].role_in_listing()),
        (Some("bob"), Some("us-2"), Some(Role::Collaborator))
    );
    assert_eq!(
        (c[2].username(), c[2].status()),
        (None, Some(ApiStatus::UserAccountDeleted))
    );
    assert_eq!(
        (c[3].is_limited(), c[3].role_in_listing()),
        (None, Some(Role::Collaborator))
    );
    assert!(c[3].app().is_err());

    let members = list.to_members(at(0)).unwrap();
    assert_eq!(members[2].status(), MemberStatus::UserAccountDeleted);
    assert_eq!(members[1].email(), &email("bob@example.com"));
    assert_eq!(members[1].email().as_str(), "Bob@Example.com");

    let resource = c[0].app().unwrap();
    let owner = Member::new(collab_authz::membership::MemberParts {
        id: MemberId::new("own").unwrap(),
        email: email("owner@example.com"),
        username: Some(Username::new("olivia").unwrap()),
        status: MemberStatus::Owner,
        role: Role::Owner,
        custom_role: None,
        invited_at: at(0),
        expires_at: None,
        token: None,
    })
    .unwrap();
    let mut roster = list.to_roster(resource, owner.clone(), at(0)).unwrap();
    assert_eq!(roster.len(), 5);
    // The pending invitation's link is its token.
    roster
        .accept(
            &email("ada@example.com"),
            &InvitationToken::new("https://example.com/invite/abc").unwrap(),
            Username::new("ada").unwrap(),
            at(1),
        )
        .unwrap();
    // Into another resource: a present app_id must be its id.
    let other = Resource::new(ResourceKind::App, ResourceId::new("app-2").unwrap(), "x").unwrap();
    let err = list.to_roster(other, owner.clone(), at(0)).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"field `app_id`: collaborator of "app-1", not of "app-2""#
    );
    // The same list on a dedicated database: is_limited does not exist there.
    let db = Resource::new(
        ResourceKind::DedicatedDatabase,
        ResourceId::new("app-1").unwrap(),
        "db",
    )
    .unwrap();
    let err = list.to_roster(db, owner, at(0)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "field `is_limited`: role limited_collaborator does not exist on a dedicated_database"
    );
}

#[test]
fn api_single_response_and_missing_fields() {
    let one: CollaboratorResponse =
        serde_json::from_str(r#"{"collaborator": {"email": "ada@example.com"}}"#).unwrap();
    assert_eq!(one.collaborator().email(), Some("ada@example.com"));
    assert_eq!(
        one.collaborator().to_member(at(0)).unwrap_err().to_string(),
        "field `id` is missing or null"
    );
    let one: CollaboratorResponse =
        serde_json::from_str(r#"{"collaborator": {"id": "c", "email": "ada@example.com"}}"#)
            .unwrap();
    assert_eq!(
        one.collaborator().to_member(at(0)).unwrap_err().to_string(),
        "field `status` is missing or null"
    );
    let one: CollaboratorResponse =
        serde_json::from_str(r#"{"collaborator": {"id": "c", "status": "accepted"}}"#).unwrap();
    assert_eq!(
        one.collaborator().to_member(at(0)).unwrap_err().to_string(),
        "field `email` is missing or null"
    );
    let one: CollaboratorResponse = serde_json::from_str(
        r#"{"collaborator": {"id": "c", "email": "nope", "status": "accepted"}}"#,
    )
    .unwrap();
    assert_eq!(
        one.collaborator().to_member(at(0)).unwrap_err().to_string(),
        "field `email`: email must contain exactly one '@'"
    );
    let one: CollaboratorResponse = serde_json::from_str(
        r#"{"collaborator": {"id": "", "email": "a@b.c", "status": "accepted"}}"#,
    )
    .unwrap();
    assert_eq!(
        one.collaborator().to_member(at(0)).unwrap_err().to_string(),
        "field `id`: identifier is empty"
    );
    // Everything missing is still an object we can read.
    let empty: CollaboratorResponse = serde_json::from_str(r#"{"collaborator": {}}"#).unwrap();
    assert_eq!(empty.collaborator().status(), None);
    assert!(serde_json::from_str::<CollaboratorResponse>("{}").is_err());
}

#[test]
fn api_wrong_types_name_the_field() {
    let rows = [
        (r#"{"id": 5}"#, "field `id`"),
        (r#"{"email": ["a"]}"#, "field `email`"),
        (r#"{"username": false}"#, "field `username`"),
        (r#"{"status": 1}"#, "field `status`"),
        (r#"{"status": "banned"}"#, "field `status`"),
        (r#"{"status": "Accepted"}"#, "field `status`"),
        (r#"{"user_id": {}}"#, "field `user_id`"),
        (r#"{"app_id": 1.5}"#, "field `app_id`"),
        (r#"{"app_name": true}"#, "field `app_name`"),
        (r#"{"is_limited": "yes"}"#, "field `is_limited`"),
        (r#"{"invitation_link": 3}"#, "field `invitation_link`"),
    ];
    for (object, field) in rows {
        let err = serde_json::from_str::<CollaboratorResponse>(&format!(
            r#"{{"collaborator": {object}}}"#
        ))
        .unwrap_err();
        assert!(err.to_string().contains(field), "{object}: {err}");
        let err = serde_json::from_str::<CollaboratorList>(&format!(
            r#"{{"collaborators": [{object}]}}"#
        ))
        .unwrap_err();
        assert!(err.to_string().contains(field), "{object}: {err}");
    }
    let err = serde_json::from_str::<CollaboratorList>(r#"{"collaborators": "none"}"#).unwrap_err();
    assert!(err.to_string().contains("field `collaborators`"), "{err}");
    let err = serde_json::from_str::<CollaboratorList>(r#"{"collaborators": [1]}"#).unwrap_err();
    assert!(err.to_string().contains("collaborator object"), "{err}");
    let err =
        serde_json::from_str::<CollaboratorsPayload>(r#"{"collaborators": [1]}"#).unwrap_err();
    assert!(err.to_string().contains("collaborator object"), "{err}");
}

#[test]
fn api_payload_takes_either_shape() {
    let list: CollaboratorsPayload =
        serde_json::from_str(r#"{"collaborators": [{"email": "a@b.c"}, {}]}"#).unwrap();
    assert_eq!(list.collaborators().len(), 2);
    assert!(matches!(list, CollaboratorsPayload::List(_)));
    let one: CollaboratorsPayload =
        serde_json::from_str(r#"{"collaborator": {"email": "a@b.c"}, "x": 1}"#).unwrap();
    assert_eq!(one.collaborators().len(), 1);
    for bad in [
        r#"{}"#,
        r#"{"collaborator": {}, "collaborators": []}"#,
        "[]",
        "null",
        r#"{"collaborator": 1}"#,
    ] {
        assert!(
            serde_json::from_str::<CollaboratorsPayload>(bad).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn api_events() {
    for (name, kind) in [
        ("new_collaborator", EventKind::Invited),
        ("accept_collaborator", EventKind::Accepted),
        ("delete_collaborator", EventKind::Removed),
        ("change_collaborator_role", EventKind::RoleChanged),
        ("collaborator_invited", EventKind::Invited),
        ("collaborator_role_changed", EventKind::RoleChanged),
    ] {
        let json = format!(
            r#"{{"id": "ev-1", "type": "{name}", "created_at": "2024-05-01T10:00:00Z",
                "user": {{"email": "owner@example.com"}},
                "type_data": {{"collaborator": {{"id": "c1", "email": "ada@example.com",
                "username": "n/a", "status": "pending", "is_limited": true}}}}}}"#
        );
        let event: ApiEvent = serde_json::from_str(&json).unwrap();
        assert_eq!(event.kind(), kind);
        assert_eq!(event.collaborator().email(), Some("ada@example.com"));
        assert_eq!(event.collaborator().username(), None);
    }
    for bad in [
        r#"{"type": "new_app", "type_data": {"collaborator": {}}}"#,
        r#"{"type": "roster_created", "type_data": {"collaborator": {}}}"#,
        // The crate's own kinds have no API event type.
        r#"{"type": "ownership_transfer_requested", "type_data": {"collaborator": {}}}"#,
        r#"{"type": "ownership_transfer_cancelled", "type_data": {"collaborator": {}}}"#,
        r#"{"type": "collaborator_account_deleted", "type_data": {"collaborator": {}}}"#,
        r#"{"type": 3, "type_data": {"collaborator": {}}}"#,
    ] {
        let err = serde_json::from_str::<ApiEvent>(bad).unwrap_err();
        assert!(err.to_string().contains("field `type`"), "{bad}: {err}");
    }
    assert!(serde_json::from_str::<ApiEvent>(r#"{"type": "new_collaborator"}"#).is_err());
    assert!(
        serde_json::from_str::<ApiEvent>(r#"{"type": "new_collaborator", "type_data": {}}"#)
            .is_err()
    );
}

#[test]
fn api_objects_are_json_objects_never_arrays() {
    // serde's derive reads a struct from an array, by position; the API
    // never writes that, and a positional read would be silently wrong.
    type Read = fn(&str) -> Result<(), serde_json::Error>;
    let rows: [(&str, Read); 11] = [
        (r#"{"collaborator": []}"#, |j| {
            serde_json::from_str::<CollaboratorResponse>(j).map(drop)
        }),
        (
            r#"{"collaborator": ["1", "a@x.com", "ada", "accepted"]}"#,
            |j| serde_json::from_str::<CollaboratorResponse>(j).map(drop),
        ),
        (r#"[{"id": "1"}]"#, |j| {
            serde_json::from_str::<CollaboratorResponse>(j).map(drop)
        }),
        (
            r#"{"collaborators": [["1", "a@x.com", "ada", "accepted"]]}"#,
            |j| serde_json::from_str::<CollaboratorList>(j).map(drop),
        ),
        (r#"[[]]"#, |j| {
            serde_json::from_str::<CollaboratorList>(j).map(drop)
        }),
        (r#"{"collaborator": ["1", "a@x.com"]}"#, |j| {
            serde_json::from_str::<CollaboratorsPayload>(j).map(drop)
        }),
        (r#"{"collaborators": [["1"]]}"#, |j| {
            serde_json::from_str::<CollaboratorsPayload>(j).map(drop)
        }),
        (r#"[[], null]"#, |j| {
            serde_json::from_str::<CollaboratorsPayload>(j).map(drop)
        }),
        (r#"["new_collaborator", {"collaborator": {}}]"#, |j| {
            serde_json::from_str::<ApiEvent>(j).map(drop)
        }),
        (r#"{"type": "new_collaborator", "type_data": [{}]}"#, |j| {
            serde_json::from_str::<ApiEvent>(j).map(drop)
        }),
        (
            r#"{"type": "new_collaborator", "type_data": {"collaborator": ["1"]}}"#,
            |j| serde_json::from_str::<ApiEvent>(j).map(drop),
        ),
    ];
    for (json, read) in rows {
        let err = read(json).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("invalid type: sequence") && msg.contains("a JSON object"),
            "{json}: {msg}"
        );
    }
    // The error says what was expected.
    let err = serde_json::from_str::<CollaboratorResponse>(r#"{"collaborator": []}"#).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid type: sequence, expected a collaborator object (a JSON object)"),
        "{err}"
    );
    // Objects still read, unknown fields ignored.
    let ok: CollaboratorResponse =
        serde_json::from_str(r#"{"collaborator": {"id": "1", "x": [1]}, "y": 2}"#).unwrap();
    assert_eq!(ok.collaborator().id(), Some("1"));
}

#[test]
fn an_empty_username_reads_as_unknown() {
    for username in [r#""""#, r#""n/a""#, "null"] {
        let one: CollaboratorResponse = serde_json::from_str(&format!(
            r#"{{"collaborator": {{"id": "1", "email": "a@x.com", "status": "pending", "username": {username}}}}}"#
        ))
        .unwrap();
        assert_eq!(one.collaborator().username(), None, "{username}");
        let member = one.collaborator().to_member(at(0)).unwrap();
        assert_eq!(member.username(), None, "{username}");
    }
    // A control character is still an error naming the field.
    let one: CollaboratorResponse = serde_json::from_str(
        r#"{"collaborator": {"id": "1", "email": "a@x.com", "status": "accepted", "username": "a\u0007"}}"#,
    )
    .unwrap();
    let err = one.collaborator().to_member(at(0)).unwrap_err();
    assert!(err.to_string().contains("field `username`"), "{err}");
}

#[test]
fn a_payload_checks_its_app_and_duplicates() {
    let owner = Member::new(collab_authz::membership::MemberParts {
        id: MemberId::new("own").unwrap(),
        email: email("owner@example.com"),
        username: None,
        status: MemberStatus::Owner,
        role: Role::Owner,
        custom_role: None,
        invited_at: at(0),
        expires_at: None,
        token: None,
    })
    .unwrap();
    let app =
        |id: &str| Resource::new(ResourceKind::App, ResourceId::new(id).unwrap(), "a").unwrap();
    let read = |json: &str| serde_json::from_str::<CollaboratorsPayload>(json).unwrap();
    let one = read(
        r#"{"collaborator": {"id": "1", "email": "a@x.com", "status": "accepted", "app_id": "app-9"}}"#,
    );
    assert!(one.to_roster(app("app-9"), owner.clone(), at(0)).is_ok());
    let err = one
        .to_roster(app("app-1"), owner.clone(), at(0))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"field `app_id`: collaborator of "app-9", not of "app-1""#
    );
    let dup = read(
        r#"{"collaborators": [{"id": "1", "email": "a@x.com", "status": "accepted"},
                              {"id": "2", "email": "A@X.com", "status": "pending"}]}"#,
    );
    let err = dup
        .to_roster(app("app-1"), owner.clone(), at(0))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "roster: A@X.com has more than one membership"
    );
    let dup_id = read(
        r#"{"collaborators": [{"id": "1", "email": "a@x.com", "status": "accepted"},
                              {"id": "1", "email": "b@x.com", "status": "pending"}]}"#,
    );
    assert!(dup_id.to_roster(app("app-1"), owner, at(0)).is_err());
}
