//! The payout's "send this amount to this number?" step: nothing is sent before it.

use checkout_protocol::{Amount, KzMobile};
use leptos::html;
use leptos::prelude::*;

use crate::i18n::{t, tf, Msg};
use crate::state::{use_actions, use_checkout, use_form, use_loaded};

/// The confirmation.
#[component]
pub fn PayoutConfirm() -> impl IntoView {
    let (c, actions) = (use_checkout(), use_actions());
    let form = use_form();
    let (loaded, locale) = (use_loaded(), c.ui().locale);
    let amount = loaded.session().with_untracked(|s| s.as_ref().map(|s| Amount(s.amount).format_kzt(locale))).unwrap_or_default();
    let masked = KzMobile::parse(&form.phone_untracked()).map(|p| p.masked()).unwrap_or_default();
    let pending = actions.starting();
    let title = NodeRef::<html::H2>::new();
    Effect::new(move |_| {
        if let Some(title) = title.get() {
            let _ = title.focus();
        }
    });
    view! {
        <section class="kzc-confirm" data-testid="payout-confirm">
            <h2 class="kzc-title" tabindex="-1" node_ref=title>{tf(locale, Msg::PayoutConfirm, &[("amount", &amount), ("phone", &masked)])}</h2>
            <p class="kzc-error" role="alert" data-testid="form-error">{form.form_error().words(locale)}</p>
            <button type="button" class="kzc-primary" data-testid="payout-send" disabled=move || pending.get() on:click=move |_| actions.send_payout()>
                {t(locale, Msg::PayoutSend)}
            </button>
            <button type="button" class="kzc-secondary" data-testid="payout-back" on:click=move |_| c.back_to_form()>
                {t(locale, Msg::Back)}
            </button>
        </section>
    }
}
