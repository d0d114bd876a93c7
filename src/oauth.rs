//! OAuth2 client credentials for the project endpoints.

use std::{
    fmt,
    time::{Duration, Instant},
};

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde::Deserialize;

use crate::{
    Error, Result,
    error::{ResponseInfo, Secrets},
    transport::bearer_header,
};

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
    /// The access tokens issued lately, to redact them from errors.
    issued: std::sync::Mutex<Vec<String>>,
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
            issued: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// The secret, the Basic value made from it, and the access tokens
    /// issued lately: what must never appear in an error.
    pub(crate) fn secrets(&self) -> Vec<String> {
        use base64::Engine as _;
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.key_id, self.key_secret));
        let mut out = vec![self.key_secret.clone(), basic];
        if let Ok(issued) = self.issued.lock() {
            out.extend(issued.iter().cloned());
        }
        out
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

    /// Fetch a token; a 429, a 5xx or a failed connection is tried again
    /// (at most [`TOKEN_ATTEMPTS`] times) after a random wait of up to
    /// 250 ms, 500 ms, 1 s, ... (after the `Retry-After` asked, up to 10 s),
    /// so that many clients starting together spread out instead of
    /// hitting the endpoint in step.
    async fn fetch(&self) -> Result<Token> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match self.fetch_once().await {
                Ok(token) => return Ok(token),
                Err(e) => e,
            };
            let wait = match &error {
                Error::TokenEndpoint { response: Some(info), .. }
                    if info.status() == 429 || info.status() >= 500 =>
                {
                    // The wait asked for, plus jitter: clients told the
                    // same wait must not come back together.
                    crate::error::retry_after(info.headers())
                        .filter(|w| *w <= Duration::from_secs(10))
                        .unwrap_or_default()
                        + full_jitter(attempt)
                }
                Error::TokenEndpoint { response: None, source: Some(_), .. } => {
                    full_jitter(attempt)
                }
                _ => return Err(error),
            };
            if attempt >= TOKEN_ATTEMPTS {
                return Err(error);
            }
            let status = match &error {
                Error::TokenEndpoint { response, .. } => response.as_ref().map(|r| r.status()),
                _ => None,
            };
            crate::telemetry::token_retry(attempt, status, wait);
            tokio::time::sleep(wait).await;
        }
    }

    async fn fetch_once(&self) -> Result<Token> {
        crate::telemetry::token_fetch();
        let failed = |reason: &str, source: Option<crate::BoxError>| Error::TokenEndpoint {
            reason: reason.to_owned(),
            response: None,
            source,
        };
        let mut response = self
            .http
            .post(&self.token_url)
            .basic_auth(&self.key_id, Some(&self.key_secret))
            .header(CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"))
            .body("grant_type=client_credentials")
            .send()
            .await
            .map_err(|e| failed("could not reach it", Some(Box::new(e))))?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        // A token answer is small; read at most 64 KiB of it.
        let mut body = Vec::new();
        while let Some(chunk) =
            response.chunk().await.map_err(|e| failed("its answer broke off", Some(Box::new(e))))?
        {
            if body.len() + chunk.len() > 64 * 1024 {
                return Err(failed("its answer is larger than 64 KiB", None));
            }
            body.extend_from_slice(&chunk);
        }
        if !(200..300).contains(&status) {
            let secrets = Secrets::new(self.secrets());
            let info = ResponseInfo::new(status, headers, &body, &secrets);
            let mut reason = match status {
                401 | 403 => "it refused the key id and secret",
                429 => "it is rate limiting this client",
                500..=599 => "it failed",
                _ => "it answered with an error",
            }
            .to_owned();
            if let Some(message) = crate::error::body_message(&body, &secrets) {
                reason = format!("{reason}: {message}");
            }
            return Err(Error::TokenEndpoint { reason, response: Some(info), source: None });
        }
        // The body holds the token: it is never kept in an error.
        let no_body = |reason: &str, source: Option<crate::BoxError>| Error::TokenEndpoint {
            reason: reason.to_owned(),
            response: Some(ResponseInfo::new(status, headers.clone(), b"", &Secrets::default())),
            source,
        };
        let parsed: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
            no_body("it answered without a readable access_token", Some(Box::new(e)))
        })?;
        let header = bearer_header(&parsed.access_token)
            .ok_or_else(|| no_body("it sent a token that cannot be a header", None))?;
        if let Ok(mut issued) = self.issued.lock() {
            if issued.len() >= 4 {
                issued.remove(0);
            }
            issued.push(parsed.access_token.clone());
        }
        // Renew when a tenth of the lifetime (at most a minute) is left. A
        // lifetime beyond a day is taken as a day, so a hostile answer
        // cannot overflow the clock.
        let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(3600).min(86_400));
        let margin = (lifetime / 10).min(Duration::from_secs(60));
        crate::telemetry::token_fetched(lifetime);
        Ok(Token { header, renew_at: Instant::now() + lifetime - margin })
    }
}

/// How many times a token is asked for before giving up.
const TOKEN_ATTEMPTS: u32 = 4;

/// A random wait from 0 to 250 ms times 2^(attempt - 1), at most 5 s.
fn full_jitter(attempt: u32) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let ceiling = Duration::from_millis(250).saturating_mul(1 << attempt.saturating_sub(1).min(5));
    let ceiling = ceiling.min(Duration::from_secs(5));
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
    ceiling.mul_f64((random % 10_000) as f64 / 10_000.0)
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
