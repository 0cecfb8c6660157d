//! Test harness: the sandbox on a port-0 socket, a mock merchant that receives callbacks and
//! answers the cash-in web service, and a second signer written independently of
//! `checkout-protocol`, so a bug shared by the sandbox's signer and verifier cannot hide.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine as _;
use checkout_sandbox::{run, Config};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha512;
use tokio::net::TcpListener;

pub const PROJECT: u64 = 4242;
pub const SECRET: &str = "sandbox-test-secret";

/// An independent implementation of the platform's signature for test requests: flatten to
/// `path:value`, sort, join with `;`, HMAC-SHA512, Base64. It handles what test bodies contain
/// (objects, strings, integers, booleans, at most ten array items) and nothing more.
pub fn independent_sign(value: &Value, secret: &str) -> String {
    fn walk(path: &str, value: &Value, out: &mut Vec<(String, String)>) {
        let join = |key: &str| {
            if path.is_empty() {
                key.to_owned()
            } else {
                format!("{path}:{key}")
            }
        };
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if k != "signature" && k != "frame_mode" {
                        walk(&join(&k.replace(':', "::")), v, out);
                    }
                }
            }
            Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| walk(&join(&i.to_string()), v, out)),
            Value::Bool(b) => out.push((path.to_owned(), u8::from(*b).to_string())),
            Value::Null => out.push((path.to_owned(), String::new())),
            Value::String(s) => out.push((path.to_owned(), s.clone())),
            Value::Number(n) => out.push((path.to_owned(), n.to_string())),
        }
    }
    let mut pairs = Vec::new();
    walk("", value, &mut pairs);
    pairs.sort();
    let canonical = pairs.iter().map(|(path, value)| format!("{path}:{value}")).collect::<Vec<_>>().join(";");
    let mut mac = Hmac::<Sha512>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(canonical.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A Gate request signed by the independent signer, signature in `general.signature`.
pub fn signed(mut body: Value) -> Value {
    let signature = independent_sign(&body, SECRET);
    body["general"]["signature"] = json!(signature);
    body
}

pub fn general(payment_id: &str) -> Value {
    json!({ "project_id": PROJECT, "payment_id": payment_id })
}

pub fn sale_body(payment_id: &str, phone: &str, amount: u64) -> Value {
    json!({
        "general": general(payment_id),
        "customer": { "id": "customer_123", "ip_address": "198.51.100.47", "first_name": "Aigerim", "last_name": "Nurlanova", "email": "aigerim@example.kz" },
        "account": { "number": phone },
        "payment": { "amount": amount, "currency": "KZT" }
    })
}

/// What the mock merchant saw and how it answers.
#[derive(Default)]
pub struct Merchant {
    pub callbacks: Mutex<Vec<Value>>,
    pub cash_in_requests: Mutex<Vec<Value>>,
    /// Answers to give the next callbacks (then 200).
    pub failures_left: Mutex<u32>,
}

async fn receive_callback(State(merchant): State<Arc<Merchant>>, Json(body): Json<Value>) -> StatusCode {
    let mut failures = merchant.failures_left.lock().unwrap();
    if *failures > 0 {
        *failures -= 1;
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    merchant.callbacks.lock().unwrap().push(body);
    StatusCode::OK
}

async fn cash_in(State(merchant): State<Arc<Merchant>>, Json(body): Json<Value>) -> Json<Value> {
    merchant.cash_in_requests.lock().unwrap().push(body.clone());
    if checkout_protocol::signature::verify(&body, SECRET).is_err() {
        return Json(json!({ "code": 400 }));
    }
    if body["customer_id"] == "nobody" {
        return Json(json!({ "code": 404 }));
    }
    match body["type"].as_str() {
        Some("verify") => Json(json!({ "code": 0, "currency": "KZT" })),
        Some("check_deposit") => Json(json!({ "code": 0, "payment_id": format!("deposit-{}", merchant.cash_in_requests.lock().unwrap().len()) })),
        _ => Json(json!({ "code": 500, "errors": { "message": "unknown type" } })),
    }
}

pub struct Harness {
    pub base: String,
    pub merchant: Arc<Merchant>,
    pub http: reqwest::Client,
    /// The sandbox's clock: tests skip a code's lifetime instead of sleeping through it.
    pub clock: checkout_protocol::time::Clock,
}

impl Harness {
    /// The sandbox and the mock merchant on free ports; `tune` adjusts the sandbox's configuration.
    pub async fn start(tune: impl FnOnce(&mut Config)) -> Harness {
        let merchant = Arc::new(Merchant::default());
        let merchant_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let merchant_url = format!("http://{}", merchant_listener.local_addr().unwrap());
        let app = Router::new().route("/callbacks", post(receive_callback)).route("/cash-in", post(cash_in)).with_state(merchant.clone());
        tokio::spawn(async move { axum::serve(merchant_listener, app).await.unwrap() });

        let mut config = Config::for_tests(PROJECT, SECRET);
        let clock = checkout_protocol::time::Clock::system();
        config.clock = clock.clone();
        config.callback_url = Some(format!("{merchant_url}/callbacks"));
        config.cashin_url = Some(format!("{merchant_url}/cash-in"));
        tune(&mut config);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(run(listener, config, std::future::pending()));
        Harness { base, merchant, http: reqwest::Client::new(), clock }
    }

    /// Moves the sandbox's time forward by `by`, as if that long had passed.
    pub fn skip(&self, by: Duration) {
        self.clock.skip(checkout_protocol::time::Millis::from_duration(by));
    }

    /// Waits (up to 5 s) until the sandbox's own record of `payment_id` has `status`.
    pub async fn until_platform_status(&self, payment_id: &str, status: &str) {
        for _ in 0..250 {
            if self.get(&format!("/sandbox/payments/{payment_id}")).await.1["status"] == status {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{payment_id} never became {status}");
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self.http.post(format!("{}{path}", self.base)).json(body).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self.http.get(format!("{}{path}", self.base)).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Waits until the merchant has received `n` callbacks for `payment_id`, then returns them.
    pub async fn callbacks_for(&self, payment_id: &str, n: usize) -> Vec<Value> {
        for _ in 0..200 {
            let found: Vec<Value> = self.merchant.callbacks.lock().unwrap().iter().filter(|c| c["payment"]["id"] == payment_id).cloned().collect();
            if found.len() >= n {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("fewer than {n} callbacks for {payment_id}: {:?}", self.merchant.callbacks.lock().unwrap());
    }

    /// The newest code texted to `phone`.
    pub async fn latest_code(&self, phone: &str, messages: usize) -> String {
        for _ in 0..200 {
            let (_, inbox) = self.get(&format!("/sandbox/sms?phone={phone}")).await;
            let list = inbox["messages"].as_array().cloned().unwrap_or_default();
            if list.len() >= messages {
                return list.last().unwrap()["code"].as_str().unwrap().to_owned();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("fewer than {messages} texts to {phone}");
    }
}
