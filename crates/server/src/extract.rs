//! The request extractors every handler uses. Each turns every way a request can be refused
//! (syntax, type, shape, size, content type, path or query encoding) into the one structured
//! error, so no answer of this server is axum's plain text.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::ServiceError;
use checkout_protocol::api::ErrorCode;

/// A JSON body that must be an object of `T`'s shape.
///
/// Why not `axum::Json`: serde's derived structs also read JSON arrays, field by field in order,
/// so `[5000]` would read as a refund of 5 000 and `[]` as a refund of everything. The body is
/// read as a JSON value first and refused unless it is an object; nested structs that must be
/// objects say so with [`object`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ServiceError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers().get(header::CONTENT_TYPE)) {
            return Err(ServiceError::new(ErrorCode::ContentType, "send JSON with Content-Type: application/json"));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(body_rejection)?;
        parse(&bytes).map(ApiJson)
    }
}

/// Reads `bytes` as a JSON object of `T`'s shape.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ServiceError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| ServiceError::new(ErrorCode::InvalidJson, format!("the body is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(ServiceError::new(ErrorCode::InvalidJson, "the body must be a JSON object"));
    }
    T::deserialize(value).map_err(|e| ServiceError::new(ErrorCode::InvalidJson, format!("the body is not of the expected shape: {e}")))
}

/// The structured error for a body that could not be read at all.
pub fn body_rejection(rejection: BytesRejection) -> ServiceError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ServiceError::new(ErrorCode::BodyTooLarge, "the request body is too large")
    } else {
        ServiceError::new(ErrorCode::BodyRejected, "the request body could not be read")
    }
}

/// `application/json` or any `…+json` media type, with or without parameters.
fn is_json(content_type: Option<&header::HeaderValue>) -> bool {
    let Some(media) = content_type.and_then(|v| v.to_str().ok()).and_then(|v| v.split(';').next()) else {
        return false;
    };
    let media = media.trim().to_ascii_lowercase();
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

/// For a nested struct field that must be a JSON object, not an array (see [`ApiJson`]).
pub fn object<'de, D: Deserializer<'de>, T: DeserializeOwned>(deserializer: D) -> Result<T, D::Error> {
    let value = Value::deserialize(deserializer)?;
    if !value.is_object() {
        return Err(D::Error::custom("expected a JSON object"));
    }
    T::deserialize(value).map_err(D::Error::custom)
}

/// Path parameters; a segment that is not valid percent-encoded UTF-8 is a structured 400.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ServiceError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(ServiceError::new(ErrorCode::InvalidPath, format!("the path is not valid: {}", rejection.body_text()))),
        }
    }
}

/// The query string; one that does not read as `T` is a structured 400.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ServiceError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(ServiceError::new(ErrorCode::InvalidQuery, format!("the query string is not valid: {}", rejection.body_text()))),
        }
    }
}

/// This use of an `Idempotency-Key`, for the money write of the request that carries it: put in
/// the request by the `idempotency` layer, read by the admin handlers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyClaim(pub String);

/// The key's claim, when the request carried one.
pub fn claim_of(claim: &Option<axum::Extension<IdempotencyClaim>>) -> Option<&str> {
    claim.as_ref().map(|c| c.0 .0.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Refund {
        amount: Option<u64>,
    }

    #[test]
    fn only_objects_are_read_and_arrays_never_fill_fields_by_position() {
        for refused in ["[]", "[5000]", "[null,\"x\"]", "5000", "\"x\"", "null", "true"] {
            let error = parse::<Refund>(refused.as_bytes()).unwrap_err();
            assert_eq!((error.status(), error.code), (StatusCode::BAD_REQUEST, ErrorCode::InvalidJson), "{refused}");
        }
        assert_eq!(parse::<Refund>(br#"{"amount": 5000}"#).unwrap().amount, Some(5000));
        assert_eq!(parse::<Refund>(b"{}").unwrap().amount, None);
        assert_eq!(parse::<Refund>(br#"{"amount": 1e400}"#).unwrap_err().code, ErrorCode::InvalidJson);
        assert_eq!(parse::<Refund>(br#"{"amount": -1}"#).unwrap_err().code, ErrorCode::InvalidJson);
    }

    #[test]
    fn json_media_types_are_recognised_with_parameters_and_suffixes() {
        let value = |s: &'static str| header::HeaderValue::from_static(s);
        assert!(is_json(Some(&value("application/json"))));
        assert!(is_json(Some(&value("Application/JSON; charset=utf-8"))));
        assert!(is_json(Some(&value("application/merge-patch+json"))));
        assert!(!is_json(Some(&value("text/plain"))));
        assert!(!is_json(Some(&value("application/jsonx"))));
        assert!(!is_json(None));
    }
}
