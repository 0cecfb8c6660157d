//! Callbacks (`platform.md` §4) and the status request's answer, which is shaped like one.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Sum, TextOrNumber};
use crate::money::Amount;
use crate::state::{Event, Outcome};
use crate::time::Timestamp;

/// A callback body. Every part is optional except `payment`, and unknown fields are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Callback {
    /// The project; some callbacks carry it in `general` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<u64>,
    /// The payment as a whole.
    pub payment: CallbackPayment,
    /// The merchant's customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Value>,
    /// The operation this callback reports (sale, refund, payout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<CallbackOperation>,
    /// The phone and operator (`{"number": "77011234567", "type": "TELE2"}`), or the cash-in account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<CallbackAccount>,
    /// What the platform needs submitted, on an `awaiting clarification` callback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clarification_fields: Option<Value>,
    /// The signature, when it sits at the top level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Everything else, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `payment` of a callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackPayment {
    /// The merchant's payment id.
    pub id: String,
    /// `purchase` or `payout`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The payment's status (`success`, `decline`, `awaiting clarification`, `refunded`, …).
    pub status: String,
    /// When the status was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// `mobile` or `kassa24`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The payment's remaining amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum: Option<Sum>,
    /// The merchant's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `operation` of a callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackOperation {
    /// The platform's operation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<TextOrNumber>,
    /// `sale`, `refund` or `payout`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The operation's status.
    pub status: String,
    /// When it finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// When it started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    /// The Gate request that started it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The amount asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum_initial: Option<Sum>,
    /// The amount after conversion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum_converted: Option<Sum>,
    /// `"0"` on success, else the decline or error code (`"20000"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<TextOrNumber>,
    /// The code's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The provider's side of the operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `operation.provider`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provider {
    /// The provider's id on the platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<TextOrNumber>,
    /// The provider's payment id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// The provider's authorisation code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_code: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `account` of a callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackAccount {
    /// The phone (mobile) or the account typed at the terminal (cash-in).
    pub number: String,
    /// The operator's id, for the mobile method.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The platform's statuses, as far as this method's state machine cares (`platform.md` §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusText {
    /// `awaiting clarification`: the OTP is needed.
    AwaitingClarification,
    /// `success`.
    Success,
    /// `refunded` / `partially refunded`.
    Refunded,
    /// `decline`, `cancelled`/`canceled`, `expired`.
    Declined,
    /// `error`, `internal error`, `external error`.
    Failed,
    /// `processing`, `awaiting customer`, and anything unknown: still in progress.
    InProgress,
}

impl StatusText {
    /// Reads a status as the platform spells it.
    pub fn parse(status: &str) -> StatusText {
        match status.trim().to_ascii_lowercase().replace('_', " ").as_str() {
            "awaiting clarification" => StatusText::AwaitingClarification,
            "success" => StatusText::Success,
            "refunded" | "partially refunded" => StatusText::Refunded,
            "decline" | "declined" | "cancelled" | "canceled" | "expired" => StatusText::Declined,
            "error" | "internal error" | "external error" => StatusText::Failed,
            _ => StatusText::InProgress,
        }
    }
}

impl Callback {
    /// Parses a callback from the JSON it arrived as (numbers keep their lexemes).
    pub fn from_value(value: Value) -> Result<Callback, serde_json::Error> {
        serde_json::from_value(value)
    }

    /// The project, at the top level or in `general`.
    pub fn project(&self) -> Option<u64> {
        self.project_id.or_else(|| self.extra.get("general")?.get("project_id")?.as_u64())
    }

    /// The request the callback reports on (`operation.request_id`).
    fn request_id(&self) -> Option<String> {
        self.operation.as_ref()?.request_id.clone()
    }

    fn operation_kind(&self) -> &str {
        self.operation.as_ref().map_or("sale", |op| op.kind.as_str())
    }

    /// The operation's status, else the payment's.
    fn status(&self) -> StatusText {
        let operation = self.operation.as_ref().map(|op| StatusText::parse(&op.status));
        let payment = StatusText::parse(&self.payment.status);
        // Decision (platform.md §4): either status saying "awaiting clarification" means the
        // OTP is required, whatever `clarification_fields` holds.
        if operation == Some(StatusText::AwaitingClarification) || payment == StatusText::AwaitingClarification {
            return StatusText::AwaitingClarification;
        }
        operation.unwrap_or(payment)
    }

    fn outcome(&self, status: StatusText) -> Option<Outcome> {
        let code = || self.operation.as_ref().and_then(|op| op.code.as_ref()).map(TextOrNumber::as_text).unwrap_or_default();
        let message = || self.operation.as_ref().and_then(|op| op.message.clone()).unwrap_or_default();
        match status {
            StatusText::Success | StatusText::Refunded => Some(Outcome::Succeeded),
            StatusText::Declined => Some(Outcome::Declined { code: code(), message: message() }),
            StatusText::Failed => Some(Outcome::Failed { code: code(), message: message() }),
            StatusText::AwaitingClarification | StatusText::InProgress => None,
        }
    }

    /// What this callback means for the payment's state machine, received at `at`; `None` for
    /// callbacks that change nothing (an operation still in progress, a declined refund).
    pub fn to_event(&self, at: Timestamp) -> Option<Event> {
        let status = self.status();
        if self.operation_kind() == "refund" {
            let op = self.operation.as_ref()?;
            if StatusText::parse(&op.status) != StatusText::Success {
                return None;
            }
            let amount = op.sum_initial.as_ref().or(op.sum_converted.as_ref()).map_or(0, |s| s.amount);
            let operation_id = op.id.as_ref().map(TextOrNumber::as_text).or_else(|| op.request_id.clone()).unwrap_or_default();
            return Some(Event::Refunded { operation_id, amount: Amount(amount) });
        }
        if status == StatusText::AwaitingClarification {
            return Some(Event::OtpRequired { at, request_id: self.request_id() });
        }
        self.outcome(status).map(Event::Completed)
    }

    /// What a status-request answer settles: an outcome it confirms, or that the payment is still
    /// in progress (and, when it waits for the OTP, that too).
    pub fn to_confirmation(&self, at: Timestamp) -> Vec<Event> {
        let payment_status = StatusText::parse(&self.payment.status);
        match self.outcome(payment_status) {
            Some(outcome) => vec![Event::Confirmed(outcome)],
            None if self.status() == StatusText::AwaitingClarification => {
                vec![Event::ConfirmedInProgress, Event::OtpRequired { at, request_id: self.request_id() }]
            }
            None => vec![Event::ConfirmedInProgress],
        }
    }
}

/// What the merchant answers a callback it has stored: `{"status": "ok"}`. The platform retries
/// anything but a 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackAck {
    /// `ok`.
    pub status: String,
}

impl CallbackAck {
    /// The acknowledgement.
    pub fn ok() -> Self {
        CallbackAck { status: "ok".into() }
    }
}
