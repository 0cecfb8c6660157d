//! DOM `CustomEvent`s on the host element, so the merchant page can follow the checkout. The
//! vocabulary is stable and documented in the README: `ready`, `change`, `submit`,
//! `otp-required`, `success`, `decline`, `error`. Events bubble and cross shadow roots.

use wasm_bindgen::JsValue;

/// Where events go; `None` when the widget is mounted without a host to tell (tests).
#[derive(Debug, Clone, Default)]
pub struct Host(Option<web_sys::HtmlElement>);

impl Host {
    /// Events go to `element`.
    pub fn new(element: Option<web_sys::HtmlElement>) -> Host {
        Host(element)
    }

    /// Dispatches `name` with a `detail` built from string and number fields.
    pub fn emit(&self, name: &str, fields: &[(&str, Field)]) {
        let Some(element) = &self.0 else { return };
        let detail = js_sys::Object::new();
        for (key, value) in fields {
            let value = match value {
                Field::Text(text) => JsValue::from_str(text),
                Field::Number(n) => JsValue::from_f64(*n),
                Field::Bool(b) => JsValue::from_bool(*b),
                Field::Null => JsValue::NULL,
            };
            // Setting a property on a fresh plain object cannot fail.
            let _ = js_sys::Reflect::set(&detail, &JsValue::from_str(key), &value);
        }
        let init = web_sys::CustomEventInit::new();
        init.set_detail(&detail);
        init.set_bubbles(true);
        init.set_composed(true);
        if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
            let _ = element.dispatch_event(&event);
        }
    }
}

/// A value in an event's `detail`.
#[derive(Debug, Clone)]
pub enum Field {
    /// A string.
    Text(String),
    /// A number.
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// `null`.
    Null,
}

impl From<&str> for Field {
    fn from(value: &str) -> Self {
        Field::Text(value.to_owned())
    }
}

impl From<Option<&str>> for Field {
    fn from(value: Option<&str>) -> Self {
        value.map_or(Field::Null, Field::from)
    }
}
