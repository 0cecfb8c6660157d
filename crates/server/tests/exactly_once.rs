//! Money moves exactly once: storms of parallel requests over real sockets, replays of genuine
//! callbacks and `check_deposit` requests, and a platform outage, on SQLite and PostgreSQL. Each
//! test counts what the platform (the sandbox) received, not only what the backend says.

mod common;

use std::time::Duration;

use checkout_protocol::signature::sign;
use checkout_server::service::reconcile_once;
use common::*;
use futures_util::future::join_all;
use serde_json::{json, Value};
use tokio::net::TcpListener;

/// `n` copies of the same POST, all in flight at once.
async fn storm(s: &Stack, n: usize, path: &str, body: &Value) -> Vec<(u16, Value)> {
    join_all((0..n).map(|_| s.post(path, body))).await
}

fn ids(answers: &[(u16, Value)]) -> Vec<String> {
    let mut ids: Vec<String> = answers.iter().filter_map(|(_, v)| v["payment_id"].as_str().map(str::to_owned)).collect();
    ids.sort();
    ids.dedup();
    ids
}

async fn two_hundred_parallel_starts_send_one_sale_and_one_payout(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    for (method, route) in [("mobile", "mobile-payments"), ("payout", "payouts")] {
        let customer = format!("storm-{method}-{}", rand_suffix());
        let session = s.session_of(&customer, &[method]).await;
        let answers = storm(&s, 200, &format!("/api/sessions/{session}/{route}"), &json!({ "operator": "KCELL", "phone": "77012345678" })).await;
        assert!(answers.iter().all(|(status, _)| *status == 200 || *status == 201), "{:?}", answers.iter().find(|(s, _)| *s >= 300));
        assert_eq!(answers.iter().filter(|(status, _)| *status == 201).count(), 1, "one request creates, the others get its payment");
        assert_eq!(ids(&answers).len(), 1, "every answer names the same payment");
        let sent = s.platform_payments(&customer).await;
        assert_eq!(sent.len(), 1, "{method}: the platform received {} operations", sent.len());
    }
}

async fn mixed_methods_in_parallel_leave_one_payment_at_the_platform(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let customer = format!("mixed-{}", rand_suffix());
    let session = s.session_of(&customer, &["mobile", "payment_page"]).await;
    let mobile = format!("/api/sessions/{session}/mobile-payments");
    let page = format!("/api/sessions/{session}/payment-page");
    let phone = json!({ "operator": "KCELL", "phone": "77012345678" });
    let empty = json!({});
    let answers = join_all((0..100).map(|n| if n % 2 == 0 { s.post(&mobile, &phone) } else { s.post(&page, &empty) })).await;
    for (status, answer) in &answers {
        assert!([200, 201, 409].contains(status), "{status} {answer}");
        if *status == 409 {
            assert_eq!(answer["error"]["code"], "payment_in_progress", "{answer}");
        }
    }
    let payments = s.app.db().payments_of_session(&session).await.unwrap();
    let running: Vec<_> = payments.iter().filter(|p| !matches!(p.machine.status().name(), "declined" | "failed")).collect();
    assert_eq!(running.len(), 1, "one payment runs: {:?}", payments.iter().map(|p| (&p.via, p.machine.status().name())).collect::<Vec<_>>());
    assert!(s.platform_payments(&customer).await.len() <= 1, "at most one sale reached the platform");
}

async fn another_method_cannot_pay_a_session_twice(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let customer = format!("switch-{}", rand_suffix());
    let session = s.session_of(&customer, &["mobile", "payment_page"]).await;
    let payment_id = s.pay(&session, "77000000000").await;
    s.until_state(&payment_id, "awaiting_otp").await;
    let (status, refused) = s.post(&format!("/api/sessions/{session}/payment-page"), &json!({})).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (409, Some("payment_in_progress")), "{refused}");
    s.otp(&payment_id, "123456").await;
    s.until_state(&payment_id, "succeeded").await;
    let (status, paid) = s.post(&format!("/api/sessions/{session}/payment-page"), &json!({})).await;
    assert_eq!((status, paid["error"]["code"].as_str()), (409, Some("already_paid")), "{paid}");
    assert_eq!(s.platform_payments(&customer).await.len(), 1);
}

async fn a_payment_page_left_unpaid_gives_way_to_the_phone_payment(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["payment_page", "mobile"]).await;
    let (status, page) = s.post(&format!("/api/sessions/{session}/payment-page"), &json!({})).await;
    assert_eq!(status, 200, "{page}");
    // The platform never heard of the page's payment: it is confirmed abandoned, then replaced.
    let (status, mobile) = s.post(&format!("/api/sessions/{session}/mobile-payments"), &json!({ "operator": "KCELL", "phone": "77000000000" })).await;
    assert_eq!(status, 201, "{mobile}");
    let abandoned = s.get(&s.pay_path(page["payment_id"].as_str().unwrap(), "").await).await.1;
    assert_eq!((abandoned["state"].as_str(), abandoned["code"].as_str()), (Some("failed"), Some("abandoned")));
    let (_, view) = s.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(view["payment"]["payment_id"], mobile["payment_id"], "the session shows the running payment");
    // A success reported later for the abandoned one is the platform's word about money: it is
    // applied (the abandonment was only our conclusion), but it does not take the session from
    // the running phone payment (`duplicates.rs` has what happens when both are paid).
    let mut late = json!({ "project_id": PROJECT, "payment": { "id": page["payment_id"], "type": "purchase", "status": "success" },
        "operation": { "id": 1, "type": "sale", "status": "success", "code": "0", "request_id": "late-1" } });
    late["signature"] = json!(sign(&late, SECRET));
    assert_eq!(s.post("/callbacks/gate", &late).await.0, 200);
    let after = s.get(&s.pay_path(page["payment_id"].as_str().unwrap(), "").await).await.1;
    assert_eq!(after["state"], "succeeded", "{after}");
    assert_eq!(s.get(&format!("/api/sessions/{session}")).await.1["payment"]["payment_id"], mobile["payment_id"]);
}

/// A decision made on a copy of the payment that another writer has since moved on from is made
/// again on the current one, a "no change" as much as a change: nothing is dropped.
async fn a_no_op_decided_on_a_stale_copy_is_decided_again(store: Store) {
    use checkout_protocol::Event;
    use checkout_server::db::{Also, Applied, Applying, EventSource};
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    let payment_id = s.pay(&session, "77000000000").await;
    s.until_state(&payment_id, "awaiting_otp").await;
    // A handler reads the payment while it waits for the code...
    let stale = s.app.db().payment(&payment_id).await.unwrap().unwrap();
    // ...another commits the code's submission...
    s.app.apply(&payment_id, &Event::OtpSubmitted { attempt: 1 }, EventSource::Widget).await.unwrap();
    // ...and then the first applies "Gate refused that code": on its copy (still waiting for a
    // code) a no-op, on the payment as it is now the try given back.
    let applied = s
        .app
        .db()
        .apply_from(
            Some(stale),
            &Applying {
                payment_id: &payment_id,
                event: &Event::OtpSubmissionFailed { attempt: 1 },
                source: EventSource::Gate,
                at: s.app.now(),
                also: &Also::default(),
            },
        )
        .await;
    let Ok(Some(Applied::Recorded(record, changed))) = applied else { panic!("{applied:?}") };
    assert!(changed, "decided on the current payment, not the stale copy");
    assert_eq!(record.machine.status().name(), "awaiting_otp");
    assert_eq!(s.app.payment(&payment_id).await.unwrap().machine.status().name(), "awaiting_otp");
}

async fn thirty_parallel_right_codes_reach_gate_once(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    let payment_id = s.pay(&session, "77000000000").await;
    s.until_state(&payment_id, "awaiting_otp").await;
    let answers = storm(&s, 30, &s.pay_path(&payment_id, "/otp").await, &json!({ "code": "123456" })).await;
    assert_eq!(answers.iter().filter(|(status, _)| *status == 202).count(), 1, "{answers:?}");
    for (status, answer) in answers.iter().filter(|(status, _)| *status != 202) {
        // Being checked, or (for the slowest) already paid.
        assert_eq!(*status, 409, "{answer}");
        assert!(["otp_already_submitted", "not_awaiting_otp"].contains(&answer["error"]["code"].as_str().unwrap()), "{answer}");
    }
    s.until_state(&payment_id, "succeeded").await;
    assert_eq!(s.platform_payment(&payment_id).await["otp_attempts"], 1, "one clarification reached the platform");
    let clarifications =
        s.app.db().gate_calls_of(&payment_id).await.unwrap().into_iter().filter(|call| call.endpoint == "/v2/payment/clarification").count();
    assert_eq!(clarifications, 1);
    let states: Vec<Value> =
        s.app.db().events_of(&payment_id).await.unwrap().into_iter().filter(|e| e.changed).map(|e| e.event["event"].clone()).collect();
    assert!(!states.iter().any(|e| e == "otp_submission_failed"), "no refusal moved it back: {states:?}");
}

/// A code submission replayed after its attempt was answered (a client's retry, a second tab, a
/// slow copy of a storm) names the attempt it answers, so it is not a new try: it is refused and
/// the platform hears the code once.
async fn a_code_replayed_after_its_answer_is_not_sent_again(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    let payment_id = s.pay(&session, "77000000000").await;
    let first = s.until_state(&payment_id, "awaiting_otp").await;
    let path = s.pay_path(&payment_id, "/otp").await;
    let submission = json!({ "code": "111111", "attempt": first["attempt"] });
    assert_eq!(s.post(&path, &submission).await.0, 202);
    let answered = s.until(&payment_id, |v| v["state"] == "awaiting_otp" && v["last_error"] == "wrong_code").await;
    let (status, replay) = s.post(&path, &submission).await;
    assert_eq!((status, replay["error"]["code"].as_str()), (409, Some("otp_already_submitted")), "{replay}");
    let after = s.get(&s.pay_path(&payment_id, "").await).await.1;
    assert_eq!((&after["version"], &after["attempt"]), (&answered["version"], &answered["attempt"]), "the replay changed {after}");
    assert_eq!(s.platform_payment(&payment_id).await["otp_attempts"], 1, "one clarification reached the platform");
}

async fn fifty_parallel_refunds_never_forward_more_than_was_paid(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let payment_id = s.paid().await;
    let refunds = format!("/admin/payments/{payment_id}/refunds");
    let ten_thousand = json!({ "amount": 10_000 });
    let answers = join_all((0..50).map(|_| s.admin(&refunds, &ten_thousand))).await;
    let accepted = answers.iter().filter(|(status, _)| *status == 202).count();
    assert_eq!(accepted, 10, "ten refunds of 10 000 fit in 100 000: {answers:?}");
    for (status, answer) in answers.iter().filter(|(status, _)| *status != 202) {
        // Too much while refunds are in flight, or nothing left once they are done.
        assert_eq!(*status, 409, "{answer}");
        assert!(["refund_exceeds_payment", "not_refundable"].contains(&answer["error"]["code"].as_str().unwrap()), "{answer}");
    }
    let forwarded =
        s.app.db().gate_calls_of(&payment_id).await.unwrap().into_iter().filter(|call| call.endpoint == "/v2/payment/mobile/refund").count();
    assert_eq!(forwarded, 10, "never more forwarded to the platform than captured");
    let refunded = s.until_state(&payment_id, "refunded").await;
    assert_eq!(refunded["amount"], 100_000);
    assert_eq!(s.platform_payment(&payment_id).await["remaining"], 0);
}

/// The signed callbacks the sandbox recorded for a payment, in order.
async fn recorded_callbacks(s: &Stack, payment_id: &str) -> Vec<Value> {
    s.platform_payment(payment_id).await["callbacks"].as_array().unwrap().iter().map(|c| c["body"].clone()).collect()
}

async fn until_recorded(s: &Stack, payment_id: &str, count: usize) -> Vec<Value> {
    for _ in 0..500 {
        let callbacks = recorded_callbacks(s, payment_id).await;
        if callbacks.len() >= count {
            return callbacks;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the sandbox never recorded {count} callbacks for {payment_id}");
}

async fn changes_from(s: &Stack, payment_id: &str, source: &str) -> usize {
    s.app.db().events_of(payment_id).await.unwrap().iter().filter(|e| e.source == source && e.changed).count()
}

async fn a_callback_replayed_fifty_times_changes_the_payment_once(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    // This phone's callbacks are recorded by the sandbox and never delivered: we deliver them.
    let payment_id = s.pay(&session, "77000000006").await;
    let prompt = until_recorded(&s, &payment_id, 1).await.remove(0);
    let answers = storm(&s, 50, "/callbacks/gate", &prompt).await;
    assert!(answers.iter().all(|(status, _)| *status == 200), "every copy is acknowledged: {answers:?}");
    assert_eq!(s.get(&s.pay_path(&payment_id, "").await).await.1["state"], "awaiting_otp");
    assert_eq!(changes_from(&s, &payment_id, "callback").await, 1);
    assert_eq!(s.app.db().callbacks_of(&payment_id).await.unwrap().len(), 1, "recorded once");
}

async fn the_code_prompt_replayed_after_the_code_changes_nothing(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    let payment_id = s.pay(&session, "77000000006").await;
    let prompt = until_recorded(&s, &payment_id, 1).await.remove(0);
    assert_eq!(s.post("/callbacks/gate", &prompt).await.0, 200);
    s.until_state(&payment_id, "awaiting_otp").await;
    assert_eq!(s.otp(&payment_id, "123456").await.0, 202);
    // The platform retries the prompt (or someone replays it) after the right code was sent.
    for (status, _) in storm(&s, 10, "/callbacks/gate", &prompt).await {
        assert_eq!(status, 200);
    }
    let view = s.get(&s.pay_path(&payment_id, "").await).await.1;
    assert_eq!(view["state"], "processing", "still checking the code: {view}");
    assert!(view["last_error"].is_null(), "{view}");
    // The outcome the platform recorded settles it.
    let outcome = until_recorded(&s, &payment_id, 2).await.remove(1);
    assert_eq!(s.post("/callbacks/gate", &outcome).await.0, 200);
    s.until_state(&payment_id, "succeeded").await;
    let states: Vec<Value> =
        s.app.db().events_of(&payment_id).await.unwrap().into_iter().filter(|e| e.changed).map(|e| e.event["event"].clone()).collect();
    assert_eq!(states, ["otp_required", "otp_submitted", "completed"], "no regression to awaiting_otp");
}

fn check_deposit(customer_id: &str, amount: u64) -> Value {
    let mut request = json!({ "type": "check_deposit", "project_id": PROJECT, "customer_id": customer_id, "amount": amount, "currency": "KZT", "payment_method": "kassa24" });
    request["signature"] = json!(sign(&request, SECRET));
    request
}

async fn a_replayed_check_deposit_credits_the_customer_once(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let customer = format!("cash-{}", rand_suffix());
    let session = s.session_of(&customer, &["cash_in"]).await;
    let answers = storm(&s, 50, "/webservice/cash-in", &check_deposit(&customer, 500_000)).await;
    assert!(answers.iter().all(|(status, answer)| *status == 200 && answer["code"] == 0), "{answers:?}");
    let deposit_ids = ids(&answers);
    assert_eq!(deposit_ids.len(), 1, "while it is pending, a repeat gets the same deposit: {deposit_ids:?}");
    // The terminal pays the same amount: the pending deposit is the one the platform credits.
    let paid: Value = s
        .http
        .post(format!("{}/sandbox/terminal/pay", s.sandbox))
        .json(&json!({ "customer_id": customer, "amount": 500_000, "project_id": PROJECT }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(paid["payment_id"].as_str(), Some(deposit_ids[0].as_str()), "{paid}");
    s.until_state(&deposit_ids[0], "succeeded").await;
    let credit = until_recorded(&s, &deposit_ids[0], 1).await.remove(0);
    for (status, _) in storm(&s, 20, "/callbacks/gate", &credit).await {
        assert_eq!(status, 200);
    }
    assert_eq!(changes_from(&s, &deposit_ids[0], "callback").await, 1, "credited once");
    let (_, view) = s.get(&format!("/api/sessions/{session}")).await;
    let deposits = view["deposits"].as_array().unwrap();
    assert_eq!(deposits.len(), 1, "{view}");
    assert_eq!((deposits[0]["state"].as_str(), deposits[0]["amount"].as_u64()), (Some("succeeded"), Some(500_000)));
    // Once credited, a new deposit of the same amount is a new payment.
    let (_, again) = s.post("/webservice/cash-in", &check_deposit(&customer, 500_000)).await;
    assert_ne!(again["payment_id"].as_str(), Some(deposit_ids[0].as_str()), "{again}");
}

async fn a_sale_that_never_reached_the_platform_is_retried_at_once(store: Store) {
    // The platform is down: its port is known but nothing listens there yet.
    let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let sandbox = format!("http://{port}");
    let tuning = Tuning::default();
    let s = Stack::backend(store, &sandbox, &tuning).await;
    let customer = format!("outage-{}", rand_suffix());
    let session = s.session_of(&customer, &["mobile"]).await;
    let path = format!("/api/sessions/{session}/mobile-payments");
    let body = json!({ "operator": "KCELL", "phone": "77000000000" });
    let (status, down) = s.post(&path, &body).await;
    assert_eq!((status, down["error"]["code"].as_str()), (502, Some("gate_unavailable")), "{down}");
    let (_, view) = s.get(&format!("/api/sessions/{session}")).await;
    assert!(view["payment"].is_null(), "a payment never sent is not the session's payment: {view}");
    let unsent = s.app.db().payments_of_session(&session).await.unwrap();
    assert_eq!(unsent.len(), 1);
    assert_eq!(serde_json::to_value(unsent[0].machine.status()).unwrap()["code"], "not_sent", "recorded as never sent");

    // The platform is back: the retry is a fresh attempt, sent at once.
    start_sandbox(TcpListener::bind(port).await.unwrap(), &s.server, &tuning);
    let (status, retry) = s.post(&path, &body).await;
    assert_eq!(status, 201, "{retry}");
    assert_ne!(retry["payment_id"].as_str(), Some(unsent[0].payment_id.as_str()));
    s.until_state(retry["payment_id"].as_str().unwrap(), "awaiting_otp").await;
    assert_eq!(s.platform_payments(&customer).await.len(), 1);
}

async fn a_silent_payment_is_reconciled_once_across_instances(store: Store) {
    let sandbox_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = format!("http://{}", sandbox_listener.local_addr().unwrap());
    let tuning = Tuning::default();
    let url = store.fresh().await;
    let a = Stack::backend_on(&url, &sandbox, &tuning).await;
    let b = Stack::backend_on(&url, &sandbox, &tuning).await;
    start_sandbox(sandbox_listener, &a.server, &tuning);
    let session = a.session(&["mobile"]).await;
    // No callback ever comes for this phone: only a status request can tell.
    let payment_id = a.pay(&session, "77000000006").await;
    while a.platform_payment(&payment_id).await["status"] != "awaiting clarification" {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Both passes at the moment this payment's silence runs out (a customer watches it, so the
    // watched silence applies): whichever loads it after the other's claim sees it just heard of.
    let later = a.app.now() + checkout_protocol::time::Millis::from_duration(checkout_server::service::WATCHED_SILENCE);
    let (ra, rb) = tokio::join!(reconcile_once(&a.app, later), reconcile_once(&b.app, later));
    ra.unwrap();
    rb.unwrap();
    let asked = a.app.db().gate_calls_of(&payment_id).await.unwrap().into_iter().filter(|call| call.endpoint == "/v2/payment/status").count();
    assert_eq!(asked, 1, "two instances, one status request");
    assert_eq!(b.get(&b.pay_path(&payment_id, "").await).await.1["state"], "awaiting_otp", "the answer was applied");
    // And the reconciler's lease: one holder at a time, renewable by it, free once expired.
    let at = a.app.now();
    let until = at + checkout_protocol::time::Millis(30_000);
    let (la, lb) = tokio::join!(a.app.db().try_lease("test", "a", at, until), b.app.db().try_lease("test", "b", at, until));
    assert!(la.unwrap() ^ lb.unwrap(), "exactly one instance holds the lease");
    let after = until + checkout_protocol::time::Millis(1);
    assert!(a.app.db().try_lease("test", "c", after, after + checkout_protocol::time::Millis(30_000)).await.unwrap(), "an expired lease is free");
}

both!(
    a_silent_payment_is_reconciled_once_across_instances,
    two_hundred_parallel_starts_send_one_sale_and_one_payout,
    mixed_methods_in_parallel_leave_one_payment_at_the_platform,
    another_method_cannot_pay_a_session_twice,
    a_payment_page_left_unpaid_gives_way_to_the_phone_payment,
    a_no_op_decided_on_a_stale_copy_is_decided_again,
    thirty_parallel_right_codes_reach_gate_once,
    a_code_replayed_after_its_answer_is_not_sent_again,
    fifty_parallel_refunds_never_forward_more_than_was_paid,
    a_callback_replayed_fifty_times_changes_the_payment_once,
    the_code_prompt_replayed_after_the_code_changes_nothing,
    a_replayed_check_deposit_credits_the_customer_once,
    a_sale_that_never_reached_the_platform_is_retried_at_once,
);
