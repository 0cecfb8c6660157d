//! The widget API: every message the widget and the merchant backend exchange, typed once. The
//! backend answers with these types (and generates its OpenAPI document from them, feature
//! `openapi`); the widget decodes them with `serde-wasm-bindgen`. Only serde derives: the widget's
//! bundle carries no JSON library of its own.
//!
//! Routes (all under the merchant backend's origin):
//!
//! | route | request | answer |
//! |---|---|---|
//! | `GET /api/sessions/{session}` | | [`SessionView`] |
//! | `POST /api/sessions/{session}/mobile-payments` | [`MobilePaymentRequest`] | [`PaymentView`] |
//! | `POST /api/sessions/{session}/payouts` | [`MobilePaymentRequest`] | [`PaymentView`] |
//! | `POST /api/sessions/{session}/payment-page` | [`PaymentPageRequest`] | [`PaymentPageView`] |
//! | `POST /api/sessions/{session}/payment-page/closed` | | [`PaymentView`] |
//! | `GET /api/sessions/{session}/payments/{payment_id}` | | [`PaymentView`] |
//! | `GET /api/sessions/{session}/payments/{payment_id}/events` | | SSE `payment` events, each a [`PaymentView`] |
//! | `POST /api/sessions/{session}/payments/{payment_id}/otp` | [`OtpRequest`] | [`PaymentView`] |
//! | `POST /api/sessions/{session}/payments/{payment_id}/resend` | | [`PaymentView`] |
//!
//! A payment is always named with its session: knowing a payment id alone reads nothing and
//! submits nothing. Every error answer is an [`ErrorBody`].

use serde::{Deserialize, Serialize};

pub use crate::state::{OtpError, PaymentKind};

/// What a checkout session allows; the first decides what the widget shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Phone and OTP in the widget, through Gate.
    Mobile,
    /// The platform's hosted Payment Page through `EPayWidget`.
    PaymentPage,
    /// Cash at a Kassa24 terminal.
    CashIn,
    /// Money sent to the customer's phone.
    Payout,
}

/// Where a payment stands, as the customer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    /// Sent to the platform; waiting for its word.
    Processing,
    /// The operator texted a code; the customer types it.
    AwaitingOtp,
    /// Paid (or, for a payout, sent).
    Succeeded,
    /// The platform or the operator said no.
    Declined,
    /// It could not be carried out (or, with code `abandoned`, a Payment Page left unpaid).
    Failed,
    /// Paid, then returned in full.
    Refunded,
    /// Paid, then part returned.
    PartiallyRefunded,
}

impl PaymentState {
    /// Whether the payment can no longer change for the customer.
    pub const fn is_final(self) -> bool {
        !matches!(self, PaymentState::Processing | PaymentState::AwaitingOtp)
    }

    /// The snake_case name, as sent.
    pub const fn name(self) -> &'static str {
        match self {
            PaymentState::Processing => "processing",
            PaymentState::AwaitingOtp => "awaiting_otp",
            PaymentState::Succeeded => "succeeded",
            PaymentState::Declined => "declined",
            PaymentState::Failed => "failed",
            PaymentState::Refunded => "refunded",
            PaymentState::PartiallyRefunded => "partially_refunded",
        }
    }
}

/// A payment as the widget sees it: `state` and, beside it, that state's details (present only
/// in the states named on each).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentView {
    /// The payment id (also the platform's).
    pub payment_id: String,
    /// What kind of money movement it is.
    pub kind: PaymentKind,
    /// Where it stands.
    pub state: PaymentState,
    /// Minor units.
    pub amount: u64,
    /// ISO 4217.
    pub currency: String,
    /// The phone, masked: `+7 701 ••• •• 67`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_masked: Option<String>,
    /// The operator the customer chose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// `awaiting_otp`: when the current code expires (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp_expires_at: Option<String>,
    /// `awaiting_otp`: new codes the customer may still ask for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resends_left: Option<u8>,
    /// `awaiting_otp`: when "send a new code" becomes available (absent when none are left).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resend_available_at: Option<String>,
    /// `awaiting_otp`: which attempt the next code is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    /// `awaiting_otp`: why the customer is asked again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<OtpError>,
    /// `declined` / `failed`: the platform's code (or `not_sent`, `abandoned`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// `declined` / `failed`: the platform's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `partially_refunded`: how much was returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded_amount: Option<u64>,
    /// The server's clock when this was written (RFC 3339), so the widget can correct for its own.
    pub server_time: String,
    /// Bumped on every change; a view with a lower version than one already seen is stale.
    pub version: i64,
}

impl PaymentView {
    /// A view in `state` with none of the states' details; set those that apply.
    pub fn new(payment_id: String, kind: PaymentKind, state: PaymentState, amount: u64, currency: String, server_time: String, version: i64) -> Self {
        PaymentView {
            payment_id,
            kind,
            state,
            amount,
            currency,
            phone_masked: None,
            operator: None,
            otp_expires_at: None,
            resends_left: None,
            resend_available_at: None,
            attempt: None,
            last_error: None,
            code: None,
            message: None,
            refunded_amount: None,
            server_time,
            version,
        }
    }

    /// The backend's own conclusion, when the payment failed by one (never sent, or a Payment
    /// Page abandoned) rather than by the platform's word.
    pub fn conclusion(&self) -> Option<crate::Conclusion> {
        if self.state != PaymentState::Failed {
            return None;
        }
        self.code.as_deref().and_then(crate::Conclusion::from_code)
    }
}

/// An operator the widget can offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OperatorView {
    /// The platform's id (`TELE2`).
    pub id: String,
    /// Display name.
    pub name: String,
}

/// Cash-in limits in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Limits {
    /// Smallest deposit.
    pub min: u64,
    /// Largest deposit.
    pub max: u64,
}

/// A checkout session as the widget loads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionView {
    /// The session token.
    pub session: String,
    /// Minor units.
    pub amount: u64,
    /// ISO 4217.
    pub currency: String,
    /// The shop's name.
    pub merchant_name: String,
    /// What is being paid for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Allowed methods; the first decides what the widget shows.
    pub methods: Vec<Method>,
    /// Operators for this session's operation.
    pub operators: Vec<OperatorView>,
    /// True when the platform could not be asked and the seeds' list is shown instead.
    #[serde(default)]
    pub operators_fallback: bool,
    /// Locale hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The account number to type at a terminal (cash-in sessions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash_in_account: Option<String>,
    /// Terminal limits (cash-in sessions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash_in_limits: Option<Limits>,
    /// The payment the widget follows, if one was started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentView>,
    /// Cash deposits made for this session, oldest first.
    #[serde(default)]
    pub deposits: Vec<PaymentView>,
}

/// `GET /api/sessions/{session}?first_screen=<locale>`: the session with its first screen drawn
/// by the backend, for the loader to show before the wasm runs. The widget reads only the
/// session; `first_screen_html` is absent when that screen is not the phone form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionWithFirstScreen {
    /// The session, exactly as without the query.
    #[serde(flatten)]
    pub session: SessionView,
    /// The phone form as the widget draws it first, in the asked locale: escaped HTML, no
    /// script or style, to put inside `<kz-mobile-checkout>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_screen_html: Option<String>,
}

/// `POST …/mobile-payments` and `POST …/payouts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MobilePaymentRequest {
    /// The operator's id (`TELE2`).
    pub operator: String,
    /// The phone in any usual form (`+7 707 123 45 67`, `8 707…`).
    pub phone: String,
}

/// `POST …/payments/{payment_id}/otp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OtpRequest {
    /// The code from the SMS; spaces and dashes are ignored.
    pub code: String,
    /// The payment's `attempt` this code answers, as the client last saw it. A copy of the
    /// request that arrives once that attempt was sent (a retry, a second tab) is refused
    /// `otp_already_submitted` rather than sent again as the next try. Without it, the code
    /// answers whichever attempt is next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
}

/// `POST …/payment-page`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentPageRequest {
    /// The operator to enforce on the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// The page's language (`kk`, `ru`, `en`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// Signed `EPayWidget.run` parameters and where to load the script. `Params` is the backend's
/// `wire::PaymentPageParams`; the widget reads them as an opaque value, so what reaches
/// `EPayWidget.run` is exactly what was signed, never a re-encoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentPageView<Params> {
    /// The payment the page will run.
    pub payment_id: String,
    /// The brand's `merchant.js`.
    pub script_url: String,
    /// Pass as the first argument of `EPayWidget.run` (add the `on…` handlers in the browser).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub params: Params,
}

/// Every error answer: `{"error": {"code", "message", "retry_after_s"?}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The error of an [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// The stable code clients match on.
    pub code: ErrorCode,
    /// English text for developers; the widget shows its own text for the code.
    pub message: String,
    /// Seconds until a retry can work, when that is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u64>,
}

/// Declares [`ErrorCode`] with its snake_case names in one place. Serde (and so the OpenAPI
/// document) derives each name from the variant; a unit test holds `as_str` to the same names.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// Every stable error code of the backend's answers. Codes are only ever added; a client
        /// that meets one it does not know reads it as [`ErrorCode::Unknown`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
            /// A code newer than this client.
            Unknown,
        }

        impl ErrorCode {
            /// Every code, for documentation and tests.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The snake_case name, as sent.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)*
                    ErrorCode::Unknown => "unknown",
                }
            }

            /// The code a name sent stands for; [`ErrorCode::Unknown`] for one newer than this client.
            pub fn from_name(name: &str) -> ErrorCode {
                ErrorCode::ALL.iter().copied().find(|code| code.as_str() == name).unwrap_or(ErrorCode::Unknown)
            }
        }

        /// Read by its name through the one table [`ErrorCode::as_str`] also writes from: a code
        /// this client does not know is [`ErrorCode::Unknown`], never an error. (Serde's derive
        /// would compile a second table and an enum visitor into every client, the widget among them.)
        impl<'de> Deserialize<'de> for ErrorCode {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<ErrorCode, D::Error> {
                let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(ErrorCode::from_name(&name))
            }
        }
    };
}

error_codes! {
    /// The body is not JSON of the expected shape.
    InvalidJson = "invalid_json",
    /// The body is larger than the backend accepts.
    BodyTooLarge = "body_too_large",
    /// The body is not sent as `application/json`.
    ContentType = "content_type",
    /// A path segment is not valid percent-encoded UTF-8.
    InvalidPath = "invalid_path",
    /// The query string does not read as the endpoint's parameters.
    InvalidQuery = "invalid_query",
    /// The request's URI is longer than the backend reads.
    UriTooLong = "uri_too_long",
    /// The endpoint exists, but not for this HTTP method.
    HttpMethodNotAllowed = "http_method_not_allowed",
    /// Too many requests from this address for now (`retry_after_s`).
    TooManyRequests = "too_many_requests",
    /// No such endpoint.
    NotFound = "not_found",
    /// The session token is unknown.
    SessionNotFound = "session_not_found",
    /// No such payment in this session.
    PaymentNotFound = "payment_not_found",
    /// The session does not allow this method.
    MethodNotAllowed = "method_not_allowed",
    /// The session is paid already.
    AlreadyPaid = "already_paid",
    /// Another payment of this session is running.
    PaymentInProgress = "payment_in_progress",
    /// The operator is not one the platform offers.
    OperatorUnknown = "operator_unknown",
    /// Phone: nothing typed.
    PhoneEmpty = "phone_empty",
    /// Phone: a character that is not part of a number.
    PhoneInvalidCharacter = "phone_invalid_character",
    /// Phone: too few digits.
    PhoneTooShort = "phone_too_short",
    /// Phone: too many digits.
    PhoneTooLong = "phone_too_long",
    /// Phone: a Russian number.
    PhoneRussian = "phone_russian",
    /// Phone: a Kazakhstan number, but not a mobile one.
    PhoneNotKzMobile = "phone_not_kz_mobile",
    /// Phone: another country's number.
    PhoneForeign = "phone_foreign",
    /// The code is not 4 to 8 digits.
    OtpInvalid = "otp_invalid",
    /// The payment is not waiting for a code.
    NotAwaitingOtp = "not_awaiting_otp",
    /// A code of this attempt was sent already (and is being checked, or was answered).
    OtpAlreadySubmitted = "otp_already_submitted",
    /// Every try of the current code is used: ask for a new code (`retry_after_s` until that is possible).
    OtpAttemptsExhausted = "otp_attempts_exhausted",
    /// A new code can be asked for only later (`retry_after_s`).
    ResendTooEarly = "resend_too_early",
    /// All new codes have been sent.
    ResendLimit = "resend_limit",
    /// A new code is being asked for already.
    ResendInProgress = "resend_in_progress",
    /// The platform refused the request.
    GateRejected = "gate_rejected",
    /// The platform could not be reached.
    GateUnavailable = "gate_unavailable",
    /// The sandbox could not be reached (demo shop).
    SandboxUnavailable = "sandbox_unavailable",
    /// The sandbox's terminal refused the simulated payment (demo shop).
    TerminalRefused = "terminal_refused",
    /// Admin API: the amount is not acceptable.
    AmountInvalid = "amount_invalid",
    /// Admin API: the currency is not KZT.
    CurrencyUnsupported = "currency_unsupported",
    /// Admin API: the customer is incomplete.
    CustomerInvalid = "customer_invalid",
    /// Admin API: the methods are not acceptable.
    MethodsInvalid = "methods_invalid",
    /// Admin API: the session's `reference` (the shop's order id) is empty or too long.
    ReferenceInvalid = "reference_invalid",
    /// Admin API: the session's `metadata` has too many keys, or one too long or not a string.
    MetadataInvalid = "metadata_invalid",
    /// The first screen was asked for in a language other than `kk`, `ru` or `en`.
    LocaleUnsupported = "locale_unsupported",
    /// The session's first screen is not the phone form (a Payment Page or cash-in session, a
    /// payment under way or over): the backend draws none, the widget draws its own.
    NoFirstScreen = "no_first_screen",
    /// Admin API: the `Idempotency-Key` header is not 1 to 255 printable ASCII characters.
    IdempotencyKeyInvalid = "idempotency_key_invalid",
    /// Admin API: the `Idempotency-Key` was used for another request (another body or path).
    IdempotencyKeyReused = "idempotency_key_reused",
    /// Admin API: the first request with this `Idempotency-Key` is still running (`retry_after_s`).
    IdempotencyInProgress = "idempotency_in_progress",
    /// Admin API: no webhook event with this id.
    EventNotFound = "event_not_found",
    /// Admin API: no or a wrong key.
    Unauthorized = "unauthorized",
    /// Admin API: not configured on this server.
    AdminDisabled = "admin_disabled",
    /// A status answer of the platform carried no valid signature.
    StatusUnsigned = "status_unsigned",
    /// A status answer of the platform could not be read.
    StatusUnreadable = "status_unreadable",
    /// Admin API: the payment cannot be refunded in its state.
    NotRefundable = "not_refundable",
    /// Admin API: more than what is left to refund.
    RefundExceedsPayment = "refund_exceeds_payment",
    /// Callbacks: the body could not be read.
    BodyRejected = "body_rejected",
    /// Callbacks: the signature is missing or wrong.
    InvalidSignature = "invalid_signature",
    /// Callbacks: signed, but not a callback of the expected shape.
    InvalidCallback = "invalid_callback",
    /// Callbacks: for another project.
    WrongProject = "wrong_project",
    /// Something failed on the backend's side.
    InternalError = "internal_error",
}

impl From<&crate::PhoneError> for ErrorCode {
    fn from(error: &crate::PhoneError) -> Self {
        use crate::PhoneError;
        match error {
            PhoneError::Empty => ErrorCode::PhoneEmpty,
            PhoneError::InvalidCharacter(_) => ErrorCode::PhoneInvalidCharacter,
            PhoneError::TooShort => ErrorCode::PhoneTooShort,
            PhoneError::TooLong => ErrorCode::PhoneTooLong,
            PhoneError::Russian => ErrorCode::PhoneRussian,
            PhoneError::NotKazakhMobile => ErrorCode::PhoneNotKzMobile,
            PhoneError::Foreign => ErrorCode::PhoneForeign,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_read_and_write_as_their_names_and_unknown_codes_do_not_fail() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), *code);
        }
        assert_eq!(serde_json::from_str::<ErrorCode>("\"from_the_future\"").unwrap(), ErrorCode::Unknown);
    }

    #[test]
    fn every_phone_error_has_the_code_its_own_text_names() {
        use crate::PhoneError;
        for error in [
            PhoneError::Empty,
            PhoneError::InvalidCharacter('x'),
            PhoneError::TooShort,
            PhoneError::TooLong,
            PhoneError::Russian,
            PhoneError::NotKazakhMobile,
            PhoneError::Foreign,
        ] {
            assert_eq!(ErrorCode::from(&error).as_str(), error.code());
        }
    }
}
