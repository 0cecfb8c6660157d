//! The whole checkout: the current screen, derived from the payment, with the connection notice
//! and the screen reader's announcements beneath it.

use leptos::prelude::*;

use super::cash_in::CashIn;
use super::header::Header;
use super::load_failed::LoadFailed;
use super::loading::loading;
use super::otp_screen::OtpScreen;
use super::payment_page_form::PaymentPageForm;
use super::payout_confirm::PayoutConfirm;
use super::phone_form::PhoneForm;
use super::result::ResultScreen;
use super::waiting::Waiting;
use crate::i18n::{t, Msg};
use checkout_protocol::api::Method;

use crate::state::{use_checkout, use_flight, Screen};

/// The User Timing mark of the first screen the customer can act on (or read, when loading
/// failed): the widget's own, or the one the backend drew into the page (the loader marks that).
pub const FIRST_SCREEN_MARK: &str = "kz-mobile-checkout:first-screen";

/// The User Timing mark of the widget running: its first screen is up and every control acts.
pub const INTERACTIVE_MARK: &str = "kz-mobile-checkout:interactive";

/// The checkout; expects the state in context (`Checkout::provide`).
#[component]
pub fn Checkout() -> impl IntoView {
    let c = use_checkout();
    let flight = use_flight();
    let (screen, open, locale) = (c.screen(), flight.open_payment(), c.ui().locale);
    // Only while a payment is open: a final screen has nothing left to follow.
    let reconnecting = move || (open.with(Option::is_some) && flight.connection_lost()).then(|| t(locale, Msg::Reconnecting));
    // The widget's first screen a customer can act on, marked once in the page's User Timing:
    // what `make bench` reads in every engine, and what a merchant's own real-user monitoring
    // can read. (A first screen the backend drew was marked by the loader, which drew it.)
    Effect::new(move |marked: Option<bool>| {
        if marked == Some(true) {
            return true;
        }
        let acting = !matches!(screen.get(), Screen::Loading);
        if acting {
            if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
                if !c.first_screen_was_drawn() {
                    let _ = performance.mark(FIRST_SCREEN_MARK);
                }
                let _ = performance.mark(INTERACTIVE_MARK);
            }
        }
        acting
    });
    // Drawn by the backend, the root says so: the loader and the widget find it by that, and the
    // stylesheet hides the widget behind it until the hand-over.
    let drawn = (!c.running()).then_some("");
    let test_id = if drawn.is_some() { "first-screen" } else { "checkout" };
    view! {
        <div class="kzc-root" lang=locale.tag() data-testid=test_id data-screen=move || screen.get().name() data-drawn=drawn>
            {move || {
                let shown = screen.get();
                // Each screen is built anew when the customer moves to another one.
                untrack(move || match shown {
                    Screen::Loading => loading(locale).into_any(),
                    Screen::LoadFailed => view! { <LoadFailed /> }.into_any(),
                    Screen::Form => {
                        let own = match c.method() {
                            Method::PaymentPage => view! { <PaymentPageForm /> }.into_any(),
                            Method::CashIn => view! { <CashIn /> }.into_any(),
                            method @ (Method::Payout | Method::Mobile) => view! { <PhoneForm method=method /> }.into_any(),
                        };
                        view! { <Header /> {own} }.into_any()
                    }
                    Screen::PayoutConfirm => view! { <Header /> <PayoutConfirm /> }.into_any(),
                    Screen::Waiting => view! { <Header /> <Waiting /> }.into_any(),
                    Screen::Otp => view! { <Header /> <OtpScreen /> }.into_any(),
                    Screen::Result => view! { <Header /> <ResultScreen /> }.into_any(),
                })
            }}
            <p class="kzc-notice" role="status" data-testid="reconnecting">{reconnecting}</p>
            <p class="kzc-visually-hidden" aria-live="polite" data-testid="announcement">{flight.announcement().words(locale)}</p>
        </div>
    }
}
