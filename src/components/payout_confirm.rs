//! The payout's "send this amount to this number?" step: nothing is sent before it.

use checkout_protocol::{Amount, KzMobile};
use leptos::html;
use leptos::prelude::*;

use crate::i18n::{t, tf, words_of, Msg};
use crate::state::{use_actions, use_checkout, use_form, use_loaded};

/// The confirmation.
#[component]
pub fn PayoutConfirm() -> impl IntoView {
    let (c, actions) = (use_checkout(), use_actions());
    let form = use_form();
    let loaded = use_loaded();
    let amount = loaded.session.with_untracked(|s| s.as_ref().map(|s| Amount(s.amount).format_kzt(c.locale))).unwrap_or_default();
    let masked = form.phone.with_untracked(|p| KzMobile::parse(p).map(|p| p.masked()).unwrap_or_default());
    let pending = actions.start.pending();
    let title = NodeRef::<html::H2>::new();
    Effect::new(move |_| {
        if let Some(title) = title.get() {
            let _ = title.focus();
        }
    });
    view! {
        <section class="kzc-confirm" data-testid="payout-confirm">
            <h2 class="kzc-title" tabindex="-1" node_ref=title>{tf(c.locale, Msg::PayoutConfirm, &[("amount", &amount), ("phone", &masked)])}</h2>
            <p class="kzc-error" role="alert" data-testid="form-error">{words_of(c.locale, form.form_error)}</p>
            <button type="button" class="kzc-primary" data-testid="payout-send" disabled=move || pending.get() on:click=move |_| actions.send_payout()>
                {t(c.locale, Msg::PayoutSend)}
            </button>
            <button type="button" class="kzc-secondary" data-testid="payout-back" on:click=move |_| form.payout_confirming.set(false)>
                {t(c.locale, Msg::Back)}
            </button>
        </section>
    }
}
