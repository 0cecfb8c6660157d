//! Every call the widget makes: a typed client of the merchant backend's widget API, behind a
//! trait so browser tests can inject a fake backend. Components never build URLs.

use std::future::Future;
use std::pin::Pin;

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// What a backend call can end in, besides its answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The request did not get an answer (offline, blocked, server down).
    Transport(String),
    /// The backend answered with its error body.
    Api {
        /// HTTP status.
        status: u16,
        /// The stable code (`phone_russian`, `resend_too_early`, …).
        code: String,
        /// The backend's message (English; the widget shows its own texts by code).
        message: String,
        /// Seconds until a retry can work, when the backend says.
        retry_after_s: Option<u64>,
    },
}

impl ApiError {
    /// The stable code, or `network` for transport failures.
    pub fn code(&self) -> &str {
        match self {
            ApiError::Transport(_) => "network",
            ApiError::Api { code, .. } => code,
        }
    }
}

/// An operator the session offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorView {
    /// The platform's id (`TELE2`).
    pub id: String,
    /// Display name.
    pub name: String,
}

/// A payment as the backend reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PaymentView {
    /// The payment id.
    pub payment_id: String,
    /// `purchase`, `payout` or `cash_in`.
    pub kind: String,
    /// `processing`, `awaiting_otp`, `succeeded`, `declined`, `failed`, `refunded`, `partially_refunded`.
    pub state: String,
    /// Minor units.
    pub amount: u64,
    /// ISO 4217.
    pub currency: String,
    /// `+7 701 ••• •• 67`.
    pub phone_masked: Option<String>,
    /// When the code expires (RFC 3339).
    pub otp_expires_at: Option<String>,
    /// New codes left.
    pub resends_left: Option<u8>,
    /// When a new code can be asked for.
    pub resend_available_at: Option<String>,
    /// The attempt the next code is.
    pub attempt: Option<u32>,
    /// `wrong_code` or `expired`.
    pub last_error: Option<String>,
    /// Decline or failure code.
    pub code: Option<String>,
    /// Decline or failure message.
    pub message: Option<String>,
    /// The server's clock when the view was written.
    pub server_time: Option<String>,
    /// Bumped on every change.
    pub version: i64,
}

impl PaymentView {
    /// Whether the payment can no longer change for the customer.
    pub fn is_final(&self) -> bool {
        !matches!(self.state.as_str(), "processing" | "awaiting_otp")
    }
}

/// A checkout session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionView {
    /// The token.
    pub session: String,
    /// Minor units.
    pub amount: u64,
    /// ISO 4217.
    pub currency: String,
    /// The shop.
    pub merchant_name: String,
    /// What is paid for.
    pub description: Option<String>,
    /// Operators to offer.
    pub operators: Vec<OperatorView>,
    /// The backend's locale hint.
    pub locale: Option<String>,
    /// The payment to resume, if one was started.
    pub payment: Option<PaymentView>,
    /// Allowed methods: `mobile`, `payment_page`, `cash_in`, `payout`; the first decides the mode.
    pub methods: Vec<String>,
    /// The account number to type at a terminal (cash-in).
    pub cash_in_account: Option<String>,
    /// Terminal limits in minor units (cash-in).
    pub cash_in_limits: Option<Limits>,
    /// Deposits made so far (cash-in).
    pub deposits: Vec<PaymentView>,
}

/// Terminal limits in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Limits {
    /// Smallest deposit.
    pub min: u64,
    /// Largest deposit.
    pub max: u64,
}

/// Signed `EPayWidget.run` parameters from the backend.
#[derive(Debug, Clone)]
pub struct PaymentPageView {
    /// The payment the page runs.
    pub payment_id: String,
    /// The brand's `merchant.js`.
    pub script_url: String,
    /// The parameters, passed to `EPayWidget.run` as they are.
    pub params: JsValue,
}

/// A boxed future, for the trait.
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = Result<T, ApiError>> + 'a>>;

/// The widget API of the merchant backend.
pub trait Backend {
    /// `GET /api/sessions/{session}`.
    fn session<'a>(&'a self, session: &'a str) -> Pending<'a, SessionView>;
    /// `POST /api/sessions/{session}/mobile-payments`.
    fn start_payment<'a>(&'a self, session: &'a str, operator: &'a str, phone: &'a str) -> Pending<'a, PaymentView>;
    /// `GET /api/payments/{payment_id}`.
    fn payment<'a>(&'a self, payment_id: &'a str) -> Pending<'a, PaymentView>;
    /// `POST /api/payments/{payment_id}/otp`.
    fn submit_otp<'a>(&'a self, payment_id: &'a str, code: &'a str) -> Pending<'a, PaymentView>;
    /// `POST /api/payments/{payment_id}/resend`.
    fn resend<'a>(&'a self, payment_id: &'a str) -> Pending<'a, PaymentView>;
    /// `POST /api/sessions/{session}/payouts`.
    fn start_payout<'a>(&'a self, session: &'a str, operator: &'a str, phone: &'a str) -> Pending<'a, PaymentView>;
    /// `POST /api/sessions/{session}/payment-page`.
    fn payment_page<'a>(&'a self, session: &'a str, operator: &'a str, locale: &'a str) -> Pending<'a, PaymentPageView>;
    /// `POST /api/sessions/{session}/payment-page/closed`: the page closed; the backend settles
    /// its payment (paid, declined, or `failed`/`abandoned` when nothing was paid).
    fn payment_page_closed<'a>(&'a self, session: &'a str) -> Pending<'a, PaymentView>;
    /// The Server-Sent Events URL of a payment, when the backend streams.
    fn events_url(&self, payment_id: &str) -> Option<String>;
}

/// The real backend over `fetch`.
#[derive(Debug, Clone)]
pub struct HttpBackend {
    base: String,
}

/// Encodes a path segment (tokens and ids are URL-safe already; this keeps stray input harmless).
fn segment(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}

impl HttpBackend {
    /// A client of the backend at `base` (empty for the page's own origin).
    pub fn new(base: &str) -> HttpBackend {
        HttpBackend { base: base.trim_end_matches('/').to_owned() }
    }

    /// One request, answered with its JSON body or the backend's error. Not generic over the
    /// answer's type: one copy of this future serves every call ([`answer`] reads the type).
    async fn call(&self, method: &str, path: String, body: Option<JsValue>) -> Result<JsValue, ApiError> {
        let transport = |e: JsValue| ApiError::Transport(e.as_string().unwrap_or_else(|| "network error".into()));
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        let headers = web_sys::Headers::new().map_err(transport)?;
        headers.set("Accept", "application/json").map_err(transport)?;
        if let Some(body) = body {
            headers.set("Content-Type", "application/json").map_err(transport)?;
            let text = js_sys::JSON::stringify(&body).map_err(transport)?;
            init.set_body(&text);
        }
        init.set_headers(&headers);
        let window = web_sys::window().ok_or_else(|| ApiError::Transport("no window".into()))?;
        let url = format!("{}{path}", self.base);
        let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(&url, &init)).await.map_err(transport)?.unchecked_into();
        let status = response.status();
        let body = JsFuture::from(response.text().map_err(transport)?).await.map_err(transport)?;
        let json = js_sys::JSON::parse(&body.as_string().unwrap_or_default()).unwrap_or(JsValue::NULL);
        if (200..300).contains(&status) {
            Ok(json)
        } else {
            let error = field(&json, "error");
            match (text(&error, "code"), text(&error, "message")) {
                (Some(code), Some(message)) => {
                    Err(ApiError::Api { status, code, message, retry_after_s: number(&error, "retry_after_s").map(|n| n as u64) })
                }
                _ => Err(ApiError::Api { status, code: "http_error".into(), message: format!("HTTP {status}"), retry_after_s: None }),
            }
        }
    }
}

/// A successful answer read as `T`.
async fn answer<T: FromJs>(call: impl Future<Output = Result<JsValue, ApiError>>) -> Result<T, ApiError> {
    T::from_js(&call.await?).ok_or_else(|| ApiError::Transport("unexpected answer from the backend".into()))
}

fn object(pairs: &[(&str, &str)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in pairs {
        // Setting a property on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    object.into()
}

impl Backend for HttpBackend {
    fn session<'a>(&'a self, session: &'a str) -> Pending<'a, SessionView> {
        Box::pin(answer(self.call("GET", format!("/api/sessions/{}", segment(session)), None)))
    }

    fn start_payment<'a>(&'a self, session: &'a str, operator: &'a str, phone: &'a str) -> Pending<'a, PaymentView> {
        Box::pin(answer(self.call(
            "POST",
            format!("/api/sessions/{}/mobile-payments", segment(session)),
            Some(object(&[("operator", operator), ("phone", phone)])),
        )))
    }

    fn payment<'a>(&'a self, payment_id: &'a str) -> Pending<'a, PaymentView> {
        Box::pin(answer(self.call("GET", format!("/api/payments/{}", segment(payment_id)), None)))
    }

    fn submit_otp<'a>(&'a self, payment_id: &'a str, code: &'a str) -> Pending<'a, PaymentView> {
        Box::pin(answer(self.call("POST", format!("/api/payments/{}/otp", segment(payment_id)), Some(object(&[("code", code)])))))
    }

    fn resend<'a>(&'a self, payment_id: &'a str) -> Pending<'a, PaymentView> {
        Box::pin(answer(self.call("POST", format!("/api/payments/{}/resend", segment(payment_id)), Some(object(&[])))))
    }

    fn start_payout<'a>(&'a self, session: &'a str, operator: &'a str, phone: &'a str) -> Pending<'a, PaymentView> {
        Box::pin(answer(self.call(
            "POST",
            format!("/api/sessions/{}/payouts", segment(session)),
            Some(object(&[("operator", operator), ("phone", phone)])),
        )))
    }

    fn payment_page<'a>(&'a self, session: &'a str, operator: &'a str, locale: &'a str) -> Pending<'a, PaymentPageView> {
        Box::pin(answer(self.call(
            "POST",
            format!("/api/sessions/{}/payment-page", segment(session)),
            Some(object(&[("operator", operator), ("locale", locale)])),
        )))
    }

    fn payment_page_closed<'a>(&'a self, session: &'a str) -> Pending<'a, PaymentView> {
        Box::pin(answer(self.call("POST", format!("/api/sessions/{}/payment-page/closed", segment(session)), Some(object(&[])))))
    }

    fn events_url(&self, payment_id: &str) -> Option<String> {
        Some(format!("{}/api/payments/{}/events", self.base, segment(payment_id)))
    }
}

/// Milliseconds since the epoch of an RFC 3339 text, by the browser's own parser.
pub fn parse_time(text: &str) -> Option<f64> {
    let ms = js_sys::Date::parse(text);
    (!ms.is_nan()).then_some(ms)
}

/// Reading the backend's JSON (already parsed by the browser) without serde: the widget's bundle
/// stays smaller, and missing optional fields are simply `None`.
pub trait FromJs: Sized {
    /// The value, if `json` has the required fields.
    fn from_js(json: &JsValue) -> Option<Self>;
}

fn field(json: &JsValue, key: &str) -> JsValue {
    Reflect::get(json, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn text(json: &JsValue, key: &str) -> Option<String> {
    field(json, key).as_string()
}

fn number(json: &JsValue, key: &str) -> Option<f64> {
    field(json, key).as_f64()
}

fn strings(json: &JsValue, key: &str) -> Vec<String> {
    let value = field(json, key);
    if !js_sys::Array::is_array(&value) {
        return Vec::new();
    }
    js_sys::Array::from(&value).iter().filter_map(|item| item.as_string()).collect()
}

fn list<T: FromJs>(json: &JsValue, key: &str) -> Vec<T> {
    let value = field(json, key);
    if !js_sys::Array::is_array(&value) {
        return Vec::new();
    }
    js_sys::Array::from(&value).iter().filter_map(|item| T::from_js(&item)).collect()
}

impl FromJs for PaymentView {
    fn from_js(json: &JsValue) -> Option<Self> {
        Some(PaymentView {
            payment_id: text(json, "payment_id")?,
            kind: text(json, "kind").unwrap_or_default(),
            state: text(json, "state")?,
            amount: number(json, "amount").unwrap_or_default() as u64,
            currency: text(json, "currency").unwrap_or_default(),
            phone_masked: text(json, "phone_masked"),
            otp_expires_at: text(json, "otp_expires_at"),
            resends_left: number(json, "resends_left").map(|n| n as u8),
            resend_available_at: text(json, "resend_available_at"),
            attempt: number(json, "attempt").map(|n| n as u32),
            last_error: text(json, "last_error"),
            code: text(json, "code"),
            message: text(json, "message"),
            server_time: text(json, "server_time"),
            version: number(json, "version").unwrap_or_default() as i64,
        })
    }
}

impl FromJs for OperatorView {
    fn from_js(json: &JsValue) -> Option<Self> {
        Some(OperatorView { id: text(json, "id")?, name: text(json, "name")? })
    }
}

impl FromJs for Limits {
    fn from_js(json: &JsValue) -> Option<Self> {
        Some(Limits { min: number(json, "min")? as u64, max: number(json, "max")? as u64 })
    }
}

impl FromJs for SessionView {
    fn from_js(json: &JsValue) -> Option<Self> {
        Some(SessionView {
            session: text(json, "session")?,
            amount: number(json, "amount")? as u64,
            currency: text(json, "currency")?,
            merchant_name: text(json, "merchant_name").unwrap_or_default(),
            description: text(json, "description"),
            operators: list(json, "operators"),
            locale: text(json, "locale"),
            payment: Some(field(json, "payment")).filter(JsValue::is_object).and_then(|p| PaymentView::from_js(&p)),
            methods: strings(json, "methods"),
            cash_in_account: text(json, "cash_in_account"),
            cash_in_limits: Some(field(json, "cash_in_limits")).filter(JsValue::is_object).and_then(|l| Limits::from_js(&l)),
            deposits: list(json, "deposits"),
        })
    }
}

impl FromJs for PaymentPageView {
    fn from_js(json: &JsValue) -> Option<Self> {
        let params = field(json, "params");
        params.is_object().then_some(())?;
        Some(PaymentPageView { payment_id: text(json, "payment_id")?, script_url: text(json, "script_url")?, params })
    }
}
