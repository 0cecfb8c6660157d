//! The code field: digits only, submitted by itself at six, filled in from the SMS where the
//! browser offers WebOTP, and focused at each new prompt.

use checkout_protocol::api::PaymentState;
use leptos::prelude::*;

use super::aria;
use crate::i18n::{t, Msg};
use crate::state::{use_actions, use_checkout, use_flight, OTP_LENGTH};
use crate::web_otp;

/// The field with its label; `id` is the input's, `described_by` the ids of the texts about it.
/// A part of the code screen's view, not a component of its own (a component boundary costs the
/// bundle bytes, and this one has no props worth a builder).
pub fn code_field(id: String, described_by: String) -> impl IntoView {
    let (c, actions) = (use_checkout(), use_actions());
    let flight = use_flight();
    let input = NodeRef::<leptos::html::Input>::new();
    // Each prompt (the first, after a wrong code, after a new code) puts the focus in the field
    // (whose code `Checkout::accept` has emptied).
    let prompt = Memo::new(move |_| {
        flight.with_payment(|p| p.as_ref().filter(|p| p.state == PaymentState::AwaitingOtp).map(|p| (p.attempt, p.otp_expires_at.clone())))
    });
    Effect::new(move |_| {
        prompt.track();
        if let Some(field) = input.get() {
            let _ = field.focus();
        }
    });
    // The browser reads the code from the SMS itself where it can (WebOTP); stopped with the screen.
    let listening = web_otp::listen(move |code| {
        if !c.alive() {
            return;
        }
        c.code_filled(code.clone());
        actions.submit_code(&code);
    });
    on_cleanup(move || drop(listening));

    let on_input = move |ev: leptos::ev::Event| {
        let field: web_sys::HtmlInputElement = event_target(&ev);
        let digits: String = field.value().chars().filter(char::is_ascii_digit).collect();
        // A stray character is dropped from the field at once, also when the digits (and so the
        // bound value) did not change.
        if digits != field.value() {
            field.set_value(&digits);
        }
        c.code_typed(digits.clone());
        if digits.len() == OTP_LENGTH {
            actions.submit_code(&digits);
        }
    };
    view! {
        <div class="kzc-field">
            <label for=id.clone()>{t(c.ui().locale, Msg::OtpLabel)}</label>
            <input
                node_ref=input
                prop:value=move || flight.code()
                id=id
                class="kzc-otp-input"
                type="text"
                inputmode="numeric"
                autocomplete="one-time-code"
                dir="ltr"
                maxlength="16"
                data-testid="otp"
                aria-describedby=described_by
                aria-invalid=move || aria(flight.otp_error().is_some())
                on:change=|ev| ev.stop_propagation()
                on:input=on_input
            />
        </div>
    }
}
