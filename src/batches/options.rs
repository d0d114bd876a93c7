//! The settings the batch builders share, each said once: what every kind
//! of batch sends ([`BatchOptions`]), what an update of any kind may change
//! ([`ChangeOptions`]), and what SMS kinds add ([`SmsOptions`]). Each
//! checks its own rules and turns itself into the generated types.

use std::num::NonZeroU32;

use chrono::{DateTime, Utc};

use crate::{
    Result,
    convert::{Field, times},
    model::DeliveryReportType,
    raw::{self, types as rt},
    validate,
};

/// What every kind of batch sends.
#[derive(Clone, Debug, Default)]
pub(super) struct BatchOptions {
    pub(super) delivery_report: Option<DeliveryReportType>,
    pub(super) send_at: Option<DateTime<Utc>>,
    pub(super) expire_at: Option<DateTime<Utc>>,
    pub(super) callback_url: Option<String>,
    pub(super) client_reference: Option<String>,
    pub(super) feedback_enabled: Option<bool>,
    pub(super) tags: Vec<String>,
}

impl BatchOptions {
    pub(super) fn check(&self) -> Result<()> {
        validate::schedule(self.send_at, self.expire_at)?;
        check_callback_and_reference(self.callback_url.as_deref(), self.client_reference.as_deref())
    }

    /// The send and expiry times as the generated requests take them.
    pub(super) fn times(&self) -> (Option<raw::Timestamp>, Option<raw::Timestamp>) {
        (times(self.send_at), times(self.expire_at))
    }
}

/// What an update of any kind may change: the fields XMS lets an update
/// put back to their default are [`Field`]s (keep, reset, set).
#[derive(Clone, Debug, Default)]
pub(super) struct ChangeOptions {
    pub(super) delivery_report: Field<DeliveryReportType>,
    pub(super) send_at: Field<DateTime<Utc>>,
    pub(super) expire_at: Field<DateTime<Utc>>,
    pub(super) callback_url: Field<String>,
    pub(super) client_reference: Option<String>,
    pub(super) feedback_enabled: Option<bool>,
}

impl ChangeOptions {
    pub(super) fn check(&self) -> Result<()> {
        validate::schedule(self.send_at.get().copied(), self.expire_at.get().copied())?;
        check_callback_and_reference(
            self.callback_url.get().map(String::as_str),
            self.client_reference.as_deref(),
        )
    }

    /// In the generated types.
    pub(super) fn into_raw(self) -> RawChange {
        RawChange {
            delivery_report: self.delivery_report.map(|d| d, rt::ResettableDeliveryReportType),
            send_at: self.send_at.map(raw::Timestamp::from, rt::ResettableDateTime),
            expire_at: self.expire_at.map(raw::Timestamp::from, rt::ResettableDateTime),
            callback_url: self.callback_url.map(|u| u, rt::ResettableUrl),
            client_reference: self.client_reference,
            feedback_enabled: self.feedback_enabled,
        }
    }
}

/// [`ChangeOptions`] in the generated types.
pub(super) struct RawChange {
    pub(super) delivery_report: Option<rt::ResettableDeliveryReportType>,
    pub(super) send_at: Option<rt::ResettableDateTime>,
    pub(super) expire_at: Option<rt::ResettableDateTime>,
    pub(super) callback_url: Option<rt::ResettableUrl>,
    pub(super) client_reference: Option<String>,
    pub(super) feedback_enabled: Option<bool>,
}

/// What SMS kinds (text and binary) add.
#[derive(Clone, Debug, Default)]
pub(super) struct SmsOptions {
    pub(super) flash_message: Option<bool>,
    pub(super) truncate_concat: Option<bool>,
    pub(super) max_parts: Option<u32>,
    pub(super) from_ton: Option<u8>,
    pub(super) from_npi: Option<u8>,
}

impl SmsOptions {
    pub(super) fn check(&self) -> Result<()> {
        if let Some(parts) = self.max_parts {
            validate::range(
                "max_number_of_message_parts",
                parts.into(),
                validate::MIN_MESSAGE_PARTS.into(),
                i32::MAX.into(),
            )?;
        }
        if let Some(ton) = self.from_ton {
            validate::range("from_ton", ton.into(), 0, validate::MAX_FROM_TON.into())?;
        }
        if let Some(npi) = self.from_npi {
            validate::range("from_npi", npi.into(), 0, validate::MAX_FROM_NPI.into())?;
        }
        Ok(())
    }

    /// Whether long text is cut to one part (for counting parts).
    pub(super) fn truncates(&self) -> bool {
        self.truncate_concat == Some(true)
    }

    /// In the generated types.
    pub(super) fn into_raw(self) -> RawSms {
        RawSms {
            flash_message: self.flash_message,
            truncate_concat: self.truncate_concat,
            max_parts: self.max_parts.and_then(NonZeroU32::new),
            from_ton: self.from_ton.map(i32::from),
            from_npi: self.from_npi.map(i32::from),
        }
    }
}

/// [`SmsOptions`] in the generated types.
pub(super) struct RawSms {
    pub(super) flash_message: Option<bool>,
    pub(super) truncate_concat: Option<bool>,
    pub(super) max_parts: Option<NonZeroU32>,
    pub(super) from_ton: Option<i32>,
    pub(super) from_npi: Option<i32>,
}

fn check_callback_and_reference(url: Option<&str>, reference: Option<&str>) -> Result<()> {
    if let Some(url) = url {
        validate::url("callback_url", url)?;
    }
    if let Some(reference) = reference {
        validate::max_chars("client_reference", reference, validate::MAX_CLIENT_REFERENCE_CHARS)?;
    }
    Ok(())
}
