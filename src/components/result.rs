//! The outcome: paid, declined, failed, refunded, or the payout's.

use checkout_protocol::api::{PaymentKind, PaymentState};
use checkout_protocol::Amount;
use leptos::html;
use leptos::prelude::*;

use crate::i18n::{t, tf, Msg};
use crate::state::{use_checkout, use_flight};

/// The explanation of a decline code.
fn decline_message(code: Option<&str>) -> Msg {
    match code {
        Some("20105") => Msg::DeclineFunds,
        _ => Msg::DeclineGeneral,
    }
}

/// The result screen; its title takes the focus, so screen readers hear the outcome.
#[component]
pub fn ResultScreen() -> impl IntoView {
    let c = use_checkout();
    let flight = use_flight();
    let locale = c.ui().locale;
    let Some(view) = flight.with_payment_untracked(Clone::clone) else { return ().into_any() };
    let amount = Amount(view.amount).format_kzt(locale);
    let payout = view.kind == PaymentKind::Payout;
    // The Payment Page never tells the widget the phone: then the amount alone.
    let paid = |with_phone: Msg| match &view.phone_masked {
        Some(phone) => tf(locale, with_phone, &[("amount", &amount), ("phone", phone)]),
        None => tf(locale, Msg::SuccessDetailNoPhone, &[("amount", &amount)]),
    };
    let declined = || t(locale, decline_message(view.code.as_deref())).to_owned();
    let (class, title, detail, retry) = match view.state {
        PaymentState::Succeeded if payout => ("kzc-result kzc-success", Msg::PayoutDone, paid(Msg::PayoutDoneDetail), false),
        PaymentState::Declined if payout => ("kzc-result kzc-declined", Msg::PayoutDeclined, declined(), true),
        PaymentState::Succeeded | PaymentState::PartiallyRefunded => ("kzc-result kzc-success", Msg::Success, paid(Msg::SuccessDetail), false),
        PaymentState::Refunded => ("kzc-result", Msg::Refunded, String::new(), false),
        PaymentState::Declined => ("kzc-result kzc-declined", Msg::Declined, declined(), true),
        _ => ("kzc-result kzc-declined", Msg::Failed, t(locale, Msg::FailedDetail).to_owned(), true),
    };
    let heading = NodeRef::<html::H2>::new();
    Effect::new(move |_| {
        if let Some(heading) = heading.get() {
            let _ = heading.focus();
        }
    });
    let again = retry.then(|| {
        view! { <button type="button" class="kzc-primary" data-testid="try-again" on:click=move |_| c.try_again()>{t(locale, Msg::TryAgain)}</button> }
    });
    view! {
        <section class=class data-testid="result" data-state=view.state.name()>
            <h2 class="kzc-title" tabindex="-1" node_ref=heading>{t(locale, title)}</h2>
            <p data-testid="result-detail">{detail}</p>
            {again}
        </section>
    }
    .into_any()
}
