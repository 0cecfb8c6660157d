//! One error type for the service and every handler: a stable code, a message, and for limits
//! the seconds until a retry can work. Its HTTP form, `{"error": {"code", "message",
//! "retry_after_s"?}}`, is made here only, and each code has one status (`http_status`), so the
//! service knows nothing of HTTP. Bad input shows its cause; internal failures show a generic
//! message and log the detail.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use checkout_protocol::api::{ErrorBody, ErrorCode, ErrorDetail};

/// Why a request was not done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// Stable snake_case code clients match on.
    pub code: ErrorCode,
    /// Human text.
    pub message: String,
    /// Seconds until a retry can work (resend too early, a limit).
    pub retry_after_s: Option<u64>,
}

impl ServiceError {
    /// An error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ServiceError {
        ServiceError { code, message: message.into(), retry_after_s: None }
    }

    /// The same error, retryable after `seconds`.
    pub fn retry_after(mut self, seconds: u64) -> ServiceError {
        self.retry_after_s = Some(seconds);
        self
    }

    /// An internal failure, with the detail kept for the log.
    pub fn internal(detail: impl std::fmt::Display) -> ServiceError {
        ServiceError::new(ErrorCode::InternalError, detail.to_string())
    }

    /// The HTTP status of this error's answer.
    pub fn status(&self) -> StatusCode {
        http_status(self.code)
    }
}

/// The one mapping of error codes to HTTP statuses.
pub fn http_status(code: ErrorCode) -> StatusCode {
    use ErrorCode as C;
    match code {
        C::InvalidJson | C::InvalidPath | C::InvalidQuery | C::BodyRejected | C::InvalidCallback | C::IdempotencyKeyInvalid => {
            StatusCode::BAD_REQUEST
        }
        C::Unauthorized => StatusCode::UNAUTHORIZED,
        C::AdminDisabled | C::InvalidSignature | C::WrongProject => StatusCode::FORBIDDEN,
        C::NotFound | C::SessionNotFound | C::PaymentNotFound | C::EventNotFound => StatusCode::NOT_FOUND,
        C::HttpMethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        C::AlreadyPaid
        | C::PaymentInProgress
        | C::NotAwaitingOtp
        | C::OtpAlreadySubmitted
        | C::ResendTooEarly
        | C::ResendInProgress
        | C::NotRefundable
        | C::RefundExceedsPayment
        | C::IdempotencyInProgress
        | C::NoFirstScreen => StatusCode::CONFLICT,
        C::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        C::UriTooLong => StatusCode::URI_TOO_LONG,
        C::ContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        C::MethodNotAllowed
        | C::OperatorUnknown
        | C::PhoneEmpty
        | C::PhoneInvalidCharacter
        | C::PhoneTooShort
        | C::PhoneTooLong
        | C::PhoneRussian
        | C::PhoneNotKzMobile
        | C::PhoneForeign
        | C::OtpInvalid
        | C::AmountInvalid
        | C::CurrencyUnsupported
        | C::CustomerInvalid
        | C::MethodsInvalid
        | C::ReferenceInvalid
        | C::MetadataInvalid
        | C::LocaleUnsupported
        | C::IdempotencyKeyReused
        | C::TerminalRefused => StatusCode::UNPROCESSABLE_ENTITY,
        C::TooManyRequests | C::OtpAttemptsExhausted | C::ResendLimit => StatusCode::TOO_MANY_REQUESTS,
        C::GateRejected | C::GateUnavailable | C::SandboxUnavailable | C::StatusUnsigned | C::StatusUnreadable => StatusCode::BAD_GATEWAY,
        C::InternalError | C::Unknown => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<sqlx::Error> for ServiceError {
    fn from(e: sqlx::Error) -> Self {
        ServiceError::internal(format!("database: {e}"))
    }
}

impl From<serde_json::Error> for ServiceError {
    fn from(e: serde_json::Error) -> Self {
        ServiceError::internal(format!("json: {e}"))
    }
}

impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(detail = %self.message, "internal error");
            "Something went wrong on our side. Please try again.".to_owned()
        } else {
            self.message
        };
        let body = ErrorBody { error: ErrorDetail { code: self.code, message, retry_after_s: self.retry_after_s } };
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after_s {
            if let Ok(value) = seconds.to_string().parse() {
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_internal_failures_are_5xx_apart_from_the_platforms() {
        for code in ErrorCode::ALL {
            let status = http_status(*code);
            let upstream = code.as_str().starts_with("gate_") || code.as_str().starts_with("status_") || *code == ErrorCode::SandboxUnavailable;
            assert_eq!(status.is_server_error(), *code == ErrorCode::InternalError || upstream, "{code:?} {status}");
        }
    }
}
