//! What the browser tests share: a fake of the backend that speaks the contract (it reads the
//! widget's requests and writes its answers as `checkout_protocol::api` types through
//! serde-wasm-bindgen, so the widget's own decoding runs in every test), the tests' clock, and
//! helpers that find, type and wait.
//!
//! Time: widgets mounted with [`mount_fake_clocked`] run on the tests' clock. [`advance`] moves it
//! on at once (as after a hidden tab), [`step`] by one 250 ms tick, and [`step_until`] ticks until
//! something happened; a test then spends milliseconds on what takes the widget seconds (a look
//! at the payment every 2 s, at the deposits every 3 s).

mod fake;

use std::cell::RefCell;
use std::rc::Rc;

use checkout_protocol::Locale;
pub use fake::*;
use kz_mobile_checkout::clock::{Clock, Ticker, TICK_MS};
use kz_mobile_checkout::{mount_clocked, mount_with, CheckoutHandle, PageDisplay};
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
///
/// The caller's test holds the [`ClockBack`]: one taken here would put the clock back to zero,
/// under the caller's widgets, the moment this returns.
pub async fn a_poll_elsewhere() {
    let control = Fake::new();
    let m = mount_fake_on(&control, Locale::En, Some(tests_clock()));
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

/// Replaces the page's `navigator.clipboard.writeText` with one that writes, or one that refuses
/// as a browser does without permission.
pub fn clipboard_stand_in(writes: bool) {
    let navigator = web_sys::window().unwrap().navigator();
    let clipboard: js_sys::Object = js_sys::Reflect::get(&navigator, &"clipboard".into()).unwrap().unchecked_into();
    let body = if writes { "return Promise.resolve()" } else { "return Promise.reject(new DOMException('denied', 'NotAllowedError'))" };
    let descriptor = js_sys::Object::new();
    js_sys::Reflect::set(&descriptor, &"value".into(), &js_sys::Function::new_with_args("text", body)).unwrap();
    js_sys::Reflect::set(&descriptor, &"configurable".into(), &true.into()).unwrap();
    js_sys::Object::define_property(&clipboard, &"writeText".into(), &descriptor);
}

pub fn text_of(root: &HtmlElement, selector: &str) -> String {
    root.query_selector(selector).unwrap().map(|e| e.text_content().unwrap_or_default()).unwrap_or_default()
}

pub fn active_test_id() -> Option<String> {
    let document = web_sys::window().unwrap().document().unwrap();
    document.active_element().and_then(|e| e.get_attribute("data-testid"))
}
