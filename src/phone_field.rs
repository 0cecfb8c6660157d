//! The phone field: one `type="tel"` input that takes every usual way of writing a Kazakhstan
//! number, typed or pasted, and formats it as the customer types without moving the caret among
//! the digits.

use checkout_protocol::phone::{caret_after_digits, format_partial};
use checkout_protocol::{Locale, PhoneError};
use leptos::html::Input;
use leptos::prelude::*;

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

/// The phone input with its label, hint and error.
#[component]
pub fn PhoneField(
    /// The text in the field (set through `on_input`).
    value: RwSignal<String>,
    /// The error to show, if any; typing clears it.
    error: RwSignal<Option<String>>,
    /// Language.
    locale: Locale,
    /// The input's id, unique per widget.
    id: String,
    /// A handle on the input, for focus.
    input_ref: NodeRef<Input>,
    /// Called with the (reformatted) text after every edit.
    on_input: Callback<String>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = format!("{hint_id} {error_id}");
    view! {
        <div class="kzc-field">
            <label for=id.clone()>{t(locale, Msg::PhoneLabel)}</label>
            <input
                id=id
                node_ref=input_ref
                type="tel"
                inputmode="tel"
                autocomplete="tel"
                placeholder="+7 7__ ___ __ __"
                dir="ltr"
                data-testid="phone"
                aria-describedby=described_by
                aria-invalid=move || error.with(Option::is_some).to_string()
                prop:value=value.get_untracked()
                // The host page hears the widget's own `change` event, not the input's.
                on:change=|ev| ev.stop_propagation()
                on:input=move |ev| {
                    let input: web_sys::HtmlInputElement = event_target(&ev);
                    error.set(None);
                    on_input.run(reformat(&input));
                }
            />
            <p class="kzc-hint" id=hint_id>{t(locale, Msg::PhoneHint)}</p>
            <p class="kzc-error" id=error_id role="alert" data-testid="phone-error">{error}</p>
        </div>
    }
}
