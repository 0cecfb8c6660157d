//! Phone and operator: the first step of a phone payment or a payout.

use leptos::html;
use leptos::prelude::*;

use super::aria;
use super::operator_picker::OperatorPicker;
use super::phone_field::PhoneField;
use crate::i18n::{t, words_of, Msg};
use crate::state::{use_actions, use_checkout, use_form};

/// The form; `payout` words it for money sent to the customer (no SMS, no code).
#[component]
pub fn PhoneForm(payout: bool) -> impl IntoView {
    let (c, actions) = (use_checkout(), use_actions());
    let form = use_form();
    let input = NodeRef::<html::Input>::new();
    let pending = actions.start.pending();
    let idle = if payout { Msg::Continue } else { Msg::GetCode };
    let title = payout.then(|| view! { <h2 class="kzc-title">{t(c.locale, Msg::PayoutTitle)}</h2> });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        // The host page hears the widget's own `submit` event, not the form's.
        ev.prevent_default();
        ev.stop_propagation();
        if !actions.submit_phone() {
            if let Some(field) = input.get_untracked() {
                let _ = field.focus();
            }
        }
    };
    view! {
        {title}
        <form novalidate=true class="kzc-form" data-testid="phone-form" on:submit=on_submit>
            <PhoneField input=input hint=if payout { Msg::PayoutPhoneHint } else { Msg::PhoneHint } />
            <OperatorPicker />
            <p class="kzc-error" role="alert" data-testid="form-error">{words_of(c.locale, form.form_error)}</p>
            <button type="submit" class="kzc-primary" data-testid="submit" disabled=move || pending.get() aria-busy=move || aria(pending.get())>
                {move || t(c.locale, if pending.get() { Msg::Sending } else { idle })}
            </button>
        </form>
    }
}
