#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod batches;
#[cfg(feature = "blocking")]
pub mod blocking;
pub mod callbacks;
mod client;
mod convert;
pub mod delivery_reports;
/// What a text body costs, offline: its encoding and number of SMS parts.
///
/// A body whose characters are all in the GSM 7-bit alphabet (3GPP TS
/// 23.038, with its extension table) is sent as GSM-7: 160 characters in one
/// part, 153 per part when split, the extension characters `^ { } \ [ ~ ] | €`
/// and form feed counting two. Any other character makes the whole body
/// UCS-2: 70 UTF-16 units in one part, 67 per part when split (characters
/// outside the Basic Multilingual Plane, such as most emoji, count two).
///
/// ```
/// use xms::encoding::{analyze, Charset};
/// let hello = analyze("Hello ${name}!");
/// assert_eq!((hello.charset, hello.parts), (Charset::Gsm7, 1));
/// let long = analyze(&"a".repeat(161));
/// assert_eq!((long.units, long.parts), (161, 2));
/// let greek = analyze("Γειά σου"); // ε, ι, ά, σ, ο, υ are not GSM-7
/// assert_eq!(greek.charset, Charset::Ucs2);
/// ```
///
/// Placeholders are counted as written; a parameterized body's cost depends on
/// each recipient's values (a dry run computes it per recipient).
pub mod encoding;
mod error;
pub mod groups;
pub mod inbounds;
pub mod model;
mod oauth;
pub mod pagination;
pub mod raw;
pub mod tags;
pub mod transport;
pub mod validate;
mod wire;

pub use client::{AnyClient, Client, ClientBuilder, LEGACY_CLX_ENDPOINT, Region};
pub use error::{BoxError, ERROR_BODY_LIMIT, Error, ResponseInfo, Result};
pub use model::{
    BatchId, BatchType, Channel, DeliveryCode, DeliveryReportType, DeliveryStatus, Encoding,
    ErrorCode, GroupId, InboundId, InboundType, MediaUploadStatus, Parameters,
};
pub use pagination::{Items, Page, Pages};
pub use transport::RetryPolicy;

macro_rules! handlers {
    ($ty:ty) => {
        impl $ty {
            /// Send, inspect and change batches.
            pub fn batches(&self) -> batches::Batches<$ty> {
                batches::Batches::new(self.clone())
            }

            /// Delivery reports of batches and recipients.
            pub fn delivery_reports(&self) -> delivery_reports::DeliveryReports<$ty> {
                delivery_reports::DeliveryReports::new(self.clone())
            }

            /// Groups of recipients.
            pub fn groups(&self) -> groups::Groups<$ty> {
                groups::Groups::new(self.clone())
            }

            /// Inbound (mobile originated) messages.
            pub fn inbounds(&self) -> inbounds::Inbounds<$ty> {
                inbounds::Inbounds::new(self.clone())
            }
        }
    };
}

handlers!(Client);
#[cfg(feature = "blocking")]
handlers!(blocking::Client);
