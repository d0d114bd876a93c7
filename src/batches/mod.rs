//! Batches: sending text, binary and media messages, and changing them
//! before they go out. Reached through [`Client::batches`].
//!
//! The parts, in the order a batch meets them: `models.rs` (what XMS answers),
//! [`SendBatch`] (`send.rs`: building, checking and sending), [`DryRun`],
//! [`UpdateBatch`] (`update.rs`), [`ListBatches`] (`listing.rs`), and the
//! handler [`Batches`] here, with the batch kinds.

mod bulk;
mod dry_run;
mod listing;
mod options;
mod preview;
mod send;
mod update;

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub use bulk::BulkIter;
pub use bulk::{BulkRecipient, BulkSend, BulkStream, ChunkOutcome, OnFailure, Progress};
pub use dry_run::DryRun;
pub use listing::ListBatches;
// Every model of the area (a new one needs no edit here).
pub use crate::models::batches::*;
pub use preview::{Preview, RecipientPreview};
pub use send::SendBatch;
pub use update::UpdateBatch;

use crate::{
    Client, Error, Result,
    client::AnyClient,
    model::{BatchId, BatchType},
    pagination::ListQuery,
    raw::types as rt,
    validate,
};
use send::BatchBody;

mod sealed {
    use super::update::Parts;
    use crate::{Result, raw::types as rt};

    /// What only this crate can implement: each kind builds its own update
    /// request.
    pub trait Sealed {
        fn update_request(parts: Parts) -> Result<rt::UpdateBatchRequest>;
    }

    impl Sealed for super::Text {
        fn update_request(parts: Parts) -> Result<rt::UpdateBatchRequest> {
            parts.text()
        }
    }

    impl Sealed for super::Binary {
        fn update_request(parts: Parts) -> Result<rt::UpdateBatchRequest> {
            parts.binary()
        }
    }

    impl Sealed for super::Media {
        fn update_request(parts: Parts) -> Result<rt::UpdateBatchRequest> {
            parts.media()
        }
    }
}

/// The type of batch a builder makes: [`Text`], [`Binary`] or [`Media`].
/// It decides which settings the builder offers and what `send` returns.
pub trait BatchKind: sealed::Sealed + Clone + Send + Sync + 'static {
    /// What sending this kind of batch returns.
    type Output: Send;
    /// The wire type.
    const TYPE: BatchType;
    #[doc(hidden)]
    fn expect(batch: Batch) -> std::result::Result<Self::Output, Box<Batch>>;
}

/// Marks a text SMS builder.
#[derive(Clone, Copy, Debug)]
pub enum Text {}
/// Marks a binary SMS builder.
#[derive(Clone, Copy, Debug)]
pub enum Binary {}
/// Marks an MMS builder.
#[derive(Clone, Copy, Debug)]
pub enum Media {}

/// Read the answer to a send, update or replace as the kind asked for. An
/// answer of another type means XMS took the request (the batch exists) but
/// the SDK cannot give it as that kind: the error says so and keeps the
/// answer, with the id.
pub(crate) fn expect_kind<K: BatchKind>(
    batch: Batch,
    response: crate::error::ResponseHead,
    client: &Client,
) -> Result<K::Output> {
    let secrets = client.secrets();
    K::expect(batch).map_err(|got| {
        Error::UnexpectedResponse {
            reason: format!(
                "XMS accepted the request ({}) and answered with the {} batch {}, where a {} batch \
             was expected; the batch exists, so do not send it again",
                response.status,
                got.batch_type(),
                got.id(),
                K::TYPE,
            ),
            response: crate::error::ResponseInfo::new(
                response.status,
                response.headers,
                &serde_json::to_vec(&got).unwrap_or_default(),
                &secrets,
            ),
            source: None,
        }
        // The type and id are the server's words.
        .redact(&secrets)
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

/// The SMS kinds, [`Text`] and [`Binary`]: their builders also set how the
/// message is shown and split, and the sender's numbering.
pub trait SmsKind: BatchKind {}
impl SmsKind for Text {}
impl SmsKind for Binary {}

/// The kinds with `${key}` placeholders, [`Text`] and [`Media`]: their
/// builders also take parameters.
pub trait TemplateKind: BatchKind {}
impl TemplateKind for Text {}
impl TemplateKind for Media {}

/// The batch operations; see [`Client::batches`].
#[derive(Clone, Debug)]
pub struct Batches<H = Client> {
    client: H,
}

impl<H: AnyClient> Batches<H> {
    pub(crate) fn new(client: H) -> Self {
        Batches { client }
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
    pub fn text(
        &self,
        sender: impl Into<String>,
        recipients: impl IntoIterator<Item = impl Into<String>>,
        body: impl Into<String>,
    ) -> SendBatch<Text, H> {
        SendBatch::new(self.client.clone(), sender, recipients, BatchBody::Text(body.into()))
    }

    /// A binary SMS batch, with the payload as base64 and the user data
    /// header as hex (at most 140 bytes together, decoded).
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// let batch = client.batches()
    ///     .binary("12345", ["+46701234567"], "SGVsbG8=", "050003cc0201")
    ///     .send()
    ///     .await?;
    /// assert_eq!(batch.body_bytes()?, b"Hello");
    /// # Ok(()) }
    /// ```
    pub fn binary(
        &self,
        sender: impl Into<String>,
        recipients: impl IntoIterator<Item = impl Into<String>>,
        body_base64: impl Into<String>,
        udh_hex: impl Into<String>,
    ) -> SendBatch<Binary, H> {
        let body = BatchBody::Binary { body: body_base64.into(), udh: udh_hex.into() };
        SendBatch::new(self.client.clone(), sender, recipients, body)
    }

    /// A binary SMS batch from raw bytes; the SDK encodes them.
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// let udh = [0x05, 0x00, 0x03, 0xcc, 0x02, 0x01];
    /// let batch = client.batches()
    ///     .binary_bytes("12345", ["+46701234567"], b"Hello", &udh)
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn binary_bytes(
        &self,
        sender: impl Into<String>,
        recipients: impl IntoIterator<Item = impl Into<String>>,
        body: &[u8],
        udh: &[u8],
    ) -> SendBatch<Binary, H> {
        self.binary(sender, recipients, validate::encode_base64(body), validate::encode_hex(udh))
    }

    /// An MMS batch of the media at `url` (US only). Add text with
    /// [`SendBatch::message`] and a subject with [`SendBatch::subject`].
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// let batch = client.batches()
    ///     .media("12345", ["+15551231234"], "https://media.example.com/cat.jpg")
    ///     .message("Look at this cat")
    ///     .subject("Cat")
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn media(
        &self,
        sender: impl Into<String>,
        recipients: impl IntoIterator<Item = impl Into<String>>,
        url: impl Into<String>,
    ) -> SendBatch<Media, H> {
        SendBatch::new(
            self.client.clone(),
            sender,
            recipients,
            BatchBody::Media(MediaBody::new(url)),
        )
    }

    /// Changes to the text batch `id`, which must not have been dispatched.
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// let batch = client.batches()
    ///     .update_text("01FC66621XXXXX119Z8PMV1QPQ")
    ///     .body("The meeting moved to 3 pm")
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn update_text(&self, id: impl Into<BatchId>) -> UpdateBatch<Text, H> {
        UpdateBatch::new(self.client.clone(), id.into())
    }

    /// Changes to the binary batch `id`, which must not have been dispatched.
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// client.batches()
    ///     .update_binary("01FC66621XXXXX119Z8PMV1QPB")
    ///     .body("SGVsbG8=", "050003cc0201")
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn update_binary(&self, id: impl Into<BatchId>) -> UpdateBatch<Binary, H> {
        UpdateBatch::new(self.client.clone(), id.into())
    }

    /// Changes to the MMS batch `id`, which must not have been dispatched.
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// use xms::batches::MediaBody;
    /// client.batches()
    ///     .update_media("01FC66621XXXXX119Z8PMV1QPM")
    ///     .body(MediaBody::new("https://media.example.com/dog.jpg").message("A dog instead"))
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn update_media(&self, id: impl Into<BatchId>) -> UpdateBatch<Media, H> {
        UpdateBatch::new(self.client.clone(), id.into())
    }

    /// The legacy CLX tags of the batch `id`.
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// let tags = client.batches().tags("01FC66621XXXXX119Z8PMV1QPQ").get().await?;
    /// println!("{tags:?}");
    /// # Ok(()) }
    /// ```
    pub fn tags(&self, id: impl Into<BatchId>) -> crate::tags::Tags<H> {
        crate::tags::Tags::batch(self.client.clone(), id.into())
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
            client: self.client.clone(),
            query: ListQuery::default(),
            senders: Vec::new(),
            tags: Vec::new(),
        }
    }
}

impl<H: AnyClient> Batches<H> {
    async fn get_inner(&self, id: impl Into<BatchId>) -> Result<Batch> {
        let id = validate::checked("batch_id", id.into())?;
        let client = self.client.client();
        client.call(|raw, plan| raw.get_batch(plan, id.as_str())).await
    }

    async fn cancel_inner(&self, id: impl Into<BatchId>) -> Result<Batch> {
        let id = validate::checked("batch_id", id.into())?;
        let client = self.client.client();
        client.call(|raw, plan| raw.cancel_batch(plan, id.as_str())).await
    }

    async fn delivery_feedback_inner(
        &self,
        id: impl Into<BatchId>,
        recipients: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<()> {
        let id = validate::checked("batch_id", id.into())?;
        let recipients: Vec<String> = recipients.into_iter().map(Into::into).collect();
        validate::list("recipients", &recipients, 0, usize::MAX)?;
        let body = rt::DeliveryFeedbackRequest { recipients };
        let client = self.client.client();
        client.call(|raw, plan| raw.send_delivery_feedback(plan, id.as_str(), &body)).await
    }

    async fn create_text_message_inner(
        &self,
        sender: impl Into<String>,
        recipient: impl Into<String>,
        body: impl Into<String>,
    ) -> Result<TextBatch> {
        self.text(sender, [recipient.into()], body).send_inner().await
    }

    async fn create_binary_message_inner(
        &self,
        sender: impl Into<String>,
        recipient: impl Into<String>,
        body: &[u8],
        udh: &[u8],
    ) -> Result<BinaryBatch> {
        self.binary_bytes(sender, [recipient.into()], body, udh).send_inner().await
    }
}

crate::macros::finals! {
    impl Batches {
        /// The batch `id`, of whichever type it is.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let batch = client.batches().get("01FC66621XXXXX119Z8PMV1QPQ").await?;
        /// println!("{} to {} recipients", batch.batch_type(), batch.recipients().len());
        /// # Ok(()) }
        /// ```
        pub fn get(&self, id: impl Into<BatchId>) -> Result<Batch> => get_inner;
        /// Cancel the messages of batch `id` that have not been sent yet;
        /// returns the batch, marked as canceled.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let batch = client.batches().cancel("01FC66621XXXXX119Z8PMV1QPQ").await?;
        /// assert!(batch.canceled());
        /// # Ok(()) }
        /// ```
        pub fn cancel(&self, id: impl Into<BatchId>) -> Result<Batch> => cancel_inner;
        /// Report which recipients got the batch `id` (sent with
        /// [`SendBatch::feedback_enabled`]). An empty list means all of them;
        /// a batch sent to a group needs at least one.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// client
        ///     .batches()
        ///     .delivery_feedback("01FC66621XXXXX119Z8PMV1QPQ", ["+46701234567"])
        ///     .await?;
        /// # Ok(()) }
        /// ```
        pub fn delivery_feedback(
            &self,
            id: impl Into<BatchId>,
            recipients: impl IntoIterator<Item = impl Into<String>>,
        ) -> Result<()> => delivery_feedback_inner;
        /// Send a text message to one recipient (the original CLX SDK's
        /// `create_text_message`).
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let batches = client.batches();
        /// let batch = batches.create_text_message("12345", "+46701234567", "Hello").await?;
        /// # Ok(()) }
        /// ```
        pub fn create_text_message(
            &self,
            sender: impl Into<String>,
            recipient: impl Into<String>,
            body: impl Into<String>,
        ) -> Result<TextBatch> => create_text_message_inner;
        /// Send a binary message to one recipient (the original CLX SDK's
        /// `create_binary_message`), from raw bytes.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let batches = client.batches();
        /// let batch = batches.create_binary_message("12345", "+46701234567", b"Hi", &[]).await?;
        /// # Ok(()) }
        /// ```
        pub fn create_binary_message(
            &self,
            sender: impl Into<String>,
            recipient: impl Into<String>,
            body: &[u8],
            udh: &[u8],
        ) -> Result<BinaryBatch> => create_binary_message_inner;
    }
}
