//! One resource's pages load it the same way: the store's access step
//! opens it for an active member, the crate decides for the viewer, one
//! member is found by id.

use axum::response::Response;
use collab_authz::membership::{Member, MemberId};
use collab_authz::{Action, Context, Denial, Email, ResourceKind, Roster};

use super::layout::error_page;
use super::session::Session;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::access::authorize;
use crate::store::{Locator, Opened, Seen};

/// The resource `key` of `kind` opened for the viewer, if they are an
/// active member; otherwise the 404 page (a stranger learns nothing).
pub(super) async fn visible(
    state: &AppState,
    session: &Session,
    kind: ResourceKind,
    key: &str,
) -> Result<Opened, Response> {
    state
        .store
        .open(Locator::Key(kind, key), &session.caller.email, Seen::Active)
        .await
        .map_err(|e| error_page(Some(session), &e.into()))
}

/// Whether `me` may do `action` on the roster's resource, by the
/// service's one authorization call: `Ok`, or the crate's denial.
pub(super) fn may(roster: &Roster, me: &Email, action: Action) -> Result<(), Denial> {
    let decision = authorize(roster, me, action, &Context::new());
    decision.denial().map_or(Ok(()), |d| Err(*d))
}

/// The member `id` of `roster`, or 404.
pub(super) fn find_member<'r>(roster: &'r Roster, id: &str) -> ApiResult<&'r Member> {
    let id = MemberId::new(id).map_err(|_| ApiError::not_found("collaborator"))?;
    roster
        .get_by_id(&id)
        .ok_or_else(|| ApiError::not_found("collaborator"))
}
