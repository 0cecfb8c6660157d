//! The platform's hosted Payment Page through its `EPayWidget` script: load the brand's
//! `merchant.js` once, then `EPayWidget.run(params, 'get')` with the backend's signed parameters,
//! the display the merchant chose, and handlers that report back to the widget.

use std::rc::{Rc, Weak};

use checkout_protocol::host_event::PageStep;
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// How the Payment Page opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PageDisplay {
    /// A modal over the merchant's page (the platform's default).
    #[default]
    Modal,
    /// An iframe inside the widget.
    Embedded,
    /// The whole tab goes to the Payment Page.
    Redirect,
}

impl PageDisplay {
    /// Reads `modal`, `embedded` or `redirect`; anything else is the modal.
    pub fn parse(text: Option<&str>) -> PageDisplay {
        match text {
            Some("embedded") => PageDisplay::Embedded,
            Some("redirect") => PageDisplay::Redirect,
            _ => PageDisplay::Modal,
        }
    }
}

/// The `EPayWidget` object, once `merchant.js` has defined it.
fn epay_widget() -> Option<JsValue> {
    let window = web_sys::window()?;
    Reflect::get(&window, &JsValue::from_str("EPayWidget")).ok().filter(|v| v.is_object())
}

/// Loads `merchant.js` from `url` unless `EPayWidget` is already there.
pub async fn ensure_script(url: &str) -> Result<(), String> {
    if epay_widget().is_some() {
        return Ok(());
    }
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let script = document.create_element("script").map_err(|_| "cannot create a script element")?;
    script.set_attribute("src", url).map_err(|_| "bad script URL")?;
    script.set_attribute("data-kzc-payment-page", "").map_err(|_| "cannot mark the script")?;
    let loaded = js_sys::Promise::new(&mut |resolve, reject| {
        let _ = script.add_event_listener_with_callback("load", &resolve);
        let _ = script.add_event_listener_with_callback("error", &reject);
    });
    let head = document.head().ok_or("no head")?;
    head.append_child(&script).map_err(|_| "cannot add the script")?;
    JsFuture::from(loaded).await.map_err(|_| format!("{url} did not load"))?;
    epay_widget().map(|_| ()).ok_or_else(|| format!("{url} did not define EPayWidget"))
}

/// The `on…` handlers of `EPayWidget` and the step each reports.
const HANDLERS: [(&str, PageStep); 5] = [
    ("onLoaded", PageStep::Loaded),
    ("onPaymentSent", PageStep::PaymentSent),
    ("onPaymentSuccess", PageStep::PaymentSuccess),
    ("onPaymentFail", PageStep::PaymentFail),
    ("onExit", PageStep::Exit),
];

/// One opening of the Payment Page: what its handlers report to. Its handlers act only while it
/// is held; the widget holds the current opening and drops it when it opens another or is
/// unmounted, and from then on that opening's handlers do nothing.
///
/// Not the closures themselves: the platform's script keeps the functions it was given and may
/// call them at any time, also after the widget is gone, and a dropped `Closure` would throw in
/// the merchant's page. The functions are the JavaScript garbage collector's to free (with the
/// little they hold: a weak reference), and reach the widget only through this opening.
pub struct PageOpening {
    _report: Rc<dyn Fn(PageStep)>,
}

impl std::fmt::Debug for PageOpening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageOpening")
    }
}

/// Opens the Payment Page with `params`; every handler calls `on_message` with its message for as
/// long as the returned opening is held.
pub fn run(params: &JsValue, display: PageDisplay, target_id: &str, on_message: Rc<dyn Fn(PageStep)>) -> Result<PageOpening, String> {
    let widget = epay_widget().ok_or("EPayWidget is not loaded")?;
    let config = Object::assign(&Object::new(), &params.clone().dyn_into::<Object>().map_err(|_| "parameters are not an object")?);
    for (name, message) in HANDLERS {
        let report: Weak<dyn Fn(PageStep)> = Rc::downgrade(&on_message);
        let handler = Closure::<dyn Fn(JsValue)>::new(move |_| {
            if let Some(report) = report.upgrade() {
                report(message);
            }
        });
        Reflect::set(&config, &JsValue::from_str(name), &handler.into_js_value()).map_err(|_| "cannot set a handler")?;
    }
    match display {
        PageDisplay::Embedded => {
            Reflect::set(&config, &JsValue::from_str("target_element"), &JsValue::from_str(target_id)).map_err(|_| "cannot set the target")?;
        }
        PageDisplay::Redirect => {
            Reflect::set(&config, &JsValue::from_str("redirect"), &JsValue::TRUE).map_err(|_| "cannot set redirect")?;
        }
        PageDisplay::Modal => {}
    }
    let run: Function = Reflect::get(&widget, &JsValue::from_str("run")).ok().and_then(|f| f.dyn_into().ok()).ok_or("EPayWidget.run is missing")?;
    run.call2(&widget, &config, &JsValue::from_str("get"))
        .map(|_| PageOpening { _report: on_message })
        .map_err(|e| e.as_string().unwrap_or_else(|| "EPayWidget.run failed".into()))
}
