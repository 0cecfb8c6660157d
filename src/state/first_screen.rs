//! The first screen the backend drew into the host element (`first_screen_html`), until the
//! widget takes it over. The customer may have typed a number there, chosen an operator, and
//! left the caret somewhere: all of it becomes the form's, and the drawn screen goes in the same
//! task as the widget's form comes, so nothing typed is lost and nothing on the page moves.

use checkout_protocol::phone::{caret_after_digits, format_partial};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::Checkout;

/// The drawn screen, held until the widget's first screen replaces it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Adopting {
    drawn: StoredValue<Option<web_sys::Element>, LocalStorage>,
    /// Whether the drawn screen still stands in for the widget (tracked by the widget's root,
    /// which stays hidden meanwhile).
    covering: RwSignal<bool>,
    /// Whether there was one: then the page's first screen was the drawn one.
    was_drawn: StoredValue<bool>,
}

impl Adopting {
    pub(super) fn new() -> Adopting {
        Adopting { drawn: StoredValue::new_local(None), covering: RwSignal::new(false), was_drawn: StoredValue::new(false) }
    }

    pub(super) fn hold(&self, drawn: Option<web_sys::Element>) {
        let there = drawn.is_some();
        self.drawn.set_value(drawn);
        self.covering.set(there);
        self.was_drawn.set_value(there);
    }
}

/// What the customer did on the drawn screen.
struct Typed {
    phone: String,
    /// Where the caret was in the phone field, if the focus was there.
    caret: Option<u32>,
    operator: Option<String>,
    /// The operator radio that had the focus.
    operator_focused: Option<String>,
}

fn typed_on(drawn: &web_sys::Element) -> Typed {
    let focused = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
    let phone = drawn.query_selector("input[type=tel]").ok().flatten().and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok());
    let caret = phone.as_ref().filter(|p| focused.as_ref() == Some(p.unchecked_ref())).map(|p| p.selection_start().ok().flatten().unwrap_or(0));
    let radio = |selector: &str| drawn.query_selector(selector).ok().flatten().and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok());
    let operator = radio("input[type=radio]:checked").map(|r| r.value());
    let operator_focused = radio("input[type=radio]:focus").map(|r| r.value());
    Typed { phone: phone.map(|p| p.value()).unwrap_or_default(), caret, operator, operator_focused }
}

impl Checkout {
    /// Whether the backend's drawn screen still stands in for the widget (tracked).
    pub fn covered(&self) -> bool {
        self.first_screen.covering.get()
    }

    /// Whether the page's first screen was the backend's drawn one (then it, not the widget,
    /// was the first screen the customer could use).
    pub fn first_screen_was_drawn(&self) -> bool {
        self.first_screen.was_drawn.get_value()
    }

    /// Takes over the drawn screen, once: the number typed there (formatted as the widget
    /// formats it) and the operator chosen become the form's, the focus and caret are wanted
    /// where they were, and the drawn screen is removed. Called as the widget's first screen is
    /// built, so the form is built with them.
    pub fn take_over_first_screen(&self) {
        let Some(drawn) = self.first_screen.drawn.try_update_value(Option::take).flatten() else { return };
        let typed = typed_on(&drawn);
        drawn.remove();
        self.first_screen.covering.set(false);
        if !typed.phone.is_empty() {
            // Letters stay as typed, so the validation can name them (as the field does).
            let formatted = if typed.phone.chars().any(char::is_alphabetic) { typed.phone.clone() } else { format_partial(&typed.phone) };
            let caret = typed.caret.map(|at| {
                let digits_before = typed.phone.chars().take(at as usize).filter(char::is_ascii_digit).count();
                caret_after_digits(&formatted, digits_before) as u32
            });
            self.phone_typed(formatted);
            if let Some(caret) = caret {
                self.form.want_focus_at(caret);
            }
        } else if typed.caret.is_some() {
            self.form.want_focus_at(0);
        }
        if let Some(operator) = typed.operator {
            self.operator_chosen(operator);
        }
        if let Some(operator) = typed.operator_focused {
            self.form.operator_focus.set(Some(operator));
        }
    }
}
