#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod model;
pub mod raw;
pub mod transport;

pub use model::{DeliveryReportType, DeliveryStatus, Encoding, ErrorCode, MediaUploadStatus};
