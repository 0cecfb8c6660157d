//! The code from the SMS: the field (`code_field.rs`), the countdown, "send a new code"
//! (`resend_button.rs`) and, once nothing is left, "try again".

use leptos::prelude::*;

use super::code_field::code_field;
use super::countdown::countdown;
use super::resend_button::resend_button;
use crate::i18n::{t, tf, Msg};
use crate::state::{code_seconds_left, use_actions, use_checkout, use_flight};

/// The code screen.
#[component]
pub fn OtpScreen() -> impl IntoView {
    let (c, actions) = (use_checkout(), use_actions());
    let (flight, ui) = (use_flight(), c.ui());
    let locale = ui.locale;
    let otp_id = format!("kzc-otp-{}", ui.uid);
    let (error_id, sent_id) = (format!("{otp_id}-error"), format!("{otp_id}-sent"));
    let phone = flight.with_payment_untracked(|p| p.as_ref().and_then(|p| p.phone_masked.clone())).unwrap_or_default();
    let busy = actions.busy_with_code();
    let left = Memo::new(move |_| {
        let now = c.server_now();
        flight.with_payment(|p| code_seconds_left(p.as_ref(), now)).unwrap_or(0)
    });
    let resends = Memo::new(move |_| flight.with_payment(|p| p.as_ref().and_then(|p| p.resends_left)).unwrap_or(0));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        ev.stop_propagation();
        actions.submit_code(&flight.code());
    };
    let expired = move || {
        let shown = left.get() == 0 && !flight.otp_error().is_some();
        let msg = if resends.get() > 0 { Msg::OtpExpired } else { Msg::OtpExpiredNoneLeft };
        shown.then(|| t(locale, msg))
    };
    view! {
        <section class="kzc-otp" data-testid="otp-screen">
            <h2 class="kzc-title">{t(locale, Msg::OtpTitle)}</h2>
            <p class="kzc-hint" id=sent_id.clone()>{tf(locale, Msg::OtpSentTo, &[("phone", &phone)])}</p>
            <form novalidate=true on:submit=on_submit>
                {code_field(otp_id, format!("{sent_id} {error_id}"))}
                <p class="kzc-error" id=error_id role="alert" data-testid="otp-error">{flight.otp_error().words(locale)}</p>
                <p class="kzc-notice" role="status" data-testid="otp-notice">{flight.otp_notice().words(locale)}</p>
                {countdown(left, locale)}
                <p class="kzc-error" role="alert" data-testid="otp-expired">{expired}</p>
                <button type="submit" class="kzc-primary" data-testid="otp-submit" disabled=move || busy.get()>{t(locale, Msg::OtpSubmit)}</button>
                {resend_button(busy, resends)}
                <button type="button" class="kzc-secondary" data-testid="start-over" hidden=move || { left.get() > 0 || resends.get() > 0 } on:click=move |_| c.try_again()>
                    {t(locale, Msg::TryAgain)}
                </button>
            </form>
        </section>
    }
}
