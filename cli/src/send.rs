//! `xms send`: one batch to numbers and groups, or XMS's dry run; with
//! `--to-file`, the bulk send of `bulk.rs`.

use std::{
    collections::BTreeMap,
    io::{IsTerminal, Read},
};

use xms::{
    AnyClient,
    batches::{BatchKind, Batches, SendBatch},
    model::DeliveryReportType,
    validate,
};

use crate::{
    args::{BatchArgs, Global, SendArgs},
    config::Resolved,
    exit::{self, Failure},
    output::Output,
};

/// Texts read from stdin or a file are at most this long: far more than the
/// API's 2,000 characters, so the API's own limit is the one users meet.
const MAX_TEXT_BYTES: u64 = 64 * 1024;
/// Sends to more recipients than this to a non-local endpoint ask first.
const CONFIRM_ABOVE: usize = 10;

/// Read all of stdin as the text, bounded.
pub fn read_stdin(what: &str) -> Result<String, Failure> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(Failure::usage(format!(
            "no {what}: give it as an argument, with --body-file, or on stdin"
        )));
    }
    read_bounded(stdin.lock(), what)
}

fn read_bounded(reader: impl Read, what: &str) -> Result<String, Failure> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_TEXT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::usage(format!("cannot read {what}: {e}")))?;
    if bytes.len() as u64 > MAX_TEXT_BYTES {
        return Err(Failure::usage(format!(
            "{what} is over {MAX_TEXT_BYTES} bytes; an SMS text is at most {} characters",
            validate::MAX_TEXT_BODY_CHARS
        )));
    }
    let mut text = String::from_utf8(bytes)
        .map_err(|_| Failure::usage(format!("{what} is not UTF-8 text")))?;
    // A file or a heredoc ends with a newline nobody means to send.
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}

/// The text of a batch: the argument, the file, or stdin; `None` only
/// where a text may be left out (an MMS).
fn text(args: &BatchArgs, optional: bool) -> Result<Option<String>, Failure> {
    if let Some(text) = &args.text {
        return Ok(Some(if text == "-" { read_stdin("the text")? } else { text.clone() }));
    }
    if let Some(path) = &args.body_file {
        let file = std::fs::File::open(path).map_err(|e| {
            Failure::usage(format!("--body-file {}: cannot open it: {e}", path.display()))
        })?;
        return read_bounded(file, &format!("--body-file {}", path.display())).map(Some);
    }
    if optional && std::io::stdin().is_terminal() {
        return Ok(None);
    }
    let text = read_stdin("the text")?;
    if text.is_empty() && optional {
        return Ok(None);
    }
    if text.is_empty() {
        return Err(Failure::usage("the text on stdin is empty; give the text to send"));
    }
    Ok(Some(text))
}

/// Whether a recipient is a phone number (digits, with or without `+`).
pub(crate) fn is_number(text: &str) -> bool {
    let digits = text.strip_prefix('+').unwrap_or(text);
    (1..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a recipient is a group id (26 characters of Crockford base32).
pub(crate) fn is_group_id(text: &str) -> bool {
    text.len() == 26
        && text.bytes().all(|b| b.is_ascii_digit() || (b.is_ascii_uppercase() && b != b'U'))
}

/// A recipient, checked: `where_` names the option or the row.
pub fn check_recipient(text: &str, where_: &str) -> Result<(), Failure> {
    if is_number(text) || is_group_id(text) {
        return Ok(());
    }
    Err(Failure::usage(format!(
        "{where_}: `{text}` is not a phone number (up to 15 digits, with or without +, no \
         spaces) or a group id"
    )))
}

/// The sender: --from, else the profile's.
fn sender(args: &BatchArgs, settings: &Resolved) -> Result<String, Failure> {
    match (&args.from, &settings.sender) {
        (Some(from), _) => Ok(from.clone()),
        (None, Some(sender)) => Ok(sender.value.clone()),
        (None, None) => Err(Failure::usage(
            "no sender: give --from, or keep one in the profile (`xms auth login --sender NUMBER`)",
        )),
    }
}

/// The `--param` values by key, and the `--param-default`s.
/// A parameter's values: (number, value) pairs, and its default.
type Values = (Vec<(String, String)>, Option<String>);

fn parameters(args: &BatchArgs) -> BTreeMap<String, Values> {
    let mut out: BTreeMap<String, Values> = BTreeMap::new();
    for (key, number, value) in &args.params {
        out.entry(key.clone()).or_default().0.push((number.clone(), value.clone()));
    }
    for (key, value) in &args.param_defaults {
        out.entry(key.clone()).or_default().1 = Some(value.clone());
    }
    out
}

/// Every setting of `args` but the body, on a batch of any kind.
fn common<K: BatchKind, H: AnyClient>(
    mut batch: SendBatch<K, H>,
    args: &BatchArgs,
) -> SendBatch<K, H> {
    if let Some(at) = args.send_at {
        batch = batch.send_at(at);
    }
    if let Some(at) = args.expire_at {
        batch = batch.expire_at(at);
    }
    if let Some(kind) = &args.delivery_report {
        batch = batch.delivery_report(DeliveryReportType::from(kind.as_str()));
    }
    if let Some(url) = &args.callback_url {
        batch = batch.callback_url(url.clone());
    }
    if let Some(reference) = &args.client_reference {
        batch = batch.client_reference(reference.clone());
    }
    if args.feedback_enabled {
        batch = batch.feedback_enabled(true);
    }
    batch
}

fn sms<K: xms::batches::SmsKind, H: AnyClient>(
    mut batch: SendBatch<K, H>,
    args: &BatchArgs,
) -> SendBatch<K, H> {
    if let Some(parts) = args.max_parts {
        batch = batch.max_number_of_message_parts(parts);
    }
    if args.flash {
        batch = batch.flash_message(true);
    }
    batch
}

fn templated<K: xms::batches::TemplateKind, H: AnyClient>(
    mut batch: SendBatch<K, H>,
    args: &BatchArgs,
) -> SendBatch<K, H> {
    for (key, (values, default)) in parameters(args) {
        batch = match default {
            Some(default) => batch.parameter(key, values, default),
            None => batch.parameter_without_default(key, values),
        };
    }
    batch
}

/// A batch of whichever kind the options ask for.
pub enum AnyBatch<H: AnyClient> {
    Text(SendBatch<xms::batches::Text, H>),
    Binary(SendBatch<xms::batches::Binary, H>),
    Media(SendBatch<xms::batches::Media, H>),
}

/// The text of the batch `args` describes: `None` for an MMS without one.
pub fn body(args: &BatchArgs) -> Result<Option<String>, Failure> {
    text(args, args.media_url.is_some())
}

/// Build the batch `args` describes, to `recipients`, with its `body`.
pub fn build<H: AnyClient>(
    batches: &Batches<H>,
    args: &BatchArgs,
    settings: &Resolved,
    recipients: &[String],
    body: Option<String>,
) -> Result<AnyBatch<H>, Failure> {
    let from = sender(args, settings)?;
    if let Some(url) = &args.media_url {
        if args.max_parts.is_some() || args.flash {
            return Err(Failure::usage("--max-parts and --flash are for SMS, not --media-url"));
        }
        let mut batch = batches.media(from, recipients, url.clone());
        if let Some(message) = body {
            batch = batch.message(message);
        }
        if let Some(subject) = &args.subject {
            batch = batch.subject(subject.clone());
        }
        return Ok(AnyBatch::Media(templated(common(batch, args), args)));
    }
    let body = body.unwrap_or_default();
    if let Some(udh) = &args.udh {
        if !args.params.is_empty() || !args.param_defaults.is_empty() {
            return Err(Failure::usage("--param and --param-default are for texts, not --udh"));
        }
        let batch = batches.binary(from, recipients, body, udh.clone());
        return Ok(AnyBatch::Binary(sms(common(batch, args), args)));
    }
    let batch = batches.text(from, recipients, body);
    Ok(AnyBatch::Text(templated(sms(common(batch, args), args), args)))
}

/// Ask before a send that reaches many people for real; without a
/// terminal, only `--yes` lets it through.
pub(crate) fn confirm(what: &str, yes: bool) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        let go = dialoguer::Confirm::new()
            .with_prompt(format!("Send {what}?"))
            .default(false)
            .interact()
            .map_err(|e| Failure::new(exit::NOT_CONFIRMED, format!("not confirmed: {e}")))?;
        return if go { Ok(()) } else { Err(Failure::new(exit::NOT_CONFIRMED, "not sent")) };
    }
    Err(Failure::new(
        exit::NOT_CONFIRMED,
        format!(
            "not sent: {what} needs confirmation; there is no terminal to ask on, so add --yes"
        ),
    ))
}

pub async fn run(global: &Global, args: SendArgs) -> Result<(), Failure> {
    for (i, to) in args.batch.to.iter().enumerate() {
        check_recipient(to, &format!("--to #{}", i + 1))?;
    }
    if let Some(file) = &args.to_file {
        return crate::bulk::run(global, &args, file).await;
    }
    if args.batch.to.is_empty() {
        return Err(Failure::usage(
            "no recipients: give --to NUMBER (repeat it), or --to-file FILE",
        ));
    }
    let settings = Resolved::load(global, None)?;
    let client = settings.client()?;
    let output = Output::new(global);
    let body = body(&args.batch)?;
    let batch = build(&client.batches(), &args.batch, &settings, &args.batch.to, body)?;
    if args.dry_run {
        let result = match batch {
            AnyBatch::Text(b) => b.dry_run().per_recipient(true).send().await,
            AnyBatch::Binary(b) => b.dry_run().per_recipient(true).send().await,
            AnyBatch::Media(b) => b.dry_run().per_recipient(true).send().await,
        }?;
        return output.one(&result);
    }
    if args.batch.to.len() > CONFIRM_ABOVE && !settings.is_local() {
        confirm(&format!("to {} recipients", args.batch.to.len()), args.yes)?;
    }
    let sent = match batch {
        AnyBatch::Text(b) => serde_json::to_value(b.send().await?),
        AnyBatch::Binary(b) => serde_json::to_value(b.send().await?),
        AnyBatch::Media(b) => serde_json::to_value(b.send().await?),
    }
    .map_err(|e| Failure::new(exit::FAILURE, format!("cannot print the batch: {e}")))?;
    output.one(&sent)?;
    if output.format == crate::args::Format::Table
        && let Some(id) = sent["id"].as_str()
    {
        eprintln!("Sent. Follow it with: xms watch {id}");
    }
    Ok(())
}
