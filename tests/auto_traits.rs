//! Every public type is `Send + Sync + Unpin` (and the value types also
//! `UnwindSafe`), checked at compile time: this file stops compiling if a
//! type loses one of them.

use std::panic::{RefUnwindSafe, UnwindSafe};

use collab_authz::{
    Action, Actions, Category, Cell, Condition, Context, Coverage, Decision, Denial, DenialReason,
    Export, Format, Grants, IdKind, Limit, Obligation, Overview, ParseFormatError, ParseIdError,
    Permissions, ResourceKind, ReviewAppSettings, ReviewAppTrigger, Role, RoleChange, Scope,
};

const fn assert_auto_traits<T: Send + Sync + Unpin + UnwindSafe + RefUnwindSafe>() {}

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
    assert_auto_traits::<Context>();
    assert_auto_traits::<ReviewAppTrigger>();
    assert_auto_traits::<ReviewAppSettings>();
    assert_auto_traits::<Decision>();
    assert_auto_traits::<Denial>();
    assert_auto_traits::<DenialReason>();
    assert_auto_traits::<Overview>();
    assert_auto_traits::<Coverage>();
    assert_auto_traits::<IdKind>();
    assert_auto_traits::<ParseIdError>();
    assert_auto_traits::<Format>();
    assert_auto_traits::<ParseFormatError>();
    assert_auto_traits::<Export>();
};

fn check_value<T: Send + Sync + Unpin>(_: &T) {}

/// The iterators returned as `impl Iterator` are also thread-safe.
#[test]
fn returned_iterators_are_send_and_sync() {
    check_value(&collab_authz::roles_for(ResourceKind::App, Action::Stop));
    check_value(&Overview::of(ResourceKind::App).rows());
    check_value(&Permissions::all().actions());
}

const fn assert_send_sync<T: Send + Sync + Unpin>() {}

// The organization-wide and batch types.
const _: () = {
    use collab_authz::batch::{InvalidRequestBits, LengthMismatch, Request};
    use collab_authz::{
        ApplyError, Detail, Finding, FindingKind, Fix, Plan, PlanError, Severity, Step, StepError,
    };
    assert_auto_traits::<Request>();
    assert_auto_traits::<InvalidRequestBits>();
    assert_auto_traits::<LengthMismatch>();
    assert_send_sync::<Plan>();
    assert_send_sync::<Step>();
    assert_send_sync::<PlanError>();
    assert_send_sync::<StepError>();
    assert_send_sync::<ApplyError>();
    assert_send_sync::<Finding<'static>>();
    assert_send_sync::<FindingKind>();
    assert_send_sync::<Severity>();
    assert_send_sync::<Fix>();
    assert_send_sync::<Detail>();
};
