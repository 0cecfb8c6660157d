//! Test harness: a real sandbox and the backend, each on a port-0 socket, wired to each other
//! (Gate calls to the sandbox, callbacks and cash-in requests back to the backend).
#![allow(dead_code)]

use std::time::Duration;

use checkout_server::config::Config;
use checkout_server::{run, App};
use serde_json::{json, Value};
use tokio::net::TcpListener;

pub const PROJECT: u64 = 1234;
pub const SECRET: &str = "server-test-secret";
pub const ADMIN: &str = "test-admin-token-0123456789";

pub struct Stack {
    pub server: String,
    pub sandbox: String,
    pub app: App,
    pub http: reqwest::Client,
}

/// Timings both sides share.
pub struct Tuning {
    pub otp_ttl: Duration,
    pub reconcile_after: Duration,
    pub delayed_callback: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning { otp_ttl: Duration::from_secs(80), reconcile_after: Duration::from_secs(60), delayed_callback: Duration::from_millis(500) }
    }
}

impl Stack {
    pub async fn start(tuning: Tuning) -> Stack {
        let sandbox_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sandbox = format!("http://{}", sandbox_listener.local_addr().unwrap());
        let server = format!("http://{}", server_listener.local_addr().unwrap());

        let mut sandbox_config = checkout_sandbox::Config::for_tests(PROJECT, SECRET);
        sandbox_config.callback_url = Some(format!("{server}/callbacks/gate"));
        sandbox_config.cashin_url = Some(format!("{server}/webservice/cash-in"));
        sandbox_config.otp_ttl = tuning.otp_ttl;
        sandbox_config.delayed_callback = tuning.delayed_callback;
        tokio::spawn(checkout_sandbox::run(sandbox_listener, sandbox_config, std::future::pending()));

        let mut config = Config::for_tests(&sandbox, PROJECT, SECRET);
        config.public_url = server.clone();
        config.otp_ttl = tuning.otp_ttl;
        config.reconcile_after = tuning.reconcile_after;
        let app = App::new(config).await.unwrap();
        tokio::spawn(run(server_listener, app.clone(), std::future::pending()));
        Stack { server, sandbox, app, http: reqwest::Client::new() }
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self.http.post(format!("{}{path}", self.server)).json(body).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self.http.get(format!("{}{path}", self.server)).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    pub async fn admin(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self.http.post(format!("{}{path}", self.server)).bearer_auth(ADMIN).json(body).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    pub async fn session(&self, methods: &[&str]) -> String {
        let body = json!({
            "amount": 100_000, "currency": "KZT", "methods": methods,
            "customer": { "id": format!("cust-{}", rand_suffix()), "first_name": "Aigerim", "last_name": "Nurlanova", "email": "aigerim@example.kz" }
        });
        let (status, created) = self.admin("/admin/sessions", &body).await;
        assert_eq!(status, 201, "{created}");
        created["session"].as_str().unwrap().to_owned()
    }

    /// Starts a phone payment and returns its id.
    pub async fn pay(&self, session: &str, phone: &str) -> String {
        let (status, payment) = self.post(&format!("/api/sessions/{session}/mobile-payments"), &json!({ "operator": "KCELL", "phone": phone })).await;
        assert!(status == 201 || status == 200, "{status} {payment}");
        payment["payment_id"].as_str().unwrap().to_owned()
    }

    /// Polls the payment until `done` holds (10 s at most).
    pub async fn until(&self, payment_id: &str, done: impl Fn(&Value) -> bool) -> Value {
        let mut last = Value::Null;
        for _ in 0..500 {
            let (_, view) = self.get(&format!("/api/payments/{payment_id}")).await;
            if done(&view) {
                return view;
            }
            last = view;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("payment {payment_id} never got there; last: {last}");
    }

    pub async fn until_state(&self, payment_id: &str, state: &str) -> Value {
        self.until(payment_id, |v| v["state"] == state).await
    }

    /// The newest code texted to `phone` once there are `count` texts.
    pub async fn code(&self, phone: &str, count: usize) -> String {
        for _ in 0..500 {
            let inbox: Value = self.http.get(format!("{}/sandbox/sms?phone={phone}", self.sandbox)).send().await.unwrap().json().await.unwrap();
            let messages = inbox["messages"].as_array().cloned().unwrap_or_default();
            if messages.len() >= count {
                return messages.last().unwrap()["code"].as_str().unwrap().to_owned();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no code for {phone}");
    }

    pub async fn otp(&self, payment_id: &str, code: &str) -> (u16, Value) {
        self.post(&format!("/api/payments/{payment_id}/otp"), &json!({ "code": code })).await
    }
}

pub fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}
