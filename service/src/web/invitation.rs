//! The invitation link's page, `GET /v1/invitations/{resource}/{member}/{secret}`,
//! and `POST /invitations/accept`.
//!
//! A visitor signs in on the page itself (the invitee's address filled
//! in); the signed-in invitee accepts; anyone else signed in is told the
//! link is for another account.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use collab_authz::Roster;
use collab_authz::membership::{Member, MemberStatus, Username};
use maud::{Markup, html};
use serde::Deserialize;

use super::extract::CsrfForm;
use super::labels::{kind_word, role_phrase};
use super::layout::{Nav, collaborators_url, csrf_field, error_page, layout, page, redirect};
use super::resource::find_member;
use super::session::{Session, same_token};
use super::sign_in::sign_in_response;
use crate::error::{ApiError, ApiResult};
use crate::shared::PathParams;
use crate::state::AppState;
use crate::store::{Change, Locator, ResourceRow, Seen};

/// The resource, roster and pending member a link names, if its secret
/// is the one the service derives for them.
async fn invitation_target(
    state: &AppState,
    resource_id: &str,
    member_id: &str,
    secret: &str,
) -> ApiResult<(ResourceRow, Arc<Roster>, Member)> {
    let gone = || ApiError::NotFound("this invitation does not exist or is no longer valid".into());
    let expected = state.store.invitation_secret(resource_id, member_id);
    if !same_token(&expected, secret) {
        return Err(gone());
    }
    // The kind is the stored one, never guessed from the id.
    let resource = state
        .store
        .resource_by_id(resource_id)
        .await
        .map_err(|_| gone())?;
    let roster = state.store.roster(&resource).await?;
    let member = find_member(&roster, member_id).map_err(|_| gone())?.clone();
    if member.status() != MemberStatus::Pending {
        return Err(gone());
    }
    Ok((resource, roster, member))
}

fn summary(resource: &ResourceRow, roster: &Roster, member: &Member) -> Markup {
    html! {
        h1 { "Invitation" }
        p.lead {
            strong { (roster.owner().email().as_str()) } " invited "
            strong { (member.email().as_str()) } " to collaborate on the "
            (kind_word(resource.kind)) " " strong { (resource.name) } " as "
            (role_phrase(member.role())) "."
        }
    }
}

fn accept_form(session: &Session, resource: &ResourceRow, member: &Member, secret: &str) -> Markup {
    html! {
        form method="post" action="/invitations/accept" {
            (csrf_field(session))
            input type="hidden" name="resource" value=(resource.id);
            input type="hidden" name="member" value=(member.id().as_str());
            input type="hidden" name="secret" value=(secret);
            div.buttons { button.primary type="submit" { "Accept invitation" } }
        }
    }
}

fn other_account(session: &Session) -> Markup {
    html! {
        p.why role="alert" {
            "You are signed in as " (session.caller.email.as_str())
            ": this invitation is for another account. Sign out, then open the link again."
        }
    }
}

/// The invitation to a visitor: the sign-in form, the invitee's address
/// filled in, coming back to the link.
fn signed_out(state: &AppState, summary: Markup, link: &str, email: &str) -> Response {
    let before = html! { (summary) p { "Sign in as " (email) " to accept." } };
    sign_in_response(state, StatusCode::OK, "Invitation", before, link, email)
}

/// `GET /v1/invitations/{resource}/{member}/{secret}`: the page behind
/// the invitation link.
pub(super) async fn invitation(
    State(state): State<AppState>,
    session: Option<Session>,
    uri: Uri,
    PathParams((resource_id, member_id, secret)): PathParams<(String, String, String)>,
) -> Response {
    let (resource, roster, member) =
        match invitation_target(&state, &resource_id, &member_id, &secret).await {
            Ok(found) => found,
            Err(e) => return error_page(session.as_ref(), &e),
        };
    let summary = summary(&resource, &roster, &member);
    let email = member.email().as_str();
    let (status, session, body) = match session {
        None => return signed_out(&state, summary, uri.path(), email),
        Some(s) if member.email() == &s.caller.email => {
            let form = accept_form(&s, &resource, &member, &secret);
            (StatusCode::OK, s, form)
        }
        Some(s) => {
            let refusal = other_account(&s);
            (StatusCode::FORBIDDEN, s, refusal)
        }
    };
    let markup = layout(
        "Invitation",
        Some(&session),
        Nav::None,
        html! { (summary) (body) },
    );
    page(status, markup)
}

/// The fields of the accept form.
#[derive(Debug, Deserialize)]
pub(super) struct AcceptFields {
    resource: String,
    member: String,
    secret: String,
}

/// `POST /invitations/accept`: the signed-in invitee accepts (the store
/// decides); to the resource's collaborators.
pub(super) async fn accept(
    State(state): State<AppState>,
    CsrfForm { session, form }: CsrfForm<AcceptFields>,
) -> Result<Response, Response> {
    let fail = |e: ApiError| error_page(Some(&session), &e);
    invitation_target(&state, &form.resource, &form.member, &form.secret)
        .await
        .map_err(fail)?;
    let at = Locator::Invitation(&form.resource);
    let opened = state
        .store
        .open(at, &session.caller.email, Seen::Link)
        .await;
    let opened = opened.map_err(|e| fail(e.into()))?;
    // As the API's route: an account without a username accepts without
    // one.
    let username = session
        .caller
        .username
        .as_deref()
        .map(Username::new)
        .transpose();
    let username = username.map_err(|e| fail(ApiError::internal(e)))?;
    let change = Change::Accept {
        member_id: form.member,
        secret: form.secret,
        username,
    };
    let committed = state.store.write(opened, change).await;
    let committed = committed.map_err(|e| fail(e.into()))?;
    Ok(redirect(&format!(
        "{}?done=accepted",
        collaborators_url(&committed.resource)
    )))
}
