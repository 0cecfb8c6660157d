//! Waiting for the platform: after the phone, after a code, while the Payment Page is open, or
//! while a payout goes out. The embedded Payment Page opens inside this screen.

use leptos::prelude::*;

use crate::i18n::{t, Msg};
use crate::state::{use_checkout, use_flight, Mode};

/// The spinner and what the customer is waiting for.
#[component]
pub fn Waiting() -> impl IntoView {
    let c = use_checkout();
    let flight = use_flight();
    let mode = c.mode();
    let text = move || {
        let msg = match mode {
            Mode::PaymentPage if flight.page_closed.get() => Msg::PpChecking,
            Mode::PaymentPage => Msg::PpWaiting,
            Mode::Payout => Msg::PayoutWaiting,
            _ if flight.code_sent.get() => Msg::CheckingCode,
            _ => Msg::Waiting,
        };
        t(c.locale, msg)
    };
    view! {
        <section class="kzc-waiting" role="status" data-testid="waiting">
            <span class="kzc-spinner" aria-hidden="true"></span>
            <p>{text}</p>
            <div id=c.page_target() class="kzc-page" data-testid="page-target"></div>
        </section>
    }
}
