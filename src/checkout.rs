//! The checkout: load the session, take operator and phone, follow the payment live, take the
//! OTP with a countdown and "send a new code", and show the result. Every screen is derived from
//! the backend's view of the payment, so a reload resumes exactly where the customer was.
//!
//! Written for a small bundle (ARCHITECTURE.md, "Widget size"): views are built with
//! [`crate::dom`], a screen is built anew when the customer moves to another, changing text is
//! bound to signals directly, everything that happens over time hangs off one clock, and every
//! change of the payment goes through one method, `Checkout::accept`, rather than through
//! effects. Handlers share the checkout through one `Rc` instead of copying the signals they use.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use checkout_protocol::{Amount, KzMobile, Locale};
use reactive_graph::computed::Memo;
use reactive_graph::graph::untrack;
use reactive_graph::owner::{LocalStorage, StoredValue};
use reactive_graph::prelude::*;
use reactive_graph::signal::RwSignal;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;

use crate::api::{parse_time, ApiError, Backend, FromJs, PaymentView, SessionView};
use crate::clock::{local_now, mm_ss, offset_of, seconds_until};
use crate::dom::{button, el, focus_later, input_in, input_of, own_form, region, request_animation_frame, set_interval, slot, El, Slot};
use crate::host_events::{Field, Host};
use crate::i18n::{resends_left, seconds_left, t, tf, Msg};
use crate::operator_picker::operator_picker;
use crate::payment_page::{ensure_script, run as run_payment_page, PageDisplay};
use crate::phone_field::{phone_field, phone_message};

/// Digits in the platform's OTPs; the field submits itself when it has this many.
pub const OTP_LENGTH: usize = 6;
/// The widget's clock: four ticks a second is plenty for `mm:ss`.
const TICK: Duration = Duration::from_millis(250);
/// Ticks between polls of an open payment (2 s). Polling runs beside the live stream, so a lost
/// connection or a proxy that buffers events never leaves the customer stuck.
const POLL_TICKS: u32 = 8;
/// Ticks between looks for new deposits in cash-in mode (3 s).
const DEPOSIT_TICKS: u32 = 12;
/// Seconds left on a code at which screen readers hear the countdown: not every second.
const MILESTONES: [u64; 4] = [60, 30, 10, 0];

/// What distinguishes one state of a payment from the next, for the host page's events: state,
/// attempt, new codes left.
type StateKey = (String, Option<u32>, Option<u8>);

/// What the customer sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Screen {
    Loading,
    LoadFailed,
    Form,
    /// The payout's "send to this number?" step; a form screen to the host page.
    PayoutConfirm,
    Waiting,
    Otp,
    Result,
}

impl Screen {
    /// The screen's name, for `data-screen` (tests and host-page styling).
    const fn name(self) -> &'static str {
        match self {
            Screen::Loading => "loading",
            Screen::LoadFailed => "load-failed",
            Screen::Form | Screen::PayoutConfirm => "form",
            Screen::Waiting => "waiting",
            Screen::Otp => "otp",
            Screen::Result => "result",
        }
    }
}

/// What the widget does, from the session's first method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Mobile,
    PaymentPage,
    CashIn,
    Payout,
}

impl Mode {
    fn of(session: Option<&SessionView>) -> Mode {
        match session.and_then(|s| s.methods.first()).map(String::as_str) {
            Some("payment_page") => Mode::PaymentPage,
            Some("cash_in") => Mode::CashIn,
            Some("payout") => Mode::Payout,
            _ => Mode::Mobile,
        }
    }
}

/// The code of a Payment Page payment the platform never heard of once the page closed
/// (`checkout_server::service::ABANDONED`).
const ABANDONED: &str = "abandoned";

/// The message for an error code of the backend.
fn api_message(code: &str) -> Msg {
    match code {
        "network" => Msg::NetworkError,
        "session_not_found" => Msg::SessionNotFound,
        "phone_empty" => Msg::PhoneEmpty,
        "phone_too_short" => Msg::PhoneTooShort,
        "phone_too_long" => Msg::PhoneTooLong,
        "phone_russian" => Msg::PhoneRussian,
        "phone_not_kz_mobile" => Msg::PhoneNotKzMobile,
        "phone_foreign" => Msg::PhoneForeign,
        "phone_invalid_character" => Msg::PhoneInvalidCharacter,
        "operator_unknown" => Msg::OperatorRequired,
        "otp_invalid" => Msg::OtpShape,
        "resend_limit" => Msg::OtpExpiredNoneLeft,
        _ => Msg::StartFailed,
    }
}

/// The explanation of a decline code.
fn decline_message(code: Option<&str>) -> Msg {
    match code {
        Some("20105") => Msg::DeclineFunds,
        _ => Msg::DeclineGeneral,
    }
}

/// Whole seconds left on the payment's code at `server_now`, if it has one.
fn code_seconds_left(payment: Option<&PaymentView>, server_now: f64) -> Option<u64> {
    let deadline = payment?.otp_expires_at.as_deref().and_then(parse_time)?;
    Some(seconds_until(deadline, server_now))
}

/// The payment's id while it is still open (not in a final state).
fn open_payment_id(payment: &Option<PaymentView>) -> Option<&str> {
    payment.as_ref().filter(|p| !p.is_final()).map(|p| p.payment_id.as_str())
}

/// Whether a new code can be asked for at `server_now`.
fn resend_open(payment: Option<&PaymentView>, server_now: f64) -> bool {
    payment
        .is_some_and(|p| p.resends_left.unwrap_or(0) > 0 && p.resend_available_at.as_deref().and_then(parse_time).is_some_and(|at| server_now >= at))
}

/// A number unique to this widget instance, for DOM ids.
fn unique() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// What the widget keeps between events without showing it.
#[derive(Debug, Default)]
struct Memory {
    /// The payment state the host page last heard of.
    announced: Option<StateKey>,
    /// Seconds left on the code at the previous tick, for the countdown's milestones.
    seconds_left: Option<u64>,
    /// Clock ticks since the widget was mounted.
    ticks: u32,
}

/// The live stream of an open payment's changes. Dropping it closes the connection.
struct LiveStream {
    payment_id: String,
    source: web_sys::EventSource,
    _on_payment: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for LiveStream {
    fn drop(&mut self) {
        self.source.close();
    }
}

/// One mounted checkout: what it knows, shows and does. Handlers and bindings share it through an
/// `Rc`, so each holds one pointer rather than a copy of every signal it touches.
///
/// The `Rc` never owns a closure that holds it back: listeners, bindings, the clock and the live
/// stream belong to Leptos's owner, which drops them at unmount and so frees this too.
struct Checkout {
    locale: Locale,
    /// Unique to this widget on the page, for DOM ids.
    uid: u32,
    display: PageDisplay,
    backend: Rc<dyn Backend>,
    host: Host,
    /// The session token the merchant's server created.
    token: String,
    memory: RefCell<Memory>,
    /// The live stream of the open payment (in Leptos's arena, so unmounting closes it).
    stream: StoredValue<Option<LiveStream>, LocalStorage>,

    session_view: RwSignal<Option<SessionView>>,
    load_error: RwSignal<Option<String>>,
    payment: RwSignal<Option<PaymentView>>,
    deposits: RwSignal<Vec<PaymentView>>,
    /// The browser's clock at the last tick.
    now: RwSignal<f64>,
    /// Server time minus browser time, measured whenever a view arrives.
    clock_offset: RwSignal<f64>,

    // Texts on screen: one signal type, so the code that shows them exists once.
    phone_error: RwSignal<Option<String>>,
    operator_error: RwSignal<Option<String>>,
    form_error: RwSignal<Option<String>>,
    otp_error: RwSignal<Option<String>>,
    otp_notice: RwSignal<Option<String>>,
    connection_notice: RwSignal<Option<String>>,
    announcement: RwSignal<Option<String>>,

    phone: RwSignal<String>,
    /// The chosen operator's id.
    operator: RwSignal<Option<String>>,
    chosen_by_customer: RwSignal<bool>,
    submitting: RwSignal<bool>,
    otp_busy: RwSignal<bool>,
    code_sent: RwSignal<bool>,
    payout_confirming: RwSignal<bool>,
    copied: RwSignal<bool>,
    /// The Payment Page of the open payment is no longer on screen (closed, or gone with a
    /// reload): the backend is asked to settle it, and the widget says it is checking.
    page_closed: RwSignal<bool>,

    phone_input: Slot,
    otp_input: Slot,
    result_title: Slot,
}

/// A handler that calls one method of the checkout. One closure type serves every such handler.
fn act(this: &Rc<Checkout>, method: fn(&Rc<Checkout>)) -> impl FnMut(web_sys::Event) + 'static {
    let this = this.clone();
    move |_| method(&this)
}

impl Checkout {
    fn text(&self, msg: Msg) -> Option<String> {
        Some(t(self.locale, msg).into())
    }

    /// The server's clock now, as far as the widget can tell; it reads `now`, so a binding that
    /// calls it follows the clock.
    fn server_now(&self) -> impl Fn() -> f64 + Copy + 'static {
        let (now, offset) = (self.now, self.clock_offset);
        move || now.get() + offset.get()
    }

    /// Answers can arrive after the widget was unmounted; they must then touch nothing.
    fn alive(&self) -> bool {
        !self.payment.is_disposed()
    }

    /// What the widget does; read once the session is there, it never changes after.
    fn mode(&self) -> Mode {
        self.session_view.with_untracked(|s| Mode::of(s.as_ref()))
    }

    fn emit(&self, name: &str, fields: &[(&str, Field)]) {
        self.host.emit(name, fields);
    }

    /// A failed call at `stage`: tells the host page, and gives the text to show the customer.
    fn failure(&self, error: &ApiError, stage: &str) -> Option<String> {
        self.emit("error", &[("code", error.code().into()), ("stage", stage.into())]);
        self.text(api_message(error.code()))
    }

    /// Tells the host page about a new state of the payment and moves the focus to match.
    fn announce(&self, view: &PaymentView, previous: Option<StateKey>) {
        let id = Field::Text(view.payment_id.clone());
        match view.state.as_str() {
            "awaiting_otp" => {
                self.code_sent.set(false);
                self.otp_error.set(match view.last_error.as_deref() {
                    Some("wrong_code") => self.text(Msg::OtpWrong),
                    Some("expired") => self.text(Msg::OtpExpired),
                    _ => None,
                });
                if let Some(input) = input_in(self.otp_input) {
                    input.set_value("");
                }
                let resumed = previous.is_some_and(|(state, _, _)| state == "awaiting_otp");
                self.emit(
                    "otp-required",
                    &[
                        ("payment_id", id),
                        ("attempt", Field::Number(f64::from(view.attempt.unwrap_or(1)))),
                        ("resends_left", Field::Number(f64::from(view.resends_left.unwrap_or(0)))),
                        ("otp_expires_at", view.otp_expires_at.as_deref().into()),
                        ("last_error", view.last_error.as_deref().into()),
                        ("resumed", Field::Bool(resumed)),
                    ],
                );
                focus_later(self.otp_input);
            }
            "succeeded" => self
                .emit("success", &[("payment_id", id), ("amount", Field::Number(view.amount as f64)), ("currency", view.currency.as_str().into())]),
            "declined" => {
                self.emit("decline", &[("payment_id", id), ("code", view.code.as_deref().into()), ("message", view.message.as_deref().into())])
            }
            "failed" => self.emit(
                "error",
                &[
                    ("payment_id", id),
                    ("code", view.code.as_deref().into()),
                    ("message", view.message.as_deref().into()),
                    ("stage", "payment".into()),
                ],
            ),
            _ => {}
        }
        if view.is_final() {
            focus_later(self.result_title);
        }
    }

    /// Every view of the payment, from answers, the live stream and polling, comes in here; an
    /// older one arriving late is ignored.
    fn accept(&self, view: PaymentView) {
        if !self.alive() {
            return;
        }
        let fresh =
            self.payment.with_untracked(|current| current.as_ref().is_none_or(|c| c.payment_id != view.payment_id || view.version >= c.version));
        if !fresh {
            return;
        }
        self.clock_offset.set(offset_of(&view));
        self.now.set(local_now());
        if view.state == "failed" && view.code.as_deref() == Some(ABANDONED) {
            // A Payment Page left without paying, as the platform confirmed: the button again.
            self.payment.set(None);
            self.page_closed.set(false);
            self.memory.borrow_mut().announced = None;
            return;
        }
        let key = (view.state.clone(), view.attempt, view.resends_left);
        let previous = self.memory.borrow_mut().announced.replace(key.clone());
        if previous.as_ref() != Some(&key) {
            self.announce(&view, previous);
        }
        self.payment.set(Some(view));
    }

    /// Follows the open payment over Server-Sent Events; any other stream closes. The clock calls
    /// it, so a stream opens within a tick of a payment opening and closes when it ends.
    fn follow(self: &Rc<Self>) {
        // Asked every tick: compares in place, and copies the id only when the stream must change.
        let following = self.payment.with_untracked(|p| self.stream.with_value(|s| s.as_ref().map(|s| s.payment_id.as_str()) == open_payment_id(p)));
        if following {
            return;
        }
        self.stream.set_value(None);
        let Some(payment_id) = self.payment.with_untracked(|p| open_payment_id(p).map(str::to_owned)) else { return };
        let Some(url) = self.backend.events_url(&payment_id) else { return };
        let Ok(source) = web_sys::EventSource::new(&url) else { return };
        let this = self.clone();
        let on_payment = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            this.connection_notice.set(None);
            let data = event.data().as_string().unwrap_or_default();
            if let Some(view) = js_sys::JSON::parse(&data).ok().and_then(|json| PaymentView::from_js(&json)) {
                this.accept(view);
            }
        });
        let (notice, reconnecting) = (self.connection_notice, self.text(Msg::Reconnecting));
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| notice.set(reconnecting.clone()));
        let _ = source.add_event_listener_with_callback("payment", on_payment.as_ref().unchecked_ref());
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        self.stream.set_value(Some(LiveStream { payment_id, source, _on_payment: on_payment, _on_error: on_error }));
    }

    /// Back to the form, for a new attempt.
    fn forget_payment(self: &Rc<Self>) {
        self.payment.set(None);
        self.memory.borrow_mut().announced = None;
        self.follow();
    }

    fn load(self: &Rc<Self>) {
        self.load_error.set(None);
        let this = self.clone();
        spawn_local(async move {
            let answer = this.backend.session(&this.token).await;
            if !this.alive() {
                return;
            }
            match answer {
                Ok(mut view) => {
                    let resumed = view.payment.take();
                    let ready = [("merchant_name", Field::Text(view.merchant_name.clone())), ("amount", Field::Number(view.amount as f64))];
                    // Deposits change while the session stays; they live in their own signal only.
                    this.deposits.set(std::mem::take(&mut view.deposits));
                    this.session_view.set(Some(view));
                    this.emit("ready", &ready);
                    if let Some(resumed) = resumed {
                        let page_gone = this.mode() == Mode::PaymentPage && resumed.state == "processing";
                        this.accept(resumed);
                        // A reload closed any Payment Page this payment had open.
                        if page_gone {
                            this.settle_closed_page();
                        }
                    }
                }
                Err(error) => {
                    this.emit("error", &[("code", error.code().into()), ("stage", "load".into())]);
                    this.load_error.set(Some(error.code().to_owned()));
                }
            }
        });
    }

    /// Cash-in: deposits arrive whenever the customer pays at a terminal.
    fn look_for_deposits(self: &Rc<Self>) {
        let this = self.clone();
        spawn_local(async move {
            let Ok(fresh) = this.backend.session(&this.token).await else { return };
            if !this.alive() {
                return;
            }
            let known = this.deposits.with_untracked(Vec::len);
            for deposit in fresh.deposits.iter().skip(known).filter(|d| d.state == "succeeded") {
                this.emit(
                    "success",
                    &[
                        ("payment_id", deposit.payment_id.as_str().into()),
                        ("amount", Field::Number(deposit.amount as f64)),
                        ("method", "cash_in".into()),
                    ],
                );
            }
            this.deposits.set(fresh.deposits);
        });
    }

    fn poll(self: &Rc<Self>) {
        let Some(id) = self.payment.with_untracked(|p| open_payment_id(p).map(str::to_owned)) else { return };
        let this = self.clone();
        spawn_local(async move {
            if let Ok(view) = this.backend.payment(&id).await {
                // `accept` checks that the widget is still mounted.
                this.accept(view);
            }
        });
    }

    /// The clock. Nothing counts ticks to measure time: the countdown is always the server's
    /// deadline minus the server's time now, so a hidden tab or a reload keeps the right time.
    fn tick(self: &Rc<Self>) {
        self.now.set(local_now());
        self.follow();
        let left = self.payment.with_untracked(|p| code_seconds_left(p.as_ref(), untrack(self.server_now())));
        let (ticks, before) = {
            let mut memory = self.memory.borrow_mut();
            memory.ticks = memory.ticks.wrapping_add(1);
            (memory.ticks, std::mem::replace(&mut memory.seconds_left, left))
        };
        if let (Some(before), Some(left)) = (before, left) {
            // After a hidden tab several may have passed at once; the latest is the news.
            if let Some(&milestone) = MILESTONES.iter().rev().find(|&&m| before > m && left <= m) {
                self.announcement.set(match milestone {
                    60 => self.text(Msg::AnnounceMinute),
                    0 => self.text(Msg::AnnounceExpired),
                    n => Some(seconds_left(self.locale, n)),
                });
            }
        }
        if ticks % POLL_TICKS == 0 {
            self.poll();
        }
        if ticks % DEPOSIT_TICKS == 0 && self.mode() == Mode::CashIn {
            self.look_for_deposits();
        }
    }

    /// The operator the number's prefix suggests, among those the session offers.
    fn suggestion(&self, number: &KzMobile) -> Option<String> {
        self.session_view.with_untracked(|s| {
            let offered = &s.as_ref()?.operators;
            number.suggested_operators().iter().map(|op| op.code()).find(|code| offered.iter().any(|o| o.id == *code)).map(str::to_owned)
        })
    }

    fn tell_change(&self, complete: bool) {
        self.emit("change", &[("phone_complete", Field::Bool(complete)), ("operator", self.operator.get_untracked().as_deref().into())]);
    }

    /// As the customer types: suggest an operator, unless they chose one themselves.
    fn phone_typed(&self, typed: String) {
        self.form_error.set(None);
        let parsed = KzMobile::parse(&typed).ok();
        if let Some(suggested) = parsed.as_ref().filter(|_| !self.chosen_by_customer.get_untracked()).and_then(|n| self.suggestion(n)) {
            self.operator.set(Some(suggested));
            self.operator_error.set(None);
        }
        self.phone.set(typed);
        self.tell_change(parsed.is_some());
    }

    fn operator_chosen(&self) {
        self.form_error.set(None);
        self.tell_change(self.phone.with_untracked(|p| KzMobile::parse(p).is_ok()));
    }

    fn submit_phone(self: &Rc<Self>) {
        if self.submitting.get_untracked() {
            return;
        }
        let number = match KzMobile::parse(&self.phone.get_untracked()) {
            Ok(number) => number,
            Err(e) => {
                self.phone_error.set(self.text(phone_message(&e)));
                if let Some(input) = input_in(self.phone_input) {
                    let _ = input.focus();
                }
                return;
            }
        };
        // A customer quicker than the suggestion still gets it.
        let Some(op) = self.operator.get_untracked().or_else(|| self.suggestion(&number)) else {
            self.operator_error.set(self.text(Msg::OperatorRequired));
            return;
        };
        self.operator.set(Some(op.clone()));
        if self.mode() == Mode::Payout {
            self.payout_confirming.set(true);
            return;
        }
        self.submitting.set(true);
        self.form_error.set(None);
        self.emit("submit", &[("operator", op.as_str().into()), ("phone_masked", number.masked().as_str().into())]);
        let this = self.clone();
        spawn_local(async move {
            let answer = this.backend.start_payment(&this.token, &op, number.as_str()).await;
            if !this.alive() {
                return;
            }
            match answer {
                Ok(view) => this.accept(view),
                Err(error) => {
                    let msg = this.failure(&error, "start");
                    if error.code().starts_with("phone_") {
                        this.phone_error.set(msg);
                    } else {
                        this.form_error.set(msg);
                    }
                }
            }
            this.submitting.set(false);
        });
    }

    fn submit_code(self: &Rc<Self>, code: String) {
        let Some(payment_id) = self.payment.with_untracked(|p| p.as_ref().map(|p| p.payment_id.clone())) else {
            return;
        };
        if self.otp_busy.get_untracked() {
            return;
        }
        let digits: String = code.chars().filter(char::is_ascii_digit).collect();
        if !(4..=8).contains(&digits.len()) {
            self.otp_error.set(self.text(Msg::OtpShape));
            return;
        }
        self.otp_busy.set(true);
        self.otp_error.set(None);
        self.otp_notice.set(None);
        self.code_sent.set(true);
        let this = self.clone();
        spawn_local(async move {
            let answer = this.backend.submit_otp(&payment_id, &digits).await;
            if !this.alive() {
                return;
            }
            match answer {
                Ok(updated) => this.accept(updated),
                Err(error) => {
                    this.code_sent.set(false);
                    this.otp_error.set(this.failure(&error, "otp"));
                }
            }
            this.otp_busy.set(false);
        });
    }

    fn resend(self: &Rc<Self>) {
        let Some(payment_id) = self.payment.with_untracked(|p| p.as_ref().map(|p| p.payment_id.clone())) else {
            return;
        };
        if self.otp_busy.get_untracked() {
            return;
        }
        self.otp_busy.set(true);
        self.otp_error.set(None);
        let this = self.clone();
        spawn_local(async move {
            let answer = this.backend.resend(&payment_id).await;
            if !this.alive() {
                return;
            }
            match answer {
                Ok(updated) => {
                    this.accept(updated);
                    this.otp_notice.set(this.text(Msg::ResendSent));
                    if let Some(input) = input_in(this.otp_input) {
                        input.set_value("");
                        let _ = input.focus();
                    }
                }
                Err(ApiError::Api { code, retry_after_s: Some(seconds), .. }) if code == "resend_too_early" => {
                    this.otp_error.set(Some(tf(this.locale, Msg::ResendTooEarly, &[("seconds", &seconds.to_string())])));
                }
                Err(error) => this.otp_error.set(this.text(api_message(error.code()))),
            }
            this.otp_busy.set(false);
        });
    }

    /// The Payment Page reports what happens on it; the result shown is still the backend's.
    fn page_message(self: &Rc<Self>, message: &'static str) {
        if !self.alive() {
            return;
        }
        self.emit("payment-page", &[("message", message.into())]);
        // Closed: the page's word is not the outcome. The payment is followed until the backend
        // knows it; only a payment it confirms abandoned brings the pay button back (`accept`).
        if message == "exit" && self.payment.with_untracked(|p| open_payment_id(p).is_some()) {
            self.settle_closed_page();
        }
    }

    /// Asks the backend to settle the session's Payment Page payment now that no page shows it.
    fn settle_closed_page(self: &Rc<Self>) {
        if self.page_closed.get_untracked() {
            return;
        }
        self.page_closed.set(true);
        let this = self.clone();
        spawn_local(async move {
            let answer = this.backend.payment_page_closed(&this.token).await;
            if this.alive() {
                if let Ok(view) = answer {
                    this.accept(view);
                }
            }
        });
    }

    fn page_failed(&self, code: &str, reason: String) {
        self.form_error.set(self.text(Msg::PpLoadFailed));
        self.emit("error", &[("code", code.into()), ("stage", "payment_page".into()), ("message", reason.as_str().into())]);
    }

    fn pay_on_page(self: &Rc<Self>) {
        if self.submitting.get_untracked() {
            return;
        }
        let op = self.operator.get_untracked().unwrap_or_default();
        self.submitting.set(true);
        self.form_error.set(None);
        self.emit("submit", &[("operator", op.as_str().into()), ("method", "payment_page".into())]);
        let this = self.clone();
        spawn_local(async move {
            let answer = this.backend.payment_page(&this.token, &op, this.locale.tag()).await;
            if !this.alive() {
                return;
            }
            let page = match answer {
                Ok(page) => page,
                Err(error) => {
                    this.form_error.set(this.failure(&error, "payment_page"));
                    this.submitting.set(false);
                    return;
                }
            };
            let loaded = ensure_script(&page.script_url).await;
            if !this.alive() {
                return;
            }
            this.submitting.set(false);
            if let Err(reason) = loaded {
                this.page_failed("script_load_failed", reason);
                return;
            }
            // Followed like any payment: the result shown is the backend's, never the page's word.
            this.page_closed.set(false);
            this.accept(PaymentView {
                payment_id: page.payment_id.clone(),
                kind: "purchase".into(),
                state: "processing".into(),
                ..PaymentView::default()
            });
            let params = page.params;
            // The embedded page needs its target element, which the next frame has drawn.
            request_animation_frame(move || {
                let reporter = this.clone();
                let on_message = Rc::new(move |message: &'static str| reporter.page_message(message));
                if let Err(reason) = run_payment_page(&params, this.display, &this.page_target(), on_message) {
                    this.forget_payment();
                    this.page_failed("payment_page_failed", reason);
                }
            });
        });
    }

    fn send_payout(self: &Rc<Self>) {
        if self.submitting.get_untracked() {
            return;
        }
        let Ok(number) = KzMobile::parse(&self.phone.get_untracked()) else { return };
        let Some(op) = self.operator.get_untracked() else { return };
        self.submitting.set(true);
        self.emit("submit", &[("operator", op.as_str().into()), ("phone_masked", number.masked().as_str().into()), ("method", "payout".into())]);
        let this = self.clone();
        spawn_local(async move {
            let answer = this.backend.start_payout(&this.token, &op, number.as_str()).await;
            if !this.alive() {
                return;
            }
            match answer {
                Ok(view) => this.accept(view),
                Err(error) => {
                    this.payout_confirming.set(false);
                    this.form_error.set(this.failure(&error, "payout"));
                }
            }
            this.submitting.set(false);
        });
    }

    fn back_from_payout(self: &Rc<Self>) {
        self.payout_confirming.set(false);
    }

    fn try_again(self: &Rc<Self>) {
        self.forget_payment();
        self.payout_confirming.set(false);
        self.code_sent.set(false);
        self.otp_error.set(None);
        self.otp_notice.set(None);
        focus_later(self.phone_input);
    }

    fn copy_account(self: &Rc<Self>) {
        let account = self.session_view.with_untracked(|s| s.as_ref().and_then(|s| s.cash_in_account.clone())).unwrap_or_default();
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&account);
            self.copied.set(true);
        }
    }

    fn submit_typed_code(self: &Rc<Self>) {
        if let Some(input) = input_in(self.otp_input) {
            self.submit_code(input.value());
        }
    }

    /// The id of the element the embedded Payment Page opens in.
    fn page_target(&self) -> String {
        format!("kzc-page-{}", self.uid)
    }
}

// ---- Views. Builders read signals untracked: only the screen changing builds a screen anew;
// everything that changes within one is bound where it is shown.
impl Checkout {
    fn header(&self) -> Option<El> {
        let locale = self.locale;
        self.session_view.with_untracked(|s| {
            s.as_ref().map(|s| {
                el("header")
                    .class("kzc-header")
                    .child(el("p").class("kzc-merchant").text(&tf(locale, Msg::PayTo, &[("merchant", &s.merchant_name)])))
                    .child(el("p").class("kzc-amount").test_id("amount").text(&Amount(s.amount).format_kzt(locale)))
            })
        })
    }

    fn form_error_line(&self) -> El {
        el("p").class("kzc-error").attr("role", "alert").test_id("form-error").shows(self.form_error)
    }

    fn submit_button(&self, idle: Msg) -> El {
        let (submitting, locale) = (self.submitting, self.locale);
        el("button")
            .attr("type", "submit")
            .class("kzc-primary")
            .test_id("submit")
            .flag_with("disabled", move || submitting.get())
            .aria_with("aria-busy", move || submitting.get())
            .text_with(move || t(locale, if submitting.get() { Msg::Sending } else { idle }).into())
    }

    fn operators(self: &Rc<Self>) -> El {
        let this = self.clone();
        self.session_view.with_untracked(|s| {
            operator_picker(
                self.locale,
                s.as_ref().map_or(&[][..], |s| &s.operators),
                self.operator,
                self.chosen_by_customer,
                self.operator_error,
                &format!("kzc-operator-{}", self.uid),
                Rc::new(move || this.operator_chosen()),
            )
        })
    }

    fn phone_form(self: &Rc<Self>, payout: bool) -> Vec<El> {
        let locale = self.locale;
        let title = payout.then(|| el("h2").class("kzc-title").text(t(locale, Msg::PayoutTitle)));
        let this = self.clone();
        let form = own_form(act(self, Self::submit_phone))
            .class("kzc-form")
            .test_id("phone-form")
            .child(phone_field(
                locale,
                &format!("kzc-phone-{}", self.uid),
                &self.phone.get_untracked(),
                self.phone_input,
                self.phone_error,
                move |typed| this.phone_typed(typed),
            ))
            .child(self.operators())
            .child(self.form_error_line())
            .child(self.submit_button(if payout { Msg::Continue } else { Msg::GetCode }));
        title.into_iter().chain([form]).collect()
    }

    fn page_form(self: &Rc<Self>) -> El {
        own_form(act(self, Self::pay_on_page))
            .class("kzc-form")
            .test_id("page-form")
            .child(self.operators())
            .child(el("p").class("kzc-hint").text(t(self.locale, Msg::PpHint)))
            .child(self.form_error_line())
            .child(self.submit_button(Msg::PpPay))
    }

    fn cash_in(self: &Rc<Self>) -> El {
        let locale = self.locale;
        let s = self.session_view.get_untracked().unwrap_or_default();
        let account = s.cash_in_account.unwrap_or_default();
        let limits = s.cash_in_limits.unwrap_or_default();
        let kzt = move |amount: u64| Amount(amount).format_kzt(locale);
        let copied = self.copied;
        let copy = el("button")
            .attr("type", "button")
            .class("kzc-link")
            .test_id("copy")
            .on("click", act(self, Self::copy_account))
            .text_with(move || t(locale, if copied.get() { Msg::Copied } else { Msg::Copy }).into());
        let deposits = self.deposits;
        let credited = el("ul").class("kzc-deposits").attr("aria-live", "polite").test_id("deposits").bind(move |list| {
            list.set_text_content(None);
            deposits.with(|all| {
                for deposit in all.iter().filter(|d| d.state == "succeeded") {
                    let line = el("li").class("kzc-success").text(&tf(locale, Msg::CashCredited, &[("amount", &kzt(deposit.amount))]));
                    let _ = list.append_child(&line.0);
                }
            });
        });
        el("section")
            .class("kzc-cash-in")
            .test_id("cash-in")
            .child(el("h2").class("kzc-title").text(t(locale, Msg::CashTitle)))
            .child(
                el("ol")
                    .class("kzc-steps")
                    .child(el("li").text(t(locale, Msg::CashStepFind)))
                    .child(el("li").text(&tf(locale, Msg::CashStepService, &[("merchant", &s.merchant_name)])))
                    .child(
                        el("li")
                            .text(t(locale, Msg::CashStepAccount))
                            .text(" ")
                            .child(el("strong").class("kzc-account").attr("dir", "ltr").test_id("cash-account").text(&account))
                            .text(" ")
                            .child(copy),
                    )
                    .child(el("li").test_id("cash-limits").text(&tf(
                        locale,
                        Msg::CashStepInsert,
                        &[("min", &kzt(limits.min)), ("max", &kzt(limits.max))],
                    )))
                    .child(el("li").text(t(locale, Msg::CashStepReceipt))),
            )
            .child(credited)
            .child(el("p").class("kzc-notice").attr("role", "status").text(t(locale, Msg::CashWaiting)))
    }

    fn payout_confirm(self: &Rc<Self>) -> El {
        let locale = self.locale;
        let amount = self.session_view.with_untracked(|s| s.as_ref().map(|s| Amount(s.amount).format_kzt(locale))).unwrap_or_default();
        let masked = self.phone.with_untracked(|p| KzMobile::parse(p).map(|p| p.masked()).unwrap_or_default());
        let submitting = self.submitting;
        el("section")
            .class("kzc-confirm")
            .test_id("payout-confirm")
            .child(el("h2").class("kzc-title").attr("tabindex", "-1").text(&tf(
                locale,
                Msg::PayoutConfirm,
                &[("amount", &amount), ("phone", &masked)],
            )))
            .child(self.form_error_line())
            .child(
                button("kzc-primary", t(locale, Msg::PayoutSend))
                    .test_id("payout-send")
                    .flag_with("disabled", move || submitting.get())
                    .on("click", act(self, Self::send_payout)),
            )
            .child(button("kzc-secondary", t(locale, Msg::Back)).test_id("payout-back").on("click", act(self, Self::back_from_payout)))
    }

    fn otp_screen(self: &Rc<Self>) -> El {
        let locale = self.locale;
        let otp_id = format!("kzc-otp-{}", self.uid);
        let error_id = format!("{otp_id}-error");
        let sent_id = format!("{otp_id}-sent");
        let phone_masked = self.payment.with_untracked(|p| p.as_ref().and_then(|p| p.phone_masked.clone())).unwrap_or_default();
        let (payment, otp_error, otp_busy, server_now) = (self.payment, self.otp_error, self.otp_busy, self.server_now());
        let left = move || payment.with(|p| code_seconds_left(p.as_ref(), server_now())).unwrap_or(0);
        let resends = move || payment.with(|p| p.as_ref().and_then(|p| p.resends_left)).unwrap_or(0);
        let this = self.clone();
        let input = el("input")
            .attr("id", &otp_id)
            .class("kzc-otp-input")
            .attr("type", "text")
            .attr("inputmode", "numeric")
            .attr("autocomplete", "one-time-code")
            .attr("dir", "ltr")
            .attr("maxlength", "16")
            .test_id("otp")
            .attr("aria-describedby", &format!("{sent_id} {error_id}"))
            .aria_with("aria-invalid", move || otp_error.with(Option::is_some))
            .on("change", |ev| ev.stop_propagation())
            .on("input", move |ev| {
                let input = input_of(&ev);
                let digits: String = input.value().chars().filter(char::is_ascii_digit).collect();
                if digits != input.value() {
                    input.set_value(&digits);
                }
                if digits.len() == OTP_LENGTH {
                    this.submit_code(digits);
                }
            })
            .keep_in(self.otp_input);
        let form = own_form(act(self, Self::submit_typed_code))
            .child(el("div").class("kzc-field").child(el("label").attr("for", &otp_id).text(t(locale, Msg::OtpLabel))).child(input))
            .child(el("p").class("kzc-error").attr("id", &error_id).attr("role", "alert").test_id("otp-error").shows(otp_error))
            .child(el("p").class("kzc-notice").attr("role", "status").test_id("otp-notice").shows(self.otp_notice))
            .child(
                el("p")
                    .class("kzc-countdown")
                    .child(el("span").text(t(locale, Msg::OtpValidFor)).text(" "))
                    .child(el("span").attr("role", "timer").attr("aria-live", "off").test_id("countdown").text_with(move || mm_ss(left()))),
            )
            .child(el("p").class("kzc-error").attr("role", "alert").test_id("otp-expired").text_with(move || {
                let expired = left() == 0 && otp_error.with(Option::is_none);
                let msg = if resends() > 0 { Msg::OtpExpired } else { Msg::OtpExpiredNoneLeft };
                if expired { t(locale, msg) } else { "" }.into()
            }))
            .child(
                el("button")
                    .attr("type", "submit")
                    .class("kzc-primary")
                    .test_id("otp-submit")
                    .flag_with("disabled", move || otp_busy.get())
                    .text(t(locale, Msg::OtpSubmit)),
            )
            // Hidden rather than removed: the buttons keep their place and focus order.
            .child(
                el("button")
                    .attr("type", "button")
                    .class("kzc-secondary")
                    .test_id("resend")
                    .flag_with("hidden", move || !payment.with(|p| resend_open(p.as_ref(), server_now())))
                    .flag_with("disabled", move || otp_busy.get())
                    .on("click", act(self, Self::resend))
                    .text_with(move || format!("{} · {}", t(locale, Msg::Resend), resends_left(locale, resends()))),
            )
            .child(
                button("kzc-secondary", t(locale, Msg::TryAgain))
                    .test_id("start-over")
                    .flag_with("hidden", move || left() > 0 || resends() > 0)
                    .on("click", act(self, Self::try_again)),
            );
        el("section")
            .class("kzc-otp")
            .test_id("otp-screen")
            .child(el("h2").class("kzc-title").text(t(locale, Msg::OtpTitle)))
            .child(el("p").class("kzc-hint").attr("id", &sent_id).text(&tf(locale, Msg::OtpSentTo, &[("phone", &phone_masked)])))
            .child(form)
    }

    fn result(self: &Rc<Self>) -> El {
        let locale = self.locale;
        let view = self.payment.get_untracked().unwrap_or_default();
        let amount = Amount(view.amount).format_kzt(locale);
        let phone = view.phone_masked.clone().unwrap_or_default();
        let payout = view.kind == "payout";
        let paid = |msg| tf(locale, msg, &[("amount", &amount), ("phone", &phone)]);
        let declined = || t(locale, decline_message(view.code.as_deref())).to_owned();
        let (class, title, detail, retry) = match view.state.as_str() {
            "succeeded" if payout => ("kzc-result kzc-success", Msg::PayoutDone, paid(Msg::PayoutDoneDetail), false),
            "declined" if payout => ("kzc-result kzc-declined", Msg::PayoutDeclined, declined(), true),
            "succeeded" | "partially_refunded" => ("kzc-result kzc-success", Msg::Success, paid(Msg::SuccessDetail), false),
            "refunded" => ("kzc-result", Msg::Refunded, String::new(), false),
            "declined" => ("kzc-result kzc-declined", Msg::Declined, declined(), true),
            _ => ("kzc-result kzc-declined", Msg::Failed, t(locale, Msg::StartFailed).to_owned(), true),
        };
        el("section")
            .class(class)
            .test_id("result")
            .attr("data-state", &view.state)
            .child(el("h2").class("kzc-title").attr("tabindex", "-1").text(t(locale, title)).keep_in(self.result_title))
            .child(el("p").test_id("result-detail").text(&detail))
            .child_if(retry.then(|| button("kzc-primary", t(locale, Msg::TryAgain)).test_id("try-again").on("click", act(self, Self::try_again))))
    }

    fn waiting(self: &Rc<Self>) -> El {
        let (locale, code_sent, mode, page_closed) = (self.locale, self.code_sent, self.mode(), self.page_closed);
        el("section")
            .class("kzc-waiting")
            .attr("role", "status")
            .test_id("waiting")
            .child(el("span").class("kzc-spinner").attr("aria-hidden", "true"))
            .child(el("p").text_with(move || {
                let msg = match (mode, code_sent.get()) {
                    (Mode::PaymentPage, _) if page_closed.get() => Msg::PpChecking,
                    (Mode::PaymentPage, _) => Msg::PpWaiting,
                    (Mode::Payout, _) => Msg::PayoutWaiting,
                    (_, true) => Msg::CheckingCode,
                    _ => Msg::Waiting,
                };
                t(locale, msg).into()
            }))
            .child(el("div").attr("id", &self.page_target()).class("kzc-page").test_id("page-target"))
    }

    fn load_failed(self: &Rc<Self>) -> El {
        let locale = self.locale;
        let msg = self.load_error.with_untracked(|e| e.as_deref().map(api_message)).unwrap_or(Msg::LoadFailed);
        let retryable = msg != Msg::SessionNotFound;
        el("section")
            .class("kzc-result kzc-declined")
            .test_id("load-failed")
            .child(el("h2").class("kzc-title").text(t(locale, Msg::LoadFailed)))
            .child(el("p").attr("role", "alert").text(t(locale, msg)))
            .child_if(retryable.then(|| button("kzc-primary", t(locale, Msg::TryAgain)).on("click", act(self, Self::load))))
    }

    fn skeleton(&self) -> El {
        el("div")
            .class("kzc-skeleton")
            .attr("aria-busy", "true")
            .test_id("skeleton")
            .child(el("span").class("kzc-visually-hidden").attr("role", "status").text(t(self.locale, Msg::Loading)))
            .child(el("div").class("kzc-bone kzc-bone-title"))
            .child(el("div").class("kzc-bone"))
            .child(el("div").class("kzc-bone"))
    }

    /// Everything a screen shows: the header (every screen after loading has it), then its own.
    fn build_screen(self: &Rc<Self>, shown: Screen) -> Vec<El> {
        let own = match shown {
            Screen::Loading => vec![self.skeleton()],
            Screen::LoadFailed => vec![self.load_failed()],
            Screen::Form => match self.mode() {
                Mode::PaymentPage => vec![self.page_form()],
                Mode::CashIn => vec![self.cash_in()],
                other => self.phone_form(other == Mode::Payout),
            },
            Screen::PayoutConfirm => vec![self.payout_confirm()],
            Screen::Waiting => vec![self.waiting()],
            Screen::Otp => vec![self.otp_screen()],
            Screen::Result => vec![self.result()],
        };
        self.header().into_iter().chain(own).collect()
    }
}

/// The whole checkout, built into a new element: `session` is the token the merchant's server
/// created, `backend` the merchant backend (the real one, or a fake in tests), `host` the element
/// that receives the widget's DOM events, `display` how the hosted Payment Page opens.
///
/// Everything it creates belongs to the current Leptos owner and stops when that is cleaned up.
pub fn checkout(session: String, locale: Locale, backend: Rc<dyn Backend>, host: Host, display: PageDisplay) -> El {
    let this = Rc::new(Checkout {
        locale,
        uid: unique(),
        display,
        backend,
        host,
        token: session,
        memory: RefCell::new(Memory::default()),
        stream: StoredValue::new_local(None),
        session_view: RwSignal::new(None),
        load_error: RwSignal::new(None),
        payment: RwSignal::new(None),
        deposits: RwSignal::new(Vec::new()),
        now: RwSignal::new(local_now()),
        clock_offset: RwSignal::new(0.0),
        phone_error: RwSignal::new(None),
        operator_error: RwSignal::new(None),
        form_error: RwSignal::new(None),
        otp_error: RwSignal::new(None),
        otp_notice: RwSignal::new(None),
        connection_notice: RwSignal::new(None),
        announcement: RwSignal::new(None),
        phone: RwSignal::new(String::new()),
        operator: RwSignal::new(None),
        chosen_by_customer: RwSignal::new(false),
        submitting: RwSignal::new(false),
        otp_busy: RwSignal::new(false),
        code_sent: RwSignal::new(false),
        payout_confirming: RwSignal::new(false),
        page_closed: RwSignal::new(false),
        copied: RwSignal::new(false),
        phone_input: slot(),
        otp_input: slot(),
        result_title: slot(),
    });
    this.load();
    let clock = this.clone();
    set_interval(move || clock.tick(), TICK);

    // What the customer sees, from what the widget knows.
    let (load_error, session_view, payment, payout_confirming) = (this.load_error, this.session_view, this.payment, this.payout_confirming);
    let screen = Memo::new(move |_| {
        if load_error.with(Option::is_some) {
            return Screen::LoadFailed;
        }
        if session_view.with(Option::is_none) {
            return Screen::Loading;
        }
        let mode = session_view.with(|s| Mode::of(s.as_ref()));
        payment.with(|p| match p.as_ref().map(|p| p.state.as_str()) {
            None if mode == Mode::Payout && payout_confirming.get() => Screen::PayoutConfirm,
            None => Screen::Form,
            Some("processing") => Screen::Waiting,
            Some("awaiting_otp") => Screen::Otp,
            Some(_) => Screen::Result,
        })
    });
    let notices = el("p").class("kzc-notice").attr("role", "status").test_id("reconnecting").shows(this.connection_notice);
    let root = el("div")
        .class("kzc-root")
        .attr("lang", locale.tag())
        .test_id("checkout")
        .bind(move |root| {
            let _ = root.set_attribute("data-screen", screen.get().name());
        })
        .child(notices.clone())
        .child(el("p").class("kzc-visually-hidden").attr("aria-live", "polite").test_id("announcement").shows(this.announcement));
    region(&root, &notices, move || {
        let shown = screen.get();
        untrack(|| this.build_screen(shown))
    });
    root
}
