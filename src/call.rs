//! The contract between an SDK call and the transport hook that sends its
//! requests.
//!
//! progenitor's generated methods return an `Error` that loses an answer's
//! status and headers when its body cannot be read, and they have no way
//! to say "refused before sending" or "the answer was too large". So
//! [`Client::run`](crate::Client) sets up a [`CallState`] in the task-local
//! [`CALL`] around the generated call; the transport hook (in
//! `transport.rs`), polled inside it, reads what the call wants (the token
//! fetched, the attempt's timeout) and writes what it learns (the
//! operation, whether it is idempotent, whether a request was sent, the
//! status and headers of the answer, a failure the generated code cannot
//! express). When the generated call returns, `run` takes the state back
//! and every outcome is classified from it (`error/classify.rs`).
//!
//! ```text
//!   Client::run ──CALL.scope(state)──► generated method ──► ClientHooks::exec (transport)
//!        ▲                                                      │ reads: bearer, timeout
//!        └───────────── state taken back ◄──────────────────────┘ writes: operation, idempotent,
//!                                                                   sent, response, failure
//! ```
//!
//! A request made through `raw` outside an SDK call has no state: the hook
//! then does without it.

use std::{cell::RefCell, time::Duration};

use reqwest::header::{HeaderMap, HeaderValue};

/// What the call waiting for a request learns from the hook.
#[derive(Default)]
pub(crate) struct CallState {
    /// The token to send, fetched by the caller before the request.
    pub(crate) bearer: Option<HeaderValue>,
    /// The status and headers of the last answer.
    pub(crate) response: Option<(u16, HeaderMap)>,
    /// The operation the request was for.
    pub(crate) operation: Option<&'static str>,
    /// Whether that operation can run twice without harm.
    pub(crate) idempotent: bool,
    /// How long one attempt may take, when the call says.
    pub(crate) timeout: Option<Duration>,
    /// Whether a request XMS may have acted on was written: set as an
    /// attempt goes out, taken back when its answer says it was refused
    /// unprocessed (429) or its connection was never made. A timeout reads
    /// it to say whether the request was sent.
    pub(crate) sent: bool,
    /// A failure the hook found that the generated code cannot express (an
    /// answer too large, a redirect followed by the caller's HTTP client):
    /// it wins over whatever the generated code makes of the answer.
    pub(crate) failure: Option<crate::Error>,
}

tokio::task_local! {
    /// The state of the SDK call the current task is making (set by
    /// `Client::call`; absent for a request made through `raw` directly).
    pub(crate) static CALL: RefCell<CallState>;
}

/// Change the waiting call's state, if there is a waiting call.
pub(crate) fn with_call(f: impl FnOnce(&mut CallState)) {
    let _ = CALL.try_with(|c| f(&mut c.borrow_mut()));
}

/// Note the status and headers for the waiting call, if there is one.
///
/// Within an SDK call the headers are moved, not copied: the call reads them
/// from here (for its errors and for a send's answer), and the generated
/// code, which would copy them into a value nobody reads, gets none. A
/// request made through `raw` directly keeps them.
pub(crate) fn record(mut response: reqwest::Response) -> reqwest::Response {
    let status = response.status().as_u16();
    let _ = CALL.try_with(|c| {
        c.borrow_mut().response = Some((status, std::mem::take(response.headers_mut())));
    });
    response
}
