//! The Gate client: signs each request, sends it, and logs request and answer durably.

use std::time::Duration;

use checkout_protocol::signature::attach_signature;
use checkout_protocol::wire::{ErrorResponse, GateAnswer};
use serde::Serialize;
use serde_json::Value;

use crate::config::Config;
use crate::db::{Db, GateLogEntry};

/// The payment status request.
pub const STATUS_PATH: &str = "/v2/payment/status";

/// Why a Gate call did not end in "accepted".
#[derive(Debug, Clone)]
pub enum GateFailure {
    /// Gate answered `status: error`, with this HTTP status.
    Rejected(ErrorResponse, u16),
    /// The request never left: no connection could be made, so the platform knows nothing of it.
    NotSent(String),
    /// No usable answer: timed out, or not Gate's JSON. Whether the platform acted is unknown.
    Unavailable(String),
}

impl GateFailure {
    /// The platform's code, or `unavailable`.
    pub fn code(&self) -> String {
        match self {
            GateFailure::Rejected(e, _) => e.code.as_text(),
            GateFailure::NotSent(_) => "not_sent".into(),
            GateFailure::Unavailable(_) => "unavailable".into(),
        }
    }

    /// What happened, for people.
    pub fn message(&self) -> String {
        match self {
            GateFailure::Rejected(e, _) => {
                let detail = e.errors.as_ref().and_then(|errors| errors.first()).map(|f| f.message.clone());
                match detail {
                    Some(detail) if detail != e.message => format!("{}: {detail}", e.message),
                    _ => e.message.clone(),
                }
            }
            GateFailure::NotSent(reason) | GateFailure::Unavailable(reason) => {
                format!("the payment platform could not be reached: {reason}")
            }
        }
    }
}

/// What a refused status request says about the payment it asks about (ARCHITECTURE.md,
/// "Reading the platform's refusals"). Only [`StatusRefusal::NotFound`] may ever settle a payment
/// as never having reached the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusRefusal {
    /// The platform has no such payment.
    NotFound,
    /// Asked too soon after a request about the payment: ask again after the status delay.
    TooEarly,
    /// Anything else (signature, project, limits, outages, a request that never left, an
    /// answer that was lost): says nothing about the payment.
    Other,
}

/// The sandbox's code for "payment not found" (its README, "Errors").
const SANDBOX_NOT_FOUND: &str = "1006";
/// The sandbox's code for "status can be requested no earlier than 10 seconds after the request".
const SANDBOX_TOO_EARLY: &str = "1011";

impl GateFailure {
    /// Reads the refusal of a status request. The platform's own codes are not public
    /// (`platform.md` says the sandbox's are its own), so "not found" is also recognised by what
    /// any HTTP API says it with: the error envelope with HTTP 404 and a message that names a
    /// payment or transaction as not found. A 404 that says anything else (an unknown endpoint:
    /// a misconfigured Gate URL) is not about the payment.
    pub fn status_refusal(&self) -> StatusRefusal {
        let GateFailure::Rejected(error, http_status) = self else { return StatusRefusal::Other };
        let code = error.code.as_text();
        let message = error.message.to_ascii_lowercase();
        let names_a_missing_payment =
            message.contains("not found") && (message.contains("payment") || message.contains("transaction") || message.contains("operation"));
        if code == SANDBOX_NOT_FOUND || (*http_status == 404 && names_a_missing_payment) {
            StatusRefusal::NotFound
        } else if code == SANDBOX_TOO_EARLY || message.contains("no earlier than") {
            StatusRefusal::TooEarly
        } else {
            StatusRefusal::Other
        }
    }
}

/// Signs and sends Gate requests for one project.
#[derive(Debug, Clone)]
pub struct GateClient {
    http: reqwest::Client,
    base: String,
    project_id: u64,
    secret: crate::config::Secret,
    clock: checkout_protocol::time::Clock,
}

impl GateClient {
    /// A client for the configured Gate host, built once at start-up. A request that gets no
    /// answer within `gate_timeout` counts as a lost answer (the customer is waiting on most of
    /// them); one that cannot connect within 5 s as never sent.
    pub fn new(config: &Config) -> Result<GateClient, reqwest::Error> {
        let http =
            reqwest::Client::builder().timeout(config.gate_timeout).connect_timeout(Duration::from_secs(5).min(config.gate_timeout)).build()?;
        Ok(GateClient {
            http,
            base: config.gate_url.clone(),
            project_id: config.project_id,
            secret: config.secret.clone(),
            clock: config.clock.clone(),
        })
    }

    /// The project this client signs for.
    pub fn project_id(&self) -> u64 {
        self.project_id
    }

    /// Signs `request` (one of `checkout_protocol::wire`'s Gate requests, into
    /// `general.signature`), POSTs it to `path`, logs both sides, and returns the accepted
    /// answer's JSON.
    pub async fn call<R: Serialize>(&self, db: &Db, payment_id: Option<&str>, path: &str, request: &R) -> Result<Value, GateFailure> {
        // The signature covers the JSON as sent, so it is computed on the serialized value.
        let mut body = serde_json::to_value(request).map_err(|e| GateFailure::NotSent(format!("the request did not serialize: {e}")))?;
        attach_signature(&mut body, self.secret.expose());
        let at = self.clock.now();
        let url = format!("{}{path}", self.base);
        let result = self.http.post(&url).json(&body).send().await;
        let (status, answer, failure) = match result {
            // No connection, so no byte of the request reached the platform.
            Err(e) if e.is_connect() => (None, None, Some(GateFailure::NotSent(e.without_url().to_string()))),
            Err(e) => (None, None, Some(GateFailure::Unavailable(e.without_url().to_string()))),
            Ok(response) => {
                let status = response.status().as_u16();
                match response.json::<Value>().await {
                    Err(e) => (Some(status), None, Some(GateFailure::Unavailable(format!("HTTP {status} without JSON: {e}")))),
                    Ok(json) => {
                        let failure = match GateAnswer::from_value(json.clone()) {
                            Some(GateAnswer::Rejected(e)) => Some(GateFailure::Rejected(e, status)),
                            // The status request answers with a callback-shaped body, not `status: success`.
                            Some(GateAnswer::Accepted(_)) | None if (200..300).contains(&status) => None,
                            _ => Some(GateFailure::Unavailable(format!("HTTP {status}"))),
                        };
                        (Some(status), Some(json), failure)
                    }
                }
            }
        };
        let entry = GateLogEntry {
            payment_id: payment_id.map(str::to_owned),
            endpoint: path.to_owned(),
            request: body,
            http_status: status,
            response: answer.clone(),
            error: failure.as_ref().map(GateFailure::message),
            at,
        };
        if let Err(e) = db.record_gate_call(&entry).await {
            tracing::error!(error = %e, path, "could not log a Gate call");
        }
        match (failure, answer) {
            (Some(failure), _) => {
                tracing::warn!(path, payment_id, code = %failure.code(), "Gate refused a request");
                Err(failure)
            }
            (None, Some(answer)) => Ok(answer),
            (None, None) => Err(GateFailure::Unavailable("empty answer".into())),
        }
    }
}
