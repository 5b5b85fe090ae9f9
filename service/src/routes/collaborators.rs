//! Collaborators of an app or a database: list, invite, change a role,
//! remove (or leave), and accept an invitation link.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use collab_authz::api::{InviteBody, UpdateBody};
use collab_authz::membership::{MemberId, MemberStatus, Username};
use collab_authz::{Action, Email};
use serde::Serialize;
use serde_json::{Value, json};

use super::idempotent::{Writer, json_answer, no_content};
use super::json::{CollaboratorOut, Link, account_emails, collaborator};
use crate::auth::BearerAt;
use crate::body::StrictBody;
use crate::error::{ApiError, ApiResult};
use crate::kind::Kind;
use crate::shared::{PathParams, invitation_link_with};
use crate::state::AppState;
use crate::store::access::allows;
use crate::store::{Change, Committed, Locator, Opened, Recorded, Seen, StoreError};

/// `{"collaborators": [...]}`.
#[derive(Debug, Serialize)]
struct CollaboratorList {
    collaborators: Vec<CollaboratorOut>,
}

/// The two answers of the listing at one version: with the invitation
/// links (for a viewer who may invite) and without.
const WITH_LINKS: &str = "collaborators+links";
const WITHOUT_LINKS: &str = "collaborators";

/// `GET /v1/apps/{app}/collaborators`: `{"collaborators":[...]}`, the
/// owner left out as the API does; invitation links shown to those who
/// may invite.
///
/// The answer depends only on the roster's version and on whether the
/// viewer may invite, so it is serialized once per version and view and
/// kept ([`Store::view`](crate::store::Store::view)); a read at the same
/// version answers the kept bytes.
///
/// One database round trip when the roster is cached: the bearer's token
/// row and the resource's version in one statement
/// ([`Store::open_as`](crate::store::Store::open_as)); a revoked token is
/// refused there, as everywhere (401 before anything else, a malformed
/// path included).
pub async fn list<K: Kind>(State(state): State<AppState>, at: BearerAt) -> ApiResult<Response> {
    let opened = at.open(&state, K::KIND).await?;
    let (link, view) = match opened.allows(Action::InviteCollaborator) {
        true => (Link::Derived(&state), WITH_LINKS),
        false => (Link::Hidden, WITHOUT_LINKS),
    };
    if let Some(body) = state.store.view(opened.resource(), view) {
        return Ok(json_bytes(body));
    }
    Ok(json_bytes(listing(&state, &opened, link, view).await?))
}

/// The listing of `opened` with links as `link` says, serialized; kept
/// as `view` when every active member's account was found (a missing
/// one, shown with a null id, is asked again next time).
async fn listing(
    state: &AppState,
    opened: &Opened,
    link: Link<'_>,
    view: &'static str,
) -> ApiResult<Bytes> {
    let roster = opened.roster();
    let ids = state.store.user_ids(&account_emails(roster)).await?;
    let collaborators: Vec<CollaboratorOut> = roster
        .members()
        .filter_map(|m| collaborator(roster.resource(), m, &ids, link))
        .collect();
    // Serialized straight from the borrowed rows, without a `Value` tree.
    let body =
        serde_json::to_vec(&CollaboratorList { collaborators }).map_err(ApiError::internal)?;
    let body = Bytes::from(body);
    let complete = roster
        .members()
        .filter(|m| m.status() != MemberStatus::Pending)
        .all(|m| ids.contains_key(m.email().normalized()));
    if complete {
        state.store.keep_view(opened.resource(), view, body.clone());
    }
    Ok(body)
}

/// A 200 with a JSON `body`.
fn json_bytes(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `{"collaborator": {...}}`: membership `member_id` after the write
/// `done`, its link shown as `link` says.
async fn one(
    state: &AppState,
    done: &Committed,
    member_id: &str,
    link: Link<'_>,
) -> Result<Value, StoreError> {
    let missing = || StoreError::NotFound("collaborator");
    let id = MemberId::new(member_id).map_err(|_| missing())?;
    let member = done.roster.get_by_id(&id).ok_or_else(missing)?;
    // Only an active member shows a user id: a pending invitee's is null.
    let ids = match member.status() {
        MemberStatus::Pending => HashMap::new(),
        _ => state.store.user_ids(&[member.email().normalized()]).await?,
    };
    let out = collaborator(done.roster.resource(), member, &ids, link).ok_or_else(missing)?;
    Ok(json!({ "collaborator": out }))
}

/// `POST /v1/apps/{app}/collaborators`:
/// `{"collaborator":{"email":...,"is_limited":...}}` invites; 201
/// `{"collaborator":{...}}` with the invitation link.
pub async fn invite<K: Kind>(
    State(state): State<AppState>,
    writer: Writer,
    PathParams(key): PathParams<String>,
    StrictBody(body): StrictBody<InviteBody>,
) -> ApiResult<Response> {
    let (at, change) = (Locator::Key(K::KIND, &key), Change::InviteBody { body });
    let answer = |done| invited(state.clone(), done);
    writer
        .submit(&state, at, Seen::Active, change, answer)
        .await
}

/// The answer to an invitation: 201 with the collaborator and its link.
async fn invited(state: AppState, done: Committed) -> Result<Recorded, StoreError> {
    let (member_id, secret) = (done.member_id.as_deref(), done.secret.as_deref());
    let (Some(member_id), Some(secret)) = (member_id, secret) else {
        return Err(StoreError::corrupt("an invitation without its membership"));
    };
    let link = invitation_link_with(
        &state.config.public_url,
        &done.resource.id,
        member_id,
        secret,
    );
    let value = one(&state, &done, member_id, Link::Known(&link)).await?;
    json_answer(StatusCode::CREATED, &value)
}

/// `PATCH /v1/apps/{app}/collaborators/{id}`:
/// `{"collaborator":{"is_limited":bool}}` changes the role; 200 with the
/// updated collaborator.
pub async fn update<K: Kind>(
    State(state): State<AppState>,
    writer: Writer,
    PathParams((key, member_id)): PathParams<(String, String)>,
    StrictBody(body): StrictBody<UpdateBody>,
) -> ApiResult<Response> {
    let at = Locator::Key(K::KIND, &key);
    let change = Change::Update {
        member_id: member_id.clone(),
        body,
    };
    let caller = writer.caller.email.clone();
    let answer = |done| updated(state.clone(), caller.clone(), member_id.clone(), done);
    writer
        .submit(&state, at, Seen::Active, change, answer)
        .await
}

/// The answer to a role change: 200 with the collaborator.
async fn updated(
    state: AppState,
    caller: Email,
    member_id: String,
    done: Committed,
) -> Result<Recorded, StoreError> {
    // Links are shown to those who may invite, as in the list.
    let manages = allows(&done.roster, &caller, Action::InviteCollaborator);
    let link = if manages {
        Link::Derived(&state)
    } else {
        Link::Hidden
    };
    json_answer(StatusCode::OK, &one(&state, &done, &member_id, link).await?)
}

/// `DELETE /v1/apps/{app}/collaborators/{id}`: revokes, or leaves when the
/// id is the caller's own membership; 204. A pending invitee may decline
/// through this route too; a stranger sees nothing.
pub async fn remove<K: Kind>(
    State(state): State<AppState>,
    writer: Writer,
    PathParams((key, member_id)): PathParams<(String, String)>,
) -> ApiResult<Response> {
    let (at, change) = (Locator::Key(K::KIND, &key), Change::Remove { member_id });
    let answer = |_| async { Ok(no_content()) };
    writer
        .submit(&state, at, Seen::Member, change, answer)
        .await
}

/// `POST /v1/invitations/{resource}/{member}/{secret}`: the invitee (the
/// bearer's email must be the invited one) accepts; 200
/// `{"collaborator":{...}}`.
pub async fn accept_invitation(
    State(state): State<AppState>,
    writer: Writer,
    PathParams((resource_id, member_id, secret)): PathParams<(String, String, String)>,
) -> ApiResult<Response> {
    // An account without a username accepts without one.
    let username = writer.caller.username.as_deref().map(Username::new);
    let username = username.transpose().map_err(ApiError::internal)?;
    let change = Change::Accept {
        member_id: member_id.clone(),
        secret,
        username,
    };
    let at = Locator::Invitation(&resource_id);
    let answer = |done| accepted(state.clone(), member_id.clone(), done);
    writer.submit(&state, at, Seen::Link, change, answer).await
}

/// The answer to an accepted invitation: 200 with the collaborator.
async fn accepted(
    state: AppState,
    member_id: String,
    done: Committed,
) -> Result<Recorded, StoreError> {
    let value = one(&state, &done, &member_id, Link::Hidden).await?;
    json_answer(StatusCode::OK, &value)
}
