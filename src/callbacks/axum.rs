//! Callback receivers in axum (feature `axum`): the [`Verified`] extractor
//! reads the raw body (at most the verifier's
//! [`max_body`](super::Verifier::max_body)), checks its signature with the
//! [`Verifier`] in the app's state, and parses it, so a handler gets a
//! verified, typed [`Callback`]. It rejects with 401 when the signature is
//! missing or wrong (or a replay), 400 when the body is not a callback, and
//! 413 when the body is too large.
//!
//! ```no_run
//! use std::sync::Arc;
//! use axum::{Router, routing::post};
//! use xms::callbacks::{Callback, Verifier, axum::Verified};
//!
//! async fn receive(Verified(callback): Verified) -> &'static str {
//!     match callback {
//!         Callback::Inbound(message) => println!("from {}", message.sender()),
//!         other => println!("{other:?}"),
//!     }
//!     "ok"
//! }
//!
//! # async fn demo() {
//! let verifier = Arc::new(Verifier::new("SIGNING_SECRET").reject_replays());
//! let app: Router = Router::new().route("/callbacks", post(receive)).with_state(verifier);
//! # let _ = app;
//! # }
//! ```

use std::sync::Arc;

use axum::{
    extract::{FromRef, FromRequest, Request},
    http::StatusCode,
    response::{IntoResponse, Response},
};

use super::{Callback, CallbackError, Verifier, parse};

/// A callback whose signature was checked, parsed: an axum extractor. The
/// app's state must give an `Arc<Verifier>` (`FromRef`).
#[derive(Clone, Debug, PartialEq)]
pub struct Verified(pub Callback);

/// Why [`Verified`] refused a request; its response is the status and a
/// one-line reason.
#[derive(Debug)]
#[non_exhaustive]
pub enum Rejection {
    /// 401: the signature is missing, wrong, stale or replayed.
    Unverified(CallbackError),
    /// 400: the body is not a callback XMS sends.
    NotACallback(CallbackError),
    /// 413: the body is larger than the verifier's limit.
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// 400: the body could not be read.
    Unreadable,
}

impl Rejection {
    /// The status the rejection answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Rejection::Unverified(_) => StatusCode::UNAUTHORIZED,
            Rejection::NotACallback(_) | Rejection::Unreadable => StatusCode::BAD_REQUEST,
            Rejection::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::Unverified(e) => write!(f, "the callback is not verified: {e}"),
            Rejection::NotACallback(e) => write!(f, "the body is not an XMS callback: {e}"),
            Rejection::TooLarge { limit } => write!(f, "the body is larger than {limit} bytes"),
            Rejection::Unreadable => f.write_str("the body could not be read"),
        }
    }
}

impl std::error::Error for Rejection {}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        (self.status(), self.to_string()).into_response()
    }
}

impl<S> FromRequest<S> for Verified
where
    S: Send + Sync,
    Arc<Verifier>: FromRef<S>,
{
    type Rejection = Rejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Rejection> {
        let verifier = Arc::<Verifier>::from_ref(state);
        let limit = verifier.max_body_bytes();
        let (parts, body) = request.into_parts();
        let declared = parts
            .headers
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(Rejection::TooLarge { limit });
        }
        let body = axum::body::to_bytes(body, limit).await.map_err(|e| {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if too_large { Rejection::TooLarge { limit } } else { Rejection::Unreadable }
        })?;
        verifier.verify(&parts.headers, &body).map_err(Rejection::Unverified)?;
        parse(&body).map(Verified).map_err(Rejection::NotACallback)
    }
}
