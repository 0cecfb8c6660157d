//! The widget contract's golden files: real answers of the backend, captured over sockets against
//! the sandbox, with what changes from run to run (ids, tokens, clocks, signatures) replaced by
//! fixed stand-ins of the same type. The widget's browser tests decode these very files with the
//! widget's own decoder, so a change of shape fails here (against the committed file) and there.
//!
//! After an intended change of the contract: `UPDATE_GOLDEN=1 cargo test -p checkout-server --test contract`.

mod common;

use std::path::PathBuf;

use checkout_protocol::api::{ErrorBody, PaymentPageView, PaymentView, SessionView};
use checkout_protocol::wire::PaymentPageParams;
use common::*;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden")
}

/// Keys whose values differ on every run, and what stands in for them.
fn stand_in(key: &str, value: &Value) -> Option<Value> {
    if key == "retry_after_s" {
        return value.is_u64().then(|| json!(80));
    }
    let text = value.as_str()?;
    Some(Value::String(match key {
        "payment_id" => format!("{}_golden", text.split('_').next().unwrap_or("pay")),
        "session" => "cs_golden".into(),
        "server_time" => "2026-12-01T09:00:00Z".into(),
        "otp_expires_at" | "resend_available_at" => "2026-12-01T09:01:20Z".into(),
        "signature" => "c2lnbmF0dXJl".into(),
        "customer_id" | "cash_in_account" => "customer_golden".into(),
        "script_url" | "merchant_callback_url" => "http://127.0.0.1:8090/golden".into(),
        "message" if text.contains("in ") && text.contains(" s") => "a new code can be sent later".into(),
        _ => return None,
    }))
}

fn normalise(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                match stand_in(key, item) {
                    Some(fixed) => *item = fixed,
                    None => normalise(item),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalise),
        _ => {}
    }
}

/// Checks one answer: it decodes as the contract type `T`, and (normalised) equals its golden file.
fn golden<T: DeserializeOwned>(name: &str, mut answer: Value) {
    serde_json::from_value::<T>(answer.clone()).unwrap_or_else(|e| panic!("{name} is not a {}: {e}\n{answer}", std::any::type_name::<T>()));
    normalise(&mut answer);
    let path = golden_dir().join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(&answer).unwrap() + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&path, text).unwrap();
        return;
    }
    // A missing file fails too: the browser tests decode every one of them.
    let committed =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("tests/golden/{name}.json: {e}; write it with UPDATE_GOLDEN=1 and commit it"));
    assert_eq!(committed, text, "{name}: the answer drifted from tests/golden/{name}.json; if intended, run with UPDATE_GOLDEN=1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_widget_answer_matches_its_golden_file() {
    let s = Stack::start(Store::Sqlite, Tuning::default()).await;

    let session = s.session(&["mobile"]).await;
    golden::<SessionView>("session_mobile", s.get(&format!("/api/sessions/{session}")).await.1);
    let (status, refused) =
        s.post(&format!("/api/sessions/{session}/mobile-payments"), &json!({ "operator": "KCELL", "phone": "+7 916 123 45 67" })).await;
    assert_eq!(status, 422);
    golden::<ErrorBody>("error_phone_russian", refused);

    let payment_id = s.pay(&session, "77000000000").await;
    golden::<PaymentView>("payment_awaiting_otp", s.until_state(&payment_id, "awaiting_otp").await);
    let (status, early) = s.post(&s.pay_path(&payment_id, "/resend").await, &json!({})).await;
    assert_eq!(status, 409);
    golden::<ErrorBody>("error_resend_too_early", early);
    s.otp(&payment_id, "000000").await;
    golden::<PaymentView>("payment_wrong_code", s.until(&payment_id, |v| v["last_error"] == "wrong_code").await);
    golden::<SessionView>("session_resumed", s.get(&format!("/api/sessions/{session}")).await.1);
    s.otp(&payment_id, "123456").await;
    golden::<PaymentView>("payment_succeeded", s.until_state(&payment_id, "succeeded").await);

    let declined_session = s.session(&["mobile"]).await;
    let declined = s.pay(&declined_session, "77000000001").await;
    s.until_state(&declined, "awaiting_otp").await;
    s.otp(&declined, "123456").await;
    golden::<PaymentView>("payment_declined", s.until_state(&declined, "declined").await);

    let page_session = s.session(&["payment_page"]).await;
    let (status, page) = s.post(&format!("/api/sessions/{page_session}/payment-page"), &json!({ "operator": "TELE2", "locale": "kk" })).await;
    assert_eq!(status, 200, "{page}");
    golden::<PaymentPageView<PaymentPageParams>>("payment_page", page);

    let cash_session = s.session(&["cash_in"]).await;
    golden::<SessionView>("session_cash_in", s.get(&format!("/api/sessions/{cash_session}")).await.1);

    let payout_session = s.session(&["payout"]).await;
    golden::<SessionView>("session_payout", s.get(&format!("/api/sessions/{payout_session}")).await.1);
    let (status, payout) =
        s.post(&format!("/api/sessions/{payout_session}/payouts"), &json!({ "operator": "BEELINE", "phone": "77771234567" })).await;
    assert_eq!(status, 201, "{payout}");
    golden::<PaymentView>("payment_payout_processing", payout);

    golden::<ErrorBody>("error_session_not_found", s.get("/api/sessions/cs_nothing").await.1);
}
