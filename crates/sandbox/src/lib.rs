//! A stateful local emulator of the ECommPay platform (and its white labels Monetix and
//! Rocketpay) for Mobile Commerce in Kazakhstan: the Gate endpoints, signed callbacks with the
//! platform's retries, an SMS inbox, the Payment Page script and page, and a Kassa24 cash terminal.
//!
//! `app(sandbox)` builds the router so tests drive it in-process; `run(listener, config, shutdown)`
//! serves it on a bound listener.

pub mod callbacks;
pub mod config;
pub mod error;
mod gate;
mod inspect;
mod payment_page;
pub mod scenario;
pub mod store;
mod terminal;

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use checkout_protocol::time::Timestamp;
use tokio::net::TcpListener;

pub use config::{Args, Config, ConfigError};
use error::{ErrorKind, GateError};
use store::Store;

/// Largest request body the sandbox reads, like the platform's own limit on Gate requests.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The sandbox: configuration, memory and an HTTP client for callbacks. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    store: Mutex<Store>,
    http: reqwest::Client,
}

impl Sandbox {
    /// A sandbox with empty memory.
    pub fn new(config: Config) -> Sandbox {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        Sandbox { inner: Arc::new(Inner { config, store: Mutex::new(Store::default()), http }) }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Now, by the configured clock.
    pub fn now(&self) -> Timestamp {
        self.inner.config.clock.now()
    }

    /// The memory. Never held across an `.await`.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock leaves consistent data behind (every update is a plain
        // assignment), so a poisoned lock is still usable.
        self.inner.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    fn secret(&self, project_id: u64) -> Option<&str> {
        self.inner.config.projects.get(&project_id).map(String::as_str)
    }
}

/// A date as the platform writes it in callbacks: `2024-12-07T19:08:45+0000`.
pub fn platform_date(at: Timestamp) -> String {
    let text = at.to_rfc3339();
    format!("{}+0000", &text[..19.min(text.len())])
}

/// Every route of the sandbox.
pub fn app(sandbox: Sandbox) -> Router {
    Router::new()
        .route("/v2/info/mobile/{operation}/list", post(gate::operators_list))
        .route("/v2/payment/mobile/sale", post(gate::sale))
        .route("/v2/payment/clarification", post(gate::clarification))
        .route("/v2/customer/action/resend", post(gate::resend))
        .route("/v2/payment/mobile/refund", post(gate::refund))
        .route("/v2/payment/mobile/payout", post(gate::payout))
        .route("/v2/payment/status", post(gate::status))
        .route("/shared/merchant.js", get(payment_page::merchant_js))
        .route("/payment", get(payment_page::page))
        .route("/payment/page.js", get(payment_page::page_js))
        .route("/payment/api/start", post(payment_page::start))
        .route("/payment/api/otp", post(payment_page::otp))
        .route("/payment/api/resend", post(payment_page::resend))
        .route("/sandbox/sms", get(inspect::sms_json))
        .route("/sandbox/inbox", get(inspect::inbox_html))
        .route("/sandbox/payments", get(inspect::payments))
        .route("/sandbox/developer", get(inspect::developer))
        .route("/sandbox/payments/{payment_id}", get(inspect::payment))
        .route("/sandbox/terminal/pay", post(terminal::pay))
        .route("/", get(inspect::home))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(error::edges))
        .with_state(sandbox)
}

/// Unknown paths get the platform's error shape…
async fn fallback(method: Method, uri: Uri) -> Response {
    GateError::detail(ErrorKind::UnknownEndpoint, format!("{method} {}", uri.path())).into_response()
}

/// …and so do known paths called with the wrong method.
async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    GateError::detail(ErrorKind::MethodNotAllowed, format!("{method} {}", uri.path())).into_response()
}

/// Serves the sandbox on `listener` until `shutdown` resolves.
pub async fn run(listener: TcpListener, config: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    axum::serve(listener, app(Sandbox::new(config))).with_graceful_shutdown(shutdown).await
}
