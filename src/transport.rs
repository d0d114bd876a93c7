//! How every request of the generated client is sent: the `ClientHooks`
//! implementation the generator requires (`HooksMode::Expected`).

use std::{fmt, sync::Arc};

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderValue};

use crate::raw;

/// The state every [`raw::Client`] carries: credentials and request policy.
///
/// Cheap to clone. Its `Debug` output never shows a credential.
#[derive(Clone, Default)]
pub struct Transport {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    bearer: Option<HeaderValue>,
}

impl Transport {
    /// A transport that sends `Authorization: Bearer <token>` with every
    /// request.
    pub fn with_bearer_token(token: &str) -> Self {
        let mut value = HeaderValue::try_from(format!("Bearer {token}"))
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer invalid-token"));
        value.set_sensitive(true);
        Transport {
            inner: Arc::new(Inner {
                bearer: Some(value),
            }),
        }
    }

    async fn execute(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let headers = request.headers_mut();
        // The generator adds `api-version: <info.version>`; XMS has no such
        // header and the wire should carry only what the API defines.
        headers.remove("api-version");
        if let Some(bearer) = &self.inner.bearer {
            headers.insert(AUTHORIZATION, bearer.clone());
        }
        client.execute(request).await
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("bearer", &self.inner.bearer.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl ClientHooks<Transport> for raw::Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.inner().execute(self.client(), request, info).await
    }
}
