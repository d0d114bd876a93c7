//! What every request passes first: injected faults, credentials (API
//! tokens and access tokens), rate limits, and, after a matched XMS
//! request, the recording of its answer; and the body extractor for 415.

use super::*;

/// After a matched XMS request, when answers are being recorded: the
/// answer's method, route, status and JSON body.
pub(super) async fn record(
    AxumState(shared): AxumState<Arc<Shared>>,
    route: MatchedPath,
    request: Request,
    next: Next,
) -> Response {
    if !shared.lock().recording() {
        return next.run(request).await;
    }
    let method = request.method().to_string();
    let response = next.run(request).await;
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    shared.lock().record(Answer {
        method,
        route: route.as_str().to_string(),
        status: parts.status.as_u16(),
        body: serde_json::from_slice(&bytes).ok(),
    });
    Response::from_parts(parts, Body::from(bytes))
}

/// The body of a POST or PUT as a JSON object: 415 unless it says
/// `application/json`, XMS's 400 unless it is an object. Other methods get
/// an empty object. An extractor, so it runs after the route and the method
/// matched (404 and 405 come first).
pub(super) struct JsonObject(pub(super) Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        if !matches!(*request.method(), Method::POST | Method::PUT) {
            return Ok(JsonObject(Map::new()));
        }
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("application/json"));
        if !json {
            return Err(empty(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        let body =
            Bytes::from_request(request, state).await.map_err(IntoResponse::into_response)?;
        json::object(&body).map(JsonObject).map_err(api_error)
    }
}

/// Before every XMS request: an injected fault, if one is queued, then the
/// plan's token. The control API under `/_sim` passes through.
pub(super) async fn gate(
    AxumState(shared): AxumState<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(rest) = request.uri().path().strip_prefix(BASE) else {
        return next.run(request).await;
    };
    let plan = rest.split('/').next().unwrap_or("").to_string();
    let fault = shared.lock().faults.pop_front();
    let mut after = None;
    if let Some(fault) = fault {
        if fault.processed {
            after = Some(fault);
        } else {
            if fault.delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
            }
            if let Some(response) = fault_response(&fault) {
                return response;
            }
        }
    }
    if let Some(fault) = after {
        // Handled for real, then the answer is lost or replaced.
        let handled = authorized(&shared, &plan, request, next).await;
        if fault.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
        }
        return fault_response(&fault).unwrap_or(handled);
    }
    authorized(&shared, &plan, request, next).await
}

/// Authentication and the rate limit, then the route.
pub(super) async fn authorized(
    shared: &Shared,
    plan: &str,
    request: Request,
    next: Next,
) -> Response {
    // Authentication: the plan's API token, or an access token of its key.
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let access = {
        let state = shared.lock();
        match state.plan_config(plan) {
            Some(p) if !p.token.is_empty() && p.token == bearer => Access::Valid,
            Some(p) if p.key.is_some() && !bearer.is_empty() => state.access(plan, bearer),
            _ => Access::Unknown,
        }
    };
    let challenge = match access {
        Access::Valid => None,
        Access::Expired => {
            Some(r#"Bearer error="invalid_token", error_description="The access token expired""#)
        }
        Access::Unknown if bearer.is_empty() => Some("Bearer"),
        Access::Unknown => Some(r#"Bearer error="invalid_token""#),
    };
    if let Some(challenge) = challenge {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge))],
        )
            .into_response();
    }
    if let Err(wait) = shared.lock().admit(plan) {
        return too_many(wait);
    }
    next.run(request).await
}

/// The answer an injected fault gives, if it gives one (else the request
/// goes on, after the fault's delay).
pub(super) fn fault_response(fault: &Fault) -> Option<Response> {
    {
        if fault.drop {
            // Headers, then a body that breaks off: the connection is closed
            // without a complete answer.
            let broken = futures_util::stream::iter([
                Ok(Bytes::from_static(b"{\"id\":")),
                Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "fault: dropped")),
            ]);
            return Response::builder()
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from_stream(broken))
                .ok();
        }
        fault.status.map(|status| {
            (
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                fault.body.clone(),
            )
                .into_response()
        })
    }
}

pub(super) fn parse_query(query: Option<&str>) -> HashMap<String, String> {
    query
        .map(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (decode(k), decode(v)))
                .collect()
        })
        .unwrap_or_default()
}

/// Percent-decoding of a query component (`+` is a space).
pub(super) fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
