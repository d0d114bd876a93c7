//! Legacy CLX tags on batches and groups.
//!
//! Tags come from the original CLX API; XMS still answers these calls but
//! its current reference no longer lists them. Reached through
//! [`Batches::tags`](crate::batches::Batches::tags) and
//! [`Groups::tags`](crate::groups::Groups::tags).

use crate::{
    Client, Result,
    client::AnyClient,
    model::{BatchId, GroupId},
    raw::types as rt,
    validate,
};

#[derive(Clone, Debug)]
enum Owner {
    Batch(BatchId),
    Group(GroupId),
}

/// The tags of one batch or group.
///
/// ```no_run
/// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
/// let tags = client.batches().tags("01FC66621XXXXX119Z8PMV1QPQ");
/// tags.update(["vip"], ["trial"]).await?;
/// println!("{:?}", tags.get().await?);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Tags<H = Client> {
    client: H,
    owner: Owner,
}

impl<H: AnyClient> Tags<H> {
    pub(crate) fn batch(client: H, id: BatchId) -> Self {
        Tags { client, owner: Owner::Batch(id) }
    }

    pub(crate) fn group(client: H, id: GroupId) -> Self {
        Tags { client, owner: Owner::Group(id) }
    }

    fn check(&self) -> Result<()> {
        match &self.owner {
            Owner::Batch(id) => validate::id("batch_id", id.as_str()),
            Owner::Group(id) => validate::id("group_id", id.as_str()),
        }
    }
}

fn tag_list(field: &str, tags: impl IntoIterator<Item = impl Into<String>>) -> Result<Vec<String>> {
    let tags: Vec<String> = tags.into_iter().map(Into::into).collect();
    validate::list(field, &tags, 0, usize::MAX)?;
    Ok(tags)
}

/// What a tags request does.
enum Change {
    Get,
    Replace(rt::Tags),
    Update(rt::TagsUpdate),
}

impl<H: AnyClient> Tags<H> {
    /// The one place that picks the operation for the owner and the change.
    async fn run(&self, change: Change) -> Result<Vec<String>> {
        self.check()?;
        let client = self.client.client();
        let tags = match (&self.owner, change) {
            (Owner::Batch(id), Change::Get) => {
                client.call(|raw, plan| raw.get_batch_tags(plan, id.as_str())).await
            }
            (Owner::Group(id), Change::Get) => {
                client.call(|raw, plan| raw.get_group_tags(plan, id.as_str())).await
            }
            (Owner::Batch(id), Change::Replace(body)) => {
                client.call(|raw, plan| raw.replace_batch_tags(plan, id.as_str(), &body)).await
            }
            (Owner::Group(id), Change::Replace(body)) => {
                client.call(|raw, plan| raw.replace_group_tags(plan, id.as_str(), &body)).await
            }
            (Owner::Batch(id), Change::Update(body)) => {
                client.call(|raw, plan| raw.update_batch_tags(plan, id.as_str(), &body)).await
            }
            (Owner::Group(id), Change::Update(body)) => {
                client.call(|raw, plan| raw.update_group_tags(plan, id.as_str(), &body)).await
            }
        };
        Ok(tags?.tags)
    }

    async fn get_inner(&self) -> Result<Vec<String>> {
        self.run(Change::Get).await
    }

    async fn replace_inner(
        &self,
        tags: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<Vec<String>> {
        self.run(Change::Replace(rt::Tags { tags: tag_list("tags", tags)? })).await
    }

    async fn update_inner(
        &self,
        add: impl IntoIterator<Item = impl Into<String>>,
        remove: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<Vec<String>> {
        let body =
            rt::TagsUpdate { add: tag_list("add", add)?, remove: tag_list("remove", remove)? };
        self.run(Change::Update(body)).await
    }
}

crate::macros::finals! {
    impl Tags {
        /// The tags the batch or group has now.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let tags = client.groups().tags("01FC66621XXXXX119Z8PMV1QPR").get().await?;
        /// # Ok(()) }
        /// ```
        pub fn get(&self) -> Result<Vec<String>> => get_inner;
        /// Replace all tags; returns the tags now.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let tags = client.batches()
        ///     .tags("01FC66621XXXXX119Z8PMV1QPQ")
        ///     .replace(["campaign-7", "spring"])
        ///     .await?;
        /// # Ok(()) }
        /// ```
        pub fn replace(
            &self,
            tags: impl IntoIterator<Item = impl Into<String>>,
        ) -> Result<Vec<String>> => replace_inner;
        /// Add some tags and remove others; returns the tags now.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let tags = client.batches()
        ///     .tags("01FC66621XXXXX119Z8PMV1QPQ")
        ///     .update(["sent"], ["draft"])
        ///     .await?;
        /// # Ok(()) }
        /// ```
        pub fn update(
            &self,
            add: impl IntoIterator<Item = impl Into<String>>,
            remove: impl IntoIterator<Item = impl Into<String>>,
        ) -> Result<Vec<String>> => update_inner;
    }
}
