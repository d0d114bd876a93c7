//! Output for people and scripts: help, version, completions, exit codes,
//! a reader that goes away, and no secret in any output of a `-v` run.

use std::{io::Read, process::Stdio};

use crate::support::{Desk, finish, run};

#[test]
fn help_version_completions_and_exit_codes() {
    let desk = Desk::new();
    let version = run(desk.bare().arg("--version"), None);
    version.code(0);
    assert_eq!(version.stdout.trim(), format!("xms {}", env!("CARGO_PKG_VERSION")));
    let help = run(desk.bare().arg("--help"), None);
    help.code(0);
    for command in [
        "auth",
        "profile",
        "send",
        "preview",
        "batches",
        "reports",
        "watch",
        "inbounds",
        "groups",
        "tags",
        "listen",
        "api",
        "completion",
    ] {
        assert!(help.stdout.contains(&format!("  {command}")), "{command} missing from --help");
    }
    assert!(help.stdout.contains("A ten-line tour"), "{}", help.stdout);
    // A command's own options first, the global ones under their heading.
    let send = run(desk.bare().args(["send", "--help"]), None);
    send.code(0);
    let (own, global) = send.stdout.split_once("Global options:").expect("the global heading");
    assert!(own.contains("--to-file") && !own.contains("--endpoint"), "{}", send.stdout);
    assert!(global.contains("--endpoint") && !global.contains("--to-file"), "{}", send.stdout);
    let codes = run(desk.bare().args(["help", "exit-codes"]), None);
    codes.code(0);
    for code in 0..=8 {
        assert!(codes.stdout.contains(&format!("  {code}  ")), "code {code}:\n{}", codes.stdout);
    }
    let send_help = run(desk.bare().args(["help", "batches", "list"]), None);
    send_help.code(0);
    assert!(send_help.stdout.contains("--limit"), "{}", send_help.stdout);
    run(desk.bare().args(["help", "nothing-like-this"]), None).code(2);
    let listen_help = run(desk.bare().args(["listen", "--help"]), None);
    assert!(listen_help.stdout.contains("No tunnel is bundled"), "{}", listen_help.stdout);
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = run(desk.bare().args(["completion", shell]), None);
        script.code(0);
        assert!(script.stdout.contains("xms") && script.stdout.contains("watch"), "{shell}");
    }
    run(desk.bare().args(["completion", "tcsh"]), None).code(2);
}

/// `xms batches list --all | head -1`: the reader goes away; xms stops
/// quietly with exit 0, no panic.
#[test]
fn a_reader_that_goes_away() {
    let desk = Desk::new();
    let numbers: String = (0..400).map(|i| format!("+4670{i:07}\n")).collect();
    let file = desk.file("numbers.txt", &numbers);
    // 400 batches of one: far more output than a pipe holds.
    desk.run(&[
        "send",
        "--to-file",
        file.to_str().unwrap(),
        "--chunk-size",
        "1",
        "A message long enough",
    ])
    .code(0);
    for format in ["json", "jsonl", "csv", "table"] {
        let mut child = desk
            .xms()
            .args(["batches", "list", "--all", "-o", format])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 64];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let done = finish(child);
        done.code(0);
        assert!(!done.stderr.contains("panicked"), "{format}: {}", done.stderr);
        assert!(!done.stderr.contains("Broken pipe"), "{format}: {}", done.stderr);
    }
}

/// `-v` logs every request; neither the API token, nor a key secret, nor
/// an access token, nor a token a server echoes back appears anywhere.
#[test]
fn verbose_runs_never_show_a_secret() {
    let desk = Desk::with(
        xms_simulator::Simulator::builder()
            .record_answers()
            .service_plan("sim-plan", "sim-token-of-the-test")
            .project("proj-1", "key-1", "the-key-secret"),
    );
    let token = desk.sim.api_token().to_string();
    let mut outputs = Vec::new();
    for args in [
        vec!["-vv", "send", "--to", "+46701234567", "Hi"],
        vec!["-v", "batches", "list"],
        vec!["-vv", "auth", "status"],
        vec!["-v", "api", "GET", "/batches"],
    ] {
        let run = desk.run(&args);
        run.code(0);
        assert!(run.stderr.contains("xms.request"), "-v logs the request:\n{}", run.stderr);
        outputs.push(run.all());
    }
    // A server that echoes the token in an error.
    desk.sim.fail_next(
        1,
        xms_simulator::Fault {
            status: Some(400),
            body: format!(
                r#"{{"code": "syntax_constraint_violation", "text": "bad token {token}"}}"#
            ),
            ..Default::default()
        },
    );
    let echoed = desk.run(&["-v", "batches", "list"]);
    echoed.code(1);
    outputs.push(echoed.all());
    // OAuth2: the key secret and the access tokens.
    let oauth = run(
        desk.bare()
            .env("XMS_ENDPOINT", desk.sim.url())
            .env("XMS_PROJECT_ID", "proj-1")
            .env("XMS_KEY_ID", "key-1")
            .env("XMS_KEY_SECRET", "the-key-secret")
            .env("XMS_TOKEN_URL", desk.sim.token_url())
            .args(["-vv", "batches", "list"]),
        None,
    );
    oauth.code(0);
    assert!(oauth.stderr.contains("access token fetched"), "{}", oauth.stderr);
    outputs.push(oauth.all());
    for output in &outputs {
        assert!(!output.contains(&token), "the API token leaked:\n{output}");
        assert!(!output.contains("the-key-secret"), "the key secret leaked:\n{output}");
        assert!(!output.to_lowercase().contains("bearer "), "an authorization leaked:\n{output}");
    }
}
