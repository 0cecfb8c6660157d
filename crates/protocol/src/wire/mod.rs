//! Serde types for every message of the platform this project exchanges (seeds and
//! `platform.md` §3–§7): Gate requests and their synchronous answers, callbacks, the cash-in web
//! service's requests and answers, and the Payment Page's `EPayWidget.run` parameters.
//!
//! Received messages are parsed tolerantly: optional fields are `Option`, unknown fields are kept
//! in `extra` maps so nothing is lost when a message is stored or forwarded.

mod callback;
mod cash_in;
mod gate;
mod payment_page;

pub use callback::{Callback, CallbackAccount, CallbackAck, CallbackOperation, CallbackPayment, Provider, StatusText};
pub use cash_in::{CashInAnswer, CashInCode, CashInError, CashInRequest, TerminalPayment, KASSA24};
pub use gate::{
    AcceptedResponse, Account, ApprovalCodeField, ClarificationData, ClarificationRequest, CustomerIp, ErrorResponse, FieldError, GateAnswer,
    General, MobilePaymentRequest, OperatorEntry, OperatorListRequest, OperatorListResponse, Payment, RefundPayment, RefundRequest, ResendRequest,
    SaleCustomer, StatusRequest,
};
pub use payment_page::{MobileServiceOptions, PaymentPageParams, FORCE_MOBILE};

use serde::{Deserialize, Serialize};

/// An amount with its currency, as callbacks write it: `{"amount": 100000, "currency": "KZT"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sum {
    /// Minor units.
    pub amount: u64,
    /// ISO 4217 alpha-3.
    pub currency: String,
}

/// Text the platform sometimes writes as a JSON string and sometimes as a number (`"code": "0"`).
/// It is kept as received, so a stored message re-serialises byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TextOrNumber {
    /// As a JSON string.
    Text(String),
    /// As a JSON number, with its lexeme.
    Number(serde_json::Number),
}

impl TextOrNumber {
    /// The value as text, whichever way it was written.
    pub fn as_text(&self) -> String {
        match self {
            TextOrNumber::Text(s) => s.clone(),
            TextOrNumber::Number(n) => n.to_string(),
        }
    }
}

impl From<&str> for TextOrNumber {
    fn from(value: &str) -> Self {
        TextOrNumber::Text(value.to_owned())
    }
}
