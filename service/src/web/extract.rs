//! The pages' extractors: a handler names what it needs and cannot run
//! without it.
//!
//! - [`Session`]: the signed-in visitor; absent or invalid, the request is
//!   answered with a redirect to sign in and back
//!   (`Option<Session>` for a page that also serves visitors);
//! - [`CsrfForm`]: a form of the signed-in visitor whose CSRF token is the
//!   session's; the handler never sees a form that failed the check;
//! - [`SignInForm`]: the sign-in form, whose token must equal its
//!   double-submit cookie (there is no session yet).

use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::layout::{error_page, redirect};
use super::session::{FORM_LIMIT, Session, cookie, same_token, signin_cookie_name};
use crate::error::ApiError;
use crate::state::AppState;

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match Session::from_headers(state, &parts.headers).await {
            Ok(Some(session)) => Ok(session),
            Ok(None) => Err(to_sign_in(parts)),
            Err(e) => Err(error_page(None, &e)),
        }
    }
}

impl OptionalFromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Response> {
        Session::from_headers(state, &parts.headers)
            .await
            .map_err(|e| error_page(None, &e))
    }
}

/// The redirect to sign in, coming back to the page asked for (the page
/// a form was posted from has the form's path).
fn to_sign_in(parts: &Parts) -> Response {
    let back = if parts.method == Method::GET {
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    } else {
        parts.uri.path()
    };
    let query = serde_urlencoded::to_string([("next", back)]).unwrap_or_default();
    redirect(&format!("/sign-in?{query}"))
}

/// The CSRF field of any form.
#[derive(Debug, Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// A bounded form body: its bytes, or the error page of a body that is
/// too large.
async fn form_bytes(req: Request, session: Option<&Session>) -> Result<bytes::Bytes, Response> {
    crate::body::read_limited(req, FORM_LIMIT)
        .await
        .map_err(|e| error_page(session, &e))
}

/// `bytes` as the form `T`, or the 400 page.
fn parse<T: DeserializeOwned>(bytes: &[u8], session: Option<&Session>) -> Result<T, Box<Response>> {
    serde_urlencoded::from_bytes(bytes).map_err(|e| {
        Box::new(error_page(
            session,
            &ApiError::BadRequest(format!("form: {e}")),
        ))
    })
}

/// The page a form without the expected CSRF token gets (403).
fn csrf_refused(session: Option<&Session>) -> Response {
    error_page(
        session,
        &ApiError::Forbidden(
            "the form was not sent from this site's page (missing or wrong CSRF token); \
             reload the page and try again"
                .into(),
        ),
    )
}

/// A form posted by the signed-in visitor, with the session's CSRF token:
/// the session and the form `T` (whose other fields it reads).
#[derive(Debug)]
pub struct CsrfForm<T> {
    /// The signed-in visitor.
    pub session: Session,
    /// The form's fields.
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let session =
            <Session as FromRequestParts<AppState>>::from_request_parts(&mut parts, state).await?;
        let bytes = form_bytes(Request::from_parts(parts, body), Some(&session)).await?;
        let field: CsrfField = parse(&bytes, Some(&session)).map_err(|e| *e)?;
        if !session.csrf_ok(&field.csrf) {
            return Err(csrf_refused(Some(&session)));
        }
        let form = parse(&bytes, Some(&session)).map_err(|e| *e)?;
        Ok(CsrfForm { session, form })
    }
}

/// The sign-in form `T`, whose CSRF token equals the sign-in page's
/// double-submit cookie.
#[derive(Debug)]
pub struct SignInForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for SignInForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let expected = expected_signin_token(state, req.headers());
        let bytes = form_bytes(req, None).await?;
        let field: CsrfField = parse(&bytes, None).map_err(|e| *e)?;
        match expected {
            Some(expected) if same_token(&expected, &field.csrf) => {
                parse(&bytes, None).map(SignInForm).map_err(|e| *e)
            }
            _ => Err(csrf_refused(None)),
        }
    }
}

fn expected_signin_token(state: &AppState, headers: &HeaderMap) -> Option<String> {
    cookie(headers, signin_cookie_name(state))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}
