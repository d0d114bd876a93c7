//! The command line: every command, option and argument, with their help.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// The command line for the Sinch XMS SMS API.
#[derive(Parser, Debug)]
#[command(
    name = "xms",
    version,
    about = "Send, follow, read and script SMS through the Sinch XMS SMS API",
    long_about = "Send, follow, read and script SMS through the Sinch XMS SMS API.\n\n\
        Credentials come from, in this order: the options, the XMS_* environment \
        (XMS_SERVICE_PLAN_ID and XMS_API_TOKEN, or XMS_PROJECT_ID, XMS_KEY_ID and \
        XMS_KEY_SECRET), and the active profile (`xms auth login`).",
    after_help = "A ten-line tour:\n  \
        xms auth login\n  \
        xms preview \"Your code is 123456\"\n  \
        xms send --from 12345 --to +46701234567 \"Hi there\"\n  \
        xms watch 01FC66621XXXXX119Z8PMV1QPQ\n  \
        xms batches list --limit 5\n  \
        xms inbounds tail\n  \
        xms send --from 12345 --to-file customers.csv 'Hi ${name}' --run-id spring\n  \
        xms listen --port 8787 --forward-to http://localhost:3000/callbacks\n  \
        xms api GET /batches -q page_size=1\n  \
        xms help exit-codes",
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes, under a heading of their own in every
/// command's help.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// The profile to use (`xms profile list`).
    #[arg(long, global = true, env = "XMS_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// The service plan id (the API token comes from XMS_API_TOKEN or the
    /// profile, never from the command line).
    #[arg(long, global = true, env = "XMS_SERVICE_PLAN_ID", value_name = "ID")]
    pub service_plan_id: Option<String>,
    /// The region of the service plan.
    #[arg(long, global = true, env = "XMS_REGION", value_enum)]
    pub region: Option<RegionArg>,
    /// Send requests to this base URL instead of the region's: the
    /// simulator (`xms dev`), a proxy, or the legacy CLX host.
    #[arg(long, global = true, env = "XMS_ENDPOINT", value_name = "URL")]
    pub endpoint: Option<String>,
    /// Output: a table on a terminal, JSON when piped; `jsonl` streams one
    /// object a line, `csv` suits listings.
    #[arg(short, long, global = true, value_enum)]
    pub output: Option<Format>,
    /// Log each request on stderr (-vv: more), secrets redacted.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The regions of XMS.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionArg {
    Us,
    Eu,
    Au,
    Br,
    Ca,
}

impl RegionArg {
    pub fn code(self) -> &'static str {
        match self {
            RegionArg::Us => "us",
            RegionArg::Eu => "eu",
            RegionArg::Au => "au",
            RegionArg::Br => "br",
            RegionArg::Ca => "ca",
        }
    }
}

/// How data is printed on stdout.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Log in, see which credentials are in use, log out.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// Named sets of settings and credentials.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Send a batch: to numbers or groups, from a CSV file of any size, or
    /// as XMS's own dry run.
    Send(SendArgs),
    /// Count a message's parts offline: encoding, the characters that force
    /// UCS-2, parts, room left.
    Preview(PreviewArgs),
    /// List, read, cancel, change and replace batches.
    #[command(subcommand)]
    Batches(BatchesCommand),
    /// Delivery reports of batches and recipients.
    #[command(subcommand)]
    Reports(ReportsCommand),
    /// Follow batches until every recipient's status is final; exits 6 when
    /// some failed.
    Watch(WatchArgs),
    /// Messages phones sent to your numbers.
    #[command(subcommand)]
    Inbounds(InboundsCommand),
    /// Groups of recipients.
    #[command(subcommand)]
    Groups(GroupsCommand),
    /// The legacy CLX tags of batches and groups.
    #[command(subcommand)]
    Tags(TagsCommand),
    /// Receive XMS callbacks on this machine: print, verify, forward,
    /// record and replay them.
    Listen(ListenArgs),
    /// Any request to the API, with the credentials filled in.
    Api(ApiArgs),
    /// A local XMS with its web UI: send through it, watch the outbox, answer
    /// as a phone, move its clock, break it on purpose.
    Dev(DevArgs),
    /// Drive a running simulator (`xms dev`) from a script or a test: wait
    /// for a message, send as a phone, advance its clock, read its outbox.
    #[command(subcommand)]
    Sim(SimCommand),
    /// Shell completions: `xms completion bash > ~/.local/share/bash-completion/completions/xms`.
    Completion {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Help on a command, or a topic: `xms help exit-codes`.
    Help {
        /// A command (`send`, `batches list`) or `exit-codes`.
        topic: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuthCommand {
    /// Save credentials to a profile (the active one, or --profile),
    /// checking them first. Interactive on a terminal; for scripts give
    /// --token-stdin or --credentials-file.
    Login(LoginArgs),
    /// Which credentials are in use and where each setting comes from;
    /// secrets are never shown.
    Status,
    /// Forget the secret of a profile.
    Logout,
}

#[derive(Args, Debug)]
pub struct LoginArgs {
    /// Read the service plan's API token from stdin.
    #[arg(long)]
    pub token_stdin: bool,
    /// OAuth2: the project id.
    #[arg(long, value_name = "ID")]
    pub project_id: Option<String>,
    /// OAuth2: the access key's id.
    #[arg(long, value_name = "ID")]
    pub key_id: Option<String>,
    /// OAuth2: read the access key's secret from stdin.
    #[arg(long)]
    pub key_secret_stdin: bool,
    /// OAuth2: the token endpoint, when not Sinch's.
    #[arg(long, value_name = "URL")]
    pub token_url: Option<String>,
    /// A JSON file: {"service_plan_id", "api_token"} or {"project_id",
    /// "key_id", "key_secret"}.
    #[arg(long, value_name = "FILE")]
    pub credentials_file: Option<PathBuf>,
    /// The sender to use when `send` has no --from.
    #[arg(long, value_name = "NUMBER")]
    pub sender: Option<String>,
    /// Save without checking the credentials against the API.
    #[arg(long)]
    pub no_verify: bool,
    /// Store the secret in a file readable only by you, even when an OS
    /// keyring is available.
    #[arg(long)]
    pub insecure_storage: bool,
}

#[derive(Subcommand, Debug)]
pub enum ProfileCommand {
    /// Every profile, the active one marked.
    List,
    /// Make a profile the active one.
    Use {
        /// The profile.
        name: String,
    },
    /// Create a profile from settings (add its secret with `xms auth login
    /// --profile NAME`).
    Create {
        /// The profile.
        name: String,
        /// OAuth2: the project id.
        #[arg(long, value_name = "ID")]
        project_id: Option<String>,
        /// OAuth2: the access key's id.
        #[arg(long, value_name = "ID")]
        key_id: Option<String>,
        /// The sender to use when `send` has no --from.
        #[arg(long, value_name = "NUMBER")]
        sender: Option<String>,
    },
    /// Delete a profile and its secret.
    Delete {
        /// The profile.
        name: String,
    },
}

/// A time, RFC 3339 (`2026-12-24T18:00:00Z`).
fn time(value: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(value).map(|t| t.with_timezone(&Utc)).map_err(|e| {
        format!("`{value}` is not an RFC 3339 time such as 2026-12-24T18:00:00Z ({e})")
    })
}

/// A duration: `30s`, `5m`, `1h`, `500ms`, or seconds.
pub fn duration(value: &str) -> Result<std::time::Duration, String> {
    let bad = || format!("`{value}` is not a duration such as 30s, 5m, 1h or 500ms");
    let value = value.trim();
    let (number, unit) = match value.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(at) => value.split_at(at),
        None => (value, "s"),
    };
    let number: f64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "ms" => number / 1000.0,
        "s" => number,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        _ => return Err(bad()),
    };
    if !(0.0..=86_400.0 * 7.0).contains(&seconds) {
        return Err(format!("`{value}` is out of range (at most 7 days)"));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

/// `name=NUMBER:VALUE`.
fn param(value: &str) -> Result<(String, String, String), String> {
    let (name, rest) = value
        .split_once('=')
        .ok_or_else(|| format!("`{value}`: write a parameter as name=NUMBER:VALUE"))?;
    let (number, text) = rest
        .split_once(':')
        .ok_or_else(|| format!("`{value}`: write a parameter as name=NUMBER:VALUE"))?;
    if name.is_empty() || number.is_empty() {
        return Err(format!("`{value}`: the parameter's name and number cannot be empty"));
    }
    Ok((name.to_owned(), number.to_owned(), text.to_owned()))
}

/// `name=VALUE`.
fn pair(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((name, text)) if !name.is_empty() => Ok((name.to_owned(), text.to_owned())),
        _ => Err(format!("`{value}`: write it as name=VALUE")),
    }
}

/// The settings of a batch that sending and replacing share.
#[derive(Args, Debug, Clone)]
pub struct BatchArgs {
    /// The sender: a short code, a number or an alphanumeric id (default:
    /// the profile's sender).
    #[arg(long, value_name = "SENDER")]
    pub from: Option<String>,
    /// A recipient: a phone number or a group id (repeat it).
    #[arg(long = "to", value_name = "NUMBER")]
    pub to: Vec<String>,
    /// The text (or, with --udh, the binary body as base64; with
    /// --media-url, the text shown with the media). Read from --body-file
    /// or stdin when missing.
    #[arg(value_name = "TEXT")]
    pub text: Option<String>,
    /// Read the text from this file.
    #[arg(long, value_name = "FILE", conflicts_with = "text")]
    pub body_file: Option<PathBuf>,
    /// Send a binary SMS with this user data header (hex); the body is
    /// base64.
    #[arg(long, value_name = "HEX", conflicts_with = "media_url")]
    pub udh: Option<String>,
    /// Send an MMS of the media at this URL.
    #[arg(long, value_name = "URL")]
    pub media_url: Option<String>,
    /// The MMS subject.
    #[arg(long, value_name = "TEXT", requires = "media_url")]
    pub subject: Option<String>,
    /// A value of a `${name}` placeholder for one recipient (repeat it).
    #[arg(long = "param", value_name = "NAME=NUMBER:VALUE", value_parser = param)]
    pub params: Vec<(String, String, String)>,
    /// The value of `${name}` for the recipients without their own.
    #[arg(long = "param-default", value_name = "NAME=VALUE", value_parser = pair)]
    pub param_defaults: Vec<(String, String)>,
    /// Send at this time (RFC 3339) instead of now.
    #[arg(long, value_name = "TIME", value_parser = time)]
    pub send_at: Option<DateTime<Utc>>,
    /// Stop trying to deliver at this time (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = time)]
    pub expire_at: Option<DateTime<Utc>>,
    /// Which delivery report callbacks to get.
    #[arg(long, value_name = "KIND", value_parser = ["none", "summary", "full", "per_recipient", "per_recipient_final"])]
    pub delivery_report: Option<String>,
    /// Send this batch's callbacks here.
    #[arg(long, value_name = "URL")]
    pub callback_url: Option<String>,
    /// A reference of yours, echoed in reports (and the way to find the
    /// batch again).
    #[arg(long, value_name = "TEXT")]
    pub client_reference: Option<String>,
    /// You will report delivery with `xms batches feedback`.
    #[arg(long)]
    pub feedback_enabled: bool,
    /// Do not send a message that needs more parts than this.
    #[arg(long, value_name = "N")]
    pub max_parts: Option<u32>,
    /// Show the message at once, without storing it on the phone.
    #[arg(long)]
    pub flash: bool,
}

#[derive(Args, Debug)]
pub struct SendArgs {
    #[command(flatten)]
    pub batch: BatchArgs,
    /// Recipients from a file: a CSV whose `to` column (or --to-column)
    /// holds the numbers and whose other columns become `${column}`
    /// parameters, or bare numbers, one a line. Sent in chunks, paced by
    /// --rate, resumable with --run-id.
    #[arg(long, value_name = "FILE")]
    pub to_file: Option<PathBuf>,
    /// The CSV column holding the numbers.
    #[arg(long, value_name = "NAME", requires = "to_file")]
    pub to_column: Option<String>,
    /// A name for this bulk send: a rerun with the same id sends only what
    /// is missing.
    #[arg(long, value_name = "ID", requires = "to_file")]
    pub run_id: Option<String>,
    /// At most this many message parts a second.
    #[arg(long, value_name = "PARTS", requires = "to_file")]
    pub rate: Option<f64>,
    /// Recipients per batch of a bulk send (1 to 1000).
    #[arg(long, value_name = "N", requires = "to_file", default_value_t = 1000)]
    pub chunk_size: usize,
    /// Ask XMS what it would send (parts, encoding) without sending.
    #[arg(long)]
    pub dry_run: bool,
    /// Send to many recipients, or from a file, to a non-local endpoint
    /// without asking.
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Args, Debug)]
pub struct PreviewArgs {
    /// The text.
    pub text: String,
}

/// How much of a listing to read.
#[derive(Args, Debug, Clone)]
pub struct Limit {
    /// At most this many items.
    #[arg(long, value_name = "N", default_value_t = 30, conflicts_with = "all")]
    pub limit: u64,
    /// Every item, page by page.
    #[arg(long)]
    pub all: bool,
}

#[derive(Subcommand, Debug)]
pub enum BatchesCommand {
    /// Batches, newest first.
    List {
        #[command(flatten)]
        limit: Limit,
        /// Only batches from this sender (repeat it).
        #[arg(long = "from", value_name = "SENDER")]
        senders: Vec<String>,
        /// Only batches created at or after this time.
        #[arg(long, value_name = "TIME", value_parser = time)]
        start: Option<DateTime<Utc>>,
        /// Only batches created before this time.
        #[arg(long, value_name = "TIME", value_parser = time)]
        end: Option<DateTime<Utc>>,
        /// Only batches with this client reference.
        #[arg(long, value_name = "TEXT")]
        client_reference: Option<String>,
    },
    /// One batch.
    Get {
        /// The batch id.
        id: String,
    },
    /// Cancel a batch that has not been dispatched.
    Cancel {
        /// The batch id.
        id: String,
    },
    /// Change a text batch before it is dispatched.
    Update {
        /// The batch id.
        id: String,
        /// Add a recipient (repeat it).
        #[arg(long = "add", value_name = "NUMBER")]
        add: Vec<String>,
        /// Remove a recipient (repeat it).
        #[arg(long = "remove", value_name = "NUMBER")]
        remove: Vec<String>,
        /// A new text.
        #[arg(long, value_name = "TEXT")]
        body: Option<String>,
        /// A new sender.
        #[arg(long, value_name = "SENDER")]
        from: Option<String>,
        /// A new send time (RFC 3339).
        #[arg(long, value_name = "TIME", value_parser = time, conflicts_with = "send_now")]
        send_at: Option<DateTime<Utc>>,
        /// Remove the send time: send now.
        #[arg(long)]
        send_now: bool,
        /// A new client reference.
        #[arg(long, value_name = "TEXT")]
        client_reference: Option<String>,
    },
    /// Put a new batch in place of one not yet dispatched, keeping its id.
    Replace {
        /// The batch id.
        id: String,
        #[command(flatten)]
        batch: BatchArgs,
    },
    /// Report that these recipients got the message (delivery feedback).
    Feedback {
        /// The batch id.
        id: String,
        /// A recipient that got it (repeat it).
        #[arg(long = "recipient", value_name = "NUMBER", required = true)]
        recipients: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ReportsCommand {
    /// A batch's delivery report: counts per status (with --full, the
    /// recipients too).
    Get {
        /// The batch id.
        batch: String,
        /// List the recipients of each status.
        #[arg(long)]
        full: bool,
        /// Only these statuses (repeat it).
        #[arg(long = "status", value_name = "STATUS")]
        statuses: Vec<String>,
        /// Only these codes (repeat it).
        #[arg(long = "code", value_name = "CODE")]
        codes: Vec<i32>,
    },
    /// The status of the message to one recipient.
    Recipient {
        /// The batch id.
        batch: String,
        /// The recipient's number.
        number: String,
    },
    /// Recipient reports across batches, newest first.
    List {
        #[command(flatten)]
        limit: Limit,
        /// Only these statuses (repeat it).
        #[arg(long = "status", value_name = "STATUS")]
        statuses: Vec<String>,
        /// Only these codes (repeat it).
        #[arg(long = "code", value_name = "CODE")]
        codes: Vec<i32>,
        /// Only reports at or after this time.
        #[arg(long, value_name = "TIME", value_parser = time)]
        start: Option<DateTime<Utc>>,
        /// Only reports before this time.
        #[arg(long, value_name = "TIME", value_parser = time)]
        end: Option<DateTime<Utc>>,
        /// Only reports of batches with this client reference.
        #[arg(long, value_name = "TEXT")]
        client_reference: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct WatchArgs {
    /// The batch ids.
    #[arg(required = true, value_name = "BATCH")]
    pub batches: Vec<String>,
    /// Give up after this long (exit 3).
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub timeout: Option<std::time::Duration>,
    /// How often to ask.
    #[arg(long, value_name = "DURATION", value_parser = duration, default_value = "2s")]
    pub interval: std::time::Duration,
}

#[derive(Subcommand, Debug)]
pub enum InboundsCommand {
    /// Inbound messages, newest first.
    List {
        #[command(flatten)]
        limit: Limit,
        /// Only messages to this number (repeat it).
        #[arg(long = "to", value_name = "NUMBER")]
        to: Vec<String>,
        /// Only messages received at or after this time.
        #[arg(long, value_name = "TIME", value_parser = time)]
        start: Option<DateTime<Utc>>,
        /// Only messages received before this time.
        #[arg(long, value_name = "TIME", value_parser = time)]
        end: Option<DateTime<Utc>>,
    },
    /// One inbound message.
    Get {
        /// The inbound message's id.
        id: String,
    },
    /// Print inbound messages as they arrive.
    Tail {
        /// Only messages to this number (repeat it).
        #[arg(long = "to", value_name = "NUMBER")]
        to: Vec<String>,
        /// How often to ask.
        #[arg(long, value_name = "DURATION", value_parser = duration, default_value = "2s")]
        interval: std::time::Duration,
        /// Stop after this many messages.
        #[arg(long, value_name = "N")]
        max: Option<u64>,
        /// Stop after this long.
        #[arg(long, value_name = "DURATION", value_parser = duration)]
        timeout: Option<std::time::Duration>,
    },
}

#[derive(Subcommand, Debug)]
pub enum GroupsCommand {
    /// Groups.
    List {
        #[command(flatten)]
        limit: Limit,
    },
    /// One group.
    Get {
        /// The group id.
        id: String,
    },
    /// Create a group.
    Create {
        /// Its name.
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// A member (repeat it).
        #[arg(long = "member", value_name = "NUMBER")]
        members: Vec<String>,
        /// A child group, whose members are members too (repeat it).
        #[arg(long = "child", value_name = "GROUP")]
        children: Vec<String>,
    },
    /// Change a group.
    Update {
        /// The group id.
        id: String,
        /// A new name.
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Add a member (repeat it).
        #[arg(long = "add", value_name = "NUMBER")]
        add: Vec<String>,
        /// Remove a member (repeat it).
        #[arg(long = "remove", value_name = "NUMBER")]
        remove: Vec<String>,
    },
    /// Replace a group's members and name.
    Replace {
        /// The group id.
        id: String,
        /// Its name.
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// A member (repeat it).
        #[arg(long = "member", value_name = "NUMBER", required = true)]
        members: Vec<String>,
    },
    /// Delete a group.
    Delete {
        /// The group id.
        id: String,
    },
    /// A group's members, those of its child groups included.
    Members {
        /// The group id.
        id: String,
    },
}

/// Whose tags.
#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct TagOwner {
    /// A batch.
    #[arg(long, value_name = "ID")]
    pub batch: Option<String>,
    /// A group.
    #[arg(long, value_name = "ID")]
    pub group: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum TagsCommand {
    /// The tags.
    Get {
        #[command(flatten)]
        owner: TagOwner,
    },
    /// Replace the tags.
    Replace {
        #[command(flatten)]
        owner: TagOwner,
        /// The new tags.
        tags: Vec<String>,
    },
    /// Add and remove tags.
    Update {
        #[command(flatten)]
        owner: TagOwner,
        /// Add a tag (repeat it).
        #[arg(long = "add", value_name = "TAG")]
        add: Vec<String>,
        /// Remove a tag (repeat it).
        #[arg(long = "remove", value_name = "TAG")]
        remove: Vec<String>,
    },
}

#[derive(Args, Debug)]
#[command(after_help = "XMS must reach the port: from the simulator (`xms dev \
    --callback-url http://127.0.0.1:8787/`) it does directly; from the real XMS, expose \
    the port with a tunnel you run (an SSH reverse tunnel, cloudflared, ngrok) and give \
    its public URL as the callback URL. No tunnel is bundled.")]
pub struct ListenArgs {
    /// The port to listen on.
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Verify XMS's signature with this secret (a refused callback gets
    /// 401 and is not forwarded).
    #[arg(long, env = "XMS_WEBHOOK_SECRET", value_name = "SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// Forward each callback, body and headers unchanged, to your app; XMS
    /// gets your app's status.
    #[arg(long, value_name = "URL")]
    pub forward_to: Option<String>,
    /// Append each callback (headers and body) to this file, one JSON a
    /// line.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Send the callbacks recorded in this file again, to --to.
    #[arg(long, value_name = "FILE", requires = "to", conflicts_with_all = ["forward_to", "record"])]
    pub replay: Option<PathBuf>,
    /// Where --replay sends them.
    #[arg(long, value_name = "URL", requires = "replay")]
    pub to: Option<String>,
    /// Stop after this many callbacks.
    #[arg(long, value_name = "N")]
    pub max: Option<u64>,
}

#[derive(Args, Debug)]
pub struct ApiArgs {
    /// GET, POST, PUT, DELETE.
    pub method: String,
    /// The path, relative to /xms/v1/{service_plan_id} (`/batches`), or
    /// absolute (`/xms/v1/...`).
    pub path: String,
    /// A body field, as a string (repeat it; a query parameter for GET).
    #[arg(short = 'f', long = "field", value_name = "KEY=VALUE", value_parser = pair)]
    pub fields: Vec<(String, String)>,
    /// A body field, as JSON (`-F to='["+4670..."]'`).
    #[arg(short = 'F', long = "raw-field", value_name = "KEY=JSON", value_parser = pair)]
    pub raw_fields: Vec<(String, String)>,
    /// A query parameter (repeat it).
    #[arg(short = 'q', long = "query", value_name = "KEY=VALUE", value_parser = pair)]
    pub query: Vec<(String, String)>,
    /// The body, as JSON from this file (`-` for stdin).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fields", "raw_fields"])]
    pub input: Option<PathBuf>,
    /// Read every page of a listing and print its items as one array.
    #[arg(long)]
    pub paginate: bool,
}

#[derive(Args, Debug)]
#[command(after_help = "The simulator answers every XMS operation on loopback, with a simulated \
    clock; recipients ending in 991, 992 and 993 fail, are rejected and expire. In the shell of \
    your app: eval \"$(xms dev --print-env)\" sets XMS_ENDPOINT, XMS_SERVICE_PLAN_ID, \
    XMS_API_TOKEN and XMS_WEBHOOK_SECRET for it.")]
pub struct DevArgs {
    #[command(flatten)]
    pub options: xms_simulator::cli::Options,
}

/// Where the simulator to drive is.
#[derive(Args, Debug, Clone)]
pub struct SimTarget {
    /// The simulator's control credentials, when it has some.
    #[arg(long, env = "XMS_SIM_CREDENTIALS", value_name = "USER:PASSWORD", hide_env_values = true)]
    pub control_credentials: Option<String>,
    /// The plan (mailbox) to look in: the first one when not given.
    #[arg(long, value_name = "ID")]
    pub plan: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum SimCommand {
    /// Wait until a message to a number exists and print it, or with
    /// --extract the part a pattern captures (a one-time code); exit 3 at
    /// the timeout.
    Wait {
        #[command(flatten)]
        target: SimTarget,
        /// The recipient.
        #[arg(long, value_name = "NUMBER")]
        to: Option<String>,
        /// Only a message whose text matches this pattern (a regex).
        #[arg(long = "match", value_name = "REGEX")]
        pattern: Option<String>,
        /// Print what this pattern's first group captures (or its whole match).
        #[arg(long, value_name = "REGEX", conflicts_with = "pattern")]
        extract: Option<String>,
        /// How long to wait.
        #[arg(long, value_name = "DURATION", value_parser = duration, default_value = "30s")]
        timeout: std::time::Duration,
    },
    /// A phone sends a message to your number.
    Inbound {
        #[command(flatten)]
        target: SimTarget,
        /// The phone.
        #[arg(long, value_name = "NUMBER")]
        from: String,
        /// Your number (a short code, a long number).
        #[arg(long, value_name = "NUMBER")]
        to: String,
        /// The text.
        text: String,
    },
    /// Move the simulated clock on.
    Advance {
        #[command(flatten)]
        target: SimTarget,
        /// How far: 5s, 2m, 1h.
        #[arg(value_parser = duration)]
        by: std::time::Duration,
    },
    /// The messages sent, newest first.
    Outbox {
        #[command(flatten)]
        target: SimTarget,
        /// Only to this number.
        #[arg(long, value_name = "NUMBER")]
        to: Option<String>,
        /// At most this many.
        #[arg(long, value_name = "N", default_value_t = 30)]
        limit: usize,
    },
    /// Forget every batch, message, group, inbound message, fault and
    /// callback (the plans stay).
    Reset {
        #[command(flatten)]
        target: SimTarget,
    },
}
