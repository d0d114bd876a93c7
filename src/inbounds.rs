//! Inbound messages: what phones sent to the service plan's numbers.
//! Reached through [`Client::inbounds`].

// Every model of the area.
pub use crate::models::inbounds::*;

use crate::{
    Client, Result,
    client::AnyClient,
    model::InboundId,
    pagination::{ListQuery, Page, listing},
    validate,
};

/// The inbound message operations; see [`Client::inbounds`].
#[derive(Clone, Debug)]
pub struct Inbounds<H = Client> {
    client: H,
}

impl<H: AnyClient> Inbounds<H> {
    pub(crate) fn new(client: H) -> Self {
        Inbounds { client }
    }

    /// The messages received (XMS's default: in the last 24 hours), newest
    /// first, with filters; read one page or all of them lazily.
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// let mut inbounds = client.inbounds().list().recipients(["12345"]).page_size(100).items();
    /// while let Some(inbound) = inbounds.try_next().await? {
    ///     println!("{}: {:?}", inbound.sender(), inbound);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListInbounds<H> {
        ListInbounds {
            client: self.client.clone(),
            query: ListQuery::default(),
            recipients: Vec::new(),
        }
    }
}

/// The list of inbound messages, with its filters; made by
/// [`Inbounds::list`]. See [`crate::pagination`] for how to read it.
#[derive(Clone, Debug)]
#[must_use = "nothing is fetched until a page is asked for"]
pub struct ListInbounds<H = Client> {
    client: H,
    query: ListQuery,
    recipients: Vec<String>,
}

impl<H: AnyClient> ListInbounds<H> {
    /// Only messages sent to these numbers or short codes (`to`; sent
    /// comma-separated, so a value must not contain a comma).
    pub fn recipients(mut self, recipients: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.recipients.extend(recipients.into_iter().map(Into::into));
        self
    }

    async fn fetch(&self, page: u32) -> Result<Page<Inbound>> {
        self.query.check(page)?;
        let recipients = validate::comma_list("recipients", &self.recipients)?;
        let q = self.query.raw(page);
        let (start, end, to) = (q.start_date.as_ref(), q.end_date.as_ref(), recipients.as_deref());
        self.client
            .client()
            .call(|raw, plan| {
                raw.list_inbounds(
                    plan,
                    q.client_reference,
                    end,
                    Some(q.page),
                    q.page_size,
                    start,
                    to,
                )
            })
            .await
    }
}

listing!(ListInbounds, Inbound, dated("messages received", "messages answering batches"));

impl<H: AnyClient> Inbounds<H> {
    async fn get_inner(&self, id: impl Into<InboundId>) -> Result<Inbound> {
        let id = validate::checked("inbound_id", id.into())?;
        let client = self.client.client();
        client.call(|raw, plan| raw.get_inbound(plan, id.as_str())).await
    }
}

crate::macros::finals! {
    impl Inbounds {
        /// The inbound message `id`.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let inbound = client.inbounds().get("01FC66621VHDBN119Z8PMV1AHY").await?;
        /// let (from, to) = (inbound.sender(), inbound.recipient());
        /// println!("{from} wrote to {to} at {:?}", inbound.received_at());
        /// # Ok(()) }
        /// ```
        pub fn get(&self, id: impl Into<InboundId>) -> Result<Inbound> => get_inner;
    }
}
