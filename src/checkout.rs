//! The checkout: load the session, take operator and phone, follow the payment live, take the
//! OTP with a countdown and "send a new code", and show the result. Every screen is derived from
//! the backend's view of the payment, so a reload resumes exactly where the customer was.

use std::rc::Rc;
use std::time::Duration;

use checkout_protocol::{Amount, KzMobile, Locale};
use leptos::either::{EitherOf4, EitherOf6};
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::api::{parse_time, ApiError, Backend, FromJs, PaymentView, SessionView};
use crate::clock::{local_now, mm_ss, offset_of, seconds_until};
use crate::host_events::{Field, Host};
use crate::i18n::{resends_left, seconds_left, t, tf, Msg};
use crate::operator_picker::OperatorPicker;
use crate::payment_page::{ensure_script, run as run_payment_page, PageDisplay};
use crate::phone_field::{phone_message, PhoneField};

/// Digits in the platform's OTPs; the field submits itself when it has this many.
pub const OTP_LENGTH: usize = 6;
/// How often the payment is polled while the live stream is not delivering.
const POLL_EVERY: Duration = Duration::from_millis(2000);

/// What distinguishes one state of a payment from the next, for change events: state, attempt,
/// new codes left.
type StateKey = (String, Option<u32>, Option<u8>);

/// What the customer sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Screen {
    Loading,
    LoadFailed,
    Form,
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
            Screen::Form => "form",
            Screen::Waiting => "waiting",
            Screen::Otp => "otp",
            Screen::Result => "result",
        }
    }
}

/// The message for an error answer of the backend.
fn api_message(error: &ApiError) -> Msg {
    match error.code() {
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

/// Focuses an element on the next frame, if the widget is still there by then.
fn focus_later<E>(node: NodeRef<E>)
where
    E: leptos::html::ElementType + 'static,
    E::Output: JsCast + Clone + 'static,
{
    request_animation_frame(move || {
        if let Some(Some(element)) = node.try_get_untracked() {
            let _ = element.unchecked_ref::<web_sys::HtmlElement>().focus();
        }
    });
}

/// A DOM id unique to this widget instance.
fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The whole checkout.
#[component]
pub fn Checkout(
    /// The session token the merchant's server created.
    session: String,
    /// The language to speak.
    locale: Locale,
    /// The merchant backend (the real one, or a fake in tests).
    backend: Rc<dyn Backend>,
    /// The element that receives the widget's DOM events.
    #[prop(optional)]
    host: Host,
    /// How the hosted Payment Page opens, in Payment Page mode.
    #[prop(optional)]
    display: PageDisplay,
) -> impl IntoView {
    let backend = StoredValue::new_local(backend);
    let host = StoredValue::new_local(host);
    let token = StoredValue::new(session);

    let session_view = RwSignal::new(None::<SessionView>);
    let load_error = RwSignal::new(None::<ApiError>);
    let payment = RwSignal::new(None::<PaymentView>);
    // Server time minus browser time.
    let offset = RwSignal::new(0.0f64);
    let now = RwSignal::new(local_now());
    let reconnecting = RwSignal::new(false);

    let phone = RwSignal::new(String::new());
    let phone_error = RwSignal::new(None::<&'static str>);
    let operator = RwSignal::new(None::<String>);
    let chosen_by_customer = RwSignal::new(false);
    let operator_error = RwSignal::new(None::<&'static str>);
    let form_error = RwSignal::new(None::<&'static str>);
    let submitting = RwSignal::new(false);

    let otp_error = RwSignal::new(None::<String>);
    let otp_notice = RwSignal::new(None::<&'static str>);
    let otp_busy = RwSignal::new(false);
    let code_sent = RwSignal::new(false);
    let announcement = RwSignal::new(String::new());

    let phone_ref = NodeRef::<Input>::new();
    let otp_ref = NodeRef::<Input>::new();
    let result_ref = NodeRef::<leptos::html::H2>::new();
    let page_target = StoredValue::new(unique("kzc-page"));
    let payout_confirming = RwSignal::new(false);
    let copied = RwSignal::new(false);
    let phone_id = StoredValue::new(unique("kzc-phone"));
    let otp_id = StoredValue::new(unique("kzc-otp"));
    let group_name = StoredValue::new(unique("kzc-operator"));

    let server_now = move || now.get() + offset.get();
    // Answers can arrive after the widget was unmounted; they must then touch nothing.
    let alive = move || !payment.is_disposed();
    // The session's first method decides what the widget does.
    let mode = Memo::new(move |_| session_view.with(|s| s.as_ref().and_then(|s| s.methods.first().cloned()).unwrap_or_else(|| "mobile".into())));

    // Takes a view from the backend unless an older one arrives late.
    let accept = move |view: PaymentView| {
        if !alive() {
            return;
        }
        let fresh = payment.with_untracked(|current| current.as_ref().is_none_or(|c| c.payment_id != view.payment_id || view.version >= c.version));
        if fresh {
            offset.set(offset_of(&view));
            now.set(local_now());
            payment.set(Some(view));
        }
    };

    // The session, once.
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
                Ok(view) => {
                    if let Some(resumed) = view.payment.clone() {
                        accept(resumed);
                    }
                    let merchant = view.merchant_name.clone();
                    let amount = view.amount as f64;
                    session_view.set(Some(view));
                    host.with_value(|h| h.emit("ready", &[("merchant_name", Field::Text(merchant)), ("amount", Field::Number(amount))]));
                }
                Err(error) => {
                    host.with_value(|h| h.emit("error", &[("code", error.code().into()), ("stage", "load".into())]));
                    load_error.set(Some(error));
                }
            }
        });
    };
    load();

    // The clock: four ticks a second while a countdown is on screen is plenty for mm:ss.
    if let Ok(handle) = set_interval_with_handle(move || now.set(local_now()), Duration::from_millis(250)) {
        on_cleanup(move || handle.clear());
    }

    // Follows the open payment: Server-Sent Events when the backend streams, polling always, so a
    // lost connection or a proxy that buffers events never leaves the customer stuck.
    let following = Memo::new(move |_| payment.with(|p| p.as_ref().filter(|p| !p.is_final()).map(|p| p.payment_id.clone())));
    Effect::new(move |_| {
        let Some(payment_id) = following.get() else {
            return;
        };
        let backend_for_poll = backend.get_value();
        let id = payment_id.clone();
        let poll = move || {
            let backend = backend_for_poll.clone();
            let id = id.clone();
            spawn_local(async move {
                if let Ok(view) = backend.payment(&id).await {
                    // `accept` checks that the widget is still mounted.
                    accept(view);
                }
            });
        };
        if let Ok(handle) = set_interval_with_handle(poll, POLL_EVERY) {
            on_cleanup(move || handle.clear());
        }
        let Some(url) = backend.with_value(|b| b.events_url(&payment_id)) else {
            return;
        };
        let Ok(source) = web_sys::EventSource::new(&url) else {
            return;
        };
        let on_payment = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            reconnecting.set(false);
            let data = event.data().as_string().unwrap_or_default();
            if let Ok(json) = js_sys::JSON::parse(&data) {
                if let Some(view) = PaymentView::from_js(&json) {
                    accept(view);
                }
            }
        });
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| reconnecting.set(true));
        let _ = source.add_event_listener_with_callback("payment", on_payment.as_ref().unchecked_ref());
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let kept = SendWrapper::new((source, on_payment, on_error));
        on_cleanup(move || {
            let (source, _, _) = kept.take();
            source.close();
        });
    });

    // Events for the host page and focus, on each change of the payment's state.
    Effect::new(move |previous: Option<Option<StateKey>>| {
        let current = payment.with(|p| p.as_ref().map(|p| (p.state.clone(), p.attempt, p.resends_left)));
        let Some(view) = payment.get_untracked() else {
            return current;
        };
        if previous.as_ref() == Some(&current) {
            return current;
        }
        let id = Field::Text(view.payment_id.clone());
        match view.state.as_str() {
            "awaiting_otp" => {
                code_sent.set(false);
                let was_waiting = previous.as_ref().and_then(|p| p.as_ref()).is_some_and(|(state, _, _)| state == "awaiting_otp");
                if view.last_error.as_deref() == Some("wrong_code") {
                    otp_error.set(Some(t(locale, Msg::OtpWrong).to_owned()));
                } else if view.last_error.as_deref() == Some("expired") {
                    otp_error.set(Some(t(locale, Msg::OtpExpired).to_owned()));
                } else {
                    otp_error.set(None);
                }
                if let Some(input) = otp_ref.get_untracked() {
                    input.set_value("");
                }
                host.with_value(|h| {
                    h.emit(
                        "otp-required",
                        &[
                            ("payment_id", id),
                            ("attempt", Field::Number(f64::from(view.attempt.unwrap_or(1)))),
                            ("resends_left", Field::Number(f64::from(view.resends_left.unwrap_or(0)))),
                            ("otp_expires_at", view.otp_expires_at.as_deref().into()),
                            ("last_error", view.last_error.as_deref().into()),
                            ("resumed", Field::Bool(was_waiting)),
                        ],
                    )
                });
                focus_later(otp_ref);
            }
            "succeeded" => host.with_value(|h| {
                h.emit("success", &[("payment_id", id), ("amount", Field::Number(view.amount as f64)), ("currency", view.currency.as_str().into())])
            }),
            "declined" => host.with_value(|h| {
                h.emit("decline", &[("payment_id", id), ("code", view.code.as_deref().into()), ("message", view.message.as_deref().into())])
            }),
            "failed" => host.with_value(|h| {
                h.emit(
                    "error",
                    &[
                        ("payment_id", id),
                        ("code", view.code.as_deref().into()),
                        ("message", view.message.as_deref().into()),
                        ("stage", "payment".into()),
                    ],
                )
            }),
            _ => {}
        }
        if view.is_final() {
            focus_later(result_ref);
        }
        current
    });

    // The operator the number's prefix suggests, among those the session offers.
    let suggestion = move |number: &KzMobile| -> Option<String> {
        session_view.with_untracked(|s| {
            let offered = &s.as_ref()?.operators;
            number.suggested_operators().iter().map(|op| op.code()).find(|code| offered.iter().any(|o| o.id == *code)).map(str::to_owned)
        })
    };
    // Suggested as the customer types, unless they chose one themselves.
    Effect::new(move |_| {
        let typed = phone.get();
        form_error.set(None);
        let parsed = KzMobile::parse(&typed).ok();
        if let Some(number) = &parsed {
            if !chosen_by_customer.get_untracked() {
                if let Some(suggested) = suggestion(number) {
                    operator.set(Some(suggested));
                }
            }
        }
        host.with_value(|h| {
            h.emit("change", &[("phone_complete", Field::Bool(parsed.is_some())), ("operator", operator.get_untracked().as_deref().into())])
        });
    });
    Effect::new(move |_| {
        if operator.get().is_some() {
            operator_error.set(None);
        }
    });

    let submit_phone = move || {
        if submitting.get_untracked() {
            return;
        }
        let number = match KzMobile::parse(&phone.get_untracked()) {
            Ok(number) => number,
            Err(e) => {
                phone_error.set(Some(t(locale, phone_message(&e))));
                if let Some(input) = phone_ref.get_untracked() {
                    let _ = input.focus();
                }
                return;
            }
        };
        // A customer quicker than the suggestion still gets it.
        let Some(op) = operator.get_untracked().or_else(|| suggestion(&number)) else {
            operator_error.set(Some(t(locale, Msg::OperatorRequired)));
            return;
        };
        operator.set(Some(op.clone()));
        if mode.get_untracked() == "payout" {
            payout_confirming.set(true);
            return;
        }
        submitting.set(true);
        form_error.set(None);
        host.with_value(|h| h.emit("submit", &[("operator", op.as_str().into()), ("phone_masked", number.masked().as_str().into())]));
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
                    let msg = api_message(&error);
                    if error.code().starts_with("phone_") {
                        phone_error.set(Some(t(locale, msg)));
                    } else {
                        form_error.set(Some(t(locale, msg)));
                    }
                    host.with_value(|h| h.emit("error", &[("code", error.code().into()), ("stage", "start".into())]));
                }
            }
            submitting.set(false);
        });
    };

    let submit_code = move |code: String| {
        let Some(view) = payment.get_untracked() else {
            return;
        };
        if otp_busy.get_untracked() {
            return;
        }
        let digits: String = code.chars().filter(char::is_ascii_digit).collect();
        if !(4..=8).contains(&digits.len()) {
            otp_error.set(Some(t(locale, Msg::OtpShape).to_owned()));
            return;
        }
        otp_busy.set(true);
        otp_error.set(None);
        otp_notice.set(None);
        code_sent.set(true);
        let backend = backend.get_value();
        spawn_local(async move {
            let answer = backend.submit_otp(&view.payment_id, &digits).await;
            if !alive() {
                return;
            }
            match answer {
                Ok(updated) => accept(updated),
                Err(error) => {
                    code_sent.set(false);
                    otp_error.set(Some(t(locale, api_message(&error)).to_owned()));
                    host.with_value(|h| h.emit("error", &[("code", error.code().into()), ("stage", "otp".into())]));
                }
            }
            otp_busy.set(false);
        });
    };

    let resend = move || {
        let Some(view) = payment.get_untracked() else {
            return;
        };
        if otp_busy.get_untracked() {
            return;
        }
        otp_busy.set(true);
        otp_error.set(None);
        let backend = backend.get_value();
        spawn_local(async move {
            let answer = backend.resend(&view.payment_id).await;
            if !alive() {
                return;
            }
            match answer {
                Ok(updated) => {
                    accept(updated);
                    otp_notice.set(Some(t(locale, Msg::ResendSent)));
                    if let Some(input) = otp_ref.get_untracked() {
                        input.set_value("");
                        let _ = input.focus();
                    }
                }
                Err(ApiError::Api { code, retry_after_s: Some(seconds), .. }) if code == "resend_too_early" => {
                    otp_error.set(Some(tf(locale, Msg::ResendTooEarly, &[("seconds", &seconds.to_string())])));
                }
                Err(error) => otp_error.set(Some(t(locale, api_message(&error)).to_owned())),
            }
            otp_busy.set(false);
        });
    };

    let pay_on_page = move || {
        if submitting.get_untracked() {
            return;
        }
        let op = operator.get_untracked().unwrap_or_default();
        submitting.set(true);
        form_error.set(None);
        host.with_value(|h| h.emit("submit", &[("operator", op.as_str().into()), ("method", "payment_page".into())]));
        let backend = backend.get_value();
        let token = token.get_value();
        let target = page_target.get_value();
        spawn_local(async move {
            let answer = backend.payment_page(&token, &op, locale.tag()).await;
            if !alive() {
                return;
            }
            let page = match answer {
                Ok(page) => page,
                Err(error) => {
                    form_error.set(Some(t(locale, api_message(&error))));
                    host.with_value(|h| h.emit("error", &[("code", error.code().into()), ("stage", "payment_page".into())]));
                    submitting.set(false);
                    return;
                }
            };
            if let Err(reason) = ensure_script(&page.script_url).await {
                if alive() {
                    form_error.set(Some(t(locale, Msg::PpLoadFailed)));
                    host.with_value(|h| {
                        h.emit(
                            "error",
                            &[("code", "script_load_failed".into()), ("stage", "payment_page".into()), ("message", reason.as_str().into())],
                        )
                    });
                    submitting.set(false);
                }
                return;
            }
            if !alive() {
                return;
            }
            submitting.set(false);
            // Followed like any payment: the result shown is the backend's, never the page's word.
            accept(PaymentView {
                payment_id: page.payment_id.clone(),
                kind: "purchase".into(),
                state: "processing".into(),
                ..PaymentView::default()
            });
            let params = page.params;
            request_animation_frame(move || {
                let report: Rc<dyn Fn(&'static str)> = Rc::new(move |message: &'static str| {
                    if !alive() {
                        return;
                    }
                    host.with_value(|h| h.emit("payment-page", &[("message", message.into())]));
                    // Closed before paying: back to the button, the same payment reused.
                    if message == "exit" && payment.with_untracked(|p| p.as_ref().is_some_and(|p| !p.is_final())) {
                        payment.set(None);
                    }
                });
                if let Err(reason) = run_payment_page(&params, display, &target, report) {
                    form_error.set(Some(t(locale, Msg::PpLoadFailed)));
                    payment.set(None);
                    host.with_value(|h| {
                        h.emit(
                            "error",
                            &[("code", "payment_page_failed".into()), ("stage", "payment_page".into()), ("message", reason.as_str().into())],
                        )
                    });
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
        host.with_value(|h| {
            h.emit("submit", &[("operator", op.as_str().into()), ("phone_masked", number.masked().as_str().into()), ("method", "payout".into())])
        });
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
                    form_error.set(Some(t(locale, api_message(&error))));
                    host.with_value(|h| h.emit("error", &[("code", error.code().into()), ("stage", "payout".into())]));
                }
            }
            submitting.set(false);
        });
    };

    // Cash-in: deposits arrive whenever the customer pays at a terminal; follow the session.
    Effect::new(move |_| {
        if mode.get() != "cash_in" {
            return;
        }
        let backend = backend.get_value();
        let token = token.get_value();
        let refresh = move || {
            let backend = backend.clone();
            let token = token.clone();
            spawn_local(async move {
                let answer = backend.session(&token).await;
                if !alive() {
                    return;
                }
                if let Ok(fresh) = answer {
                    let known = session_view.with_untracked(|s| s.as_ref().map_or(0, |s| s.deposits.len()));
                    for deposit in fresh.deposits.iter().skip(known).filter(|d| d.state == "succeeded") {
                        host.with_value(|h| {
                            h.emit(
                                "success",
                                &[
                                    ("payment_id", deposit.payment_id.as_str().into()),
                                    ("amount", Field::Number(deposit.amount as f64)),
                                    ("method", "cash_in".into()),
                                ],
                            )
                        });
                    }
                    session_view.set(Some(fresh));
                }
            });
        };
        if let Ok(handle) = set_interval_with_handle(refresh, Duration::from_millis(3000)) {
            on_cleanup(move || handle.clear());
        }
    });

    let try_again = move || {
        payment.set(None);
        payout_confirming.set(false);
        code_sent.set(false);
        otp_error.set(None);
        otp_notice.set(None);
        focus_later(phone_ref);
    };

    // Countdown milestones for screen readers: a minute, 30 s, 10 s, and expiry; not every second.
    let deadline = Memo::new(move |_| payment.with(|p| p.as_ref().and_then(|p| p.otp_expires_at.as_deref().and_then(parse_time))));
    let seconds = Memo::new(move |_| deadline.get().map(|d| seconds_until(d, server_now())));
    Effect::new(move |last: Option<Option<u64>>| {
        let left = seconds.get();
        if let (Some(Some(before)), Some(now_left)) = (last, left) {
            for milestone in [60u64, 30, 10, 0] {
                if before > milestone && now_left <= milestone {
                    announcement.set(match milestone {
                        60 => t(locale, Msg::AnnounceMinute).to_owned(),
                        0 => t(locale, Msg::AnnounceExpired).to_owned(),
                        n => seconds_left(locale, n),
                    });
                }
            }
        }
        left
    });

    let screen = Memo::new(move |_| {
        if load_error.with(Option::is_some) {
            return Screen::LoadFailed;
        }
        if session_view.with(Option::is_none) {
            return Screen::Loading;
        }
        match payment.with(|p| p.as_ref().map(|p| p.state.clone())) {
            None => Screen::Form,
            Some(state) => match state.as_str() {
                "processing" => Screen::Waiting,
                "awaiting_otp" => Screen::Otp,
                _ => Screen::Result,
            },
        }
    });

    let header = move || {
        session_view.get().map(|s| {
            view! {
                <header class="kzc-header">
                    <p class="kzc-merchant">{tf(locale, Msg::PayTo, &[("merchant", &s.merchant_name)])}</p>
                    <p class="kzc-amount" data-testid="amount">{Amount(s.amount).format_kzt(locale)}</p>
                </header>
            }
        })
    };

    let phone_form = move |button: Msg| {
        let operators = session_view.with_untracked(|s| s.as_ref().map(|s| s.operators.clone()).unwrap_or_default());
        let phone_id = phone_id.get_value();
        let group_name = group_name.get_value();
        view! {
            <form class="kzc-form" novalidate data-testid="phone-form" on:submit=move |ev| {
                ev.prevent_default();
                // The host page hears our own `submit` event, not the inner form's.
                ev.stop_propagation();
                submit_phone();
            }>
                <PhoneField value=phone error=phone_error locale=locale id=phone_id input_ref=phone_ref />
                <OperatorPicker operators=operators selected=operator chosen_by_customer=chosen_by_customer error=Signal::from(operator_error) locale=locale group_name=group_name />
                <p class="kzc-error" role="alert" data-testid="form-error">{move || form_error.get()}</p>
                <button type="submit" class="kzc-primary" data-testid="submit" disabled=move || submitting.get() aria-busy=move || if submitting.get() { "true" } else { "false" }>
                    {move || if submitting.get() { t(locale, Msg::Sending) } else { t(locale, button) }}
                </button>
            </form>
        }
    };

    let page_form = move || {
        let operators = session_view.with_untracked(|s| s.as_ref().map(|s| s.operators.clone()).unwrap_or_default());
        let group_name = group_name.get_value();
        view! {
            <form class="kzc-form" novalidate data-testid="page-form" on:submit=move |ev| {
                ev.prevent_default();
                ev.stop_propagation();
                pay_on_page();
            }>
                <OperatorPicker operators=operators selected=operator chosen_by_customer=chosen_by_customer error=Signal::from(operator_error) locale=locale group_name=group_name />
                <p class="kzc-hint">{t(locale, Msg::PpHint)}</p>
                <p class="kzc-error" role="alert" data-testid="form-error">{move || form_error.get()}</p>
                <button type="submit" class="kzc-primary" data-testid="submit" disabled=move || submitting.get()>
                    {move || if submitting.get() { t(locale, Msg::Sending) } else { t(locale, Msg::PpPay) }}
                </button>
            </form>
        }
    };

    let cash_in = move || {
        let s = session_view.get_untracked().unwrap_or_default();
        let account = s.cash_in_account.clone().unwrap_or_default();
        let limits = s.cash_in_limits.unwrap_or_default();
        let copy_value = account.clone();
        let merchant = s.merchant_name.clone();
        view! {
            <section class="kzc-cash-in" data-testid="cash-in">
                <h2 class="kzc-title">{t(locale, Msg::CashTitle)}</h2>
                <ol class="kzc-steps">
                    <li>{t(locale, Msg::CashStepFind)}</li>
                    <li>{tf(locale, Msg::CashStepService, &[("merchant", &merchant)])}</li>
                    <li>
                        {t(locale, Msg::CashStepAccount)}" "
                        <strong class="kzc-account" dir="ltr" data-testid="cash-account">{account}</strong>" "
                        <button type="button" class="kzc-link" data-testid="copy" on:click=move |_| {
                            if let Some(window) = web_sys::window() {
                                let _ = window.navigator().clipboard().write_text(&copy_value);
                                copied.set(true);
                            }
                        }>{move || t(locale, if copied.get() { Msg::Copied } else { Msg::Copy })}</button>
                    </li>
                    <li data-testid="cash-limits">{tf(locale, Msg::CashStepInsert, &[("min", &Amount(limits.min).format_kzt(locale)), ("max", &Amount(limits.max).format_kzt(locale))])}</li>
                    <li>{t(locale, Msg::CashStepReceipt)}</li>
                </ol>
                <ul class="kzc-deposits" aria-live="polite" data-testid="deposits">
                    {move || session_view.with(|s| s.as_ref().map(|s| s.deposits.iter().filter(|d| d.state == "succeeded").map(|d| {
                        view! { <li class="kzc-success">{tf(locale, Msg::CashCredited, &[("amount", &Amount(d.amount).format_kzt(locale))])}</li> }
                    }).collect_view()))}
                </ul>
                <p class="kzc-notice" role="status">{t(locale, Msg::CashWaiting)}</p>
            </section>
        }
    };

    let payout_confirm = move || {
        let amount = session_view.with_untracked(|s| s.as_ref().map(|s| Amount(s.amount).format_kzt(locale))).unwrap_or_default();
        let masked = KzMobile::parse(&phone.get_untracked()).map(|p| p.masked()).unwrap_or_default();
        view! {
            <section class="kzc-confirm" data-testid="payout-confirm">
                <h2 class="kzc-title" tabindex="-1">{tf(locale, Msg::PayoutConfirm, &[("amount", &amount), ("phone", &masked)])}</h2>
                <p class="kzc-error" role="alert" data-testid="form-error">{move || form_error.get()}</p>
                <button type="button" class="kzc-primary" data-testid="payout-send" disabled=move || submitting.get() on:click=move |_| send_payout()>{t(locale, Msg::PayoutSend)}</button>
                <button type="button" class="kzc-secondary" data-testid="payout-back" on:click=move |_| payout_confirming.set(false)>{t(locale, Msg::Back)}</button>
            </section>
        }
    };

    let form = move || match mode.get().as_str() {
        "payment_page" => EitherOf4::A(page_form()),
        "cash_in" => EitherOf4::B(cash_in()),
        "payout" if payout_confirming.get() => EitherOf4::C(payout_confirm()),
        other => {
            let payout = other == "payout";
            EitherOf4::D(view! {
                {payout.then(|| view! { <h2 class="kzc-title">{t(locale, Msg::PayoutTitle)}</h2> })}
                {phone_form(if payout { Msg::Continue } else { Msg::GetCode })}
            })
        }
    };

    let otp_screen = move || {
        let otp_id = otp_id.get_value();
        let error_id = format!("{otp_id}-error");
        let described = format!("{otp_id}-sent {error_id}");
        let sent_id = format!("{otp_id}-sent");
        let phone_masked = payment.with_untracked(|p| p.as_ref().and_then(|p| p.phone_masked.clone())).unwrap_or_default();
        let left = move || seconds.get().unwrap_or(0);
        let resends = move || payment.with(|p| p.as_ref().and_then(|p| p.resends_left)).unwrap_or(0);
        let resend_open = move || {
            let available = payment.with(|p| p.as_ref().and_then(|p| p.resend_available_at.as_deref().and_then(parse_time)));
            resends() > 0 && available.is_some_and(|at| server_now() >= at)
        };
        let expired = move || left() == 0;
        view! {
            <section class="kzc-otp" data-testid="otp-screen">
                <h2 class="kzc-title">{t(locale, Msg::OtpTitle)}</h2>
                <p class="kzc-hint" id=sent_id>{tf(locale, Msg::OtpSentTo, &[("phone", &phone_masked)])}</p>
                <form novalidate on:submit=move |ev| {
                    ev.prevent_default();
                    ev.stop_propagation();
                    if let Some(input) = otp_ref.get_untracked() {
                        submit_code(input.value());
                    }
                }>
                    <div class="kzc-field">
                        <label for=otp_id.clone()>{t(locale, Msg::OtpLabel)}</label>
                        <input
                            id=otp_id
                            node_ref=otp_ref
                            class="kzc-otp-input"
                            type="text"
                            inputmode="numeric"
                            autocomplete="one-time-code"
                            dir="ltr"
                            maxlength="16"
                            data-testid="otp"
                            aria-describedby=described
                            aria-invalid=move || if otp_error.get().is_some() { "true" } else { "false" }
                            on:change=|ev| ev.stop_propagation()
                            on:input=move |ev| {
                                let input: web_sys::HtmlInputElement = event_target(&ev);
                                let digits: String = input.value().chars().filter(char::is_ascii_digit).collect();
                                if digits != input.value() {
                                    input.set_value(&digits);
                                }
                                if digits.len() == OTP_LENGTH {
                                    submit_code(digits);
                                }
                            }
                        />
                    </div>
                    <p class="kzc-error" id=error_id role="alert" data-testid="otp-error">{move || otp_error.get()}</p>
                    <p class="kzc-notice" role="status" data-testid="otp-notice">{move || otp_notice.get()}</p>
                    <p class="kzc-countdown">
                        <span>{t(locale, Msg::OtpValidFor)}" "</span>
                        <span role="timer" aria-live="off" data-testid="countdown">{move || mm_ss(left())}</span>
                    </p>
                    <p class="kzc-error" role="alert" data-testid="otp-expired">
                        {move || (expired() && otp_error.get().is_none()).then(|| t(locale, if resends() > 0 { Msg::OtpExpired } else { Msg::OtpExpiredNoneLeft }))}
                    </p>
                    <button type="submit" class="kzc-primary" data-testid="otp-submit" disabled=move || otp_busy.get()>{t(locale, Msg::OtpSubmit)}</button>
                    <Show when=resend_open>
                        <button type="button" class="kzc-secondary" data-testid="resend" disabled=move || otp_busy.get() on:click=move |_| resend()>
                            {t(locale, Msg::Resend)}" · "{move || resends_left(locale, resends())}
                        </button>
                    </Show>
                    <Show when=move || expired() && resends() == 0>
                        <button type="button" class="kzc-secondary" data-testid="start-over" on:click=move |_| try_again()>{t(locale, Msg::TryAgain)}</button>
                    </Show>
                </form>
            </section>
        }
    };

    let result = move || {
        let view = payment.get().unwrap_or_default();
        let amount = Amount(view.amount).format_kzt(locale);
        let phone = view.phone_masked.clone().unwrap_or_default();
        let payout = view.kind == "payout";
        let (class, title, detail, retry) = match view.state.as_str() {
            "succeeded" if payout => {
                ("kzc-result kzc-success", Msg::PayoutDone, tf(locale, Msg::PayoutDoneDetail, &[("amount", &amount), ("phone", &phone)]), false)
            }
            "declined" if payout => {
                ("kzc-result kzc-declined", Msg::PayoutDeclined, t(locale, decline_message(view.code.as_deref())).to_owned(), true)
            }
            "succeeded" | "partially_refunded" => {
                ("kzc-result kzc-success", Msg::Success, tf(locale, Msg::SuccessDetail, &[("amount", &amount), ("phone", &phone)]), false)
            }
            "refunded" => ("kzc-result", Msg::Refunded, String::new(), false),
            "declined" => ("kzc-result kzc-declined", Msg::Declined, t(locale, decline_message(view.code.as_deref())).to_owned(), true),
            _ => ("kzc-result kzc-declined", Msg::Failed, t(locale, Msg::StartFailed).to_owned(), true),
        };
        view! {
            <section class=class data-testid="result" data-state=view.state.clone()>
                <h2 class="kzc-title" tabindex="-1" node_ref=result_ref>{t(locale, title)}</h2>
                <p data-testid="result-detail">{detail}</p>
                <Show when=move || retry>
                    <button type="button" class="kzc-primary" data-testid="try-again" on:click=move |_| try_again()>{t(locale, Msg::TryAgain)}</button>
                </Show>
            </section>
        }
    };

    // One `EitherOf6` rather than `AnyView`s: type erasure would keep every screen's HTML
    // rendering code in the bundle.
    let body = move || match screen.get() {
        Screen::Loading => EitherOf6::A(view! {
            <div class="kzc-skeleton" aria-busy="true" data-testid="skeleton">
                <span class="kzc-visually-hidden" role="status">{t(locale, Msg::Loading)}</span>
                <div class="kzc-bone kzc-bone-title"></div>
                <div class="kzc-bone"></div>
                <div class="kzc-bone"></div>
            </div>
        }),
        Screen::LoadFailed => {
            let msg = load_error.with(|e| e.as_ref().map(api_message)).unwrap_or(Msg::LoadFailed);
            let retryable = msg != Msg::SessionNotFound;
            EitherOf6::B(view! {
                <section class="kzc-result kzc-declined" data-testid="load-failed">
                    <h2 class="kzc-title">{t(locale, Msg::LoadFailed)}</h2>
                    <p role="alert">{t(locale, msg)}</p>
                    <Show when=move || retryable>
                        <button type="button" class="kzc-primary" on:click=move |_| load()>{t(locale, Msg::TryAgain)}</button>
                    </Show>
                </section>
            })
        }
        Screen::Form => EitherOf6::C(form()),
        Screen::Waiting => EitherOf6::D(view! {
            <section class="kzc-waiting" role="status" data-testid="waiting">
                <span class="kzc-spinner" aria-hidden="true"></span>
                <p>{move || {
                    let msg = match (mode.get().as_str(), code_sent.get()) {
                        ("payment_page", _) => Msg::PpWaiting,
                        ("payout", _) => Msg::PayoutWaiting,
                        (_, true) => Msg::CheckingCode,
                        _ => Msg::Waiting,
                    };
                    t(locale, msg)
                }}</p>
                <div id=page_target.get_value() class="kzc-page" data-testid="page-target"></div>
            </section>
        }),
        Screen::Otp => EitherOf6::E(otp_screen()),
        Screen::Result => EitherOf6::F(result()),
    };

    view! {
        <div class="kzc-root" lang=locale.tag() data-testid="checkout" data-screen=move || screen.get().name()>
            {header}
            {body}
            <p class="kzc-notice" role="status" data-testid="reconnecting">{move || reconnecting.get().then(|| t(locale, Msg::Reconnecting))}</p>
            <p class="kzc-visually-hidden" aria-live="polite" data-testid="announcement">{move || announcement.get()}</p>
        </div>
    }
}
