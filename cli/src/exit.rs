//! How `xms` ends: the exit codes scripts can rely on, the failure that
//! carries one, the `help` topics, and `-v` logging.

use std::process::ExitCode;

use clap::CommandFactory;

use crate::args::Cli;

/// It went as asked.
pub const OK: u8 = 0;
/// The request failed: XMS refused it, the network failed, a file could not
/// be written.
pub const FAILURE: u8 = 1;
/// Bad input: an unknown option, a malformed value, a bad row of a file,
/// missing credentials. Nothing was sent.
pub const USAGE: u8 = 2;
/// A timeout (`--timeout`, or the request's own) or an interruption.
pub const TIMEOUT: u8 = 3;
/// The credentials were refused (401/403 from XMS or the token endpoint).
pub const AUTH: u8 = 4;
/// XMS is rate limiting and the retries ran out.
pub const RATE_LIMITED: u8 = 5;
/// Part failed: recipients of a watched batch failed, or chunks of a bulk
/// send did.
pub const PARTIAL: u8 = 6;
/// A send that needs confirmation was refused at the prompt, or ran without
/// a terminal and without `--yes`. Nothing was sent.
pub const NOT_CONFIRMED: u8 = 7;
/// No such batch, group, inbound message or recipient (404).
pub const NOT_FOUND: u8 = 8;

/// The codes and what they mean, for `xms help exit-codes`.
const CODES: &[(u8, &str)] = &[
    (OK, "it went as asked"),
    (FAILURE, "the request failed: XMS refused it, the network failed, a file could not be read"),
    (
        USAGE,
        "bad input: an unknown option, a malformed value, a bad row of a file, missing \
         credentials; nothing was sent",
    ),
    (TIMEOUT, "a timeout (--timeout, or the request's own), or an interruption"),
    (AUTH, "the credentials were refused (by XMS or the OAuth2 token endpoint)"),
    (RATE_LIMITED, "XMS kept rate limiting after the retries"),
    (PARTIAL, "part failed: recipients of a watched batch, or chunks of a bulk send"),
    (
        NOT_CONFIRMED,
        "a send that needs confirmation was refused, or had no terminal to ask on and no \
         --yes; nothing was sent",
    ),
    (NOT_FOUND, "no such batch, group, inbound message or recipient"),
];

/// Why a command failed, and the exit code that says so.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Failure { code, message: message.into() }
    }

    /// Bad input: exit 2, nothing sent.
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(USAGE, message)
    }

    /// Print the message on stderr and give the code.
    pub fn report(self) -> ExitCode {
        if !self.message.is_empty() {
            eprintln!("xms: {}", self.message);
        }
        ExitCode::from(self.code)
    }
}

impl From<xms::Error> for Failure {
    fn from(error: xms::Error) -> Self {
        use xms::Error as E;
        let code = match &error {
            E::InvalidRequest { .. } | E::Config { .. } => USAGE,
            E::Unauthorized { .. } | E::TokenEndpoint { .. } => AUTH,
            // A 403 with an XMS code (a dispatched batch, a group name) is a
            // refusal of the request; one without is of the credentials.
            E::Rejected { response, .. } if matches!(response.status(), 401 | 403) => AUTH,
            E::RateLimited { .. } => RATE_LIMITED,
            E::NotFound { .. } => NOT_FOUND,
            E::Timeout { .. } => TIMEOUT,
            _ => FAILURE,
        };
        // The SDK's messages never hold a credential, whatever the server
        // echoed back.
        let mut message = error.to_string();
        if let Some(id) = error.response().and_then(|r| r.request_id()) {
            message.push_str(&format!(" (request id {id})"));
        }
        Failure::new(code, message)
    }
}

/// `xms help [COMMAND...|exit-codes]`.
pub fn help(topic: &[String]) -> Result<(), Failure> {
    match topic.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["exit-codes"] | ["exit-code"] => {
            let mut text = String::from("Exit codes of xms:\n\n");
            for (code, meaning) in CODES {
                text.push_str(&format!("  {code}  {meaning}\n"));
            }
            text.push_str(
                "\nclap's own usage errors (an unknown option, a missing argument) exit 2 too.\n",
            );
            crate::output::write_stdout(text.as_bytes())
        }
        words => {
            let mut command = Cli::command();
            let mut current = &mut command;
            for word in words {
                current = match current.find_subcommand_mut(word) {
                    Some(sub) => sub,
                    None => {
                        return Err(Failure::usage(format!(
                            "no command or topic `{}`; try `xms --help` or `xms help exit-codes`",
                            words.join(" ")
                        )));
                    }
                };
            }
            let help = current.render_long_help().to_string();
            crate::output::write_stdout(help.as_bytes())
        }
    }
}

/// Whether stderr may carry colour: a terminal, and no `NO_COLOR`.
pub fn stderr_colour() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// `-v`: each request's span on stderr as it closes (method, path template,
/// status, attempts, time), and the SDK's events; `-vv` adds its debug
/// events. The SDK records no credential in them.
pub fn verbose(level: u8) {
    use tracing_subscriber::{filter::LevelFilter, fmt::format::FmtSpan};
    let max = match level {
        0 => return,
        1 => LevelFilter::INFO,
        _ => LevelFilter::DEBUG,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(max)
        .with_span_events(FmtSpan::CLOSE)
        .with_target(false)
        .with_ansi(stderr_colour())
        .with_writer(std::io::stderr)
        .try_init();
}
