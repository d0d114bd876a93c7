//! Changing a batch before it is dispatched: [`UpdateBatch`](super::UpdateBatch).

use std::marker::PhantomData;

use chrono::{DateTime, Utc};

use super::{
    BatchKind, Binary, Media, MediaBody, SmsKind, TemplateKind, Text, expect_kind,
    options::{ChangeOptions, RawChange, RawSms, SmsOptions},
    send::BatchBody,
};
use crate::{
    Client, Result,
    client::AnyClient,
    convert::{Field, parameters_to_raw},
    model::{BatchId, DeliveryReportType, Parameters},
    raw::types as rt,
    validate,
};

/// Changes to a batch that has not been dispatched; made by
/// [`Batches::update_text`], [`Batches::update_binary`] and
/// [`Batches::update_media`]. Only what is set here changes; the `reset_*`
/// methods put a field back to its default.
///
/// [`Batches::update_text`]: super::Batches::update_text
/// [`Batches::update_binary`]: super::Batches::update_binary
/// [`Batches::update_media`]: super::Batches::update_media
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
    client: H,
    kind: PhantomData<fn() -> K>,
    id: BatchId,
    to_add: Vec<String>,
    to_remove: Vec<String>,
    sender: Option<String>,
    body: Option<BatchBody>,
    parameters: Field<Parameters>,
    options: ChangeOptions,
    sms: SmsOptions,
    strict_validation: Option<bool>,
}

impl<K: BatchKind, H: AnyClient> UpdateBatch<K, H> {
    pub(super) fn new(client: H, id: BatchId) -> Self {
        UpdateBatch {
            client,
            kind: PhantomData,
            id,
            to_add: Vec::new(),
            to_remove: Vec::new(),
            sender: None,
            body: None,
            parameters: Field::Keep,
            options: ChangeOptions::default(),
            sms: SmsOptions::default(),
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
        self.to_remove.extend(recipients.into_iter().map(Into::into));
        self
    }

    /// Change the sender.
    pub fn sender(mut self, sender: impl Into<String>) -> Self {
        self.sender = Some(sender.into());
        self
    }

    /// Change the delivery report callbacks.
    pub fn delivery_report(mut self, kind: DeliveryReportType) -> Self {
        self.options.delivery_report = Field::Set(kind);
        self
    }

    /// Put the delivery report callbacks back to the default (none).
    pub fn reset_delivery_report(mut self) -> Self {
        self.options.delivery_report = Field::Reset;
        self
    }

    /// Change when the batch is sent.
    pub fn send_at(mut self, at: DateTime<Utc>) -> Self {
        self.options.send_at = Field::Set(at);
        self
    }

    /// Remove the scheduled time: send now.
    pub fn reset_send_at(mut self) -> Self {
        self.options.send_at = Field::Reset;
        self
    }

    /// Change when delivery attempts stop.
    pub fn expire_at(mut self, at: DateTime<Utc>) -> Self {
        self.options.expire_at = Field::Set(at);
        self
    }

    /// Put the expiry back to the default (3 days after sending).
    pub fn reset_expire_at(mut self) -> Self {
        self.options.expire_at = Field::Reset;
        self
    }

    /// Change the batch's callback URL.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.options.callback_url = Field::Set(url.into());
        self
    }

    /// Use the service plan's callback URL again.
    pub fn reset_callback_url(mut self) -> Self {
        self.options.callback_url = Field::Reset;
        self
    }

    /// Change the client reference.
    pub fn client_reference(mut self, reference: impl Into<String>) -> Self {
        self.options.client_reference = Some(reference.into());
        self
    }

    /// Change whether delivery feedback is expected.
    pub fn feedback_enabled(mut self, enabled: bool) -> Self {
        self.options.feedback_enabled = Some(enabled);
        self
    }

    fn check(&self) -> Result<()> {
        validate::id("batch_id", self.id.as_str())?;
        validate::list("add_recipients", &self.to_add, 0, validate::MAX_UPDATE_RECIPIENTS)?;
        validate::list("remove_recipients", &self.to_remove, 0, validate::MAX_UPDATE_RECIPIENTS)?;
        if let Some(sender) = &self.sender {
            validate::non_empty("sender", sender)?;
        }
        if let Some(body) = &self.body {
            body.check()?;
        }
        if let Some(parameters) = self.parameters.get() {
            validate::parameters(parameters)?;
        }
        self.options.check()?;
        self.sms.check()
    }

    fn into_raw(self) -> Result<rt::UpdateBatchRequest> {
        self.check()?;
        K::update_request(Parts {
            to_add: self.to_add,
            to_remove: self.to_remove,
            sender: self.sender,
            body: self.body,
            parameters: self.parameters.map(parameters_to_raw, rt::ResettableParameters),
            change: self.options.into_raw(),
            sms: self.sms.into_raw(),
            strict_validation: self.strict_validation,
        })
    }
}

/// The checked pieces of an update, in the generated types, from which each
/// kind builds its own request (`BatchKind::update_request`): a kind added
/// later must write its own, it cannot fall into another kind's.
pub struct Parts {
    to_add: Vec<String>,
    to_remove: Vec<String>,
    sender: Option<String>,
    body: Option<BatchBody>,
    parameters: Option<rt::ResettableParameters>,
    change: RawChange,
    sms: RawSms,
    strict_validation: Option<bool>,
}

impl Parts {
    pub(super) fn text(self) -> Result<rt::UpdateBatchRequest> {
        let (change, sms) = (self.change, self.sms);
        Ok(rt::UpdateTextBatch {
            type_: rt::TextBatchType::MtText,
            to_add: self.to_add,
            to_remove: self.to_remove,
            from: self.sender,
            body: match self.body {
                Some(BatchBody::Text(text)) => Some(text),
                _ => None,
            },
            parameters: self.parameters,
            delivery_report: change.delivery_report,
            send_at: change.send_at,
            expire_at: change.expire_at,
            callback_url: change.callback_url,
            client_reference: change.client_reference,
            feedback_enabled: change.feedback_enabled,
            flash_message: sms.flash_message,
            truncate_concat: sms.truncate_concat,
            max_number_of_message_parts: sms.max_parts,
            from_ton: sms.from_ton,
            from_npi: sms.from_npi,
        }
        .into())
    }

    pub(super) fn binary(self) -> Result<rt::UpdateBatchRequest> {
        let (change, sms) = (self.change, self.sms);
        let (body, udh) = match self.body {
            Some(BatchBody::Binary { body, udh }) => (Some(body), Some(udh)),
            _ => (None, None),
        };
        Ok(rt::UpdateBinaryBatch {
            type_: rt::BinaryBatchType::MtBinary,
            to_add: self.to_add,
            to_remove: self.to_remove,
            from: self.sender,
            body,
            udh,
            delivery_report: change.delivery_report,
            send_at: change.send_at,
            expire_at: change.expire_at,
            callback_url: change.callback_url,
            client_reference: change.client_reference,
            feedback_enabled: change.feedback_enabled,
            from_ton: sms.from_ton,
            from_npi: sms.from_npi,
        }
        .into())
    }

    pub(super) fn media(self) -> Result<rt::UpdateBatchRequest> {
        let change = self.change;
        Ok(rt::UpdateMediaBatch {
            type_: rt::MediaBatchType::MtMedia,
            to_add: self.to_add,
            to_remove: self.to_remove,
            from: self.sender,
            body: match self.body {
                Some(BatchBody::Media(m)) => Some(m),
                _ => None,
            },
            parameters: self.parameters,
            delivery_report: change.delivery_report,
            send_at: change.send_at,
            expire_at: change.expire_at,
            callback_url: change.callback_url,
            client_reference: change.client_reference,
            feedback_enabled: change.feedback_enabled,
            strict_validation: self.strict_validation,
        }
        .into())
    }
}

/// Changes of the kinds with placeholders (text and media).
impl<K: TemplateKind, H: AnyClient> UpdateBatch<K, H> {
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
}

/// Changes of SMS kinds (text and binary).
impl<K: SmsKind, H: AnyClient> UpdateBatch<K, H> {
    /// Change the sender's type of number (0 to 6).
    pub fn from_ton(mut self, ton: u8) -> Self {
        self.sms.from_ton = Some(ton);
        self
    }

    /// Change the sender's numbering plan (0 to 18).
    pub fn from_npi(mut self, npi: u8) -> Self {
        self.sms.from_npi = Some(npi);
        self
    }
}

impl<H: AnyClient> UpdateBatch<Text, H> {
    /// Change the text.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(BatchBody::Text(body.into()));
        self
    }

    /// Change whether it is a flash message.
    pub fn flash_message(mut self, flash: bool) -> Self {
        self.sms.flash_message = Some(flash);
        self
    }

    /// Change whether long text is cut to one part.
    pub fn truncate_concat(mut self, truncate: bool) -> Self {
        self.sms.truncate_concat = Some(truncate);
        self
    }

    /// Change the most parts a message may take.
    pub fn max_number_of_message_parts(mut self, parts: u32) -> Self {
        self.sms.max_parts = Some(parts);
        self
    }
}

impl<H: AnyClient> UpdateBatch<Binary, H> {
    /// Change the payload (base64) and header (hex).
    pub fn body(mut self, body_base64: impl Into<String>, udh_hex: impl Into<String>) -> Self {
        self.body = Some(BatchBody::Binary { body: body_base64.into(), udh: udh_hex.into() });
        self
    }
}

impl<H: AnyClient> UpdateBatch<Media, H> {
    /// Change the media and its text.
    pub fn body(mut self, body: MediaBody) -> Self {
        self.body = Some(BatchBody::Media(body));
        self
    }

    /// Change whether the media is checked against the MMS best practices.
    pub fn strict_validation(mut self, strict: bool) -> Self {
        self.strict_validation = Some(strict);
        self
    }
}

impl<K: BatchKind, H: AnyClient> UpdateBatch<K, H> {
    async fn send_inner(self) -> Result<K::Output> {
        let client = self.client.clone();
        let id = self.id.clone();
        let request = self.into_raw()?;
        let client = client.client();
        let (batch, response) = client
            .call_with_response(|raw, plan| raw.update_batch(plan, id.as_str(), &request))
            .await?;
        expect_kind::<K>(batch, response, client)
    }
}

crate::macros::finals! {
    impl<K: BatchKind> UpdateBatch<K> {
        /// Check and send the update; returns the batch as it is now.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let batch = client.batches()
        ///     .update_text("01FC66621XXXXX119Z8PMV1QPQ")
        ///     .add_recipients(["+46701111111"])
        ///     .send()
        ///     .await?;
        /// println!("{} recipients now", batch.recipients.len());
        /// # Ok(()) }
        /// ```
        pub fn send(self) -> Result<K::Output> => send_inner;
    }
}
