//! Every path of a checkout over real sockets: the backend against a real sandbox.

mod common;

/// A code's validity on the project (the platform's 80 s): tests skip it, never wait it out.
const OTP_TTL: Duration = Duration::from_secs(80);

use std::time::Duration;

use checkout_protocol::signature::sign;
use checkout_protocol::time::Millis;
use checkout_server::service::reconcile_once;
use common::*;
use serde_json::{json, Value};

async fn a_customer_pays_by_phone_and_code(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    let (_, view) = s.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(view["amount"], 100_000);
    assert_eq!(view["merchant_name"], "Test shop");
    assert_eq!(view["operators_fallback"], false, "the list came from the platform");
    assert_eq!(view["operators"].as_array().unwrap().len(), 5);

    let payment_id = s.pay(&session, "+7 701 234 56 78").await;
    let waiting = s.until_state(&payment_id, "awaiting_otp").await;
    assert_eq!(waiting["resends_left"], 3);
    assert_eq!(waiting["attempt"], 1);
    assert_eq!(waiting["phone_masked"], "+7 701 ••• •• 78");
    assert!(waiting["otp_expires_at"].as_str().unwrap().ends_with('Z'));

    let code = s.code("77012345678", 1).await;
    let (status, sent) = s.otp(&payment_id, &format!("{}-{}", &code[..3], &code[3..])).await;
    assert_eq!(status, 202, "{sent}");
    let paid = s.until_state(&payment_id, "succeeded").await;
    assert_eq!(paid["amount"], 100_000);

    let (_, again) = s.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(again["payment"]["state"], "succeeded");
    let (status, same) = s.post(&format!("/api/sessions/{session}/mobile-payments"), &json!({ "operator": "KCELL", "phone": "77012345678" })).await;
    assert_eq!((status, same["payment_id"].as_str()), (200, Some(payment_id.as_str())), "a paid session is not charged twice");
}

async fn a_payment_is_reached_only_through_its_own_session(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let (mine, theirs) = (s.session(&["mobile"]).await, s.session(&["mobile"]).await);
    let payment_id = s.pay(&mine, "77000000000").await;
    s.until_state(&payment_id, "awaiting_otp").await;
    // Another session's token with this payment's id: as if the payment did not exist.
    let other = format!("/api/sessions/{theirs}/payments/{payment_id}");
    let (status, refused) = s.get(&other).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (404, Some("payment_not_found")));
    let (status, refused) = s.post(&format!("{other}/otp"), &json!({ "code": "123456" })).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (404, Some("payment_not_found")));
    let (status, refused) = s.post(&format!("{other}/resend"), &json!({})).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (404, Some("payment_not_found")));
    let events = s.http.get(format!("{}{other}/events", s.server)).send().await.unwrap();
    assert_eq!(events.status().as_u16(), 404);
    // Nothing reached the platform: the payment still waits for its first code, and pays with it.
    let view = s.get(&s.pay_path(&payment_id, "").await).await.1;
    assert_eq!((view["state"].as_str(), view["attempt"].as_u64()), (Some("awaiting_otp"), Some(1)));
    assert_eq!(s.otp(&payment_id, "123456").await.0, 202);
    s.until_state(&payment_id, "succeeded").await;
}

async fn a_double_click_makes_one_payment(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    let body = json!({ "operator": "TELE2", "phone": "87071234567" });
    let path = format!("/api/sessions/{session}/mobile-payments");
    let (a, b) = tokio::join!(s.post(&path, &body), s.post(&path, &body));
    assert_eq!(a.1["payment_id"], b.1["payment_id"], "{a:?} {b:?}");
    let statuses = [a.0, b.0];
    assert!(statuses.contains(&201) && statuses.contains(&200), "{statuses:?}");
}

async fn a_wrong_code_then_the_right_one(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    let payment_id = s.pay(&session, "77000000000").await;
    s.until_state(&payment_id, "awaiting_otp").await;
    s.otp(&payment_id, "000000").await;
    let retry = s.until(&payment_id, |v| v["last_error"] == "wrong_code").await;
    assert_eq!(retry["state"], "awaiting_otp");
    assert_eq!(retry["attempt"], 2);
    s.otp(&payment_id, "123456").await;
    s.until_state(&payment_id, "succeeded").await;
}

async fn resend_is_refused_early_then_works_and_stops_at_three(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    let payment_id = s.pay(&session, "77000000000").await;
    s.until_state(&payment_id, "awaiting_otp").await;
    let (status, early) = s.post(&s.pay_path(&payment_id, "/resend").await, &json!({})).await;
    assert_eq!(status, 409, "{early}");
    assert_eq!(early["error"]["code"], "resend_too_early");
    assert!(early["error"]["retry_after_s"].as_u64().unwrap() >= 1);

    for (n, code) in ["234567", "345678", "456789"].into_iter().enumerate() {
        s.skip(OTP_TTL);
        let (status, view) = s.post(&s.pay_path(&payment_id, "/resend").await, &json!({})).await;
        assert_eq!(status, 202, "{view}");
        assert_eq!(view["resends_left"], 2 - n);
        assert_eq!(s.code("77000000000", n + 2).await, code);
    }
    s.skip(OTP_TTL);
    let (status, limit) = s.post(&s.pay_path(&payment_id, "/resend").await, &json!({})).await;
    assert_eq!((status, limit["error"]["code"].as_str()), (429, Some("resend_limit")));
}

/// Reported: 1 000 wrong codes on one payment all went through, and the right one still paid.
async fn five_wrong_codes_use_up_the_code_and_only_a_new_one_pays(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    let payment_id = s.pay(&session, "77000000000").await;
    s.until_state(&payment_id, "awaiting_otp").await;
    for attempt in 1..=5u64 {
        let (status, sent) = s.otp(&payment_id, "111111").await;
        assert_eq!(status, 202, "try {attempt}: {sent}");
        s.until(&payment_id, |v| v["attempt"] == attempt + 1 && v["state"] == "awaiting_otp").await;
    }
    let (status, refused) = s.otp(&payment_id, "123456").await;
    assert_eq!((status, refused["error"]["code"].as_str()), (429, Some("otp_attempts_exhausted")), "even the right code: {refused}");
    // Until the 80 s code expires, less the real time the five tries took.
    assert!((60..=80).contains(&refused["error"]["retry_after_s"].as_u64().unwrap()), "until the code expires: {refused}");
    let view = s.get(&s.pay_path(&payment_id, "").await).await.1;
    assert_eq!((view["state"].as_str(), view["attempt"].as_u64()), (Some("awaiting_otp"), Some(6)), "nothing reached the platform");
    s.skip(OTP_TTL);
    assert_eq!(s.post(&s.pay_path(&payment_id, "/resend").await, &json!({})).await.0, 202);
    assert_eq!(s.otp(&payment_id, "234567").await.0, 202, "a new code has its own five tries");
    s.until_state(&payment_id, "succeeded").await;
}

async fn an_expired_code_is_reported_and_a_new_one_pays(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    let payment_id = s.pay(&session, "77000000000").await;
    s.until_state(&payment_id, "awaiting_otp").await;
    s.skip(OTP_TTL + Duration::from_secs(1));
    s.otp(&payment_id, "123456").await;
    s.until(&payment_id, |v| v["last_error"] == "expired").await;
    assert_eq!(s.post(&s.pay_path(&payment_id, "/resend").await, &json!({})).await.0, 202);
    s.until(&payment_id, |v| v["resends_left"] == 2 && v["last_error"].is_null()).await;
    s.otp(&payment_id, "234567").await;
    s.until_state(&payment_id, "succeeded").await;
}

async fn a_decline_carries_the_platforms_code_and_a_new_attempt_is_possible(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    let payment_id = s.pay(&session, "77000000001").await;
    s.until_state(&payment_id, "awaiting_otp").await;
    s.otp(&payment_id, "123456").await;
    let declined = s.until_state(&payment_id, "declined").await;
    assert_eq!(declined["code"], "20000");
    assert_eq!(declined["message"], "General decline");
    let second = s.pay(&session, "77011234567").await;
    assert_ne!(second, payment_id, "try again starts a new attempt");
}

async fn a_gate_rejection_fails_the_payment_with_its_reason(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    let (status, view) = s.post(&format!("/api/sessions/{session}/mobile-payments"), &json!({ "operator": "ALTEL", "phone": "77000000003" })).await;
    assert_eq!(status, 201);
    assert_eq!(view["state"], "failed");
    assert_eq!(view["code"], "1012");
    assert!(view["message"].as_str().unwrap().contains("declined by the provider"), "{view}");
}

async fn duplicate_and_late_callbacks_do_not_change_the_result(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    let payment_id = s.pay(&session, "77000000004").await;
    s.until_state(&payment_id, "awaiting_otp").await;
    s.otp(&payment_id, "123456").await;
    s.until_state(&payment_id, "succeeded").await;
    // Wait for the platform to deliver the stale OTP-required callback after the final one.
    let delivered = |p: &Value| p["callbacks"].as_array().unwrap().iter().filter(|c| c["delivered"] == true).count();
    for _ in 0..100 {
        if delivered(&s.platform_payment(&payment_id).await) >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(delivered(&s.platform_payment(&payment_id).await), 3);
    // The copy is the same callback: recorded once, so two rows for three deliveries.
    assert_eq!(s.app.db().callbacks_of(&payment_id).await.unwrap().len(), 2);
    assert_eq!(s.get(&s.pay_path(&payment_id, "").await).await.1["state"], "succeeded");
}

async fn lost_callbacks_are_reconciled_by_the_status_request(store: Store) {
    let s = Stack::start(store, Tuning { reconcile_after: Duration::from_millis(300), ..Tuning::default() }).await;
    let session = s.session(&["mobile"]).await;
    let payment_id = s.pay(&session, "77000000006").await;
    let waiting = s.until_state(&payment_id, "awaiting_otp").await;
    assert_eq!(waiting["attempt"], 1);
    s.otp(&payment_id, "123456").await;
    s.until_state(&payment_id, "succeeded").await;
    assert!(s.app.db().callbacks_of(&payment_id).await.unwrap().is_empty(), "no callback ever came");
}

async fn a_lost_code_prompt_is_asked_about_within_seconds_not_a_minute(store: Store) {
    // The default silence before a status request (60 s) is for payments nobody is watching; a
    // customer looking at "processing" with the SMS already on their phone must not wait for it.
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    let payment_id = s.pay(&session, "77000000006").await;
    while s.platform_payment(&payment_id).await["status"] != "awaiting clarification" {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let asked = || async { s.app.db().gate_calls_of(&payment_id).await.unwrap().iter().filter(|call| call.endpoint == "/v2/payment/status").count() };
    reconcile_once(&s.app, s.app.now() + Millis(10_000)).await.unwrap();
    assert_eq!(asked().await, 0, "10 s of silence is within a callback's usual delay");
    assert_eq!(s.get(&s.pay_path(&payment_id, "").await).await.1["state"], "processing");
    reconcile_once(&s.app, s.app.now() + Millis(15_000)).await.unwrap();
    assert_eq!(asked().await, 1);
    let waiting = s.get(&s.pay_path(&payment_id, "").await).await.1;
    assert_eq!(waiting["state"], "awaiting_otp", "{waiting}");
    // Typing the code is the customer's part: no status request while the code is awaited.
    reconcile_once(&s.app, s.app.now() + Millis(30_000)).await.unwrap();
    assert_eq!(asked().await, 1, "an awaited code is left to the customer until the full silence");
}

async fn the_resend_quirk_never_shows_a_false_decline(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    let payment_id = s.pay(&session, "77000000007").await;
    s.until_state(&payment_id, "awaiting_otp").await;
    s.skip(OTP_TTL);
    assert_eq!(s.post(&s.pay_path(&payment_id, "/resend").await, &json!({})).await.0, 202);
    // The misleading decline arrives and is held, then the status request clears it.
    for _ in 0..200 {
        let callbacks = s.app.db().callbacks_of(&payment_id).await.unwrap();
        let events = s.app.db().events_of(&payment_id).await.unwrap();
        if callbacks.len() >= 3 && events.iter().any(|e| e.source == "status") {
            break;
        }
        assert_ne!(s.get(&s.pay_path(&payment_id, "").await).await.1["state"], "declined");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(s.get(&s.pay_path(&payment_id, "").await).await.1["state"], "awaiting_otp");
    s.otp(&payment_id, "234567").await;
    s.until_state(&payment_id, "succeeded").await;
}

async fn a_forged_callback_is_refused_logged_and_never_applied(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    let payment_id = s.pay(&session, "77000000000").await;
    s.until_state(&payment_id, "awaiting_otp").await;
    let mut forged = json!({ "project_id": PROJECT, "payment": { "id": payment_id, "type": "purchase", "status": "success" }, "operation": { "type": "sale", "status": "success", "code": "0" } });
    forged["signature"] = json!(sign(&forged, "not-the-secret"));
    let (status, answer) = s.post("/callbacks/gate", &forged).await;
    assert_eq!(status, 403, "{answer}");
    let (status, _) = s.post("/callbacks/gate", &json!("just a string")).await;
    assert_eq!(status, 403);
    let response = s.http.post(format!("{}/callbacks/gate", s.server)).body("{broken").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(s.get(&s.pay_path(&payment_id, "").await).await.1["state"], "awaiting_otp");
    let logged = s.app.db().callback_results().await.unwrap();
    assert!(logged.iter().filter(|c| !c.verified && c.result.starts_with("rejected")).count() >= 3, "{logged:?}");
}

/// Reported: 100 unsigned 250 KB callbacks added 27 MB to the database in 0.2 s.
async fn strangers_callbacks_are_kept_short_and_limited(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let padding = "x".repeat(250 * 1024);
    let forged = json!({ "payment": { "id": "pay_nobody", "status": "success" }, "padding": padding, "signature": "AAAA" }).to_string();
    let mut statuses = Vec::new();
    for _ in 0..100 {
        let response =
            s.http.post(format!("{}/callbacks/gate", s.server)).header("content-type", "application/json").body(forged.clone()).send().await.unwrap();
        statuses.push(response.status().as_u16());
    }
    let per_address = checkout_server::callbacks::UNVERIFIED_PER_ADDRESS as usize;
    assert!(statuses[..per_address].iter().all(|s| *s == 403), "{statuses:?}");
    assert!(statuses[per_address..].iter().all(|s| *s == 429), "then refused without storing: {statuses:?}");
    let kept = s.app.db().unverified_callback_bytes().await.unwrap();
    let bound = (per_address * checkout_server::callbacks::UNVERIFIED_PREFIX_BYTES) as i64;
    assert!(kept <= bound, "{kept} bytes kept for {per_address} forged callbacks, at most {bound}");
    // The platform's own, signed callbacks are not held back by the strangers.
    let payment_id = s.paid().await;
    assert_eq!(s.view_of(&payment_id).await["state"], "succeeded");
}

async fn refunds_partial_then_full_never_more_than_paid(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let payment_id = s.paid().await;
    let refunds = format!("/admin/payments/{payment_id}/refunds");
    let (status, _) = s.admin(&refunds, &json!({ "amount": 30_000, "description": "one item" })).await;
    assert_eq!(status, 202);
    let partial = s.until_state(&payment_id, "partially_refunded").await;
    assert_eq!(partial["refunded_amount"], 30_000);
    let (status, over) = s.admin(&refunds, &json!({ "amount": 70_001 })).await;
    assert_eq!((status, over["error"]["code"].as_str()), (409, Some("refund_exceeds_payment")));
    let (status, _) = s.admin(&refunds, &json!({})).await;
    assert_eq!(status, 202);
    s.until_state(&payment_id, "refunded").await;
    let (status, done) = s.admin(&refunds, &json!({})).await;
    assert_eq!((status, done["error"]["code"].as_str()), (409, Some("not_refundable")));
}

/// Reported: `[]` and `[null, "x"]` refunded the whole payment and `[5000]` refunded 5 000,
/// because serde reads an array as the struct's fields in order.
async fn array_bodies_are_refused_and_refund_nothing(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let payment_id = s.paid().await;
    let refunds = format!("/admin/payments/{payment_id}/refunds");
    for array in [json!([]), json!([null, "x"]), json!([5000]), json!([[5000]])] {
        let (status, refused) = s.admin(&refunds, &array).await;
        assert_eq!((status, refused["error"]["code"].as_str()), (400, Some("invalid_json")), "{array}: {refused}");
    }
    let session = s.session(&["mobile"]).await;
    let (status, refused) = s.post(&format!("/api/sessions/{session}/mobile-payments"), &json!(["KCELL", "77000000000"])).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (400, Some("invalid_json")));
    // Nothing was refunded or started: the payment is still paid in full, with no refund sent.
    let view = s.view_of(&payment_id).await;
    assert_eq!(view["state"], "succeeded", "{view}");
    let detail = s.http.get(format!("{}/admin/payments/{payment_id}", s.server)).bearer_auth(ADMIN).send().await.unwrap();
    let detail: Value = detail.json().await.unwrap();
    let refund_calls = detail["gate_calls"].as_array().unwrap().iter().filter(|c| c["endpoint"].as_str().unwrap().contains("refund")).count();
    assert_eq!(refund_calls, 0, "{detail}");
    assert_eq!(s.get(&format!("/api/sessions/{session}")).await.1["payment"], Value::Null);
}

async fn two_quick_refunds_cannot_together_exceed_the_payment(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let payment_id = s.paid().await;
    let refunds = format!("/admin/payments/{payment_id}/refunds");
    let body = json!({ "amount": 60_000 });
    let (a, b) = tokio::join!(s.admin(&refunds, &body), s.admin(&refunds, &body));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [202, 409], "{a:?} {b:?}");
}

async fn a_payout_reaches_its_result(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let customer = json!({ "id": "c-9", "first_name": "Daulet", "last_name": "Ospanov", "email": "d@example.kz" });
    let (status, payout) = s
        .admin(
            "/admin/payouts",
            &json!({ "amount": 20_000, "currency": "KZT", "customer": customer, "phone": "+7 775 123 45 67", "operator": "KCELL" }),
        )
        .await;
    assert_eq!(status, 202, "{payout}");
    assert_eq!(payout["kind"], "payout");
    s.until_state(payout["payment_id"].as_str().unwrap(), "succeeded").await;
    let (_, declined) = s
        .admin("/admin/payouts", &json!({ "amount": 20_000, "currency": "KZT", "customer": customer, "phone": "77000000009", "operator": "KCELL" }))
        .await;
    s.until_state(declined["payment_id"].as_str().unwrap(), "declined").await;
}

async fn payment_page_parameters_verify_on_the_sandbox_page_and_pay(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["payment_page"]).await;
    let (status, page) = s.post(&format!("/api/sessions/{session}/payment-page"), &json!({ "operator": "TELE2", "locale": "kk" })).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["script_url"], format!("{}/shared/merchant.js", s.sandbox));
    let params = page["params"].clone();
    assert_eq!(params["force_payment_method"], "mobile");
    assert_eq!(params["payment_methods_options"], r#"{"enable_mobile_service":1,"selected_operator":"TELE2"}"#);
    assert!(params.get("customer_id").is_some() && params["payment_amount"] == 100_000);

    let done = s.pay_on_payment_page(&params, "77071234567").await;
    assert_eq!(done["status"], "success");
    s.until_state(page["payment_id"].as_str().unwrap(), "succeeded").await;
}

async fn post_to(s: &Stack, url: &str, body: &Value) -> (u16, Value) {
    let response = s.http.post(url).json(body).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

async fn a_cash_deposit_at_a_terminal_shows_up_in_the_session(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["cash_in"]).await;
    let (_, view) = s.get(&format!("/api/sessions/{session}")).await;
    let account = view["cash_in_account"].as_str().unwrap().to_owned();
    assert_eq!(view["cash_in_limits"], json!({ "min": 100, "max": 50_000_000 }));
    let (status, paid) = post_to(&s, &format!("{}/sandbox/terminal/pay", s.sandbox), &json!({ "customer_id": account, "amount": 250_000 })).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["result"], "paid");
    let deposit = s.until_state(paid["payment_id"].as_str().unwrap(), "succeeded").await;
    assert_eq!(deposit["kind"], "cash_in");
    let (_, view) = s.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(view["deposits"][0]["amount"], 250_000);
    // A second deposit is listed after the first: oldest first, as the contract says.
    s.skip(std::time::Duration::from_millis(5));
    let (_, second) = post_to(&s, &format!("{}/sandbox/terminal/pay", s.sandbox), &json!({ "customer_id": account, "amount": 1_000 })).await;
    s.until_state(second["payment_id"].as_str().unwrap(), "succeeded").await;
    let (_, view) = s.get(&format!("/api/sessions/{session}")).await;
    let listed: Vec<&Value> = view["deposits"].as_array().unwrap().iter().map(|d| &d["payment_id"]).collect();
    assert_eq!(listed, [&paid["payment_id"], &second["payment_id"]], "{view}");

    let (_, unknown) = post_to(&s, &format!("{}/sandbox/terminal/pay", s.sandbox), &json!({ "customer_id": "nobody-here", "amount": 500 })).await;
    assert_eq!(unknown, json!({ "result": "refused", "stage": "verify", "code": 404 }));
}

/// Two customers of the demo shop with cash orders open at once (or two browser tabs, or tests
/// running side by side): each terminal payment is credited to the order it was made for.
async fn demo_orders_each_get_their_own_terminal_deposits(store: Store) {
    let s = Stack::start(store, Tuning { demo_shop: true, ..Tuning::default() }).await;
    let order = json!({ "methods": ["cash_in"] });
    let (first, second) = (s.post("/demo/sessions", &order).await, s.post("/demo/sessions", &order).await);
    assert_eq!((first.0, second.0), (201, 201), "{} {}", first.1, second.1);
    let (first, second) = (first.1["session"].as_str().unwrap().to_owned(), second.1["session"].as_str().unwrap().to_owned());
    let view = |session: &str| format!("/api/sessions/{session}");
    assert_ne!(
        s.get(&view(&first)).await.1["cash_in_account"],
        s.get(&view(&second)).await.1["cash_in_account"],
        "each demo order is its own account at the terminal"
    );

    // The older order is paid at the terminal while the newer one is open too.
    let (status, paid) = s.post("/demo/terminal", &json!({ "session": first, "amount": 500_000 })).await;
    assert_eq!(status, 200, "{paid}");
    s.until_state(paid["payment_id"].as_str().unwrap(), "succeeded").await;
    let first_view = s.get(&view(&first)).await.1;
    assert_eq!(first_view["deposits"][0]["payment_id"], paid["payment_id"], "the deposit is the order's it was paid for: {first_view}");
    let second_view = s.get(&view(&second)).await.1;
    assert_eq!(second_view["deposits"], json!([]), "and not the newest order's: {second_view}");

    let (status, refused) = s.post("/demo/terminal", &json!({ "session": "no-such-session" })).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (404, Some("session_not_found")), "{refused}");
}

async fn live_events_stream_each_state_until_the_end(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    let payment_id = s.pay(&session, "77000000000").await;
    // Straight after the start (no lookup first), so the stream opens before the first callback.
    let mut response = s.http.get(format!("{}/api/sessions/{session}/payments/{payment_id}/events", s.server)).send().await.unwrap();
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let mut text = String::new();
    let mut sent_code = false;
    while let Ok(Some(chunk)) = tokio::time::timeout(Duration::from_secs(10), response.chunk()).await.unwrap() {
        text.push_str(&String::from_utf8_lossy(&chunk));
        if !sent_code && text.contains("\"state\":\"awaiting_otp\"") {
            sent_code = true;
            s.otp(&payment_id, "123456").await;
        }
    }
    let states: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(|d| serde_json::from_str::<Value>(d.trim()).unwrap()["state"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(states.first().map(String::as_str), Some("processing"));
    assert!(states.contains(&"awaiting_otp".to_owned()));
    assert_eq!(states.last().map(String::as_str), Some("succeeded"), "the stream ends with the final state: {states:?}");
}

async fn a_payout_session_pays_out_to_the_customers_phone(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["payout"]).await;
    let (_, view) = s.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(view["operators_fallback"], false);
    let path = format!("/api/sessions/{session}/payouts");
    let (status, payout) = s.post(&path, &json!({ "operator": "BEELINE", "phone": "+7 777 123 45 67" })).await;
    assert_eq!(status, 201, "{payout}");
    assert_eq!(payout["kind"], "payout");
    let id = payout["payment_id"].as_str().unwrap().to_owned();
    s.until_state(&id, "succeeded").await;
    let (status, again) = s.post(&path, &json!({ "operator": "BEELINE", "phone": "+7 777 123 45 67" })).await;
    assert_eq!((status, again["payment_id"].as_str()), (200, Some(id.as_str())), "a paid-out session is not paid out twice");
    let mobile = s.session(&["mobile"]).await;
    let (status, refused) = s.post(&format!("/api/sessions/{mobile}/payouts"), &json!({ "operator": "BEELINE", "phone": "77771234567" })).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (422, Some("method_not_allowed")));
}

async fn status_requests_wait_after_the_latest_accepted_request(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    let payment_id = s.pay(&session, "77000000000").await;
    s.until_state(&payment_id, "awaiting_otp").await;
    let created = s.app.payment(&payment_id).await.unwrap().created_at;
    let after_sale = s.app.db().last_gate_request_at(&payment_id, checkout_server::gate::STATUS_PATH).await.unwrap().unwrap();
    assert!(after_sale >= created);
    s.skip(Duration::from_millis(20));
    s.otp(&payment_id, "123456").await;
    let after_code = s.app.db().last_gate_request_at(&payment_id, checkout_server::gate::STATUS_PATH).await.unwrap().unwrap();
    assert!(after_code.0 >= after_sale.0 + 20, "the clarification counts: {after_sale:?} -> {after_code:?}");
    s.until_state(&payment_id, "succeeded").await;
    // A status request is not a request the next status request waits for.
    s.app.confirm_status(&payment_id).await.unwrap();
    assert_eq!(s.app.db().last_gate_request_at(&payment_id, checkout_server::gate::STATUS_PATH).await.unwrap(), Some(after_code));
}

both!(
    status_requests_wait_after_the_latest_accepted_request,
    a_customer_pays_by_phone_and_code,
    a_double_click_makes_one_payment,
    a_payment_is_reached_only_through_its_own_session,
    a_wrong_code_then_the_right_one,
    resend_is_refused_early_then_works_and_stops_at_three,
    an_expired_code_is_reported_and_a_new_one_pays,
    a_decline_carries_the_platforms_code_and_a_new_attempt_is_possible,
    a_gate_rejection_fails_the_payment_with_its_reason,
    duplicate_and_late_callbacks_do_not_change_the_result,
    lost_callbacks_are_reconciled_by_the_status_request,
    a_lost_code_prompt_is_asked_about_within_seconds_not_a_minute,
    the_resend_quirk_never_shows_a_false_decline,
    a_forged_callback_is_refused_logged_and_never_applied,
    refunds_partial_then_full_never_more_than_paid,
    two_quick_refunds_cannot_together_exceed_the_payment,
    array_bodies_are_refused_and_refund_nothing,
    strangers_callbacks_are_kept_short_and_limited,
    five_wrong_codes_use_up_the_code_and_only_a_new_one_pays,
    a_payout_reaches_its_result,
    payment_page_parameters_verify_on_the_sandbox_page_and_pay,
    a_cash_deposit_at_a_terminal_shows_up_in_the_session,
    demo_orders_each_get_their_own_terminal_deposits,
    live_events_stream_each_state_until_the_end,
    a_payout_session_pays_out_to_the_customers_phone,
);
