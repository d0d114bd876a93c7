//! The prompts, met on a pseudo-terminal as a person meets them: `auth
//! login` asks for what it needs and never shows the secret typed; a large
//! send to a real endpoint asks first and sends nothing when refused.

use std::{
    os::fd::AsFd,
    process::Command,
    time::{Duration, Instant},
};

use nix::sys::termios::{LocalFlags, tcgetattr};
use rexpect::{process::WaitStatus, session::PtySession};

use crate::support::{Desk, run};

/// How long one expected piece of output may take to appear.
const WAIT_MS: u64 = 30_000;

/// A run of `xms` on a terminal of its own, and what it has shown so far.
struct Terminal {
    session: PtySession,
    shown: String,
}

impl Terminal {
    /// `command` (a `Desk` command: its program, arguments and environment)
    /// on a pseudo-terminal. rexpect turns the terminal's echo off; a
    /// person's terminal has it on, so a shell turns it back on and then
    /// becomes `xms`.
    fn start(command: &Command) -> Terminal {
        let mut shell = Command::new("sh");
        shell.env_clear();
        for (key, value) in command.get_envs() {
            if let Some(value) = value {
                shell.env(key, value);
            }
        }
        shell
            .env("TERM", "xterm")
            .arg("-c")
            .arg(r#"stty echo && exec "$0" "$@""#)
            .arg(command.get_program())
            .args(command.get_args());
        let session =
            rexpect::session::spawn_command(shell, Some(WAIT_MS)).expect("a pseudo-terminal");
        Terminal { session, shown: String::new() }
    }

    /// Wait for `text` on the terminal.
    #[track_caller]
    fn expect(&mut self, text: &str) {
        match self.session.exp_string(text) {
            Ok(before) => {
                self.shown.push_str(&before);
                self.shown.push_str(text);
            }
            Err(e) => panic!("{text:?} never appeared ({e}); shown so far:\n{}", self.shown),
        }
    }

    /// Wait until the program has turned the terminal's echo off (it is
    /// about to read a secret), so what is typed next is not shown by the
    /// terminal itself.
    #[track_caller]
    fn wait_for_echo_off(&self) {
        let master = self.session.process().get_file_handle().expect("the terminal");
        let deadline = Instant::now() + Duration::from_millis(WAIT_MS);
        loop {
            let flags = tcgetattr(master.as_fd()).expect("the terminal's settings");
            if !flags.local_flags.contains(LocalFlags::ECHO) {
                return;
            }
            assert!(Instant::now() < deadline, "echo stayed on; shown:\n{}", self.shown);
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn type_line(&mut self, line: &str) {
        self.session.send_line(line).expect("typing on the terminal");
    }

    /// Read to the end and give the exit code.
    #[track_caller]
    fn finish(mut self) -> (i32, String) {
        let rest = self.session.exp_eof().unwrap_or_else(|e| {
            panic!("xms did not end ({e}); shown:\n{}", self.shown);
        });
        self.shown.push_str(&rest);
        match self.session.process().wait().expect("xms's exit status") {
            WaitStatus::Exited(_, code) => (code, self.shown),
            other => panic!("xms ended by {other:?}; shown:\n{}", self.shown),
        }
    }
}

#[test]
fn login_asks_for_the_plan_and_hides_the_token() {
    let desk = Desk::new();
    let plan = desk.sim.service_plan_id().to_string();
    let token = desk.sim.api_token().to_string();
    let mut login = desk.bare();
    login.args(["--endpoint", desk.sim.url(), "auth", "login"]);

    let mut terminal = Terminal::start(&login);
    terminal.expect("Service plan id");
    terminal.type_line(&plan);
    terminal.expect("API token");
    terminal.wait_for_echo_off();
    terminal.type_line(&token);
    terminal.expect("Logged in to service plan");
    let (code, shown) = terminal.finish();
    assert_eq!(code, 0, "{shown}");
    // What was typed for the plan is shown back; the token is not, by the
    // terminal or by xms.
    assert!(shown.contains(&plan), "{shown}");
    assert!(!shown.contains(&token), "the token was shown:\n{shown}");

    // Saved and usable: the profile alone sends.
    let status = run(desk.bare().args(["auth", "status", "-o", "json"]), None);
    status.code(0);
    assert_eq!(status.json()["service_plan_id"]["value"], plan.as_str());
    assert_eq!(status.json()["valid"], true);
    run(desk.bare().args(["send", "--from", "12345", "--to", "+46701234567", "Hi"]), None).code(0);
    assert_eq!(desk.outbox().len(), 1);
}

#[test]
fn login_with_a_wrong_token_saves_nothing() {
    let desk = Desk::new();
    let mut login = desk.bare();
    login.args(["--endpoint", desk.sim.url(), "auth", "login"]);

    let mut terminal = Terminal::start(&login);
    terminal.expect("Service plan id");
    terminal.type_line(desk.sim.service_plan_id());
    terminal.expect("API token");
    terminal.wait_for_echo_off();
    terminal.type_line("not-the-token");
    terminal.expect("nothing was saved");
    let (code, shown) = terminal.finish();
    assert_eq!(code, 4, "{shown}");
    assert!(!shown.contains("not-the-token"), "{shown}");
    assert!(!desk.dir.join("credentials.toml").exists());
    assert!(!desk.dir.join("config.toml").exists());
}

#[test]
fn oauth_login_asks_for_the_key_and_hides_its_secret() {
    let desk = Desk::with(xms_simulator::Simulator::builder().record_answers().project(
        "proj-1",
        "key-1",
        "key-secret-1",
    ));
    let mut login = desk.bare();
    login.args(["--endpoint", desk.sim.url(), "auth", "login", "--project-id", "proj-1"]);
    login.args(["--token-url", &desk.sim.token_url()]);

    let mut terminal = Terminal::start(&login);
    terminal.expect("Access key id");
    terminal.type_line("key-1");
    terminal.expect("Access key secret");
    terminal.wait_for_echo_off();
    terminal.type_line("key-secret-1");
    terminal.expect("Logged in to project proj-1");
    let (code, shown) = terminal.finish();
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("key-1"), "{shown}");
    assert!(!shown.contains("key-secret-1"), "the secret was shown:\n{shown}");
    assert!(desk.sim.tokens_issued() >= 1);
}

#[test]
fn a_large_send_to_a_real_endpoint_asks_and_a_no_sends_nothing() {
    let desk = Desk::new();
    let numbers: Vec<String> = (0..11).map(|i| format!("+467012345{i:02}")).collect();
    for answer in ["n", ""] {
        let mut send = desk.xms();
        // Never contacted: the answer is no (typed, or Enter for the default).
        send.args(["--endpoint", "https://sms.api.sinch.com", "send"]);
        for number in &numbers {
            send.args(["--to", number]);
        }
        send.arg("Hello all");
        let mut terminal = Terminal::start(&send);
        terminal.expect("Send to 11 recipients?");
        terminal.type_line(answer);
        let (code, shown) = terminal.finish();
        assert_eq!(code, 7, "answer {answer:?}:\n{shown}");
        assert!(shown.contains("not sent"), "{shown}");
    }
    // The same send to the local simulator does not ask.
    let mut local = desk.xms();
    local.arg("send");
    for number in &numbers {
        local.args(["--to", number]);
    }
    local.arg("Hello all");
    let (code, shown) = Terminal::start(&local).finish();
    assert_eq!(code, 0, "{shown}");
    assert!(!shown.contains("Send to"), "{shown}");
    assert_eq!(desk.outbox().len(), 11);
}
