//! Named test scenarios chosen by the customer's phone number, like a card processor's test cards.
//! Every other valid Kazakhstan mobile number simply succeeds.

/// What the sandbox does with a payment, decided by its phone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// The customer pays.
    Success,
    /// Declined after the right OTP: `20000` General decline.
    GeneralDecline,
    /// Declined after the right OTP: not enough money on the balance.
    InsufficientBalance,
    /// Gate refuses the purchase request itself.
    GateRejects,
    /// The OTP-required callback is delivered twice, the second time after the final callback.
    DuplicateOtpCallback,
    /// The final callback is held back, so only the status request learns the result early.
    DelayedFinalCallback,
    /// No callback is ever delivered; only the status request tells what happened.
    NoCallbacks,
    /// Right after a resend a misleading `decline` callback arrives; the payment goes on and succeeds.
    ResendQuirk,
    /// The purchase succeeds; a refund of it is declined.
    RefundDeclined,
    /// A payout to this phone is declined.
    PayoutDeclined,
}

/// A decline the sandbox reports: the platform's code and message.
pub const GENERAL_DECLINE: (&str, &str) = ("20000", "General decline");
/// **Decision:** the sandbox's code for an empty balance; the platform's own is not public.
pub const INSUFFICIENT_BALANCE: (&str, &str) = ("20105", "Insufficient funds on the mobile balance");

/// The fixed OTPs of the scenario numbers: the first code, then one per resend.
pub const SCENARIO_CODES: [&str; 4] = ["123456", "234567", "345678", "456789"];

impl Scenario {
    /// The scenario of a phone in the platform's form (`77000000001`).
    pub fn for_phone(phone: &str) -> Scenario {
        match phone {
            "77000000001" => Scenario::GeneralDecline,
            "77000000002" => Scenario::InsufficientBalance,
            "77000000003" => Scenario::GateRejects,
            "77000000004" => Scenario::DuplicateOtpCallback,
            "77000000005" => Scenario::DelayedFinalCallback,
            "77000000006" => Scenario::NoCallbacks,
            "77000000007" => Scenario::ResendQuirk,
            "77000000008" => Scenario::RefundDeclined,
            "77000000009" => Scenario::PayoutDeclined,
            _ => Scenario::Success,
        }
    }

    /// Whether the number is one of the documented test numbers, whose OTPs are fixed.
    pub fn has_fixed_codes(phone: &str) -> bool {
        phone.len() == 11 && phone.starts_with("770000000")
    }

    /// The decline after a right OTP, if this scenario declines.
    pub fn decline(self) -> Option<(&'static str, &'static str)> {
        match self {
            Scenario::GeneralDecline => Some(GENERAL_DECLINE),
            Scenario::InsufficientBalance => Some(INSUFFICIENT_BALANCE),
            _ => None,
        }
    }
}
