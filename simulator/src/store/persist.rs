//! Saving the simulator's state to a file and loading it back, so a dev
//! server survives a restart: every plan's batches (with their messages,
//! statuses and histories), groups, inbound messages and tags, the
//! callbacks and their attempts, the simulated time and the id counters.
//! Faults, access tokens and recorded answers are not kept. What falls due
//! is rebuilt from the batches, not saved.

use serde::{Deserialize, Serialize};

use super::*;

/// What a state file says it is.
const FORMAT: &str = "xms-simulator-state";
const VERSION: u32 = 1;

#[derive(Serialize)]
struct SavedRef<'a> {
    format: &'static str,
    version: u32,
    saved_at: DateTime<Utc>,
    now: DateTime<Utc>,
    counter: u64,
    next_event: u64,
    delivery_base: u64,
    plans: Vec<PlanRef<'a>>,
    deliveries: &'a [Delivery],
}

#[derive(Serialize)]
struct PlanRef<'a> {
    config: &'a PlanConfig,
    next_slot: Option<DateTime<Utc>>,
    batches: &'a [Box<Batch>],
    groups: &'a [Group],
    inbounds: &'a [Inbound],
    tags: BTreeMap<&'a String, &'a Vec<String>>,
}

#[derive(Deserialize)]
struct Saved {
    format: String,
    version: u32,
    now: DateTime<Utc>,
    counter: u64,
    next_event: u64,
    delivery_base: u64,
    plans: Vec<SavedPlan>,
    deliveries: Vec<Delivery>,
}

#[derive(Deserialize)]
struct SavedPlan {
    config: PlanConfig,
    next_slot: Option<DateTime<Utc>>,
    batches: Vec<Batch>,
    groups: Vec<Group>,
    inbounds: Vec<Inbound>,
    tags: HashMap<String, Vec<String>>,
}

impl State {
    /// The state as JSON bytes.
    pub fn save(&self) -> Result<Vec<u8>, String> {
        let saved = SavedRef {
            format: FORMAT,
            version: VERSION,
            saved_at: Utc::now(),
            now: self.clock.now(),
            counter: self.counter,
            next_event: self.events.newest() + 1,
            delivery_base: self.delivery_base,
            plans: self
                .plans
                .values()
                .map(|p| PlanRef {
                    config: &p.config,
                    next_slot: p.next_slot,
                    batches: &p.batches,
                    groups: &p.groups,
                    inbounds: &p.inbounds,
                    tags: p.tags.iter().collect(),
                })
                .collect(),
            deliveries: &self.deliveries,
        };
        serde_json::to_vec(&saved).map_err(|e| e.to_string())
    }

    /// Load a saved state into this one (which has only its plans). A plan
    /// configured now keeps its settings and gets its saved data back; a
    /// plan only in the file comes back with its saved settings.
    pub fn load(&mut self, bytes: &[u8]) -> Result<(), String> {
        let saved: Saved = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if saved.format != FORMAT {
            return Err(format!("not a simulator state file (format `{}`)", saved.format));
        }
        if saved.version != VERSION {
            return Err(format!("state file version {} is not {VERSION}", saved.version));
        }
        self.reset();
        for plan in saved.plans {
            let id = plan.config.id.clone();
            let entry = self.plans.entry(id.clone()).or_insert_with(|| Plan::new(plan.config));
            entry.next_slot = plan.next_slot;
            entry.batches = plan.batches.into_iter().map(Box::new).collect();
            entry.batch_ids =
                entry.batches.iter().enumerate().map(|(i, b)| (b.id.clone(), i)).collect();
            entry.groups = plan.groups;
            entry.group_ids =
                entry.groups.iter().enumerate().map(|(i, g)| (g.id.clone(), i)).collect();
            entry.inbounds = plan.inbounds;
            entry.inbound_ids = entry
                .inbounds
                .iter()
                .enumerate()
                .filter_map(|(i, inbound)| {
                    inbound.json.get("id").and_then(Value::as_str).map(|id| (id.to_string(), i))
                })
                .collect();
            entry.tags = plan.tags;
            entry.phones.invalidate();
            self.reschedule(&id);
        }
        self.clock.set_now(saved.now);
        self.counter = self.counter.max(saved.counter);
        self.events.continue_from(saved.next_event);
        self.delivery_base = saved.delivery_base;
        self.deliveries = saved.deliveries;
        self.waiting = self
            .deliveries
            .iter()
            .filter(|d| !d.delivered)
            .filter_map(|d| d.next_at.map(|at| (at, d.id)))
            .collect();
        self.in_flight = 0;
        self.emit_global("loaded", json!({}));
        Ok(())
    }

    /// Put what falls due for a plan's batches back on the agenda: their
    /// dispatch, their messages' next changes, their expiry.
    fn reschedule(&mut self, plan_id: &str) {
        let plan = &self.plans[plan_id];
        let key = plan.key.clone();
        let mut due = Vec::new();
        for (index, b) in plan.batches.iter().enumerate() {
            if !b.dispatched {
                if !b.canceled {
                    due.push((b.fields.send_at.unwrap_or(b.created_at), index, Event::Dispatch));
                }
                continue;
            }
            for (i, m) in b.messages.iter().enumerate() {
                if let Some((at, ..)) = m.next {
                    due.push((at, index, Event::Change(i)));
                }
            }
            if b.messages.iter().any(|m| !m.is_final()) {
                due.push((expiry(b), index, Event::Expire));
            }
        }
        for (at, index, event) in due {
            self.schedule(at, key.clone(), index, event);
        }
    }
}
