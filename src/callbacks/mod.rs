//! Callbacks: the inbound messages and delivery reports XMS posts to your
//! server, and their signatures.
//!
//! [`parse`] reads a callback body into a typed [`Callback`]. When signing is
//! enabled for the account, [`Verifier`] checks the `x-sinch-webhook-signature*`
//! headers first: HMAC-SHA256 of the raw body, the nonce and the timestamp,
//! compared in constant time, with a timestamp tolerance against replays.
//! Always verify the bytes as they arrived, before parsing; never a body
//! serialized again.
//!
//! A complete receiver (here with axum):
//!
//! ```no_run
//! use axum::{Router, body::Bytes, http::{HeaderMap, StatusCode}, routing::post};
//! use xms::callbacks::{Callback, Verifier};
//!
//! async fn receive(headers: HeaderMap, body: Bytes) -> StatusCode {
//!     let verifier = Verifier::new(std::env::var("XMS_WEBHOOK_SECRET").unwrap_or_default());
//!     match verifier.verify_and_parse(&headers, &body) {
//!         Ok(Callback::Inbound(mo)) => println!("{} wrote to {}", mo.sender(), mo.recipient()),
//!         Ok(Callback::RecipientDeliveryReport(dr)) => {
//!             println!("{}: {}", dr.recipient, dr.status)
//!         }
//!         Ok(other) => println!("{other:?}"),
//!         Err(e) => { eprintln!("refused: {e}"); return StatusCode::UNAUTHORIZED; }
//!     }
//!     StatusCode::OK // any 2xx; XMS retries 5xx and 429
//! }
//! # async fn serve() {
//! let app = Router::new().route("/xms/callbacks", post(receive));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```
//!
//! Test your own receiver with [`signature_headers`], which signs a body as
//! XMS would.

use std::{
    collections::{HashMap, VecDeque},
    fmt,
    hash::{BuildHasher, Hasher},
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use serde::Deserialize;

use crate::{
    delivery_reports::{BatchDeliveryReport, RecipientDeliveryReport},
    inbounds::Inbound,
};

/// The header holding the signature (base64 of the HMAC-SHA256).
pub const SIGNATURE_HEADER: &str = "x-sinch-webhook-signature";
/// The header holding the nonce that was signed.
pub const NONCE_HEADER: &str = "x-sinch-webhook-signature-nonce";
/// The header holding the signing time, in Unix seconds.
pub const TIMESTAMP_HEADER: &str = "x-sinch-webhook-signature-timestamp";
/// The header naming the algorithm; only [`ALGORITHM`] is accepted.
pub const ALGORITHM_HEADER: &str = "x-sinch-webhook-signature-algorithm";
/// The one signing algorithm XMS uses.
pub const ALGORITHM: &str = "HmacSHA256";
/// How far the signing time may be from now by default.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// A callback XMS posted.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Callback {
    /// An inbound message (`mo_text`, `mo_binary`, `mo_media`).
    Inbound(Inbound),
    /// A batch delivery report (`delivery_report_sms`/`_mms`), sent for
    /// batches with `delivery_report` summary or full.
    BatchDeliveryReport(BatchDeliveryReport),
    /// A recipient delivery report (`recipient_delivery_report_sms`/`_mms`),
    /// sent for batches with `delivery_report` per_recipient or
    /// per_recipient_final.
    RecipientDeliveryReport(RecipientDeliveryReport),
}

/// Why a callback was refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum CallbackError {
    /// The body is not JSON, or not a JSON object.
    NotJson {
        /// The parse error.
        source: serde_json::Error,
    },
    /// The body has no `type`, so it cannot be told apart.
    MissingType,
    /// The body's `type` is not a callback this version of the SDK knows.
    UnknownType {
        /// The `type` it has.
        type_name: String,
    },
    /// The body has a known `type` but does not match it.
    Invalid {
        /// The `type` it has.
        type_name: String,
        /// What does not match.
        source: serde_json::Error,
    },
    /// A signature header is missing.
    MissingHeader {
        /// The header.
        name: &'static str,
    },
    /// A signature header occurs more than once.
    DuplicateHeader {
        /// The header.
        name: &'static str,
    },
    /// The algorithm header names something other than HmacSHA256.
    UnsupportedAlgorithm {
        /// What it names.
        algorithm: String,
    },
    /// The timestamp header is not a number of seconds.
    BadTimestamp {
        /// What it holds.
        value: String,
    },
    /// The signature is older than the tolerance: possibly a replay.
    Stale {
        /// How old it is.
        age: Duration,
    },
    /// The signature claims a time further in the future than the tolerance.
    FromTheFuture {
        /// How far ahead it is.
        ahead: Duration,
    },
    /// The signature header is not base64.
    SignatureNotBase64,
    /// The signature does not match the body, nonce, timestamp and secret.
    SignatureMismatch,
    /// A signed callback with this nonce was already accepted.
    Replayed {
        /// The nonce.
        nonce: String,
    },
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackError::NotJson { .. } => f.write_str("the callback body is not a JSON object"),
            CallbackError::MissingType => f.write_str("the callback body has no `type`"),
            CallbackError::UnknownType { type_name } => {
                write!(f, "the callback type {type_name:?} is not one this SDK knows")
            }
            CallbackError::Invalid { type_name, source } => {
                write!(f, "the {type_name} callback is malformed: {source}")
            }
            CallbackError::MissingHeader { name } => write!(f, "the callback has no {name} header"),
            CallbackError::DuplicateHeader { name } => {
                write!(f, "the callback has the {name} header more than once; refused as ambiguous")
            }
            CallbackError::UnsupportedAlgorithm { algorithm } => write!(
                f,
                "the callback names the algorithm {algorithm:?}; only {ALGORITHM} is accepted"
            ),
            CallbackError::BadTimestamp { value } => {
                write!(f, "the callback's signature timestamp {value:?} is not Unix seconds")
            }
            CallbackError::Stale { age } => write!(
                f,
                "the callback was signed {} s ago, longer than the tolerance: possibly a replay",
                age.as_secs()
            ),
            CallbackError::FromTheFuture { ahead } => write!(
                f,
                "the callback claims to be signed {} s in the future; check the clocks",
                ahead.as_secs()
            ),
            CallbackError::SignatureNotBase64 => {
                f.write_str("the callback's signature is not base64")
            }
            CallbackError::SignatureMismatch => f.write_str(
                "the callback's signature does not match its body (wrong secret, or a changed \
                 body)",
            ),
            CallbackError::Replayed { nonce } => {
                write!(f, "a callback with nonce {nonce:?} was already accepted")
            }
        }
    }
}

impl std::error::Error for CallbackError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CallbackError::NotJson { source } | CallbackError::Invalid { source, .. } => {
                Some(source)
            }
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct Kind {
    #[serde(rename = "type")]
    kind: Option<serde_json::Value>,
}

/// Read a callback body (the raw bytes of the POST). Fields the SDK does not
/// know are ignored; values it does not know land in the `Other` arms.
///
/// ```
/// let body = br#"{"type": "mo_text", "id": "01FC66621VHDBN119Z8PMV1AHY", "from": "46701234567",
///                "to": "12345", "body": "STOP", "received_at": "2026-02-28T09:12:02.972Z"}"#;
/// match xms::callbacks::parse(body).unwrap() {
///     xms::callbacks::Callback::Inbound(mo) => assert_eq!(mo.sender(), "46701234567"),
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn parse(body: &[u8]) -> Result<Callback, CallbackError> {
    let kind: Kind =
        serde_json::from_slice(body).map_err(|source| CallbackError::NotJson { source })?;
    let type_name = match kind.kind {
        Some(serde_json::Value::String(t)) => t,
        None | Some(serde_json::Value::Null) => return Err(CallbackError::MissingType),
        Some(other) => {
            return Err(CallbackError::UnknownType { type_name: other.to_string() });
        }
    };
    let invalid = |source| CallbackError::Invalid { type_name: type_name.clone(), source };
    let kind = type_name.as_str();
    if kind.starts_with("mo_") {
        let inbound: Inbound = serde_json::from_slice(body).map_err(invalid)?;
        Ok(Callback::Inbound(inbound))
    } else if kind.starts_with("recipient_delivery_report_") {
        // `_sms`, `_mms`, and channels added later (kept in `Channel::Other`).
        let report: RecipientDeliveryReport = serde_json::from_slice(body).map_err(invalid)?;
        Ok(Callback::RecipientDeliveryReport(report))
    } else if kind.starts_with("delivery_report_") {
        let report: BatchDeliveryReport = serde_json::from_slice(body).map_err(invalid)?;
        Ok(Callback::BatchDeliveryReport(report))
    } else {
        Err(CallbackError::UnknownType { type_name })
    }
}

/// Read as [`parse`] reads a body.
impl<'de> Deserialize<'de> for Callback {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
        parse(raw.get().as_bytes()).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Callback {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Callback::Inbound(m) => m.serialize(s),
            Callback::BatchDeliveryReport(r) => r.serialize(s),
            Callback::RecipientDeliveryReport(r) => r.serialize(s),
        }
    }
}

/// Request headers, looked up case-insensitively: `http::HeaderMap` (as
/// axum, hyper and reqwest use), slices and vectors of name/value pairs, and
/// string maps.
pub trait Headers {
    /// The first value of the header `name`, ignoring case.
    fn header(&self, name: &str) -> Option<&str>;

    /// How many times the header `name` occurs, ignoring case. A signature
    /// header that occurs twice is refused, so that no proxy or attacker can
    /// add a value that another reader of the headers would pick instead.
    fn header_count(&self, name: &str) -> usize;
}

impl Headers for reqwest::header::HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| v.to_str().ok())
    }

    fn header_count(&self, name: &str) -> usize {
        self.get_all(name).iter().count()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Headers for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter().find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name)).map(|(_, v)| v.as_ref())
    }

    fn header_count(&self, name: &str) -> usize {
        self.iter().filter(|(k, _)| k.as_ref().eq_ignore_ascii_case(name)).count()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Headers for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }

    fn header_count(&self, name: &str) -> usize {
        self.as_slice().header_count(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> Headers for [(K, V); N] {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }

    fn header_count(&self, name: &str) -> usize {
        self.as_slice().header_count(name)
    }
}

impl<S: BuildHasher> Headers for HashMap<String, String, S> {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn header_count(&self, name: &str) -> usize {
        self.keys().filter(|k| k.eq_ignore_ascii_case(name)).count()
    }
}

impl<H: Headers + ?Sized> Headers for &H {
    fn header(&self, name: &str) -> Option<&str> {
        (**self).header(name)
    }

    fn header_count(&self, name: &str) -> usize {
        (**self).header_count(name)
    }
}

/// Checks the signatures of callbacks with the secret the account manager
/// set up.
///
/// ```
/// use xms::callbacks::{Verifier, signature_headers};
/// let body = br#"{"type":"mo_text","id":"1","from":"4670","to":"123","body":"hi",
///     "received_at":"2026-01-01T00:00:00Z"}"#;
/// let headers = signature_headers("s3cret", body);
/// let verifier = Verifier::new("s3cret");
/// assert!(verifier.verify(&headers, body).is_ok());
/// assert!(Verifier::new("other").verify(&headers, body).is_err());
/// ```
pub struct Verifier {
    secret: Vec<u8>,
    tolerance: Duration,
    nonces: Option<Arc<dyn ReplayCache>>,
    max_body: usize,
    /// Set only by [`Verifier::insecure_no_verification`].
    unchecked: bool,
}

/// The largest callback body a receiver reads by default: 1 MiB, far above
/// the largest callback XMS posts (a full batch report of 1000 recipients).
pub const DEFAULT_MAX_CALLBACK_BYTES: usize = 1024 * 1024;

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("secret", &"<redacted>")
            .field("tolerance", &self.tolerance)
            .field("rejects_replays", &self.nonces.is_some())
            .field("max_body", &self.max_body)
            .field("verifies", &!self.unchecked)
            .finish()
    }
}

impl Verifier {
    /// A verifier for this secret, with the default tolerance of 5 minutes.
    pub fn new(secret: impl AsRef<[u8]>) -> Self {
        Verifier {
            secret: secret.as_ref().to_vec(),
            tolerance: DEFAULT_TOLERANCE,
            nonces: None,
            max_body: DEFAULT_MAX_CALLBACK_BYTES,
            unchecked: false,
        }
    }

    /// A verifier that accepts every callback, signed or not: only for a
    /// receiver whose XMS account has no signing secret, on a network that
    /// nobody else can reach. Anyone who can reach the receiver can then
    /// post fake delivery reports and inbound messages to it.
    ///
    /// ```
    /// let anything_goes = xms::callbacks::Verifier::insecure_no_verification();
    /// assert!(anything_goes.verify(&Vec::<(String, String)>::new(), b"{}").is_ok());
    /// ```
    pub fn insecure_no_verification() -> Self {
        Verifier { unchecked: true, ..Verifier::new(b"") }
    }

    /// The largest body a receiver built on this verifier reads.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body
    }

    /// How far from now the signing time may be, either way.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The largest body a receiver reads ([`DEFAULT_MAX_CALLBACK_BYTES`]
    /// when not set); larger ones are refused (413 in the axum extractor).
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Also refuse a second callback with a nonce already accepted within
    /// the tolerance. The nonces are remembered in memory, in this verifier
    /// (a [`MemoryReplayCache`] of [`DEFAULT_REPLAY_CAPACITY`]): share one
    /// verifier between the handlers of a process, or give a shared
    /// store with [`Verifier::replay_cache`] for several processes.
    pub fn reject_replays(mut self) -> Self {
        self.nonces = Some(Arc::new(MemoryReplayCache::new(DEFAULT_REPLAY_CAPACITY)));
        self
    }

    /// Refuse a second callback with a nonce `cache` already holds, and
    /// remember each accepted one there: a store shared by every
    /// instance of a service (Redis, a database) makes replays fail
    /// across them.
    ///
    /// ```
    /// use xms::callbacks::{MemoryReplayCache, Verifier};
    /// let verifier = Verifier::new("s3cret").replay_cache(MemoryReplayCache::new(10_000));
    /// # let _ = verifier;
    /// ```
    pub fn replay_cache(mut self, cache: impl ReplayCache + 'static) -> Self {
        self.nonces = Some(Arc::new(cache));
        self
    }

    /// Check the signature headers against the raw body, now.
    pub fn verify(
        &self,
        headers: &(impl Headers + ?Sized),
        body: &[u8],
    ) -> Result<(), CallbackError> {
        self.verify_at(headers, body, unix_now())
    }

    /// Check the signature, then parse the body.
    pub fn verify_and_parse(
        &self,
        headers: &(impl Headers + ?Sized),
        body: &[u8],
    ) -> Result<Callback, CallbackError> {
        self.verify(headers, body)?;
        parse(body)
    }

    /// Check the signature headers against the raw body as if the time were
    /// `now` (Unix seconds).
    pub fn verify_at(
        &self,
        headers: &(impl Headers + ?Sized),
        body: &[u8],
        now: i64,
    ) -> Result<(), CallbackError> {
        if self.unchecked {
            return Ok(());
        }
        for name in [SIGNATURE_HEADER, NONCE_HEADER, TIMESTAMP_HEADER, ALGORITHM_HEADER] {
            if headers.header_count(name) > 1 {
                return Err(CallbackError::DuplicateHeader { name });
            }
        }
        let get = |name: &'static str| {
            headers.header(name).map(str::trim).ok_or(CallbackError::MissingHeader { name })
        };
        let signature = get(SIGNATURE_HEADER)?;
        let nonce = get(NONCE_HEADER)?;
        let timestamp = get(TIMESTAMP_HEADER)?;
        // The algorithm is ours to choose, not the request's: a callback
        // naming another one is refused, and one naming none is checked with
        // HMAC-SHA256 all the same.
        if let Some(algorithm) = headers.header(ALGORITHM_HEADER).map(str::trim)
            && !algorithm.eq_ignore_ascii_case(ALGORITHM)
        {
            return Err(CallbackError::UnsupportedAlgorithm { algorithm: algorithm.to_string() });
        }
        let signed_at: i64 = timestamp
            .parse()
            .map_err(|_| CallbackError::BadTimestamp { value: timestamp.to_string() })?;
        let tolerance = i64::try_from(self.tolerance.as_secs()).unwrap_or(i64::MAX);
        let age = now.saturating_sub(signed_at);
        if age > tolerance {
            return Err(CallbackError::Stale { age: Duration::from_secs(age.unsigned_abs()) });
        }
        if age < -tolerance {
            return Err(CallbackError::FromTheFuture {
                ahead: Duration::from_secs(age.unsigned_abs()),
            });
        }
        let expected = base64::engine::general_purpose::STANDARD
            .decode(signature)
            .map_err(|_| CallbackError::SignatureNotBase64)?;
        mac(&self.secret, body, nonce, timestamp)
            .verify_slice(&expected)
            .map_err(|_| CallbackError::SignatureMismatch)?;
        if let Some(nonces) = &self.nonces {
            // A replay passes the time check until its signing time plus the
            // tolerance, which is at most now plus twice the tolerance.
            let until = now.saturating_add(tolerance.saturating_mul(2));
            if !nonces.insert(nonce, now, until) {
                return Err(CallbackError::Replayed { nonce: nonce.to_string() });
            }
        }
        Ok(())
    }
}

/// Where a [`Verifier`] remembers the nonces of the callbacks it accepted,
/// to refuse a second callback with the same one.
///
/// Implement it over a store the instances of a service share, so that a
/// callback replayed to another instance is refused too. `insert` must be
/// atomic: of two concurrent inserts of one nonce, one returns `false`.
///
/// ```
/// use std::{collections::HashSet, sync::Mutex};
/// use xms::callbacks::ReplayCache;
///
/// /// A cache that never forgets (for a test; a real one drops expired nonces).
/// #[derive(Default)]
/// struct Forever(Mutex<HashSet<String>>);
///
/// impl ReplayCache for Forever {
///     fn insert(&self, nonce: &str, _now: i64, _expires_at: i64) -> bool {
///         self.0.lock().unwrap().insert(nonce.to_owned())
///     }
/// }
/// let verifier = xms::callbacks::Verifier::new("s3cret").replay_cache(Forever::default());
/// # let _ = verifier;
/// ```
pub trait ReplayCache: Send + Sync {
    /// Remember `nonce`, seen at `now` (Unix seconds), until `expires_at`.
    /// Returns `false` when it is remembered already (a replay).
    fn insert(&self, nonce: &str, now: i64, expires_at: i64) -> bool;
}

/// One cache shared by several verifiers (each instance's, say).
impl<T: ReplayCache + ?Sized> ReplayCache for Arc<T> {
    fn insert(&self, nonce: &str, now: i64, expires_at: i64) -> bool {
        (**self).insert(nonce, now, expires_at)
    }
}

/// How many nonces [`Verifier::reject_replays`] remembers at most.
pub const DEFAULT_REPLAY_CAPACITY: usize = 100_000;

/// The default [`ReplayCache`]: in memory, bounded, with a cost per
/// callback that does not grow with the callbacks seen. Nonces wait in
/// arrival order; each insert first drops those that have expired, then,
/// when `capacity` are still held, the oldest (which opens a replay window
/// for it: size the capacity above the callbacks of twice the tolerance).
#[derive(Debug)]
pub struct MemoryReplayCache {
    capacity: usize,
    inner: Mutex<Remembered>,
}

#[derive(Debug, Default)]
struct Remembered {
    /// Nonce → when it expires.
    seen: HashMap<Arc<str>, i64>,
    /// (expiry, nonce), oldest first.
    order: VecDeque<(i64, Arc<str>)>,
}

impl MemoryReplayCache {
    /// A cache holding at most `capacity` nonces (at least one).
    pub fn new(capacity: usize) -> MemoryReplayCache {
        MemoryReplayCache { capacity: capacity.max(1), inner: Mutex::default() }
    }

    /// How many nonces it holds now.
    pub fn len(&self) -> usize {
        self.inner.lock().map_or(0, |r| r.seen.len())
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ReplayCache for MemoryReplayCache {
    fn insert(&self, nonce: &str, now: i64, expires_at: i64) -> bool {
        let mut r = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Remembered { seen, order } = &mut *r;
        // Each nonce is dropped once, so this costs O(1) per insert overall.
        let forget = |seen: &mut HashMap<Arc<str>, i64>, (at, n): (i64, Arc<str>)| {
            if seen.get(&n) == Some(&at) {
                seen.remove(&n);
            }
        };
        while let Some(front) = order.front() {
            if front.0 > now {
                break;
            }
            let front = order.pop_front().expect("looked at");
            forget(seen, front);
        }
        if seen.get(nonce).is_some_and(|at| *at > now) {
            return false;
        }
        while seen.len() >= self.capacity {
            let Some(oldest) = order.pop_front() else { break };
            forget(seen, oldest);
        }
        let key: Arc<str> = Arc::from(nonce);
        seen.insert(key.clone(), expires_at);
        order.push_back((expires_at, key));
        true
    }
}

fn mac(secret: &[u8], body: &[u8], nonce: &str, timestamp: &str) -> hmac::Hmac<sha2::Sha256> {
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret)
        .expect("HMAC takes keys of any length");
    mac.update(body);
    mac.update(b".");
    mac.update(nonce.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac
}

/// The signature XMS would send for `body` with this nonce and timestamp:
/// base64 of HMAC-SHA256(secret, body + "." + nonce + "." + timestamp).
///
/// ```
/// let body = br#"{"type":"mo_text"}"#;
/// let signature = xms::callbacks::sign("SMSWebhooksSecret", body, "nonce-1", 1736760161);
/// assert_eq!(signature.len(), 44);
/// ```
pub fn sign(secret: impl AsRef<[u8]>, body: &[u8], nonce: &str, timestamp: i64) -> String {
    let tag = mac(secret.as_ref(), body, nonce, &timestamp.to_string()).finalize().into_bytes();
    base64::engine::general_purpose::STANDARD.encode(tag)
}

/// The four signature headers XMS would send with `body`, signed now with a
/// fresh nonce: for testing your own callback receiver.
pub fn signature_headers(secret: impl AsRef<[u8]>, body: &[u8]) -> Vec<(String, String)> {
    let timestamp = unix_now();
    let nonce = fresh_nonce();
    vec![
        (SIGNATURE_HEADER.to_string(), sign(secret, body, &nonce, timestamp)),
        (NONCE_HEADER.to_string(), nonce),
        (TIMESTAMP_HEADER.to_string(), timestamp.to_string()),
        (ALGORITHM_HEADER.to_string(), ALGORITHM.to_string()),
    ]
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// 26 characters that differ from call to call (not a secret; a test aid).
fn fresh_nonce() -> String {
    let mut out = String::new();
    while out.len() < 26 {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0),
        );
        out.push_str(&format!("{:016X}", hasher.finish()));
    }
    out.truncate(26);
    out
}
