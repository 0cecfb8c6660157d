//! WebOTP: where the browser offers `navigator.credentials.get({otp})`, it reads the code from
//! an SMS whose last line binds it to this origin (`@shop.kz #123456`) and hands it over once the
//! customer allows it. Elsewhere nothing happens and the customer types the code.
//!
//! web-sys directly: the `otp` member and `OTPCredential` are not in web-sys's bindings, and no
//! crate of the widget's stack wraps them.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Listening for the code; dropping it stops listening.
#[derive(Debug)]
pub struct Listening(Option<web_sys::AbortController>);

impl Drop for Listening {
    fn drop(&mut self) {
        if let Some(controller) = self.0.take() {
            controller.abort();
        }
    }
}

/// Asks the browser for the code of the next SMS; `on_code` hears it. A no-op without WebOTP.
pub fn listen(on_code: impl Fn(String) + 'static) -> Listening {
    let Some(window) = web_sys::window() else { return Listening(None) };
    if !Reflect::has(&window, &JsValue::from_str("OTPCredential")).unwrap_or(false) {
        return Listening(None);
    }
    let Ok(controller) = web_sys::AbortController::new() else { return Listening(None) };
    let otp = Object::new();
    let transport = Array::of1(&JsValue::from_str("sms"));
    let options = Object::new();
    let set = |target: &Object, key: &str, value: &JsValue| Reflect::set(target, &JsValue::from_str(key), value).is_ok();
    if !(set(&otp, "transport", &transport) && set(&options, "otp", &otp) && set(&options, "signal", &controller.signal())) {
        return Listening(None);
    }
    let Ok(asked) = window.navigator().credentials().get_with_options(options.unchecked_ref()) else { return Listening(None) };
    wasm_bindgen_futures::spawn_local(async move {
        // Aborted (the screen went away) or refused by the customer: nothing to do.
        if let Ok(credential) = wasm_bindgen_futures::JsFuture::from(asked).await {
            let code = Reflect::get(&credential, &JsValue::from_str("code")).ok().and_then(|c| c.as_string());
            if let Some(code) = code.filter(|c| !c.is_empty()) {
                on_code(code);
            }
        }
    });
    Listening(Some(controller))
}
