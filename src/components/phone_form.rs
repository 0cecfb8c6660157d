//! Phone and operator: the first step of a phone payment or a payout.

use checkout_protocol::api::Method;
use leptos::prelude::*;

use super::aria;
use super::operator_picker::OperatorPicker;
use super::phone_field::PhoneField;
use crate::i18n::{t, Msg};
use crate::state::{use_actions, use_checkout, use_form};

/// The form of `method`: [`Method::Payout`] words it for money sent to the customer (no SMS, no
/// code); any other, for a payment confirmed by a code.
#[component]
pub fn PhoneForm(method: Method) -> impl IntoView {
    let (c, actions) = (use_checkout(), use_actions());
    let (form, locale) = (use_form(), c.ui().locale);
    let payout = method == Method::Payout;
    // Drawn by the backend, the form is usable before the widget runs, all but its button:
    // disabled, it also keeps Enter in the field from sending the page's form away.
    let running = c.running();
    let pending = actions.starting();
    let idle = if !running {
        Msg::GettingReady
    } else if payout {
        Msg::Continue
    } else {
        Msg::GetCode
    };
    let waiting = move || !running || pending.get();
    let title = payout.then(|| view! { <h2 class="kzc-title">{t(locale, Msg::PayoutTitle)}</h2> });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        // The host page hears the widget's own `submit` event, not the form's.
        ev.prevent_default();
        ev.stop_propagation();
        actions.submit_phone();
    };
    view! {
        {title}
        <form novalidate=true class="kzc-form" data-testid="phone-form" on:submit=on_submit>
            <PhoneField hint=if payout { Msg::PayoutPhoneHint } else { Msg::PhoneHint } />
            <OperatorPicker />
            <p class="kzc-error" role="alert" data-testid="form-error">{form.form_error().words(locale)}</p>
            <button type="submit" class="kzc-primary" data-testid="submit" disabled=waiting aria-busy=move || aria(waiting())>
                {move || t(locale, if running && pending.get() { Msg::Sending } else { idle })}
            </button>
        </form>
    }
}
