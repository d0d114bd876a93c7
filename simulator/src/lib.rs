//! **xms-simulator**: a stateful local XMS server.
//!
//! It answers every operation of the XMS SMS REST API the way the real one
//! does, on the wire and in its semantics, from memory: batches are
//! dispatched, expanded from groups and personalised, their messages move
//! through Queued, Dispatched and a final status on a simulated clock, and
//! delivery reports and inbound messages are posted to callback URLs, signed
//! when a secret is set and retried when the receiver fails. Run it to try an
//! app without an account, to test against something real, or as the
//! oracle of the `xms` SDK's own tests. It shares no code with the SDK but
//! the GSM-7/UCS-2 part counting.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = xms_simulator::Simulator::start(); // 127.0.0.1, a free port, manual clock
//! let sent = reqwest::Client::new()
//!     .post(format!("{}/xms/v1/{}/batches", sim.url(), sim.service_plan_id()))
//!     .bearer_auth(sim.api_token())
//!     .header("content-type", "application/json")
//!     .body(r#"{"from": "12345", "to": ["46701234567"], "body": "Hello"}"#)
//!     .send()
//!     .await?;
//! assert_eq!(sent.status(), 201);
//! sim.advance(std::time::Duration::from_secs(3)).await; // Queued, Dispatched, Delivered
//! assert_eq!(sim.outbox()[0]["status"], "Delivered");
//! # Ok(()) }
//! ```
//!
//! With the `xms` SDK, point a client at it:
//! `xms::Client::builder().service_plan(sim.service_plan_id(), sim.api_token()).endpoint(sim.url())`.
//!
//! # Behaviour
//!
//! - **Routes**: exactly the operations of the XMS spec ([`operations`]);
//!   unknown paths are 404, other methods of a path 405 with `Allow` (HEAD
//!   is answered as GET), a POST or PUT body that is not
//!   `application/json` 415.
//! - **Authentication**: `Authorization: Bearer <token>` with the API token
//!   of the service plan in the path, else 401. A project
//!   ([`SimulatorBuilder::project`]) takes OAuth2 access tokens instead:
//!   `POST /oauth2/token` with its key id and secret (Basic auth or form
//!   fields, `grant_type=client_credentials`, a form body) answers
//!   `{"access_token", "expires_in", "scope", "token_type": "bearer"}`; an
//!   expired token gets 401 with `WWW-Authenticate: Bearer
//!   error="invalid_token", error_description="The access token expired"`.
//! - **Rate limits**: a plan with a rate limit answers the requests beyond
//!   it with 429 and `Retry-After` (a bucket of one second's requests). The
//!   token endpoint can be limited the same way
//!   ([`SimulatorBuilder::token_rate_limit`]).
//! - **Validation** with XMS's codes: `syntax_invalid_json` (not JSON, wrong
//!   types), `syntax_invalid_parameter_format` (bad phone numbers, times,
//!   URLs, base64, hex), `syntax_constraint_violation` (missing fields,
//!   limits) as 400; `unknown_group`, `missing_callback_url`,
//!   `batch_already_dispatched`, `conflict_group_name` as 403.
//! - **Ids** are 26 characters of Crockford base32, ordered by creation.
//! - **Dispatch** happens at `send_at` (or at once). With a plan throughput,
//!   messages leave (Dispatched) at that many per second, parts counted,
//!   batch after batch in the order they fell due. Group ids among the
//!   recipients are expanded then. `${key}` placeholders are filled per
//!   recipient, with `default` for the others; a placeholder without a value
//!   fails that recipient with code 405. Parts are counted as GSM-7 (160 in
//!   one, 153 per part) or UCS-2 (70 and 67); more than
//!   `max_number_of_message_parts` fails the recipient with 411.
//! - **Lifecycle**: Queued (400) at dispatch, Dispatched (401) one second
//!   later, the final status two seconds after that. The last three digits of
//!   the recipient decide it:
//!
//!   | number ends in | final status | code |
//!   |---|---|---|
//!   | `991` | Failed | 5 |
//!   | `992` | Rejected | 8 |
//!   | `993` | Expired | 3 |
//!   | `994` | stays Queued | 400 |
//!   | `995` | stays Dispatched | 401 |
//!   | anything else | Delivered | 0 |
//!
//! - **Expiry**: at `expire_at` (3 days after sending by default), messages
//!   not final become Expired: code 406 (internal expiry) when still Queued,
//!   3 when Dispatched.
//! - **Cancel** before dispatch leaves an empty report; after, Queued
//!   messages end Aborted (407) and the others go on. Update and replace are
//!   refused with 403 `batch_already_dispatched` once dispatched. Delivery
//!   feedback is accepted (202) only for batches sent with
//!   `feedback_enabled`.
//! - **Listings** count pages from 0, report `count`, give `page_size` as the
//!   number of items on the page, default `start_date` to 24 hours ago (in
//!   simulated time), and list newest first.
//! - **Callbacks**: as the batch's `delivery_report` asks (summary and full
//!   once all messages are final; per_recipient on every change;
//!   per_recipient_final on final ones), to its `callback_url` or the plan's;
//!   inbound messages to the plan's inbound URL. Signed with the plan's
//!   secret (`x-sinch-webhook-signature*`, HMAC-SHA256, real time). A 5xx,
//!   429 or refused connection is retried 5 s later, then 10, 20, ... up to
//!   81,920 s, on the simulated clock; other 4xx are not retried.
//! - **Auto update**: an injected inbound message whose words match a group's
//!   keywords, sent to its number, adds or removes the sender.
//!
//! # Control API
//!
//! Under `/_sim`, which XMS does not use (see [Safe by
//! default](#safe-by-default) for who may call it):
//!
//! | request | does |
//! |---|---|
//! | `GET /_sim/clock` | the simulated time and clock mode |
//! | `POST /_sim/clock/advance` `{"seconds": 5}` | move time on, delivering what falls due |
//! | `POST /_sim/clock/mode` `{"mode": "realtime", "speed": 10}` or `{"mode": "manual"}` | change how time moves |
//! | `POST /_sim/inbounds` `{"from", "to", "body", "type"?, "service_plan_id"?}` | a phone sends a message |
//! | `GET /_sim/outbox` | every message sent, rendered, with its parts and status |
//! | `GET /_sim/callbacks` | every callback, its attempts and outcome |
//! | `POST /_sim/faults` `{"count", "status"?, "body"?, "delay_ms"?, "drop"?, "processed"?, "endpoint"?}` | the next requests fail so (`"processed": true`: after being handled, so the answer is lost; `"endpoint": "token"` for the token endpoint) |
//! | `DELETE /_sim/faults` | forget every queued fault |
//! | `POST /_sim/oauth/expire` | expire every access token issued so far |
//! | `POST /_sim/reset` | forget everything but the service plans |
//! | `POST /_sim/service_plans` `{"service_plan_id", "api_token"?, "key_id"?, "key_secret"?, "callback_url"?, "inbound_url"?, "signing_secret"?, "throughput"?, "rate_limit"?}` | add a plan, or change the given settings of one (`null` unsets) |
//! | `GET /_sim/service_plans` | every plan with its credentials and how much it holds |
//! | `GET /_sim/faults` | the queued faults |
//! | `GET /_sim/events` | a server-sent event stream of what happens (`batch_created`, `batch_changed`, `batch_canceled`, `status_changed`, `callback_attempted`, `inbound_received`, `clock`, `reset`, ...), each with an id: reconnect with `Last-Event-ID` (or `?after=ID`; `?after=0` replays the buffer of the last [`EVENT_BUFFER`]) and get what was missed, or a `gap` event when it is gone; `?plan=ID` for one plan |
//! | `GET /_sim/wait?to=NUMBER&match=REGEX&timeout=30s` | answers as soon as a message to `to` whose text matches exists (`plan`, `since` narrow it), with the match and its groups (`captures`, `named`), or 408 at the timeout (at most 600 s): [`Simulator::wait_for`] from Rust, `xms sim wait` from a shell |
//! | `GET /_sim/messages?plan&to&from&status&batch&reference&text&page&page_size` | the outbox, newest first, filtered and paged (the UI's) |
//! | `GET /_sim/messages/{plan}/{batch_id}/{index}` | one message: its text, parts, parameters applied, status timeline and callbacks |
//! | `GET /_sim/phones?plan`, `GET /_sim/phones/{number}?plan` | the phones, and one phone's conversation |
//! | `POST /_sim/callbacks/{id}/resend` | send a callback again now |
//!
//! The work of a request does not depend on how much is stored: ids are
//! found through maps and what falls due waits in a time-ordered agenda
//! (see the `load` benchmark).
//!
//! # The developer's desk
//!
//! With [`SimulatorBuilder::ui`] (`xms-simulator --ui`, or `xms dev` of the
//! `xms` command line) the simulator serves a web UI at `/`: the outbox
//! live, each message with its parts, parameters, timeline and callbacks
//! (sent again with a click), one conversation per phone with a box to
//! answer as it, and the controls (clock, faults, reset, plans). Each plan
//! is a mailbox of its own. It is plain HTML, CSS and JavaScript embedded
//! in the binary, under a content security policy that allows only its own
//! script, and it puts every value on the page as text.
//!
//! [`SimulatorBuilder::state_file`] keeps the state across restarts;
//! [`SimulatorBuilder::retention`] drops the oldest finished batches and
//! inbound messages beyond a count or an age.
//!
//! # Safe by default
//!
//! The simulator binds to loopback unless asked. `/` and everything under
//! `/_sim` answer only requests whose `Host` names this machine (a page of
//! another site whose name is rebound to 127.0.0.1 is refused), and a
//! request that changes anything must come from the same origin when the
//! browser says where it comes from. Off loopback the command line
//! requires credentials ([`SimulatorBuilder::control_credentials`]), which
//! `/` and `/_sim` then ask for. The XMS API itself is guarded by its own
//! tokens, as XMS's is.

use xms_encoding as encoding;

mod clock;
mod http;
mod json;
pub mod limits;
mod store;

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

pub use clock::ClockMode;
pub use http::operations;
pub use http::{DeskOptions, MAX_WAIT};
use serde_json::Value;
pub use store::{Answer, EVENT_BUFFER, Fault, MAX_RECORDED_ANSWERS, PlanConfig, Retention};

use crate::http::Shared;

mod builder;
#[cfg(feature = "cli")]
pub mod cli;

pub use builder::SimulatorBuilder;

/// The service plan id a simulator has when none is given.
pub const DEFAULT_SERVICE_PLAN_ID: &str = "sim-plan";
/// The API token of that plan.
pub const DEFAULT_API_TOKEN: &str = "sim-token";

/// A running simulator; stops when dropped.
pub struct Simulator {
    url: String,
    state_file: Option<PathBuf>,
    plans: Vec<PlanConfig>,
    shared: Arc<Shared>,
    handle: tokio::runtime::Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("url", &self.url)
            .field("service_plan_id", &self.service_plan_id())
            .finish()
    }
}

impl Simulator {
    /// A simulator with one service plan ([`DEFAULT_SERVICE_PLAN_ID`],
    /// [`DEFAULT_API_TOKEN`]) on a free port of 127.0.0.1, manual clock.
    pub fn start() -> Simulator {
        Simulator::builder().start()
    }

    /// Settings for a simulator.
    pub fn builder() -> SimulatorBuilder {
        SimulatorBuilder::default()
    }

    /// The base URL to give an XMS client as its endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The first service plan's id.
    pub fn service_plan_id(&self) -> &str {
        &self.plans[0].id
    }

    /// The first service plan's API token.
    pub fn api_token(&self) -> &str {
        &self.plans[0].token
    }

    /// Run a future on the simulator's runtime and wait for it from any
    /// context (a thread of another runtime included).
    async fn on_runtime<T: Send + 'static>(
        &self,
        f: impl std::future::Future<Output = T> + Send + 'static,
    ) -> T {
        self.handle.spawn(f).await.expect("the simulator's task")
    }

    /// Move simulated time on, delivering the callbacks that fall due, and
    /// return when they are delivered.
    pub async fn advance(&self, by: Duration) {
        let shared = self.shared.clone();
        self.on_runtime(async move { http::advance_by(&shared, by).await }).await;
    }

    /// Wait until every callback that is due has been delivered.
    pub async fn settle(&self) {
        let shared = self.shared.clone();
        self.on_runtime(async move { shared.settle().await }).await;
    }

    /// A phone sends a message to the first service plan: `{"from", "to",
    /// "body"}` (and optionally `"type"`, `"udh"`, `"operator_id"`,
    /// `"sent_at"`, `"client_reference"`). Returns the inbound message.
    pub async fn inject_inbound(&self, message: Value) -> Result<Value, String> {
        let shared = self.shared.clone();
        let plan = self.service_plan_id().to_string();
        self.on_runtime(async move {
            let result = match &message {
                Value::Object(map) => shared.lock().receive(&plan, map).map_err(|e| e.text),
                _ => Err("the message must be a JSON object".to_string()),
            };
            shared.settle().await;
            result
        })
        .await
    }

    /// Every message sent so far, rendered, with parts, encoding and status.
    pub fn outbox(&self) -> Value {
        self.shared.lock().outbox(None)
    }

    /// The OAuth2 token endpoint of the simulator's projects.
    pub fn token_url(&self) -> String {
        format!("{}/oauth2/token", self.url)
    }

    /// Expire every access token issued so far: the next request with one
    /// gets 401 with `WWW-Authenticate: Bearer error="invalid_token",
    /// error_description="The access token expired"`.
    pub fn expire_tokens(&self) {
        self.shared.lock().expire_tokens();
    }

    /// How many access tokens the token endpoint has issued.
    pub fn tokens_issued(&self) -> usize {
        self.shared.lock().tokens_issued
    }

    /// A plan's settings, tokens included.
    pub fn plan_config(&self, id: &str) -> Option<PlanConfig> {
        self.shared.lock().plan_config(id).cloned()
    }

    /// Add a plan or change one (by id): its throughput and rate limit
    /// apply from the next request.
    ///
    /// ```
    /// let sim = xms_simulator::Simulator::start();
    /// let mut plan = sim.plan_config(sim.service_plan_id()).unwrap();
    /// plan.throughput = Some(100.0);
    /// sim.upsert_plan(plan);
    /// ```
    pub fn upsert_plan(&self, config: PlanConfig) {
        self.shared.lock().upsert_plan(config);
    }

    /// The answers given to XMS requests so far, oldest first, when
    /// [`SimulatorBuilder::record_answers`] asked for them (else none).
    pub fn answers(&self) -> Vec<Answer> {
        self.shared.lock().answers()
    }

    /// How many callbacks were delivered, and how many are still waiting.
    pub fn callback_counts(&self) -> (usize, usize) {
        let state = self.shared.lock();
        let delivered = state.deliveries.iter().filter(|d| d.delivered).count();
        let waiting =
            state.deliveries.iter().filter(|d| !d.delivered && d.next_at.is_some()).count();
        (delivered, waiting)
    }

    /// Make the next XMS requests fail: `count` times this fault.
    pub fn fail_next(&self, count: usize, fault: Fault) {
        let mut state = self.shared.lock();
        for _ in 0..count {
            state.faults.push_back(fault.clone());
        }
    }

    /// Make the next requests to the token endpoint fail: `count` times
    /// this fault.
    pub fn fail_next_token(&self, count: usize, fault: Fault) {
        let mut state = self.shared.lock();
        for _ in 0..count {
            state.token_faults.push_back(fault.clone());
        }
    }

    /// Change how simulated time moves.
    pub fn set_clock(&self, mode: ClockMode) {
        self.shared.lock().clock.set_mode(mode);
    }

    /// Forget every batch, group, inbound message, fault and callback.
    pub fn reset(&self) {
        self.shared.lock().reset();
    }

    /// Wait until a message to `to` (any recipient when `None`) whose text
    /// matches `pattern` (any text when `None`) exists, at most `timeout`
    /// (capped at ten minutes): the one-time-code case. The newest match
    /// already sent counts.
    ///
    /// ```
    /// # async fn demo() -> Result<(), String> {
    /// let sim = xms_simulator::Simulator::start();
    /// // ... the app under test sends "Your code is 123456" to +46701234567 ...
    /// let found = sim
    ///     .wait_for(Some("+46701234567"), Some(r"code is (\d{6})"), std::time::Duration::from_secs(5))
    ///     .await?;
    /// println!("the code: {}", found.captures[0].as_deref().unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn wait_for(
        &self,
        to: Option<&str>,
        pattern: Option<&str>,
        timeout: Duration,
    ) -> Result<Found, String> {
        let pattern = pattern.map(http::pattern).transpose()?;
        let to = to.map(|t| json::msisdn(t).unwrap_or_else(|| t.to_string()));
        let query = store::WaitQuery { plan: None, to, pattern, since: None };
        let shared = self.shared.clone();
        let found =
            self.on_runtime(async move { http::wait(&shared, &query, timeout).await }).await;
        match found {
            Some(found) => Ok(Found::of(found)),
            None => Err(format!("no matching message within {timeout:?}")),
        }
    }

    /// Save the state to `path` now (as `--state` does on its own).
    pub fn save_state(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        save(&self.shared, path.as_ref())
    }

    /// Drop what `retention` allows now; how many batches and inbound
    /// messages went.
    pub fn enforce_retention(&self, retention: Retention) -> usize {
        self.shared.lock().enforce_retention(retention)
    }
}

/// A message [`Simulator::wait_for`] found.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// The message as the outbox has it (`to`, `from`, `body`, `status`, ...).
    pub message: Value,
    /// The text the pattern matched.
    pub matched: Option<String>,
    /// The pattern's groups, in order (`None` for one that did not take
    /// part).
    pub captures: Vec<Option<String>>,
}

impl Found {
    fn of(value: Value) -> Found {
        Found {
            matched: value["match"].as_str().map(str::to_owned),
            captures: value["captures"]
                .as_array()
                .map(|c| c.iter().map(|g| g.as_str().map(str::to_owned)).collect())
                .unwrap_or_default(),
            message: value["message"].clone(),
        }
    }
}

/// How often (in seconds) a changing state is saved to its file.
const SAVE_EVERY_SECONDS: u64 = 5;

/// Write the state whole or not at all: a temporary file renamed over it.
fn save(shared: &Shared, path: &Path) -> std::io::Result<()> {
    let bytes = shared.lock().save().map_err(std::io::Error::other)?;
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        if let Some(path) = &self.state_file
            && let Err(e) = save(&self.shared, path)
        {
            eprintln!("xms-simulator: could not save the state to {}: {e}", path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A handler that panics while holding the state's lock poisons it; the
    /// simulator takes the lock over and goes on answering.
    #[test]
    fn the_state_survives_a_panic_under_the_lock() {
        let sim = Simulator::start();
        let shared = sim.shared.clone();
        let panicked = std::thread::spawn(move || {
            let _state = shared.lock();
            panic!("a handler fails while holding the lock");
        })
        .join();
        assert!(panicked.is_err());
        assert!(sim.shared.state.is_poisoned());
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let status = runtime.block_on(async {
            reqwest::Client::new()
                .post(format!("{}/xms/v1/{}/batches", sim.url(), sim.service_plan_id()))
                .bearer_auth(sim.api_token())
                .header("content-type", "application/json")
                .body(r#"{"from": "12345", "to": ["46701234567"], "body": "Still here"}"#)
                .send()
                .await
                .map(|r| r.status().as_u16())
        });
        assert_eq!(status.unwrap(), 201);
        assert_eq!(sim.outbox().as_array().unwrap().len(), 1);
    }
}
