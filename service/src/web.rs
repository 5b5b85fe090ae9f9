//! Server-rendered pages (the dashboard's Collaborators screens), merged
//! into the service's router beside the JSON API.
//!
//! | page | file | who |
//! | --- | --- | --- |
//! | `GET/POST /sign-in`, `POST /sign-out` | `sign_in.rs` | email and API token; the signed-in |
//! | `GET /dashboard`, `POST /sessions/{id}/sign-out` | `dashboard.rs` | the apps and databases one owns or collaborates on; one's signed-in sessions |
//! | `GET/POST /apps/{app}/settings/collaborators` | `collaborators.rs` | members (list); those who may invite (add) |
//! | `GET/POST .../collaborators/{member}/role`, `.../remove` | `confirm.rs` | change a role, revoke access, stop collaborating |
//! | `/databases/{db}/settings/collaborators...` | the same | the same for a dedicated database |
//! | `GET /v1/invitations/{resource}/{member}/{secret}`, `POST /invitations/accept` | `invitation.rs` | the invitation link: sign in, accept |
//! | `GET /collaborators`, `GET /collaborators/export` | `directory.rs` | the owner's consolidated directory, CSV or JSON |
//!
//! Below the screens: [`extract`] (the signed-in [`Session`](session::Session)
//! and the CSRF-checked form as extractors), `layout.rs` (the frame and
//! responses), `labels.rs` (people's words for the crate's values),
//! `resource.rs` (loading one resource for a page) and [`session`]
//! (cookies, tokens). Helpers shared with the JSON API live below
//! both, in [`shared`](crate::shared).
//!
//! Every control shown is the crate's decision for the viewer, and every
//! submission is decided again by the store (the page is never the only
//! guard). Safe by construction: text is escaped by the templates
//! ([`maud`]), a handler gets a form only once its CSRF token is checked
//! ([`extract::CsrfForm`]), no script runs (the Content-Security-Policy
//! allows none), and every response has the security headers of
//! [`security_headers`], added by one layer.

mod collaborators;
mod confirm;
mod dashboard;
mod directory;
pub mod extract;
mod invitation;
mod labels;
mod layout;
mod resource;
pub mod session;
mod sign_in;

use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router, middleware};
use collab_authz::ResourceKind;

use crate::state::AppState;

/// The pages' Content-Security-Policy: the site's own stylesheet, no
/// script at all, forms only to the site, never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The pages' routes, every response through [`security_headers`].
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::index))
        .route("/static/style.css", get(layout::stylesheet))
        .route("/sign-in", get(sign_in::page_get).post(sign_in::submit))
        // A GET of a form's target (after signing in again) goes home.
        .route("/sign-out", get(dashboard::index).post(sign_in::sign_out))
        .route("/dashboard", get(dashboard::dashboard))
        .route(
            "/sessions/{id}/sign-out",
            get(dashboard::index).post(dashboard::end_session),
        )
        .merge(resource_pages(ResourceKind::App))
        .merge(resource_pages(ResourceKind::DedicatedDatabase))
        .route(
            "/v1/invitations/{resource}/{member}/{secret}",
            get(invitation::invitation),
        )
        .route(
            "/invitations/accept",
            get(dashboard::index).post(invitation::accept),
        )
        .route("/collaborators", get(directory::directory))
        .route("/collaborators/export", get(directory::export_file))
        .layer(middleware::map_response(security_headers))
}

/// The pages of one resource of `kind`, written once for `/apps` and
/// `/databases`; the handlers read the kind from the request's
/// extensions.
fn resource_pages(kind: ResourceKind) -> Router<AppState> {
    let list = format!("{}/{{key}}/settings/collaborators", layout::base(kind));
    Router::new()
        .route(
            &list,
            get(collaborators::collaborators).post(collaborators::add),
        )
        .route(
            &format!("{list}/{{member}}/role"),
            get(confirm::role_page).post(confirm::change_role),
        )
        .route(
            &format!("{list}/{{member}}/remove"),
            get(confirm::remove_page).post(confirm::remove),
        )
        .layer(Extension(kind))
}

/// Adds the pages' security headers to `response`: the
/// [`CONTENT_SECURITY_POLICY`], `X-Frame-Options: DENY`,
/// `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` (the
/// invitation link's secret never leaves in a `Referer`) and
/// `Cache-Control: no-store` (pages carry CSRF tokens and links) unless
/// the response set its own.
pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}
