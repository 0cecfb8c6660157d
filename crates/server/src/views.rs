//! What the HTTP API sends and accepts: the serde boundary, with OpenAPI schemas.

use checkout_protocol::money::CASH_IN_LIMITS;
use checkout_protocol::state::{OtpError, PaymentKind, PaymentStatus};
use checkout_protocol::KzMobile;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Method, PaymentRecord, Session};

/// A payment as the widget sees it: `state` and, beside it, that state's details.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct PaymentView {
    /// The payment id (also the platform's).
    pub payment_id: String,
    /// `purchase`, `payout` or `cash_in`.
    pub kind: String,
    /// `processing`, `awaiting_otp`, `succeeded`, `declined`, `failed`, `refunded` or `partially_refunded`.
    pub state: String,
    /// Minor units.
    pub amount: u64,
    /// ISO 4217.
    pub currency: String,
    /// The phone, masked: `+7 701 ••• •• 67`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_masked: Option<String>,
    /// The operator the customer chose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// `awaiting_otp`: when the current code expires (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otp_expires_at: Option<String>,
    /// `awaiting_otp`: new codes the customer may still ask for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resends_left: Option<u8>,
    /// `awaiting_otp`: when "send a new code" becomes available (absent when none are left).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resend_available_at: Option<String>,
    /// `awaiting_otp`: which attempt the next code is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    /// `awaiting_otp`: `wrong_code` or `expired` when the customer is asked again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// `declined` / `failed`: the platform's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// `declined` / `failed`: the platform's message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `partially_refunded`: how much was returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refunded_amount: Option<u64>,
    /// The server's clock when this was written, so the widget can correct for its own.
    pub server_time: String,
    /// Bumped on every change.
    pub version: i64,
}

impl PaymentView {
    /// The view of a stored payment at `now`.
    pub fn of(record: &PaymentRecord, now: checkout_protocol::Timestamp) -> PaymentView {
        let status = record.machine.status();
        let mut view = PaymentView {
            payment_id: record.payment_id.clone(),
            kind: match record.machine.kind {
                PaymentKind::Purchase => "purchase",
                PaymentKind::Payout => "payout",
                PaymentKind::CashIn => "cash_in",
            }
            .into(),
            state: status.name().into(),
            amount: record.machine.amount.0,
            currency: record.currency.clone(),
            phone_masked: record.phone.as_deref().and_then(|p| KzMobile::parse(p).ok()).map(|p| p.masked()),
            operator: record.operator.clone(),
            otp_expires_at: None,
            resends_left: None,
            resend_available_at: None,
            attempt: None,
            last_error: None,
            code: None,
            message: None,
            refunded_amount: None,
            server_time: now.to_rfc3339(),
            version: record.version,
        };
        match status {
            PaymentStatus::AwaitingOtp { otp_expires_at, resends_left, resend_available_at, attempt, last_error } => {
                view.otp_expires_at = Some(otp_expires_at.to_rfc3339());
                view.resends_left = Some(resends_left);
                view.resend_available_at = resend_available_at.map(|t| t.to_rfc3339());
                view.attempt = Some(attempt);
                view.last_error = last_error.map(|e| match e {
                    OtpError::WrongCode => "wrong_code".into(),
                    OtpError::Expired => "expired".into(),
                });
            }
            PaymentStatus::Declined { code, message } | PaymentStatus::Failed { code, message } => {
                view.code = Some(code);
                view.message = Some(message);
            }
            PaymentStatus::PartiallyRefunded { refunded_amount } => view.refunded_amount = Some(refunded_amount.0),
            PaymentStatus::Processing | PaymentStatus::Succeeded | PaymentStatus::Refunded => {}
        }
        view
    }
}

/// An operator the widget can offer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct OperatorView {
    /// The platform's id (`TELE2`).
    pub id: String,
    /// Display name.
    pub name: String,
}

/// Cash-in limits in minor units.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Limits {
    /// Smallest deposit.
    pub min: u64,
    /// Largest deposit.
    pub max: u64,
}

/// A checkout session as the widget loads it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Allowed methods.
    pub methods: Vec<Method>,
    /// Operators for this session's operation.
    pub operators: Vec<OperatorView>,
    /// True when the platform could not be asked and the seeds' list is shown instead.
    pub operators_fallback: bool,
    /// Locale hint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The account number to type at a terminal (cash-in sessions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cash_in_account: Option<String>,
    /// Terminal limits (cash-in sessions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cash_in_limits: Option<Limits>,
    /// The payment the widget follows, if one was started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentView>,
    /// Cash deposits made for this session.
    pub deposits: Vec<PaymentView>,
}

impl SessionView {
    /// Assembles the view.
    pub fn of(
        session: &Session,
        merchant_name: &str,
        operators: (Vec<OperatorView>, bool),
        payment: Option<PaymentView>,
        deposits: Vec<PaymentView>,
    ) -> SessionView {
        let cash_in = session.methods.contains(&Method::CashIn);
        SessionView {
            session: session.token.clone(),
            amount: session.amount,
            currency: session.currency.clone(),
            merchant_name: merchant_name.to_owned(),
            description: session.description.clone(),
            methods: session.methods.clone(),
            operators: operators.0,
            operators_fallback: operators.1,
            locale: session.locale.clone(),
            cash_in_account: cash_in.then(|| session.customer_id.clone()),
            cash_in_limits: cash_in.then_some(Limits { min: CASH_IN_LIMITS.0 .0, max: CASH_IN_LIMITS.1 .0 }),
            payment,
            deposits,
        }
    }
}

/// `POST /api/sessions/{session}/mobile-payments`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MobilePaymentRequest {
    /// The operator's id (`TELE2`).
    pub operator: String,
    /// The phone in any usual form (`+7 707 123 45 67`, `8 707…`).
    pub phone: String,
}

/// `POST /api/payments/{payment_id}/otp`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OtpRequest {
    /// The code from the SMS; spaces and dashes are ignored.
    pub code: String,
}

/// `POST /api/sessions/{session}/payment-page`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct PaymentPageRequest {
    /// The operator to enforce on the page.
    #[serde(default)]
    pub operator: Option<String>,
    /// The page's language (`kk`, `ru`, `en`).
    #[serde(default)]
    pub locale: Option<String>,
}

/// Signed `EPayWidget.run` parameters and where to load the script.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PaymentPageResponse {
    /// The payment the page will run.
    pub payment_id: String,
    /// The brand's `merchant.js`.
    pub script_url: String,
    /// Pass as the first argument of `EPayWidget.run` (add the `on…` handlers in the browser).
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
}

/// The customer part of a session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CustomerInput {
    /// The merchant's id of the customer (also the cash-in account number).
    pub id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: String,
}

/// `POST /admin/sessions`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateSession {
    /// Minor units (1000.00 KZT → 100000).
    pub amount: u64,
    /// `KZT`.
    pub currency: String,
    /// Who pays (or is paid).
    pub customer: CustomerInput,
    /// Allowed methods; defaults to `["mobile"]`.
    #[serde(default)]
    pub methods: Vec<Method>,
    /// Locale hint for the widget.
    #[serde(default)]
    pub locale: Option<String>,
    /// What is being paid for.
    #[serde(default)]
    pub description: Option<String>,
}

/// The answer to `POST /admin/sessions`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionCreated {
    /// Give this to the widget (`<kz-mobile-checkout session="…">`).
    pub session: String,
    /// Minor units.
    pub amount: u64,
    /// ISO 4217.
    pub currency: String,
    /// Allowed methods.
    pub methods: Vec<Method>,
}

/// `POST /admin/payments/{payment_id}/refunds`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct RefundRequest {
    /// Minor units; absent for a full refund of what is left.
    #[serde(default)]
    pub amount: Option<u64>,
    /// Why.
    #[serde(default)]
    pub description: Option<String>,
}

/// `POST /admin/payouts`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PayoutRequest {
    /// Minor units.
    pub amount: u64,
    /// `KZT`.
    pub currency: String,
    /// Who is paid.
    pub customer: CustomerInput,
    /// The phone to credit, any usual form.
    pub phone: String,
    /// The operator's id.
    pub operator: String,
}

/// A payment with its history, for the admin API.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PaymentDetail {
    /// The payment.
    pub payment: PaymentView,
    /// Its session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Every event applied, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<serde_json::Value>,
    /// Every Gate call, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub gate_calls: Vec<serde_json::Value>,
    /// Every callback received.
    #[schema(value_type = Vec<Object>)]
    pub callbacks: Vec<serde_json::Value>,
}
