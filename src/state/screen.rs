//! What the customer sees, derived from the parts, never kept separately: a reload resumes
//! exactly where the customer was.

use checkout_protocol::api::{Method, PaymentState, PaymentView, SessionView};
use leptos::prelude::*;

use super::{Flight, Loaded};
use crate::clock::{parse_time, seconds_until};

/// What the customer sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The session is loading.
    Loading,
    /// The session could not be loaded.
    LoadFailed,
    /// Phone and operator, the Payment Page button, or the cash-in guide (by method).
    Form,
    /// The payout's "send to this number?" step; a form screen to the host page.
    PayoutConfirm,
    /// Waiting for the platform.
    Waiting,
    /// The code from the SMS.
    Otp,
    /// The outcome.
    Result,
}

impl Screen {
    /// The screen's name, for `data-screen` (tests and host-page styling).
    pub const fn name(self) -> &'static str {
        match self {
            Screen::Loading => "loading",
            Screen::LoadFailed => "load-failed",
            Screen::Form | Screen::PayoutConfirm => "form",
            Screen::Waiting => "waiting",
            Screen::Otp => "otp",
            Screen::Result => "result",
        }
    }
}

/// What the widget does: the session's first method (phone and code when it names none).
pub(super) fn method_of(session: Option<&SessionView>) -> Method {
    session.and_then(|s| s.methods.first().copied()).unwrap_or(Method::Mobile)
}

/// What the customer sees, from what the widget knows.
pub(super) fn screen_of(loaded: Loaded, flight: Flight) -> Screen {
    if loaded.error().with(Option::is_some) {
        return Screen::LoadFailed;
    }
    let Some(method) = loaded.session().with(|s| s.as_ref().map(|s| method_of(Some(s)))) else { return Screen::Loading };
    flight.with_payment(|p| match p.as_ref().map(|p| p.state) {
        None if method == Method::Payout && flight.confirming_payout() => Screen::PayoutConfirm,
        None => Screen::Form,
        Some(PaymentState::Processing) => Screen::Waiting,
        Some(PaymentState::AwaitingOtp) => Screen::Otp,
        Some(_) => Screen::Result,
    })
}

/// Whole seconds left on the payment's code at `server_now`, if it has one.
pub fn code_seconds_left(payment: Option<&PaymentView>, server_now: f64) -> Option<u64> {
    let deadline = payment?.otp_expires_at.as_deref().and_then(parse_time)?;
    Some(seconds_until(deadline, server_now))
}

/// Whether a new code can be asked for at `server_now`.
pub fn resend_open(payment: Option<&PaymentView>, server_now: f64) -> bool {
    payment
        .is_some_and(|p| p.resends_left.unwrap_or(0) > 0 && p.resend_available_at.as_deref().and_then(parse_time).is_some_and(|at| server_now >= at))
}
