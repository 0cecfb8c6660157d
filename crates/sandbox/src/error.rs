//! The platform's error envelope: a non-200 status and
//! `{"status": "error", "code", "message", "errors": [{code, message, field}]}` (`platform.md` §3).
//!
//! The body is the platform's own type, `checkout_protocol::wire::ErrorResponse`, which the
//! backend reads. Codes and messages are named constants so tests and merchants can match on them.
//! **Decision:** the platform's own numeric codes for these cases are not public; the sandbox uses
//! its own stable codes, listed in its README.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use checkout_protocol::wire::{ErrorResponse, FieldError, TextOrNumber};

/// What went wrong with a request, each with a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The body is not a JSON object.
    MalformedJson,
    /// A required field is missing or has the wrong type or value.
    InvalidField,
    /// The signature is missing, malformed or wrong.
    InvalidSignature,
    /// No such project.
    UnknownProject,
    /// The payment id was used before in this project.
    DuplicatePayment,
    /// No such payment.
    PaymentNotFound,
    /// The payment is not in a state that allows this request.
    WrongState,
    /// A new OTP was asked for while the current one is still valid.
    ResendTooEarly,
    /// All three new OTPs were used.
    ResendLimit,
    /// A refund larger than what is left.
    RefundTooLarge,
    /// A status request sooner than allowed after the request it asks about.
    StatusTooEarly,
    /// The provider refused the request (a test scenario).
    Rejected,
    /// The body is larger than the platform accepts.
    BodyTooLarge,
    /// No such endpoint.
    UnknownEndpoint,
    /// The endpoint exists but not for this HTTP method.
    MethodNotAllowed,
    /// A path segment is not valid percent-encoded UTF-8.
    InvalidPath,
    /// The query string does not read as the endpoint's parameters.
    InvalidQuery,
    /// The URI is longer than the sandbox reads.
    UriTooLong,
}

impl ErrorKind {
    /// Every kind, in code order; a test holds it to the codes and to the README's table.
    pub const ALL: [ErrorKind; 18] = [
        ErrorKind::MalformedJson,
        ErrorKind::InvalidField,
        ErrorKind::InvalidSignature,
        ErrorKind::UnknownProject,
        ErrorKind::DuplicatePayment,
        ErrorKind::PaymentNotFound,
        ErrorKind::WrongState,
        ErrorKind::ResendTooEarly,
        ErrorKind::ResendLimit,
        ErrorKind::RefundTooLarge,
        ErrorKind::StatusTooEarly,
        ErrorKind::Rejected,
        ErrorKind::BodyTooLarge,
        ErrorKind::UnknownEndpoint,
        ErrorKind::MethodNotAllowed,
        ErrorKind::InvalidPath,
        ErrorKind::InvalidQuery,
        ErrorKind::UriTooLong,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            ErrorKind::MalformedJson => "1001",
            ErrorKind::InvalidField => "1002",
            ErrorKind::InvalidSignature => "1003",
            ErrorKind::UnknownProject => "1004",
            ErrorKind::DuplicatePayment => "1005",
            ErrorKind::PaymentNotFound => "1006",
            ErrorKind::WrongState => "1007",
            ErrorKind::ResendTooEarly => "1008",
            ErrorKind::ResendLimit => "1009",
            ErrorKind::RefundTooLarge => "1010",
            ErrorKind::StatusTooEarly => "1011",
            ErrorKind::Rejected => "1012",
            ErrorKind::BodyTooLarge => "1013",
            ErrorKind::UnknownEndpoint => "1014",
            ErrorKind::MethodNotAllowed => "1015",
            ErrorKind::InvalidPath => "1016",
            ErrorKind::InvalidQuery => "1017",
            ErrorKind::UriTooLong => "1018",
        }
    }

    /// The stable message.
    pub const fn message(self) -> &'static str {
        match self {
            ErrorKind::MalformedJson => "Request body is not a JSON object",
            ErrorKind::InvalidField => "Invalid request parameters",
            ErrorKind::InvalidSignature => "Invalid signature",
            ErrorKind::UnknownProject => "Unknown project",
            ErrorKind::DuplicatePayment => "Payment with this ID already exists",
            ErrorKind::PaymentNotFound => "Payment not found",
            ErrorKind::WrongState => "Operation is not allowed in the current payment status",
            ErrorKind::ResendTooEarly => "A new code can be requested only after the current one expires",
            ErrorKind::ResendLimit => "The limit of new codes for this payment is reached",
            ErrorKind::RefundTooLarge => "Refund amount exceeds the amount available for refund",
            ErrorKind::StatusTooEarly => "Status can be requested no earlier than 10 seconds after the request",
            ErrorKind::Rejected => "Request declined by the provider",
            ErrorKind::BodyTooLarge => "Request body is too large",
            ErrorKind::UnknownEndpoint => "Unknown endpoint",
            ErrorKind::MethodNotAllowed => "Method not allowed",
            ErrorKind::InvalidPath => "Invalid path",
            ErrorKind::InvalidQuery => "Invalid query string",
            ErrorKind::UriTooLong => "Request URI is too long",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            ErrorKind::PaymentNotFound | ErrorKind::UnknownEndpoint => StatusCode::NOT_FOUND,
            ErrorKind::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorKind::UriTooLong => StatusCode::URI_TOO_LONG,
            ErrorKind::InvalidSignature => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// A refused request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// The field at fault, as a dotted path.
    pub field: Option<String>,
    /// Detail for that field.
    pub detail: Option<String>,
}

impl GateError {
    /// An error with no field detail.
    pub fn new(kind: ErrorKind) -> Self {
        GateError { kind, field: None, detail: None }
    }

    /// An error about one field.
    pub fn field(kind: ErrorKind, field: &str, detail: impl Into<String>) -> Self {
        GateError { kind, field: Some(field.to_owned()), detail: Some(detail.into()) }
    }

    /// An error with a detail but no field.
    pub fn detail(kind: ErrorKind, detail: impl Into<String>) -> Self {
        GateError { kind, field: None, detail: Some(detail.into()) }
    }
}

impl From<ErrorKind> for GateError {
    fn from(kind: ErrorKind) -> Self {
        GateError::new(kind)
    }
}

impl IntoResponse for GateError {
    fn into_response(self) -> Response {
        let code = || TextOrNumber::Text(self.kind.code().to_owned());
        let errors = (self.field.is_some() || self.detail.is_some()).then(|| {
            vec![FieldError {
                code: code(),
                message: self.detail.clone().unwrap_or_else(|| self.kind.message().to_owned()),
                field: self.field.clone(),
                description: None,
            }]
        });
        let body = ErrorResponse { status: "error".into(), code: code(), message: self.kind.message().into(), errors, extra: Default::default() };
        (self.kind.status(), Json(body)).into_response()
    }
}

/// Path parameters; a segment that is not valid percent-encoded UTF-8 is the platform's error.
#[derive(Debug, Clone)]
pub struct GatePath<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> axum::extract::FromRequestParts<S> for GatePath<T> {
    type Rejection = GateError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| GatePath(value))
            .map_err(|rejection| GateError::detail(ErrorKind::InvalidPath, rejection.body_text()))
    }
}

/// The query string; one that does not read as `T` is the platform's error.
#[derive(Debug, Clone)]
pub struct GateQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for GateQuery<T> {
    type Rejection = GateError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| GateQuery(value))
            .map_err(|rejection| GateError::detail(ErrorKind::InvalidQuery, rejection.body_text()))
    }
}

/// Longest URI (path and query) the sandbox reads; its own are under 200 bytes.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Refuses over-long URIs with the platform's error, and marks every answer `nosniff`.
pub async fn edges(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let length = request.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    let mut response = if length > MAX_URI_BYTES {
        GateError::detail(ErrorKind::UriTooLong, format!("the URI is {length} bytes; at most {MAX_URI_BYTES} are read")).into_response()
    } else {
        next.run(request).await
    };
    response.headers_mut().insert(axum::http::header::X_CONTENT_TYPE_OPTIONS, axum::http::HeaderValue::from_static("nosniff"));
    response
}

#[cfg(test)]
mod tests {
    use super::ErrorKind;

    /// The rows of the README's table of error codes: code, HTTP status, message (without the
    /// README's explanation in parentheses).
    fn documented() -> Vec<(String, u16, String)> {
        let readme = include_str!("../README.md");
        readme
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
                let [code, status, message] = cells[..] else { return None };
                if code.len() != 4 || !code.starts_with("10") {
                    return None;
                }
                // The README may explain a message in parentheses after it.
                let message = message.split_once(" (").map_or(message, |(message, _)| message);
                Some((code.to_owned(), status.parse().ok()?, message.to_owned()))
            })
            .collect()
    }

    #[test]
    fn every_code_is_listed_once_and_documented_as_it_answers() {
        // `ALL` is written by hand: codes that follow one another from 1001 and a README row for
        // each mean a kind left out of it shows up here as a gap or an undocumented code.
        for (position, kind) in ErrorKind::ALL.iter().enumerate() {
            assert_eq!(kind.code(), (1001 + position).to_string(), "{kind:?} out of order in ErrorKind::ALL");
        }
        let expected: Vec<(String, u16, String)> =
            ErrorKind::ALL.iter().map(|kind| (kind.code().to_owned(), kind.status().as_u16(), kind.message().to_owned())).collect();
        assert_eq!(documented(), expected, "crates/sandbox/README.md's table of codes and ErrorKind disagree");
    }
}
