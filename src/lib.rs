//! The embeddable checkout widget for Mobile Commerce in Kazakhstan.
//!
//! The widget talks only to the merchant's backend and never holds a secret: it depends on
//! `checkout-protocol` without the `signing` feature, so the signing code is not even compiled
//! into the bundle.

pub mod api;
pub mod checkout;
pub mod clock;
pub mod dom;
pub mod host_events;
pub mod i18n;
pub mod operator_picker;
pub mod payment_page;
pub mod phone_field;

use std::rc::Rc;

use any_spawner::Executor;
use checkout_protocol::Locale;
use reactive_graph::owner::Owner;
use wasm_bindgen::prelude::*;

pub use api::{ApiError, Backend, HttpBackend, PaymentView, SessionView};
pub use checkout::checkout;
use host_events::Host;
pub use payment_page::PageDisplay;

/// A mounted widget; `unmount()` (or dropping the handle) removes it and frees what it holds.
#[wasm_bindgen]
pub struct CheckoutHandle {
    mounted: Option<Mounted>,
}

/// The widget's element and the Leptos owner of everything it runs: bindings, listeners, the
/// clock, the live stream.
struct Mounted {
    owner: Owner,
    root: web_sys::Element,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.root.remove();
        self.owner.cleanup();
    }
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
        f.debug_struct("CheckoutHandle").field("mounted", &self.mounted.is_some()).finish()
    }
}

/// The language: the given one if supported, else the browser's first supported one, else Russian.
pub fn resolve_locale(attribute: Option<&str>) -> Locale {
    let browser: Vec<String> =
        web_sys::window().map(|w| w.navigator().languages().iter().filter_map(|v| v.as_string()).collect()).unwrap_or_default();
    Locale::negotiate(attribute.into_iter().chain(browser.iter().map(String::as_str)))
}

fn option(options: &JsValue, key: &str) -> Option<String> {
    js_sys::Reflect::get(options, &JsValue::from_str(key)).ok().and_then(|v| v.as_string()).filter(|v| !v.trim().is_empty())
}

/// Mounts a widget with any backend (tests use a fake one).
pub fn mount_with(element: web_sys::HtmlElement, session: String, locale: Locale, backend: Rc<dyn Backend>) -> CheckoutHandle {
    mount_configured(element, session, locale, PageDisplay::default(), backend)
}

/// Mounts a widget with any backend and a Payment Page display.
pub fn mount_configured(
    element: web_sys::HtmlElement,
    session: String,
    locale: Locale,
    display: PageDisplay,
    backend: Rc<dyn Backend>,
) -> CheckoutHandle {
    console_error_panic_hook::set_once();
    // Leptos's effects and tasks run on the browser's microtask queue; set up once per page.
    let _ = Executor::init_wasm_bindgen();
    let host = Host::new(Some(element.clone()));
    let owner = Owner::new();
    let root = owner.with(|| checkout::checkout(session, locale, backend, host, display)).0;
    let _ = element.append_child(&root);
    CheckoutHandle { mounted: Some(Mounted { owner, root }) }
}

/// Mounts the checkout into `element`. `options`: `{ session, locale?, apiBase?, display? }`;
/// `locale` is `kk`, `ru` or `en` (else the browser's languages, else Russian); `apiBase` is the
/// backend's origin when it is not the page's own; `display` is how the hosted Payment Page opens
/// (`modal`, `embedded` or `redirect`).
#[wasm_bindgen]
pub fn mount(element: web_sys::HtmlElement, options: JsValue) -> CheckoutHandle {
    let session = option(&options, "session").unwrap_or_default();
    let locale = resolve_locale(option(&options, "locale").as_deref());
    let backend = Rc::new(HttpBackend::new(&option(&options, "apiBase").unwrap_or_default()));
    let display = PageDisplay::parse(option(&options, "display").as_deref());
    mount_configured(element, session, locale, display, backend)
}
