//! Signing in and out: `GET/POST /sign-in`, `POST /sign-out`.
//!
//! The email field is plain text with an email keyboard
//! (`inputmode=email`): a browser's `type=email` refuses addresses the
//! crate accepts, such as a quoted local part (`"ada.lovelace"@example.com`).
//! The server parses the address with the crate's [`Email`](collab_authz::Email).

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use super::extract::{CsrfForm, SignInForm};
use super::layout::{Nav, error_page, layout, page, query, redirect, with_cookie};
use super::session::{self, SESSION_TTL, session_cookie_name, set_cookie, signin_cookie_name};
use crate::error::ApiError;
use crate::shared::parse_email;
use crate::state::AppState;

/// `next` if it is a path on this site: starts with one `/`, and only
/// visible ASCII without `\` (browsers drop tabs and newlines and read `\`
/// as `/`, which would turn `/\t/host` or `/\\host` into another site).
pub(super) fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && p.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            p
        }
        _ => "/dashboard",
    }
}

fn sign_in_form(token: &str, next: &str, email: &str) -> Markup {
    html! {
        form.card method="post" action="/sign-in" {
            input type="hidden" name="csrf" value=(token);
            input type="hidden" name="next" value=(next);
            div.field {
                label for="email" { "Email" }
                input #email type="text" inputmode="email" name="email" value=(email)
                    autocomplete="email" autocapitalize="none" spellcheck="false" required;
            }
            div.field {
                label for="token" { "API token" }
                input #token type="password" name="token" autocomplete="current-password" required;
                p.hint { "The token " code { "collab-authz-service user add" } " printed for your account." }
            }
            button.primary type="submit" { "Sign in" }
        }
    }
}

/// A sign-in form after `before` (a heading, an explanation), with a new
/// double-submit cookie.
pub(super) fn sign_in_response(
    state: &AppState,
    status: StatusCode,
    title: &str,
    before: Markup,
    next: &str,
    email: &str,
) -> Response {
    let token = match session::signin_token() {
        Ok(t) => t,
        Err(e) => return error_page(None, &e),
    };
    let body = html! { (before) (sign_in_form(&token, next, email)) };
    with_cookie(
        page(status, layout(title, None, Nav::None, body)),
        set_cookie(state, signin_cookie_name(state), &token, 900, "Strict"),
    )
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

/// `GET /sign-in?next=PATH`.
pub(super) async fn page_get(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let q: NextQuery = query(raw.as_deref());
    let next = local_path(q.next.as_deref());
    sign_in_response(
        &state,
        StatusCode::OK,
        "Sign in",
        html! { h1 { "Sign in" } },
        next,
        "",
    )
}

#[derive(Debug, Deserialize)]
pub(super) struct SignInFields {
    #[serde(default)]
    next: Option<String>,
    email: String,
    token: String,
}

/// `POST /sign-in`: email and API token; a session cookie and back to
/// `next`. A mistyped address or a wrong token shows the form again.
pub(super) async fn submit(
    State(state): State<AppState>,
    SignInForm(form): SignInForm<SignInFields>,
) -> Response {
    let next = local_path(form.next.as_deref()).to_string();
    let again = |status, message: &str| {
        let before = html! { h1 { "Sign in" } p.error role="alert" { (message) } };
        sign_in_response(&state, status, "Sign in", before, &next, &form.email)
    };
    let email = match parse_email(form.email.trim()) {
        Ok(email) => email,
        Err(_) => return again(StatusCode::UNPROCESSABLE_ENTITY, NOT_AN_ADDRESS),
    };
    match session::sign_in(&state, &email, &form.token).await {
        Ok(value) => signed_in(&state, &next, &value),
        Err(ApiError::Unauthorized(_)) => again(StatusCode::UNAUTHORIZED, NO_MATCH),
        Err(e) => error_page(None, &e),
    }
}

const NOT_AN_ADDRESS: &str = "This is not an email address. Enter it as your account has it, \
     for example ada@example.com.";
const NO_MATCH: &str = "This email and API token do not match an account.";

/// The redirect to `next` with the session cookie set and the sign-in
/// cookie removed.
fn signed_in(state: &AppState, next: &str, value: &str) -> Response {
    let name = session_cookie_name(state);
    let response = with_cookie(
        redirect(next),
        set_cookie(state, name, value, SESSION_TTL, "Lax"),
    );
    with_cookie(
        response,
        set_cookie(state, signin_cookie_name(state), "", 0, "Strict"),
    )
}

/// The sign-out form has only its CSRF token.
#[derive(Debug, Deserialize)]
pub(super) struct NoFields {}

/// `POST /sign-out`: ends the session everywhere.
pub(super) async fn sign_out(
    State(state): State<AppState>,
    CsrfForm { session, .. }: CsrfForm<NoFields>,
) -> Response {
    if let Err(e) = session::sign_out(&state, &session).await {
        return error_page(Some(&session), &e);
    }
    with_cookie(
        redirect("/sign-in"),
        set_cookie(&state, session_cookie_name(&state), "", 0, "Lax"),
    )
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn next_stays_on_the_site() {
        for ok in ["/dashboard", "/apps/a-b/settings/collaborators?done=added"] {
            assert_eq!(local_path(Some(ok)), ok);
        }
        for bad in [
            "//evil.example/",
            "/\\evil.example",
            "/\t/evil.example",
            "/ /x",
            "https://evil.example/",
            "evil",
            "",
        ] {
            assert_eq!(local_path(Some(bad)), "/dashboard", "{bad:?}");
        }
        assert_eq!(local_path(None), "/dashboard");
    }
}
