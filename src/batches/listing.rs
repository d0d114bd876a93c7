//! Listing batches: [`ListBatches`](super::ListBatches).

use chrono::{DateTime, Utc};

use super::Batch;
use crate::{
    Client, Result,
    client::AnyClient,
    convert::times,
    pagination::{ListQuery, Page, listing},
    validate,
};

/// The list of batches, with its filters; made by [`Batches::list`](super::Batches::list). See
/// [`crate::pagination`] for how to read it.
///
/// [`Batches::list`](super::Batches::list): super::Batches::list
#[derive(Clone, Debug)]
#[must_use = "nothing is fetched until a page is asked for"]
pub struct ListBatches<H = Client> {
    pub(super) handle: H,
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

    /// Only batches created at or after this time.
    pub fn start_date(mut self, at: DateTime<Utc>) -> Self {
        self.query.start_date = Some(at);
        self
    }

    /// Only batches created before this time.
    pub fn end_date(mut self, at: DateTime<Utc>) -> Self {
        self.query.end_date = Some(at);
        self
    }

    /// Only batches with this client reference.
    pub fn client_reference(mut self, reference: impl Into<String>) -> Self {
        self.query.client_reference = Some(reference.into());
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
        let query = &self.query;
        let list = self
            .handle
            .client()
            .call(|raw, plan| {
                let mut call = raw.list_batches().service_plan_id(plan).page(page as i32);
                if let Some(size) = query.page_size {
                    call = call.page_size(size as i32);
                }
                if let Some(senders) = senders {
                    call = call.from(senders);
                }
                if let Some(at) = times(query.start_date) {
                    call = call.start_date(at);
                }
                if let Some(at) = times(query.end_date) {
                    call = call.end_date(at);
                }
                if let Some(reference) = &query.client_reference {
                    call = call.client_reference(reference.as_str());
                }
                if let Some(tags) = tags {
                    call = call.tags(tags);
                }
                call.send()
            })
            .await?;
        Ok(list)
    }
}

listing!(ListBatches, Batch);
