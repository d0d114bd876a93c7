//! Batches: sending text, binary and media messages, and changing them
//! before they go out. Reached through [`Client::batches`].

use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::{
    Client, Error, Result,
    client::{Handle, terminal},
    convert::{constrained, parameters_to_raw, times},
    model::{BatchId, BatchType, DeliveryReportType, Encoding, Parameters},
    pagination::{ListItem, ListQuery, Page, listing},
    raw::{self, types as rt},
    validate, wire,
    wire::types as wire_type,
};

// ------------------------------------------------------------------ models

/// A batch, of whichever type. Returned where the caller cannot know the
/// type in advance, such as [`Batches::get`].
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
    /// A batch of a type this version of the SDK does not know.
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
        skip_serializing_if = "Option::is_none"
    )]
    pub sender: Option<String>,
    /// The phone numbers and group ids it goes to (`to`).
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
    #[serde(
        default,
        deserialize_with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    #[serde(
        default,
        deserialize_with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub modified_at: Option<DateTime<Utc>>,
    /// The delivery report callbacks it asks for.
    #[serde(default = "no_reports")]
    pub delivery_report: DeliveryReportType,
    /// When it is or was sent.
    #[serde(
        default,
        deserialize_with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub send_at: Option<DateTime<Utc>>,
    /// When delivery attempts stop.
    #[serde(
        default,
        deserialize_with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub expire_at: Option<DateTime<Utc>>,
    /// Its own callback URL, if it has one.
    #[serde(
        default,
        deserialize_with = "wire::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub callback_url: Option<String>,
    /// The caller's reference.
    #[serde(
        default,
        deserialize_with = "wire::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
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
    #[serde(
        default,
        deserialize_with = "wire::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_number_of_message_parts: Option<u32>,
    /// The sender's type of number.
    #[serde(
        default,
        deserialize_with = "wire::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub from_ton: Option<u8>,
    /// The sender's numbering plan.
    #[serde(
        default,
        deserialize_with = "wire::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub from_npi: Option<u8>,
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
        skip_serializing_if = "Option::is_none"
    )]
    pub sender: Option<String>,
    /// The phone numbers and group ids it goes to (`to`).
    #[serde(rename = "to", deserialize_with = "wire::strings")]
    pub recipients: Vec<String>,
    /// The payload, base64; see [`BinaryBatch::body_bytes`].
    #[serde(deserialize_with = "wire::string")]
    pub body: String,
    /// The user data header, hex; see [`BinaryBatch::udh_bytes`].
    #[serde(
        default,
        deserialize_with = "wire::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub udh: Option<String>,
    /// Whether it was canceled.
    #[serde(default, deserialize_with = "wire::boolean")]
    pub canceled: bool,
    /// When it was created.
    #[serde(
        default,
        deserialize_with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    #[serde(
        default,
        deserialize_with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub modified_at: Option<DateTime<Utc>>,
    /// The delivery report callbacks it asks for.
    #[serde(default = "no_reports")]
    pub delivery_report: DeliveryReportType,
    /// When it is or was sent.
    #[serde(
        default,
        deserialize_with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub send_at: Option<DateTime<Utc>>,
    /// When delivery attempts stop.
    #[serde(
        default,
        deserialize_with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub expire_at: Option<DateTime<Utc>>,
    /// Its own callback URL, if it has one.
    #[serde(
        default,
        deserialize_with = "wire::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub callback_url: Option<String>,
    /// The caller's reference.
    #[serde(
        default,
        deserialize_with = "wire::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
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
    #[serde(
        default,
        deserialize_with = "wire::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_number_of_message_parts: Option<u32>,
    /// The sender's type of number.
    #[serde(
        default,
        deserialize_with = "wire::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub from_ton: Option<u8>,
    /// The sender's numbering plan.
    #[serde(
        default,
        deserialize_with = "wire::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub from_npi: Option<u8>,
}

impl BinaryBatch {
    /// The payload, decoded.
    pub fn body_bytes(&self) -> Result<Vec<u8>> {
        validate::base64("body", &self.body)
    }

    /// The user data header, decoded (empty when there is none).
    pub fn udh_bytes(&self) -> Result<Vec<u8>> {
        self.udh
            .as_deref()
            .map_or(Ok(Vec::new()), |udh| validate::hex("udh", udh))
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
        skip_serializing_if = "Option::is_none"
    )]
    pub sender: Option<String>,
    /// The phone numbers and group ids it goes to (`to`).
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
    #[serde(
        default,
        deserialize_with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    #[serde(
        default,
        deserialize_with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub modified_at: Option<DateTime<Utc>>,
    /// The delivery report callbacks it asks for.
    #[serde(default = "no_reports")]
    pub delivery_report: DeliveryReportType,
    /// When it is or was sent.
    #[serde(
        default,
        deserialize_with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub send_at: Option<DateTime<Utc>>,
    /// When delivery attempts stop.
    #[serde(
        default,
        deserialize_with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub expire_at: Option<DateTime<Utc>>,
    /// Its own callback URL, if it has one.
    #[serde(
        default,
        deserialize_with = "wire::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub callback_url: Option<String>,
    /// The caller's reference.
    #[serde(
        default,
        deserialize_with = "wire::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_reference: Option<String>,
    /// Whether delivery feedback is expected.
    #[serde(default, deserialize_with = "wire::boolean")]
    pub feedback_enabled: bool,
    /// Whether the media was checked against the MMS best practices.
    #[serde(default, deserialize_with = "wire::boolean")]
    pub strict_validation: bool,
}

/// The content of an MMS: a media URL, with optional text and subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MediaBody {
    /// Where XMS fetches the media from.
    #[serde(deserialize_with = "wire::string")]
    pub url: String,
    /// The text shown with it.
    #[serde(
        default,
        deserialize_with = "wire::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub message: Option<String>,
    /// The subject line.
    #[serde(
        default,
        deserialize_with = "wire::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub subject: Option<String>,
}

impl MediaBody {
    /// A media body with only the URL.
    pub fn new(url: impl Into<String>) -> Self {
        MediaBody {
            url: url.into(),
            message: None,
            subject: None,
        }
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
            Batch::Other(b) => b
                .raw
                .get("canceled")
                .and_then(Value::as_bool)
                .unwrap_or(false),
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

// ---------------------------------------------------------- raw to models

// The conversions below name every field of the generated struct (no `..`):
// a field added to the spec fails to compile here until it is mapped or
// deliberately ignored, so nothing the API sends is dropped unnoticed.

/// Read by `type` (a batch without one is text); a batch of a type this
/// version does not know is kept whole in [`Batch::Other`].
impl<'de> Deserialize<'de> for Batch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let tagged = wire::Tagged::read(d)?;
        match tagged.kind.as_deref() {
            None | Some("mt_text") => tagged.parse("mt_text").map(Batch::Text),
            Some("mt_binary") => tagged.parse("").map(Batch::Binary),
            Some("mt_media") => tagged.parse("").map(Batch::Media),
            Some(other) => {
                let raw = tagged.keep()?;
                Ok(Batch::Other(UnknownBatch {
                    batch_type: BatchType::from(other),
                    id: BatchId::new(raw.get("id").map(text_of).unwrap_or_default()),
                    raw,
                }))
            }
        }
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

// ----------------------------------------------------------- batch kinds

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Text {}
    impl Sealed for super::Binary {}
    impl Sealed for super::Media {}
}

/// The type of batch a builder makes: [`Text`], [`Binary`] or [`Media`].
/// It decides which settings the builder offers and what `send` returns.
pub trait BatchKind: sealed::Sealed + Send + Sync + 'static {
    /// What sending this kind of batch returns.
    type Output: Send;
    /// The wire type.
    const TYPE: BatchType;
    #[doc(hidden)]
    fn expect(batch: Batch) -> std::result::Result<Self::Output, Box<Batch>>;
}

/// Marks a text SMS builder.
#[derive(Debug)]
pub enum Text {}
/// Marks a binary SMS builder.
#[derive(Debug)]
pub enum Binary {}
/// Marks an MMS builder.
#[derive(Debug)]
pub enum Media {}

/// Read the answer to a send, update or replace as the kind asked for. An
/// answer of another type means XMS took the request (the batch exists) but
/// the SDK cannot give it as that kind: the error says so and keeps the
/// answer, with the id.
pub(crate) fn expect_kind<K: BatchKind>(
    batch: Batch,
    answer: crate::client::Answer,
    client: &Client,
) -> Result<K::Output> {
    K::expect(batch).map_err(|got| Error::UnexpectedResponse {
        reason: format!(
            "XMS accepted the request ({}) and answered with the {} batch {}, where a {} batch \
             was expected; the batch exists, so do not send it again",
            answer.status,
            got.batch_type(),
            got.id(),
            K::TYPE,
        ),
        response: crate::error::ResponseInfo::new(
            answer.status,
            answer.headers,
            &serde_json::to_vec(&got).unwrap_or_default(),
            &client.secrets(),
        ),
        source: None,
    })
}

impl BatchKind for Text {
    type Output = TextBatch;
    const TYPE: BatchType = BatchType::Text;
    fn expect(batch: Batch) -> std::result::Result<TextBatch, Box<Batch>> {
        match batch {
            Batch::Text(b) => Ok(b),
            other => Err(Box::new(other)),
        }
    }
}

impl BatchKind for Binary {
    type Output = BinaryBatch;
    const TYPE: BatchType = BatchType::Binary;
    fn expect(batch: Batch) -> std::result::Result<BinaryBatch, Box<Batch>> {
        match batch {
            Batch::Binary(b) => Ok(b),
            other => Err(Box::new(other)),
        }
    }
}

impl BatchKind for Media {
    type Output = MediaBatch;
    const TYPE: BatchType = BatchType::Media;
    fn expect(batch: Batch) -> std::result::Result<MediaBatch, Box<Batch>> {
        match batch {
            Batch::Media(b) => Ok(b),
            other => Err(Box::new(other)),
        }
    }
}

// ------------------------------------------------------------ send builder

/// The rules a send and an update share, over the fields they set.
struct Checks<'a> {
    sender: Option<&'a str>,
    body: Option<&'a Body>,
    parameters: Option<&'a Parameters>,
    send_at: Option<DateTime<Utc>>,
    expire_at: Option<DateTime<Utc>>,
    callback_url: Option<&'a str>,
    client_reference: Option<&'a str>,
    max_parts: Option<u32>,
    from_ton: Option<u8>,
    from_npi: Option<u8>,
}

impl Checks<'_> {
    fn run(self) -> Result<()> {
        if let Some(sender) = self.sender {
            validate::non_empty("sender", sender)?;
        }
        match self.body {
            Some(Body::Text(text)) => {
                validate::max_chars("body", text, validate::MAX_TEXT_BODY_CHARS)?
            }
            Some(Body::Binary { body, udh }) => validate::binary(body, udh)?,
            Some(Body::Media(media)) => {
                validate::non_empty("body.url", &media.url)?;
                validate::url("body.url", &media.url)?;
            }
            None => {}
        }
        if let Some(parameters) = self.parameters {
            validate::parameters(parameters)?;
        }
        validate::schedule(self.send_at, self.expire_at)?;
        if let Some(url) = self.callback_url {
            validate::url("callback_url", url)?;
        }
        if let Some(reference) = self.client_reference {
            validate::max_chars(
                "client_reference",
                reference,
                validate::MAX_CLIENT_REFERENCE_CHARS,
            )?;
        }
        if let Some(parts) = self.max_parts {
            validate::range(
                "max_number_of_message_parts",
                parts.into(),
                1,
                i32::MAX.into(),
            )?;
        }
        if let Some(ton) = self.from_ton {
            validate::range("from_ton", ton.into(), 0, 6)?;
        }
        if let Some(npi) = self.from_npi {
            validate::range("from_npi", npi.into(), 0, 18)?;
        }
        Ok(())
    }
}

#[derive(Clone, Debug)]
enum Body {
    Text(String),
    Binary { body: String, udh: String },
    Media(MediaBody),
}

/// A batch being built, to [send](SendBatch::send), [dry run](SendBatch::dry_run)
/// or [put in place of another](SendBatch::replace). Made by
/// [`Batches::text`], [`Batches::binary`] and [`Batches::media`].
///
/// Nothing is checked or sent until the final call; then every rule of the
/// API that can be checked here is, and a broken one fails with
/// [`Error::InvalidRequest`] before anything is sent.
#[derive(Clone, Debug)]
#[must_use = "a batch is only sent by .send()"]
pub struct SendBatch<K, H = Client> {
    handle: H,
    kind: PhantomData<fn() -> K>,
    sender: Option<String>,
    recipients: Vec<String>,
    body: Body,
    parameters: Parameters,
    delivery_report: Option<DeliveryReportType>,
    send_at: Option<DateTime<Utc>>,
    expire_at: Option<DateTime<Utc>>,
    callback_url: Option<String>,
    client_reference: Option<String>,
    feedback_enabled: Option<bool>,
    flash_message: Option<bool>,
    truncate_concat: Option<bool>,
    max_number_of_message_parts: Option<u32>,
    from_ton: Option<u8>,
    from_npi: Option<u8>,
    strict_validation: Option<bool>,
}

impl<K: BatchKind, H: Handle> SendBatch<K, H> {
    fn new(handle: H, sender: String, recipients: Vec<String>, body: Body) -> Self {
        SendBatch {
            handle,
            kind: PhantomData,
            sender: Some(sender),
            recipients,
            body,
            parameters: Parameters::new(),
            delivery_report: None,
            send_at: None,
            expire_at: None,
            callback_url: None,
            client_reference: None,
            feedback_enabled: None,
            flash_message: None,
            truncate_concat: None,
            max_number_of_message_parts: None,
            from_ton: None,
            from_npi: None,
            strict_validation: None,
        }
    }

    /// Leave the sender out, so XMS picks one from the account's default
    /// originator pool per recipient.
    pub fn without_sender(mut self) -> Self {
        self.sender = None;
        self
    }

    /// Add a recipient: a phone number or a group id.
    pub fn recipient(mut self, recipient: impl Into<String>) -> Self {
        self.recipients.push(recipient.into());
        self
    }

    /// Add recipients.
    pub fn recipients<I, S>(mut self, recipients: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.recipients
            .extend(recipients.into_iter().map(Into::into));
        self
    }

    /// Which delivery report callbacks to get (none when not set).
    pub fn delivery_report(mut self, kind: DeliveryReportType) -> Self {
        self.delivery_report = Some(kind);
        self
    }

    /// Send at this time instead of now.
    pub fn send_at(mut self, at: DateTime<Utc>) -> Self {
        self.send_at = Some(at);
        self
    }

    /// Give up delivering at this time: after `send_at`, at most 3 days
    /// later (the default).
    pub fn expire_at(mut self, at: DateTime<Utc>) -> Self {
        self.expire_at = Some(at);
        self
    }

    /// Send this batch's delivery report callbacks here instead of to the
    /// service plan's callback URL.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// A reference of yours (at most 2048 characters), echoed in delivery
    /// reports and callbacks. Also the way to find a batch again after a send
    /// whose answer was lost.
    pub fn client_reference(mut self, reference: impl Into<String>) -> Self {
        self.client_reference = Some(reference.into());
        self
    }

    /// Whether you will report delivery with [`Batches::delivery_feedback`].
    pub fn feedback_enabled(mut self, enabled: bool) -> Self {
        self.feedback_enabled = Some(enabled);
        self
    }

    fn check(&self) -> Result<()> {
        validate::list("recipients", &self.recipients, 1, validate::MAX_RECIPIENTS)?;
        Checks {
            sender: self.sender.as_deref(),
            body: Some(&self.body),
            parameters: Some(&self.parameters),
            send_at: self.send_at,
            expire_at: self.expire_at,
            callback_url: self.callback_url.as_deref(),
            client_reference: self.client_reference.as_deref(),
            max_parts: self.max_number_of_message_parts,
            from_ton: self.from_ton,
            from_npi: self.from_npi,
        }
        .run()
    }

    fn to_raw(&self) -> Result<rt::SendBatchRequest> {
        self.check()?;
        let parameters = (!self.parameters.is_empty()).then(|| parameters_to_raw(&self.parameters));
        let parts = self
            .max_number_of_message_parts
            .and_then(std::num::NonZeroU32::new);
        let ton = self.from_ton.map(i32::from);
        let npi = self.from_npi.map(i32::from);
        Ok(match &self.body {
            Body::Text(text) => rt::TextBatchRequest {
                type_: Some(rt::TextBatchType::MtText),
                to: self.recipients.clone(),
                from: self.sender.clone(),
                body: constrained("body", text.clone())?,
                parameters,
                delivery_report: self.delivery_report.clone(),
                send_at: times(self.send_at),
                expire_at: times(self.expire_at),
                callback_url: self
                    .callback_url
                    .clone()
                    .map(|u| constrained("callback_url", u))
                    .transpose()?,
                client_reference: self
                    .client_reference
                    .clone()
                    .map(|r| constrained("client_reference", r))
                    .transpose()?,
                feedback_enabled: self.feedback_enabled,
                flash_message: self.flash_message,
                truncate_concat: self.truncate_concat,
                max_number_of_message_parts: parts,
                from_ton: ton,
                from_npi: npi,
            }
            .into(),
            Body::Binary { body, udh } => rt::BinaryBatchRequest {
                type_: rt::BinaryBatchType::MtBinary,
                to: self.recipients.clone(),
                from: self.sender.clone(),
                body: body.clone(),
                udh: udh.clone(),
                delivery_report: self.delivery_report.clone(),
                send_at: times(self.send_at),
                expire_at: times(self.expire_at),
                callback_url: self
                    .callback_url
                    .clone()
                    .map(|u| constrained("callback_url", u))
                    .transpose()?,
                client_reference: self
                    .client_reference
                    .clone()
                    .map(|r| constrained("client_reference", r))
                    .transpose()?,
                feedback_enabled: self.feedback_enabled,
                flash_message: self.flash_message,
                truncate_concat: self.truncate_concat,
                max_number_of_message_parts: parts,
                from_ton: ton,
                from_npi: npi,
            }
            .into(),
            Body::Media(media) => rt::MediaBatchRequest {
                type_: rt::MediaBatchType::MtMedia,
                to: self.recipients.clone(),
                from: self.sender.clone(),
                body: media.clone(),
                parameters,
                delivery_report: self.delivery_report.clone(),
                send_at: times(self.send_at),
                expire_at: times(self.expire_at),
                callback_url: self
                    .callback_url
                    .clone()
                    .map(|u| constrained("callback_url", u))
                    .transpose()?,
                client_reference: self
                    .client_reference
                    .clone()
                    .map(|r| constrained("client_reference", r))
                    .transpose()?,
                feedback_enabled: self.feedback_enabled,
                strict_validation: self.strict_validation,
            }
            .into(),
        })
    }

    /// Dry run this batch instead of sending it: how many parts and which
    /// encoding each recipient's message would take.
    pub fn dry_run(self) -> DryRun<H> {
        DryRun {
            request: self.to_raw(),
            handle: self.handle,
            per_recipient: None,
            number_of_recipients: None,
        }
    }
}

/// Settings of text and media batches.
macro_rules! parameter_methods {
    ($kind:ty) => {
        impl<H: Handle> SendBatch<$kind, H> {
            /// Give the `${key}` placeholder a value per recipient, and a
            /// default for the recipients not listed.
            ///
            /// ```no_run
            /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
            /// client.batches()
            ///     .text("12345", ["+46701234567", "+46707654321"], "Hi ${name}!")
            ///     .parameter("name", [("+46701234567", "Mary")], "valued customer")
            ///     .send()
            ///     .await?;
            /// # Ok(()) }
            /// ```
            pub fn parameter<I, R, V>(
                self,
                key: impl Into<String>,
                values: I,
                default: impl Into<String>,
            ) -> Self
            where
                I: IntoIterator<Item = (R, V)>,
                R: Into<String>,
                V: Into<String>,
            {
                let key = key.into();
                let mut this = self.parameter_without_default(key.clone(), values);
                this.parameters
                    .entry(key)
                    .or_default()
                    .insert("default".into(), default.into());
                this
            }

            /// Give the `${key}` placeholder a value per recipient, without a
            /// default: the message fails (code 405) for a recipient not listed.
            pub fn parameter_without_default<I, R, V>(
                mut self,
                key: impl Into<String>,
                values: I,
            ) -> Self
            where
                I: IntoIterator<Item = (R, V)>,
                R: Into<String>,
                V: Into<String>,
            {
                let entry = self.parameters.entry(key.into()).or_default();
                entry.extend(values.into_iter().map(|(r, v)| (r.into(), v.into())));
                self
            }

            /// Set all parameters at once, replacing any set before.
            pub fn parameters(mut self, parameters: Parameters) -> Self {
                self.parameters = parameters;
                self
            }
        }
    };
}

parameter_methods!(Text);
parameter_methods!(Media);

/// Settings of SMS (text and binary) batches.
macro_rules! sms_methods {
    ($kind:ty) => {
        impl<H: Handle> SendBatch<$kind, H> {
            /// Show the message at once without storing it on the phone.
            pub fn flash_message(mut self, flash: bool) -> Self {
                self.flash_message = Some(flash);
                self
            }

            /// Cut the message to one part instead of splitting it.
            pub fn truncate_concat(mut self, truncate: bool) -> Self {
                self.truncate_concat = Some(truncate);
                self
            }

            /// Do not send a message that needs more parts than this (it
            /// fails with code 411).
            pub fn max_number_of_message_parts(mut self, parts: u32) -> Self {
                self.max_number_of_message_parts = Some(parts);
                self
            }

            /// The sender's type of number (0 to 6), overriding XMS's guess.
            pub fn from_ton(mut self, ton: u8) -> Self {
                self.from_ton = Some(ton);
                self
            }

            /// The sender's numbering plan (0 to 18), overriding XMS's guess.
            pub fn from_npi(mut self, npi: u8) -> Self {
                self.from_npi = Some(npi);
                self
            }
        }
    };
}

sms_methods!(Text);
sms_methods!(Binary);

impl<H: Handle> SendBatch<Media, H> {
    /// The text shown with the media.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        if let Body::Media(media) = &mut self.body {
            media.message = Some(message.into());
        }
        self
    }

    /// The subject line.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        if let Body::Media(media) = &mut self.body {
            media.subject = Some(subject.into());
        }
        self
    }

    /// Refuse media that does not follow the MMS best practices instead of
    /// sending it anyway.
    pub fn strict_validation(mut self, strict: bool) -> Self {
        self.strict_validation = Some(strict);
        self
    }
}

terminal! {
    impl[K: BatchKind] SendBatch[K] {
        /// Check and send the batch.
        ///
        /// Never retried on a timeout or server error (the first attempt
        /// may have been processed); on such an error, look for the batch by
        /// its client reference before sending again.
        pub fn send(self) -> Result<K::Output> {
            let request = self.to_raw()?;
            let client = self.handle.client();
            let (batch, answer) = client
                .call_with_response(|raw, plan| raw.send_batch().service_plan_id(plan).body(request).send())
                .await?;
            expect_kind::<K>(batch, answer, client)
        }

        /// Check the batch and put it in place of the batch `id`, which
        /// must not have been dispatched yet. The same as cancelling it and
        /// sending this one, keeping the id.
        pub fn replace(self, id: impl Into<BatchId>) -> Result<K::Output> {
            let id = id.into();
            validate::id("batch_id", id.as_str())?;
            let request = self.to_raw()?;
            let client = self.handle.client();
            let (batch, answer) = client
                .call_with_response(|raw, plan| raw.replace_batch().service_plan_id(plan).batch_id(id.as_str()).body(request).send())
                .await?;
            expect_kind::<K>(batch, answer, client)
        }
    }
}

/// A dry run being set up; made by [`SendBatch::dry_run`].
#[derive(Debug)]
#[must_use = "a dry run is only made by .send()"]
pub struct DryRun<H = Client> {
    handle: H,
    request: Result<rt::SendBatchRequest>,
    per_recipient: Option<bool>,
    number_of_recipients: Option<u32>,
}

impl<H: Handle> DryRun<H> {
    /// Include the body, parts and encoding of each recipient's message.
    pub fn per_recipient(mut self, include: bool) -> Self {
        self.per_recipient = Some(include);
        self
    }

    /// Give details for at most this many recipients (100 by default, at
    /// most 1000). Implies [`DryRun::per_recipient`].
    pub fn number_of_recipients(mut self, count: u32) -> Self {
        self.per_recipient = Some(true);
        self.number_of_recipients = Some(count);
        self
    }
}

terminal! {
    impl[] DryRun[] {
        /// Run it.
        pub fn send(self) -> Result<DryRunResult> {
            let request = self.request?;
            if let Some(n) = self.number_of_recipients {
                validate::range("number_of_recipients", n.into(), 1, 1000)?;
            }
            let n = self.number_of_recipients.map(|n| n as i32);
            let per_recipient = self.per_recipient;
            let result = self
                .handle
                .client()
                .call(|raw, plan| {
                    let mut call = raw.dry_run_batch().service_plan_id(plan).body(request);
                    if let Some(per) = per_recipient {
                        call = call.per_recipient(per);
                    }
                    if let Some(n) = n {
                        call = call.number_of_recipients(n);
                    }
                    call.send()
                })
                .await?;
            Ok(result)
        }
    }
}

// ---------------------------------------------------------- update builder

/// A field of an update: left alone, put back to its default (JSON null),
/// or set.
#[derive(Clone, Debug, Default)]
enum Field<T> {
    #[default]
    Keep,
    Reset,
    Set(T),
}

impl<T> Field<T> {
    /// Into the generated resettable type `W`: left out, `W(None)` (sent as
    /// null), or `W(Some(value))`.
    fn map<U, W>(self, set: impl FnOnce(T) -> U, wrap: impl FnOnce(Option<U>) -> W) -> Option<W> {
        match self {
            Field::Keep => None,
            Field::Reset => Some(wrap(None)),
            Field::Set(v) => Some(wrap(Some(set(v)))),
        }
    }

    fn get(&self) -> Option<&T> {
        match self {
            Field::Set(v) => Some(v),
            _ => None,
        }
    }
}

/// Changes to a batch that has not been dispatched; made by
/// [`Batches::update_text`], [`Batches::update_binary`] and
/// [`Batches::update_media`]. Only what is set here changes; the `reset_*`
/// methods put a field back to its default.
///
/// ```no_run
/// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
/// let batch = client.batches()
///     .update_text("01FC66621XXXXX119Z8PMV1QPQ")
///     .add_recipients(["+46701111111"])
///     .remove_recipients(["+46702222222"])
///     .reset_send_at() // send now instead of at the scheduled time
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use = "an update is only sent by .send()"]
pub struct UpdateBatch<K, H = Client> {
    handle: H,
    kind: PhantomData<fn() -> K>,
    id: BatchId,
    to_add: Vec<String>,
    to_remove: Vec<String>,
    sender: Option<String>,
    body: Option<Body>,
    parameters: Field<Parameters>,
    delivery_report: Field<DeliveryReportType>,
    send_at: Field<DateTime<Utc>>,
    expire_at: Field<DateTime<Utc>>,
    callback_url: Field<String>,
    client_reference: Option<String>,
    feedback_enabled: Option<bool>,
    flash_message: Option<bool>,
    truncate_concat: Option<bool>,
    max_number_of_message_parts: Option<u32>,
    from_ton: Option<u8>,
    from_npi: Option<u8>,
    strict_validation: Option<bool>,
}

impl<K: BatchKind, H: Handle> UpdateBatch<K, H> {
    fn new(handle: H, id: BatchId) -> Self {
        UpdateBatch {
            handle,
            kind: PhantomData,
            id,
            to_add: Vec::new(),
            to_remove: Vec::new(),
            sender: None,
            body: None,
            parameters: Field::Keep,
            delivery_report: Field::Keep,
            send_at: Field::Keep,
            expire_at: Field::Keep,
            callback_url: Field::Keep,
            client_reference: None,
            feedback_enabled: None,
            flash_message: None,
            truncate_concat: None,
            max_number_of_message_parts: None,
            from_ton: None,
            from_npi: None,
            strict_validation: None,
        }
    }

    /// Add recipients (phone numbers or group ids; at most 100 per update).
    pub fn add_recipients<I, S>(mut self, recipients: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.to_add.extend(recipients.into_iter().map(Into::into));
        self
    }

    /// Remove recipients (at most 100 per update).
    pub fn remove_recipients<I, S>(mut self, recipients: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.to_remove
            .extend(recipients.into_iter().map(Into::into));
        self
    }

    /// Change the sender.
    pub fn sender(mut self, sender: impl Into<String>) -> Self {
        self.sender = Some(sender.into());
        self
    }

    /// Change the delivery report callbacks.
    pub fn delivery_report(mut self, kind: DeliveryReportType) -> Self {
        self.delivery_report = Field::Set(kind);
        self
    }

    /// Put the delivery report callbacks back to the default (none).
    pub fn reset_delivery_report(mut self) -> Self {
        self.delivery_report = Field::Reset;
        self
    }

    /// Change when the batch is sent.
    pub fn send_at(mut self, at: DateTime<Utc>) -> Self {
        self.send_at = Field::Set(at);
        self
    }

    /// Remove the scheduled time: send now.
    pub fn reset_send_at(mut self) -> Self {
        self.send_at = Field::Reset;
        self
    }

    /// Change when delivery attempts stop.
    pub fn expire_at(mut self, at: DateTime<Utc>) -> Self {
        self.expire_at = Field::Set(at);
        self
    }

    /// Put the expiry back to the default (3 days after sending).
    pub fn reset_expire_at(mut self) -> Self {
        self.expire_at = Field::Reset;
        self
    }

    /// Change the batch's callback URL.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Field::Set(url.into());
        self
    }

    /// Use the service plan's callback URL again.
    pub fn reset_callback_url(mut self) -> Self {
        self.callback_url = Field::Reset;
        self
    }

    /// Change the client reference.
    pub fn client_reference(mut self, reference: impl Into<String>) -> Self {
        self.client_reference = Some(reference.into());
        self
    }

    /// Change whether delivery feedback is expected.
    pub fn feedback_enabled(mut self, enabled: bool) -> Self {
        self.feedback_enabled = Some(enabled);
        self
    }

    fn check(&self) -> Result<()> {
        validate::id("batch_id", self.id.as_str())?;
        validate::list(
            "add_recipients",
            &self.to_add,
            0,
            validate::MAX_UPDATE_RECIPIENTS,
        )?;
        validate::list(
            "remove_recipients",
            &self.to_remove,
            0,
            validate::MAX_UPDATE_RECIPIENTS,
        )?;
        Checks {
            sender: self.sender.as_deref(),
            body: self.body.as_ref(),
            parameters: self.parameters.get(),
            send_at: self.send_at.get().copied(),
            expire_at: self.expire_at.get().copied(),
            callback_url: self.callback_url.get().map(String::as_str),
            client_reference: self.client_reference.as_deref(),
            max_parts: self.max_number_of_message_parts,
            from_ton: self.from_ton,
            from_npi: self.from_npi,
        }
        .run()
    }

    fn into_raw(self) -> Result<rt::UpdateBatchRequest> {
        self.check()?;
        let send_at = self
            .send_at
            .map(raw::Timestamp::from, rt::ResettableDateTime);
        let expire_at = self
            .expire_at
            .map(raw::Timestamp::from, rt::ResettableDateTime);
        let callback_url = self.callback_url.map(|u| u, rt::ResettableUrl);
        let delivery_report = self
            .delivery_report
            .map(|d| d, rt::ResettableDeliveryReportType);
        let parameters = self
            .parameters
            .map(|p| parameters_to_raw(&p), rt::ResettableParameters);
        let ton = self.from_ton.map(i32::from);
        let npi = self.from_npi.map(i32::from);
        Ok(match K::TYPE {
            BatchType::Binary => {
                let (body, udh) = match self.body {
                    Some(Body::Binary { body, udh }) => (Some(body), Some(udh)),
                    _ => (None, None),
                };
                rt::UpdateBinaryBatch {
                    type_: rt::BinaryBatchType::MtBinary,
                    to_add: self.to_add,
                    to_remove: self.to_remove,
                    from: self.sender,
                    body,
                    udh,
                    delivery_report,
                    send_at,
                    expire_at,
                    callback_url,
                    client_reference: self
                        .client_reference
                        .map(|r| constrained("client_reference", r))
                        .transpose()?,
                    feedback_enabled: self.feedback_enabled,
                    from_ton: ton,
                    from_npi: npi,
                }
                .into()
            }
            BatchType::Media => rt::UpdateMediaBatch {
                type_: rt::MediaBatchType::MtMedia,
                to_add: self.to_add,
                to_remove: self.to_remove,
                from: self.sender,
                body: match self.body {
                    Some(Body::Media(m)) => Some(m),
                    _ => None,
                },
                parameters,
                delivery_report,
                send_at,
                expire_at,
                callback_url,
                client_reference: self
                    .client_reference
                    .map(|r| constrained("client_reference", r))
                    .transpose()?,
                feedback_enabled: self.feedback_enabled,
                strict_validation: self.strict_validation,
            }
            .into(),
            _ => rt::UpdateTextBatch {
                type_: rt::TextBatchType::MtText,
                to_add: self.to_add,
                to_remove: self.to_remove,
                from: self.sender,
                body: match self.body {
                    Some(Body::Text(text)) => Some(constrained("body", text)?),
                    _ => None,
                },
                parameters,
                delivery_report,
                send_at,
                expire_at,
                callback_url,
                client_reference: self
                    .client_reference
                    .map(|r| constrained("client_reference", r))
                    .transpose()?,
                feedback_enabled: self.feedback_enabled,
                flash_message: self.flash_message,
                truncate_concat: self.truncate_concat,
                max_number_of_message_parts: self
                    .max_number_of_message_parts
                    .and_then(std::num::NonZeroU32::new),
                from_ton: ton,
                from_npi: npi,
            }
            .into(),
        })
    }
}

impl<H: Handle> UpdateBatch<Text, H> {
    /// Change the text.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(Body::Text(body.into()));
        self
    }

    /// Replace the parameters.
    pub fn parameters(mut self, parameters: Parameters) -> Self {
        self.parameters = Field::Set(parameters);
        self
    }

    /// Remove all parameters.
    pub fn reset_parameters(mut self) -> Self {
        self.parameters = Field::Reset;
        self
    }

    /// Change whether it is a flash message.
    pub fn flash_message(mut self, flash: bool) -> Self {
        self.flash_message = Some(flash);
        self
    }

    /// Change whether long text is cut to one part.
    pub fn truncate_concat(mut self, truncate: bool) -> Self {
        self.truncate_concat = Some(truncate);
        self
    }

    /// Change the most parts a message may take.
    pub fn max_number_of_message_parts(mut self, parts: u32) -> Self {
        self.max_number_of_message_parts = Some(parts);
        self
    }

    /// Change the sender's type of number (0 to 6).
    pub fn from_ton(mut self, ton: u8) -> Self {
        self.from_ton = Some(ton);
        self
    }

    /// Change the sender's numbering plan (0 to 18).
    pub fn from_npi(mut self, npi: u8) -> Self {
        self.from_npi = Some(npi);
        self
    }
}

impl<H: Handle> UpdateBatch<Binary, H> {
    /// Change the payload (base64) and header (hex).
    pub fn body(mut self, body_base64: impl Into<String>, udh_hex: impl Into<String>) -> Self {
        self.body = Some(Body::Binary {
            body: body_base64.into(),
            udh: udh_hex.into(),
        });
        self
    }

    /// Change the sender's type of number (0 to 6).
    pub fn from_ton(mut self, ton: u8) -> Self {
        self.from_ton = Some(ton);
        self
    }

    /// Change the sender's numbering plan (0 to 18).
    pub fn from_npi(mut self, npi: u8) -> Self {
        self.from_npi = Some(npi);
        self
    }
}

impl<H: Handle> UpdateBatch<Media, H> {
    /// Change the media and its text.
    pub fn body(mut self, body: MediaBody) -> Self {
        self.body = Some(Body::Media(body));
        self
    }

    /// Replace the parameters.
    pub fn parameters(mut self, parameters: Parameters) -> Self {
        self.parameters = Field::Set(parameters);
        self
    }

    /// Remove all parameters.
    pub fn reset_parameters(mut self) -> Self {
        self.parameters = Field::Reset;
        self
    }

    /// Change whether the media is checked against the MMS best practices.
    pub fn strict_validation(mut self, strict: bool) -> Self {
        self.strict_validation = Some(strict);
        self
    }
}

terminal! {
    impl[K: BatchKind] UpdateBatch[K] {
        /// Check and send the update.
        pub fn send(self) -> Result<K::Output> {
            let handle = self.handle.clone();
            let id = self.id.clone();
            let request = self.into_raw()?;
            let client = handle.client();
            let (batch, answer) = client
                .call_with_response(|raw, plan| raw.update_batch().service_plan_id(plan).batch_id(id.as_str()).body(request).send())
                .await?;
            expect_kind::<K>(batch, answer, client)
        }
    }
}

// ----------------------------------------------------------------- handler

/// The batch operations; see [`Client::batches`].
#[derive(Clone, Debug)]
pub struct Batches<H = Client> {
    handle: H,
}

impl<H: Handle> Batches<H> {
    pub(crate) fn new(handle: H) -> Self {
        Batches { handle }
    }

    /// A text SMS batch from `sender` to `recipients` (phone numbers or
    /// group ids), ready for more settings and [`SendBatch::send`].
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// let batch = client.batches()
    ///     .text("12345", ["+46701234567"], "Your code is 1234")
    ///     .delivery_report(xms::DeliveryReportType::Summary)
    ///     .client_reference("login-4711")
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn text<I, S>(
        &self,
        sender: impl Into<String>,
        recipients: I,
        body: impl Into<String>,
    ) -> SendBatch<Text, H>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        SendBatch::new(
            self.handle.clone(),
            sender.into(),
            recipients.into_iter().map(Into::into).collect(),
            Body::Text(body.into()),
        )
    }

    /// A binary SMS batch, with the payload as base64 and the user data
    /// header as hex (at most 140 bytes together, decoded).
    pub fn binary<I, S>(
        &self,
        sender: impl Into<String>,
        recipients: I,
        body_base64: impl Into<String>,
        udh_hex: impl Into<String>,
    ) -> SendBatch<Binary, H>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        SendBatch::new(
            self.handle.clone(),
            sender.into(),
            recipients.into_iter().map(Into::into).collect(),
            Body::Binary {
                body: body_base64.into(),
                udh: udh_hex.into(),
            },
        )
    }

    /// A binary SMS batch from raw bytes; the SDK encodes them.
    pub fn binary_bytes<I, S>(
        &self,
        sender: impl Into<String>,
        recipients: I,
        body: &[u8],
        udh: &[u8],
    ) -> SendBatch<Binary, H>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.binary(
            sender,
            recipients,
            validate::encode_base64(body),
            validate::encode_hex(udh),
        )
    }

    /// An MMS batch of the media at `url` (US only). Add text with
    /// [`SendBatch::message`] and a subject with [`SendBatch::subject`].
    pub fn media<I, S>(
        &self,
        sender: impl Into<String>,
        recipients: I,
        url: impl Into<String>,
    ) -> SendBatch<Media, H>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        SendBatch::new(
            self.handle.clone(),
            sender.into(),
            recipients.into_iter().map(Into::into).collect(),
            Body::Media(MediaBody::new(url)),
        )
    }

    /// Changes to the text batch `id`.
    pub fn update_text(&self, id: impl Into<BatchId>) -> UpdateBatch<Text, H> {
        UpdateBatch::new(self.handle.clone(), id.into())
    }

    /// Changes to the binary batch `id`.
    pub fn update_binary(&self, id: impl Into<BatchId>) -> UpdateBatch<Binary, H> {
        UpdateBatch::new(self.handle.clone(), id.into())
    }

    /// Changes to the MMS batch `id`.
    pub fn update_media(&self, id: impl Into<BatchId>) -> UpdateBatch<Media, H> {
        UpdateBatch::new(self.handle.clone(), id.into())
    }

    /// The legacy CLX tags of the batch `id`.
    pub fn tags(&self, id: impl Into<BatchId>) -> crate::tags::Tags<H> {
        crate::tags::Tags::batch(self.handle.clone(), id.into())
    }

    /// The batches of the last 35 days (XMS's default: the last 24 hours),
    /// newest first, with filters; read one page or all of them lazily.
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// let since = chrono::Utc::now() - chrono::TimeDelta::days(7);
    /// let mut batches = client.batches().list().senders(["12345"]).start_date(since).items();
    /// while let Some(batch) = batches.try_next().await? {
    ///     println!("{} {}", batch.id(), batch.batch_type());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListBatches<H> {
        ListBatches {
            handle: self.handle.clone(),
            query: ListQuery::default(),
            senders: Vec::new(),
            tags: Vec::new(),
        }
    }
}

/// The list of batches, with its filters; made by [`Batches::list`]. See
/// [`crate::pagination`] for how to read it.
#[derive(Clone, Debug)]
#[must_use = "nothing is fetched until a page is asked for"]
pub struct ListBatches<H = Client> {
    handle: H,
    query: ListQuery,
    senders: Vec<String>,
    tags: Vec<String>,
}

impl<H: Handle> ListBatches<H> {
    /// Only batches from these senders (sent comma-separated, so a sender
    /// must not contain a comma).
    pub fn senders(mut self, senders: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.senders.extend(senders.into_iter().map(Into::into));
        self
    }

    /// Only batches created at or after this time.
    pub fn start_date(mut self, at: DateTime<Utc>) -> Self {
        self.query.start_date = Some(at);
        self
    }

    /// Only batches created before this time.
    pub fn end_date(mut self, at: DateTime<Utc>) -> Self {
        self.query.end_date = Some(at);
        self
    }

    /// Only batches with this client reference.
    pub fn client_reference(mut self, reference: impl Into<String>) -> Self {
        self.query.client_reference = Some(reference.into());
        self
    }

    /// Only batches with one of these legacy CLX tags.
    pub fn tags(mut self, tags: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.tags.extend(tags.into_iter().map(Into::into));
        self
    }

    async fn fetch(&self, page: u32) -> Result<Page<Batch>> {
        self.query.check(page)?;
        let senders = validate::comma_list("senders", &self.senders)?;
        let tags = validate::comma_list("tags", &self.tags)?;
        let query = &self.query;
        let list = self
            .handle
            .client()
            .call(|raw, plan| {
                let mut call = raw.list_batches().service_plan_id(plan).page(page as i32);
                if let Some(size) = query.page_size {
                    call = call.page_size(size as i32);
                }
                if let Some(senders) = senders {
                    call = call.from(senders);
                }
                if let Some(at) = times(query.start_date) {
                    call = call.start_date(at);
                }
                if let Some(at) = times(query.end_date) {
                    call = call.end_date(at);
                }
                if let Some(reference) = &query.client_reference {
                    call = call.client_reference(reference.as_str());
                }
                if let Some(tags) = tags {
                    call = call.tags(tags);
                }
                call.send()
            })
            .await?;
        Ok(list)
    }
}

listing!(ListBatches, Batch);

terminal! {
    impl[] Batches[] {
        /// The batch `id`, of whichever type it is.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let batch = client.batches().get("01FC66621XXXXX119Z8PMV1QPQ").await?;
        /// println!("{} to {} recipients", batch.batch_type(), batch.recipients().len());
        /// # Ok(()) }
        /// ```
        pub fn get(&self, id: impl Into<BatchId>) -> Result<Batch> {
            let id = id.into();
            validate::id("batch_id", id.as_str())?;
            let batch = self
                .handle
                .client()
                .call(|raw, plan| raw.get_batch().service_plan_id(plan).batch_id(id.as_str()).send())
                .await?;
            Ok(batch)
        }

        /// Cancel the messages of batch `id` that have not been sent yet;
        /// returns the batch, marked as canceled.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let batch = client.batches().cancel("01FC66621XXXXX119Z8PMV1QPQ").await?;
        /// assert!(batch.canceled());
        /// # Ok(()) }
        /// ```
        pub fn cancel(&self, id: impl Into<BatchId>) -> Result<Batch> {
            let id = id.into();
            validate::id("batch_id", id.as_str())?;
            let batch = self
                .handle
                .client()
                .call(|raw, plan| raw.cancel_batch().service_plan_id(plan).batch_id(id.as_str()).send())
                .await?;
            Ok(batch)
        }

        /// Report which recipients got the batch `id` (sent with
        /// [`SendBatch::feedback_enabled`]). An empty list means all of them;
        /// a batch sent to a group needs at least one.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// client.batches().delivery_feedback("01FC66621XXXXX119Z8PMV1QPQ", ["+46701234567"]).await?;
        /// # Ok(()) }
        /// ```
        pub fn delivery_feedback(
            &self,
            id: impl Into<BatchId>,
            recipients: impl IntoIterator<Item = impl Into<String>>,
        ) -> Result<()> {
            let id = id.into();
            validate::id("batch_id", id.as_str())?;
            let recipients: Vec<String> = recipients.into_iter().map(Into::into).collect();
            validate::list("recipients", &recipients, 0, usize::MAX)?;
            let body = rt::DeliveryFeedbackRequest { recipients };
            self.handle
                .client()
                .call(|raw, plan| raw.send_delivery_feedback().service_plan_id(plan).batch_id(id.as_str()).body(body).send())
                .await
        }

        /// Send a text message to one recipient (the original CLX SDK's
        /// `create_text_message`).
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let batch = client.batches().create_text_message("12345", "+46701234567", "Hello").await?;
        /// # Ok(()) }
        /// ```
        pub fn create_text_message(
            &self,
            sender: impl Into<String>,
            recipient: impl Into<String>,
            body: impl Into<String>,
        ) -> Result<TextBatch> {
            let request = self.text(sender, [recipient.into()], body).to_raw()?;
            let client = self.handle.client();
            let (batch, answer) = client
                .call_with_response(|raw, plan| raw.send_batch().service_plan_id(plan).body(request).send())
                .await?;
            expect_kind::<Text>(batch, answer, client)
        }

        /// Send a binary message to one recipient (the original CLX SDK's
        /// `create_binary_message`), from raw bytes.
        pub fn create_binary_message(
            &self,
            sender: impl Into<String>,
            recipient: impl Into<String>,
            body: &[u8],
            udh: &[u8],
        ) -> Result<BinaryBatch> {
            let request = self.binary_bytes(sender, [recipient.into()], body, udh).to_raw()?;
            let client = self.handle.client();
            let (batch, answer) = client
                .call_with_response(|raw, plan| raw.send_batch().service_plan_id(plan).body(request).send())
                .await?;
            expect_kind::<Binary>(batch, answer, client)
        }
    }
}
