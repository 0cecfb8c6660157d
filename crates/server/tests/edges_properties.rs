//! Every route of the backend, in-process, against arbitrary requests: methods, paths (real and
//! made-up ids, bad percent-encoding, over-long), query strings, content types, tokens and
//! bodies (JSON of wrong shapes, arrays, deep nesting, huge numbers, invalid UTF-8, noise).
//! Whatever arrives: never a 5xx, every refusal is the structured envelope with a known code,
//! and nothing refused changes a session, a payment or a refund.

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::Request;
use checkout_protocol::api::{ErrorBody, ErrorCode};
use checkout_server::config::Config;
use checkout_server::App;
use http_body_util::BodyExt;
use proptest::prelude::*;
use serde_json::{json, Value};
use tower::ServiceExt;

const ADMIN: &str = "test-admin-token-0123456789";
const PROJECT: u64 = 1234;
const SECRET: &str = "server-property-secret";

/// Cases per route; with the routes below, over 8 000 per run.
const CASES_PER_ROUTE: u32 = 400;

/// Every route of `checkout_server::app`, with `{s}` for a session and `{p}` for a payment (or an
/// event id, which no payment id is).
const ROUTES: [(&str, &str); 29] = [
    ("GET", "/api/sessions/{s}"),
    ("POST", "/api/sessions/{s}/mobile-payments"),
    ("POST", "/api/sessions/{s}/payment-page"),
    ("POST", "/api/sessions/{s}/payment-page/closed"),
    ("POST", "/api/sessions/{s}/payouts"),
    ("GET", "/api/sessions/{s}/payments/{p}"),
    ("GET", "/api/sessions/{s}/payments/{p}/events"),
    ("POST", "/api/sessions/{s}/payments/{p}/otp"),
    ("POST", "/api/sessions/{s}/payments/{p}/resend"),
    ("GET", "/api/openapi.json"),
    ("POST", "/callbacks/gate"),
    ("POST", "/webservice/cash-in"),
    ("POST", "/admin/sessions"),
    ("GET", "/admin/payments"),
    ("GET", "/admin/payments/{p}"),
    ("POST", "/admin/payments/{p}/refunds"),
    ("POST", "/admin/payouts"),
    ("POST", "/demo/sessions"),
    ("POST", "/demo/terminal"),
    ("GET", "/healthz"),
    ("GET", "/no/such/route"),
    ("GET", "/admin/sessions/{s}"),
    ("GET", "/admin/events"),
    ("GET", "/admin/events/{p}"),
    ("POST", "/admin/events/{p}/redeliver"),
    ("POST", "/demo/webhooks"),
    ("GET", "/demo/orders/{s}"),
    ("GET", "/admin/sessions/{s}/first-screen"),
    ("GET", "/"),
];

/// A backend (with a real sandbox behind it on a socket) per test thread, so one route's
/// successes never show up as another's state change, and the ids of a session with a payment
/// waiting for its code, so cases reach deep into the handlers.
struct World {
    runtime: tokio::runtime::Runtime,
    app: App,
    session: String,
    payment: String,
}

fn world() -> &'static World {
    thread_local! {
        static WORLD: OnceLock<&'static World> = const { OnceLock::new() };
    }
    WORLD.with(|cell| *cell.get_or_init(|| Box::leak(Box::new(new_world()))))
}

fn new_world() -> World {
    {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let (app, session, payment) = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let sandbox = format!("http://{}", listener.local_addr().unwrap());
            tokio::spawn(checkout_sandbox::run(listener, checkout_sandbox::Config::for_tests(PROJECT, SECRET), std::future::pending()));
            let mut config = Config::for_tests(&sandbox, PROJECT, SECRET);
            config.demo_shop = true;
            // The demo shop's page (`GET /`) is served from a folder with its index.html.
            let pages = std::env::temp_dir().join(format!("edges-properties-{}-{:?}", std::process::id(), std::thread::current().id()));
            std::fs::create_dir_all(&pages).unwrap();
            std::fs::write(pages.join("index.html"), format!("<main>{}</main>", checkout_server::demo_shop::EMPTY_ELEMENT)).unwrap();
            config.static_dir = Some(pages);
            let app = App::new(config).await.unwrap();
            let created = send(&app, request("POST", "/admin/sessions", Some("application/json"), Some(ADMIN), session_body())).await;
            assert_eq!(created.0, 201, "{:?}", created.2);
            let session: Value = serde_json::from_slice(&created.2).unwrap();
            let session = session["session"].as_str().unwrap().to_owned();
            let phone = json!({ "operator": "KCELL", "phone": "77000000000" }).to_string().into_bytes();
            let started =
                send(&app, request("POST", &format!("/api/sessions/{session}/mobile-payments"), Some("application/json"), None, phone)).await;
            assert_eq!(started.0, 201, "{:?}", String::from_utf8_lossy(&started.2));
            let payment: Value = serde_json::from_slice(&started.2).unwrap();
            (app, session, payment["payment_id"].as_str().unwrap().to_owned())
        });
        World { runtime, app, session, payment }
    }
}

fn session_body() -> Vec<u8> {
    json!({ "amount": 100_000, "currency": "KZT", "customer": { "id": "c1", "first_name": "A", "last_name": "B", "email": "a@b.kz" } })
        .to_string()
        .into_bytes()
}

fn request(method: &str, uri: &str, content_type: Option<&str>, token: Option<&str>, body: Vec<u8>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(content_type) = content_type {
        builder = builder.header("content-type", content_type);
    }
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    builder.body(Body::from(body)).unwrap()
}

/// Status, content type and body (not of a live stream that was opened: it never ends).
async fn send(app: &App, request: Request<Body>) -> (u16, Option<String>, Vec<u8>) {
    let streams = request.uri().path().ends_with("/events");
    let response = checkout_server::app(app.clone()).oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = if status < 300 && streams { Vec::new() } else { response.into_body().collect().await.unwrap().to_bytes().to_vec() };
    (status, content_type, body)
}

/// What a path parameter may be.
fn segment(real: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(real.to_owned()),
        2 => "[A-Za-z0-9_.~-]{0,24}",
        1 => Just("%FF".to_owned()),
        1 => Just("%C3%28".to_owned()),
        1 => Just("%2F..%2F".to_owned()),
        1 => "(%[0-9A-F]{2}){1,6}",
        1 => Just("a".repeat(9_000)),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
        Just(json!("77000000000")),
        Just(json!("KCELL")),
        Just(json!("123456")),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("amount".to_owned()),
                    Just("operator".to_owned()),
                    Just("phone".to_owned()),
                    Just("code".to_owned()),
                    Just("customer".to_owned()),
                    Just("currency".to_owned()),
                    Just("methods".to_owned()),
                    Just("locale".to_owned()),
                    "[a-z_]{1,8}",
                ],
                inner,
                0..5
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => Just(Vec::new()),
        4 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => (1usize..3000).prop_map(|depth| format!("{}1{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()),
        1 => (1usize..300).prop_map(|depth| format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)).into_bytes()),
        1 => "[0-9]{20,400}".prop_map(|digits| format!("{{\"amount\": {digits}, \"code\": {digits}}}").into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(|mut bytes| { bytes.insert(0, 0xFF); bytes }),
        1 => Just(b"{\"phone\": \"\xff\xfe\", \"operator\": \"KCELL\"}".to_vec()),
        1 => Just(session_body()),
    ]
}

fn method(usual: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(usual.to_owned()),
        1 => prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("DELETE"), Just("PATCH"), Just("OPTIONS"), Just("HEAD"), Just("BREW")].prop_map(str::to_owned),
    ]
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        4 => Just(Some("application/json".to_owned())),
        1 => Just(None),
        1 => Just(Some("text/plain".to_owned())),
        1 => Just(Some("application/json; charset=utf-8".to_owned())),
        1 => Just(Some("application/x-www-form-urlencoded".to_owned())),
        1 => "[ -~]{0,20}".prop_map(Some),
    ]
}

fn token() -> impl Strategy<Value = Option<String>> {
    prop_oneof![Just(Some(ADMIN.to_owned())), Just(None), "[ -~]{0,30}".prop_map(Some)]
}

fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => Just(String::new()),
        1 => "[a-z_]{1,6}=[a-zA-Z0-9%-]{0,8}(&[a-z_]{1,6}=[a-zA-Z0-9%-]{0,8}){0,2}".prop_map(|q| format!("?{q}")),
        1 => prop_oneof![Just("?limit=abc"), Just("?limit=-5"), Just("?limit=99999999999999999999"), Just("?limit=%FF")].prop_map(str::to_owned),
        1 => prop_oneof![Just("?first_screen=kk"), Just("?first_screen=xx"), Just("?locale=en"), Just("?locale=%FF"), Just("?first_screen=")].prop_map(str::to_owned),
    ]
}

/// One arbitrary request to the route at `index`, checked.
#[allow(clippy::too_many_arguments)] // one argument per generated part of the request
fn check(
    index: usize,
    method: &str,
    session: &str,
    payment: &str,
    query: &str,
    content_type: Option<&str>,
    token: Option<&str>,
    body: Vec<u8>,
) -> Result<(), TestCaseError> {
    let world = world();
    let path = ROUTES[index].1.replace("{s}", session).replace("{p}", payment);
    let uri = format!("{path}{query}");
    let Ok(built) = Request::builder().method(method).uri(&uri).body(()) else {
        return Ok(()); // Not a request HTTP can carry at all.
    };
    drop(built);
    world.runtime.block_on(async {
        let before = world.app.db().state_fingerprint().await.unwrap();
        let (status, answer_type, answer) = send(&world.app, request(method, &uri, content_type, token, body.clone())).await;
        prop_assert!(
            status < 500,
            "{method} {uri} {content_type:?} {:?}: {status} {}",
            String::from_utf8_lossy(&body),
            String::from_utf8_lossy(&answer)
        );
        if status >= 400 {
            let after = world.app.db().state_fingerprint().await.unwrap();
            prop_assert_eq!(&before, &after, "{} {} refused with {} but changed state", method, uri, status);
            if method != "HEAD" {
                prop_assert_eq!(answer_type.as_deref(), Some("application/json"), "{} {}: {}", method, uri, status);
                let envelope: ErrorBody = serde_json::from_slice(&answer).map_err(|e| {
                    TestCaseError::fail(format!("{method} {uri}: {status} not the envelope ({e}): {}", String::from_utf8_lossy(&answer)))
                })?;
                prop_assert!(envelope.error.code != ErrorCode::Unknown, "{method} {uri}: unknown code");
                prop_assert!(!envelope.error.message.is_empty());
            }
        }
        Ok(())
    })
}

macro_rules! route_properties {
    ($($name:ident => $index:expr),* $(,)?) => {
        proptest! {
            #![proptest_config(ProptestConfig { cases: CASES_PER_ROUTE, failure_persistence: None, ..ProptestConfig::default() })]
            $(
                #[test]
                fn $name(
                    method in method(ROUTES[$index].0),
                    session in segment(&world().session),
                    payment in segment(&world().payment),
                    query in query(),
                    content_type in content_type(),
                    token in token(),
                    body in body(),
                ) {
                    check($index, &method, &session, &payment, &query, content_type.as_deref(), token.as_deref(), body)?;
                }
            )*
        }
    };
}

route_properties! {
    session_show => 0,
    mobile_payment_start => 1,
    payment_page => 2,
    payment_page_closed => 3,
    payout_start => 4,
    payment_show => 5,
    payment_events => 6,
    otp_submit => 7,
    otp_resend => 8,
    openapi => 9,
    gate_callback => 10,
    cash_in => 11,
    admin_sessions => 12,
    admin_payments => 13,
    admin_payment => 14,
    admin_refunds => 15,
    admin_payouts => 16,
    demo_sessions => 17,
    demo_terminal => 18,
    healthz => 19,
    unknown_route => 20,
    admin_session => 21,
    admin_events => 22,
    admin_event => 23,
    admin_event_redeliver => 24,
    demo_webhooks => 25,
    demo_order => 26,
    admin_first_screen => 27,
    demo_page => 28,
}
