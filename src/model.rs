//! Values shared by every part of the API: the open enums of statuses,
//! codes and types, and the delivery receipt code catalogue.
//!
//! Every enum here has an `Other(String)` arm. The API says new values may
//! appear at any time; a value this version of the SDK does not know is kept
//! verbatim in `Other` instead of failing the whole response. Parsing never
//! puts a known value in `Other`; build values with [`From<&str>`] or
//! [`str::parse`] to get the same normalisation.
//!
//! The same types are used by the generated client [`crate::raw`] (the
//! generator is told to use them instead of writing closed enums), so both
//! layers read new values the same way.

use std::fmt;

macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the SDK does not know, as the API sent it.
            ///
            /// When a later version of the SDK learns the value, it arrives
            /// as a variant of its own instead, so code that matches a
            /// particular string inside `Other` silently stops matching after
            /// an upgrade: match the known variants, and treat `Other` as
            /// "some other value" (to show or log it).
            Other(String),
        }

        impl $name {
            /// Every value this version of the SDK knows, in the API's order.
            pub const KNOWN: &'static [Self] = &[$(Self::$variant),+];

            /// The value as it is written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::Other(value) => value,
                }
            }

            /// Whether this is a value the SDK knows (not [`Self::Other`]).
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)+
                    other => Self::Other(other.to_string()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match Self::from(value.as_str()) {
                    Self::Other(_) => Self::Other(value),
                    known => known,
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        /// Read without copying a known value (only an unknown one is kept
        /// as a `String`).
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl<'de> serde::de::Visitor<'de> for Visitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " string"))
                    }

                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from(v))
                    }

                    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<$name, E> {
                        Ok($name::from(v))
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
    };
}

open_enum! {
    /// Why the API refused a request: the `code` of its error body.
    ///
    /// ```
    /// use xms::ErrorCode;
    /// assert_eq!(ErrorCode::from("unknown_group"), ErrorCode::UnknownGroup);
    /// assert_eq!(ErrorCode::from("brand_new").as_str(), "brand_new");
    /// ```
    ErrorCode {
        /// 400: the body is not JSON or does not match the API.
        SyntaxInvalidJson = "syntax_invalid_json",
        /// 400: a field has the wrong format, such as a malformed phone number.
        SyntaxInvalidParameterFormat = "syntax_invalid_parameter_format",
        /// 400: a constraint is broken, such as a missing required field.
        SyntaxConstraintViolation = "syntax_constraint_violation",
        /// 403: a group id in the request does not exist.
        UnknownGroup = "unknown_group",
        /// 403: a campaign id in the request does not exist.
        UnknownCampaign = "unknown_campaign",
        /// 403: delivery report callbacks were asked for, but there is no callback URL.
        MissingCallbackUrl = "missing_callback_url",
        /// 403: the phone number's type is not allowed in its region (the
        /// reference spells it this way).
        LlegalNumberType = "llegal_number_type",
        /// 403: the phone number's type is not allowed in its region.
        IllegalNumberType = "illegal_number_type",
        /// 403: the account is blocked.
        BlockedAccount = "blocked_account",
        /// 403: the batch has been dispatched and cannot change any more.
        BatchAlreadyDispatched = "batch_already_dispatched",
        /// 403: another group already has this name.
        ConflictGroupName = "conflict_group_name",
        /// 403: the send time conflicts with the batch's state.
        ConflictSendAt = "conflict_send_at",
    }
}

open_enum! {
    /// Which delivery report callbacks a batch asks for.
    ///
    /// Reports can be fetched whatever this says; it only controls the
    /// callbacks.
    DeliveryReportType {
        /// No callbacks (the API's default).
        None = "none",
        /// One callback with the count per status, when the batch is done.
        Summary = "summary",
        /// Like `Summary`, with the recipients of each status.
        Full = "full",
        /// One callback per status change of each message. Can be a lot.
        PerRecipient = "per_recipient",
        /// One callback per recipient, with its final status.
        PerRecipientFinal = "per_recipient_final",
    }
}

open_enum! {
    /// The simplified status of a message.
    ///
    /// `Queued` and `Dispatched` are intermediate; every other known status is
    /// final (see [`DeliveryStatus::is_final`]). Note that `Unknown` is a real
    /// status of the API (delivered to the operator, no receipt came back);
    /// values the SDK does not know are in `Other`.
    DeliveryStatus {
        /// Waiting in the API's queue.
        Queued = "Queued",
        /// Handed to the operator.
        Dispatched = "Dispatched",
        /// Stopped before it reached the operator.
        Aborted = "Aborted",
        /// Cancelled before it was sent.
        Cancelled = "Cancelled",
        /// Refused by the operator.
        Rejected = "Rejected",
        /// Deleted before it was sent.
        Deleted = "Deleted",
        /// Delivered to the phone.
        Delivered = "Delivered",
        /// Could not be delivered.
        Failed = "Failed",
        /// Expired before it could be delivered.
        Expired = "Expired",
        /// Handed to the operator, but no usable delivery receipt came back.
        Unknown = "Unknown",
    }
}

impl DeliveryStatus {
    /// Whether no further status change will follow. `None` for a status the
    /// SDK does not know.
    ///
    /// ```
    /// use xms::DeliveryStatus;
    /// assert_eq!(DeliveryStatus::Delivered.is_final(), Some(true));
    /// assert_eq!(DeliveryStatus::Queued.is_final(), Some(false));
    /// assert_eq!(DeliveryStatus::from("Pending").is_final(), None);
    /// ```
    pub fn is_final(&self) -> Option<bool> {
        match self {
            Self::Queued | Self::Dispatched => Some(false),
            Self::Other(_) => None,
            _ => Some(true),
        }
    }
}

open_enum! {
    /// The character encoding of a message.
    Encoding {
        /// The GSM 7-bit alphabet: 160 characters in one part, 153 per part
        /// when split.
        Gsm = "GSM",
        /// UCS-2: 70 characters in one part, 67 per part when split.
        Unicode = "UNICODE",
    }
}

impl From<crate::encoding::Charset> for Encoding {
    fn from(charset: crate::encoding::Charset) -> Self {
        match charset {
            crate::encoding::Charset::Gsm7 => Encoding::Gsm,
            crate::encoding::Charset::Ucs2 => Encoding::Unicode,
        }
    }
}

open_enum! {
    /// Whether the API managed to store an attachment of an inbound MMS.
    MediaUploadStatus {
        /// Stored; the attachment has a download URL.
        Uploaded = "Uploaded",
        /// Not stored; see the attachment's code.
        Failed = "Failed",
    }
}

open_enum! {
    /// The type of a batch.
    BatchType {
        /// A text SMS (`mt_text`).
        Text = "mt_text",
        /// A binary SMS (`mt_binary`).
        Binary = "mt_binary",
        /// An MMS (`mt_media`).
        Media = "mt_media",
    }
}

open_enum! {
    /// The type of an inbound message.
    InboundType {
        /// A text SMS (`mo_text`).
        Text = "mo_text",
        /// A binary SMS (`mo_binary`).
        Binary = "mo_binary",
        /// An MMS (`mo_media`).
        Media = "mo_media",
    }
}

/// Whether a delivery report is about SMS or MMS, read from its `type`.
///
/// A report of a channel this version of the SDK does not know (a future
/// `delivery_report_rcs`, say) is read, not refused: its whole `type` is kept
/// in `Other`. Code that matches `Other(..)` today will see such reports move
/// to a variant of their own when the SDK learns the channel, so match the
/// known variants and treat `Other` as "some other channel".
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Channel {
    /// SMS (`delivery_report_sms`, `recipient_delivery_report_sms`).
    Sms,
    /// MMS (`delivery_report_mms`, `recipient_delivery_report_mms`).
    Mms,
    /// Another channel: the report's `type`, as sent.
    Other(String),
}

impl Channel {
    /// The channel of a delivery report `type`.
    pub(crate) fn of_report_type(report_type: &str) -> Channel {
        match report_type {
            "delivery_report_sms" | "recipient_delivery_report_sms" => Channel::Sms,
            "delivery_report_mms" | "recipient_delivery_report_mms" => Channel::Mms,
            other => Channel::Other(other.to_owned()),
        }
    }

    /// The `type` of a report on this channel: a batch report, or with
    /// `recipient` a recipient report.
    pub(crate) fn report_type(&self, recipient: bool) -> String {
        let channel = match self {
            Channel::Sms => "sms",
            Channel::Mms => "mms",
            Channel::Other(report_type) => return report_type.clone(),
        };
        if recipient {
            format!("recipient_delivery_report_{channel}")
        } else {
            format!("delivery_report_{channel}")
        }
    }
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Wrap an id given by the API.
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned `String`.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                $name(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name(id.to_string())
            }
        }

        impl From<&String> for $name {
            fn from(id: &String) -> Self {
                $name(id.clone())
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl From<&$name> for String {
            fn from(id: &$name) -> String {
                id.0.clone()
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(id: &str) -> Result<Self, Self::Err> {
                Ok($name(id.to_string()))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        /// Read as the API sends it: a string, or a number as its text.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::wire::string(deserializer).map($name)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

id_type! {
    /// The id of a batch, as the API gave it.
    BatchId
}

id_type! {
    /// The id of a group, as the API gave it. A group id can be used as a
    /// recipient of a batch.
    GroupId
}

id_type! {
    /// The id of an inbound message.
    InboundId
}

/// The per-recipient values of the `${key}` placeholders of a body: key →
/// (phone number or `default`) → value.
pub type Parameters =
    std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>;

/// The detailed delivery status of a message: 0 for delivered, the API's own
/// codes 400 to 418, or an operator (SMPP) error code.
///
/// The [`catalogue`](DeliveryCode::CATALOGUE) names the API's codes and says
/// which are final.
///
/// ```
/// use xms::{DeliveryCode, DeliveryStatus};
/// let code = DeliveryCode::new(402);
/// assert_eq!(code.name(), Some("Message unroutable"));
/// assert_eq!(code.status(), Some(DeliveryStatus::Aborted));
/// assert_eq!(code.is_final(), Some(true));
/// assert_eq!(DeliveryCode::QUEUED.is_final(), Some(false));
/// assert_eq!(DeliveryCode::new(11).name(), None); // an operator code
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeliveryCode(pub i32);

impl serde::Serialize for DeliveryCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i32(self.0)
    }
}

/// Read as the API sends it: a number, or its decimal text.
impl<'de> serde::Deserialize<'de> for DeliveryCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::wire::int(deserializer).map(DeliveryCode)
    }
}

/// One entry of the delivery code catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryCodeInfo {
    /// The code.
    pub code: DeliveryCode,
    /// Its name.
    pub name: &'static str,
    /// The simplified status it is reported with, where the API documents one.
    pub status: Option<DeliveryStatus>,
    /// Whether the message's fate is settled.
    pub is_final: bool,
    /// Whether sending the message again may succeed.
    pub retryable: bool,
    /// MMS only.
    pub mms_only: bool,
}

impl DeliveryCode {
    /// 0: delivered.
    pub const DELIVERED: DeliveryCode = DeliveryCode(0);
    /// 400: queued in the API.
    pub const QUEUED: DeliveryCode = DeliveryCode(400);
    /// 401: handed to the operator.
    pub const DISPATCHED: DeliveryCode = DeliveryCode(401);
    /// 402: the operator cannot route it.
    pub const UNROUTABLE: DeliveryCode = DeliveryCode(402);
    /// 403: an internal error of the API.
    pub const INTERNAL_ERROR: DeliveryCode = DeliveryCode(403);
    /// 404: a temporary delivery failure; sending again may work.
    pub const TEMPORARY_FAILURE: DeliveryCode = DeliveryCode(404);
    /// 405: a `${key}` placeholder has no value for this recipient.
    pub const UNMATCHED_PARAMETER: DeliveryCode = DeliveryCode(405);
    /// 406: expired before it reached the operator.
    pub const INTERNAL_EXPIRY: DeliveryCode = DeliveryCode(406);
    /// 407: cancelled before it reached the operator.
    pub const CANCELLED: DeliveryCode = DeliveryCode(407);
    /// 408: rejected by the API.
    pub const INTERNAL_REJECT: DeliveryCode = DeliveryCode(408);
    /// 410: no default originator for this recipient.
    pub const UNMATCHED_DEFAULT_ORIGINATOR: DeliveryCode = DeliveryCode(410);
    /// 411: more parts than `max_number_of_message_parts`.
    pub const EXCEEDED_PARTS_LIMIT: DeliveryCode = DeliveryCode(411);
    /// 412: the account may not send to this region.
    pub const UNPROVISIONED_REGION: DeliveryCode = DeliveryCode(412);
    /// 413: the recipient is blocked.
    pub const BLOCKED: DeliveryCode = DeliveryCode(413);

    /// The codes the API defines itself.
    pub const CATALOGUE: &'static [DeliveryCodeInfo] = &[
        info(0, "Delivered", Some(DeliveryStatus::Delivered), true, false, false),
        info(400, "Queued", Some(DeliveryStatus::Queued), false, false, false),
        info(401, "Dispatched", Some(DeliveryStatus::Dispatched), false, false, false),
        info(402, "Message unroutable", Some(DeliveryStatus::Aborted), true, false, false),
        info(403, "Internal error", Some(DeliveryStatus::Aborted), true, true, false),
        info(404, "Temporary delivery failure", Some(DeliveryStatus::Aborted), true, true, false),
        info(405, "Unmatched parameter", Some(DeliveryStatus::Aborted), true, false, false),
        info(406, "Internal expiry", Some(DeliveryStatus::Aborted), true, true, false),
        info(407, "Cancelled", Some(DeliveryStatus::Aborted), true, false, false),
        info(408, "Internal reject", Some(DeliveryStatus::Aborted), true, false, false),
        info(
            410,
            "Unmatched default originator",
            Some(DeliveryStatus::Aborted),
            true,
            false,
            false,
        ),
        info(411, "Exceeded parts limit", Some(DeliveryStatus::Aborted), true, false, false),
        info(412, "Unprovisioned region", Some(DeliveryStatus::Aborted), true, false, false),
        info(413, "Blocked", None, true, false, false),
        info(414, "Bad media", None, true, false, true),
        info(415, "Delivery report rejected", None, true, false, true),
        info(416, "Delivery report not supported", None, true, false, true),
        info(417, "Delivery report unreachable", None, true, false, true),
        info(418, "Delivery report unrecognized", None, true, false, true),
    ];

    /// Wrap a code.
    pub const fn new(code: i32) -> Self {
        DeliveryCode(code)
    }

    /// The catalogue entry, for a code the API defines itself.
    pub fn info(self) -> Option<&'static DeliveryCodeInfo> {
        Self::CATALOGUE.iter().find(|i| i.code == self)
    }

    /// The code's name, for a code the API defines itself.
    pub fn name(self) -> Option<&'static str> {
        self.info().map(|i| i.name)
    }

    /// The simplified status it is reported with, where documented.
    pub fn status(self) -> Option<DeliveryStatus> {
        self.info().and_then(|i| i.status.clone())
    }

    /// Whether the message's fate is settled; `None` for an operator code.
    pub fn is_final(self) -> Option<bool> {
        self.info().map(|i| i.is_final)
    }
}

const fn info(
    code: i32,
    name: &'static str,
    status: Option<DeliveryStatus>,
    is_final: bool,
    retryable: bool,
    mms_only: bool,
) -> DeliveryCodeInfo {
    DeliveryCodeInfo { code: DeliveryCode(code), name, status, is_final, retryable, mms_only }
}

impl fmt::Display for DeliveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{} ({name})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

impl From<i32> for DeliveryCode {
    fn from(code: i32) -> Self {
        DeliveryCode(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip_and_unknown_values_are_kept() {
        for status in DeliveryStatus::KNOWN {
            assert_eq!(&DeliveryStatus::from(status.as_str()), status);
            assert!(status.is_known());
        }
        let new: DeliveryStatus = serde_json::from_str("\"Pending\"").unwrap();
        assert_eq!(new, DeliveryStatus::Other("Pending".into()));
        assert_eq!(serde_json::to_string(&new).unwrap(), "\"Pending\"");
        assert_eq!(DeliveryStatus::from(String::from("Delivered")), DeliveryStatus::Delivered);
    }
}
