//! The Collaborators pages in a real browser: headless Chromium driven
//! over WebDriver (chromedriver on a loopback port), against the service
//! on loopback and a throwaway PostgreSQL.
//!
//! Needs the Debian packages `chromium` and `chromium-driver`
//! (`apt-get install chromium chromium-driver`). Screenshots of every
//! screen, at desktop width and at 375 px, are written under
//! `target/screenshots/`.

mod browser_support;
mod common;

use std::time::Duration;

use browser_support::{Browser, csv_rows, screenshot_dir};
use collab_authz::{Action, Context, ResourceKind, Role, decide};
use common::{Api, Service, User, send, service, user, user_2fa};
use serde_json::json;

/// The whole test must end by then.
const BUDGET: Duration = Duration::from_secs(150);

/// The crate's explanation, in people's words, of `role` being refused
/// `action` on `kind`.
fn explained(role: Role, kind: ResourceKind, action: Action) -> String {
    decide(role, kind, action, &Context::new())
        .denial()
        .expect("denied")
        .explain()
        .to_string()
}

/// `text` (a page's explanation) holds no identifier of the crate's:
/// no `limited_collaborator`, no `invite_collaborator`.
fn assert_in_words(text: &str) {
    let ids = Action::ALL
        .iter()
        .map(|a| a.id())
        .chain(Role::ALL.iter().map(|r| r.id()))
        .filter(|id| id.contains('_'));
    for id in ids {
        assert!(!text.contains(id), "{id:?} shown in {text:?}");
    }
}

/// The text of `html` without its tags (and so without attribute
/// values, which a person does not read).
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The first line of the API's CSV export of what `owner` owns, grouped
/// by resource (the page's current grouping).
async fn csv_rows_header(api: &Api, owner: &User) -> String {
    let r = api
        .call(
            owner,
            "GET",
            "/v1/directory?format=csv&group_by=resource",
            None,
        )
        .await;
    r.text().lines().next().unwrap_or_default().to_string()
}

async fn create(api: &Api, owner: &User, path: &str, name: &str) {
    // `{"app":...}` on /v1/apps, `{"database":...}` on /v1/databases.
    let key = if path.ends_with("/databases") {
        "database"
    } else {
        "app"
    };
    let r = api
        .call(owner, "POST", path, Some(json!({ key: {"name": name} })))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
}

/// The API's collaborators of `app` as `who`: (email, role, status).
async fn api_collaborators(api: &Api, who: &User, app: &str) -> Vec<(String, String, String)> {
    let r = api
        .call(who, "GET", &format!("/v1/apps/{app}/collaborators"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["collaborators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["email"].as_str().unwrap().to_string(),
                c["role"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Gives `user` a username the service's own sign-up refuses but the
/// platform may hold (an imported account): hostile markup.
async fn set_username(svc: &Service, user: &User, name: &str) {
    let client = svc.state.pool.get().await.unwrap();
    client
        .execute(
            "UPDATE users SET username = $1 WHERE id = $2",
            &[&name, &user.id],
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collaborators_pages_in_a_browser() {
    tokio::time::timeout(BUDGET, flow())
        .await
        .expect("the browser test ran past its time budget");
}

async fn flow() {
    let svc = service().await;
    let api = Api { addr: svc.addr };
    let base = format!("http://{}", svc.addr);
    let owner = user(&svc, "olivia@example.com", Some("olivia")).await;
    let ada = user_2fa(
        &svc,
        "ada@example.com",
        Some("ada"),
        collab_authz::org::directory::TwoFactor::Disabled,
    )
    .await;
    let mallory = user(&svc, "mallory@example.com", Some("mallory")).await;
    let hostile = "<script>alert(1)</script>";
    set_username(&svc, &mallory, hostile).await;
    create(&api, &owner, "/v1/apps", "shop-api").await;
    create(&api, &owner, "/v1/apps", "empty-app").await;
    create(&api, &owner, "/v1/databases", "main-db").await;

    let b = Browser::start().await;
    let shots = screenshot_dir();

    // A signed-out visitor is sent to sign in, and back after.
    b.goto(&format!("{base}/apps/shop-api/settings/collaborators"))
        .await;
    b.wait_css("form[action='/sign-in']").await;
    let url = b.client.current_url().await.unwrap();
    assert_eq!(url.path(), "/sign-in");
    assert_eq!(
        url.query(),
        Some("next=%2Fapps%2Fshop-api%2Fsettings%2Fcollaborators")
    );
    b.shoot(&shots, "01-sign-in").await;
    // A plain text field with an email keyboard: `type=email` would refuse
    // a quoted local part the crate accepts.
    assert_eq!(b.attr("#email", "type").await, "text");
    assert_eq!(b.attr("#email", "inputmode").await, "email");
    assert_eq!(b.attr("#email", "autocomplete").await, "email");
    b.fill("#email", &owner.email).await;
    b.fill("#token", &owner.api_token).await;
    b.click("form[action='/sign-in'] button[type=submit]").await;
    b.wait_css("form.add").await;
    assert_eq!(
        b.client.current_url().await.unwrap().path(),
        "/apps/shop-api/settings/collaborators"
    );

    // The owner's page: owner first, Add offered, Limited by default.
    let rows = b.rows().await;
    assert_eq!(rows, vec![("olivia@example.com".into(), "owner".into())]);
    assert_eq!(b.value("#add-role").await, "limited_collaborator");
    assert_eq!(b.count(".why").await, 0, "the owner may do everything");
    b.shoot(&shots, "02-collaborators-owner").await;

    // Invites: ada as a full collaborator, mallory with the default role.
    b.fill("#add-email", "ada@example.com").await;
    b.select("#add-role", "collaborator").await;
    b.click("form.add button[type=submit]").await;
    b.wait_css("p.notice").await;
    b.fill("#add-email", "mallory@example.com").await;
    b.click("form.add button[type=submit]").await;
    // The previous page has a notice too: wait for the new row, so that
    // no element below is read from the page being replaced (stale).
    b.wait_css("tr[data-email='mallory@example.com']").await;
    let ada_row = "tr[data-email='ada@example.com']";
    assert_eq!(b.attr(ada_row, "data-status").await, "pending");
    // Adding her again changes nothing and says why, in words.
    b.fill("#add-email", "ada@example.com").await;
    b.click("form.add button[type=submit]").await;
    let again = b.text("p.error").await;
    assert_eq!(
        again,
        "Not done: ada@example.com is already on the list (invitation pending)."
    );
    assert_eq!(b.count(ada_row).await, 1);
    assert!(
        b.opacity(ada_row).await < 0.9,
        "a pending invitation is dimmed"
    );
    assert_eq!(
        b.attr("tr[data-email='mallory@example.com']", "data-role")
            .await,
        "limited_collaborator"
    );
    let ada_link = b
        .attr(&format!("{ada_row} input.invitation-link"), "value")
        .await;
    let mallory_link = b
        .attr(
            "tr[data-email='mallory@example.com'] input.invitation-link",
            "value",
        )
        .await;
    assert!(ada_link.starts_with(&format!("{base}/v1/invitations/")));
    b.shoot(&shots, "03-collaborators-pending").await;

    // A dedicated database: no limited role, Collaborator by default.
    b.goto(&format!("{base}/databases/main-db/settings/collaborators"))
        .await;
    b.wait_css("form.add").await;
    // One collaborator role: said in words, not offered as a choice.
    assert_eq!(b.count("#add-role").await, 0);
    assert_eq!(
        b.attr("form.add input[name=role]", "value").await,
        "collaborator"
    );
    let hint = b.text("#add-role-hint").await;
    assert!(hint.contains("only one collaborator role"), "{hint}");
    b.fill("#add-email", "ada@example.com").await;
    b.click("form.add button[type=submit]").await;
    b.wait_css("p.notice").await;
    // The owner is offered Revoke only, with nothing greyed and no
    // sentence about her: the kind has one role.
    let db_ada = "tr[data-email='ada@example.com']";
    assert_eq!(b.count(&format!("{db_ada} a[href$='/role']")).await, 0);
    assert_eq!(
        b.text(&format!("{db_ada} td.actions a[href$='/remove']"))
            .await,
        "Withdraw invitation",
        "removing a pending invitee withdraws the invitation"
    );
    assert_eq!(b.count("button:disabled, .why").await, 0);
    let page = b.client.source().await.unwrap();
    assert!(!page.contains("not available to you"));
    b.shoot(&shots, "04-database-collaborators").await;
    // Its role page, opened by hand, says why in words.
    let ada_id = b.attr(db_ada, "data-email").await;
    assert_eq!(ada_id, "ada@example.com");
    let remove = b
        .attr(&format!("{db_ada} a[href$='/remove']"), "href")
        .await;
    b.goto(&remove.replace("/remove", "/role")).await;
    let why = b.text(".dialog .why").await;
    assert_eq!(
        why,
        explained(
            Role::Owner,
            ResourceKind::DedicatedDatabase,
            Action::ChangeCollaboratorRole
        )
    );
    assert_eq!(b.count(".dialog form").await, 0);
    b.sign_out().await;

    // The invitee opens the link, signs in on it, accepts.
    b.goto(&ada_link).await;
    b.wait_css("form[action='/sign-in']").await;
    assert_eq!(b.value("#email").await, "ada@example.com");
    b.shoot(&shots, "05-invitation-signed-out").await;
    b.fill("#token", &ada.api_token).await;
    b.click("form[action='/sign-in'] button[type=submit]").await;
    b.wait_css("form[action='/invitations/accept']").await;
    assert_eq!(b.client.current_url().await.unwrap().as_str(), ada_link);
    b.shoot(&shots, "06-invitation-accept").await;
    b.click("form[action='/invitations/accept'] button").await;
    b.wait_css("p.notice").await;
    assert_eq!(b.attr(ada_row, "data-status").await, "accepted");
    assert!(
        b.opacity(ada_row).await > 0.99,
        "an accepted row is not dimmed"
    );
    b.sign_out().await;

    // Mallory (hostile username) accepts too.
    b.goto(&mallory_link).await;
    b.wait_css("form[action='/sign-in']").await;
    b.fill("#token", &mallory.api_token).await;
    b.click("form[action='/sign-in'] button[type=submit]").await;
    b.wait_css("form[action='/invitations/accept']").await;
    b.click("form[action='/invitations/accept'] button").await;
    b.wait_css("p.notice").await;
    b.sign_out().await;

    // The owner changes ada's role through the row's menu and the dialog.
    b.sign_in(&base, &owner, "/apps/shop-api/settings/collaborators")
        .await;
    b.wait_css("form.add").await;
    assert!(b.opacity(ada_row).await > 0.99);
    let hostile_text = b
        .text("tr[data-email='mallory@example.com'] .username")
        .await;
    assert_eq!(hostile_text, hostile, "the username shows as text");
    assert!(b.client.get_alert_text().await.is_err(), "no script ran");
    let source = b.client.source().await.unwrap();
    assert!(!source.contains(hostile), "the markup is escaped");
    assert!(source.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    b.shoot(&shots, "07-collaborators-accepted").await;
    let mallory_row = "tr[data-email='mallory@example.com']";
    b.click(&format!("{ada_row} details.menu summary")).await;
    assert_eq!(
        b.attr(&format!("{ada_row} details.menu"), "name").await,
        "row-actions"
    );
    // The open menu takes room in its row: the next row starts below it.
    let (_, menu_bottom) = b.rect(&format!("{ada_row} details.menu .items")).await;
    let (next_top, _) = b.rect(mallory_row).await;
    assert!(
        menu_bottom <= next_top + 0.5,
        "the open menu ({menu_bottom}) covers the next row ({next_top})"
    );
    b.shoot(&shots, "08-row-menu").await;
    // Opening another row's menu closes this one (no script).
    b.click(&format!("{mallory_row} details.menu summary"))
        .await;
    assert!(b.prop(&format!("{mallory_row} details.menu"), "open").await);
    assert!(!b.prop(&format!("{ada_row} details.menu"), "open").await);
    b.click(&format!("{ada_row} details.menu summary")).await;
    b.click(&format!("{ada_row} a[href$='/role']")).await;
    b.wait_css("#new-role").await;
    assert_eq!(b.value("#new-role").await, "limited_collaborator");
    b.shoot(&shots, "09-change-role").await;
    b.click(".dialog button[type=submit]").await;
    b.wait_css("p.notice").await;
    assert_eq!(b.attr(ada_row, "data-role").await, "limited_collaborator");
    assert!(
        api_collaborators(&api, &owner, "shop-api")
            .await
            .contains(&(
                "ada@example.com".into(),
                "limited_collaborator".into(),
                "accepted".into()
            ))
    );

    // The consolidated tab, both groupings, and its exports.
    b.click("header nav a[href='/collaborators']").await;
    b.wait_css("table.directory").await;
    let people = b.attrs("table.directory tbody tr", "data-email").await;
    assert_eq!(
        people,
        vec![
            "ada@example.com",
            "mallory@example.com",
            "olivia@example.com"
        ]
    );
    assert_eq!(
        b.text("tr[data-email='ada@example.com'] .tfa").await,
        "Disabled"
    );
    assert_eq!(
        b.text("tr[data-email='mallory@example.com'] .username")
            .await,
        hostile
    );
    b.shoot(&shots, "10-directory-by-collaborator").await;
    assert_eq!(
        b.text(".toggle a[href$='group_by=resource']").await,
        "App or database"
    );
    b.click(".toggle a[href$='group_by=resource']").await;
    b.wait_css("section.resource").await;
    let groups = b.attrs("section.resource", "data-resource").await;
    assert_eq!(
        groups,
        vec!["shop-api", "main-db"],
        "only resources with collaborators, apps then databases"
    );
    let kinds = b.attrs("section.resource", "data-kind").await;
    assert_eq!(kinds, vec!["app", "dedicated_database"]);
    assert_eq!(
        b.text("section.resource[data-resource='main-db'] h3 .sub")
            .await,
        "Database"
    );
    assert_eq!(
        b.text("section.resource[data-resource='shop-api'] h3 .sub")
            .await,
        "App"
    );
    assert_eq!(b.text("h2.kind[data-kind='app']").await, "Apps");
    assert_eq!(
        b.text("h2.kind[data-kind='dedicated_database']").await,
        "Databases"
    );
    b.shoot(&shots, "11-directory-by-app").await;
    let cookie = b.session_cookie().await;
    // Both exports download, under the name the link suggests.
    for (link, name) in [
        ("#export-csv", "collaborators.csv"),
        ("#export-json", "collaborators.json"),
    ] {
        assert_eq!(b.attr(link, "download").await, name);
        let href = b.attr(link, "href").await;
        let path = href.strip_prefix(&base).unwrap_or(&href).to_string();
        let r = send(svc.addr, "GET", &path, &[("cookie", &cookie)], None).await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(
            r.headers["content-disposition"],
            format!("attachment; filename=\"{name}\"").as_str()
        );
    }
    for grouping in ["collaborator", "resource"] {
        let href = format!("/collaborators/export?format=csv&group_by={grouping}");
        let page = send(svc.addr, "GET", &href, &[("cookie", &cookie)], None).await;
        assert_eq!(page.status, 200, "{}", page.text());
        assert!(
            page.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let api_csv = api
            .call(
                &owner,
                "GET",
                &format!("/v1/directory?format=csv&group_by={grouping}"),
                None,
            )
            .await;
        assert_eq!(
            page.body, api_csv.body,
            "the page exports what the API does"
        );
        let rows = csv_rows(&page.text());
        let header = &rows[0];
        let email = header.iter().position(|h| h == "email").unwrap();
        let resource = header
            .iter()
            .position(|h| h == "resource" || h == "resource_name" || h == "app")
            .unwrap_or_else(|| panic!("no resource column in {header:?}"));
        let mut cells: Vec<(String, String)> = rows[1..]
            .iter()
            .map(|r| (r[email].clone(), r[resource].clone()))
            .collect();
        cells.sort();
        let mut expected: Vec<(String, String)> = [
            ("ada@example.com", "main-db"),
            ("ada@example.com", "shop-api"),
            ("mallory@example.com", "shop-api"),
            ("olivia@example.com", "main-db"),
            ("olivia@example.com", "shop-api"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        if grouping == "collaborator" {
            // Every membership, the owner's of the app with no
            // collaborators included.
            expected.push(("olivia@example.com".into(), "empty-app".into()));
            expected.sort();
        }
        assert_eq!(cells, expected, "CSV grouped by {grouping}");
    }
    // Clicked, both links download (the page stays), under those names.
    let here = b.client.current_url().await.unwrap();
    b.click("#export-json").await;
    let json_file = b.downloaded("collaborators.json").await;
    assert!(serde_json::from_slice::<serde_json::Value>(&json_file).is_ok());
    b.click("#export-csv").await;
    let csv_file = b.downloaded("collaborators.csv").await;
    assert!(
        String::from_utf8(csv_file)
            .unwrap()
            .starts_with(&csv_rows_header(&api, &owner).await)
    );
    assert_eq!(b.client.current_url().await.unwrap(), here);
    // JSON sits beside CSV.
    let json_href = b.attr("#export-json", "href").await;
    assert!(b.displayed("#export-json").await);
    let path = json_href.strip_prefix(&base).unwrap_or(&json_href);
    let r = send(svc.addr, "GET", path, &[("cookie", &cookie)], None).await;
    assert_eq!(r.status, 200);
    assert!(r.json().is_array() || r.json().is_object());

    // The limited collaborator sees the list first, no Add form, no
    // greyed controls, and one short sentence in words for what she may
    // not do.
    b.sign_out().await;
    b.sign_in(&base, &ada, "/apps/shop-api/settings/collaborators")
        .await;
    b.wait_css("table.collaborators").await;
    assert_eq!(b.count("table.collaborators tbody tr").await, 3);
    assert_eq!(b.count("form.add").await, 0);
    assert_eq!(b.count("button:disabled, fieldset:disabled").await, 0);
    assert_eq!(b.count(".why").await, 1, "one reason");
    let why = b.text("#why").await;
    assert_in_words(&why);
    assert!(why.contains(Role::LimitedCollaborator.label()), "{why}");
    for action in [
        Action::InviteCollaborator,
        Action::ChangeCollaboratorRole,
        Action::RevokeCollaborator,
    ] {
        assert!(why.contains(action.label()), "{why}");
    }
    let list_first = b
        .client
        .execute(
            "return !!(document.querySelector('table.collaborators')\
               .compareDocumentPosition(document.getElementById('why')) \
               & Node.DOCUMENT_POSITION_FOLLOWING);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        list_first,
        serde_json::Value::Bool(true),
        "the list comes first"
    );
    assert_eq!(b.count(&format!("{mallory_row} a")).await, 0);
    assert_eq!(b.count("details.menu").await, 0, "no menu of greyed items");
    // Her own row offers Stop collaborating, as a plain link.
    assert_eq!(
        b.text(&format!("{ada_row} td.actions a[href$='/remove']"))
            .await,
        "Stop collaborating"
    );
    b.shoot(&shots, "12-limited-collaborator").await;
    // She owns nothing: her Collaborators tab offers no grouping or export.
    b.click_label("//header", "a", "Collaborators").await;
    b.wait_css("p.empty").await;
    assert_eq!(b.count(".toolbar, #export-csv, #export-json").await, 0);
    b.goto(&format!("{base}/apps/shop-api/settings/collaborators"))
        .await;
    b.wait_css("table.collaborators").await;

    // The server decides again: a submission the page did not offer is
    // refused with the crate's reason, and nothing changes.
    let cookie = b.session_cookie().await;
    let csrf = b.attr("form.signout input[name=csrf]", "value").await;
    let before = api_collaborators(&api, &owner, "shop-api").await;
    let body = format!("csrf={csrf}&email=eve%40example.com&role=limited_collaborator");
    let r = send(
        svc.addr,
        "POST",
        "/apps/shop-api/settings/collaborators",
        &[
            ("cookie", &cookie),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        Some(body.into_bytes()),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text());
    let refusal = visible_text(&r.text());
    let expected = explained(
        Role::LimitedCollaborator,
        ResourceKind::App,
        Action::InviteCollaborator,
    );
    assert!(refusal.contains(&expected), "{refusal}");
    assert_in_words(&refusal);
    assert_eq!(api_collaborators(&api, &owner, "shop-api").await, before);
    b.sign_out().await;

    // A forged form without (or with another session's) CSRF token is
    // refused, and nothing changes.
    b.sign_in(&base, &owner, "/apps/shop-api/settings/collaborators")
        .await;
    b.wait_css("form.add").await;
    let owner_cookie = b.session_cookie().await;
    for body in [
        "email=eve%40example.com".to_string(),
        format!("csrf={csrf}&email=eve%40example.com"),
    ] {
        let r = send(
            svc.addr,
            "POST",
            "/apps/shop-api/settings/collaborators",
            &[
                ("cookie", &owner_cookie),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            Some(body.into_bytes()),
        )
        .await;
        assert_eq!(r.status, 403, "{}", r.text());
        assert!(r.text().contains("CSRF"));
    }
    assert_eq!(api_collaborators(&api, &owner, "shop-api").await, before);

    // The owner revokes ada after the confirmation naming her email.
    b.click(&format!("{ada_row} details.menu summary")).await;
    b.click(&format!("{ada_row} a[href$='/remove']")).await;
    b.wait_css(".dialog button.danger").await;
    assert_eq!(
        b.text(".dialog button.danger").await,
        "Delete ada@example.com"
    );
    b.shoot(&shots, "13-revoke-confirm").await;
    b.click(".dialog button.danger").await;
    b.wait_css("p.notice").await;
    assert_eq!(b.count(ada_row).await, 0);
    assert!(
        !api_collaborators(&api, &owner, "shop-api")
            .await
            .iter()
            .any(|(e, _, _)| e == "ada@example.com")
    );
    b.goto(&format!("{base}/dashboard")).await;
    b.wait_css("table.list").await;
    b.shoot(&shots, "14-dashboard").await;
    // Signed out, the owner's session no longer opens anything (checked
    // below).
    b.sign_out().await;

    // Mallory stops collaborating, from her own row.
    b.sign_in(&base, &mallory, "/apps/shop-api/settings/collaborators")
        .await;
    b.wait_css("table.collaborators").await;
    b.click(&format!("{mallory_row} a[href$='/remove']")).await;
    b.wait_css(".dialog button.danger").await;
    assert_eq!(b.text(".dialog button.danger").await, "Stop collaborating");
    b.shoot(&shots, "15-stop-collaborating").await;
    b.click(".dialog button.danger").await;
    b.wait_css("p.notice").await;
    assert_eq!(b.client.current_url().await.unwrap().path(), "/dashboard");
    // (The sessions table stays.)
    assert_eq!(
        b.count("table.list:not(.sessions)").await,
        0,
        "no app left for her"
    );
    assert!(api_collaborators(&api, &owner, "shop-api").await.is_empty());
    b.sign_out().await;
    let r = send(
        svc.addr,
        "GET",
        "/collaborators",
        &[("cookie", &owner_cookie)],
        None,
    )
    .await;
    assert_eq!(r.status, 303);
    assert!(
        r.headers["location"]
            .to_str()
            .unwrap()
            .starts_with("/sign-in")
    );

    // An address with a quoted local part, which the crate (and so the
    // API) accepts, is typed as is: into the add form, then into the
    // sign-in form by its owner.
    let quoted_email = "\"ada.lovelace\"@example.com";
    let quoted = user(&svc, quoted_email, Some("lovelace")).await;
    b.sign_in(&base, &owner, "/apps/shop-api/settings/collaborators")
        .await;
    b.fill("#add-email", quoted_email).await;
    b.select("#add-role", "collaborator").await;
    b.click("form.add button[type=submit]").await;
    let quoted_row = format!("tr[data-email='{quoted_email}']");
    b.wait_css(&quoted_row).await;
    assert_eq!(b.attr(&quoted_row, "data-status").await, "pending");
    b.sign_out().await;
    b.sign_in(&base, &quoted, "/dashboard").await;
    assert_eq!(b.text("header .who").await, quoted_email);
    b.shoot(&shots, "16-quoted-address-signed-in").await;
    b.sign_out().await;
    collaborator_by_labels(&b, &svc, &base, &owner, quoted_email).await;
    b.close().await;
}

/// A full collaborator, walked by the visible labels only: invited by
/// the owner, accepts, then sees and uses exactly what the crate allows
/// a collaborator on an app (here: changing the pending invitee's role).
async fn collaborator_by_labels(b: &Browser, svc: &Service, base: &str, owner: &User, other: &str) {
    let carol = user(svc, "carol@example.com", Some("carol")).await;
    b.sign_in(base, owner, "/apps/shop-api/settings/collaborators")
        .await;
    b.fill_label("Email", "carol@example.com").await;
    b.choose_label("Role", "Collaborator").await;
    b.click_label("", "button", "Add").await;
    b.wait_css("tr[data-email='carol@example.com']").await;
    let link = b
        .attr(
            "tr[data-email='carol@example.com'] input.invitation-link",
            "value",
        )
        .await;
    b.click_label("", "button", "Sign out").await;
    b.wait_css("form[action='/sign-in']").await;
    b.goto(&link).await;
    b.fill_label("API token", &carol.api_token).await;
    b.click_label("", "button", "Sign in").await;
    b.click_label("", "button", "Accept invitation").await;
    b.wait_css("p.notice").await;
    let allowed = |action| {
        decide(
            Role::Collaborator,
            ResourceKind::App,
            action,
            &Context::new(),
        )
        .is_allowed()
    };
    let (invite, change, revoke) = (
        allowed(Action::InviteCollaborator),
        allowed(Action::ChangeCollaboratorRole),
        allowed(Action::RevokeCollaborator),
    );
    assert_eq!(b.count("form.add").await, usize::from(invite));
    assert_eq!(b.count("button:disabled, fieldset:disabled").await, 0);
    assert_eq!(
        b.count(".why").await,
        usize::from(!(invite && change && revoke))
    );
    b.shoot(&screenshot_dir(), "17-collaborator").await;
    assert!(change, "a collaborator changes roles on an app");
    let row = format!("//tr[@data-email='{other}']");
    if revoke {
        b.click_label(&row, "summary", "Actions").await;
    }
    b.click_label(&row, "a", "Change role").await;
    b.choose_label("New role", "Limited collaborator").await;
    b.click_label("", "button", "Change role").await;
    assert_eq!(b.text("p.notice").await, "Role changed.");
    let css_row = format!("tr[data-email='{other}']");
    assert_eq!(b.attr(&css_row, "data-role").await, "limited_collaborator");
    // She withdraws that invitation, by its words.
    if revoke {
        b.click_label(&row, "summary", "Actions").await;
        b.click_label(&row, "a", "Withdraw invitation").await;
        b.click_label("", "button", "Withdraw invitation").await;
        assert_eq!(b.text("p.notice").await, "Invitation withdrawn.");
        assert_eq!(b.count(&css_row).await, 0);
    }
    b.click_label("", "button", "Sign out").await;
    b.wait_css("form[action='/sign-in']").await;
}

/// The security headers and cookie attributes, and the sign-in form's
/// own CSRF check (no browser needed).
#[tokio::test]
async fn headers_cookies_and_sign_in_csrf() {
    let svc = service().await;
    let owner = user(&svc, "olivia@example.com", Some("olivia")).await;
    let r = send(svc.addr, "GET", "/sign-in", &[], None).await;
    assert_eq!(r.status, 200);
    let h = |name: &str| r.headers[name].to_str().unwrap().to_string();
    let csp = h("content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("script-src") || !csp.contains("unsafe-inline"));
    assert!(csp.contains("default-src 'none'"));
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert_eq!(h("referrer-policy"), "no-referrer");
    assert_eq!(h("x-frame-options"), "DENY");
    let signin_cookie = h("set-cookie");
    assert!(signin_cookie.contains("HttpOnly") && signin_cookie.contains("SameSite=Strict"));
    let token = signin_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string();
    let page = r.text();
    assert!(page.contains(&format!("name=\"csrf\" value=\"{token}\"")));

    let form_as = |csrf: &str, email: &str, api_token: &str| {
        serde_urlencoded::to_string([("csrf", csrf), ("email", email), ("token", api_token)])
            .unwrap()
            .into_bytes()
    };
    let form = |csrf: &str| form_as(csrf, &owner.email, &owner.api_token);
    let ct = ("content-type", "application/x-www-form-urlencoded");
    // Without the cookie (a foreign site's form), refused.
    let r = send(svc.addr, "POST", "/sign-in", &[ct], Some(form(&token))).await;
    assert_eq!(r.status, 403);
    assert!(r.headers.get("set-cookie").is_none());
    // A wrong token, refused.
    let cookie = format!("cas_signin={token}");
    let with_cookie = [ct, ("cookie", cookie.as_str())];
    let post = |body: Vec<u8>| send(svc.addr, "POST", "/sign-in", &with_cookie, Some(body));
    let r = post(form("0000")).await;
    assert_eq!(r.status, 403);
    // A wrong API token: 401, no session.
    let r = post(form_as(&token, &owner.email, "cas_nope")).await;
    assert_eq!(r.status, 401);
    assert!(
        !r.headers
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("cas_session="))
    );
    // Not an address at all: the form again, saying so (422), no session.
    let r = post(form_as(&token, "olivia at example.com", &owner.api_token)).await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("This is not an email address"));
    assert!(r.text().contains("value=\"olivia at example.com\""));
    // Someone else's email with a valid token: 401.
    let r = post(form_as(&token, "ada@example.com", &owner.api_token)).await;
    assert_eq!(r.status, 401);
    // The right ones: a session cookie, HttpOnly, SameSite, no secret in
    // the redirect.
    let r = post(form(&token)).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.headers["location"], "/dashboard");
    let session = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_string())
        .find(|c| c.starts_with("cas_session="))
        .unwrap();
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    assert!(session.contains("Path=/"), "{session}");
    assert!(!session.contains(&owner.api_token));
    // An open redirect is not followed.
    let evil = serde_urlencoded::to_string([
        ("csrf", token.as_str()),
        ("email", owner.email.as_str()),
        ("token", owner.api_token.as_str()),
        ("next", "//evil.example/"),
    ])
    .unwrap();
    let r = send(
        svc.addr,
        "POST",
        "/sign-in",
        &[ct, ("cookie", &cookie)],
        Some(evil.into_bytes()),
    )
    .await;
    assert_eq!(r.headers["location"], "/dashboard");
    // One layer gives every page response its headers, a redirect of the
    // session extractor too; the JSON API has its own, stricter policy
    // (nothing loads from a JSON answer).
    let r = send(svc.addr, "GET", "/collaborators", &[], None).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.headers["location"], "/sign-in?next=%2Fcollaborators");
    assert!(r.headers.contains_key("content-security-policy"));
    assert_eq!(r.headers["x-frame-options"], "DENY");
    let r = send(svc.addr, "GET", "/v1/regions", &[], None).await;
    assert_eq!(
        r.headers["content-security-policy"],
        collab_authz_service::headers::API_CONTENT_SECURITY_POLICY
    );
    // A form posted without a session never reaches its handler: to sign
    // in, then back to the form's page.
    let r = send(
        svc.addr,
        "POST",
        "/apps/shop-api/settings/collaborators",
        &[ct],
        Some(b"csrf=x&email=eve%40example.com".to_vec()),
    )
    .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.headers["location"],
        "/sign-in?next=%2Fapps%2Fshop-api%2Fsettings%2Fcollaborators"
    );
    // The API's own routes still answer JSON, beside the pages.
    let r = send(svc.addr, "GET", "/v1/nope", &[], None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error(), "no such route");
    let _ = tokio::time::sleep(Duration::from_millis(1)).await;
}
