//! Test harness: a real sandbox and the backend, each on a port-0 socket, wired to each other
//! (Gate calls to the sandbox, callbacks and cash-in requests back to the backend).
#![allow(dead_code)]

pub mod fault_proxy;
pub mod shop_endpoint;

use std::time::Duration;

use checkout_server::config::Config;
use checkout_server::{run, App};
use serde_json::{json, Value};
use tokio::net::TcpListener;

pub const PROJECT: u64 = 1234;
pub const SECRET: &str = "server-test-secret";
pub const ADMIN: &str = "test-admin-token-0123456789";

/// Which database a test runs on. Every integration test runs on both: `both!` makes the pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// A file of its own under Cargo's test scratch folder (WAL and fsync like production).
    Sqlite,
    /// A database of its own in the throwaway cluster `scripts/with-postgres.sh` starts.
    Postgres,
}

impl Store {
    /// The URL of a new, empty database.
    pub async fn fresh(self) -> String {
        match self {
            Store::Sqlite => {
                let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dbs");
                std::fs::create_dir_all(&dir).unwrap();
                let file = dir.join(format!("{}.db", rand_suffix()));
                for stale in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{stale}", file.display()));
                }
                format!("sqlite://{}?mode=rwc", file.display())
            }
            Store::Postgres => fresh_postgres().await,
        }
    }
}

/// A new database in the test cluster, named after this process and a counter.
pub async fn fresh_postgres() -> String {
    use sqlx::{Connection, Executor};
    let admin = std::env::var("CHECKOUT_TEST_POSTGRES_URL").expect(
        "CHECKOUT_TEST_POSTGRES_URL is not set: run the tests with `make test-native` (or scripts/with-postgres.sh cargo test), which starts a throwaway PostgreSQL",
    );
    let name = format!("t_{}", rand_suffix().replace('-', "_"));
    let mut connection = sqlx::PgConnection::connect(&admin).await.unwrap();
    connection.execute(format!("CREATE DATABASE {name}").as_str()).await.unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// Runs each named `async fn(Store)` on SQLite and on PostgreSQL: `name::sqlite`, `name::postgres`.
#[macro_export]
macro_rules! both {
    ($($test:ident),* $(,)?) => {
        $(
            mod $test {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$test($crate::common::Store::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$test($crate::common::Store::Postgres).await
                }
            }
        )*
    };
}

pub struct Stack {
    pub server: String,
    pub sandbox: String,
    pub app: App,
    pub http: reqwest::Client,
    /// Shared with the sandbox (for stacks from `Stack::start`).
    pub clock: checkout_protocol::time::Clock,
}

/// Timings both sides share.
pub struct Tuning {
    pub otp_ttl: Duration,
    pub reconcile_after: Duration,
    pub delayed_callback: Duration,
    /// The backend's per-address limits.
    pub limits: checkout_server::config::AddressLimits,
    /// The one clock of the backend and the sandbox: tests skip it ahead instead of sleeping.
    pub clock: checkout_protocol::time::Clock,
    /// How long after a request the platform answers status requests about it (both sides).
    pub status_min_age: Duration,
    /// Whether the backend refunds a session's duplicate payment by itself.
    pub auto_refund_duplicates: bool,
    /// Proxies in front of the backend whose `X-Forwarded-For` entries it trusts.
    pub trusted_proxies: u32,
    /// How long the backend waits for a Gate answer.
    pub gate_timeout: Duration,
    /// Whether the backend serves the demo shop's `/demo/*` routes.
    pub demo_shop: bool,
    /// Where the backend sends webhooks (none by default).
    pub webhook: Option<checkout_server::config::WebhookConfig>,
    /// Webhooks to the backend's own demo shop endpoint (`/demo/webhooks`), as `make demo` does.
    pub webhooks_to_demo_shop: bool,
    /// The shop's name, when not the tests' own.
    pub merchant_name: Option<String>,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            otp_ttl: Duration::from_secs(80),
            reconcile_after: Duration::from_secs(60),
            delayed_callback: Duration::from_millis(500),
            limits: checkout_server::config::AddressLimits::DEFAULT,
            clock: checkout_protocol::time::Clock::system(),
            status_min_age: Duration::ZERO,
            auto_refund_duplicates: true,
            trusted_proxies: 0,
            gate_timeout: Duration::from_secs(10),
            demo_shop: false,
            webhook: None,
            webhooks_to_demo_shop: false,
            merchant_name: None,
        }
    }
}

/// The secret of the webhooks to the demo shop's endpoint in tests.
pub const DEMO_WEBHOOK_SECRET: &str = "demo-webhook-secret-for-tests";

/// A sandbox on `listener` whose callbacks and cash-in requests go to `server`.
pub fn start_sandbox(listener: TcpListener, server: &str, tuning: &Tuning) {
    let mut sandbox_config = checkout_sandbox::Config::for_tests(PROJECT, SECRET);
    sandbox_config.callback_url = Some(format!("{server}/callbacks/gate"));
    sandbox_config.cashin_url = Some(format!("{server}/webservice/cash-in"));
    sandbox_config.otp_ttl = tuning.otp_ttl;
    sandbox_config.delayed_callback = tuning.delayed_callback;
    sandbox_config.clock = tuning.clock.clone();
    sandbox_config.status_min_age = tuning.status_min_age;
    tokio::spawn(checkout_sandbox::run(listener, sandbox_config, std::future::pending()));
}

impl Stack {
    /// Skips the backend's and the sandbox's clock ahead: a code expires without a wait.
    pub fn skip(&self, by: Duration) {
        self.clock.skip(checkout_protocol::time::Millis::from_duration(by));
    }

    pub async fn start(store: Store, tuning: Tuning) -> Stack {
        let sandbox_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sandbox = format!("http://{}", sandbox_listener.local_addr().unwrap());
        let stack = Stack::backend(store, &sandbox, &tuning).await;
        start_sandbox(sandbox_listener, &stack.server, &tuning);
        stack
    }

    /// A sandbox, and the backend reaching its Gate through a fault proxy (callbacks come
    /// straight back); `stack.sandbox` is the sandbox itself, for its inbox and inspection.
    pub async fn start_behind_proxy(store: Store, tuning: Tuning) -> (Stack, fault_proxy::FaultProxy) {
        let sandbox_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sandbox = format!("http://{}", sandbox_listener.local_addr().unwrap());
        let proxy = fault_proxy::FaultProxy::start(&sandbox).await;
        let mut stack = Stack::backend(store, &proxy.url, &tuning).await;
        start_sandbox(sandbox_listener, &stack.server, &tuning);
        stack.sandbox = sandbox;
        (stack, proxy)
    }

    /// The backend alone, on a new database, talking to the Gate at `sandbox`.
    pub async fn backend(store: Store, sandbox: &str, tuning: &Tuning) -> Stack {
        Stack::backend_on(&store.fresh().await, sandbox, tuning).await
    }

    /// Another instance of the backend on the database at `database_url`.
    pub async fn backend_on(database_url: &str, sandbox: &str, tuning: &Tuning) -> Stack {
        let server_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = format!("http://{}", server_listener.local_addr().unwrap());
        let mut config = Config::for_tests(sandbox, PROJECT, SECRET);
        config.database_url = database_url.to_owned();
        config.public_url = server.clone();
        config.otp_ttl = tuning.otp_ttl;
        config.reconcile_after = tuning.reconcile_after;
        config.limits = tuning.limits;
        config.clock = tuning.clock.clone();
        config.status_min_age = tuning.status_min_age;
        config.auto_refund_duplicates = tuning.auto_refund_duplicates;
        config.trusted_proxies = tuning.trusted_proxies;
        config.gate_timeout = tuning.gate_timeout;
        config.demo_shop = tuning.demo_shop;
        config.webhook = tuning.webhook.clone();
        if let Some(name) = &tuning.merchant_name {
            config.merchant_name = name.clone();
        }
        if tuning.webhooks_to_demo_shop {
            config.webhook = Some(checkout_server::config::WebhookConfig {
                url: format!("{server}/demo/webhooks"),
                secret: checkout_server::config::Secret::new(DEMO_WEBHOOK_SECRET),
                previous_secret: None,
                retry_scale: 0.001,
            });
        }
        let app = App::new(config).await.unwrap();
        tokio::spawn(run(server_listener, app.clone(), std::future::pending()));
        Stack { server, sandbox: sandbox.to_owned(), app, http: reqwest::Client::new(), clock: tuning.clock.clone() }
    }

    /// The payments the sandbox (the platform) received for a customer.
    pub async fn platform_payments(&self, customer_id: &str) -> Vec<Value> {
        let list: Value =
            self.http.get(format!("{}/sandbox/payments?customer_id={customer_id}", self.sandbox)).send().await.unwrap().json().await.unwrap();
        list["payments"].as_array().cloned().unwrap_or_default()
    }

    /// The sandbox's record of one payment, with its callbacks.
    pub async fn platform_payment(&self, payment_id: &str) -> Value {
        self.http.get(format!("{}/sandbox/payments/{payment_id}", self.sandbox)).send().await.unwrap().json().await.unwrap()
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

    pub async fn admin_get(&self, path: &str) -> (u16, Value) {
        let response = self.http.get(format!("{}{path}", self.server)).bearer_auth(ADMIN).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    pub async fn session(&self, methods: &[&str]) -> String {
        self.session_of(&format!("cust-{}", rand_suffix()), methods).await
    }

    /// A session of 100 000 (1 000.00 KZT) for `customer_id`.
    pub async fn session_of(&self, customer_id: &str, methods: &[&str]) -> String {
        let body = json!({
            "amount": 100_000, "currency": "KZT", "methods": methods,
            "customer": { "id": customer_id, "first_name": "Aigerim", "last_name": "Nurlanova", "email": "aigerim@example.kz" }
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

    /// A purchase of a new session, paid with the sandbox's fixed code; its id.
    pub async fn paid(&self) -> String {
        let session = self.session(&["mobile"]).await;
        let payment_id = self.pay(&session, "77000000000").await;
        self.until_state(&payment_id, "awaiting_otp").await;
        self.otp(&payment_id, "123456").await;
        self.until_state(&payment_id, "succeeded").await;
        payment_id
    }

    /// The widget API path of a payment, `rest` appended: `/api/sessions/{session}/payments/{id}{rest}`.
    pub async fn pay_path(&self, payment_id: &str, rest: &str) -> String {
        let record = self.app.db().payment(payment_id).await.unwrap().unwrap_or_else(|| panic!("no payment {payment_id}"));
        let session = record.session_token.unwrap_or_else(|| panic!("payment {payment_id} has no session"));
        format!("/api/sessions/{session}/payments/{payment_id}{rest}")
    }

    /// A payment as the widget sees it; through the admin API for one no session owns (the
    /// admin API's payouts).
    pub async fn view_of(&self, payment_id: &str) -> Value {
        let record = self.app.db().payment(payment_id).await.unwrap();
        if record.as_ref().is_some_and(|r| r.session_token.is_some()) {
            return self.get(&self.pay_path(payment_id, "").await).await.1;
        }
        let response = self.http.get(format!("{}/admin/payments/{payment_id}", self.server)).bearer_auth(ADMIN).send().await.unwrap();
        response.json::<Value>().await.unwrap_or(Value::Null)["payment"].clone()
    }

    /// Polls the payment until `done` holds (10 s at most).
    pub async fn until(&self, payment_id: &str, done: impl Fn(&Value) -> bool) -> Value {
        let mut last = Value::Null;
        for _ in 0..500 {
            let view = self.view_of(payment_id).await;
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
        self.post(&self.pay_path(payment_id, "/otp").await, &json!({ "code": code })).await
    }

    /// Pays on the sandbox's Payment Page as a customer would: opens it with the signed `params`
    /// exactly as `merchant.js` sends them (every value as text), types `phone`, then the code
    /// texted to it. Returns the page's final answer (`{"status": "success"}` when paid).
    pub async fn pay_on_payment_page(&self, params: &Value, phone: &str) -> Value {
        let pairs: Vec<(String, String)> =
            params.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned))).collect();
        let query = pairs.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect::<Vec<_>>().join("&");
        let response = self.http.get(format!("{}/payment?{query}", self.sandbox)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{}", response.text().await.unwrap());
        let texts_before = self.texts(phone).await;
        let started =
            self.http.post(format!("{}/payment/api/start", self.sandbox)).json(&json!({ "params": query, "phone": phone })).send().await.unwrap();
        assert_eq!(started.status().as_u16(), 200);
        let code = self.code(phone, texts_before + 1).await;
        let done = self.http.post(format!("{}/payment/api/otp", self.sandbox)).json(&json!({ "params": query, "code": code })).send().await.unwrap();
        done.json().await.unwrap_or(Value::Null)
    }

    /// How many texts the sandbox has sent to `phone`.
    pub async fn texts(&self, phone: &str) -> usize {
        let inbox: Value = self.http.get(format!("{}/sandbox/sms?phone={phone}", self.sandbox)).send().await.unwrap().json().await.unwrap();
        inbox["messages"].as_array().map_or(0, Vec::len)
    }
}

/// Percent-encodes everything but the unreserved characters, as `encodeURIComponent` does.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}
