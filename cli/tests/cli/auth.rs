//! `auth` and `profile`: credentials kept, checked, shown masked, and the
//! precedence of options, environment and profile.

use crate::support::{Desk, mode, run};

/// `xms auth login` of the simulator's plan, the token on stdin.
fn login(desk: &Desk, token: &str) -> crate::support::Run {
    run(
        desk.bare()
            .args(["--service-plan-id", desk.sim.service_plan_id()])
            .args(["--endpoint", desk.sim.url()])
            .args(["auth", "login", "--token-stdin", "--sender", "12345"]),
        Some(token),
    )
}

#[test]
fn login_status_logout() {
    let desk = Desk::new();
    let token = desk.sim.api_token().to_string();

    // No credentials anywhere: exit 2 and the way to fix it.
    let none = run(desk.bare().args(["batches", "list"]), None);
    none.code(2);
    assert!(none.stderr.contains("xms auth login"), "{}", none.stderr);

    let login = login(&desk, &token);
    login.code(0);
    assert!(login.stderr.contains("Logged in to service plan sim-plan"), "{}", login.stderr);
    // No keyring (XMS_NO_KEYRING): the file, with a warning, readable only
    // by the user; the settings file holds no secret.
    assert!(login.stderr.contains("warning: no OS keyring"), "{}", login.stderr);
    let credentials = desk.dir.join("credentials.toml");
    #[cfg(unix)]
    assert_eq!(mode(&credentials), 0o600);
    let settings = std::fs::read_to_string(desk.dir.join("config.toml")).unwrap();
    assert!(settings.contains("service_plan_id = \"sim-plan\""), "{settings}");
    assert!(!settings.contains(&token));

    // Status: every setting with its source, the token masked.
    let status = run(desk.bare().args(["auth", "status", "-o", "json"]), None);
    status.code(0);
    let shown = status.json();
    assert_eq!(shown["valid"], true);
    assert_eq!(shown["service_plan_id"]["value"], "sim-plan");
    assert_eq!(shown["service_plan_id"]["source"], "profile default");
    assert_eq!(shown["api_token"]["value"], "********");
    assert!(shown["api_token"]["source"].as_str().unwrap().contains("credentials.toml"));
    assert!(!status.all().contains(&token));

    // Commands work from the profile alone.
    run(desk.bare().args(["send", "--to", "+46701234567", "From the profile"]), None).code(0);
    assert_eq!(desk.outbox().len(), 1);

    // The environment beats the profile, an option beats the environment.
    let env = run(
        desk.bare().env("XMS_API_TOKEN", "not-the-token").args(["auth", "status", "-o", "json"]),
        None,
    );
    env.code(4);
    assert_eq!(env.json()["api_token"]["source"], "environment XMS_API_TOKEN");
    assert_eq!(env.json()["valid"], false);
    assert!(!env.all().contains("not-the-token"));
    let option = run(
        desk.bare().env("XMS_SERVICE_PLAN_ID", "from-env").args([
            "--service-plan-id",
            "from-option",
            "auth",
            "status",
            "-o",
            "json",
        ]),
        None,
    );
    assert_eq!(option.json()["service_plan_id"]["value"], "from-option");
    assert_eq!(option.json()["service_plan_id"]["source"], "option --service-plan-id");
    let from_env = run(
        desk.bare().env("XMS_SERVICE_PLAN_ID", "from-env").args(["auth", "status", "-o", "json"]),
        None,
    );
    assert_eq!(from_env.json()["service_plan_id"]["source"], "environment XMS_SERVICE_PLAN_ID");

    // A wrong token is refused at login, and nothing is saved.
    let before = std::fs::read_to_string(&credentials).unwrap();
    let refused =
        run(
            desk.bare()
                .args(["--service-plan-id", "sim-plan", "--endpoint", desk.sim.url()])
                .args(["--profile", "default", "auth", "login", "--token-stdin"]),
            Some("wrong-token"),
        );
    refused.code(4);
    assert!(refused.stderr.contains("nothing was saved"), "{}", refused.stderr);
    assert_eq!(std::fs::read_to_string(&credentials).unwrap(), before);

    // Logout forgets the secret, keeps the settings.
    run(desk.bare().args(["auth", "logout"]), None).code(0);
    assert!(!std::fs::read_to_string(&credentials).unwrap().contains(&token));
    let after = run(desk.bare().args(["batches", "list"]), None);
    after.code(2);
    assert!(after.stderr.contains("no API token for service plan `sim-plan`"), "{}", after.stderr);
}

#[test]
fn profiles() {
    let desk = Desk::new();
    let token = desk.sim.api_token().to_string();
    login(&desk, &token).code(0);
    let created = run(
        desk.bare()
            .args(["--service-plan-id", "other-plan", "--region", "eu"])
            .args(["profile", "create", "staging", "--sender", "SHOP"]),
        None,
    );
    created.code(0);
    let list = run(desk.bare().args(["profile", "list", "-o", "json"]), None);
    list.code(0);
    let profiles = list.json();
    let names: Vec<&str> =
        profiles.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["default", "staging"]);
    assert_eq!(profiles[0]["active"], true);
    assert_eq!(profiles[1]["region"], "eu");
    assert_eq!(profiles[1]["sender"], "SHOP");

    run(desk.bare().args(["profile", "use", "staging"]), None).code(0);
    let status = run(desk.bare().args(["auth", "status", "-o", "json"]), None);
    status.code(2);
    assert_eq!(status.json()["profile"]["value"], "staging");
    assert!(
        status.stderr.contains("no API token for service plan `other-plan`"),
        "{}",
        status.stderr
    );
    // --profile picks another for one command.
    run(desk.bare().args(["--profile", "default", "batches", "list"]), None).code(0);
    let missing = run(desk.bare().args(["--profile", "nope", "batches", "list"]), None);
    missing.code(2);
    assert!(missing.stderr.contains("no profile `nope`"), "{}", missing.stderr);
    run(desk.bare().args(["profile", "use", "nope"]), None).code(2);
    run(desk.bare().args(["profile", "create", "staging"]), None).code(2);
    run(desk.bare().args(["profile", "create", "bad name"]), None).code(2);

    run(desk.bare().args(["profile", "delete", "staging"]), None).code(0);
    let list = run(desk.bare().args(["profile", "list", "-o", "json"]), None);
    assert_eq!(list.json().as_array().unwrap().len(), 1);
    // The active profile was deleted: the default one is used again.
    run(desk.bare().args(["batches", "list"]), None).code(0);
}

#[test]
fn login_from_a_credentials_file_and_oauth() {
    let desk = Desk::with(xms_simulator::Simulator::builder().record_answers().project(
        "proj-1",
        "key-1",
        "key-secret-1",
    ));
    let file = desk.file(
        "creds.json",
        &format!(
            r#"{{"project_id": "proj-1", "key_id": "key-1", "key_secret": "key-secret-1", "endpoint": "{}", "token_url": "{}"}}"#,
            desk.sim.url(),
            desk.sim.token_url()
        ),
    );
    let login = run(desk.bare().args(["auth", "login", "--credentials-file"]).arg(&file), None);
    login.code(0);
    assert!(login.stderr.contains("project proj-1"), "{}", login.stderr);
    let status = run(desk.bare().args(["-v", "auth", "status", "-o", "json"]), None);
    status.code(0);
    assert_eq!(status.json()["mode"], "project (OAuth2)");
    assert_eq!(status.json()["key_secret"]["value"], "********");
    assert!(!status.all().contains("key-secret-1"));
    assert!(desk.sim.tokens_issued() >= 2);

    // A file with half of each kind is refused, naming what it needs.
    let half = desk.file("half.json", r#"{"service_plan_id": "p", "key_id": "k"}"#);
    let refused = run(desk.bare().args(["auth", "login", "--credentials-file"]).arg(&half), None);
    refused.code(2);
    assert!(refused.stderr.contains("service_plan_id and api_token"), "{}", refused.stderr);
    let unknown = desk.file("unknown.json", r#"{"service_plan": "p"}"#);
    let refused =
        run(desk.bare().args(["auth", "login", "--credentials-file"]).arg(&unknown), None);
    refused.code(2);
    assert!(refused.stderr.contains("unknown field `service_plan`"), "{}", refused.stderr);

    // Scripted login without a terminal and without a token: told how.
    let nothing = run(desk.bare().args(["--service-plan-id", "p", "auth", "login"]), None);
    nothing.code(2);
    assert!(nothing.stderr.contains("--token-stdin"), "{}", nothing.stderr);
}

/// Without XMS_NO_KEYRING and with no session bus (a container, CI), the
/// secret falls back to the file, with the warning.
#[cfg(target_os = "linux")]
#[test]
fn no_keyring_falls_back_to_a_private_file() {
    let desk = Desk::new();
    let runtime = crate::support::temp_dir("runtime");
    let login = run(
        desk.bare()
            .env_remove("XMS_NO_KEYRING")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env("XDG_RUNTIME_DIR", &runtime)
            .args(["--service-plan-id", "sim-plan", "--endpoint", desk.sim.url()])
            .args(["auth", "login", "--token-stdin"]),
        Some(desk.sim.api_token()),
    );
    login.code(0);
    assert!(login.stderr.contains("warning: no OS keyring is available"), "{}", login.stderr);
    assert_eq!(mode(&desk.dir.join("credentials.toml")), 0o600);
    run(
        desk.bare()
            .env_remove("XMS_NO_KEYRING")
            .env("XDG_RUNTIME_DIR", &runtime)
            .args(["batches", "list"]),
        None,
    )
    .code(0);
    let _ = std::fs::remove_dir_all(runtime);
}

/// A session bus with an unlocked GNOME Keyring of its own (the Secret
/// Service a Linux desktop has), for as long as the value lives.
#[cfg(target_os = "linux")]
struct SecretService {
    session: std::process::Child,
    address: String,
    home: std::path::PathBuf,
}

#[cfg(target_os = "linux")]
impl SecretService {
    /// Start one, or `None` (saying why) when the machine has no
    /// `dbus-run-session` or `gnome-keyring-daemon` and
    /// `XMS_SKIP_KEYRING_TESTS` is set.
    fn start() -> Option<SecretService> {
        use std::io::BufRead;
        let have = |name: &str| {
            std::env::var_os("PATH").is_some_and(|path| {
                std::env::split_paths(&path).any(|dir| dir.join(name).is_file())
            })
        };
        if !have("dbus-run-session") || !have("gnome-keyring-daemon") {
            if std::env::var_os("XMS_SKIP_KEYRING_TESTS").is_some() {
                eprintln!("skipped: no dbus-run-session or gnome-keyring-daemon");
                return None;
            }
            panic!(
                "the keyring test needs a Secret Service: `apt-get install -y dbus \
                 gnome-keyring` (XMS_SKIP_KEYRING_TESTS=1 skips it)"
            );
        }
        let home = crate::support::temp_dir("keyring-home");
        // The script prints the bus's address once the keyring is unlocked,
        // then holds the session open until its stdin closes.
        let mut session = std::process::Command::new("dbus-run-session")
            .args(["--", "sh", "-c"])
            .arg(
                "printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null \
                 && echo \"$DBUS_SESSION_BUS_ADDRESS\" && cat >/dev/null",
            )
            .env("HOME", &home)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("dbus-run-session starts");
        let mut line = String::new();
        std::io::BufReader::new(session.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let address = line.trim().to_string();
        assert!(address.starts_with("unix:"), "no session bus address: {line:?}");
        Some(SecretService { session, address, home })
    }
}

#[cfg(target_os = "linux")]
impl Drop for SecretService {
    fn drop(&mut self) {
        drop(self.session.stdin.take()); // the session ends with its script
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while self.session.try_wait().ok().flatten().is_none() {
            if std::time::Instant::now() > deadline {
                let _ = self.session.kill();
                let _ = self.session.wait();
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

/// With a Secret Service on the session bus, the token goes there: no file
/// holds it, another config directory with the same profile finds it, and
/// logout removes it.
#[cfg(target_os = "linux")]
#[test]
fn login_keeps_the_token_in_the_os_keyring() {
    let Some(keyring) = SecretService::start() else { return };
    let desk = Desk::new();
    let token = desk.sim.api_token().to_string();
    let with_keyring = |command: &mut std::process::Command| {
        command
            .env_remove("XMS_NO_KEYRING")
            .env("DBUS_SESSION_BUS_ADDRESS", &keyring.address)
            .env("HOME", &keyring.home);
    };
    let mut login = desk.bare();
    with_keyring(&mut login);
    login.args(["--service-plan-id", "sim-plan", "--endpoint", desk.sim.url()]).args([
        "auth",
        "login",
        "--token-stdin",
    ]);
    let login = run(&mut login, Some(&token));
    login.code(0);
    assert!(login.stderr.contains("the secret is in the OS keyring"), "{}", login.stderr);
    assert!(!login.stderr.contains("warning"), "{}", login.stderr);
    assert!(!desk.dir.join("credentials.toml").exists(), "a file holds the secret");
    let settings = std::fs::read_to_string(desk.dir.join("config.toml")).unwrap();
    assert!(!settings.contains(&token), "{settings}");

    let mut status = desk.bare();
    with_keyring(&mut status);
    let status = run(status.args(["auth", "status", "-o", "json"]), None);
    status.code(0);
    assert_eq!(status.json()["valid"], true);
    assert!(
        status.json()["api_token"]["source"].as_str().unwrap().contains("OS keyring"),
        "{}",
        status.stdout
    );
    assert!(!status.all().contains(&token));

    // The secret is not in the config directory: a copy of the settings
    // alone, elsewhere, still sends.
    let elsewhere = crate::support::temp_dir("elsewhere");
    std::fs::copy(desk.dir.join("config.toml"), elsewhere.join("config.toml")).unwrap();
    let mut send = desk.bare();
    with_keyring(&mut send);
    send.env("XMS_CONFIG_DIR", &elsewhere).args([
        "send",
        "--from",
        "12345",
        "--to",
        "+46701234567",
        "From the keyring",
    ]);
    run(&mut send, None).code(0);
    assert_eq!(desk.outbox().len(), 1);

    // Logout forgets it: the same settings no longer have a token.
    let mut logout = desk.bare();
    with_keyring(&mut logout);
    let logout = run(logout.args(["auth", "logout"]), None);
    logout.code(0);
    assert!(logout.stderr.contains("its secret is forgotten"), "{}", logout.stderr);
    let mut list = desk.bare();
    with_keyring(&mut list);
    list.env("XMS_CONFIG_DIR", &elsewhere).args(["batches", "list"]);
    let refused = run(&mut list, None);
    refused.code(2);
    assert!(refused.stderr.contains("no API token"), "{}", refused.stderr);
    let _ = std::fs::remove_dir_all(elsewhere);
}
