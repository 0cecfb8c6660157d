//! The merchant's admin API: bearer token, compared in constant time. Sessions, payments with
//! their history, refunds and payouts.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::api::ClientIp;
use crate::error::ServiceError;
use crate::extract::{claim_of, ApiJson, ApiPath, ApiQuery, IdempotencyClaim};
use crate::views::ErrorCode;
use crate::views::{
    AdminPaymentEntry, AdminSession, CreateSession, EventDetail, EventsQuery, LocaleQuery, PaymentDetail, PaymentView, PayoutRequest, RefundRequest,
    SessionCreated, SessionsQuery, ShopOrder,
};
use crate::App;

/// Proof that the request carried the admin token.
#[derive(Debug)]
pub struct Admin;

impl FromRequestParts<App> for Admin {
    type Rejection = ServiceError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let Some(expected) = &app.config().admin_token else {
            return Err(ServiceError::new(ErrorCode::AdminDisabled, "the admin API is off: set CHECKOUT_ADMIN_TOKEN"));
        };
        let given =
            parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
        if bool::from(given.as_bytes().ct_eq(expected.expose().as_bytes())) {
            Ok(Admin)
        } else {
            Err(ServiceError::new(ErrorCode::Unauthorized, "a valid admin bearer token is required"))
        }
    }
}

/// The `Idempotency-Key` header of the admin writes, for the OpenAPI document.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKeyHeader {
    /// 1 to 255 printable ASCII characters, new for each new request. A repeat of the same
    /// request with it answers the first answer (`Idempotent-Replayed: true`) and moves no money;
    /// with another body or path, 422 `idempotency_key_reused`; while the first still runs, 409
    /// `idempotency_in_progress`. Kept 24 hours.
    #[param(rename = "Idempotency-Key")]
    #[allow(dead_code)]
    idempotency_key: Option<String>,
}

/// Creates a checkout session and returns the token for the widget.
#[utoipa::path(post, path = "/admin/sessions", request_body = CreateSession, security(("admin_token" = [])), params(IdempotencyKeyHeader),
    responses((status = 201, body = SessionCreated), (status = 401, description = "`unauthorized`"), (status = 422, description = "`amount_invalid`, `currency_unsupported`, `customer_invalid`, `methods_invalid`, `reference_invalid`, `metadata_invalid`")))]
pub async fn sessions_create(
    _: Admin,
    State(app): State<App>,
    ip: ClientIp,
    claim: Option<Extension<IdempotencyClaim>>,
    ApiJson(request): ApiJson<CreateSession>,
) -> Result<Response, ServiceError> {
    let first_screen = request.first_screen;
    let session = app.create_session(request, ip.0, claim_of(&claim)).await?;
    let first_screen_html = if first_screen { app.first_screen(&session.token, None).await? } else { None };
    let order = ShopOrder::of(&session);
    let created = SessionCreated {
        session: session.token,
        amount: session.amount,
        currency: session.currency,
        methods: session.methods,
        order,
        first_screen_html,
    };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// The session's first screen drawn by the widget's own components: the phone form, in `locale`
/// (else the session's, else Russian), to put inside `<kz-mobile-checkout>` in the shop's page.
#[utoipa::path(get, path = "/admin/sessions/{session}/first-screen", security(("admin_token" = [])),
    params(("session" = String, Path, description = "Session token"), ("locale" = Option<String>, Query, description = "`kk`, `ru` or `en`")),
    responses((status = 200, content_type = "text/html", body = String, description = "Escaped HTML, no script or style"), (status = 401, description = "`unauthorized`"),
        (status = 404, description = "`session_not_found`"), (status = 409, description = "`no_first_screen`: the first screen is not the phone form"),
        (status = 422, description = "`locale_unsupported`")))]
pub async fn sessions_first_screen(
    _: Admin,
    State(app): State<App>,
    ApiPath(session): ApiPath<String>,
    ApiQuery(query): ApiQuery<LocaleQuery>,
) -> Result<Response, ServiceError> {
    let locale = query.locale.as_deref().map(crate::service::locale_asked).transpose()?;
    let html = app.first_screen(&session, locale).await?.ok_or_else(crate::service::no_first_screen)?;
    // Drawn from the session as it is now: never a stale copy from a cache.
    let headers = [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8"), (axum::http::header::CACHE_CONTROL, "no-store")];
    Ok((headers, html).into_response())
}

/// A session with its order, its payments (with their refunds) and its deposits.
#[utoipa::path(get, path = "/admin/sessions/{session}", security(("admin_token" = [])), params(("session" = String, Path, description = "Session token")),
    responses((status = 200, body = AdminSession), (status = 401, description = "`unauthorized`"), (status = 404, description = "`session_not_found`")))]
pub async fn sessions_show(_: Admin, State(app): State<App>, ApiPath(session): ApiPath<String>) -> Result<Json<AdminSession>, ServiceError> {
    Ok(Json(app.admin_session(&session).await?))
}

/// The sessions the shop opened for one of its orders, newest first.
#[utoipa::path(get, path = "/admin/sessions", security(("admin_token" = [])), params(("reference" = String, Query, description = "The shop's order id")),
    responses((status = 200, body = Vec<AdminSession>), (status = 401, description = "`unauthorized`"), (status = 400, description = "`invalid_query`: no `reference`")))]
pub async fn sessions_index(
    _: Admin,
    State(app): State<App>,
    ApiQuery(query): ApiQuery<SessionsQuery>,
) -> Result<Json<Vec<AdminSession>>, ServiceError> {
    Ok(Json(app.admin_sessions_with_reference(&query.reference).await?))
}

/// `?limit=`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    limit: Option<i64>,
}

/// The newest payments.
#[utoipa::path(get, path = "/admin/payments", security(("admin_token" = [])), params(("limit" = Option<i64>, Query, description = "At most this many (default 50, max 500)")),
    responses((status = 200, body = Vec<AdminPaymentEntry>)))]
pub async fn payments_index(
    _: Admin,
    State(app): State<App>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<AdminPaymentEntry>>, ServiceError> {
    Ok(Json(app.admin_payments(query.limit.unwrap_or(50)).await?))
}

/// A payment with every event, Gate call and callback.
#[utoipa::path(get, path = "/admin/payments/{payment_id}", security(("admin_token" = [])), params(("payment_id" = String, Path, description = "Payment id")),
    responses((status = 200, body = PaymentDetail), (status = 404, description = "`payment_not_found`")))]
pub async fn payments_show(_: Admin, State(app): State<App>, ApiPath(payment_id): ApiPath<String>) -> Result<Json<PaymentDetail>, ServiceError> {
    Ok(Json(app.payment_detail(&payment_id).await?))
}

/// Refunds a paid purchase, fully or partly; never more than was paid.
#[utoipa::path(post, path = "/admin/payments/{payment_id}/refunds", request_body = RefundRequest, security(("admin_token" = [])), params(("payment_id" = String, Path, description = "Payment id"), IdempotencyKeyHeader),
    responses((status = 202, body = PaymentView, description = "Sent; the result comes by callback"), (status = 409, description = "`not_refundable`, `refund_exceeds_payment`"), (status = 502, description = "`gate_rejected`")))]
pub async fn refunds_create(
    _: Admin,
    State(app): State<App>,
    ApiPath(payment_id): ApiPath<String>,
    claim: Option<Extension<IdempotencyClaim>>,
    ApiJson(request): ApiJson<RefundRequest>,
) -> Result<Response, ServiceError> {
    let record = app.refund(&payment_id, request.amount, request.description.as_deref(), claim_of(&claim)).await?;
    Ok((StatusCode::ACCEPTED, Json(record.view(app.now()))).into_response())
}

/// Sends money to a phone.
#[utoipa::path(post, path = "/admin/payouts", request_body = PayoutRequest, security(("admin_token" = [])), params(IdempotencyKeyHeader),
    responses((status = 202, body = PaymentView, description = "Sent; the result comes by callback"), (status = 422, description = "`phone_…`, `operator_unknown`, `amount_invalid`"), (status = 502, description = "`gate_rejected`")))]
pub async fn payouts_create(
    _: Admin,
    State(app): State<App>,
    ip: ClientIp,
    claim: Option<Extension<IdempotencyClaim>>,
    ApiJson(request): ApiJson<PayoutRequest>,
) -> Result<Response, ServiceError> {
    let record = app.payout(request, ip.0, claim_of(&claim)).await?;
    Ok((StatusCode::ACCEPTED, Json(record.view(app.now()))).into_response())
}

/// The webhook events, oldest first: the same events as the webhooks, for a shop that polls or
/// recovers after an outage (`after`: the last id it has).
#[utoipa::path(get, path = "/admin/events", security(("admin_token" = [])),
    params(("after" = Option<String>, Query, description = "The id of the last event you have"), ("limit" = Option<i64>, Query, description = "At most this many (default 100, max 500)")),
    responses((status = 200, body = Vec<checkout_protocol::webhook::WebhookEvent>), (status = 404, description = "`event_not_found`: `after` names no event")))]
pub async fn events_index(
    _: Admin,
    State(app): State<App>,
    ApiQuery(query): ApiQuery<EventsQuery>,
) -> Result<Json<Vec<checkout_protocol::webhook::WebhookEvent>>, ServiceError> {
    Ok(Json(app.webhook_feed(query.after.as_deref(), query.limit.unwrap_or(100)).await?))
}

/// One event with every delivery attempt.
#[utoipa::path(get, path = "/admin/events/{event_id}", security(("admin_token" = [])), params(("event_id" = String, Path, description = "`evt_…`")),
    responses((status = 200, body = EventDetail), (status = 404, description = "`event_not_found`")))]
pub async fn events_show(_: Admin, State(app): State<App>, ApiPath(event_id): ApiPath<String>) -> Result<Json<EventDetail>, ServiceError> {
    Ok(Json(app.webhook_event_detail(&event_id).await?))
}

/// Sends an event again now (a failed one, or one the shop lost), with the same id.
#[utoipa::path(post, path = "/admin/events/{event_id}/redeliver", security(("admin_token" = [])), params(("event_id" = String, Path, description = "`evt_…`")),
    responses((status = 202, body = EventDetail), (status = 404, description = "`event_not_found`")))]
pub async fn events_redeliver(_: Admin, State(app): State<App>, ApiPath(event_id): ApiPath<String>) -> Result<Response, ServiceError> {
    Ok((StatusCode::ACCEPTED, Json(app.redeliver_webhook(&event_id).await?)).into_response())
}
