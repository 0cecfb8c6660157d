//! Every route of the sandbox, in-process, against arbitrary requests: never a 5xx, every
//! refusal is the platform's envelope with one of the sandbox's codes, and nothing refused
//! creates a payment or sends a text.

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::Request;
use checkout_sandbox::error::ErrorKind;
use checkout_sandbox::{Config, Sandbox};
use http_body_util::BodyExt;
use proptest::prelude::*;
use serde_json::{json, Value};
use tower::ServiceExt;

/// Cases per route; with the routes below, 6 000 per run (the server adds 8 400).
const CASES_PER_ROUTE: u32 = 300;

const ROUTES: [(&str, &str); 20] = [
    ("POST", "/v2/info/mobile/{x}/list"),
    ("POST", "/v2/payment/mobile/sale"),
    ("POST", "/v2/payment/clarification"),
    ("POST", "/v2/customer/action/resend"),
    ("POST", "/v2/payment/mobile/refund"),
    ("POST", "/v2/payment/mobile/payout"),
    ("POST", "/v2/payment/status"),
    ("GET", "/shared/merchant.js"),
    ("GET", "/payment"),
    ("GET", "/payment/page.js"),
    ("POST", "/payment/api/start"),
    ("POST", "/payment/api/otp"),
    ("POST", "/payment/api/resend"),
    ("GET", "/sandbox/sms"),
    ("GET", "/sandbox/inbox"),
    ("GET", "/sandbox/payments"),
    ("GET", "/sandbox/payments/{x}"),
    ("POST", "/sandbox/terminal/pay"),
    ("GET", "/{x}"),
    ("GET", "/sandbox/developer"),
];

struct World {
    runtime: tokio::runtime::Runtime,
    sandbox: Sandbox,
}

/// One sandbox per test thread, so one route's cases never see another's.
fn world() -> &'static World {
    thread_local! {
        static WORLD: OnceLock<&'static World> = const { OnceLock::new() };
    }
    WORLD.with(|cell| {
        *cell.get_or_init(|| {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            Box::leak(Box::new(World { runtime, sandbox: Sandbox::new(Config::for_tests(1234, "sandbox-property-secret")) }))
        })
    })
}

fn fingerprint(sandbox: &Sandbox) -> (usize, usize) {
    let store = sandbox.store();
    (store.payments.len(), store.sms.len())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
        Just(json!(1234)),
        Just(json!("77000000000")),
        Just(json!("123456")),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("general".to_owned()),
                    Just("project_id".to_owned()),
                    Just("payment_id".to_owned()),
                    Just("signature".to_owned()),
                    Just("params".to_owned()),
                    Just("code".to_owned()),
                    Just("amount".to_owned()),
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
        1 => "[0-9]{20,400}".prop_map(|digits| format!("{{\"general\": {{\"project_id\": {digits}}}}}").into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(|mut bytes| { bytes.insert(0, 0xFF); bytes }),
        1 => (65_000usize..70_000).prop_map(|n| format!("{{\"a\": \"{}\"}}", "x".repeat(n)).into_bytes()),
    ]
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[A-Za-z0-9_.~-]{0,24}",
        1 => Just("sale".to_owned()),
        1 => Just("%FF".to_owned()),
        1 => "(%[0-9A-F]{2}){1,6}",
        1 => Just("a".repeat(9_000)),
    ]
}

fn method(usual: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(usual.to_owned()),
        1 => prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("DELETE"), Just("OPTIONS"), Just("HEAD"), Just("BREW")].prop_map(str::to_owned),
    ]
}

fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => Just(String::new()),
        1 => "[a-z_]{1,11}=[a-zA-Z0-9%+-]{0,12}(&[a-z_]{1,11}=[a-zA-Z0-9%-]{0,8}){0,2}".prop_map(|q| format!("?{q}")),
        1 => prop_oneof![Just("?project_id=abc"), Just("?phone=%FF"), Just("?customer_id=%C3%28"), Just("?project_id=-1")].prop_map(str::to_owned),
    ]
}

fn check(index: usize, method: &str, segment: &str, query: &str, content_type: Option<&str>, body: Vec<u8>) -> Result<(), TestCaseError> {
    let world = world();
    let uri = format!("{}{query}", ROUTES[index].1.replace("{x}", segment));
    if Request::builder().method(method).uri(&uri).body(()).is_err() {
        return Ok(()); // Not a request HTTP can carry at all.
    }
    let mut request = Request::builder().method(method).uri(&uri);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let request = request.body(Body::from(body)).unwrap();
    world.runtime.block_on(async {
        let before = fingerprint(&world.sandbox);
        let response = checkout_sandbox::app(world.sandbox.clone()).oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let answer = response.into_body().collect().await.unwrap().to_bytes();
        prop_assert!(status < 500, "{method} {uri}: {status} {}", String::from_utf8_lossy(&answer));
        if status >= 400 {
            prop_assert_eq!(before, fingerprint(&world.sandbox), "{} {} refused but changed state", method, uri);
            // The Payment Page itself is a page in the customer's browser: it refuses as a page.
            let page = index == 8 && method == "GET" && content_type.as_deref() == Some("text/html; charset=utf-8");
            if method != "HEAD" && !page {
                prop_assert_eq!(content_type.as_deref(), Some("application/json"), "{} {}: {}", method, uri, status);
                let envelope: Value = serde_json::from_slice(&answer).map_err(|e| TestCaseError::fail(format!("{method} {uri}: not JSON: {e}")))?;
                prop_assert_eq!(&envelope["status"], "error");
                let code = envelope["code"].as_str().unwrap_or_default();
                prop_assert!(ErrorKind::ALL.iter().any(|kind| kind.code() == code), "{method} {uri}: unknown code {envelope}");
                prop_assert!(envelope["message"].as_str().is_some_and(|m| !m.is_empty()));
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
                    segment in segment(),
                    query in query(),
                    content_type in prop_oneof![Just(Some("application/json")), Just(None), Just(Some("text/plain"))],
                    body in body(),
                ) {
                    check($index, &method, &segment, &query, content_type, body)?;
                }
            )*
        }
    };
}

route_properties! {
    operator_list => 0,
    sale => 1,
    clarification => 2,
    resend => 3,
    refund => 4,
    payout => 5,
    status => 6,
    merchant_js => 7,
    payment_page => 8,
    payment_page_js => 9,
    page_start => 10,
    page_otp => 11,
    page_resend => 12,
    sms => 13,
    inbox => 14,
    payments => 15,
    payment => 16,
    terminal => 17,
    anything_else => 18,
    developer => 19,
}
