//! Bad input gets a structured error with a stable code, in-process through `oneshot`.

use axum::body::Body;
use axum::http::{Method, Request};
use checkout_server::config::Config;
use checkout_server::App;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const ADMIN: &str = "test-admin-token-0123456789";

/// The app with Gate pointing nowhere: these requests must be refused before any Gate call.
async fn test_app() -> App {
    App::new(Config::for_tests("http://127.0.0.1:9", 1234, "server-test-secret")).await.unwrap()
}

async fn call(app: &App, method: Method, path: &str, body: Option<Value>, token: Option<&str>) -> (u16, Value) {
    let mut request = Request::builder().method(method).uri(path).header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    let response = checkout_server::app(app.clone()).oneshot(request.body(body).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn code(answer: &(u16, Value)) -> (u16, &str) {
    (answer.0, answer.1["error"]["code"].as_str().unwrap_or("<none>"))
}

async fn session(app: &App) -> String {
    let body = json!({ "amount": 100_000, "currency": "KZT", "customer": { "id": "c1", "first_name": "A", "last_name": "B", "email": "a@b.kz" }, "methods": ["mobile"] });
    let (status, created) = call(app, Method::POST, "/admin/sessions", Some(body), Some(ADMIN)).await;
    assert_eq!(status, 201, "{created}");
    created["session"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn unknown_sessions_and_payments_are_404() {
    let app = test_app().await;
    assert_eq!(code(&call(&app, Method::GET, "/api/sessions/cs_nope", None, None).await), (404, "session_not_found"));
    let token = session(&app).await;
    assert_eq!(code(&call(&app, Method::GET, &format!("/api/sessions/{token}/payments/pay_nope"), None, None).await), (404, "payment_not_found"));
    assert_eq!(
        code(&call(&app, Method::POST, &format!("/api/sessions/{token}/payments/pay_nope/otp"), Some(json!({"code": "123456"})), None).await),
        (404, "payment_not_found")
    );
    assert_eq!(code(&call(&app, Method::GET, "/api/sessions/cs_nope/payments/pay_nope", None, None).await), (404, "session_not_found"));
    assert_eq!(code(&call(&app, Method::GET, "/api/nothing", None, None).await), (404, "not_found"));
}

#[tokio::test]
async fn phones_are_refused_with_a_reason_before_any_gate_call() {
    let app = test_app().await;
    let token = session(&app).await;
    let path = format!("/api/sessions/{token}/mobile-payments");
    for (phone, expected) in [
        ("+7 916 123 45 67", "phone_russian"),
        ("+7 701 12", "phone_too_short"),
        ("+7 7172 12 34 56", "phone_not_kz_mobile"),
        ("+1 555 0100", "phone_foreign"),
        ("", "phone_empty"),
        ("701abc", "phone_invalid_character"),
    ] {
        let answer = call(&app, Method::POST, &path, Some(json!({ "operator": "KCELL", "phone": phone })), None).await;
        assert_eq!(code(&answer), (422, expected), "{phone:?}: {answer:?}");
        assert!(!answer.1["error"]["message"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn malformed_bodies_get_invalid_json() {
    let app = test_app().await;
    let token = session(&app).await;
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/sessions/{token}/mobile-payments"))
        .header("content-type", "application/json")
        .body(Body::from("{oops"))
        .unwrap();
    let response = checkout_server::app(app.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["error"]["code"], "invalid_json");
    let missing = call(&app, Method::POST, &format!("/api/sessions/{token}/mobile-payments"), Some(json!({ "phone": "77011234567" })), None).await;
    assert_eq!(code(&missing), (400, "invalid_json"));
}

#[tokio::test]
async fn the_admin_api_wants_its_token() {
    let app = test_app().await;
    let body = json!({ "amount": 1, "currency": "KZT", "customer": { "id": "c", "first_name": "A", "last_name": "B", "email": "a@b.kz" } });
    assert_eq!(code(&call(&app, Method::POST, "/admin/sessions", Some(body.clone()), None).await), (401, "unauthorized"));
    assert_eq!(
        code(&call(&app, Method::POST, "/admin/sessions", Some(body.clone()), Some("test-admin-token-012345678X")).await),
        (401, "unauthorized")
    );
    assert_eq!(call(&app, Method::POST, "/admin/sessions", Some(body), Some(ADMIN)).await.0, 201);
}

#[tokio::test]
async fn sessions_are_validated() {
    let app = test_app().await;
    let customer = json!({ "id": "c", "first_name": "A", "last_name": "B", "email": "a@b.kz" });
    let bad = [
        (json!({ "amount": 0, "currency": "KZT", "customer": customer }), "amount_invalid"),
        (json!({ "amount": 100, "currency": "USD", "customer": customer }), "currency_unsupported"),
        (
            json!({ "amount": 100, "currency": "KZT", "customer": { "id": "", "first_name": "A", "last_name": "B", "email": "a@b.kz" } }),
            "customer_invalid",
        ),
        (json!({ "amount": 100, "currency": "KZT", "customer": customer, "methods": ["payout", "mobile"] }), "methods_invalid"),
    ];
    for (body, expected) in bad {
        assert_eq!(code(&call(&app, Method::POST, "/admin/sessions", Some(body), Some(ADMIN)).await), (422, expected));
    }
}

#[tokio::test]
async fn codes_of_the_wrong_shape_are_refused() {
    let app = test_app().await;
    for bad in ["12", "123456789", "12a456", ""] {
        assert_eq!(
            code(&call(&app, Method::POST, "/api/sessions/any/payments/any/otp", Some(json!({ "code": bad })), None).await),
            (422, "otp_invalid"),
            "{bad:?}"
        );
    }
}

#[tokio::test]
async fn an_unreachable_platform_still_offers_the_seeds_operators_marked_as_fallback() {
    let app = test_app().await;
    let token = session(&app).await;
    let (status, view) = call(&app, Method::GET, &format!("/api/sessions/{token}"), None, None).await;
    assert_eq!(status, 200);
    assert_eq!(view["operators_fallback"], true);
    let ids: Vec<&str> = view["operators"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ACTIV", "ALTEL", "BEELINE", "KCELL", "TELE2"]);
    let answer = call(
        &app,
        Method::POST,
        &format!("/api/sessions/{token}/mobile-payments"),
        Some(json!({ "operator": "KCELL", "phone": "77011234567" })),
        None,
    )
    .await;
    assert_eq!(code(&answer), (502, "gate_unavailable"));
}

#[tokio::test]
async fn the_openapi_document_lists_the_contract() {
    let app = test_app().await;
    let (status, doc) = call(&app, Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(status, 200);
    for path in [
        "/api/sessions/{session}",
        "/api/sessions/{session}/mobile-payments",
        "/api/sessions/{session}/payments/{payment_id}",
        "/api/sessions/{session}/payments/{payment_id}/events",
        "/api/sessions/{session}/payments/{payment_id}/otp",
        "/api/sessions/{session}/payments/{payment_id}/resend",
        "/api/sessions/{session}/payment-page",
        "/admin/sessions",
        "/admin/payments/{payment_id}/refunds",
        "/admin/payouts",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing from the OpenAPI document");
    }
    assert!(doc["components"]["schemas"].get("PaymentView").is_some());
    // The error codes are one enum, listed in the document.
    let codes = doc["components"]["schemas"]["ErrorCode"].to_string();
    for code in checkout_protocol::api::ErrorCode::ALL {
        assert!(codes.contains(&format!("\"{}\"", code.as_str())), "{} missing from {codes}", code.as_str());
    }
}

#[tokio::test]
async fn forged_cash_in_requests_get_code_400() {
    let app = test_app().await;
    let forged = json!({ "type": "verify", "project_id": 1234, "customer_id": "c1", "signature": "AAAA" });
    assert_eq!(call(&app, Method::POST, "/webservice/cash-in", Some(forged), None).await.1, json!({ "code": 400 }));
}

/// A raw request in-process: every answer's status, headers and body as JSON (or `Null`).
async fn raw(app: &App, method: &str, uri: &str, content_type: Option<&str>, body: &'static [u8]) -> (u16, axum::http::HeaderMap, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request = request.header("authorization", format!("Bearer {ADMIN}"));
    let response = checkout_server::app(app.clone()).oneshot(request.body(Body::from(body)).unwrap()).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (parts.status.as_u16(), parts.headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn envelope(answer: &(u16, axum::http::HeaderMap, Value)) -> (u16, &str) {
    assert_eq!(answer.1.get("content-type").map(|v| v.to_str().unwrap()), Some("application/json"), "{answer:?}");
    assert!(!answer.2["error"]["message"].as_str().unwrap_or_default().is_empty(), "{answer:?}");
    (answer.0, answer.2["error"]["code"].as_str().unwrap_or("<none>"))
}

/// Reported: empty 405s, `text/plain` 400s for `%FF` ids and a bad `?limit=`, empty 414s.
#[tokio::test]
async fn every_refusal_at_the_edges_is_the_structured_error() {
    let app = test_app().await;
    let token = session(&app).await;
    let json = Some("application/json");
    assert_eq!(envelope(&raw(&app, "DELETE", &format!("/api/sessions/{token}"), None, b"").await), (405, "http_method_not_allowed"));
    assert_eq!(envelope(&raw(&app, "GET", "/admin/payouts", None, b"").await), (405, "http_method_not_allowed"));
    assert_eq!(envelope(&raw(&app, "PUT", "/callbacks/gate", json, b"{}").await), (405, "http_method_not_allowed"));
    assert_eq!(envelope(&raw(&app, "GET", "/api/sessions/%FF", None, b"").await), (400, "invalid_path"));
    assert_eq!(envelope(&raw(&app, "GET", &format!("/api/sessions/{token}/payments/%C3%28"), None, b"").await), (400, "invalid_path"));
    assert_eq!(envelope(&raw(&app, "GET", "/admin/payments/%FF", None, b"").await), (400, "invalid_path"));
    assert_eq!(envelope(&raw(&app, "GET", "/admin/payments?limit=abc", None, b"").await), (400, "invalid_query"));
    let long = format!("/api/sessions/{}", "a".repeat(10_000));
    assert_eq!(envelope(&raw(&app, "GET", &long, None, b"").await), (414, "uri_too_long"));
    assert_eq!(envelope(&raw(&app, "GET", "/nothing/here", None, b"").await), (404, "not_found"));
    let page = format!("/api/sessions/{token}/payment-page");
    assert_eq!(envelope(&raw(&app, "POST", &page, json, b"{oops").await), (400, "invalid_json"), "malformed JSON is not read as {{}}");
    assert_eq!(envelope(&raw(&app, "POST", &page, json, b"[]").await), (400, "invalid_json"));
    assert_eq!(envelope(&raw(&app, "POST", &page, Some("text/plain"), b"{}").await), (415, "content_type"));
    assert_eq!(envelope(&raw(&app, "POST", &page, json, b"{\"operator\": 5}").await), (400, "invalid_json"));
    assert_eq!(
        envelope(&raw(&app, "POST", "/admin/sessions", json, br#"{"amount": 1, "currency": "KZT", "customer": ["c", "A", "B", "a@b.kz"]}"#).await),
        (400, "invalid_json")
    );
    let deep: &'static [u8] = Box::leak(format!("{{\"amount\": {}1{}}}", "[".repeat(1000), "]".repeat(1000)).into_bytes().into_boxed_slice());
    assert_eq!(envelope(&raw(&app, "POST", "/admin/payments/x/refunds", json, deep).await), (400, "invalid_json"));
    assert_eq!(
        envelope(&raw(&app, "POST", "/admin/payments/x/refunds", json, b"{\"amount\": 99999999999999999999999}").await),
        (400, "invalid_json")
    );
    assert_eq!(envelope(&raw(&app, "POST", "/admin/payments/x/refunds", json, b"{\"amount\": \"\xff\"}").await), (400, "invalid_json"));
}

#[tokio::test]
async fn answers_carry_the_security_headers_and_random_request_ids() {
    let app = test_app().await;
    let token = session(&app).await;
    let api = raw(&app, "GET", &format!("/api/sessions/{token}"), None, b"").await;
    assert_eq!(api.1["x-content-type-options"], "nosniff");
    assert_eq!(api.1["cache-control"], "no-store");
    let refused = raw(&app, "GET", "/api/sessions/nope", None, b"").await;
    assert_eq!((refused.0, refused.1["cache-control"].to_str().unwrap()), (404, "no-store"));
    // `req-` and 24 random hex digits (a counter gave `req-00000001`), different every time.
    let (first, second) = (api.1["x-request-id"].to_str().unwrap(), refused.1["x-request-id"].to_str().unwrap());
    for id in [first, second] {
        let digits = id.strip_prefix("req-").unwrap_or_else(|| panic!("{id}"));
        assert!(digits.len() == 24 && digits.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    }
    assert_ne!(first, second);
    assert!(api.1.get("strict-transport-security").is_none(), "no HSTS over plain http");

    // Pages: the widget's files and the demo shop, with the policy the README documents.
    let dir = std::env::temp_dir().join(format!("checkout-pages-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>shop</title>").unwrap();
    let mut config = Config::for_tests("http://127.0.0.1:9", 1234, "server-test-secret");
    config.static_dir = Some(dir.clone());
    config.public_url = "https://shop.example.kz".into();
    config.payment_page_url = "https://paymentpage.example.com".into();
    let pages = App::new(config).await.unwrap();
    let page = raw(&pages, "GET", "/", None, b"").await;
    assert_eq!(page.0, 200);
    let policy = page.1["content-security-policy"].to_str().unwrap();
    assert!(policy.starts_with("default-src 'self'; script-src 'self' 'wasm-unsafe-eval' https://paymentpage.example.com;"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(page.1["referrer-policy"], "strict-origin-when-cross-origin");
    assert_eq!(page.1["x-content-type-options"], "nosniff");
    assert_eq!(page.1["strict-transport-security"], "max-age=31536000");
    assert_eq!(page.1["cache-control"], "no-cache", "pages revalidate (static_files.rs)");
    // A missing file and an unknown API path beside the files are still the structured 404.
    assert_eq!(envelope(&raw(&pages, "GET", "/missing.js", None, b"").await), (404, "not_found"));
    assert_eq!(envelope(&raw(&pages, "GET", "/api/nothing", None, b"").await), (404, "not_found"));
    assert_eq!(envelope(&raw(&pages, "POST", "/index.html", Some("application/json"), b"{}").await), (405, "http_method_not_allowed"));
    std::fs::remove_dir_all(dir).unwrap();
}
