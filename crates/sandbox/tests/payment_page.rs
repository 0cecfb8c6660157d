//! The Payment Page: `merchant.js`, the page's check of the parameters exactly as received, and a
//! customer paying through the page's own API, with the final callback to the merchant.

mod common;

use checkout_protocol::signature::{sign, verify};
use checkout_protocol::wire::MobileServiceOptions;
use common::*;
use serde_json::{json, Value};

/// The parameter set a merchant backend signs for `EPayWidget.run`.
fn page_params(payment_id: &str, options: &str) -> Value {
    let mut params = json!({
        "project_id": PROJECT,
        "payment_id": payment_id,
        "customer_id": "customer_123",
        "customer_first_name": "Aigerim",
        "customer_last_name": "Nurlanova",
        "customer_email": "aigerim@example.kz",
        "payment_currency": "KZT",
        "payment_amount": 100_000,
        "force_payment_method": "mobile",
        "payment_methods_options": options,
    });
    params["signature"] = json!(sign(&params, SECRET));
    params
}

/// What `merchant.js` puts in the page's URL: every value as text, plus two unsigned extras.
fn as_query(params: &Value, replace_options_with: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> =
        params.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned))).collect();
    if let Some(text) = replace_options_with {
        pairs.iter_mut().filter(|(k, _)| k == "payment_methods_options").for_each(|(_, v)| *v = text.to_owned());
    }
    pairs.push(("frame_mode".into(), "iframe".into()));
    pairs.push(("_referrer".into(), "http://shop.example".into()));
    serde_urlencoded::to_string(pairs).unwrap()
}

async fn page(h: &Harness, query: &str) -> (u16, String) {
    let response = h.http.get(format!("{}/payment?{query}", h.base)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn merchant_js_defines_the_widget_entry_points() {
    let h = Harness::start(|_| {}).await;
    let response = h.http.get(format!("{}/shared/merchant.js", h.base)).send().await.unwrap();
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    let script = response.text().await.unwrap();
    for needle in ["window.EPayWidget", "run:", "bind:", "create:", "target_element", "redirect", "encodeURIComponent"] {
        assert!(script.contains(needle), "merchant.js lacks {needle}");
    }
}

#[tokio::test]
async fn the_page_verifies_the_parameters_as_received_and_honours_the_operator() {
    let h = Harness::start(|_| {}).await;
    let options = MobileServiceOptions::for_operator("TELE2").to_json_string();
    let params = page_params("pp-1", &options);
    let (status, html) = page(&h, &as_query(&params, None)).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("data-forced=\"1\""), "force_payment_method=mobile skips the method list");
    assert!(html.contains("<select id=\"operator\" disabled><option value=\"TELE2\" selected>Tele2</option>"), "selected_operator is enforced");
    // No `language_code`: the page is in Russian, like the platform's default.
    assert!(html.contains("<html lang=\"ru\">") && html.contains("Оплата: 1\u{a0}000,00\u{a0}₸"), "{html}");

    // An object passed to merchant.js arrives as "[object Object]" and no longer verifies.
    let (status, html) = page(&h, &as_query(&params, Some("[object Object]"))).await;
    assert_eq!(status, 400);
    assert!(html.contains("Invalid signature"), "{html}");
}

#[tokio::test]
async fn a_customer_pays_on_the_page_and_the_merchant_gets_the_callback() {
    let h = Harness::start(|_| {}).await;
    let params = page_params("pp-2", &MobileServiceOptions::for_operator("KCELL").to_json_string());
    let query = as_query(&params, None);
    let (code, started) = h.post("/payment/api/start", &json!({ "params": query, "phone": "+7 701 765 43 21", "operator": "KCELL" })).await;
    assert_eq!(code, 200, "{started}");
    assert_eq!(started["otp_ttl_secs"], 80);
    let otp = h.latest_code("77017654321", 1).await;

    let (_, wrong) = h.post("/payment/api/otp", &json!({ "params": query, "code": "000000" })).await;
    assert_eq!(wrong, json!({ "status": "awaiting", "reason": "wrong" }));
    let (_, early) = h.post("/payment/api/resend", &json!({ "params": query })).await;
    assert_eq!(early["code"], checkout_sandbox::error::ErrorKind::ResendTooEarly.code());
    let (_, done) = h.post("/payment/api/otp", &json!({ "params": query, "code": otp })).await;
    assert_eq!(done, json!({ "status": "success" }));

    let callbacks = h.callbacks_for("pp-2", 1).await;
    assert_eq!(callbacks.len(), 1, "the page asks for the code itself: the merchant only hears the result");
    assert_eq!(callbacks[0]["payment"]["status"], "success");
    assert_eq!(callbacks[0]["account"]["number"], "77017654321");
    assert_eq!(verify(&callbacks[0], SECRET), Ok(()));

    let (code, _) = h.post("/payment/api/start", &json!({ "params": query, "phone": "77017654321" })).await;
    assert_eq!(code, 400, "the same payment cannot be paid twice");
}

#[tokio::test]
async fn the_page_api_refuses_tampered_parameters() {
    let h = Harness::start(|_| {}).await;
    let params = page_params("pp-3", "{}");
    let tampered = as_query(&params, None).replace("payment_amount=100000", "payment_amount=1");
    let (code, answer) = h.post("/payment/api/start", &json!({ "params": tampered, "phone": "77017654321" })).await;
    assert_eq!(code, 401);
    assert_eq!(answer["code"], checkout_sandbox::error::ErrorKind::InvalidSignature.code());
}
