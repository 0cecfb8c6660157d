//! The first screen drawn by the backend (feature `ssr`): the widget's own components rendered to
//! HTML natively, for the shop's page to carry inside `<kz-mobile-checkout>` (or the loader to
//! draw with the session's first answer), so the customer sees and types into the phone form
//! before the wasm has arrived. When the widget has built its own form, the loader hands over what
//! the customer did there (`handOver` in `www/kz-mobile-checkout-loader.js`).
//!
//! There is no second copy of the markup: this is `<Checkout />` over a checkout only drawn
//! ([`Checkout::drawn`]), which loads nothing and starts nothing. Leptos escapes every text and
//! attribute value, and the markup has no inline script or style.

use checkout_protocol::api::{Method, SessionView};
use checkout_protocol::Locale;
use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;

use crate::components::checkout::Checkout as CheckoutView;
use crate::state::Checkout;

/// The phone form of `session` in `locale`, as the widget would draw it first; `None` when the
/// session's first screen is not the phone form (a Payment Page or cash-in session, a payment
/// under way or finished), which the widget draws as it always has. `uid` numbers the DOM ids;
/// the widget's own count from 0, so a large one keeps both apart while they share the page.
pub fn first_screen_html(session: SessionView, locale: Locale, uid: u32) -> Option<String> {
    // A payment under way or over: the widget resumes it on another screen.
    if session.payment.is_some() {
        return None;
    }
    let owner = Owner::new();
    owner.with(|| {
        // Drawn, a checkout has no payment in flight and no load to fail: its screen is the form
        // of its method, which is the phone form for these two.
        let checkout = Checkout::drawn(session, locale, uid);
        matches!(checkout.method(), Method::Mobile | Method::Payout).then(|| view! { <CheckoutView /> }.to_html())
    })
}
