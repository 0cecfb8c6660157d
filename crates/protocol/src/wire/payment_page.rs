//! The Payment Page parameters passed to `EPayWidget.run` (seeds: "Purchase by using Payment
//! Page"; `platform.md` §6).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `force_payment_method` that skips the method list and opens Mobile Commerce.
pub const FORCE_MOBILE: &str = "mobile";

/// The signed parameter set of `EPayWidget.run(config)`. Values are strings and integers only, so
/// what `merchant.js` sends (after `encodeURIComponent`) is exactly what was signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentPageParams {
    /// The project.
    pub project_id: u64,
    /// The payment, unique within the project.
    pub payment_id: String,
    /// The customer's id.
    pub customer_id: String,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_last_name: Option<String>,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_email: Option<String>,
    /// ISO 4217 alpha-3.
    pub payment_currency: String,
    /// Minor units.
    pub payment_amount: u64,
    /// `mobile`, to open Mobile Commerce directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_payment_method: Option<String>,
    /// [`MobileServiceOptions`] as a JSON string (see there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_methods_options: Option<String>,
    /// Where this payment's callbacks go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_callback_url: Option<String>,
    /// The Payment Page's language (`kk`, `ru`, `en`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_code: Option<String>,
    /// The signature over everything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Other Payment Page parameters.
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub extra: Map<String, Value>,
}

/// `payment_methods_options` for Mobile Commerce: enforce the customer's operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MobileServiceOptions {
    /// `1` to enable enforcing the operator.
    pub enable_mobile_service: u8,
    /// The operator's id (`TELE2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_operator: Option<String>,
}

impl MobileServiceOptions {
    /// Options that enforce `operator`.
    pub fn for_operator(operator: &str) -> Self {
        MobileServiceOptions { enable_mobile_service: 1, selected_operator: Some(operator.to_owned()) }
    }

    /// **Decision** (`platform.md` §6): `merchant.js` passes each value through
    /// `encodeURIComponent`, which would turn an object into `[object Object]`, so the options
    /// travel and are signed as this JSON string: `{"enable_mobile_service":1,"selected_operator":"TELE2"}`.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads the options back from the string a Payment Page received.
    pub fn from_json_str(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }
}
