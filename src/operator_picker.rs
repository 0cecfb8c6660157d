//! The operator picker: a keyboard-operable radio group of the operators a session offers.

use checkout_protocol::Locale;
use leptos::prelude::*;

use crate::api::OperatorView;
use crate::i18n::{t, Msg};

/// Radio group of mobile operators. Native radios in a `fieldset` give screen readers the group
/// name from the `legend` and give keyboards arrow-key selection for free.
#[component]
pub fn OperatorPicker(
    /// The operators to offer, in display order.
    operators: Vec<OperatorView>,
    /// The chosen operator's id.
    selected: RwSignal<Option<String>>,
    /// Set when the customer chooses, so a suggestion never overrides their choice.
    chosen_by_customer: RwSignal<bool>,
    /// The error to show, if any; choosing clears it.
    error: RwSignal<Option<String>>,
    /// The language of the legend and hint.
    locale: Locale,
    /// The radios' `name`, unique per widget so several widgets on one page stay apart.
    group_name: String,
    /// Called with the operator's id when the customer chooses one.
    on_choose: Callback<String>,
) -> impl IntoView {
    let hint_id = format!("{group_name}-hint");
    let error_id = format!("{group_name}-error");
    let options = operators
        .into_iter()
        .map(|operator| {
            let name = group_name.clone();
            let id = operator.id.clone();
            let checked_id = operator.id.clone();
            view! {
                <label class="kzc-operator" data-testid=format!("operator-{}", operator.id)>
                    <input
                        type="radio"
                        name=name
                        value=operator.id.clone()
                        prop:checked=move || selected.with(|s| s.as_deref() == Some(checked_id.as_str()))
                        on:change=move |ev| {
                            // The host page hears the widget's own `change` event, not the radio's.
                            ev.stop_propagation();
                            chosen_by_customer.set(true);
                            error.set(None);
                            selected.set(Some(id.clone()));
                            on_choose.run(id.clone());
                        }
                    />
                    <span class="kzc-operator-name">{operator.name}</span>
                </label>
            }
        })
        .collect_view();
    let described_by = format!("{hint_id} {error_id}");
    view! {
        <fieldset class="kzc-operators" aria-describedby=described_by data-testid="operator-picker">
            <legend>{t(locale, Msg::OperatorLegend)}</legend>
            <div class="kzc-operator-list">{options}</div>
            <p class="kzc-hint" id=hint_id>{t(locale, Msg::OperatorPortabilityHint)}</p>
            <p class="kzc-error" id=error_id role="alert" data-testid="operator-error">{error}</p>
        </fieldset>
    }
}
