//! Sending to any number of recipients: [`BulkSend`], made by
//! [`SendBatch::bulk`](super::SendBatch::bulk).
//!
//! The recipients are read from the caller's iterator as chunks are made,
//! never collected whole; a driver task sends at most `concurrency` chunks
//! at once and hands each outcome to a bounded channel, so a caller who
//! reads slowly slows the sending down instead of piling outcomes up.

use std::{
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::mpsc;

use super::{BatchKind, SendBatch, send::find_by_reference};
use crate::{
    Client, Error, RateLimit, Result, client::AnyClient, limit::Limiter, model::Parameters,
    validate,
};

/// One recipient of a bulk send, with its own parameter values.
///
/// ```
/// use xms::batches::BulkRecipient;
/// let ann = BulkRecipient::new("+46701234567").value("name", "Ann");
/// let plain: BulkRecipient = "+46707654321".into();
/// # let _ = (ann, plain);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkRecipient {
    pub(super) number: String,
    pub(super) values: Vec<(String, String)>,
}

impl BulkRecipient {
    /// A recipient: a phone number (or a group id).
    pub fn new(number: impl Into<String>) -> BulkRecipient {
        BulkRecipient { number: number.into(), values: Vec::new() }
    }

    /// This recipient's value of the `${key}` placeholder.
    pub fn value(mut self, key: impl Into<String>, value: impl Into<String>) -> BulkRecipient {
        self.values.push((key.into(), value.into()));
        self
    }
}

impl From<String> for BulkRecipient {
    fn from(number: String) -> Self {
        BulkRecipient::new(number)
    }
}

impl From<&str> for BulkRecipient {
    fn from(number: &str) -> Self {
        BulkRecipient::new(number)
    }
}

impl From<&String> for BulkRecipient {
    fn from(number: &String) -> Self {
        BulkRecipient::new(number.as_str())
    }
}

/// What a bulk send does after a chunk failed for good.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnFailure {
    /// Go on with the other chunks (the default).
    #[default]
    Continue,
    /// Send no more chunks; those on their way finish.
    Stop,
}

/// How far a bulk send has come, as of one chunk's outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Chunks finished, sent or failed.
    pub chunks: u64,
    /// Recipients in chunks XMS has (sent now, or found from before).
    pub accepted: u64,
    /// Recipients in chunks that failed.
    pub failed: u64,
    /// All recipients, when known ([`BulkSend::total`], or an iterator
    /// that knows its length).
    pub total: Option<u64>,
}

/// How one chunk of a bulk send went.
#[derive(Debug)]
#[non_exhaustive]
pub struct ChunkOutcome<T> {
    /// The chunk's place, from 0, in the order the recipients came.
    pub index: u64,
    /// The chunk's client reference: `{run_id}-{index}`.
    pub client_reference: String,
    /// The chunk's recipients.
    pub recipients: Vec<String>,
    /// The batch, or why the chunk failed for good.
    pub result: Result<T>,
    /// Whether the batch was found by its client reference instead of sent
    /// now: it existed from an earlier run, or from an attempt whose answer
    /// was lost.
    pub found: bool,
    /// The whole send's progress after this chunk.
    pub progress: Progress,
}

/// A send to any number of recipients, in chunks of at most 1000, each a
/// batch with every setting of the builder it was made from. Made by
/// [`SendBatch::bulk`]; run with [`BulkSend::stream`] (async) or
/// [`BulkSend::iter`] (blocking).
///
/// **Never lost, never doubled.** Each chunk's client reference is
/// `{run_id}-{index}`. After a failure that may have been processed (a
/// timeout, a broken connection, a 5xx) the chunk is looked up by that
/// reference before it is sent again. With a [`run_id`](BulkSend::run_id)
/// of yours, every chunk is looked up before it is sent, so running the same
/// send again with the same run id (after a crash, say) sends only the
/// chunks that are not there yet.
#[must_use = "nothing is sent until the stream or iterator is read"]
pub struct BulkSend<K: BatchKind, H: AnyClient = Client> {
    template: SendBatch<K, H>,
    recipients: Box<dyn Iterator<Item = BulkRecipient> + Send>,
    chunk_size: usize,
    concurrency: usize,
    run_id: Option<String>,
    on_failure: OnFailure,
    rate_limit: Option<RateLimit>,
    total: Option<u64>,
    lookup_since: Option<DateTime<Utc>>,
}

impl<K: BatchKind, H: AnyClient> std::fmt::Debug for BulkSend<K, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkSend")
            .field("chunk_size", &self.chunk_size)
            .field("concurrency", &self.concurrency)
            .field("run_id", &self.run_id)
            .field("on_failure", &self.on_failure)
            .field("rate_limit", &self.rate_limit)
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

impl<K: BatchKind, H: AnyClient> SendBatch<K, H> {
    /// Send this batch to `recipients` (after the builder's own) in chunks:
    /// any number of them, read as they are needed. Each recipient may carry
    /// its own parameter values; each chunk carries only its recipients'
    /// values and the builder's defaults.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// use xms::batches::BulkRecipient;
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// let customers = (0..250_000).map(|i| {
    ///     BulkRecipient::new(format!("+4670{i:07}")).value("id", i.to_string())
    /// });
    /// let mut outcomes = client.batches()
    ///     .text("12345", Vec::<String>::new(), "Your customer id is ${id}")
    ///     .bulk(customers)
    ///     .run_id("newsletter-2026-12")
    ///     .stream();
    /// while let Some(chunk) = outcomes.next().await {
    ///     let p = chunk.progress;
    ///     println!("{} of {:?} accepted, {} failed", p.accepted, p.total, p.failed);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn bulk<I>(mut self, recipients: I) -> BulkSend<K, H>
    where
        I: IntoIterator,
        I::Item: Into<BulkRecipient> + 'static,
        I::IntoIter: Send + 'static,
    {
        let own: Vec<BulkRecipient> = self.take_recipients().into_iter().map(Into::into).collect();
        let rest = recipients.into_iter().map(Into::into);
        let total = match rest.size_hint() {
            (low, Some(high)) if low == high => Some((own.len() + low) as u64),
            _ => None,
        };
        BulkSend {
            template: self,
            recipients: Box::new(own.into_iter().chain(rest)),
            chunk_size: validate::MAX_RECIPIENTS,
            concurrency: 4,
            run_id: None,
            on_failure: OnFailure::Continue,
            rate_limit: None,
            total,
            lookup_since: None,
        }
    }
}

/// How many times a chunk is sent at most.
const CHUNK_ATTEMPTS: u32 = 3;
/// How far back chunks are looked up by default.
const LOOKUP_DAYS: i64 = 7;

impl<K: BatchKind, H: AnyClient> BulkSend<K, H> {
    /// Recipients per batch: 1 to 1000 (the API's most; the default).
    pub fn chunk_size(mut self, size: usize) -> Self {
        self.chunk_size = size;
        self
    }

    /// How many chunks are on their way at once (4 by default, at least 1).
    pub fn concurrency(mut self, chunks: usize) -> Self {
        self.concurrency = chunks;
        self
    }

    /// The run's id, which names its chunks' client references
    /// (`{run_id}-{index}`). Given, every chunk is looked up before it is
    /// sent, so the same send run again sends only what is missing. Not
    /// given, a fresh id is made and chunks are looked up only after an
    /// ambiguous failure.
    pub fn run_id(mut self, id: impl Into<String>) -> Self {
        self.run_id = Some(id.into());
        self
    }

    /// Go on or stop after a chunk fails for good.
    pub fn on_failure(mut self, policy: OnFailure) -> Self {
        self.on_failure = policy;
        self
    }

    /// Pace this send (on top of the client's own limits).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// How many recipients there are in all, for [`Progress::total`], when
    /// the iterator cannot say.
    pub fn total(mut self, recipients: u64) -> Self {
        self.total = Some(recipients);
        self
    }

    /// Look chunks up among the batches created since this time (7 days
    /// back by default).
    pub fn lookup_since(mut self, at: DateTime<Utc>) -> Self {
        self.lookup_since = Some(at);
        self
    }

    /// The settings, checked, and the run's plan.
    fn plan(self) -> Result<Plan<K>> {
        validate::range(
            "chunk_size",
            self.chunk_size as i64,
            validate::MIN_RECIPIENTS as i64,
            validate::MAX_RECIPIENTS as i64,
        )?;
        validate::range("concurrency", self.concurrency as i64, 1, 1024)?;
        if let Some(limit) = &self.rate_limit {
            limit.check()?;
        }
        let explicit = self.run_id.is_some();
        let run_id = self.run_id.unwrap_or_else(fresh_run_id);
        validate::non_empty("run_id", &run_id)?;
        validate::max_chars(
            "run_id",
            &run_id,
            validate::MAX_CLIENT_REFERENCE_CHARS.saturating_sub(21),
        )?;
        let limiter = self.rate_limit.filter(|l| !l.is_none()).map(|l| Arc::new(Limiter::new(&l)));
        let client = self.template.client().client().clone();
        let mut template = self.template;
        Ok(Plan {
            parameters: template.take_parameters(),
            template: template.with_client(client),
            recipients: self.recipients,
            chunk_size: self.chunk_size,
            concurrency: self.concurrency,
            run_id,
            explicit,
            on_failure: self.on_failure,
            limiter,
            total: self.total,
            since: self.lookup_since.unwrap_or_else(|| Utc::now() - TimeDelta::days(LOOKUP_DAYS)),
        })
    }

    /// Start the driver on the current runtime; its outcomes come through
    /// the receiver. Invalid settings come as one failed outcome.
    fn start(self) -> mpsc::Receiver<ChunkOutcome<K::Output>> {
        match self.plan() {
            Ok(plan) => {
                let (tx, rx) = mpsc::channel(plan.concurrency);
                tokio::spawn(drive(plan, tx));
                rx
            }
            Err(e) => {
                let (tx, rx) = mpsc::channel(1);
                let _ = tx.try_send(ChunkOutcome {
                    index: 0,
                    client_reference: String::new(),
                    recipients: Vec::new(),
                    result: Err(e),
                    found: false,
                    progress: Progress::default(),
                });
                rx
            }
        }
    }
}

impl<K: BatchKind> BulkSend<K, Client> {
    /// Run the send: a stream of each chunk's outcome, as chunks finish.
    /// Sending starts when the stream is first polled and stops when it is
    /// dropped. Invalid settings end it after one failed outcome.
    pub fn stream(self) -> BulkStream<K::Output> {
        let start: Box<dyn FnOnce() -> mpsc::Receiver<ChunkOutcome<K::Output>> + Send> =
            Box::new(move || self.start());
        BulkStream { start: Some(start), outcomes: None }
    }
}

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
impl<K: BatchKind> BulkSend<K, crate::blocking::Client> {
    /// Run the send: an iterator of each chunk's outcome, as chunks finish
    /// (they are sent on the blocking client's runtime meanwhile). Dropping
    /// it stops the sending.
    ///
    /// ```no_run
    /// let client = xms::blocking::Client::new("SERVICE_PLAN_ID", "API_TOKEN");
    /// let numbers = ["+46701234567", "+46707654321"];
    /// let send = client.batches().text("12345", numbers, "Hi").bulk(Vec::<String>::new());
    /// for chunk in send.iter() {
    ///     println!("chunk {}: {:?}", chunk.index, chunk.result.map(|b| b.id));
    /// }
    /// ```
    pub fn iter(self) -> BulkIter<K::Output> {
        let outcomes = crate::blocking::block_on(async move { Ok(self.start()) });
        BulkIter { outcomes: outcomes.ok() }
    }
}

/// The outcomes of a bulk send, as chunks finish: [`BulkSend::stream`].
#[must_use = "nothing is sent until the stream is polled"]
pub struct BulkStream<T> {
    start: Option<Box<dyn FnOnce() -> mpsc::Receiver<ChunkOutcome<T>> + Send>>,
    outcomes: Option<mpsc::Receiver<ChunkOutcome<T>>>,
}

impl<T> std::fmt::Debug for BulkStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkStream").field("started", &self.outcomes.is_some()).finish()
    }
}

impl<T> futures_core::Stream for BulkStream<T> {
    type Item = ChunkOutcome<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(start) = self.start.take() {
            self.outcomes = Some(start());
        }
        match &mut self.outcomes {
            Some(outcomes) => outcomes.poll_recv(cx),
            None => Poll::Ready(None),
        }
    }
}

/// The outcomes of a bulk send on the blocking client: [`BulkSend::iter`].
#[cfg(feature = "blocking")]
#[derive(Debug)]
pub struct BulkIter<T> {
    outcomes: Option<mpsc::Receiver<ChunkOutcome<T>>>,
}

#[cfg(feature = "blocking")]
impl<T> Iterator for BulkIter<T> {
    type Item = ChunkOutcome<T>;

    fn next(&mut self) -> Option<Self::Item> {
        let outcomes = self.outcomes.as_mut()?;
        crate::blocking::block_on(async { Ok(outcomes.recv().await) }).ok().flatten()
    }
}

/// A bulk send, checked, for the driver.
struct Plan<K: BatchKind> {
    /// The builder the chunks are made from, without recipients and
    /// parameters.
    template: SendBatch<K, Client>,
    /// The builder's parameters: defaults, and any per-recipient values.
    parameters: Parameters,
    recipients: Box<dyn Iterator<Item = BulkRecipient> + Send>,
    chunk_size: usize,
    concurrency: usize,
    run_id: String,
    explicit: bool,
    on_failure: OnFailure,
    limiter: Option<Arc<Limiter>>,
    total: Option<u64>,
    since: DateTime<Utc>,
}

/// A run id: the time and a random part, so two runs never share one.
fn fresh_run_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
    format!("bulk-{}-{:08x}", Utc::now().format("%Y%m%dT%H%M%S"), random as u32)
}

/// Make chunks, send them `concurrency` at a time, and hand on each outcome
/// with the progress so far. Stops when the receiver is gone.
async fn drive<K: BatchKind>(plan: Plan<K>, outcomes: mpsc::Sender<ChunkOutcome<K::Output>>) {
    let Plan { template, parameters, mut recipients, chunk_size, concurrency, run_id, .. } = plan;
    let client = template.client().clone();
    let mut running = tokio::task::JoinSet::new();
    let mut progress = Progress { total: plan.total, ..Progress::default() };
    let (mut index, mut exhausted, mut stopping) = (0u64, false, false);
    loop {
        while !exhausted && !stopping && running.len() < concurrency {
            let chunk: Vec<BulkRecipient> = recipients.by_ref().take(chunk_size).collect();
            if chunk.is_empty() {
                exhausted = true;
                break;
            }
            let reference = format!("{run_id}-{index}");
            let recipients = chunk.iter().map(|r| r.number.clone()).collect();
            let parameters = chunk_parameters(&parameters, &chunk);
            let batch = template.for_chunk(recipients, parameters, reference.clone());
            let job = Chunk {
                client: client.clone(),
                index,
                reference,
                look_first: plan.explicit,
                limiter: plan.limiter.clone(),
                since: plan.since,
            };
            running.spawn(job.send(batch));
            index += 1;
        }
        let Some(done) = running.join_next().await else { return };
        // A chunk task only ends early if it panicked: a bug, reported as
        // such rather than silently dropped.
        let mut outcome = match done {
            Ok(outcome) => outcome,
            Err(e) => ChunkOutcome {
                index: u64::MAX,
                client_reference: String::new(),
                recipients: Vec::new(),
                result: Err(Error::Protocol { reason: format!("a chunk's task failed: {e}") }),
                found: false,
                progress,
            },
        };
        progress.chunks += 1;
        let size = outcome.recipients.len() as u64;
        match &outcome.result {
            Ok(_) => progress.accepted += size,
            Err(_) => {
                progress.failed += size;
                stopping |= plan.on_failure == OnFailure::Stop;
            }
        }
        outcome.progress = progress;
        if outcomes.send(outcome).await.is_err() {
            running.abort_all();
            return;
        }
    }
}

/// A chunk's parameters: for each of the builder's keys its default and the
/// values of the chunk's recipients, then the recipients' own values.
fn chunk_parameters(template: &Parameters, chunk: &[BulkRecipient]) -> Parameters {
    let mut parameters = Parameters::new();
    for (key, values) in template {
        let kept = parameters.entry(key.clone()).or_default();
        if let Some(default) = values.get("default") {
            kept.insert("default".into(), default.clone());
        }
        for r in chunk {
            if let Some(value) = values.get(&r.number) {
                kept.insert(r.number.clone(), value.clone());
            }
        }
    }
    for r in chunk {
        for (key, value) in &r.values {
            parameters.entry(key.clone()).or_default().insert(r.number.clone(), value.clone());
        }
    }
    parameters.retain(|_, values| !values.is_empty());
    parameters
}

/// One chunk on its way.
struct Chunk {
    client: Client,
    index: u64,
    reference: String,
    look_first: bool,
    limiter: Option<Arc<Limiter>>,
    since: DateTime<Utc>,
}

impl Chunk {
    async fn send<K: BatchKind>(self, batch: SendBatch<K, Client>) -> ChunkOutcome<K::Output> {
        let recipients = batch.recipient_list().to_vec();
        let (result, found) = self.run(batch).await;
        ChunkOutcome {
            index: self.index,
            client_reference: self.reference,
            recipients,
            result,
            found,
            progress: Progress::default(),
        }
    }

    async fn find<K: BatchKind>(&self) -> Result<Option<K::Output>> {
        find_by_reference::<K>(&self.client, &self.reference, Some(self.since)).await
    }

    async fn run<K: BatchKind>(&self, batch: SendBatch<K, Client>) -> (Result<K::Output>, bool) {
        if self.look_first {
            match self.find::<K>().await {
                Ok(Some(found)) => {
                    crate::telemetry::chunk_found(self.index);
                    return (Ok(found), true);
                }
                Ok(None) => {}
                // Unknown whether it exists: sending could double it.
                Err(e) => return (Err(e), false),
            }
        }
        if let Some(limiter) = &self.limiter {
            limiter.messages(batch.parts()).await;
            limiter.request(None).await;
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= CHUNK_ATTEMPTS;
            match batch.clone().send_inner().await {
                Ok(sent) => return (Ok(sent), false),
                Err(e) if e.may_have_been_processed() => match self.find::<K>().await {
                    Ok(Some(found)) => {
                        crate::telemetry::chunk_found(self.index);
                        return (Ok(found), true);
                    }
                    Ok(None) if !last => {}
                    Ok(None) => return (Err(e), false),
                    Err(lookup) => return (Err(lookup), false),
                },
                Err(e) if e.is_retryable() && !last => {
                    // As long as the server asks, at most as long as the
                    // client's retry policy waits for one.
                    let wait = e
                        .retry_after()
                        .unwrap_or(Duration::from_millis(500 << attempt))
                        .min(self.client.max_backoff());
                    if let Some(limiter) = &self.limiter {
                        limiter.pause(wait);
                    }
                    tokio::time::sleep(wait).await;
                }
                Err(e) => return (Err(e), false),
            }
        }
    }
}
