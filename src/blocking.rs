//! The same API without `async`: [`blocking::Client`](Client).
//!
//! The handlers and builders are the very same types as the async API's; with
//! this client their final method (`send`, `get`, ...) waits for the answer
//! instead of returning a future. The network I/O runs on one small
//! background runtime shared by every blocking client, and the calling thread
//! sleeps until the answer is there. So it works from a plain `fn main`, from
//! any thread, and from threads of a tokio runtime alike; it never needs a
//! runtime of yours.
//!
//! **The one rule:** inside async code (a task of a tokio runtime), use the
//! async [`crate::Client`], or move the blocking call to a blocking thread
//! with `tokio::task::spawn_blocking`. Called straight from a task it still
//! works, but it holds that task's thread until the answer arrives, stalling
//! every other task scheduled there.
//!
//! ```no_run
//! fn main() -> Result<(), xms::Error> {
//!     let client = xms::blocking::Client::new("SERVICE_PLAN_ID", "API_TOKEN");
//!     let batch = client.batches().text("12345", ["+46701234567"], "Hello").send()?;
//!     let report = client.delivery_reports().for_batch(&batch.id).full().send()?;
//!     println!("{report:?}");
//!     Ok(())
//! }
//! ```

use std::{
    future::Future,
    pin::pin,
    sync::{Arc, OnceLock},
    task::{Context, Poll, Wake, Waker},
};

use crate::{Error, Result, client::ClientBuilder};

/// The blocking XMS client: [`crate::Client`] without `async`.
///
/// Cheap to clone. Build it with [`Client::new`], [`Client::from_builder`], or
/// from an async client with `From`.
#[derive(Clone, Debug)]
pub struct Client {
    client: crate::Client,
}

impl Client {
    /// A blocking client for a service plan in the US region; see
    /// [`crate::Client::new`].
    pub fn new(service_plan_id: impl Into<String>, api_token: impl Into<String>) -> Client {
        Client { client: crate::Client::new(service_plan_id, api_token) }
    }

    /// Build a blocking client with every setting of [`ClientBuilder`]:
    /// `Client::from_builder(xms::Client::builder().service_plan(..).region(..))`.
    pub fn from_builder(builder: ClientBuilder) -> Result<Client> {
        builder.build().map(Client::from)
    }

    /// The async client underneath.
    pub fn as_async(&self) -> &crate::Client {
        &self.client
    }

    /// This client with each attempt limited to `timeout`; see
    /// [`crate::Client::with_timeout`].
    ///
    /// ```
    /// let client = xms::blocking::Client::new("SERVICE_PLAN_ID", "API_TOKEN")
    ///     .with_timeout(std::time::Duration::from_secs(2));
    /// # let _ = client;
    /// ```
    pub fn with_timeout(&self, timeout: std::time::Duration) -> Client {
        Client { client: self.client.with_timeout(timeout) }
    }

    /// This client with each call limited to `deadline` in all; see
    /// [`crate::Client::with_deadline`].
    pub fn with_deadline(&self, deadline: std::time::Duration) -> Client {
        Client { client: self.client.with_deadline(deadline) }
    }

    /// The service plan id (or project id) in the paths.
    pub fn service_plan_id(&self) -> &str {
        self.client.service_plan_id()
    }
}

impl From<crate::Client> for Client {
    fn from(client: crate::Client) -> Self {
        Client { client }
    }
}

impl crate::client::sealed::Sealed for Client {}

impl crate::client::AnyClient for Client {
    fn client(&self) -> &crate::Client {
        &self.client
    }
}

/// Run a future of the SDK to completion: poll it on this thread, with the
/// shared background runtime entered so its I/O and timers are driven there.
pub(crate) fn block_on<T>(future: impl Future<Output = Result<T>>) -> Result<T> {
    static RUNTIME: OnceLock<std::io::Result<tokio::runtime::Runtime>> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("xms-blocking")
            .enable_all()
            .build()
    });
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(e) => {
            return Err(Error::config(format!("cannot start the blocking client's runtime: {e}")));
        }
    };
    let _entered = runtime.enter();
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::park(),
        }
    }
}

/// Wakes the thread waiting in [`block_on`].
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// The pages of a listing as a plain iterator; made by `pages()` on a list
/// builder of the blocking client. Each `next` fetches at most one page.
pub struct PagesIter<T> {
    pages: crate::pagination::Pages<T>,
}

/// The items of a listing as a plain iterator; made by `items()` on a list
/// builder of the blocking client. Pages are fetched as the items run out.
pub struct ItemsIter<T> {
    items: crate::pagination::Items<T>,
}

impl<T> std::fmt::Debug for PagesIter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.pages.fmt(f)
    }
}

impl<T> std::fmt::Debug for ItemsIter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.items.fmt(f)
    }
}

impl<T> PagesIter<T> {
    pub(crate) fn new(pages: crate::pagination::Pages<T>) -> Self {
        PagesIter { pages }
    }
}

impl<T> ItemsIter<T> {
    pub(crate) fn new(items: crate::pagination::Items<T>) -> Self {
        ItemsIter { items }
    }
}

impl<T: Clone + PartialEq + Send + 'static> Iterator for PagesIter<T> {
    type Item = Result<crate::Page<T>>;
    fn next(&mut self) -> Option<Self::Item> {
        block_on(async { self.pages.next().await.transpose() }).transpose()
    }
}

impl<T: Clone + PartialEq + Send + 'static> Iterator for ItemsIter<T> {
    type Item = Result<T>;
    fn next(&mut self) -> Option<Self::Item> {
        block_on(async { self.items.next().await.transpose() }).transpose()
    }
}
