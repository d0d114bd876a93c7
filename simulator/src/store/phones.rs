//! The phones of a plan, kept up to date as messages are dispatched and
//! inbound messages arrive, so the desk's phone list reads the most recent
//! phones without going through every message (at 100,000 stored messages
//! the walk took about 60 ms a request).
//!
//! What a phone shows: how many messages it was sent and sent, its last
//! message (an inbound message counts as later than a message dispatched
//! at the same simulated instant), and the number to reply from (the
//! sender of the last batch that had one, else the number its first
//! inbound message went to). Removing messages (retention) or loading a
//! state marks the index stale; the next read rebuilds it from the plan.

use std::{cmp::Reverse, collections::BTreeSet};

use super::{desk::snippet, *};

/// One phone of a plan.
#[derive(Debug, Clone)]
pub(super) struct Phone {
    pub(super) sent: usize,
    pub(super) received: usize,
    pub(super) last_at: DateTime<Utc>,
    /// The start of its last message's text (see `snippet`).
    pub(super) last_text: String,
    last_inbound: bool,
    /// The sender of the last batch to it that had one.
    batch_sender: Option<String>,
    /// The number its first inbound message went to.
    inbound_to: Option<String>,
}

impl Phone {
    fn new() -> Phone {
        Phone {
            sent: 0,
            received: 0,
            last_at: DateTime::<Utc>::MIN_UTC,
            last_text: String::new(),
            last_inbound: false,
            batch_sender: None,
            inbound_to: None,
        }
    }

    /// The number a reply to it goes from.
    pub(super) fn reply_to(&self) -> Option<&str> {
        self.batch_sender.as_deref().or(self.inbound_to.as_deref())
    }

    /// `other` (the same number in a later plan) folded into this one.
    pub(super) fn merge(&mut self, other: &Phone) {
        self.sent += other.sent;
        self.received += other.received;
        if other.last_at >= self.last_at {
            self.last_at = other.last_at;
            self.last_text.clone_from(&other.last_text);
            self.last_inbound = other.last_inbound;
        }
        if other.batch_sender.is_some() {
            self.batch_sender.clone_from(&other.batch_sender);
        }
        if self.inbound_to.is_none() {
            self.inbound_to.clone_from(&other.inbound_to);
        }
    }
}

/// The phones of one plan, by number and by recency.
#[derive(Debug, Default)]
pub(super) struct Phones {
    by_number: HashMap<String, Phone>,
    /// Most recent first; equal times by number.
    recent: BTreeSet<(Reverse<DateTime<Utc>>, String)>,
    stale: bool,
}

impl Phones {
    /// A message of a batch dispatched to `number` at `at`.
    pub(super) fn sent(&mut self, number: &str, at: DateTime<Utc>, text: &str, from: Option<&str>) {
        let phone = self.touch(number, at, text, false);
        phone.sent += 1;
        if let Some(from) = from {
            phone.batch_sender = Some(from.to_string());
        }
    }

    /// An inbound message from `number` to `to` received at `at`.
    pub(super) fn received(&mut self, number: &str, at: DateTime<Utc>, text: &str, to: &str) {
        let phone = self.touch(number, at, text, true);
        phone.received += 1;
        if phone.inbound_to.is_none() {
            phone.inbound_to = Some(to.to_string());
        }
    }

    /// The phone of `number`, with `text` as its last message when it is.
    fn touch(&mut self, number: &str, at: DateTime<Utc>, text: &str, inbound: bool) -> &mut Phone {
        if !self.by_number.contains_key(number) {
            self.by_number.insert(number.to_string(), Phone::new());
            self.recent.insert((Reverse(DateTime::<Utc>::MIN_UTC), number.to_string()));
        }
        let phone = self.by_number.get_mut(number).expect("inserted above");
        let later = at > phone.last_at || (at == phone.last_at && (inbound || !phone.last_inbound));
        if later {
            if at != phone.last_at {
                self.recent.remove(&(Reverse(phone.last_at), number.to_string()));
                self.recent.insert((Reverse(at), number.to_string()));
            }
            phone.last_at = at;
            phone.last_text = snippet(text);
            phone.last_inbound = inbound;
        }
        phone
    }

    /// Forget every phone.
    pub(super) fn clear(&mut self) {
        self.by_number.clear();
        self.recent.clear();
        self.stale = false;
    }

    /// Messages were removed or loaded: rebuild on the next read.
    pub(super) fn invalidate(&mut self) {
        self.stale = true;
    }

    /// Read from scratch out of the plan's batches and inbound messages.
    fn rebuild(&mut self, batches: &[Box<Batch>], inbounds: &[Inbound]) {
        self.clear();
        for b in batches {
            for m in &b.messages {
                let at = m.history.first().map_or(m.at, |h| h.0);
                self.sent(&m.recipient, at, m.text(&b.fields), b.fields.from.as_deref());
            }
        }
        for i in inbounds {
            if let Some(from) = i.json.get("from").and_then(Value::as_str) {
                let text = i.json.get("body").and_then(Value::as_str).unwrap_or("");
                self.received(from, i.received_at, text, &i.to);
            }
        }
    }

    pub(super) fn len(&self) -> usize {
        self.by_number.len()
    }

    /// The phones, most recent first.
    pub(super) fn recent(&self) -> impl Iterator<Item = (&str, &Phone)> {
        self.recent.iter().map(|(_, number)| (number.as_str(), &self.by_number[number]))
    }

    pub(super) fn all(&self) -> impl Iterator<Item = (&str, &Phone)> {
        self.by_number.iter().map(|(number, phone)| (number.as_str(), phone))
    }
}

impl Plan {
    /// The plan's phones, rebuilt first when stale.
    pub(super) fn phones(&mut self) -> &Phones {
        if self.phones.stale {
            self.phones.rebuild(&self.batches, &self.inbounds);
        }
        &self.phones
    }
}
