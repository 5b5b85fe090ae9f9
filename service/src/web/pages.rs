//! The pages' handlers and templates.

use std::str::FromStr;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use collab_authz::membership::{Member, MemberId, MemberStatus, Username};
use collab_authz::org::directory::{Grouping, TwoFactor};
use collab_authz::{Action, Context, Email, ResourceKind, Role, Roster};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

use super::secure_headers;
use super::session::{
    FormBody, SESSION_TTL, Session, cookie, same_token, session_cookie_name, set_cookie,
    sign_in as open_session, sign_out as close_session, signin_cookie_name, signin_token,
};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::input::{PathParams, parse_email};
use crate::kind::Kind;
use crate::present::{
    Format, derived_invitation_link as invitation_link, directory as build_directory,
    export as export_directory,
};
use crate::store::access::authorize;
use crate::store::{Change, Locator, ResourceRow, Seen};

/// A page's response or the response that replaces it (a redirect to
/// sign in, an error page).
type PageResult = Result<Response, Response>;

const STYLESHEET: &str = include_str!("style.css");

// ---------------------------------------------------------------------------
// Responses.
// ---------------------------------------------------------------------------

fn page(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, Html(markup.into_string())).into_response();
    secure_headers(&mut response);
    response
}

fn redirect(to: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    secure_headers(&mut response);
    response
}

fn with_cookie(mut response: Response, value: Option<HeaderValue>) -> Response {
    if let Some(value) = value {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The page of a failure, with its status.
fn error_page(session: Option<&Session>, error: &ApiError) -> Response {
    let status = error.status();
    let title = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::SERVICE_UNAVAILABLE => "Unavailable",
        s if s.is_client_error() => "Refused",
        _ => "Error",
    };
    error.log();
    page(
        status,
        layout(
            title,
            session,
            Nav::None,
            html! {
                h1 { (title) }
                p.error role="alert" { (error.to_string()) }
                p { a href="/dashboard" { "Back to your apps and databases" } }
            },
        ),
    )
}

/// The page a form without its session's CSRF token gets.
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

/// The signed-in session, or a redirect to sign in and come back.
async fn require(state: &AppState, headers: &HeaderMap, uri: &Uri) -> Result<Session, Response> {
    match Session::from_headers(state, headers).await {
        Ok(Some(session)) => Ok(session),
        Ok(None) => {
            let back = uri
                .path_and_query()
                .map_or("/dashboard", |p| p.as_str())
                .to_string();
            let query = serde_urlencoded::to_string([("next", back)]).unwrap_or_default();
            Err(redirect(&format!("/sign-in?{query}")))
        }
        Err(e) => Err(error_page(None, &e)),
    }
}

/// `next` if it is a path on this site: starts with one `/`, and only
/// visible ASCII without `\` (browsers drop tabs and newlines and read `\`
/// as `/`, which would turn `/\t/host` or `/\\host` into another site).
pub(crate) fn local_path(next: Option<&str>) -> &str {
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

// ---------------------------------------------------------------------------
// Layout.
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Nav {
    None,
    Apps,
    Directory,
}

fn current(nav: Nav, this: Nav) -> Option<&'static str> {
    (nav == this).then_some("page")
}

fn layout(title: &str, session: Option<&Session>, nav: Nav, body: Markup) -> Markup {
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
                            a href="/dashboard" aria-current=[current(nav, Nav::Apps)] { "Apps & databases" }
                            a href="/collaborators" aria-current=[current(nav, Nav::Directory)] { "Collaborators" }
                        }
                        form.signout method="post" action="/sign-out" {
                            input type="hidden" name="csrf" value=(session.csrf);
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

fn csrf_field(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf); }
}

fn kind_label(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::App => "App",
        ResourceKind::DedicatedDatabase => "Dedicated database",
    }
}

fn kind_word(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::App => "app",
        ResourceKind::DedicatedDatabase => "database",
    }
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Owner => "Owner",
        Role::Collaborator => "Collaborator",
        Role::LimitedCollaborator => "Limited collaborator",
    }
}

fn status_label(status: MemberStatus) -> &'static str {
    match status {
        MemberStatus::Owner => "Owner",
        MemberStatus::Accepted => "Active",
        MemberStatus::Pending => "Invitation pending",
        MemberStatus::UserAccountDeleted => "Account deleted",
    }
}

fn two_factor_label(two_factor: TwoFactor) -> &'static str {
    match two_factor {
        TwoFactor::Enabled => "Enabled",
        TwoFactor::Disabled => "Disabled",
        TwoFactor::Unknown => "Unknown",
    }
}

/// The roles a collaborator can hold on `kind` (every role but owner).
fn collaborator_roles(kind: ResourceKind) -> impl Iterator<Item = Role> {
    [Role::LimitedCollaborator, Role::Collaborator]
        .into_iter()
        .filter(move |r| kind.has_role(*r))
}

fn base(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::App => "/apps",
        ResourceKind::DedicatedDatabase => "/databases",
    }
}

fn collaborators_url(resource: &ResourceRow) -> String {
    format!(
        "{}/{}/settings/collaborators",
        base(resource.kind),
        resource.name
    )
}

/// The crate's decision on `action` for `email`: `Ok` or the text of its
/// denial.
fn decision(
    state: &AppState,
    roster: &Roster,
    email: &Email,
    action: Action,
) -> Result<(), String> {
    let _ = state;
    match authorize(roster, email, action, &Context::new()) {
        Some(decision) => match decision.denial() {
            Some(denial) => Err(denial.to_string()),
            None => Ok(()),
        },
        None => Err(roster
            .may_view(email)
            .err()
            .map_or_else(String::new, |e| e.to_string())),
    }
}

fn query<T: for<'de> Deserialize<'de> + Default>(raw: Option<&str>) -> T {
    serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Static, index, sign-in.
// ---------------------------------------------------------------------------

/// `GET /static/style.css`.
pub async fn stylesheet() -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response();
    secure_headers(&mut response);
    response
}

/// `GET /`: to the dashboard (which sends a visitor to sign in).
pub async fn index() -> Response {
    redirect("/dashboard")
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

fn sign_in_form(token: &str, next: &str, email: &str) -> Markup {
    html! {
        form.card method="post" action="/sign-in" {
            input type="hidden" name="csrf" value=(token);
            input type="hidden" name="next" value=(next);
            div.field {
                label for="email" { "Email" }
                input #email type="email" name="email" value=(email) autocomplete="username" required;
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

/// A sign-in form with its double-submit cookie.
fn sign_in_response(
    state: &AppState,
    status: StatusCode,
    title: &str,
    before: Markup,
    next: &str,
    email: &str,
) -> Response {
    let token = match signin_token() {
        Ok(t) => t,
        Err(e) => return error_page(None, &e),
    };
    let markup = layout(
        title,
        None,
        Nav::None,
        html! {
            (before)
            (sign_in_form(&token, next, email))
        },
    );
    with_cookie(
        page(status, markup),
        set_cookie(state, signin_cookie_name(state), &token, 900, "Strict"),
    )
}

/// `GET /sign-in?next=PATH`.
pub async fn sign_in_page(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let q: NextQuery = query(raw.as_deref());
    sign_in_response(
        &state,
        StatusCode::OK,
        "Sign in",
        html! { h1 { "Sign in" } },
        local_path(q.next.as_deref()),
        "",
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: Option<String>,
    email: String,
    token: String,
}

/// `POST /sign-in`: email and API token; a session cookie and back to
/// `next`.
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    FormBody(form): FormBody<SignInForm>,
) -> Response {
    let expected = cookie(&headers, signin_cookie_name(&state)).unwrap_or("");
    if expected.is_empty() || !same_token(expected, &form.csrf) {
        return csrf_refused(None);
    }
    let next = local_path(form.next.as_deref()).to_string();
    match open_session(&state, &form.email, &form.token).await {
        Ok(value) => {
            let response = with_cookie(
                redirect(&next),
                set_cookie(
                    &state,
                    session_cookie_name(&state),
                    &value,
                    SESSION_TTL,
                    "Lax",
                ),
            );
            with_cookie(
                response,
                set_cookie(&state, signin_cookie_name(&state), "", 0, "Strict"),
            )
        }
        Err(ApiError::Unauthorized(_)) => sign_in_response(
            &state,
            StatusCode::UNAUTHORIZED,
            "Sign in",
            html! {
                h1 { "Sign in" }
                p.error role="alert" { "This email and API token do not match an account." }
            },
            &next,
            &form.email,
        ),
        Err(e) => error_page(None, &e),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /sign-out`: ends the session everywhere.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    FormBody(form): FormBody<CsrfForm>,
) -> Response {
    let session = match Session::from_headers(&state, &headers).await {
        Ok(Some(s)) => s,
        Ok(None) => return redirect("/sign-in"),
        Err(e) => return error_page(None, &e),
    };
    if !session.csrf_ok(&form.csrf) {
        return csrf_refused(Some(&session));
    }
    if let Err(e) = close_session(&state, &session).await {
        return error_page(Some(&session), &e);
    }
    with_cookie(
        redirect("/sign-in"),
        set_cookie(&state, session_cookie_name(&state), "", 0, "Lax"),
    )
}

// ---------------------------------------------------------------------------
// Dashboard.
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DoneQuery {
    done: Option<String>,
}

fn notice(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "added" => "Invitation sent. The collaborator appears dimmed until they accept.",
        "role" => "Role changed.",
        "removed" => "Access revoked.",
        "left" => "You stopped collaborating.",
        "accepted" => "Invitation accepted: you are now a collaborator.",
        _ => return None,
    })
}

/// `GET /dashboard`: the apps and databases the viewer owns or
/// collaborates on.
pub async fn dashboard(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let session = require(&state, &headers, &uri).await?;
    let q: DoneQuery = query(raw.as_deref());
    let mut items = Vec::new();
    for kind in [ResourceKind::App, ResourceKind::DedicatedDatabase] {
        items.extend(
            state
                .store
                .resources_of(
                    kind,
                    &session.caller.email,
                    crate::store::Holding::OwnerOrAccepted,
                )
                .await
                .map_err(|e| error_page(Some(&session), &e.into()))?,
        );
    }
    let email = &session.caller.email;
    let markup = layout(
        "Apps & databases",
        Some(&session),
        Nav::Apps,
        html! {
            h1 { "Apps & databases" }
            @if let Some(text) = notice(q.done.as_deref()) { p.notice role="status" { (text) } }
            @if items.is_empty() {
                p { "You own no app or database and collaborate on none yet." }
            } @else {
                table.list {
                    thead { tr { th scope="col" { "Name" } th scope="col" { "Kind" } th scope="col" { "Your role" } th scope="col" { "Settings" } } }
                    tbody {
                        @for (resource, roster) in &items {
                            tr {
                                td data-label="Name" { (resource.name) }
                                td data-label="Kind" { (kind_label(resource.kind)) }
                                td data-label="Your role" { (roster.effective_role(email).map_or("—", role_label)) }
                                td data-label="Settings" { a href=(collaborators_url(resource)) { "Collaborators" span.visually-hidden { " of " (resource.name) } } }
                            }
                        }
                    }
                }
            }
        },
    );
    Ok(page(StatusCode::OK, markup))
}

// ---------------------------------------------------------------------------
// Collaborators of one resource.
// ---------------------------------------------------------------------------

/// Writes `change` on `resource` as `email` (the store opens it again:
/// an active member, or the holder of an invitation link for an
/// acceptance).
async fn write_as(
    state: &AppState,
    email: &Email,
    resource: &ResourceRow,
    change: Change,
) -> ApiResult<crate::store::Committed> {
    let (at, seen) = match change {
        Change::Accept { .. } => (Locator::Invitation(&resource.id), Seen::Link),
        _ => (Locator::Key(resource.kind, &resource.id), Seen::Active),
    };
    let opened = state.store.open(at, email, seen).await?;
    Ok(state.store.write(opened, change).await?)
}

/// The resource `key` and its roster, if the viewer is an active member.
async fn visible(
    state: &AppState,
    session: &Session,
    kind: ResourceKind,
    key: &str,
) -> Result<(ResourceRow, std::sync::Arc<Roster>), Response> {
    let fail = |e: ApiError| error_page(Some(session), &e);
    let at = Locator::Key(kind, key);
    let opened = state
        .store
        .open(at, &session.caller.email, Seen::Active)
        .await
        .map_err(|e| fail(e.into()))?;
    Ok((opened.resource().clone(), opened.roster().clone()))
}

fn member_name(member: &Member) -> Markup {
    html! {
        span.email { (member.email().as_str()) }
        @if let Some(name) = member.username() {
            span.username { (name.as_str()) }
        }
    }
}

fn role_select(kind: ResourceKind, id: &str, selected: Role, exclude: Option<Role>) -> Markup {
    html! {
        select #(id) name="role" {
            @for role in collaborator_roles(kind).filter(|r| Some(*r) != exclude) {
                option value=(role.id()) selected[role == selected] { (role_label(role)) }
            }
        }
    }
}

struct Controls {
    invite: Result<(), String>,
    change: Result<(), String>,
    revoke: Result<(), String>,
}

fn collaborators_markup(
    state: &AppState,
    session: &Session,
    resource: &ResourceRow,
    roster: &Roster,
    message: Option<Markup>,
) -> Markup {
    let kind = resource.kind;
    let me = &session.caller.email;
    let controls = Controls {
        invite: decision(state, roster, me, Action::InviteCollaborator),
        change: decision(state, roster, me, Action::ChangeCollaboratorRole),
        revoke: decision(state, roster, me, Action::RevokeCollaborator),
    };
    let url = collaborators_url(resource);
    let default_role = kind.default_invitation_role();
    html! {
        p.crumbs { a href="/dashboard" { "Apps & databases" } " › " (resource.name) " › Settings" }
        h1 { "Collaborators" span.sub { (kind_label(kind)) " " (resource.name) } }
        @if let Some(message) = message { (message) }
        section aria-labelledby="add-title" {
            h2 #add-title { "Add a collaborator" }
            form.add method="post" action=(url) {
                (csrf_field(session))
                fieldset disabled[controls.invite.is_err()] {
                    legend.visually-hidden { "New collaborator" }
                    div.field {
                        label for="add-email" { "Email" }
                        input #add-email type="email" name="email" required autocomplete="off"
                            aria-describedby=[controls.invite.is_err().then_some("why-add")];
                    }
                    div.field {
                        label for="add-role" { "Role" }
                        (role_select(kind, "add-role", default_role, None))
                    }
                    button.primary type="submit" { "Add" }
                }
                @if let Err(why) = &controls.invite {
                    p.why #why-add { "You cannot add collaborators: " (why) }
                }
            }
        }
        section aria-labelledby="list-title" {
            h2 #list-title { "People with access" }
            @if controls.change.is_err() || controls.revoke.is_err() {
                div.why #why-manage {
                    @if let Err(why) = &controls.change { p { "Change role is not available to you: " (why) } }
                    @if let Err(why) = &controls.revoke { p { "Revoke access is not available to you: " (why) } }
                }
            }
            table.list.collaborators {
                thead {
                    tr {
                        th scope="col" { "Collaborator" }
                        th scope="col" { "Role" }
                        th scope="col" { "Status" }
                        th scope="col" { span.visually-hidden { "Actions" } }
                    }
                }
                tbody {
                    @for member in roster.iter() {
                        (member_row(state, session, resource, member, &controls, &url))
                    }
                }
            }
        }
    }
}

fn member_row(
    state: &AppState,
    session: &Session,
    resource: &ResourceRow,
    member: &Member,
    controls: &Controls,
    url: &str,
) -> Markup {
    let kind = resource.kind;
    let status = member.status();
    let pending = status == MemberStatus::Pending;
    let is_me = member.email() == &session.caller.email;
    let id = member.id().as_str();
    let other_roles = collaborator_roles(kind).any(|r| r != member.role());
    let show_link = pending && controls.invite.is_ok();
    html! {
        tr.pending[pending] data-email=(member.email().as_str()) data-status=(status.id()) data-role=(member.role().id()) {
            td data-label="Collaborator" {
                (member_name(member))
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
            td.actions data-label="Actions" {
                @if status == MemberStatus::Owner {
                    span.muted { "Owner: changes by transfer only" }
                } @else if is_me {
                    details.menu {
                        summary { "Actions" span.visually-hidden { " for " (member.email().as_str()) } }
                        div.items {
                            a href={(url) "/" (id) "/remove"} { "Stop collaborating" }
                        }
                    }
                } @else {
                    details.menu {
                        summary { "Actions" span.visually-hidden { " for " (member.email().as_str()) } }
                        div.items {
                            @match (&controls.change, other_roles) {
                                (Ok(()), true) => { a href={(url) "/" (id) "/role"} { "Change role" } }
                                (Ok(()), false) => {
                                    button type="button" disabled title={"no other role exists on a " (kind_word(kind))} { "Change role" }
                                }
                                (Err(why), _) => {
                                    button type="button" disabled title=(why) aria-describedby="why-manage" { "Change role" }
                                }
                            }
                            @match &controls.revoke {
                                Ok(()) => { a.danger href={(url) "/" (id) "/remove"} { "Revoke access" } }
                                Err(why) => {
                                    button type="button" disabled title=(why) aria-describedby="why-manage" { "Revoke access" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /apps/{app}/settings/collaborators`: the owner first, pending
/// invitations dimmed, the controls the crate allows the viewer.
pub async fn collaborators<K: Kind>(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    PathParams(key): PathParams<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let session = require(&state, &headers, &uri).await?;
    let (resource, roster) = visible(&state, &session, K::KIND, &key).await?;
    let q: DoneQuery = query(raw.as_deref());
    let message = notice(q.done.as_deref()).map(|text| html! { p.notice role="status" { (text) } });
    let body = collaborators_markup(&state, &session, &resource, &roster, message);
    Ok(page(
        StatusCode::OK,
        layout(
            &format!("Collaborators of {}", resource.name),
            Some(&session),
            Nav::Apps,
            body,
        ),
    ))
}

/// The collaborators page again, with the store's refusal of a
/// submission and its status.
async fn refused(
    state: &AppState,
    session: &Session,
    kind: ResourceKind,
    key: &str,
    error: &ApiError,
) -> Response {
    let (resource, roster) = match visible(state, session, kind, key).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if matches!(error, ApiError::Internal(_)) {
        return error_page(Some(session), error);
    }
    let message = html! { p.error role="alert" { "Refused: " (error.to_string()) } };
    page(
        error.status(),
        layout(
            &format!("Collaborators of {}", resource.name),
            Some(session),
            Nav::Apps,
            collaborators_markup(state, session, &resource, &roster, Some(message)),
        ),
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct AddForm {
    #[serde(default)]
    csrf: String,
    email: String,
    #[serde(default)]
    role: Option<String>,
}

/// `POST /apps/{app}/settings/collaborators`: invites (the store decides).
pub async fn add<K: Kind>(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    PathParams(key): PathParams<String>,
    FormBody(form): FormBody<AddForm>,
) -> PageResult {
    let session = require(&state, &headers, &uri).await?;
    if !session.csrf_ok(&form.csrf) {
        return Err(csrf_refused(Some(&session)));
    }
    let kind = K::KIND;
    let (resource, _) = visible(&state, &session, kind, &key).await?;
    let result = async {
        let email = parse_email(form.email.trim())?;
        let role = match form.role.as_deref() {
            None | Some("") => None,
            Some(r) => {
                Some(Role::from_str(r).map_err(|e| ApiError::Unprocessable(format!("role: {e}")))?)
            }
        };
        write_as(
            &state,
            &session.caller.email,
            &resource,
            Change::Invite { email, role },
        )
        .await
    }
    .await;
    match result {
        Ok(_) => Ok(redirect(&format!(
            "{}?done=added",
            collaborators_url(&resource)
        ))),
        Err(e) => Err(refused(&state, &session, kind, &key, &e).await),
    }
}

fn find_member<'r>(roster: &'r Roster, id: &str) -> ApiResult<&'r Member> {
    let id = MemberId::new(id).map_err(|_| ApiError::not_found("collaborator"))?;
    roster
        .get_by_id(&id)
        .ok_or_else(|| ApiError::not_found("collaborator"))
}

fn confirm_page(session: &Session, resource: &ResourceRow, title: &str, body: Markup) -> Response {
    page(
        StatusCode::OK,
        layout(
            title,
            Some(session),
            Nav::Apps,
            html! {
                p.crumbs { a href="/dashboard" { "Apps & databases" } " › " (resource.name) " › "
                    a href=(collaborators_url(resource)) { "Collaborators" } }
                div.dialog role="dialog" aria-labelledby="dialog-title" {
                    h1 #dialog-title { (title) }
                    (body)
                }
            },
        ),
    )
}

/// `GET .../collaborators/{member}/role`: the new role and a confirm
/// button (or why the viewer may not).
pub async fn role_page<K: Kind>(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    PathParams((key, member_id)): PathParams<(String, String)>,
) -> PageResult {
    let session = require(&state, &headers, &uri).await?;
    let (resource, roster) = visible(&state, &session, K::KIND, &key).await?;
    let member = find_member(&roster, &member_id).map_err(|e| error_page(Some(&session), &e))?;
    let allowed = decision(
        &state,
        &roster,
        &session.caller.email,
        Action::ChangeCollaboratorRole,
    );
    let url = collaborators_url(&resource);
    let current = member.role();
    let next = collaborator_roles(resource.kind).find(|r| *r != current);
    let body = html! {
        p { "Change the role of " strong { (member.email().as_str()) } " on " (resource.name) ". Now: " (role_label(current)) "." }
        @match (&allowed, next, member.status()) {
            (_, _, MemberStatus::Owner) => {
                p.why { "The owner's role changes only by a transfer of ownership." }
            }
            (Err(why), _, _) => { p.why { "You cannot change roles: " (why) } }
            (Ok(()), None, _) => { p.why { "No other role exists on a " (kind_word(resource.kind)) "." } }
            (Ok(()), Some(next), _) => {
                form method="post" action={(url) "/" (member.id().as_str()) "/role"} {
                    (csrf_field(&session))
                    div.field {
                        label for="new-role" { "New role" }
                        (role_select(resource.kind, "new-role", next, Some(current)))
                    }
                    div.buttons {
                        button.primary type="submit" { "Change role" }
                        a.button href=(url) { "Cancel" }
                    }
                }
            }
        }
        p { a href=(url) { "Back to the collaborators" } }
    };
    Ok(confirm_page(&session, &resource, "Change role", body))
}

#[derive(Debug, Deserialize)]
pub(crate) struct RoleForm {
    #[serde(default)]
    csrf: String,
    role: String,
}

/// `POST .../collaborators/{member}/role` (the store decides).
pub async fn change_role<K: Kind>(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    PathParams((key, member_id)): PathParams<(String, String)>,
    FormBody(form): FormBody<RoleForm>,
) -> PageResult {
    let session = require(&state, &headers, &uri).await?;
    if !session.csrf_ok(&form.csrf) {
        return Err(csrf_refused(Some(&session)));
    }
    let kind = K::KIND;
    let (resource, _) = visible(&state, &session, kind, &key).await?;
    let result = async {
        let role = Role::from_str(&form.role)
            .map_err(|e| ApiError::Unprocessable(format!("role: {e}")))?;
        write_as(
            &state,
            &session.caller.email,
            &resource,
            Change::ChangeRole { member_id, role },
        )
        .await
    }
    .await;
    match result {
        Ok(_) => Ok(redirect(&format!(
            "{}?done=role",
            collaborators_url(&resource)
        ))),
        Err(e) => Err(refused(&state, &session, kind, &key, &e).await),
    }
}

/// `GET .../collaborators/{member}/remove`: the confirmation naming the
/// email ("Delete user@example.com"), or "Stop collaborating" for
/// oneself.
pub async fn remove_page<K: Kind>(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    PathParams((key, member_id)): PathParams<(String, String)>,
) -> PageResult {
    let session = require(&state, &headers, &uri).await?;
    let (resource, roster) = visible(&state, &session, K::KIND, &key).await?;
    let member = find_member(&roster, &member_id).map_err(|e| error_page(Some(&session), &e))?;
    let url = collaborators_url(&resource);
    let action = format!("{url}/{}/remove", member.id().as_str());
    let email = member.email().as_str();
    let is_me = member.email() == &session.caller.email;
    let (title, body) = if member.status() == MemberStatus::Owner {
        (
            "Revoke access",
            html! { p.why { "The owner cannot be removed; ownership moves only by transfer." } },
        )
    } else if is_me {
        (
            "Stop collaborating",
            html! {
                p { "You will lose access to " (resource.name) " until someone invites you again." }
                form method="post" action=(action) {
                    (csrf_field(&session))
                    div.buttons {
                        button.danger type="submit" { "Stop collaborating" }
                        a.button href=(url) { "Cancel" }
                    }
                }
            },
        )
    } else {
        let allowed = decision(
            &state,
            &roster,
            &session.caller.email,
            Action::RevokeCollaborator,
        );
        (
            "Revoke access",
            html! {
                @match &allowed {
                    Err(why) => { p.why { "You cannot revoke access: " (why) } }
                    Ok(()) => {
                        p { strong { (email) } " will lose access to " (resource.name) "." }
                        form method="post" action=(action) {
                            (csrf_field(&session))
                            div.buttons {
                                button.danger type="submit" { "Delete " (email) }
                                a.button href=(url) { "Cancel" }
                            }
                        }
                    }
                }
            },
        )
    };
    Ok(confirm_page(&session, &resource, title, body))
}

/// `POST .../collaborators/{member}/remove`: revokes, or leaves for
/// oneself (the store decides).
pub async fn remove<K: Kind>(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    PathParams((key, member_id)): PathParams<(String, String)>,
    FormBody(form): FormBody<CsrfForm>,
) -> PageResult {
    let session = require(&state, &headers, &uri).await?;
    if !session.csrf_ok(&form.csrf) {
        return Err(csrf_refused(Some(&session)));
    }
    let kind = K::KIND;
    let (resource, roster) = visible(&state, &session, kind, &key).await?;
    let leaving =
        find_member(&roster, &member_id).is_ok_and(|m| m.email() == &session.caller.email);
    // Not held across the write, which then applies its event in place.
    drop(roster);
    let result = write_as(
        &state,
        &session.caller.email,
        &resource,
        Change::Remove { member_id },
    )
    .await;
    match result {
        Ok(_) if leaving => Ok(redirect("/dashboard?done=left")),
        Ok(_) => Ok(redirect(&format!(
            "{}?done=removed",
            collaborators_url(&resource)
        ))),
        Err(e) => Err(refused(&state, &session, kind, &key, &e).await),
    }
}

// ---------------------------------------------------------------------------
// Invitations.
// ---------------------------------------------------------------------------

/// The resource, roster and pending member a link names, if its secret
/// is the one the service derives for them.
async fn invitation_target(
    state: &AppState,
    resource_id: &str,
    member_id: &str,
    secret: &str,
) -> ApiResult<(ResourceRow, std::sync::Arc<Roster>, Member)> {
    let gone = || ApiError::NotFound("this invitation does not exist or is no longer valid".into());
    if !same_token(
        &state.store.invitation_secret(resource_id, member_id),
        secret,
    ) {
        return Err(gone());
    }
    let resource = state
        .store
        .resource_by_id(resource_id)
        .await
        .map_err(|_| gone())?;
    let roster = state.store.roster(&resource).await?;
    let member = find_member(&roster, member_id).map_err(|_| gone())?.clone();
    if member.status() != MemberStatus::Pending {
        return Err(gone());
    }
    Ok((resource, roster, member))
}

/// `GET /v1/invitations/{resource}/{member}/{secret}`: the page behind
/// the invitation link. A visitor signs in on it; the invitee accepts.
pub async fn invitation(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    PathParams((resource_id, member_id, secret)): PathParams<(String, String, String)>,
) -> Response {
    let session = match Session::from_headers(&state, &headers).await {
        Ok(s) => s,
        Err(e) => return error_page(None, &e),
    };
    let (resource, roster, member) =
        match invitation_target(&state, &resource_id, &member_id, &secret).await {
            Ok(found) => found,
            Err(e) => return error_page(session.as_ref(), &e),
        };
    let summary = html! {
        h1 { "Invitation" }
        p.lead {
            strong { (roster.owner().email().as_str()) } " invited "
            strong { (member.email().as_str()) } " to collaborate on the "
            (kind_word(resource.kind)) " " strong { (resource.name) } " as a "
            (role_label(member.role()).to_lowercase()) "."
        }
    };
    match session {
        None => sign_in_response(
            &state,
            StatusCode::OK,
            "Invitation",
            html! {
                (summary)
                p { "Sign in as " (member.email().as_str()) " to accept." }
            },
            uri.path(),
            member.email().as_str(),
        ),
        Some(session) if member.email() == &session.caller.email => page(
            StatusCode::OK,
            layout(
                "Invitation",
                Some(&session),
                Nav::None,
                html! {
                    (summary)
                    form method="post" action="/invitations/accept" {
                        (csrf_field(&session))
                        input type="hidden" name="resource" value=(resource.id);
                        input type="hidden" name="member" value=(member.id().as_str());
                        input type="hidden" name="secret" value=(secret);
                        div.buttons {
                            button.primary type="submit" { "Accept invitation" }
                        }
                    }
                },
            ),
        ),
        Some(session) => page(
            StatusCode::FORBIDDEN,
            layout(
                "Invitation",
                Some(&session),
                Nav::None,
                html! {
                    (summary)
                    p.why role="alert" {
                        "You are signed in as " (session.caller.email.as_str())
                        ": this invitation is for another account. Sign out, then open the link again."
                    }
                },
            ),
        ),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct AcceptForm {
    #[serde(default)]
    csrf: String,
    resource: String,
    member: String,
    secret: String,
}

/// `POST /invitations/accept`: the signed-in invitee accepts (the store
/// decides); to the resource's collaborators.
pub async fn accept(
    State(state): State<AppState>,
    headers: HeaderMap,
    FormBody(form): FormBody<AcceptForm>,
) -> PageResult {
    // Signed out meanwhile: sign in again, then open the link again.
    let session = require(&state, &headers, &Uri::from_static("/dashboard")).await?;
    if !session.csrf_ok(&form.csrf) {
        return Err(csrf_refused(Some(&session)));
    }
    let fail = |e: ApiError| error_page(Some(&session), &e);
    let (resource, _, _) = invitation_target(&state, &form.resource, &form.member, &form.secret)
        .await
        .map_err(fail)?;
    // As the API's route: an account without a username accepts
    // without one.
    let username = session
        .caller
        .username
        .as_deref()
        .map(Username::new)
        .transpose()
        .map_err(|e| fail(ApiError::internal(e)))?;
    let committed = write_as(
        &state,
        &session.caller.email,
        &resource,
        Change::Accept {
            member_id: form.member,
            secret: form.secret,
            username,
        },
    )
    .await
    .map_err(fail)?;
    Ok(redirect(&format!(
        "{}?done=accepted",
        collaborators_url(&committed.resource)
    )))
}

// ---------------------------------------------------------------------------
// The consolidated directory.
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DirectoryQuery {
    group_by: Option<String>,
    format: Option<String>,
}

fn grouping(q: &DirectoryQuery) -> Grouping {
    match q.group_by.as_deref() {
        Some("resource") => Grouping::ByResource,
        _ => Grouping::ByCollaborator,
    }
}

fn grouping_id(grouping: Grouping) -> &'static str {
    match grouping {
        Grouping::ByResource => "resource",
        _ => "collaborator",
    }
}

/// `GET /collaborators?group_by=collaborator|resource`: everyone on the
/// viewer's apps and databases with their two-factor status, from the
/// crate's directory.
pub async fn directory(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let session = require(&state, &headers, &uri).await?;
    let q: DirectoryQuery = query(raw.as_deref());
    let grouping = grouping(&q);
    let fail = |e: ApiError| error_page(Some(&session), &e);
    let owned = state
        .store
        .owned(&session.caller.email)
        .await
        .map_err(|e| fail(e.into()))?;
    let directory = build_directory(&owned).map_err(fail)?;
    let g = grouping_id(grouping);
    let by_collaborator = grouping == Grouping::ByCollaborator;
    let markup = layout(
        "Collaborators",
        Some(&session),
        Nav::Directory,
        html! {
            h1 { "Collaborators" }
            p.lead { "Everyone collaborating on the apps and databases you own." }
            div.toolbar {
                div.toggle role="group" aria-label="Group by" {
                    span.label { "Group by" }
                    a href="/collaborators?group_by=collaborator" aria-current=[by_collaborator.then_some("true")] { "Collaborator" }
                    a href="/collaborators?group_by=resource" aria-current=[(!by_collaborator).then_some("true")] { "App" }
                }
                div.export {
                    a.button #export-csv href={"/collaborators/export?format=csv&group_by=" (g)} download="collaborators.csv" { "Export as CSV" }
                    details.menu {
                        summary { "More formats" }
                        div.items {
                            a #export-json href={"/collaborators/export?format=json&group_by=" (g)} { "Export as JSON" }
                        }
                    }
                }
            }
            @if directory.is_empty() {
                p { "Nobody collaborates on your apps and databases yet." }
            } @else if by_collaborator {
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
                                            li.pending[m.status() == MemberStatus::Pending] {
                                                (m.resource().name()) " — " (role_label(m.role()))
                                                @if m.status() == MemberStatus::Pending { " (" (status_label(m.status()).to_lowercase()) ")" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            } @else {
                @let by_resource = directory.by_resource();
                @if by_resource.is_empty() { p { "None of your apps and databases has collaborators." } }
                @for group in by_resource.iter() {
                    section.resource data-resource=(group.resource().name()) {
                        h2 { (group.resource().name()) span.sub { (kind_label(group.resource().kind())) } }
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
        },
    );
    Ok(page(StatusCode::OK, markup))
}

/// `GET /collaborators/export?format=csv|json&group_by=...`: the crate's
/// export, as the API's `/v1/directory` gives it.
pub async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let session = require(&state, &headers, &uri).await?;
    let q: DirectoryQuery = query(raw.as_deref());
    let fail = |e: ApiError| error_page(Some(&session), &e);
    let owned = state
        .store
        .owned(&session.caller.email)
        .await
        .map_err(|e| fail(e.into()))?;
    let directory = build_directory(&owned).map_err(fail)?;
    let format = if q.format.as_deref() == Some("json") {
        Format::Json
    } else {
        Format::Csv
    };
    let mut response = export_directory(&directory, grouping(&q), format).map_err(fail)?;
    secure_headers(&mut response);
    Ok(response)
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
