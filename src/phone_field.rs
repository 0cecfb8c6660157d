//! The phone field: one `type="tel"` input that takes every usual way of writing a Kazakhstan
//! number, typed or pasted, and formats it as the customer types without moving the caret among
//! the digits.

use checkout_protocol::phone::{caret_after_digits, format_partial};
use checkout_protocol::{Locale, PhoneError};
use reactive_graph::prelude::*;
use reactive_graph::signal::RwSignal;

use crate::dom::{el, input_of, El, Slot};
use crate::i18n::{t, Msg};

/// The message for a phone problem.
pub fn phone_message(error: &PhoneError) -> Msg {
    match error {
        PhoneError::Empty => Msg::PhoneEmpty,
        PhoneError::InvalidCharacter(_) => Msg::PhoneInvalidCharacter,
        PhoneError::TooShort => Msg::PhoneTooShort,
        PhoneError::TooLong => Msg::PhoneTooLong,
        PhoneError::Russian => Msg::PhoneRussian,
        PhoneError::NotKazakhMobile => Msg::PhoneNotKzMobile,
        PhoneError::Foreign => Msg::PhoneForeign,
    }
}

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

/// The phone input with its label, hint and error. `id` is the input's id, unique per widget;
/// `value` is the text to start with; `input` receives the input element, for focus; `error` is
/// shown under the field and cleared by typing; `on_input` hears the (reformatted) text after
/// every edit.
pub fn phone_field(locale: Locale, id: &str, value: &str, input: Slot, error: RwSignal<Option<String>>, on_input: impl Fn(String) + 'static) -> El {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let field = el("input")
        .attr("id", id)
        .attr("type", "tel")
        .attr("inputmode", "tel")
        .attr("autocomplete", "tel")
        .attr("placeholder", "+7 7__ ___ __ __")
        .attr("dir", "ltr")
        .test_id("phone")
        .attr("aria-describedby", &format!("{hint_id} {error_id}"))
        .aria_with("aria-invalid", move || error.with(Option::is_some))
        // The host page hears the widget's own `change` event, not the input's.
        .on("change", |ev| ev.stop_propagation())
        .on("input", move |ev| {
            error.set(None);
            on_input(reformat(&input_of(&ev)));
        })
        .value(value)
        .keep_in(input);
    el("div")
        .class("kzc-field")
        .child(el("label").attr("for", id).text(t(locale, Msg::PhoneLabel)))
        .child(field)
        .child(el("p").class("kzc-hint").attr("id", &hint_id).text(t(locale, Msg::PhoneHint)))
        .child(el("p").class("kzc-error").attr("id", &error_id).attr("role", "alert").test_id("phone-error").shows(error))
}
