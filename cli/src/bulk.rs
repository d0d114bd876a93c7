//! `xms send --to-file`: a bulk send from a file of any size, checked
//! whole first, then sent in chunks through the SDK's bulk send, paced,
//! with progress, and resumable by its run id.

use std::{
    io::IsTerminal,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use futures_util::StreamExt;
use serde::Serialize;
use xms::{RateLimit, batches::BulkRecipient, validate};

use crate::{
    args::{Global, SendArgs},
    config::Resolved,
    exit::{self, Failure},
    output::Output,
    send::{AnyBatch, body, build, check_recipient, confirm, is_group_id, is_number},
};

/// How the recipients' file is laid out.
#[derive(Debug)]
struct Layout {
    /// The column of numbers; `None` for a file of bare numbers.
    number_column: Option<usize>,
    /// The other columns: `${name}` parameters.
    parameters: Vec<(usize, String)>,
    rows: u64,
}

fn open_csv(path: &Path, headers: bool) -> Result<csv::Reader<std::fs::File>, Failure> {
    let file = std::fs::File::open(path).map_err(|e| {
        Failure::usage(format!("--to-file {}: cannot open it: {e}", path.display()))
    })?;
    Ok(csv::ReaderBuilder::new().has_headers(headers).trim(csv::Trim::All).from_reader(file))
}

/// Where a CSV record is, for messages: its line.
fn line_of(record: &csv::StringRecord, index: u64) -> String {
    match record.position() {
        Some(p) => format!("line {}", p.line()),
        None => format!("row {}", index + 1),
    }
}

fn csv_error(path: &Path, e: csv::Error) -> Failure {
    let at = match e.position() {
        Some(p) => format!(" line {}", p.line()),
        None => String::new(),
    };
    let detail = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("{len} fields where the header has {expected_len}")
        }
        _ => e.to_string(),
    };
    Failure::usage(format!("--to-file {}{at}: {detail}", path.display()))
}

/// Read the whole file once before sending anything: its layout, and every
/// row checked. A bad row stops the send before it starts.
fn check_file(path: &Path, args: &SendArgs, body: Option<&str>) -> Result<Layout, Failure> {
    let mut reader = open_csv(path, true)?;
    let headers = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    let wanted = args.to_column.as_deref().unwrap_or("to");
    let layout_number_column = headers.iter().position(|h| h == wanted);
    let names: Vec<&str> = headers.iter().collect();
    let bare = layout_number_column.is_none()
        && args.to_column.is_none()
        && names.len() == 1
        && is_number(names[0]);
    if layout_number_column.is_none() && !bare {
        return Err(Failure::usage(format!(
            "--to-file {}: no column `{wanted}` (the columns are: {}); name the numbers' \
             column with --to-column, or give a file of bare numbers, one a line",
            path.display(),
            names.join(", ")
        )));
    }
    let mut parameters = Vec::new();
    if let Some(number_column) = layout_number_column {
        for (i, name) in headers.iter().enumerate() {
            if i == number_column {
                continue;
            }
            if name.is_empty() || name.chars().count() > validate::MAX_PARAMETER_KEY_CHARS {
                return Err(Failure::usage(format!(
                    "--to-file {}: column {} has a name that cannot be a parameter (1 to {} \
                     characters)",
                    path.display(),
                    i + 1,
                    validate::MAX_PARAMETER_KEY_CHARS
                )));
            }
            parameters.push((i, name.to_string()));
        }
    }
    let defaults: Vec<&str> = args.batch.param_defaults.iter().map(|(k, _)| k.as_str()).collect();
    let placeholders: Vec<String> =
        body.map(|b| crate::preview::cost(b).placeholders).unwrap_or_default();
    for placeholder in &placeholders {
        let known = parameters.iter().any(|(_, name)| name == placeholder)
            || defaults.contains(&placeholder.as_str())
            || args.batch.params.iter().any(|(k, _, _)| k == placeholder);
        if !known {
            return Err(Failure::usage(format!(
                "the text has ${{{placeholder}}} but the file has no column `{placeholder}` and \
                 there is no --param-default {placeholder}=VALUE"
            )));
        }
    }
    if !parameters.is_empty() && args.batch.udh.is_some() {
        return Err(Failure::usage(format!(
            "--to-file {}: binary messages (--udh) take no parameters; remove the columns {}",
            path.display(),
            parameters.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    let mut rows = 0u64;
    let check = |record: &csv::StringRecord, index: u64| -> Result<(), Failure> {
        let at = || format!("--to-file {} {}", path.display(), line_of(record, index));
        let number = record.get(layout_number_column.unwrap_or(0)).unwrap_or("");
        check_recipient(number, &at())?;
        for (column, name) in &parameters {
            let value = record.get(*column).unwrap_or("");
            if value.chars().count() > validate::MAX_PARAMETER_VALUE_CHARS {
                return Err(Failure::usage(format!(
                    "{}: the value of `{name}` is over {} characters",
                    at(),
                    validate::MAX_PARAMETER_VALUE_CHARS
                )));
            }
            if value.is_empty() && placeholders.contains(name) && !defaults.contains(&name.as_str())
            {
                return Err(Failure::usage(format!(
                    "{}: `{name}` is empty and the text needs it; fill it in or add \
                     --param-default {name}=VALUE",
                    at()
                )));
            }
        }
        Ok(())
    };
    if bare {
        check(&headers, 0)?;
        rows += 1;
    }
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {
                if record.iter().all(str::is_empty) {
                    continue;
                }
                check(&record, rows)?;
                rows += 1;
            }
            Ok(false) => break,
            Err(e) => return Err(csv_error(path, e)),
        }
    }
    if rows == 0 {
        return Err(Failure::usage(format!("--to-file {}: no recipients in it", path.display())));
    }
    Ok(Layout { number_column: layout_number_column, parameters, rows })
}

/// The recipients of the file, read as the send needs them. A row that
/// cannot be read now (the file changed since it was checked) ends the
/// recipients and is reported.
fn recipients(
    path: PathBuf,
    layout: &Layout,
    problem: Arc<Mutex<Option<String>>>,
) -> Result<impl Iterator<Item = BulkRecipient> + Send + 'static, Failure> {
    let bare = layout.number_column.is_none();
    let mut reader = open_csv(&path, !bare)?;
    let number_column = layout.number_column.unwrap_or(0);
    let parameters = layout.parameters.clone();
    let mut record = csv::StringRecord::new();
    Ok(std::iter::from_fn(move || {
        loop {
            match reader.read_record(&mut record) {
                Ok(true) if record.iter().all(str::is_empty) => continue,
                Ok(true) => {
                    let number = record.get(number_column).unwrap_or("");
                    if !(is_number(number) || is_group_id(number)) {
                        let at = line_of(&record, 0);
                        *problem.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!(
                            "{}: {at} changed and is no longer valid",
                            path.display()
                        ));
                        return None;
                    }
                    let mut recipient = BulkRecipient::new(number);
                    for (column, name) in &parameters {
                        if let Some(value) = record.get(*column).filter(|v| !v.is_empty()) {
                            recipient = recipient.value(name.clone(), value);
                        }
                    }
                    return Some(recipient);
                }
                Ok(false) => return None,
                Err(e) => {
                    *problem.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some(format!("{}: {e}", path.display()));
                    return None;
                }
            }
        }
    }))
}

/// What a bulk send did.
#[derive(Serialize, Debug, Default)]
struct Summary {
    run_id: String,
    recipients: u64,
    accepted: u64,
    failed: u64,
    chunks: u64,
    /// Chunks found from an earlier run (or a lost answer), not sent again.
    found: u64,
    batches: Vec<String>,
}

/// One chunk's outcome, for `-o jsonl`.
#[derive(Serialize)]
struct ChunkLine<'a> {
    chunk: u64,
    client_reference: &'a str,
    recipients: usize,
    batch_id: Option<String>,
    found: bool,
    error: Option<String>,
}

pub(crate) async fn run(global: &Global, args: &SendArgs, path: &Path) -> Result<(), Failure> {
    if args.dry_run {
        return Err(Failure::usage(
            "--dry-run asks XMS about one batch; with --to-file, check the file with `xms \
             preview` and a --to of one of its numbers",
        ));
    }
    if !(1..=validate::MAX_RECIPIENTS).contains(&args.chunk_size) {
        return Err(Failure::usage(format!(
            "--chunk-size {}: a chunk has 1 to {} recipients",
            args.chunk_size,
            validate::MAX_RECIPIENTS
        )));
    }
    if let Some(rate) = args.rate
        && !(rate.is_finite() && rate > 0.0 && rate <= 1_000_000.0)
    {
        return Err(Failure::usage(format!("--rate {rate}: give parts a second, above 0")));
    }
    let settings = Resolved::load(global, None)?;
    let client = settings.client()?;
    // The text first (it may come from stdin), then the file, checked whole.
    let body = body(&args.batch)?;
    let layout = check_file(path, args, body.as_deref())?;
    let batch = build(&client.batches(), &args.batch, &settings, &args.batch.to, body)?;
    if !settings.is_local() {
        confirm(&format!("to the {} recipients of {}", layout.rows, path.display()), args.yes)?;
    }
    let problem = Arc::new(Mutex::new(None));
    let people = recipients(path.to_path_buf(), &layout, problem.clone())?;
    let output = Output::new(global);
    let total = layout.rows + args.batch.to.len() as u64;
    macro_rules! drive {
        ($batch:expr) => {{
            let mut send = $batch.bulk(people).total(total).chunk_size(args.chunk_size);
            if let Some(id) = &args.run_id {
                send = send.run_id(id.clone());
            }
            if let Some(rate) = args.rate {
                send = send.rate_limit(RateLimit::new().messages_per_second(rate));
            }
            let stream = send.stream().map(|chunk| Outcome {
                index: chunk.index,
                client_reference: chunk.client_reference,
                recipients: chunk.recipients.len(),
                batch_id: chunk.result.as_ref().ok().map(|b| b.id.to_string()),
                error: chunk.result.err(),
                found: chunk.found,
                accepted: chunk.progress.accepted,
                failed: chunk.progress.failed,
            });
            follow(stream.boxed(), &output, total, args.run_id.clone()).await
        }};
    }
    let result = match batch {
        AnyBatch::Text(b) => drive!(b),
        AnyBatch::Binary(b) => drive!(b),
        AnyBatch::Media(b) => drive!(b),
    };
    if let Some(problem) = problem.lock().unwrap_or_else(|e| e.into_inner()).take() {
        return Err(Failure::new(exit::FAILURE, format!("{problem}; the send stopped there")));
    }
    result
}

/// One chunk's outcome, whatever the batch kind.
struct Outcome {
    index: u64,
    client_reference: String,
    recipients: usize,
    batch_id: Option<String>,
    error: Option<xms::Error>,
    found: bool,
    accepted: u64,
    failed: u64,
}

/// The run id of a chunk's client reference (`{run_id}-{index}`).
fn run_id_of(reference: &str) -> &str {
    reference.rsplit_once('-').map_or(reference, |(run, _)| run)
}

/// Follow the outcomes: a progress bar on a terminal, each chunk's line
/// with `-o jsonl`, the summary at the end; Ctrl-C stops the send.
async fn follow(
    mut outcomes: futures_util::stream::BoxStream<'_, Outcome>,
    output: &Output,
    total: u64,
    run_id: Option<String>,
) -> Result<(), Failure> {
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} recipients, {per_sec}, {eta} left {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut summary = Summary { run_id: run_id.clone().unwrap_or_default(), ..Summary::default() };
    let mut first_error: Option<xms::Error> = None;
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    loop {
        let outcome = tokio::select! {
            outcome = outcomes.next() => outcome,
            _ = &mut interrupt => {
                bar.abandon();
                drop(outcomes);
                let resume = if summary.run_id.is_empty() {
                    String::new()
                } else {
                    format!("; run it again with --run-id {} to send the rest", summary.run_id)
                };
                return Err(Failure::new(
                    exit::TIMEOUT,
                    format!(
                        "interrupted: {} of {total} recipients accepted{resume}",
                        summary.accepted
                    ),
                ));
            }
        };
        let Some(outcome) = outcome else { break };
        if summary.run_id.is_empty() {
            summary.run_id = run_id_of(&outcome.client_reference).to_string();
            bar.suspend(|| {
                eprintln!(
                    "run id {}: if the send stops, run it again with --run-id {} to send only \
                     what is missing",
                    summary.run_id, summary.run_id
                )
            });
        }
        summary.chunks += 1;
        summary.accepted = outcome.accepted;
        summary.failed = outcome.failed;
        if outcome.found {
            summary.found += 1;
        }
        if let Some(id) = &outcome.batch_id {
            summary.batches.push(id.clone());
        }
        if output.format == crate::args::Format::Jsonl {
            let line = ChunkLine {
                chunk: outcome.index,
                client_reference: &outcome.client_reference,
                recipients: outcome.recipients,
                batch_id: outcome.batch_id.clone(),
                found: outcome.found,
                error: outcome.error.as_ref().map(ToString::to_string),
            };
            let text = serde_json::to_string(&line).unwrap_or_default();
            crate::output::write_stdout(format!("{text}\n").as_bytes())?;
        }
        if let Some(error) = outcome.error {
            bar.suspend(|| {
                eprintln!(
                    "chunk {} ({} recipients) failed: {error}",
                    outcome.index, outcome.recipients
                )
            });
            first_error.get_or_insert(error);
        }
        bar.set_position(outcome.accepted + outcome.failed);
    }
    bar.finish_and_clear();
    summary.recipients = summary.accepted + summary.failed;
    if output.format != crate::args::Format::Jsonl {
        output.one(&summary)?;
    }
    match first_error {
        None => Ok(()),
        Some(error) if summary.accepted == 0 => Err(Failure::from(error)),
        Some(_) => Err(Failure::new(
            exit::PARTIAL,
            format!(
                "{} of {} recipients failed; run it again with --run-id {} to retry them",
                summary.failed, summary.recipients, summary.run_id
            ),
        )),
    }
}
