//! What the platform calls: callbacks at `/callbacks/gate` and the cash-in web service at
//! `/webservice/cash-in`. A callback is verified (constant time) before anything else, recorded
//! durably, and only then answered 200; forged or broken ones get a 4xx, are logged, and are
//! never applied.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use checkout_protocol::money::CASH_IN_LIMITS;
use checkout_protocol::signature::verify;
use checkout_protocol::wire::{Callback, CallbackAck, CashInAnswer, CashInCode, CashInRequest};
use serde_json::Value;

use crate::api::ClientIp;
use crate::db::RefusedCallback;
use crate::error::ServiceError;
use crate::views::ErrorCode;
use crate::{now, App};

/// For the crash-safety tests: die right after a callback is on disk, before it is applied or
/// answered, the worst moment for durability. Never set in production.
static CRASH_AFTER_RECORDING: std::sync::LazyLock<bool> =
    std::sync::LazyLock::new(|| std::env::var_os("CHECKOUT_TEST_CRASH_AFTER_RECORDING_CALLBACK").is_some());

fn refuse(code: ErrorCode, message: String) -> Response {
    ServiceError::new(code, message).into_response()
}

/// What is kept of a callback that fails verification: anyone can send one, so only this much of
/// its body (enough to see what it was) and the SHA-256 of all of it.
pub const UNVERIFIED_PREFIX_BYTES: usize = 512;

/// Unverified callbacks logged per address, and from everyone, per [`AddressLimits::WINDOW`];
/// beyond that they are refused with 429 and not stored. The platform's own callbacks verify,
/// so they never count.
pub const UNVERIFIED_PER_ADDRESS: u32 = 30;
/// See [`UNVERIFIED_PER_ADDRESS`]: at most this many rows of prefixes per window in all.
pub const UNVERIFIED_IN_ALL: u32 = 1000;

/// Logs a callback that failed verification, within the limits; `Err` is the 429 to answer.
async fn log_unverified(app: &App, ip: &ClientIp, bytes: &[u8], payment_id: Option<&str>, result: &str) -> Result<(), Response> {
    let at = now();
    let window = crate::service::window_start(at);
    let key = crate::service::random_hex(8);
    let admitted = async {
        Ok::<bool, sqlx::Error>(
            app.db().admit(&format!("unverified:{}", ip.0), window, &key, UNVERIFIED_PER_ADDRESS).await?
                && app.db().admit("unverified:*", window, &key, UNVERIFIED_IN_ALL).await?,
        )
    };
    match admitted.await {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!(ip = ip.0, "unverified callbacks over the limit: refused, not stored");
            return Err(crate::service::too_many(window, at).into_response());
        }
        Err(e) => return Err(ServiceError::from(e).into_response()),
    }
    let digest = hex_sha256(bytes);
    let prefix = String::from_utf8_lossy(&bytes[..bytes.len().min(UNVERIFIED_PREFIX_BYTES)]).into_owned();
    let refused = RefusedCallback { payment_id, kept: &prefix, digest: Some(&digest), verified: false, result };
    if let Err(e) = app.db().log_refused_callback(&refused, at).await {
        tracing::error!(error = %e, "refused callback not logged");
    }
    Ok(())
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// `POST /callbacks/gate`.
pub async fn gate_callback(State(app): State<App>, ip: ClientIp, body: Result<Bytes, BytesRejection>) -> Response {
    let bytes = match body {
        Ok(bytes) => bytes,
        Err(rejection) => return crate::extract::body_rejection(rejection).into_response(),
    };
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(e) => {
            if let Err(refusal) = log_unverified(&app, &ip, &bytes, None, &format!("rejected: not JSON: {e}")).await {
                return refusal;
            }
            tracing::warn!("callback rejected: not JSON");
            return refuse(ErrorCode::InvalidJson, "the callback is not JSON".into());
        }
    };
    // Only a short, printable id is worth logging from an unverified body.
    let payment_id = value.pointer("/payment/id").and_then(Value::as_str).filter(|id| id.len() <= 64).map(str::to_owned);
    if let Err(e) = verify(&value, app.config().secret.expose()) {
        if let Err(refusal) = log_unverified(&app, &ip, &bytes, payment_id.as_deref(), &format!("rejected: {e}")).await {
            return refusal;
        }
        tracing::warn!(payment_id, reason = %e, "callback rejected: signature");
        return refuse(ErrorCode::InvalidSignature, e.to_string());
    }
    let raw = String::from_utf8_lossy(&bytes).into_owned();
    let log_signed = |result: String| {
        let app = app.clone();
        let (raw, payment_id) = (raw.clone(), payment_id.clone());
        async move {
            let refused = RefusedCallback { payment_id: payment_id.as_deref(), kept: &raw, digest: None, verified: true, result: &result };
            if let Err(e) = app.db().log_refused_callback(&refused, now()).await {
                tracing::error!(error = %e, "refused callback not logged");
            }
        }
    };
    let callback = match Callback::from_value(value) {
        Ok(callback) => callback,
        Err(e) => {
            log_signed(format!("rejected: unreadable: {e}")).await;
            return refuse(ErrorCode::InvalidCallback, e.to_string());
        }
    };
    if let Some(project) = callback.project().filter(|p| *p != app.config().project_id) {
        log_signed(format!("rejected: project {project}")).await;
        return refuse(ErrorCode::WrongProject, format!("callback for project {project}"));
    }
    // Deduplicated by what it says: the signature is an HMAC of every field, so a retry or a
    // replay of this callback has the same one, and a forger cannot make one.
    let dedup_key = format!("sig:{}", signature_of(&callback));
    // Durable before the 200: if we stop now, start-up applies it (and the platform retries anyway).
    let recorded = match app.db().record_callback(payment_id.as_deref(), &raw, &dedup_key, now()).await {
        Ok(recorded) => recorded,
        Err(e) => return ServiceError::from(e).into_response(),
    };
    if *CRASH_AFTER_RECORDING {
        std::process::abort();
    }
    match app.apply_recorded_callback(recorded, &callback).await {
        Ok(result) => {
            tracing::info!(payment_id, result, "callback applied");
            Json(CallbackAck::ok()).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// The callback's signature (top level, or in `general`), which `verify` has just checked.
fn signature_of(callback: &Callback) -> &str {
    callback
        .signature
        .as_deref()
        .or_else(|| callback.extra.get("general").and_then(|g| g.get("signature")).and_then(Value::as_str))
        .unwrap_or_default()
}

fn answer(answer: CashInAnswer) -> Response {
    Json(answer).into_response()
}

/// `POST /webservice/cash-in`: the platform's `verify` and `check_deposit` (`platform.md` §7).
pub async fn cash_in(State(app): State<App>, body: Result<Bytes, BytesRejection>) -> Response {
    let Ok(bytes) = body else {
        return answer(CashInAnswer::refused(CashInCode::GeneralError, "unreadable request"));
    };
    let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
        return answer(CashInAnswer::refused(CashInCode::GeneralError, "the request is not JSON"));
    };
    if verify(&value, app.config().secret.expose()).is_err() {
        tracing::warn!("cash-in request with an invalid signature");
        return answer(CashInAnswer::refused(CashInCode::SignatureInvalid, "signature invalid"));
    }
    let request: CashInRequest = match serde_json::from_value(value) {
        Ok(request) => request,
        Err(e) => return answer(CashInAnswer::refused(CashInCode::GeneralError, &format!("unreadable request: {e}"))),
    };
    let (project_id, customer_id) = match &request {
        CashInRequest::Verify { project_id, customer_id, .. } | CashInRequest::CheckDeposit { project_id, customer_id, .. } => {
            (*project_id, customer_id.clone())
        }
    };
    if project_id != app.config().project_id {
        return answer(CashInAnswer::refused(CashInCode::GeneralError, &format!("unknown project {project_id}")));
    }
    let session = match app.db().cash_in_session_of(&customer_id).await {
        Ok(Some(session)) => session,
        Ok(None) => return answer(CashInAnswer::refused(CashInCode::AccountNotFound, "no such account")),
        Err(e) => {
            tracing::error!(error = %e, "cash-in lookup failed");
            return answer(CashInAnswer::refused(CashInCode::GeneralError, "temporarily unavailable"));
        }
    };
    match request {
        CashInRequest::Verify { .. } => answer(CashInAnswer::verified(&session.currency)),
        CashInRequest::CheckDeposit { amount, currency, .. } => {
            let (min, max) = CASH_IN_LIMITS;
            if currency != session.currency {
                return answer(CashInAnswer::refused(CashInCode::GeneralError, &format!("the account takes {}", session.currency)));
            }
            if amount < min.0 || amount > max.0 {
                return answer(CashInAnswer::refused(CashInCode::GeneralError, "a deposit must be 1.00 to 500,000.00 KZT"));
            }
            match app.create_deposit(&session, amount).await {
                Ok(record) => {
                    answer(CashInAnswer::deposit(&record.payment_id, Some(&format!("Cash-in at a Kassa24 terminal for {}", session.customer_id))))
                }
                Err(e) => {
                    tracing::error!(error = %e.message, "cash-in deposit not created");
                    answer(CashInAnswer::refused(CashInCode::GeneralError, "temporarily unavailable"))
                }
            }
        }
    }
}
