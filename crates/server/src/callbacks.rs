//! What the platform sends: callbacks (`/callbacks/gate`) and the cash-in web service
//! (`/webservice/cash-in`), as service operations on the raw body; `api.rs` only carries them
//! over HTTP. A callback is verified (constant time) before anything else, recorded durably,
//! and only then acknowledged; forged or broken ones are refused, logged in brief, and never
//! applied.

use checkout_protocol::money::CASH_IN_LIMITS;
use checkout_protocol::signature::verify;
use checkout_protocol::wire::{Callback, CallbackAck, CashInAnswer, CashInCode, CashInRequest};
use serde_json::Value;

use std::net::IpAddr;

use crate::db::RefusedCallback;
use crate::error::ServiceError;
use crate::service::{Counted, Limit};
use crate::views::ErrorCode;
use crate::App;

/// For the crash-safety tests: die right after a callback is on disk, before it is applied or
/// answered, the worst moment for durability. Compiled only with the `test-hooks` feature, which
/// release builds do not enable, so no environment variable can make a production server abort.
#[cfg(feature = "test-hooks")]
fn crash_after_recording() {
    static SET: std::sync::LazyLock<bool> = std::sync::LazyLock::new(|| std::env::var_os("CHECKOUT_TEST_CRASH_AFTER_RECORDING_CALLBACK").is_some());
    if *SET {
        std::process::abort();
    }
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
async fn log_unverified(app: &App, ip: IpAddr, bytes: &[u8], payment_id: Option<&str>, result: &str) -> Result<(), ServiceError> {
    let at = app.now();
    let key = crate::service::random_hex(8);
    let from_address = app.admission(Limit::UnverifiedCallbacks, Counted::From(ip), &key, UNVERIFIED_PER_ADDRESS);
    let from_all = app.admission(Limit::UnverifiedCallbacks, Counted::FromEveryone, &key, UNVERIFIED_IN_ALL);
    if !(app.db().admit(&from_address).await? && app.db().admit(&from_all).await?) {
        tracing::warn!(%ip, "unverified callbacks over the limit: refused, not stored");
        return Err(crate::service::too_many(from_address.window_start, at));
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

impl App {
    /// A callback's body from address `ip`: verified, recorded, applied, acknowledged.
    pub async fn receive_callback(&self, bytes: &[u8], ip: IpAddr) -> Result<CallbackAck, ServiceError> {
        let value: Value = match serde_json::from_slice(bytes) {
            Ok(value) => value,
            Err(e) => {
                log_unverified(self, ip, bytes, None, &format!("rejected: not JSON: {e}")).await?;
                tracing::warn!("callback rejected: not JSON");
                return Err(ServiceError::new(ErrorCode::InvalidJson, "the callback is not JSON"));
            }
        };
        // Only a short id is worth logging from an unverified body.
        let payment_id = value.pointer("/payment/id").and_then(Value::as_str).filter(|id| id.len() <= 64).map(str::to_owned);
        if let Err(e) = verify(&value, self.config().secret.expose()) {
            log_unverified(self, ip, bytes, payment_id.as_deref(), &format!("rejected: {e}")).await?;
            tracing::warn!(payment_id, reason = %e, "callback rejected: signature");
            return Err(ServiceError::new(ErrorCode::InvalidSignature, e.to_string()));
        }
        // Signed by the project's secret: kept whole, refused or not.
        let raw = String::from_utf8_lossy(bytes);
        let callback = match Callback::from_value(value) {
            Ok(callback) => callback,
            Err(e) => {
                self.log_signed_refusal(payment_id.as_deref(), &raw, &format!("rejected: unreadable: {e}")).await;
                return Err(ServiceError::new(ErrorCode::InvalidCallback, e.to_string()));
            }
        };
        if let Some(project) = callback.project().filter(|p| *p != self.config().project_id) {
            self.log_signed_refusal(payment_id.as_deref(), &raw, &format!("rejected: project {project}")).await;
            return Err(ServiceError::new(ErrorCode::WrongProject, format!("callback for project {project}")));
        }
        let payment_id = Some(callback.payment.id.clone());
        // Deduplicated by what it says: the signature is an HMAC of every field, so a retry or a
        // replay of this callback has the same one, and a forger cannot make one.
        let dedup_key = format!("sig:{}", signature_of(&callback));
        // Durable before the 200: if we stop now, start-up applies it (and the platform retries anyway).
        let recorded = self.db().record_callback(payment_id.as_deref(), &raw, &dedup_key, self.now()).await?;
        #[cfg(feature = "test-hooks")]
        crash_after_recording();
        let result = self.apply_recorded_callback(recorded, &callback).await?;
        tracing::info!(payment_id, result, "callback applied");
        Ok(CallbackAck::ok())
    }

    /// Logs a signed callback that was refused anyway (unreadable, another project), whole.
    async fn log_signed_refusal(&self, payment_id: Option<&str>, raw: &str, result: &str) {
        let refused = RefusedCallback { payment_id, kept: raw, digest: None, verified: true, result };
        if let Err(e) = self.db().log_refused_callback(&refused, self.now()).await {
            tracing::error!(error = %e, "refused callback not logged");
        }
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

/// The cash-in web service's request body: the platform's `verify` and `check_deposit` (`platform.md` §7).
pub async fn cash_in(app: &App, bytes: &[u8]) -> CashInAnswer {
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
        return CashInAnswer::refused(CashInCode::GeneralError, "the request is not JSON");
    };
    if verify(&value, app.config().secret.expose()).is_err() {
        tracing::warn!("cash-in request with an invalid signature");
        return CashInAnswer::refused(CashInCode::SignatureInvalid, "signature invalid");
    }
    let request: CashInRequest = match serde_json::from_value(value) {
        Ok(request) => request,
        Err(e) => return CashInAnswer::refused(CashInCode::GeneralError, &format!("unreadable request: {e}")),
    };
    let (project_id, customer_id) = match &request {
        CashInRequest::Verify { project_id, customer_id, .. } | CashInRequest::CheckDeposit { project_id, customer_id, .. } => {
            (*project_id, customer_id.clone())
        }
    };
    if project_id != app.config().project_id {
        return CashInAnswer::refused(CashInCode::GeneralError, &format!("unknown project {project_id}"));
    }
    let session = match app.db().cash_in_session_of(&customer_id).await {
        Ok(Some(session)) => session,
        Ok(None) => return CashInAnswer::refused(CashInCode::AccountNotFound, "no such account"),
        Err(e) => {
            tracing::error!(error = %e, "cash-in lookup failed");
            return CashInAnswer::refused(CashInCode::GeneralError, "temporarily unavailable");
        }
    };
    match request {
        CashInRequest::Verify { .. } => CashInAnswer::verified(&session.currency),
        CashInRequest::CheckDeposit { amount, currency, .. } => {
            let (min, max) = CASH_IN_LIMITS;
            if currency != session.currency {
                return CashInAnswer::refused(CashInCode::GeneralError, &format!("the account takes {}", session.currency));
            }
            if amount < min.0 || amount > max.0 {
                return CashInAnswer::refused(CashInCode::GeneralError, "a deposit must be 1.00 to 500,000.00 KZT");
            }
            match app.create_deposit(&session, amount).await {
                Ok(record) => CashInAnswer::deposit(&record.payment_id, Some(&format!("Cash-in at a Kassa24 terminal for {}", session.customer_id))),
                Err(e) => {
                    tracing::error!(error = %e.message, "cash-in deposit not created");
                    CashInAnswer::refused(CashInCode::GeneralError, "temporarily unavailable")
                }
            }
        }
    }
}
