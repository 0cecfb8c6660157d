//! The Payment Page (`platform.md` §6): `/shared/merchant.js` defines `EPayWidget`, which opens
//! `/payment?…` with the merchant's signed parameters. The page verifies them exactly as received,
//! runs the phone and OTP flow itself, reports to the merchant page by `postMessage`, and sends
//! the merchant the final callback.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use checkout_protocol::signature::verify;
use checkout_protocol::wire::{MobileServiceOptions, FORCE_MOBILE};
use checkout_protocol::{Amount, Locale, Operator};
use serde_json::{json, Map, Value};

use crate::error::{ErrorKind, GateError};
use crate::gate::{approval_code, begin_resend, insert_payment, issue_otp, platform_phone, read_json, settle_code, submit_code, MobileRequest};
use crate::scenario::Scenario;
use crate::store::Kind;
use crate::Sandbox;

const MERCHANT_JS: &str = include_str!("../assets/merchant.js");
const PAGE_JS: &str = include_str!("../assets/page.js");

/// `GET /shared/merchant.js`.
pub async fn merchant_js() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], MERCHANT_JS).into_response()
}

/// `GET /payment/page.js`.
pub async fn page_js() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], PAGE_JS).into_response()
}

/// Parameters as received, verified.
struct Verified {
    project_id: u64,
    params: Map<String, Value>,
}

impl Verified {
    fn get(&self, key: &str) -> Option<&str> {
        self.params.get(key).and_then(Value::as_str)
    }

    fn payment_id(&self) -> &str {
        self.get("payment_id").unwrap_or_default()
    }
}

/// Checks the query's signature exactly as the values arrived: every value is a string here, so
/// an object that `merchant.js` turned into `[object Object]` no longer matches what was signed.
/// `frame_mode` and parameters starting with `_` are added after signing and not checked.
fn verify_query(sandbox: &Sandbox, query: &str) -> Result<Verified, String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|e| format!("unreadable parameters: {e}"))?;
    let mut params = Map::new();
    for (key, value) in pairs {
        if key.starts_with('_') || key == "frame_mode" {
            continue;
        }
        params.insert(key, Value::String(value));
    }
    let project_id: u64 =
        params.get("project_id").and_then(Value::as_str).and_then(|p| p.parse().ok()).ok_or("project_id is missing or not a number")?;
    let secret = sandbox.secret(project_id).ok_or_else(|| format!("project {project_id} is not configured in the sandbox"))?;
    let signed = Value::Object(params.clone());
    verify(&signed, secret).map_err(|e| format!("Invalid signature: {e}"))?;
    params.remove("signature");
    for required in ["payment_id", "payment_amount", "payment_currency", "customer_id"] {
        if params.get(required).and_then(Value::as_str).is_none_or(|v| v.trim().is_empty()) {
            return Err(format!("{required} is required"));
        }
    }
    Ok(Verified { project_id, params })
}

/// The page's words in one language (the platform's page opens in `language_code`).
struct PageText {
    title: &'static str,
    sandbox: &'static str,
    pay: &'static str,
    choose: &'static str,
    mobile: &'static str,
    operator: &'static str,
    phone: &'static str,
    get_code: &'static str,
    code: &'static str,
    valid_for: &'static str,
    pay_button: &'static str,
    resend: &'static str,
    close: &'static str,
    cannot_open: &'static str,
    success: &'static str,
    declined: &'static str,
    expired: &'static str,
    wrong: &'static str,
}

const KK: PageText = PageText {
    title: "Төлем беті (құмсалғыш)",
    sandbox: "Құмсалғыштың төлем беті · жоба",
    pay: "Төлеу:",
    choose: "Төлем тәсілін таңдаңыз",
    mobile: "Ұялы байланыс арқылы төлеу",
    operator: "Ұялы байланыс операторы",
    phone: "Телефон нөмірі",
    get_code: "Код алу",
    code: "SMS коды",
    valid_for: "Код жарамды:",
    pay_button: "Төлеу",
    resend: "Жаңа код жіберу",
    close: "Жабу",
    cannot_open: "Төлемді ашу мүмкін емес",
    success: "Төлем өтті",
    declined: "Төлем қабылданбады",
    expired: "Кодтың мерзімі өтті: жаңасын сұраңыз.",
    wrong: "Код қате, қайталап көріңіз.",
};

const RU: PageText = PageText {
    title: "Платёжная страница (песочница)",
    sandbox: "Платёжная страница песочницы · проект",
    pay: "Оплата:",
    choose: "Выберите способ оплаты",
    mobile: "Оплата со счёта мобильного",
    operator: "Мобильный оператор",
    phone: "Номер телефона",
    get_code: "Получить код",
    code: "Код из SMS",
    valid_for: "Код действует:",
    pay_button: "Оплатить",
    resend: "Отправить новый код",
    close: "Закрыть",
    cannot_open: "Платёж не открывается",
    success: "Оплата прошла",
    declined: "Оплата отклонена",
    expired: "Срок кода истёк: запросите новый.",
    wrong: "Неверный код, попробуйте ещё раз.",
};

const EN: PageText = PageText {
    title: "Payment Page (sandbox)",
    sandbox: "Sandbox Payment Page · project",
    pay: "Pay",
    choose: "Choose a payment method",
    mobile: "Mobile commerce",
    operator: "Mobile operator",
    phone: "Phone number",
    get_code: "Get the code",
    code: "Code from the SMS",
    valid_for: "Valid for",
    pay_button: "Pay",
    resend: "Send a new code",
    close: "Close",
    cannot_open: "Payment cannot be opened",
    success: "Payment successful",
    declined: "Payment declined",
    expired: "The code has expired: request a new one.",
    wrong: "Wrong code, try again.",
};

/// The page's language: `language_code` as the platform's page takes it, else Russian.
fn page_locale(query: &str) -> Locale {
    let language = url_pairs(query).into_iter().find(|(key, _)| key == "language_code").map(|(_, value)| value);
    language.as_deref().and_then(Locale::from_tag).unwrap_or(Locale::Ru)
}

fn url_pairs(query: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default()
}

fn words(locale: Locale) -> &'static PageText {
    match locale {
        Locale::Kk => &KK,
        Locale::Ru => &RU,
        Locale::En => &EN,
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn document(body: &str, locale: Locale) -> String {
    let text = words(locale);
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>body{{font-family:system-ui,sans-serif;margin:0;padding:1.25rem;color:#1b1f24}}\
         label{{display:block;margin:.75rem 0 .25rem;font-weight:600}}input,select,button{{font:inherit;padding:.5rem;width:100%;box-sizing:border-box}}\
         button{{margin-top:1rem;background:#0b5cad;color:#fff;border:0;border-radius:6px;cursor:pointer}}#close{{background:#57606a}}\
         .error{{color:#b3261e;min-height:1.2em}}.sandbox{{font-size:.8rem;color:#57606a}}</style></head><body>{body}\
         <script src=\"/payment/page.js\"></script></body></html>",
        lang = locale.tag(),
        title = text.title,
    )
}

/// `GET /payment?…`: the page.
pub async fn page(State(sandbox): State<Sandbox>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    let locale = page_locale(&query);
    let text = words(locale);
    let verified = match verify_query(&sandbox, &query) {
        Ok(v) => v,
        Err(reason) => {
            let body = format!(
                "<main id=\"page\" data-error=\"{0}\"><h1>{1}</h1><p class=\"error\" role=\"alert\">{0}</p><button id=\"close\" type=\"button\">{2}</button></main>",
                escape(&reason),
                text.cannot_open,
                text.close,
            );
            return (StatusCode::BAD_REQUEST, Html(document(&body, locale))).into_response();
        }
    };
    let amount = verified.get("payment_amount").and_then(|a| a.parse().ok()).map(Amount).unwrap_or_default();
    let forced = verified.get("force_payment_method") == Some(FORCE_MOBILE);
    let options = verified.get("payment_methods_options").and_then(MobileServiceOptions::from_json_str);
    let fixed_operator =
        options.filter(|o| o.enable_mobile_service == 1).and_then(|o| o.selected_operator).and_then(|code| Operator::from_code(&code));
    let operator_field = match fixed_operator {
        Some(op) => format!(
            "<label for=\"operator\">{2}</label><select id=\"operator\" disabled><option value=\"{0}\" selected>{1}</option></select>",
            op.code(),
            op.display_name(),
            text.operator,
        ),
        None => {
            let options: String = Operator::ALL.iter().map(|op| format!("<option value=\"{}\">{}</option>", op.code(), op.display_name())).collect();
            format!("<label for=\"operator\">{}</label><select id=\"operator\">{options}</select>", text.operator)
        }
    };
    let phone = verified.get("customer_phone").unwrap_or_default();
    let body = format!(
        "<main id=\"page\" data-forced=\"{forced}\" data-payment-id=\"{payment_id}\" data-operator=\"{operator}\" \
         data-success=\"{success}\" data-declined=\"{declined}\" data-expired=\"{expired}\" data-wrong=\"{wrong}\">\
         <p class=\"sandbox\">{sandbox_line} {project}</p><h1>{pay} {amount}</h1>\
         <section id=\"method\" hidden><h2>{choose}</h2><button id=\"choose-mobile\" type=\"button\">{mobile}</button></section>\
         <section id=\"phone-step\" hidden><form id=\"phone-form\">{operator_field}\
         <label for=\"phone\">{phone_label}</label><input id=\"phone\" type=\"tel\" autocomplete=\"tel\" value=\"{phone}\" aria-describedby=\"phone-error\" required>\
         <p id=\"phone-error\" class=\"error\" role=\"alert\"></p><button type=\"submit\">{get_code}</button></form></section>\
         <section id=\"otp-step\" hidden><form id=\"otp-form\"><label for=\"otp\">{code}</label>\
         <input id=\"otp\" inputmode=\"numeric\" autocomplete=\"one-time-code\" aria-describedby=\"otp-error\" required>\
         <p>{valid_for} <span id=\"countdown\" role=\"timer\"></span></p><p id=\"otp-error\" class=\"error\" role=\"alert\"></p>\
         <button type=\"submit\">{pay_button}</button><button id=\"resend\" type=\"button\" hidden>{resend}</button></form></section>\
         <section id=\"result\" hidden><h2 id=\"result-text\" role=\"status\"></h2></section>\
         <button id=\"close\" type=\"button\">{close}</button></main>",
        forced = u8::from(forced),
        payment_id = escape(verified.payment_id()),
        operator = fixed_operator.map(Operator::code).unwrap_or_default(),
        project = verified.project_id,
        amount = escape(&amount.format_kzt(locale)),
        phone = escape(phone),
        success = text.success,
        declined = text.declined,
        expired = text.expired,
        wrong = text.wrong,
        sandbox_line = text.sandbox,
        pay = text.pay,
        choose = text.choose,
        mobile = text.mobile,
        phone_label = text.phone,
        get_code = text.get_code,
        code = text.code,
        valid_for = text.valid_for,
        pay_button = text.pay_button,
        resend = text.resend,
        close = text.close,
    );
    Html(document(&body, locale)).into_response()
}

fn page_request(sandbox: &Sandbox, body: Result<Bytes, BytesRejection>) -> Result<(Verified, Value), GateError> {
    let value = read_json(body)?;
    let query = value.get("params").and_then(Value::as_str).unwrap_or_default();
    let verified = verify_query(sandbox, query).map_err(|reason| GateError::field(ErrorKind::InvalidSignature, "signature", reason))?;
    Ok((verified, value))
}

fn otp_ttl_secs(sandbox: &Sandbox) -> u64 {
    sandbox.config().otp_ttl.as_secs()
}

/// `POST /payment/api/start` `{params, phone, operator}`: creates the purchase and texts the OTP.
pub async fn start(State(sandbox): State<Sandbox>, body: Result<Bytes, BytesRejection>) -> Result<Response, GateError> {
    let (verified, value) = page_request(&sandbox, body)?;
    let typed = value.get("phone").and_then(Value::as_str).unwrap_or_default();
    let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
    let normalised = checkout_protocol::KzMobile::parse(typed).map(|p| p.as_str().to_owned()).unwrap_or(digits);
    let phone = platform_phone(&normalised, "phone")?;
    if Scenario::for_phone(phone.as_str()) == Scenario::GateRejects {
        return Err(GateError::field(ErrorKind::Rejected, "phone", "the operator refused to serve this number (sandbox scenario)"));
    }
    let amount = verified.get("payment_amount").and_then(|a| a.parse::<u64>().ok()).filter(|a| *a > 0);
    let Some(amount) = amount else {
        return Err(GateError::field(ErrorKind::InvalidField, "payment_amount", "payment_amount must be a positive integer"));
    };
    let request = MobileRequest {
        payment_id: verified.payment_id().to_owned(),
        customer_id: verified.get("customer_id").unwrap_or_default().to_owned(),
        phone,
        amount,
        currency: verified.get("payment_currency").unwrap_or("KZT").to_owned(),
        callback_url: verified.get("merchant_callback_url").map(str::to_owned),
    };
    insert_payment(&sandbox, verified.project_id, Kind::Purchase, &request, true)?;
    issue_otp(&sandbox, verified.project_id, verified.payment_id(), 0);
    Ok(Json(json!({ "payment_id": verified.payment_id(), "otp_ttl_secs": otp_ttl_secs(&sandbox) })).into_response())
}

/// `POST /payment/api/otp` `{params, code}`: checks the code; the answer says what the page shows.
pub async fn otp(State(sandbox): State<Sandbox>, body: Result<Bytes, BytesRejection>) -> Result<Response, GateError> {
    let (verified, value) = page_request(&sandbox, body)?;
    let code = approval_code(&value, "code")?;
    let (verdict, _) = submit_code(&sandbox, verified.project_id, verified.payment_id(), &code, true)?;
    // The page waits for the operator's answer instead of a callback.
    tokio::time::sleep(sandbox.config().processing_delay.min(Duration::from_millis(200))).await;
    let answer = match settle_code(&sandbox, verified.project_id, verified.payment_id(), verdict) {
        Some(status) => json!({ "status": status }),
        None => {
            json!({ "status": "awaiting", "reason": if verdict == crate::gate::Verdict::Expired { "expired" } else { "wrong" } })
        }
    };
    Ok(Json(answer).into_response())
}

/// `POST /payment/api/resend` `{params}`: a new OTP, with the same rules as Gate's resend.
pub async fn resend(State(sandbox): State<Sandbox>, body: Result<Bytes, BytesRejection>) -> Result<Response, GateError> {
    let (verified, _) = page_request(&sandbox, body)?;
    let (round, _) = begin_resend(&sandbox, verified.project_id, verified.payment_id(), true)?;
    issue_otp(&sandbox, verified.project_id, verified.payment_id(), round);
    Ok(Json(json!({ "otp_ttl_secs": otp_ttl_secs(&sandbox), "resends_left": checkout_protocol::state::MAX_RESENDS - round })).into_response())
}
