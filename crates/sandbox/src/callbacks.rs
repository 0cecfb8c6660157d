//! Callbacks: built like the seeds' examples, signed, and POSTed to the merchant with the
//! platform's retries (`platform.md` §4) until it answers 200.

use std::time::Duration;

use checkout_protocol::signature::attach_signature;
use checkout_protocol::wire::{Callback, CallbackAccount, CallbackOperation, CallbackPayment, Provider, Sum, TextOrNumber};
use serde_json::{json, Map, Value};

use crate::scenario::Scenario;
use crate::store::{CallbackAttempt, CallbackRecord, Kind, PlatformStatus, SandboxPayment};
use crate::{platform_date, Sandbox};
use checkout_protocol::time::Timestamp;

/// The platform tries at most this many times…
pub const MAX_ATTEMPTS: u32 = 120;
/// …over at most this long (unscaled).
pub const MAX_RETRY_SPAN: Duration = Duration::from_secs(11 * 24 * 60 * 60);

/// The pause after failed attempt `attempt` (1-based) before the next one, unscaled: six tries
/// 10 s apart, then growing pauses up to every 4 h.
pub fn retry_pause(attempt: u32) -> Duration {
    let secs = match attempt {
        1..=6 => 10,
        7 => 60,
        8 => 5 * 60,
        9 => 15 * 60,
        10 => 30 * 60,
        11 => 60 * 60,
        12 => 2 * 60 * 60,
        _ => 4 * 60 * 60,
    };
    Duration::from_secs(secs)
}

/// What a callback reports.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// The payment's status.
    pub payment_status: PlatformStatus,
    /// The operation's type (`sale`, `refund`, `payout`).
    pub operation_type: &'a str,
    /// The operation's status.
    pub operation_status: PlatformStatus,
    /// The operation's code and message, when it has them.
    pub code: Option<(&'a str, &'a str)>,
    /// The operation's amount.
    pub operation_amount: u64,
    /// Ask for the OTP (`clarification_fields`).
    pub clarification: bool,
}

/// An unsigned callback body shaped like the seeds' examples, built as the wire type the
/// backend reads it into.
pub fn body(p: &SandboxPayment, report: &Report<'_>, at: Timestamp) -> Value {
    let date = platform_date(at);
    let sum = |amount: u64| Sum { amount, currency: p.currency.clone() };
    let operation = CallbackOperation {
        id: Some(TextOrNumber::Number(p.operation_id.into())),
        kind: report.operation_type.to_owned(),
        status: report.operation_status.as_str().to_owned(),
        date: Some(date.clone()),
        created_date: Some(platform_date(p.last_request_at)),
        request_id: Some(p.request_id.clone()),
        sum_initial: Some(sum(report.operation_amount)),
        sum_converted: Some(sum(report.operation_amount)),
        code: report.code.map(|(code, _)| TextOrNumber::Text(code.to_owned())),
        message: report.code.map(|(_, message)| message.to_owned()),
        provider: Some(Provider {
            id: Some(TextOrNumber::Number(1217.into())),
            payment_id: Some(format!("sbx-{}", p.operation_id)),
            auth_code: Some(String::new()),
            extra: Map::new(),
        }),
        extra: Map::new(),
    };
    let callback = Callback {
        project_id: Some(p.project_id),
        payment: CallbackPayment {
            id: p.payment_id.clone(),
            kind: Some(if p.kind == Kind::Payout { "payout" } else { "purchase" }.to_owned()),
            status: report.payment_status.as_str().to_owned(),
            date: Some(date),
            method: Some(if p.kind == Kind::CashIn { "kassa24" } else { "mobile" }.to_owned()),
            sum: Some(sum(p.remaining)),
            description: Some(String::new()),
            extra: Map::new(),
        },
        customer: Some(Value::Object(Map::from_iter([("id".to_owned(), Value::from(p.customer_id.clone()))]))),
        operation: Some(operation),
        account: Some(CallbackAccount { number: p.account.clone(), operator: p.operator.clone(), extra: Map::new() }),
        // Decision (platform.md §4): the OTP-required callback names the field it wants.
        clarification_fields: report.clarification.then(|| json!({ "additional_data": { "approval_code": { "type": "string" } } })),
        signature: None,
        extra: Map::new(),
    };
    serde_json::to_value(callback).unwrap_or_default()
}

/// The OTP-required callback (Decision, platform.md §4): `awaiting clarification` with its
/// `clarification_fields`.
pub fn otp_required(p: &SandboxPayment, at: Timestamp) -> Value {
    let report = Report {
        payment_status: PlatformStatus::AwaitingClarification,
        operation_type: "sale",
        operation_status: PlatformStatus::AwaitingClarification,
        code: None,
        operation_amount: p.amount,
        clarification: true,
    };
    body(p, &report, at)
}

/// A callback reporting the payment's current status (also the status request's answer).
pub fn current_status(p: &SandboxPayment, at: Timestamp) -> Value {
    let operation_type = match p.kind {
        Kind::Payout => "payout",
        _ if matches!(p.status, PlatformStatus::Refunded | PlatformStatus::PartiallyRefunded) => "refund",
        _ => "sale",
    };
    let code = match (&p.code, &p.message) {
        (Some(c), Some(m)) => Some((c.as_str(), m.as_str())),
        _ => None,
    };
    let awaiting = p.status == PlatformStatus::AwaitingClarification;
    let report = Report {
        payment_status: p.status,
        operation_type,
        operation_status: p.operation_status,
        code,
        operation_amount: p.amount,
        clarification: awaiting,
    };
    body(p, &report, at)
}

/// Signs `body`, records it on the payment and delivers it after `delay`, retrying like the
/// platform. Payments of the "no callbacks" scenario record the callback and never send it.
pub fn send(sandbox: &Sandbox, project_id: u64, payment_id: &str, mut body: Value, delay: Duration) {
    let Some(secret) = sandbox.secret(project_id).map(str::to_owned) else {
        return;
    };
    attach_signature(&mut body, &secret);
    let (number, url, silent) = {
        let mut store = sandbox.store();
        let default_url = sandbox.config().callback_url.clone();
        let Some(p) = store.payment_mut(project_id, payment_id) else {
            return;
        };
        let number = p.callbacks.len() as u32 + 1;
        p.callbacks.push(CallbackRecord { callback: number, body: body.clone(), delivered: false });
        (number, p.callback_url.clone().or(default_url), p.scenario == Scenario::NoCallbacks)
    };
    let Some(url) = url else {
        tracing::warn!(payment_id, "no callback URL: configure SANDBOX_CALLBACK_URL or send general.merchant_callback_url");
        return;
    };
    if silent {
        return;
    }
    let sandbox = sandbox.clone();
    let payment_id = payment_id.to_owned();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let mut span = Duration::ZERO;
        for attempt in 1..=MAX_ATTEMPTS {
            let result = sandbox.http().post(&url).json(&body).send().await;
            let (http_status, error) = match &result {
                Ok(response) => (Some(response.status().as_u16()), None),
                Err(e) => (None, Some(e.to_string())),
            };
            let delivered = http_status == Some(200);
            {
                let mut store = sandbox.store();
                if let Some(p) = store.payment_mut(project_id, &payment_id) {
                    p.attempts.push(CallbackAttempt { callback: number, attempt, at: sandbox.now(), url: url.clone(), http_status, error });
                    if delivered {
                        if let Some(record) = p.callbacks.iter_mut().find(|c| c.callback == number) {
                            record.delivered = true;
                        }
                    }
                }
            }
            if delivered {
                return;
            }
            span += retry_pause(attempt);
            if span > MAX_RETRY_SPAN {
                break;
            }
            tokio::time::sleep(retry_pause(attempt).mul_f64(sandbox.config().callback_retry_scale)).await;
        }
        tracing::warn!(payment_id, number, "callback given up after {MAX_ATTEMPTS} attempts");
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_follow_the_platform_schedule() {
        let pauses: Vec<u64> = (1..=14).map(|a| retry_pause(a).as_secs()).collect();
        assert_eq!(pauses, [10, 10, 10, 10, 10, 10, 60, 300, 900, 1800, 3600, 7200, 14_400, 14_400]);
        // The attempts that fit in the retry span: about eleven days of tries.
        let mut span = Duration::ZERO;
        let attempts = (1..MAX_ATTEMPTS).take_while(|&a| {
            span += retry_pause(a);
            span <= MAX_RETRY_SPAN
        });
        assert!((60..=MAX_ATTEMPTS as usize).contains(&attempts.count()));
    }
}
