//! `GET /dashboard`: the apps and databases the viewer owns or
//! collaborates on, each with its role and a link to its collaborators.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use collab_authz::{Email, ResourceKind, Roster};
use maud::{Markup, html};

use super::labels::{kind_label, role_label};
use super::layout::{DoneQuery, Nav, collaborators_url, error_page, layout, page, query, redirect};
use super::session::Session;
use crate::AppState;
use crate::store::{Holding, ResourceRow};

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
    let body = html! {
        h1 { "Apps & databases" }
        @if let Some(notice) = done.notice() { (notice) }
        (resources_table(&items, &session.caller.email))
    };
    let markup = layout("Apps & databases", Some(&session), Nav::Apps, body);
    Ok(page(StatusCode::OK, markup))
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
