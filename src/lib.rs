//! The embeddable checkout widget for Mobile Commerce in Kazakhstan.
//!
//! The widget talks only to the merchant's backend and never holds a secret: it depends on
//! `checkout-protocol` without the `signing` feature, so the signing code is not even compiled
//! into the bundle.

pub mod i18n;
pub mod operator_picker;

use std::cell::Cell;

use checkout_protocol::{Locale, Operator};
use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

pub use operator_picker::OperatorPicker;

thread_local! {
    static NEXT_INSTANCE: Cell<u32> = const { Cell::new(0) };
}

/// A name unique to one widget instance on the page.
fn instance_name(prefix: &str) -> String {
    let n = NEXT_INSTANCE.with(|c| {
        let n = c.get();
        c.set(n + 1);
        n
    });
    format!("{prefix}-{n}")
}

/// The checkout as far as it is built: the operator picker over the seeds' operator list.
#[component]
pub fn Checkout(
    /// The language to speak.
    locale: Locale,
) -> impl IntoView {
    let selected = RwSignal::new(None::<Operator>);
    view! {
        <div class="kzc-root" lang=locale.tag() data-testid="checkout">
            <OperatorPicker operators=Operator::ALL.to_vec() selected=selected locale=locale group_name=instance_name("kzc-operator") />
        </div>
    }
}

/// A mounted widget; `unmount()` removes it and frees what it holds.
#[wasm_bindgen]
pub struct CheckoutHandle {
    mounted: Option<Box<dyn std::any::Any>>,
}

#[wasm_bindgen]
impl CheckoutHandle {
    /// Removes the widget from the page.
    pub fn unmount(&mut self) {
        self.mounted.take();
    }
}

impl std::fmt::Debug for CheckoutHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckoutHandle")
            .field("mounted", &self.mounted.is_some())
            .finish()
    }
}

/// Mounts the checkout into `element`. `locale` is `kk`, `ru` or `en`; anything else falls back
/// to the browser's languages, then Russian.
#[wasm_bindgen]
pub fn mount(element: web_sys::HtmlElement, locale: Option<String>) -> CheckoutHandle {
    console_error_panic_hook::set_once();
    let locale = resolve_locale(locale.as_deref());
    let handle = mount_to(element, move || view! { <Checkout locale=locale /> });
    CheckoutHandle {
        mounted: Some(Box::new(handle)),
    }
}

/// The attribute's language if supported, else the browser's first supported one, else Russian.
fn resolve_locale(attribute: Option<&str>) -> Locale {
    let browser: Vec<String> = web_sys::window()
        .map(|w| {
            w.navigator()
                .languages()
                .iter()
                .filter_map(|v| v.as_string())
                .collect()
        })
        .unwrap_or_default();
    Locale::negotiate(
        attribute
            .into_iter()
            .chain(browser.iter().map(String::as_str)),
    )
}
