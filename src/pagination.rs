//! [`Page`]: one page of a listing.

use chrono::{DateTime, Utc};

use crate::{Result, validate};

/// One page of a listing: its items and where it sits in the whole.
///
/// XMS counts pages from 0; `count` is the number of items over all pages
/// that match the filters, as XMS counted them when it answered this page.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// This page's number, from 0.
    pub page: u32,
    /// How many items this page holds, as XMS says.
    pub page_size: u32,
    /// How many items match, over all pages.
    pub count: u64,
}

impl<T> Page<T> {
    pub(crate) fn new(items: Vec<T>, page: i64, page_size: i64, count: i64) -> Self {
        Page {
            items,
            page: u32::try_from(page).unwrap_or(0),
            page_size: u32::try_from(page_size).unwrap_or(0),
            count: u64::try_from(count).unwrap_or(0),
        }
    }

    /// Whether the page holds no item.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many items the page holds.
    pub fn len(&self) -> usize {
        self.items.len()
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Page<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// The filters every listing shares.
#[derive(Clone, Debug, Default)]
pub(crate) struct ListQuery {
    pub(crate) page_size: Option<u32>,
    pub(crate) start_date: Option<DateTime<Utc>>,
    pub(crate) end_date: Option<DateTime<Utc>>,
    pub(crate) client_reference: Option<String>,
}

/// The most items XMS puts on one page.
pub const MAX_PAGE_SIZE: u32 = 100;

impl ListQuery {
    pub(crate) fn check(&self, page: u32) -> Result<()> {
        validate::range("page", page.into(), 0, i32::MAX.into())?;
        if let Some(size) = self.page_size {
            validate::range("page_size", size.into(), 1, MAX_PAGE_SIZE.into())?;
        }
        if let (Some(start), Some(end)) = (self.start_date, self.end_date)
            && end <= start
        {
            return Err(crate::Error::invalid(
                "end_date",
                format!("must be after start_date ({start})"),
            ));
        }
        if let Some(reference) = &self.client_reference {
            validate::max_chars(
                "client_reference",
                reference,
                validate::MAX_CLIENT_REFERENCE_CHARS,
            )?;
        }
        Ok(())
    }
}
