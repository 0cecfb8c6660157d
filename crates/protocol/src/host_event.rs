//! The DOM events the widget dispatches on its host element, for the merchant's page: their names
//! and the `detail` of each, typed once. The widget serializes them with serde-wasm-bindgen; the
//! TypeScript declarations (`www/kz-mobile-checkout.d.ts`) are checked against these types by
//! `tests/host_event_declarations.rs`, and the README's events table follows them.
//!
//! In `detail`, a field that may be absent is `Option` skipped when `None` (TypeScript `field?`);
//! a field that is always there but may be `null` is `Option` serialized as `null`.

use serde::Serialize;

use crate::state::OtpError;

/// An event and its `detail`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum HostEvent {
    /// `ready`: the session loaded.
    Ready(ReadyDetail),
    /// `change`: the phone or the operator changed.
    Change(ChangeDetail),
    /// `submit`: the customer asked for the code, opened the Payment Page, or confirmed a payout.
    Submit(SubmitDetail),
    /// `otp-required`: the code screen is shown (again).
    OtpRequired(OtpRequiredDetail),
    /// `success`: paid, a payout sent, or a cash deposit credited.
    Success(SuccessDetail),
    /// `decline`: the operator or the platform declined.
    Decline(DeclineDetail),
    /// `error`: something failed.
    Error(ErrorDetail),
    /// `payment-page`: the hosted Payment Page reported a step.
    PaymentPage(PaymentPageDetail),
}

impl HostEvent {
    /// Every event's name, as dispatched.
    pub const NAMES: [&'static str; 8] = ["ready", "change", "submit", "otp-required", "success", "decline", "error", "payment-page"];

    /// The DOM event's name.
    pub const fn name(&self) -> &'static str {
        match self {
            HostEvent::Ready(_) => "ready",
            HostEvent::Change(_) => "change",
            HostEvent::Submit(_) => "submit",
            HostEvent::OtpRequired(_) => "otp-required",
            HostEvent::Success(_) => "success",
            HostEvent::Decline(_) => "decline",
            HostEvent::Error(_) => "error",
            HostEvent::PaymentPage(_) => "payment-page",
        }
    }
}

/// `ready`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadyDetail {
    /// The shop's name.
    pub merchant_name: String,
    /// Minor units.
    pub amount: u64,
}

/// `change`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeDetail {
    /// Whether the phone typed so far is a whole Kazakhstan mobile number.
    pub phone_complete: bool,
    /// The operator chosen, if any.
    pub operator: Option<String>,
}

/// What a `submit` started, when it is not a code by phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmitMethod {
    /// The hosted Payment Page opened.
    PaymentPage,
    /// A payout was confirmed.
    Payout,
}

/// `submit`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubmitDetail {
    /// The operator.
    pub operator: String,
    /// The phone, masked; absent for the Payment Page, where the customer types it there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_masked: Option<String>,
    /// Absent for a payment by phone and code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<SubmitMethod>,
}

/// `otp-required`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OtpRequiredDetail {
    /// The payment.
    pub payment_id: String,
    /// Which attempt the next code is.
    pub attempt: u32,
    /// New codes the customer may still ask for.
    pub resends_left: u8,
    /// When the code stops being valid (RFC 3339).
    pub otp_expires_at: Option<String>,
    /// Why the code is asked for again.
    pub last_error: Option<OtpError>,
    /// True when the code screen came back for a payment started before this page load.
    pub resumed: bool,
}

/// The kind of money a `success` is about, when it is not the session's payment by phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuccessMethod {
    /// A cash deposit at a terminal was credited.
    CashIn,
}

/// `success`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuccessDetail {
    /// The payment (or deposit).
    pub payment_id: String,
    /// Minor units.
    pub amount: u64,
    /// ISO 4217; absent for a deposit, which is always the session's currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// `cash_in` for a deposit; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<SuccessMethod>,
}

/// `decline`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeclineDetail {
    /// The payment.
    pub payment_id: String,
    /// The platform's code.
    pub code: Option<String>,
    /// The platform's message.
    pub message: Option<String>,
}

/// Where an `error` happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorStage {
    /// Loading the session.
    Load,
    /// Starting a payment.
    Start,
    /// Submitting or asking for a code.
    Otp,
    /// The payment itself failed.
    Payment,
    /// Opening the Payment Page.
    PaymentPage,
    /// Sending a payout.
    Payout,
}

/// `error`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorDetail {
    /// The backend's stable code, or `network`, `unexpected_answer`, `script_load_failed`,
    /// `payment_page_failed`, `load_failed`.
    pub code: Option<String>,
    /// Where it happened.
    pub stage: ErrorStage,
    /// The payment, when a payment failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// For the merchant, never the customer.
    pub message: Option<String>,
}

/// A step the hosted Payment Page reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PageStep {
    /// The page loaded.
    Loaded,
    /// The customer sent the payment.
    PaymentSent,
    /// The page showed a success.
    PaymentSuccess,
    /// The page showed a failure.
    PaymentFail,
    /// The customer closed the page.
    Exit,
}

/// `payment-page`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaymentPageDetail {
    /// What the page reported.
    pub message: PageStep,
}
