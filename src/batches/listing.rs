//! Listing batches: [`ListBatches`](super::ListBatches).

use chrono::{DateTime, Utc};

use super::Batch;
use crate::{
    Client, Result,
    client::AnyClient,
    convert::times,
    pagination::{ListQuery, Page, listing, optional},
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
    crate::client::setters! {
        /// Only batches from these senders (sent comma-separated, so a sender
        /// must not contain a comma).
        fn senders(mut self, senders: impl IntoIterator<Item = impl Into<String>>) {
            self.senders.extend(senders.into_iter().map(Into::into));
        }

        /// Only batches created at or after this time.
        fn start_date(mut self, at: DateTime<Utc>) { self.query.start_date = Some(at); }

        /// Only batches created before this time.
        fn end_date(mut self, at: DateTime<Utc>) { self.query.end_date = Some(at); }

        /// Only batches with this client reference.
        fn client_reference(mut self, reference: impl Into<String>) {
            self.query.client_reference = Some(reference.into());
        }

        /// Only batches with one of these legacy CLX tags.
        fn tags(mut self, tags: impl IntoIterator<Item = impl Into<String>>) {
            self.tags.extend(tags.into_iter().map(Into::into));
        }
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
                optional!(
                    raw.list_batches().service_plan_id(plan).page(page as i32),
                    page_size = query.page_size.map(|size| size as i32),
                    from = senders,
                    start_date = times(query.start_date),
                    end_date = times(query.end_date),
                    client_reference = query.client_reference.as_deref(),
                    tags = tags,
                )
                .send()
            })
            .await?;
        Ok(list)
    }
}

listing!(ListBatches, Batch);
