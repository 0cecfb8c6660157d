//! The reference merchant backend of the Kazakhstan mobile checkout. It holds the project's
//! secret: it signs every Gate request, verifies every callback, keeps payments durably, and
//! streams their state to the widget.
//!
//! `app(App) -> Router` serves the HTTP API (tests drive it with `oneshot`); `run` serves it on a
//! bound listener together with the reconciler that asks the platform about payments whose
//! callbacks stopped coming.

pub mod admin;
pub mod api;
pub mod callbacks;
pub mod config;
pub mod db;
pub mod demo_shop;
pub mod edges;
pub mod error;
pub mod events;
pub mod extract;
pub mod gate;
pub mod idempotency;
pub mod operators;
pub mod random;
pub mod service;
pub mod static_files;
pub mod views;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::handler::HandlerWithoutStateExt;
use axum::http::{HeaderValue, Method as HttpMethod};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use checkout_protocol::time::Timestamp;
use tokio::net::TcpListener;
use tower::ServiceExt;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

use config::Config;
use db::Db;
use events::Hub;
use gate::GateClient;
use operators::OperatorLists;

/// Everything a handler needs; cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    db: Db,
    gate: GateClient,
    hub: Hub,
    operators: OperatorLists,
    webhooks_wake: tokio::sync::Notify,
}

/// Why the server cannot start.
#[derive(Debug)]
pub enum StartError {
    /// The database cannot be opened or migrated.
    Database(sqlx::Error),
    /// The HTTP client for the platform cannot be built (no TLS roots, say).
    HttpClient(reqwest::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Database(e) => write!(f, "database: {e}"),
            StartError::HttpClient(e) => write!(f, "the HTTP client for the platform cannot be built: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

impl App {
    /// Connects to the database (migrating it) and builds the Gate client, once.
    pub async fn new(config: Config) -> Result<App, StartError> {
        let gate = GateClient::new(&config).map_err(StartError::HttpClient)?;
        let db = Db::connect(&config.database_url).await.map_err(StartError::Database)?;
        Ok(App {
            inner: Arc::new(Inner {
                config,
                db,
                gate,
                hub: Hub::new(),
                operators: OperatorLists::default(),
                webhooks_wake: tokio::sync::Notify::new(),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Now, by the configured clock.
    pub fn now(&self) -> Timestamp {
        self.inner.config.clock.now()
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The Gate client.
    pub fn gate(&self) -> &GateClient {
        &self.inner.gate
    }

    /// Change notifications for live updates.
    pub fn hub(&self) -> &Hub {
        &self.inner.hub
    }

    /// Wakes this instance's webhook deliveries (an event was sent again).
    pub fn webhooks_wake(&self) -> &tokio::sync::Notify {
        &self.inner.webhooks_wake
    }

    /// The platform's operator lists.
    pub fn operator_lists(&self) -> &OperatorLists {
        &self.inner.operators
    }
}

/// The OpenAPI document of the widget and admin APIs.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Kazakhstan mobile checkout backend", description = "Widget API (sessions, mobile payments, OTP, live state) and admin API (sessions, refunds, payouts)."),
    paths(
        api::sessions_show,
        api::mobile_payments_create,
        api::payments_show,
        api::payments_events,
        api::otp_submit,
        api::otp_resend,
        api::payment_page_create,
        api::payment_page_closed,
        api::payouts_create,
        admin::sessions_create,
        admin::sessions_show,
        admin::sessions_first_screen,
        admin::sessions_index,
        admin::payments_index,
        admin::payments_show,
        admin::refunds_create,
        admin::payouts_create,
        admin::events_index,
        admin::events_show,
        admin::events_redeliver,
    ),
    components(schemas(
        views::PaymentView,
        views::SessionView,
        views::SessionWithFirstScreen,
        views::OperatorView,
        checkout_protocol::api::Limits,
        views::ErrorBody,
        views::ErrorDetail,
        views::ErrorCode,
        views::MobilePaymentRequest,
        views::OtpRequest,
        views::PaymentPageRequest,
        views::PaymentPageResponse,
        views::CreateSession,
        views::CustomerInput,
        views::SessionCreated,
        views::ShopOrder,
        views::AdminSession,
        views::RefundRequest,
        views::PayoutRequest,
        views::PaymentDetail,
        views::AdminPaymentEntry,
        views::RefundEntry,
        views::EventDetail,
        views::Delivery,
        views::DeliveryAttempt,
        checkout_protocol::webhook::WebhookEvent,
        checkout_protocol::webhook::EventType,
        checkout_protocol::webhook::EventData,
        checkout_protocol::webhook::EventSession,
        checkout_protocol::webhook::EventRefund,
        views::Method,
        checkout_protocol::api::PaymentState,
        checkout_protocol::api::PaymentKind,
        checkout_protocol::api::OtpError,
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme("admin_token", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
        }
    }
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Largest callback or API body read.
pub const BODY_LIMIT: usize = 256 * 1024;

/// Every route of the backend.
pub fn app(state: App) -> Router {
    let request_id = edges::REQUEST_ID;
    let cors = {
        let origins: Vec<HeaderValue> = state.config().cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([HttpMethod::GET, HttpMethod::POST])
            .allow_headers([axum::http::header::CONTENT_TYPE])
            .max_age(Duration::from_secs(600))
    };
    let api = Router::new()
        .route("/api/sessions/{session}", get(api::sessions_show))
        .route("/api/sessions/{session}/mobile-payments", post(api::mobile_payments_create))
        .route("/api/sessions/{session}/payment-page", post(api::payment_page_create))
        .route("/api/sessions/{session}/payment-page/closed", post(api::payment_page_closed))
        .route("/api/sessions/{session}/payouts", post(api::payouts_create))
        .route("/api/sessions/{session}/payments/{payment_id}", get(api::payments_show))
        .route("/api/sessions/{session}/payments/{payment_id}/events", get(api::payments_events))
        .route("/api/sessions/{session}/payments/{payment_id}/otp", post(api::otp_submit))
        .route("/api/sessions/{session}/payments/{payment_id}/resend", post(api::otp_resend))
        .route("/api/openapi.json", get(openapi_json))
        .layer(cors);
    // The writes a shop retries: each takes an Idempotency-Key.
    let admin_writes = Router::new()
        .route("/admin/sessions", post(admin::sessions_create).get(admin::sessions_index))
        .route("/admin/payments/{payment_id}/refunds", post(admin::refunds_create))
        .route("/admin/payouts", post(admin::payouts_create))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), idempotency::guard));
    let mut router = Router::new()
        .merge(api)
        .route("/callbacks/gate", post(api::gate_callback))
        .route("/webservice/cash-in", post(api::cash_in))
        .merge(admin_writes)
        .route("/admin/sessions/{session}", get(admin::sessions_show))
        .route("/admin/sessions/{session}/first-screen", get(admin::sessions_first_screen))
        .route("/admin/payments", get(admin::payments_index))
        .route("/admin/payments/{payment_id}", get(admin::payments_show))
        .route("/admin/events", get(admin::events_index))
        .route("/admin/events/{event_id}", get(admin::events_show))
        .route("/admin/events/{event_id}/redeliver", post(admin::events_redeliver))
        .route("/demo/sessions", post(demo_shop::sessions_create))
        .route("/demo/terminal", post(demo_shop::terminal_pay))
        .route("/demo/webhooks", post(demo_shop::webhook_received))
        .route("/demo/orders/{session}", get(demo_shop::order_show))
        .route("/healthz", get(|| async { "ok" }));
    if state.config().demo_shop && state.config().static_dir.is_some() {
        // The demo shop's page, with its order's session and first screen written in.
        router = router.route("/", get(demo_shop::page));
    }
    router = router.method_not_allowed_fallback(edges::method_not_allowed);
    if let Some(dir) = &state.config().static_dir {
        // Files for GET and HEAD; anything else, and any missing file, is the structured 404/405.
        let files = ServeDir::new(dir).precompressed_br().precompressed_gzip().fallback(edges::not_found.into_service());
        router = router.fallback(move |request: axum::extract::Request| async move {
            let uri = request.uri().clone();
            if edges::is_api(uri.path()) {
                return edges::not_found(uri).await.into_response();
            }
            if !matches!(*request.method(), HttpMethod::GET | HttpMethod::HEAD) {
                return edges::method_not_allowed(request.method().clone(), uri).await.into_response();
            }
            let if_none_match = request.headers().get(axum::http::header::IF_NONE_MATCH).cloned();
            match files.oneshot(request).await {
                Ok(response) => static_files::revalidated(if_none_match, response.into_response()),
                Err(never) => match never {},
            }
        });
    } else {
        router = router.fallback(edges::not_found);
    }
    router
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(edges::SecurityHeaders::new(state.config()), edges::security_headers))
        .layer(axum::middleware::from_fn(edges::bound_uri))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
            tracing::info_span!("request", id, method = %request.method(), path = %request.uri().path())
        }))
        .layer(SetRequestIdLayer::new(request_id, edges::RandomRequestId))
        .with_state(state)
}

/// Serves the backend on `listener` until `shutdown` resolves; first applies callbacks that were
/// recorded but not applied before a crash, and keeps reconciling silent payments. On
/// PostgreSQL it also listens for the payments other instances change, for the live streams.
pub async fn run(listener: TcpListener, state: App, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    if let Err(e) = service::recover(&state).await {
        tracing::error!(error = %e.message, "recovery of recorded callbacks failed");
    }
    // The first session load should find the platform's operators, not wait for them.
    for operation in operators::Operation::ALL {
        state.warm_operators(operation);
    }
    let reconciler = tokio::spawn(service::reconcile_forever(state.clone()));
    let webhooks = tokio::spawn(service::deliver_webhooks_forever(state.clone()));
    let other_instances = (state.db().backend() == db::Backend::Postgres).then(|| {
        tokio::spawn(events::listen_for_other_instances(state.db().url().to_owned(), state.db().instance().to_owned(), state.hub().clone()))
    });
    let result =
        axum::serve(listener, app(state).into_make_service_with_connect_info::<std::net::SocketAddr>()).with_graceful_shutdown(shutdown).await;
    reconciler.abort();
    webhooks.abort();
    if let Some(task) = other_instances {
        task.abort();
    }
    result
}
