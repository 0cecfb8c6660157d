//! The platform's word about money wins over the backend's own conclusions (issue 23). A Payment
//! Page payment the backend concluded abandoned, then paid on a page the customer still had open
//! while the session was paid by phone: the platform's success is applied, and the session's
//! second paid payment is refunded once through the normal refund path (or, with auto-refund off,
//! listed for the merchant to refund by hand). Real sandbox, real callbacks, both databases.

mod common;

use common::*;
use serde_json::{json, Value};

const REFUND_PATH: &str = "/v2/payment/mobile/refund";

async fn admin_entry(s: &Stack, payment_id: &str) -> Value {
    let list: Value = s.http.get(format!("{}/admin/payments?limit=500", s.server)).bearer_auth(ADMIN).send().await.unwrap().json().await.unwrap();
    list.as_array().unwrap().iter().find(|p| p["payment_id"] == payment_id).cloned().unwrap_or_else(|| panic!("{payment_id} not listed: {list}"))
}

async fn refunds_sent(s: &Stack, payment_id: &str) -> usize {
    s.app.db().gate_calls_of(payment_id).await.unwrap().iter().filter(|call| call.endpoint == REFUND_PATH).count()
}

async fn a_success_for_an_abandoned_page_payment_wins_and_the_duplicate_is_refunded(store: Store) {
    for auto_refund in [true, false] {
        let s = Stack::start(store, Tuning { auto_refund_duplicates: auto_refund, ..Tuning::default() }).await;
        let customer = format!("dup-{}", rand_suffix());
        let session = s.session_of(&customer, &["payment_page", "mobile"]).await;
        let (status, page) = s.post(&format!("/api/sessions/{session}/payment-page"), &json!({})).await;
        assert_eq!(status, 200, "{page}");
        let page_id = page["payment_id"].as_str().unwrap().to_owned();

        // The customer closes the page before paying: the platform has never heard of the
        // payment, so the backend concludes it abandoned and the session is free again.
        assert_eq!(s.post(&format!("/api/sessions/{session}/payment-page/closed"), &json!({})).await.0, 202);
        s.until(&page_id, |v| v["code"] == "abandoned").await;

        // They pay by phone...
        let phone_id = s.pay(&session, "77000000000").await;
        s.until_state(&phone_id, "awaiting_otp").await;
        s.otp(&phone_id, "123456").await;
        s.until_state(&phone_id, "succeeded").await;
        // ...and on the page, still open in another tab, as well. The platform charges both.
        assert_eq!(s.pay_on_payment_page(&page["params"], "77071234567").await["status"], "success");

        // The platform's success replaces our conclusion, whatever was guessed.
        let expected = if auto_refund { "refunded" } else { "succeeded" };
        let page_view = s.until(&page_id, |v| v["state"] == expected).await;
        assert_eq!(page_view["phone_masked"], "+7 707 ••• •• 67", "the page's payment names the phone it was paid from: {page_view}");
        assert_eq!(s.platform_payments(&customer).await.len(), 2, "the platform charged twice");

        let entry = admin_entry(&s, &page_id).await;
        assert_eq!(entry["duplicate_of"], phone_id.as_str(), "{entry}");
        if auto_refund {
            // Exactly one refund reached the platform, with the reason recorded.
            assert_eq!(refunds_sent(&s, &page_id).await, 1);
            assert_eq!(s.platform_payment(&page_id).await["remaining"], 0, "the platform refunded it");
            let reason = entry["refunds"][0]["reason"].as_str().unwrap_or_default();
            assert!(reason.contains("duplicate") && reason.contains(&phone_id), "{entry}");
            assert_eq!(entry["refund_by_hand"], false);
            // Another pass of the reconciler (as after a crash) sends nothing more.
            checkout_server::service::reconcile_once(&s.app, s.app.now()).await.unwrap();
            assert_eq!(refunds_sent(&s, &page_id).await, 1);
        } else {
            assert_eq!(refunds_sent(&s, &page_id).await, 0, "auto-refund is off");
            assert_eq!(entry["refund_by_hand"], true, "listed for a refund by hand: {entry}");
        }
        // The kept payment is untouched and is what the session shows.
        assert_eq!(s.view_of(&phone_id).await["state"], "succeeded");
        assert_eq!(refunds_sent(&s, &phone_id).await, 0);
        assert_eq!(s.get(&format!("/api/sessions/{session}")).await.1["payment"]["payment_id"], phone_id.as_str());
    }
}

async fn a_page_payment_revived_alone_is_the_sessions_payment(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let customer = format!("revived-{}", rand_suffix());
    let session = s.session_of(&customer, &["payment_page", "mobile"]).await;
    let (_, page) = s.post(&format!("/api/sessions/{session}/payment-page"), &json!({})).await;
    let page_id = page["payment_id"].as_str().unwrap().to_owned();
    assert_eq!(s.post(&format!("/api/sessions/{session}/payment-page/closed"), &json!({})).await.0, 202);
    s.until(&page_id, |v| v["code"] == "abandoned").await;
    // Paid on the page after all, and nothing else paid: the session shows the success, is
    // paid, and takes no second payment.
    assert_eq!(s.pay_on_payment_page(&page["params"], "77071234567").await["status"], "success");
    s.until_state(&page_id, "succeeded").await;
    assert_eq!(s.get(&format!("/api/sessions/{session}")).await.1["payment"]["payment_id"], page_id.as_str());
    let (status, answer) = s.post(&format!("/api/sessions/{session}/mobile-payments"), &json!({ "operator": "KCELL", "phone": "77000000000" })).await;
    assert_eq!(status, 200, "the paid payment comes back, no new one: {answer}");
    assert_eq!(answer["payment_id"], page_id.as_str());
    assert_eq!(s.platform_payments(&customer).await.len(), 1);
    assert_eq!(refunds_sent(&s, &page_id).await, 0);
}

/// The Payment Page's customer types the phone on the hosted page; the result names it all the
/// same, here from the status request that settles the closed page before the final callback.
async fn a_page_payment_settled_by_the_status_request_names_its_phone(store: Store) {
    let s = Stack::start(store, Tuning { delayed_callback: std::time::Duration::from_secs(60), ..Tuning::default() }).await;
    let session = s.session(&["payment_page"]).await;
    let (_, page) = s.post(&format!("/api/sessions/{session}/payment-page"), &json!({})).await;
    let page_id = page["payment_id"].as_str().unwrap().to_owned();
    // The sandbox's "final callback held back" number.
    assert_eq!(s.pay_on_payment_page(&page["params"], "77000000005").await["status"], "success");
    assert_eq!(s.post(&format!("/api/sessions/{session}/payment-page/closed"), &json!({})).await.0, 202);
    let paid = s.until_state(&page_id, "succeeded").await;
    assert_eq!(paid["phone_masked"], "+7 700 ••• •• 05", "{paid}");
}

both!(
    a_page_payment_settled_by_the_status_request_names_its_phone,
    a_success_for_an_abandoned_page_payment_wins_and_the_duplicate_is_refunded,
    a_page_payment_revived_alone_is_the_sessions_payment
);
