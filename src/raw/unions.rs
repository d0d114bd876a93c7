//! The `oneOf` unions of the spec, read by their `type` field.
//!
//! The generator ignores `discriminator` and would try each variant in turn,
//! failing the whole response when the API sends a type it does not know.
//! These hand-written unions stand in for the `Batch`, `Inbound` and
//! `DeliveryReportCallback` schemas (see `openapi/generator.rs`): they look at
//! `type`, read the matching generated struct, and keep an object of an
//! unknown type as it is. A known type with a malformed body is still an
//! error, naming the type.

use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};
use serde_json::{Map, Value};

use super::types;

macro_rules! union {
    (
        $(#[$meta:meta])*
        $name:ident, default: $default:expr, {
            $( $(#[$vmeta:meta])* $variant:ident($ty:ty) = [$($wire:literal),+], )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq)]
        pub enum $name {
            $( $(#[$vmeta])* $variant($ty), )+
            /// An object whose `type` this version of the SDK does not know,
            /// as the API sent it.
            Other(Map<String, Value>),
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let map = Map::<String, Value>::deserialize(deserializer)?;
                let kind = match map.get("type") {
                    None | Some(Value::Null) => $default.to_owned(),
                    Some(Value::String(kind)) => kind.clone(),
                    Some(other) => {
                        return Err(D::Error::custom(format!(
                            "{}: `type` must be a string, found {other}",
                            stringify!($name)
                        )))
                    }
                };
                match kind.as_str() {
                    $( $($wire)|+ => serde_json::from_value(Value::Object(map))
                        .map(Self::$variant)
                        .map_err(|e| D::Error::custom(format!(
                            "{} of type {kind:?}: {e}", stringify!($name)
                        ))), )+
                    _ => Ok(Self::Other(map)),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $( Self::$variant(v) => v.serialize(serializer), )+
                    Self::Other(map) => map.serialize(serializer),
                }
            }
        }

        $( impl From<$ty> for $name {
            fn from(value: $ty) -> Self {
                Self::$variant(value)
            }
        } )+
    };
}

union! {
    /// A batch as the API returns it. A batch without `type` is text.
    Batch, default: "mt_text", {
        /// `mt_text`
        Text(types::TextBatch) = ["mt_text"],
        /// `mt_binary`
        Binary(types::BinaryBatch) = ["mt_binary"],
        /// `mt_media`
        Media(types::MediaBatch) = ["mt_media"],
    }
}

union! {
    /// An inbound message, from a listing or an inbound callback.
    Inbound, default: "", {
        /// `mo_text`
        Text(types::MoText) = ["mo_text"],
        /// `mo_binary`
        Binary(types::MoBinary) = ["mo_binary"],
        /// `mo_media`
        Media(types::MoMedia) = ["mo_media"],
    }
}

union! {
    /// The body of a delivery report callback.
    DeliveryReportCallback, default: "", {
        /// `delivery_report_sms` or `delivery_report_mms` (summary and full).
        Batch(types::BatchDeliveryReport) = ["delivery_report_sms", "delivery_report_mms"],
        /// `recipient_delivery_report_sms` or `recipient_delivery_report_mms`
        /// (per_recipient and per_recipient_final).
        Recipient(types::RecipientDeliveryReport) =
            ["recipient_delivery_report_sms", "recipient_delivery_report_mms"],
    }
}
