//! Waiting for the platform: after the phone, after a code, while the Payment Page is open, or
//! while a payout goes out. The embedded Payment Page opens inside this screen.

use leptos::prelude::*;

use crate::i18n::{t, Msg};
use checkout_protocol::api::Method;

use crate::state::{use_checkout, use_flight, Waiting};

/// The spinner and what the customer is waiting for.
#[component]
pub fn Waiting() -> impl IntoView {
    let c = use_checkout();
    let flight = use_flight();
    let (method, locale) = (c.method(), c.ui().locale);
    let text = move || {
        let msg = match (method, flight.waiting()) {
            (Method::PaymentPage, Waiting::CheckingClosedPage) => Msg::PpChecking,
            (Method::PaymentPage, _) => Msg::PpWaiting,
            (Method::Payout, _) => Msg::PayoutWaiting,
            (_, Waiting::CheckingCode) => Msg::CheckingCode,
            _ => Msg::Waiting,
        };
        t(locale, msg)
    };
    view! {
        <section class="kzc-waiting" role="status" data-testid="waiting">
            <span class="kzc-spinner" aria-hidden="true"></span>
            <p>{text}</p>
            <div id=c.page_target() class="kzc-page" data-testid="page-target"></div>
        </section>
    }
}
