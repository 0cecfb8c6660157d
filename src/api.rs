//! Every call the widget makes to the merchant backend. The messages are `checkout_protocol::api`'s
//! types, shared with the backend; they cross as JSON read by the browser (`Response.json()`) and
//! decoded with `serde-wasm-bindgen`, so the bundle carries no JSON library of its own.
//!
//! [`Backend`] is the transport (a real one over `gloo-net`, or a fake in the browser tests);
//! [`Client`] is the typed API on top of it. Components never build URLs.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use checkout_protocol::api::{ErrorBody, ErrorCode, MobilePaymentRequest, OtpRequest, PaymentPageRequest, PaymentView, SessionView};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// What a backend call can end in, besides its answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The request did not get an answer (offline, blocked, server down).
    Transport(String),
    /// An answer came, but not one of the contract's shapes: a backend of another version, or a
    /// proxy's page. Not a network error, and said so.
    Decode(String),
    /// The backend answered with its error body.
    Api {
        /// HTTP status.
        status: u16,
        /// The stable code.
        code: ErrorCode,
        /// The backend's message (English; the widget shows its own texts by code).
        message: String,
        /// Seconds until a retry can work, when the backend says.
        retry_after_s: Option<u64>,
    },
}

impl ApiError {
    /// The stable code, `network` for transport failures, `unexpected_answer` for decode failures.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Transport(_) => "network",
            ApiError::Decode(_) => "unexpected_answer",
            ApiError::Api { code, .. } => code.as_str(),
        }
    }

    /// What went wrong, for the merchant (the `error` event's `message`): the browser's error,
    /// what did not fit the contract, or the backend's own message. Never shown to the customer,
    /// who reads the widget's text for the code.
    pub fn detail(&self) -> &str {
        match self {
            ApiError::Transport(text) | ApiError::Decode(text) | ApiError::Api { message: text, .. } => text,
        }
    }
}

/// One HTTP request of the widget API.
#[derive(Debug, Clone)]
pub struct Call {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path under the backend's origin, segments already encoded.
    pub path: String,
    /// The JSON body, as a JavaScript value.
    pub body: Option<JsValue>,
}

/// An HTTP answer: its status and its body as the browser parsed it (`null` when not JSON).
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The parsed JSON body.
    pub body: JsValue,
}

/// A boxed future, for the trait.
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// The transport to the merchant backend.
pub trait Backend {
    /// Sends `call`; `Err` only when no answer came.
    fn send(&self, call: Call) -> Pending<'_, Result<Answer, String>>;
    /// The Server-Sent Events URL for `path`, when the backend streams.
    fn events_url(&self, path: &str) -> Option<String>;
}

/// The real backend over `gloo-net`.
#[derive(Debug)]
pub struct HttpBackend {
    base: String,
    /// The answer to one `GET`, already asked for by the loader while the wasm downloaded: its
    /// URL and the browser's `fetch` promise. Taken by the first `GET` of exactly that URL.
    prefetched: std::cell::RefCell<Option<(String, js_sys::Promise)>>,
}

impl HttpBackend {
    /// A client of the backend at `base` (empty for the page's own origin).
    pub fn new(base: &str) -> HttpBackend {
        HttpBackend { base: base.trim_end_matches('/').to_owned(), prefetched: Default::default() }
    }

    /// Hands over the loader's request for `url` (a `Promise<Response>`): the first `GET` of
    /// `url` reads its answer instead of asking again, or asks again when it failed.
    pub fn with_prefetched(self, url: String, answer: js_sys::Promise) -> HttpBackend {
        self.prefetched.replace(Some((url, answer)));
        self
    }

    /// The prefetched answer to `call`, when there is one and it came.
    async fn take_prefetched(&self, call: &Call) -> Option<web_sys::Response> {
        if call.method != "GET" {
            return None;
        }
        let answer = {
            let mut slot = self.prefetched.borrow_mut();
            match slot.as_ref() {
                Some((url, _)) if url.strip_prefix(self.base.as_str()) == Some(call.path.as_str()) => slot.take().map(|(_, answer)| answer),
                _ => None,
            }
        }?;
        JsFuture::from(answer).await.ok()?.dyn_into().ok()
    }
}

fn text_of(error: JsValue) -> String {
    error.as_string().unwrap_or_else(|| "network error".into())
}

/// A failed request, told by the browser's own error. Not `gloo_net::Error::to_string()`: that
/// enum also carries serde_json's error (a feature leptos's `server_fn` turns on), and formatting
/// it links serde_json's messages into the bundle (468 bytes gzip, measured when this was
/// written) for an error this widget, which never parses JSON with serde_json, cannot get.
fn transport_error(error: gloo_net::Error) -> String {
    match error {
        gloo_net::Error::JsError(error) => error.to_string(),
        gloo_net::Error::GlooError(text) => text,
        _ => "network error".into(),
    }
}

impl Backend for HttpBackend {
    fn send(&self, call: Call) -> Pending<'_, Result<Answer, String>> {
        Box::pin(async move {
            if let Some(raw) = self.take_prefetched(&call).await {
                return Ok(answer_of(raw).await);
            }
            let url = format!("{}{}", self.base, call.path);
            let builder = match call.method {
                "POST" => gloo_net::http::Request::post(&url),
                _ => gloo_net::http::Request::get(&url),
            }
            .header("Accept", "application/json");
            let request = match call.body {
                Some(body) => {
                    let text: String = js_sys::JSON::stringify(&body).map_err(text_of)?.into();
                    builder.header("Content-Type", "application/json").body(text)
                }
                None => builder.build(),
            }
            .map_err(transport_error)?;
            let response = request.send().await.map_err(transport_error)?;
            Ok(answer_of(response.into()).await)
        })
    }

    fn events_url(&self, path: &str) -> Option<String> {
        Some(format!("{}{path}", self.base))
    }
}

/// An answer's status and its body, read by the browser's own JSON parser; a body that is not
/// JSON reads as `null`.
async fn answer_of(raw: web_sys::Response) -> Answer {
    let status = raw.status();
    let body = match raw.json() {
        Ok(parsing) => JsFuture::from(parsing).await.unwrap_or(JsValue::NULL),
        Err(_) => JsValue::NULL,
    };
    Answer { status, body }
}

/// Encodes a path segment (tokens and ids are URL-safe already; this keeps stray input harmless).
fn segment(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}

/// Reads a successful answer as `T`, or the backend's error body.
fn read<T: DeserializeOwned>(answer: Answer) -> Result<T, ApiError> {
    if (200..300).contains(&answer.status) {
        return serde_wasm_bindgen::from_value(answer.body).map_err(|e| ApiError::Decode(e.to_string()));
    }
    match serde_wasm_bindgen::from_value::<ErrorBody>(answer.body) {
        Ok(ErrorBody { error }) => {
            Err(ApiError::Api { status: answer.status, code: error.code, message: error.message, retry_after_s: error.retry_after_s })
        }
        // A 5xx page of a proxy, say: an error all the same, with no code of the backend's.
        Err(_) => {
            Err(ApiError::Api { status: answer.status, code: ErrorCode::Unknown, message: format!("HTTP {}", answer.status), retry_after_s: None })
        }
    }
}

/// The Payment Page parameters exactly as the backend signed them: kept as the JavaScript value
/// the browser parsed and handed to `EPayWidget.run` untouched, never decoded and re-encoded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedParams(#[serde(with = "serde_wasm_bindgen::preserve")] pub JsValue);

/// The Payment Page answer as the widget reads it.
pub type PaymentPageView = checkout_protocol::api::PaymentPageView<SignedParams>;

/// The widget API of the merchant backend, typed.
#[derive(Clone)]
pub struct Client {
    backend: Rc<dyn Backend>,
    session: Rc<str>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("session", &self.session).finish_non_exhaustive()
    }
}

impl Client {
    /// The API of session `session` on `backend`.
    pub fn new(backend: Rc<dyn Backend>, session: &str) -> Client {
        Client { backend, session: session.into() }
    }

    /// One call, answered with `T`. Not generic over the body: one copy of the sending code
    /// serves every call.
    async fn call<T: DeserializeOwned>(&self, method: &'static str, path: String, body: Option<JsValue>) -> Result<T, ApiError> {
        let answer = self.backend.send(Call { method, path, body }).await.map_err(ApiError::Transport)?;
        read(answer)
    }

    fn session_path(&self, rest: &str) -> String {
        format!("/api/sessions/{}{rest}", segment(&self.session))
    }

    fn payment_path(&self, payment_id: &str, rest: &str) -> String {
        self.session_path(&format!("/payments/{}{rest}", segment(payment_id)))
    }

    /// `GET /api/sessions/{session}`.
    pub async fn session(&self) -> Result<SessionView, ApiError> {
        self.call("GET", self.session_path(""), None).await
    }

    /// `POST …/mobile-payments`.
    pub async fn start_payment(&self, request: &MobilePaymentRequest) -> Result<PaymentView, ApiError> {
        self.call("POST", self.session_path("/mobile-payments"), body(request)).await
    }

    /// `POST …/payouts`.
    pub async fn start_payout(&self, request: &MobilePaymentRequest) -> Result<PaymentView, ApiError> {
        self.call("POST", self.session_path("/payouts"), body(request)).await
    }

    /// `GET …/payments/{payment_id}`.
    pub async fn payment(&self, payment_id: &str) -> Result<PaymentView, ApiError> {
        self.call("GET", self.payment_path(payment_id, ""), None).await
    }

    /// `POST …/payments/{payment_id}/otp`.
    pub async fn submit_otp(&self, payment_id: &str, request: &OtpRequest) -> Result<PaymentView, ApiError> {
        self.call("POST", self.payment_path(payment_id, "/otp"), body(request)).await
    }

    /// `POST …/payments/{payment_id}/resend`.
    pub async fn resend(&self, payment_id: &str) -> Result<PaymentView, ApiError> {
        self.call("POST", self.payment_path(payment_id, "/resend"), Some(js_sys::Object::new().into())).await
    }

    /// `POST …/payment-page`.
    pub async fn payment_page(&self, request: &PaymentPageRequest) -> Result<PaymentPageView, ApiError> {
        self.call("POST", self.session_path("/payment-page"), body(request)).await
    }

    /// `POST …/payment-page/closed`: the page closed; the backend settles its payment (paid,
    /// declined, or `failed`/`abandoned` when nothing was paid).
    pub async fn payment_page_closed(&self) -> Result<PaymentView, ApiError> {
        self.call("POST", self.session_path("/payment-page/closed"), Some(js_sys::Object::new().into())).await
    }

    /// The live stream of a payment's changes, when the backend streams.
    pub fn events_url(&self, payment_id: &str) -> Option<String> {
        self.backend.events_url(&self.payment_path(payment_id, "/events"))
    }
}

/// A request body as a JavaScript object.
fn body<T: Serialize>(request: &T) -> Option<JsValue> {
    // Plain structs of strings always serialize.
    serde_wasm_bindgen::to_value(request).ok()
}

/// A payment view from a live event's `data` (JSON text).
pub fn payment_from_event(data: &str) -> Result<PaymentView, ApiError> {
    let json = js_sys::JSON::parse(data).map_err(|_| ApiError::Decode("an event that is not JSON".into()))?;
    serde_wasm_bindgen::from_value(json).map_err(|e| ApiError::Decode(e.to_string()))
}
