//! The low-level client, generated from `openapi/xms.yaml` by progenitor when
//! the crate is built.
//!
//! This is the escape hatch under the ergonomic API: one method per
//! operation of the spec, its parameters in the spec's order (path, then
//! query parameters by name, then the body, borrowed), with the wire's own
//! names (`from`, `to`) and the generated types of [`types`]. The length and
//! pattern rules of strings are not checked here; the ergonomic API checks
//! them before sending. Nothing here is edited by hand; what the
//! generator gets wrong is fixed in the spec or in `openapi/generator.rs`.
//! Hand-written types stand in for generated ones: [`Timestamp`] (every
//! `date-time` of a request), the open enums of [`crate::model`], and every
//! response type, which is the SDK's own model (`crate::batches::Batch`,
//! `crate::pagination::Page`, ...), so an answer read here is the same value
//! the ergonomic API gives.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use xms::raw::{Client, types};
//! use xms::transport::Transport;
//!
//! let raw = Client::new_with_client(
//!     "https://us.sms.api.sinch.com",
//!     reqwest::Client::new(),
//!     Transport::with_bearer_token("API_TOKEN"),
//! );
//! let body: types::SendBatchRequest = serde_json::from_value(serde_json::json!({
//!     "to": ["46701234567"],
//!     "body": "Hello",
//! }))?;
//! let batch = raw.send_batch("SERVICE_PLAN_ID", &body).await?;
//! println!("{:?}", batch.into_inner());
//! # Ok(()) }
//! ```

#![allow(clippy::all, missing_docs, rustdoc::all, unused_qualifications)]

include!(concat!(env!("OUT_DIR"), "/codegen.rs"));

mod operations;
mod timestamp;

pub use operations::{OPERATIONS, Operation, operation};
pub use timestamp::{Timestamp, TimestampError};
