//! Knowing a batch before sending it, offline: every `${key}` placeholder
//! has a value for each recipient (or a default), and what each recipient's
//! message renders to, in which encoding and in how many parts.

use crate::{
    Error, Result,
    encoding::{self, Charset},
    model::Parameters,
};

/// One recipient's message as it would be sent, rendered offline.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecipientPreview {
    /// The recipient as given (a phone number or a group id).
    pub recipient: String,
    /// The text with every placeholder filled in (a binary body as given).
    pub body: String,
    /// GSM-7 or UCS-2 (binary bodies count as one GSM-7 part).
    pub charset: Charset,
    /// How many SMS parts the message takes.
    pub parts: usize,
}

/// A batch (or a bulk send) rendered offline, per recipient.
///
/// ```
/// # fn demo(client: xms::Client) -> Result<(), xms::Error> {
/// let preview = client.batches()
///     .text("12345", ["+46701234567", "+46707654321"], "Hi ${name}!")
///     .parameter("name", [("+46701234567", "Mary")], "you")
///     .preview()?;
/// assert_eq!(preview.recipients[0].body, "Hi Mary!");
/// assert_eq!(preview.total_parts, 2);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Preview {
    /// Each recipient's message, in the order given. A group id stands for
    /// its members, which are not known offline: it is rendered once, with
    /// the defaults.
    pub recipients: Vec<RecipientPreview>,
    /// The parts of all the messages together: what the batch costs.
    pub total_parts: u64,
}

/// The placeholders of a body: each `${key}`.
pub(crate) fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.find("${")?;
        let after = &rest[start + 2..];
        let end = after.find('}')?;
        rest = &after[end + 1..];
        Some(&after[..end])
    })
}

/// A recipient's value of a parameter: listed under the number with or
/// without its `+`, else the default.
fn value<'a>(
    values: &'a std::collections::BTreeMap<String, String>,
    recipient: &str,
) -> Option<&'a str> {
    let bare = recipient.strip_prefix('+').unwrap_or(recipient);
    values
        .get(recipient)
        .or_else(|| values.get(bare))
        .or_else(|| values.get(&format!("+{bare}")))
        .or_else(|| values.get("default"))
        .map(String::as_str)
}

/// Whether a recipient is a phone number (else a group id).
fn is_number(recipient: &str) -> bool {
    let digits = recipient.strip_prefix('+').unwrap_or(recipient);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// Refuse a batch whose text has a placeholder some phone-number recipient
/// has no value for, and no default: XMS would accept it and fail those
/// messages (code 405). Names the keys and (at most ten of) the recipients.
/// Costs nothing when the text has no placeholder.
pub(crate) fn check_placeholders(
    text: &str,
    parameters: &Parameters,
    recipients: &[String],
) -> Result<()> {
    let mut missing: Vec<(&str, Vec<&str>)> = Vec::new();
    for key in placeholders(text) {
        if missing.iter().any(|(k, _)| *k == key) {
            continue;
        }
        let values = parameters.get(key);
        if values.is_some_and(|v| v.contains_key("default")) {
            continue;
        }
        let lacking: Vec<&str> = recipients
            .iter()
            .filter(|r| is_number(r))
            .filter(|r| values.is_none_or(|v| value(v, r).is_none()))
            .map(String::as_str)
            .collect();
        if !lacking.is_empty() {
            missing.push((key, lacking));
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let rule = missing
        .iter()
        .map(|(key, lacking)| {
            let shown: Vec<&str> = lacking.iter().take(10).copied().collect();
            let more = lacking.len().saturating_sub(10);
            format!(
                "${{{key}}} has no value and no default for {}{}",
                shown.join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Err(Error::invalid("parameters", rule))
}

/// A recipient's text with its placeholders filled in.
pub(crate) fn render(text: &str, parameters: &Parameters, recipient: &str) -> String {
    if !text.contains("${") {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let key = &after[..end];
        match parameters.get(key).and_then(|v| value(v, recipient)) {
            Some(v) => out.push_str(v),
            None => out.push_str(&rest[start..start + 3 + end]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The preview of one recipient's message.
pub(crate) fn recipient(
    text: Option<&str>,
    parameters: &Parameters,
    recipient: &str,
    truncate: bool,
) -> RecipientPreview {
    match text {
        Some(text) => {
            let body = render(text, parameters, recipient);
            let analysis = encoding::analyze(&body);
            let parts = if truncate { 1 } else { analysis.parts };
            RecipientPreview {
                recipient: recipient.to_owned(),
                body,
                charset: analysis.charset,
                parts,
            }
        }
        // A binary body is one part as it is.
        None => RecipientPreview {
            recipient: recipient.to_owned(),
            body: String::new(),
            charset: Charset::Gsm7,
            parts: 1,
        },
    }
}

/// How many parts the messages to `recipients` take together.
pub(crate) fn total_parts(
    text: Option<&str>,
    parameters: &Parameters,
    recipients: &[String],
    truncate: bool,
) -> u64 {
    match text {
        Some(text) if text.contains("${") => recipients
            .iter()
            .map(|r| recipient(Some(text), parameters, r, truncate).parts as u64)
            .sum(),
        Some(text) => {
            let parts = if truncate { 1 } else { encoding::analyze(text).parts as u64 };
            parts * recipients.len() as u64
        }
        None => recipients.len() as u64,
    }
}
