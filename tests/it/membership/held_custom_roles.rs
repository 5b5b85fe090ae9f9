//! Members who hold a custom role: granting one (and refusing
//! escalation), the one-AND check, events and snapshots, listings, the
//! directory and the access review.
#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
use super::fixture::DEPLOYER;
use crate::common::new_app;
use collab_authz::membership::{
    ApplyEventError, ChangeRoleError, EventError, InviteError, TransferError,
};
use collab_authz::org::review::{FindingKind, Usage};
use collab_authz::{
    Account, Action, Classify, CustomRole, DirectoryBuilder, Email, ErrorClass, Event, GrantError,
    Invitation, InvitationToken, Member, MemberId, MemberStatus, NotPermitted, Permissions,
    Resource, ResourceId, ResourceKind, ReviewPolicy, Role, Roster, Timestamp, TwoFactor, Username,
    custom_role, review,
};

/// Holds invite_collaborator and change_collaborator_role, and a little
/// more, but not view_env_var_values.
const RECRUITER: CustomRole = custom_role!(
    "recruiter",
    ResourceKind::App,
    Permissions::INVITE_COLLABORATOR
        .union(Permissions::CHANGE_COLLABORATOR_ROLE)
        .union(Permissions::VIEW_DEPLOYMENTS)
        .union(Permissions::DEPLOY_ANY_BRANCH)
        .union(Permissions::DEPLOY_DEFAULT_BRANCH)
        .union(Permissions::VIEW_DEPLOYMENT_LOGS),
);

const AUDITOR: CustomRole = custom_role!(
    "auditor",
    ResourceKind::App,
    Permissions::VIEW_ENV_VAR_VALUES.union(Permissions::VIEW_LOGS),
);

/// Only what a limited collaborator holds: the limited base.
const VIEWER: CustomRole = custom_role!("viewer", ResourceKind::App, Permissions::VIEW_DEPLOYMENTS);

const BACKUPS: CustomRole = custom_role!(
    "backups",
    ResourceKind::DedicatedDatabase,
    Permissions::CREATE_MANUAL_BACKUP,
);

fn t(s: u64) -> Timestamp {
    Timestamp::from_unix_seconds(s)
}

fn email(s: &str) -> Email {
    s.parse().unwrap()
}

fn invitation(id: &str, who: &str) -> Invitation {
    Invitation::new(
        MemberId::new(id).unwrap(),
        email(who),
        InvitationToken::new(format!("tok-{id}")).unwrap(),
    )
}

/// An app owned by owner@, and every event so far.
fn app() -> (Roster, Vec<Event>) {
    let (roster, created) = new_app("m0", "owner@example.com", Some("olivia"), 0);
    (roster, vec![created])
}

/// Invites `who` with `custom` (by the owner) and accepts.
fn join(roster: &mut Roster, events: &mut Vec<Event>, id: &str, who: &str, custom: CustomRole) {
    let owner = email("owner@example.com");
    events.push(
        roster
            .invite_custom(&owner, invitation(id, who), custom, t(10))
            .unwrap(),
    );
    let token = InvitationToken::new(format!("tok-{id}")).unwrap();
    events.push(
        roster
            .accept(&email(who), &token, Username::new(id).unwrap(), t(20))
            .unwrap(),
    );
}

#[test]
fn a_member_holds_a_custom_role_and_is_checked_by_its_set() {
    let (mut roster, mut events) = app();
    let ada = email("ada@example.com");
    let event = roster
        .invite_custom(
            &email("owner@example.com"),
            invitation("m1", "ada@example.com"),
            DEPLOYER,
            t(10),
        )
        .unwrap();
    assert_eq!(event.custom_role(), Some(&DEPLOYER));
    // The base: deploy_any_branch is not a limited collaborator's.
    assert_eq!(event.role(), Some(Role::Collaborator));
    events.push(event);
    // Pending: holds nothing yet.
    assert_eq!(roster.effective_permissions(&ada), Permissions::empty());
    let token = InvitationToken::new("tok-m1").unwrap();
    let accepted = roster.accept(&ada, &token, None, t(20)).unwrap();
    assert_eq!(accepted.custom_role(), Some(&DEPLOYER));
    events.push(accepted);

    let member = roster.get(&ada).unwrap();
    assert_eq!(member.custom_role(), Some(&DEPLOYER));
    assert_eq!(member.role_name(), "deployer");
    assert_eq!(member.role_id(), "deployer");
    assert_eq!(roster.effective_permissions(&ada), DEPLOYER.permissions());
    for action in Action::ALL {
        assert_eq!(
            roster.effective_permissions(&ada).has(action),
            DEPLOYER.allows(action),
            "{action}"
        );
    }
    // Its base role would allow managing collaborators; the custom role
    // does not.
    let err = roster.may(&ada, Action::InviteCollaborator).unwrap_err();
    assert_eq!(
        err,
        NotPermitted::CustomRoleLacks {
            kind: ResourceKind::App,
            action: Action::InviteCollaborator
        }
    );
    let before = roster.clone();
    let err = roster
        .invite(&ada, invitation("m9", "zed@example.com"), t(30))
        .unwrap_err();
    assert_eq!(
        err,
        InviteError::NotPermitted(NotPermitted::CustomRoleLacks {
            kind: ResourceKind::App,
            action: Action::InviteCollaborator
        })
    );
    assert_eq!(
        err.to_string(),
        "not permitted: the actor's custom role may not invite_collaborator on this app"
    );
    assert_eq!(roster, before, "a refused operation changes nothing");

    // Replay rebuilds the same roster.
    assert_eq!(Roster::replay(&events).unwrap(), roster);
}

#[test]
fn nobody_grants_an_action_they_do_not_hold() {
    let (mut roster, mut events) = app();
    join(
        &mut roster,
        &mut events,
        "m1",
        "rita@example.com",
        RECRUITER,
    );
    let rita = email("rita@example.com");
    let before = roster.clone();

    // The recruiter may invite with a custom role inside their own set.
    let deployer = roster
        .decide_invite_custom(&rita, invitation("m2", "dev@example.com"), DEPLOYER, t(30))
        .unwrap();
    assert_eq!(deployer.actor(), &rita);
    // But not the auditor: they hold neither view_env_var_values nor view_logs.
    let err = roster
        .invite_custom(&rita, invitation("m2", "aud@example.com"), AUDITOR, t(30))
        .unwrap_err();
    assert_eq!(
        err,
        InviteError::Grant(GrantError::Escalation {
            missing: Permissions::VIEW_ENV_VAR_VALUES | Permissions::VIEW_LOGS
        })
    );
    assert_eq!(err.class(), ErrorClass::NotPermitted);
    // Nor a built-in role holding more than they do.
    let err = roster
        .invite(
            &rita,
            invitation("m2", "col@example.com").with_role(Role::Collaborator),
            t(30),
        )
        .unwrap_err();
    assert!(
        matches!(err, InviteError::Grant(GrantError::Escalation { .. })),
        "{err}"
    );
    let err = roster
        .invite(&rita, invitation("m2", "lim@example.com"), t(30))
        .unwrap_err();
    assert!(
        matches!(err, InviteError::Grant(GrantError::Escalation { .. })),
        "{err}"
    );
    // A custom role of another kind.
    let err = roster
        .invite_custom(&rita, invitation("m2", "db@example.com"), BACKUPS, t(30))
        .unwrap_err();
    assert_eq!(
        err,
        InviteError::Grant(GrantError::WrongKind {
            role: ResourceKind::DedicatedDatabase,
            resource: ResourceKind::App
        })
    );
    assert_eq!(err.class(), ErrorClass::Invalid);
    // A custom role and a built-in role at once.
    let err = roster
        .invite_custom(
            &email("owner@example.com"),
            invitation("m2", "both@example.com").with_role(Role::Collaborator),
            DEPLOYER,
            t(30),
        )
        .unwrap_err();
    assert_eq!(err, InviteError::RoleAndCustomRole);
    assert_eq!(roster, before, "refusals change nothing");

    // The same rule as the roster's grant check.
    assert_eq!(
        roster.check_custom_grant(&rita, &AUDITOR),
        Err(GrantError::Escalation {
            missing: Permissions::VIEW_ENV_VAR_VALUES | Permissions::VIEW_LOGS
        })
    );
    assert_eq!(roster.check_custom_grant(&rita, &DEPLOYER), Ok(()));

    // Changing roles: to a custom role inside the set, yes; to one
    // outside it, or to a built-in role holding more, no.
    events.push(
        roster
            .invite(
                &email("owner@example.com"),
                invitation("m3", "bob@example.com").with_role(Role::Collaborator),
                t(40),
            )
            .unwrap(),
    );
    let bob = email("bob@example.com");
    let before = roster.clone();
    let err = roster
        .change_role_custom(&rita, &bob, AUDITOR, t(50))
        .unwrap_err();
    assert!(
        matches!(err, ChangeRoleError::Grant(GrantError::Escalation { .. })),
        "{err}"
    );
    let err = roster
        .change_role(&rita, &bob, Role::LimitedCollaborator, t(50))
        .unwrap_err();
    assert!(
        matches!(err, ChangeRoleError::Grant(GrantError::Escalation { .. })),
        "{err}"
    );
    assert_eq!(roster, before);
    events.push(
        roster
            .change_role_custom(&rita, &bob, DEPLOYER, t(50))
            .unwrap(),
    );
    assert_eq!(roster.get(&bob).unwrap().role_name(), "deployer");
    assert_eq!(Roster::replay(&events).unwrap(), roster);
}

#[test]
fn change_role_to_and_from_a_custom_role() {
    let (mut roster, mut events) = app();
    let owner = email("owner@example.com");
    let bob = email("bob@example.com");
    events.push(
        roster
            .invite(
                &owner,
                invitation("m1", "bob@example.com").with_role(Role::Collaborator),
                t(10),
            )
            .unwrap(),
    );
    let token = InvitationToken::new("tok-m1").unwrap();
    events.push(roster.accept(&bob, &token, None, t(11)).unwrap());

    // Collaborator -> auditor: keeps config vars but loses the rest of
    // data and secrets (for instance the data of add-ons): rotate.
    let to_auditor = roster
        .change_role_custom(&owner, &bob, AUDITOR, t(20))
        .unwrap();
    // The auditor reads config vars, which a limited collaborator may not:
    // the collaborator base.
    assert_eq!(to_auditor.role(), Some(Role::Collaborator));
    assert_eq!(to_auditor.previous_role(), Some(Role::Collaborator));
    assert_eq!(to_auditor.custom_role(), Some(&AUDITOR));
    assert_eq!(to_auditor.previous_custom_role(), None);
    events.push(to_auditor);
    assert_eq!(roster.effective_permissions(&bob), AUDITOR.permissions());

    // The same custom role again: refused, nothing changes.
    let before = roster.clone();
    assert_eq!(
        roster.change_role_custom(&owner, &bob, AUDITOR, t(21)),
        Err(ChangeRoleError::UnchangedCustom)
    );
    assert_eq!(roster, before);

    // Custom -> custom, then custom -> its own base built-in role: both changes.
    let to_deployer = roster
        .change_role_custom(&owner, &bob, DEPLOYER, t(30))
        .unwrap();
    assert_eq!(to_deployer.previous_custom_role(), Some(&AUDITOR));
    events.push(to_deployer);
    let base = roster.get(&bob).unwrap().role();
    let back = roster.change_role(&owner, &bob, base, t(40)).unwrap();
    assert_eq!(back.role(), back.previous_role());
    assert_eq!(back.custom_role(), None);
    assert_eq!(back.previous_custom_role(), Some(&DEPLOYER));
    events.push(back);
    assert_eq!(roster.get(&bob).unwrap().custom_role(), None);
    assert_eq!(
        roster.effective_permissions(&bob),
        collab_authz::grants(base, ResourceKind::App).allowed()
    );
    // Replay equals live, and decide-then-apply equals mutate.
    assert_eq!(Roster::replay(&events).unwrap(), roster);
    let mut decided = roster.clone();
    let event = roster
        .decide_change_role_custom(&owner, &bob, AUDITOR, t(50))
        .unwrap();
    decided.apply(&event).unwrap();
    let mutated_event = roster
        .change_role_custom(&owner, &bob, AUDITOR, t(50))
        .unwrap();
    assert_eq!(event, mutated_event);
    assert_eq!(decided, roster);
}

#[test]
fn a_custom_role_member_is_never_a_transfer_target_nor_owner() {
    let (mut roster, mut events) = app();
    join(&mut roster, &mut events, "m1", "dev@example.com", DEPLOYER);
    let owner = email("owner@example.com");
    let dev = email("dev@example.com");
    // Base collaborator, but the custom role is not the collaborator role.
    assert_eq!(roster.get(&dev).unwrap().role(), Role::Collaborator);
    assert_eq!(
        roster.request_transfer(&owner, &dev, t(30)),
        Err(TransferError::TargetHoldsCustomRole)
    );
    // The owner's membership cannot carry one.
    let err = roster
        .owner()
        .clone()
        .with_custom_role(DEPLOYER)
        .unwrap_err();
    assert_eq!(err, collab_authz::membership::MemberError::CustomRoleOwner);
    // A pending transfer to a collaborator is dropped when the target is
    // given a custom role.
    events.push(
        roster
            .invite(
                &owner,
                invitation("m2", "cat@example.com").with_role(Role::Collaborator),
                t(40),
            )
            .unwrap(),
    );
    let cat = email("cat@example.com");
    events.push(
        roster
            .accept(&cat, &InvitationToken::new("tok-m2").unwrap(), None, t(41))
            .unwrap(),
    );
    events.push(roster.request_transfer(&owner, &cat, t(42)).unwrap());
    assert!(roster.pending_transfer().is_some());
    events.push(
        roster
            .change_role_custom(&owner, &cat, DEPLOYER, t(43))
            .unwrap(),
    );
    assert!(roster.pending_transfer().is_none());
    assert_eq!(Roster::replay(&events).unwrap(), roster);
}

#[test]
fn events_and_snapshots_round_trip_with_the_optional_field() {
    let (mut roster, mut events) = app();
    join(&mut roster, &mut events, "m1", "dev@example.com", DEPLOYER);
    let owner = email("owner@example.com");
    events.push(
        roster
            .change_role_custom(&owner, &email("dev@example.com"), AUDITOR, t(30))
            .unwrap(),
    );
    for event in &events {
        let json = serde_json::to_string(event).unwrap();
        let back: Event = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, event);
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
        // The field is there only when a custom role is.
        assert_eq!(
            json.contains("\"custom_role\""),
            event.custom_role().is_some(),
            "{json}"
        );
    }
    let invited = serde_json::to_value(&events[1]).unwrap();
    assert_eq!(invited["custom_role"]["name"], "deployer");
    assert_eq!(
        invited["custom_role"]["permissions"],
        serde_json::json!([
            "deploy_any_branch",
            "view_deployments",
            "view_deployment_logs"
        ])
    );
    assert_eq!(invited["role"], "collaborator");
    let changed = serde_json::to_value(&events[3]).unwrap();
    assert_eq!(changed["previous_custom_role"]["name"], "deployer");

    let snapshot = serde_json::to_string(&roster).unwrap();
    let back: Roster = serde_json::from_str(&snapshot).unwrap();
    assert_eq!(back, roster);
    assert_eq!(serde_json::to_string(&back).unwrap(), snapshot);
    let value = serde_json::to_value(&roster).unwrap();
    assert_eq!(value["members"][0]["custom_role"]["name"], "auditor");
    assert!(value["owner"].get("custom_role").is_none());
}

/// A stored form that holds a custom role is written at schema version 2,
/// so that a reader that knows only version 1 refuses it instead of
/// reading the member as the custom role's base role (which holds more);
/// forms without one stay at version 1, and a custom role in a form that
/// says version 1 is refused.
#[test]
fn a_custom_role_is_stored_at_schema_version_2_and_refused_at_1() {
    let (mut roster, mut events) = app();
    let plain = serde_json::to_value(&roster).unwrap();
    assert_eq!(plain["v"], 1);
    join(&mut roster, &mut events, "m1", "dev@example.com", DEPLOYER);
    for event in &events {
        let mut value = serde_json::to_value(event).unwrap();
        let holds = event.custom_role().is_some() || event.previous_custom_role().is_some();
        assert_eq!(value["v"], if holds { 2 } else { 1 }, "{value}");
        if holds {
            value["v"] = 1.into();
            let err = serde_json::from_value::<Event>(value).unwrap_err();
            assert!(
                err.to_string()
                    .contains("unsupported event schema version 1"),
                "{err}"
            );
        } else {
            // Version 2 reads a form without a custom role too.
            value["v"] = 2.into();
            assert_eq!(&serde_json::from_value::<Event>(value).unwrap(), event);
        }
    }
    let mut snapshot = serde_json::to_value(&roster).unwrap();
    assert_eq!(snapshot["v"], 2);
    snapshot["v"] = 1.into();
    let err = serde_json::from_value::<Roster>(snapshot).unwrap_err();
    assert!(
        err.to_string()
            .contains("unsupported snapshot schema version 1"),
        "{err}"
    );
}

#[test]
fn stored_forms_that_break_the_custom_role_rules_are_refused() {
    let (mut roster, mut events) = app();
    join(&mut roster, &mut events, "m1", "dev@example.com", DEPLOYER);
    // An invitation whose role is not the custom role's base.
    let mut invited = serde_json::to_value(&events[1]).unwrap();
    invited["role"] = "limited_collaborator".into();
    let err = serde_json::from_value::<Event>(invited.clone()).unwrap_err();
    assert!(err.to_string().contains("custom role"), "{err}");
    // A custom role of another kind.
    invited["role"] = "collaborator".into();
    invited["custom_role"]["kind"] = "dedicated_database".into();
    assert!(serde_json::from_value::<Event>(invited).is_err());
    // An owner-only action inside.
    let mut invited = serde_json::to_value(&events[1]).unwrap();
    invited["custom_role"]["permissions"] = serde_json::json!(["delete"]);
    assert!(serde_json::from_value::<Event>(invited).is_err());
    // A role change to the same custom role.
    let parts = collab_authz::membership::EventParts {
        seq: 4,
        kind: collab_authz::membership::EventKind::RoleChanged,
        resource: roster.resource().to_ref(),
        name: None,
        member: roster.get(&email("dev@example.com")).unwrap().account(),
        role: Some(Role::Collaborator),
        previous_role: Some(Role::Collaborator),
        actor: email("owner@example.com"),
        at: t(30),
        expires_at: None,
        token_digest: None,
        advisory: None,
    };
    assert_eq!(
        Event::with_custom_roles(parts.clone(), Some(DEPLOYER), Some(DEPLOYER)),
        Err(EventError::Unchanged)
    );
    // A custom role whose base is not the event's role.
    assert_eq!(VIEWER.covering_role(), Some(Role::LimitedCollaborator));
    assert_eq!(
        Event::with_custom_roles(parts.clone(), Some(VIEWER), Some(DEPLOYER)),
        Err(EventError::CustomRole {
            kind: collab_authz::membership::EventKind::RoleChanged
        })
    );
    assert!(Event::with_custom_roles(parts, Some(AUDITOR), Some(DEPLOYER)).is_ok());

    // A snapshot whose member carries a custom role of another kind.
    let mut snapshot = serde_json::to_value(&roster).unwrap();
    snapshot["members"][0]["custom_role"]["kind"] = "dedicated_database".into();
    snapshot["members"][0]["custom_role"]["permissions"] =
        serde_json::json!(["create_manual_backup"]);
    let err = serde_json::from_value::<Roster>(snapshot).unwrap_err();
    assert!(err.to_string().contains("custom"), "{err}");
    // The owner with a custom role.
    let mut snapshot = serde_json::to_value(&roster).unwrap();
    snapshot["owner"]["custom_role"] = serde_json::to_value(&DEPLOYER).unwrap();
    assert!(serde_json::from_value::<Roster>(snapshot).is_err());

    // Applying an event re-decides it: an invitation edited to another
    // custom role the owner may grant applies as such; one whose actor
    // may not invite is refused.
    let mut forged = serde_json::to_value(&events[1]).unwrap();
    forged["custom_role"] = serde_json::to_value(&AUDITOR).unwrap();
    let forged: Event = serde_json::from_value(forged).unwrap();
    let (mut fresh, _) = app();
    fresh.apply(&forged).unwrap();
    assert_eq!(
        fresh.get(&email("dev@example.com")).unwrap().custom_role(),
        Some(&AUDITOR)
    );
    let mut stranger = serde_json::to_value(&events[1]).unwrap();
    stranger["actor"] = "nobody@example.com".into();
    let stranger: Event = serde_json::from_value(stranger).unwrap();
    let (mut fresh, _) = app();
    assert!(matches!(
        fresh.apply(&stranger),
        Err(ApplyEventError::Invite(InviteError::NotPermitted(_)))
    ));
}

#[test]
fn a_database_custom_role_has_the_collaborator_base() {
    let resource = Resource::new(
        ResourceKind::DedicatedDatabase,
        ResourceId::new("db-1").unwrap(),
        "main",
    )
    .unwrap();
    let owner = email("owner@example.com");
    let account = Account {
        id: MemberId::new("m0").unwrap(),
        email: owner.clone(),
        username: None,
    };
    let (mut roster, created) = Roster::create(resource, account, t(0));
    let event = roster
        .invite_custom(&owner, invitation("m1", "ops@example.com"), BACKUPS, t(1))
        .unwrap();
    assert_eq!(event.role(), Some(Role::Collaborator));
    let err = roster
        .invite_custom(&owner, invitation("m2", "dev@example.com"), DEPLOYER, t(1))
        .unwrap_err();
    assert!(matches!(
        err,
        InviteError::Grant(GrantError::WrongKind { .. })
    ));
    assert_eq!(Roster::replay(&[created, event]).unwrap(), roster);
}

#[test]
fn listings_and_the_directory_show_the_custom_name() {
    let (mut roster, mut events) = app();
    join(&mut roster, &mut events, "m1", "dev@example.com", DEPLOYER);
    let owner = email("owner@example.com");
    events.push(
        roster
            .invite(&owner, invitation("m2", "lim@example.com"), t(30))
            .unwrap(),
    );
    let table = collab_authz::listing::to_string(&roster);
    let dev_line = table
        .lines()
        .find(|l| l.contains("dev@example.com"))
        .unwrap();
    assert!(dev_line.contains("deployer"), "{table}");
    assert!(!dev_line.contains("collaborator"), "{table}");
    let lim_line = table
        .lines()
        .find(|l| l.contains("lim@example.com"))
        .unwrap();
    assert!(lim_line.contains("limited collaborator"), "{table}");

    let mut builder = DirectoryBuilder::new();
    builder.add_roster(&roster);
    let directory = builder.build(|_| TwoFactor::Enabled).unwrap();
    let by_resource = directory.by_resource().to_string();
    assert!(
        by_resource.contains("dev@example.com (m1): deployer, accepted"),
        "{by_resource}"
    );
    assert!(
        by_resource.contains("limited collaborator, pending"),
        "{by_resource}"
    );
    let by_person = directory.by_collaborator().to_string();
    assert!(by_person.contains("): deployer, accepted"), "{by_person}");
    let groups = directory.by_resource();
    let entry = groups
        .iter()
        .flat_map(|g| g.memberships().collect::<Vec<_>>())
        .find(|m| m.email().as_str() == "dev@example.com")
        .unwrap();
    assert_eq!(entry.role_id(), "deployer");
    assert_eq!(entry.role_name(), "deployer");
    assert_eq!(entry.role(), Role::Collaborator);
}

#[cfg(all(feature = "csv", feature = "json"))]
#[test]
fn exports_write_the_custom_name_and_keep_built_in_roles() {
    let (mut roster, mut events) = app();
    join(&mut roster, &mut events, "m1", "dev@example.com", DEPLOYER);
    events.push(
        roster
            .invite(
                &email("owner@example.com"),
                invitation("m2", "lim@example.com"),
                t(30),
            )
            .unwrap(),
    );
    let mut builder = DirectoryBuilder::new();
    builder.add_roster(&roster);
    let directory = builder.build(|_| TwoFactor::Enabled).unwrap();
    let csv = directory
        .to_csv(collab_authz::Grouping::ByResource)
        .unwrap();
    let dev = csv
        .lines()
        .find(|l| l.starts_with("dev@example.com"))
        .unwrap();
    assert!(dev.contains(",deployer,accepted,"), "{csv}");
    let lim = csv
        .lines()
        .find(|l| l.starts_with("lim@example.com"))
        .unwrap();
    assert!(lim.contains(",limited_collaborator,pending,"), "{csv}");
    let json = directory
        .to_json(collab_authz::Grouping::ByResource)
        .unwrap();
    assert!(json.contains("\"role\":\"deployer\""), "{json}");
    assert!(json.contains("\"role\":\"limited_collaborator\""), "{json}");
}

#[test]
fn the_review_reads_the_effective_permission_set() {
    let (mut roster, mut events) = app();
    // Deployer: no data or secrets. Auditor: config vars.
    join(&mut roster, &mut events, "m1", "dev@example.com", DEPLOYER);
    join(&mut roster, &mut events, "m2", "aud@example.com", AUDITOR);
    let mut builder = DirectoryBuilder::new();
    builder.add_roster(&roster);
    // Nobody has 2FA.
    let directory = builder.build(|_| TwoFactor::Disabled).unwrap();
    let mut usage = Usage::new();
    // The deployer used only what a limited collaborator holds: a custom
    // role that holds no more than it is not a "limited would do".
    usage.record(
        &email("dev@example.com"),
        &"app-1".parse().unwrap(),
        Permissions::VIEW_DEPLOYMENTS,
    );
    usage.record(
        &email("aud@example.com"),
        &"app-1".parse().unwrap(),
        Permissions::empty(),
    );
    let report = review(&directory, t(100), &ReviewPolicy::default(), &usage);
    let findings: Vec<(FindingKind, Option<&str>)> = report
        .findings()
        .iter()
        .map(|f| (f.kind(), f.email().map(Email::as_str)))
        .collect();
    // The auditor reads secrets without 2FA; the deployer, whose base
    // role (collaborator) would, does not.
    assert!(findings.contains(&(
        FindingKind::FullRightsWithoutTwoFactor,
        Some("aud@example.com")
    )));
    assert!(!findings.contains(&(
        FindingKind::FullRightsWithoutTwoFactor,
        Some("dev@example.com")
    )));
    assert!(
        !findings
            .iter()
            .any(|(k, _)| *k == FindingKind::LimitedWouldDo)
    );
    let unused = report
        .findings()
        .iter()
        .find(|f| f.kind() == FindingKind::UnusedAccess)
        .unwrap();
    assert_eq!(unused.email().map(Email::as_str), Some("aud@example.com"));
    assert_eq!(
        unused.fix(),
        collab_authz::org::review::Fix::RevokeMembership {
            rotate_secrets: true
        }
    );
}

#[test]
fn a_plan_moves_a_custom_role_holder_to_the_desired_built_in_role() {
    let (mut roster, mut events) = app();
    join(&mut roster, &mut events, "m1", "dev@example.com", DEPLOYER);
    let owner = email("owner@example.com");
    let dev = email("dev@example.com");
    // The desired role is the custom role's base: still a change.
    assert_eq!(roster.get(&dev).unwrap().role(), Role::Collaborator);
    let plan = collab_authz::plan(&roster, [(dev.clone(), Role::Collaborator)], &owner).unwrap();
    assert_eq!(plan.steps().len(), 1, "{:?}", plan.steps());
    // The step names the custom role held, never its base as theirs.
    assert_eq!(
        plan.steps()[0].to_string(),
        "change dev@example.com from deployer to collaborator"
    );
    // Revoking names it too.
    let revoke = collab_authz::plan(&roster, [], &owner).unwrap();
    assert_eq!(
        revoke
            .steps()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["revoke dev@example.com (deployer, accepted)"]
    );
    let applied = plan
        .apply(&mut roster, &owner, t(40), |_| {
            (
                MemberId::new("unused").unwrap(),
                InvitationToken::new("unused").unwrap(),
            )
        })
        .unwrap();
    events.extend(applied);
    assert_eq!(Roster::replay(&events).unwrap(), roster);
    let member: &Member = roster.get(&dev).unwrap();
    assert_eq!(member.custom_role(), None);
    assert_eq!(member.role(), Role::Collaborator);
    assert_eq!(member.status(), MemberStatus::Accepted);
    // Nothing left to do.
    let again = collab_authz::plan(&roster, [(dev, Role::Collaborator)], &owner).unwrap();
    assert!(again.steps().is_empty());
}

/// No public route names a built-in role as a custom role holder's
/// rights: `effective_role` is `None`, the denial names no role, the
/// review and the plan name the custom role, and rebuilding the member
/// from its parts keeps the custom role.
#[test]
fn no_route_names_the_base_role_as_a_custom_role_holders_rights() {
    use collab_authz::membership::{MemberError, MemberParts};
    use collab_authz::org::review::Detail;
    use collab_authz::{Context, DenialReason};

    let (mut roster, mut events) = app();
    join(&mut roster, &mut events, "m1", "dev@example.com", DEPLOYER);
    let dev = email("dev@example.com");
    let member = roster.get(&dev).unwrap().clone();
    // The base (collaborator) holds more than the deployer set.
    assert_eq!(member.role(), Role::Collaborator);
    assert_eq!(member.effective_role(), None);
    assert_eq!(roster.effective_role(&dev), None);
    assert_eq!(roster.effective_permissions(&dev), DEPLOYER.permissions());
    // Still a member who may view the collaborators and act on the set.
    assert!(roster.may_view(&dev).is_ok());
    assert!(roster.may(&dev, Action::DeployAnyBranch).is_ok());
    // The owner keeps theirs.
    assert_eq!(
        roster.effective_role(&email("owner@example.com")),
        Some(Role::Owner)
    );

    // The denial names no role, in `Display`, in people's words and in
    // JSON: never "collaborator".
    let decision = roster.decide(&dev, Action::Restart, &Context::new());
    let denial = decision.denial().unwrap();
    assert_eq!(
        (denial.reason(), denial.role()),
        (DenialReason::CustomRoleLacks, None)
    );
    let json = serde_json::to_value(decision).unwrap();
    assert_eq!(json["denial"]["role"], serde_json::Value::Null);
    for text in [denial.to_string(), denial.explain().to_string()] {
        assert!(text.contains("custom role"), "{text}");
        assert!(!text.contains("collaborator"), "{text}");
    }

    // Rebuilt from its parts: the same member, never the wider base.
    let parts = member.clone().into_parts();
    assert_eq!(parts.custom_role, Some(DEPLOYER));
    assert_eq!(Member::new(parts.clone()).unwrap(), member);
    // A custom role with another base, or on the owner, is refused.
    let wrong_base = MemberParts {
        role: Role::LimitedCollaborator,
        ..parts.clone()
    };
    assert_eq!(Member::new(wrong_base), Err(MemberError::CustomRoleBase));
    let owner = MemberParts {
        role: Role::Owner,
        status: MemberStatus::Owner,
        ..parts
    };
    assert_eq!(Member::new(owner), Err(MemberError::CustomRoleOwner));

    // A pending invitation with a custom role: denied, no role named.
    let owner = email("owner@example.com");
    roster
        .invite_custom(&owner, invitation("m2", "pend@example.com"), VIEWER, t(30))
        .unwrap();
    let decision = roster.decide(
        &email("pend@example.com"),
        Action::ViewDeployments,
        &Context::new(),
    );
    let denial = decision.denial().unwrap();
    assert_eq!(
        (denial.reason(), denial.role()),
        (DenialReason::InvitationPending, None)
    );
    assert!(denial.to_string().contains("custom role"), "{denial}");

    // The review of a deleted account names the custom set it kept.
    roster.account_deleted(&dev, t(40)).unwrap();
    let mut builder = DirectoryBuilder::new();
    builder.add_roster(&roster);
    let directory = builder.build(|_| TwoFactor::Enabled).unwrap();
    let report = review(&directory, t(100), &ReviewPolicy::default(), &Usage::new());
    let deleted = report
        .findings()
        .iter()
        .find(|f| f.kind() == FindingKind::DeletedAccount)
        .unwrap();
    assert_eq!(
        deleted.detail(),
        Detail::KeptCustomRole(DEPLOYER.permissions())
    );
    let markdown = report.to_markdown();
    assert!(markdown.contains("kept a custom role: "), "{markdown}");
    assert!(!markdown.contains("kept role"), "{markdown}");
}
