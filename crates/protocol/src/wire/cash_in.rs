//! Cash-in Kazakhstan (`kassa24` terminals, `platform.md` §7): the platform asks the merchant's web
//! service whether an account exists (`verify`) and for a payment id for a deposit
//! (`check_deposit`), then reports the result by an ordinary callback.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The only `payment_method` of a cash-in.
pub const KASSA24: &str = "kassa24";

/// A request from the platform to the merchant's web service, told apart by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CashInRequest {
    /// Does this account exist?
    Verify {
        /// The project.
        project_id: u64,
        /// The account the customer typed at the terminal: the merchant's customer id.
        customer_id: String,
        /// The request's signature.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
    },
    /// The customer paid in `amount`: which payment id should it have?
    CheckDeposit {
        /// The project.
        project_id: u64,
        /// The account.
        customer_id: String,
        /// Minor units.
        amount: u64,
        /// ISO 4217 alpha-3.
        currency: String,
        /// Always `kassa24`.
        payment_method: String,
        /// The request's signature.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
    },
}

/// The sandbox's simulated Kassa24 terminal (`POST /sandbox/terminal/pay`): a customer pays
/// `amount` into account `customer_id`. Not a platform message: what the demo shop's button
/// sends, so the two sides share it here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalPayment {
    /// The account number typed at the terminal.
    pub customer_id: String,
    /// Minor units inserted.
    pub amount: u64,
    /// The project paid into; the sandbox's first when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<u64>,
}

/// The answer codes of the web service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CashInCode {
    /// `0`: done.
    Success,
    /// `400`: the request's signature is invalid.
    SignatureInvalid,
    /// `404`: no such account.
    AccountNotFound,
    /// `500`: anything else; the reason goes in `errors.message`.
    GeneralError,
}

impl CashInCode {
    /// The number on the wire.
    pub const fn as_u16(self) -> u16 {
        match self {
            CashInCode::Success => 0,
            CashInCode::SignatureInvalid => 400,
            CashInCode::AccountNotFound => 404,
            CashInCode::GeneralError => 500,
        }
    }

    /// The code for a number; `None` for numbers the protocol does not define.
    pub const fn from_u16(code: u16) -> Option<CashInCode> {
        match code {
            0 => Some(CashInCode::Success),
            400 => Some(CashInCode::SignatureInvalid),
            404 => Some(CashInCode::AccountNotFound),
            500 => Some(CashInCode::GeneralError),
            _ => None,
        }
    }
}

impl fmt::Display for CashInCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_u16())
    }
}

impl Serialize for CashInCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u16(self.as_u16())
    }
}

impl<'de> Deserialize<'de> for CashInCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = u16::deserialize(deserializer)?;
        CashInCode::from_u16(code).ok_or_else(|| serde::de::Error::custom(format!("unknown cash-in answer code {code}")))
    }
}

/// `errors` of a `500` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashInError {
    /// The reason.
    pub message: String,
}

/// The web service's answer to either request; which fields are set depends on the request and
/// the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashInAnswer {
    /// `0`, `400`, `404` or `500`.
    pub code: CashInCode,
    /// The account's currency (`verify`, on success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Another id of the account, if the merchant has one (`verify`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_customer_id: Option<String>,
    /// The payment id given to the deposit (`check_deposit`, on success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// A description of the deposit (`check_deposit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The reason of a `500`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<CashInError>,
}

impl CashInAnswer {
    /// `verify` succeeded: the account exists and holds `currency`.
    pub fn verified(currency: &str) -> Self {
        CashInAnswer { currency: Some(currency.to_owned()), ..Self::bare(CashInCode::Success) }
    }

    /// `check_deposit` succeeded: the deposit is `payment_id`.
    pub fn deposit(payment_id: &str, description: Option<&str>) -> Self {
        CashInAnswer { payment_id: Some(payment_id.to_owned()), description: description.map(str::to_owned), ..Self::bare(CashInCode::Success) }
    }

    /// A refusal with `code`; a `500` carries `reason` in `errors.message`.
    pub fn refused(code: CashInCode, reason: &str) -> Self {
        let errors = (code == CashInCode::GeneralError).then(|| CashInError { message: reason.to_owned() });
        CashInAnswer { errors, ..Self::bare(code) }
    }

    fn bare(code: CashInCode) -> Self {
        CashInAnswer { code, currency: None, additional_customer_id: None, payment_id: None, description: None, errors: None }
    }
}
