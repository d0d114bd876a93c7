//! Listing batches: [`ListBatches`](super::ListBatches).

use super::Batch;
use crate::{
    Client, Result,
    client::AnyClient,
    pagination::{ListQuery, Page, listing},
    validate,
};

/// The list of batches, with its filters; made by
/// [`Batches::list`](super::Batches::list). See [`crate::pagination`] for how
/// to read it.
#[derive(Clone, Debug)]
#[must_use = "nothing is fetched until a page is asked for"]
pub struct ListBatches<H = Client> {
    pub(super) client: H,
    pub(super) query: ListQuery,
    pub(super) senders: Vec<String>,
    pub(super) tags: Vec<String>,
}

impl<H: AnyClient> ListBatches<H> {
    /// Only batches from these senders (sent comma-separated, so a sender
    /// must not contain a comma).
    pub fn senders(mut self, senders: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.senders.extend(senders.into_iter().map(Into::into));
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
        let q = self.query.raw(page);
        let (start, end) = (q.start_date.as_ref(), q.end_date.as_ref());
        let (senders, tags) = (senders.as_deref(), tags.as_deref());
        self.client
            .client()
            .call(|raw, plan| {
                raw.list_batches(
                    plan,
                    q.client_reference,
                    end,
                    senders,
                    Some(q.page),
                    q.page_size,
                    start,
                    tags,
                )
            })
            .await
    }
}

listing!(ListBatches, Batch, dated("batches created", "batches"));
