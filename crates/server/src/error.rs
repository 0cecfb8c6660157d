//! One error type for every handler: `{"error": {"code": "<stable_snake_case>", "message"}}` with a
//! fitting status. Bad input shows its cause; internal failures show a generic message and log
//! the detail.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use checkout_protocol::api::{ErrorBody, ErrorCode, ErrorDetail};

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable snake_case code clients match on.
    pub code: ErrorCode,
    /// Human text.
    pub message: String,
    /// Seconds until a retry can work (resend too early).
    pub retry_after_s: Option<u64>,
}

impl AppError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError { status, code, message: message.into(), retry_after_s: None }
    }

    /// 400: the request is malformed.
    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 422: the request is well formed but its content is not acceptable.
    pub fn invalid(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 404.
    pub fn not_found(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 409: not now, or not in this state.
    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::CONFLICT, code, message)
    }

    /// 502: the payment platform refused or could not be reached.
    pub fn upstream(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_GATEWAY, code, message)
    }

    /// 500, with the detail kept for the log.
    pub fn internal(detail: impl std::fmt::Display) -> AppError {
        AppError::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::InternalError, detail.to_string())
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::internal(format!("database: {e}"))
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        AppError::internal(format!("json: {e}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let message = if self.status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(detail = %self.message, "internal error");
            "Something went wrong on our side. Please try again.".to_owned()
        } else {
            self.message
        };
        let body = ErrorBody { error: ErrorDetail { code: self.code, message, retry_after_s: self.retry_after_s } };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after_s {
            if let Ok(value) = seconds.to_string().parse() {
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
            }
        }
        response
    }
}
