//! Delivery reports: what happened to the messages of a batch. Reached
//! through [`Client::delivery_reports`].

// Every model of the area.
pub use crate::models::delivery_reports::*;

use crate::{
    Client, Result,
    client::AnyClient,
    model::{BatchId, DeliveryCode, DeliveryStatus},
    pagination::{ListQuery, Page, listing},
    raw::types as rt,
    validate,
};

/// The delivery report operations; see [`Client::delivery_reports`].
#[derive(Clone, Debug)]
pub struct DeliveryReports<H = Client> {
    client: H,
}

impl<H: AnyClient> DeliveryReports<H> {
    pub(crate) fn new(client: H) -> Self {
        DeliveryReports { client }
    }

    /// The delivery report of the batch `id`: a summary unless
    /// [`BatchReportRequest::full`] asks for the recipients too.
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// use xms::DeliveryStatus;
    /// let report = client.delivery_reports()
    ///     .for_batch("01FC66621XXXXX119Z8PMV1QPQ")
    ///     .full()
    ///     .statuses([DeliveryStatus::Delivered, DeliveryStatus::Failed])
    ///     .send()
    ///     .await?;
    /// let delivered = report.count(&DeliveryStatus::Delivered);
    /// println!("{delivered} of {} delivered", report.total_message_count);
    /// # Ok(()) }
    /// ```
    pub fn for_batch(&self, id: impl Into<BatchId>) -> BatchReportRequest<H> {
        BatchReportRequest {
            client: self.client.clone(),
            id: id.into(),
            full: false,
            statuses: Vec::new(),
            codes: Vec::new(),
            client_reference: None,
        }
    }

    /// The delivery report of the message of batch `id` to `recipient`
    /// (the phone number as it was sent, with or without the `+`).
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// let report = client.delivery_reports()
    ///     .for_recipient("01FC66621XXXXX119Z8PMV1QPQ", "+46701234567")
    ///     .send()
    ///     .await?;
    /// println!("{} (code {})", report.status, report.code);
    /// # Ok(()) }
    /// ```
    pub fn for_recipient(
        &self,
        id: impl Into<BatchId>,
        recipient: impl Into<String>,
    ) -> RecipientReportRequest<H> {
        RecipientReportRequest {
            client: self.client.clone(),
            id: id.into(),
            recipient: recipient.into(),
        }
    }

    /// The recipient delivery reports of every batch, with filters; read one
    /// page or all of them lazily.
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// use xms::DeliveryStatus;
    /// let mut failed = client
    ///     .delivery_reports()
    ///     .list()
    ///     .statuses([DeliveryStatus::Failed])
    ///     .items();
    /// while let Some(report) = failed.try_next().await? {
    ///     println!("{} to {}: {}", report.batch_id, report.recipient, report.code);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListDeliveryReports<H> {
        ListDeliveryReports {
            client: self.client.clone(),
            query: ListQuery::default(),
            statuses: Vec::new(),
            codes: Vec::new(),
        }
    }
}

/// The request for the delivery report of one recipient of a batch; made
/// by [`DeliveryReports::for_recipient`].
#[derive(Clone, Debug)]
#[must_use = "a report is only fetched by .send()"]
pub struct RecipientReportRequest<H = Client> {
    client: H,
    id: BatchId,
    recipient: String,
}

impl<H: AnyClient> RecipientReportRequest<H> {
    async fn send_inner(self) -> Result<RecipientDeliveryReport> {
        validate::id("batch_id", self.id.as_str())?;
        validate::id("recipient", &self.recipient)?;
        let (id, recipient) = (&self.id, &self.recipient);
        self.client
            .client()
            .call(|raw, plan| raw.get_recipient_delivery_report(plan, id.as_str(), recipient))
            .await
    }
}

crate::macros::finals! {
    impl RecipientReportRequest {
        /// Fetch the report.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let report = client.delivery_reports()
        ///     .for_recipient("01FC66621XXXXX119Z8PMV1QPQ", "+46701234567")
        ///     .send()
        ///     .await?;
        /// println!("{} at {}", report.status, report.at);
        /// # Ok(()) }
        /// ```
        pub fn send(self) -> Result<RecipientDeliveryReport> => send_inner;
    }
}

/// The request for a batch's delivery report; made by
/// [`DeliveryReports::for_batch`].
#[derive(Clone, Debug)]
#[must_use = "a report is only fetched by .send()"]
pub struct BatchReportRequest<H = Client> {
    client: H,
    id: BatchId,
    full: bool,
    statuses: Vec<DeliveryStatus>,
    codes: Vec<DeliveryCode>,
    client_reference: Option<String>,
}

impl<H: AnyClient> BatchReportRequest<H> {
    /// Only the counts per status code (the default).
    pub fn summary(mut self) -> Self {
        self.full = false;
        self
    }

    /// The counts and the recipients of each status code.
    pub fn full(mut self) -> Self {
        self.full = true;
        self
    }

    /// Only these statuses.
    pub fn statuses(mut self, statuses: impl IntoIterator<Item = DeliveryStatus>) -> Self {
        self.statuses.extend(statuses);
        self
    }

    /// Only these codes.
    pub fn codes(mut self, codes: impl IntoIterator<Item = impl Into<DeliveryCode>>) -> Self {
        self.codes.extend(codes.into_iter().map(Into::into));
        self
    }

    /// Only if the batch has this client reference.
    pub fn client_reference(mut self, reference: impl Into<String>) -> Self {
        self.client_reference = Some(reference.into());
        self
    }
}

impl<H: AnyClient> BatchReportRequest<H> {
    async fn send_inner(self) -> Result<BatchDeliveryReport> {
        validate::id("batch_id", self.id.as_str())?;
        let statuses = status_filter(&self.statuses)?;
        let codes = code_filter(&self.codes);
        let kind = if self.full { rt::BatchReportKind::Full } else { rt::BatchReportKind::Summary };
        let (id, reference) = (self.id.as_str(), self.client_reference.as_deref());
        self.client
            .client()
            .call(|raw, plan| {
                let (codes, statuses) = (codes.as_deref(), statuses.as_deref());
                raw.get_batch_delivery_report(plan, id, reference, codes, statuses, Some(kind))
            })
            .await
    }
}

crate::macros::finals! {
    impl BatchReportRequest {
        /// Fetch the report.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let report = client.delivery_reports()
        ///     .for_batch("01FC66621XXXXX119Z8PMV1QPQ")
        ///     .send()
        ///     .await?;
        /// println!("complete: {}", report.is_complete());
        /// # Ok(()) }
        /// ```
        pub fn send(self) -> Result<BatchDeliveryReport> => send_inner;
    }
}

fn status_filter(statuses: &[DeliveryStatus]) -> Result<Option<String>> {
    let names: Vec<String> = statuses.iter().map(|s| s.as_str().to_string()).collect();
    validate::comma_list("statuses", &names)
}

fn code_filter(codes: &[DeliveryCode]) -> Option<String> {
    (!codes.is_empty()).then(|| codes.iter().map(|c| c.0.to_string()).collect::<Vec<_>>().join(","))
}

/// The list of recipient delivery reports over all batches, with its
/// filters; made by [`DeliveryReports::list`].
#[derive(Clone, Debug)]
#[must_use = "nothing is fetched until a page is asked for"]
pub struct ListDeliveryReports<H = Client> {
    client: H,
    query: ListQuery,
    statuses: Vec<DeliveryStatus>,
    codes: Vec<DeliveryCode>,
}

impl<H: AnyClient> ListDeliveryReports<H> {
    /// Only these statuses.
    pub fn statuses(mut self, statuses: impl IntoIterator<Item = DeliveryStatus>) -> Self {
        self.statuses.extend(statuses);
        self
    }

    /// Only these codes.
    pub fn codes(mut self, codes: impl IntoIterator<Item = impl Into<DeliveryCode>>) -> Self {
        self.codes.extend(codes.into_iter().map(Into::into));
        self
    }

    async fn fetch(&self, page: u32) -> Result<Page<RecipientDeliveryReport>> {
        self.query.check(page)?;
        let statuses = status_filter(&self.statuses)?;
        let codes = code_filter(&self.codes);
        let q = self.query.raw(page);
        let (start, end) = (q.start_date.as_ref(), q.end_date.as_ref());
        let (codes, statuses) = (codes.as_deref(), statuses.as_deref());
        self.client
            .client()
            .call(|raw, plan| {
                raw.list_delivery_reports(
                    plan,
                    q.client_reference,
                    codes,
                    end,
                    Some(q.page),
                    q.page_size,
                    start,
                    statuses,
                )
            })
            .await
    }
}

listing!(ListDeliveryReports, RecipientDeliveryReport, dated("reports", "reports of batches"));
