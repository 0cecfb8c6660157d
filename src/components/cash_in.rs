//! Cash at a Kassa24 terminal: the steps, the account number to type, the limits, and the
//! deposits as they are credited.

use checkout_protocol::api::PaymentState;
use checkout_protocol::Amount;
use leptos::prelude::*;

use crate::i18n::{t, tf, Msg};
use crate::state::{use_checkout, use_form, use_loaded};

/// The cash-in guide.
#[component]
pub fn CashIn() -> impl IntoView {
    let c = use_checkout();
    let form = use_form();
    let loaded = use_loaded();
    let locale = c.locale;
    let s = loaded.session.get_untracked();
    let merchant = s.as_ref().map(|s| s.merchant_name.clone()).unwrap_or_default();
    let account = s.as_ref().and_then(|s| s.cash_in_account.clone()).unwrap_or_default();
    let limits = s.as_ref().and_then(|s| s.cash_in_limits).unwrap_or_default();
    let total = s.as_ref().map(|s| s.amount).unwrap_or_default();
    let kzt = move |amount: u64| Amount(amount).format_kzt(locale);
    // What the deposits so far make of the session's total: what is left, or paid in full.
    let progress = move || {
        let paid: u64 = loaded.deposits.with(|all| all.iter().filter(|d| d.state == PaymentState::Succeeded).map(|d| d.amount).sum());
        if total > 0 && paid >= total {
            t(locale, Msg::CashPaidInFull).to_owned()
        } else if paid > 0 {
            format!("{} {}", tf(locale, Msg::CashRemaining, &[("amount", &kzt(total - paid))]), t(locale, Msg::CashWaiting))
        } else {
            t(locale, Msg::CashWaiting).to_owned()
        }
    };
    let credited = move || {
        loaded.deposits.with(|all| {
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
                    <button type="button" class="kzc-link" data-testid="copy" on:click=move |_| c.copy_account()>
                        {move || t(locale, if form.copied.get() { Msg::Copied } else { Msg::Copy })}
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
