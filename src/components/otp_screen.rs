//! The code from the SMS: the field (which submits itself at six digits, and fills itself from
//! the SMS where the browser offers WebOTP), the countdown, "send a new code" and, once nothing
//! is left, "try again".

use checkout_protocol::api::PaymentState;
use leptos::prelude::*;

use super::aria;
use super::countdown::Countdown;
use crate::i18n::{resends_left, t, tf, words_of, Msg};
use crate::state::{code_seconds_left, resend_open, use_actions, use_checkout, use_flight, OTP_LENGTH};
use crate::web_otp;

/// The code screen.
#[component]
pub fn OtpScreen() -> impl IntoView {
    let (c, actions) = (use_checkout(), use_actions());
    let flight = use_flight();
    let locale = c.locale;
    let otp_id = format!("kzc-otp-{}", c.uid);
    let (error_id, sent_id) = (format!("{otp_id}-error"), format!("{otp_id}-sent"));
    let phone = flight.payment.with_untracked(|p| p.as_ref().and_then(|p| p.phone_masked.clone())).unwrap_or_default();
    let input = NodeRef::<leptos::html::Input>::new();
    let busy = Memo::new(move |_| actions.send_code.pending().get() || actions.resend.pending().get());
    let left = Memo::new(move |_| {
        let now = c.server_now();
        flight.payment.with(|p| code_seconds_left(p.as_ref(), now)).unwrap_or(0)
    });
    let resends = Memo::new(move |_| flight.payment.with(|p| p.as_ref().and_then(|p| p.resends_left)).unwrap_or(0));
    let can_resend = Memo::new(move |_| {
        let now = c.server_now();
        flight.payment.with(|p| resend_open(p.as_ref(), now))
    });
    // Each prompt (the first, after a wrong code, after a new code) puts the focus in the field
    // (whose code `Checkout::accept` has emptied).
    let prompt = Memo::new(move |_| {
        flight.payment.with(|p| p.as_ref().filter(|p| p.state == PaymentState::AwaitingOtp).map(|p| (p.attempt, p.otp_expires_at.clone())))
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
        flight.code.set(code.clone());
        flight.otp_notice.set(Some(Msg::OtpAutofilled.into()));
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
        flight.code.set(digits.clone());
        if digits.len() == OTP_LENGTH {
            actions.submit_code(&digits);
        }
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        ev.stop_propagation();
        actions.submit_code(&flight.code.get_untracked());
    };
    let expired = move || {
        let shown = left.get() == 0 && flight.otp_error.with(Option::is_none);
        let msg = if resends.get() > 0 { Msg::OtpExpired } else { Msg::OtpExpiredNoneLeft };
        shown.then(|| t(locale, msg))
    };
    view! {
        <section class="kzc-otp" data-testid="otp-screen">
            <h2 class="kzc-title">{t(locale, Msg::OtpTitle)}</h2>
            <p class="kzc-hint" id=sent_id.clone()>{tf(locale, Msg::OtpSentTo, &[("phone", &phone)])}</p>
            <form novalidate=true on:submit=on_submit>
                <div class="kzc-field">
                    <label for=otp_id.clone()>{t(locale, Msg::OtpLabel)}</label>
                    <input
                        node_ref=input
                        prop:value=move || flight.code.get()
                        id=otp_id
                        class="kzc-otp-input"
                        type="text"
                        inputmode="numeric"
                        autocomplete="one-time-code"
                        dir="ltr"
                        maxlength="16"
                        data-testid="otp"
                        aria-describedby=format!("{sent_id} {error_id}")
                        aria-invalid=move || aria(flight.otp_error.with(Option::is_some))
                        on:change=|ev| ev.stop_propagation()
                        on:input=on_input
                    />
                </div>
                <p class="kzc-error" id=error_id role="alert" data-testid="otp-error">{words_of(c.locale, flight.otp_error)}</p>
                <p class="kzc-notice" role="status" data-testid="otp-notice">{words_of(c.locale, flight.otp_notice)}</p>
                <Countdown seconds_left=left />
                <p class="kzc-error" role="alert" data-testid="otp-expired">{expired}</p>
                <button type="submit" class="kzc-primary" data-testid="otp-submit" disabled=move || busy.get()>{t(locale, Msg::OtpSubmit)}</button>
                // Hidden rather than removed: the buttons keep their place and focus order.
                <button
                    type="button"
                    class="kzc-secondary"
                    data-testid="resend"
                    hidden=move || !can_resend.get()
                    disabled=move || busy.get()
                    on:click=move |_| {
                        if !busy.get_untracked() {
                            actions.resend.dispatch(());
                        }
                    }
                >
                    {move || format!("{} · {}", t(locale, Msg::Resend), resends_left(locale, resends.get()))}
                </button>
                <button type="button" class="kzc-secondary" data-testid="start-over" hidden=move || { left.get() > 0 || resends.get() > 0 } on:click=move |_| c.try_again()>
                    {t(locale, Msg::TryAgain)}
                </button>
            </form>
        </section>
    }
}
