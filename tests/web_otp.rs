//! WebOTP in a real browser, with the browser's credentials API stood in for: the stand-in
//! replaces `navigator.credentials.get` for the whole page, so this test has a page (a test
//! binary) of its own.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use checkout_protocol::api::{Method, OperatorView, OtpRequest, PaymentKind, PaymentState, PaymentView, SessionView};
use checkout_protocol::Locale;
use kz_mobile_checkout::api::{Answer, Backend, Call, Pending};
use kz_mobile_checkout::mount_with;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn iso(ms: f64) -> String {
    js_sys::Date::new(&JsValue::from_f64(ms)).to_iso_string().into()
}

/// A backend whose payment asks for a code at once and is paid by `123456`.
#[derive(Default)]
struct Backend1 {
    codes: RefCell<Vec<String>>,
}

fn payment(state: PaymentState, version: i64) -> PaymentView {
    let now = js_sys::Date::now();
    let awaiting = state == PaymentState::AwaitingOtp;
    PaymentView {
        payment_id: "pay_1".into(),
        kind: PaymentKind::Purchase,
        state,
        amount: 100_000,
        currency: "KZT".into(),
        phone_masked: Some("+7 707 ••• •• 67".into()),
        operator: Some("TELE2".into()),
        otp_expires_at: awaiting.then(|| iso(now + 80_000.0)),
        resends_left: awaiting.then_some(3),
        resend_available_at: awaiting.then(|| iso(now + 80_000.0)),
        attempt: awaiting.then_some(1),
        last_error: None,
        code: None,
        message: None,
        refunded_amount: None,
        server_time: iso(now),
        version,
    }
}

fn answer<T: serde::Serialize>(value: &T) -> Answer {
    Answer { status: 200, body: serde_wasm_bindgen::to_value(value).unwrap() }
}

impl Backend for Backend1 {
    fn send(&self, call: Call) -> Pending<'_, Result<Answer, String>> {
        let answer = if call.path.ends_with("/mobile-payments") {
            answer(&payment(PaymentState::AwaitingOtp, 2))
        } else if call.path.ends_with("/otp") {
            let request: OtpRequest = serde_wasm_bindgen::from_value(call.body.unwrap()).unwrap();
            self.codes.borrow_mut().push(request.code);
            answer(&payment(PaymentState::Succeeded, 3))
        } else if call.path.contains("/payments/") {
            answer(&payment(PaymentState::Succeeded, 3))
        } else {
            answer(&SessionView {
                session: "cs_otp".into(),
                amount: 100_000,
                currency: "KZT".into(),
                merchant_name: "Sulpak".into(),
                description: None,
                methods: vec![Method::Mobile],
                operators: vec![OperatorView { id: "TELE2".into(), name: "Tele2".into() }],
                operators_fallback: false,
                locale: None,
                cash_in_account: None,
                cash_in_limits: None,
                payment: None,
                deposits: Vec::new(),
            })
        };
        Box::pin(async move { Ok(answer) })
    }

    fn events_url(&self, _path: &str) -> Option<String> {
        None
    }
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

async fn find(root: &web_sys::HtmlElement, selector: &str) -> web_sys::HtmlElement {
    for _ in 0..300 {
        if let Some(found) = root.query_selector(selector).unwrap() {
            return found.unchecked_into();
        }
        sleep(10).await;
    }
    panic!("nothing matches {selector}; DOM: {}", root.inner_html());
}

#[wasm_bindgen_test]
async fn where_the_browser_reads_the_sms_the_code_fills_itself_in() {
    // The SMS ended "@shop.kz #123456" and the customer allowed the browser to read it.
    js_sys::Function::new_no_args(
        "window.OTPCredential = function () {};
         window.__otpAsked = null;
         Object.defineProperty(navigator.credentials, 'get', { configurable: true, value: function (options) {
           window.__otpAsked = options;
           return Promise.resolve({ type: 'otp', code: '123456' });
         } });",
    )
    .call0(&JsValue::NULL)
    .unwrap();
    let backend = Rc::new(Backend1::default());
    let document = web_sys::window().unwrap().document().unwrap();
    let root: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    let _handle = mount_with(root.clone(), "cs_otp".into(), Locale::En, backend.clone());
    let phone: web_sys::HtmlInputElement = find(&root, "[data-testid=phone]").await.unchecked_into();
    phone.set_value("+7 707 123 45 67");
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    phone.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap()).unwrap();
    find(&root, "[data-testid=submit]").await.click();
    find(&root, "[data-testid=result]").await;
    assert_eq!(*backend.codes.borrow(), ["123456"], "the code went in without typing");
    let asked = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__otpAsked".into()).unwrap();
    let transport = js_sys::Reflect::get(&js_sys::Reflect::get(&asked, &"otp".into()).unwrap(), &"transport".into()).unwrap();
    assert_eq!(js_sys::Array::from(&transport).get(0).as_string().as_deref(), Some("sms"));
    assert!(js_sys::Reflect::get(&asked, &"signal".into()).unwrap().is_object(), "the request can be cancelled with its screen");
}
