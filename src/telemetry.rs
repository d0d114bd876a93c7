//! What the SDK tells `tracing` (feature `tracing`, on by default): one span
//! per call, named and filled in after the OpenTelemetry HTTP client
//! conventions, and events for retries, rate limiting, OAuth tokens and the
//! end of listings. Nothing recorded here ever holds a credential: the
//! fields are methods, hosts, path templates, ids from the path, statuses
//! and error kinds, never headers, bodies or query values.
//!
//! Without the feature every function here is empty and `tracing` is not
//! compiled.

#[cfg(feature = "tracing")]
mod on {
    use tracing::{Span, field::Empty};

    /// The span of one SDK call; its fields are filled in as the call goes.
    pub(crate) fn call_span() -> Span {
        tracing::info_span!(
            "xms.request",
            otel.name = Empty,
            otel.kind = "client",
            "http.request.method" = Empty,
            "server.address" = Empty,
            "server.port" = Empty,
            "url.template" = Empty,
            "http.response.status_code" = Empty,
            "error.type" = Empty,
            "xms.operation" = Empty,
            "xms.batch_id" = Empty,
            "xms.group_id" = Empty,
            "xms.inbound_id" = Empty,
            "xms.attempts" = Empty,
        )
    }

    /// What the request says of itself, recorded on the current call span;
    /// whether anybody listens to it (when nobody does, the request's
    /// [`status`] and [`attempts`] need not be recorded either).
    pub(crate) fn request(operation: &str, method: &str, url: &reqwest::Url) -> bool {
        let span = Span::current();
        // Nobody listens: record nothing, allocate nothing.
        if span.is_disabled() {
            return false;
        }
        span.record("xms.operation", operation);
        span.record("http.request.method", method);
        if let Some(host) = url.host_str() {
            span.record("server.address", host);
        }
        if let Some(port) = url.port_or_known_default() {
            span.record("server.port", port);
        }
        // The template and the ids in the path, as the spec has them.
        if let Some(op) = crate::raw::operation(operation) {
            span.record("url.template", op.template);
            span.record("otel.name", format!("{method} {}", op.template));
            for (segment, field) in op.ids {
                if let Some(id) = url.path().split('/').nth(*segment) {
                    span.record(*field, id);
                }
            }
        }
        true
    }

    pub(crate) fn status(status: u16) {
        Span::current().record("http.response.status_code", status);
    }

    pub(crate) fn attempts(attempts: u32) {
        Span::current().record("xms.attempts", attempts);
    }

    pub(crate) fn failed(span: &Span, kind: &str) {
        span.record("error.type", kind);
    }

    pub(crate) fn retry(attempt: u32, reason: &str, wait: std::time::Duration) {
        tracing::warn!(
            attempt,
            reason,
            wait_ms = wait.as_millis() as u64,
            "xms: retrying the request"
        );
    }

    pub(crate) fn rate_limited(retry_after: Option<std::time::Duration>) {
        tracing::info!(
            retry_after_ms = retry_after.map(|w| w.as_millis() as u64),
            "xms: the server is rate limiting; every request of this client waits"
        );
    }

    pub(crate) fn limiter_wait(what: &'static str, wait: std::time::Duration) {
        tracing::debug!(
            limit = what,
            wait_ms = wait.as_millis() as u64,
            "xms: waiting for the rate limit"
        );
    }

    pub(crate) fn token_fetch() {
        tracing::debug!("xms: fetching an OAuth2 access token");
    }

    pub(crate) fn token_fetched(lifetime: std::time::Duration) {
        tracing::info!(expires_in_s = lifetime.as_secs(), "xms: OAuth2 access token fetched");
    }

    pub(crate) fn token_expired() {
        tracing::info!("xms: the access token expired early; fetching a new one");
    }

    pub(crate) fn token_retry(attempt: u32, status: Option<u16>, wait: std::time::Duration) {
        tracing::warn!(
            attempt,
            status,
            wait_ms = wait.as_millis() as u64,
            "xms: the token endpoint failed; trying again"
        );
    }

    pub(crate) fn listing_done(reason: &'static str, page: u32, items: u64) {
        tracing::debug!(reason, page, items, "xms: the listing is complete");
    }

    pub(crate) fn listing_broken(reason: &str) {
        tracing::warn!(reason, "xms: the listing stopped on a server that contradicts itself");
    }

    pub(crate) fn chunk_found(index: u64) {
        tracing::info!(
            chunk = index,
            "xms: bulk chunk found by its client reference, not sent again"
        );
    }
}

#[cfg(not(feature = "tracing"))]
#[allow(clippy::missing_const_for_fn)]
mod on {
    pub(crate) fn request(_: &str, _: &str, _: &reqwest::Url) -> bool {
        false
    }
    pub(crate) fn status(_: u16) {}
    pub(crate) fn attempts(_: u32) {}
    pub(crate) fn retry(_: u32, _: &str, _: std::time::Duration) {}
    pub(crate) fn rate_limited(_: Option<std::time::Duration>) {}
    pub(crate) fn limiter_wait(_: &'static str, _: std::time::Duration) {}
    pub(crate) fn token_fetch() {}
    pub(crate) fn token_fetched(_: std::time::Duration) {}
    pub(crate) fn token_expired() {}
    pub(crate) fn token_retry(_: u32, _: Option<u16>, _: std::time::Duration) {}
    pub(crate) fn listing_done(_: &'static str, _: u32, _: u64) {}
    pub(crate) fn listing_broken(_: &str) {}
    pub(crate) fn chunk_found(_: u64) {}
}

pub(crate) use on::*;
