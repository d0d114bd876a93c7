//! The same API without `async`: [`blocking::Client`](Client).
//!
//! The handlers and builders are the very same types as the async API's; with
//! this client their final method (`send`, `get`, ...) waits for the answer
//! instead of returning a future. Requests run on one small background
//! runtime shared by every blocking client, so this works from a plain
//! `fn main` and from any thread that is not running async code.
//!
//! **The one rule:** do not call it from inside async code (a task of a
//! tokio runtime). There, use the async [`crate::Client`], or move the
//! blocking call onto a blocking thread with
//! `tokio::task::spawn_blocking`. Called from async code it does not block
//! the runtime: it returns [`Error::Config`] explaining this.
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

use std::{future::Future, sync::OnceLock};

use crate::{Error, Result, client::ClientBuilder};

/// The blocking XMS client: [`crate::Client`] without `async`.
///
/// Cheap to clone. Build it with [`Client::new`], [`Client::builder`], or
/// from an async client with `From`.
#[derive(Clone, Debug)]
pub struct Client {
    client: crate::Client,
}

impl Client {
    /// A blocking client for a service plan in the US region; see
    /// [`crate::Client::new`].
    pub fn new(service_plan_id: impl Into<String>, api_token: impl Into<String>) -> Client {
        Client {
            client: crate::Client::new(service_plan_id, api_token),
        }
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

impl crate::client::Handle for Client {
    fn client(&self) -> &crate::Client {
        &self.client
    }
}

/// Run a future of the SDK to completion on the shared background runtime.
pub(crate) fn block_on<T>(future: impl Future<Output = Result<T>>) -> Result<T> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::config(
            "the blocking client was called from async code, where it would block the runtime; \
             use xms::Client there, or tokio::task::spawn_blocking",
        ));
    }
    static RUNTIME: OnceLock<std::io::Result<tokio::runtime::Runtime>> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("xms-blocking")
            .enable_all()
            .build()
    });
    match runtime {
        Ok(runtime) => runtime.block_on(future),
        Err(e) => Err(Error::config(format!(
            "cannot start the blocking client's runtime: {e}"
        ))),
    }
}
