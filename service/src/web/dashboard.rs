//! `GET /dashboard`: the apps and databases the viewer owns or
//! collaborates on, each with its role and a link to its collaborators,
//! and the viewer's signed-in sessions, each of which they can sign out
//! (`POST /sessions/{id}/sign-out`).

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use collab_authz::{Email, ResourceKind, Roster};
use maud::{Markup, html};

use super::extract::CsrfForm;
use super::labels::{kind_label, role_label};
use super::layout::{
    DoneQuery, Nav, collaborators_url, csrf_field, error_page, layout, page, query, redirect,
};
use super::session::Session;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::accounts::SessionRow;
use crate::store::{Holding, ResourceRow};
use crate::time::iso8601;

/// `GET /`: to the dashboard (which sends a visitor to sign in).
pub(super) async fn index() -> Response {
    redirect("/dashboard")
}

/// `GET /dashboard`.
pub(super) async fn dashboard(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, Response> {
    let done: DoneQuery = query(raw.as_deref());
    let mut items = Vec::new();
    for kind in [ResourceKind::App, ResourceKind::DedicatedDatabase] {
        let found = state
            .store
            .resources_of(kind, &session.caller.email, Holding::OwnerOrAccepted)
            .await
            .map_err(|e| error_page(Some(&session), &e.into()))?;
        items.extend(found);
    }
    let sessions = state
        .store
        .sessions(&session.caller.id)
        .await
        .map_err(|e| error_page(Some(&session), &e.into()))?;
    let body = html! {
        h1 { "Apps & databases" }
        @if let Some(notice) = done.notice() { (notice) }
        (resources_table(&items, &session.caller.email))
        (sessions_table(&sessions, &session))
    };
    let markup = layout("Apps & databases", Some(&session), Nav::Apps, body);
    Ok(page(StatusCode::OK, markup))
}

/// The viewer's signed-in sessions (this one marked), each with a button
/// that signs it out; they also end when the API token they were signed
/// in with is revoked.
fn sessions_table(sessions: &[SessionRow], session: &Session) -> Markup {
    html! {
        h2 { "Signed-in sessions" }
        p { "Each ends after 8 hours, when you sign it out, or when the API token it was signed in with is revoked." }
        table.list.sessions {
            thead { tr { th scope="col" { "Signed in" } th scope="col" { "Ends" } th scope="col" { "API token" } th scope="col" { "Sign out" } } }
            tbody {
                @for row in sessions {
                    tr {
                        td data-label="Signed in" { (iso8601(row.created_at)) @if row.id == session.caller.token_id { " (this session)" } }
                        td data-label="Ends" { (iso8601(row.expires_at)) }
                        td data-label="API token" { code { (row.api_token_id) } }
                        td data-label="Sign out" {
                            form method="post" action={"/sessions/" (row.id) "/sign-out"} {
                                (csrf_field(session))
                                button.danger type="submit" { "Sign out" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The form of a session's Sign out button: its CSRF token only.
#[derive(Debug, serde::Deserialize)]
pub(super) struct SignOutForm {}

/// `POST /sessions/{id}/sign-out`: ends one of the viewer's sessions
/// (this one too), back to the dashboard; another's is the 404 page.
pub(super) async fn end_session(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm<SignOutForm>,
) -> Result<Response, Response> {
    let session = form.session;
    let ended = state
        .store
        .revoke_session(&session.caller.id, &id)
        .await
        .map_err(|e| error_page(Some(&session), &e.into()))?;
    if !ended {
        return Err(error_page(
            Some(&session),
            &ApiError::NotFound("no such session".into()),
        ));
    }
    Ok(redirect("/dashboard?done=signed-out"))
}

fn resources_table(items: &[(ResourceRow, std::sync::Arc<Roster>)], me: &Email) -> Markup {
    html! {
        @if items.is_empty() {
            p { "You own no app or database and collaborate on none yet." }
        } @else {
            table.list {
                thead { tr { th scope="col" { "Name" } th scope="col" { "Kind" } th scope="col" { "Your role" } th scope="col" { "Settings" } } }
                tbody {
                    @for (resource, roster) in items {
                        tr {
                            td data-label="Name" { (resource.name) }
                            td data-label="Kind" { (kind_label(resource.kind)) }
                            td data-label="Your role" { (roster.effective_role(me).map_or_else(|| "—".to_string(), role_label)) }
                            td data-label="Settings" { a href=(collaborators_url(resource)) { "Collaborators" span.visually-hidden { " of " (resource.name) } } }
                        }
                    }
                }
            }
        }
    }
}
