//! The widget-facing API (the architecture's contract table). Everything a customer can change is
//! named by the session token or the payment id; amounts and customers come from the session.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use checkout_protocol::wire::{CallbackAck, CashInAnswer, CashInCode};
use futures_util::stream::Stream;

use crate::error::ServiceError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::views::{
    ErrorBody, FirstScreenQuery, MobilePaymentRequest, OtpRequest, PaymentPageRequest, PaymentPageResponse, PaymentView, SessionView,
    SessionWithFirstScreen,
};
use crate::App;

/// The customer's IP address: the connection's peer, or, behind the merchant's proxies, the
/// `X-Forwarded-For` entry the outermost of them appended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The address `trusted` proxies vouch for in `X-Forwarded-For` (all its values, in order). Each
/// proxy appends the address it was connected from, so the entries on the right are the trusted
/// proxies' own writing and everything left of them is whatever the client sent: the customer is
/// the `trusted`-th entry from the right. `None` when there are fewer entries than proxies (the
/// request did not come through them all) or that entry is not an address.
pub fn forwarded_client(values: &[&str], trusted: u32) -> Option<std::net::IpAddr> {
    let entries: Vec<&str> = values.iter().flat_map(|v| v.split(',')).map(str::trim).collect();
    let from_right = usize::try_from(trusted).ok().filter(|n| *n > 0)?;
    let index = entries.len().checked_sub(from_right)?;
    entries[index].parse().ok()
}

impl FromRequestParts<App> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let trusted = app.config().trusted_proxies;
        if trusted > 0 {
            let values: Vec<&str> = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
            if let Some(ip) = forwarded_client(&values, trusted) {
                return Ok(ClientIp(ip));
            }
        }
        // `run` serves with the peer's address; only a router driven in-process (the tests'
        // `oneshot`) has none, and its requests come from this machine.
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.0.ip());
        Ok(ClientIp(peer))
    }
}

/// The session: amount, merchant, methods, operators, and the payment in progress. With
/// `?first_screen=<locale>` (the loader asks so), also its first screen drawn here.
#[utoipa::path(get, path = "/api/sessions/{session}",
    params(("session" = String, Path, description = "Session token"),
        ("first_screen" = Option<String>, Query, description = "`kk`, `ru` or `en`: add `first_screen_html`, the phone form drawn in that language, when it is the session's first screen")),
    responses((status = 200, body = SessionWithFirstScreen, description = "The session (`first_screen_html` only when asked for and drawn)"),
        (status = 404, description = "`session_not_found`"), (status = 422, description = "`locale_unsupported`")))]
pub async fn sessions_show(
    State(app): State<App>,
    ApiPath(session): ApiPath<String>,
    ApiQuery(query): ApiQuery<FirstScreenQuery>,
) -> Result<Response, ServiceError> {
    let Some(tag) = query.first_screen else {
        return Ok(Json::<SessionView>(app.session_view(&session).await?).into_response());
    };
    let locale = crate::service::locale_asked(&tag)?;
    let session = app.session_view(&session).await?;
    let first_screen_html = crate::service::draw_first_screen(&session, Some(locale));
    Ok(Json(SessionWithFirstScreen { session, first_screen_html }).into_response())
}

/// 201 with a payment just started, 200 with the one already in progress.
fn started(app: &App, (record, created): (crate::db::PaymentRecord, bool)) -> Response {
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    (status, Json(record.view(app.now()))).into_response()
}

/// Starts the session's phone payment (idempotent: a repeat returns the payment in progress).
#[utoipa::path(post, path = "/api/sessions/{session}/mobile-payments", request_body = MobilePaymentRequest,
    params(("session" = String, Path, description = "Session token")),
    responses((status = 201, body = PaymentView, description = "Started"), (status = 200, body = PaymentView, description = "Already in progress"),
        (status = 422, description = "`phone_too_short`, `phone_russian`, `phone_not_kz_mobile`, `operator_unknown`, …"), (status = 502, description = "`gate_unavailable`")))]
pub async fn mobile_payments_create(
    State(app): State<App>,
    ApiPath(session): ApiPath<String>,
    ip: ClientIp,
    ApiJson(request): ApiJson<MobilePaymentRequest>,
) -> Result<Response, ServiceError> {
    Ok(started(&app, app.start_mobile_payment(&session, &request.operator, &request.phone, ip.0).await?))
}

/// Pays the payout session's amount out to the customer's phone (idempotent like payments).
#[utoipa::path(post, path = "/api/sessions/{session}/payouts", request_body = MobilePaymentRequest,
    params(("session" = String, Path, description = "Session token of a payout session")),
    responses((status = 201, body = PaymentView, description = "Started"), (status = 200, body = PaymentView, description = "Already in progress"),
        (status = 422, description = "`method_not_allowed`, `phone_…`, `operator_unknown`"), (status = 502, description = "`gate_unavailable`")))]
pub async fn payouts_create(
    State(app): State<App>,
    ApiPath(session): ApiPath<String>,
    ip: ClientIp,
    ApiJson(request): ApiJson<MobilePaymentRequest>,
) -> Result<Response, ServiceError> {
    Ok(started(&app, app.start_session_payout(&session, &request.operator, &request.phone, ip.0).await?))
}

/// A payment of the session, as it is now.
#[utoipa::path(get, path = "/api/sessions/{session}/payments/{payment_id}",
    params(("session" = String, Path, description = "Session token"), ("payment_id" = String, Path, description = "Payment id")),
    responses((status = 200, body = PaymentView), (status = 404, body = ErrorBody, description = "`session_not_found`, `payment_not_found` (also for another session's payment)")))]
pub async fn payments_show(
    State(app): State<App>,
    ApiPath((session, payment_id)): ApiPath<(String, String)>,
) -> Result<Json<PaymentView>, ServiceError> {
    Ok(Json(app.session_payment(&session, &payment_id).await?.view(app.now())))
}

/// Server-Sent Events: a `payment` event with the state now and after every change; the stream
/// ends after a final state.
#[utoipa::path(get, path = "/api/sessions/{session}/payments/{payment_id}/events",
    params(("session" = String, Path, description = "Session token"), ("payment_id" = String, Path, description = "Payment id")),
    responses((status = 200, description = "text/event-stream of `payment` events, each a PaymentView"), (status = 404, body = ErrorBody, description = "`session_not_found`, `payment_not_found`")))]
pub async fn payments_events(
    State(app): State<App>,
    ApiPath((session, payment_id)): ApiPath<(String, String)>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ServiceError> {
    app.session_payment(&session, &payment_id).await?;
    // Subscribed before the first read, so a change in between is not missed.
    let changes = app.hub().subscribe();
    let events = futures_util::stream::unfold((app, payment_id, changes, -1i64, false), |(app, id, mut changes, last_version, ended)| async move {
        if ended {
            return None;
        }
        loop {
            // A failed read or an unsendable view ends the stream, said once in the log: the
            // browser's EventSource reconnects by itself, and the widget polls beside it.
            let record = match app.payment(&id).await {
                Ok(record) => record,
                Err(e) => {
                    tracing::warn!(payment_id = id, error = %e.message, "live stream ended: the payment could not be read");
                    return None;
                }
            };
            let view = record.view(app.now());
            if view.version != last_version {
                let event = match SseEvent::default().event("payment").id(view.version.to_string()).json_data(&view) {
                    Ok(event) => event,
                    Err(e) => {
                        tracing::error!(payment_id = id, error = %e, "live stream ended: the payment's view could not be written");
                        return None;
                    }
                };
                let version = view.version;
                return Some((Ok(event), (app, id, changes, version, view.state.is_final())));
            }
            loop {
                match changes.recv().await {
                    Ok(change) if change.concerns(&id) => break,
                    Ok(_) => continue,
                    // Fell behind: reload to be sure.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Submits the code from the SMS.
#[utoipa::path(post, path = "/api/sessions/{session}/payments/{payment_id}/otp", request_body = OtpRequest,
    params(("session" = String, Path, description = "Session token"), ("payment_id" = String, Path, description = "Payment id")),
    responses((status = 202, body = PaymentView, description = "Sent; the outcome follows"), (status = 409, description = "`not_awaiting_otp`"),
        (status = 422, description = "`otp_invalid`"), (status = 502, description = "`gate_rejected`, `gate_unavailable`")))]
pub async fn otp_submit(
    State(app): State<App>,
    ApiPath((session, payment_id)): ApiPath<(String, String)>,
    ip: ClientIp,
    ApiJson(request): ApiJson<OtpRequest>,
) -> Result<Response, ServiceError> {
    let record = app.submit_otp(&session, &payment_id, &request.code, request.attempt, ip.0).await?;
    Ok((StatusCode::ACCEPTED, Json(record.view(app.now()))).into_response())
}

/// The customer closed the Payment Page: the backend settles its payment with a status request
/// as soon as the platform allows one. The outcome follows on the payment's live stream: paid,
/// declined, or `failed` with code `abandoned` when nothing was paid (the pay button comes back).
#[utoipa::path(post, path = "/api/sessions/{session}/payment-page/closed", params(("session" = String, Path, description = "Session token")),
    responses((status = 202, body = PaymentView, description = "The payment as it is; its outcome follows"), (status = 404, description = "`session_not_found`, `payment_not_found`")))]
pub async fn payment_page_closed(State(app): State<App>, ApiPath(session): ApiPath<String>) -> Result<Response, ServiceError> {
    app.session(&session).await?;
    let record = app.payment_page_closed(&session).await?;
    Ok((StatusCode::ACCEPTED, Json(record.view(app.now()))).into_response())
}

/// Asks for a new code.
#[utoipa::path(post, path = "/api/sessions/{session}/payments/{payment_id}/resend",
    params(("session" = String, Path, description = "Session token"), ("payment_id" = String, Path, description = "Payment id")),
    responses((status = 202, body = PaymentView, description = "A new code is on its way"), (status = 409, description = "`resend_too_early` with `retry_after_s`, or `not_awaiting_otp`"),
        (status = 429, description = "`resend_limit`"), (status = 502, description = "`gate_rejected`, `gate_unavailable`")))]
pub async fn otp_resend(State(app): State<App>, ApiPath((session, payment_id)): ApiPath<(String, String)>) -> Result<Response, ServiceError> {
    let record = app.resend_otp(&session, &payment_id).await?;
    Ok((StatusCode::ACCEPTED, Json(record.view(app.now()))).into_response())
}

/// Signed `EPayWidget.run` parameters (`force_payment_method: mobile`, the operator enforced) and the brand's `merchant.js`.
#[utoipa::path(post, path = "/api/sessions/{session}/payment-page", request_body = PaymentPageRequest, params(("session" = String, Path, description = "Session token")),
    responses((status = 200, body = PaymentPageResponse), (status = 409, description = "`already_paid`"), (status = 422, description = "`method_not_allowed`, `operator_unknown`")))]
pub async fn payment_page_create(
    State(app): State<App>,
    ApiPath(session): ApiPath<String>,
    ApiJson(request): ApiJson<PaymentPageRequest>,
) -> Result<Json<PaymentPageResponse>, ServiceError> {
    Ok(Json(app.payment_page(&session, request.operator.as_deref(), request.locale.as_deref()).await?))
}

/// `POST /callbacks/gate`: the platform's callbacks.
pub async fn gate_callback(State(app): State<App>, ip: ClientIp, body: Result<Bytes, BytesRejection>) -> Result<Json<CallbackAck>, ServiceError> {
    let bytes = body.map_err(crate::extract::body_rejection)?;
    Ok(Json(app.receive_callback(&bytes, ip.0).await?))
}

/// `POST /webservice/cash-in`: the platform's `verify` and `check_deposit` (`platform.md` §7),
/// always answered 200 with the web service's own `code`.
pub async fn cash_in(State(app): State<App>, body: Result<Bytes, BytesRejection>) -> Json<CashInAnswer> {
    match body {
        Ok(bytes) => Json(crate::callbacks::cash_in(&app, &bytes).await),
        Err(_) => Json(CashInAnswer::refused(CashInCode::GeneralError, "unreadable request")),
    }
}

#[cfg(test)]
mod tests {
    use super::forwarded_client;

    #[test]
    fn the_customer_is_read_from_the_right_past_the_trusted_proxies() {
        let ip = |s: &str| Some(s.parse().unwrap());
        // One load balancer: it appended the customer's address; the left is the client's own text.
        assert_eq!(forwarded_client(&["203.0.113.7"], 1), ip("203.0.113.7"));
        assert_eq!(forwarded_client(&["1.2.3.4, 203.0.113.7"], 1), ip("203.0.113.7"), "a spoofed leftmost entry is ignored");
        // A CDN, then a load balancer: the CDN's entry is the customer, the last is the CDN.
        assert_eq!(forwarded_client(&["9.9.9.9, 203.0.113.7, 198.51.100.2"], 2), ip("203.0.113.7"));
        // Several header lines are one list, in order.
        assert_eq!(forwarded_client(&["9.9.9.9", "203.0.113.7"], 1), ip("203.0.113.7"));
        assert_eq!(forwarded_client(&["203.0.113.7"], 2), None, "fewer entries than proxies");
        assert_eq!(forwarded_client(&["1.2.3.4, not-an-ip"], 1), None);
        assert_eq!(forwarded_client(&["203.0.113.7"], 0), None);
    }
}
