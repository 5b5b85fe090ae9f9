//! The owner's consolidated directory, `GET /collaborators`, and its
//! exports, `GET /collaborators/export`: everyone on the viewer's apps
//! and databases with their two-factor status, from the crate's
//! directory, grouped by collaborator or by app or database.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use collab_authz::ResourceKind;
use collab_authz::membership::MemberStatus;
use collab_authz::org::directory::{Directory, Grouping};
use maud::{Markup, html};
use serde::Deserialize;

use super::labels::{kind_label, role_label, status_label, two_factor_label};
use super::layout::{Nav, error_page, layout, page, query};
use super::session::Session;
use crate::error::ApiError;
use crate::shared::directory::{ExportFormat, directory as build_directory, export};
use crate::state::AppState;

/// The Collaborators tab's query: `group_by=collaborator|resource`,
/// `format=csv|json` (exports); lenient, unlike the API's (a stray
/// parameter never fails a page).
#[derive(Debug, Default, Deserialize)]
pub(super) struct TabQuery {
    group_by: Option<String>,
    format: Option<String>,
}

impl TabQuery {
    fn grouping(&self) -> Grouping {
        match self.group_by.as_deref() {
            Some("resource" | "app") => Grouping::ByResource,
            _ => Grouping::ByCollaborator,
        }
    }

    fn format(&self) -> ExportFormat {
        match self.format.as_deref() {
            Some("json") => ExportFormat::Json,
            _ => ExportFormat::Csv,
        }
    }
}

fn grouping_id(grouping: Grouping) -> &'static str {
    match grouping {
        Grouping::ByResource => "resource",
        Grouping::ByCollaborator => "collaborator",
    }
}

/// `GET /collaborators?group_by=collaborator|resource`.
pub(super) async fn directory(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, Response> {
    let grouping = query::<TabQuery>(raw.as_deref()).grouping();
    let fail = |e: ApiError| error_page(Some(&session), &e);
    let owned = state.store.owned(&session.caller.email).await;
    let owned = owned.map_err(|e| fail(e.into()))?;
    let directory = build_directory(&owned).map_err(fail)?;
    let body = html! {
        h1 { "Collaborators" }
        p.lead { "Everyone collaborating on the apps and databases you own." }
        @if directory.is_empty() {
            // Nothing to group or export: neither is offered.
            p.empty { "You own no app or database yet; everyone on those you own will be listed here." }
        } @else if grouping == Grouping::ByCollaborator {
            (toolbar(grouping))
            (by_collaborator(&directory))
        } @else {
            (toolbar(grouping))
            (by_resource(&directory))
        }
    };
    let markup = layout("Collaborators", Some(&session), Nav::Directory, body);
    Ok(page(StatusCode::OK, markup))
}

fn toolbar(grouping: Grouping) -> Markup {
    let g = grouping_id(grouping);
    let current = |this: Grouping| (grouping == this).then_some("true");
    let href = |format: &str| format!("/collaborators/export?format={format}&group_by={g}");
    html! {
        div.toolbar {
            div.toggle role="group" aria-label="Group by" {
                span.label { "Group by" }
                a href="/collaborators?group_by=collaborator" aria-current=[current(Grouping::ByCollaborator)] { "Collaborator" }
                a href="/collaborators?group_by=resource" aria-current=[current(Grouping::ByResource)] { "App or database" }
            }
            div.export {
                a.button #export-csv href=(href("csv")) download=(ExportFormat::Csv.filename()) { "Export as CSV" }
                a.button #export-json href=(href("json")) download=(ExportFormat::Json.filename()) { "Export as JSON" }
            }
        }
    }
}

fn by_collaborator(directory: &Directory<'_>) -> Markup {
    html! {
        table.list.directory {
            thead { tr { th scope="col" { "Collaborator" } th scope="col" { "2FA" } th scope="col" { "Apps and databases" } } }
            tbody {
                @for group in directory.by_collaborator().iter() {
                    @let person = group.person();
                    tr data-email=(person.email().as_str()) {
                        td data-label="Collaborator" {
                            span.email { (person.email().as_str()) }
                            @if let Some(name) = person.username() { span.username { (name.as_str()) } }
                        }
                        td data-label="2FA" { span class={"tfa " (person.two_factor().id())} { (two_factor_label(person.two_factor())) } }
                        td data-label="Apps and databases" {
                            ul.plain {
                                @for m in group.memberships() {
                                    @let pending = m.status() == MemberStatus::Pending;
                                    li.pending[pending] {
                                        (m.resource().name()) " (" (kind_label(m.resource().kind()).to_lowercase()) ") — " (role_label(m.role()))
                                        @if pending { " (" (status_label(m.status()).to_lowercase()) ")" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The resources with collaborators, apps first and then databases, each
/// kind under its own heading.
fn by_resource(directory: &Directory<'_>) -> Markup {
    let groups = directory.by_resource();
    html! {
        @if groups.is_empty() { p { "None of your apps and databases has collaborators." } }
        @for (kind, heading) in [(ResourceKind::App, "Apps"), (ResourceKind::DedicatedDatabase, "Databases")] {
            @let of_kind: Vec<_> = groups.iter().filter(|g| g.resource().kind() == kind).collect();
            @if !of_kind.is_empty() {
                h2.kind data-kind=(kind.id()) { (heading) }
                @for group in of_kind {
                    section.resource data-resource=(group.resource().name()) data-kind=(kind.id()) {
                        h3 { (group.resource().name()) span.sub { (kind_label(kind)) } }
                        table.list.directory {
                            thead { tr { th scope="col" { "Collaborator" } th scope="col" { "Role" } th scope="col" { "Status" } th scope="col" { "2FA" } } }
                            tbody {
                                @for m in group.memberships() {
                                    tr.pending[m.status() == MemberStatus::Pending] data-email=(m.email().as_str()) {
                                        td data-label="Collaborator" {
                                            span.email { (m.email().as_str()) }
                                            @if let Some(name) = m.username() { span.username { (name.as_str()) } }
                                        }
                                        td data-label="Role" { (role_label(m.role())) }
                                        td data-label="Status" { (status_label(m.status())) }
                                        td data-label="2FA" { span class={"tfa " (m.two_factor().id())} { (two_factor_label(m.two_factor())) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /collaborators/export?format=csv|json&group_by=...`: the crate's
/// export, as the API's `/v1/directory` gives it, as a download.
pub(super) async fn export_file(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, Response> {
    let q: TabQuery = query(raw.as_deref());
    let fail = |e: ApiError| error_page(Some(&session), &e);
    let owned = state.store.owned(&session.caller.email).await;
    let owned = owned.map_err(|e| fail(e.into()))?;
    let directory = build_directory(&owned).map_err(fail)?;
    export(&directory, q.grouping(), q.format()).map_err(fail)
}
