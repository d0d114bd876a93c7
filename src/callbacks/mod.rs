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

use std::{fmt, time::Duration};

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;

mod replay;
mod verify;

pub use replay::{DEFAULT_REPLAY_CAPACITY, MemoryReplayCache, ReplayCache};
pub use verify::{
    ALGORITHM, ALGORITHM_HEADER, DEFAULT_MAX_CALLBACK_BYTES, DEFAULT_TOLERANCE, Headers,
    NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier, sign, signature_headers,
};

use serde::Deserialize;

use crate::{
    delivery_reports::{BatchDeliveryReport, RecipientDeliveryReport},
    inbounds::Inbound,
};

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
