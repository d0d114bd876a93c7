//! [`Client::request`]: a request to any path of the API, through the same
//! transport as every generated operation.

use progenitor_client::{ClientHooks as _, ClientInfo as _, OperationInfo, ResponseValue};
use reqwest::Method;
use serde_json::Value;

use super::Client;
use crate::{Error, Result};

/// The operation id a [`Client::request`] goes under: no operation of the
/// spec, so the transport judges its retry safety by its HTTP method.
pub(crate) const REQUEST_OPERATION: &str = "request";

/// No error body is documented for an arbitrary path.
type RawError = progenitor_client::Error<()>;

impl Client {
    /// Send a request to any path of the API with this client's
    /// credentials, retry policy, rate limits, timeout and deadline, and
    /// read the JSON it answers (`Value::Null` for an empty body). The
    /// escape hatch under the handlers and the generated client, for an
    /// operation neither has yet (the CLI's `xms api` uses it).
    ///
    /// `path` is relative to `/xms/v1/{service_plan_id}` (`/batches`), or
    /// absolute when it starts with `/xms/`. Errors are the SDK's
    /// [`Error`], classified as for any operation. A request that only
    /// reads (GET, HEAD), PUT or DELETE is retried as idempotent; any other
    /// is never repeated after it may have been processed.
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// use reqwest::Method;
    /// let page = client.request(Method::GET, "/batches", &[("page_size", "1")], None).await?;
    /// println!("{} batches", page["count"]);
    /// # Ok(()) }
    /// ```
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Value> {
        let url = self.request_url(path)?;
        self.call(|raw, _plan| async move {
            let mut builder = raw.client().request(method, url).query(query);
            if let Some(body) = body {
                builder = builder.json(body);
            }
            let request = builder.build().map_err(RawError::CommunicationError)?;
            let info = OperationInfo { operation_id: REQUEST_OPERATION };
            let response = raw.exec(request, &info).await.map_err(RawError::CommunicationError)?;
            let status = response.status();
            if !status.is_success() {
                return Err(RawError::UnexpectedResponse(response));
            }
            let headers = response.headers().clone();
            let bytes = response.bytes().await.map_err(RawError::ResponseBodyError)?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(ResponseValue::new(Value::Null, status, headers));
            }
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(value) => Ok(ResponseValue::new(value, status, headers)),
                Err(e) => Err(RawError::InvalidResponsePayload(bytes, e)),
            }
        })
        .await
    }

    /// The URL of a path of the API, refusing one that would leave it.
    fn request_url(&self, path: &str) -> Result<String> {
        let invalid = |rule: &str| Error::invalid("path", rule);
        if !path.starts_with('/') {
            return Err(invalid("must start with `/` (`/batches`, or `/xms/v1/...`)"));
        }
        if path.split(['/', '?', '#']).any(|segment| segment == ".." || segment == ".")
            || path.contains('\\')
            || path.contains('?')
            || path.contains('#')
        {
            return Err(invalid(
                "must be a plain path: no `.` or `..` segments, `\\`, query or fragment \
                 (give the query separately)",
            ));
        }
        Ok(if path.starts_with("/xms/") {
            format!("{}{path}", self.endpoint())
        } else {
            format!("{}/xms/v1/{}{path}", self.endpoint(), self.service_plan_id())
        })
    }
}
