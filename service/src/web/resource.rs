//! One resource's pages load it the same way: the resource and its
//! roster if the viewer is an active member, the crate's decision for
//! the viewer, one member by id.

use std::sync::Arc;

use axum::response::Response;
use collab_authz::membership::{Member, MemberId};
use collab_authz::{Action, Context, Denial, Email, ResourceKind, Roster};

use super::layout::error_page;
use super::session::Session;
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::store::access::authorize;
use crate::store::{Change, Committed, Locator, ResourceRow, Seen};

/// The resource `key` of `kind` and its roster, if the viewer is an
/// active member; otherwise the 404 page (a stranger learns nothing).
pub(super) async fn visible(
    state: &AppState,
    session: &Session,
    kind: ResourceKind,
    key: &str,
) -> Result<(ResourceRow, Arc<Roster>), Response> {
    let at = Locator::Key(kind, key);
    let opened = state
        .store
        .open(at, &session.caller.email, Seen::Active)
        .await
        .map_err(|e| error_page(Some(session), &e.into()))?;
    Ok((opened.resource().clone(), opened.roster().clone()))
}

/// Writes `change` on `resource` as `me` through the store's access step
/// (an active member; the holder of the link for an acceptance); the
/// crate decides.
pub(super) async fn write_as(
    state: &AppState,
    me: &Email,
    resource: &ResourceRow,
    change: Change,
) -> ApiResult<Committed> {
    let (at, seen) = match change {
        Change::Accept { .. } => (Locator::Invitation(&resource.id), Seen::Link),
        _ => (Locator::Key(resource.kind, &resource.id), Seen::Active),
    };
    let opened = state.store.open(at, me, seen).await?;
    Ok(state.store.write(opened, change).await?)
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
    let _ = state;
    match authorize(roster, me, action, &Context::new()) {
        Some(decision) => decision.denial().map_or(Ok(()), |d| Err(Some(*d))),
        None => Err(None),
    }
}

/// The member `id` of `roster`, or 404.
pub(super) fn find_member<'r>(roster: &'r Roster, id: &str) -> ApiResult<&'r Member> {
    let id = MemberId::new(id).map_err(|_| ApiError::not_found("collaborator"))?;
    roster
        .get_by_id(&id)
        .ok_or_else(|| ApiError::not_found("collaborator"))
}
