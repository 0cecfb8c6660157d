//! What tests and developers look at: the SMS inbox (JSON and a small page), a payment as the
//! sandbox sees it with every callback attempt, and a start page.

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use checkout_protocol::KzMobile;
use serde::Deserialize;
use serde_json::json;

use crate::error::{ErrorKind, GateError, GatePath, GateQuery};
use crate::Sandbox;

/// `?phone=…` in any usual form.
#[derive(Debug, Deserialize)]
pub struct PhoneQuery {
    phone: Option<String>,
}

/// `GET /sandbox/sms?phone=77011234567`: the texts sent to a phone, newest last.
pub async fn sms_json(State(sandbox): State<Sandbox>, GateQuery(query): GateQuery<PhoneQuery>) -> Result<Response, GateError> {
    let typed = query.phone.ok_or_else(|| GateError::field(ErrorKind::InvalidField, "phone", "phone is required"))?;
    let phone = KzMobile::parse(&typed).map_err(|e| GateError::field(ErrorKind::InvalidField, "phone", e.to_string()))?;
    let store = sandbox.store();
    let messages: Vec<_> = store.sms.iter().filter(|m| m.phone == phone.as_str()).collect();
    Ok(Json(json!({ "phone": phone.as_str(), "messages": messages })).into_response())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `GET /sandbox/inbox[?phone=…]`: the texts as a page that refreshes itself, newest first.
pub async fn inbox_html(State(sandbox): State<Sandbox>, GateQuery(query): GateQuery<PhoneQuery>) -> Html<String> {
    let filter = query.phone.as_deref().and_then(|p| KzMobile::parse(p).ok());
    let rows: String = {
        let store = sandbox.store();
        store
            .sms
            .iter()
            .rev()
            .filter(|m| filter.as_ref().is_none_or(|f| f.as_str() == m.phone))
            .map(|m| {
                format!(
                    "<tr><td>{}</td><td><strong>{}</strong></td><td>{}</td><td>{}</td></tr>",
                    m.sent_at,
                    escape(&m.code),
                    escape(&m.phone),
                    escape(&m.text)
                )
            })
            .collect()
    };
    let heading = filter.map_or_else(|| "all phones".to_owned(), |p| p.format());
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"3\"><title>Sandbox SMS inbox</title>\
         <style>body{{font-family:system-ui,sans-serif;margin:1.5rem}}td,th{{padding:.3rem .6rem;text-align:left;border-bottom:1px solid #ddd}}</style></head>\
         <body><h1>SMS inbox: {heading}</h1><p>Refreshes every 3 seconds.</p><table><thead><tr><th>Sent</th><th>Code</th><th>Phone</th><th>Text</th></tr></thead><tbody>{rows}</tbody></table></body></html>"
    ))
}

/// `?project_id=…` to tell apart payments with the same id in two projects.
#[derive(Debug, Deserialize)]
pub struct ProjectQuery {
    project_id: Option<u64>,
}

/// `GET /sandbox/payments/{payment_id}`: the sandbox's view, with every callback and attempt.
pub async fn payment(
    State(sandbox): State<Sandbox>,
    GatePath(payment_id): GatePath<String>,
    GateQuery(query): GateQuery<ProjectQuery>,
) -> Result<Response, GateError> {
    let store = sandbox.store();
    let found = store.payments.values().find(|p| p.payment_id == payment_id && query.project_id.is_none_or(|id| id == p.project_id));
    match found {
        Some(p) => Ok(Json(p).into_response()),
        None => Err(GateError::field(ErrorKind::PaymentNotFound, "payment_id", format!("no payment {payment_id}"))),
    }
}

/// `?customer_id=…&project_id=…` for the payment list.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    customer_id: Option<String>,
    project_id: Option<u64>,
}

/// `GET /sandbox/payments`: every payment the sandbox holds (of one customer, of one project),
/// oldest first, as `{"payments": [...]}`: what the platform received, to check a merchant
/// backend sent each payment once.
pub async fn payments(State(sandbox): State<Sandbox>, GateQuery(query): GateQuery<ListQuery>) -> Response {
    let store = sandbox.store();
    let mut found: Vec<_> = store
        .payments
        .values()
        .filter(|p| query.customer_id.as_deref().is_none_or(|id| id == p.customer_id) && query.project_id.is_none_or(|id| id == p.project_id))
        .collect();
    found.sort_by_key(|p| p.created_at);
    Json(json!({ "payments": found })).into_response()
}

/// `GET /sandbox/developer`: every payment the sandbox holds, newest first, with its state,
/// amount, operator and masked phone, each callback delivery attempt with the merchant's HTTP
/// answer, and the texts sent. Read-only; reload it to see more (a page that refreshes itself
/// is hard to read with a screen reader). `/sandbox/payments` is the same as JSON.
pub async fn developer(State(sandbox): State<Sandbox>) -> Html<String> {
    let rows: String = {
        let store = sandbox.store();
        let mut payments: Vec<_> = store.payments.values().collect();
        payments.sort_by_key(|p| std::cmp::Reverse(p.created_at));
        payments
            .iter()
            .map(|p| {
                let phone = KzMobile::parse(&p.account).map_or_else(|_| p.account.clone(), |phone| phone.masked());
                let attempts: String = p
                    .attempts
                    .iter()
                    .map(|a| {
                        let result = match (a.http_status, &a.error) {
                            (Some(status), _) => format!("HTTP {status}"),
                            (None, Some(error)) => format!("not delivered: {error}"),
                            (None, None) => "not delivered".to_owned(),
                        };
                        format!("<li>#{} try {}: {}</li>", a.callback, a.attempt, escape(&result))
                    })
                    .collect();
                let texts = store.sms.iter().filter(|m| m.payment_id == p.payment_id).count();
                format!(
                    "<tr><th scope=\"row\"><code>{}</code></th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><ul>{}</ul></td><td>{}</td></tr>",
                    escape(&p.payment_id),
                    match p.kind {
                        crate::store::Kind::Purchase => "purchase",
                        crate::store::Kind::Payout => "payout",
                        crate::store::Kind::CashIn => "cash-in",
                    },
                    escape(p.status.as_str()),
                    escape(&checkout_protocol::Amount(p.amount).format_kzt(checkout_protocol::Locale::En)),
                    escape(p.operator.as_deref().unwrap_or("-")),
                    escape(&phone),
                    attempts,
                    texts,
                )
            })
            .collect()
    };
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sandbox: payments and callbacks</title>\
         <style>body{{font-family:system-ui,sans-serif;margin:1.5rem}}td,th{{padding:.3rem .6rem;text-align:left;vertical-align:top;border-bottom:1px solid #ddd}}ul{{margin:0;padding-left:1rem}}</style></head>\
         <body><main><h1>Payments and callbacks</h1><p>What the sandbox platform received, newest first, when this page was loaded: reload it to see more. \
         The same as JSON: <a href=\"/sandbox/payments\">/sandbox/payments</a>. Texts: <a href=\"/sandbox/inbox\">SMS inbox</a>.</p>\
         <table><caption>Payments</caption><thead><tr><th scope=\"col\">Payment</th><th scope=\"col\">Kind</th><th scope=\"col\">State</th><th scope=\"col\">Amount</th>\
         <th scope=\"col\">Operator</th><th scope=\"col\">Phone</th><th scope=\"col\">Callback attempts</th><th scope=\"col\">SMS sent</th></tr></thead><tbody>{rows}</tbody></table></main></body></html>"
    ))
}

/// `GET /`: where things are.
pub async fn home() -> Html<&'static str> {
    Html(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Checkout sandbox</title></head><body style=\"font-family:system-ui,sans-serif;margin:1.5rem\">\
         <h1>Checkout sandbox</h1><p>A local stand-in for the payment platform's Gate, callbacks, Payment Page and cash terminal.</p>\
         <ul><li><a href=\"/sandbox/inbox\">SMS inbox</a></li><li><a href=\"/sandbox/developer\">Payments and callbacks</a></li><li><a href=\"/shared/merchant.js\">/shared/merchant.js</a></li></ul>\
         <h2>Test phone numbers</h2><table><tr><th>Phone</th><th>What happens</th></tr>\
         <tr><td>+7 700 000 00 00</td><td>success</td></tr><tr><td>+7 700 000 00 01</td><td>declined after the OTP: 20000 General decline</td></tr>\
         <tr><td>+7 700 000 00 02</td><td>declined after the OTP: insufficient funds</td></tr><tr><td>+7 700 000 00 03</td><td>Gate rejects the purchase</td></tr>\
         <tr><td>+7 700 000 00 04</td><td>OTP-required callback twice, out of order</td></tr><tr><td>+7 700 000 00 05</td><td>final callback delayed</td></tr>\
         <tr><td>+7 700 000 00 06</td><td>no callbacks at all</td></tr><tr><td>+7 700 000 00 07</td><td>misleading decline right after a resend, then success</td></tr>\
         <tr><td>+7 700 000 00 08</td><td>refund declined</td></tr><tr><td>+7 700 000 00 09</td><td>payout declined</td></tr></table>\
         <p>Codes for these numbers: 123456, then 234567, 345678, 456789 after each resend. Any other Kazakhstan mobile number succeeds with a random code (see the inbox).</p></body></html>",
    )
}
