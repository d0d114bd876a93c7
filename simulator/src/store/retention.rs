//! Keeping a long session bounded: the oldest finished batches (every
//! message final, or canceled) and inbound messages are dropped when a plan
//! holds more than `max_messages`, or when they are older than `max_age`
//! in simulated time; finished callbacks go with them.

use super::*;

/// How much a plan keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Retention {
    /// Messages (sent and received) a plan keeps at most.
    pub max_messages: Option<usize>,
    /// How old (in simulated time) a finished batch or an inbound message
    /// may get.
    pub max_age: Option<std::time::Duration>,
}

impl Retention {
    pub fn is_off(&self) -> bool {
        self.max_messages.is_none() && self.max_age.is_none()
    }
}

fn finished(b: &Batch) -> bool {
    b.canceled || (b.dispatched && b.messages.iter().all(Message::is_final))
}

fn size(b: &Batch) -> usize {
    if b.dispatched { b.messages.len() } else { b.fields.to.len() }
}

impl State {
    /// Drop what the retention allows; how many batches and inbound
    /// messages went.
    pub fn enforce_retention(&mut self, retention: Retention) -> usize {
        if retention.is_off() {
            return 0;
        }
        self.process();
        let now = self.clock.now();
        let cutoff = retention
            .max_age
            .and_then(|age| TimeDelta::from_std(age).ok())
            .and_then(|age| now.checked_sub_signed(age));
        let max = retention.max_messages.unwrap_or(usize::MAX);
        let ids: Vec<String> = self.plans.keys().cloned().collect();
        let mut dropped = 0;
        for id in ids {
            dropped += self.trim_plan(&id, max, cutoff);
        }
        // Finished callbacks at the front of the log, beyond a floor.
        let keep = max.saturating_mul(2).max(1_000);
        let mut front = 0;
        while self.deliveries.len() - front > keep {
            let d = &self.deliveries[front];
            if d.in_flight || (!d.delivered && d.next_at.is_some()) {
                break;
            }
            front += 1;
        }
        if front > 0 {
            self.deliveries.drain(..front);
            self.delivery_base += front as u64;
        }
        if dropped > 0 {
            self.emit_global("trimmed", json!({"dropped": dropped}));
        }
        dropped
    }

    fn trim_plan(&mut self, id: &str, max: usize, cutoff: Option<DateTime<Utc>>) -> usize {
        let plan = self.plans.get_mut(id).expect("a plan of the list");
        let old = |at: DateTime<Utc>| cutoff.is_some_and(|c| at < c);
        let mut total: usize =
            plan.batches.iter().map(|b| size(b)).sum::<usize>() + plan.inbounds.len();
        // Batches first, oldest first, skipping those not finished.
        let mut keep = vec![true; plan.batches.len()];
        for (i, b) in plan.batches.iter().enumerate() {
            // In creation order: once neither over nor old, the rest is newer.
            if total <= max && !old(b.created_at) {
                break;
            }
            if finished(b) {
                keep[i] = false;
                total -= size(b);
            }
        }
        let gone_batches = keep.iter().filter(|k| !**k).count();
        if gone_batches > 0 {
            let mut map = Vec::with_capacity(keep.len());
            let mut next = 0;
            for k in &keep {
                map.push(k.then(|| {
                    next += 1;
                    next - 1
                }));
            }
            let mut i = 0;
            plan.batches.retain(|_| {
                i += 1;
                keep[i - 1]
            });
            plan.batch_ids =
                plan.batches.iter().enumerate().map(|(i, b)| (b.id.clone(), i)).collect();
            plan.phones.invalidate();
            let agenda = std::mem::take(&mut self.agenda);
            self.agenda = agenda
                .into_iter()
                .filter_map(|mut due| {
                    if &*due.plan != id {
                        return Some(due);
                    }
                    due.batch = map.get(due.batch).copied().flatten()?;
                    Some(due)
                })
                .collect();
        }
        // Then inbound messages, oldest first, while over or too old.
        let plan = self.plans.get_mut(id).expect("a plan of the list");
        let mut gone_inbounds = 0;
        while gone_inbounds < plan.inbounds.len()
            && (total > max || old(plan.inbounds[gone_inbounds].received_at))
        {
            total -= 1;
            gone_inbounds += 1;
        }
        if gone_inbounds > 0 {
            plan.inbounds.drain(..gone_inbounds);
            plan.phones.invalidate();
            plan.inbound_ids = plan
                .inbounds
                .iter()
                .enumerate()
                .filter_map(|(i, m)| {
                    m.json.get("id").and_then(Value::as_str).map(|id| (id.to_string(), i))
                })
                .collect();
        }
        gone_inbounds + gone_batches
    }
}
