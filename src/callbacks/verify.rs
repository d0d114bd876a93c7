//! Checking a callback's signature: HMAC-SHA256 over the raw body, the
//! nonce and the timestamp, compared in constant time, with a timestamp
//! window and optional replay protection; and signing, for tests.

use std::{
    collections::HashMap,
    fmt,
    hash::{BuildHasher, Hasher},
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use base64::Engine as _;
use hmac::{KeyInit, Mac};

use super::{
    Callback, CallbackError, DEFAULT_REPLAY_CAPACITY, MemoryReplayCache, ReplayCache, parse,
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
