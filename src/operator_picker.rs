//! The operator picker: a keyboard-operable radio group of the operators a session offers.

use std::rc::Rc;

use checkout_protocol::Locale;
use reactive_graph::prelude::*;
use reactive_graph::signal::RwSignal;

use wasm_bindgen::JsCast;

use crate::api::OperatorView;
use crate::dom::{el, El};
use crate::i18n::{t, Msg};

/// Radio group of mobile operators. Native radios in a `fieldset` give screen readers the group
/// name from the `legend` and give keyboards arrow-key selection for free.
///
/// `selected` is the chosen operator's id; `chosen_by_customer` is set when the customer chooses,
/// so a suggestion never overrides their choice; `error` is shown under the group and cleared by
/// choosing; `group_name` is the radios' `name`, unique per widget so several widgets on one page
/// stay apart; `on_choose` hears the operator's id when the customer chooses one.
pub fn operator_picker(
    locale: Locale,
    operators: &[OperatorView],
    selected: RwSignal<Option<String>>,
    chosen_by_customer: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    group_name: &str,
    on_choose: Rc<dyn Fn()>,
) -> El {
    let hint_id = format!("{group_name}-hint");
    let error_id = format!("{group_name}-error");
    let options = operators
        .iter()
        .map(|operator| {
            let id = operator.id.clone();
            let checked_id = operator.id.clone();
            let on_choose = on_choose.clone();
            let radio = el("input")
                .attr("type", "radio")
                .attr("name", group_name)
                .attr("value", &operator.id)
                .bind(move |radio| {
                    let checked = selected.with(|s| s.as_deref() == Some(checked_id.as_str()));
                    radio.unchecked_ref::<web_sys::HtmlInputElement>().set_checked(checked);
                })
                .on("change", move |ev| {
                    // The host page hears the widget's own `change` event, not the radio's.
                    ev.stop_propagation();
                    chosen_by_customer.set(true);
                    error.set(None);
                    selected.set(Some(id.clone()));
                    on_choose();
                });
            el("label")
                .class("kzc-operator")
                .test_id(&format!("operator-{}", operator.id))
                .child(radio)
                .child(el("span").class("kzc-operator-name").text(&operator.name))
        })
        .collect();
    el("fieldset")
        .class("kzc-operators")
        .attr("aria-describedby", &format!("{hint_id} {error_id}"))
        .test_id("operator-picker")
        .child(el("legend").text(t(locale, Msg::OperatorLegend)))
        .child(el("div").class("kzc-operator-list").children(options))
        .child(el("p").class("kzc-hint").attr("id", &hint_id).text(t(locale, Msg::OperatorPortabilityHint)))
        .child(el("p").class("kzc-error").attr("id", &error_id).attr("role", "alert").test_id("operator-error").shows(error))
}
