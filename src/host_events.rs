//! DOM `CustomEvent`s on the host element, so the merchant page can follow the checkout. The
//! events and their `detail`s are `checkout_protocol::host_event::HostEvent`, typed once and
//! checked against the TypeScript declarations; here they are dispatched. Events bubble and
//! cross shadow roots.

use checkout_protocol::host_event::HostEvent;
use serde::Serialize;

/// Where events go; `None` when the widget is mounted without a host to tell (tests).
#[derive(Debug, Clone, Default)]
pub struct Host(Option<web_sys::HtmlElement>);

impl Host {
    /// Events go to `element`.
    pub fn new(element: Option<web_sys::HtmlElement>) -> Host {
        Host(element)
    }

    /// Dispatches `event` with its `detail`, a plain object (`null` for an absent value, as JSON
    /// would have it).
    pub fn emit(&self, event: &HostEvent) {
        let Some(element) = &self.0 else { return };
        // Plain structs of strings, numbers and options always serialize.
        let Ok(detail) = event.serialize(&serde_wasm_bindgen::Serializer::json_compatible()) else { return };
        let init = web_sys::CustomEventInit::new();
        init.set_detail(&detail);
        init.set_bubbles(true);
        init.set_composed(true);
        if let Ok(dom_event) = web_sys::CustomEvent::new_with_event_init_dict(event.name(), &init) {
            let _ = element.dispatch_event(&dom_event);
        }
    }
}
