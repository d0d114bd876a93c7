//! What happens to a batch's messages over simulated time: dispatch,
//! each message's fate and statuses, expiry, rendering parameters.

use super::*;

/// What happens to a message to a number, by the number's last three digits.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) enum Fate {
    Delivered,
    Failed,
    Rejected,
    Expired,
    StaysQueued,
    StaysDispatched,
}

impl Fate {
    pub(super) fn of(recipient: &str) -> Fate {
        match recipient.get(recipient.len().saturating_sub(3)..) {
            Some("991") => Fate::Failed,
            Some("992") => Fate::Rejected,
            Some("993") => Fate::Expired,
            Some("994") => Fate::StaysQueued,
            Some("995") => Fate::StaysDispatched,
            _ => Fate::Delivered,
        }
    }

    /// The final status and code.
    pub(super) fn outcome(self) -> Option<(&'static str, i64)> {
        match self {
            Fate::Delivered => Some(("Delivered", 0)),
            Fate::Failed => Some(("Failed", 5)),
            Fate::Rejected => Some(("Rejected", 8)),
            Fate::Expired => Some(("Expired", 3)),
            Fate::StaysQueued | Fate::StaysDispatched => None,
        }
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct Message {
    pub(super) recipient: String,
    /// The rendered text, when it differs from the batch's (see `text`).
    pub(super) body: Option<String>,
    pub(super) parts: usize,
    #[serde(
        serialize_with = "statics::one::serialize",
        deserialize_with = "statics::one::deserialize"
    )]
    pub(super) encoding: statics::Word,
    #[serde(
        serialize_with = "statics::one::serialize",
        deserialize_with = "statics::one::deserialize"
    )]
    pub(super) status: statics::Word,
    pub(super) code: i64,
    pub(super) at: DateTime<Utc>,
    pub(super) operator_status_at: Option<DateTime<Utc>>,
    /// The next status change and when.
    #[serde(
        serialize_with = "statics::next::serialize",
        deserialize_with = "statics::next::deserialize"
    )]
    pub(super) next: Option<(DateTime<Utc>, &'static str, i64)>,
    pub(super) fate: Fate,
    /// Every status it had, with its code and simulated time.
    #[serde(
        default,
        serialize_with = "statics::history::serialize",
        deserialize_with = "statics::history::deserialize"
    )]
    pub(super) history: Vec<(DateTime<Utc>, &'static str, i64)>,
}

impl Message {
    /// The message's text: rendered for this recipient, or the batch's.
    pub(super) fn text<'a>(&'a self, fields: &'a BatchFields) -> &'a str {
        self.body.as_deref().unwrap_or_else(|| template(fields))
    }

    pub(super) fn is_final(&self) -> bool {
        !matches!(self.status, "Queued" | "Dispatched")
    }
}

/// Something that falls due at a simulated time: a batch's dispatch, the
/// next status change of one of its messages, or its expiry. Entries are checked against
/// the batch when they come up, so one made stale by a cancel or an update
/// is dropped then instead of being searched for.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Due {
    pub(super) at: DateTime<Utc>,
    /// Ties in time come up in the order they were scheduled.
    pub(super) seq: u64,
    pub(super) plan: Arc<str>,
    pub(super) batch: usize,
    pub(super) event: Event,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Event {
    /// The batch's `send_at` came.
    Dispatch,
    /// The next status change of the message with this index.
    Change(usize),
    /// The batch's `expire_at` came: what is not final expires.
    Expire,
}

/// The text a batch's messages are rendered from.
pub(super) fn template(fields: &BatchFields) -> &str {
    match &fields.body {
        BatchBody::Text(t) => t,
        BatchBody::Binary { body, .. } => body,
        BatchBody::Media { message, .. } => message.as_deref().unwrap_or_default(),
    }
}

/// One recipient's message, rendered: parameters filled in, parts counted,
/// and its first status (or an immediate failure).
pub(super) fn render(fields: &BatchFields, recipient: &str, at: DateTime<Utc>) -> Message {
    let template = template(fields);
    let mut unmatched = false;
    // The text with its parameters filled in, when it has placeholders.
    let mut rendered = None;
    if !matches!(fields.body, BatchBody::Binary { .. }) && template.contains("${") {
        let no_parameters = Map::new();
        let params = fields.parameters.as_ref().unwrap_or(&no_parameters);
        let mut rest = template;
        let mut body = String::with_capacity(template.len());
        while let Some(start) = rest.find("${") {
            body.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            match after.find('}') {
                Some(end) => {
                    let key = &after[..end];
                    let value = params
                        .get(key)
                        .and_then(|v| v.get(recipient).or_else(|| v.get("default")))
                        .and_then(Value::as_str);
                    match value {
                        Some(v) => body.push_str(v),
                        None => {
                            // No value and no default: the message fails (405).
                            unmatched = true;
                            body.push_str(&rest[start..start + 2 + end + 1]);
                        }
                    }
                    rest = &after[end + 1..];
                }
                None => {
                    body.push_str(&rest[start..]);
                    rest = "";
                }
            }
        }
        body.push_str(rest);
        rendered = Some(body);
    }
    let (parts, encoding) = match fields.body {
        BatchBody::Text(_) => {
            let a = encoding::analyze(rendered.as_deref().unwrap_or(template));
            let parts = if fields.truncate_concat == Some(true) { 1 } else { a.parts };
            (parts, if a.charset == encoding::Charset::Gsm7 { "GSM" } else { "UNICODE" })
        }
        _ => (1, "GSM"),
    };
    let fate = Fate::of(recipient);
    let (status, code, next) = if unmatched {
        ("Aborted", 405, None)
    } else if fields.max_parts.is_some_and(|max| parts as i64 > max) {
        ("Aborted", 411, None)
    } else if fate == Fate::StaysQueued {
        ("Queued", 400, None)
    } else {
        ("Queued", 400, Some((at + TimeDelta::seconds(1), "Dispatched", 401)))
    };
    Message {
        recipient: recipient.to_string(),
        // Kept only when it differs from the batch's text (parameters).
        body: rendered.filter(|body| body != template),
        parts,
        encoding,
        status,
        code,
        at,
        operator_status_at: None,
        next,
        fate,
        history: Vec::new(),
    }
}

/// When a batch expires: its `expire_at`, or 3 days after it is sent.
pub(super) fn expiry(b: &Batch) -> DateTime<Utc> {
    let f = &b.fields;
    f.expire_at.unwrap_or_else(|| {
        f.send_at
            .unwrap_or(b.created_at)
            .checked_add_signed(TimeDelta::days(limits::MAX_EXPIRY_DAYS))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    })
}

impl State {
    pub(super) fn schedule(
        &mut self,
        at: DateTime<Utc>,
        plan: Arc<str>,
        batch: usize,
        event: Event,
    ) {
        self.counter += 1;
        self.agenda.insert(Due { at, seq: self.counter, plan, batch, event });
    }

    /// Put a batch's dispatch on the agenda, at its `send_at` or now. An
    /// update that moves `send_at` schedules again; the entry for the old
    /// time is dropped when it comes up.
    pub(super) fn schedule_dispatch(&mut self, plan_id: &str, index: usize) {
        let plan = &self.plans[plan_id];
        let b = &plan.batches[index];
        if b.dispatched || b.canceled {
            return;
        }
        let at = b.fields.send_at.unwrap_or_else(|| self.clock.now());
        let key = plan.key.clone();
        self.schedule(at, key, index, Event::Dispatch);
    }

    /// Move every batch and message whose time has come, in time order, and
    /// queue the callbacks that causes. Only what is due is looked at.
    pub fn process(&mut self) {
        let now = self.clock.now();
        while self.agenda.first().is_some_and(|d| d.at <= now) {
            let Some(due) = self.agenda.pop_first() else { break };
            let Some(plan) = self.plans.get_mut(&*due.plan) else { continue };
            let Some(batch) = plan.batches.get_mut(due.batch) else { continue };
            let i = match due.event {
                Event::Dispatch => {
                    let ready = !batch.dispatched
                        && !batch.canceled
                        && batch.fields.send_at.is_none_or(|s| s <= now);
                    if ready {
                        self.dispatch(&due.plan, due.batch);
                    }
                    continue;
                }
                Event::Expire => {
                    self.expire(&due.plan, due.batch, due.at);
                    continue;
                }
                Event::Change(i) => i,
            };
            let Some(m) = batch.messages.get_mut(i) else { continue };
            // Stale when the message changed since (a cancel, for one).
            let Some((at, status, code)) = m.next.filter(|(at, ..)| *at == due.at) else {
                continue;
            };
            m.next = None;
            m.status = status;
            m.code = code;
            m.at = at;
            if status == "Dispatched" {
                if let Some(outcome) = m.fate.outcome() {
                    m.next = Some((at + TimeDelta::seconds(2), outcome.0, outcome.1));
                }
            } else {
                m.operator_status_at = Some(at - TimeDelta::milliseconds(400));
            }
            if let Some((next_at, ..)) = m.next {
                self.schedule(next_at, due.plan.clone(), due.batch, Event::Change(i));
            }
            self.on_change(&due.plan, due.batch, i);
        }
    }

    pub(super) fn dispatch(&mut self, plan_id: &str, index: usize) {
        let now = self.clock.now();
        let plan = &self.plans[plan_id];
        let fields = &plan.batches[index].fields;
        let at = fields.send_at.map_or(now, |s| s.min(now));
        let recipients = self.expand(plan_id, &fields.to);
        let mut messages: Vec<Message> = recipients.iter().map(|r| render(fields, r, at)).collect();
        let key = plan.key.clone();
        let count = messages.len();
        if let Some(rate) = plan.config.throughput.filter(|r| PlanConfig::valid_rate(*r)) {
            // At the plan's throughput, in order: each message leaves in the
            // next free slot, and its parts take the slots after it.
            let mut slot = plan.next_slot;
            for m in messages.iter_mut() {
                if let Some((ready, status, code)) = m.next {
                    let at = slot.map_or(ready, |s| s.max(ready));
                    m.next = Some((at, status, code));
                    let busy = TimeDelta::nanoseconds((m.parts as f64 / rate * 1e9) as i64);
                    slot = at.checked_add_signed(busy).or(Some(at));
                }
            }
            self.plan(plan_id).next_slot = slot;
        }
        for (i, m) in messages.iter().enumerate() {
            if let Some((next_at, ..)) = m.next {
                self.schedule(next_at, key.clone(), index, Event::Change(i));
            }
        }
        let expire_at = expiry(&self.plans[plan_id].batches[index]);
        self.schedule(expire_at.max(at), key, index, Event::Expire);
        let plan = self.plan(plan_id);
        let batch = &mut plan.batches[index];
        let has_sender = batch.fields.from.is_some();
        for (i, m) in messages.iter().enumerate() {
            plan.phones.sent(&m.recipient, at, index, i, has_sender);
        }
        batch.dispatched = true;
        batch.messages = messages;
        for i in 0..count {
            self.on_change(plan_id, index, i);
        }
    }

    /// `expire_at` came: every message not final by then is Expired, with
    /// code 406 (internal expiry) when it was still Queued, else 3.
    pub(super) fn expire(&mut self, plan_id: &str, index: usize, at: DateTime<Utc>) {
        let batch = &mut self.plan(plan_id).batches[index];
        let mut changed = Vec::new();
        for (i, m) in batch.messages.iter_mut().enumerate() {
            if !m.is_final() {
                m.code = if m.status == "Queued" { 406 } else { 3 };
                m.status = "Expired";
                m.at = at;
                m.next = None;
                changed.push(i);
            }
        }
        for i in changed {
            self.on_change(plan_id, index, i);
        }
    }

    /// Queue the callbacks a status change of message `i` of batch `index`
    /// calls for.
    pub(super) fn on_change(&mut self, plan_id: &str, index: usize, i: usize) {
        let batch = &mut self.plan(plan_id).batches[index];
        let m = &mut batch.messages[i];
        if m.history.last().is_none_or(|(_, status, code)| (*status, *code) != (m.status, m.code)) {
            m.history.push((m.at, m.status, m.code));
        }
        let details = json!({
            "batch_id": batch.id, "index": i, "to": m.recipient, "status": m.status, "code": m.code,
        });
        self.emit("status_changed", Some(plan_id), details);
        let plan = &self.plans[plan_id];
        let batch = &plan.batches[index];
        let m = &batch.messages[i];
        let Some(url) =
            batch.fields.callback_url.clone().or_else(|| plan.config.callback_url.clone())
        else {
            return;
        };
        let (report, batch_done) = match batch.fields.delivery_report {
            "per_recipient" => (Some(recipient_report(batch, m)), false),
            "per_recipient_final" if m.is_final() => (Some(recipient_report(batch, m)), false),
            "summary" | "full"
                if !batch.report_sent && batch.messages.iter().all(Message::is_final) =>
            {
                (Some(batch_report(batch, batch.fields.delivery_report == "full", &[], &[])), true)
            }
            _ => (None, false),
        };
        if batch_done {
            self.plan(plan_id).batches[index].report_sent = true;
        }
        if let Some(report) = report {
            self.queue(plan_id, url, &report);
        }
    }
}
