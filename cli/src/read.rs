//! Reading and following: batches, delivery reports, `watch`, inbound
//! messages and `tail`, groups, tags. Listings page lazily: `--limit`
//! stops reading once it has enough, `--all` reads on page by page.

use std::{collections::HashSet, io::IsTerminal, time::Duration};

use futures_util::StreamExt;
use serde::Serialize;
use xms::{
    Client,
    delivery_reports::BatchDeliveryReport,
    model::{DeliveryStatus, GroupId},
    pagination::MAX_PAGE_SIZE,
};

use crate::{
    args::{
        BatchesCommand, Format, Global, GroupsCommand, InboundsCommand, Limit, ReportsCommand,
        TagsCommand, WatchArgs,
    },
    config::Resolved,
    exit::{self, Failure},
    output::{Column, Output},
    send,
};

fn client(global: &Global) -> Result<(Client, Resolved), Failure> {
    let settings = Resolved::load(global, None)?;
    Ok((settings.client()?, settings))
}

/// The page size for a listing of at most `limit` items.
fn page_size(limit: &Limit) -> u32 {
    if limit.all { MAX_PAGE_SIZE } else { (limit.limit.max(1)).min(MAX_PAGE_SIZE as u64) as u32 }
}

/// Print a listing's items as they come, stopping at the limit.
async fn print_items<T, S>(
    output: &Output,
    columns: &[Column],
    mut items: S,
    limit: &Limit,
) -> Result<(), Failure>
where
    T: Serialize,
    S: futures_util::Stream<Item = xms::Result<T>> + Unpin,
{
    let mut listing = output.listing(columns);
    let mut printed = 0u64;
    while limit.all || printed < limit.limit {
        match items.next().await {
            Some(Ok(item)) => listing.push(&item)?,
            Some(Err(e)) => {
                // What was printed stays valid; close it before failing.
                listing.finish()?;
                return Err(e.into());
            }
            None => break,
        }
        printed += 1;
    }
    listing.finish()
}

const BATCH_COLUMNS: &[Column] = &[
    ("id", "id"),
    ("type", "type"),
    ("from", "from"),
    ("to", "to"),
    ("created", "created_at"),
    ("canceled", "canceled"),
    ("body", "body"),
];

const REPORT_COLUMNS: &[Column] = &[
    ("batch", "batch_id"),
    ("recipient", "recipient"),
    ("status", "status"),
    ("code", "code"),
    ("at", "at"),
    ("reference", "client_reference"),
];

const INBOUND_COLUMNS: &[Column] = &[
    ("id", "id"),
    ("type", "type"),
    ("from", "from"),
    ("to", "to"),
    ("received", "received_at"),
    ("body", "body"),
];

const GROUP_COLUMNS: &[Column] =
    &[("id", "id"), ("name", "name"), ("size", "size"), ("created", "created_at")];

pub async fn batches(global: &Global, command: BatchesCommand) -> Result<(), Failure> {
    let output = Output::new(global);
    match command {
        BatchesCommand::List { limit, senders, start, end, client_reference } => {
            let (client, _) = client(global)?;
            let mut list = client.batches().list().page_size(page_size(&limit));
            if !senders.is_empty() {
                list = list.senders(senders);
            }
            if let Some(at) = start {
                list = list.start_date(at);
            }
            if let Some(at) = end {
                list = list.end_date(at);
            }
            if let Some(reference) = client_reference {
                list = list.client_reference(reference);
            }
            print_items(&output, BATCH_COLUMNS, list.items(), &limit).await
        }
        BatchesCommand::Get { id } => {
            let (client, _) = client(global)?;
            output.one(&client.batches().get(id).await?)
        }
        BatchesCommand::Cancel { id } => {
            let (client, _) = client(global)?;
            output.one(&client.batches().cancel(id).await?)
        }
        BatchesCommand::Update {
            id,
            add,
            remove,
            body,
            from,
            send_at,
            send_now,
            client_reference,
        } => {
            for (i, number) in add.iter().enumerate() {
                send::check_recipient(number, &format!("--add #{}", i + 1))?;
            }
            for (i, number) in remove.iter().enumerate() {
                send::check_recipient(number, &format!("--remove #{}", i + 1))?;
            }
            if add.is_empty()
                && remove.is_empty()
                && body.is_none()
                && from.is_none()
                && send_at.is_none()
                && !send_now
                && client_reference.is_none()
            {
                return Err(Failure::usage(
                    "nothing to change: give --add, --remove, --body, --from, --send-at, \
                     --send-now or --client-reference",
                ));
            }
            let (client, _) = client(global)?;
            let mut update = client.batches().update_text(id);
            if !add.is_empty() {
                update = update.add_recipients(add);
            }
            if !remove.is_empty() {
                update = update.remove_recipients(remove);
            }
            if let Some(body) = body {
                update = update.body(body);
            }
            if let Some(from) = from {
                update = update.sender(from);
            }
            if let Some(at) = send_at {
                update = update.send_at(at);
            }
            if send_now {
                update = update.reset_send_at();
            }
            if let Some(reference) = client_reference {
                update = update.client_reference(reference);
            }
            output.one(&update.send().await?)
        }
        BatchesCommand::Replace { id, batch } => {
            if batch.to.is_empty() {
                return Err(Failure::usage("the new batch needs recipients: give --to NUMBER"));
            }
            for (i, to) in batch.to.iter().enumerate() {
                send::check_recipient(to, &format!("--to #{}", i + 1))?;
            }
            let (client, settings) = client(global)?;
            let body = send::body(&batch)?;
            let replacement = send::build(&client.batches(), &batch, &settings, &batch.to, body)?;
            let replaced = match replacement {
                send::AnyBatch::Text(b) => serde_json::to_value(b.replace(id).await?),
                send::AnyBatch::Binary(b) => serde_json::to_value(b.replace(id).await?),
                send::AnyBatch::Media(b) => serde_json::to_value(b.replace(id).await?),
            }
            .map_err(|e| Failure::new(exit::FAILURE, format!("cannot print the batch: {e}")))?;
            output.one(&replaced)
        }
        BatchesCommand::Feedback { id, recipients } => {
            for (i, number) in recipients.iter().enumerate() {
                send::check_recipient(number, &format!("--recipient #{}", i + 1))?;
            }
            let (client, _) = client(global)?;
            client.batches().delivery_feedback(id.clone(), recipients.clone()).await?;
            eprintln!("Delivery feedback for {} recipient(s) of {id} sent.", recipients.len());
            Ok(())
        }
    }
}

fn statuses(names: &[String]) -> Result<Vec<DeliveryStatus>, Failure> {
    names
        .iter()
        .map(|name| {
            let status = DeliveryStatus::KNOWN
                .iter()
                .find(|s| s.as_str().eq_ignore_ascii_case(name))
                .cloned();
            status.ok_or_else(|| {
                let known: Vec<&str> = DeliveryStatus::KNOWN.iter().map(|s| s.as_str()).collect();
                Failure::usage(format!(
                    "--status {name}: not a delivery status (one of {})",
                    known.join(", ")
                ))
            })
        })
        .collect()
}

/// A batch report's rows: one per status and code.
fn report_rows(report: &BatchDeliveryReport, output: &Output, full: bool) -> Result<(), Failure> {
    if matches!(output.format, Format::Json | Format::Jsonl) {
        return output.one(report);
    }
    let mut columns: Vec<Column> = vec![("status", "status"), ("code", "code"), ("count", "count")];
    if full {
        columns.push(("recipients", "recipients"));
    }
    let mut listing = output.listing(&columns);
    for status in &report.statuses {
        listing.push(status)?;
    }
    listing.finish()?;
    if output.format == Format::Table {
        eprintln!(
            "{} message(s) in batch {}{}",
            report.total_message_count,
            report.batch_id,
            if report.is_complete() && !report.statuses.is_empty() { ", all final" } else { "" }
        );
    }
    Ok(())
}

pub async fn reports(global: &Global, command: ReportsCommand) -> Result<(), Failure> {
    let output = Output::new(global);
    match command {
        ReportsCommand::Get { batch, full, statuses: names, codes } => {
            let wanted = statuses(&names)?;
            let (client, _) = client(global)?;
            let mut request = client.delivery_reports().for_batch(batch);
            request = if full { request.full() } else { request.summary() };
            if !wanted.is_empty() {
                request = request.statuses(wanted);
            }
            if !codes.is_empty() {
                request = request.codes(codes);
            }
            let report = request.send().await?;
            report_rows(&report, &output, full)
        }
        ReportsCommand::Recipient { batch, number } => {
            send::check_recipient(&number, "NUMBER")?;
            let (client, _) = client(global)?;
            output.one(&client.delivery_reports().for_recipient(batch, number).send().await?)
        }
        ReportsCommand::List { limit, statuses: names, codes, start, end, client_reference } => {
            let wanted = statuses(&names)?;
            let (client, _) = client(global)?;
            let mut list = client.delivery_reports().list().page_size(page_size(&limit));
            if !wanted.is_empty() {
                list = list.statuses(wanted);
            }
            if !codes.is_empty() {
                list = list.codes(codes);
            }
            if let Some(at) = start {
                list = list.start_date(at);
            }
            if let Some(at) = end {
                list = list.end_date(at);
            }
            if let Some(reference) = client_reference {
                list = list.client_reference(reference);
            }
            print_items(&output, REPORT_COLUMNS, list.items(), &limit).await
        }
    }
}

/// Where one watched batch stands.
#[derive(Serialize, Debug)]
struct Watched {
    batch_id: String,
    /// Messages in the batch.
    messages: u32,
    /// Count per status.
    statuses: Vec<Count>,
    /// Every message has a final status (or the batch was canceled before
    /// any left).
    done: bool,
    canceled: bool,
    /// Messages that ended without being delivered.
    failed: u32,
}

/// How many messages have a status.
#[derive(Serialize, Debug)]
struct Count {
    status: String,
    count: u32,
}

impl Watched {
    fn line(&self) -> String {
        let counts: Vec<String> =
            self.statuses.iter().map(|c| format!("{} {}", c.status, c.count)).collect();
        let state = if self.canceled && self.statuses.is_empty() {
            "canceled before dispatch".to_string()
        } else if counts.is_empty() {
            "not dispatched yet".to_string()
        } else {
            counts.join(", ")
        };
        let mark = if self.done { " (final)" } else { "" };
        format!("{}  {state}{mark}", self.batch_id)
    }
}

/// Where a batch stands: its summary report (and whether it was canceled
/// before anything left).
async fn look(client: &Client, id: &str) -> Result<Watched, Failure> {
    let report = client.delivery_reports().for_batch(id).summary().send().await?;
    let counted: u32 = report.statuses.iter().map(|s| s.count).sum();
    let mut canceled = false;
    if report.statuses.is_empty() {
        canceled = client.batches().get(id).await?.canceled();
    }
    let done = canceled
        || (!report.statuses.is_empty()
            && report.is_complete()
            && counted >= report.total_message_count);
    let failed = report
        .statuses
        .iter()
        .filter(|s| s.status.is_final() == Some(true) && s.status != DeliveryStatus::Delivered)
        .map(|s| s.count)
        .sum();
    let mut statuses: Vec<Count> = Vec::new();
    for s in &report.statuses {
        match statuses.iter_mut().find(|c| c.status == s.status.as_str()) {
            Some(known) => known.count += s.count,
            None => statuses.push(Count { status: s.status.as_str().to_string(), count: s.count }),
        }
    }
    Ok(Watched {
        batch_id: id.to_string(),
        messages: report.total_message_count,
        statuses,
        done,
        canceled,
        failed,
    })
}

pub async fn watch(global: &Global, args: WatchArgs) -> Result<(), Failure> {
    if args.interval < Duration::from_millis(100) {
        return Err(Failure::usage("--interval: at least 100ms, to spare the API"));
    }
    let (client, _) = client(global)?;
    let output = Output::new(global);
    let terminal = std::io::stderr().is_terminal();
    let started = tokio::time::Instant::now();
    let mut drawn_lines = 0usize;
    let mut last_lines: Vec<String> = Vec::new();
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    let states = loop {
        let mut states = Vec::with_capacity(args.batches.len());
        for id in &args.batches {
            states.push(look(&client, id).await?);
        }
        let lines: Vec<String> = states.iter().map(Watched::line).collect();
        if terminal {
            // Redraw in place.
            let mut text = String::new();
            if drawn_lines > 0 {
                text.push_str(&format!("\x1b[{drawn_lines}A"));
            }
            for line in &lines {
                text.push_str(&format!("\r\x1b[2K{line}\n"));
            }
            eprint!("{text}");
            drawn_lines = lines.len();
        } else if lines != last_lines {
            for (line, old) in
                lines.iter().zip(last_lines.iter().map(Some).chain(std::iter::repeat(None)))
            {
                if old != Some(line) {
                    eprintln!("{line}");
                }
            }
        }
        last_lines = lines;
        if states.iter().all(|s| s.done) {
            break states;
        }
        let wait = match args.timeout {
            Some(timeout) => {
                let left = timeout.saturating_sub(started.elapsed());
                if left.is_zero() {
                    let waiting: Vec<&str> =
                        states.iter().filter(|s| !s.done).map(|s| s.batch_id.as_str()).collect();
                    return Err(Failure::new(
                        exit::TIMEOUT,
                        format!(
                            "timed out after {:?}: {} not final yet",
                            timeout,
                            waiting.join(", ")
                        ),
                    ));
                }
                left.min(args.interval)
            }
            None => args.interval,
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = &mut interrupt => return Err(Failure::new(exit::TIMEOUT, "interrupted")),
        }
    };
    if !matches!(output.format, Format::Table) {
        output.one(&states)?;
    }
    let failed: u32 = states.iter().map(|s| s.failed).sum();
    if failed > 0 {
        let messages: u32 = states.iter().map(|s| s.messages).sum();
        return Err(Failure::new(
            exit::PARTIAL,
            format!(
                "{failed} of {messages} message(s) were not delivered; `xms reports get BATCH \
                 --full` lists them"
            ),
        ));
    }
    Ok(())
}

pub async fn inbounds(global: &Global, command: InboundsCommand) -> Result<(), Failure> {
    let output = Output::new(global);
    match command {
        InboundsCommand::List { limit, to, start, end } => {
            let (client, _) = client(global)?;
            let mut list = client.inbounds().list().page_size(page_size(&limit));
            if !to.is_empty() {
                list = list.recipients(to);
            }
            if let Some(at) = start {
                list = list.start_date(at);
            }
            if let Some(at) = end {
                list = list.end_date(at);
            }
            print_items(&output, INBOUND_COLUMNS, list.items(), &limit).await
        }
        InboundsCommand::Get { id } => {
            let (client, _) = client(global)?;
            output.one(&client.inbounds().get(id).await?)
        }
        InboundsCommand::Tail { to, interval, max, timeout } => {
            if interval < Duration::from_millis(100) {
                return Err(Failure::usage("--interval: at least 100ms, to spare the API"));
            }
            let (client, _) = client(global)?;
            tail(&client, &output.streaming(), to, interval, max, timeout).await
        }
    }
}

/// How many inbound ids `tail` remembers to tell new messages from seen ones.
const TAIL_MEMORY: usize = 10_000;
/// Pages `tail` reads back at most in one look (a burst larger than this
/// between two looks is printed in part).
const TAIL_PAGES: u32 = 10;

/// Print inbound messages as they arrive: the newest page is read every
/// `interval`, and the ids not seen before are printed, oldest first. The
/// messages already there when it starts are not printed.
async fn tail(
    client: &Client,
    output: &Output,
    to: Vec<String>,
    interval: Duration,
    max: Option<u64>,
    timeout: Option<Duration>,
) -> Result<(), Failure> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut order: std::collections::VecDeque<String> = std::collections::VecDeque::new();
    let mut first = true;
    let mut printed = 0u64;
    let started = tokio::time::Instant::now();
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    if output.format == Format::Table {
        eprintln!("Waiting for inbound messages (ctrl-c to stop)...");
    }
    let mut listing = output.listing(INBOUND_COLUMNS);
    loop {
        let mut fresh = Vec::new();
        'pages: for page in 0..TAIL_PAGES {
            let mut list = client.inbounds().list().page_size(MAX_PAGE_SIZE);
            if !to.is_empty() {
                list = list.recipients(to.clone());
            }
            let items = list.page(page).await?;
            let full = items.len() as u32 >= MAX_PAGE_SIZE;
            for inbound in items {
                let id = inbound.id().to_string();
                if seen.contains(&id) {
                    break 'pages;
                }
                fresh.push((id, inbound));
            }
            if !full || first {
                break;
            }
        }
        for (id, inbound) in fresh.into_iter().rev() {
            if !first {
                if output.format == Format::Table {
                    // A table cannot grow: one line each.
                    let value = serde_json::to_value(&inbound).unwrap_or_default();
                    let text = format!(
                        "{}  {} -> {}  {}\n",
                        crate::output::cell(&value["received_at"], false),
                        crate::output::cell(&value["from"], false),
                        crate::output::cell(&value["to"], false),
                        crate::output::cell(&value["body"], false),
                    );
                    crate::output::write_stdout(text.as_bytes())?;
                } else {
                    listing.push(&inbound)?;
                }
                printed += 1;
            }
            seen.insert(id.clone());
            order.push_back(id);
            if order.len() > TAIL_MEMORY
                && let Some(old) = order.pop_front()
            {
                seen.remove(&old);
            }
            if max.is_some_and(|max| printed >= max) {
                return listing.finish();
            }
        }
        first = false;
        let wait = match timeout {
            Some(timeout) => {
                let left = timeout.saturating_sub(started.elapsed());
                if left.is_zero() {
                    return listing.finish();
                }
                left.min(interval)
            }
            None => interval,
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = &mut interrupt => return listing.finish(),
        }
    }
}

pub async fn groups(global: &Global, command: GroupsCommand) -> Result<(), Failure> {
    let output = Output::new(global);
    match command {
        GroupsCommand::List { limit } => {
            let (client, _) = client(global)?;
            let list = client.groups().list().page_size(page_size(&limit));
            print_items(&output, GROUP_COLUMNS, list.items(), &limit).await
        }
        GroupsCommand::Get { id } => {
            let (client, _) = client(global)?;
            output.one(&client.groups().get(id).await?)
        }
        GroupsCommand::Create { name, members, children } => {
            for (i, number) in members.iter().enumerate() {
                send::check_recipient(number, &format!("--member #{}", i + 1))?;
            }
            let (client, _) = client(global)?;
            let mut create = client.groups().create();
            if let Some(name) = name {
                create = create.name(name);
            }
            if !members.is_empty() {
                create = create.members(members);
            }
            if !children.is_empty() {
                create = create.child_groups(children.into_iter().map(GroupId::new));
            }
            output.one(&create.send().await?)
        }
        GroupsCommand::Update { id, name, add, remove } => {
            for (i, number) in add.iter().enumerate() {
                send::check_recipient(number, &format!("--add #{}", i + 1))?;
            }
            for (i, number) in remove.iter().enumerate() {
                send::check_recipient(number, &format!("--remove #{}", i + 1))?;
            }
            if name.is_none() && add.is_empty() && remove.is_empty() {
                return Err(Failure::usage("nothing to change: give --name, --add or --remove"));
            }
            let (client, _) = client(global)?;
            let mut update = client.groups().update(id);
            if let Some(name) = name {
                update = update.name(name);
            }
            if !add.is_empty() {
                update = update.add_members(add);
            }
            if !remove.is_empty() {
                update = update.remove_members(remove);
            }
            output.one(&update.send().await?)
        }
        GroupsCommand::Replace { id, name, members } => {
            for (i, number) in members.iter().enumerate() {
                send::check_recipient(number, &format!("--member #{}", i + 1))?;
            }
            let (client, _) = client(global)?;
            let mut replace = client.groups().replace(id, members);
            if let Some(name) = name {
                replace = replace.name(name);
            }
            output.one(&replace.send().await?)
        }
        GroupsCommand::Delete { id } => {
            let (client, _) = client(global)?;
            client.groups().delete(id.clone()).await?;
            eprintln!("Deleted group {id}.");
            Ok(())
        }
        GroupsCommand::Members { id } => {
            let (client, _) = client(global)?;
            output.strings("member", &client.groups().members(id).await?)
        }
    }
}

pub async fn tags(global: &Global, command: TagsCommand) -> Result<(), Failure> {
    let output = Output::new(global);
    let (client, _) = client(global)?;
    let owner = |owner: &crate::args::TagOwner| match (&owner.batch, &owner.group) {
        (Some(batch), _) => Ok(client.batches().tags(batch.clone())),
        (None, Some(group)) => Ok(client.groups().tags(group.clone())),
        (None, None) => Err(Failure::usage("give --batch ID or --group ID")),
    };
    let tags = match command {
        TagsCommand::Get { owner: who } => owner(&who)?.get().await?,
        TagsCommand::Replace { owner: who, tags } => owner(&who)?.replace(tags).await?,
        TagsCommand::Update { owner: who, add, remove } => {
            if add.is_empty() && remove.is_empty() {
                return Err(Failure::usage("nothing to change: give --add or --remove"));
            }
            owner(&who)?.update(add, remove).await?
        }
    };
    output.strings("tag", &tags)
}
