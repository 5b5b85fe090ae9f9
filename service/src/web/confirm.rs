//! The confirmation pages of one member:
//! `GET/POST .../collaborators/{member}/role` and `.../remove`.
//!
//! A page offers its form only to a viewer who may submit it; anyone else
//! reads one sentence saying why, in words.

use std::str::FromStr;

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use collab_authz::membership::{Member, MemberStatus};
use collab_authz::{Action, ResourceKind, Role};
use maud::{Markup, html};
use serde::Deserialize;

use super::collaborators::{Attempt, refusal_page};
use super::extract::CsrfForm;
use super::labels::{collaborator_roles, explain, kind_word, role_label};
use super::layout::{Nav, collaborators_url, csrf_field, error_page, layout, page, redirect};
use super::resource::{find_member, may, visible};
use super::session::Session;
use crate::error::ApiError;
use crate::shared::PathParams;
use crate::state::AppState;
use crate::store::{Change, Opened, ResourceRow};

fn confirm_page(session: &Session, resource: &ResourceRow, title: &str, body: Markup) -> Response {
    let body = html! {
        p.crumbs { a href="/dashboard" { "Apps & databases" } " › " (resource.name) " › "
            a href=(collaborators_url(resource)) { "Collaborators" } }
        div.dialog role="dialog" aria-labelledby="dialog-title" {
            h1 #dialog-title { (title) }
            (body)
        }
    };
    page(
        StatusCode::OK,
        layout(title, Some(session), Nav::Apps, body),
    )
}

fn why(text: &str) -> Markup {
    html! { p.why { (text) } }
}

fn buttons(primary: Markup, url: &str) -> Markup {
    html! { div.buttons { (primary) a.button href=(url) { "Cancel" } } }
}

/// `GET .../collaborators/{member}/role`: the new role and a confirm
/// button, or why there is none.
pub(super) async fn role_page(
    State(state): State<AppState>,
    Extension(kind): Extension<ResourceKind>,
    session: Session,
    PathParams((key, member_id)): PathParams<(String, String)>,
) -> Result<Response, Response> {
    let opened = visible(&state, &session, kind, &key).await?;
    let (resource, roster) = (opened.resource(), opened.roster());
    let member = find_member(roster, &member_id).map_err(|e| error_page(Some(&session), &e))?;
    let allowed = may(
        roster,
        &session.caller.email,
        Action::ChangeCollaboratorRole,
    );
    let url = collaborators_url(resource);
    let current = member.role();
    let next = collaborator_roles(kind).find(|r| *r != current);
    let form = match (allowed, next, member.status()) {
        (_, _, MemberStatus::Owner) => {
            why("The owner's role changes only by a transfer of ownership.")
        }
        (Err(denial), _, _) => why(&explain(&denial)),
        (_, None, _) => why(&format!(
            "A {} has only one collaborator role.",
            kind_word(kind)
        )),
        (Ok(()), Some(next), _) => role_form(&session, &url, member, kind, next),
    };
    let body = html! {
        p { "Change the role of " strong { (member.email().as_str()) } " on " (resource.name) ". Now: " (role_label(current)) "." }
        (form)
        p { a href=(url) { "Back to the collaborators" } }
    };
    Ok(confirm_page(&session, resource, "Change role", body))
}

fn role_form(
    session: &Session,
    url: &str,
    member: &Member,
    kind: ResourceKind,
    next: Role,
) -> Markup {
    let current = member.role();
    html! {
        form method="post" action={(url) "/" (member.id().as_str()) "/role"} {
            (csrf_field(session))
            div.field {
                label for="new-role" { "New role" }
                select #new-role name="role" {
                    @for role in collaborator_roles(kind).filter(|r| *r != current) {
                        option value=(role.id()) selected[role == next] { (role_label(role)) }
                    }
                }
            }
            (buttons(html! { button.primary type="submit" { "Change role" } }, url))
        }
    }
}

/// The fields of the role form.
#[derive(Debug, Deserialize)]
pub(super) struct RoleFields {
    role: String,
}

async fn write_role(
    state: &AppState,
    opened: Opened,
    member_id: String,
    role: &str,
) -> Result<(), ApiError> {
    let kind = opened.resource().kind;
    let role = Role::from_str(role)
        .map_err(|_| ApiError::Unprocessable(format!("no such role on a {}", kind_word(kind))))?;
    let change = Change::ChangeRole { member_id, role };
    Ok(state.store.write(opened, change).await.map(drop)?)
}

/// `POST .../collaborators/{member}/role` (the store decides).
pub(super) async fn change_role(
    State(state): State<AppState>,
    Extension(kind): Extension<ResourceKind>,
    PathParams((key, member_id)): PathParams<(String, String)>,
    CsrfForm { session, form }: CsrfForm<RoleFields>,
) -> Result<Response, Response> {
    let opened = visible(&state, &session, kind, &key).await?;
    let resource = opened.resource().clone();
    let result = write_role(&state, opened, member_id, &form.role).await;
    match result {
        Ok(()) => Ok(redirect(&format!(
            "{}?done=role",
            collaborators_url(&resource)
        ))),
        Err(e) => {
            let attempt = Attempt {
                action: Action::ChangeCollaboratorRole,
                invitee: None,
            };
            Err(refusal_page(&state, &session, &resource, attempt, &e).await)
        }
    }
}

/// `GET .../collaborators/{member}/remove`: the confirmation naming the
/// email ("Delete user@example.com"), or "Stop collaborating" for
/// oneself.
pub(super) async fn remove_page(
    State(state): State<AppState>,
    Extension(kind): Extension<ResourceKind>,
    session: Session,
    PathParams((key, member_id)): PathParams<(String, String)>,
) -> Result<Response, Response> {
    let opened = visible(&state, &session, kind, &key).await?;
    let (resource, roster) = (opened.resource(), opened.roster());
    let member = find_member(roster, &member_id).map_err(|e| error_page(Some(&session), &e))?;
    let url = collaborators_url(resource);
    let is_me = member.email() == &session.caller.email;
    let (title, body) = if member.status() == MemberStatus::Owner {
        (
            "Revoke access",
            why("The owner cannot be removed; ownership moves only by transfer."),
        )
    } else if is_me {
        (
            "Stop collaborating",
            leave_form(&session, resource, member, &url),
        )
    } else {
        let allowed = may(roster, &session.caller.email, Action::RevokeCollaborator);
        let body = match allowed {
            Ok(()) => revoke_form(&session, resource, member, &url),
            Err(denial) => why(&explain(&denial)),
        };
        let pending = member.status() == MemberStatus::Pending;
        let title = if pending { WITHDRAW } else { "Revoke access" };
        (title, body)
    };
    Ok(confirm_page(&session, resource, title, body))
}

fn leave_form(session: &Session, resource: &ResourceRow, member: &Member, url: &str) -> Markup {
    html! {
        p { "You will lose access to " (resource.name) " until someone invites you again." }
        form method="post" action={(url) "/" (member.id().as_str()) "/remove"} {
            (csrf_field(session))
            (buttons(html! { button.danger type="submit" { "Stop collaborating" } }, url))
        }
    }
}

/// The title and button of removing a pending invitation.
const WITHDRAW: &str = "Withdraw invitation";

fn revoke_form(session: &Session, resource: &ResourceRow, member: &Member, url: &str) -> Markup {
    let email = member.email().as_str();
    let pending = member.status() == MemberStatus::Pending;
    html! {
        @if pending {
            p { strong { (email) } " will no longer be able to accept the invitation to " (resource.name) "." }
        } @else {
            p { strong { (email) } " will lose access to " (resource.name) "." }
        }
        form method="post" action={(url) "/" (member.id().as_str()) "/remove"} {
            (csrf_field(session))
            @let label = if pending { WITHDRAW.to_string() } else { format!("Delete {email}") };
            (buttons(html! { button.danger type="submit" { (label) } }, url))
        }
    }
}

/// The remove form has only its CSRF token.
#[derive(Debug, Deserialize)]
pub(super) struct NoFields {}

/// `POST .../collaborators/{member}/remove`: revokes, or leaves for
/// oneself (the store decides).
pub(super) async fn remove(
    State(state): State<AppState>,
    Extension(kind): Extension<ResourceKind>,
    PathParams((key, member_id)): PathParams<(String, String)>,
    CsrfForm { session, .. }: CsrfForm<NoFields>,
) -> Result<Response, Response> {
    let opened = visible(&state, &session, kind, &key).await?;
    let resource = opened.resource().clone();
    let me = &session.caller.email;
    let member = find_member(opened.roster(), &member_id).ok();
    let leaving = member.is_some_and(|m| m.email() == me);
    let done = match member.map(Member::status) {
        Some(MemberStatus::Pending) => "withdrawn",
        _ => "removed",
    };
    let change = Change::Remove { member_id };
    let written = state.store.write(opened, change).await;
    match written.map_err(ApiError::from) {
        Ok(_) if leaving => Ok(redirect("/dashboard?done=left")),
        Ok(_) => Ok(redirect(&format!(
            "{}?done={done}",
            collaborators_url(&resource)
        ))),
        Err(e) => {
            let attempt = Attempt {
                action: Action::RevokeCollaborator,
                invitee: None,
            };
            Err(refusal_page(&state, &session, &resource, attempt, &e).await)
        }
    }
}
