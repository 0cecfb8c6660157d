//! Cash at a Kassa24 terminal: the steps, the account number to type, the limits, and the
//! deposits as they are credited.

use checkout_protocol::api::PaymentState;
use checkout_protocol::Amount;
use leptos::prelude::*;

use crate::i18n::{t, tf, words_of, Msg, Text};
use crate::state::{use_checkout, use_loaded, Copying};

/// The cash-in guide.
#[component]
pub fn CashIn() -> impl IntoView {
    let c = use_checkout();
    let (loaded, locale) = (use_loaded(), c.ui().locale);
    // What the last copy did: the button says so, and never "Copied" when the browser refused.
    // Kept as a text, like every other thing the widget says.
    let copied = RwSignal::new(None::<Text>);
    let copy = move |_| {
        leptos::task::spawn_local(async move {
            let said = match c.copy_account().await {
                Copying::Copied => Msg::Copied,
                Copying::Failed => Msg::CopyFailed,
            };
            // The widget may be gone by the time the browser answers.
            copied.try_set(Some(said.into()));
        })
    };
    let copy_words = words_of(locale, copied);
    let s = loaded.session().get_untracked();
    let merchant = s.as_ref().map(|s| s.merchant_name.clone()).unwrap_or_default();
    let account = s.as_ref().and_then(|s| s.cash_in_account.clone()).unwrap_or_default();
    let limits = s.as_ref().and_then(|s| s.cash_in_limits).unwrap_or_default();
    let total = s.as_ref().map(|s| s.amount).unwrap_or_default();
    let kzt = move |amount: u64| Amount(amount).format_kzt(locale);
    // What the deposits so far make of the session's total: what is left, or paid in full.
    let progress = move || {
        let paid: u64 = loaded.with_deposits(|all| all.iter().filter(|d| d.state == PaymentState::Succeeded).map(|d| d.amount).sum());
        if total > 0 && paid >= total {
            t(locale, Msg::CashPaidInFull).to_owned()
        } else if paid > 0 {
            format!("{} {}", tf(locale, Msg::CashRemaining, &[("amount", &kzt(total - paid))]), t(locale, Msg::CashWaiting))
        } else {
            t(locale, Msg::CashWaiting).to_owned()
        }
    };
    let credited = move || {
        loaded.with_deposits(|all| {
            all.iter()
                .filter(|d| d.state == PaymentState::Succeeded)
                .map(|d| view! { <li class="kzc-success">{tf(locale, Msg::CashCredited, &[("amount", &kzt(d.amount))])}</li> })
                .collect_view()
        })
    };
    view! {
        <section class="kzc-cash-in" data-testid="cash-in">
            <h2 class="kzc-title">{t(locale, Msg::CashTitle)}</h2>
            <ol class="kzc-steps">
                <li>{t(locale, Msg::CashStepFind)}</li>
                <li>{tf(locale, Msg::CashStepService, &[("merchant", &merchant)])}</li>
                <li>
                    {t(locale, Msg::CashStepAccount)} " "
                    <strong class="kzc-account" dir="ltr" data-testid="cash-account">{account}</strong> " "
                    <button type="button" class="kzc-link" data-testid="copy" on:click=copy>
                        {move || copy_words().unwrap_or_else(|| t(locale, Msg::Copy).to_owned())}
                    </button>
                </li>
                <li data-testid="cash-limits">{tf(locale, Msg::CashStepInsert, &[("min", &kzt(limits.min)), ("max", &kzt(limits.max))])}</li>
                <li>{t(locale, Msg::CashStepReceipt)}</li>
            </ol>
            <ul class="kzc-deposits" aria-live="polite" data-testid="deposits">{credited}</ul>
            <p class="kzc-notice" role="status" data-testid="cash-progress">{progress}</p>
        </section>
    }
}
