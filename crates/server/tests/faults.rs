//! A platform that is slow, hangs, or loses answers (issue 25), played by a fault proxy between
//! the backend and the sandbox: customers keep their place, session loads keep answering, and
//! a slow platform never has two instances asking about the same payment. Both databases.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use checkout_server::gate::STATUS_PATH;
use checkout_server::service::reconcile_once;
use common::fault_proxy::Fault;
use common::*;
use futures_util::future::join_all;
use serde_json::Value;

/// `n` session loads at once; each one's answer and how long it took.
async fn loads(s: &Stack, session: &str, n: usize) -> Vec<(Value, Duration)> {
    join_all((0..n).map(|_| async {
        let started = Instant::now();
        let (status, view) = s.get(&format!("/api/sessions/{session}")).await;
        assert_eq!(status, 200, "{view}");
        (view, started.elapsed())
    }))
    .await
}

async fn a_hanging_platform_never_stalls_session_loads(store: Store) {
    let (s, proxy) = Stack::start_behind_proxy(store, Tuning::default()).await;
    let session = s.session(&["mobile"]).await;
    assert_eq!(s.get(&format!("/api/sessions/{session}")).await.1["operators_fallback"], false, "the platform's list");

    // The platform hangs, and the list is due for a refresh: every load still answers at once
    // with the last good list, while one refresh waits on the platform.
    proxy.set("/v2/", Fault::Hang);
    s.skip(checkout_server::operators::OPERATORS_TTL + Duration::from_secs(1));
    let asked_before = proxy.requests_to("/v2/info/mobile/sale/list").len();
    for (view, took) in loads(&s, &session, 50).await {
        assert!(took < Duration::from_secs(1), "a session load took {took:?}");
        assert_eq!(view["operators"].as_array().map(Vec::len), Some(5), "{view}");
        assert_eq!(view["operators_fallback"], false);
    }
    assert_eq!(proxy.requests_to("/v2/info/mobile/sale/list").len(), asked_before + 1, "one refresh at a time");

    // An instance that starts while the platform hangs offers the seeds' list, marked, at once.
    let fresh = Stack::backend(store, &proxy.url, &Tuning::default()).await;
    let session = fresh.session(&["mobile"]).await;
    for (view, took) in loads(&fresh, &session, 50).await {
        assert!(took < Duration::from_secs(1), "a first session load took {took:?}");
        assert_eq!(view["operators"].as_array().map(Vec::len), Some(5), "{view}");
        assert_eq!(view["operators_fallback"], true);
    }
}

async fn a_code_whose_answer_is_lost_is_never_asked_for_again(store: Store) {
    let tuning = Tuning { gate_timeout: Duration::from_secs(1), ..Tuning::default() };
    let (s, proxy) = Stack::start_behind_proxy(store, tuning).await;
    let session = s.session(&["mobile"]).await;
    let payment_id = s.pay(&session, "77000000000").await;
    s.until_state(&payment_id, "awaiting_otp").await;
    // The platform takes the code; its answer never comes back.
    proxy.set("/v2/payment/clarification", Fault::DropAnswer);
    let (status, view) = s.otp(&payment_id, "123456").await;
    // Being checked (or, if the callback overtook the lost answer, paid): not the code field.
    assert_eq!(status, 202, "{view}");
    assert!(view["state"] == "processing" || view["state"] == "succeeded", "{view}");
    assert_eq!(proxy.requests_to("/v2/payment/clarification").len(), 1);
    // Its verdict arrives (the callback): paid, without ever asking for the code again.
    let seen = std::cell::RefCell::new(Vec::new());
    let end = s
        .until(&payment_id, |v| {
            seen.borrow_mut().push(v["state"].as_str().unwrap_or_default().to_owned());
            v["state"] == "succeeded"
        })
        .await;
    assert_eq!(end["state"], "succeeded");
    let seen = seen.into_inner();
    assert!(!seen.iter().any(|state| state == "awaiting_otp"), "the code field came back: {seen:?}");
}

async fn a_code_that_never_reached_the_platform_is_given_back_on_its_word(store: Store) {
    let tuning = Tuning { gate_timeout: Duration::from_secs(1), ..Tuning::default() };
    let (s, proxy) = Stack::start_behind_proxy(store, tuning).await;
    let session = s.session(&["mobile"]).await;
    let payment_id = s.pay(&session, "77000000000").await;
    s.until_state(&payment_id, "awaiting_otp").await;
    // The code goes nowhere, and no answer comes: for now it may be at the platform.
    proxy.set("/v2/payment/clarification", Fault::Hang);
    let (status, view) = s.otp(&payment_id, "123456").await;
    assert_eq!((status, view["state"].as_str()), (202, Some("processing")), "{view}");
    // The status request says the platform still waits on the prompt the code answered: the code
    // never reached it, so the customer may type it again.
    s.skip(Duration::from_secs(16));
    reconcile_once(&s.app, s.app.now()).await.unwrap();
    let again = s.until_state(&payment_id, "awaiting_otp").await;
    // The same code again, as the next attempt, with no "wrong code" said about the first.
    assert_eq!((again["attempt"].as_u64(), again.get("last_error")), (Some(2), None), "{again}");
    proxy.set("/v2/payment/clarification", Fault::Pass);
    assert_eq!(s.otp(&payment_id, "123456").await.0, 202);
    s.until_state(&payment_id, "succeeded").await;
}

async fn a_slow_platform_has_each_payment_asked_about_once_by_two_instances(store: Store) {
    let (a, proxy) = Stack::start_behind_proxy(store, Tuning::default()).await;
    let b = Stack::backend_on(a.app.db().url(), &proxy.url, &Tuning { clock: a.clock.clone(), ..Tuning::default() }).await;
    // Twenty payments the platform never calls back about (the sandbox's `+7 700 000 00 06`).
    let mut payments = Vec::new();
    for _ in 0..20 {
        let session = a.session(&["mobile"]).await;
        payments.push(a.pay(&session, "77000000006").await);
    }
    // Status answers take 5 s; the payments fall silent for longer than a watched one may.
    proxy.set(STATUS_PATH, Fault::Delay(Duration::from_secs(5)));
    a.skip(Duration::from_secs(16));
    let asked = |proxy: &common::fault_proxy::FaultProxy| {
        let mut by_payment: HashMap<String, usize> = HashMap::new();
        for id in proxy.requests_to(STATUS_PATH).into_iter().flatten() {
            *by_payment.entry(id).or_default() += 1;
        }
        by_payment
    };
    let started = Instant::now();
    while asked(&proxy).len() < payments.len() {
        assert!(started.elapsed() < Duration::from_secs(40), "after 40 s only {} of 20 payments were asked about", asked(&proxy).len());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Time for any second question to be sent and answered.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let by_payment = asked(&proxy);
    for id in &payments {
        assert_eq!(by_payment.get(id), Some(&1), "{id} asked about {:?} times: {by_payment:?}", by_payment.get(id));
    }
    // Each answer was applied: the platform waits for each customer's code.
    for id in &payments {
        b.until_state(id, "awaiting_otp").await;
    }
}

both!(
    a_hanging_platform_never_stalls_session_loads,
    a_code_whose_answer_is_lost_is_never_asked_for_again,
    a_code_that_never_reached_the_platform_is_given_back_on_its_word,
    a_slow_platform_has_each_payment_asked_about_once_by_two_instances,
);
