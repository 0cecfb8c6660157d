//! The fake backend: it speaks the contract, reading the widget's requests and writing its
//! answers as `checkout_protocol::api` types through serde-wasm-bindgen (as JSON text the browser
//! parses, so the widget's own decoding runs in every test), and it fails, delays or refuses as a
//! test tells it to.

use std::cell::RefCell;
use std::rc::Rc;

use checkout_protocol::api::{
    ErrorBody, ErrorCode, ErrorDetail, Limits, Method, MobilePaymentRequest, OperatorView, OtpError, OtpRequest, PaymentKind, PaymentPageRequest,
    PaymentPageView, PaymentState, PaymentView, SessionView,
};
use kz_mobile_checkout::api::{Answer, Backend, Call, Client, Pending, SignedParams};
use serde::Serialize;
use wasm_bindgen::JsValue;

use super::{iso, now, sleep};

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
    /// Looks at the payment are refused (the backend answers 500).
    pub polls_refused: std::cell::Cell<bool>,
    /// The failure the next report of a closed Payment Page answers with.
    pub page_closed_error: RefCell<Option<Failure>>,
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
                if let Some(failure) = self.page_closed_error.borrow_mut().take() {
                    return Err(failure);
                }
                ok(202, &self.stored())
            }
            ("GET", ["payments", _]) => {
                self.polls.set(self.polls.get() + 1);
                if self.polls_fail.get() {
                    return Err(Failure::Transport("unreachable"));
                }
                if self.polls_refused.get() {
                    return Err(Failure::Api(500, ErrorCode::InternalError));
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

pub fn with_methods(methods: &[Method]) -> Rc<Fake> {
    let fake = Fake::new();
    *fake.methods.borrow_mut() = methods.to_vec();
    fake
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
