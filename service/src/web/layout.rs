//! What every page shares: the frame (header, navigation, sign-out),
//! responses (a page, a redirect, an error page), the stylesheet and
//! the links between screens.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use collab_authz::ResourceKind;
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

use super::labels::in_words;
use super::session::Session;
use crate::error::ApiError;
use crate::store::ResourceRow;

const STYLESHEET: &str = include_str!("style.css");

/// Which entry of the main navigation a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Nav {
    None,
    Apps,
    Directory,
}

/// An HTML page with `status` (the security headers come from the
/// pages' layer).
pub(super) fn page(status: StatusCode, markup: Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// A `303 See Other` to `to`.
pub(super) fn redirect(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// `response` with one more `Set-Cookie` (none when `value` is `None`).
pub(super) fn with_cookie(mut response: Response, value: Option<HeaderValue>) -> Response {
    if let Some(value) = value {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The page of a failure, with its status.
pub(super) fn error_page(session: Option<&Session>, error: &ApiError) -> Response {
    let status = error.status();
    let title = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::SERVICE_UNAVAILABLE => "Unavailable",
        s if s.is_client_error() => "Refused",
        _ => "Error",
    };
    // An internal error's detail is for the log, not the visitor.
    let text = match error {
        ApiError::Internal(_) => "Something went wrong on our side. Try again later.".into(),
        other => in_words(&other.to_string()),
    };
    let body = html! {
        h1 { (title) }
        p.error role="alert" { (text) }
        p { a href="/dashboard" { "Back to your apps and databases" } }
    };
    // Logged once, here where it becomes a page: the visitor reads only
    // `text`.
    error.log();
    page(status, layout(title, session, Nav::None, body))
}

/// The frame of every page: header (with navigation and sign-out when
/// signed in) and `body` as the main content.
pub(super) fn layout(title: &str, session: Option<&Session>, nav: Nav, body: Markup) -> Markup {
    let current = |this: Nav| (nav == this).then_some("page");
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · collab-authz" }
                link rel="stylesheet" href="/static/style.css";
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/dashboard" { "collab-authz" }
                    @if let Some(session) = session {
                        nav aria-label="Main" {
                            a href="/dashboard" aria-current=[current(Nav::Apps)] { "Apps & databases" }
                            a href="/collaborators" aria-current=[current(Nav::Directory)] { "Collaborators" }
                        }
                        form.signout method="post" action="/sign-out" {
                            (csrf_field(session))
                            span.who { (session.caller.email.as_str()) }
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main #main { (body) }
            }
        }
    }
}

/// The hidden field carrying the session's CSRF token.
pub(super) fn csrf_field(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf); }
}

/// The query of a page after a redirect: which change was just made.
#[derive(Debug, Default, Deserialize)]
pub(super) struct DoneQuery {
    done: Option<String>,
}

impl DoneQuery {
    /// The notice of the change just made, if any.
    pub(super) fn notice(&self) -> Option<Markup> {
        let text = match self.done.as_deref()? {
            "added" => "Invitation sent. The collaborator appears dimmed until they accept.",
            "role" => "Role changed.",
            "removed" => "Access revoked.",
            "withdrawn" => "Invitation withdrawn.",
            "left" => "You stopped collaborating.",
            "accepted" => "Invitation accepted: you are now a collaborator.",
            "signed-out" => "That session is signed out.",
            _ => return None,
        };
        Some(html! { p.notice role="status" { (text) } })
    }
}

/// A page's query string parsed into `T`, or `T::default()` when it does
/// not parse (a page never fails on a stray parameter).
pub(super) fn query<T: for<'de> Deserialize<'de> + Default>(raw: Option<&str>) -> T {
    serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default()
}

/// `/apps` or `/databases`: where the pages of a kind live.
pub(super) fn base(kind: ResourceKind) -> &'static str {
    crate::kind::page_base(kind)
}

/// The collaborators page of `resource`.
pub(super) fn collaborators_url(resource: &ResourceRow) -> String {
    format!(
        "{}/{}/settings/collaborators",
        base(resource.kind),
        resource.name
    )
}

/// `GET /static/style.css`.
pub(super) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}
