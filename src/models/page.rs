//! [`Page`]: one page of any listing, read by the key its items sit under.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

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

/// An item of a listing: the key its page holds the items under.
pub trait ListItem {
    /// `batches`, `inbounds`, `groups` or `delivery_reports`.
    const KEY: &'static str;
}

impl<T> Page<T> {
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

impl<T: ListItem + Serialize> Serialize for Page<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("page", &self.page)?;
        map.serialize_entry("page_size", &self.page_size)?;
        map.serialize_entry("count", &self.count)?;
        map.serialize_entry(T::KEY, &self.items)?;
        map.end()
    }
}

/// Read as XMS sends it: `page`, `page_size`, `count` and the items under
/// their key, the numbers read tolerantly as integers (a negative one
/// is an error, never a 0), other fields ignored.
impl<'de, T: ListItem + Deserialize<'de>> Deserialize<'de> for Page<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::{self, MapAccess, Visitor};

        struct Int<N>(N);
        impl<'de, N: crate::wire::Bounded> Deserialize<'de> for Int<N> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                crate::wire::int(d).map(Int)
            }
        }

        struct PageVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: ListItem + Deserialize<'de>> Visitor<'de> for PageVisitor<T> {
            type Value = Page<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a page of {}", T::KEY)
            }

            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Page<T>, A::Error> {
                let (mut page, mut page_size, mut count, mut items) = (None, None, None, None);
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "page" => page = Some(map.next_value::<Int<u32>>()?.0),
                        "page_size" => page_size = Some(map.next_value::<Int<u32>>()?.0),
                        "count" => count = Some(map.next_value::<Int<u64>>()?.0),
                        k if k == T::KEY => {
                            items = Some(map.next_value::<Option<Vec<T>>>()?.unwrap_or_default())
                        }
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(Page {
                    page: page.ok_or_else(|| de::Error::missing_field("page"))?,
                    count: count.ok_or_else(|| de::Error::missing_field("count"))?,
                    items: items.ok_or_else(|| de::Error::missing_field(T::KEY))?,
                    page_size: page_size.ok_or_else(|| de::Error::missing_field("page_size"))?,
                })
            }
        }
        d.deserialize_map(PageVisitor(std::marker::PhantomData))
    }
}
