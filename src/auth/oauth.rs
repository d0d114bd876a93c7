//! OAuth2 client credentials for the project endpoints.
//!
//! One token is cached and renewed shortly before it expires. A fetch runs
//! on a task of its own, shared by every caller that needs a token while it
//! runs: each gets its outcome, success or failure, and the fetch goes on
//! when the caller that started it is dropped (its deadline passed), so the
//! next caller finds the token. A failed fetch is remembered briefly (as
//! long as the endpoint's `Retry-After` asks, within bounds), so that an
//! outage is not hammered by every call.

use std::{
    fmt,
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde_json::Value;
use tokio::sync::watch;

use super::bearer_header;
use crate::{
    Error, Result,
    error::{ResponseInfo, Secrets},
};

/// The Sinch authentication endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://auth.sinch.com/oauth2/token";

/// How many times a token is asked for before giving up.
const TOKEN_ATTEMPTS: u32 = 4;

/// How long a failed fetch is remembered when the endpoint does not say.
const FAILURE_MEMORY: Duration = Duration::from_secs(2);

/// The longest a failed fetch is remembered, whatever the endpoint asks.
const LONGEST_FAILURE_MEMORY: Duration = Duration::from_secs(60);

/// The longest `Retry-After` waited for between two attempts of one fetch.
const LONGEST_TOKEN_WAIT: Duration = Duration::from_secs(10);

/// The longest lifetime a token is kept for, whatever the endpoint says.
const LONGEST_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// Fetches access tokens with a key id and secret, caches them, and renews
/// them shortly before they expire.
pub(crate) struct OAuth {
    shared: Arc<Shared>,
}

struct Shared {
    http: reqwest::Client,
    token_url: String,
    key_id: String,
    key_secret: String,
    state: Mutex<State>,
    /// The access tokens issued lately, to redact them from errors.
    issued: Mutex<Vec<String>>,
}

#[derive(Default)]
struct State {
    token: Option<Token>,
    /// The fetch under way: its outcome is published here once.
    fetching: Option<watch::Receiver<Option<Outcome>>>,
    /// The last fetch's failure, until it may be tried again.
    failed: Option<(Failure, Instant)>,
}

struct Token {
    header: HeaderValue,
    renew_at: Instant,
}

type Outcome = std::result::Result<HeaderValue, Failure>;

/// A fetch's failure, given to every caller that waited for it (each gets
/// its own [`Error::TokenEndpoint`]).
#[derive(Clone)]
struct Failure {
    reason: String,
    response: Option<ResponseInfo>,
    /// The underlying error's text, redacted.
    source: Option<String>,
    /// How long to remember it.
    remember: Duration,
}

impl Failure {
    fn error(&self) -> Error {
        Error::TokenEndpoint {
            reason: self.reason.clone(),
            response: self.response.clone(),
            source: self.source.clone().map(Into::into),
        }
    }
}

impl OAuth {
    pub(crate) fn new(
        http: reqwest::Client,
        token_url: String,
        key_id: String,
        key_secret: String,
    ) -> Self {
        let shared = Shared {
            http,
            token_url,
            key_id,
            key_secret,
            state: Mutex::default(),
            issued: Mutex::default(),
        };
        OAuth { shared: Arc::new(shared) }
    }

    /// The secret, the Basic value made from it, and the access tokens
    /// issued lately: what must never appear in an error.
    pub(crate) fn secrets(&self) -> Vec<String> {
        self.shared.secrets()
    }

    /// The current token, fetched if there is none or it is about to expire.
    pub(crate) async fn bearer(&self) -> Result<HeaderValue> {
        self.token(None).await
    }

    /// A new token after `rejected` was refused as expired. When another
    /// caller already replaced it, that token is used without a new fetch.
    pub(crate) async fn refresh(&self, rejected: &HeaderValue) -> Result<HeaderValue> {
        self.token(Some(rejected)).await
    }

    async fn token(&self, rejected: Option<&HeaderValue>) -> Result<HeaderValue> {
        let (mut outcome, inline) = {
            let mut state = self.shared.state.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let usable = |token: &&Token| match rejected {
                None => now < token.renew_at,
                Some(rejected) => token.header != rejected,
            };
            if let Some(token) = state.token.as_ref().filter(usable) {
                return Ok(token.header.clone());
            }
            match &state.fetching {
                Some(fetch) => (fetch.clone(), None),
                None => {
                    if let Some((failure, until)) = &state.failed
                        && now < *until
                    {
                        return Err(failure.error());
                    }
                    self.shared.clone().start(&mut state)
                }
            }
        };
        if let Some(fetch) = inline {
            fetch.await;
        }
        let published = outcome.wait_for(Option::is_some).await.map(|o| o.clone());
        match published {
            Ok(Some(Ok(header))) => Ok(header),
            Ok(Some(Err(failure))) => Err(failure.error()),
            // The fetch was dropped before it ended: its runtime shut down.
            Ok(None) | Err(_) => Err(Error::TokenEndpoint {
                reason: "the token fetch was abandoned (its runtime shut down)".to_owned(),
                response: None,
                source: None,
            }),
        }
    }
}

/// A fetch's future, run by its caller when there is no runtime to spawn
/// it on.
type Inline = Pin<Box<dyn Future<Output = ()> + Send>>;

impl Shared {
    fn secrets(&self) -> Vec<String> {
        use base64::Engine as _;
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.key_id, self.key_secret));
        let mut out = vec![self.key_secret.clone(), basic];
        if let Ok(issued) = self.issued.lock() {
            out.extend(issued.iter().cloned());
        }
        out
    }

    /// Start a fetch on a task of its own and note it in `state`; what to
    /// wait on for its outcome, and the fetch itself when there is no
    /// runtime to spawn it on (then the caller runs it).
    fn start(
        self: Arc<Self>,
        state: &mut State,
    ) -> (watch::Receiver<Option<Outcome>>, Option<Inline>) {
        let (publish, outcome) = watch::channel(None);
        state.fetching = Some(outcome.clone());
        let mine = outcome.clone();
        let fetch = async move {
            // However the fetch ends (done, or dropped with its runtime),
            // the next caller starts a new one.
            let done = Done(self.clone(), mine);
            let fetched = self.fetch().await;
            let published = {
                let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                if state.fetching.as_ref().is_some_and(|f| f.same_channel(&done.1)) {
                    state.fetching = None;
                }
                match fetched {
                    Ok(token) => {
                        let header = token.header.clone();
                        state.token = Some(token);
                        state.failed = None;
                        Ok(header)
                    }
                    Err(failure) => {
                        let until = crate::time::std_from_now(failure.remember);
                        state.failed = Some((failure.clone(), until));
                        Err(failure)
                    }
                }
            };
            let _ = publish.send(Some(published));
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(fetch);
                (outcome, None)
            }
            Err(_) => (outcome, Some(Box::pin(fetch))),
        }
    }

    /// Fetch a token; a 429, a 5xx or a failed connection is tried again
    /// (at most [`TOKEN_ATTEMPTS`] times) after a random wait of up to
    /// 250 ms, 500 ms, 1 s, ... (after the `Retry-After` asked, up to 10 s),
    /// so that many clients starting together spread out instead of
    /// hitting the endpoint in step.
    async fn fetch(&self) -> std::result::Result<Token, Failure> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failure = match self.fetch_once().await {
                Ok(token) => return Ok(token),
                Err(failure) => failure,
            };
            let status = failure.response.as_ref().map(ResponseInfo::status);
            let asked =
                failure.response.as_ref().and_then(|r| crate::error::retry_after(r.headers()));
            let wait = match status {
                Some(status) if status == 429 || status >= 500 => {
                    // The wait asked for, plus jitter: clients told the
                    // same wait must not come back together.
                    asked.filter(|w| *w <= LONGEST_TOKEN_WAIT).unwrap_or_default()
                        + full_jitter(attempt)
                }
                None if failure.source.is_some() => full_jitter(attempt),
                _ => return Err(failure),
            };
            if attempt >= TOKEN_ATTEMPTS {
                return Err(failure);
            }
            crate::telemetry::token_retry(attempt, status, wait);
            tokio::time::sleep(wait).await;
        }
    }

    async fn fetch_once(&self) -> std::result::Result<Token, Failure> {
        crate::telemetry::token_fetch();
        let secrets = || Secrets::new(self.secrets());
        let failed = |reason: &str, source: Option<String>| Failure {
            reason: reason.to_owned(),
            response: None,
            source: source.map(|s| secrets().scrub_str(&s)),
            remember: FAILURE_MEMORY,
        };
        let mut response = self
            .http
            .post(&self.token_url)
            .basic_auth(&self.key_id, Some(&self.key_secret))
            .header(CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"))
            .body("grant_type=client_credentials")
            .send()
            .await
            .map_err(|e| failed("could not reach it", Some(chain(&e))))?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        // A token answer is small; read at most 64 KiB of it.
        let mut body = Vec::new();
        while let Some(chunk) =
            response.chunk().await.map_err(|e| failed("its answer broke off", Some(chain(&e))))?
        {
            if body.len() + chunk.len() > 64 * 1024 {
                return Err(failed("its answer is larger than 64 KiB", None));
            }
            body.extend_from_slice(&chunk);
        }
        if !(200..300).contains(&status) {
            let secrets = secrets();
            let remember = crate::error::retry_after(&headers).map_or(FAILURE_MEMORY, |asked| {
                asked.clamp(FAILURE_MEMORY, LONGEST_FAILURE_MEMORY)
            });
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
            return Err(Failure { reason, response: Some(info), source: None, remember });
        }
        let read = read_token(&body);
        // The body holds the token: it is never kept in an error, and
        // whatever of it is echoed in the headers or a reason is redacted.
        let mut known = self.secrets();
        if let Ok((token, ..)) | Err(Unreadable { token: Some(token), .. }) = &read {
            known.push(token.clone());
        }
        let secrets = Secrets::new(known);
        let unreadable = |reason: String| Failure {
            reason: secrets.scrub_str(&reason),
            response: Some(ResponseInfo::new(status, headers.clone(), b"", &secrets)),
            source: None,
            remember: FAILURE_MEMORY,
        };
        let (token, lifetime) = read.map_err(|e| unreadable(e.reason))?;
        let header = bearer_header(&token)
            .ok_or_else(|| unreadable("it sent a token that cannot be a header".to_owned()))?;
        if let Ok(mut issued) = self.issued.lock() {
            if issued.len() >= 4 {
                issued.remove(0);
            }
            issued.push(token);
        }
        // Renew when a tenth of the lifetime (at most a minute) is left.
        let margin = (lifetime / 10).min(Duration::from_secs(60));
        crate::telemetry::token_fetched(lifetime);
        Ok(Token { header, renew_at: crate::time::std_from_now(lifetime - margin) })
    }
}

/// Clears this fetch (and no later one) from the state when the fetch's
/// task ends, also when it is dropped before it published anything.
struct Done(Arc<Shared>, watch::Receiver<Option<Outcome>>);

impl Drop for Done {
    fn drop(&mut self) {
        let mut state = self.0.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.fetching.as_ref().is_some_and(|f| f.same_channel(&self.1)) {
            state.fetching = None;
        }
    }
}

/// Why a token answer of 2xx cannot be used, with the token when it had one.
struct Unreadable {
    reason: String,
    token: Option<String>,
}

/// The access token and its lifetime from a token answer, read as
/// tolerantly as the API's answers: `expires_in` as a number or its text,
/// whole or not; a missing `token_type` is taken as bearer (Sinch's
/// endpoint issues bearer tokens), another type is refused (RFC 6749, 7.1:
/// a client must not use a token of a type it does not understand). No
/// reason quotes a value of the answer.
fn read_token(body: &[u8]) -> std::result::Result<(String, Duration), Unreadable> {
    let unreadable = |reason: &str, token: Option<&str>| Unreadable {
        reason: reason.to_owned(),
        token: token.map(str::to_owned),
    };
    let Ok(Value::Object(response)) = serde_json::from_slice::<Value>(body) else {
        return Err(unreadable("it answered without a readable access_token", None));
    };
    let token = match response.get("access_token") {
        Some(Value::String(token)) if !token.is_empty() => token.as_str(),
        _ => return Err(unreadable("it answered without a readable access_token", None)),
    };
    match response.get("token_type") {
        None | Some(Value::Null) => {}
        Some(Value::String(kind)) if kind.eq_ignore_ascii_case("bearer") => {}
        Some(Value::String(_)) => {
            return Err(unreadable(
                "it issued a token of a type other than bearer, which this client cannot use",
                Some(token),
            ));
        }
        Some(_) => return Err(unreadable("its token_type is not text", Some(token))),
    }
    let seconds = match response.get("expires_in") {
        None | Some(Value::Null) => Some(3600.0),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(text)) => text.trim().parse::<f64>().ok(),
        Some(_) => None,
    };
    let lifetime = seconds
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| Duration::try_from_secs_f64(s).unwrap_or(LONGEST_LIFETIME).min(LONGEST_LIFETIME))
        .ok_or_else(|| unreadable("its expires_in is not a number of seconds", Some(token)))?;
    Ok((token.to_owned(), lifetime))
}

/// An error and its sources as one text.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut link = error.source();
    while let Some(next) = link {
        text.push_str(": ");
        text.push_str(&next.to_string());
        link = next.source();
    }
    text
}

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
            .field("token_url", &self.shared.token_url)
            .field("key_id", &self.shared.key_id)
            .field("key_secret", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lifetime(body: &str) -> std::result::Result<Duration, String> {
        read_token(body.as_bytes()).map(|(_, l)| l).map_err(|e| e.reason)
    }

    #[test]
    fn token_answers_are_read_tolerantly() {
        let hour = Ok(Duration::from_secs(3600));
        assert_eq!(lifetime(r#"{"access_token":"t","expires_in":3600}"#), hour);
        assert_eq!(lifetime(r#"{"access_token":"t","expires_in":"3600"}"#), hour);
        assert_eq!(lifetime(r#"{"access_token":"t","expires_in":3600.0}"#), hour);
        assert_eq!(lifetime(r#"{"access_token":"t","expires_in":" 3600 "}"#), hour);
        assert_eq!(lifetime(r#"{"access_token":"t"}"#), hour, "missing: an hour");
        assert_eq!(lifetime(r#"{"access_token":"t","expires_in":null}"#), hour);
        assert_eq!(
            lifetime(r#"{"access_token":"t","token_type":"Bearer","expires_in":1e300}"#),
            Ok(LONGEST_LIFETIME),
            "a lifetime beyond a day is a day"
        );
        assert_eq!(
            lifetime(r#"{"access_token":"t","token_type":"BEARER","expires_in":1.5}"#),
            Ok(Duration::from_millis(1500))
        );
    }

    #[test]
    fn unusable_token_answers_say_why_without_quoting_them() {
        for (body, why) in [
            (r#"{"access_token":"t","expires_in":"KEYSECRET"}"#, "expires_in"),
            (r#"{"access_token":"t","expires_in":-5}"#, "expires_in"),
            (r#"{"access_token":"t","expires_in":true}"#, "expires_in"),
            (r#"{"access_token":"t","token_type":"mac"}"#, "other than bearer"),
            (r#"{"access_token":"t","token_type":7}"#, "token_type"),
            (r#"{"access_token":7}"#, "access_token"),
            (r#"{"access_token":""}"#, "access_token"),
            (r#"["KEYSECRET"]"#, "access_token"),
            ("KEYSECRET", "access_token"),
        ] {
            let reason = lifetime(body).unwrap_err();
            assert!(reason.contains(why), "{body}: {reason}");
            assert!(!reason.contains("KEYSECRET") && !reason.contains("mac"), "{reason}");
        }
    }
}
