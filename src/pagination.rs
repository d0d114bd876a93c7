//! Listings: [`Page`], and the lazy [`Pages`] and [`Items`] streams.
//!
//! Every listing (batches, inbounds, groups, delivery reports) has a builder
//! with its filters and four ways to read it:
//!
//! - `page(n)`: one page (XMS counts from 0);
//! - `pages()`: a stream of pages, from page 0 or
//!   [`start_page`](crate::batches::ListBatches::start_page);
//! - `items()`: a stream of the items of those pages;
//! - with the blocking client, `pages()` and `items()` are plain iterators.
//!
//! The streams are lazy: nothing is requested before the first poll. They
//! stop as soon as the pages seen cover the `count` XMS reports (no request
//! for a trailing empty page), or at an empty page. They stop with an error
//! instead of looping when XMS answers with a page other than the one asked
//! for or repeats the previous page. An error is yielded once and ends the
//! stream. Only one page is held at a time (two with read-ahead), so memory
//! stays flat however long the listing.
//!
//! ```no_run
//! # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
//! let mut inbounds = client.inbounds().list().recipients(["12345"]).items();
//! while let Some(inbound) = inbounds.try_next().await? {
//!     println!("{} says {:?}", inbound.sender(), inbound);
//! }
//! # Ok(()) }
//! ```

use std::{
    fmt,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll, ready},
};

use chrono::{DateTime, Utc};

use crate::{Error, Result, validate};

pub use crate::models::page::{ListItem, Page};

/// The most items XMS puts on one page.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The page size XMS uses when none is asked for.
pub const DEFAULT_PAGE_SIZE: u32 = 30;

/// The settings every listing shares.
#[derive(Clone, Debug, Default)]
pub(crate) struct ListQuery {
    pub(crate) page_size: Option<u32>,
    pub(crate) start_date: Option<DateTime<Utc>>,
    pub(crate) end_date: Option<DateTime<Utc>>,
    pub(crate) client_reference: Option<String>,
    pub(crate) start_page: u32,
    pub(crate) read_ahead: bool,
}

impl ListQuery {
    pub(crate) fn check(&self, page: u32) -> Result<()> {
        validate::range("page", page.into(), 0, i32::MAX.into())?;
        if let Some(size) = self.page_size {
            validate::range("page_size", size.into(), 1, MAX_PAGE_SIZE.into())?;
        }
        if let (Some(start), Some(end)) = (self.start_date, self.end_date)
            && end <= start
        {
            return Err(Error::invalid("end_date", format!("must be after start_date ({start})")));
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

/// The settings every listing shares, as the generated operations take
/// them.
pub(crate) struct RawQuery<'a> {
    pub(crate) page: i32,
    pub(crate) page_size: Option<i32>,
    pub(crate) start_date: Option<crate::raw::Timestamp>,
    pub(crate) end_date: Option<crate::raw::Timestamp>,
    pub(crate) client_reference: Option<&'a str>,
}

impl ListQuery {
    /// The query for `page` (checked by [`ListQuery::check`]).
    pub(crate) fn raw(&self, page: u32) -> RawQuery<'_> {
        RawQuery {
            page: page as i32,
            page_size: self.page_size.map(|size| size as i32),
            start_date: crate::convert::times(self.start_date),
            end_date: crate::convert::times(self.end_date),
            client_reference: self.client_reference.as_deref(),
        }
    }
}

type PageFuture<T> = Pin<Box<dyn Future<Output = Result<Page<T>>> + Send>>;

/// Fetches one page of a listing.
pub(crate) type Fetch<T> = Arc<dyn Fn(u32) -> PageFuture<T> + Send + Sync>;

enum InFlight<T> {
    /// Polled by the stream itself.
    Local(PageFuture<T>),
    /// Read ahead on a task of its own while the caller reads the previous page.
    Spawned(tokio::task::JoinHandle<Result<Page<T>>>),
}

/// A lazy stream of the pages of a listing; see the [module docs](self).
///
/// Read it with [`Pages::next`] / [`Pages::try_next`], or as a
/// [`futures_core::Stream`] of `Result<Page<T>>`.
pub struct Pages<T> {
    fetch: Fetch<T>,
    /// The page to ask for next.
    next: u32,
    /// The page the listing started at.
    start: u32,
    /// The page size asked for, if one was.
    page_size: Option<u32>,
    /// Items seen since `start`.
    seen: u64,
    /// The first item of the last page, to notice a page served twice.
    last_first: Option<T>,
    in_flight: Option<(u32, InFlight<T>)>,
    read_ahead: bool,
    done: bool,
}

impl<T> fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("next", &self.next)
            .field("seen", &self.seen)
            .field("read_ahead", &self.read_ahead)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T: Clone + PartialEq + Send + 'static> Pages<T> {
    pub(crate) fn new(fetch: Fetch<T>, query: &ListQuery) -> Self {
        Pages {
            fetch,
            next: query.start_page,
            start: query.start_page,
            page_size: query.page_size,
            seen: 0,
            last_first: None,
            in_flight: None,
            read_ahead: query.read_ahead,
            done: false,
        }
    }

    /// The next page, or `None` when the listing is over.
    pub async fn next(&mut self) -> Option<Result<Page<T>>> {
        std::future::poll_fn(|cx| self.poll_page(cx)).await
    }

    /// The next page, `Ok(None)` when the listing is over.
    pub async fn try_next(&mut self) -> Result<Option<Page<T>>> {
        self.next().await.transpose()
    }

    /// Every remaining page (this holds the whole listing in memory).
    pub async fn try_collect(mut self) -> Result<Vec<Page<T>>> {
        let mut pages = Vec::new();
        while let Some(page) = self.try_next().await? {
            pages.push(page);
        }
        Ok(pages)
    }

    /// The items of the remaining pages, one by one.
    pub fn items(self) -> Items<T> {
        Items { pages: self, current: Vec::new().into_iter() }
    }

    fn start(&self, page: u32) -> InFlight<T> {
        let future = (self.fetch)(page);
        if self.read_ahead && page != self.start {
            // Only read-ahead pages run on a task of their own; the first
            // page is fetched when the caller asks for it.
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => return InFlight::Spawned(runtime.spawn(future)),
                Err(_) => return InFlight::Local(future),
            }
        }
        InFlight::Local(future)
    }

    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Page<T>>>> {
        if self.done {
            return Poll::Ready(None);
        }
        if self.in_flight.is_none() {
            let page = self.next;
            self.in_flight = Some((page, self.start(page)));
        }
        let (asked, in_flight) = self.in_flight.as_mut().expect("set above");
        let asked = *asked;
        let result = match in_flight {
            InFlight::Local(future) => ready!(future.as_mut().poll(cx)),
            InFlight::Spawned(handle) => match ready!(Pin::new(handle).poll(cx)) {
                Ok(result) => result,
                Err(e) => Err(Error::Transport { source: Box::new(e), idempotent: true }),
            },
        };
        self.in_flight = None;
        Poll::Ready(self.accept(asked, result))
    }

    /// Check an answer, decide whether the listing goes on, and start the
    /// next page early when reading ahead.
    fn accept(&mut self, asked: u32, result: Result<Page<T>>) -> Option<Result<Page<T>>> {
        let page = match result {
            Ok(page) => page,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        if page.page != asked {
            self.done = true;
            return Some(Err(loop_guard(format!(
                "asked for page {asked}, XMS answered with page {}",
                page.page
            ))));
        }
        if page.items.is_empty() {
            self.done = true;
            crate::telemetry::listing_done("an empty page", asked, self.seen);
            return None;
        }
        let first = page.items.first().cloned();
        if asked > self.start && first.is_some() && first == self.last_first {
            self.done = true;
            return Some(Err(loop_guard(format!(
                "XMS answered page {asked} with the same items as page {}",
                asked - 1
            ))));
        }
        self.last_first = first;
        self.seen += page.items.len() as u64;
        // The pages skipped by starting late count as seen, at the page size
        // asked for (or, if none was, at the size of this first page).
        let size = u64::from(self.page_size.unwrap_or(page.items.len() as u32));
        let covered = u64::from(self.start) * size + self.seen;
        self.next = asked + 1;
        if covered >= page.count {
            self.done = true;
            crate::telemetry::listing_done("the count is covered", asked, self.seen);
        } else if self.read_ahead {
            self.in_flight = Some((self.next, self.start(self.next)));
        }
        Some(Ok(page))
    }
}

fn loop_guard(reason: String) -> Error {
    crate::telemetry::listing_broken(&reason);
    Error::Protocol { reason: format!("{reason}; the listing was stopped rather than loop") }
}

impl<T> Drop for Pages<T> {
    fn drop(&mut self) {
        if let Some((_, InFlight::Spawned(handle))) = &self.in_flight {
            handle.abort();
        }
    }
}

impl<T: Clone + PartialEq + Send + 'static> futures_core::Stream for Pages<T> {
    type Item = Result<Page<T>>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_page(cx)
    }
}

impl<T> Unpin for Pages<T> {}

/// A lazy stream of the items of a listing, fetching pages as needed; see
/// the [module docs](self).
///
/// Read it with [`Items::next`] / [`Items::try_next`], or as a
/// [`futures_core::Stream`] of `Result<T>`.
pub struct Items<T> {
    pages: Pages<T>,
    current: std::vec::IntoIter<T>,
}

impl<T> fmt::Debug for Items<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.current.len())
            .finish()
    }
}

impl<T: Clone + PartialEq + Send + 'static> Items<T> {
    /// The next item, or `None` when the listing is over.
    pub async fn next(&mut self) -> Option<Result<T>> {
        std::future::poll_fn(|cx| self.poll_item(cx)).await
    }

    /// The next item, `Ok(None)` when the listing is over.
    pub async fn try_next(&mut self) -> Result<Option<T>> {
        self.next().await.transpose()
    }

    /// Every remaining item (this holds the whole listing in memory).
    pub async fn try_collect(mut self) -> Result<Vec<T>> {
        let mut items = Vec::new();
        while let Some(item) = self.try_next().await? {
            items.push(item);
        }
        Ok(items)
    }

    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T>>> {
        loop {
            if let Some(item) = self.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match ready!(self.pages.poll_page(cx)) {
                Some(Ok(page)) => self.current = page.items.into_iter(),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
    }
}

impl<T: Clone + PartialEq + Send + 'static> futures_core::Stream for Items<T> {
    type Item = Result<T>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx)
    }
}

impl<T> Unpin for Items<T> {}

/// Adds the ways to read a listing to a list builder with a
/// `fn fetch(&self, page: u32) -> impl Future<Output = Result<Page<Item>>>`
/// and a `query: ListQuery` field.
macro_rules! listing {
    // A listing with a time window and a client reference filter: `$when`
    // and `$of` name its items in the docs of those filters.
    ($builder:ident, $item:ty, dated($when:literal, $of:literal)) => {
        impl<H: $crate::client::AnyClient> $builder<H> {
            #[doc = concat!("Only ", $when, " at or after this time.")]
            pub fn start_date(mut self, at: chrono::DateTime<chrono::Utc>) -> Self {
                self.query.start_date = Some(at);
                self
            }

            #[doc = concat!("Only ", $when, " before this time.")]
            pub fn end_date(mut self, at: chrono::DateTime<chrono::Utc>) -> Self {
                self.query.end_date = Some(at);
                self
            }

            #[doc = concat!("Only ", $of, " with this client reference.")]
            pub fn client_reference(mut self, reference: impl Into<String>) -> Self {
                self.query.client_reference = Some(reference.into());
                self
            }
        }

        $crate::pagination::listing!($builder, $item);
    };
    ($builder:ident, $item:ty) => {
        impl<H: $crate::client::AnyClient> $builder<H> {
            /// How many items a page holds (1 to 100; XMS's default is 30).
            pub fn page_size(mut self, size: u32) -> Self {
                self.query.page_size = Some(size);
                self
            }

            /// Make [`pages`](Self::pages) and [`items`](Self::items) start at
            /// this page (counted from 0) instead of the first.
            pub fn start_page(mut self, page: u32) -> Self {
                self.query.start_page = page;
                self
            }

            /// Fetch the next page while the current one is being read (at
            /// most one page ahead). Off by default: it only pays when
            /// handling a page takes about as long as fetching one, and it
            /// may fetch one page the caller never reads.
            pub fn read_ahead(mut self, on: bool) -> Self {
                self.query.read_ahead = on;
                self
            }

            fn fetcher(&self) -> $crate::pagination::Fetch<$item> {
                let this = self.clone();
                std::sync::Arc::new(move |page| {
                    let this = this.clone();
                    Box::pin(async move { this.fetch(page).await })
                })
            }
        }

        impl $builder<$crate::Client> {
            /// The pages, lazily; see [`crate::pagination`].
            pub fn pages(self) -> $crate::pagination::Pages<$item> {
                $crate::pagination::Pages::new(self.fetcher(), &self.query)
            }

            /// The items of every page, lazily; see [`crate::pagination`].
            pub fn items(self) -> $crate::pagination::Items<$item> {
                self.pages().items()
            }
        }

        #[cfg(feature = "blocking")]
        impl $builder<$crate::blocking::Client> {
            /// The pages, fetched as the iterator advances; see
            /// [`crate::pagination`].
            pub fn pages(self) -> $crate::blocking::PagesIter<$item> {
                $crate::blocking::PagesIter::new($crate::pagination::Pages::new(
                    self.fetcher(),
                    &self.query,
                ))
            }

            /// The items of every page, fetched as the iterator advances; see
            /// [`crate::pagination`].
            pub fn items(self) -> $crate::blocking::ItemsIter<$item> {
                $crate::blocking::ItemsIter::new(
                    $crate::pagination::Pages::new(self.fetcher(), &self.query).items(),
                )
            }
        }

        impl<H: $crate::client::AnyClient> $builder<H> {
            async fn page_inner(
                &self,
                page: u32,
            ) -> $crate::Result<$crate::pagination::Page<$item>> {
                self.fetch(page).await
            }
        }

        $crate::macros::finals! {
            impl $builder {
                /// Fetch page `page` (counted from 0).
                ///
                /// ```no_run
                /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
                /// let first = client.batches().list().page_size(100).page(0).await?;
                /// println!("{} of {}", first.items.len(), first.count);
                /// # Ok(()) }
                /// ```
                pub fn page(
                    &self,
                    page: u32,
                ) -> $crate::Result<$crate::pagination::Page<$item>> => page_inner;
            }
        }
    };
}

pub(crate) use listing;
