//! The text of a failed call, by the customer's step and the contract's error code, and next to
//! which field it is shown; the host page hears of every failure too.

use checkout_protocol::host_event::{ErrorDetail, ErrorStage, HostEvent};
use leptos::prelude::*;

use super::Checkout;
use crate::api::ApiError;
use crate::i18n::{Msg, Text};

/// The customer's step a backend call belongs to: it decides the text of a failure and the host
/// page's `error` stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Loading the session.
    Load,
    /// Asking for a code (starting a payment by phone).
    Start,
    /// Sending a payout.
    Payout,
    /// Submitting a code.
    Code,
    /// Asking for a new code.
    Resend,
    /// Opening the Payment Page.
    PaymentPage,
}

impl Step {
    /// Every step, for tests.
    pub const ALL: [Step; 6] = [Step::Load, Step::Start, Step::Payout, Step::Code, Step::Resend, Step::PaymentPage];

    /// The host page's name for it.
    pub const fn stage(self) -> ErrorStage {
        match self {
            Step::Load => ErrorStage::Load,
            Step::Start => ErrorStage::Start,
            Step::Payout => ErrorStage::Payout,
            Step::Code | Step::Resend => ErrorStage::Otp,
            Step::PaymentPage => ErrorStage::PaymentPage,
        }
    }

    /// What failed, when the reason is one this widget does not know (a newer backend's code).
    const fn failed(self) -> Msg {
        match self {
            Step::Load => Msg::LoadFailed,
            Step::Start => Msg::StartFailed,
            Step::Payout => Msg::PayoutFailed,
            Step::Code => Msg::CodeFailed,
            Step::Resend => Msg::ResendFailed,
            Step::PaymentPage => Msg::PpLoadFailed,
        }
    }
}

/// The text for a failed call at `step`. Every code of the contract is named here, with no
/// wildcard: a code added to `ErrorCode` does not compile until it has its text. Codes only the
/// shop's own side can get (its administration, the platform's callbacks, the terminals) share
/// one text, since reaching a customer means the shop's set-up is wrong.
pub fn error_message(step: Step, error: &ApiError) -> Msg {
    use checkout_protocol::api::ErrorCode as C;
    let code = match error {
        ApiError::Transport(_) => return Msg::NetworkError,
        ApiError::Decode(_) => return Msg::ErrUnexpectedAnswer,
        ApiError::Api { code, .. } => *code,
    };
    match code {
        C::InvalidJson
        | C::BodyTooLarge
        | C::ContentType
        | C::InvalidPath
        | C::InvalidQuery
        | C::UriTooLong
        | C::HttpMethodNotAllowed
        | C::NotFound
        | C::LocaleUnsupported
        | C::BodyRejected => Msg::ErrRequestRefused,
        C::TooManyRequests => Msg::TooManyRequests,
        C::SessionNotFound => Msg::SessionNotFound,
        C::PaymentNotFound => Msg::ErrPaymentNotFound,
        C::MethodNotAllowed => Msg::ErrMethodNotAllowed,
        C::AlreadyPaid => Msg::ErrAlreadyPaid,
        C::PaymentInProgress => Msg::ErrPaymentInProgress,
        C::OperatorUnknown => Msg::OperatorRequired,
        C::PhoneEmpty => Msg::PhoneEmpty,
        C::PhoneInvalidCharacter => Msg::PhoneInvalidCharacter,
        C::PhoneTooShort => Msg::PhoneTooShort,
        C::PhoneTooLong => Msg::PhoneTooLong,
        C::PhoneRussian => Msg::PhoneRussian,
        C::PhoneNotKzMobile => Msg::PhoneNotKzMobile,
        C::PhoneForeign => Msg::PhoneForeign,
        C::OtpInvalid => Msg::OtpShape,
        C::NotAwaitingOtp => Msg::ErrNotAwaitingOtp,
        C::OtpAlreadySubmitted => Msg::ErrOtpAlreadySubmitted,
        C::OtpAttemptsExhausted => Msg::OtpTriesUsed,
        C::ResendTooEarly => Msg::ErrResendNotYet,
        C::ResendLimit => Msg::OtpExpiredNoneLeft,
        C::ResendInProgress => Msg::ErrResendInProgress,
        C::GateRejected => Msg::ErrGateRejected,
        C::GateUnavailable | C::SandboxUnavailable | C::StatusUnsigned | C::StatusUnreadable => Msg::ErrPlatformUnavailable,
        C::TerminalRefused
        | C::AmountInvalid
        | C::CurrencyUnsupported
        | C::CustomerInvalid
        | C::MethodsInvalid
        | C::ReferenceInvalid
        | C::MetadataInvalid
        | C::IdempotencyKeyInvalid
        | C::IdempotencyKeyReused
        | C::IdempotencyInProgress
        | C::EventNotFound
        | C::NoFirstScreen
        | C::Unauthorized
        | C::AdminDisabled
        | C::NotRefundable
        | C::RefundExceedsPayment
        | C::InvalidSignature
        | C::InvalidCallback
        | C::WrongProject => Msg::ErrShopSetup,
        C::InternalError => Msg::ErrInternal,
        C::Unknown => step.failed(),
    }
}

/// Next to which field a failure of the phone form is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Under the phone field.
    Phone,
    /// Under the operator picker.
    Operator,
    /// Under the form.
    Form,
}

/// Where a failed start (of a payment, a payout or the Payment Page) is shown.
pub fn place_of(error: &ApiError) -> Place {
    use checkout_protocol::api::ErrorCode as C;
    match error {
        ApiError::Api {
            code:
                C::PhoneEmpty | C::PhoneInvalidCharacter | C::PhoneTooShort | C::PhoneTooLong | C::PhoneRussian | C::PhoneNotKzMobile | C::PhoneForeign,
            ..
        } => Place::Phone,
        ApiError::Api { code: C::OperatorUnknown, .. } => Place::Operator,
        _ => Place::Form,
    }
}

impl Checkout {
    /// Tells the host page that a call at `stage` failed, and why.
    pub(super) fn emit_failure(&self, error: &ApiError, stage: ErrorStage) {
        self.emit_error(error.code(), stage, error.detail().to_owned());
    }

    /// Tells the host page that something at `stage` failed, with its stable `code`.
    pub(super) fn emit_error(&self, code: &str, stage: ErrorStage, message: String) {
        self.emit(HostEvent::Error(ErrorDetail { code: Some(code.to_owned()), stage, payment_id: None, message: Some(message) }));
    }

    /// A failed call at `step`: tells the host page, and gives the text to show the customer.
    pub(super) fn failure(&self, error: &ApiError, step: Step) -> Option<Text> {
        use checkout_protocol::api::ErrorCode as C;
        self.emit_failure(error, step.stage());
        match error {
            ApiError::Api { code: C::TooManyRequests, retry_after_s, .. } => {
                let minutes = retry_after_s.unwrap_or(60).div_ceil(60).max(1);
                Some(Text::Filled(Msg::TooManyRequests, vec![("minutes", minutes.to_string())]))
            }
            ApiError::Api { code: C::OtpAttemptsExhausted, retry_after_s: None, .. } => Some(Msg::OtpTriesUsedNoneLeft.into()),
            ApiError::Api { code: C::ResendTooEarly, retry_after_s: Some(seconds), .. } => {
                Some(Text::Filled(Msg::ResendTooEarly, vec![("seconds", seconds.to_string())]))
            }
            _ => Some(error_message(step, error).into()),
        }
    }

    /// Shows a failed start next to the field it concerns.
    pub(super) fn show_start_failure(&self, error: &ApiError, step: Step) {
        let text = self.failure(error, step);
        let form = self.form;
        match place_of(error) {
            Place::Phone => form.phone_error.set(text),
            Place::Operator => form.operator_error.set(text),
            Place::Form => form.form_error.set(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use checkout_protocol::api::ErrorCode;
    use checkout_protocol::Locale;

    use super::*;
    use crate::i18n::t;

    #[test]
    fn every_error_the_contract_names_has_a_text_of_its_own_at_every_step_in_every_language() {
        let api = |code: ErrorCode| ApiError::Api { status: 400, code, message: String::new(), retry_after_s: None };
        let errors: Vec<ApiError> = ErrorCode::ALL
            .iter()
            .map(|code| api(*code))
            .chain([api(ErrorCode::Unknown), ApiError::Transport("offline".into()), ApiError::Decode("not a session".into())])
            .collect();
        for step in Step::ALL {
            for error in &errors {
                let msg = error_message(step, error);
                for locale in [Locale::Kk, Locale::Ru, Locale::En] {
                    let text = t(locale, msg);
                    assert!(!text.trim().is_empty(), "{step:?} {} {locale:?}", error.code());
                    // Placeholders are filled by the callers that know the value.
                    if !matches!(msg, Msg::TooManyRequests) {
                        assert!(!text.contains('{'), "{step:?} {} {locale:?}: {text}", error.code());
                    }
                }
                // "The payment could not be started" only for a start that failed for a reason
                // this widget does not know.
                if msg == Msg::StartFailed {
                    assert_eq!((step, error.code()), (Step::Start, "unknown"), "a known reason must say itself");
                }
            }
        }
    }
}
