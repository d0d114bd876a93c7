//! The developer's desk in real browsers: `xms dev` (the real binary),
//! Debian's chromium driven through chromedriver and Debian's Firefox ESR
//! through geckodriver, the SDK sending and reading. Nothing is
//! downloaded at run time; nothing leaves the machine.
//!
//! Needs `chromium`, `chromium-driver` and `firefox-esr` (`apt-get install
//! -y chromium chromium-driver firefox-esr`) and geckodriver (`cargo
//! install geckodriver`); `.ci/run` installs them. `XMS_CHROMIUM`,
//! `XMS_CHROMEDRIVER`, `XMS_FIREFOX` and `XMS_GECKODRIVER` name other
//! binaries; `XMS_SKIP_BROWSER_TESTS=1` skips a browser that is missing,
//! saying so. `XMS_DESK_SCREENSHOT=path.png` keeps the screenshot of the
//! outbox the Chromium run takes.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use serde_json::{Value, json};

/// Every wait for the page ends within this.
const LIMIT: Duration = Duration::from_secs(30);

/// A child process killed when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn which(env: &str, names: &[&str]) -> Option<String> {
    if let Ok(path) = std::env::var(env) {
        return Some(path);
    }
    let path = std::env::var_os("PATH")?;
    for name in names {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate.display().to_string());
            }
        }
    }
    None
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// An app on 127.0.0.1 that takes callbacks and inbound messages: what it
/// got, by path.
/// What the app got: each request's path and JSON body.
type Received = Arc<Mutex<Vec<(String, Value)>>>;

fn app(runtime: &tokio::runtime::Runtime) -> (String, Received) {
    let received: Received = Arc::default();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let store = received.clone();
    let router = axum::Router::new().fallback(move |uri: axum::http::Uri, body: String| {
        let store = store.clone();
        async move {
            let json = serde_json::from_str(&body).unwrap_or(Value::String(body));
            store.lock().unwrap().push((uri.path().to_string(), json));
            "ok"
        }
    });
    runtime.spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://127.0.0.1:{port}"), received)
}

/// Wait for an element, polling.
async fn element(browser: &Client, css: &str) -> Element {
    let started = Instant::now();
    loop {
        if let Ok(found) = browser.find(Locator::Css(css)).await {
            return found;
        }
        assert!(started.elapsed() < LIMIT, "no `{css}` on the page within {LIMIT:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Wait until the text of `css` satisfies `done`; that text.
async fn text_until(browser: &Client, css: &str, done: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    loop {
        let mut texts = Vec::new();
        for e in browser.find_all(Locator::Css(css)).await.unwrap_or_default() {
            texts.push(e.text().await.unwrap_or_default());
        }
        let text = texts.join("\n");
        if done(&text) {
            return text;
        }
        assert!(started.elapsed() < LIMIT, "`{css}` never got there; last: {text:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Click `css`, finding it again when the page drew it anew in between
/// (the outbox redraws as events come).
async fn click(browser: &Client, css: &str) {
    let started = Instant::now();
    loop {
        match element(browser, css).await.click().await {
            Ok(()) => return,
            Err(e) => assert!(started.elapsed() < LIMIT, "could not click `{css}`: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn count(browser: &Client, css: &str) -> usize {
    browser.find_all(Locator::Css(css)).await.map(|all| all.len()).unwrap_or(0)
}

/// The browsers the desk is tested in.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Browser {
    Chromium,
    Firefox,
}

impl Browser {
    /// The browser and its WebDriver, or why the test cannot run.
    fn find(self) -> Option<(String, String)> {
        let found = match self {
            Browser::Chromium => (
                which("XMS_CHROMIUM", &["chromium", "chromium-browser", "google-chrome"]),
                which("XMS_CHROMEDRIVER", &["chromedriver"]),
            ),
            Browser::Firefox => (
                which("XMS_FIREFOX", &["firefox-esr", "firefox"]),
                which("XMS_GECKODRIVER", &["geckodriver"]),
            ),
        };
        match found {
            (Some(browser), Some(driver)) => Some((browser, driver)),
            _ if std::env::var_os("XMS_SKIP_BROWSER_TESTS").is_some() => {
                eprintln!("skipped: no {self:?} or its driver, and XMS_SKIP_BROWSER_TESTS is set");
                None
            }
            _ => panic!(
                "the desk's browser tests need chromium, chromedriver, firefox-esr and \
                 geckodriver: `apt-get install -y chromium chromium-driver firefox-esr` and \
                 `cargo install geckodriver` (or set XMS_CHROMIUM, XMS_CHROMEDRIVER, XMS_FIREFOX \
                 and XMS_GECKODRIVER; XMS_SKIP_BROWSER_TESTS=1 skips a missing one)"
            ),
        }
    }

    /// The session's capabilities: headless, a profile of its own, no
    /// background traffic.
    fn capabilities(
        self,
        binary: &str,
        profile: &std::path::Path,
    ) -> serde_json::Map<String, Value> {
        let mut capabilities = serde_json::Map::new();
        match self {
            Browser::Chromium => {
                capabilities.insert(
                    "goog:chromeOptions".into(),
                    json!({
                        "binary": binary,
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                            "--no-first-run", "--disable-background-networking", "--disable-component-update",
                            "--disable-sync", "--disable-default-apps", "--disable-extensions", "--disable-quic",
                            "--window-size=1280,860", format!("--user-data-dir={}", profile.display()),
                        ],
                    }),
                );
            }
            Browser::Firefox => {
                std::fs::create_dir_all(profile).unwrap();
                capabilities.insert(
                    "moz:firefoxOptions".into(),
                    json!({
                        "binary": binary,
                        "args": ["-headless", "-profile", profile.display().to_string()],
                        "prefs": {
                            "app.update.auto": false,
                            "app.normandy.enabled": false,
                            "browser.safebrowsing.malware.enabled": false,
                            "browser.safebrowsing.phishing.enabled": false,
                            "browser.shell.checkDefaultBrowser": false,
                            "datareporting.policy.dataSubmissionEnabled": false,
                            "extensions.update.enabled": false,
                            "network.captive-portal-service.enabled": false,
                            "network.connectivity-service.enabled": false,
                            "toolkit.telemetry.enabled": false,
                        },
                    }),
                );
            }
        }
        capabilities
    }
}

#[test]
fn the_desk_in_chromium() {
    desk_in(Browser::Chromium);
}

#[test]
fn the_desk_in_firefox() {
    desk_in(Browser::Firefox);
}

/// Everything a developer does at the desk, in `kind`.
fn desk_in(kind: Browser) {
    let Some((binary, driver)) = kind.find() else { return };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (app_url, received) = app(&runtime);

    // `xms dev`, as a user runs it; its first line says where it is.
    let name = format!("{kind:?}").to_lowercase();
    let config =
        std::env::temp_dir().join(format!("xms-desk-browser-{}-{name}", std::process::id()));
    let mut dev = Command::new(env!("CARGO_BIN_EXE_xms"))
        .args(["dev", "--port", "0", "--clock", "manual"])
        .args(["--callback-url", &format!("{app_url}/callbacks")])
        .args(["--inbound-url", &format!("{app_url}/inbound")])
        .env("XMS_CONFIG_DIR", &config)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("xms dev starts");
    let mut stdout = BufReader::new(dev.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    // Keep reading the rest, as a terminal would.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let dev = Killed(dev);
    let url =
        first.split_whitespace().find(|w| w.starts_with("http://")).expect("the URL").to_string();

    let port = free_port();
    let driver = Killed(
        Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the WebDriver starts"),
    );
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < LIMIT, "the WebDriver did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    let profile =
        std::env::temp_dir().join(format!("xms-desk-profile-{}-{name}", std::process::id()));

    runtime.block_on(async {
        let capabilities = kind.capabilities(&binary, &profile);
        let browser = ClientBuilder::rustls()
            .unwrap()
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a browser session");
        // The scenario runs as a task of its own, so that when it fails the
        // session is still closed: the WebDriver then quits the browser,
        // which killing the WebDriver alone would leave running.
        let outcome = tokio::spawn(scenario(kind, browser.clone(), url, received)).await;
        let _ = browser.close().await;
        if let Err(failed) = outcome {
            std::panic::resume_unwind(failed.into_panic());
        }
    });
    drop(driver);
    drop(dev);
    let _ = std::fs::remove_dir_all(profile);
    let _ = std::fs::remove_dir_all(config);
}

/// What the developer does at the desk, with `browser` on its session.
async fn scenario(kind: Browser, browser: Client, url: String, received: Received) {
    browser.set_window_size(1280, 860).await.unwrap();
    let client = xms::Client::builder()
        .service_plan("sim-plan", "sim-token")
        .endpoint(&url)
        .build()
        .unwrap();

    browser.goto(&format!("{url}/#/outbox")).await.unwrap();
    text_until(&browser, "[data-test=live]", |t| t.contains("live")).await;
    assert_eq!(count(&browser, "[data-test=message-row]").await, 0);

    // Sent through the SDK: in the outbox without a reload.
    let hostile = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\">";
    let body = format!("{hostile} Your code is 123456. {}", "Thanks for your order. ".repeat(8));
    let batch = client
        .batches()
        .text("12345", ["+46701234567"], body.clone())
        .delivery_report(xms::model::DeliveryReportType::PerRecipient)
        .send()
        .await
        .unwrap();
    let rows = text_until(&browser, "[data-test=message-row]", |t| t.contains("Your code")).await;
    assert!(rows.contains("<script>"), "the body is shown as text: {rows}");

    // Opened: its two parts, the text as the phone shows it, its callback.
    // A pointer opens it by its row (Chromium clicks the row), the
    // keyboard by the time's link (geckodriver cannot click a table row).
    let open = match kind {
        Browser::Chromium => "[data-test=message-row]",
        Browser::Firefox => "[data-test=message-row] [data-test=message-link]",
    };
    click(&browser, open).await;
    element(&browser, "[data-test=message-detail] [data-test=bubble]").await;
    assert_eq!(count(&browser, "[data-test=part]").await, 2);
    let bubble = element(&browser, "[data-test=bubble]").await.text().await.unwrap();
    assert_eq!(bubble.trim_end(), body.trim_end());
    text_until(&browser, "[data-test=callback-outcome]", |t| t.contains("delivered")).await;
    let safe = browser
            .execute(
                "return window.__pwned === undefined && document.querySelectorAll('main script, main img').length === 0",
                vec![],
            )
            .await
            .unwrap();
    assert_eq!(safe, json!(true), "markup in a message body ran or rendered");
    assert!(
        received
            .lock()
            .unwrap()
            .iter()
            .any(|(path, v)| path == "/callbacks" && v["status"] == "Queued")
    );

    // The clock: advanced from the controls, the status changes live.
    browser.goto(&format!("{url}/#/controls")).await.unwrap();
    click(&browser, "[data-test=advance-5]").await;
    browser.goto(&format!("{url}/#/outbox")).await.unwrap();
    text_until(&browser, "[data-test=message-row] [data-test=status]", |t| t == "Delivered").await;

    // A phone replies: the app gets the inbound callback, the API lists it.
    browser.goto(&format!("{url}/#/phones/46701234567")).await.unwrap();
    text_until(&browser, "[data-test=conversation-item]", |t| t.contains("Your code")).await;
    let to = element(&browser, "[data-test=reply-to]").await;
    let started = Instant::now();
    while to.prop("value").await.unwrap().unwrap_or_default() != "12345" {
        assert!(started.elapsed() < LIMIT, "the reply box did not get the app's number");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    element(&browser, "[data-test=reply-text]")
        .await
        .send_keys("STOP sending, please")
        .await
        .unwrap();
    click(&browser, "[data-test=reply-send]").await;
    text_until(&browser, "[data-test=conversation-item][data-direction=from_phone]", |t| {
        t.contains("STOP sending")
    })
    .await;
    let started = Instant::now();
    while !received
        .lock()
        .unwrap()
        .iter()
        .any(|(path, v)| path == "/inbound" && v["body"] == "STOP sending, please")
    {
        assert!(started.elapsed() < LIMIT, "the app got no inbound callback");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let inbounds: Vec<xms::inbounds::Inbound> =
        client.inbounds().list().items().try_collect().await.unwrap();
    assert!(inbounds.iter().any(|i| i.sender() == "46701234567"));

    // A fault queued from the controls: the next SDK call fails so.
    browser.goto(&format!("{url}/#/controls")).await.unwrap();
    let status = element(&browser, "[data-test=fault-status]").await;
    status.clear().await.unwrap();
    status.send_keys("400").await.unwrap();
    element(&browser, "[data-test=fault-body]")
        .await
        .send_keys(r#"{"code": "syntax_constraint_violation", "text": "queued from the desk"}"#)
        .await
        .unwrap();
    click(&browser, "[data-test=fault-queue-button]").await;
    text_until(&browser, "[data-test=fault]", |t| t.contains("answer 400")).await;
    match client.batches().get(&batch.id).await {
        Err(xms::Error::Api { code, text, .. }) => {
            assert_eq!(code, xms::model::ErrorCode::SyntaxConstraintViolation);
            assert_eq!(text, "queued from the desk");
        }
        other => panic!("the fault did not reach the SDK: {other:?}"),
    }
    client.batches().get(&batch.id).await.expect("one fault, then as usual");

    // A fuller outbox for the screenshot.
    for (to, text) in [
        ("+46700000991", "Your parcel is delayed"),
        ("+46707654321", "Hej Åsa! Din tid är bokad 14:30 ✔"),
        ("+46709876543", "Reminder: your appointment is tomorrow at 10:00"),
    ] {
        client.batches().text("SHOP", [to], text).send().await.unwrap();
    }
    client
        .batches()
        .text("12345", ["+46701112223"], "Later")
        .send_at(chrono::Utc::now() + chrono::TimeDelta::hours(2))
        .send()
        .await
        .unwrap();
    browser.goto(&format!("{url}/#/controls")).await.unwrap();
    click(&browser, "[data-test=advance-5]").await;
    browser.goto(&format!("{url}/#/outbox")).await.unwrap();
    text_until(&browser, "[data-test=message-row]", |t| {
        t.contains("Reminder") && t.contains("Failed")
    })
    .await;
    let png = browser.screenshot().await.unwrap();
    assert_eq!(&png[1..4], b"PNG");
    if let Some(path) =
        std::env::var_os("XMS_DESK_SCREENSHOT").filter(|_| kind == Browser::Chromium)
    {
        std::fs::write(path, &png).unwrap();
    }
}
