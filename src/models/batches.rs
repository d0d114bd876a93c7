//! The batch models: what XMS answers about a batch, read straight from
//! the wire (see [`crate::wire`] for the looseness accepted).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::{
    Result,
    model::{BatchId, BatchType, DeliveryReportType, Encoding, Parameters},
    pagination::ListItem,
    raw, validate, wire,
    wire::types as wire_type,
};

/// A batch, of whichever type. Returned where the caller cannot know the
/// type in advance, such as [`Batches::get`](crate::batches::Batches::get).
///
/// ```no_run
/// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
/// use xms::batches::Batch;
/// match client.batches().get("01FC66621XXXXX119Z8PMV1QPQ").await? {
///     Batch::Text(text) => println!("text: {}", text.body),
///     Batch::Binary(binary) => println!("binary: {} bytes", binary.body_bytes()?.len()),
///     Batch::Media(media) => println!("MMS: {}", media.body.url),
///     other => println!("a {} batch", other.batch_type()),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Batch {
    /// A text SMS batch.
    Text(TextBatch),
    /// A binary SMS batch.
    Binary(BinaryBatch),
    /// An MMS batch.
    Media(MediaBatch),
    /// A batch of a type this version of the SDK does not know, kept whole.
    /// A later version that knows the type gives such batches a variant of
    /// their own: do not rely on seeing a particular type here.
    Other(UnknownBatch),
}

/// A text SMS batch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TextBatch {
    /// Writes `type` back; reading takes it from the [`Batch`] dispatch.
    #[serde(rename = "type", skip_deserializing)]
    pub(crate) kind: wire_type::MtText,
    /// The batch's id.
    pub id: BatchId,
    /// The sender (`from`), unless the default originator was used.
    #[serde(
        rename = "from",
        default,
        deserialize_with = "wire::opt_string",
        skip_serializing_if = "wire::none"
    )]
    pub sender: Option<String>,
    /// The phone numbers and group ids it goes to (`to`). XMS answers with
    /// phone numbers in its own form, digits with the country code and no
    /// `+` (`46701234567` for a batch sent to `+46701234567`).
    #[serde(rename = "to", deserialize_with = "wire::strings")]
    pub recipients: Vec<String>,
    /// The text, placeholders unfilled.
    #[serde(deserialize_with = "wire::string")]
    pub body: String,
    /// The values of the placeholders.
    #[serde(
        default,
        deserialize_with = "wire::parameters",
        skip_serializing_if = "Parameters::is_empty"
    )]
    pub parameters: Parameters,
    /// Whether it was canceled.
    #[serde(default, deserialize_with = "wire::boolean")]
    pub canceled: bool,
    /// When it was created.
    #[serde(default, deserialize_with = "wire::opt_time", skip_serializing_if = "wire::none")]
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    #[serde(default, deserialize_with = "wire::opt_time", skip_serializing_if = "wire::none")]
    pub modified_at: Option<DateTime<Utc>>,
    /// The delivery report callbacks it asks for.
    #[serde(default = "no_reports", deserialize_with = "reports_or_none")]
    pub delivery_report: DeliveryReportType,
    /// When it is or was sent.
    #[serde(default, deserialize_with = "wire::opt_time", skip_serializing_if = "wire::none")]
    pub send_at: Option<DateTime<Utc>>,
    /// When delivery attempts stop.
    #[serde(default, deserialize_with = "wire::opt_time", skip_serializing_if = "wire::none")]
    pub expire_at: Option<DateTime<Utc>>,
    /// Its own callback URL, if it has one.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub callback_url: Option<String>,
    /// The caller's reference.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub client_reference: Option<String>,
    /// Whether delivery feedback is expected.
    #[serde(default, deserialize_with = "wire::boolean")]
    pub feedback_enabled: bool,
    /// Whether it is a flash message.
    #[serde(default, deserialize_with = "wire::boolean")]
    pub flash_message: bool,
    /// Whether long text is cut to one part.
    #[serde(default, deserialize_with = "wire::boolean")]
    pub truncate_concat: bool,
    /// The most parts a message may take.
    #[serde(default, deserialize_with = "wire::opt_int", skip_serializing_if = "wire::none")]
    pub max_number_of_message_parts: Option<u32>,
    /// The sender's type of number.
    #[serde(default, deserialize_with = "wire::opt_int", skip_serializing_if = "wire::none")]
    pub from_ton: Option<u8>,
    /// The sender's numbering plan.
    #[serde(default, deserialize_with = "wire::opt_int", skip_serializing_if = "wire::none")]
    pub from_npi: Option<u8>,
    /// Its legacy CLX tags, when it has some (deprecated: tags are an API
    /// of the original CLX service; see [`crate::tags`]).
    #[serde(default, deserialize_with = "wire::strings", skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// A binary SMS batch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BinaryBatch {
    /// Writes `type` back; reading takes it from the [`Batch`] dispatch.
    #[serde(rename = "type", skip_deserializing)]
    pub(crate) kind: wire_type::MtBinary,
    /// The batch's id.
    pub id: BatchId,
    /// The sender (`from`), unless the default originator was used.
    #[serde(
        rename = "from",
        default,
        deserialize_with = "wire::opt_string",
        skip_serializing_if = "wire::none"
    )]
    pub sender: Option<String>,
    /// The phone numbers and group ids it goes to (`to`). XMS answers with
    /// phone numbers in its own form, digits with the country code and no
    /// `+` (`46701234567` for a batch sent to `+46701234567`).
    #[serde(rename = "to", deserialize_with = "wire::strings")]
    pub recipients: Vec<String>,
    /// The payload, base64; see [`BinaryBatch::body_bytes`].
    #[serde(deserialize_with = "wire::string")]
    pub body: String,
    /// The user data header, hex; see [`BinaryBatch::udh_bytes`].
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub udh: Option<String>,
    /// Whether it was canceled.
    #[serde(default, deserialize_with = "wire::boolean")]
    pub canceled: bool,
    /// When it was created.
    #[serde(default, deserialize_with = "wire::opt_time", skip_serializing_if = "wire::none")]
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    #[serde(default, deserialize_with = "wire::opt_time", skip_serializing_if = "wire::none")]
    pub modified_at: Option<DateTime<Utc>>,
    /// The delivery report callbacks it asks for.
    #[serde(default = "no_reports", deserialize_with = "reports_or_none")]
    pub delivery_report: DeliveryReportType,
    /// When it is or was sent.
    #[serde(default, deserialize_with = "wire::opt_time", skip_serializing_if = "wire::none")]
    pub send_at: Option<DateTime<Utc>>,
    /// When delivery attempts stop.
    #[serde(default, deserialize_with = "wire::opt_time", skip_serializing_if = "wire::none")]
    pub expire_at: Option<DateTime<Utc>>,
    /// Its own callback URL, if it has one.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub callback_url: Option<String>,
    /// The caller's reference.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub client_reference: Option<String>,
    /// Whether delivery feedback is expected.
    #[serde(default, deserialize_with = "wire::boolean")]
    pub feedback_enabled: bool,
    /// Whether it is a flash message.
    #[serde(default, deserialize_with = "wire::boolean")]
    pub flash_message: bool,
    /// Whether the message is cut to one part.
    #[serde(default, deserialize_with = "wire::boolean")]
    pub truncate_concat: bool,
    /// The most parts a message may take.
    #[serde(default, deserialize_with = "wire::opt_int", skip_serializing_if = "wire::none")]
    pub max_number_of_message_parts: Option<u32>,
    /// The sender's type of number.
    #[serde(default, deserialize_with = "wire::opt_int", skip_serializing_if = "wire::none")]
    pub from_ton: Option<u8>,
    /// The sender's numbering plan.
    #[serde(default, deserialize_with = "wire::opt_int", skip_serializing_if = "wire::none")]
    pub from_npi: Option<u8>,
    /// Its legacy CLX tags, when it has some (deprecated: tags are an API
    /// of the original CLX service; see [`crate::tags`]).
    #[serde(default, deserialize_with = "wire::strings", skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

impl BinaryBatch {
    /// The payload, decoded.
    pub fn body_bytes(&self) -> Result<Vec<u8>> {
        validate::base64("body", &self.body)
    }

    /// The user data header, decoded (empty when there is none).
    pub fn udh_bytes(&self) -> Result<Vec<u8>> {
        self.udh.as_deref().map_or(Ok(Vec::new()), |udh| validate::hex("udh", udh))
    }
}

/// An MMS batch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MediaBatch {
    /// Writes `type` back; reading takes it from the [`Batch`] dispatch.
    #[serde(rename = "type", skip_deserializing)]
    pub(crate) kind: wire_type::MtMedia,
    /// The batch's id.
    pub id: BatchId,
    /// The sender (`from`), unless the default originator was used.
    #[serde(
        rename = "from",
        default,
        deserialize_with = "wire::opt_string",
        skip_serializing_if = "wire::none"
    )]
    pub sender: Option<String>,
    /// The phone numbers and group ids it goes to (`to`). XMS answers with
    /// phone numbers in its own form, digits with the country code and no
    /// `+` (`46701234567` for a batch sent to `+46701234567`).
    #[serde(rename = "to", deserialize_with = "wire::strings")]
    pub recipients: Vec<String>,
    /// The media and its text.
    pub body: MediaBody,
    /// The values of the placeholders.
    #[serde(
        default,
        deserialize_with = "wire::parameters",
        skip_serializing_if = "Parameters::is_empty"
    )]
    pub parameters: Parameters,
    /// Whether it was canceled.
    #[serde(default, deserialize_with = "wire::boolean")]
    pub canceled: bool,
    /// When it was created.
    #[serde(default, deserialize_with = "wire::opt_time", skip_serializing_if = "wire::none")]
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    #[serde(default, deserialize_with = "wire::opt_time", skip_serializing_if = "wire::none")]
    pub modified_at: Option<DateTime<Utc>>,
    /// The delivery report callbacks it asks for.
    #[serde(default = "no_reports", deserialize_with = "reports_or_none")]
    pub delivery_report: DeliveryReportType,
    /// When it is or was sent.
    #[serde(default, deserialize_with = "wire::opt_time", skip_serializing_if = "wire::none")]
    pub send_at: Option<DateTime<Utc>>,
    /// When delivery attempts stop.
    #[serde(default, deserialize_with = "wire::opt_time", skip_serializing_if = "wire::none")]
    pub expire_at: Option<DateTime<Utc>>,
    /// Its own callback URL, if it has one.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub callback_url: Option<String>,
    /// The caller's reference.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub client_reference: Option<String>,
    /// Whether delivery feedback is expected.
    #[serde(default, deserialize_with = "wire::boolean")]
    pub feedback_enabled: bool,
    /// Whether the media was checked against the MMS best practices.
    #[serde(default, deserialize_with = "wire::boolean")]
    pub strict_validation: bool,
    /// Its legacy CLX tags, when it has some (deprecated: tags are an API
    /// of the original CLX service; see [`crate::tags`]).
    #[serde(default, deserialize_with = "wire::strings", skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// The content of an MMS: a media URL, with optional text and subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MediaBody {
    /// Where XMS fetches the media from.
    #[serde(deserialize_with = "wire::string")]
    pub url: String,
    /// The text shown with it.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub message: Option<String>,
    /// The subject line.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub subject: Option<String>,
}

impl MediaBody {
    /// A media body with only the URL.
    pub fn new(url: impl Into<String>) -> Self {
        MediaBody { url: url.into(), message: None, subject: None }
    }

    /// Add the text shown with the media.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Add a subject line.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }
}

/// A batch of a type this version of the SDK does not know, kept as sent.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct UnknownBatch {
    /// Its `type`.
    pub batch_type: BatchType,
    /// Its id (empty if it has none).
    pub id: BatchId,
    /// The whole object as the API sent it.
    pub raw: Map<String, Value>,
}

impl Batch {
    /// The batch's id.
    pub fn id(&self) -> &BatchId {
        match self {
            Batch::Text(b) => &b.id,
            Batch::Binary(b) => &b.id,
            Batch::Media(b) => &b.id,
            Batch::Other(b) => &b.id,
        }
    }

    /// The batch's type.
    pub fn batch_type(&self) -> BatchType {
        match self {
            Batch::Text(_) => BatchType::Text,
            Batch::Binary(_) => BatchType::Binary,
            Batch::Media(_) => BatchType::Media,
            Batch::Other(b) => b.batch_type.clone(),
        }
    }

    /// The sender, if known.
    pub fn sender(&self) -> Option<&str> {
        match self {
            Batch::Text(b) => b.sender.as_deref(),
            Batch::Binary(b) => b.sender.as_deref(),
            Batch::Media(b) => b.sender.as_deref(),
            Batch::Other(b) => b.raw.get("from").and_then(Value::as_str),
        }
    }

    /// The recipients (empty for a batch of an unknown type without `to`).
    pub fn recipients(&self) -> Vec<&str> {
        match self {
            Batch::Text(b) => b.recipients.iter().map(String::as_str).collect(),
            Batch::Binary(b) => b.recipients.iter().map(String::as_str).collect(),
            Batch::Media(b) => b.recipients.iter().map(String::as_str).collect(),
            Batch::Other(b) => b
                .raw
                .get("to")
                .and_then(Value::as_array)
                .map(|to| to.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default(),
        }
    }

    /// Whether it was canceled.
    pub fn canceled(&self) -> bool {
        match self {
            Batch::Text(b) => b.canceled,
            Batch::Binary(b) => b.canceled,
            Batch::Media(b) => b.canceled,
            Batch::Other(b) => b.raw.get("canceled").and_then(Value::as_bool).unwrap_or(false),
        }
    }

    /// The caller's reference, if it has one.
    pub fn client_reference(&self) -> Option<&str> {
        match self {
            Batch::Text(b) => b.client_reference.as_deref(),
            Batch::Binary(b) => b.client_reference.as_deref(),
            Batch::Media(b) => b.client_reference.as_deref(),
            Batch::Other(b) => b.raw.get("client_reference").and_then(Value::as_str),
        }
    }

    /// When it was created, if known.
    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Batch::Text(b) => b.created_at,
            Batch::Binary(b) => b.created_at,
            Batch::Media(b) => b.created_at,
            Batch::Other(b) => b
                .raw
                .get("created_at")
                .and_then(Value::as_str)
                .and_then(|t| raw::Timestamp::parse(t).ok())
                .map(Into::into),
        }
    }
}

/// What a dry run found: the recipients and parts a batch would have.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DryRunResult {
    /// How many recipients the batch has.
    #[serde(deserialize_with = "wire::int")]
    pub number_of_recipients: u32,
    /// How many message parts it would send in all.
    #[serde(deserialize_with = "wire::int")]
    pub number_of_messages: u32,
    /// Details per recipient, when asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub per_recipient: Vec<DryRunRecipient>,
}

/// What one recipient would get.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DryRunRecipient {
    /// The phone number.
    #[serde(deserialize_with = "wire::string")]
    pub recipient: String,
    /// How many parts the message takes.
    #[serde(deserialize_with = "wire::int")]
    pub number_of_parts: u32,
    /// The body with the placeholders filled in.
    #[serde(deserialize_with = "wire::string")]
    pub body: String,
    /// The encoding it would be sent with.
    pub encoding: Encoding,
}

impl<'de> Deserialize<'de> for Batch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        wire::union(d)
    }
}

/// Read by `type`: text when it has none; a batch of a type this version
/// does not know is kept whole in [`Batch::Other`].
impl wire::Union for Batch {
    const EXPECTING: &'static str = "a batch";

    fn reads(kind: Option<&str>) -> Option<&'static str> {
        match kind {
            None | Some("mt_text") => Some("mt_text"),
            Some("mt_binary") => Some("mt_binary"),
            Some("mt_media") => Some("mt_media"),
            Some(_) => None,
        }
    }

    fn variant<'de, A: serde::de::MapAccess<'de>>(
        read_as: &str,
        fields: A,
    ) -> std::result::Result<Self, A::Error> {
        match read_as {
            "mt_binary" => wire::variant(fields).map(Batch::Binary),
            "mt_media" => wire::variant(fields).map(Batch::Media),
            _ => wire::variant(fields).map(Batch::Text),
        }
    }

    fn other(kind: Option<&str>, raw: Map<String, Value>) -> Self {
        Batch::Other(UnknownBatch {
            batch_type: BatchType::from(kind.unwrap_or_default()),
            id: BatchId::new(raw.get("id").map(text_of).unwrap_or_default()),
            raw,
        })
    }
}

/// A JSON string's text, or any other value's JSON text.
pub(crate) fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Serialize for Batch {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Batch::Text(b) => b.serialize(s),
            Batch::Binary(b) => b.serialize(s),
            Batch::Media(b) => b.serialize(s),
            Batch::Other(b) => b.raw.serialize(s),
        }
    }
}

impl ListItem for Batch {
    const KEY: &'static str = "batches";
}

fn no_reports() -> DeliveryReportType {
    DeliveryReportType::None
}

/// `delivery_report` as XMS writes it; `null` (as the official SDKs read
/// it) is no reports, like a missing one.
fn reports_or_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DeliveryReportType, D::Error> {
    <Option<DeliveryReportType> as Deserialize>::deserialize(d)
        .map(|r| r.unwrap_or_else(no_reports))
}
