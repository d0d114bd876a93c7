//! The simulator's state and the API's semantics, free of HTTP: every
//! operation takes parsed input and returns the JSON XMS would answer.

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

/// A service plan (or a project) the simulator answers for.
///
/// ```
/// let mut plan = xms_simulator::PlanConfig::new("my-plan", "my-token");
/// plan.throughput = Some(50.0); // messages per second, dispatched in order
/// plan.rate_limit = Some(10.0); // requests per second, then 429
/// let sim = xms_simulator::Simulator::builder().plan(plan).start();
/// assert_eq!(sim.service_plan_id(), "my-plan");
/// ```
#[derive(Clone, Default)]
pub struct PlanConfig {
    /// The id in the paths: a service plan id, or a project id.
    pub id: String,
    /// The API token it accepts; none when empty (a project that takes only
    /// OAuth2 access tokens).
    pub token: String,
    /// Where delivery report callbacks go when a batch has no `callback_url`.
    pub callback_url: Option<String>,
    /// Where inbound message callbacks go.
    pub inbound_url: Option<String>,
    /// The secret callbacks are signed with; unsigned when `None`.
    pub signing_secret: Option<String>,
    /// Messages (parts) per second the plan dispatches, batch after batch in
    /// the order they fall due; as fast as they come when `None`.
    pub throughput: Option<f64>,
    /// Requests per second the plan takes before answering 429 with
    /// `Retry-After` (a bucket of one second's worth); no limit when `None`.
    pub rate_limit: Option<f64>,
    /// OAuth2 client credentials (key id, key secret): access tokens from
    /// `POST /oauth2/token` with them are accepted on this id's paths.
    pub key: Option<(String, String)>,
}

impl PlanConfig {
    /// A plan with this id and API token, and nothing else set.
    pub fn new(id: impl Into<String>, token: impl Into<String>) -> PlanConfig {
        PlanConfig { id: id.into(), token: token.into(), ..PlanConfig::default() }
    }

    /// A project that takes OAuth2 access tokens fetched with this key id
    /// and secret (and no API token).
    pub fn project(
        project_id: impl Into<String>,
        key_id: impl Into<String>,
        key_secret: impl Into<String>,
    ) -> PlanConfig {
        PlanConfig {
            id: project_id.into(),
            key: Some((key_id.into(), key_secret.into())),
            ..PlanConfig::default()
        }
    }

    /// Whether a rate (throughput or rate limit) is one the simulator takes:
    /// above 0 and at most a million per second.
    pub fn valid_rate(rate: f64) -> bool {
        rate > 0.0 && rate <= 1e6
    }
}

impl std::fmt::Debug for PlanConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tokens and secrets are left out.
        f.debug_struct("PlanConfig")
            .field("id", &self.id)
            .field("callback_url", &self.callback_url)
            .field("inbound_url", &self.inbound_url)
            .field("signed", &self.signing_secret.is_some())
            .field("throughput", &self.throughput)
            .field("rate_limit", &self.rate_limit)
            .field("key_id", &self.key.as_ref().map(|k| &k.0))
            .finish()
    }
}

type Limiter = governor::DefaultDirectRateLimiter;

/// A request-rate limiter for a plan: a bucket of one second's requests
/// (at least one), refilled at the rate.
fn limiter(rate: Option<f64>) -> Option<Limiter> {
    let rate = rate.filter(|r| PlanConfig::valid_rate(*r))?;
    let period = std::time::Duration::from_secs_f64(1.0 / rate);
    let burst = std::num::NonZeroU32::new(rate.ceil() as u32).unwrap_or(std::num::NonZeroU32::MIN);
    let quota = governor::Quota::with_period(period)?.allow_burst(burst);
    Some(governor::RateLimiter::direct(quota))
}

/// One fault to inject into the next XMS request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fault {
    /// Answer with this status (and `body`) instead of handling the request.
    pub status: Option<u16>,
    /// The body of that answer.
    pub body: String,
    /// Wait this long first.
    pub delay_ms: u64,
    /// Close the connection without a complete answer.
    pub drop: bool,
    /// Handle the request first, then answer with the fault instead of the
    /// real answer: XMS acted on it, but the client cannot know.
    pub processed: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Text,
    Binary,
    Media,
}

impl Kind {
    fn wire(self) -> &'static str {
        match self {
            Kind::Text => "mt_text",
            Kind::Binary => "mt_binary",
            Kind::Media => "mt_media",
        }
    }
    fn channel(self) -> &'static str {
        if self == Kind::Media { "mms" } else { "sms" }
    }
}

#[derive(Clone, Debug)]
enum Body {
    Text(String),
    Binary { body: String, udh: String },
    Media { url: String, message: Option<String>, subject: Option<String> },
}

#[derive(Clone, Debug)]
struct BatchFields {
    kind: Kind,
    from: Option<String>,
    to: Vec<String>,
    body: Body,
    parameters: Option<Map<String, Value>>,
    delivery_report: &'static str,
    send_at: Option<DateTime<Utc>>,
    expire_at: Option<DateTime<Utc>>,
    callback_url: Option<String>,
    client_reference: Option<String>,
    feedback_enabled: bool,
    flash_message: bool,
    truncate_concat: Option<bool>,
    max_parts: Option<i64>,
    from_ton: Option<i64>,
    from_npi: Option<i64>,
    strict_validation: Option<bool>,
}

/// What happens to a message to a number, by the number's last three digits.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fate {
    Delivered,
    Failed,
    Rejected,
    Expired,
    StaysQueued,
    StaysDispatched,
}

impl Fate {
    fn of(recipient: &str) -> Fate {
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
    fn outcome(self) -> Option<(&'static str, i64)> {
        match self {
            Fate::Delivered => Some(("Delivered", 0)),
            Fate::Failed => Some(("Failed", 5)),
            Fate::Rejected => Some(("Rejected", 8)),
            Fate::Expired => Some(("Expired", 3)),
            Fate::StaysQueued | Fate::StaysDispatched => None,
        }
    }
}

#[derive(Clone, Debug)]
struct Message {
    recipient: String,
    /// The rendered text, when it differs from the batch's (see `text`).
    body: Option<String>,
    parts: usize,
    encoding: &'static str,
    status: &'static str,
    code: i64,
    at: DateTime<Utc>,
    operator_status_at: Option<DateTime<Utc>>,
    /// The next status change and when.
    next: Option<(DateTime<Utc>, &'static str, i64)>,
    fate: Fate,
}

impl Message {
    /// The message's text: rendered for this recipient, or the batch's.
    fn text<'a>(&'a self, fields: &'a BatchFields) -> &'a str {
        self.body.as_deref().unwrap_or_else(|| template(fields))
    }

    fn is_final(&self) -> bool {
        !matches!(self.status, "Queued" | "Dispatched")
    }
}

#[derive(Clone, Debug)]
struct Batch {
    id: String,
    created_at: DateTime<Utc>,
    modified_at: DateTime<Utc>,
    canceled: bool,
    fields: BatchFields,
    dispatched: bool,
    messages: Vec<Message>,
    report_sent: bool,
    feedback: Vec<String>,
    /// Legacy CLX tags, set on create and by the tags endpoints.
    tags: Vec<String>,
}

#[derive(Clone, Debug)]
struct Group {
    id: String,
    name: Option<String>,
    members: Vec<String>,
    child_groups: Vec<String>,
    auto_update: Option<Value>,
    created_at: DateTime<Utc>,
    modified_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
struct Inbound {
    json: Map<String, Value>,
    received_at: DateTime<Utc>,
    to: String,
    client_reference: Option<String>,
}

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
    groups: Vec<Group>,
    /// In arrival order, so also in `received_at` order.
    inbounds: Vec<Inbound>,
    /// Inbound id to its index in `inbounds`.
    inbound_ids: HashMap<String, usize>,
    tags: HashMap<String, Vec<String>>,
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
            inbounds: Vec::new(),
            inbound_ids: HashMap::new(),
            tags: HashMap::new(),
        }
    }

    fn batch(&self, id: &str) -> Option<usize> {
        self.batch_ids.get(id).copied()
    }

    fn clear(&mut self) {
        self.next_slot = None;
        self.batches.clear();
        self.batch_ids.clear();
        self.groups.clear();
        self.inbounds.clear();
        self.inbound_ids.clear();
        self.tags.clear();
    }
}

/// Something that falls due at a simulated time: a batch's dispatch, the
/// next status change of one of its messages, or its expiry. Entries are checked against
/// the batch when they come up, so one made stale by a cancel or an update
/// is dropped then instead of being searched for.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Due {
    at: DateTime<Utc>,
    /// Ties in time come up in the order they were scheduled.
    seq: u64,
    plan: Arc<str>,
    batch: usize,
    event: Event,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// The batch's `send_at` came.
    Dispatch,
    /// The next status change of the message with this index.
    Change(usize),
    /// The batch's `expire_at` came: what is not final expires.
    Expire,
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

/// Take one from a limiter, if there is one: `Err(wait)` when it is spent.
fn check(limiter: Option<&Limiter>) -> Result<(), std::time::Duration> {
    use governor::clock::Clock as _;
    let Some(limiter) = limiter else { return Ok(()) };
    limiter.check().map_err(|not_until| {
        not_until.wait_time_from(governor::clock::DefaultClock::default().now())
    })
}

/// How an access token stands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Access {
    Valid,
    Expired,
    Unknown,
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

/// A callback to deliver, being delivered, or delivered.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub id: u64,
    pub url: String,
    pub kind: String,
    pub body: Vec<u8>,
    pub secret: Option<String>,
    pub attempts: u32,
    pub next_at: Option<DateTime<Utc>>,
    pub delivered: bool,
    pub last_status: Option<u16>,
    /// Set while a delivery attempt is on its way, so it is not sent twice.
    pub in_flight: bool,
}

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
}

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

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
    }

    /// An access token for the plan whose key this is, or `None` when no
    /// plan has this key id and secret.
    pub fn issue_token(&mut self, key_id: &str, key_secret: &str) -> Option<(String, u64)> {
        let plan = self.plans.values().find(|p| {
            p.config.key.as_ref().is_some_and(|(id, secret)| id == key_id && secret == key_secret)
        })?;
        let plan = plan.config.id.clone();
        let now = std::time::Instant::now();
        if self.tokens.len() >= 10_000 {
            self.tokens.retain(|_, (_, expires)| *expires > now);
        }
        self.counter += 1;
        self.tokens_issued += 1;
        let token = format!("sim-access-{}-{:x}", self.counter, random());
        self.tokens.insert(token.clone(), (plan, now + self.token_lifetime));
        Some((token, self.token_lifetime.as_secs()))
    }

    /// How an access token stands for a plan's paths.
    pub fn access(&self, plan: &str, token: &str) -> Access {
        match self.tokens.get(token) {
            Some((p, expires)) if p == plan => {
                if *expires > std::time::Instant::now() {
                    Access::Valid
                } else {
                    Access::Expired
                }
            }
            _ => Access::Unknown,
        }
    }

    /// Expire every access token issued so far, now.
    pub fn expire_tokens(&mut self) -> usize {
        let now = std::time::Instant::now();
        for (_, expires) in self.tokens.values_mut() {
            *expires = (*expires).min(now);
        }
        self.tokens.len()
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

    /// Take one request from the plan's rate limit: `Err(wait)` when it is
    /// spent, with how long until the next request is let through.
    pub fn admit(&self, id: &str) -> Result<(), std::time::Duration> {
        check(self.plans.get(id).and_then(|p| p.limiter.as_ref()))
    }

    /// Limit the token endpoint to a bucket of `burst` requests refilled
    /// at `per_second` (Sinch's is about 30 and 10).
    pub fn limit_tokens(&mut self, burst: u32, per_second: f64) {
        let Some(burst) = std::num::NonZeroU32::new(burst) else { return };
        self.token_limiter = PlanConfig::valid_rate(per_second)
            .then(|| std::time::Duration::from_secs_f64(1.0 / per_second))
            .and_then(governor::Quota::with_period)
            .map(|q| governor::RateLimiter::direct(q.allow_burst(burst)));
    }

    /// Take one request from the token endpoint's rate limit.
    pub fn admit_token(&self) -> Result<(), std::time::Duration> {
        check(self.token_limiter.as_ref())
    }

    pub fn plan_config(&self, id: &str) -> Option<&PlanConfig> {
        self.plans.get(id).map(|p| &p.config)
    }

    pub fn plan_ids(&self) -> Vec<String> {
        self.plans.keys().cloned().collect()
    }

    pub fn upsert_plan(&mut self, config: PlanConfig) {
        match self.plans.get_mut(&config.id) {
            Some(plan) => {
                plan.limiter = limiter(config.rate_limit);
                plan.config = config;
            }
            None => {
                self.plans.insert(config.id.clone(), Plan::new(config));
            }
        }
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

    pub fn send_batch(&mut self, plan_id: &str, body: &Map<String, Value>) -> Res<Value> {
        let now = self.clock.now();
        let fields = self.parse_batch(plan_id, body, now)?;
        let tags = Fields(body).strings("tags")?.unwrap_or_default();
        let id = self.new_id();
        let batch = Batch {
            tags,
            id,
            created_at: now,
            modified_at: now,
            canceled: false,
            fields,
            dispatched: false,
            messages: Vec::new(),
            report_sent: false,
            feedback: Vec::new(),
        };
        let json = batch_json(&batch);
        let plan = self.plan(plan_id);
        let index = plan.batches.len();
        plan.batch_ids.insert(batch.id.clone(), index);
        plan.batches.push(Box::new(batch));
        self.schedule_dispatch(plan_id, index);
        self.process();
        Ok(json)
    }

    pub fn dry_run(
        &mut self,
        plan_id: &str,
        body: &Map<String, Value>,
        per_recipient: bool,
        max: usize,
    ) -> Res<Value> {
        let now = self.clock.now();
        let fields = self.parse_batch(plan_id, body, now)?;
        let recipients = self.expand(plan_id, &fields.to);
        let messages: Vec<Message> = recipients.iter().map(|r| render(&fields, r, now)).collect();
        let total: usize = messages.iter().map(|m| m.parts).sum();
        let mut out =
            json!({"number_of_recipients": recipients.len(), "number_of_messages": total});
        if per_recipient {
            out["per_recipient"] = messages
                .iter()
                .take(max)
                .map(|m| json!({"recipient": m.recipient, "number_of_parts": m.parts, "body": m.text(&fields), "encoding": m.encoding}))
                .collect();
        }
        Ok(out)
    }

    pub fn get_batch(&mut self, plan_id: &str, id: &str) -> Option<Value> {
        self.process();
        let plan = self.plan(plan_id);
        plan.batch(id).map(|i| batch_json(&plan.batches[i]))
    }

    pub fn replace_batch(
        &mut self,
        plan_id: &str,
        id: &str,
        body: &Map<String, Value>,
    ) -> Res<Option<Value>> {
        self.process();
        let now = self.clock.now();
        let Some(index) = self.plan(plan_id).batch(id) else {
            return Ok(None);
        };
        if self.plan(plan_id).batches[index].dispatched {
            return Err(ApiError::forbidden(
                "batch_already_dispatched",
                "The batch has been dispatched and cannot be replaced",
            ));
        }
        let fields = self.parse_batch(plan_id, body, now)?;
        let tags = Fields(body).strings("tags")?;
        let batch = &mut self.plan(plan_id).batches[index];
        batch.fields = fields;
        if let Some(tags) = tags {
            batch.tags = tags;
        }
        batch.modified_at = now;
        let json = batch_json(batch);
        self.schedule_dispatch(plan_id, index);
        self.process();
        Ok(Some(json))
    }

    pub fn update_batch(
        &mut self,
        plan_id: &str,
        id: &str,
        body: &Map<String, Value>,
    ) -> Res<Option<Value>> {
        self.process();
        let now = self.clock.now();
        let Some(index) = self.plan(plan_id).batch(id) else {
            return Ok(None);
        };
        let existing = self.plan(plan_id).batches[index].clone();
        if existing.dispatched {
            return Err(ApiError::forbidden(
                "batch_already_dispatched",
                "The batch has been dispatched and cannot be updated",
            ));
        }
        let f = Fields(body);
        f.refuse(&["toAdd", "toRemove", "to"])?;
        let kind = match f.string("type")?.as_deref() {
            None | Some("mt_text") => Kind::Text,
            Some("mt_binary") => Kind::Binary,
            Some("mt_media") => Kind::Media,
            Some(other) => {
                return Err(ApiError::constraint(format!("Unknown batch type '{other}'")));
            }
        };
        if kind != existing.fields.kind {
            return Err(ApiError::constraint(format!(
                "The update is of type {} but the batch is of type {}",
                kind.wire(),
                existing.fields.kind.wire()
            )));
        }
        // Rebuild the batch as a send request with the changes applied, and
        // validate it like a new one.
        let mut merged = request_json(&existing.fields);
        for key in ["to_add", "to_remove"] {
            if let Some(list) = f.strings(key)?
                && list.len() > limits::MAX_UPDATE_RECIPIENTS
            {
                return Err(ApiError::constraint(format!(
                    "Field '{key}' may hold at most {} elements",
                    limits::MAX_UPDATE_RECIPIENTS
                )));
            }
        }
        let mut to: Vec<String> = existing.fields.to.clone();
        for added in f.strings("to_add")?.unwrap_or_default() {
            let added = msisdn(&added).unwrap_or(added);
            if !to.contains(&added) {
                to.push(added);
            }
        }
        let removed: Vec<String> = f
            .strings("to_remove")?
            .unwrap_or_default()
            .into_iter()
            .map(|r| msisdn(&r).unwrap_or(r))
            .collect();
        to.retain(|r| !removed.contains(r));
        merged.insert("to".into(), to.into());
        for (key, value) in body {
            if matches!(key.as_str(), "to_add" | "to_remove" | "type") {
                continue;
            }
            let resettable = matches!(
                key.as_str(),
                "delivery_report" | "send_at" | "expire_at" | "callback_url" | "parameters"
            );
            if value.is_null() && resettable {
                merged.remove(key);
            } else {
                merged.insert(key.clone(), value.clone());
            }
        }
        let fields = self.parse_batch(plan_id, &merged, now)?;
        let batch = &mut self.plan(plan_id).batches[index];
        batch.fields = fields;
        batch.modified_at = now;
        let json = batch_json(batch);
        self.schedule_dispatch(plan_id, index);
        self.process();
        Ok(Some(json))
    }

    pub fn cancel_batch(&mut self, plan_id: &str, id: &str) -> Option<Value> {
        self.process();
        let now = self.clock.now();
        let index = self.plan(plan_id).batch(id)?;
        let batch = &mut self.plan(plan_id).batches[index];
        batch.canceled = true;
        batch.modified_at = now;
        let mut changed = Vec::new();
        for (i, m) in batch.messages.iter_mut().enumerate() {
            if m.status == "Queued" {
                m.status = "Aborted";
                m.code = 407;
                m.at = now;
                m.next = None;
                changed.push(i);
            }
        }
        let json = batch_json(batch);
        for i in changed {
            self.on_change(plan_id, index, i);
        }
        self.process();
        Some(json)
    }

    pub fn delivery_feedback(
        &mut self,
        plan_id: &str,
        id: &str,
        body: &Map<String, Value>,
    ) -> Res<Option<()>> {
        let f = Fields(body);
        if !f.has("recipients") {
            return Err(ApiError::constraint("Field 'recipients' is required"));
        }
        let recipients = f.strings("recipients")?.unwrap_or_default();
        let plan = self.plan(plan_id);
        let Some(index) = plan.batch(id) else {
            return Ok(None);
        };
        let batch = &mut plan.batches[index];
        if !batch.fields.feedback_enabled {
            return Err(ApiError::constraint("Feedback is not enabled for this batch"));
        }
        let has_group = batch.fields.to.iter().any(|r| msisdn(r).is_none());
        if recipients.is_empty() && has_group {
            return Err(ApiError::constraint(
                "A batch sent to a group needs at least one recipient in its feedback",
            ));
        }
        for r in recipients {
            let r =
                msisdn(&r).ok_or_else(|| ApiError::format(format!("Not a phone number: {r}")))?;
            if !batch.feedback.contains(&r) {
                batch.feedback.push(r);
            }
        }
        Ok(Some(()))
    }

    pub fn list_batches(&mut self, plan_id: &str, q: &ListQuery) -> Value {
        self.process();
        let since = q.start_date.unwrap_or_else(|| self.clock.now() - TimeDelta::hours(24));
        let from: Vec<String> =
            q.list("from").iter().map(|f| msisdn(f).unwrap_or_else(|| f.clone())).collect();
        let tags = q.list("tags");
        let plan = self.plan(plan_id);
        // Batches are in creation order: skip the older ones without looking.
        let first = plan.batches.partition_point(|b| b.created_at < since);
        let matching: Vec<&Batch> = plan.batches[first..]
            .iter()
            .rev()
            .map(|b| &**b)
            .filter(|b| q.end_date.is_none_or(|end| b.created_at < end))
            .filter(|b| {
                from.is_empty()
                    || b.fields
                        .from
                        .as_ref()
                        .is_some_and(|f| from.contains(&msisdn(f).unwrap_or_else(|| f.clone())))
            })
            .filter(|b| {
                q.client_reference
                    .as_ref()
                    .is_none_or(|r| b.fields.client_reference.as_ref() == Some(r))
            })
            .filter(|b| tags.is_empty() || b.tags.iter().any(|x| tags.contains(x)))
            .collect();
        paged(matching, q, "batches", batch_json)
    }

    /// Parse and check a send (or replace, or dry run) request.
    fn parse_batch(
        &self,
        plan_id: &str,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Res<BatchFields> {
        let f = Fields(body);
        let kind = match f.string("type")?.as_deref() {
            None | Some("mt_text") => Kind::Text,
            Some("mt_binary") => Kind::Binary,
            Some("mt_media") => Kind::Media,
            Some(other) => {
                return Err(ApiError::constraint(format!("Unknown batch type '{other}'")));
            }
        };
        let to = f.strings("to")?.ok_or_else(|| ApiError::constraint("Field 'to' is required"))?;
        if to.len() < limits::MIN_RECIPIENTS || to.len() > limits::MAX_RECIPIENTS {
            return Err(ApiError::constraint(format!(
                "Field 'to' must hold {} to {} elements, not {}",
                limits::MIN_RECIPIENTS,
                limits::MAX_RECIPIENTS,
                to.len()
            )));
        }
        let plan = &self.plans[plan_id];
        let mut recipients = Vec::new();
        for r in to {
            match msisdn(&r) {
                Some(number) => recipients.push(number),
                None if plan.groups.iter().any(|g| g.id == r) => recipients.push(r),
                None => {
                    return Err(ApiError::forbidden(
                        "unknown_group",
                        format!("Group '{r}' is unknown"),
                    ));
                }
            }
        }
        let from = f.string("from")?;
        if from.as_deref().is_some_and(|s| s.trim().is_empty()) {
            return Err(ApiError::format("Field 'from' must not be empty"));
        }
        let body = match kind {
            Kind::Text => {
                let text = f.required_string("body")?;
                if text.chars().count() > limits::MAX_TEXT_BODY_CHARS {
                    return Err(ApiError::constraint(format!(
                        "Field 'body' must be at most {} characters",
                        limits::MAX_TEXT_BODY_CHARS
                    )));
                }
                Body::Text(text)
            }
            Kind::Binary => {
                use base64::Engine as _;
                let text = f.required_string("body")?;
                let udh = f.required_string("udh")?;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(&text)
                    .map_err(|_| ApiError::format("Field 'body' must be base64"))?;
                if udh.len() % 2 != 0 || !udh.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(ApiError::format("Field 'udh' must be hex"));
                }
                if bytes.len() + udh.len() / 2 > limits::MAX_BINARY_BYTES {
                    return Err(ApiError::constraint(format!(
                        "Fields 'body' and 'udh' must be at most {} bytes together",
                        limits::MAX_BINARY_BYTES
                    )));
                }
                Body::Binary { body: text, udh }
            }
            Kind::Media => {
                let media = f
                    .object("body")?
                    .ok_or_else(|| ApiError::constraint("Field 'body' is required"))?;
                let m = Fields(media);
                Body::Media {
                    url: m.required_string("url")?,
                    message: m.string("message")?,
                    subject: m.string("subject")?,
                }
            }
        };
        // Phone numbers among the parameter keys are normalized like the
        // recipients, so `+46...` and `46...` name the same recipient.
        let parameters = f.object("parameters")?.map(|params| {
            params
                .iter()
                .map(|(key, values)| {
                    let values = match values {
                        Value::Object(v) => Value::Object(
                            v.iter()
                                .map(|(r, x)| (msisdn(r).unwrap_or_else(|| r.clone()), x.clone()))
                                .collect(),
                        ),
                        other => other.clone(),
                    };
                    (key.clone(), values)
                })
                .collect::<Map<String, Value>>()
        });
        if let Some(params) = &parameters {
            if kind == Kind::Binary {
                return Err(ApiError::constraint("Binary batches take no parameters"));
            }
            for (key, values) in params {
                let valid = !key.is_empty()
                    && key.len() <= limits::MAX_PARAMETER_KEY_CHARS
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
                if !valid {
                    return Err(ApiError::constraint(format!(
                        "Parameter key '{key}' is not allowed"
                    )));
                }
                let Value::Object(values) = values else {
                    return Err(ApiError::invalid_json(format!(
                        "Parameter '{key}' must be an object"
                    )));
                };
                for value in values.values() {
                    match value {
                        Value::String(s)
                            if s.chars().count() <= limits::MAX_PARAMETER_VALUE_CHARS => {}
                        Value::String(_) => {
                            return Err(ApiError::constraint(format!(
                                "Parameter values must be at most {} characters",
                                limits::MAX_PARAMETER_VALUE_CHARS
                            )));
                        }
                        _ => {
                            return Err(ApiError::invalid_json(format!(
                                "Values of parameter '{key}' must be strings"
                            )));
                        }
                    }
                }
            }
        }
        let asked = f.string("delivery_report")?.unwrap_or_else(|| "none".into());
        let Some(delivery_report) =
            ["none", "summary", "full", "per_recipient", "per_recipient_final"]
                .into_iter()
                .find(|known| *known == asked)
        else {
            return Err(ApiError::invalid_json(format!("Unknown delivery_report '{asked}'")));
        };
        let send_at = f.time("send_at")?;
        let expire_at = f.time("expire_at")?;
        if let (Some(s), Some(e)) = (send_at, expire_at)
            && e <= s
        {
            return Err(ApiError::constraint("Field 'expire_at' must be after 'send_at'"));
        }
        let latest = send_at
            .unwrap_or(now)
            .checked_add_signed(TimeDelta::days(limits::MAX_EXPIRY_DAYS) + TimeDelta::minutes(1));
        if let Some(e) = expire_at
            && latest.is_none_or(|latest| e > latest)
        {
            return Err(ApiError::constraint(
                "Field 'expire_at' must be at most 3 days after 'send_at'",
            ));
        }
        let callback_url = f.string("callback_url")?;
        if let Some(url) = &callback_url {
            let valid = url.len() <= limits::MAX_URL_CHARS
                && (url.starts_with("http://") || url.starts_with("https://"))
                && url.len() > 8;
            if !valid {
                return Err(ApiError::format(format!(
                    "Field 'callback_url' must be a URL of at most {} characters",
                    limits::MAX_URL_CHARS
                )));
            }
        }
        let client_reference = f.string("client_reference")?;
        if client_reference
            .as_ref()
            .is_some_and(|r| r.chars().count() > limits::MAX_CLIENT_REFERENCE_CHARS)
        {
            return Err(ApiError::constraint(format!(
                "Field 'client_reference' must be at most {} characters",
                limits::MAX_CLIENT_REFERENCE_CHARS
            )));
        }
        let max_parts = f.int("max_number_of_message_parts")?;
        if max_parts.is_some_and(|p| p < limits::MIN_MESSAGE_PARTS) {
            return Err(ApiError::constraint(format!(
                "Field 'max_number_of_message_parts' must be at least {}",
                limits::MIN_MESSAGE_PARTS
            )));
        }
        let from_ton = f.int("from_ton")?;
        if from_ton.is_some_and(|t| !(0..=limits::MAX_FROM_TON).contains(&t)) {
            return Err(ApiError::constraint(format!(
                "Field 'from_ton' must be between 0 and {}",
                limits::MAX_FROM_TON
            )));
        }
        let from_npi = f.int("from_npi")?;
        if from_npi.is_some_and(|t| !(0..=limits::MAX_FROM_NPI).contains(&t)) {
            return Err(ApiError::constraint(format!(
                "Field 'from_npi' must be between 0 and {}",
                limits::MAX_FROM_NPI
            )));
        }
        if delivery_report != "none" && callback_url.is_none() && plan.config.callback_url.is_none()
        {
            return Err(ApiError::forbidden(
                "missing_callback_url",
                "A delivery report was requested but neither the batch nor the service plan has a callback URL",
            ));
        }
        Ok(BatchFields {
            kind,
            from,
            to: recipients,
            body,
            parameters,
            delivery_report,
            send_at,
            expire_at,
            callback_url,
            client_reference,
            feedback_enabled: f.bool("feedback_enabled")?.unwrap_or(false),
            flash_message: f.bool("flash_message")?.unwrap_or(false),
            truncate_concat: f.bool("truncate_concat")?,
            max_parts,
            from_ton,
            from_npi,
            strict_validation: f.bool("strict_validation")?,
        })
    }

    /// Phone numbers and group ids into phone numbers, groups expanded as
    /// they are now, each number once.
    fn expand(&self, plan_id: &str, to: &[String]) -> Vec<String> {
        let plan = &self.plans[plan_id];
        let mut out: Vec<String> = Vec::new();
        for r in to {
            if msisdn(r).is_some() {
                if !out.contains(r) {
                    out.push(r.clone());
                }
            } else {
                for m in group_members(plan, r, &mut BTreeSet::new()) {
                    if !out.contains(&m) {
                        out.push(m);
                    }
                }
            }
        }
        out
    }

    // --------------------------------------------------------- lifecycle

    fn schedule(&mut self, at: DateTime<Utc>, plan: Arc<str>, batch: usize, event: Event) {
        self.counter += 1;
        self.agenda.insert(Due { at, seq: self.counter, plan, batch, event });
    }

    /// Put a batch's dispatch on the agenda, at its `send_at` or now. An
    /// update that moves `send_at` schedules again; the entry for the old
    /// time is dropped when it comes up.
    fn schedule_dispatch(&mut self, plan_id: &str, index: usize) {
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

    fn dispatch(&mut self, plan_id: &str, index: usize) {
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
        let batch = &mut self.plan(plan_id).batches[index];
        batch.dispatched = true;
        batch.messages = messages;
        for i in 0..count {
            self.on_change(plan_id, index, i);
        }
    }

    /// `expire_at` came: every message not final by then is Expired, with
    /// code 406 (internal expiry) when it was still Queued, else 3.
    fn expire(&mut self, plan_id: &str, index: usize, at: DateTime<Utc>) {
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
    fn on_change(&mut self, plan_id: &str, index: usize, i: usize) {
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

    fn queue(&mut self, plan_id: &str, url: String, body: &Value) {
        let id = self.delivery_base + self.deliveries.len() as u64;
        let kind = body["type"].as_str().unwrap_or("").to_string();
        let secret = self.plans[plan_id].config.signing_secret.clone();
        let now = self.clock.now();
        self.waiting.insert((now, id));
        self.deliveries.push(Delivery {
            id,
            url,
            kind,
            body: body.to_string().into_bytes(),
            secret,
            attempts: 0,
            next_at: Some(now),
            delivered: false,
            last_status: None,
            in_flight: false,
        });
    }

    /// The callbacks due now, marked in flight.
    pub fn due_deliveries(&mut self) -> Vec<Delivery> {
        let now = self.clock.now();
        let mut due = Vec::new();
        while let Some(&(at, id)) = self.waiting.first() {
            if at > now {
                break;
            }
            self.waiting.pop_first();
            if let Some(index) = self.delivery_index(id) {
                let d = &mut self.deliveries[index];
                d.in_flight = true;
                self.in_flight += 1;
                due.push(d.clone());
            }
        }
        due
    }

    /// Record how a delivery attempt went, and schedule a retry on a 5xx, a
    /// 429 or a failed connection: 5 s after the first try, doubling, the last
    /// at most 81,920 s after it.
    pub fn delivered(&mut self, id: u64, status: Option<u16>) {
        let now = self.clock.now();
        let Some(index) = self.delivery_index(id).filter(|&i| self.deliveries[i].in_flight) else {
            return;
        };
        self.in_flight -= 1;
        let d = &mut self.deliveries[index];
        d.in_flight = false;
        d.attempts += 1;
        d.last_status = status;
        match status {
            Some(200..=299) => {
                d.delivered = true;
                d.next_at = None;
            }
            None | Some(429) | Some(500..=599) => {
                let wait = 5i64 << (d.attempts - 1).min(20);
                d.next_at = (wait <= 81_920).then(|| now + TimeDelta::seconds(wait));
                if let Some(at) = d.next_at {
                    self.waiting.insert((at, id));
                }
            }
            Some(_) => d.next_at = None,
        }
    }

    /// Where the delivery with this id is in the log, if it is of the
    /// current one.
    fn delivery_index(&self, id: u64) -> Option<usize> {
        let index = usize::try_from(id.checked_sub(self.delivery_base)?).ok()?;
        (index < self.deliveries.len()).then_some(index)
    }

    /// When the first delivery attempt due after `after` is due.
    pub fn next_delivery_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.waiting.range((after, u64::MAX)..).find(|(at, _)| *at > after).map(|(at, _)| *at)
    }

    /// Whether a delivery attempt is on its way.
    pub fn delivering(&self) -> bool {
        self.in_flight > 0
    }

    // ------------------------------------------------- delivery reports

    pub fn batch_report(&mut self, plan_id: &str, id: &str, q: &ListQuery) -> Res<Option<Value>> {
        self.process();
        let full = match q.get("type").as_deref() {
            None | Some("summary") => false,
            Some("full") => true,
            Some(_) => return Ok(None),
        };
        let statuses = q.list("status");
        let codes = q.codes()?;
        let plan = self.plan(plan_id);
        let Some(batch) = plan.batch(id).map(|i| &plan.batches[i]) else {
            return Ok(None);
        };
        if q.client_reference.is_some() && q.client_reference != batch.fields.client_reference {
            return Ok(None);
        }
        Ok(Some(batch_report(batch, full, &statuses, &codes)))
    }

    pub fn recipient_report(&mut self, plan_id: &str, id: &str, recipient: &str) -> Option<Value> {
        self.process();
        let recipient = msisdn(recipient)?;
        let plan = self.plan(plan_id);
        let batch = &plan.batches[plan.batch(id)?];
        let m = batch.messages.iter().find(|m| m.recipient == recipient)?;
        Some(recipient_report(batch, m))
    }

    pub fn list_reports(&mut self, plan_id: &str, q: &ListQuery) -> Res<Value> {
        self.process();
        let since = q.start_date.unwrap_or_else(|| self.clock.now() - TimeDelta::hours(24));
        let statuses = q.list("status");
        let codes = q.codes()?;
        let plan = self.plan(plan_id);
        let mut reports: Vec<(DateTime<Utc>, Value)> = Vec::new();
        for b in &plan.batches {
            if q.client_reference
                .as_ref()
                .is_some_and(|r| b.fields.client_reference.as_ref() != Some(r))
            {
                continue;
            }
            for m in &b.messages {
                let in_window = m.at >= since && q.end_date.is_none_or(|end| m.at < end);
                let wanted = (statuses.is_empty() || statuses.iter().any(|s| s == m.status))
                    && (codes.is_empty() || codes.contains(&m.code));
                if in_window && wanted {
                    reports.push((m.at, recipient_report(b, m)));
                }
            }
        }
        reports.sort_by_key(|r| std::cmp::Reverse(r.0));
        Ok(paged(reports.iter().map(|(_, v)| v).collect(), q, "delivery_reports", |v: &Value| {
            v.clone()
        }))
    }

    pub fn outbox(&mut self, plan_id: Option<&str>) -> Value {
        self.process();
        let mut out = Vec::new();
        for (id, plan) in &self.plans {
            if plan_id.is_some_and(|p| p != id) {
                continue;
            }
            for b in &plan.batches {
                for m in &b.messages {
                    out.push(json!({
                        "service_plan_id": id, "batch_id": b.id, "type": b.fields.kind.wire(),
                        "from": b.fields.from, "to": m.recipient, "body": m.text(&b.fields), "parts": m.parts,
                        "encoding": m.encoding, "status": m.status, "code": m.code, "at": time(m.at),
                    }));
                }
            }
        }
        Value::Array(out)
    }

    // ------------------------------------------------------------- groups

    pub fn create_group(&mut self, plan_id: &str, body: &Map<String, Value>) -> Res<Value> {
        let now = self.clock.now();
        let f = Fields(body);
        let name = self.check_name(plan_id, f.string("name")?, None)?;
        let members = numbers(
            "members",
            f.strings("members")?.unwrap_or_default(),
            limits::MAX_GROUP_MEMBERS,
        )?;
        let child_groups =
            self.check_children(plan_id, f.strings("child_groups")?.unwrap_or_default())?;
        let auto_update = auto_update(f.object("auto_update")?)?;
        let tags = f.strings("tags")?.unwrap_or_default();
        let id = self.new_id();
        if !tags.is_empty() {
            self.plan(plan_id).tags.insert(id.clone(), tags);
        }
        let group = Group {
            id,
            name,
            members,
            child_groups,
            auto_update,
            created_at: now,
            modified_at: now,
        };
        let plan = self.plan(plan_id);
        plan.groups.push(group);
        Ok(group_json(plan, plan.groups.last().expect("just pushed")))
    }

    pub fn get_group(&mut self, plan_id: &str, id: &str) -> Option<Value> {
        let plan = self.plan(plan_id);
        plan.groups.iter().find(|g| g.id == id).map(|g| group_json(plan, g))
    }

    pub fn group_members(&mut self, plan_id: &str, id: &str) -> Option<Value> {
        let plan = self.plan(plan_id);
        plan.groups
            .iter()
            .any(|g| g.id == id)
            .then(|| group_members(plan, id, &mut BTreeSet::new()).into())
    }

    pub fn update_group(
        &mut self,
        plan_id: &str,
        id: &str,
        body: &Map<String, Value>,
    ) -> Res<Option<Value>> {
        let now = self.clock.now();
        if !self.plans[plan_id].groups.iter().any(|g| g.id == id) {
            return Ok(None);
        }
        let f = Fields(body);
        let add = numbers("add", f.strings("add")?.unwrap_or_default(), limits::MAX_GROUP_MEMBERS)?;
        let remove =
            numbers("remove", f.strings("remove")?.unwrap_or_default(), limits::MAX_GROUP_MEMBERS)?;
        let children_add =
            self.check_children(plan_id, f.strings("child_groups_add")?.unwrap_or_default())?;
        let children_remove = f.strings("child_groups_remove")?.unwrap_or_default();
        let from_group = |key: &str| -> Res<Vec<String>> {
            match f.string(key)? {
                None => Ok(Vec::new()),
                Some(g) => match self.plans[plan_id].groups.iter().any(|x| x.id == g) {
                    true => Ok(group_members(&self.plans[plan_id], &g, &mut BTreeSet::new())),
                    false => {
                        Err(ApiError::forbidden("unknown_group", format!("Group '{g}' is unknown")))
                    }
                },
            }
        };
        let add_from = from_group("add_from_group")?;
        let remove_from = from_group("remove_from_group")?;
        let name = if f.is_null("name") {
            Some(None)
        } else {
            f.string("name")?.map(|n| self.check_name(plan_id, Some(n), Some(id))).transpose()?
        };
        let auto = if f.is_null("auto_update") {
            Some(None)
        } else {
            auto_update(f.object("auto_update")?)?.map(Some)
        };
        let plan = self.plan(plan_id);
        let group = plan.groups.iter_mut().find(|g| g.id == id).expect("checked above");
        for m in add.into_iter().chain(add_from) {
            if !group.members.contains(&m) {
                group.members.push(m);
            }
        }
        group.members.retain(|m| !remove.contains(m) && !remove_from.contains(m));
        for c in children_add {
            if !group.child_groups.contains(&c) {
                group.child_groups.push(c);
            }
        }
        group.child_groups.retain(|c| !children_remove.contains(c));
        if let Some(name) = name {
            group.name = name;
        }
        if let Some(auto) = auto {
            group.auto_update = auto;
        }
        group.modified_at = now;
        let plan = &self.plans[plan_id];
        Ok(Some(group_json(plan, plan.groups.iter().find(|g| g.id == id).expect("exists"))))
    }

    pub fn replace_group(
        &mut self,
        plan_id: &str,
        id: &str,
        body: &Map<String, Value>,
    ) -> Res<Option<Value>> {
        let now = self.clock.now();
        if !self.plans[plan_id].groups.iter().any(|g| g.id == id) {
            return Ok(None);
        }
        let f = Fields(body);
        let members = numbers(
            "members",
            f.strings("members")?
                .ok_or_else(|| ApiError::constraint("Field 'members' is required"))?,
            limits::MAX_GROUP_MEMBERS,
        )?;
        let name = self.check_name(plan_id, f.string("name")?, Some(id))?;
        let child_groups =
            self.check_children(plan_id, f.strings("child_groups")?.unwrap_or_default())?;
        let auto = auto_update(f.object("auto_update")?)?;
        let tags = f.strings("tags")?;
        let plan = self.plan(plan_id);
        if let Some(tags) = tags {
            plan.tags.insert(id.to_string(), tags);
        }
        let group = plan.groups.iter_mut().find(|g| g.id == id).expect("checked above");
        group.members = members;
        group.name = name;
        group.child_groups = child_groups;
        group.auto_update = auto;
        group.modified_at = now;
        let plan = &self.plans[plan_id];
        Ok(Some(group_json(plan, plan.groups.iter().find(|g| g.id == id).expect("exists"))))
    }

    pub fn delete_group(&mut self, plan_id: &str, id: &str) -> bool {
        let plan = self.plan(plan_id);
        let before = plan.groups.len();
        plan.groups.retain(|g| g.id != id);
        for g in plan.groups.iter_mut() {
            g.child_groups.retain(|c| c != id);
        }
        before != plan.groups.len()
    }

    pub fn list_groups(&mut self, plan_id: &str, q: &ListQuery) -> Value {
        let tags = q.list("tags");
        let plan = &self.plans[plan_id];
        let groups: Vec<&Group> = plan
            .groups
            .iter()
            .rev()
            .filter(|g| {
                tags.is_empty()
                    || plan.tags.get(&g.id).is_some_and(|t| t.iter().any(|x| tags.contains(x)))
            })
            .collect();
        paged(groups, q, "groups", |g| group_json(plan, g))
    }

    fn check_name(
        &self,
        plan_id: &str,
        name: Option<String>,
        this: Option<&str>,
    ) -> Res<Option<String>> {
        if let Some(n) = &name {
            if n.chars().count() > limits::MAX_GROUP_NAME_CHARS {
                return Err(ApiError::constraint(format!(
                    "Field 'name' must be at most {} characters",
                    limits::MAX_GROUP_NAME_CHARS
                )));
            }
            if self.plans[plan_id]
                .groups
                .iter()
                .any(|g| g.name.as_ref() == Some(n) && Some(g.id.as_str()) != this)
            {
                return Err(ApiError::forbidden(
                    "conflict_group_name",
                    format!("A group named '{n}' exists"),
                ));
            }
        }
        Ok(name)
    }

    fn check_children(&self, plan_id: &str, children: Vec<String>) -> Res<Vec<String>> {
        if children.len() > limits::MAX_CHILD_GROUPS {
            return Err(ApiError::constraint(format!(
                "Field 'child_groups' may hold at most {} elements",
                limits::MAX_CHILD_GROUPS
            )));
        }
        for c in &children {
            if !self.plans[plan_id].groups.iter().any(|g| &g.id == c) {
                return Err(ApiError::forbidden(
                    "unknown_group",
                    format!("Group '{c}' is unknown"),
                ));
            }
        }
        Ok(children)
    }

    // ----------------------------------------------------------- inbounds

    /// A message from a phone, as the control API injects it. Returns the
    /// inbound's JSON.
    pub fn receive(&mut self, plan_id: &str, body: &Map<String, Value>) -> Res<Value> {
        let now = self.clock.now();
        let f = Fields(body);
        let from = msisdn(&f.required_string("from")?)
            .ok_or_else(|| ApiError::format("Field 'from' must be a phone number"))?;
        let to_raw = f.required_string("to")?;
        let to = msisdn(&to_raw).unwrap_or(to_raw);
        let kind = f.string("type")?.unwrap_or_else(|| "mo_text".into());
        let id = self.new_id();
        let mut json = Map::new();
        json.insert("type".into(), kind.clone().into());
        json.insert("id".into(), id.clone().into());
        json.insert("from".into(), from.clone().into());
        json.insert("to".into(), to.clone().into());
        let text = match kind.as_str() {
            "mo_text" => {
                let text = f.required_string("body")?;
                json.insert("body".into(), text.clone().into());
                Some(text)
            }
            "mo_binary" => {
                json.insert("body".into(), f.required_string("body")?.into());
                put(&mut json, "udh", f.string("udh")?.map(Value::from));
                None
            }
            "mo_media" => {
                let media = f.object("body")?.cloned().unwrap_or_default();
                let text = media.get("message").and_then(Value::as_str).map(str::to_owned);
                json.insert("body".into(), Value::Object(media));
                text
            }
            other => {
                return Err(ApiError::constraint(format!("Unknown inbound type '{other}'")));
            }
        };
        put(&mut json, "operator_id", f.string("operator_id")?.map(Value::from));
        put(&mut json, "sent_at", f.time("sent_at")?.map(time));
        json.insert("received_at".into(), time(now));
        let client_reference = f.string("client_reference")?;
        put(&mut json, "client_reference", client_reference.clone().map(Value::from));
        let plan = self.plan(plan_id);
        if let Some(text) = &text {
            auto_update_groups(plan, &from, &to, text, now);
        }
        plan.inbound_ids.insert(id.clone(), plan.inbounds.len());
        plan.inbounds.push(Inbound { json: json.clone(), received_at: now, to, client_reference });
        if let Some(url) = plan.config.inbound_url.clone() {
            self.queue(plan_id, url, &Value::Object(json.clone()));
        }
        Ok(Value::Object(json))
    }

    pub fn get_inbound(&mut self, plan_id: &str, id: &str) -> Option<Value> {
        let plan = self.plan(plan_id);
        plan.inbound_ids.get(id).map(|&i| Value::Object(plan.inbounds[i].json.clone()))
    }

    pub fn list_inbounds(&mut self, plan_id: &str, q: &ListQuery) -> Value {
        let since = q.start_date.unwrap_or_else(|| self.clock.now() - TimeDelta::hours(24));
        let to: Vec<String> =
            q.list("to").iter().map(|t| msisdn(t).unwrap_or_else(|| t.clone())).collect();
        let plan = &self.plans[plan_id];
        let first = plan.inbounds.partition_point(|i| i.received_at < since);
        let inbounds: Vec<&Inbound> = plan.inbounds[first..]
            .iter()
            .rev()
            .filter(|i| q.end_date.is_none_or(|end| i.received_at < end))
            .filter(|i| to.is_empty() || to.contains(&i.to))
            .filter(|i| q.client_reference.is_none() || q.client_reference == i.client_reference)
            .collect();
        paged(inbounds, q, "inbounds", |i| Value::Object(i.json.clone()))
    }

    // --------------------------------------------------------------- tags

    /// The tags of a batch or group; `None` when it does not exist.
    pub fn tags(&mut self, plan_id: &str, owner: &str, change: TagChange) -> Res<Option<Value>> {
        let plan = self.plan(plan_id);
        let tags = if let Some(index) = plan.batch(owner) {
            &mut plan.batches[index].tags
        } else if plan.groups.iter().any(|g| g.id == owner) {
            plan.tags.entry(owner.to_string()).or_default()
        } else {
            return Ok(None);
        };
        match change {
            TagChange::Get => {}
            TagChange::Replace(new) => *tags = new,
            TagChange::Update { add, remove } => {
                for t in add {
                    if !tags.contains(&t) {
                        tags.push(t);
                    }
                }
                tags.retain(|t| !remove.contains(t));
            }
        }
        Ok(Some(json!({"tags": tags})))
    }
}

/// A change to tags.
pub enum TagChange {
    Get,
    Replace(Vec<String>),
    Update { add: Vec<String>, remove: Vec<String> },
}

/// The query string of a listing.
#[derive(Debug, Default)]
pub struct ListQuery {
    pub raw: HashMap<String, String>,
    pub page: usize,
    pub page_size: usize,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub client_reference: Option<String>,
}

impl ListQuery {
    pub fn parse(raw: HashMap<String, String>) -> Res<Self> {
        let int = |key: &str| -> Res<Option<usize>> {
            raw.get(key)
                .map(|v| {
                    v.parse::<usize>().map_err(|_| {
                        ApiError::format(format!("Parameter '{key}' must be a number"))
                    })
                })
                .transpose()
        };
        let date = |key: &str| -> Res<Option<DateTime<Utc>>> {
            raw.get(key)
                .map(|v| {
                    parse_time(v).ok_or_else(|| {
                        ApiError::format(format!("Parameter '{key}' must be ISO-8601"))
                    })
                })
                .transpose()
        };
        let page_size = int("page_size")?.unwrap_or(30);
        if page_size == 0 || page_size > limits::MAX_PAGE_SIZE {
            return Err(ApiError::constraint(format!(
                "Parameter 'page_size' must be between 1 and {}",
                limits::MAX_PAGE_SIZE
            )));
        }
        Ok(ListQuery {
            page: int("page")?.unwrap_or(0),
            page_size,
            start_date: date("start_date")?,
            end_date: date("end_date")?,
            client_reference: raw.get("client_reference").cloned(),
            raw,
        })
    }

    fn get(&self, key: &str) -> Option<String> {
        self.raw.get(key).cloned()
    }

    /// A comma-separated list parameter.
    fn list(&self, key: &str) -> Vec<String> {
        self.raw
            .get(key)
            .map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default()
    }

    fn codes(&self) -> Res<Vec<i64>> {
        self.list("code")
            .iter()
            .map(|c| c.parse().map_err(|_| ApiError::format(format!("Code '{c}' is not a number"))))
            .collect()
    }
}

fn paged<T>(items: Vec<T>, q: &ListQuery, key: &str, to_json: impl Fn(T) -> Value) -> Value {
    let count = items.len();
    let page: Vec<Value> =
        // A page past the end (however large its number) is empty.
        items.into_iter().skip(q.page.saturating_mul(q.page_size)).take(q.page_size).map(to_json).collect();
    json!({"page": q.page, "page_size": page.len(), "count": count, key: page})
}

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

fn auto_update(value: Option<&Map<String, Value>>) -> Res<Option<Value>> {
    let Some(map) = value else { return Ok(None) };
    let f = Fields(map);
    let to = f.required_string("to")?;
    let mut out = json!({"to": msisdn(&to).unwrap_or(to)});
    for side in ["add", "remove"] {
        if let Some(words) = f.object(side)? {
            let w = Fields(words);
            let mut pair = json!({"first_word": w.required_string("first_word")?});
            if let Some(second) = w.string("second_word")? {
                pair["second_word"] = second.into();
            }
            for word in pair.as_object().expect("built above").values() {
                let word = word.as_str().unwrap_or("");
                if word.is_empty()
                    || word.chars().count() > limits::MAX_KEYWORD_CHARS
                    || word.contains(char::is_whitespace)
                {
                    return Err(ApiError::constraint(format!(
                        "Auto update keywords must be one word of at most {} characters",
                        limits::MAX_KEYWORD_CHARS
                    )));
                }
            }
            out[side] = pair;
        }
    }
    Ok(Some(out))
}

/// Apply the auto update keywords of every group listening on `to`.
fn auto_update_groups(plan: &mut Plan, from: &str, to: &str, text: &str, now: DateTime<Utc>) {
    let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    let matches = |pair: &Value| -> bool {
        let first = pair["first_word"].as_str().map(str::to_lowercase);
        let second = pair["second_word"].as_str().map(str::to_lowercase);
        words.first() == first.as_ref() && (second.is_none() || words.get(1) == second.as_ref())
    };
    for g in plan.groups.iter_mut() {
        let Some(auto) = &g.auto_update else { continue };
        if auto["to"].as_str() != Some(to) {
            continue;
        }
        if auto.get("add").is_some_and(&matches) && !g.members.iter().any(|m| m == from) {
            g.members.push(from.to_string());
            g.modified_at = now;
        } else if auto.get("remove").is_some_and(&matches) {
            g.members.retain(|m| m != from);
            g.modified_at = now;
        }
    }
}

fn group_members(plan: &Plan, id: &str, seen: &mut BTreeSet<String>) -> Vec<String> {
    if !seen.insert(id.to_string()) {
        return Vec::new();
    }
    let Some(g) = plan.groups.iter().find(|g| g.id == id) else {
        return Vec::new();
    };
    let mut out = g.members.clone();
    for c in &g.child_groups {
        for m in group_members(plan, c, seen) {
            if !out.contains(&m) {
                out.push(m);
            }
        }
    }
    out
}

fn group_json(plan: &Plan, g: &Group) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), g.id.clone().into());
    put(&mut out, "name", g.name.clone().map(Value::from));
    out.insert("size".into(), group_members(plan, &g.id, &mut BTreeSet::new()).len().into());
    out.insert("created_at".into(), time(g.created_at));
    out.insert("modified_at".into(), time(g.modified_at));
    // XMS always sends the list, empty or not (the CLX SDK needs it).
    out.insert("child_groups".into(), g.child_groups.clone().into());
    put(&mut out, "auto_update", g.auto_update.clone());
    // Legacy CLX tags, when the group has some.
    if let Some(tags) = plan.tags.get(&g.id).filter(|t| !t.is_empty()) {
        out.insert("tags".into(), tags.clone().into());
    }
    Value::Object(out)
}

/// The text a batch's messages are rendered from.
fn template(fields: &BatchFields) -> &str {
    match &fields.body {
        Body::Text(t) => t,
        Body::Binary { body, .. } => body,
        Body::Media { message, .. } => message.as_deref().unwrap_or_default(),
    }
}

/// One recipient's message, rendered: parameters filled in, parts counted,
/// and its first status (or an immediate failure).
fn render(fields: &BatchFields, recipient: &str, at: DateTime<Utc>) -> Message {
    let template = template(fields);
    let mut unmatched = false;
    // The text with its parameters filled in, when it has placeholders.
    let mut rendered = None;
    if !matches!(fields.body, Body::Binary { .. }) && template.contains("${") {
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
        Body::Text(_) => {
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
    }
}

/// When a batch expires: its `expire_at`, or 3 days after it is sent.
fn expiry(b: &Batch) -> DateTime<Utc> {
    let f = &b.fields;
    f.expire_at.unwrap_or_else(|| {
        f.send_at
            .unwrap_or(b.created_at)
            .checked_add_signed(TimeDelta::days(limits::MAX_EXPIRY_DAYS))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    })
}

fn batch_json(b: &Batch) -> Value {
    let f = &b.fields;
    let mut out = Map::new();
    out.insert("id".into(), b.id.clone().into());
    // Legacy CLX tags, when the batch has some.
    if !b.tags.is_empty() {
        out.insert("tags".into(), b.tags.clone().into());
    }
    out.insert("type".into(), f.kind.wire().into());
    put(&mut out, "from", f.from.clone().map(Value::from));
    out.insert("to".into(), f.to.clone().into());
    match &f.body {
        Body::Text(t) => {
            out.insert("body".into(), t.clone().into());
        }
        Body::Binary { body, udh } => {
            out.insert("body".into(), body.clone().into());
            out.insert("udh".into(), udh.clone().into());
        }
        Body::Media { url, message, subject } => {
            let mut m = Map::new();
            m.insert("url".into(), url.clone().into());
            put(&mut m, "message", message.clone().map(Value::from));
            put(&mut m, "subject", subject.clone().map(Value::from));
            out.insert("body".into(), Value::Object(m));
        }
    }
    put(&mut out, "parameters", f.parameters.clone().map(Value::Object));
    out.insert("canceled".into(), b.canceled.into());
    out.insert("created_at".into(), time(b.created_at));
    out.insert("modified_at".into(), time(b.modified_at));
    out.insert("delivery_report".into(), f.delivery_report.into());
    put(&mut out, "send_at", f.send_at.map(time));
    out.insert("expire_at".into(), time(expiry(b)));
    put(&mut out, "callback_url", f.callback_url.clone().map(Value::from));
    put(&mut out, "client_reference", f.client_reference.clone().map(Value::from));
    out.insert("feedback_enabled".into(), f.feedback_enabled.into());
    if f.kind == Kind::Media {
        put(&mut out, "strict_validation", f.strict_validation.map(Value::from));
    } else {
        out.insert("flash_message".into(), f.flash_message.into());
        put(&mut out, "truncate_concat", f.truncate_concat.map(Value::from));
        put(&mut out, "max_number_of_message_parts", f.max_parts.map(Value::from));
        put(&mut out, "from_ton", f.from_ton.map(Value::from));
        put(&mut out, "from_npi", f.from_npi.map(Value::from));
    }
    Value::Object(out)
}

/// The batch as a send request, for applying an update to it.
fn request_json(f: &BatchFields) -> Map<String, Value> {
    let stored = Batch {
        id: String::new(),
        created_at: Utc::now(),
        modified_at: Utc::now(),
        canceled: false,
        fields: f.clone(),
        dispatched: false,
        messages: Vec::new(),
        report_sent: false,
        feedback: Vec::new(),
        tags: Vec::new(),
    };
    let Value::Object(mut map) = batch_json(&stored) else {
        unreachable!("batch_json builds an object")
    };
    for key in ["id", "canceled", "created_at", "modified_at"] {
        map.remove(key);
    }
    if f.expire_at.is_none() {
        map.remove("expire_at");
    }
    map
}

fn batch_report(b: &Batch, full: bool, statuses: &[String], codes: &[i64]) -> Value {
    let mut groups: BTreeMap<(i64, &str), Vec<&str>> = BTreeMap::new();
    for m in &b.messages {
        if (statuses.is_empty() || statuses.iter().any(|s| s == m.status))
            && (codes.is_empty() || codes.contains(&m.code))
        {
            groups.entry((m.code, m.status)).or_default().push(&m.recipient);
        }
    }
    let statuses: Vec<Value> = groups
        .into_iter()
        .map(|((code, status), recipients)| {
            let mut s = json!({"code": code, "status": status, "count": recipients.len()});
            if full {
                s["recipients"] = recipients.into();
            }
            s
        })
        .collect();
    let mut out = json!({
        "type": format!("delivery_report_{}", b.fields.kind.channel()),
        "batch_id": b.id,
        "total_message_count": b.messages.len(),
        "statuses": statuses,
    });
    if let Some(r) = &b.fields.client_reference {
        out["client_reference"] = r.clone().into();
    }
    out
}

fn recipient_report(b: &Batch, m: &Message) -> Value {
    let mut out = Map::new();
    out.insert(
        "type".into(),
        format!("recipient_delivery_report_{}", b.fields.kind.channel()).into(),
    );
    out.insert("batch_id".into(), b.id.clone().into());
    out.insert("recipient".into(), m.recipient.clone().into());
    out.insert("code".into(), m.code.into());
    out.insert("status".into(), m.status.into());
    out.insert("at".into(), time(m.at));
    put(&mut out, "operator_status_at", m.operator_status_at.map(time));
    put(&mut out, "client_reference", b.fields.client_reference.clone().map(Value::from));
    if b.fields.max_parts.is_some() {
        out.insert("number_of_message_parts".into(), m.parts.into());
    }
    Value::Object(out)
}
