//! The hosted Payment Page: the operator to enforce, and the button that opens the page.

use leptos::prelude::*;

use super::aria;
use super::operator_picker::OperatorPicker;
use crate::i18n::{t, Msg};
use crate::state::{use_actions, use_checkout, use_form};

/// The Payment Page's form.
#[component]
pub fn PaymentPageForm() -> impl IntoView {
    let (c, actions) = (use_checkout(), use_actions());
    let form = use_form();
    let (pending, locale) = (actions.opening_page(), c.ui().locale);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        ev.stop_propagation();
        actions.pay_on_page();
    };
    view! {
        <form novalidate=true class="kzc-form" data-testid="page-form" on:submit=on_submit>
            <OperatorPicker />
            <p class="kzc-hint">{t(locale, Msg::PpHint)}</p>
            <p class="kzc-error" role="alert" data-testid="form-error">{form.form_error().words(locale)}</p>
            <button type="submit" class="kzc-primary" data-testid="submit" disabled=move || pending.get() aria-busy=move || aria(pending.get())>
                {move || t(locale, if pending.get() { Msg::Sending } else { Msg::PpPay })}
            </button>
        </form>
    }
}
