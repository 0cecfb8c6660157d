//! Whole flows over real sockets: the sandbox on port 0, a mock merchant receiving callbacks, and
//! requests signed by the test's independent signer. Callbacks are checked with
//! `checkout-protocol`'s verifier, so signing is exercised both ways.

mod common;

use std::time::Duration;

use checkout_protocol::signature::verify;
use checkout_sandbox::error::ErrorKind;
use common::*;
use serde_json::{json, Value};

fn clarification(payment_id: &str, code: &str) -> Value {
    signed(json!({ "general": general(payment_id), "additional_data": { "additional_data": { "approval_code": code } } }))
}

fn resend(payment_id: &str) -> Value {
    signed(json!({ "general": general(payment_id), "customer": { "ip_address": "198.51.100.47" } }))
}

fn status(payment_id: &str) -> Value {
    signed(json!({ "general": general(payment_id) }))
}

fn statuses(callbacks: &[Value]) -> Vec<String> {
    callbacks.iter().map(|c| c["payment"]["status"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_full_purchase_texts_a_code_and_reports_success() {
    let h = Harness::start(|_| {}).await;
    let (code, accepted) = h.post("/v2/payment/mobile/sale", &signed(sale_body("order-1", "77071234567", 100_000))).await;
    assert_eq!(code, 200, "{accepted}");
    assert_eq!(accepted["status"], "success");
    assert_eq!(accepted["payment_id"], "order-1");
    assert!(accepted["request_id"].as_str().unwrap().len() >= 16);

    let first = h.callbacks_for("order-1", 1).await;
    assert_eq!(first[0]["payment"]["status"], "awaiting clarification");
    assert_eq!(first[0]["clarification_fields"]["additional_data"]["approval_code"]["type"], "string");
    assert_eq!(first[0]["account"], json!({ "number": "77071234567", "type": "TELE2" }));
    assert_eq!(verify(&first[0], SECRET), Ok(()));

    let otp = h.latest_code("+7 707 123 45 67", 1).await;
    assert_eq!(otp.len(), 6);
    let (code, _) = h.post("/v2/payment/clarification", &clarification("order-1", &otp)).await;
    assert_eq!(code, 200);
    let all = h.callbacks_for("order-1", 2).await;
    assert_eq!(all[1]["payment"]["status"], "success");
    assert_eq!(all[1]["operation"]["code"], "0");
    assert_eq!(all[1]["operation"]["type"], "sale");
    assert_eq!(all[1]["payment"]["sum"], json!({ "amount": 100_000, "currency": "KZT" }));
    assert_eq!(verify(&all[1], SECRET), Ok(()));

    let (_, seen) = h.get("/sandbox/payments/order-1").await;
    assert_eq!(seen["status"], "success");
    assert_eq!(seen["callbacks"].as_array().unwrap().len(), 2);
    assert!(seen["attempts"].as_array().unwrap().iter().all(|a| a["http_status"] == 200));

    let (code, again) = h.post("/v2/payment/mobile/sale", &signed(sale_body("order-1", "77071234567", 100_000))).await;
    assert_eq!((code, again["code"].as_str()), (400, Some(ErrorKind::DuplicatePayment.code())));
}

#[tokio::test]
async fn a_wrong_code_asks_again_and_the_right_one_pays() {
    let h = Harness::start(|_| {}).await;
    h.post("/v2/payment/mobile/sale", &signed(sale_body("order-2", "77000000000", 5_000))).await;
    h.callbacks_for("order-2", 1).await;
    assert_eq!(h.latest_code("77000000000", 1).await, "123456", "scenario numbers have fixed codes");
    h.post("/v2/payment/clarification", &clarification("order-2", "000000")).await;
    let after_wrong = h.callbacks_for("order-2", 2).await;
    assert_eq!(after_wrong[1]["payment"]["status"], "awaiting clarification");
    h.post("/v2/payment/clarification", &clarification("order-2", "123456")).await;
    assert_eq!(statuses(&h.callbacks_for("order-2", 3).await), ["awaiting clarification", "awaiting clarification", "success"]);
}

#[tokio::test]
async fn resend_waits_for_expiry_sends_new_codes_and_stops_at_three() {
    // The platform's own 80 s validity, skipped on the sandbox's clock rather than slept through.
    let h = Harness::start(|_| {}).await;
    let validity = Duration::from_secs(81);
    h.post("/v2/payment/mobile/sale", &signed(sale_body("order-3", "77000000000", 5_000))).await;
    h.callbacks_for("order-3", 1).await;

    let (code, early) = h.post("/v2/customer/action/resend", &resend("order-3")).await;
    assert_eq!((code, early["code"].as_str()), (400, Some(ErrorKind::ResendTooEarly.code())), "{early}");

    // An expired code is asked for again.
    h.skip(validity);
    h.post("/v2/payment/clarification", &clarification("order-3", "123456")).await;
    assert_eq!(statuses(&h.callbacks_for("order-3", 2).await)[1], "awaiting clarification");

    for (n, expected) in ["234567", "345678", "456789"].into_iter().enumerate() {
        h.skip(validity);
        let (code, answer) = h.post("/v2/customer/action/resend", &resend("order-3")).await;
        assert_eq!(code, 200, "resend {}: {answer}", n + 1);
        assert_eq!(h.latest_code("77000000000", n + 2).await, expected);
    }
    h.skip(validity);
    let (code, limit) = h.post("/v2/customer/action/resend", &resend("order-3")).await;
    assert_eq!((code, limit["code"].as_str()), (400, Some(ErrorKind::ResendLimit.code())));

    // The last code has expired too and no new one can be had: the platform keeps asking.
    h.callbacks_for("order-3", 5).await;
    h.post("/v2/payment/clarification", &clarification("order-3", "456789")).await;
    let callbacks = h.callbacks_for("order-3", 6).await;
    assert_eq!(callbacks.last().unwrap()["payment"]["status"], "awaiting clarification");
}

#[tokio::test]
async fn after_a_resend_only_the_new_code_pays() {
    let h = Harness::start(|_| {}).await;
    h.post("/v2/payment/mobile/sale", &signed(sale_body("order-4", "77000000000", 5_000))).await;
    assert_eq!(h.latest_code("77000000000", 1).await, "123456");
    h.callbacks_for("order-4", 1).await;
    h.skip(Duration::from_secs(81));
    assert_eq!(h.post("/v2/customer/action/resend", &resend("order-4")).await.0, 200);
    assert_eq!(h.latest_code("77000000000", 2).await, "234567");
    h.callbacks_for("order-4", 2).await;
    h.post("/v2/payment/clarification", &clarification("order-4", "123456")).await;
    assert_eq!(h.callbacks_for("order-4", 3).await[2]["payment"]["status"], "awaiting clarification", "the old code no longer works");
    h.post("/v2/payment/clarification", &clarification("order-4", "234567")).await;
    assert_eq!(h.callbacks_for("order-4", 4).await[3]["payment"]["status"], "success");
}

#[tokio::test]
async fn declines_carry_their_codes() {
    let h = Harness::start(|_| {}).await;
    for (id, phone, code) in [("d-1", "77000000001", "20000"), ("d-2", "77000000002", "20105")] {
        h.post("/v2/payment/mobile/sale", &signed(sale_body(id, phone, 5_000))).await;
        h.callbacks_for(id, 1).await;
        h.post("/v2/payment/clarification", &clarification(id, "123456")).await;
        let last = h.callbacks_for(id, 2).await.pop().unwrap();
        assert_eq!(last["payment"]["status"], "decline");
        assert_eq!(last["operation"]["code"], code);
    }
}

#[tokio::test]
async fn gate_rejects_the_rejecting_number() {
    let h = Harness::start(|_| {}).await;
    let (code, answer) = h.post("/v2/payment/mobile/sale", &signed(sale_body("r-1", "77000000003", 5_000))).await;
    assert_eq!((code, answer["code"].as_str()), (400, Some(ErrorKind::Rejected.code())));
    assert_eq!(h.get("/sandbox/payments/r-1").await.0, 404, "nothing was created");
}

#[tokio::test]
async fn the_otp_callback_is_delivered_again_after_the_final_one() {
    let h = Harness::start(|_| {}).await;
    h.post("/v2/payment/mobile/sale", &signed(sale_body("dup-1", "77000000004", 5_000))).await;
    h.callbacks_for("dup-1", 1).await;
    h.post("/v2/payment/clarification", &clarification("dup-1", "123456")).await;
    let all = h.callbacks_for("dup-1", 3).await;
    assert_eq!(statuses(&all), ["awaiting clarification", "success", "awaiting clarification"]);
    assert_eq!(all[0], all[2], "the same callback, byte for byte, delivered twice");
}

#[tokio::test]
async fn without_callbacks_the_status_request_tells_the_truth() {
    // The platform's own 10 s, skipped on the sandbox's clock.
    let h = Harness::start(|c| c.status_min_age = Duration::from_secs(10)).await;
    h.post("/v2/payment/mobile/sale", &signed(sale_body("quiet-1", "77000000006", 5_000))).await;
    let (code, early) = h.post("/v2/payment/status", &status("quiet-1")).await;
    assert_eq!((code, early["code"].as_str()), (400, Some(ErrorKind::StatusTooEarly.code())));
    h.until_platform_status("quiet-1", "awaiting clarification").await;
    h.skip(Duration::from_secs(11));
    let (code, answer) = h.post("/v2/payment/status", &status("quiet-1")).await;
    assert_eq!(code, 200);
    assert_eq!(answer["payment"]["status"], "awaiting clarification");
    assert_eq!(verify(&answer, SECRET), Ok(()), "the status answer is signed");

    h.post("/v2/payment/clarification", &clarification("quiet-1", "123456")).await;
    h.until_platform_status("quiet-1", "success").await;
    h.skip(Duration::from_secs(11));
    let (_, answer) = h.post("/v2/payment/status", &status("quiet-1")).await;
    assert_eq!(answer["payment"]["status"], "success");
    assert!(h.merchant.callbacks.lock().unwrap().iter().all(|c| c["payment"]["id"] != "quiet-1"));
    let (_, seen) = h.get("/sandbox/payments/quiet-1").await;
    assert_eq!(seen["callbacks"].as_array().unwrap().len(), 2, "recorded, never sent");
    assert!(seen["attempts"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_delayed_final_callback_is_overtaken_by_the_status_request() {
    let h = Harness::start(|c| c.delayed_callback = Duration::from_millis(800)).await;
    h.post("/v2/payment/mobile/sale", &signed(sale_body("late-1", "77000000005", 5_000))).await;
    h.callbacks_for("late-1", 1).await;
    h.post("/v2/payment/clarification", &clarification("late-1", "123456")).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, answer) = h.post("/v2/payment/status", &status("late-1")).await;
    assert_eq!(answer["payment"]["status"], "success");
    assert_eq!(
        h.merchant.callbacks.lock().unwrap().iter().filter(|c| c["payment"]["id"] == "late-1").count(),
        1,
        "the final callback is still held back"
    );
    assert_eq!(statuses(&h.callbacks_for("late-1", 2).await)[1], "success");
}

#[tokio::test]
async fn the_resend_quirk_sends_a_misleading_decline_then_succeeds() {
    let h = Harness::start(|_| {}).await;
    h.post("/v2/payment/mobile/sale", &signed(sale_body("quirk-1", "77000000007", 5_000))).await;
    h.callbacks_for("quirk-1", 1).await;
    h.skip(Duration::from_secs(81));
    assert_eq!(h.post("/v2/customer/action/resend", &resend("quirk-1")).await.0, 200);
    let after = h.callbacks_for("quirk-1", 3).await;
    assert_eq!(statuses(&after), ["awaiting clarification", "decline", "awaiting clarification"]);
    let (_, truth) = h.post("/v2/payment/status", &status("quirk-1")).await;
    assert_eq!(truth["payment"]["status"], "awaiting clarification", "the status request is not fooled");
    h.post("/v2/payment/clarification", &clarification("quirk-1", "234567")).await;
    assert_eq!(h.callbacks_for("quirk-1", 4).await[3]["payment"]["status"], "success");
}

async fn paid(h: &Harness, id: &str, phone: &str) {
    h.post("/v2/payment/mobile/sale", &signed(sale_body(id, phone, 100_000))).await;
    h.callbacks_for(id, 1).await;
    let code = h.latest_code(phone, h.get(&format!("/sandbox/sms?phone={phone}")).await.1["messages"].as_array().unwrap().len()).await;
    h.post("/v2/payment/clarification", &clarification(id, &code)).await;
    h.callbacks_for(id, 2).await;
}

#[tokio::test]
async fn refunds_partial_then_full_and_never_more_than_paid() {
    let h = Harness::start(|_| {}).await;
    paid(&h, "ref-1", "77011234567").await;
    let partial = signed(json!({ "general": general("ref-1"), "payment": { "amount": 30_000, "currency": "KZT", "description": "one item back" } }));
    assert_eq!(h.post("/v2/payment/mobile/refund", &partial).await.0, 200);
    let third = h.callbacks_for("ref-1", 3).await.pop().unwrap();
    assert_eq!(third["payment"]["status"], "partially refunded");
    assert_eq!(third["operation"]["type"], "refund");
    assert_eq!(third["operation"]["sum_initial"]["amount"], 30_000);
    assert_eq!(third["payment"]["sum"]["amount"], 70_000);

    let too_much = signed(json!({ "general": general("ref-1"), "payment": { "amount": 70_001, "currency": "KZT" } }));
    let (code, answer) = h.post("/v2/payment/mobile/refund", &too_much).await;
    assert_eq!((code, answer["code"].as_str()), (400, Some(ErrorKind::RefundTooLarge.code())));
    let half = signed(json!({ "general": general("ref-1"), "payment": { "amount": 10 } }));
    assert_eq!(h.post("/v2/payment/mobile/refund", &half).await.0, 400, "a partial refund needs its currency");

    let full = signed(json!({ "general": general("ref-1"), "payment": {} }));
    assert_eq!(h.post("/v2/payment/mobile/refund", &full).await.0, 200);
    let last = h.callbacks_for("ref-1", 4).await.pop().unwrap();
    assert_eq!(last["payment"]["status"], "refunded");
    assert_eq!(last["operation"]["sum_initial"]["amount"], 70_000);
    assert_eq!(h.post("/v2/payment/mobile/refund", &full).await.0, 400, "nothing is left to refund");
}

#[tokio::test]
async fn a_refund_of_the_refund_declining_number_is_declined() {
    let h = Harness::start(|_| {}).await;
    paid(&h, "ref-2", "77000000008").await;
    h.post("/v2/payment/mobile/refund", &signed(json!({ "general": general("ref-2"), "payment": {} }))).await;
    let last = h.callbacks_for("ref-2", 3).await.pop().unwrap();
    assert_eq!(last["operation"]["status"], "decline");
    assert_eq!(last["payment"]["status"], "success");
}

#[tokio::test]
async fn payouts_succeed_or_decline_by_number() {
    let h = Harness::start(|_| {}).await;
    for (id, phone, expected) in [("po-1", "77751234567", "success"), ("po-2", "77000000009", "decline")] {
        let (code, _) = h.post("/v2/payment/mobile/payout", &signed(sale_body(id, phone, 20_000))).await;
        assert_eq!(code, 200);
        let callback = h.callbacks_for(id, 1).await.pop().unwrap();
        assert_eq!(callback["payment"]["type"], "payout");
        assert_eq!(callback["operation"]["type"], "payout");
        assert_eq!(callback["payment"]["status"], expected);
        assert_eq!(verify(&callback, SECRET), Ok(()));
    }
}

#[tokio::test]
async fn callbacks_are_retried_until_the_merchant_answers_200() {
    let h = Harness::start(|c| c.callback_retry_scale = 0.005).await;
    *h.merchant.failures_left.lock().unwrap() = 2;
    h.post("/v2/payment/mobile/sale", &signed(sale_body("retry-1", "77011234567", 5_000))).await;
    h.callbacks_for("retry-1", 1).await;
    let (_, seen) = h.get("/sandbox/payments/retry-1").await;
    let results: Vec<Value> = seen["attempts"].as_array().unwrap().iter().map(|a| a["http_status"].clone()).collect();
    assert_eq!(results, [json!(503), json!(503), json!(200)]);
    assert_eq!(seen["callbacks"][0]["delivered"], true);
}

#[tokio::test]
async fn a_terminal_deposit_asks_the_web_service_then_calls_back() {
    let h = Harness::start(|_| {}).await;
    let (code, answer) = h.post("/sandbox/terminal/pay", &json!({ "customer_id": "customer_123", "amount": 250_000 })).await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["result"], "paid");
    let payment_id = answer["payment_id"].as_str().unwrap().to_owned();
    let requests = h.merchant.cash_in_requests.lock().unwrap().clone();
    assert_eq!(requests[0]["type"], "verify");
    assert_eq!(requests[1]["type"], "check_deposit");
    assert_eq!(requests[1]["payment_method"], "kassa24");
    assert_eq!(requests[1]["amount"], 250_000);
    assert!(requests.iter().all(|r| verify(r, SECRET).is_ok()), "web-service requests are signed");
    let callback = h.callbacks_for(&payment_id, 1).await.pop().unwrap();
    assert_eq!(callback["payment"]["method"], "kassa24");
    assert_eq!(callback["account"]["number"], "customer_123");
    assert_eq!(callback["payment"]["status"], "success");

    let (_, refused) = h.post("/sandbox/terminal/pay", &json!({ "customer_id": "nobody", "amount": 500 })).await;
    assert_eq!(refused, json!({ "result": "refused", "stage": "verify", "code": 404 }));
    for amount in [99, 50_000_001] {
        let (code, limit) = h.post("/sandbox/terminal/pay", &json!({ "customer_id": "customer_123", "amount": amount })).await;
        assert_eq!((code, limit["code"].as_str()), (400, Some(ErrorKind::InvalidField.code())), "{amount}");
    }
}

#[tokio::test]
async fn with_a_web_otp_host_every_code_text_ends_with_the_origin_bound_line() {
    let h = Harness::start(|config| config.web_otp_host = Some("shop.kz".into())).await;
    h.post("/v2/payment/mobile/sale", &signed(sale_body("webotp-1", "77071234567", 100_000))).await;
    h.callbacks_for("webotp-1", 1).await;
    let code = h.latest_code("77071234567", 1).await;
    let (_, inbox) = h.get("/sandbox/sms?phone=77071234567").await;
    let text = inbox["messages"][0]["text"].as_str().unwrap().to_owned();
    assert_eq!(text.lines().last(), Some(format!("@shop.kz #{code}").as_str()), "{text}");

    let plain = Harness::start(|_| {}).await;
    plain.post("/v2/payment/mobile/sale", &signed(sale_body("webotp-2", "77071234568", 100_000))).await;
    plain.callbacks_for("webotp-2", 1).await;
    plain.latest_code("77071234568", 1).await;
    let (_, inbox) = plain.get("/sandbox/sms?phone=77071234568").await;
    assert!(!inbox["messages"][0]["text"].as_str().unwrap().contains('@'), "without the flag, the text is as before");
}
