//! One resource's pages load it the same way: the resource and its
//! roster if the viewer is an active member, the crate's decision for
//! the viewer, one member by id.

use std::sync::Arc;

use axum::response::Response;
use collab_authz::membership::{Member, MemberId};
use collab_authz::{Action, Context, Denial, Email, ResourceKind, Roster};

use super::labels::kind_word;
use super::layout::error_page;
use super::session::Session;
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::store::ResourceRow;

/// The resource `key` of `kind` and its roster, if the viewer is an
/// active member; otherwise the 404 page (a stranger learns nothing).
pub(super) async fn visible(
    state: &AppState,
    session: &Session,
    kind: ResourceKind,
    key: &str,
) -> Result<(ResourceRow, Arc<Roster>), Response> {
    let fail = |e: ApiError| error_page(Some(session), &e);
    let resource = state.store.resource(kind, key).await.map_err(fail)?;
    let roster = state.store.roster(&resource).await.map_err(fail)?;
    if roster.may_view(&session.caller.email).is_err() {
        return Err(fail(ApiError::not_found(kind_word(kind))));
    }
    Ok((resource, roster))
}

/// Whether `me` may do `action` on the roster's resource: `Ok`, or the
/// crate's denial (`None` for someone who holds no active role, which a
/// page [`visible`] to them never meets).
pub(super) fn may(
    state: &AppState,
    roster: &Roster,
    me: &Email,
    action: Action,
) -> Result<(), Option<Denial>> {
    match state
        .store
        .decide_action(roster, me, action, &Context::new())
    {
        Ok(decision) => decision.denial().map_or(Ok(()), |d| Err(Some(*d))),
        Err(_) => Err(None),
    }
}

/// The member `id` of `roster`, or 404.
pub(super) fn find_member<'r>(roster: &'r Roster, id: &str) -> ApiResult<&'r Member> {
    let id = MemberId::new(id).map_err(|_| ApiError::not_found("collaborator"))?;
    roster
        .get_by_id(&id)
        .ok_or_else(|| ApiError::not_found("collaborator"))
}
