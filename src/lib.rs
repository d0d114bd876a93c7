#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod macros;

mod auth;
pub mod batches;
#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
mod call;
pub mod callbacks;
mod client;
mod convert;
pub mod delivery_reports;
/// What a text body costs, offline: its encoding and number of SMS parts
/// (the `xms-encoding` crate).
///
/// ```
/// use xms::encoding::{analyze, Charset};
/// let hello = analyze("Hello ${name}!");
/// assert_eq!((hello.charset, hello.parts), (Charset::Gsm7, 1));
/// ```
pub use xms_encoding as encoding;
mod error;
pub mod groups;
mod handlers;
pub mod inbounds;
mod limit;
pub mod model;
mod models;
pub mod pagination;
pub mod raw;
pub mod tags;
mod telemetry;
mod time;
pub mod transport;
pub mod validate;
mod wire;

pub use client::{AnyClient, Client, ClientBuilder, LEGACY_CLX_ENDPOINT, Region};
pub use error::{BoxError, ERROR_BODY_LIMIT, Error, ResponseInfo, Result};
pub use limit::RateLimit;
pub use model::{
    BatchId, BatchType, Channel, DeliveryCode, DeliveryReportType, DeliveryStatus, Encoding,
    ErrorCode, GroupId, InboundId, InboundType, MediaUploadStatus, Parameters,
};
pub use pagination::{Items, Page, Pages};
pub use transport::RetryPolicy;
