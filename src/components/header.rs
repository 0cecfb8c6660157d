//! Who is paid (or pays out) and how much: above every screen once the session is loaded.

use checkout_protocol::Amount;
use leptos::prelude::*;

use crate::i18n::{tf, Msg};
use checkout_protocol::api::Method;

use crate::state::{use_checkout, use_loaded};

/// The merchant and the amount.
#[component]
pub fn Header() -> impl IntoView {
    let c = use_checkout();
    let (loaded, locale) = (use_loaded(), c.ui().locale);
    let (merchant, amount) = loaded.session().with_untracked(|s| s.as_ref().map(|s| (s.merchant_name.clone(), s.amount))).unwrap_or_default();
    // A payout is money from the shop, not a payment to it.
    let whose = if c.method() == Method::Payout { Msg::PayoutFrom } else { Msg::PayTo };
    view! {
        <header class="kzc-header">
            <p class="kzc-merchant">{tf(locale, whose, &[("merchant", &merchant)])}</p>
            <p class="kzc-amount" data-testid="amount">{Amount(amount).format_kzt(locale)}</p>
        </header>
    }
}
