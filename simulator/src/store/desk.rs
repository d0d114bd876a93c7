//! What the developer's desk (the UI under `/` and its JSON under `/_sim`)
//! reads: plans with their credentials, messages filtered and paged,
//! one message in detail, phones and their conversations, and the search
//! behind `wait`.

use super::*;

/// Filters of the message listing; empty fields do not filter.
#[derive(Debug, Default, Clone)]
pub struct MessageQuery {
    pub plan: Option<String>,
    /// Part of the recipient's number.
    pub to: Option<String>,
    /// Part of the sender.
    pub from: Option<String>,
    /// A status (`Scheduled` for a batch not dispatched yet).
    pub status: Option<String>,
    pub batch: Option<String>,
    pub reference: Option<String>,
    /// Part of the text, any case.
    pub text: Option<String>,
    pub page: usize,
    pub page_size: usize,
}

/// The largest page of messages the desk reads at once.
pub const MAX_DESK_PAGE: usize = 500;
/// How many characters of a text a listing shows.
const SNIPPET_CHARS: usize = 160;

pub(super) fn snippet(text: &str) -> String {
    let mut out: String = text.chars().take(SNIPPET_CHARS).collect();
    if text.chars().nth(SNIPPET_CHARS).is_some() {
        out.push('…');
    }
    out
}

fn contains_digits(number: &str, wanted: &str) -> bool {
    let wanted = wanted.trim().trim_start_matches('+');
    wanted.is_empty() || number.contains(wanted)
}

/// One row of the outbox.
fn row(plan: &str, b: &Batch, index: Option<usize>, recipient: &str) -> Value {
    let m = index.and_then(|i| b.messages.get(i));
    let text = match m {
        Some(m) => m.text(&b.fields),
        None => template(&b.fields),
    };
    json!({
        "plan": plan,
        "batch_id": b.id,
        "index": index,
        "type": b.fields.kind.wire(),
        "from": b.fields.from,
        "to": recipient,
        "status": m.map_or(if b.canceled { "Canceled" } else { "Scheduled" }, |m| m.status),
        "code": m.map(|m| m.code),
        "at": time(m.map_or(b.modified_at, |m| m.at)),
        "created_at": time(b.created_at),
        "send_at": b.fields.send_at.map(time),
        "parts": m.map(|m| m.parts),
        "encoding": m.map(|m| m.encoding),
        "body": snippet(text),
        "client_reference": b.fields.client_reference,
    })
}

impl State {
    /// Every plan with its credentials and what it holds.
    pub fn desk_plans(&self) -> Value {
        let plans: Vec<Value> = self
            .plans
            .values()
            .map(|p| {
                let c = &p.config;
                json!({
                    "id": c.id,
                    "api_token": (!c.token.is_empty()).then_some(&c.token),
                    "key_id": c.key.as_ref().map(|k| &k.0),
                    "key_secret": c.key.as_ref().map(|k| &k.1),
                    "callback_url": c.callback_url,
                    "inbound_url": c.inbound_url,
                    "signing_secret": c.signing_secret,
                    "throughput": c.throughput,
                    "rate_limit": c.rate_limit,
                    "batches": p.batches.len(),
                    "messages": p.batches.iter().map(|b| b.messages.len()).sum::<usize>(),
                    "inbounds": p.inbounds.len(),
                    "groups": p.groups.len(),
                })
            })
            .collect();
        Value::Array(plans)
    }

    /// The outbox, newest batch first, filtered and paged.
    pub fn desk_messages(&mut self, q: &MessageQuery) -> Value {
        self.process();
        let size = q.page_size.clamp(1, MAX_DESK_PAGE);
        let skip = q.page.saturating_mul(size);
        let text = q.text.as_ref().map(|t| t.to_lowercase()).filter(|t| !t.is_empty());
        let status = q.status.as_deref().filter(|s| !s.is_empty());
        let mut total = 0usize;
        let mut items = Vec::new();
        for (id, plan) in &self.plans {
            if q.plan.as_deref().is_some_and(|p| p != id) {
                continue;
            }
            for b in plan.batches.iter().rev() {
                if q.batch.as_deref().is_some_and(|want| !want.is_empty() && want != b.id) {
                    continue;
                }
                if q.reference.as_deref().is_some_and(|want| {
                    !want.is_empty() && b.fields.client_reference.as_deref() != Some(want)
                }) {
                    continue;
                }
                if q.from.as_deref().is_some_and(|want| {
                    !b.fields.from.as_deref().unwrap_or_default().contains(want.trim())
                }) {
                    continue;
                }
                let mut consider = |index: Option<usize>, recipient: &str, st: &str, body: &str| {
                    if !q.to.as_deref().is_none_or(|want| contains_digits(recipient, want)) {
                        return;
                    }
                    if status.is_some_and(|want| !want.eq_ignore_ascii_case(st)) {
                        return;
                    }
                    if text.as_ref().is_some_and(|want| !body.to_lowercase().contains(want)) {
                        return;
                    }
                    if total >= skip && items.len() < size {
                        items.push(row(id, b, index, recipient));
                    }
                    total += 1;
                };
                if b.dispatched {
                    for (i, m) in b.messages.iter().enumerate() {
                        consider(Some(i), &m.recipient, m.status, m.text(&b.fields));
                    }
                } else {
                    let state = if b.canceled { "Canceled" } else { "Scheduled" };
                    for r in &b.fields.to {
                        consider(None, r, state, template(&b.fields));
                    }
                }
            }
        }
        json!({"total": total, "page": q.page, "page_size": size, "items": items})
    }

    /// One message in detail: its text as a phone shows it, each part, the
    /// parameters applied, its statuses over time, and its callbacks.
    pub fn desk_message(&mut self, plan_id: &str, batch_id: &str, index: usize) -> Option<Value> {
        self.process();
        let plan = self.plans.get(plan_id)?;
        let b = &plan.batches[plan.batch(batch_id)?];
        let m = b.messages.get(index)?;
        let text = m.text(&b.fields).to_string();
        let parts: Vec<String> = match b.fields.body {
            BatchBody::Text(_) => encoding::split(&text),
            _ => vec![text.clone()],
        };
        let mut parameters = Map::new();
        for (key, values) in b.fields.parameters.iter().flatten() {
            let value = values.get(&m.recipient).or_else(|| values.get("default"));
            parameters.insert(key.clone(), value.cloned().unwrap_or(Value::Null));
        }
        let timeline: Vec<Value> = m
            .history
            .iter()
            .map(|(at, status, code)| json!({"at": time(*at), "status": status, "code": code}))
            .collect();
        let callbacks: Vec<Value> = self
            .deliveries
            .iter()
            .filter(|d| d.plan == plan_id && d.batch_id.as_deref() == Some(batch_id))
            .filter(|d| d.recipient.as_ref().is_none_or(|r| *r == m.recipient))
            .map(delivery_json)
            .collect();
        Some(json!({
            "plan": plan_id,
            "batch": batch_json(b),
            "index": index,
            "to": m.recipient,
            "from": b.fields.from,
            "type": b.fields.kind.wire(),
            "status": m.status,
            "code": m.code,
            "at": time(m.at),
            "text": text,
            "encoding": m.encoding,
            "parts_count": m.parts,
            "parts": parts,
            "parameters": parameters,
            "timeline": timeline,
            "next": m.next.map(|(at, status, code)| json!({"at": time(at), "status": status, "code": code})),
            "callbacks": callbacks,
        }))
    }

    /// The phones of a plan (or of all), most recently active first: what
    /// each was sent and sent. A plan's phones come from its index at the
    /// cost of the page; all plans together merge the indexes.
    pub fn desk_phones(&mut self, plan_id: Option<&str>, limit: usize) -> Value {
        self.process();
        let item = |number: &str, plan: &str, p: &phones::PhoneView| {
            json!({
                "number": number, "plan": plan, "sent": p.sent, "received": p.received,
                "last_at": time(p.last_at), "last_text": p.last_text,
                "reply_to": p.reply_to(),
            })
        };
        if let Some(id) = plan_id {
            let Some(plan) = self.plans.get_mut(id) else {
                return json!({"total": 0, "items": []});
            };
            plan.refresh_phones();
            let items: Vec<Value> =
                plan.recent_phones().take(limit).map(|(number, p)| item(number, id, &p)).collect();
            return json!({"total": plan.phones.len(), "items": items});
        }
        // Every plan: the same number in several plans is one phone, shown
        // in the plan of its last message.
        let mut merged: HashMap<&str, (&str, phones::PhoneView)> = HashMap::new();
        for plan in self.plans.values_mut() {
            plan.refresh_phones();
        }
        for (id, plan) in &self.plans {
            for (number, phone) in plan.all_phones() {
                match merged.get_mut(number) {
                    Some((shown_in, seen)) => {
                        if phone.last_at >= seen.last_at {
                            *shown_in = id;
                        }
                        seen.merge(phone);
                    }
                    None => {
                        merged.insert(number, (id, phone));
                    }
                }
            }
        }
        let mut list: Vec<(&str, (&str, phones::PhoneView))> = merged.into_iter().collect();
        list.sort_by(|a, b| b.1.1.last_at.cmp(&a.1.1.last_at).then(a.0.cmp(b.0)));
        let items: Vec<Value> =
            list.iter().take(limit).map(|(number, (plan, p))| item(number, plan, p)).collect();
        json!({"total": list.len(), "items": items})
    }

    /// One phone's conversation: the messages sent to it and those it sent,
    /// oldest first (the last `limit`).
    pub fn desk_conversation(
        &mut self,
        plan_id: Option<&str>,
        number: &str,
        limit: usize,
    ) -> Value {
        self.process();
        let number = msisdn(number).unwrap_or_else(|| number.to_string());
        let mut items: Vec<(DateTime<Utc>, Value)> = Vec::new();
        let mut reply_to = None;
        for (id, plan) in &self.plans {
            if plan_id.is_some_and(|p| p != id) {
                continue;
            }
            for b in &plan.batches {
                for (index, m) in b.messages.iter().enumerate() {
                    if m.recipient != number {
                        continue;
                    }
                    let at = m.history.first().map_or(m.at, |h| h.0);
                    reply_to = b.fields.from.clone().or(reply_to);
                    items.push((
                        at,
                        json!({
                            "direction": "to_phone", "plan": id, "batch_id": b.id, "index": index,
                            "from": b.fields.from, "at": time(at), "text": m.text(&b.fields),
                            "status": m.status, "code": m.code, "parts": m.parts,
                        }),
                    ));
                }
            }
            for i in &plan.inbounds {
                if i.json.get("from").and_then(Value::as_str) != Some(number.as_str()) {
                    continue;
                }
                if reply_to.is_none() {
                    reply_to = Some(i.to.clone());
                }
                items.push((
                    i.received_at,
                    json!({
                        "direction": "from_phone", "plan": id, "id": i.json.get("id"),
                        "to": i.to, "at": time(i.received_at), "text": i.json.get("body"),
                    }),
                ));
            }
        }
        items.sort_by_key(|(at, _)| *at);
        let skip = items.len().saturating_sub(limit);
        let items: Vec<Value> = items.into_iter().skip(skip).map(|(_, v)| v).collect();
        json!({"number": number, "reply_to": reply_to, "items": items})
    }

    /// The newest message of `plan` (or any) to `to` (or anyone) created at
    /// or after `since` whose text matches `pattern`: its row and the
    /// match's groups.
    pub fn find_message(&mut self, q: &WaitQuery) -> Option<Value> {
        self.process();
        for (id, plan) in &self.plans {
            if q.plan.as_deref().is_some_and(|p| p != id) {
                continue;
            }
            for b in plan.batches.iter().rev() {
                for (i, m) in b.messages.iter().enumerate().rev() {
                    if let Some(found) = q.check(id, b, i, m) {
                        return Some(found);
                    }
                }
            }
        }
        None
    }

    /// The same search, for the messages the events after `after` made:
    /// `None` when the events since are gone (search everything again).
    pub fn find_new_message(&mut self, q: &WaitQuery, after: u64) -> Option<Option<Value>> {
        self.process();
        let Since::Events(events) = self.events.since(after, q.plan.as_deref(), usize::MAX) else {
            return None;
        };
        for event in events {
            let e = &event.json;
            if e["type"] != "status_changed" {
                continue;
            }
            let (Some(plan_id), Some(batch_id), Some(i)) =
                (e["plan"].as_str(), e["batch_id"].as_str(), e["index"].as_u64())
            else {
                continue;
            };
            let Some(plan) = self.plans.get(plan_id) else { continue };
            let Some(b) = plan.batch(batch_id).map(|index| &plan.batches[index]) else {
                continue;
            };
            let Some(m) = b.messages.get(i as usize) else { continue };
            if let Some(found) = q.check(plan_id, b, i as usize, m) {
                return Some(Some(found));
            }
        }
        Some(None)
    }
}

/// A callback as the desk shows it.
fn delivery_json(d: &Delivery) -> Value {
    json!({
        "id": d.id, "kind": d.kind, "url": d.url, "attempts": d.attempts,
        "delivered": d.delivered, "last_status": d.last_status,
        "next_attempt_at": d.next_at.map(time), "recipient": d.recipient,
        "body": serde_json::from_slice::<Value>(&d.body).unwrap_or(Value::Null),
        "log": d.log.iter().map(|a| json!({
            "at": a.at.map(time), "status": a.status, "headers": a.headers, "answer": a.answer,
        })).collect::<Vec<_>>(),
    })
}

/// What `wait` looks for.
#[derive(Debug, Clone)]
pub struct WaitQuery {
    pub plan: Option<String>,
    /// The recipient, normalised.
    pub to: Option<String>,
    pub pattern: Option<regex::Regex>,
    pub since: Option<DateTime<Utc>>,
}

impl WaitQuery {
    fn check(&self, plan: &str, b: &Batch, index: usize, m: &Message) -> Option<Value> {
        if self.to.as_deref().is_some_and(|to| to != m.recipient) {
            return None;
        }
        let created = m.history.first().map_or(m.at, |h| h.0);
        if self.since.is_some_and(|since| created < since) {
            return None;
        }
        let text = m.text(&b.fields);
        let (whole, groups, named) = match &self.pattern {
            None => (Value::Null, Vec::new(), Map::new()),
            Some(pattern) => {
                let captures = pattern.captures(text)?;
                let groups: Vec<Value> = captures
                    .iter()
                    .skip(1)
                    .map(|g| g.map_or(Value::Null, |g| g.as_str().into()))
                    .collect();
                let mut named = Map::new();
                for name in pattern.capture_names().flatten() {
                    if let Some(g) = captures.name(name) {
                        named.insert(name.to_string(), g.as_str().into());
                    }
                }
                (captures.get(0).map_or(Value::Null, |g| g.as_str().into()), groups, named)
            }
        };
        let mut message = row(plan, b, Some(index), &m.recipient);
        message["body"] = text.into();
        Some(json!({"message": message, "match": whole, "captures": groups, "named": named}))
    }
}
