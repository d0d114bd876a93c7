//! What XMS answers about inbound messages, and what it posts for them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::{
    batches::text_of,
    model::{InboundId, InboundType, MediaUploadStatus},
    pagination::ListItem,
    wire,
    wire::types as wire_type,
};

/// An inbound message, of whichever type.
///
/// ```no_run
/// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
/// use xms::inbounds::Inbound;
/// match client.inbounds().get("01FC66621VHDBN119Z8PMV1AHY").await? {
///     Inbound::Text(mo) => println!("{} says {}", mo.sender, mo.body),
///     other => println!("a {} message from {}", other.inbound_type(), other.sender()),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Inbound {
    /// A text SMS.
    Text(InboundText),
    /// A binary SMS.
    Binary(InboundBinary),
    /// An MMS.
    Media(InboundMedia),
    /// A message of a type this version of the SDK does not know. Once the
    /// SDK learns that type, such messages arrive in a variant of their own:
    /// code that matches `Other` should not rely on seeing them here.
    Other(UnknownInbound),
}

/// An inbound text SMS (`mo_text`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InboundText {
    /// Writes `type` back; reading takes it from the [`Inbound`] dispatch.
    #[serde(rename = "type", skip_deserializing)]
    pub(crate) kind: wire_type::MoText,
    /// The message's id.
    pub id: InboundId,
    /// The phone that sent it (`from`), as XMS writes it: digits with the
    /// country code and no leading `+` (`46701234567`).
    #[serde(rename = "from", deserialize_with = "wire::string")]
    pub sender: String,
    /// The number or short code it was sent to (`to`), as XMS writes it.
    #[serde(rename = "to", deserialize_with = "wire::string")]
    pub recipient: String,
    /// The MCC/MNC of the sender's operator, when known.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub operator_id: Option<String>,
    /// When the phone sent it, when the operator says.
    #[serde(default, deserialize_with = "wire::opt_time", skip_serializing_if = "wire::none")]
    pub sent_at: Option<DateTime<Utc>>,
    /// When XMS received it.
    #[serde(deserialize_with = "wire::time")]
    pub received_at: DateTime<Utc>,
    /// The client reference of the batch it answers, when the account links them.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub client_reference: Option<String>,
    /// The text.
    #[serde(deserialize_with = "wire::string")]
    pub body: String,
}

/// An inbound binary SMS (`mo_binary`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InboundBinary {
    /// Writes `type` back; reading takes it from the [`Inbound`] dispatch.
    #[serde(rename = "type", skip_deserializing)]
    pub(crate) kind: wire_type::MoBinary,
    /// The message's id.
    pub id: InboundId,
    /// The phone that sent it (`from`), as XMS writes it: digits with the
    /// country code and no leading `+` (`46701234567`).
    #[serde(rename = "from", deserialize_with = "wire::string")]
    pub sender: String,
    /// The number or short code it was sent to (`to`), as XMS writes it.
    #[serde(rename = "to", deserialize_with = "wire::string")]
    pub recipient: String,
    /// The MCC/MNC of the sender's operator, when known.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub operator_id: Option<String>,
    /// When the phone sent it, when the operator says.
    #[serde(default, deserialize_with = "wire::opt_time", skip_serializing_if = "wire::none")]
    pub sent_at: Option<DateTime<Utc>>,
    /// When XMS received it.
    #[serde(deserialize_with = "wire::time")]
    pub received_at: DateTime<Utc>,
    /// The client reference of the batch it answers, when the account links them.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub client_reference: Option<String>,
    /// The payload, base64.
    #[serde(deserialize_with = "wire::string")]
    pub body: String,
    /// The user data header, hex.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub udh: Option<String>,
}

/// An inbound MMS (`mo_media`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InboundMedia {
    /// Writes `type` back; reading takes it from the [`Inbound`] dispatch.
    #[serde(rename = "type", skip_deserializing)]
    pub(crate) kind: wire_type::MoMedia,
    /// The message's id.
    pub id: InboundId,
    /// The phone that sent it (`from`), as XMS writes it: digits with the
    /// country code and no leading `+` (`46701234567`).
    #[serde(rename = "from", deserialize_with = "wire::string")]
    pub sender: String,
    /// The number or short code it was sent to (`to`), as XMS writes it.
    #[serde(rename = "to", deserialize_with = "wire::string")]
    pub recipient: String,
    /// The MCC/MNC of the sender's operator, when known.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub operator_id: Option<String>,
    /// When the phone sent it, when the operator says.
    #[serde(default, deserialize_with = "wire::opt_time", skip_serializing_if = "wire::none")]
    pub sent_at: Option<DateTime<Utc>>,
    /// When XMS received it.
    #[serde(deserialize_with = "wire::time")]
    pub received_at: DateTime<Utc>,
    /// The client reference of the batch it answers, when the account links them.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub client_reference: Option<String>,
    /// The subject, text and attachments.
    pub body: InboundMediaBody,
}

/// The content of an inbound MMS.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InboundMediaBody {
    /// The subject line.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub subject: Option<String>,
    /// The text.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub message: Option<String>,
    /// The attachments.
    #[serde(default)]
    pub media: Vec<MediaItem>,
}

/// One attachment of an inbound MMS.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MediaItem {
    /// Where to download it (absent when the upload failed).
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub url: Option<String>,
    /// Its MIME type.
    #[serde(deserialize_with = "wire::string")]
    pub content_type: String,
    /// Whether XMS stored it.
    pub status: MediaUploadStatus,
    /// 0 success, 1 content upload error, 2 cloud bucket error, 3 bucket key error.
    #[serde(deserialize_with = "wire::int")]
    pub code: i32,
}

/// An inbound message of a type this version of the SDK does not know.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct UnknownInbound {
    /// Its `type`.
    pub inbound_type: InboundType,
    /// The whole object as the API sent it.
    pub raw: Map<String, Value>,
}

impl Inbound {
    /// The message's type.
    pub fn inbound_type(&self) -> InboundType {
        match self {
            Inbound::Text(_) => InboundType::Text,
            Inbound::Binary(_) => InboundType::Binary,
            Inbound::Media(_) => InboundType::Media,
            Inbound::Other(o) => o.inbound_type.clone(),
        }
    }

    /// The message's id (empty for a message of an unknown type without one).
    pub fn id(&self) -> InboundId {
        match self {
            Inbound::Text(m) => m.id.clone(),
            Inbound::Binary(m) => m.id.clone(),
            Inbound::Media(m) => m.id.clone(),
            Inbound::Other(o) => InboundId::new(o.raw.get("id").map(text_of).unwrap_or_default()),
        }
    }

    /// The phone that sent it.
    pub fn sender(&self) -> &str {
        match self {
            Inbound::Text(m) => &m.sender,
            Inbound::Binary(m) => &m.sender,
            Inbound::Media(m) => &m.sender,
            Inbound::Other(o) => o.raw.get("from").and_then(Value::as_str).unwrap_or(""),
        }
    }

    /// The number or short code it was sent to.
    pub fn recipient(&self) -> &str {
        match self {
            Inbound::Text(m) => &m.recipient,
            Inbound::Binary(m) => &m.recipient,
            Inbound::Media(m) => &m.recipient,
            Inbound::Other(o) => o.raw.get("to").and_then(Value::as_str).unwrap_or(""),
        }
    }

    /// When XMS received it (`None` for a message of an unknown type).
    pub fn received_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Inbound::Text(m) => Some(m.received_at),
            Inbound::Binary(m) => Some(m.received_at),
            Inbound::Media(m) => Some(m.received_at),
            Inbound::Other(_) => None,
        }
    }
}

impl<'de> Deserialize<'de> for Inbound {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        wire::union(d)
    }
}

/// Read by `type`; a message of a type this version does not know is kept
/// whole in [`Inbound::Other`].
impl wire::Union for Inbound {
    const EXPECTING: &'static str = "an inbound message";

    /// A message without `type` is kept whole.
    fn reads(kind: Option<&str>) -> Option<&'static str> {
        match kind? {
            "mo_text" => Some("mo_text"),
            "mo_binary" => Some("mo_binary"),
            "mo_media" => Some("mo_media"),
            _ => None,
        }
    }

    fn variant<'de, A: serde::de::MapAccess<'de>>(
        read_as: &str,
        fields: A,
    ) -> std::result::Result<Self, A::Error> {
        match read_as {
            "mo_binary" => wire::variant(fields).map(Inbound::Binary),
            "mo_media" => wire::variant(fields).map(Inbound::Media),
            _ => wire::variant(fields).map(Inbound::Text),
        }
    }

    fn other(kind: Option<&str>, raw: serde_json::Map<String, serde_json::Value>) -> Self {
        Inbound::Other(UnknownInbound { inbound_type: InboundType::from(kind.unwrap_or("")), raw })
    }
}

impl Serialize for Inbound {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Inbound::Text(m) => m.serialize(s),
            Inbound::Binary(m) => m.serialize(s),
            Inbound::Media(m) => m.serialize(s),
            Inbound::Other(o) => o.raw.serialize(s),
        }
    }
}

impl ListItem for Inbound {
    const KEY: &'static str = "inbounds";
}
