//! The checkout: load the session, take operator and phone, follow the payment live, take the
//! OTP with a countdown and "send a new code", and show the result. Every screen is derived from
//! the backend's view of the payment, so a reload resumes exactly where the customer was.
//!
//! Written for a small bundle (ARCHITECTURE.md, "Widget size"): views are built with
//! [`crate::dom`], a screen is built anew when the customer moves to another, changing text is
//! bound to signals directly, everything that happens over time hangs off one clock, and every
//! change of the payment goes through one function, [`checkout`]'s `accept`, rather than through
//! effects.

use std::rc::Rc;
use std::time::Duration;

use crate::dom::{request_animation_frame, set_interval};
use checkout_protocol::{Amount, KzMobile, Locale};
use reactive_graph::computed::Memo;
use reactive_graph::graph::untrack;
use reactive_graph::owner::StoredValue;
use reactive_graph::prelude::*;
use reactive_graph::signal::RwSignal;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;

use crate::api::{parse_time, ApiError, Backend, FromJs, PaymentView, SessionView};
use crate::clock::{local_now, mm_ss, offset_of, seconds_until};
use crate::dom::{button, el, focus_later, input_in, input_of, own_form, region, slot, El};
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
    /// Server time minus browser time.
    offset: f64,
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

/// The whole checkout, built into a new element: `session` is the token the merchant's server
/// created, `backend` the merchant backend (the real one, or a fake in tests), `host` the element
/// that receives the widget's DOM events, `display` how the hosted Payment Page opens.
///
/// Everything it creates belongs to the current Leptos owner and stops when that is cleaned up.
pub fn checkout(session: String, locale: Locale, backend: Rc<dyn Backend>, host: Host, display: PageDisplay) -> El {
    let backend = StoredValue::new_local(backend);
    let host = StoredValue::new_local(host);
    let token = StoredValue::new(session);
    let memory = StoredValue::new(Memory::default());
    let stream = StoredValue::new_local(None::<LiveStream>);

    let session_view = RwSignal::new(None::<SessionView>);
    let load_error = RwSignal::new(None::<String>);
    let payment = RwSignal::new(None::<PaymentView>);
    let deposits = RwSignal::new(Vec::<PaymentView>::new());
    let now = RwSignal::new(local_now());

    // Texts on screen: one signal type, so the code that shows them exists once.
    let phone_error = RwSignal::new(None::<String>);
    let operator_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let otp_error = RwSignal::new(None::<String>);
    let otp_notice = RwSignal::new(None::<String>);
    let connection_notice = RwSignal::new(None::<String>);
    let announcement = RwSignal::new(None::<String>);

    let phone = RwSignal::new(String::new());
    // The chosen operator's id (the same type as the texts, for the same reason).
    let operator = RwSignal::new(None::<String>);
    let chosen_by_customer = RwSignal::new(false);
    let submitting = RwSignal::new(false);
    let otp_busy = RwSignal::new(false);
    let code_sent = RwSignal::new(false);
    let payout_confirming = RwSignal::new(false);
    let copied = RwSignal::new(false);

    let phone_ref = slot();
    let otp_ref = slot();
    let result_ref = slot();
    let uid = unique();
    let page_target = move || format!("kzc-page-{uid}");

    let server_now = move || now.get() + memory.with_value(|m| m.offset);
    // Answers can arrive after the widget was unmounted; they must then touch nothing.
    let alive = move || !payment.is_disposed();
    // Read once the session is there; it never changes after.
    let mode = move || session_view.with_untracked(|s| Mode::of(s.as_ref()));
    let emit = move |name: &str, fields: &[(&str, Field)]| host.with_value(|h| h.emit(name, fields));
    // A failed call at `stage`: tells the host page, and gives the text to show the customer.
    let failure = move |error: &ApiError, stage: &str| -> Option<String> {
        emit("error", &[("code", error.code().into()), ("stage", stage.into())]);
        Some(t(locale, api_message(error.code())).into())
    };

    // Tells the host page about a new state of the payment and moves the focus to match.
    let announce = move |view: &PaymentView, previous: Option<StateKey>| {
        let id = Field::Text(view.payment_id.clone());
        match view.state.as_str() {
            "awaiting_otp" => {
                code_sent.set(false);
                otp_error.set(match view.last_error.as_deref() {
                    Some("wrong_code") => Some(t(locale, Msg::OtpWrong).into()),
                    Some("expired") => Some(t(locale, Msg::OtpExpired).into()),
                    _ => None,
                });
                if let Some(input) = input_in(otp_ref) {
                    input.set_value("");
                }
                let resumed = previous.is_some_and(|(state, _, _)| state == "awaiting_otp");
                emit(
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
                focus_later(otp_ref);
            }
            "succeeded" => {
                emit("success", &[("payment_id", id), ("amount", Field::Number(view.amount as f64)), ("currency", view.currency.as_str().into())])
            }
            "declined" => emit("decline", &[("payment_id", id), ("code", view.code.as_deref().into()), ("message", view.message.as_deref().into())]),
            "failed" => emit(
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
            focus_later(result_ref);
        }
    };

    // Every view of the payment, from answers, the live stream and polling, comes in here; an
    // older one arriving late is ignored.
    let accept = move |view: PaymentView| {
        if !alive() {
            return;
        }
        let fresh = payment.with_untracked(|current| current.as_ref().is_none_or(|c| c.payment_id != view.payment_id || view.version >= c.version));
        if !fresh {
            return;
        }
        memory.update_value(|m| m.offset = offset_of(&view));
        now.set(local_now());
        let key = (view.state.clone(), view.attempt, view.resends_left);
        let previous = memory.try_update_value(|m| m.announced.replace(key.clone())).flatten();
        if previous.as_ref() != Some(&key) {
            announce(&view, previous);
        }
        payment.set(Some(view));
    };

    // Follows `view`'s payment over Server-Sent Events while it is open; any other stream closes.
    // The clock calls it (`accept` cannot: the stream's handler calls `accept`).
    let follow = move |view: Option<&PaymentView>| {
        let wanted = view.filter(|v| !v.is_final()).map(|v| v.payment_id.as_str());
        if stream.with_value(|s| s.as_ref().map(|s| s.payment_id.as_str()) == wanted) {
            return;
        }
        stream.set_value(None);
        let Some(payment_id) = wanted else { return };
        let Some(url) = backend.with_value(|b| b.events_url(payment_id)) else { return };
        let Ok(source) = web_sys::EventSource::new(&url) else { return };
        let on_payment = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            connection_notice.set(None);
            let data = event.data().as_string().unwrap_or_default();
            if let Some(view) = js_sys::JSON::parse(&data).ok().and_then(|json| PaymentView::from_js(&json)) {
                accept(view);
            }
        });
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| connection_notice.set(Some(t(locale, Msg::Reconnecting).into())));
        let _ = source.add_event_listener_with_callback("payment", on_payment.as_ref().unchecked_ref());
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        stream.set_value(Some(LiveStream { payment_id: payment_id.to_owned(), source, _on_payment: on_payment, _on_error: on_error }));
    };

    // Back to the form, for a new attempt.
    let forget_payment = move || {
        payment.set(None);
        memory.update_value(|m| m.announced = None);
        follow(None);
    };

    let load = move || {
        load_error.set(None);
        let backend = backend.get_value();
        let token = token.get_value();
        spawn_local(async move {
            let answer = backend.session(&token).await;
            if !alive() {
                return;
            }
            match answer {
                Ok(mut view) => {
                    let resumed = view.payment.take();
                    let ready = [("merchant_name", Field::Text(view.merchant_name.clone())), ("amount", Field::Number(view.amount as f64))];
                    // Deposits change while the session stays; they live in their own signal only.
                    deposits.set(std::mem::take(&mut view.deposits));
                    session_view.set(Some(view));
                    emit("ready", &ready);
                    if let Some(resumed) = resumed {
                        accept(resumed);
                    }
                }
                Err(error) => {
                    emit("error", &[("code", error.code().into()), ("stage", "load".into())]);
                    load_error.set(Some(error.code().to_owned()));
                }
            }
        });
    };
    load();

    // Cash-in: deposits arrive whenever the customer pays at a terminal.
    let look_for_deposits = move || {
        let backend = backend.get_value();
        let token = token.get_value();
        spawn_local(async move {
            let Ok(fresh) = backend.session(&token).await else { return };
            if !alive() {
                return;
            }
            let known = deposits.with_untracked(Vec::len);
            for deposit in fresh.deposits.iter().skip(known).filter(|d| d.state == "succeeded") {
                emit(
                    "success",
                    &[
                        ("payment_id", deposit.payment_id.as_str().into()),
                        ("amount", Field::Number(deposit.amount as f64)),
                        ("method", "cash_in".into()),
                    ],
                );
            }
            deposits.set(fresh.deposits);
        });
    };

    let poll = move || {
        let Some(id) = payment.with_untracked(|p| p.as_ref().filter(|p| !p.is_final()).map(|p| p.payment_id.clone())) else { return };
        let backend = backend.get_value();
        spawn_local(async move {
            if let Ok(view) = backend.payment(&id).await {
                // `accept` checks that the widget is still mounted.
                accept(view);
            }
        });
    };

    // The clock. Nothing counts ticks to measure time: the countdown is always the server's
    // deadline minus the server's time now, so a hidden tab or a reload keeps the right time.
    let tick = move || {
        now.set(local_now());
        payment.with_untracked(|p| follow(p.as_ref()));
        let left = payment.with_untracked(|p| code_seconds_left(p.as_ref(), untrack(server_now)));
        let (ticks, before) = memory
            .try_update_value(|m| {
                m.ticks = m.ticks.wrapping_add(1);
                (m.ticks, std::mem::replace(&mut m.seconds_left, left))
            })
            .unwrap_or_default();
        if let (Some(before), Some(left)) = (before, left) {
            // After a hidden tab several may have passed at once; the latest is the news.
            if let Some(&milestone) = MILESTONES.iter().rev().find(|&&m| before > m && left <= m) {
                announcement.set(Some(match milestone {
                    60 => t(locale, Msg::AnnounceMinute).into(),
                    0 => t(locale, Msg::AnnounceExpired).into(),
                    n => seconds_left(locale, n),
                }));
            }
        }
        if ticks % POLL_TICKS == 0 {
            poll();
        }
        if ticks % DEPOSIT_TICKS == 0 && session_view.with_untracked(Option::is_some) && mode() == Mode::CashIn {
            look_for_deposits();
        }
    };
    set_interval(tick, TICK);

    // The operator the number's prefix suggests, among those the session offers.
    let suggestion = move |number: &KzMobile| -> Option<String> {
        session_view.with_untracked(|s| {
            let offered = &s.as_ref()?.operators;
            number.suggested_operators().iter().map(|op| op.code()).find(|code| offered.iter().any(|o| o.id == *code)).map(str::to_owned)
        })
    };
    let tell_change = move |complete: bool| {
        emit("change", &[("phone_complete", Field::Bool(complete)), ("operator", operator.get_untracked().as_deref().into())]);
    };
    // As the customer types: suggest an operator, unless they chose one themselves.
    let phone_typed = move |typed: String| {
        form_error.set(None);
        let parsed = KzMobile::parse(&typed).ok();
        if let Some(suggested) = parsed.as_ref().filter(|_| !chosen_by_customer.get_untracked()).and_then(suggestion) {
            operator.set(Some(suggested));
            operator_error.set(None);
        }
        phone.set(typed);
        tell_change(parsed.is_some());
    };
    let operator_chosen = move || {
        form_error.set(None);
        tell_change(phone.with_untracked(|p| KzMobile::parse(p).is_ok()));
    };

    let submit_phone = move || {
        if submitting.get_untracked() {
            return;
        }
        let number = match KzMobile::parse(&phone.get_untracked()) {
            Ok(number) => number,
            Err(e) => {
                phone_error.set(Some(t(locale, phone_message(&e)).into()));
                if let Some(input) = input_in(phone_ref) {
                    let _ = input.focus();
                }
                return;
            }
        };
        // A customer quicker than the suggestion still gets it.
        let Some(op) = operator.get_untracked().or_else(|| suggestion(&number)) else {
            operator_error.set(Some(t(locale, Msg::OperatorRequired).into()));
            return;
        };
        operator.set(Some(op.clone()));
        if mode() == Mode::Payout {
            payout_confirming.set(true);
            return;
        }
        submitting.set(true);
        form_error.set(None);
        emit("submit", &[("operator", op.as_str().into()), ("phone_masked", number.masked().as_str().into())]);
        let backend = backend.get_value();
        let token = token.get_value();
        spawn_local(async move {
            let answer = backend.start_payment(&token, &op, number.as_str()).await;
            if !alive() {
                return;
            }
            match answer {
                Ok(view) => accept(view),
                Err(error) => {
                    let msg = failure(&error, "start");
                    if error.code().starts_with("phone_") {
                        phone_error.set(msg);
                    } else {
                        form_error.set(msg);
                    }
                }
            }
            submitting.set(false);
        });
    };

    let submit_code = move |code: String| {
        let Some(payment_id) = payment.with_untracked(|p| p.as_ref().map(|p| p.payment_id.clone())) else {
            return;
        };
        if otp_busy.get_untracked() {
            return;
        }
        let digits: String = code.chars().filter(char::is_ascii_digit).collect();
        if !(4..=8).contains(&digits.len()) {
            otp_error.set(Some(t(locale, Msg::OtpShape).into()));
            return;
        }
        otp_busy.set(true);
        otp_error.set(None);
        otp_notice.set(None);
        code_sent.set(true);
        let backend = backend.get_value();
        spawn_local(async move {
            let answer = backend.submit_otp(&payment_id, &digits).await;
            if !alive() {
                return;
            }
            match answer {
                Ok(updated) => accept(updated),
                Err(error) => {
                    code_sent.set(false);
                    otp_error.set(failure(&error, "otp"));
                }
            }
            otp_busy.set(false);
        });
    };

    let resend = move || {
        let Some(payment_id) = payment.with_untracked(|p| p.as_ref().map(|p| p.payment_id.clone())) else {
            return;
        };
        if otp_busy.get_untracked() {
            return;
        }
        otp_busy.set(true);
        otp_error.set(None);
        let backend = backend.get_value();
        spawn_local(async move {
            let answer = backend.resend(&payment_id).await;
            if !alive() {
                return;
            }
            match answer {
                Ok(updated) => {
                    accept(updated);
                    otp_notice.set(Some(t(locale, Msg::ResendSent).into()));
                    if let Some(input) = input_in(otp_ref) {
                        input.set_value("");
                        let _ = input.focus();
                    }
                }
                Err(ApiError::Api { code, retry_after_s: Some(seconds), .. }) if code == "resend_too_early" => {
                    otp_error.set(Some(tf(locale, Msg::ResendTooEarly, &[("seconds", &seconds.to_string())])));
                }
                Err(error) => otp_error.set(Some(t(locale, api_message(error.code())).into())),
            }
            otp_busy.set(false);
        });
    };

    // The Payment Page reports what happens on it; the result shown is still the backend's.
    let page_message = move |message: &'static str| {
        if !alive() {
            return;
        }
        emit("payment-page", &[("message", message.into())]);
        // Closed before paying: back to the button, the same payment reused.
        if message == "exit" && payment.with_untracked(|p| p.as_ref().is_some_and(|p| !p.is_final())) {
            forget_payment();
        }
    };
    let page_failed = move |code: &str, reason: String| {
        form_error.set(Some(t(locale, Msg::PpLoadFailed).into()));
        emit("error", &[("code", code.into()), ("stage", "payment_page".into()), ("message", reason.as_str().into())]);
    };

    let pay_on_page = move || {
        if submitting.get_untracked() {
            return;
        }
        let op = operator.get_untracked().unwrap_or_default();
        submitting.set(true);
        form_error.set(None);
        emit("submit", &[("operator", op.as_str().into()), ("method", "payment_page".into())]);
        let backend = backend.get_value();
        let token = token.get_value();
        spawn_local(async move {
            let answer = backend.payment_page(&token, &op, locale.tag()).await;
            if !alive() {
                return;
            }
            let page = match answer {
                Ok(page) => page,
                Err(error) => {
                    form_error.set(failure(&error, "payment_page"));
                    submitting.set(false);
                    return;
                }
            };
            let loaded = ensure_script(&page.script_url).await;
            if !alive() {
                return;
            }
            submitting.set(false);
            if let Err(reason) = loaded {
                page_failed("script_load_failed", reason);
                return;
            }
            // Followed like any payment: the result shown is the backend's, never the page's word.
            accept(PaymentView {
                payment_id: page.payment_id.clone(),
                kind: "purchase".into(),
                state: "processing".into(),
                ..PaymentView::default()
            });
            let params = page.params;
            // The embedded page needs its target element, which the next frame has drawn.
            request_animation_frame(move || {
                if let Err(reason) = run_payment_page(&params, display, &page_target(), Rc::new(page_message)) {
                    forget_payment();
                    page_failed("payment_page_failed", reason);
                }
            });
        });
    };

    let send_payout = move || {
        if submitting.get_untracked() {
            return;
        }
        let Ok(number) = KzMobile::parse(&phone.get_untracked()) else { return };
        let Some(op) = operator.get_untracked() else { return };
        submitting.set(true);
        emit("submit", &[("operator", op.as_str().into()), ("phone_masked", number.masked().as_str().into()), ("method", "payout".into())]);
        let backend = backend.get_value();
        let token = token.get_value();
        spawn_local(async move {
            let answer = backend.start_payout(&token, &op, number.as_str()).await;
            if !alive() {
                return;
            }
            match answer {
                Ok(view) => accept(view),
                Err(error) => {
                    payout_confirming.set(false);
                    form_error.set(failure(&error, "payout"));
                }
            }
            submitting.set(false);
        });
    };

    let try_again = move || {
        forget_payment();
        payout_confirming.set(false);
        code_sent.set(false);
        otp_error.set(None);
        otp_notice.set(None);
        focus_later(phone_ref);
    };

    let screen = Memo::new(move |_| {
        if load_error.with(Option::is_some) {
            return Screen::LoadFailed;
        }
        if session_view.with(Option::is_none) {
            return Screen::Loading;
        }
        payment.with(|p| match p.as_ref().map(|p| p.state.as_str()) {
            None if mode() == Mode::Payout && payout_confirming.get() => Screen::PayoutConfirm,
            None => Screen::Form,
            Some("processing") => Screen::Waiting,
            Some("awaiting_otp") => Screen::Otp,
            Some(_) => Screen::Result,
        })
    });

    // ---- Views. Builders read signals untracked: only `screen` builds a screen anew; everything
    // that changes within one is bound where it is shown.

    let header = move || {
        session_view.with_untracked(|s| {
            s.as_ref().map(|s| {
                el("header")
                    .class("kzc-header")
                    .child(el("p").class("kzc-merchant").text(&tf(locale, Msg::PayTo, &[("merchant", &s.merchant_name)])))
                    .child(el("p").class("kzc-amount").test_id("amount").text(&Amount(s.amount).format_kzt(locale)))
            })
        })
    };

    let form_error_line = move || el("p").class("kzc-error").attr("role", "alert").test_id("form-error").shows(form_error);

    let submit_button = move |idle: Msg| {
        el("button")
            .attr("type", "submit")
            .class("kzc-primary")
            .test_id("submit")
            .flag_with("disabled", move || submitting.get())
            .aria_with("aria-busy", move || submitting.get())
            .text_with(move || t(locale, if submitting.get() { Msg::Sending } else { idle }).into())
    };

    let operators = move || {
        session_view.with_untracked(|s| {
            operator_picker(
                locale,
                s.as_ref().map_or(&[][..], |s| &s.operators),
                operator,
                chosen_by_customer,
                operator_error,
                &format!("kzc-operator-{uid}"),
                operator_chosen,
            )
        })
    };

    let phone_form = move |payout: bool| {
        let title = payout.then(|| el("h2").class("kzc-title").text(t(locale, Msg::PayoutTitle)));
        let form = own_form(submit_phone)
            .class("kzc-form")
            .test_id("phone-form")
            .child(phone_field(locale, &format!("kzc-phone-{uid}"), &phone.get_untracked(), phone_ref, phone_error, phone_typed))
            .child(operators())
            .child(form_error_line())
            .child(submit_button(if payout { Msg::Continue } else { Msg::GetCode }));
        title.into_iter().chain([form]).collect()
    };

    let page_form = move || {
        own_form(pay_on_page)
            .class("kzc-form")
            .test_id("page-form")
            .child(operators())
            .child(el("p").class("kzc-hint").text(t(locale, Msg::PpHint)))
            .child(form_error_line())
            .child(submit_button(Msg::PpPay))
    };

    let cash_in = move || {
        let s = session_view.get_untracked().unwrap_or_default();
        let account = s.cash_in_account.unwrap_or_default();
        let limits = s.cash_in_limits.unwrap_or_default();
        let kzt = move |amount: u64| Amount(amount).format_kzt(locale);
        let copy_value = account.clone();
        let copy = el("button")
            .attr("type", "button")
            .class("kzc-link")
            .test_id("copy")
            .on("click", move |_| {
                if let Some(window) = web_sys::window() {
                    let _ = window.navigator().clipboard().write_text(&copy_value);
                    copied.set(true);
                }
            })
            .text_with(move || t(locale, if copied.get() { Msg::Copied } else { Msg::Copy }).into());
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
    };

    let payout_confirm = move || {
        let amount = session_view.with_untracked(|s| s.as_ref().map(|s| Amount(s.amount).format_kzt(locale))).unwrap_or_default();
        let masked = phone.with_untracked(|p| KzMobile::parse(p).map(|p| p.masked()).unwrap_or_default());
        el("section")
            .class("kzc-confirm")
            .test_id("payout-confirm")
            .child(el("h2").class("kzc-title").attr("tabindex", "-1").text(&tf(
                locale,
                Msg::PayoutConfirm,
                &[("amount", &amount), ("phone", &masked)],
            )))
            .child(form_error_line())
            .child(
                button("kzc-primary", t(locale, Msg::PayoutSend))
                    .test_id("payout-send")
                    .flag_with("disabled", move || submitting.get())
                    .on("click", move |_| send_payout()),
            )
            .child(button("kzc-secondary", t(locale, Msg::Back)).test_id("payout-back").on("click", move |_| payout_confirming.set(false)))
    };

    let otp_screen = move || {
        let otp_id = format!("kzc-otp-{uid}");
        let error_id = format!("{otp_id}-error");
        let sent_id = format!("{otp_id}-sent");
        let phone_masked = payment.with_untracked(|p| p.as_ref().and_then(|p| p.phone_masked.clone())).unwrap_or_default();
        let left = move || payment.with(|p| code_seconds_left(p.as_ref(), server_now())).unwrap_or(0);
        let resends = move || payment.with(|p| p.as_ref().and_then(|p| p.resends_left)).unwrap_or(0);
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
                    submit_code(digits);
                }
            })
            .keep_in(otp_ref);
        let form = own_form(move || {
            if let Some(input) = input_in(otp_ref) {
                submit_code(input.value());
            }
        })
        .child(el("div").class("kzc-field").child(el("label").attr("for", &otp_id).text(t(locale, Msg::OtpLabel))).child(input))
        .child(el("p").class("kzc-error").attr("id", &error_id).attr("role", "alert").test_id("otp-error").shows(otp_error))
        .child(el("p").class("kzc-notice").attr("role", "status").test_id("otp-notice").shows(otp_notice))
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
                .on("click", move |_| resend())
                .text_with(move || format!("{} · {}", t(locale, Msg::Resend), resends_left(locale, resends()))),
        )
        .child(
            button("kzc-secondary", t(locale, Msg::TryAgain))
                .test_id("start-over")
                .flag_with("hidden", move || left() > 0 || resends() > 0)
                .on("click", move |_| try_again()),
        );
        el("section")
            .class("kzc-otp")
            .test_id("otp-screen")
            .child(el("h2").class("kzc-title").text(t(locale, Msg::OtpTitle)))
            .child(el("p").class("kzc-hint").attr("id", &sent_id).text(&tf(locale, Msg::OtpSentTo, &[("phone", &phone_masked)])))
            .child(form)
    };

    let result = move || {
        let view = payment.get_untracked().unwrap_or_default();
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
            .child(el("h2").class("kzc-title").attr("tabindex", "-1").text(t(locale, title)).keep_in(result_ref))
            .child(el("p").test_id("result-detail").text(&detail))
            .child_if(retry.then(|| button("kzc-primary", t(locale, Msg::TryAgain)).test_id("try-again").on("click", move |_| try_again())))
    };

    let waiting = move || {
        el("section")
            .class("kzc-waiting")
            .attr("role", "status")
            .test_id("waiting")
            .child(el("span").class("kzc-spinner").attr("aria-hidden", "true"))
            .child(el("p").text_with(move || {
                let msg = match (mode(), code_sent.get()) {
                    (Mode::PaymentPage, _) => Msg::PpWaiting,
                    (Mode::Payout, _) => Msg::PayoutWaiting,
                    (_, true) => Msg::CheckingCode,
                    _ => Msg::Waiting,
                };
                t(locale, msg).into()
            }))
            .child(el("div").attr("id", &page_target()).class("kzc-page").test_id("page-target"))
    };

    let load_failed = move || {
        let msg = load_error.with_untracked(|e| e.as_deref().map(api_message)).unwrap_or(Msg::LoadFailed);
        let retryable = msg != Msg::SessionNotFound;
        el("section")
            .class("kzc-result kzc-declined")
            .test_id("load-failed")
            .child(el("h2").class("kzc-title").text(t(locale, Msg::LoadFailed)))
            .child(el("p").attr("role", "alert").text(t(locale, msg)))
            .child_if(retryable.then(|| button("kzc-primary", t(locale, Msg::TryAgain)).on("click", move |_| load())))
    };

    let skeleton = move || {
        el("div")
            .class("kzc-skeleton")
            .attr("aria-busy", "true")
            .test_id("skeleton")
            .child(el("span").class("kzc-visually-hidden").attr("role", "status").text(t(locale, Msg::Loading)))
            .child(el("div").class("kzc-bone kzc-bone-title"))
            .child(el("div").class("kzc-bone"))
            .child(el("div").class("kzc-bone"))
    };

    // What the screen shows below the header (which every screen after loading has).
    let screen_body = move |shown: Screen| -> Vec<El> {
        match shown {
            Screen::Loading => vec![skeleton()],
            Screen::LoadFailed => vec![load_failed()],
            Screen::Form => match mode() {
                Mode::PaymentPage => vec![page_form()],
                Mode::CashIn => vec![cash_in()],
                other => phone_form(other == Mode::Payout),
            },
            Screen::PayoutConfirm => vec![payout_confirm()],
            Screen::Waiting => vec![waiting()],
            Screen::Otp => vec![otp_screen()],
            Screen::Result => vec![result()],
        }
    };

    let notices = el("p").class("kzc-notice").attr("role", "status").test_id("reconnecting").shows(connection_notice);
    let root = el("div")
        .class("kzc-root")
        .attr("lang", locale.tag())
        .test_id("checkout")
        .bind(move |root| {
            let _ = root.set_attribute("data-screen", screen.get().name());
        })
        .child(notices.clone())
        .child(el("p").class("kzc-visually-hidden").attr("aria-live", "polite").test_id("announcement").shows(announcement));
    region(&root, &notices, move || {
        let shown = screen.get();
        untrack(|| header().into_iter().chain(screen_body(shown)).collect())
    });
    root
}
