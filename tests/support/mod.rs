//! What the browser tests share: a fake of the backend that speaks the contract (it reads the
//! widget's requests and writes its answers as `checkout_protocol::api` types through
//! serde-wasm-bindgen, so the widget's own decoding runs in every test), the tests' clock, and
//! helpers that find, type and wait.
//!
//! Time: widgets mounted with [`mount_fake_clocked`] run on the tests' clock. [`advance`] moves it
//! on at once (as after a hidden tab), [`step`] by one 250 ms tick, and [`step_until`] ticks until
//! something happened; a test then spends milliseconds on what takes the widget seconds (a look
//! at the payment every 2 s, at the deposits every 3 s).

use std::cell::RefCell;
use std::rc::Rc;

use checkout_protocol::api::{
    ErrorBody, ErrorCode, ErrorDetail, Limits, Method, MobilePaymentRequest, OperatorView, OtpError, OtpRequest, PaymentKind, PaymentPageRequest,
    PaymentPageView, PaymentState, PaymentView, SessionView,
};
use checkout_protocol::Locale;
use kz_mobile_checkout::api::{Answer, Backend, Call, Client, Pending, SignedParams};
use kz_mobile_checkout::clock::{Clock, Ticker, TICK_MS};
use kz_mobile_checkout::{mount_clocked, mount_with, CheckoutHandle, PageDisplay};
use serde::Serialize;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlElement, HtmlInputElement};

pub fn iso(ms: f64) -> String {
    js_sys::Date::new(&JsValue::from_f64(ms)).to_iso_string().into()
}

thread_local! {
    /// How far the tests' clock is ahead of the browser's: both the fake backend's time and, in
    /// the widgets mounted with [`mount_fake_clocked`], the widget's clock. A test moves time on
    /// with [`advance`] or [`step`] instead of waiting for it.
    static AHEAD_MS: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
    /// The ticks of every widget on the tests' clock.
    static TICKER: Ticker = Ticker::new();
}

pub fn now() -> f64 {
    js_sys::Date::now() + AHEAD_MS.with(std::cell::Cell::get)
}

/// Moves the tests' clock on by `ms` at once, then ticks once: what a widget sees when its tab
/// comes back after `ms`.
pub fn advance(ms: f64) {
    AHEAD_MS.with(|ahead| ahead.set(ahead.get() + ms));
    TICKER.with(Ticker::tick);
}

/// One tick of the tests' clock (250 ms), and what it set going run as far as it goes now.
pub async fn step() {
    advance(f64::from(TICK_MS));
    sleep(0).await;
}

/// Ticks the tests' clock until `done`, at most 100 s of it.
pub async fn step_until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..400 {
        if done() {
            return;
        }
        step().await;
    }
    panic!("{what} never happened in 100 s of the tests' clock");
}

/// [`text_until`] for a widget on the tests' clock: ticks until the text passes.
pub async fn stepped_text_until(root: &HtmlElement, selector: &str, test: impl Fn(&str) -> bool) -> String {
    let text = || root.query_selector(selector).ok().flatten().and_then(|e| e.text_content()).unwrap_or_default();
    step_until(&format!("{selector} as expected"), || test(&text())).await;
    text()
}

/// Puts the tests' clock back when a test that moved it ends (also when it fails).
pub struct ClockBack;

impl Drop for ClockBack {
    fn drop(&mut self) {
        AHEAD_MS.with(|ahead| ahead.set(0.0));
    }
}

/// How the fake fails a call.
#[derive(Debug, Clone)]
pub enum Failure {
    /// No answer at all (offline).
    Transport(&'static str),
    /// The backend's error body with this status and code.
    Api(u16, ErrorCode),
    /// A limit's 429, with the seconds until a retry can work.
    Limited(ErrorCode, Option<u64>),
    /// A 200 whose body is none of the contract's shapes (a proxy's page, another version).
    Garbage,
}

pub fn view(payment_id: &str, kind: PaymentKind, state: PaymentState, version: i64) -> PaymentView {
    PaymentView::new(payment_id.into(), kind, state, 100_000, "KZT".into(), iso(now()), version)
}

/// A fake backend: a payment that asks for an OTP at once; `123456` pays, other codes are wrong.
#[derive(Default)]
pub struct Fake {
    pub payment: RefCell<Option<PaymentView>>,
    pub calls: RefCell<Vec<String>>,
    /// Looks at the payment (polling), counted apart so they never crowd `calls`.
    pub polls: std::cell::Cell<u32>,
    /// The failure the next start answers with.
    pub start_error: RefCell<Option<Failure>>,
    /// The failure the session answers with.
    pub session_error: RefCell<Option<Failure>>,
    /// The failure the next code submission answers with.
    pub code_error: RefCell<Option<Failure>>,
    /// The failure the next request for a new code answers with.
    pub resend_error: RefCell<Option<Failure>>,
    /// What a right code ends in.
    pub outcome: RefCell<Option<(PaymentState, Option<String>)>>,
    /// How long a fresh code is valid.
    pub ttl_ms: std::cell::Cell<f64>,
    /// The session answers 200 with a body that is not a session.
    pub garbage_session: std::cell::Cell<bool>,
    /// The session's methods (`mobile` when empty).
    pub methods: RefCell<Vec<Method>>,
    /// Deposits the session reports (cash-in).
    pub deposits: RefCell<Vec<PaymentView>>,
    /// Where the Payment Page script is.
    pub script_url: RefCell<String>,
    /// The live events URL, when the fake streams (never, unless a test says).
    pub events: RefCell<Option<String>>,
    /// Looks at the payment get no answer (the backend is unreachable).
    pub polls_fail: std::cell::Cell<bool>,
    /// The answer to a code takes this long (of the tests' clock).
    pub otp_delay_ms: std::cell::Cell<i32>,
    /// The answer to a look at the payment takes this long (of the tests' clock; computed when asked).
    pub poll_delay_ms: std::cell::Cell<i32>,
    /// Looks at the payment whose answer has been delivered.
    pub polls_answered: std::rc::Rc<std::cell::Cell<u32>>,
}

impl Fake {
    pub fn new() -> Rc<Fake> {
        Rc::new(Fake { ttl_ms: std::cell::Cell::new(80_000.0), ..Fake::default() })
    }

    pub fn awaiting(&self, deadline: f64, resends_left: u8, attempt: u32, last_error: Option<OtpError>, version: i64) -> PaymentView {
        PaymentView {
            phone_masked: Some("+7 707 ••• •• 67".into()),
            otp_expires_at: Some(iso(deadline)),
            resends_left: Some(resends_left),
            resend_available_at: (resends_left > 0).then(|| iso(deadline)),
            attempt: Some(attempt),
            last_error,
            ..view("pay_1", PaymentKind::Purchase, PaymentState::AwaitingOtp, version)
        }
    }

    pub fn stored(&self) -> PaymentView {
        let mut view = self.payment.borrow().clone().expect("a payment");
        view.server_time = iso(now());
        view
    }

    pub fn log(&self, call: String) {
        self.calls.borrow_mut().push(call);
    }

    pub fn session_view(&self, session: &str) -> SessionView {
        let operators = [("ACTIV", "Activ"), ("ALTEL", "Altel"), ("BEELINE", "Beeline"), ("KCELL", "Kcell"), ("TELE2", "Tele2")]
            .iter()
            .map(|(id, name)| OperatorView { id: (*id).into(), name: (*name).into() })
            .collect();
        let methods = self.methods.borrow().clone();
        SessionView {
            session: session.into(),
            amount: 100_000,
            currency: "KZT".into(),
            merchant_name: "Sulpak".into(),
            description: None,
            methods: if methods.is_empty() { vec![Method::Mobile] } else { methods },
            operators,
            operators_fallback: false,
            locale: None,
            cash_in_account: Some("customer_123".into()),
            cash_in_limits: Some(Limits { min: 100, max: 50_000_000 }),
            payment: self.payment.borrow().as_ref().map(|_| self.stored()),
            deposits: self.deposits.borrow().clone(),
        }
    }

    /// What the backend answers to `call`.
    pub fn answer(&self, call: Call) -> Result<Answer, Failure> {
        let path = call.path.strip_prefix("/api/sessions/").expect("every call names its session");
        let (session, rest) = path.split_once('/').unwrap_or((path, ""));
        let body = call.body.clone().unwrap_or(JsValue::UNDEFINED);
        match (call.method, rest.split('/').collect::<Vec<_>>().as_slice()) {
            ("GET", [""]) => {
                self.log(format!("session {session}"));
                if let Some(failure) = self.session_error.borrow().clone() {
                    return Err(failure);
                }
                if self.garbage_session.get() {
                    return ok(200, &[("unexpected", true)]);
                }
                ok(200, &self.session_view(session))
            }
            ("POST", ["mobile-payments"]) => {
                let request: MobilePaymentRequest = serde_wasm_bindgen::from_value(body).expect("the contract's request");
                self.log(format!("start {} {}", request.operator, request.phone));
                if let Some(failure) = self.start_error.borrow_mut().take() {
                    return Err(failure);
                }
                let view = self.awaiting(now() + self.ttl_ms.get(), 3, 1, None, 2);
                *self.payment.borrow_mut() = Some(view.clone());
                ok(201, &view)
            }
            ("POST", ["payouts"]) => {
                let request: MobilePaymentRequest = serde_wasm_bindgen::from_value(body).expect("the contract's request");
                self.log(format!("payout {} {}", request.operator, request.phone));
                let view = PaymentView {
                    phone_masked: Some("+7 777 ••• •• 67".into()),
                    ..view("po_1", PaymentKind::Payout, PaymentState::Processing, 1)
                };
                *self.payment.borrow_mut() = Some(view.clone());
                ok(201, &view)
            }
            ("POST", ["payment-page"]) => {
                let request: PaymentPageRequest = serde_wasm_bindgen::from_value(body).expect("the contract's request");
                self.log(format!("page {} {}", request.operator.unwrap_or_default(), request.locale.unwrap_or_default()));
                let params = js_sys::Object::new();
                js_sys::Reflect::set(&params, &"payment_id".into(), &"pay_page".into()).unwrap();
                js_sys::Reflect::set(&params, &"force_payment_method".into(), &"mobile".into()).unwrap();
                *self.payment.borrow_mut() = Some(view("pay_page", PaymentKind::Purchase, PaymentState::Processing, 1));
                let page = PaymentPageView {
                    payment_id: "pay_page".into(),
                    script_url: self.script_url.borrow().clone(),
                    params: SignedParams(params.into()),
                };
                ok(200, &page)
            }
            ("POST", ["payment-page", "closed"]) => {
                self.log("page closed".into());
                ok(202, &self.stored())
            }
            ("GET", ["payments", _]) => {
                self.polls.set(self.polls.get() + 1);
                if self.polls_fail.get() {
                    return Err(Failure::Transport("unreachable"));
                }
                // Payouts and Payment Page payments finish on the next look.
                let mut view = self.stored();
                if view.state == PaymentState::Processing {
                    let (state, code) = self.outcome.borrow().clone().unwrap_or((PaymentState::Succeeded, None));
                    view.state = state;
                    view.code = code;
                    view.version += 1;
                    *self.payment.borrow_mut() = Some(view.clone());
                }
                ok(200, &view)
            }
            ("POST", ["payments", _, "otp"]) => {
                let request: OtpRequest = serde_wasm_bindgen::from_value(body).expect("the contract's request");
                self.log(format!("otp {}", request.code));
                if let Some(failure) = self.code_error.borrow_mut().take() {
                    return Err(failure);
                }
                // The backend's limits, as the tests choose them by code.
                match request.code.as_str() {
                    "555555" => return Err(Failure::Limited(ErrorCode::OtpAttemptsExhausted, Some(30))),
                    "666666" => return Err(Failure::Limited(ErrorCode::OtpAttemptsExhausted, None)),
                    "777777" => return Err(Failure::Limited(ErrorCode::TooManyRequests, Some(130))),
                    _ => {}
                }
                let current = self.stored();
                // As the backend: a code names the attempt it answers, and any other is a copy.
                if request.attempt != current.attempt {
                    return Err(Failure::Api(409, ErrorCode::OtpAlreadySubmitted));
                }
                let next = if request.code == "123456" {
                    let (state, code) = self.outcome.borrow().clone().unwrap_or((PaymentState::Succeeded, None));
                    PaymentView {
                        state,
                        code,
                        version: current.version + 1,
                        otp_expires_at: None,
                        resends_left: None,
                        resend_available_at: None,
                        attempt: None,
                        last_error: None,
                        ..current
                    }
                } else {
                    let deadline = current.otp_expires_at.as_deref().map(js_sys::Date::parse).unwrap();
                    self.awaiting(
                        deadline,
                        current.resends_left.unwrap(),
                        current.attempt.unwrap() + 1,
                        Some(OtpError::WrongCode),
                        current.version + 1,
                    )
                };
                *self.payment.borrow_mut() = Some(next.clone());
                ok(202, &next)
            }
            ("POST", ["payments", _, "resend"]) => {
                self.log("resend".into());
                if let Some(failure) = self.resend_error.borrow_mut().take() {
                    return Err(failure);
                }
                let current = self.stored();
                let left = current.resends_left.unwrap_or(0);
                if left == 0 {
                    return Err(Failure::Api(429, ErrorCode::ResendLimit));
                }
                let next = self.awaiting(now() + self.ttl_ms.get(), left - 1, current.attempt.unwrap_or(1), None, current.version + 1);
                *self.payment.borrow_mut() = Some(next.clone());
                ok(202, &next)
            }
            other => panic!("the widget called {other:?}, which the contract does not have"),
        }
    }
}

/// An answer carrying `value` as the widget would read it from the network: JSON text parsed
/// by the browser (so it is a plain object, as `Response.json()` gives).
pub fn ok<T: Serialize>(status: u16, value: &T) -> Result<Answer, Failure> {
    let object = serde_wasm_bindgen::to_value(value).expect("contract types serialize");
    let text: String = js_sys::JSON::stringify(&object).unwrap().into();
    Ok(Answer { status, body: js_sys::JSON::parse(&text).unwrap() })
}

pub fn failed(failure: Failure) -> Result<Answer, String> {
    match failure {
        Failure::Transport(text) => Err(text.into()),
        Failure::Api(status, code) => {
            let body = ErrorBody { error: ErrorDetail { code, message: "refused".into(), retry_after_s: None } };
            Ok(ok(status, &body).unwrap_or_else(|_| unreachable!()))
        }
        Failure::Limited(code, retry_after_s) => {
            let body = ErrorBody { error: ErrorDetail { code, message: "limited".into(), retry_after_s } };
            Ok(ok(429, &body).unwrap_or_else(|_| unreachable!()))
        }
        Failure::Garbage => Ok(ok(200, &[("unexpected", true)]).unwrap_or_else(|_| unreachable!())),
    }
}

impl Backend for Fake {
    fn send(&self, call: Call) -> Pending<'_, Result<Answer, String>> {
        let is_poll = call.method == "GET" && call.path.contains("/payments/");
        let delay = if call.path.ends_with("/otp") {
            self.otp_delay_ms.get()
        } else if is_poll {
            self.poll_delay_ms.get()
        } else {
            0
        };
        let answer = self.answer(call).or_else(failed);
        let answered = self.polls_answered.clone();
        // On the tests' clock: a widget on it waits until the test has stepped that far, one on
        // the browser's until that much real time has passed.
        let due = now() + f64::from(delay);
        Box::pin(async move {
            while now() < due {
                sleep(5).await;
            }
            if is_poll {
                answered.set(answered.get() + 1);
            }
            answer
        })
    }

    fn events_url(&self, _path: &str) -> Option<String> {
        self.events.borrow().clone()
    }
}

/// A fresh element to mount into, so tests never share DOM.
/// The "send a new code" button while it is offered (it is `hidden`, not removed, otherwise).
pub const SHOWN_RESEND: &str = "[data-testid=resend]:not([hidden])";

pub fn wrapper() -> HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let element: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&element).unwrap();
    element
}

pub struct Mounted {
    pub root: HtmlElement,
    pub events: Rc<RefCell<Vec<(String, JsValue)>>>,
    pub _handle: CheckoutHandle,
    pub _listeners: Vec<Closure<dyn FnMut(web_sys::CustomEvent)>>,
}

pub fn mount_fake(fake: &Rc<Fake>, locale: Locale) -> Mounted {
    mount_fake_on(fake, locale, None)
}

/// The tests' clock, for a widget mounted by hand; the test keeps a [`ClockBack`] while it runs.
pub fn tests_clock() -> Clock {
    TICKER.with(|ticker| Clock::stepped(now, ticker))
}

/// [`mount_fake`] with the widget on the tests' clock; returns the guard that puts it back.
pub fn mount_fake_clocked(fake: &Rc<Fake>, locale: Locale) -> (Mounted, ClockBack) {
    let back = ClockBack;
    (mount_fake_on(fake, locale, Some(tests_clock())), back)
}

pub fn mount_fake_on(fake: &Rc<Fake>, locale: Locale, clock: Option<Clock>) -> Mounted {
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
    let handle = match clock {
        Some(clock) => mount_clocked(root.clone(), "cs_test".into(), locale, PageDisplay::default(), fake.clone(), clock),
        None => mount_with(root.clone(), "cs_test".into(), locale, fake.clone()),
    };
    Mounted { root, events, _handle: handle, _listeners: listeners }
}

pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// Waits until everything the widget started so far has run: its effects and its futures' next
/// steps run in microtasks, all done before the next animation frame. "Nothing happened" is
/// asserted after this (or after the event that would have happened), never after a bare sleep.
pub async fn settled() {
    for _ in 0..2 {
        let frame = js_sys::Promise::new(&mut |resolve, _| {
            web_sys::window().unwrap().request_animation_frame(&resolve).unwrap();
        });
        JsFuture::from(frame).await.unwrap();
    }
}

/// Ticks the tests' clock until a widget of its own, on another fake, has looked at its open
/// payment: every widget on the tests' clock ticks alike, so each that still polled would have
/// polled by then too.
pub async fn a_poll_elsewhere() {
    let control = Fake::new();
    let (m, _back) = mount_fake_clocked(&control, Locale::En);
    to_otp_screen(&m).await;
    step_until("a look at the control widget's payment", || control.polls.get() > 0).await;
}

/// Waits (up to 3 s) until `selector` matches.
pub async fn find(root: &HtmlElement, selector: &str) -> HtmlElement {
    for _ in 0..300 {
        if let Some(found) = root.query_selector(selector).unwrap() {
            return found.unchecked_into();
        }
        sleep(10).await;
    }
    panic!("nothing matches {selector}; DOM: {}", root.inner_html());
}

/// Waits until the text of `selector` satisfies `test`.
pub async fn text_until(root: &HtmlElement, selector: &str, test: impl Fn(&str) -> bool) -> String {
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

pub fn type_into(input: &HtmlInputElement, text: &str) {
    input.set_value(text);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    input.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap()).unwrap();
}

pub fn radios(root: &HtmlElement) -> Vec<HtmlInputElement> {
    let list = root.query_selector_all("input[type=radio]").unwrap();
    (0..list.length()).map(|i| list.item(i).unwrap().unchecked_into()).collect()
}

pub fn checked(root: &HtmlElement) -> Option<String> {
    radios(root).into_iter().find(HtmlInputElement::checked).map(|r| r.value())
}

pub fn event_names(m: &Mounted) -> Vec<String> {
    m.events.borrow().iter().map(|(name, _)| name.clone()).collect()
}

pub fn detail(m: &Mounted, name: &str, key: &str) -> JsValue {
    let events = m.events.borrow();
    let (_, detail) = events.iter().rev().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no {name} event"));
    js_sys::Reflect::get(detail, &JsValue::from_str(key)).unwrap()
}

pub async fn to_otp_screen(m: &Mounted) -> HtmlInputElement {
    submit_phone(m, "+7 707 123 45 67").await;
    find(&m.root, "[data-testid=otp]").await.unchecked_into()
}

/// Types `number` into the phone field and presses the form's button; gives the phone field.
pub async fn submit_phone(m: &Mounted, number: &str) -> HtmlInputElement {
    let phone: HtmlInputElement = find(&m.root, "[data-testid=phone]").await.unchecked_into();
    type_into(&phone, number);
    find(&m.root, "[data-testid=submit]").await.click();
    phone
}

/// Waits (up to 8 s) until `done` holds.
pub async fn until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..160 {
        if done() {
            return;
        }
        sleep(50).await;
    }
    panic!("{what} never happened");
}

pub fn with_methods(methods: &[Method]) -> Rc<Fake> {
    let fake = Fake::new();
    *fake.methods.borrow_mut() = methods.to_vec();
    fake
}

/// Ticks the tests' clock until the widget has made two more calls: cash-in looks at its session
/// every 3 s.
pub async fn two_more_calls(fake: &Fake) {
    let seen = fake.calls.borrow().len();
    step_until("two more looks at the session", || fake.calls.borrow().len() >= seen + 2).await;
}

/// On the Payment Page form: chooses the `operator`-th operator and presses pay.
pub async fn pay_on_the_page(root: &HtmlElement, operator: usize) {
    find(root, "[data-testid=page-form]").await;
    radios(root)[operator].click();
    find(root, "[data-testid=submit]").await.click();
}

/// The Payment Page script the fake backend names: `script`, a stand-in of the platform's
/// `merchant.js` (a `data:` URL) or an address. A fresh page would not have `EPayWidget` yet, so
/// an earlier test's stand-in is removed, and the widget loads this one.
pub fn page_stand_in(fake: &Fake, script: &str) {
    *fake.script_url.borrow_mut() = script.into();
    js_sys::Reflect::delete_property(&web_sys::window().unwrap(), &"EPayWidget".into()).unwrap();
}

/// How many times the fake `EPayWidget` has been run on this page.
pub fn page_openings() -> u32 {
    let configs = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__epayConfigs".into()).unwrap();
    if configs.is_object() {
        js_sys::Array::from(&configs).length()
    } else {
        0
    }
}

/// The handlers (`onExit`, `onPaymentSuccess`, …) the fake `EPayWidget` was given at its `n`-th
/// opening on this page.
pub fn page_handler(n: u32, name: &str) -> js_sys::Function {
    let window = web_sys::window().unwrap();
    let configs = js_sys::Reflect::get(&window, &"__epayConfigs".into()).unwrap();
    let config = js_sys::Reflect::get(&configs, &n.into()).unwrap();
    js_sys::Reflect::get(&config, &name.into()).unwrap().unchecked_into()
}

pub fn text_of(root: &HtmlElement, selector: &str) -> String {
    root.query_selector(selector).unwrap().map(|e| e.text_content().unwrap_or_default()).unwrap_or_default()
}

pub fn active_test_id() -> Option<String> {
    let document = web_sys::window().unwrap().document().unwrap();
    document.active_element().and_then(|e| e.get_attribute("data-testid"))
}

/// Serves the backend's golden answers (written by `crates/server/tests/contract.rs`) as they
/// came over the network.
pub struct Golden {
    pub status: u16,
    pub body: &'static str,
}

impl Backend for Golden {
    fn send(&self, _call: Call) -> Pending<'_, Result<Answer, String>> {
        let answer = Answer { status: self.status, body: js_sys::JSON::parse(self.body).unwrap() };
        Box::pin(async move { Ok(answer) })
    }

    fn events_url(&self, _path: &str) -> Option<String> {
        None
    }
}

pub fn golden(status: u16, body: &'static str) -> Client {
    Client::new(Rc::new(Golden { status, body }), "cs_golden")
}
