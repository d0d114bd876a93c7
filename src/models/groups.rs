//! The group models: what XMS answers about a group.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Result, model::GroupId, pagination::ListItem, raw::types as rt, validate, wire};

/// A group of phone numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Group {
    /// The group's id; usable as a batch recipient.
    pub id: GroupId,
    /// Its name, if it has one.
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub name: Option<String>,
    /// How many members it has.
    #[serde(default, deserialize_with = "wire::int")]
    pub size: u64,
    /// When it was created.
    #[serde(default, deserialize_with = "wire::opt_time", skip_serializing_if = "wire::none")]
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    #[serde(default, deserialize_with = "wire::opt_time", skip_serializing_if = "wire::none")]
    pub modified_at: Option<DateTime<Utc>>,
    /// Groups whose members are members of this one too.
    #[serde(default, deserialize_with = "wire::null_is_empty")]
    pub child_groups: Vec<GroupId>,
    /// The keywords that let phones join and leave it, if any.
    #[serde(default, skip_serializing_if = "wire::none")]
    pub auto_update: Option<AutoUpdate>,
    /// Its legacy CLX tags, when it has some (deprecated: tags are an API
    /// of the original CLX service; see [`crate::tags`]).
    #[serde(default, deserialize_with = "wire::strings", skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
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
/// let shared = AutoUpdate::new("54321")
///     .add_keywords("SINCH", "JOIN")
///     .remove_keywords("SINCH", "LEAVE");
/// # let _ = (dedicated, shared);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AutoUpdate {
    /// The number or short code the phones text (`to`).
    #[serde(rename = "to", deserialize_with = "wire::string")]
    pub recipient: String,
    /// The words that add the sender to the group.
    #[serde(default, skip_serializing_if = "wire::none")]
    pub add: Option<Keywords>,
    /// The words that remove the sender from the group.
    #[serde(default, skip_serializing_if = "wire::none")]
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
    #[serde(default, deserialize_with = "wire::opt_string", skip_serializing_if = "wire::none")]
    pub second_word: Option<String>,
}

impl AutoUpdate {
    /// Auto update on messages to `recipient` (a number or short code).
    pub fn new(recipient: impl Into<String>) -> Self {
        AutoUpdate { recipient: recipient.into(), add: None, remove: None }
    }

    /// Phones that text this word join the group.
    pub fn add_keyword(mut self, word: impl Into<String>) -> Self {
        self.add = Some(Keywords { first_word: word.into(), second_word: None });
        self
    }

    /// Phones that text these two words (brand, keyword) join the group.
    pub fn add_keywords(mut self, first: impl Into<String>, second: impl Into<String>) -> Self {
        let (first_word, second_word) = (first.into(), Some(second.into()));
        self.add = Some(Keywords { first_word, second_word });
        self
    }

    /// Phones that text this word leave the group.
    pub fn remove_keyword(mut self, word: impl Into<String>) -> Self {
        self.remove = Some(Keywords { first_word: word.into(), second_word: None });
        self
    }

    /// Phones that text these two words (brand, keyword) leave the group.
    pub fn remove_keywords(mut self, first: impl Into<String>, second: impl Into<String>) -> Self {
        let (first_word, second_word) = (first.into(), Some(second.into()));
        self.remove = Some(Keywords { first_word, second_word });
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

    pub(crate) fn to_raw(&self) -> Result<rt::GroupAutoUpdateRequest> {
        self.check()?;
        let words = |w: &Option<Keywords>| {
            w.as_ref().map(|w| rt::KeywordPairRequest {
                first_word: w.first_word.clone(),
                second_word: w.second_word.clone(),
            })
        };
        Ok(rt::GroupAutoUpdateRequest {
            to: self.recipient.clone(),
            add: words(&self.add),
            remove: words(&self.remove),
        })
    }
}

impl ListItem for Group {
    const KEY: &'static str = "groups";
}
