//! Every public type is `Send + Sync + Unpin` (and the value types also
//! `UnwindSafe`), checked at compile time: this file stops compiling if a
//! type loses one of them. A test reads the crate's sources and fails when
//! a public type is missing from the lists below.

use std::panic::{RefUnwindSafe, UnwindSafe};

use collab_authz::api::{
    ApiCollaborator, ApiError, ApiEvent, ApiStatus, CollaboratorList, CollaboratorResponse,
    CollaboratorsPayload, ToApiError,
};
use collab_authz::batch::{
    Block, BlockOverflow, InvalidRequestBits, LaneOutOfRange, LengthMismatch, Request,
};
use collab_authz::export::{Export, Format};
use collab_authz::matrix::{Cell, Condition, Limit, Obligation};
use collab_authz::membership::{
    AcceptError, AccountDeletedError, Advisory, ApplyEventError, ChangeRoleError, DeleteError,
    EmailError, EventError, EventKind, EventParts, IdentifierError, InviteError, LeaveError,
    LogDigest, LogDigestError, LogHead, MemberError, MemberParts, MemberRef, Members, RenameError,
    ReplayError, ReplayErrorKind, ResourceRef, RevokeError, RosterError, TokenDigest,
    TokenDigestError, TransferError, TransferRequest,
};
use collab_authz::membership::{AnyRole, Command, CommandError, MemberKey, Outcome};
#[cfg(feature = "csv")]
use collab_authz::org::directory::CsvExportError;
#[cfg(feature = "json")]
use collab_authz::org::directory::JsonExportError;
use collab_authz::org::directory::{
    ByCollaborator, ByResource, CollaboratorGroup, DirectoryError, Entry, Person, ResourceGroup,
};
use collab_authz::org::plan::{ApplyError, PlanError, Step, StepError};
use collab_authz::org::review::{Detail, Finding, FindingKind, Fix, Severity, Usage};
use collab_authz::{
    Account, Action, Actions, Category, Context, Coverage, CustomRole, CustomRoleError, Decision,
    Denial, DenialReason, Directory, DirectoryBuilder, Email, Event, GrantError, Granter, Grants,
    Grouping, IdKind, Invitation, InvitationToken, Member, MemberId, MemberStatus, MissingFact,
    NameError, NotPermitted, Overview, ParseIdError, Permissions, Plan, Report, Resource,
    ResourceId, ResourceKind, ReviewAppSettings, ReviewAppTrigger, ReviewPolicy, Role, RoleChange,
    RoleChangeError, Roster, Scope, Timestamp, TwoFactor, Unmet, Username,
};

const fn assert_auto_traits<T: Send + Sync + Unpin + UnwindSafe + RefUnwindSafe>() {}
const fn assert_send_sync<T: Send + Sync + Unpin + ?Sized>() {}

// The rule types: plain values, also unwind-safe.
const _: () = {
    assert_auto_traits::<Role>();
    assert_auto_traits::<ResourceKind>();
    assert_auto_traits::<Action>();
    assert_auto_traits::<Scope>();
    assert_auto_traits::<Category>();
    assert_auto_traits::<Permissions>();
    assert_auto_traits::<Actions>();
    assert_auto_traits::<Grants>();
    assert_auto_traits::<Cell>();
    assert_auto_traits::<Limit>();
    assert_auto_traits::<Obligation>();
    assert_auto_traits::<Condition>();
    assert_auto_traits::<RoleChange>();
    assert_auto_traits::<RoleChangeError>();
    assert_auto_traits::<Context>();
    assert_auto_traits::<ReviewAppTrigger>();
    assert_auto_traits::<ReviewAppSettings>();
    assert_auto_traits::<Decision>();
    assert_auto_traits::<Denial>();
    assert_auto_traits::<DenialReason>();
    assert_auto_traits::<Unmet>();
    assert_auto_traits::<MissingFact>();
    assert_auto_traits::<Overview>();
    assert_auto_traits::<Coverage>();
    assert_auto_traits::<IdKind>();
    assert_auto_traits::<ParseIdError>();
    assert_auto_traits::<Format>();
    assert_auto_traits::<Export>();
    assert_auto_traits::<Request>();
    assert_auto_traits::<Block>();
    assert_auto_traits::<BlockOverflow>();
    assert_auto_traits::<LaneOutOfRange>();
    assert_auto_traits::<InvalidRequestBits>();
    assert_auto_traits::<LengthMismatch>();
};

// Custom roles.
const _: () = {
    assert_send_sync::<CustomRole>();
    assert_send_sync::<CustomRoleError>();
    assert_send_sync::<GrantError>();
    assert_send_sync::<Granter<'static>>();
    assert_send_sync::<NameError>();
};

// Membership.
const _: () = {
    assert_send_sync::<Roster>();
    assert_send_sync::<Invitation>();
    assert_send_sync::<Members<'static>>();
    assert_send_sync::<Member>();
    assert_send_sync::<MemberParts>();
    assert_send_sync::<MemberStatus>();
    assert_send_sync::<MemberError>();
    assert_send_sync::<MemberId>();
    assert_send_sync::<ResourceId>();
    assert_send_sync::<InvitationToken>();
    assert_send_sync::<Username>();
    assert_send_sync::<IdentifierError>();
    assert_send_sync::<Resource>();
    assert_send_sync::<Account>();
    assert_send_sync::<Timestamp>();
    assert_send_sync::<Email>();
    assert_send_sync::<EmailError>();
    assert_send_sync::<Event>();
    assert_send_sync::<EventParts>();
    assert_send_sync::<EventKind>();
    assert_send_sync::<EventError>();
    assert_send_sync::<Advisory>();
    assert_send_sync::<TransferRequest>();
    assert_send_sync::<MemberKey>();
    assert_send_sync::<AnyRole>();
    assert_send_sync::<Command>();
    assert_send_sync::<Outcome>();
    assert_send_sync::<CommandError>();
    assert_send_sync::<ResourceRef>();
    assert_auto_traits::<TokenDigest>();
    assert_auto_traits::<TokenDigestError>();
    assert_auto_traits::<LogDigest>();
    assert_auto_traits::<LogDigestError>();
    assert_auto_traits::<LogHead>();
    assert_send_sync::<MemberRef<'static>>();
    assert_send_sync::<NotPermitted>();
    assert_send_sync::<InviteError>();
    assert_send_sync::<AcceptError>();
    assert_send_sync::<AccountDeletedError>();
    assert_send_sync::<ChangeRoleError>();
    assert_send_sync::<RevokeError>();
    assert_send_sync::<LeaveError>();
    assert_send_sync::<TransferError>();
    assert_send_sync::<RosterError>();
    assert_send_sync::<ReplayError>();
    assert_send_sync::<ReplayErrorKind>();
    assert_send_sync::<ApplyEventError>();
    assert_send_sync::<RenameError>();
    assert_send_sync::<DeleteError>();
};

// The public API's objects.
const _: () = {
    assert_send_sync::<ApiStatus>();
    assert_send_sync::<ApiCollaborator>();
    assert_send_sync::<ApiError>();
    assert_send_sync::<ToApiError>();
    assert_send_sync::<CollaboratorList>();
    assert_send_sync::<CollaboratorResponse>();
    assert_send_sync::<CollaboratorsPayload>();
    assert_send_sync::<ApiEvent>();
};

// The organization-wide directory, review and plan.
const _: () = {
    assert_send_sync::<Directory<'static>>();
    assert_send_sync::<DirectoryBuilder<'static>>();
    assert_send_sync::<DirectoryError>();
    assert_send_sync::<Person<'static>>();
    assert_send_sync::<Entry<'static>>();
    assert_send_sync::<Grouping>();
    assert_send_sync::<TwoFactor>();
    assert_send_sync::<ByCollaborator<'static>>();
    assert_send_sync::<CollaboratorGroup<'static>>();
    assert_send_sync::<ByResource<'static>>();
    assert_send_sync::<ResourceGroup<'static>>();
    #[cfg(feature = "csv")]
    assert_send_sync::<CsvExportError>();
    #[cfg(feature = "json")]
    assert_send_sync::<JsonExportError>();
    assert_send_sync::<Finding<'static>>();
    assert_send_sync::<FindingKind>();
    assert_send_sync::<Severity>();
    assert_send_sync::<Fix>();
    assert_send_sync::<Detail>();
    assert_send_sync::<ReviewPolicy>();
    assert_send_sync::<Usage>();
    assert_send_sync::<Report<'static>>();
    assert_send_sync::<Plan>();
    assert_send_sync::<Step>();
    assert_send_sync::<PlanError>();
    assert_send_sync::<StepError>();
    assert_send_sync::<ApplyError>();
};

fn check_value<T: Send + Sync + Unpin>(_: &T) {}

/// The iterators returned as `impl Iterator` are also thread-safe.
#[test]
fn returned_iterators_are_send_and_sync() {
    check_value(&collab_authz::matrix::roles_for(
        ResourceKind::App,
        Action::Stop,
    ));
    check_value(&Overview::of(ResourceKind::App).rows());
    check_value(&Permissions::all().actions());
}

/// The same for the iterators of the collections, checked at compile time
/// (never called).
fn _collection_iterators_are_send_and_sync(
    roster: &Roster,
    directory: &Directory<'_>,
    by_resource: &ByResource<'_>,
) {
    check_value(&roster.iter());
    check_value(&directory.memberships());
    check_value(&by_resource.iter());
}

/// The public type names declared in the crate's sources: `pub struct` and
/// `pub enum` items, and the ids declared through the `identifier!` macro.
fn declared_public_types() -> Vec<String> {
    fn visit(dir: &std::path::Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| unreachable!("{}: {e}", dir.display()))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                visit(&path, out);
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| unreachable!("{}: {e}", path.display()));
            for line in text.lines() {
                let line = line.trim();
                let rest = line
                    .strip_prefix("pub struct ")
                    .or_else(|| line.strip_prefix("pub enum "));
                let name = match rest {
                    Some(rest) => rest,
                    // `identifier! { /// ... Name, debug = ... }`
                    None if line.contains(", debug = ") && !line.contains('$') => line,
                    None => continue,
                };
                let name: String = name
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        }
    }
    let mut names = Vec::new();
    visit(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut names,
    );
    names
}

#[test]
fn every_public_type_is_checked() {
    let this_file = include_str!("auto_traits.rs");
    let names = declared_public_types();
    assert!(names.len() > 80, "found only {names:?}");
    let missing: Vec<&String> = names
        .iter()
        .filter(|name| {
            !this_file.contains(&format!("::<{name}>()"))
                && !this_file.contains(&format!("::<{name}<"))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "public types without an auto-trait check: {missing:?}"
    );
}

// Identity text policy, quoted input, the API's request bodies and error
// classes (kept in a block of their own so that concurrent additions to
// the lists above merge cleanly).
const _: () = {
    use collab_authz::api::{InviteBody, UpdateBody};
    use collab_authz::membership::InvisibleCharacter;
    use collab_authz::{ErrorClass, Excerpt};
    assert_auto_traits::<ErrorClass>();
    assert_auto_traits::<Excerpt>();
    assert_auto_traits::<InvisibleCharacter>();
    assert_send_sync::<InviteBody>();
    assert_send_sync::<UpdateBody>();
};

// Human labels: a denial's explanation and the capitalizing adapter (a
// block of their own, like the one above).
const _: () = {
    use collab_authz::{Capitalized, Explanation};
    assert_auto_traits::<Explanation>();
    assert_auto_traits::<Capitalized<'static>>();
};
