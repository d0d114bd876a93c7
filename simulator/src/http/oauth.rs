//! The OAuth2 token endpoint: client credentials, as Basic auth or in the
//! form.

use super::*;

/// The OAuth2 token endpoint: client credentials, as Basic auth or in the
/// form body; answers as Sinch's does.
pub(super) async fn token(
    AxumState(shared): AxumState<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let oauth_error = |status: StatusCode, error: &str| {
        let mut response = (status, axum::Json(json!({"error": error}))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
        }
        response
    };
    let fault = shared.lock().token_faults.pop_front();
    if let Some(fault) = fault {
        if fault.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
        }
        if let Some(response) = fault_response(&fault) {
            return response;
        }
    }
    if let Err(wait) = shared.lock().admit_token() {
        return too_many(wait);
    }
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    if !form {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    }
    let fields = parse_query(std::str::from_utf8(&body).ok());
    if fields.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|b| b.split_once(':').map(|(k, s)| (k.to_owned(), s.to_owned())));
    let credentials = basic
        .or_else(|| Some((fields.get("client_id")?.clone(), fields.get("client_secret")?.clone())));
    let Some((key_id, key_secret)) = credentials else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    };
    match shared.lock().issue_token(&key_id, &key_secret) {
        Some((token, expires_in)) => ok(
            StatusCode::OK,
            json!({"access_token": token, "expires_in": expires_in, "scope": "",
                   "token_type": "bearer"}),
        ),
        None => oauth_error(StatusCode::UNAUTHORIZED, "invalid_client"),
    }
}
