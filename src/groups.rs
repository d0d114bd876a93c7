//! Groups: named sets of phone numbers, usable as batch recipients. Reached
//! through [`Client::groups`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::{
    Client, Result,
    client::{Handle, terminal},
    convert::constrained,
    model::GroupId,
    pagination::{ListItem, ListQuery, Page, listing},
    raw::types as rt,
    validate, wire,
};

/// A group of phone numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Group {
    /// The group's id; usable as a batch recipient.
    pub id: GroupId,
    /// Its name, if it has one.
    #[serde(
        default,
        deserialize_with = "wire::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
    /// How many members it has.
    #[serde(default, deserialize_with = "wire::int")]
    pub size: u64,
    /// When it was created.
    #[serde(
        default,
        deserialize_with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    #[serde(
        default,
        deserialize_with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub modified_at: Option<DateTime<Utc>>,
    /// Groups whose members are members of this one too.
    #[serde(default, deserialize_with = "null_is_empty")]
    pub child_groups: Vec<GroupId>,
    /// The keywords that let phones join and leave it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_update: Option<AutoUpdate>,
}

/// Keywords that let phones join and leave a group by texting a number.
///
/// On a dedicated number the first word is the keyword; on a shared short
/// code it is the brand and the second word the keyword. Case is ignored.
///
/// ```
/// use xms::groups::AutoUpdate;
/// // Text JOIN to 12345 to join, STOP to leave.
/// let dedicated = AutoUpdate::new("12345").add_keyword("JOIN").remove_keyword("STOP");
/// // Text "SINCH JOIN" to the shared short code 54321 to join.
/// let shared = AutoUpdate::new("54321").add_keywords("SINCH", "JOIN").remove_keywords("SINCH", "LEAVE");
/// # let _ = (dedicated, shared);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AutoUpdate {
    /// The number or short code the phones text (`to`).
    #[serde(rename = "to", deserialize_with = "wire::string")]
    pub recipient: String,
    /// The words that add the sender to the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add: Option<Keywords>,
    /// The words that remove the sender from the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove: Option<Keywords>,
}

/// The first (and, on shared short codes, second) word of a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Keywords {
    /// The first word.
    #[serde(deserialize_with = "wire::string")]
    pub first_word: String,
    /// The second word, on shared short codes.
    #[serde(
        default,
        deserialize_with = "wire::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub second_word: Option<String>,
}

impl AutoUpdate {
    /// Auto update on messages to `recipient` (a number or short code).
    pub fn new(recipient: impl Into<String>) -> Self {
        AutoUpdate {
            recipient: recipient.into(),
            add: None,
            remove: None,
        }
    }

    /// Phones that text this word join the group.
    pub fn add_keyword(mut self, word: impl Into<String>) -> Self {
        self.add = Some(Keywords {
            first_word: word.into(),
            second_word: None,
        });
        self
    }

    /// Phones that text these two words (brand, keyword) join the group.
    pub fn add_keywords(mut self, first: impl Into<String>, second: impl Into<String>) -> Self {
        self.add = Some(Keywords {
            first_word: first.into(),
            second_word: Some(second.into()),
        });
        self
    }

    /// Phones that text this word leave the group.
    pub fn remove_keyword(mut self, word: impl Into<String>) -> Self {
        self.remove = Some(Keywords {
            first_word: word.into(),
            second_word: None,
        });
        self
    }

    /// Phones that text these two words (brand, keyword) leave the group.
    pub fn remove_keywords(mut self, first: impl Into<String>, second: impl Into<String>) -> Self {
        self.remove = Some(Keywords {
            first_word: first.into(),
            second_word: Some(second.into()),
        });
        self
    }

    fn check(&self) -> Result<()> {
        validate::non_empty("auto_update.recipient", &self.recipient)?;
        for (name, words) in [("add", &self.add), ("remove", &self.remove)] {
            if let Some(words) = words {
                validate::keyword(&format!("auto_update.{name}.first_word"), &words.first_word)?;
                if let Some(second) = &words.second_word {
                    validate::keyword(&format!("auto_update.{name}.second_word"), second)?;
                }
            }
        }
        Ok(())
    }

    fn to_raw(&self) -> Result<rt::GroupAutoUpdateRequest> {
        self.check()?;
        let words = |field: &str, w: &Option<Keywords>| -> Result<Option<rt::KeywordPairRequest>> {
            w.as_ref()
                .map(|w| {
                    Ok(rt::KeywordPairRequest {
                        first_word: constrained(
                            &format!("auto_update.{field}.first_word"),
                            w.first_word.clone(),
                        )?,
                        second_word: w
                            .second_word
                            .clone()
                            .map(|s| constrained(&format!("auto_update.{field}.second_word"), s))
                            .transpose()?,
                    })
                })
                .transpose()
        };
        Ok(rt::GroupAutoUpdateRequest {
            to: self.recipient.clone(),
            add: words("add", &self.add)?,
            remove: words("remove", &self.remove)?,
        })
    }
}

fn null_is_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> std::result::Result<Vec<T>, D::Error> {
    Option::<Vec<T>>::deserialize(d).map(Option::unwrap_or_default)
}

impl ListItem for Group {
    const KEY: &'static str = "groups";
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

/// A new group; made by [`Groups::create`].
#[derive(Clone, Debug)]
#[must_use = "a group is only created by .send()"]
pub struct CreateGroup<H = Client> {
    handle: H,
    name: Option<String>,
    members: Vec<String>,
    child_groups: Vec<GroupId>,
    auto_update: Option<AutoUpdate>,
}

impl<H: Handle> CreateGroup<H> {
    /// Name it (at most 20 characters).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Its first members (at most 10,000).
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

    fn to_raw(&self) -> Result<rt::CreateGroupRequest> {
        check_name(&self.name)?;
        validate::list("members", &self.members, 0, validate::MAX_GROUP_MEMBERS)?;
        Ok(rt::CreateGroupRequest {
            name: self
                .name
                .clone()
                .map(|n| constrained("name", n))
                .transpose()?,
            members: self.members.clone(),
            child_groups: ids(
                "child_groups",
                &self.child_groups,
                validate::MAX_CHILD_GROUPS,
            )?,
            auto_update: self
                .auto_update
                .as_ref()
                .map(AutoUpdate::to_raw)
                .transpose()?,
        })
    }
}

terminal! {
    impl[] CreateGroup[] {
        /// Check and create the group.
        pub fn send(self) -> Result<Group> {
            let request = self.to_raw()?;
            let group = self
                .handle
                .client()
                .call(|raw, plan| raw.create_group().service_plan_id(plan).body(request).send())
                .await?;
            Ok(group)
        }
    }
}

/// Changes to a group; made by [`Groups::update`]. Additions are applied
/// before removals.
///
/// ```no_run
/// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
/// let group = client.groups()
///     .update("01FC66621XXXXX119Z8PMV1QPR")
///     .add_members(["+46701111111"])
///     .remove_members(["+46702222222"])
///     .remove_name()
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use = "an update is only sent by .send()"]
pub struct UpdateGroup<H = Client> {
    handle: H,
    id: GroupId,
    name: Option<Option<String>>,
    add: Vec<String>,
    remove: Vec<String>,
    child_groups_add: Vec<GroupId>,
    child_groups_remove: Vec<GroupId>,
    add_from_group: Option<GroupId>,
    remove_from_group: Option<GroupId>,
    auto_update: Option<Option<AutoUpdate>>,
}

impl<H: Handle> UpdateGroup<H> {
    /// Rename it (at most 20 characters).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(Some(name.into()));
        self
    }

    /// Remove its name (sends `"name": null`).
    pub fn remove_name(mut self) -> Self {
        self.name = Some(None);
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
        self.child_groups_add
            .extend(groups.into_iter().map(Into::into));
        self
    }

    /// Remove these child groups.
    pub fn remove_child_groups(
        mut self,
        groups: impl IntoIterator<Item = impl Into<GroupId>>,
    ) -> Self {
        self.child_groups_remove
            .extend(groups.into_iter().map(Into::into));
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
        self.auto_update = Some(Some(auto_update));
        self
    }

    /// Remove its auto update keywords (sends `"auto_update": null`).
    pub fn remove_auto_update(mut self) -> Self {
        self.auto_update = Some(None);
        self
    }

    fn to_raw(&self) -> Result<rt::UpdateGroupRequest> {
        validate::id("group_id", self.id.as_str())?;
        if let Some(name) = &self.name {
            check_name(name)?;
        }
        validate::list("add_members", &self.add, 0, validate::MAX_GROUP_MEMBERS)?;
        validate::list(
            "remove_members",
            &self.remove,
            0,
            validate::MAX_GROUP_MEMBERS,
        )?;
        let single = |field: &str, id: &Option<GroupId>| -> Result<Option<String>> {
            id.as_ref()
                .map(|id| validate::id(field, id.as_str()).map(|_| id.as_str().to_string()))
                .transpose()
        };
        Ok(rt::UpdateGroupRequest {
            name: self.name.clone().map(rt::ResettableGroupName),
            add: self.add.clone(),
            remove: self.remove.clone(),
            child_groups_add: ids("add_child_groups", &self.child_groups_add, usize::MAX)?,
            child_groups_remove: ids("remove_child_groups", &self.child_groups_remove, usize::MAX)?,
            add_from_group: single("add_from_group", &self.add_from_group)?,
            remove_from_group: single("remove_from_group", &self.remove_from_group)?,
            auto_update: match &self.auto_update {
                None => None,
                Some(None) => Some(rt::ResettableGroupAutoUpdate(None)),
                Some(Some(a)) => Some(rt::ResettableGroupAutoUpdate(Some(a.to_raw()?))),
            },
        })
    }
}

terminal! {
    impl[] UpdateGroup[] {
        /// Check and send the update.
        pub fn send(self) -> Result<Group> {
            let request = self.to_raw()?;
            let id = self.id.clone();
            let group = self
                .handle
                .client()
                .call(|raw, plan| raw.update_group().service_plan_id(plan).group_id(id.as_str()).body(request).send())
                .await?;
            Ok(group)
        }
    }
}

/// Everything a group is, in place of what it was; made by
/// [`Groups::replace`].
#[derive(Clone, Debug)]
#[must_use = "a replacement is only sent by .send()"]
pub struct ReplaceGroup<H = Client> {
    handle: H,
    id: GroupId,
    name: Option<String>,
    members: Vec<String>,
    child_groups: Vec<GroupId>,
    auto_update: Option<AutoUpdate>,
}

impl<H: Handle> ReplaceGroup<H> {
    /// Its name (none when not set).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Its child groups (none when not set).
    pub fn child_groups(mut self, groups: impl IntoIterator<Item = impl Into<GroupId>>) -> Self {
        self.child_groups.extend(groups.into_iter().map(Into::into));
        self
    }

    /// Its auto update keywords (none when not set).
    pub fn auto_update(mut self, auto_update: AutoUpdate) -> Self {
        self.auto_update = Some(auto_update);
        self
    }

    fn to_raw(&self) -> Result<rt::ReplaceGroupRequest> {
        validate::id("group_id", self.id.as_str())?;
        check_name(&self.name)?;
        validate::list("members", &self.members, 0, validate::MAX_GROUP_MEMBERS)?;
        Ok(rt::ReplaceGroupRequest {
            name: self
                .name
                .clone()
                .map(|n| constrained("name", n))
                .transpose()?,
            members: self.members.clone(),
            child_groups: ids(
                "child_groups",
                &self.child_groups,
                validate::MAX_CHILD_GROUPS,
            )?,
            auto_update: self
                .auto_update
                .as_ref()
                .map(AutoUpdate::to_raw)
                .transpose()?,
        })
    }
}

terminal! {
    impl[] ReplaceGroup[] {
        /// Check and send the replacement.
        pub fn send(self) -> Result<Group> {
            let request = self.to_raw()?;
            let id = self.id.clone();
            let group = self
                .handle
                .client()
                .call(|raw, plan| raw.replace_group().service_plan_id(plan).group_id(id.as_str()).body(request).send())
                .await?;
            Ok(group)
        }
    }
}

/// The group operations; see [`Client::groups`].
#[derive(Clone, Debug)]
pub struct Groups<H = Client> {
    handle: H,
}

impl<H: Handle> Groups<H> {
    pub(crate) fn new(handle: H) -> Self {
        Groups { handle }
    }

    /// A new group, ready for its settings and [`CreateGroup::send`].
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
    pub fn create(&self) -> CreateGroup<H> {
        CreateGroup {
            handle: self.handle.clone(),
            name: None,
            members: Vec::new(),
            child_groups: Vec::new(),
            auto_update: None,
        }
    }

    /// Changes to the group `id`.
    pub fn update(&self, id: impl Into<GroupId>) -> UpdateGroup<H> {
        UpdateGroup {
            handle: self.handle.clone(),
            id: id.into(),
            name: None,
            add: Vec::new(),
            remove: Vec::new(),
            child_groups_add: Vec::new(),
            child_groups_remove: Vec::new(),
            add_from_group: None,
            remove_from_group: None,
            auto_update: None,
        }
    }

    /// Replace everything about the group `id`; it will have exactly
    /// `members`.
    pub fn replace(
        &self,
        id: impl Into<GroupId>,
        members: impl IntoIterator<Item = impl Into<String>>,
    ) -> ReplaceGroup<H> {
        ReplaceGroup {
            handle: self.handle.clone(),
            id: id.into(),
            name: None,
            members: members.into_iter().map(Into::into).collect(),
            child_groups: Vec::new(),
            auto_update: None,
        }
    }

    /// The legacy CLX tags of the group `id`.
    pub fn tags(&self, id: impl Into<GroupId>) -> crate::tags::Tags<H> {
        crate::tags::Tags::group(self.handle.clone(), id.into())
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
        ListGroups {
            handle: self.handle.clone(),
            query: ListQuery::default(),
            tags: Vec::new(),
        }
    }
}

/// The list of groups; made by [`Groups::list`]. See [`crate::pagination`]
/// for how to read it.
#[derive(Clone, Debug)]
#[must_use = "nothing is fetched until a page is asked for"]
pub struct ListGroups<H = Client> {
    handle: H,
    query: ListQuery,
    tags: Vec<String>,
}

impl<H: Handle> ListGroups<H> {
    /// Only groups with one of these legacy CLX tags.
    pub fn tags(mut self, tags: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.tags.extend(tags.into_iter().map(Into::into));
        self
    }

    async fn fetch(&self, page: u32) -> Result<Page<Group>> {
        self.query.check(page)?;
        let tags = validate::comma_list("tags", &self.tags)?;
        let size = self.query.page_size;
        let list = self
            .handle
            .client()
            .call(|raw, plan| {
                let mut call = raw.list_groups().service_plan_id(plan).page(page as i32);
                if let Some(size) = size {
                    call = call.page_size(size as i32);
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

listing!(ListGroups, Group);

terminal! {
    impl[] Groups[] {
        /// The group `id`.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// let group = client.groups().get("01FC66621XXXXX119Z8PMV1QPR").await?;
        /// println!("{:?} has {} members", group.name, group.size);
        /// # Ok(()) }
        /// ```
        pub fn get(&self, id: impl Into<GroupId>) -> Result<Group> {
            let id = id.into();
            validate::id("group_id", id.as_str())?;
            let group = self
                .handle
                .client()
                .call(|raw, plan| raw.get_group().service_plan_id(plan).group_id(id.as_str()).send())
                .await?;
            Ok(group)
        }

        /// Delete the group `id`. Scheduled batches to it will find it empty.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// client.groups().delete("01FC66621XXXXX119Z8PMV1QPR").await?;
        /// # Ok(()) }
        /// ```
        pub fn delete(&self, id: impl Into<GroupId>) -> Result<()> {
            let id = id.into();
            validate::id("group_id", id.as_str())?;
            self.handle
                .client()
                .call(|raw, plan| raw.delete_group().service_plan_id(plan).group_id(id.as_str()).send())
                .await
        }

        /// The phone numbers in the group `id`.
        ///
        /// ```no_run
        /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
        /// for member in client.groups().members("01FC66621XXXXX119Z8PMV1QPR").await? {
        ///     println!("{member}");
        /// }
        /// # Ok(()) }
        /// ```
        pub fn members(&self, id: impl Into<GroupId>) -> Result<Vec<String>> {
            let id = id.into();
            validate::id("group_id", id.as_str())?;
            let members = self
                .handle
                .client()
                .call(|raw, plan| raw.list_group_members().service_plan_id(plan).group_id(id.as_str()).send())
                .await?;
            Ok(members.0)
        }
    }
}
