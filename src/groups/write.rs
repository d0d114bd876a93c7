//! Writing groups: [`GroupRequest`](super::GroupRequest) (create, or replace whole) and
//! [`UpdateGroup`](super::UpdateGroup) (change some of it).

use super::{AutoUpdate, Group};
use crate::{
    Client, Result, client::AnyClient, convert::Field, model::GroupId, raw::types as rt, validate,
};

/// Everything a group is: a new group (made by [`Groups::create`](super::Groups::create)) or the
/// whole of an existing one, in place of what it was (made by
/// [`Groups::replace`](super::Groups::replace)). Nothing is checked or sent until
/// [`send`](GroupRequest::send).
///
/// ```no_run
/// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
/// use xms::groups::AutoUpdate;
/// let group = client.groups()
///     .create()
///     .name("Newsletter")
///     .members(["+46701234567"])
///     .auto_update(AutoUpdate::new("12345").add_keyword("JOIN").remove_keyword("STOP"))
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
///
/// [`Groups::create`](super::Groups::create): super::Groups::create
/// [`Groups::replace`](super::Groups::replace): super::Groups::replace
#[derive(Clone, Debug)]
#[must_use = "a group is only created or replaced by .send()"]
pub struct GroupRequest<H = Client> {
    pub(super) client: H,
    /// The group to replace; none to create one.
    pub(super) replaces: Option<GroupId>,
    pub(super) name: Option<String>,
    pub(super) members: Vec<String>,
    pub(super) child_groups: Vec<GroupId>,
    pub(super) auto_update: Option<AutoUpdate>,
    pub(super) tags: Vec<String>,
}

impl<H: AnyClient> GroupRequest<H> {
    /// Name it (at most 20 characters).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Add members (at most 10,000 in all).
    pub fn members(mut self, members: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.members.extend(members.into_iter().map(Into::into));
        self
    }

    /// Groups whose members belong to this one too (at most 10).
    pub fn child_groups(mut self, groups: impl IntoIterator<Item = impl Into<GroupId>>) -> Self {
        self.child_groups.extend(groups.into_iter().map(Into::into));
        self
    }

    /// Keywords that let phones join and leave it.
    pub fn auto_update(mut self, auto_update: AutoUpdate) -> Self {
        self.auto_update = Some(auto_update);
        self
    }

    /// Legacy CLX tags for the group (deprecated; see [`crate::tags`]).
    pub fn tags(mut self, tags: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.tags.extend(tags.into_iter().map(Into::into));
        self
    }

    async fn send_inner(self) -> Result<Group> {
        if let Some(id) = &self.replaces {
            validate::id("group_id", id.as_str())?;
        }
        check_name(&self.name)?;
        validate::list("members", &self.members, 0, validate::MAX_GROUP_MEMBERS)?;
        let child_groups = ids("child_groups", &self.child_groups, validate::MAX_CHILD_GROUPS)?;
        let auto_update = self.auto_update.as_ref().map(AutoUpdate::to_raw).transpose()?;
        let name = self.name;
        let client = self.client.client();
        match self.replaces {
            None => {
                let request = rt::CreateGroupRequest {
                    name,
                    members: self.members,
                    child_groups,
                    auto_update,
                    tags: self.tags,
                };
                client.call(|raw, plan| raw.create_group(plan, &request)).await
            }
            Some(id) => {
                let request = rt::ReplaceGroupRequest {
                    name,
                    members: self.members,
                    child_groups,
                    auto_update,
                    tags: self.tags,
                };
                client.call(|raw, plan| raw.replace_group(plan, id.as_str(), &request)).await
            }
        }
    }
}

crate::macros::finals! {
    impl GroupRequest {
        /// Check, then create the group or replace the whole of it.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let group = client.groups()
        ///     .replace("01FC66621XXXXX119Z8PMV1QPR", ["+46701234567"])
        ///     .name("Only one left")
        ///     .send()
        ///     .await?;
        /// assert_eq!(group.size, 1);
        /// # Ok(()) }
        /// ```
        pub fn send(self) -> Result<Group> => send_inner;
    }
}

fn check_name(name: &Option<String>) -> Result<()> {
    if let Some(name) = name {
        validate::max_chars("name", name, validate::MAX_GROUP_NAME_CHARS)?;
    }
    Ok(())
}

fn ids(field: &str, ids: &[GroupId], max: usize) -> Result<Vec<String>> {
    let ids: Vec<String> = ids.iter().map(|id| id.as_str().to_string()).collect();
    validate::list(field, &ids, 0, max)?;
    Ok(ids)
}

/// Changes to a group; made by [`Groups::update`](super::Groups::update). Additions are applied
/// before removals.
///
/// ```no_run
/// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
/// let group = client.groups()
///     .update("01FC66621XXXXX119Z8PMV1QPR")
///     .add_members(["+46701111111"])
///     .remove_members(["+46702222222"])
///     .reset_name()
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use = "an update is only sent by .send()"]
pub struct UpdateGroup<H = Client> {
    pub(super) client: H,
    pub(super) id: GroupId,
    pub(super) name: Field<String>,
    pub(super) add: Vec<String>,
    pub(super) remove: Vec<String>,
    pub(super) child_groups_add: Vec<GroupId>,
    pub(super) child_groups_remove: Vec<GroupId>,
    pub(super) add_from_group: Option<GroupId>,
    pub(super) remove_from_group: Option<GroupId>,
    pub(super) auto_update: Field<AutoUpdate>,
}

impl<H: AnyClient> UpdateGroup<H> {
    /// Rename it (at most 20 characters).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Field::Set(name.into());
        self
    }

    /// Remove its name (sends `"name": null`).
    pub fn reset_name(mut self) -> Self {
        self.name = Field::Reset;
        self
    }

    /// Add these members.
    pub fn add_members(mut self, members: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.add.extend(members.into_iter().map(Into::into));
        self
    }

    /// Remove these members.
    pub fn remove_members(mut self, members: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.remove.extend(members.into_iter().map(Into::into));
        self
    }

    /// Add these child groups.
    pub fn add_child_groups(
        mut self,
        groups: impl IntoIterator<Item = impl Into<GroupId>>,
    ) -> Self {
        self.child_groups_add.extend(groups.into_iter().map(Into::into));
        self
    }

    /// Remove these child groups.
    pub fn remove_child_groups(
        mut self,
        groups: impl IntoIterator<Item = impl Into<GroupId>>,
    ) -> Self {
        self.child_groups_remove.extend(groups.into_iter().map(Into::into));
        self
    }

    /// Copy the members of another group into this one.
    pub fn add_from_group(mut self, group: impl Into<GroupId>) -> Self {
        self.add_from_group = Some(group.into());
        self
    }

    /// Remove the members of another group from this one.
    pub fn remove_from_group(mut self, group: impl Into<GroupId>) -> Self {
        self.remove_from_group = Some(group.into());
        self
    }

    /// Replace its auto update keywords.
    pub fn auto_update(mut self, auto_update: AutoUpdate) -> Self {
        self.auto_update = Field::Set(auto_update);
        self
    }

    /// Remove its auto update keywords (sends `"auto_update": null`).
    pub fn reset_auto_update(mut self) -> Self {
        self.auto_update = Field::Reset;
        self
    }

    fn to_raw(&self) -> Result<rt::UpdateGroupRequest> {
        validate::id("group_id", self.id.as_str())?;
        check_name(&self.name.get().cloned())?;
        validate::list("add_members", &self.add, 0, validate::MAX_GROUP_MEMBERS)?;
        validate::list("remove_members", &self.remove, 0, validate::MAX_GROUP_MEMBERS)?;
        let single = |field: &str, id: &Option<GroupId>| -> Result<Option<String>> {
            id.as_ref()
                .map(|id| validate::id(field, id.as_str()).map(|_| id.as_str().to_string()))
                .transpose()
        };
        Ok(rt::UpdateGroupRequest {
            name: self.name.clone().map(|n| n, rt::ResettableGroupName),
            add: self.add.clone(),
            remove: self.remove.clone(),
            child_groups_add: ids("add_child_groups", &self.child_groups_add, usize::MAX)?,
            child_groups_remove: ids("remove_child_groups", &self.child_groups_remove, usize::MAX)?,
            add_from_group: single("add_from_group", &self.add_from_group)?,
            remove_from_group: single("remove_from_group", &self.remove_from_group)?,
            auto_update: match &self.auto_update {
                Field::Keep => None,
                Field::Reset => Some(rt::ResettableGroupAutoUpdate(None)),
                Field::Set(a) => Some(rt::ResettableGroupAutoUpdate(Some(a.to_raw()?))),
            },
        })
    }
}

impl<H: AnyClient> UpdateGroup<H> {
    async fn send_inner(self) -> Result<Group> {
        let request = self.to_raw()?;
        let id = self.id.clone();
        let group = self
            .client
            .client()
            .call(|raw, plan| raw.update_group(plan, id.as_str(), &request))
            .await?;
        Ok(group)
    }
}

crate::macros::finals! {
    impl UpdateGroup {
        /// Check and send the update; returns the group as it is now.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let group = client.groups()
        ///     .update("01FC66621XXXXX119Z8PMV1QPR")
        ///     .reset_name()
        ///     .reset_auto_update()
        ///     .send()
        ///     .await?;
        /// assert!(group.name.is_none());
        /// # Ok(()) }
        /// ```
        pub fn send(self) -> Result<Group> => send_inner;
    }
}
