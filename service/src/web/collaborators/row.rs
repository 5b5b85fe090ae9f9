//! The list of the collaborators page: one row per member, with the
//! actions the viewer may take on that member and no others.
//!
//! Two or more actions sit in a menu (`<details name="row-actions">`, so
//! opening one closes the others, without script); an open menu takes
//! room in its row instead of covering the next (see `style.css`). A
//! single action is a plain link.

use collab_authz::membership::{Member, MemberStatus};
use collab_authz::{ResourceKind, Roster};
use maud::{Markup, html};

use super::Viewer;
use crate::shared::invitation_link;
use crate::state::AppState;
use crate::store::ResourceRow;
use crate::web::labels::{collaborator_roles, role_label, status_label};
use crate::web::layout::collaborators_url;

/// The table of `roster`'s members, the owner first.
pub(super) fn table(
    viewer: &Viewer<'_>,
    state: &AppState,
    resource: &ResourceRow,
    roster: &Roster,
) -> Markup {
    let has_actions = roster
        .iter()
        .any(|m| !actions(viewer, resource.kind, m).is_empty());
    html! {
        table.list.collaborators {
            thead {
                tr {
                    th scope="col" { "Collaborator" }
                    th scope="col" { "Role" }
                    th scope="col" { "Status" }
                    @if has_actions { th scope="col" { span.visually-hidden { "Actions" } } }
                }
            }
            tbody {
                @for member in roster.iter() {
                    (member_row(viewer, state, resource, member, has_actions))
                }
            }
        }
    }
}

/// One action on a member: its label, the last segment of its page and
/// whether it removes someone.
struct RowAction {
    label: &'static str,
    path: &'static str,
    danger: bool,
}

/// The actions `viewer` may take on `member`.
fn actions(viewer: &Viewer<'_>, kind: ResourceKind, member: &Member) -> Vec<RowAction> {
    let is_me = member.email() == &viewer.session.caller.email;
    let mut out = Vec::new();
    if member.status() == MemberStatus::Owner {
        return out;
    }
    if is_me {
        out.push(RowAction {
            label: "Stop collaborating",
            path: "remove",
            danger: true,
        });
        return out;
    }
    let other_role = collaborator_roles(kind).any(|r| r != member.role());
    if viewer.change.is_ok() && other_role {
        out.push(RowAction {
            label: "Change role",
            path: "role",
            danger: false,
        });
    }
    if viewer.revoke.is_ok() {
        // Removing someone who has not accepted yet withdraws the
        // invitation: no access is lost.
        let pending = member.status() == MemberStatus::Pending;
        out.push(RowAction {
            label: if pending {
                "Withdraw invitation"
            } else {
                "Revoke access"
            },
            path: "remove",
            danger: true,
        });
    }
    out
}

fn member_row(
    viewer: &Viewer<'_>,
    state: &AppState,
    resource: &ResourceRow,
    member: &Member,
    has_actions: bool,
) -> Markup {
    let status = member.status();
    let pending = status == MemberStatus::Pending;
    let is_me = member.email() == &viewer.session.caller.email;
    let id = member.id().as_str();
    let show_link = pending && viewer.invite.is_ok();
    html! {
        tr.pending[pending] data-email=(member.email().as_str()) data-status=(status.id()) data-role=(member.role().id()) {
            td data-label="Collaborator" {
                span.email { (member.email().as_str()) }
                @if let Some(name) = member.username() { span.username { (name.as_str()) } }
                @if is_me { " " span.badge { "you" } }
                @if show_link {
                    div.link {
                        label for={"link-" (id)} { "Invitation link" }
                        input.invitation-link #{"link-" (id)} type="text" readonly
                            value=(invitation_link(state, &resource.id, id));
                    }
                }
            }
            td data-label="Role" { (role_label(member.role())) }
            td data-label="Status" { span class={"status " (status.id())} { (status_label(status)) } }
            @if has_actions {
                td.actions data-label="Actions" { (row_actions(viewer, resource, member)) }
            }
        }
    }
}

fn row_actions(viewer: &Viewer<'_>, resource: &ResourceRow, member: &Member) -> Markup {
    let items = actions(viewer, resource.kind, member);
    let base = format!("{}/{}", collaborators_url(resource), member.id().as_str());
    let email = member.email().as_str();
    let link =
        |a: &RowAction| html! { a.danger[a.danger] href={(base) "/" (a.path)} { (a.label) } };
    html! {
        @match items.as_slice() {
            [] => {
                @if member.status() == MemberStatus::Owner && viewer.manages() {
                    span.muted { "Changes by transfer only" }
                }
            }
            [one] => { span.single { (link(one)) } }
            many => {
                details.menu name="row-actions" {
                    summary { "Actions" span.visually-hidden { " for " (email) } }
                    div.items { @for a in many { (link(a)) } }
                }
            }
        }
    }
}
