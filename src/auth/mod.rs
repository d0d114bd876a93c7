//! How requests are authenticated: a service plan's API token, sent as a
//! bearer token, or OAuth2 client credentials ([`oauth`]), whose access
//! tokens are sent the same way. The transport depends on this module;
//! nothing here depends on the transport.

pub(crate) mod oauth;

use std::sync::Arc;

use reqwest::header::HeaderValue;

use oauth::OAuth;

/// How requests are authenticated.
#[derive(Clone)]
pub(crate) enum Auth {
    None,
    /// The header, and the token itself (to redact it from errors).
    Bearer(HeaderValue, Arc<str>),
    ClientCredentials(Arc<OAuth>),
}

/// `Bearer <token>` as a header value hidden from `Debug`, or `None` when
/// the token cannot be a header value.
pub(crate) fn bearer_header(token: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::try_from(format!("Bearer {token}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}
