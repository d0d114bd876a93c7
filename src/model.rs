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

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::from)
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

open_enum! {
    /// Whether the API managed to store an attachment of an inbound MMS.
    MediaUploadStatus {
        /// Stored; the attachment has a download URL.
        Uploaded = "Uploaded",
        /// Not stored; see the attachment's code.
        Failed = "Failed",
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
        assert_eq!(
            DeliveryStatus::from(String::from("Delivered")),
            DeliveryStatus::Delivered
        );
    }
}
