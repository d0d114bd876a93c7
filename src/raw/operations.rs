//! The operation table: what the SDK knows of each operation, read from
//! the spec when the crate is built (its method and path template, and the
//! facts its `x-xms` states). The transport retries by it, errors word
//! themselves by it and spans take their template from it, so that no
//! operation is recognised by its name.

/// One operation of the API.
///
/// ```
/// let send = xms::raw::operation("send_batch").expect("in the spec");
/// assert_eq!((send.method, send.template), ("POST", "/xms/v1/{service_plan_id}/batches"));
/// assert!(!send.idempotent && send.creates == Some("batch"));
/// assert!(xms::raw::OPERATIONS.iter().all(|op| !op.reads || op.idempotent));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Operation {
    /// Its id, as the generated client names its method (`send_batch`).
    pub id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template, as the spec writes it.
    pub template: &'static str,
    /// It changes nothing.
    pub reads: bool,
    /// Running it twice does no more than running it once, so the SDK
    /// retries it after a timeout, a broken connection or a 5xx.
    pub idempotent: bool,
    /// What a success creates (`batch`, `group`): after a failed answer
    /// it may exist.
    pub creates: Option<&'static str>,
    /// For a listing, the key of the items in its page.
    pub pages: Option<&'static str>,
    /// The path segments that hold ids, with the span field each goes to
    /// (`xms.batch_id`, ...).
    pub ids: &'static [(usize, &'static str)],
}

include!(concat!(env!("OUT_DIR"), "/operations.rs"));
