//! Bad input of every kind gets the platform's error envelope, in-process through `oneshot`:
//! never a panic, never a bare 500.

mod common;

use axum::body::Body;
use axum::http::{Method, Request};
use checkout_sandbox::error::ErrorKind;
use checkout_sandbox::{app, Config, Sandbox};
use common::*;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

async fn call(method: Method, path: &str, body: impl Into<Body>) -> (u16, Value) {
    let router = app(Sandbox::new(Config::for_tests(PROJECT, SECRET)));
    let request = Request::builder().method(method).uri(path).header("content-type", "application/json").body(body.into()).unwrap();
    let response = router.oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn assert_error(answer: &(u16, Value), status: u16, kind: ErrorKind) {
    assert_eq!(answer.0, status, "{answer:?}");
    assert_eq!(answer.1["status"], "error", "{answer:?}");
    assert_eq!(answer.1["code"], kind.code(), "{answer:?}");
    assert_eq!(answer.1["message"], kind.message(), "{answer:?}");
}

#[tokio::test]
async fn the_independent_signer_reproduces_known_answers() {
    // Vectors V02 and V15 of the shared known-answer set, checked with the test's own signer.
    assert_eq!(
        independent_sign(&json!({"payment": {"id": "000049", "status": "success"}}), "secret"),
        "/3TrhHVz9BHaLfgLyhoxO7dsQNzbzZa/TdO3pxQocXWwgVM6tGlzMLVfpOxFNTnkR9iiFVK/77ZedMcbkCjmng=="
    );
    let v15 = json!({"project_id": 11, "payment_currency": "EUR", "frame_mode": "popup", "some_bool_param": true, "two_levels_param": {"param1": 1, "param2": 2}});
    assert_eq!(independent_sign(&v15, "secret"), checkout_protocol::signature::sign(&v15, "secret"));
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods_get_the_error_shape() {
    assert_error(&call(Method::POST, "/v2/payment/nothing", "{}").await, 404, ErrorKind::UnknownEndpoint);
    assert_error(&call(Method::GET, "/v2/payment/mobile/sale", Body::empty()).await, 405, ErrorKind::MethodNotAllowed);
    assert_error(&call(Method::POST, "/v2/info/mobile/refund/list", "{}").await, 404, ErrorKind::UnknownEndpoint);
    assert_error(&call(Method::DELETE, "/sandbox/payments", Body::empty()).await, 405, ErrorKind::MethodNotAllowed);
}

/// Reported: `text/plain` answers for bad path and query encodings on the inspection endpoints.
#[tokio::test]
async fn bad_paths_queries_and_long_uris_get_the_error_shape() {
    assert_error(&call(Method::GET, "/sandbox/payments/%FF", Body::empty()).await, 400, ErrorKind::InvalidPath);
    assert_error(&call(Method::POST, "/v2/info/mobile/%C3%28/list", "{}").await, 400, ErrorKind::InvalidPath);
    assert_error(&call(Method::GET, "/sandbox/payments?project_id=abc", Body::empty()).await, 400, ErrorKind::InvalidQuery);
    assert_error(&call(Method::GET, "/sandbox/payments/x?project_id=-1", Body::empty()).await, 400, ErrorKind::InvalidQuery);
    assert_error(&call(Method::GET, "/sandbox/sms?phone=%FF", Body::empty()).await, 400, ErrorKind::InvalidField);
    assert_error(&call(Method::GET, &format!("/sandbox/payments/{}", "a".repeat(9000)), Body::empty()).await, 414, ErrorKind::UriTooLong);
}

#[tokio::test]
async fn malformed_bodies_are_refused() {
    assert_error(&call(Method::POST, "/v2/payment/mobile/sale", "{not json").await, 400, ErrorKind::MalformedJson);
    assert_error(&call(Method::POST, "/v2/payment/mobile/sale", "[1, 2]").await, 400, ErrorKind::MalformedJson);
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    assert_error(&call(Method::POST, "/v2/payment/mobile/sale", deep).await, 400, ErrorKind::MalformedJson);
    let huge = format!("{{\"x\": \"{}\"}}", "a".repeat(checkout_sandbox::BODY_LIMIT + 10));
    assert_error(&call(Method::POST, "/v2/payment/mobile/sale", huge).await, 413, ErrorKind::BodyTooLarge);
}

#[tokio::test]
async fn signatures_and_projects_are_checked_first() {
    let body = sale_body("p1", "77011234567", 100_000);
    let unsigned = call(Method::POST, "/v2/payment/mobile/sale", body.to_string()).await;
    assert_error(&unsigned, 401, ErrorKind::InvalidSignature);
    assert_eq!(unsigned.1["errors"][0]["field"], "general.signature");

    let mut forged = signed(body.clone());
    forged["payment"]["amount"] = json!(1);
    assert_error(&call(Method::POST, "/v2/payment/mobile/sale", forged.to_string()).await, 401, ErrorKind::InvalidSignature);

    let mut other = body.clone();
    other["general"]["project_id"] = json!(1);
    assert_error(&call(Method::POST, "/v2/payment/mobile/sale", signed(other).to_string()).await, 400, ErrorKind::UnknownProject);

    let mut no_general = body;
    no_general.as_object_mut().unwrap().remove("general");
    assert_error(&call(Method::POST, "/v2/payment/mobile/sale", no_general.to_string()).await, 400, ErrorKind::InvalidField);
}

#[tokio::test]
async fn each_bad_field_is_named() {
    let check = |mutate: fn(&mut Value), field: &'static str| async move {
        let mut body = sale_body("p1", "77011234567", 100_000);
        mutate(&mut body);
        let answer = call(Method::POST, "/v2/payment/mobile/sale", signed(body).to_string()).await;
        assert_error(&answer, 400, ErrorKind::InvalidField);
        assert_eq!(answer.1["errors"][0]["field"], field, "{answer:?}");
    };
    check(|b| b["payment"]["amount"] = json!("100000"), "payment.amount").await;
    check(|b| b["payment"]["amount"] = json!(0), "payment.amount").await;
    check(|b| b["payment"]["amount"] = json!(-5), "payment.amount").await;
    check(|b| b["payment"]["currency"] = json!("USD"), "payment.currency").await;
    check(|b| b["account"]["number"] = json!("+7 701 123 45 67"), "account.number").await;
    check(|b| b["account"]["number"] = json!("79161234567"), "account.number").await;
    check(|b| b["account"]["number"] = json!("87011234567"), "account.number").await;
    check(|b| b["customer"]["ip_address"] = json!("not-an-ip"), "customer.ip_address").await;
    check(|b| b["customer"]["email"] = json!("nope"), "customer.email").await;
    check(|b| drop(b["customer"].as_object_mut().unwrap().remove("first_name")), "customer.first_name").await;
    check(|b| b["general"]["payment_id"] = json!(""), "general.payment_id").await;
}

#[tokio::test]
async fn a_russian_number_is_refused_with_a_reason() {
    let answer = call(Method::POST, "/v2/payment/mobile/sale", signed(sale_body("p1", "79161234567", 100)).to_string()).await;
    assert!(answer.1["errors"][0]["message"].as_str().unwrap().contains("Russian"), "{answer:?}");
}

#[tokio::test]
async fn the_operator_lists_answer_signed_requests() {
    let body = signed(json!({ "general": { "project_id": PROJECT } }));
    let (status, list) = call(Method::POST, "/v2/info/mobile/sale/list", body.to_string()).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = list["operators"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ACTIV", "ALTEL", "BEELINE", "KCELL", "TELE2"]);
    let (status, _) = call(Method::POST, "/v2/info/mobile/payout/list", body.to_string()).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn requests_about_unknown_payments_are_404() {
    let body = signed(json!({ "general": general("ghost"), "additional_data": { "additional_data": { "approval_code": "123456" } } }));
    assert_error(&call(Method::POST, "/v2/payment/clarification", body.to_string()).await, 404, ErrorKind::PaymentNotFound);
    assert_error(&call(Method::GET, "/sandbox/payments/ghost", Body::empty()).await, 404, ErrorKind::PaymentNotFound);
    assert_error(&call(Method::GET, "/sandbox/sms?phone=hello", Body::empty()).await, 400, ErrorKind::InvalidField);
}
