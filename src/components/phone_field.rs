//! The phone field: one `type="tel"` input that takes every usual way of writing a Kazakhstan
//! number, typed or pasted, and formats it as the customer types without moving the caret among
//! the digits.

use checkout_protocol::phone::{caret_after_digits, format_partial};
use leptos::html;
use leptos::prelude::*;

use super::aria;
use crate::i18n::{t, Msg};
use crate::state::{use_checkout, use_form};

/// Reformats the field in place, keeping the caret after the same number of digits.
fn reformat(input: &web_sys::HtmlInputElement) -> String {
    let raw = input.value();
    let caret = input.selection_start().ok().flatten().map_or(raw.chars().count(), |c| c as usize);
    // Characters other than digits and separators are kept, so the validation can name them.
    if raw.chars().any(|c| c.is_alphabetic()) {
        return raw;
    }
    let digits_before = raw.chars().take(caret).filter(char::is_ascii_digit).count();
    let formatted = format_partial(&raw);
    if formatted != raw {
        input.set_value(&formatted);
        let position = caret_after_digits(&formatted, digits_before) as u32;
        let _ = input.set_selection_range(position, position);
    }
    formatted
}

/// The phone input with its label, hint and error; `hint` is the text under the field.
#[component]
pub fn PhoneField(hint: Msg) -> impl IntoView {
    let c = use_checkout();
    let (form, ui) = (use_form(), c.ui());
    let input = NodeRef::<html::Input>::new();
    let id = format!("kzc-phone-{}", ui.uid);
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    // The one way the focus comes here: "Try again", a number the form refused.
    Effect::new(move |_| {
        if form.focus_wanted() {
            if let Some(field) = input.get() {
                let _ = field.focus();
                form.focused();
            }
        }
    });
    view! {
        <div class="kzc-field">
            <label for=id.clone()>{t(ui.locale, Msg::PhoneLabel)}</label>
            <input
                node_ref=input
                id=id
                type="tel"
                inputmode="tel"
                autocomplete="tel"
                placeholder="+7 7__ ___ __ __"
                dir="ltr"
                data-testid="phone"
                aria-describedby=format!("{hint_id} {error_id}")
                aria-invalid=move || aria(form.phone_error().is_some())
                // The initial value (a number kept for "Try again"), as an attribute: set as the
                // field is built, not after, so whatever the loader carries over from the
                // backend's drawn form right after is not overwritten.
                value=Some(form.phone_untracked()).filter(|kept| !kept.is_empty())
                // The host page hears the widget's own `change` event, not the input's.
                on:change=|ev| ev.stop_propagation()
                on:input=move |ev| c.phone_typed(reformat(&event_target(&ev)))
            />
            <p class="kzc-hint" id=hint_id>{t(ui.locale, hint)}</p>
            <p class="kzc-error" id=error_id role="alert" data-testid="phone-error">{form.phone_error().words(ui.locale)}</p>
        </div>
    }
}
