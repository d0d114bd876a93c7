//! What XMS answers about the delivery of messages, and what it posts for
//! it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{
    model::{BatchId, Channel, DeliveryCode, DeliveryStatus, Encoding},
    pagination::ListItem,
    wire,
};

/// How the messages of a batch are doing, counted per status code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BatchDeliveryReport {
    /// The batch.
    pub batch_id: BatchId,
    /// SMS or MMS.
    #[serde(rename = "type", deserialize_with = "channel", serialize_with = "batch_report_type")]
    pub channel: Channel,
    /// How many messages the batch has.
    #[serde(deserialize_with = "wire::int")]
    pub total_message_count: u32,
    /// One entry per status code with at least one message. Required: a
    /// report without the list is refused, not read as empty (`null` is
    /// read as none).
    #[serde(deserialize_with = "wire::null_is_empty")]
    pub statuses: Vec<StatusCount>,
    /// The batch's client reference, if it has one.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub client_reference: Option<String>,
}

/// How many messages of a batch have one status code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StatusCount {
    /// The detailed code.
    pub code: DeliveryCode,
    /// The simplified status.
    pub status: DeliveryStatus,
    /// How many messages have it.
    #[serde(deserialize_with = "wire::int")]
    pub count: u32,
    /// Which recipients (full reports only), as XMS writes phone numbers:
    /// digits with the country code and no `+`.
    #[serde(default, deserialize_with = "wire::strings", skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
}

/// The status of the message to one recipient.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecipientDeliveryReport {
    /// The batch.
    pub batch_id: BatchId,
    /// SMS or MMS.
    #[serde(
        rename = "type",
        deserialize_with = "channel",
        serialize_with = "recipient_report_type"
    )]
    pub channel: Channel,
    /// The phone number, as XMS writes it: digits with the country code and
    /// no `+` (`46701234567`).
    #[serde(deserialize_with = "wire::string")]
    pub recipient: String,
    /// The detailed code.
    pub code: DeliveryCode,
    /// The simplified status.
    pub status: DeliveryStatus,
    /// More about the status, when there is more.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub status_message: Option<String>,
    /// When XMS produced the report.
    #[serde(deserialize_with = "wire::time")]
    pub at: DateTime<Utc>,
    /// When the operator reported the status.
    #[serde(default, deserialize_with = "wire::opt_time", skip_serializing_if = "wire::none")]
    pub operator_status_at: Option<DateTime<Utc>>,
    /// The batch's client reference, if it has one.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub client_reference: Option<String>,
    /// The sender picked from the default originator pool, if one was.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub applied_originator: Option<String>,
    /// How many parts the message took (only with a part limit).
    #[serde(default, deserialize_with = "wire::opt_int", skip_serializing_if = "wire::none")]
    pub number_of_message_parts: Option<u32>,
    /// The encoding used, when XMS says.
    #[serde(default, skip_serializing_if = "wire::none")]
    pub encoding: Option<Encoding>,
    /// The operator that carried the message, when the account may see it.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub operator: Option<String>,
}

impl BatchDeliveryReport {
    /// How many messages have this status.
    pub fn count(&self, status: &DeliveryStatus) -> u32 {
        self.statuses.iter().filter(|s| &s.status == status).map(|s| s.count).sum()
    }

    /// Whether every message has a final status.
    pub fn is_complete(&self) -> bool {
        self.statuses.iter().all(|s| s.status.is_final() == Some(true))
    }
}

fn channel<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Channel, D::Error> {
    wire::string(d).map(|t| Channel::of_report_type(&t))
}

fn batch_report_type<S: Serializer>(c: &Channel, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&c.report_type(false))
}

fn recipient_report_type<S: Serializer>(c: &Channel, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&c.report_type(true))
}

impl ListItem for RecipientDeliveryReport {
    const KEY: &'static str = "delivery_reports";
}
