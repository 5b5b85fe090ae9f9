//! The browser test's driver: chromedriver on a free loopback port,
//! headless Chromium with a fresh profile, and short helpers whose every
//! wait is bounded.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// How long any one wait for the page may take.
pub const WAIT: Duration = Duration::from_secs(15);

/// Desktop and phone widths of the screenshots.
const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (375, 812);

fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/bin")]) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// `target/screenshots/`, created.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A chromedriver process and one browser session on it; both end when
/// this is dropped.
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    driver: Child,
    profile: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium.
    ///
    /// # Panics
    /// When chromium or chromedriver is missing, naming the packages.
    pub async fn start() -> Browser {
        let missing = "headless Chromium is needed: install it with \
                       `apt-get install chromium chromium-driver`";
        let chromium = find(&["chromium", "chromium-browser"])
            .unwrap_or_else(|| panic!("chromium not found; {missing}"));
        let chromedriver =
            find(&["chromedriver"]).unwrap_or_else(|| panic!("chromedriver not found; {missing}"));
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}; {missing}", chromedriver.display()));
        let profile =
            std::env::temp_dir().join(format!("cas-browser-profile.{}.{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).unwrap();
        let mut driver = Some(driver);
        // Waits for chromedriver to listen, bounded.
        let deadline = Instant::now() + WAIT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                if let Some(mut d) = driver.take() {
                    let _ = d.kill();
                    let _ = d.wait();
                }
                panic!("chromedriver did not listen on 127.0.0.1:{port} within {WAIT:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let downloads = profile.join("downloads");
        std::fs::create_dir_all(&downloads).unwrap();
        let caps = json!({
            "goog:chromeOptions": {
                "binary": chromium.to_string_lossy(),
                // Downloads land in the profile's folder, without a prompt.
                "prefs": {
                    "download.default_directory": downloads.to_string_lossy(),
                    "download.prompt_for_download": false,
                    "download.directory_upgrade": true,
                },
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                    "--hide-scrollbars",
                    format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
                    format!("--user-data-dir={}", profile.display()),
                ],
            }
        });
        let caps = match caps {
            serde_json::Value::Object(map) => map,
            _ => unreachable!(),
        };
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(caps);
        let webdriver = format!("http://127.0.0.1:{port}");
        let connecting = builder.connect(&webdriver);
        let client = match tokio::time::timeout(Duration::from_secs(30), connecting).await {
            Ok(Ok(client)) => client,
            other => {
                if let Some(mut d) = driver.take() {
                    let _ = d.kill();
                    let _ = d.wait();
                }
                panic!("cannot open a Chromium session: {other:?}");
            }
        };
        let client_ok = Browser {
            client,
            driver: driver.take().unwrap(),
            profile,
        };
        client_ok
            .client
            .set_window_size(DESKTOP.0, DESKTOP.1)
            .await
            .unwrap();
        client_ok
    }

    /// The file `name` the browser downloaded, waited for (bounded): its
    /// bytes once the download is complete.
    pub async fn downloaded(&self, name: &str) -> Vec<u8> {
        let path = self.profile.join("downloads").join(name);
        let partial = self
            .profile
            .join("downloads")
            .join(format!("{name}.crdownload"));
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(bytes) = std::fs::read(&path) {
                if !bytes.is_empty() && !partial.exists() {
                    return bytes;
                }
            }
            assert!(
                Instant::now() < deadline,
                "{name} was not downloaded within {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Ends the browser session.
    pub async fn close(self) {
        let _ = tokio::time::timeout(WAIT, self.client.clone().close()).await;
    }

    /// Opens `url` and waits for it to load.
    pub async fn goto(&self, url: &str) {
        match tokio::time::timeout(WAIT, self.client.goto(url)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("loading {url}: {e}"),
            Err(_) => panic!("loading {url} took over {WAIT:?}"),
        }
    }

    /// The first element matching `css`, waited for (bounded).
    pub async fn wait_css(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => {
                let url = self.client.current_url().await.map(|u| u.to_string());
                let source = self.client.source().await.unwrap_or_default();
                panic!("no {css:?} within {WAIT:?} on {url:?}: {e}\n{source}");
            }
        }
    }

    /// Types `text` into the field `css` (emptied first).
    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.wait_css(css).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// The first element matching the XPath `xpath`, waited for (bounded).
    pub async fn wait_xpath(&self, xpath: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::XPath(xpath))
            .await
        {
            Ok(e) => e,
            Err(e) => {
                let source = self.client.source().await.unwrap_or_default();
                panic!("no {xpath:?} within {WAIT:?}: {e}\n{source}");
            }
        }
    }

    /// Clicks the `tag` (`a`, `button`, `summary`) whose visible label is
    /// `text` (its own text, without a visually hidden suffix such as
    /// "for ada@example.com"), inside the element `within` (an XPath;
    /// `""` for the page).
    pub async fn click_label(&self, within: &str, tag: &str, text: &str) {
        let e = self
            .wait_xpath(&format!(
                "{within}//{tag}[normalize-space(text())='{text}']"
            ))
            .await;
        match tokio::time::timeout(WAIT, e.click()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("clicking {tag} {text:?}: {e}"),
            Err(_) => panic!("clicking {tag} {text:?} took over {WAIT:?}"),
        }
    }

    /// The form control whose `<label>` reads `label`.
    async fn labelled(&self, label: &str) -> fantoccini::elements::Element {
        self.wait_xpath(&format!(
            "//*[@id=//label[normalize-space(.)='{label}']/@for]"
        ))
        .await
    }

    /// Types `text` into the field whose label reads `label`.
    pub async fn fill_label(&self, label: &str, text: &str) {
        let e = self.labelled(label).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Chooses the option reading `option` in the drop-down labelled
    /// `label`.
    pub async fn choose_label(&self, label: &str, option: &str) {
        self.labelled(label)
            .await
            .select_by_label(option)
            .await
            .unwrap();
    }

    /// Chooses `value` in the drop-down `css`.
    pub async fn select(&self, css: &str, value: &str) {
        self.wait_css(css)
            .await
            .select_by_value(value)
            .await
            .unwrap();
    }

    /// Clicks `css`.
    pub async fn click(&self, css: &str) {
        let e = self.wait_css(css).await;
        match tokio::time::timeout(WAIT, e.click()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("clicking {css:?}: {e}"),
            Err(_) => panic!("clicking {css:?} took over {WAIT:?}"),
        }
    }

    /// The attribute `name` of `css` (empty when absent).
    pub async fn attr(&self, css: &str, name: &str) -> String {
        self.wait_css(css)
            .await
            .attr(name)
            .await
            .unwrap()
            .unwrap_or_default()
    }

    /// The attribute `name` of every element matching `css`.
    pub async fn attrs(&self, css: &str, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.client.find_all(Locator::Css(css)).await.unwrap() {
            out.push(e.attr(name).await.unwrap().unwrap_or_default());
        }
        out
    }

    /// Whether the boolean property `name` of `css` is set.
    pub async fn prop(&self, css: &str, name: &str) -> bool {
        self.wait_css(css)
            .await
            .prop(name)
            .await
            .unwrap()
            .as_deref()
            == Some("true")
    }

    /// The current value of the form control `css`.
    pub async fn value(&self, css: &str) -> String {
        self.wait_css(css)
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default()
    }

    /// The rendered text of `css`.
    pub async fn text(&self, css: &str) -> String {
        self.wait_css(css).await.text().await.unwrap()
    }

    /// Where `css` sits on the page: (top, bottom) in CSS pixels.
    pub async fn rect(&self, css: &str) -> (f64, f64) {
        let e = self.wait_css(css).await;
        let v = self
            .client
            .execute(
                "const r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom];",
                vec![serde_json::to_value(&e).unwrap()],
            )
            .await
            .unwrap();
        (v[0].as_f64().unwrap(), v[1].as_f64().unwrap())
    }

    /// Whether `css` is shown.
    pub async fn displayed(&self, css: &str) -> bool {
        self.wait_css(css).await.is_displayed().await.unwrap()
    }

    /// How many elements match `css` now.
    pub async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.unwrap().len()
    }

    /// The computed opacity of the first cell of the row `css`.
    pub async fn opacity(&self, css: &str) -> f64 {
        let row = self.wait_css(css).await;
        let value = self
            .client
            .execute(
                "return getComputedStyle(arguments[0].querySelector('td')).opacity;",
                vec![serde_json::to_value(&row).unwrap()],
            )
            .await
            .unwrap();
        value.as_str().unwrap_or("1").parse().unwrap()
    }

    /// The collaborators table: (email, role) per row, in order.
    pub async fn rows(&self) -> Vec<(String, String)> {
        let emails = self
            .attrs("table.collaborators tbody tr", "data-email")
            .await;
        let roles = self
            .attrs("table.collaborators tbody tr", "data-role")
            .await;
        emails.into_iter().zip(roles).collect()
    }

    /// `name=value` of the session cookie, for requests outside the
    /// browser.
    pub async fn session_cookie(&self) -> String {
        let c = self.client.get_named_cookie("cas_session").await.unwrap();
        format!("cas_session={}", c.value())
    }

    /// Signs in on the sign-in page, then lands on `next`.
    pub async fn sign_in(&self, base: &str, user: &crate::common::User, next: &str) {
        let query = serde_urlencoded::to_string([("next", next)]).unwrap();
        self.goto(&format!("{base}/sign-in?{query}")).await;
        self.fill("#email", &user.email).await;
        self.fill("#token", &user.api_token).await;
        self.click("form[action='/sign-in'] button[type=submit]")
            .await;
        let deadline = Instant::now() + WAIT;
        while self.client.current_url().await.unwrap().path() != next {
            assert!(Instant::now() < deadline, "sign-in did not reach {next}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Signs out with the header's button.
    pub async fn sign_out(&self) {
        self.click("form.signout button").await;
        self.wait_css("form[action='/sign-in']").await;
    }

    /// A screenshot of the page at desktop width and at 375 px, as
    /// `NAME-desktop.png` and `NAME-375.png` in `dir`.
    pub async fn shoot(&self, dir: &Path, name: &str) {
        for (suffix, (w, h)) in [("desktop", DESKTOP), ("375", PHONE)] {
            self.client.set_window_size(w, h).await.unwrap();
            // The whole page: the window as tall as the document (capped).
            let height = self
                .client
                .execute(
                    "window.scrollTo(0, 0); return document.documentElement.scrollHeight \
                     + window.outerHeight - window.innerHeight;",
                    vec![],
                )
                .await
                .unwrap()
                .as_u64()
                .unwrap_or(u64::from(h));
            let tall = u32::try_from(height).unwrap_or(h).clamp(h, 4000);
            self.client.set_window_size(w, tall).await.unwrap();
            let png = self.client.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("{name}-{suffix}.png")), png).unwrap();
        }
        self.client
            .set_window_size(DESKTOP.0, DESKTOP.1)
            .await
            .unwrap();
    }
}

/// The records of a CSV text (RFC 4180 quoting).
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}
