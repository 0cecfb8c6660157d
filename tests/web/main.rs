//! Browser tests of the widget in headless Chromium and Firefox ESR (`wasm-bindgen-test`),
//! against an in-browser fake of the backend injected through the `Backend` transport
//! (`support/`), one module per part of the checkout.
#![cfg(target_arch = "wasm32")]

mod cash_in;
mod code;
mod payment_page;
mod phone_form;
mod session;
mod support;

/// What every module of these tests uses.
mod prelude {
    pub use std::rc::Rc;

    pub use checkout_protocol::api::{ErrorCode, Method, OtpError, PaymentKind, PaymentPageRequest, PaymentState, PaymentView};
    pub use checkout_protocol::Locale;
    pub use kz_mobile_checkout::api::ApiError;
    pub use kz_mobile_checkout::{mount, mount_clocked, mount_configured, mount_with, PageDisplay};
    pub use wasm_bindgen::{JsCast, JsValue};
    pub use wasm_bindgen_test::*;
    pub use web_sys::{HtmlElement, HtmlInputElement};

    pub use crate::support::*;
}

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
