//! The Kassa24 cash terminal (`platform.md` §7): `POST /sandbox/terminal/pay
//! {customer_id, amount}` plays the platform's side of a cash deposit against the merchant's web
//! service: a signed `verify`, then a signed `check_deposit`, then the `kassa24` callback.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use checkout_protocol::money::CASH_IN_LIMITS;
use checkout_protocol::signature::attach_signature;
use checkout_protocol::wire::{CashInAnswer, CashInCode, CashInRequest, TerminalPayment, KASSA24};
use serde_json::{json, Value};

use crate::callbacks;
use crate::error::{ErrorKind, GateError};
use crate::gate::{read_json, request_id, typed};
use crate::store::{Kind, PlatformStatus, SandboxPayment};
use crate::Sandbox;

/// Sends one signed request to the merchant's web service and reads its answer.
async fn ask(sandbox: &Sandbox, url: &str, secret: &str, request: CashInRequest) -> Result<CashInAnswer, String> {
    let mut request = serde_json::to_value(request).map_err(|e| format!("the request did not serialize: {e}"))?;
    attach_signature(&mut request, secret);
    let response = sandbox.http().post(url).json(&request).send().await.map_err(|e| format!("the web service is unreachable: {e}"))?;
    let status = response.status();
    let body: Value = response.json().await.map_err(|e| format!("the web service answered HTTP {status} without JSON: {e}"))?;
    serde_json::from_value(body).map_err(|e| format!("the web service's answer is not a cash-in answer: {e}"))
}

fn refused(stage: &str, answer: &CashInAnswer) -> Response {
    let mut body = json!({ "result": "refused", "stage": stage, "code": answer.code.as_u16() });
    if let Some(errors) = &answer.errors {
        body["message"] = json!(errors.message);
    }
    Json(body).into_response()
}

fn unreachable(stage: &str, error: String) -> Response {
    (StatusCode::BAD_GATEWAY, Json(json!({ "result": "error", "stage": stage, "error": error }))).into_response()
}

/// `POST /sandbox/terminal/pay`.
pub async fn pay(State(sandbox): State<Sandbox>, body: Result<Bytes, BytesRejection>) -> Result<Response, GateError> {
    let request: TerminalPayment = typed(&read_json(body)?)?;
    let customer_id = request.customer_id;
    let amount = request.amount;
    let (min, max) = CASH_IN_LIMITS;
    if amount < min.0 || amount > max.0 {
        return Err(GateError::field(ErrorKind::InvalidField, "amount", "a terminal takes 1.00 to 500,000.00 KZT (100 to 50000000 minor units)"));
    }
    let project_id = request.project_id.unwrap_or_else(|| *sandbox.config().projects.keys().next().unwrap_or(&0));
    let secret = sandbox
        .secret(project_id)
        .ok_or_else(|| GateError::field(ErrorKind::UnknownProject, "project_id", format!("project {project_id} is not configured")))?
        .to_owned();
    let url = sandbox
        .config()
        .cashin_url
        .clone()
        .ok_or_else(|| GateError::detail(ErrorKind::WrongState, "no cash-in web service configured: set SANDBOX_CASHIN_URL"))?;

    let verified = match ask(&sandbox, &url, &secret, CashInRequest::Verify { project_id, customer_id: customer_id.clone(), signature: None }).await {
        Ok(answer) => answer,
        Err(error) => return Ok(unreachable("verify", error)),
    };
    if verified.code != CashInCode::Success {
        return Ok(refused("verify", &verified));
    }
    let currency = verified.currency.clone().unwrap_or_else(|| "KZT".into());
    let deposit_request = CashInRequest::CheckDeposit {
        project_id,
        customer_id: customer_id.clone(),
        amount,
        currency: currency.clone(),
        payment_method: KASSA24.into(),
        signature: None,
    };
    let deposit = match ask(&sandbox, &url, &secret, deposit_request).await {
        Ok(answer) => answer,
        Err(error) => return Ok(unreachable("check_deposit", error)),
    };
    if deposit.code != CashInCode::Success {
        return Ok(refused("check_deposit", &deposit));
    }
    let Some(payment_id) = deposit.payment_id.clone().filter(|id| !id.trim().is_empty()) else {
        return Ok(unreachable("check_deposit", "the web service answered code 0 without a payment_id".into()));
    };
    let body = {
        let mut store = sandbox.store();
        if store.payments.contains_key(&(project_id, payment_id.clone())) {
            return Err(GateError::field(
                ErrorKind::DuplicatePayment,
                "payment_id",
                format!("the web service gave payment id {payment_id}, which exists already"),
            ));
        }
        let operation_id = store.operation_id();
        let mut payment = SandboxPayment::new(
            project_id,
            &payment_id,
            Kind::CashIn,
            amount,
            &currency,
            &customer_id,
            &customer_id,
            operation_id,
            request_id(),
            sandbox.now(),
        );
        payment.status = PlatformStatus::Success;
        payment.operation_status = PlatformStatus::Success;
        payment.code = Some("0".into());
        payment.message = Some("Success".into());
        let body = callbacks::current_status(&payment, sandbox.now());
        store.add_payment(payment);
        body
    };
    callbacks::send(&sandbox, project_id, &payment_id, body, Duration::ZERO);
    Ok(Json(json!({ "result": "paid", "payment_id": payment_id, "amount": amount })).into_response())
}
