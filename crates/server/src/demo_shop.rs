//! The demo shop's server side (`--demo-shop`, sandbox brand only): what a merchant's own server
//! does, played by the backend for the demo. It creates an order's session without the admin
//! token, asks the sandbox's terminal to pay cash in, receives the backend's webhooks on its own
//! endpoint (verifying each signature as a shop must), and tells its page whether the order is
//! paid: from verified webhooks only, never from the widget's events in the browser.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use checkout_protocol::webhook;
use serde_json::Value;

use crate::api::ClientIp;
use crate::db::DemoWebhookRow;
use crate::error::ServiceError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::views::{DemoOrder, DemoOrderStatus, DemoWebhook, ErrorCode, Method};
use crate::App;

fn demo_only(app: &App) -> Result<(), ServiceError> {
    if app.config().demo_shop {
        Ok(())
    } else {
        Err(ServiceError::new(ErrorCode::NotFound, "no such endpoint"))
    }
}

/// `POST /demo/sessions` `{amount?, methods?, locale?}`: the demo shop's stand-in for a merchant
/// server creating a session. Served only with `--demo-shop` on the sandbox brand.
pub async fn sessions_create(
    State(app): State<App>,
    ip: ClientIp,
    ApiJson(request): ApiJson<crate::views::DemoSessionRequest>,
) -> Result<Response, ServiceError> {
    demo_only(&app)?;
    let amount = request.amount.unwrap_or(1_299_000);
    let methods = request.methods.unwrap_or_else(|| vec![Method::Mobile]);
    let locale = request.locale;
    let session = app.create_session(demo_order(Some(amount), methods, locale), ip.0, None).await?;
    let gate = app.config().gate_url.clone();
    Ok((
        StatusCode::CREATED,
        Json(crate::views::DemoSessionCreated { session: session.token, sandbox_inbox: format!("{gate}/sandbox/inbox"), sandbox: gate }),
    )
        .into_response())
}

/// A demo order's session: 12 990.00 KZT unless `amount` says otherwise.
fn demo_order(amount: Option<u64>, methods: Vec<Method>, locale: Option<String>) -> crate::views::CreateSession {
    crate::views::CreateSession {
        amount: amount.unwrap_or(1_299_000),
        currency: "KZT".into(),
        customer: crate::views::CustomerInput {
            // Each demo order is its own account at the terminal, digits as on its keypad:
            // cash paid in for one order (one tab, one visitor) is never another's.
            id: crate::random::random_digits(10),
            first_name: "Aigerim".into(),
            last_name: "Nurlanova".into(),
            email: "aigerim@example.kz".into(),
        },
        methods,
        locale,
        description: Some("Demo shop order".into()),
        reference: None,
        metadata: Default::default(),
        first_screen: false,
    }
}

/// `POST /demo/terminal` `{session, amount?}`: the demo shop's "simulate terminal payment" button,
/// which asks the sandbox's cash terminal to pay into that order's account. Demo shop only.
pub async fn terminal_pay(State(app): State<App>, ApiJson(request): ApiJson<crate::views::DemoTerminalRequest>) -> Result<Response, ServiceError> {
    demo_only(&app)?;
    let amount = request.amount.unwrap_or(500_000);
    let customer_id = app.session(&request.session).await?.customer_id;
    let url = format!("{}/sandbox/terminal/pay", app.config().gate_url);
    let answer = reqwest::Client::new()
        .post(&url)
        .json(&checkout_protocol::wire::TerminalPayment { customer_id, amount, project_id: Some(app.config().project_id) })
        .send()
        .await
        .map_err(|e| ServiceError::new(ErrorCode::SandboxUnavailable, e.to_string()))?;
    let status = answer.status().as_u16();
    let body: serde_json::Value = answer.json().await.unwrap_or(serde_json::Value::Null);
    if !(200..300).contains(&status) {
        // The sandbox's refusal (the platform's error type), in this server's envelope like every other.
        let refusal = serde_json::from_value::<checkout_protocol::wire::ErrorResponse>(body).ok();
        let reason =
            refusal.map(|r| r.errors.and_then(|e| e.into_iter().next()).map_or(r.message, |e| e.message)).unwrap_or_else(|| "refused".into());
        return Err(ServiceError::new(ErrorCode::TerminalRefused, format!("the sandbox's terminal refused: {reason}")));
    }
    Ok((StatusCode::OK, Json(body)).into_response())
}

/// `POST /demo/webhooks`: the demo shop's webhook endpoint. It verifies the signature over the
/// raw body before reading it, keeps every delivery with the verdict, and answers 2xx only for
/// a verified one (a forged one is refused, so nothing is fulfilled from it).
pub async fn webhook_received(State(app): State<App>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Response, ServiceError> {
    demo_only(&app)?;
    let Some(config) = &app.config().webhook else {
        return Err(ServiceError::new(ErrorCode::NotFound, "the demo shop receives webhooks only when CHECKOUT_WEBHOOK_URL points at it"));
    };
    let body = body.map_err(crate::extract::body_rejection)?;
    let header = headers.get(webhook::HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let verdict = webhook::verify(header, &body, config.secret.expose().as_bytes(), app.now().0.div_euclid(1000));
    // Read for the record only; a shop acts on a body only once it verified.
    let said: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let text = |value: &Value| value.as_str().map(str::to_owned);
    let row = DemoWebhookRow {
        event_id: text(&said["id"]),
        event_type: text(&said["type"]),
        verified: verdict.is_ok(),
        problem: verdict.as_ref().err().map(ToString::to_string),
        received_at: app.now(),
    };
    app.db().record_demo_webhook(said["data"]["session"]["session"].as_str(), &row).await?;
    match verdict {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(e) => Err(ServiceError::new(ErrorCode::InvalidSignature, format!("the demo shop refused the webhook: {e}"))),
    }
}

/// `GET /demo/orders/{session}`: the demo shop's order, paid only by a verified webhook.
pub async fn order_show(State(app): State<App>, ApiPath(session): ApiPath<String>) -> Result<Json<DemoOrder>, ServiceError> {
    demo_only(&app)?;
    app.session(&session).await?;
    let received = app.db().demo_webhooks_of(&session).await?;
    let verified = |kinds: &[&str]| received.iter().any(|w| w.verified && w.event_type.as_deref().is_some_and(|t| kinds.contains(&t)));
    let status = if verified(&["payment.succeeded", "deposit.succeeded"]) {
        DemoOrderStatus::Paid
    } else if verified(&["payout.succeeded"]) {
        DemoOrderStatus::PaidOut
    } else {
        DemoOrderStatus::Open
    };
    let gate = app.config().gate_url.clone();
    Ok(Json(DemoOrder {
        session,
        status,
        webhooks: received
            .into_iter()
            .map(|w| DemoWebhook {
                event_id: w.event_id,
                kind: w.event_type,
                verified: w.verified,
                problem: w.problem,
                received_at: w.received_at.to_rfc3339(),
            })
            .collect(),
        sandbox_inbox: format!("{gate}/sandbox/inbox"),
        sandbox: gate,
    }))
}

/// `GET /?mode=&locale=&order=&first_screen=`: the demo shop's checkout page, served as a shop's
/// server serves its own: the order's session (`order`, else a new one for `mode`) written into
/// `<kz-mobile-checkout>`, with the first screen drawn inside it (README "Embedding"), so the
/// customer sees and types into the phone form with the page, before the wasm arrives.
/// `first_screen=loader` leaves the drawing to the loader (with the session's first answer),
/// `first_screen=none` to the widget alone: the bench's other two paths.
pub async fn page(State(app): State<App>, ip: ClientIp, ApiQuery(query): ApiQuery<crate::views::DemoPageQuery>) -> Result<Response, ServiceError> {
    demo_only(&app)?;
    let Some(dir) = &app.config().static_dir else { return Err(ServiceError::new(ErrorCode::NotFound, "no such endpoint")) };
    let template = tokio::fs::read_to_string(std::path::Path::new(dir).join("index.html"))
        .await
        .map_err(|e| ServiceError::internal(format!("the demo page: {e}")))?;
    let locale = query.locale.as_deref().and_then(checkout_protocol::Locale::from_tag).unwrap_or(checkout_protocol::Locale::Ru);
    let known = match query.order.as_deref() {
        Some(order) => app.session(order).await.ok().map(|s| s.token),
        None => None,
    };
    let session = match known {
        Some(token) => token,
        None => {
            let mode = query.mode.as_deref().and_then(|m| serde_json::from_value::<Method>(Value::String(m.into())).ok()).unwrap_or(Method::Mobile);
            app.create_session(demo_order(None, vec![mode], Some(locale.tag().to_owned())), ip.0, None).await?.token
        }
    };
    let drawn = match query.first_screen.as_deref() {
        Some("loader" | "none") => String::new(),
        // None for a session past its form (a payment under way): the widget draws its own.
        _ => app.first_screen(&session, Some(locale)).await?.unwrap_or_default(),
    };
    let gate = &app.config().gate_url;
    let opt_out = if query.first_screen.as_deref() == Some("none") { " first-screen=\"none\"" } else { "" };
    let element = format!(
        "<kz-mobile-checkout id=\"checkout\" locale=\"{}\" session=\"{}\" data-sandbox=\"{}\"{opt_out}>{drawn}</kz-mobile-checkout>",
        locale.tag(),
        attribute(&session),
        attribute(gate)
    );
    let page = template.replacen(EMPTY_ELEMENT, &element, 1);
    let headers = [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8"), (axum::http::header::CACHE_CONTROL, "no-store")];
    Ok((headers, page).into_response())
}

/// The element as `index.html` has it, which the page's server fills.
pub const EMPTY_ELEMENT: &str = "<kz-mobile-checkout id=\"checkout\" locale=\"ru\"></kz-mobile-checkout>";

/// `value` as a double-quoted attribute's text.
fn attribute(value: &str) -> String {
    value.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}
