//! The phones of a plan, kept up to date as messages are dispatched and
//! inbound messages arrive, so the desk's phone list reads the most recent
//! phones without going through every message (at 100,000 stored messages
//! the walk took about 60 ms a request).
//!
//! What a phone shows: how many messages it was sent and sent, its last
//! message (an inbound message counts as later than a message dispatched
//! at the same simulated instant), and the number to reply from (the
//! sender of the last batch to it that had one, else the number its first
//! inbound message went to). A phone points at those messages by their
//! place in the plan instead of copying their text, so keeping the index
//! costs one allocation per phone, none per message. Removing messages
//! (retention) or loading a state moves those places: it marks the index
//! stale, and the next read rebuilds it from the plan.

use std::{cmp::Reverse, collections::BTreeSet};

use super::{desk::snippet, *};

/// Where a phone's message is in its plan.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Place {
    /// Message `index` of batch `batch`.
    Message { batch: usize, index: usize },
    /// The inbound message at this place.
    Inbound(usize),
}

/// One phone of a plan.
#[derive(Debug, Clone)]
pub(super) struct Phone {
    pub(super) sent: usize,
    pub(super) received: usize,
    pub(super) last_at: DateTime<Utc>,
    last: Option<Place>,
    /// The last batch to it that had a sender.
    sender_batch: Option<usize>,
    /// Its first inbound message.
    first_inbound: Option<usize>,
}

impl Phone {
    fn new() -> Phone {
        Phone {
            sent: 0,
            received: 0,
            last_at: DateTime::<Utc>::MIN_UTC,
            last: None,
            sender_batch: None,
            first_inbound: None,
        }
    }
}

/// What the desk shows of a phone: its counts, and its last text and reply
/// number read from the plan.
#[derive(Debug, Clone)]
pub(super) struct PhoneView {
    pub(super) sent: usize,
    pub(super) received: usize,
    pub(super) last_at: DateTime<Utc>,
    pub(super) last_text: String,
    /// The sender of the last batch to it that had one.
    batch_sender: Option<String>,
    /// Where its first inbound message went.
    inbound_to: Option<String>,
}

impl PhoneView {
    /// The number a reply to it goes from.
    pub(super) fn reply_to(&self) -> Option<&str> {
        self.batch_sender.as_deref().or(self.inbound_to.as_deref())
    }

    /// `other` (the same number in a later plan) folded into this one.
    pub(super) fn merge(&mut self, other: PhoneView) {
        self.sent += other.sent;
        self.received += other.received;
        if other.last_at >= self.last_at {
            self.last_at = other.last_at;
            self.last_text = other.last_text;
        }
        if other.batch_sender.is_some() {
            self.batch_sender = other.batch_sender;
        }
        if self.inbound_to.is_none() {
            self.inbound_to = other.inbound_to;
        }
    }
}

/// The phones of one plan, by number and by recency.
#[derive(Debug, Default)]
pub(super) struct Phones {
    by_number: HashMap<Arc<str>, Phone>,
    /// Most recent first; equal times by number.
    recent: BTreeSet<(Reverse<DateTime<Utc>>, Arc<str>)>,
    stale: bool,
}

impl Phones {
    /// Message `index` of batch `batch` (with a sender or not), dispatched
    /// to `number` at `at`.
    pub(super) fn sent(
        &mut self,
        number: &str,
        at: DateTime<Utc>,
        batch: usize,
        index: usize,
        has_sender: bool,
    ) {
        let phone = self.touch(number, at, Place::Message { batch, index });
        phone.sent += 1;
        if has_sender {
            phone.sender_batch = Some(batch);
        }
    }

    /// The inbound message at place `inbound`, from `number` at `at`.
    pub(super) fn received(&mut self, number: &str, at: DateTime<Utc>, inbound: usize) {
        let phone = self.touch(number, at, Place::Inbound(inbound));
        phone.received += 1;
        phone.first_inbound.get_or_insert(inbound);
    }

    /// The phone of `number`, with the message at `place` as its last one
    /// when it is.
    fn touch(&mut self, number: &str, at: DateTime<Utc>, place: Place) -> &mut Phone {
        let key = match self.by_number.get_key_value(number) {
            Some((key, _)) => key.clone(),
            None => {
                let key: Arc<str> = Arc::from(number);
                self.by_number.insert(key.clone(), Phone::new());
                self.recent.insert((Reverse(DateTime::<Utc>::MIN_UTC), key.clone()));
                key
            }
        };
        let phone = self.by_number.get_mut(&*key).expect("inserted above");
        let inbound = matches!(place, Place::Inbound(_));
        let last_inbound = matches!(phone.last, Some(Place::Inbound(_)));
        if at > phone.last_at || (at == phone.last_at && (inbound || !last_inbound)) {
            if at != phone.last_at {
                self.recent.remove(&(Reverse(phone.last_at), key.clone()));
                self.recent.insert((Reverse(at), key));
            }
            phone.last_at = at;
            phone.last = Some(place);
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
        for (b, batch) in batches.iter().enumerate() {
            for (i, m) in batch.messages.iter().enumerate() {
                let at = m.history.first().map_or(m.at, |h| h.0);
                self.sent(&m.recipient, at, b, i, batch.fields.from.is_some());
            }
        }
        for (place, inbound) in inbounds.iter().enumerate() {
            if let Some(from) = inbound.json.get("from").and_then(Value::as_str) {
                self.received(from, inbound.received_at, place);
            }
        }
    }

    pub(super) fn len(&self) -> usize {
        self.by_number.len()
    }
}

impl Plan {
    /// Rebuild the plan's phones when they are stale.
    pub(super) fn refresh_phones(&mut self) {
        if self.phones.stale {
            self.phones.rebuild(&self.batches, &self.inbounds);
        }
    }

    /// The plan's phones, most recent first (after `refresh_phones`).
    pub(super) fn recent_phones(&self) -> impl Iterator<Item = (&str, PhoneView)> {
        let phones = &self.phones;
        phones.recent.iter().map(|(_, number)| (&**number, self.view(&phones.by_number[number])))
    }

    /// Every phone of the plan, in no order (after `refresh_phones`).
    pub(super) fn all_phones(&self) -> impl Iterator<Item = (&str, PhoneView)> {
        self.phones.by_number.iter().map(|(number, phone)| (&**number, self.view(phone)))
    }

    fn view(&self, phone: &Phone) -> PhoneView {
        let text = match phone.last {
            Some(Place::Message { batch, index }) => self
                .batches
                .get(batch)
                .and_then(|b| b.messages.get(index).map(|m| m.text(&b.fields))),
            Some(Place::Inbound(place)) => self
                .inbounds
                .get(place)
                .map(|i| i.json.get("body").and_then(Value::as_str).unwrap_or("")),
            None => None,
        };
        PhoneView {
            sent: phone.sent,
            received: phone.received,
            last_at: phone.last_at,
            last_text: snippet(text.unwrap_or("")),
            batch_sender: phone
                .sender_batch
                .and_then(|b| self.batches.get(b))
                .and_then(|b| b.fields.from.clone()),
            inbound_to: phone
                .first_inbound
                .and_then(|i| self.inbounds.get(i))
                .map(|i| i.to.clone()),
        }
    }
}
