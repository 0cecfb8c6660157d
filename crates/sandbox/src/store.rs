//! The sandbox's memory: payments, their callbacks, and the SMS inbox. Nothing is persisted; a
//! restart forgets everything, as the README says.

use std::collections::{HashMap, VecDeque};

use checkout_protocol::time::Timestamp;
use serde::Serialize;
use serde_json::Value;

use crate::scenario::Scenario;

/// Purchase (Gate or Payment Page), payout or cash-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `/v2/payment/mobile/sale` or the Payment Page.
    Purchase,
    /// `/v2/payment/mobile/payout`.
    Payout,
    /// A Kassa24 terminal deposit.
    CashIn,
}

/// The OTP currently valid for a payment.
#[derive(Debug, Clone, Serialize)]
pub struct Otp {
    /// The code texted to the phone.
    #[serde(skip)]
    pub code: String,
    /// When the "operator" created it.
    pub created_at: Timestamp,
    /// New codes sent so far (0–3).
    pub resends: u8,
}

/// One delivery attempt of a callback.
#[derive(Debug, Clone, Serialize)]
pub struct CallbackAttempt {
    /// Which callback of the payment (1-based, in the order the sandbox created them).
    pub callback: u32,
    /// 1 for the first try, then the retries.
    pub attempt: u32,
    /// When it was made.
    pub at: Timestamp,
    /// Where it went.
    pub url: String,
    /// The HTTP status the merchant answered, if it answered.
    pub http_status: Option<u16>,
    /// The transport error, if it did not.
    pub error: Option<String>,
}

/// A callback the sandbox created for a payment.
#[derive(Debug, Clone, Serialize)]
pub struct CallbackRecord {
    /// 1-based number within the payment.
    pub callback: u32,
    /// The signed body.
    pub body: Value,
    /// Whether the merchant answered 200 to one of the attempts.
    pub delivered: bool,
}

/// A payment as the sandbox sees it.
#[derive(Debug, Clone, Serialize)]
pub struct SandboxPayment {
    /// The merchant's project.
    pub project_id: u64,
    /// The merchant's payment id.
    pub payment_id: String,
    /// What kind of payment.
    pub kind: Kind,
    /// The platform's payment status (`processing`, `awaiting clarification`, `success`, …).
    pub status: PlatformStatus,
    /// The platform's status of the latest operation.
    pub operation_status: PlatformStatus,
    /// The latest operation's code and message, once final.
    pub code: Option<String>,
    /// The code's message.
    pub message: Option<String>,
    /// Minor units of the original amount.
    pub amount: u64,
    /// Minor units not yet refunded.
    pub remaining: u64,
    /// ISO 4217.
    pub currency: String,
    /// The phone (mobile) or the account (cash-in).
    pub account: String,
    /// The operator, for the mobile method.
    pub operator: Option<String>,
    /// The merchant's customer id.
    pub customer_id: String,
    /// The test scenario.
    #[serde(serialize_with = "scenario_name")]
    pub scenario: Scenario,
    /// The current OTP, for purchases.
    pub otp: Option<Otp>,
    /// Codes submitted so far.
    pub otp_attempts: u32,
    /// Where this payment's callbacks go.
    pub callback_url: Option<String>,
    /// The platform's id of the latest operation.
    pub operation_id: u64,
    /// The latest Gate request's id.
    pub request_id: String,
    /// When the payment was created.
    pub created_at: Timestamp,
    /// When the latest request about it was accepted (for the status request's 10 s rule).
    pub last_request_at: Timestamp,
    /// Whether it came through the Payment Page.
    pub via_payment_page: bool,
    /// The first OTP-required callback, kept for the scenario that delivers it again late.
    #[serde(skip)]
    pub first_otp_callback: Option<Value>,
    /// Callbacks created for it.
    pub callbacks: Vec<CallbackRecord>,
    /// Every delivery attempt.
    pub attempts: Vec<CallbackAttempt>,
}

impl SandboxPayment {
    /// A payment the platform just took on: `processing`, nothing texted or called back yet.
    /// Callers set what their kind of payment has beyond that.
    #[allow(clippy::too_many_arguments)] // Each is a fact of the request; a builder would only rename them.
    pub fn new(
        project_id: u64,
        payment_id: &str,
        kind: Kind,
        amount: u64,
        currency: &str,
        account: &str,
        customer_id: &str,
        operation_id: u64,
        request_id: String,
        at: Timestamp,
    ) -> Self {
        SandboxPayment {
            project_id,
            payment_id: payment_id.to_owned(),
            kind,
            status: PlatformStatus::Processing,
            operation_status: PlatformStatus::Processing,
            code: None,
            message: None,
            amount,
            remaining: amount,
            currency: currency.to_owned(),
            account: account.to_owned(),
            operator: None,
            customer_id: customer_id.to_owned(),
            scenario: Scenario::Success,
            otp: None,
            otp_attempts: 0,
            callback_url: None,
            operation_id,
            request_id,
            created_at: at,
            last_request_at: at,
            via_payment_page: false,
            first_otp_callback: None,
            callbacks: Vec::new(),
            attempts: Vec::new(),
        }
    }
}

fn scenario_name<S: serde::Serializer>(scenario: &Scenario, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{scenario:?}"))
}

/// One text message sent to a phone.
#[derive(Debug, Clone, Serialize)]
pub struct Sms {
    /// The phone, `77XXXXXXXXX`.
    pub phone: String,
    /// The full text.
    pub text: String,
    /// The code in it.
    pub code: String,
    /// The payment it is for.
    pub payment_id: String,
    /// When it was sent.
    pub sent_at: Timestamp,
}

/// A payment's or operation's status, as the platform spells it in callbacks (`platform.md` §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PlatformStatus {
    /// Being worked on.
    #[serde(rename = "processing")]
    Processing,
    /// Waiting for the customer's OTP.
    #[serde(rename = "awaiting clarification")]
    AwaitingClarification,
    /// Paid (or paid out, or deposited).
    #[serde(rename = "success")]
    Success,
    /// Declined.
    #[serde(rename = "decline")]
    Decline,
    /// Refunded in full.
    #[serde(rename = "refunded")]
    Refunded,
    /// Part of it refunded.
    #[serde(rename = "partially refunded")]
    PartiallyRefunded,
}

impl PlatformStatus {
    /// The platform's spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            PlatformStatus::Processing => "processing",
            PlatformStatus::AwaitingClarification => "awaiting clarification",
            PlatformStatus::Success => "success",
            PlatformStatus::Decline => "decline",
            PlatformStatus::Refunded => "refunded",
            PlatformStatus::PartiallyRefunded => "partially refunded",
        }
    }
}

/// How many payments, and how many texts, the sandbox remembers: past that the oldest are
/// forgotten (README, "What it does not emulate"), so a long run's memory stays bounded.
pub const REMEMBERED: usize = 10_000;

/// Everything the sandbox remembers, at most `capacity` payments and `capacity` texts.
#[derive(Debug)]
pub struct Store {
    /// Payments by (project, payment id).
    pub payments: HashMap<(u64, String), SandboxPayment>,
    /// The payments' keys, oldest first: which to forget first.
    order: VecDeque<(u64, String)>,
    /// Texts, oldest first.
    pub sms: VecDeque<Sms>,
    /// The next operation id.
    pub next_operation_id: u64,
    capacity: usize,
}

impl Default for Store {
    fn default() -> Self {
        Store::with_capacity(REMEMBERED)
    }
}

impl Store {
    /// A store that remembers at most `capacity` payments and `capacity` texts.
    pub fn with_capacity(capacity: usize) -> Store {
        Store { payments: HashMap::new(), order: VecDeque::new(), sms: VecDeque::new(), next_operation_id: 0, capacity: capacity.max(1) }
    }

    /// Remembers a new payment, forgetting the oldest when the store is full.
    pub fn add_payment(&mut self, payment: SandboxPayment) {
        let key = (payment.project_id, payment.payment_id.clone());
        if self.payments.insert(key.clone(), payment).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.payments.remove(&oldest);
            }
        }
    }

    /// Remembers a text, forgetting the oldest when the store is full.
    pub fn add_text(&mut self, sms: Sms) {
        self.sms.push_back(sms);
        while self.sms.len() > self.capacity {
            self.sms.pop_front();
        }
    }

    /// A fresh operation id.
    pub fn operation_id(&mut self) -> u64 {
        self.next_operation_id += 1;
        self.next_operation_id
    }

    /// A payment by project and id.
    pub fn payment_mut(&mut self, project_id: u64, payment_id: &str) -> Option<&mut SandboxPayment> {
        self.payments.get_mut(&(project_id, payment_id.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payment(id: &str) -> SandboxPayment {
        SandboxPayment::new(1, id, Kind::Purchase, 100, "KZT", "77000000000", "c", 1, "r".into(), Timestamp(0))
    }

    #[test]
    fn the_oldest_payments_and_texts_are_forgotten_past_the_capacity() {
        let mut store = Store::with_capacity(3);
        for n in 0..5 {
            store.add_payment(payment(&format!("p{n}")));
            store.add_text(Sms {
                phone: "77000000000".into(),
                text: format!("t{n}"),
                code: "1".into(),
                payment_id: format!("p{n}"),
                sent_at: Timestamp(n),
            });
        }
        let mut kept: Vec<&str> = store.payments.keys().map(|(_, id)| id.as_str()).collect();
        kept.sort();
        assert_eq!(kept, ["p2", "p3", "p4"]);
        assert_eq!(store.sms.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(), ["t2", "t3", "t4"]);
        // A payment stored again (the same id) is not a new one.
        store.add_payment(payment("p4"));
        assert_eq!(store.payments.len(), 3);
        assert!(store.payment_mut(1, "p2").is_some());
    }
}
