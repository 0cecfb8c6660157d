//! `Idempotency-Key` on the admin writes (issue 32): a shop's server that lost an answer and
//! sends the request again moves no money twice. Real parallel requests over sockets, replays
//! across a restart, a key reused for another request, and a run taken over from a holder that
//! died, on SQLite and PostgreSQL.

mod common;

use std::time::Duration;

use checkout_server::idempotency;
use common::*;
use futures_util::future::join_all;
use serde_json::{json, Value};

/// An admin POST with `key`: status, whether it was a replay, and the body.
async fn keyed(s: &Stack, path: &str, key: &str, body: &Value) -> (u16, bool, Value) {
    let response = s.http.post(format!("{}{path}", s.server)).bearer_auth(ADMIN).header("Idempotency-Key", key).json(body).send().await.unwrap();
    let status = response.status().as_u16();
    let replayed = response.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
    (status, replayed, response.json().await.unwrap_or(Value::Null))
}

/// Twenty copies of one request at once: each is the first run, a replay of it, or told the
/// first is still running. Returns the first run's answer.
async fn storm_of_one_key(s: &Stack, path: &str, key: &str, body: &Value, created: u16) -> Value {
    let answers = join_all((0..20).map(|_| keyed(s, path, key, body))).await;
    let firsts: Vec<&Value> = answers.iter().filter(|(status, replayed, _)| *status == created && !replayed).map(|(_, _, body)| body).collect();
    assert_eq!(firsts.len(), 1, "one request ran: {answers:?}");
    for (status, replayed, answer) in &answers {
        match (*status, *replayed) {
            (status, true) if status == created => assert_eq!(answer, firsts[0], "a replay answers the first answer"),
            (status, false) if status == created => {}
            (409, false) => {
                assert_eq!(answer["error"]["code"], "idempotency_in_progress", "{answer}");
                assert!(answer["error"]["retry_after_s"].as_u64().is_some_and(|s| (1..=2).contains(&s)), "{answer}");
            }
            other => panic!("unexpected answer {other:?}"),
        }
    }
    // Asked again once it is done: the same answer, marked as a replay.
    let (status, replayed, again) = keyed(s, path, key, body).await;
    assert_eq!((status, replayed, &again), (created, true, firsts[0]));
    firsts[0].clone()
}

fn refunds_sent(calls: &[checkout_server::db::GateCallRow]) -> usize {
    calls.iter().filter(|call| call.endpoint == "/v2/payment/mobile/refund").count()
}

async fn twenty_refunds_with_one_key_refund_once_even_after_a_restart(store: Store) {
    let url = store.fresh().await;
    let sandbox_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = format!("http://{}", sandbox_listener.local_addr().unwrap());
    let tuning = Tuning::default();
    let s = Stack::backend_on(&url, &sandbox, &tuning).await;
    start_sandbox(sandbox_listener, &s.server, &tuning);
    let payment_id = s.paid().await;
    let path = format!("/admin/payments/{payment_id}/refunds");
    let key = format!("refund-{}", rand_suffix());
    let first = storm_of_one_key(&s, &path, &key, &json!({ "amount": 10_000 }), 202).await;
    assert_eq!(first["payment_id"], payment_id.as_str());
    assert_eq!(refunds_sent(&s.app.db().gate_calls_of(&payment_id).await.unwrap()), 1, "one refund reached the platform");

    // The same key for another amount: refused, and nothing is sent.
    let (status, _, reused) = keyed(&s, &path, &key, &json!({ "amount": 20_000 })).await;
    assert_eq!((status, reused["error"]["code"].as_str()), (422, Some("idempotency_key_reused")), "{reused}");

    // Another instance on the same database (the first restarted, or its neighbour): the key is
    // remembered there too.
    let other = Stack::backend_on(&url, &sandbox, &tuning).await;
    let (status, replayed, again) = keyed(&other, &path, &key, &json!({ "amount": 10_000 })).await;
    assert_eq!((status, replayed, &again), (202, true, &first));
    s.until(&payment_id, |v| v["state"] == "partially_refunded").await;
    assert_eq!(refunds_sent(&s.app.db().gate_calls_of(&payment_id).await.unwrap()), 1);
    assert_eq!(s.platform_payment(&payment_id).await["remaining"], 90_000, "10 000 refunded, once");
    let ledger = s.app.db().refunds_of(&payment_id).await.unwrap();
    assert_eq!(ledger.len(), 1, "{ledger:?}");

    // A new key is a new refund.
    let (status, replayed, _) = keyed(&other, &path, &format!("refund-{}", rand_suffix()), &json!({ "amount": 10_000 })).await;
    assert_eq!((status, replayed), (202, false));
    assert_eq!(refunds_sent(&s.app.db().gate_calls_of(&payment_id).await.unwrap()), 2);
}

async fn twenty_payouts_with_one_key_pay_out_once(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let customer_id = format!("payee-{}", rand_suffix());
    let customer = json!({ "id": customer_id, "first_name": "Aigerim", "last_name": "Nurlanova", "email": "aigerim@example.kz" });
    let body = json!({ "amount": 20_000, "currency": "KZT", "customer": customer, "phone": "+7 775 123 45 67", "operator": "KCELL" });
    let key = format!("payout-{}", rand_suffix());
    let first = storm_of_one_key(&s, "/admin/payouts", &key, &body, 202).await;
    assert_eq!(first["kind"], "payout");
    let (status, _, reused) = keyed(
        &s,
        "/admin/payouts",
        &key,
        &json!({ "amount": 30_000, "currency": "KZT", "customer": customer, "phone": "+7 775 123 45 67", "operator": "KCELL" }),
    )
    .await;
    assert_eq!((status, reused["error"]["code"].as_str()), (422, Some("idempotency_key_reused")), "{reused}");
    // The body is the same request with its keys in another order: a replay, not a reuse.
    let reordered = json!({ "operator": "KCELL", "phone": "+7 775 123 45 67", "customer": customer, "currency": "KZT", "amount": 20_000 });
    let (status, replayed, again) = keyed(&s, "/admin/payouts", &key, &reordered).await;
    assert_eq!((status, replayed, &again), (202, true, &first));
    s.until_state(first["payment_id"].as_str().unwrap(), "succeeded").await;
    let at_platform = s.platform_payments(&customer_id).await;
    assert_eq!(at_platform.len(), 1, "one payout reached the platform: {at_platform:?}");
}

async fn twenty_session_creations_with_one_key_open_one_session(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let order = format!("order-{}", rand_suffix());
    let customer =
        json!({ "id": format!("cust-{}", rand_suffix()), "first_name": "Aigerim", "last_name": "Nurlanova", "email": "aigerim@example.kz" });
    let body = json!({ "amount": 100_000, "currency": "KZT", "customer": customer, "reference": order });
    let key = format!("session-{}", rand_suffix());
    let first = storm_of_one_key(&s, "/admin/sessions", &key, &body, 201).await;
    let (_, found) = s.admin_get(&format!("/admin/sessions?reference={order}")).await;
    let tokens: Vec<&Value> = found.as_array().unwrap().iter().map(|f| &f["session"]).collect();
    assert_eq!(tokens, [&first["session"]], "one session for the order");
    let (status, _, reused) = keyed(&s, "/admin/sessions", &key, &json!({ "amount": 5, "currency": "KZT", "customer": customer })).await;
    assert_eq!((status, reused["error"]["code"].as_str()), (422, Some("idempotency_key_reused")));
    // The same key on another write is another request too.
    let (status, _, reused) = keyed(&s, "/admin/payouts", &key, &body).await;
    assert_eq!((status, reused["error"]["code"].as_str()), (422, Some("idempotency_key_reused")));
}

async fn a_request_refused_before_it_ran_leaves_its_key_free_and_a_bad_key_is_refused(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let payment_id = s.paid().await;
    let path = format!("/admin/payments/{payment_id}/refunds");
    let key = format!("refund-{}", rand_suffix());
    // Too much: refused before anything was reserved, so the corrected request may use the key.
    let (status, _, refused) = keyed(&s, &path, &key, &json!({ "amount": 500_000 })).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (409, Some("refund_exceeds_payment")), "{refused}");
    let (status, replayed, _) = keyed(&s, &path, &key, &json!({ "amount": 5_000 })).await;
    assert_eq!((status, replayed), (202, false), "the key was not kept for a refused request");

    for bad in [String::new(), "k".repeat(256)] {
        let (status, _, answer) = keyed(&s, &path, &bad, &json!({ "amount": 5_000 })).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("idempotency_key_invalid")), "{bad:?}: {answer}");
    }
    // Without the admin token nothing is claimed: the key still runs for the shop afterwards.
    let fresh = format!("refund-{}", rand_suffix());
    let stranger =
        s.http.post(format!("{}{path}", s.server)).header("Idempotency-Key", &fresh).json(&json!({ "amount": 5_000 })).send().await.unwrap();
    assert_eq!(stranger.status().as_u16(), 401);
    let (status, replayed, _) = keyed(&s, &path, &fresh, &json!({ "amount": 5_000 })).await;
    assert_eq!((status, replayed), (202, false));
    assert_eq!(refunds_sent(&s.app.db().gate_calls_of(&payment_id).await.unwrap()), 2, "the two refunds that ran, each once");
}

/// The first request with a key reserved and sent its refund, then its instance died before
/// storing the answer. Once the lease ends, the shop's retry runs again under the same claim:
/// the refund row it finds stops a second refund.
async fn a_retry_after_the_holder_died_finds_the_refund_it_made(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let payment_id = s.paid().await;
    let path = format!("/admin/payments/{payment_id}/refunds");
    let key = format!("refund-{}", rand_suffix());
    let body = json!({ "amount": 10_000 });
    let fingerprint = idempotency::fingerprint(&axum::http::Method::POST, &path, body.to_string().as_bytes());
    let claim = match s.app.db().claim_idempotency_key(&key, &fingerprint, s.app.now(), idempotency::LEASE).await.unwrap() {
        checkout_server::db::KeyClaim::Run { claim, .. } => claim,
        other => panic!("{other:?}"),
    };
    s.app.refund(&payment_id, Some(10_000), None, Some(&claim)).await.unwrap();
    assert_eq!(refunds_sent(&s.app.db().gate_calls_of(&payment_id).await.unwrap()), 1);

    // While the lease runs, the retry is told to wait.
    let (status, _, waiting) = keyed(&s, &path, &key, &body).await;
    assert_eq!((status, waiting["error"]["code"].as_str()), (409, Some("idempotency_in_progress")));
    s.skip(Duration::from_secs(61));
    let (status, replayed, answer) = keyed(&s, &path, &key, &body).await;
    assert_eq!((status, replayed, answer["payment_id"].as_str()), (202, false, Some(payment_id.as_str())), "{answer}");
    assert_eq!(refunds_sent(&s.app.db().gate_calls_of(&payment_id).await.unwrap()), 1, "not sent a second time");
    assert_eq!(s.app.db().refunds_of(&payment_id).await.unwrap().len(), 1);
    let (status, replayed, again) = keyed(&s, &path, &key, &body).await;
    assert_eq!((status, replayed, &again), (202, true, &answer));

    // A day later the key is forgotten (the reconciler's pass purges the day-old keys): it makes
    // a new refund.
    s.skip(Duration::from_secs(24 * 3600));
    assert!(s.app.db().idempotency_keys_kept().await.unwrap() >= 1);
    checkout_server::service::reconcile_once(&s.app, s.app.now()).await.unwrap();
    assert_eq!(s.app.db().idempotency_keys_kept().await.unwrap(), 0, "day-old keys are purged");
    let (status, replayed, _) = keyed(&s, &path, &key, &body).await;
    assert_eq!((status, replayed), (202, false));
    assert_eq!(refunds_sent(&s.app.db().gate_calls_of(&payment_id).await.unwrap()), 2);
}

both!(
    twenty_refunds_with_one_key_refund_once_even_after_a_restart,
    twenty_payouts_with_one_key_pay_out_once,
    twenty_session_creations_with_one_key_open_one_session,
    a_request_refused_before_it_ran_leaves_its_key_free_and_a_bad_key_is_refused,
    a_retry_after_the_holder_died_finds_the_refund_it_made,
);
