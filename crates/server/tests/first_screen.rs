//! The first screen drawn by the backend with the widget's own components: offered with the
//! session's creation, again on its own admin route, and with the widget API's session answer
//! (the loader's path); escaped; only for a session whose first screen is the phone form.

mod common;

use common::*;
use serde_json::{json, Value};

fn order(methods: &[&str], locale: Option<&str>) -> Value {
    json!({
        "amount": 1_299_000, "currency": "KZT", "methods": methods, "locale": locale, "first_screen": true,
        "description": "<img src=x onerror=alert(1)> \"quoted\"",
        "customer": { "id": format!("cust-{}", rand_suffix()), "first_name": "Aigerim", "last_name": "Nurlanova", "email": "aigerim@example.kz" }
    })
}

async fn html_of(s: &Stack, path: &str) -> (u16, String, String) {
    let response = s.http.get(format!("{}{path}", s.server)).bearer_auth(ADMIN).send().await.unwrap();
    let kind = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (response.status().as_u16(), kind, response.text().await.unwrap())
}

/// The phone form, in the session's language, drawn from the very components the widget mounts:
/// its root, fields and operators as the widget names them, and a button that waits for it.
async fn a_session_created_for_the_phone_form_carries_its_first_screen(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let (status, created) = s.admin("/admin/sessions", &order(&["mobile"], Some("kk"))).await;
    assert_eq!(status, 201, "{created}");
    let html = created["first_screen_html"].as_str().expect("first_screen_html");
    assert!(html.starts_with("<div lang=\"kk\"") && html.contains("class=\"kzc-root\""), "{html}");
    assert!(html.contains("data-drawn"), "the widget finds it by data-drawn: {html}");
    assert!(html.contains("data-screen=\"form\""), "{html}");
    for operator in ["KCELL", "BEELINE", "TELE2", "ALTEL", "ACTIV"] {
        assert!(html.contains(&format!("data-testid=\"operator-{operator}\"")), "{operator} in {html}");
    }
    assert!(html.contains("type=\"tel\""), "{html}");
    assert!(html.contains("Дайындалуда…"), "the button says, in Kazakh, that the widget is getting ready: {html}");
    assert!(html.contains(" disabled"), "the button does nothing until the widget runs: {html}");
    assert!(html.contains("data-testid=\"amount\" class=\"kzc-amount\">12\u{a0}990,00\u{a0}₸<"), "the amount: {html}");
    assert!(!html.contains("<script") && !html.contains("style="), "no inline script or style: {html}");

    // Again on its own route, in another language; the same ids each time (from the session).
    let session = created["session"].as_str().unwrap();
    let (status, kind, again) = html_of(&s, &format!("/admin/sessions/{session}/first-screen?locale=en")).await;
    assert_eq!((status, kind.as_str()), (200, "text/html; charset=utf-8"), "{again}");
    assert!(again.contains("lang=\"en\"") && again.contains("Getting ready…"), "{again}");
    let id = |html: &str| html.split("id=\"kzc-phone-").nth(1).unwrap().split('"').next().unwrap().to_owned();
    assert_eq!(id(html), id(&again));
    assert!(id(html).parse::<u32>().unwrap() >= 1 << 31, "ids the widget's own never reach");

    // The loader's path: the session with it, in one answer.
    let answer: Value = s.http.get(format!("{}/api/sessions/{session}?first_screen=ru", s.server)).send().await.unwrap().json().await.unwrap();
    assert_eq!(answer["session"], session);
    assert!(answer["first_screen_html"].as_str().unwrap().contains("Подготавливаем…"), "{answer}");
    let (status, plain) = s.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(status, 200);
    assert!(plain.get("first_screen_html").is_none(), "only when asked for: {plain}");
}

/// A shop name holding markup is text in the drawn screen, as in the widget.
async fn markup_in_the_shops_name_is_drawn_as_text(store: Store) {
    let name = "<script>alert(\"x\")</script> & \"Co\" <b>";
    let s = Stack::start(store, Tuning { merchant_name: Some(name.into()), ..Tuning::default() }).await;
    let (status, created) = s.admin("/admin/sessions", &order(&["mobile"], None)).await;
    assert_eq!(status, 201, "{created}");
    let html = created["first_screen_html"].as_str().unwrap();
    assert!(!html.contains("<script") && !html.contains("<b>") && !html.contains("<img"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; \"Co\" &lt;b&gt;"), "escaped: {html}");
    assert!(html.contains("lang=\"ru\""), "no locale given: Russian, as the widget's default: {html}");
}

/// Only the phone form is drawn: a Payment Page or cash-in session, or one with a payment under
/// way, has none (the widget draws its own), and asking says why.
async fn only_the_phone_form_is_drawn(store: Store) {
    let s = Stack::start(store, Tuning::default()).await;
    let (_, page) = s.admin("/admin/sessions", &order(&["payment_page"], None)).await;
    assert!(page.get("first_screen_html").is_none(), "{page}");
    let (_, payout) = s.admin("/admin/sessions", &order(&["payout"], Some("en"))).await;
    assert!(payout["first_screen_html"].as_str().unwrap().contains("Getting ready…"), "a payout's phone form: {payout}");

    let session = s.session(&["mobile"]).await;
    s.pay(&session, "+77000000000").await;
    let (status, _, body) = html_of(&s, &format!("/admin/sessions/{session}/first-screen")).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"]["code"], "no_first_screen");
    let (_, answer) = s.get(&format!("/api/sessions/{session}?first_screen=kk")).await;
    assert!(answer.get("first_screen_html").is_none() && answer["payment"].is_object(), "{answer}");

    let (status, _, body) = html_of(&s, &format!("/admin/sessions/{session}/first-screen?locale=de")).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"]["code"], "locale_unsupported");
    let (status, refused) = s.get(&format!("/api/sessions/{session}?first_screen=xx")).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (422, Some("locale_unsupported")), "{refused}");
    let (status, _, body) = html_of(&s, "/admin/sessions/cs_nothing/first-screen").await;
    assert_eq!(status, 404, "{body}");
}

both!(a_session_created_for_the_phone_form_carries_its_first_screen, markup_in_the_shops_name_is_drawn_as_text, only_the_phone_form_is_drawn,);
