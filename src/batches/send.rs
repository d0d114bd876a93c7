//! Sending a batch: [`SendBatch`](super::SendBatch), the checks a send and an update share,
//! and the kind-specific settings.

use std::marker::PhantomData;

use chrono::{DateTime, Utc};

use super::{
    BatchKind, DryRun, Media, MediaBody, SmsKind, TemplateKind, expect_kind,
    options::{BatchOptions, SmsOptions},
    preview::{self, Preview, RecipientPreview},
};
use crate::{
    Client, Result,
    client::AnyClient,
    convert::parameters_to_raw,
    model::{BatchId, DeliveryReportType, Parameters},
    raw::types as rt,
    validate,
};

/// The body of a batch: text, binary, or media.
#[derive(Clone, Debug)]
pub(super) enum BatchBody {
    Text(String),
    Binary { body: String, udh: String },
    Media(MediaBody),
}

impl BatchBody {
    /// The rules of a body, for a send and an update alike.
    pub(super) fn check(&self) -> Result<()> {
        match self {
            BatchBody::Text(text) => {
                validate::max_chars("body", text, validate::MAX_TEXT_BODY_CHARS)
            }
            BatchBody::Binary { body, udh } => validate::binary(body, udh),
            BatchBody::Media(media) => {
                validate::non_empty("body.url", &media.url)?;
                validate::url("body.url", &media.url)
            }
        }
    }
}

/// A batch being built, to [send](SendBatch::send), [dry run](SendBatch::dry_run)
/// or [put in place of another](SendBatch::replace). Made by
/// [`Batches::text`], [`Batches::binary`] and [`Batches::media`].
///
/// Nothing is checked or sent until the final call; then every rule of the
/// API that can be checked here is, and a broken one fails with
/// [`Error::InvalidRequest`](crate::Error::InvalidRequest) before anything is sent.
///
/// [`Batches::text`]: super::Batches::text
/// [`Batches::binary`]: super::Batches::binary
/// [`Batches::media`]: super::Batches::media
#[derive(Clone, Debug)]
#[must_use = "a batch is only sent by .send()"]
pub struct SendBatch<K, H = Client> {
    client: H,
    kind: PhantomData<fn() -> K>,
    sender: Option<String>,
    recipients: Vec<String>,
    body: BatchBody,
    parameters: Parameters,
    options: BatchOptions,
    sms: SmsOptions,
    strict_validation: Option<bool>,
}

/// What a bulk send needs of its template.
impl<K, H> SendBatch<K, H> {
    pub(super) fn client(&self) -> &H {
        &self.client
    }

    pub(super) fn recipient_list(&self) -> &[String] {
        &self.recipients
    }

    pub(super) fn take_recipients(&mut self) -> Vec<String> {
        std::mem::take(&mut self.recipients)
    }

    /// The same batch with another client.
    pub(super) fn with_client<H2>(self, client: H2) -> SendBatch<K, H2> {
        let SendBatch {
            client: _,
            kind,
            sender,
            recipients,
            body,
            parameters,
            options,
            sms,
            strict_validation,
        } = self;
        SendBatch {
            client,
            kind,
            sender,
            recipients,
            body,
            parameters,
            options,
            sms,
            strict_validation,
        }
    }

    pub(super) fn take_parameters(&mut self) -> Parameters {
        std::mem::take(&mut self.parameters)
    }

    /// This batch (a template whose recipients and parameters were taken)
    /// for one chunk of a bulk send.
    pub(super) fn for_chunk(
        &self,
        recipients: Vec<String>,
        parameters: Parameters,
        reference: String,
    ) -> Self
    where
        K: Clone,
        H: Clone,
    {
        let mut chunk = SendBatch { recipients, parameters, ..self.clone() };
        chunk.options.client_reference = Some(reference);
        chunk
    }
}

impl<K: BatchKind, H: AnyClient> SendBatch<K, H> {
    pub(super) fn new(
        client: H,
        sender: impl Into<String>,
        recipients: impl IntoIterator<Item = impl Into<String>>,
        body: BatchBody,
    ) -> Self {
        SendBatch {
            client,
            kind: PhantomData,
            sender: Some(sender.into()),
            recipients: recipients.into_iter().map(Into::into).collect(),
            body,
            parameters: Parameters::new(),
            options: BatchOptions::default(),
            sms: SmsOptions::default(),
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
        self.recipients.extend(recipients.into_iter().map(Into::into));
        self
    }

    /// Which delivery report callbacks to get (none when not set).
    pub fn delivery_report(mut self, kind: DeliveryReportType) -> Self {
        self.options.delivery_report = Some(kind);
        self
    }

    /// Send at this time instead of now.
    pub fn send_at(mut self, at: DateTime<Utc>) -> Self {
        self.options.send_at = Some(at);
        self
    }

    /// Give up delivering at this time: after `send_at`, at most 3 days
    /// later (the default).
    pub fn expire_at(mut self, at: DateTime<Utc>) -> Self {
        self.options.expire_at = Some(at);
        self
    }

    /// Send this batch's delivery report callbacks here instead of to the
    /// service plan's callback URL.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.options.callback_url = Some(url.into());
        self
    }

    /// A reference of yours (at most 2048 characters), echoed in delivery
    /// reports and callbacks. Also the way to find a batch again after a send
    /// whose answer was lost.
    pub fn client_reference(mut self, reference: impl Into<String>) -> Self {
        self.options.client_reference = Some(reference.into());
        self
    }

    /// Whether you will report delivery with
    /// [`Batches::delivery_feedback`](super::Batches::delivery_feedback).
    pub fn feedback_enabled(mut self, enabled: bool) -> Self {
        self.options.feedback_enabled = Some(enabled);
        self
    }

    /// Legacy CLX tags for the batch (deprecated: the original CLX API
    /// took them here; the batch's tags can also be changed later with
    /// [`Batches::tags`](super::Batches::tags)).
    pub fn tags(mut self, tags: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.options.tags.extend(tags.into_iter().map(Into::into));
        self
    }

    /// The text placeholders are filled in: a text body, or a media
    /// message's text.
    fn text(&self) -> Option<&str> {
        match &self.body {
            BatchBody::Text(text) => Some(text),
            BatchBody::Media(media) => media.message.as_deref(),
            BatchBody::Binary { .. } => None,
        }
    }

    /// What each recipient's message renders to, its encoding and parts, and
    /// the total, without any request; the batch is checked first, as
    /// `send` would. (A dry run asks XMS the same, with group members
    /// expanded.)
    pub fn preview(&self) -> Result<Preview> {
        self.check()?;
        let truncate = self.sms.truncates();
        let recipients: Vec<RecipientPreview> = self
            .recipients
            .iter()
            .map(|r| preview::recipient(self.text(), &self.parameters, r, truncate))
            .collect();
        let total_parts = recipients.iter().map(|r| r.parts as u64).sum();
        Ok(Preview { recipients, total_parts })
    }

    /// How many message parts the batch takes (group ids count as one).
    pub(super) fn parts(&self) -> u64 {
        let truncate = self.sms.truncates();
        preview::total_parts(self.text(), &self.parameters, &self.recipients, truncate)
    }

    fn check(&self) -> Result<()> {
        validate::list(
            "recipients",
            &self.recipients,
            validate::MIN_RECIPIENTS,
            validate::MAX_RECIPIENTS,
        )?;
        if let Some(text) = self.text() {
            preview::check_placeholders(text, &self.parameters, &self.recipients)?;
        }
        if let Some(sender) = &self.sender {
            validate::non_empty("sender", sender)?;
        }
        self.body.check()?;
        validate::parameters(&self.parameters)?;
        self.options.check()?;
        self.sms.check()
    }

    /// The checked request, built by moving the builder's values.
    fn into_raw(self) -> Result<(H, rt::SendBatchRequest)> {
        self.check()?;
        let SendBatch {
            client,
            sender,
            recipients,
            body,
            parameters,
            options,
            sms,
            strict_validation,
            ..
        } = self;
        let parameters = (!parameters.is_empty()).then(|| parameters_to_raw(parameters));
        let (send_at, expire_at) = options.times();
        let sms = sms.into_raw();
        let request = match body {
            BatchBody::Text(text) => rt::TextBatchRequest {
                type_: Some(rt::TextBatchType::MtText),
                to: recipients,
                from: sender,
                body: text,
                parameters,
                delivery_report: options.delivery_report,
                send_at,
                expire_at,
                callback_url: options.callback_url,
                client_reference: options.client_reference,
                feedback_enabled: options.feedback_enabled,
                flash_message: sms.flash_message,
                truncate_concat: sms.truncate_concat,
                max_number_of_message_parts: sms.max_parts,
                from_ton: sms.from_ton,
                from_npi: sms.from_npi,
                tags: options.tags,
            }
            .into(),
            BatchBody::Binary { body, udh } => rt::BinaryBatchRequest {
                type_: rt::BinaryBatchType::MtBinary,
                to: recipients,
                from: sender,
                body,
                udh,
                delivery_report: options.delivery_report,
                send_at,
                expire_at,
                callback_url: options.callback_url,
                client_reference: options.client_reference,
                feedback_enabled: options.feedback_enabled,
                flash_message: sms.flash_message,
                truncate_concat: sms.truncate_concat,
                max_number_of_message_parts: sms.max_parts,
                from_ton: sms.from_ton,
                from_npi: sms.from_npi,
                tags: options.tags,
            }
            .into(),
            BatchBody::Media(media) => rt::MediaBatchRequest {
                type_: rt::MediaBatchType::MtMedia,
                to: recipients,
                from: sender,
                body: media,
                parameters,
                delivery_report: options.delivery_report,
                send_at,
                expire_at,
                callback_url: options.callback_url,
                client_reference: options.client_reference,
                feedback_enabled: options.feedback_enabled,
                strict_validation,
                tags: options.tags,
            }
            .into(),
        };
        Ok((client, request))
    }

    /// Dry run this batch instead of sending it: how many parts and which
    /// encoding each recipient's message would take.
    pub fn dry_run(self) -> DryRun<H> {
        DryRun {
            client: self.client.clone(),
            request: self.into_raw().map(|(_, request)| request),
            per_recipient: None,
            number_of_recipients: None,
        }
    }
}

/// Settings of the kinds with placeholders (text and media).
impl<K: TemplateKind, H: AnyClient> SendBatch<K, H> {
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
        this.parameters.entry(key).or_default().insert("default".into(), default.into());
        this
    }

    /// Give the `${key}` placeholder a value per recipient, without a
    /// default: the message fails (code 405) for a recipient not listed.
    pub fn parameter_without_default<I, R, V>(mut self, key: impl Into<String>, values: I) -> Self
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

/// Settings of SMS kinds (text and binary).
impl<K: SmsKind, H: AnyClient> SendBatch<K, H> {
    /// Show the message at once without storing it on the phone.
    pub fn flash_message(mut self, flash: bool) -> Self {
        self.sms.flash_message = Some(flash);
        self
    }

    /// Cut the message to one part instead of splitting it.
    pub fn truncate_concat(mut self, truncate: bool) -> Self {
        self.sms.truncate_concat = Some(truncate);
        self
    }

    /// Do not send a message that needs more parts than this (it
    /// fails with code 411).
    pub fn max_number_of_message_parts(mut self, parts: u32) -> Self {
        self.sms.max_parts = Some(parts);
        self
    }

    /// The sender's type of number (0 to 6), overriding XMS's guess.
    pub fn from_ton(mut self, ton: u8) -> Self {
        self.sms.from_ton = Some(ton);
        self
    }

    /// The sender's numbering plan (0 to 18), overriding XMS's guess.
    pub fn from_npi(mut self, npi: u8) -> Self {
        self.sms.from_npi = Some(npi);
        self
    }
}

impl<H: AnyClient> SendBatch<Media, H> {
    /// The text shown with the media.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        if let BatchBody::Media(media) = &mut self.body {
            media.message = Some(message.into());
        }
        self
    }

    /// The subject line.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        if let BatchBody::Media(media) = &mut self.body {
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

impl<K: BatchKind, H: AnyClient> SendBatch<K, H> {
    // A plain fn returning an `async move` block: an `async fn` would keep
    // the builder twice in its future (the argument and its moved copy).
    #[allow(clippy::manual_async_fn)]
    pub(super) fn send_inner(self) -> impl Future<Output = Result<K::Output>> {
        async move {
            let counts = self.client.client().limiter().is_some_and(|l| l.limits_messages());
            let parts = counts.then(|| self.parts());
            let (client, request) = self.into_raw()?;
            let client = client.client();
            // The wait for the message rate is part of the call, so that
            // its deadline covers it (and a call cut there sent nothing).
            let limiter = client.limiter().zip(parts);
            let (batch, response) = client
                .call_with_response(|raw, plan| async move {
                    if let Some((limiter, parts)) = limiter {
                        limiter.messages(parts).await;
                    }
                    raw.send_batch(plan, &request).await
                })
                .await?;
            expect_kind::<K>(batch, response, client)
        }
    }

    /// Send; after a failure that may have been processed, look the batch
    /// up by its client reference and send again only if it is not there.
    pub(super) async fn send_or_find_inner(self) -> Result<K::Output> {
        let Some(reference) = self.options.client_reference.clone() else {
            return Err(crate::Error::invalid(
                "client_reference",
                "is needed to find the batch after a send that may have been processed",
            ));
        };
        self.check()?;
        let client = self.client.client().clone();
        let mut attempts = 0;
        loop {
            attempts += 1;
            match self.clone().send_inner().await {
                Err(e) if e.may_have_been_processed() => {
                    if let Some(found) = find_by_reference::<K>(&client, &reference, None).await? {
                        return Ok(found);
                    }
                    if attempts >= SEND_OR_FIND_ATTEMPTS {
                        return Err(e);
                    }
                }
                other => return other,
            }
        }
    }

    async fn replace_inner(self, id: impl Into<BatchId>) -> Result<K::Output> {
        let id = id.into();
        validate::id("batch_id", id.as_str())?;
        let (client, request) = self.into_raw()?;
        let client = client.client();
        let (batch, response) = client
            .call_with_response(|raw, plan| raw.replace_batch(plan, id.as_str(), &request))
            .await?;
        expect_kind::<K>(batch, response, client)
    }
}

/// How many times `send_or_find` sends at most.
const SEND_OR_FIND_ATTEMPTS: u32 = 3;

/// The newest batch of kind `K` with this client reference, created since
/// `since` (the API's default, a day back, when `None`).
pub(super) async fn find_by_reference<K: BatchKind>(
    client: &Client,
    reference: &str,
    since: Option<DateTime<Utc>>,
) -> Result<Option<K::Output>> {
    let mut list = client.batches().list().client_reference(reference);
    if let Some(since) = since {
        list = list.start_date(since);
    }
    let page = list.page(0).await?;
    match page.items.into_iter().next() {
        None => Ok(None),
        Some(batch) => K::expect(batch).map(Some).map_err(|got| {
            crate::Error::Protocol {
                reason: format!(
                    "the batch {} with client reference {reference:?} is a {} batch, not {}",
                    got.id(),
                    got.batch_type(),
                    K::TYPE
                ),
            }
            // The type and id are the server's words.
            .redact(&client.secrets())
        }),
    }
}

crate::macros::finals! {
    impl<K: BatchKind> SendBatch<K> {
        /// Check and send the batch.
        ///
        /// Never retried on a timeout or server error (the first attempt
        /// may have been processed); on such an error, look for the batch by
        /// its client reference before sending again.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let batch = client.batches()
        ///     .text("12345", ["+46701234567"], "Your code is 1234")
        ///     .client_reference("login-4711")
        ///     .send()
        ///     .await?;
        /// println!("sent {}", batch.id);
        /// # Ok(()) }
        /// ```
        pub fn send(self) -> Result<K::Output> => send_inner;
        /// Send so that the batch exists once: after a failure that may
        /// have been processed (a timeout, a broken connection, a 5xx), look
        /// for the batch by its client reference, and send again (at most 3
        /// sends) only when it is not there. Needs a
        /// [`client_reference`](SendBatch::client_reference) unique to this
        /// batch.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let batch = client.batches()
        ///     .text("12345", ["+46701234567"], "Your order 17 has shipped")
        ///     .client_reference("order-17-shipped")
        ///     .send_or_find()
        ///     .await?;
        /// # Ok(()) }
        /// ```
        pub fn send_or_find(self) -> Result<K::Output> => send_or_find_inner;
        /// Check the batch and put it in place of the batch `id`, which
        /// must not have been dispatched yet. The same as cancelling it and
        /// sending this one, keeping the id.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let batch = client.batches()
        ///     .text("12345", ["+46701234567"], "Corrected text")
        ///     .replace("01FC66621XXXXX119Z8PMV1QPQ")
        ///     .await?;
        /// # Ok(()) }
        /// ```
        pub fn replace(self, id: impl Into<BatchId>) -> Result<K::Output> => replace_inner;
    }
}
