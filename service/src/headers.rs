//! The security headers of every API answer and page, and HSTS behind
//! `https://` ([`security_headers`], one layer of the service's router).
//!
//! The pages set their own Content-Security-Policy and cache rules
//! ([`web::security_headers`](crate::web::security_headers)); this layer
//! adds what is missing, so a page keeps its own values.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// The Content-Security-Policy of a JSON answer: nothing may load from
/// it and nothing may frame it (a browser that renders a JSON error runs
/// no script and shows it in no frame).
pub const API_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// HSTS behind `https://`: a year, subdomains left to the platform (the
/// service does not know whether its host's siblings serve HTTPS).
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// Adds to every answer, unless it has its own: `X-Content-Type-Options:
/// nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`,
/// [`API_CONTENT_SECURITY_POLICY`]; `Cache-Control: no-store` when the
/// request carried credentials (an `Authorization` header or a cookie),
/// so that no shared or browser cache keeps a personal answer; and
/// `Strict-Transport-Security` ([`STRICT_TRANSPORT_SECURITY`]) when the
/// public URL is `https://` (over plain HTTP the header would be
/// meaningless, and the TLS terminator is in front of the service).
pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let credentials = request.headers().contains_key(header::AUTHORIZATION)
        || request.headers().contains_key(header::COOKIE);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, API_CONTENT_SECURITY_POLICY),
    ] {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    if credentials {
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    if state.config.https() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
    response
}
