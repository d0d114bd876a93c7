//! Groups: named sets of phone numbers, usable as batch recipients. Reached
//! through [`Client::groups`].
//!
//! `models.rs` holds what XMS answers ([`Group`], [`AutoUpdate`]);
//! `write.rs` the builders that create, replace ([`GroupRequest`]) and
//! change ([`UpdateGroup`]) a group; the handler [`Groups`] and the listing
//! [`ListGroups`] are here.

mod write;

// Every model of the area (a new one needs no edit here).
pub use crate::models::groups::*;
pub use write::{GroupRequest, UpdateGroup};

use crate::{
    Client, Result,
    client::AnyClient,
    convert::Field,
    model::GroupId,
    pagination::{ListQuery, Page, listing},
    validate,
};

/// The group operations; see [`Client::groups`].
#[derive(Clone, Debug)]
pub struct Groups<H = Client> {
    client: H,
}

impl<H: AnyClient> Groups<H> {
    pub(crate) fn new(client: H) -> Self {
        Groups { client }
    }

    /// A new group, ready for its settings and [`GroupRequest::send`].
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// use xms::groups::AutoUpdate;
    /// let group = client.groups()
    ///     .create()
    ///     .name("Newsletter")
    ///     .members(["+46701234567", "+46707654321"])
    ///     .auto_update(AutoUpdate::new("12345").add_keyword("JOIN").remove_keyword("STOP"))
    ///     .send()
    ///     .await?;
    /// client.batches().text("12345", [group.id], "Welcome!").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn create(&self) -> GroupRequest<H> {
        GroupRequest {
            client: self.client.clone(),
            replaces: None,
            name: None,
            members: Vec::new(),
            child_groups: Vec::new(),
            auto_update: None,
            tags: Vec::new(),
        }
    }

    /// Changes to the group `id`.
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// client.groups()
    ///     .update("01FC66621XXXXX119Z8PMV1QPR")
    ///     .add_members(["+46701111111"])
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn update(&self, id: impl Into<GroupId>) -> UpdateGroup<H> {
        UpdateGroup {
            client: self.client.clone(),
            id: id.into(),
            name: Field::Keep,
            add: Vec::new(),
            remove: Vec::new(),
            child_groups_add: Vec::new(),
            child_groups_remove: Vec::new(),
            add_from_group: None,
            remove_from_group: None,
            auto_update: Field::Keep,
        }
    }

    /// Replace everything about the group `id`; it will have exactly
    /// `members`.
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// let group = client.groups()
    ///     .replace("01FC66621XXXXX119Z8PMV1QPR", ["+46701234567", "+46707654321"])
    ///     .name("Team")
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn replace(
        &self,
        id: impl Into<GroupId>,
        members: impl IntoIterator<Item = impl Into<String>>,
    ) -> GroupRequest<H> {
        GroupRequest {
            client: self.client.clone(),
            replaces: Some(id.into()),
            name: None,
            members: members.into_iter().map(Into::into).collect(),
            child_groups: Vec::new(),
            auto_update: None,
            tags: Vec::new(),
        }
    }

    /// The legacy CLX tags of the group `id`.
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// let tags = client.groups().tags("01FC66621XXXXX119Z8PMV1QPR").get().await?;
    /// println!("{tags:?}");
    /// # Ok(()) }
    /// ```
    pub fn tags(&self, id: impl Into<GroupId>) -> crate::tags::Tags<H> {
        crate::tags::Tags::group(self.client.clone(), id.into())
    }

    /// Every group of the service plan, newest first; read one page or all
    /// of them lazily.
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// let mut groups = client.groups().list().items();
    /// while let Some(group) = groups.try_next().await? {
    ///     println!("{} {:?} ({} members)", group.id, group.name, group.size);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListGroups<H> {
        ListGroups { client: self.client.clone(), query: ListQuery::default(), tags: Vec::new() }
    }
}

/// The list of groups; made by [`Groups::list`]. See [`crate::pagination`]
/// for how to read it.
#[derive(Clone, Debug)]
#[must_use = "nothing is fetched until a page is asked for"]
pub struct ListGroups<H = Client> {
    client: H,
    query: ListQuery,
    tags: Vec<String>,
}

impl<H: AnyClient> ListGroups<H> {
    /// Only groups with one of these legacy CLX tags.
    pub fn tags(mut self, tags: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.tags.extend(tags.into_iter().map(Into::into));
        self
    }

    async fn fetch(&self, page: u32) -> Result<Page<Group>> {
        self.query.check(page)?;
        let tags = validate::comma_list("tags", &self.tags)?;
        let q = self.query.raw(page);
        let tags = tags.as_deref();
        self.client
            .client()
            .call(|raw, plan| raw.list_groups(plan, Some(q.page), q.page_size, tags))
            .await
    }
}

listing!(ListGroups, Group);

impl<H: AnyClient> Groups<H> {
    async fn get_inner(&self, id: impl Into<GroupId>) -> Result<Group> {
        let id = validate::checked("group_id", id.into())?;
        let client = self.client.client();
        client.call(|raw, plan| raw.get_group(plan, id.as_str())).await
    }

    async fn delete_inner(&self, id: impl Into<GroupId>) -> Result<()> {
        let id = validate::checked("group_id", id.into())?;
        let client = self.client.client();
        client.call(|raw, plan| raw.delete_group(plan, id.as_str())).await
    }

    async fn members_inner(&self, id: impl Into<GroupId>) -> Result<Vec<String>> {
        let id = validate::checked("group_id", id.into())?;
        let client = self.client.client();
        let members = client.call(|raw, plan| raw.list_group_members(plan, id.as_str()));
        Ok(members.await?.0)
    }
}

crate::macros::finals! {
    impl Groups {
        /// The group `id`.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let group = client.groups().get("01FC66621XXXXX119Z8PMV1QPR").await?;
        /// println!("{:?} has {} members", group.name, group.size);
        /// # Ok(()) }
        /// ```
        pub fn get(&self, id: impl Into<GroupId>) -> Result<Group> => get_inner;
        /// Delete the group `id`. Scheduled batches to it will find it empty.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// client.groups().delete("01FC66621XXXXX119Z8PMV1QPR").await?;
        /// # Ok(()) }
        /// ```
        pub fn delete(&self, id: impl Into<GroupId>) -> Result<()> => delete_inner;
        /// The phone numbers in the group `id`.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// for member in client.groups().members("01FC66621XXXXX119Z8PMV1QPR").await? {
        ///     println!("{member}");
        /// }
        /// # Ok(()) }
        /// ```
        pub fn members(&self, id: impl Into<GroupId>) -> Result<Vec<String>> => members_inner;
    }
}
