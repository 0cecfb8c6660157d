//! The operator picker: a keyboard-operable radio group of the operators a session offers.
//! Native radios in a `fieldset` give screen readers the group name from the `legend` and give
//! keyboards arrow-key selection for free.

use leptos::prelude::*;

use crate::i18n::{t, Msg};
use crate::state::{use_checkout, use_form, use_loaded};

/// The session's operators as radios; choosing one is the customer's choice, which no
/// suggestion overrides. The radios' `name` is unique per widget, so several widgets stay apart.
#[component]
pub fn OperatorPicker() -> impl IntoView {
    let c = use_checkout();
    let (form, loaded, locale) = (use_form(), use_loaded(), c.ui().locale);
    let group = format!("kzc-operator-{}", c.ui().uid);
    let (hint_id, error_id) = (format!("{group}-hint"), format!("{group}-error"));
    let described_by = format!("{hint_id} {error_id}");
    let operators = loaded.session().with_untracked(|s| s.as_ref().map(|s| s.operators.clone())).unwrap_or_default();
    let options = operators
        .into_iter()
        .map(|operator| {
            let id = operator.id.clone();
            let checked = operator.id.clone();
            let test_id = format!("operator-{}", operator.id);
            view! {
                <label class="kzc-operator" data-testid=test_id>
                    <input
                        type="radio"
                        name=group.clone()
                        value=operator.id
                        prop:checked=move || form.is_operator(&checked)
                        on:change=move |ev| {
                            // The host page hears the widget's own `change` event, not the radio's.
                            ev.stop_propagation();
                            c.operator_chosen(id.clone());
                        }
                    />
                    <span class="kzc-operator-name">{operator.name}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="kzc-operators" aria-describedby=described_by data-testid="operator-picker">
            <legend>{t(locale, Msg::OperatorLegend)}</legend>
            <div class="kzc-operator-list">{options}</div>
            <p class="kzc-hint" id=hint_id>{t(locale, Msg::OperatorPortabilityHint)}</p>
            <p class="kzc-error" id=error_id role="alert" data-testid="operator-error">{form.operator_error().words(locale)}</p>
        </fieldset>
    }
}
