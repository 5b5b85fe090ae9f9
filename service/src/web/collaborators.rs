//! The collaborators of one app or database:
//! `GET/POST /{apps,databases}/{key}/settings/collaborators`.
//!
//! Each viewer sees what they can do and nothing greyed: the add form
//! only for those who may invite, a row's actions only where they may
//! act, and below the list one short sentence for what they may not.

mod row;

use std::str::FromStr;

use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use collab_authz::{Action, Denial, DenialReason, Email, ResourceKind, Role, Roster};
use maud::{Markup, html};
use serde::Deserialize;

use super::extract::CsrfForm;
use super::labels::{
    collaborator_roles, explain, explain_all, in_words, kind_label, kind_word, role_label,
    status_label,
};
use super::layout::{
    DoneQuery, Nav, collaborators_url, csrf_field, error_page, layout, page, query, redirect,
};
use super::resource::{may, visible};
use super::session::Session;
use crate::error::{ApiError, ApiResult};
use crate::shared::{PathParams, parse_email};
use crate::state::AppState;
use crate::store::{Change, Opened, ResourceRow};

/// What the viewer may do on the page's resource, as the crate decides.
pub(super) struct Viewer<'a> {
    pub(super) session: &'a Session,
    pub(super) invite: Result<(), Denial>,
    pub(super) change: Result<(), Denial>,
    pub(super) revoke: Result<(), Denial>,
}

impl<'a> Viewer<'a> {
    fn new(session: &'a Session, roster: &Roster) -> Self {
        let me = &session.caller.email;
        Viewer {
            session,
            invite: may(roster, me, Action::InviteCollaborator),
            change: may(roster, me, Action::ChangeCollaboratorRole),
            revoke: may(roster, me, Action::RevokeCollaborator),
        }
    }

    /// Whether the viewer manages anyone (changes roles or revokes).
    pub(super) fn manages(&self) -> bool {
        self.change.is_ok() || self.revoke.is_ok()
    }

    /// The one sentence for what the viewer's role keeps them from doing
    /// here; a denial about the kind (a database's single collaborator
    /// role) is not about them and is left to the form's hint.
    fn reason(&self) -> Option<String> {
        let denials: Vec<Denial> = [&self.invite, &self.change, &self.revoke]
            .into_iter()
            .filter_map(|r| r.as_ref().err().copied())
            .filter(|d| matches!(d.reason(), DenialReason::RoleTooLow { .. }))
            .collect();
        (!denials.is_empty()).then(|| explain_all(&denials))
    }
}

/// The whole page for `viewer`, with `message` (a notice, a refusal).
fn render(
    viewer: &Viewer<'_>,
    state: &AppState,
    resource: &ResourceRow,
    roster: &Roster,
    message: Option<Markup>,
) -> Markup {
    let body = html! {
        p.crumbs { a href="/dashboard" { "Apps & databases" } " › " (resource.name) " › Settings" }
        h1 { "Collaborators" span.sub { (kind_label(resource.kind)) " " (resource.name) } }
        @if let Some(message) = message { (message) }
        @if viewer.invite.is_ok() { (add_form(viewer.session, resource)) }
        section aria-labelledby="list-title" {
            h2 #list-title { "People with access" }
            (row::table(viewer, state, resource, roster))
            @if let Some(reason) = viewer.reason() { p.why #why { (reason) } }
        }
    };
    let title = format!("Collaborators of {}", resource.name);
    layout(&title, Some(viewer.session), Nav::Apps, body)
}

/// The add form: the email and, where the kind has more than one
/// collaborator role, the role (else the one role, said in words).
fn add_form(session: &Session, resource: &ResourceRow) -> Markup {
    let kind = resource.kind;
    let roles: Vec<Role> = collaborator_roles(kind).collect();
    let default_role = kind.default_invitation_role();
    html! {
        section aria-labelledby="add-title" {
            h2 #add-title { "Add a collaborator" }
            form.add method="post" action=(collaborators_url(resource)) {
                (csrf_field(session))
                div.field {
                    label for="add-email" { "Email" }
                    input #add-email type="text" inputmode="email" name="email" required
                        autocomplete="off" autocapitalize="none" spellcheck="false";
                }
                @if roles.len() > 1 {
                    div.field {
                        label for="add-role" { "Role" }
                        select #add-role name="role" {
                            @for role in &roles {
                                option value=(role.id()) selected[*role == default_role] { (role_label(*role)) }
                            }
                        }
                    }
                } @else {
                    input type="hidden" name="role" value=(default_role.id());
                    p.hint #add-role-hint {
                        "Joins as " (role_label(default_role).to_lowercase())
                        ": a " (kind_word(kind)) " has only one collaborator role."
                    }
                }
                button.primary type="submit" { "Add" }
            }
        }
    }
}

/// `GET .../settings/collaborators`: the owner first, pending invitations
/// dimmed, the controls the crate allows the viewer.
pub(super) async fn collaborators(
    State(state): State<AppState>,
    Extension(kind): Extension<ResourceKind>,
    session: Session,
    PathParams(key): PathParams<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Response> {
    let opened = visible(&state, &session, kind, &key).await?;
    let done: DoneQuery = query(raw.as_deref());
    let (resource, roster) = (opened.resource(), opened.roster());
    let viewer = Viewer::new(&session, roster);
    let markup = render(&viewer, &state, resource, roster, done.notice());
    Ok(page(StatusCode::OK, markup))
}

/// The fields of the add form.
#[derive(Debug, Deserialize)]
pub(super) struct AddFields {
    email: String,
    #[serde(default)]
    role: Option<String>,
}

/// `POST .../settings/collaborators`: invites (the store decides again).
pub(super) async fn add(
    State(state): State<AppState>,
    Extension(kind): Extension<ResourceKind>,
    PathParams(key): PathParams<String>,
    CsrfForm { session, form }: CsrfForm<AddFields>,
) -> Result<Response, Response> {
    let opened = visible(&state, &session, kind, &key).await?;
    let resource = opened.resource().clone();
    let invitee = form.email.clone();
    match invite(&state, opened, form).await {
        Ok(()) => Ok(redirect(&format!(
            "{}?done=added",
            collaborators_url(&resource)
        ))),
        Err(e) => {
            let attempt = Attempt {
                action: Action::InviteCollaborator,
                invitee: Some(&invitee),
            };
            Err(refusal_page(&state, &session, &resource, attempt, &e).await)
        }
    }
}

async fn invite(state: &AppState, opened: Opened, form: AddFields) -> ApiResult<()> {
    let kind = opened.resource().kind;
    let email = parse_email(form.email.trim())?;
    let role = match form.role.as_deref() {
        None | Some("") => None,
        Some(r) => Some(Role::from_str(r).map_err(|_| {
            ApiError::Unprocessable(format!("no such role on a {}", kind_word(kind)))
        })?),
    };
    let change = Change::Invite { email, role };
    Ok(state.store.write(opened, change).await.map(drop)?)
}

fn refusal_text(roster: &Roster, me: &Email, attempt: Attempt<'_>, error: &ApiError) -> String {
    let on_list = attempt
        .invitee
        .and_then(|e| Email::parse(e.trim()).ok())
        .and_then(|e| roster.get(&e).map(|m| (e, m.status())));
    match (error, may(roster, me, attempt.action), on_list) {
        (ApiError::Forbidden(_), Err(denial), _) => explain(&denial),
        (ApiError::Conflict(_), _, Some((email, status))) => format!(
            "{} is already on the list ({}).",
            email.as_str(),
            status_label(status).to_lowercase()
        ),
        _ => in_words(&error.to_string()),
    }
}

/// What a refused submission tried: the action, and the address it
/// named (an invitation's).
#[derive(Debug, Clone, Copy)]
pub(super) struct Attempt<'a> {
    pub(super) action: Action,
    pub(super) invitee: Option<&'a str>,
}

/// The collaborators page again, with the refusal of the viewer's
/// `attempt` and its status, in words: the crate's explanation of a
/// denial, or the list as it stands for an address already on it;
/// nothing has changed.
pub(super) async fn refusal_page(
    state: &AppState,
    session: &Session,
    resource: &ResourceRow,
    attempt: Attempt<'_>,
    error: &ApiError,
) -> Response {
    if matches!(error, ApiError::Internal(_) | ApiError::Unavailable(_)) {
        return error_page(Some(session), error);
    }
    let roster = match state.store.roster(resource).await {
        Ok(roster) => roster,
        Err(e) => return error_page(Some(session), &e.into()),
    };
    let text = refusal_text(&roster, &session.caller.email, attempt, error);
    let message = html! { p.error role="alert" { "Not done: " (text) } };
    let viewer = Viewer::new(session, &roster);
    let markup = render(&viewer, state, resource, &roster, Some(message));
    page(error.status(), markup)
}
