//! Gate: the host-to-host JSON API (`platform.md` §3). Every request carries `general` with the
//! project, the payment and, once signed, the signature.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::TextOrNumber;
use crate::otp::ApprovalCode;

/// The `general` object of every Gate request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct General {
    /// The merchant's project.
    pub project_id: u64,
    /// The payment, unique within the project; absent from operator-list requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// Where this payment's callbacks go, instead of the project's setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_callback_url: Option<String>,
    /// The request's signature; absent until signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// `customer` of a purchase or payout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleCustomer {
    /// The customer's id in the merchant's system.
    pub id: String,
    /// The IP address of the customer's device.
    pub ip_address: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: String,
}

/// `account` of a purchase or payout: the phone, digits only with country code (`77011234567`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The phone number.
    pub number: String,
}

/// `payment` of a purchase or payout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Minor units (1000.00 KZT → `100000`).
    pub amount: u64,
    /// ISO 4217 alpha-3.
    pub currency: String,
}

/// `/v2/payment/mobile/sale` and `/v2/payment/mobile/payout`: the two share their shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MobilePaymentRequest {
    /// Project, payment, signature.
    pub general: General,
    /// Who pays (or is paid).
    pub customer: SaleCustomer,
    /// The phone charged (or credited).
    pub account: Account,
    /// How much.
    pub payment: Payment,
}

/// `/v2/info/mobile/{sale|payout}/list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorListRequest {
    /// Project and signature only.
    pub general: General,
}

/// `/v2/payment/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusRequest {
    /// Project, payment, signature.
    pub general: General,
}

/// `/v2/payment/clarification`: the customer's OTP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClarificationRequest {
    /// Project, payment, signature.
    pub general: General,
    /// `{"additional_data": {"approval_code": "123456"}}`: the nesting is the platform's.
    pub additional_data: ClarificationData,
}

/// The outer `additional_data` of a clarification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClarificationData {
    /// The inner `additional_data`.
    pub additional_data: ApprovalCodeField,
}

/// The inner `additional_data` of a clarification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalCodeField {
    /// The OTP the operator texted; reading one applies [`ApprovalCode::parse`].
    pub approval_code: ApprovalCode,
}

impl ClarificationRequest {
    /// A clarification carrying `code` for the payment in `general`.
    pub fn new(general: General, code: ApprovalCode) -> Self {
        ClarificationRequest { general, additional_data: ClarificationData { additional_data: ApprovalCodeField { approval_code: code } } }
    }
}

/// `/v2/customer/action/resend`: a new OTP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResendRequest {
    /// Project, payment, signature.
    pub general: General,
    /// The customer's IP address.
    pub customer: CustomerIp,
}

/// `customer` of a resend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerIp {
    /// The IP address of the customer's device.
    pub ip_address: String,
}

/// `/v2/payment/mobile/refund`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequest {
    /// Project, payment, signature.
    pub general: General,
    /// Amount and currency for a partial refund; a description either way.
    pub payment: RefundPayment,
}

/// `payment` of a refund. Without amount and currency the refund is full.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RefundPayment {
    /// Minor units to return (partial refunds only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<u64>,
    /// ISO 4217 alpha-3 (partial refunds only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// HTTP 200: the request was accepted, not that the payment succeeded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedResponse {
    /// Always `success`.
    pub status: String,
    /// The platform's id of this request.
    pub request_id: String,
    /// The project.
    pub project_id: u64,
    /// The payment the request was about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// Anything else the platform adds.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A non-200 answer: `{"status": "error", "code", "message"}`, perhaps with field errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// Always `error`.
    pub status: String,
    /// The platform's error code.
    pub code: TextOrNumber,
    /// What went wrong.
    pub message: String,
    /// Per-field problems.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// Anything else the platform adds (`request_id`, `project_id`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of `errors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The platform's code for this problem.
    pub code: TextOrNumber,
    /// What is wrong.
    pub message: String,
    /// The field, as a path such as `payment.amount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// More detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A synchronous Gate answer, told apart by its `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateAnswer {
    /// `status: success`.
    Accepted(AcceptedResponse),
    /// `status: error`.
    Rejected(ErrorResponse),
}

impl GateAnswer {
    /// Reads an answer body; `None` when it is neither shape (a proxy's HTML page, say).
    pub fn from_value(value: Value) -> Option<GateAnswer> {
        match value.get("status").and_then(Value::as_str) {
            Some("success") => serde_json::from_value(value).ok().map(GateAnswer::Accepted),
            Some("error") => serde_json::from_value(value).ok().map(GateAnswer::Rejected),
            _ => None,
        }
    }
}

/// One operator of an operator-list answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorEntry {
    /// The platform's id, sent back as `selected_operator` (`TELE2`).
    pub id: String,
    /// A display name, when the platform gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The answer to `/v2/info/mobile/{sale|payout}/list`.
///
/// **Decision:** the seeds do not show this answer. The sandbox answers
/// `{"status": "success", "operators": [{"id": "TELE2", "name": "Tele2"}, …]}`; reading is
/// tolerant of the list sitting under `operators`, `list` or `data` or being the body itself, and of
/// entries that are bare ids or objects naming the id `id`, `code` or `operator`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorListResponse {
    /// `success`.
    pub status: String,
    /// The operators available for the operation.
    pub operators: Vec<OperatorEntry>,
}

impl OperatorListResponse {
    /// The operators of an answer body in any of the shapes above; `None` when there is no list.
    pub fn operators_from(body: &Value) -> Option<Vec<OperatorEntry>> {
        let list = match body {
            Value::Array(items) => items,
            Value::Object(map) => ["operators", "list", "data"].iter().find_map(|k| map.get(*k)?.as_array())?,
            _ => return None,
        };
        let entry = |item: &Value| -> Option<OperatorEntry> {
            match item {
                Value::String(id) => Some(OperatorEntry { id: id.clone(), name: None }),
                Value::Object(map) => {
                    let id = ["id", "code", "operator"].iter().find_map(|k| map.get(*k)?.as_str())?;
                    let name = map.get("name").and_then(Value::as_str).map(str::to_owned);
                    Some(OperatorEntry { id: id.to_owned(), name })
                }
                _ => None,
            }
        };
        Some(list.iter().filter_map(entry).collect())
    }
}
