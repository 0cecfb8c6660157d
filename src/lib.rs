//! The embeddable checkout widget for Mobile Commerce in Kazakhstan, in Leptos (client-side
//! rendering, built by trunk).
//!
//! - [`api`]: the typed client of the merchant backend (`checkout_protocol::api` over gloo-net).
//! - [`state`]: the checkout's state and actions, shared by context.
//! - [`components`]: one component per screen and control.
//! - [`host_events`], [`payment_page`], [`web_otp`]: the browser APIs Leptos does not wrap.
//!
//! The widget talks only to the merchant's backend and never holds a secret: it depends on
//! `checkout-protocol` without the `signing` feature, so the signing code is not even compiled
//! into the bundle.

pub mod api;
pub mod clock;
pub mod components;
#[cfg(feature = "ssr")]
pub mod first_screen_html;
pub mod host_events;
pub mod i18n;
pub mod payment_page;
pub mod state;
pub mod web_otp;

use std::rc::Rc;

use checkout_protocol::Locale;
use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

pub use api::{ApiError, Backend, Client, HttpBackend};
use host_events::Host;
pub use payment_page::PageDisplay;

/// The mounted view; dropping it removes the widget and frees everything it owns (signals,
/// listeners, the clock, the live stream).
type Mounted = leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>;

/// A mounted widget; `unmount()` (or dropping the handle) removes it and frees what it holds.
#[wasm_bindgen]
pub struct CheckoutHandle {
    mounted: Option<Mounted>,
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

/// The options `mount` takes from JavaScript.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct MountOptions {
    #[serde(default)]
    session: String,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    api_base: Option<String>,
    #[serde(default)]
    display: Option<String>,
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
    mount_clocked(element, session, locale, display, backend, clock::Clock::browser())
}

/// Mounts a widget with any backend, a Payment Page display and a clock (tests move time on
/// with theirs instead of waiting for it).
pub fn mount_clocked(
    element: web_sys::HtmlElement,
    session: String,
    locale: Locale,
    display: PageDisplay,
    backend: Rc<dyn Backend>,
    clock: clock::Clock,
) -> CheckoutHandle {
    // Panic messages in the console in development builds; a release build aborts on a panic and
    // ships without the formatting the hook needs.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    let host = Host::new(Some(element.clone()));
    let client = Client::new(backend, &session);
    // The first screen the backend drew (`first_screen_html`, put in the element by the shop's
    // page or by the loader), which the loader hands over to the widget's own when it is up.
    let drawn = element.query_selector(":scope > [data-drawn]").ok().flatten().is_some();
    let mounted = mount_to(element, move || {
        state::Checkout::provide(client, locale, host, display, clock, drawn);
        view! { <components::checkout::Checkout /> }.into_any()
    });
    CheckoutHandle { mounted: Some(mounted) }
}

/// Mounts the checkout into `element`. `options`: `{ session, locale?, apiBase?, display? }`;
/// `locale` is `kk`, `ru` or `en` (else the browser's languages, else Russian); `apiBase` is the
/// backend's origin when it is not the page's own; `display` is how the hosted Payment Page opens
/// (`modal`, `embedded` or `redirect`).
///
/// The loader also passes `prefetched` and `prefetchedUrl`: its own request for the session (a
/// `Promise<Response>`) and its URL, made while the wasm downloaded; the widget reads that answer
/// instead of asking again when the URL is the one it would ask.
#[wasm_bindgen]
pub fn mount(element: web_sys::HtmlElement, options: JsValue) -> CheckoutHandle {
    let field = |name: &str| js_sys::Reflect::get(&options, &JsValue::from_str(name)).ok();
    let prefetched = field("prefetched").and_then(|v| v.dyn_into::<js_sys::Promise>().ok()).zip(field("prefetchedUrl").and_then(|v| v.as_string()));
    let options: MountOptions = serde_wasm_bindgen::from_value(options).unwrap_or_default();
    let blank = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
    let locale = resolve_locale(blank(options.locale).as_deref());
    let mut backend = HttpBackend::new(&blank(options.api_base).unwrap_or_default());
    if let Some((answer, url)) = prefetched {
        backend = backend.with_prefetched(url, answer);
    }
    let backend = Rc::new(backend);
    let display = PageDisplay::parse(blank(options.display).as_deref());
    mount_configured(element, options.session, locale, display, backend)
}
