//! OAuth2 client credentials for the project endpoints.

use std::{
    fmt,
    time::{Duration, Instant},
};

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde::Deserialize;

use crate::{Error, Result, transport::bearer_header};

/// The Sinch authentication endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://auth.sinch.com/oauth2/token";

/// Fetches access tokens with a key id and secret, caches them, and renews
/// them shortly before they expire. Concurrent callers wait for one fetch.
pub(crate) struct OAuth {
    http: reqwest::Client,
    token_url: String,
    key_id: String,
    key_secret: String,
    cached: tokio::sync::Mutex<Option<Token>>,
}

struct Token {
    header: HeaderValue,
    renew_at: Instant,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl OAuth {
    pub(crate) fn new(
        http: reqwest::Client,
        token_url: String,
        key_id: String,
        key_secret: String,
    ) -> Self {
        OAuth {
            http,
            token_url,
            key_id,
            key_secret,
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// The current token, fetched if there is none or it is about to expire.
    pub(crate) async fn bearer(&self) -> Result<HeaderValue> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| Instant::now() < t.renew_at) {
            return Ok(token.header.clone());
        }
        let token = self.fetch().await?;
        let header = token.header.clone();
        *cached = Some(token);
        Ok(header)
    }

    /// A new token after `rejected` was refused as expired. When another
    /// caller already replaced it, that token is used without a new fetch.
    pub(crate) async fn refresh(&self, rejected: &HeaderValue) -> Result<HeaderValue> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| t.header != rejected) {
            return Ok(token.header.clone());
        }
        let token = self.fetch().await?;
        let header = token.header.clone();
        *cached = Some(token);
        Ok(header)
    }

    async fn fetch(&self) -> Result<Token> {
        let response = self
            .http
            .post(&self.token_url)
            .basic_auth(&self.key_id, Some(&self.key_secret))
            .header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            )
            .body("grant_type=client_credentials")
            .send()
            .await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await?.to_vec();
        if !(200..300).contains(&status) {
            return Err(crate::error::from_response(status, headers, body, None));
        }
        let parsed: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| Error::UnexpectedResponse {
                status,
                headers: Box::new(headers.clone()),
                body: Vec::new(), // the body holds the token: never keep it
                reason: "the OAuth token endpoint answered without a readable access_token".into(),
                source: Some(Box::new(e)),
            })?;
        let header =
            bearer_header(&parsed.access_token).ok_or_else(|| Error::UnexpectedResponse {
                status,
                headers: Box::new(headers),
                body: Vec::new(),
                reason: "the OAuth token endpoint sent a token that cannot be a header".into(),
                source: None,
            })?;
        // Renew when a tenth of the lifetime (at most a minute) is left.
        let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(3600));
        let margin = (lifetime / 10).min(Duration::from_secs(60));
        Ok(Token {
            header,
            renew_at: Instant::now() + lifetime - margin,
        })
    }
}

impl fmt::Debug for OAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth")
            .field("token_url", &self.token_url)
            .field("key_id", &self.key_id)
            .field("key_secret", &"<redacted>")
            .finish()
    }
}
