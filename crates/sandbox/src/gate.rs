//! The Gate endpoints (`platform.md` §3). Each checks the body, the signature, the project and the
//! fields, answers synchronously ("accepted" or the error envelope), and lets the "operator" work
//! in the background, reporting by callback.

use std::net::IpAddr;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use checkout_protocol::phone::KzMobile;
use checkout_protocol::signature::{attach_signature, verify};
use checkout_protocol::time::Millis;
use checkout_protocol::wire::{self, General};
use checkout_protocol::{ApprovalCode, Operator};
use rand::Rng;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::callbacks::{self, Report};
use crate::error::{ErrorKind, GateError, GatePath};
use crate::scenario::{Scenario, GENERAL_DECLINE, SCENARIO_CODES};
use crate::store::{Kind, Otp, PlatformStatus, SandboxPayment, Sms};
use crate::Sandbox;

/// The body as a JSON object, or the platform's error for what is wrong with it.
pub(crate) fn read_json(body: Result<Bytes, BytesRejection>) -> Result<Value, GateError> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            GateError::new(ErrorKind::BodyTooLarge)
        } else {
            GateError::detail(ErrorKind::MalformedJson, rejection.body_text())
        }
    })?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| GateError::detail(ErrorKind::MalformedJson, e.to_string()))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(GateError::detail(ErrorKind::MalformedJson, "the body must be a JSON object"))
    }
}

/// The request as the wire type `T`, or the platform's error naming the field at fault (the
/// same types the merchant backend builds its requests from).
pub(crate) fn typed<T: DeserializeOwned>(value: &Value) -> Result<T, GateError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut field = e.path().to_string();
        let detail = e.inner().to_string();
        // A missing field is reported at its parent: name the field itself.
        if let Some(missing) = detail.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()) {
            field = if field == "." { missing.to_owned() } else { format!("{field}.{missing}") };
            return GateError::field(ErrorKind::InvalidField, &field, format!("{field} is required"));
        }
        GateError::field(ErrorKind::InvalidField, &field, format!("{field}: {detail}"))
    })
}

fn invalid(path: &str, detail: &str) -> GateError {
    GateError::field(ErrorKind::InvalidField, path, format!("{path} {detail}"))
}

/// A required text field: not blank, at most 255 characters.
fn text<'a>(value: &'a str, path: &str) -> Result<&'a str, GateError> {
    if value.trim().is_empty() {
        Err(invalid(path, "must not be empty"))
    } else if value.chars().count() > 255 {
        Err(invalid(path, "must be at most 255 characters"))
    } else {
        Ok(value)
    }
}

/// The payment id of a request about one payment.
fn payment_id_of(general: &General) -> Result<String, GateError> {
    match &general.payment_id {
        Some(id) => Ok(text(id, "general.payment_id")?.to_owned()),
        None => Err(invalid("general.payment_id", "is required")),
    }
}

fn callback_url(general: &General) -> Result<Option<String>, GateError> {
    match &general.merchant_callback_url {
        None => Ok(None),
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => Ok(Some(url.clone())),
        Some(_) => Err(invalid("general.merchant_callback_url", "must be an http:// or https:// URL")),
    }
}

fn ip_address(ip: &str, path: &str) -> Result<IpAddr, GateError> {
    ip.parse().map_err(|_| invalid(path, "must be an IPv4 or IPv6 address"))
}

/// Checks `general.project_id` and the signature with that project's secret.
pub(crate) fn authenticate(sandbox: &Sandbox, value: &Value) -> Result<u64, GateError> {
    #[derive(serde::Deserialize)]
    struct Signed {
        general: General,
    }
    if !matches!(value.get("general"), Some(Value::Object(_))) {
        return Err(invalid("general", "is required and must be an object"));
    }
    let project_id = typed::<Signed>(value)?.general.project_id;
    let secret = sandbox.secret(project_id).ok_or_else(|| {
        GateError::field(ErrorKind::UnknownProject, "general.project_id", format!("project {project_id} is not configured in the sandbox"))
    })?;
    verify(value, secret).map_err(|e| GateError::field(ErrorKind::InvalidSignature, "general.signature", e.to_string()))?;
    Ok(project_id)
}

/// The OTP at `path` of a page request, by the one rule the widget and the backend apply too
/// (Gate's clarification reads it as the wire type's `ApprovalCode`).
pub(crate) fn approval_code(value: &Value, path: &str) -> Result<ApprovalCode, GateError> {
    let typed = value.get(path).and_then(Value::as_str).ok_or_else(|| invalid(path, "is required"))?;
    ApprovalCode::parse(typed).map_err(|e| GateError::field(ErrorKind::InvalidField, path, format!("{path}: {e}")))
}

/// A Kazakhstan mobile number in the platform's form, digits only with the country code.
pub(crate) fn platform_phone(number: &str, path: &str) -> Result<KzMobile, GateError> {
    let number = text(number, path)?;
    if !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(path, "must be digits only, with the country code (77011234567)"));
    }
    let phone = KzMobile::parse(number).map_err(|e| GateError::field(ErrorKind::InvalidField, path, format!("{path}: {e}")))?;
    if phone.as_str() != number {
        return Err(invalid(path, "must start with the country code 7 (77011234567)"));
    }
    Ok(phone)
}

/// A request id as the platform gives them: 40 hex digits.
pub(crate) fn request_id() -> String {
    let mut rng = rand::thread_rng();
    (0..40).map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0')).collect()
}

fn accepted(request_id: &str, project_id: u64, payment_id: &str) -> Response {
    let answer = wire::AcceptedResponse {
        status: "success".into(),
        request_id: request_id.to_owned(),
        project_id,
        payment_id: Some(payment_id.to_owned()),
        extra: Default::default(),
    };
    Json(answer).into_response()
}

/// The checked fields of a purchase or payout.
pub(crate) struct MobileRequest {
    pub payment_id: String,
    pub customer_id: String,
    pub phone: KzMobile,
    pub amount: u64,
    pub currency: String,
    pub callback_url: Option<String>,
}

fn read_mobile_request(value: &Value) -> Result<MobileRequest, GateError> {
    let request: wire::MobilePaymentRequest = typed(value)?;
    let payment_id = payment_id_of(&request.general)?;
    let customer = &request.customer;
    let customer_id = text(&customer.id, "customer.id")?.to_owned();
    ip_address(text(&customer.ip_address, "customer.ip_address")?, "customer.ip_address")?;
    text(&customer.first_name, "customer.first_name")?;
    text(&customer.last_name, "customer.last_name")?;
    if !text(&customer.email, "customer.email")?.contains('@') {
        return Err(invalid("customer.email", "must be an email address"));
    }
    let phone = platform_phone(&request.account.number, "account.number")?;
    if request.payment.amount == 0 {
        return Err(invalid("payment.amount", "must be greater than zero"));
    }
    if request.payment.currency != "KZT" {
        return Err(invalid("payment.currency", "must be KZT: Mobile Commerce in Kazakhstan takes tenge only"));
    }
    let callback_url = callback_url(&request.general)?;
    Ok(MobileRequest { payment_id, customer_id, phone, amount: request.payment.amount, currency: request.payment.currency, callback_url })
}

/// Records a new payment, refusing a payment id the project used before.
pub(crate) fn insert_payment(
    sandbox: &Sandbox,
    project_id: u64,
    kind: Kind,
    request: &MobileRequest,
    via_payment_page: bool,
) -> Result<String, GateError> {
    let mut store = sandbox.store();
    let key = (project_id, request.payment_id.clone());
    if store.payments.contains_key(&key) {
        return Err(GateError::field(ErrorKind::DuplicatePayment, "general.payment_id", format!("payment {} already exists", request.payment_id)));
    }
    let request_id = request_id();
    let operation_id = store.operation_id();
    let phone = request.phone.as_str();
    let mut payment = SandboxPayment::new(
        project_id,
        &request.payment_id,
        kind,
        request.amount,
        &request.currency,
        phone,
        &request.customer_id,
        operation_id,
        request_id.clone(),
        sandbox.now(),
    );
    payment.operator = request.phone.suggested_operators().first().map(|op| Operator::code(*op).to_owned());
    payment.scenario = Scenario::for_phone(phone);
    payment.callback_url = request.callback_url.clone();
    payment.via_payment_page = via_payment_page;
    store.add_payment(payment);
    Ok(request_id)
}

fn processing_delay(sandbox: &Sandbox) -> Duration {
    sandbox.config().processing_delay
}

/// Texts a new OTP (round 0 for the purchase, 1–3 for resends) and sets the payment to wait for
/// it. Returns the OTP-required callback body, unsigned.
pub(crate) fn issue_otp(sandbox: &Sandbox, project_id: u64, payment_id: &str, round: u8) -> Option<Value> {
    let mut store = sandbox.store();
    let p = store.payment_mut(project_id, payment_id)?;
    let code = if Scenario::has_fixed_codes(&p.account) {
        SCENARIO_CODES[usize::from(round).min(SCENARIO_CODES.len() - 1)].to_owned()
    } else {
        format!("{:06}", rand::thread_rng().gen_range(0..1_000_000))
    };
    let at = sandbox.now();
    p.otp = Some(Otp { code: code.clone(), created_at: at, resends: round });
    p.status = PlatformStatus::AwaitingClarification;
    p.operation_status = PlatformStatus::AwaitingClarification;
    let amount = checkout_protocol::Amount(p.amount).format_kzt(checkout_protocol::Locale::Ru);
    let mut text = format!("{code} — төлемді растау коды / код подтверждения оплаты {amount}. Кодты ешкімге айтпаңыз / Никому не сообщайте код.");
    // WebOTP's format: the last line names the origin's host and the code.
    if let Some(host) = &sandbox.config().web_otp_host {
        text.push_str(&format!("\n\n@{host} #{code}"));
    }
    let sms = Sms { phone: p.account.clone(), text, code, payment_id: payment_id.to_owned(), sent_at: at };
    let body = callbacks::otp_required(p, sandbox.now());
    if p.first_otp_callback.is_none() {
        p.first_otp_callback = Some(body.clone());
    }
    store.add_text(sms);
    Some(body)
}

/// `/v2/info/mobile/{sale|payout}/list`.
pub async fn operators_list(
    State(sandbox): State<Sandbox>,
    GatePath(operation): GatePath<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, GateError> {
    if operation != "sale" && operation != "payout" {
        return Err(GateError::detail(ErrorKind::UnknownEndpoint, format!("no operator list for {operation:?}: use sale or payout")));
    }
    let value = read_json(body)?;
    authenticate(&sandbox, &value)?;
    // Decision (see checkout_protocol::wire::OperatorListResponse): the shape of this answer.
    let operators =
        Operator::ALL.iter().map(|op| wire::OperatorEntry { id: op.code().to_owned(), name: Some(op.display_name().to_owned()) }).collect();
    Ok(Json(wire::OperatorListResponse { status: "success".into(), operators }).into_response())
}

/// `/v2/payment/mobile/sale`.
pub async fn sale(State(sandbox): State<Sandbox>, body: Result<Bytes, BytesRejection>) -> Result<Response, GateError> {
    let value = read_json(body)?;
    let project_id = authenticate(&sandbox, &value)?;
    let request = read_mobile_request(&value)?;
    if Scenario::for_phone(request.phone.as_str()) == Scenario::GateRejects {
        return Err(GateError::field(ErrorKind::Rejected, "account.number", "the operator refused to serve this number (sandbox scenario)"));
    }
    let request_id = insert_payment(&sandbox, project_id, Kind::Purchase, &request, false)?;
    let payment_id = request.payment_id.clone();
    let task = sandbox.clone();
    tokio::spawn(async move {
        tokio::time::sleep(processing_delay(&task)).await;
        if let Some(body) = issue_otp(&task, project_id, &payment_id, 0) {
            callbacks::send(&task, project_id, &payment_id, body, Duration::ZERO);
        }
    });
    Ok(accepted(&request_id, project_id, &request.payment_id))
}

/// How a submitted code fares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Right,
    Wrong,
    Expired,
}

/// The OTP validity as a span.
fn otp_ttl(sandbox: &Sandbox) -> Millis {
    Millis::from_duration(sandbox.config().otp_ttl)
}

/// `PaymentNotFound` for `payment_id`.
fn no_payment(payment_id: &str) -> GateError {
    GateError::field(ErrorKind::PaymentNotFound, "general.payment_id", format!("no payment {payment_id}"))
}

/// The purchase waiting for a code, opened through Gate or (`via_payment_page`) the Payment Page.
fn awaiting_code<'a>(
    store: &'a mut crate::store::Store,
    project_id: u64,
    payment_id: &str,
    via_payment_page: bool,
) -> Result<&'a mut SandboxPayment, GateError> {
    let p = store.payment_mut(project_id, payment_id).ok_or_else(|| no_payment(payment_id))?;
    if p.kind != Kind::Purchase || p.via_payment_page != via_payment_page || p.status != PlatformStatus::AwaitingClarification {
        return Err(GateError::detail(ErrorKind::WrongState, format!("payment {payment_id} is {:?}, not awaiting clarification", p.status.as_str())));
    }
    Ok(p)
}

/// Checks a code against the payment's OTP and moves the payment to `processing`.
pub(crate) fn submit_code(
    sandbox: &Sandbox,
    project_id: u64,
    payment_id: &str,
    code: &ApprovalCode,
    via_payment_page: bool,
) -> Result<(Verdict, String), GateError> {
    let ttl = otp_ttl(sandbox);
    let mut store = sandbox.store();
    let p = awaiting_code(&mut store, project_id, payment_id, via_payment_page)?;
    let otp = p.otp.as_ref().ok_or_else(|| GateError::new(ErrorKind::WrongState))?;
    let at = sandbox.now();
    let verdict = if at > otp.created_at + ttl {
        Verdict::Expired
    } else if otp.code == code.as_str() {
        Verdict::Right
    } else {
        Verdict::Wrong
    };
    p.otp_attempts += 1;
    p.status = PlatformStatus::Processing;
    p.operation_status = PlatformStatus::Processing;
    p.last_request_at = at;
    p.request_id = request_id();
    Ok((verdict, p.request_id.clone()))
}

/// The outcome of a checked code, some time later: ask again, or finish the purchase.
/// Returns the final status for the Payment Page, or `None` if the code is asked for again.
pub(crate) fn settle_code(sandbox: &Sandbox, project_id: u64, payment_id: &str, verdict: Verdict) -> Option<String> {
    let (body, delay, stale) = {
        let mut store = sandbox.store();
        let p = store.payment_mut(project_id, payment_id)?;
        if verdict != Verdict::Right {
            let via_payment_page = p.via_payment_page;
            p.status = PlatformStatus::AwaitingClarification;
            p.operation_status = PlatformStatus::AwaitingClarification;
            let body = callbacks::otp_required(p, sandbox.now());
            drop(store);
            // On the Payment Page the page itself asks again; Gate merchants get a callback.
            if !via_payment_page {
                callbacks::send(sandbox, project_id, payment_id, body, Duration::ZERO);
            }
            return None;
        }
        let (status, code, message) = match p.scenario.decline() {
            Some((code, message)) => (PlatformStatus::Decline, code, message),
            None => (PlatformStatus::Success, "0", "Success"),
        };
        p.status = status;
        p.operation_status = status;
        p.code = Some(code.into());
        p.message = Some(message.into());
        let body = callbacks::current_status(p, sandbox.now());
        let delay = if p.scenario == Scenario::DelayedFinalCallback { sandbox.config().delayed_callback } else { Duration::ZERO };
        let stale = (p.scenario == Scenario::DuplicateOtpCallback).then(|| p.first_otp_callback.clone()).flatten();
        (body, delay, stale)
    };
    callbacks::send(sandbox, project_id, payment_id, body.clone(), delay);
    if let Some(stale) = stale {
        // The duplicate of the OTP-required callback, overtaken by the final one.
        callbacks::send(sandbox, project_id, payment_id, stale, delay + processing_delay(sandbox) + Duration::from_millis(100));
    }
    body["payment"]["status"].as_str().map(str::to_owned)
}

/// `/v2/payment/clarification`: the customer's OTP.
pub async fn clarification(State(sandbox): State<Sandbox>, body: Result<Bytes, BytesRejection>) -> Result<Response, GateError> {
    let value = read_json(body)?;
    let project_id = authenticate(&sandbox, &value)?;
    let request: wire::ClarificationRequest = typed(&value)?;
    let payment_id = payment_id_of(&request.general)?;
    let code = request.additional_data.additional_data.approval_code;
    let (verdict, request_id) = submit_code(&sandbox, project_id, &payment_id, &code, false)?;
    let task = sandbox.clone();
    let id = payment_id.clone();
    tokio::spawn(async move {
        tokio::time::sleep(processing_delay(&task)).await;
        settle_code(&task, project_id, &id, verdict);
    });
    Ok(accepted(&request_id, project_id, &payment_id))
}

/// Checks that a new OTP may be sent now and records that it is. Returns the new round.
pub(crate) fn begin_resend(sandbox: &Sandbox, project_id: u64, payment_id: &str, via_payment_page: bool) -> Result<(u8, String), GateError> {
    let ttl = otp_ttl(sandbox);
    let mut store = sandbox.store();
    let p = awaiting_code(&mut store, project_id, payment_id, via_payment_page)?;
    let otp = p.otp.as_ref().ok_or_else(|| GateError::new(ErrorKind::WrongState))?;
    let at = sandbox.now();
    let allowed_at = otp.created_at + ttl;
    if at < allowed_at {
        return Err(GateError::detail(ErrorKind::ResendTooEarly, format!("a new code can be requested in {} s", (allowed_at - at).ceil_secs())));
    }
    if otp.resends >= checkout_protocol::state::MAX_RESENDS {
        return Err(GateError::detail(ErrorKind::ResendLimit, "three new codes were sent already"));
    }
    p.last_request_at = at;
    p.request_id = request_id();
    Ok((otp.resends + 1, p.request_id.clone()))
}

/// `/v2/customer/action/resend`: a new OTP.
pub async fn resend(State(sandbox): State<Sandbox>, body: Result<Bytes, BytesRejection>) -> Result<Response, GateError> {
    let value = read_json(body)?;
    let project_id = authenticate(&sandbox, &value)?;
    let request: wire::ResendRequest = typed(&value)?;
    let payment_id = payment_id_of(&request.general)?;
    ip_address(&request.customer.ip_address, "customer.ip_address")?;
    let (round, request_id) = begin_resend(&sandbox, project_id, &payment_id, false)?;
    let otp_callback = issue_otp(&sandbox, project_id, &payment_id, round);
    let quirk = sandbox.store().payment_mut(project_id, &payment_id).filter(|p| p.scenario == Scenario::ResendQuirk).map(|p| {
        // The seeds warn that statuses around a resend may be wrong: this one says "decline"
        // while the payment in fact waits for the new code.
        let report = Report {
            payment_status: PlatformStatus::Decline,
            operation_type: "sale",
            operation_status: PlatformStatus::Decline,
            code: Some(GENERAL_DECLINE),
            operation_amount: p.amount,
            clarification: false,
        };
        callbacks::body(p, &report, sandbox.now())
    });
    let task = sandbox.clone();
    let id = payment_id.clone();
    tokio::spawn(async move {
        tokio::time::sleep(processing_delay(&task)).await;
        // In the quirk scenario the misleading decline comes first, the OTP request after it.
        let otp_delay = if quirk.is_some() { processing_delay(&task) } else { Duration::ZERO };
        if let Some(misleading) = quirk {
            callbacks::send(&task, project_id, &id, misleading, Duration::ZERO);
        }
        if let Some(body) = otp_callback {
            callbacks::send(&task, project_id, &id, body, otp_delay);
        }
    });
    Ok(accepted(&request_id, project_id, &payment_id))
}

/// `/v2/payment/mobile/refund`: full without an amount, partial with amount and currency.
pub async fn refund(State(sandbox): State<Sandbox>, body: Result<Bytes, BytesRejection>) -> Result<Response, GateError> {
    let value = read_json(body)?;
    let project_id = authenticate(&sandbox, &value)?;
    let request: wire::RefundRequest = typed(&value)?;
    let payment_id = payment_id_of(&request.general)?;
    let partial = match (request.payment.amount, request.payment.currency) {
        (None, None) => None,
        (Some(_), None) => return Err(invalid("payment.currency", "is required for a partial refund")),
        (None, Some(_)) => return Err(invalid("payment.amount", "is required for a partial refund")),
        (Some(0), Some(_)) => return Err(invalid("payment.amount", "must be greater than zero")),
        (Some(amount), Some(currency)) => Some((amount, currency)),
    };
    let (body, request_id) = {
        let mut store = sandbox.store();
        let operation_id = store.operation_id();
        let p = store.payment_mut(project_id, &payment_id).ok_or_else(|| no_payment(&payment_id))?;
        if p.kind != Kind::Purchase || !(p.status == PlatformStatus::Success || p.status == PlatformStatus::PartiallyRefunded) {
            return Err(GateError::detail(
                ErrorKind::WrongState,
                format!("payment {payment_id} is {:?}; only a successful purchase can be refunded", p.status.as_str()),
            ));
        }
        let amount = match &partial {
            Some((amount, currency)) => {
                if *currency != p.currency {
                    return Err(invalid("payment.currency", "must be the payment's currency"));
                }
                if *amount > p.remaining {
                    return Err(GateError::field(ErrorKind::RefundTooLarge, "payment.amount", format!("at most {} can be refunded", p.remaining)));
                }
                *amount
            }
            None => p.remaining,
        };
        p.operation_id = operation_id;
        p.last_request_at = sandbox.now();
        p.request_id = crate::gate::request_id();
        let body = if p.scenario == Scenario::RefundDeclined {
            let status = p.status;
            callbacks::body(
                p,
                &Report {
                    payment_status: status,
                    operation_type: "refund",
                    operation_status: PlatformStatus::Decline,
                    code: Some(GENERAL_DECLINE),
                    operation_amount: amount,
                    clarification: false,
                },
                sandbox.now(),
            )
        } else {
            p.remaining -= amount;
            p.status = if p.remaining == 0 { PlatformStatus::Refunded } else { PlatformStatus::PartiallyRefunded };
            let status = p.status;
            callbacks::body(
                p,
                &Report {
                    payment_status: status,
                    operation_type: "refund",
                    operation_status: PlatformStatus::Success,
                    code: Some(("0", "Success")),
                    operation_amount: amount,
                    clarification: false,
                },
                sandbox.now(),
            )
        };
        (body, p.request_id.clone())
    };
    callbacks::send(&sandbox, project_id, &payment_id, body, processing_delay(&sandbox));
    Ok(accepted(&request_id, project_id, &payment_id))
}

/// `/v2/payment/mobile/payout`: money to a phone; no OTP.
pub async fn payout(State(sandbox): State<Sandbox>, body: Result<Bytes, BytesRejection>) -> Result<Response, GateError> {
    let value = read_json(body)?;
    let project_id = authenticate(&sandbox, &value)?;
    let request = read_mobile_request(&value)?;
    let request_id = insert_payment(&sandbox, project_id, Kind::Payout, &request, false)?;
    let body = {
        let mut store = sandbox.store();
        let Some(p) = store.payment_mut(project_id, &request.payment_id) else {
            return Err(GateError::new(ErrorKind::PaymentNotFound));
        };
        let (status, (code, message)) = if p.scenario == Scenario::PayoutDeclined {
            (PlatformStatus::Decline, GENERAL_DECLINE)
        } else {
            (PlatformStatus::Success, ("0", "Success"))
        };
        p.status = status;
        p.operation_status = status;
        p.code = Some(code.into());
        p.message = Some(message.into());
        callbacks::current_status(p, sandbox.now())
    };
    callbacks::send(&sandbox, project_id, &request.payment_id, body, processing_delay(&sandbox));
    Ok(accepted(&request_id, project_id, &request.payment_id))
}

/// `/v2/payment/status`: the payment's current state, shaped like a callback and signed.
pub async fn status(State(sandbox): State<Sandbox>, body: Result<Bytes, BytesRejection>) -> Result<Response, GateError> {
    let value = read_json(body)?;
    let project_id = authenticate(&sandbox, &value)?;
    let request: wire::StatusRequest = typed(&value)?;
    let payment_id = payment_id_of(&request.general)?;
    let min_age = Millis::from_duration(sandbox.config().status_min_age);
    let mut answer = {
        let mut store = sandbox.store();
        let p = store.payment_mut(project_id, &payment_id).ok_or_else(|| no_payment(&payment_id))?;
        let age = sandbox.now() - p.last_request_at;
        if age < min_age {
            return Err(GateError::detail(ErrorKind::StatusTooEarly, format!("ask again in {} s", (Millis(min_age.0 - age.0)).ceil_secs())));
        }
        callbacks::current_status(p, sandbox.now())
    };
    if let Some(secret) = sandbox.secret(project_id) {
        attach_signature(&mut answer, secret);
    }
    Ok(Json(answer).into_response())
}
