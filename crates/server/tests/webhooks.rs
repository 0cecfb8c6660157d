//! Webhooks to the shop's server (issue 32): every outcome pushed, signed, and verified by the
//! README's verifiers in Python, Node and PHP against the real deliveries; retried until a 2xx
//! with one event id; a hanging shop slows no payment; the feed and redelivery; two instances
//! and an instance that died holding events. On SQLite and PostgreSQL, over real sockets.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::shop_endpoint::{Answer, Received, ShopEndpoint, WEBHOOK_SECRET};
use common::*;
use futures_util::future::join_all;
use serde_json::{json, Value};

/// The README's verifiers, each run as a shop would run it on a delivery it received.
fn verified_by_each_language(delivery: &Received) -> Vec<(String, String)> {
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/webhooks");
    let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("webhook-{}.json", rand_suffix()));
    std::fs::write(&file, &delivery.body).unwrap();
    let verdicts = [("python3", "verify.py"), ("node", "verify.js"), ("php", "verify.php")]
        .iter()
        .map(|(program, script)| {
            let output = std::process::Command::new(program)
                .arg(examples.join(script))
                .arg(&file)
                .arg(&delivery.signature)
                .env("CHECKOUT_WEBHOOK_SECRET", WEBHOOK_SECRET)
                .output()
                .unwrap_or_else(|e| panic!("{program} cannot run ({e}): make bootstrap installs it"));
            (program.to_string(), String::from_utf8_lossy(&output.stdout).trim().to_owned())
        })
        .collect();
    let _ = std::fs::remove_file(&file);
    verdicts
}

/// A payment the platform refuses at once (the sandbox's Altel number for it): one
/// `payment.failed` event per call.
async fn refused_at_once(s: &Stack) -> String {
    let session = s.session(&["mobile"]).await;
    let (status, view) = s.post(&format!("/api/sessions/{session}/mobile-payments"), &json!({ "operator": "ALTEL", "phone": "77000000003" })).await;
    assert_eq!((status, view["state"].as_str()), (201, Some("failed")), "{view}");
    view["payment_id"].as_str().unwrap().to_owned()
}

/// Room for the storms below: one test address starts hundreds of payments.
fn roomy() -> checkout_server::config::AddressLimits {
    checkout_server::config::AddressLimits { payments: 10_000, sessions: 10_000, ..checkout_server::config::AddressLimits::DEFAULT }
}

fn customer(id: &str) -> Value {
    json!({ "id": id, "first_name": "Aigerim", "last_name": "Nurlanova", "email": "aigerim@example.kz" })
}

async fn ordered_session(s: &Stack, order: &str, methods: &[&str]) -> String {
    let body = json!({ "amount": 100_000, "currency": "KZT", "methods": methods, "customer": customer(&format!("c-{}", rand_suffix())),
        "reference": order, "metadata": { "channel": "web" } });
    let (status, created) = s.admin("/admin/sessions", &body).await;
    assert_eq!(status, 201, "{created}");
    created["session"].as_str().unwrap().to_owned()
}

async fn every_outcome_reaches_the_shop_signed_and_three_languages_verify_it(store: Store) {
    let shop = ShopEndpoint::start().await;
    let s = Stack::start(store, Tuning { webhook: Some(shop.config(0.001)), ..Tuning::default() }).await;
    let order = format!("order-{}", rand_suffix());

    // Paid: the order's reference and notes come with it.
    let session = ordered_session(&s, &order, &["mobile"]).await;
    let paid = s.pay(&session, "77000000000").await;
    s.until_state(&paid, "awaiting_otp").await;
    s.otp(&paid, "123456").await;
    let succeeded = shop.event("payment.succeeded", &paid).await.json();
    assert_eq!(succeeded["data"]["payment"]["state"], "succeeded");
    assert_eq!(
        succeeded["data"]["session"],
        json!({ "session": session, "reference": order, "metadata": { "channel": "web" }, "amount": 100_000, "currency": "KZT" })
    );
    assert!(succeeded["id"].as_str().unwrap().starts_with("evt_"), "{succeeded}");

    // Refunded in part by the shop.
    assert_eq!(s.admin(&format!("/admin/payments/{paid}/refunds"), &json!({ "amount": 30_000 })).await.0, 202);
    let refunded = shop.event("refund.succeeded", &paid).await.json();
    assert_eq!(refunded["data"]["refund"], json!({ "amount": 30_000, "reason": null }));
    assert_eq!(refunded["data"]["payment"]["state"], "partially_refunded");

    // A refund the platform declines (the sandbox's number for it).
    let stubborn_session = ordered_session(&s, &order, &["mobile"]).await;
    let stubborn = s.pay(&stubborn_session, "77000000008").await;
    s.until_state(&stubborn, "awaiting_otp").await;
    s.otp(&stubborn, "123456").await;
    s.until_state(&stubborn, "succeeded").await;
    assert_eq!(s.admin(&format!("/admin/payments/{stubborn}/refunds"), &json!({ "amount": 1_000 })).await.0, 202);
    let refused = shop.event("refund.declined", &stubborn).await.json();
    assert_eq!((refused["data"]["refund"]["amount"].as_u64(), refused["data"]["payment"]["state"].as_str()), (Some(1_000), Some("succeeded")));

    // Declined by the platform.
    let declined_session = ordered_session(&s, &order, &["mobile"]).await;
    let declined = s.pay(&declined_session, "77000000001").await;
    s.until_state(&declined, "awaiting_otp").await;
    s.otp(&declined, "123456").await;
    shop.event("payment.declined", &declined).await;

    // Our conclusion: a Payment Page closed unpaid. Then paid by phone, and on the page still open
    // in another tab as well: the platform's success revives the page's payment, the session is
    // paid twice, and the backend refunds the page's payment by itself, saying why.
    let twice = ordered_session(&s, &order, &["payment_page", "mobile"]).await;
    let (_, page) = s.post(&format!("/api/sessions/{twice}/payment-page"), &json!({})).await;
    let page_id = page["payment_id"].as_str().unwrap().to_owned();
    assert_eq!(s.post(&format!("/api/sessions/{twice}/payment-page/closed"), &json!({})).await.0, 202);
    let failed = shop.event("payment.failed", &page_id).await.json();
    assert_eq!(failed["data"]["payment"]["code"], "abandoned");
    let mobile = s.pay(&twice, "77000000000").await;
    s.until_state(&mobile, "awaiting_otp").await;
    s.otp(&mobile, "123456").await;
    shop.event("payment.succeeded", &mobile).await;
    assert_eq!(s.pay_on_payment_page(&page["params"], "77071234567").await["status"], "success");
    shop.event("payment.succeeded", &page_id).await;
    let duplicate = shop.event("refund.succeeded", &page_id).await.json();
    assert_eq!(duplicate["data"]["refund"]["amount"], 100_000);
    assert!(duplicate["data"]["refund"]["reason"].as_str().unwrap().starts_with("duplicate"), "{duplicate}");

    // A payout, paid and declined; and cash paid in at a terminal.
    let payee = customer(&format!("payee-{}", rand_suffix()));
    let (_, payout) = s
        .admin("/admin/payouts", &json!({ "amount": 20_000, "currency": "KZT", "customer": payee, "phone": "+7 775 123 45 67", "operator": "KCELL" }))
        .await;
    let payout_event = shop.event("payout.succeeded", payout["payment_id"].as_str().unwrap()).await.json();
    assert_eq!(payout_event["data"]["session"], Value::Null, "an admin payout has no session");
    let (_, refused) = s
        .admin("/admin/payouts", &json!({ "amount": 20_000, "currency": "KZT", "customer": payee, "phone": "77000000009", "operator": "KCELL" }))
        .await;
    shop.event("payout.declined", refused["payment_id"].as_str().unwrap()).await;
    let cash = ordered_session(&s, &order, &["cash_in"]).await;
    let account = s.get(&format!("/api/sessions/{cash}")).await.1["cash_in_account"].as_str().unwrap().to_owned();
    let terminal =
        s.http.post(format!("{}/sandbox/terminal/pay", s.sandbox)).json(&json!({ "customer_id": account, "amount": 250_000 })).send().await.unwrap();
    let deposit: Value = terminal.json().await.unwrap();
    let deposited = shop.event("deposit.succeeded", deposit["payment_id"].as_str().unwrap()).await.json();
    assert_eq!(
        (deposited["data"]["payment"]["amount"].as_u64(), deposited["data"]["session"]["reference"].as_str()),
        (Some(250_000), Some(order.as_str()))
    );

    // Every delivery verifies in Python, Node and PHP; a body changed by one byte in none.
    let received = shop.received();
    for delivery in &received {
        for (language, verdict) in verified_by_each_language(delivery) {
            assert_eq!(verdict, "ok", "{language} on {}", delivery.json());
        }
        assert_eq!(delivery.event_id, delivery.json()["id"], "the Checkout-Event-Id header names the body's event");
    }
    let mut forged = received[0].clone();
    forged.body = String::from_utf8(forged.body).unwrap().replace("100000", "100001").into_bytes();
    for (language, verdict) in verified_by_each_language(&forged) {
        assert!(verdict.starts_with("invalid: no v1 signature matches"), "{language}: {verdict}");
    }
    // The Rust verifier of checkout-protocol agrees.
    let now = checkout_protocol::time::Clock::system().now().0 / 1000;
    checkout_protocol::webhook::verify(&received[0].signature, &received[0].body, WEBHOOK_SECRET.as_bytes(), now).unwrap();
}

async fn a_shop_that_fails_three_times_gets_the_event_on_the_fourth_attempt(store: Store) {
    let shop = ShopEndpoint::start().await;
    shop.script(&[Answer::Status(500), Answer::Status(500), Answer::Status(503)]);
    let s = Stack::start(store, Tuning { webhook: Some(shop.config(0.001)), ..Tuning::default() }).await;
    let payment_id = s.paid().await;
    shop.until("four deliveries", |r| r.len() >= 4).await;
    // A little longer: a fifth would show here.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = shop.received();
    assert_eq!(received.len(), 4, "delivered on the fourth attempt, then no more");
    let id = &received[0].event_id;
    assert!(received.iter().all(|r| &r.event_id == id && r.body == received[0].body), "one event, the same body every time");
    assert_eq!(received[0].json()["data"]["payment"]["payment_id"], payment_id.as_str());

    // The shop has the body before the instance records the answer: wait for the record.
    let detail = event_once(&s, id, "delivered").await;
    let statuses: Vec<&Value> = detail["delivery"]["attempts"].as_array().unwrap().iter().map(|a| &a["http_status"]).collect();
    assert_eq!(statuses, [&json!(500), &json!(500), &json!(503), &json!(200)]);
    assert_eq!(detail["event"], received[0].json());
}

/// A redirect is not followed (the event's body and signature go only where the shop said): it
/// is a failed attempt like any other non-2xx.
async fn a_redirect_is_a_failed_attempt_not_followed(store: Store) {
    let shop = ShopEndpoint::start().await;
    shop.script(&[Answer::Redirect]);
    let s = Stack::start(store, Tuning { webhook: Some(shop.config(0.001)), ..Tuning::default() }).await;
    s.paid().await;
    let received = shop.until("the retry after the redirect", |r| r.len() >= 2).await;
    assert_eq!(received[0].event_id, received[1].event_id);
    assert_eq!(shop.redirected(), 0, "the redirect was not followed");
    let detail = event_once(&s, &received[0].event_id, "delivered").await;
    let statuses: Vec<&Value> = detail["delivery"]["attempts"].as_array().unwrap().iter().map(|a| &a["http_status"]).collect();
    assert_eq!(statuses, [&json!(307), &json!(200)]);
}

/// A shop that never takes an event: every attempt of the schedule is made, then it is marked
/// failed, and a redelivery sends it again.
async fn an_event_no_attempt_delivered_is_marked_failed_after_the_last_retry(store: Store) {
    let shop = ShopEndpoint::start().await;
    shop.always(Answer::Status(500));
    // The three days of retries in about three seconds.
    let s = Stack::start(store, Tuning { webhook: Some(shop.config(0.00001)), ..Tuning::default() }).await;
    s.paid().await;
    let attempts = checkout_server::service::SCHEDULE_SECS.len() + 1;
    let received = shop.until("every attempt", |r| r.len() >= attempts).await;
    let id = received[0].event_id.clone();
    let detail = event_once(&s, &id, "failed").await;
    assert_eq!(detail["delivery"]["attempts"].as_array().unwrap().len(), attempts, "14 attempts, then no more");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(shop.received().len(), attempts);

    shop.always(Answer::Status(200));
    assert_eq!(s.admin(&format!("/admin/events/{id}/redeliver"), &json!({})).await.0, 202);
    shop.until("the event sent again", |r| r.len() > attempts).await;
    event_once(&s, &id, "delivered").await;
}

/// `GET /admin/events/{id}` once its delivery is in `state` (10 s at most).
async fn event_once(s: &Stack, id: &str, state: &str) -> Value {
    let mut detail = Value::Null;
    for _ in 0..500 {
        let (status, body) = s.admin_get(&format!("/admin/events/{id}")).await;
        assert_eq!(status, 200, "{body}");
        if body["delivery"]["state"] == state {
            return body;
        }
        detail = body;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("event {id} never became {state}; last: {detail}");
}

async fn a_hanging_shop_slows_no_payment(store: Store) {
    let hanging = ShopEndpoint::start().await;
    hanging.always(Answer::Hang);
    let s = Stack::start(store, Tuning { webhook: Some(hanging.config(0.001)), ..Tuning::default() }).await;
    let first = s.paid().await;
    hanging.event("payment.succeeded", &first).await;
    // Eight deliveries are held open at once at most: more events than that wait their turn.
    // Ten payments start and end while every delivery hangs (make bench has the rate figures).
    join_all((0..10).map(|_| refused_at_once(&s))).await;
    hanging.until("eight held deliveries", |r| r.len() >= 8).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(hanging.most_open_at_once(), 8, "eight deliveries in flight at once, never more");
    let (status, created) = s.admin("/admin/sessions", &json!({ "amount": 100, "currency": "KZT", "customer": customer("c-late") })).await;
    assert_eq!(status, 201, "the backend still answers at once: {created}");
}

async fn the_feed_lists_every_event_in_order_and_one_can_be_sent_again(store: Store) {
    let shop = ShopEndpoint::start().await;
    let s = Stack::start(store, Tuning { webhook: Some(shop.config(0.001)), ..Tuning::default() }).await;
    let payment_id = s.paid().await;
    assert_eq!(s.admin(&format!("/admin/payments/{payment_id}/refunds"), &json!({})).await.0, 202);
    let refunded = shop.event("refund.succeeded", &payment_id).await.json();
    let (status, feed) = s.admin_get("/admin/events?limit=500").await;
    assert_eq!(status, 200, "{feed}");
    let mine: Vec<&Value> = feed.as_array().unwrap().iter().filter(|e| e["data"]["payment"]["payment_id"] == payment_id.as_str()).collect();
    let kinds: Vec<&str> = mine.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["payment.succeeded", "refund.succeeded"], "in the order they happened");
    assert_eq!(mine[1], &refunded, "the feed gives the event as delivered");
    let first_id = mine[0]["id"].as_str().unwrap();
    let (_, after) = s.admin_get(&format!("/admin/events?after={first_id}")).await;
    assert_eq!(after.as_array().unwrap().first(), Some(mine[1]), "after an id comes what followed it");
    assert_eq!(s.admin_get("/admin/events?after=evt_nothing").await.0, 404);

    let deliveries = shop.received().len();
    let (status, redelivered) = s.admin(&format!("/admin/events/{first_id}/redeliver"), &json!({})).await;
    assert_eq!(status, 202, "{redelivered}");
    let received = shop.until("the event again", |r| r.len() > deliveries).await;
    assert_eq!(received.last().unwrap().event_id, first_id, "sent again with the same id");
    assert_eq!(s.admin_get("/admin/events/evt_nothing").await.0, 404);
}

/// Two instances share the outbox: 200 events, each delivered once, each attempt made by one.
async fn two_instances_deliver_two_hundred_events_each_once(store: Store) {
    let shop = ShopEndpoint::start().await;
    let url = store.fresh().await;
    let sandbox_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = format!("http://{}", sandbox_listener.local_addr().unwrap());
    let tuning = Tuning { webhook: Some(shop.config(0.001)), limits: roomy(), ..Tuning::default() };
    let a = Stack::backend_on(&url, &sandbox, &tuning).await;
    let b = Stack::backend_on(&url, &sandbox, &tuning).await;
    start_sandbox(sandbox_listener, &a.server, &tuning);
    // 200 payments the platform refuses, started on both instances.
    join_all((0..200).map(|n| refused_at_once(if n % 2 == 0 { &a } else { &b }))).await;
    shop.until("200 events", |r| r.len() >= 200).await;
    // A little longer: a delivery made twice would show here.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = shop.received();
    let mut ids: Vec<&str> = received.iter().map(|r| r.event_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!((received.len(), ids.len()), (200, 200), "each event delivered once");
    // Each delivery is one attempt, recorded by the one instance that made it.
    let mut instances = std::collections::BTreeSet::new();
    for id in &ids {
        event_once(&a, id, "delivered").await;
        let attempts = a.app.db().webhook_attempts_of(id).await.unwrap();
        assert_eq!(attempts.len(), 1, "{id}: {attempts:?}");
        instances.insert(attempts[0].instance.clone());
    }
    assert!(!instances.is_empty() && instances.len() <= 2, "{instances:?}");
}

/// An instance claimed events and died before delivering them: once its claims lapse, the
/// living instance delivers each of them, once.
async fn events_an_instance_died_holding_are_delivered_by_another(store: Store) {
    let shop = ShopEndpoint::start().await;
    let url = store.fresh().await;
    let sandbox_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = format!("http://{}", sandbox_listener.local_addr().unwrap());
    // Events are written whether or not webhooks are configured; this instance sends none.
    let quiet = Stack::backend_on(&url, &sandbox, &Tuning::default()).await;
    start_sandbox(sandbox_listener, &quiet.server, &Tuning::default());
    let paid: Vec<String> = join_all((0..3).map(|_| quiet.paid())).await;
    // The instance that is about to die claims them all.
    let doomed = checkout_server::db::Db::connect(&url).await.unwrap();
    let claimed = doomed.claim_due_webhooks(quiet.app.now(), checkout_protocol::time::Millis(30_000), 100).await.unwrap();
    assert_eq!(claimed.len(), 3, "{claimed:?}");
    drop(doomed);
    let tuning = Tuning { webhook: Some(shop.config(0.001)), clock: quiet.clock.clone(), ..Tuning::default() };
    let living = Stack::backend_on(&url, &sandbox, &tuning).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(shop.received().is_empty(), "held by the dead instance until its claims lapse");
    living.skip(Duration::from_secs(31));
    let received = shop.until("the three events", |r| r.len() >= 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(shop.received().len(), 3);
    let mut delivered: Vec<String> = received.iter().map(|r| r.json()["data"]["payment"]["payment_id"].as_str().unwrap().to_owned()).collect();
    delivered.sort();
    let mut expected = paid.clone();
    expected.sort();
    assert_eq!(delivered, expected);
}

/// The demo shop fulfils an order from its own server's verified webhook, never from a forged
/// one: `make demo` points the webhooks at `/demo/webhooks`.
async fn the_demo_shop_marks_an_order_paid_only_from_a_verified_webhook(store: Store) {
    let s = Stack::start(store, Tuning { demo_shop: true, webhooks_to_demo_shop: true, ..Tuning::default() }).await;
    let (status, created) = s.post("/demo/sessions", &json!({})).await;
    assert_eq!(status, 201, "{created}");
    let session = created["session"].as_str().unwrap().to_owned();
    let order = format!("/demo/orders/{session}");
    let (status, open) = s.get(&order).await;
    assert_eq!((status, &open["status"], &open["webhooks"]), (200, &json!("open"), &json!([])), "{open}");

    // Anyone can post to the endpoint: a forged "paid" is kept as refused and fulfils nothing.
    let forged = json!({ "id": "evt_forged", "type": "payment.succeeded", "created_at": "2026-12-06T00:00:00Z",
        "data": { "session": { "session": session } } });
    let response = s.http.post(format!("{}/demo/webhooks", s.server)).header("Checkout-Signature", "t=1,v1=00").json(&forged).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let (_, still_open) = s.get(&order).await;
    assert_eq!(still_open["status"], "open", "{still_open}");
    assert_eq!((still_open["webhooks"][0]["event_id"].as_str(), &still_open["webhooks"][0]["verified"]), (Some("evt_forged"), &json!(false)));

    // Paid through the widget's API: the backend's signed webhook marks the order paid.
    let payment_id = s.pay(&session, "77000000000").await;
    s.until_state(&payment_id, "awaiting_otp").await;
    s.otp(&payment_id, "123456").await;
    for _ in 0..500 {
        if s.get(&order).await.1["status"] == "paid" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (_, paid) = s.get(&order).await;
    assert_eq!(paid["status"], "paid", "{paid}");
    let verified: Vec<&Value> = paid["webhooks"].as_array().unwrap().iter().filter(|w| w["verified"] == true).map(|w| &w["type"]).collect();
    assert_eq!(verified, [&json!("payment.succeeded")]);
    assert_eq!(s.get("/demo/orders/cs_missing").await.0, 404);
}

both!(
    the_demo_shop_marks_an_order_paid_only_from_a_verified_webhook,
    every_outcome_reaches_the_shop_signed_and_three_languages_verify_it,
    a_shop_that_fails_three_times_gets_the_event_on_the_fourth_attempt,
    a_hanging_shop_slows_no_payment,
    a_redirect_is_a_failed_attempt_not_followed,
    an_event_no_attempt_delivered_is_marked_failed_after_the_last_retry,
    the_feed_lists_every_event_in_order_and_one_can_be_sent_again,
    two_instances_deliver_two_hundred_events_each_once,
    events_an_instance_died_holding_are_delivered_by_another,
);
