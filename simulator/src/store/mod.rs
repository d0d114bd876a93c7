//! The simulator's state and the API's semantics, free of HTTP: every
//! operation takes parsed input and returns the JSON XMS would answer.
//!
//! [`State`] holds every plan; each area of the API is a file that adds its
//! operations to `State` (`batches.rs`, `batch_json.rs`, `lifecycle.rs`,
//! `callbacks.rs`, `reports.rs`, `groups.rs`, `inbounds.rs`, `tags.rs`),
//! beside the plans' settings (`config.rs`), who may call (`auth.rs`) and
//! the query of a listing (`query.rs`). Ids are found through maps, so the
//! work of a request does not grow with the store.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, VecDeque},
    sync::Arc,
};

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};

use crate::{
    clock::{Clock, ClockMode},
    encoding,
    json::{ApiError, Fields, Res, msisdn, parse_time, put, time},
    limits,
};

mod auth;
mod batch_json;
mod batches;
mod callbacks;
mod config;
mod desk;
mod events;
mod groups;
mod inbounds;
mod lifecycle;
mod persist;
mod phones;
mod query;
mod reports;
mod retention;
mod statics;
mod tags;

pub use auth::Access;
pub use callbacks::{Attempt, Delivery, MAX_ANSWER_BYTES};
pub use config::{Fault, PlanConfig};
pub use desk::{MAX_DESK_PAGE, MessageQuery, WaitQuery};
pub use events::{EVENT_BUFFER, Events, Since};
pub use query::ListQuery;
pub use retention::Retention;
pub use tags::TagChange;

// Each area's items, for the others (`use super::*` in each file).
use batch_json::*;
use batches::*;
use config::*;
use groups::*;
use inbounds::*;
use lifecycle::*;
use query::*;
use reports::*;

struct Plan {
    /// The plan's id, shared by the entries of the agenda.
    key: Arc<str>,
    config: PlanConfig,
    limiter: Option<Limiter>,
    /// When the plan's next message may be dispatched, with a throughput.
    next_slot: Option<DateTime<Utc>>,
    /// In creation order, so also in `created_at` order. Boxed, so that
    /// growing the list moves pointers, not batches (measured: sends at 100k
    /// stored batches went from 0.85 to 0.90 of an empty store's rate).
    #[allow(clippy::vec_box)]
    batches: Vec<Box<Batch>>,
    /// Batch id to its index in `batches`.
    batch_ids: HashMap<String, usize>,
    /// In creation order.
    groups: Vec<Group>,
    /// Group id to its index in `groups`.
    group_ids: HashMap<String, usize>,
    /// In arrival order, so also in `received_at` order.
    inbounds: Vec<Inbound>,
    /// Inbound id to its index in `inbounds`.
    inbound_ids: HashMap<String, usize>,
    tags: HashMap<String, Vec<String>>,
    /// The phones its messages went to and came from (for the desk).
    phones: phones::Phones,
}

impl Plan {
    fn new(config: PlanConfig) -> Plan {
        Plan {
            key: Arc::from(config.id.as_str()),
            limiter: limiter(config.rate_limit),
            next_slot: None,
            config,
            batches: Vec::new(),
            batch_ids: HashMap::new(),
            groups: Vec::new(),
            group_ids: HashMap::new(),
            inbounds: Vec::new(),
            inbound_ids: HashMap::new(),
            tags: HashMap::new(),
            phones: phones::Phones::default(),
        }
    }

    fn batch(&self, id: &str) -> Option<usize> {
        self.batch_ids.get(id).copied()
    }

    /// The group `id`, found through the id map, like batches.
    fn group(&self, id: &str) -> Option<&Group> {
        self.group_ids.get(id).map(|&i| &self.groups[i])
    }

    fn group_mut(&mut self, id: &str) -> Option<&mut Group> {
        self.group_ids.get(id).map(|&i| &mut self.groups[i])
    }

    fn add_group(&mut self, group: Group) {
        self.group_ids.insert(group.id.clone(), self.groups.len());
        self.groups.push(group);
    }

    /// Remove the group `id`; whether it existed. (Rare: the ids of the
    /// groups after it are renumbered.)
    fn remove_group(&mut self, id: &str) -> bool {
        let Some(index) = self.group_ids.remove(id) else { return false };
        self.groups.remove(index);
        for (i, g) in self.groups.iter().enumerate().skip(index) {
            self.group_ids.insert(g.id.clone(), i);
        }
        true
    }

    fn clear(&mut self) {
        self.next_slot = None;
        self.batches.clear();
        self.batch_ids.clear();
        self.groups.clear();
        self.group_ids.clear();
        self.inbounds.clear();
        self.inbound_ids.clear();
        self.tags.clear();
        self.phones.clear();
    }
}

/// One answer the simulator gave to an XMS request, as recorded when
/// [`crate::SimulatorBuilder::record_answers`] asks for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// The request's method.
    pub method: String,
    /// The route it matched, as the spec writes it
    /// (`/xms/v1/{service_plan_id}/batches/{batch_id}`).
    pub route: String,
    /// The answer's status.
    pub status: u16,
    /// The answer's body, when it is JSON.
    pub body: Option<Value>,
}

/// A hard-to-guess number, for tokens.
fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |t| t.as_nanos()),
    );
    h.finish()
}

/// How many answers are kept when recording; older ones are dropped.
pub const MAX_RECORDED_ANSWERS: usize = 10_000;

/// Everything the simulator knows.
///
/// Work per request does not depend on how much is stored: ids are found
/// through maps, what falls due waits in a time-ordered agenda (so moving
/// time touches only what changes), and callbacks waiting for an attempt
/// are kept in their own time-ordered set.
pub struct State {
    pub clock: Clock,
    plans: BTreeMap<String, Plan>,
    pub faults: VecDeque<Fault>,
    /// Faults for the next requests to the token endpoint.
    pub token_faults: VecDeque<Fault>,
    /// The token endpoint's request-rate limit.
    token_limiter: Option<Limiter>,
    /// Every callback, in the order queued; a delivery's id is its index
    /// plus `delivery_base`.
    pub deliveries: Vec<Delivery>,
    /// The id of the first delivery since the last reset, so an attempt
    /// that returns after a reset finds nothing.
    delivery_base: u64,
    /// The deliveries waiting for an attempt: (when, id).
    waiting: BTreeSet<(DateTime<Utc>, u64)>,
    /// How many delivery attempts are on their way.
    in_flight: usize,
    /// What falls due, by (time, sequence). A B-tree rather than a binary
    /// heap: with hundreds of thousands of entries its few wide nodes cost
    /// far fewer cache misses per insert and removal.
    agenda: BTreeSet<Due>,
    /// The answers given, when recording (the last [`MAX_RECORDED_ANSWERS`]).
    answers: Option<VecDeque<Answer>>,
    /// OAuth2 access tokens issued: token → (plan, when it expires).
    tokens: HashMap<String, (String, std::time::Instant)>,
    /// How long an access token lives.
    pub token_lifetime: std::time::Duration,
    /// How many access tokens were issued.
    pub tokens_issued: usize,
    counter: u64,
    /// What happened, for the event stream and waiters.
    pub events: Events,
    /// Bumped by every change worth saving.
    pub revision: u64,
}

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn numbers(field: &str, values: Vec<String>, max: usize) -> Res<Vec<String>> {
    if values.len() > max {
        return Err(ApiError::constraint(format!(
            "Field '{field}' may hold at most {max} elements"
        )));
    }
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let n = msisdn(&v)
            .ok_or_else(|| ApiError::format(format!("Not a phone number in '{field}': {v}")))?;
        if !out.contains(&n) {
            out.push(n);
        }
    }
    Ok(out)
}

impl State {
    pub fn new(plans: Vec<PlanConfig>, mode: ClockMode) -> Self {
        let plans =
            plans.into_iter().map(|config| (config.id.clone(), Plan::new(config))).collect();
        State {
            clock: Clock::new(mode),
            plans,
            faults: VecDeque::new(),
            token_faults: VecDeque::new(),
            token_limiter: None,
            deliveries: Vec::new(),
            delivery_base: 0,
            waiting: BTreeSet::new(),
            in_flight: 0,
            agenda: BTreeSet::new(),
            answers: None,
            tokens: HashMap::new(),
            token_lifetime: std::time::Duration::from_secs(3600),
            tokens_issued: 0,
            counter: 0,
            events: Events::default(),
            revision: 0,
        }
    }

    /// Forget every batch, group, inbound, tag, fault and callback.
    pub fn reset(&mut self) {
        for plan in self.plans.values_mut() {
            plan.clear();
        }
        self.faults.clear();
        self.token_faults.clear();
        self.delivery_base += self.deliveries.len() as u64;
        self.deliveries.clear();
        self.waiting.clear();
        self.in_flight = 0;
        self.agenda.clear();
        self.emit_global("reset", json!({}));
    }

    /// Start recording answers (kept until read).
    pub fn start_recording(&mut self) {
        self.answers.get_or_insert_with(VecDeque::new);
    }

    pub fn recording(&self) -> bool {
        self.answers.is_some()
    }

    pub fn record(&mut self, answer: Answer) {
        if let Some(answers) = &mut self.answers {
            if answers.len() == MAX_RECORDED_ANSWERS {
                answers.pop_front();
            }
            answers.push_back(answer);
        }
    }

    /// The answers recorded so far, oldest first.
    pub fn answers(&self) -> Vec<Answer> {
        self.answers.iter().flatten().cloned().collect()
    }

    /// A new id shaped like XMS's: 26 characters of Crockford base32, time
    /// first, so ids sort by creation.
    fn new_id(&mut self) -> String {
        self.counter += 1;
        let millis = self.clock.now().timestamp_millis().max(0) as u128;
        let value = (millis << 80) | (u128::from(self.counter) << 16) | 0x5157;
        (0..26).rev().map(|i| ALPHABET[((value >> (i * 5)) & 31) as usize] as char).collect()
    }

    fn plan(&mut self, id: &str) -> &mut Plan {
        self.plans.get_mut(id).expect("the HTTP layer checked the plan")
    }

    // ------------------------------------------------------------ batches
}
