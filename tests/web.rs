//! Browser tests of the widget in headless Chromium (`wasm-bindgen-test`), against an in-browser
//! fake of the backend API injected through the `Backend` trait.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use checkout_protocol::Locale;
use kz_mobile_checkout::api::{ApiError, Backend, Limits, OperatorView, PaymentPageView, PaymentView, Pending, SessionView};
use kz_mobile_checkout::{mount, mount_configured, mount_with, CheckoutHandle, PageDisplay};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

fn iso(ms: f64) -> String {
    js_sys::Date::new(&JsValue::from_f64(ms)).to_iso_string().into()
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// A fake backend: a payment that asks for an OTP at once; `123456` pays, other codes are wrong.
#[derive(Default)]
struct Fake {
    payment: RefCell<Option<PaymentView>>,
    calls: RefCell<Vec<String>>,
    /// Looks at the payment (polling), counted apart so they never crowd `calls`.
    polls: std::cell::Cell<u32>,
    /// The error the next start answers with.
    start_error: RefCell<Option<ApiError>>,
    /// The error the session answers with.
    session_error: RefCell<Option<ApiError>>,
    /// What a right code ends in.
    outcome: RefCell<Option<(String, Option<String>)>>,
    /// How long a fresh code is valid.
    ttl_ms: f64,
    /// The session's methods (`mobile` when empty).
    methods: RefCell<Vec<String>>,
    /// Deposits the session reports (cash-in).
    deposits: RefCell<Vec<PaymentView>>,
    /// Where the Payment Page script is.
    script_url: RefCell<String>,
}

impl Fake {
    fn new() -> Rc<Fake> {
        Rc::new(Fake { ttl_ms: 80_000.0, ..Fake::default() })
    }

    fn awaiting(&self, deadline: f64, resends_left: u8, attempt: u32, last_error: Option<&str>, version: i64) -> PaymentView {
        PaymentView {
            payment_id: "pay_1".into(),
            state: "awaiting_otp".into(),
            amount: 100_000,
            currency: "KZT".into(),
            phone_masked: Some("+7 707 ••• •• 67".into()),
            otp_expires_at: Some(iso(deadline)),
            resends_left: Some(resends_left),
            resend_available_at: (resends_left > 0).then(|| iso(deadline)),
            attempt: Some(attempt),
            last_error: last_error.map(str::to_owned),
            server_time: Some(iso(now())),
            version,
            ..PaymentView::default()
        }
    }

    fn stored(&self) -> PaymentView {
        let mut view = self.payment.borrow().clone().expect("a payment");
        view.server_time = Some(iso(now()));
        view
    }

    fn log(&self, call: String) {
        self.calls.borrow_mut().push(call);
    }
}

fn ready<T: 'static>(value: Result<T, ApiError>) -> Pending<'static, T> {
    Box::pin(async move { value })
}

impl Backend for Fake {
    fn session<'a>(&'a self, session: &'a str) -> Pending<'a, SessionView> {
        self.log(format!("session {session}"));
        if let Some(error) = self.session_error.borrow().clone() {
            return ready(Err(error));
        }
        let operators = [("ACTIV", "Activ"), ("ALTEL", "Altel"), ("BEELINE", "Beeline"), ("KCELL", "Kcell"), ("TELE2", "Tele2")]
            .iter()
            .map(|(id, name)| OperatorView { id: (*id).into(), name: (*name).into() })
            .collect();
        let view = SessionView {
            session: session.into(),
            amount: 100_000,
            currency: "KZT".into(),
            merchant_name: "Sulpak".into(),
            operators,
            payment: self.payment.borrow().as_ref().map(|_| self.stored()),
            methods: self.methods.borrow().clone(),
            cash_in_account: Some("customer_123".into()),
            cash_in_limits: Some(Limits { min: 100, max: 50_000_000 }),
            deposits: self.deposits.borrow().clone(),
            ..SessionView::default()
        };
        ready(Ok(view))
    }

    fn start_payment<'a>(&'a self, _session: &'a str, operator: &'a str, phone: &'a str) -> Pending<'a, PaymentView> {
        self.log(format!("start {operator} {phone}"));
        if let Some(error) = self.start_error.borrow_mut().take() {
            return ready(Err(error));
        }
        let view = self.awaiting(now() + self.ttl_ms, 3, 1, None, 2);
        *self.payment.borrow_mut() = Some(view.clone());
        ready(Ok(view))
    }

    fn payment<'a>(&'a self, _payment_id: &'a str) -> Pending<'a, PaymentView> {
        self.polls.set(self.polls.get() + 1);
        // Payouts and Payment Page payments finish on the next look.
        let mut view = self.stored();
        if view.state == "processing" && !view.kind.is_empty() {
            let (state, code) = self.outcome.borrow().clone().unwrap_or(("succeeded".into(), None));
            view.state = state;
            view.code = code;
            view.version += 1;
            *self.payment.borrow_mut() = Some(view.clone());
        }
        ready(Ok(view))
    }

    fn start_payout<'a>(&'a self, _session: &'a str, operator: &'a str, phone: &'a str) -> Pending<'a, PaymentView> {
        self.log(format!("payout {operator} {phone}"));
        let view = PaymentView {
            payment_id: "po_1".into(),
            kind: "payout".into(),
            state: "processing".into(),
            amount: 100_000,
            currency: "KZT".into(),
            phone_masked: Some("+7 777 ••• •• 67".into()),
            server_time: Some(iso(now())),
            version: 1,
            ..PaymentView::default()
        };
        *self.payment.borrow_mut() = Some(view.clone());
        ready(Ok(view))
    }

    fn payment_page<'a>(&'a self, _session: &'a str, operator: &'a str, locale: &'a str) -> Pending<'a, PaymentPageView> {
        self.log(format!("page {operator} {locale}"));
        let params = js_sys::Object::new();
        js_sys::Reflect::set(&params, &"payment_id".into(), &"pay_page".into()).unwrap();
        js_sys::Reflect::set(&params, &"force_payment_method".into(), &"mobile".into()).unwrap();
        *self.payment.borrow_mut() = Some(PaymentView {
            payment_id: "pay_page".into(),
            kind: "purchase".into(),
            state: "processing".into(),
            amount: 100_000,
            server_time: Some(iso(now())),
            version: 1,
            ..PaymentView::default()
        });
        ready(Ok(PaymentPageView { payment_id: "pay_page".into(), script_url: self.script_url.borrow().clone(), params: params.into() }))
    }

    fn submit_otp<'a>(&'a self, _payment_id: &'a str, code: &'a str) -> Pending<'a, PaymentView> {
        self.log(format!("otp {code}"));
        let current = self.stored();
        let next = if code == "123456" {
            let (state, code) = self.outcome.borrow().clone().unwrap_or(("succeeded".into(), None));
            PaymentView {
                state,
                code,
                version: current.version + 1,
                otp_expires_at: None,
                resends_left: None,
                resend_available_at: None,
                attempt: None,
                ..current
            }
        } else {
            let deadline = current.otp_expires_at.as_deref().map(js_sys::Date::parse).unwrap();
            self.awaiting(deadline, current.resends_left.unwrap(), current.attempt.unwrap() + 1, Some("wrong_code"), current.version + 1)
        };
        *self.payment.borrow_mut() = Some(next.clone());
        ready(Ok(next))
    }

    fn resend<'a>(&'a self, _payment_id: &'a str) -> Pending<'a, PaymentView> {
        self.log("resend".into());
        let current = self.stored();
        let left = current.resends_left.unwrap_or(0);
        if left == 0 {
            return ready(Err(ApiError::Api { status: 429, code: "resend_limit".into(), message: "none left".into(), retry_after_s: None }));
        }
        let next = self.awaiting(now() + self.ttl_ms, left - 1, current.attempt.unwrap_or(1), None, current.version + 1);
        *self.payment.borrow_mut() = Some(next.clone());
        ready(Ok(next))
    }

    fn payment_page_closed<'a>(&'a self, _session: &'a str) -> Pending<'a, PaymentView> {
        self.log("page closed".into());
        ready(Ok(self.stored()))
    }

    fn events_url(&self, _payment_id: &str) -> Option<String> {
        None
    }
}

/// A fresh element to mount into, so tests never share DOM.
/// The "send a new code" button while it is offered (it is `hidden`, not removed, otherwise).
const SHOWN_RESEND: &str = "[data-testid=resend]:not([hidden])";

fn wrapper() -> HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let element: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&element).unwrap();
    element
}

struct Mounted {
    root: HtmlElement,
    events: Rc<RefCell<Vec<(String, JsValue)>>>,
    _handle: CheckoutHandle,
    _listeners: Vec<Closure<dyn FnMut(web_sys::CustomEvent)>>,
}

fn mount_fake(fake: &Rc<Fake>, locale: Locale) -> Mounted {
    let root = wrapper();
    let events = Rc::new(RefCell::new(Vec::new()));
    let mut listeners = Vec::new();
    for name in ["ready", "change", "submit", "otp-required", "success", "decline", "error", "payment-page"] {
        let events = events.clone();
        let listener = Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |event: web_sys::CustomEvent| {
            events.borrow_mut().push((event.type_(), event.detail()))
        });
        root.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref()).unwrap();
        listeners.push(listener);
    }
    let handle = mount_with(root.clone(), "cs_test".into(), locale, fake.clone());
    Mounted { root, events, _handle: handle, _listeners: listeners }
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// Waits (up to 3 s) until `selector` matches.
async fn find(root: &HtmlElement, selector: &str) -> HtmlElement {
    for _ in 0..300 {
        if let Some(found) = root.query_selector(selector).unwrap() {
            return found.unchecked_into();
        }
        sleep(10).await;
    }
    panic!("nothing matches {selector}; DOM: {}", root.inner_html());
}

/// Waits until the text of `selector` satisfies `test`.
async fn text_until(root: &HtmlElement, selector: &str, test: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    for _ in 0..300 {
        if let Some(found) = root.query_selector(selector).unwrap() {
            last = found.text_content().unwrap_or_default();
            if test(&last) {
                return last;
            }
        }
        sleep(10).await;
    }
    panic!("{selector} never matched; last text {last:?}");
}

fn type_into(input: &HtmlInputElement, text: &str) {
    input.set_value(text);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    input.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap()).unwrap();
}

fn radios(root: &HtmlElement) -> Vec<HtmlInputElement> {
    let list = root.query_selector_all("input[type=radio]").unwrap();
    (0..list.length()).map(|i| list.item(i).unwrap().unchecked_into()).collect()
}

fn checked(root: &HtmlElement) -> Option<String> {
    radios(root).into_iter().find(HtmlInputElement::checked).map(|r| r.value())
}

fn event_names(m: &Mounted) -> Vec<String> {
    m.events.borrow().iter().map(|(name, _)| name.clone()).collect()
}

fn detail(m: &Mounted, name: &str, key: &str) -> JsValue {
    let events = m.events.borrow();
    let (_, detail) = events.iter().rev().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no {name} event"));
    js_sys::Reflect::get(detail, &JsValue::from_str(key)).unwrap()
}

async fn to_otp_screen(m: &Mounted) -> HtmlInputElement {
    let phone: HtmlInputElement = find(&m.root, "[data-testid=phone]").await.unchecked_into();
    type_into(&phone, "+7 707 123 45 67");
    find(&m.root, "[data-testid=submit]").await.click();
    find(&m.root, "[data-testid=otp]").await.unchecked_into()
}

#[wasm_bindgen_test]
async fn the_session_loads_behind_a_skeleton_then_shows_amount_and_merchant() {
    let fake = Fake::new();
    let m = mount_fake(&fake, Locale::Ru);
    assert!(m.root.query_selector("[data-testid=skeleton]").unwrap().is_some(), "a skeleton first");
    assert_eq!(text_until(&m.root, "[data-testid=amount]", |t| !t.is_empty()).await, "1\u{a0}000,00\u{a0}₸");
    assert!(m.root.text_content().unwrap().contains("Получатель: Sulpak"));
    assert_eq!(event_names(&m).first().map(String::as_str), Some("ready"));
}

#[wasm_bindgen_test]
async fn the_operator_picker_is_a_radio_group_of_the_sessions_operators() {
    let fake = Fake::new();
    let m = mount_fake(&fake, Locale::En);
    find(&m.root, "fieldset legend").await;
    assert_eq!(m.root.query_selector("fieldset legend").unwrap().unwrap().text_content().unwrap(), "Mobile operator");
    let radios = radios(&m.root);
    assert_eq!(radios.iter().map(HtmlInputElement::value).collect::<Vec<_>>(), ["ACTIV", "ALTEL", "BEELINE", "KCELL", "TELE2"]);
    assert!(radios.iter().all(|r| r.name() == radios[0].name()), "one group: arrow keys move between them");
    assert!(radios.iter().all(|r| !r.checked()), "nothing chosen before a number is typed");
}

#[wasm_bindgen_test]
async fn the_phone_formats_as_typed_and_suggests_an_operator_the_customer_can_change() {
    let fake = Fake::new();
    let m = mount_fake(&fake, Locale::En);
    let phone: HtmlInputElement = find(&m.root, "[data-testid=phone]").await.unchecked_into();
    assert_eq!(
        (phone.type_().as_str(), phone.get_attribute("inputmode").as_deref(), phone.get_attribute("autocomplete").as_deref()),
        ("tel", Some("tel"), Some("tel"))
    );
    type_into(&phone, "8707123");
    assert_eq!(phone.value(), "8 707 123");
    type_into(&phone, "87071234567");
    assert_eq!(phone.value(), "8 707 123 45 67");
    for _ in 0..100 {
        if checked(&m.root).is_some() {
            break;
        }
        sleep(10).await;
    }
    assert_eq!(checked(&m.root).as_deref(), Some("TELE2"), "707 suggests Tele2");

    // The customer moved their number to Kcell: their choice wins over later suggestions.
    radios(&m.root)[3].click();
    type_into(&phone, "+7 707 123 45 68");
    sleep(50).await;
    assert_eq!(checked(&m.root).as_deref(), Some("KCELL"));
}

#[wasm_bindgen_test]
async fn a_bad_number_gets_a_specific_message_next_to_the_field_and_is_not_sent() {
    let fake = Fake::new();
    let m = mount_fake(&fake, Locale::Ru);
    let phone: HtmlInputElement = find(&m.root, "[data-testid=phone]").await.unchecked_into();
    type_into(&phone, "+7 916 123 45 67");
    find(&m.root, "[data-testid=submit]").await.click();
    let message = text_until(&m.root, "[data-testid=phone-error]", |t| !t.is_empty()).await;
    assert!(message.contains("российский"), "{message}");
    assert_eq!(phone.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert!(phone.get_attribute("aria-describedby").unwrap().contains(&m.root.query_selector("[data-testid=phone-error]").unwrap().unwrap().id()));
    type_into(&phone, "+7 701 12");
    find(&m.root, "[data-testid=submit]").await.click();
    text_until(&m.root, "[data-testid=phone-error]", |t| t.contains("короткий")).await;
    assert!(fake.calls.borrow().iter().all(|c| !c.starts_with("start")));
}

#[wasm_bindgen_test]
async fn the_otp_screen_counts_down_from_the_deadline() {
    let fake = Fake::new();
    let m = mount_fake(&fake, Locale::En);
    let otp = to_otp_screen(&m).await;
    assert_eq!(fake.calls.borrow().iter().find(|c| c.starts_with("start")).unwrap(), "start TELE2 77071234567");
    assert_eq!(
        (otp.get_attribute("autocomplete").as_deref(), otp.get_attribute("inputmode").as_deref(), otp.get_attribute("dir").as_deref()),
        (Some("one-time-code"), Some("numeric"), Some("ltr"))
    );
    let countdown = text_until(&m.root, "[data-testid=countdown]", |t| t == "01:20" || t == "01:19").await;
    assert!(countdown.starts_with("01:"));
    assert_eq!(m.root.query_selector("[role=timer]").unwrap().unwrap().text_content().unwrap(), countdown);
    assert!(m.root.query_selector(SHOWN_RESEND).unwrap().is_none(), "no new code while this one is valid");
    assert!(event_names(&m).contains(&"otp-required".to_owned()));
    assert_eq!(detail(&m, "otp-required", "resends_left").as_f64(), Some(3.0));
}

#[wasm_bindgen_test]
async fn the_countdown_is_announced_to_screen_readers_at_milestones_only() {
    // 11.5 s: the countdown starts at 12 s and crosses the 10-second milestone about 2 s later.
    let fake = Rc::new(Fake { ttl_ms: 11_500.0, ..Fake::default() });
    let m = mount_fake(&fake, Locale::En);
    to_otp_screen(&m).await;
    let region = find(&m.root, "[data-testid=announcement]").await;
    assert_eq!(region.get_attribute("aria-live").as_deref(), Some("polite"));
    assert_eq!(find(&m.root, "[role=timer]").await.get_attribute("aria-live").as_deref(), Some("off"), "the ticking timer itself is silent");
    sleep(1000).await;
    assert_eq!(region.text_content().unwrap(), "", "no announcement for ordinary seconds");
    assert_eq!(text_until(&m.root, "[data-testid=announcement]", |t| !t.is_empty()).await, "10 seconds left");
    sleep(1000).await;
    assert_eq!(region.text_content().unwrap(), "10 seconds left", "nothing new between milestones");
}

#[wasm_bindgen_test]
async fn a_wrong_code_says_so_and_clears_the_field() {
    let fake = Fake::new();
    let m = mount_fake(&fake, Locale::En);
    let otp = to_otp_screen(&m).await;
    type_into(&otp, "000-000");
    let message = text_until(&m.root, "[data-testid=otp-error]", |t| !t.is_empty()).await;
    assert!(message.contains("not right"), "{message}");
    assert_eq!(otp.value(), "", "cleared for the next try");
    assert_eq!(fake.calls.borrow().last().unwrap(), "otp 000000", "dashes are dropped and the full code submits itself");
}

#[wasm_bindgen_test]
async fn the_right_code_shows_the_payment_with_amount_and_masked_phone() {
    let fake = Fake::new();
    let m = mount_fake(&fake, Locale::En);
    let otp = to_otp_screen(&m).await;
    type_into(&otp, "123 456");
    let detail_text = text_until(&m.root, "[data-testid=result-detail]", |t| !t.is_empty()).await;
    assert_eq!(detail_text, "₸1,000.00 paid from +7 707 ••• •• 67");
    assert_eq!(m.root.query_selector("[data-testid=result] h2").unwrap().unwrap().text_content().unwrap(), "Payment complete");
    let names = event_names(&m);
    for expected in ["ready", "change", "submit", "otp-required", "success"] {
        assert!(names.contains(&expected.to_owned()), "{expected} missing from {names:?}");
    }
    assert_eq!(detail(&m, "success", "amount").as_f64(), Some(100_000.0));
    // The inner form's native `submit` and the inputs' native `change` never reach the host.
    assert!(m.events.borrow().iter().all(|(_, detail)| detail.is_object()), "every event is the widget's own, with a detail");
}

#[wasm_bindgen_test]
async fn an_expired_code_offers_a_new_one_with_the_count_until_none_are_left() {
    let fake = Rc::new(Fake { ttl_ms: 0.0, ..Fake::default() });
    let m = mount_fake(&fake, Locale::Ru);
    to_otp_screen(&m).await;
    assert!(text_until(&m.root, "[data-testid=otp-expired]", |t| !t.is_empty()).await.contains("истёк"));
    let resend = find(&m.root, SHOWN_RESEND).await;
    assert!(resend.text_content().unwrap().contains("осталось 3 попытки"), "{}", resend.text_content().unwrap());
    for left in ["осталось 2 попытки", "осталась 1 попытка"] {
        find(&m.root, SHOWN_RESEND).await.click();
        text_until(&m.root, "[data-testid=resend]", |t| t.contains(left)).await;
    }
    find(&m.root, SHOWN_RESEND).await.click();
    find(&m.root, "[data-testid=start-over]:not([hidden])").await;
    assert!(m.root.query_selector(SHOWN_RESEND).unwrap().is_none(), "gone when none are left");
    assert!(m.root.text_content().unwrap().contains("новые коды закончились"));
}

#[wasm_bindgen_test]
async fn a_reload_resumes_on_the_otp_screen_with_the_remaining_time() {
    let fake = Fake::new();
    *fake.payment.borrow_mut() = Some(fake.awaiting(now() + 42_000.0, 2, 1, None, 5));
    let m = mount_fake(&fake, Locale::Kk);
    find(&m.root, "[data-testid=otp]").await;
    let countdown = text_until(&m.root, "[data-testid=countdown]", |t| !t.is_empty()).await;
    assert!(countdown == "00:42" || countdown == "00:41", "{countdown}");
    assert!(m.root.text_content().unwrap().contains("SMS-тегі кодты енгізіңіз"));
    assert_eq!(detail(&m, "otp-required", "resumed").as_bool(), Some(false));
}

#[wasm_bindgen_test]
async fn a_decline_explains_itself_and_try_again_starts_over() {
    let fake = Fake::new();
    *fake.outcome.borrow_mut() = Some(("declined".into(), Some("20105".into())));
    let m = mount_fake(&fake, Locale::En);
    let otp = to_otp_screen(&m).await;
    type_into(&otp, "123456");
    let text = text_until(&m.root, "[data-testid=result-detail]", |t| !t.is_empty()).await;
    assert!(text.contains("not enough money"), "{text}");
    assert_eq!(detail(&m, "decline", "code").as_string().as_deref(), Some("20105"));
    find(&m.root, "[data-testid=try-again]").await.click();
    let phone: HtmlInputElement = find(&m.root, "[data-testid=phone]").await.unchecked_into();
    assert!(phone.value().contains("707"), "the number is kept for the new attempt: {}", phone.value());
}

#[wasm_bindgen_test]
async fn a_failed_start_says_so_and_can_be_retried() {
    let fake = Fake::new();
    *fake.start_error.borrow_mut() = Some(ApiError::Transport("offline".into()));
    let m = mount_fake(&fake, Locale::En);
    let phone: HtmlInputElement = find(&m.root, "[data-testid=phone]").await.unchecked_into();
    type_into(&phone, "77071234567");
    let submit = find(&m.root, "[data-testid=submit]").await;
    submit.click();
    assert!(text_until(&m.root, "[data-testid=form-error]", |t| !t.is_empty()).await.contains("Network error"));
    assert_eq!(detail(&m, "error", "stage").as_string().as_deref(), Some("start"));
    assert!(!submit.unchecked_ref::<web_sys::HtmlButtonElement>().disabled(), "the button is back for a retry");
    submit.click();
    find(&m.root, "[data-testid=otp]").await;
}

#[wasm_bindgen_test]
async fn an_unknown_session_says_the_link_expired() {
    let fake = Fake::new();
    *fake.session_error.borrow_mut() =
        Some(ApiError::Api { status: 404, code: "session_not_found".into(), message: "no".into(), retry_after_s: None });
    let m = mount_fake(&fake, Locale::En);
    assert!(text_until(&m.root, "[data-testid=load-failed]", |t| !t.is_empty()).await.contains("link has expired"));
}

#[wasm_bindgen_test]
async fn every_locale_renders_every_screen_without_placeholders() {
    for locale in Locale::ALL {
        let fake = Fake::new();
        let m = mount_fake(&fake, locale);
        find(&m.root, "[data-testid=phone]").await;
        let form_text = m.root.text_content().unwrap();
        let otp = to_otp_screen(&m).await;
        let otp_text = m.root.text_content().unwrap();
        type_into(&otp, "123456");
        find(&m.root, "[data-testid=result]").await;
        let result_text = m.root.text_content().unwrap();
        for text in [form_text, otp_text, result_text] {
            assert!(!text.contains('{') && !text.contains('}'), "{locale:?}: {text}");
        }
        assert_eq!(m.root.query_selector("[data-testid=checkout]").unwrap().unwrap().get_attribute("lang").as_deref(), Some(locale.tag()));
    }
}

#[wasm_bindgen_test]
async fn two_widgets_on_one_page_stay_apart_and_unmount_cleans_up() {
    let (a, b) = (wrapper(), wrapper());
    let ha = mount_with(a.clone(), "cs_a".into(), Locale::En, Fake::new());
    let mut hb = mount_with(b.clone(), "cs_b".into(), Locale::En, Fake::new());
    find(&a, "input[type=radio]").await;
    find(&b, "input[type=radio]").await;
    assert_ne!(radios(&a)[0].name(), radios(&b)[0].name());
    radios(&a)[0].click();
    radios(&b)[4].click();
    assert!(radios(&a)[0].checked() && radios(&b)[4].checked());
    hb.unmount();
    assert_eq!(b.child_element_count(), 0);
    assert_eq!(radios(&a).len(), 5);
    drop(ha);
}

#[wasm_bindgen_test]
async fn after_unmount_nothing_of_the_widget_keeps_running() {
    let fake = Fake::new();
    let root = wrapper();
    let mut handle = mount_with(root.clone(), "cs_test".into(), Locale::En, fake.clone());
    let phone: HtmlInputElement = find(&root, "[data-testid=phone]").await.unchecked_into();
    type_into(&phone, "+7 707 123 45 67");
    find(&root, "[data-testid=submit]").await.click();
    find(&root, "[data-testid=otp]").await;
    // An open payment is polled every 2 s.
    for _ in 0..40 {
        if fake.polls.get() > 0 {
            break;
        }
        sleep(100).await;
    }
    assert!(fake.polls.get() > 0, "the open payment is polled");
    handle.unmount();
    assert_eq!(root.child_element_count(), 0);
    let polls = fake.polls.get();
    sleep(2_500).await;
    assert_eq!(fake.polls.get(), polls, "the clock stopped with the widget");
    // The widget let go of its backend: nothing it built (listeners, bindings, the clock) is left.
    assert_eq!(Rc::strong_count(&fake), 1, "the unmounted widget still holds its backend");
}

#[wasm_bindgen_test]
async fn the_js_mount_takes_options_and_reports_an_unreachable_backend() {
    let root = wrapper();
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"session".into(), &"cs_missing".into()).unwrap();
    js_sys::Reflect::set(&options, &"locale".into(), &"kk".into()).unwrap();
    js_sys::Reflect::set(&options, &"apiBase".into(), &"http://127.0.0.1:9".into()).unwrap();
    let _handle = mount(root.clone(), options.into());
    let text = text_until(&root, "[data-testid=load-failed]", |t| !t.is_empty()).await;
    assert!(text.contains("Желі қатесі"), "{text}");
}

fn with_methods(methods: &[&str]) -> Rc<Fake> {
    let fake = Fake::new();
    *fake.methods.borrow_mut() = methods.iter().map(|m| (*m).to_owned()).collect();
    fake
}

#[wasm_bindgen_test]
async fn cash_in_shows_the_account_limits_and_deposits_as_they_arrive() {
    let fake = with_methods(&["cash_in"]);
    let m = mount_fake(&fake, Locale::Ru);
    assert_eq!(text_until(&m.root, "[data-testid=cash-account]", |t| !t.is_empty()).await, "customer_123");
    assert!(text_until(&m.root, "[data-testid=cash-limits]", |t| !t.is_empty()).await.contains("1,00\u{a0}₸"));
    assert!(m.root.text_content().unwrap().contains("500\u{a0}000,00\u{a0}₸"));
    assert!(m.root.query_selector("[data-testid=copy]").unwrap().is_some());
    fake.deposits.borrow_mut().push(PaymentView {
        payment_id: "dep_1".into(),
        kind: "cash_in".into(),
        state: "succeeded".into(),
        amount: 250_000,
        ..PaymentView::default()
    });
    let credited = text_until(&m.root, "[data-testid=deposits]", |t| !t.is_empty()).await;
    assert_eq!(credited, "Зачислено: 2\u{a0}500,00\u{a0}₸");
    assert_eq!(detail(&m, "success", "payment_id").as_string().as_deref(), Some("dep_1"));
}

#[wasm_bindgen_test]
async fn a_payout_is_confirmed_before_it_is_sent() {
    let fake = with_methods(&["payout"]);
    let m = mount_fake(&fake, Locale::En);
    assert!(text_until(&m.root, "h2", |t| !t.is_empty()).await.contains("Receive money"));
    let phone: HtmlInputElement = find(&m.root, "[data-testid=phone]").await.unchecked_into();
    type_into(&phone, "+7 777 123 45 67");
    find(&m.root, "[data-testid=submit]").await.click();
    let question = text_until(&m.root, "[data-testid=payout-confirm] h2", |t| !t.is_empty()).await;
    assert_eq!(question, "Send ₸1,000.00 to +7 777 ••• •• 67?");
    assert!(fake.calls.borrow().iter().all(|c| !c.starts_with("payout")), "nothing is sent before the confirmation");
    find(&m.root, "[data-testid=payout-send]").await.click();
    let done = text_until(&m.root, "[data-testid=result] h2", |t| !t.is_empty()).await;
    assert_eq!(done, "Money sent");
    assert_eq!(fake.calls.borrow().iter().find(|c| c.starts_with("payout")).unwrap(), "payout BEELINE 77771234567");
}

#[wasm_bindgen_test]
async fn the_payment_page_runs_with_the_signed_parameters_and_the_result_comes_from_the_backend() {
    let fake = with_methods(&["payment_page"]);
    *fake.script_url.borrow_mut() =
        "data:text/javascript,window.EPayWidget={run:function(c,m){window.__epayConfig=c;window.__epayMethod=m;c.onLoaded();}}".into();
    let m = mount_fake(&fake, Locale::En);
    find(&m.root, "[data-testid=page-form]").await;
    radios(&m.root)[4].click();
    find(&m.root, "[data-testid=submit]").await.click();
    let done = text_until(&m.root, "[data-testid=result] h2", |t| !t.is_empty()).await;
    assert_eq!(done, "Payment complete");
    let window = web_sys::window().unwrap();
    let config = js_sys::Reflect::get(&window, &"__epayConfig".into()).unwrap();
    assert_eq!(js_sys::Reflect::get(&config, &"force_payment_method".into()).unwrap().as_string().as_deref(), Some("mobile"));
    assert!(js_sys::Reflect::get(&config, &"onPaymentSuccess".into()).unwrap().is_function());
    assert_eq!(js_sys::Reflect::get(&window, &"__epayMethod".into()).unwrap().as_string().as_deref(), Some("get"));
    assert_eq!(fake.calls.borrow().iter().find(|c| c.starts_with("page")).unwrap(), "page TELE2 en");
    assert_eq!(detail(&m, "payment-page", "message").as_string().as_deref(), Some("loaded"));
}

#[wasm_bindgen_test]
async fn a_payment_page_script_that_cannot_load_says_so() {
    let fake = with_methods(&["payment_page"]);
    *fake.script_url.borrow_mut() = "http://127.0.0.1:9/shared/merchant.js".into();
    // A fresh page would not have EPayWidget; make sure an earlier test's stand-in is gone.
    js_sys::Reflect::delete_property(&web_sys::window().unwrap(), &"EPayWidget".into()).unwrap();
    let m = mount_fake(&fake, Locale::Kk);
    find(&m.root, "[data-testid=page-form]").await;
    radios(&m.root)[0].click();
    find(&m.root, "[data-testid=submit]").await.click();
    let message = text_until(&m.root, "[data-testid=form-error]", |t| !t.is_empty()).await;
    assert!(message.contains("Төлем бетін ашу мүмкін болмады"), "{message}");
    assert_eq!(detail(&m, "error", "code").as_string().as_deref(), Some("script_load_failed"));
}

#[wasm_bindgen_test]
async fn a_declined_payout_says_so_and_can_be_tried_again() {
    let fake = with_methods(&["payout"]);
    *fake.outcome.borrow_mut() = Some(("declined".into(), Some("20000".into())));
    let m = mount_fake(&fake, Locale::Ru);
    let phone: HtmlInputElement = find(&m.root, "[data-testid=phone]").await.unchecked_into();
    type_into(&phone, "87771234567");
    find(&m.root, "[data-testid=submit]").await.click();
    find(&m.root, "[data-testid=payout-send]").await.click();
    assert_eq!(text_until(&m.root, "[data-testid=result] h2", |t| !t.is_empty()).await, "Выплата отклонена");
    assert_eq!(detail(&m, "decline", "code").as_string().as_deref(), Some("20000"));
    find(&m.root, "[data-testid=try-again]").await.click();
    find(&m.root, "[data-testid=phone]").await;
}

#[wasm_bindgen_test]
async fn an_embedded_payment_page_opens_inside_the_widget() {
    let fake = with_methods(&["payment_page"]);
    *fake.script_url.borrow_mut() = "data:text/javascript,window.EPayWidget={run:function(c,m){window.__epayTarget=c.target_element;window.__epayTargetFound=!!document.getElementById(c.target_element);}}".into();
    js_sys::Reflect::delete_property(&web_sys::window().unwrap(), &"EPayWidget".into()).unwrap();
    let root = wrapper();
    let _handle = mount_configured(root.clone(), "cs_embedded".into(), Locale::En, PageDisplay::Embedded, fake.clone());
    find(&root, "[data-testid=page-form]").await;
    radios(&root)[1].click();
    find(&root, "[data-testid=submit]").await.click();
    let window = web_sys::window().unwrap();
    for _ in 0..300 {
        if js_sys::Reflect::get(&window, &"__epayTarget".into()).unwrap().is_string() {
            break;
        }
        sleep(10).await;
    }
    let target = js_sys::Reflect::get(&window, &"__epayTarget".into()).unwrap().as_string().unwrap();
    assert!(root.query_selector(&format!("#{target}")).unwrap().is_some(), "the target element is inside this widget");
    assert_eq!(js_sys::Reflect::get(&window, &"__epayTargetFound".into()).unwrap().as_bool(), Some(true));
}
