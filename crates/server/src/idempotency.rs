//! `Idempotency-Key` on the admin API's writes (`POST /admin/sessions`, refunds, payouts): a
//! shop whose request timed out sends it again with the same key and gets the first answer,
//! and no money moves twice.
//!
//! The layer claims the key in the database before the handler runs (`db::KeyClaim`): the first
//! request runs; a repeat of the same request answers the stored status and body with
//! `Idempotent-Replayed: true`; the key with another method, path or body is
//! `idempotency_key_reused` (422); a repeat while the first runs is `idempotency_in_progress`
//! (409). The handler gets the claim ([`IdempotencyClaim`]) and its money write carries it under
//! a unique index, so even a run taken over from a killed instance makes nothing twice.
//!
//! Which answers are kept: a success, and a platform's refusal or silence (502), since by then
//! the request reached the platform. A refusal of ours before anything ran (4xx: a bad amount,
//! too much to refund) or an internal failure (500) lets the key go, so the corrected or retried
//! request runs (and, after a 500, finds whatever its first run wrote through the claim).

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use checkout_protocol::api::ErrorCode;
use checkout_protocol::time::Millis;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::admin::Admin;
use crate::db::KeyClaim;
use crate::error::ServiceError;
use crate::extract::IdempotencyClaim;
use crate::App;

/// The request header a shop sends.
pub const HEADER: HeaderName = HeaderName::from_static("idempotency-key");
/// The answer header that marks a replay.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// How long a request holds its key before another may take it over as dead. Longer than any
/// admin request runs: the platform's timeout, twice over (an operator list and the call).
pub const LEASE: Millis = Millis(60 * 1000);

/// Reads a key: 1 to 255 printable ASCII characters (the IETF draft's shape, and Stripe's).
pub fn parse_key(value: &HeaderValue) -> Result<String, ServiceError> {
    let bytes = value.as_bytes();
    if bytes.is_empty() || bytes.len() > 255 || !bytes.iter().all(|b| (0x20..=0x7e).contains(b)) {
        return Err(ServiceError::new(ErrorCode::IdempotencyKeyInvalid, "Idempotency-Key must be 1 to 255 printable ASCII characters"));
    }
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

/// What makes two requests the same: method, path and body. A JSON body counts by its content
/// (keys in any order, any spacing), anything else by its bytes.
pub fn fingerprint(method: &Method, path: &str, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(method.as_str().as_bytes());
    hash.update(b"\n");
    hash.update(path.as_bytes());
    hash.update(b"\n");
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => hash.update(canonical(&value).as_bytes()),
        Err(_) => hash.update(body),
    }
    hex(&hash.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// JSON with every object's keys sorted, whatever order the map type keeps.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries.iter().map(|(k, v)| format!("{}:{}", Value::String((*k).clone()), canonical(v))).collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(canonical).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

/// Whether an answer is kept for the key's repeats (see the module's comment).
fn kept(status: StatusCode) -> bool {
    status.is_success() || (status.is_server_error() && status != StatusCode::INTERNAL_SERVER_ERROR)
}

/// The layer on the admin writes.
pub async fn guard(State(app): State<App>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(value) = request.headers().get(HEADER) else {
        return next.run(request).await;
    };
    let key = match parse_key(value) {
        Ok(key) => key,
        Err(e) => return e.into_response(),
    };
    // Only the shop may claim keys: the token first, before anything is stored.
    let (mut parts, body) = request.into_parts();
    if let Err(e) = Admin::from_request_parts(&mut parts, &app).await {
        return e.into_response();
    }
    let bytes = match to_bytes(body, crate::BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => return ServiceError::new(ErrorCode::BodyTooLarge, "the request body is too large").into_response(),
    };
    let fingerprint = fingerprint(&parts.method, parts.uri.path(), &bytes);
    let owner = match app.db().claim_idempotency_key(&key, &fingerprint, app.now(), LEASE).await {
        Err(e) => return ServiceError::from(e).into_response(),
        Ok(KeyClaim::Replay { status, body }) => return replay(status, body),
        Ok(KeyClaim::Reused) => {
            return ServiceError::new(
                ErrorCode::IdempotencyKeyReused,
                "this Idempotency-Key was used for another request; use a new key for a new request",
            )
            .into_response()
        }
        Ok(KeyClaim::InProgress { remaining }) => {
            return ServiceError::new(ErrorCode::IdempotencyInProgress, "the first request with this Idempotency-Key is still running")
                .retry_after(remaining.ceil_secs().clamp(1, 2))
                .into_response()
        }
        Ok(KeyClaim::Run { claim, owner }) => {
            parts.extensions.insert(IdempotencyClaim(claim));
            owner
        }
    };
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let (head, body) = response.into_parts();
    // Our own JSON answers: small, and whole before they are sent.
    let body = match to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(e) => return ServiceError::internal(format!("the answer could not be read: {e}")).into_response(),
    };
    let stored = if kept(head.status) {
        app.db().finish_idempotency_key(&key, &owner, head.status.as_u16(), &String::from_utf8_lossy(&body)).await.map(|_| ())
    } else {
        app.db().release_idempotency_key(&key, &owner).await
    };
    if let Err(e) = stored {
        // The answer still goes out; the key stays running until its lease ends, then the
        // request runs again and its write finds what this one made.
        tracing::error!(error = %e, "the answer of an Idempotency-Key could not be stored");
    }
    Response::from_parts(head, Body::from(body))
}

fn replay(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, [(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response();
    response.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_one_to_255_printable_ascii_characters() {
        for good in ["a", "order-42/refund 1", &"k".repeat(255), "~!@#$%^&*()"] {
            assert_eq!(parse_key(&HeaderValue::from_str(good).unwrap()).unwrap(), good);
        }
        for bad in ["".to_owned(), "k".repeat(256), "tab\there".to_owned()] {
            let value = HeaderValue::from_str(&bad).unwrap();
            assert_eq!(parse_key(&value).unwrap_err().code, ErrorCode::IdempotencyKeyInvalid, "{bad:?}");
        }
        let non_ascii = HeaderValue::from_bytes("заказ".as_bytes()).unwrap();
        assert_eq!(parse_key(&non_ascii).unwrap_err().code, ErrorCode::IdempotencyKeyInvalid);
    }

    #[test]
    fn the_same_request_is_the_same_whatever_its_spacing_or_key_order() {
        let a = fingerprint(&Method::POST, "/admin/payouts", br#"{"amount": 500, "phone": "77000000000", "nested": {"b": 1, "a": 2}}"#);
        let b = fingerprint(&Method::POST, "/admin/payouts", br#"{"phone":"77000000000","nested":{"a":2,"b":1},"amount":500}"#);
        assert_eq!(a, b);
        assert_ne!(a, fingerprint(&Method::POST, "/admin/payouts", br#"{"amount": 501, "phone": "77000000000", "nested": {"b": 1, "a": 2}}"#));
        assert_ne!(a, fingerprint(&Method::POST, "/admin/sessions", br#"{"amount": 500, "phone": "77000000000", "nested": {"b": 1, "a": 2}}"#));
    }

    #[test]
    fn answers_after_the_platform_was_asked_are_kept_and_our_refusals_are_not() {
        assert!(kept(StatusCode::CREATED) && kept(StatusCode::ACCEPTED) && kept(StatusCode::BAD_GATEWAY));
        assert!(!kept(StatusCode::UNPROCESSABLE_ENTITY) && !kept(StatusCode::CONFLICT) && !kept(StatusCode::INTERNAL_SERVER_ERROR));
    }
}
