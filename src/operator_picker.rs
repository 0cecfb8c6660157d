//! The operator picker: a keyboard-operable radio group of the operators a session offers.

use checkout_protocol::{Locale, Operator};
use leptos::prelude::*;

use crate::i18n::{t, Msg};

/// Radio group of mobile operators. Native radios in a `fieldset` give screen readers the group
/// name from the `legend` and give keyboards arrow-key selection for free.
#[component]
pub fn OperatorPicker(
    /// The operators to offer, in display order.
    operators: Vec<Operator>,
    /// The chosen operator; the picker writes it when the customer chooses.
    selected: RwSignal<Option<Operator>>,
    /// The language of the legend and hint.
    locale: Locale,
    /// The radios' `name`, unique per widget so several widgets on one page stay apart.
    group_name: String,
) -> impl IntoView {
    let hint_id = format!("{group_name}-hint");
    let options = operators
        .into_iter()
        .map(|operator| {
            let name = group_name.clone();
            view! {
                <label class="kzc-operator" data-testid=format!("operator-{}", operator.code())>
                    <input
                        type="radio"
                        name=name
                        value=operator.code()
                        prop:checked=move || selected.get() == Some(operator)
                        on:change=move |_| selected.set(Some(operator))
                    />
                    <span class="kzc-operator-name">{operator.display_name()}</span>
                </label>
            }
        })
        .collect_view();
    let described_by = hint_id.clone();
    view! {
        <fieldset class="kzc-operators" aria-describedby=described_by data-testid="operator-picker">
            <legend>{t(locale, Msg::OperatorLegend)}</legend>
            <div class="kzc-operator-list">{options}</div>
            <p class="kzc-hint" id=hint_id>{t(locale, Msg::OperatorPortabilityHint)}</p>
        </fieldset>
    }
}
