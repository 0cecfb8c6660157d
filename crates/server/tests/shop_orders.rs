//! The shop's order on a session (issue 32): `reference` and `metadata` go in with the session,
//! come back in every admin view, find the session by the order, and bad shapes are refused with
//! the field named and nothing stored. On SQLite and PostgreSQL, over a real socket.

mod common;

use common::*;
use serde_json::{json, Value};

fn customer() -> Value {
    json!({ "id": format!("cust-{}", rand_suffix()), "first_name": "Aigerim", "last_name": "Nurlanova", "email": "aigerim@example.kz" })
}

async fn an_order_goes_in_with_its_session_and_comes_back_in_every_admin_view(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let order = format!("order-{}", rand_suffix());
    let metadata = json!({ "cart": "3 items", "channel": "web", "note": "позвонить до 18:00" });
    let body = json!({ "amount": 100_000, "currency": "KZT", "customer": customer(), "reference": order, "metadata": metadata });
    let (status, created) = s.admin("/admin/sessions", &body).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!((created["reference"].as_str(), &created["metadata"]), (Some(order.as_str()), &metadata));
    let token = created["session"].as_str().unwrap().to_owned();

    // A payment of the session carries the order in the list and in its history.
    let payment_id = s.pay(&token, "77000000000").await;
    s.until_state(&payment_id, "awaiting_otp").await;
    let (_, list) = s.admin_get("/admin/payments?limit=50").await;
    let entry = list.as_array().unwrap().iter().find(|e| e["payment_id"] == payment_id.as_str()).expect("the payment is listed").clone();
    assert_eq!((entry["reference"].as_str(), &entry["metadata"]), (Some(order.as_str()), &metadata));
    let (_, detail) = s.admin_get(&format!("/admin/payments/{payment_id}")).await;
    assert_eq!((detail["reference"].as_str(), &detail["metadata"]), (Some(order.as_str()), &metadata));

    // The session itself, with its payment.
    let (status, session) = s.admin_get(&format!("/admin/sessions/{token}")).await;
    assert_eq!(status, 200, "{session}");
    assert_eq!((session["reference"].as_str(), &session["metadata"], session["amount"].as_u64()), (Some(order.as_str()), &metadata, Some(100_000)));
    let payments: Vec<&str> = session["payments"].as_array().unwrap().iter().map(|p| p["payment_id"].as_str().unwrap()).collect();
    assert_eq!(payments, [payment_id.as_str()]);
    assert_eq!(session["deposits"], json!([]));

    // A second session for the same order (the first expired, say): both found, newest first.
    let again = json!({ "amount": 100_000, "currency": "KZT", "customer": customer(), "reference": order });
    let (_, second) = s.admin("/admin/sessions", &again).await;
    assert_eq!(second["metadata"], json!({}), "no notes given, none returned");
    let (status, found) = s.admin_get(&format!("/admin/sessions?reference={order}")).await;
    assert_eq!(status, 200, "{found}");
    let tokens: Vec<&str> = found.as_array().unwrap().iter().map(|f| f["session"].as_str().unwrap()).collect();
    assert_eq!(tokens, [second["session"].as_str().unwrap(), token.as_str()]);
    let (_, none) = s.admin_get("/admin/sessions?reference=no-such-order").await;
    assert_eq!(none, json!([]));

    // A session without an order says so plainly.
    let plain = s.session(&["mobile"]).await;
    let (_, session) = s.admin_get(&format!("/admin/sessions/{plain}")).await;
    assert_eq!((&session["reference"], &session["metadata"]), (&Value::Null, &json!({})));
    assert_eq!(s.admin_get("/admin/sessions/cs_missing").await.0, 404);
}

async fn bad_orders_are_refused_naming_the_field_and_nothing_is_stored(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let many: serde_json::Map<String, Value> = (0..21).map(|n| (format!("k{n}"), json!("v"))).collect();
    let bad = [
        (json!({ "reference": "" }), "reference_invalid", "reference"),
        (json!({ "reference": "x".repeat(65) }), "reference_invalid", "reference"),
        (json!({ "reference": "line\nbreak" }), "reference_invalid", "reference"),
        (json!({ "metadata": many }), "metadata_invalid", "metadata"),
        (json!({ "metadata": { "k".repeat(41): "v" } }), "metadata_invalid", "metadata key"),
        (json!({ "metadata": { "size": 42 } }), "metadata_invalid", "metadata.size"),
        (json!({ "metadata": { "note": "x".repeat(501) } }), "metadata_invalid", "metadata.note"),
    ];
    let order = format!("order-{}", rand_suffix());
    for (extra, code, named) in bad {
        let mut body = json!({ "amount": 100_000, "currency": "KZT", "customer": customer(), "reference": order });
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let (status, answer) = s.admin("/admin/sessions", &body).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (422, Some(code)), "{answer}");
        assert!(answer["error"]["message"].as_str().unwrap().contains(named), "{answer}");
    }
    let (_, found) = s.admin_get(&format!("/admin/sessions?reference={order}")).await;
    assert_eq!(found, json!([]), "no refused session was stored");
    // The limits themselves are taken.
    let most: serde_json::Map<String, Value> = (0..20).map(|n| (format!("{n}{}", "k".repeat(38)), json!("v".repeat(500)))).collect();
    let body = json!({ "amount": 100_000, "currency": "KZT", "customer": customer(), "reference": "r".repeat(64), "metadata": most });
    assert_eq!(s.admin("/admin/sessions", &body).await.0, 201);
}

both!(an_order_goes_in_with_its_session_and_comes_back_in_every_admin_view, bad_orders_are_refused_naming_the_field_and_nothing_is_stored);
