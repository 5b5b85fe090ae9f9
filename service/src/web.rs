//! Server-rendered pages (the dashboard's Collaborators screens), merged
//! into [`router`](crate::router) beside the JSON API.
//!
//! | page | who |
//! | --- | --- |
//! | `GET/POST /sign-in`, `POST /sign-out` | email and API token; the signed-in |
//! | `GET /dashboard` | the apps and databases one owns or collaborates on |
//! | `GET/POST /apps/{app}/settings/collaborators` | members (list); managers (add) |
//! | `GET/POST /apps/{app}/settings/collaborators/{member}/role` | change a role (confirm page) |
//! | `GET/POST /apps/{app}/settings/collaborators/{member}/remove` | revoke access, or stop collaborating |
//! | `/databases/{db}/settings/collaborators...` | the same for a dedicated database |
//! | `GET /v1/invitations/{resource}/{member}/{secret}` | the invitation link: sign in, accept |
//! | `GET /collaborators`, `GET /collaborators/export` | the owner's consolidated directory, CSV or JSON |
//!
//! Every control shown is the crate's decision for the viewer, and every
//! submission is decided again by the store (the page is never the only
//! guard). Safe by construction: text is escaped by the templates
//! ([`maud`]), every form carries the session's CSRF token, no script
//! runs (the Content-Security-Policy allows none), and every response has
//! the security headers of [`secure_headers`].

mod pages;
pub mod session;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};

use crate::AppState;
use crate::kind::{App as APP, Database as DB};

/// The pages' Content-Security-Policy: the site's own stylesheet, no
/// script at all, forms only to the site, never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::index))
        .route("/static/style.css", get(pages::stylesheet))
        .route("/sign-in", get(pages::sign_in_page).post(pages::sign_in))
        .route("/sign-out", post(pages::sign_out))
        .route("/dashboard", get(pages::dashboard))
        .route(
            "/apps/{key}/settings/collaborators",
            get(pages::collaborators::<APP>).post(pages::add::<APP>),
        )
        .route(
            "/apps/{key}/settings/collaborators/{member}/role",
            get(pages::role_page::<APP>).post(pages::change_role::<APP>),
        )
        .route(
            "/apps/{key}/settings/collaborators/{member}/remove",
            get(pages::remove_page::<APP>).post(pages::remove::<APP>),
        )
        .route(
            "/databases/{key}/settings/collaborators",
            get(pages::collaborators::<DB>).post(pages::add::<DB>),
        )
        .route(
            "/databases/{key}/settings/collaborators/{member}/role",
            get(pages::role_page::<DB>).post(pages::change_role::<DB>),
        )
        .route(
            "/databases/{key}/settings/collaborators/{member}/remove",
            get(pages::remove_page::<DB>).post(pages::remove::<DB>),
        )
        .route(
            "/v1/invitations/{resource}/{member}/{secret}",
            get(pages::invitation),
        )
        .route("/invitations/accept", post(pages::accept))
        .route("/collaborators", get(pages::directory))
        .route("/collaborators/export", get(pages::export))
}

/// Adds the pages' security headers to `response`: the
/// [`CONTENT_SECURITY_POLICY`], `X-Frame-Options: DENY`,
/// `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` (the
/// invitation link's secret never leaves in a `Referer`) and
/// `Cache-Control: no-store` (pages carry CSRF tokens and links).
pub fn secure_headers(response: &mut Response) {
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
}
