//! `checkout-bench webhooks` (`make bench`): what webhooks cost a payment and how fast the outbox
//! empties. One sandbox, and three backends on SQLite files of their own: one without webhooks,
//! one sending them to a local endpoint (this process, answering 204 at once), one sending them
//! to an endpoint that never answers. The same payment creations go to each (payments the
//! platform refuses at once, so each ends with an event written in its transaction), after a
//! warm-up; then the deliveries to the answering endpoint are timed until its outbox is empty.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::soak::free_port;

const SECRET: &str = "bench-secret";
const ADMIN: &str = "bench-admin-token-0123456789";
const WEBHOOK_SECRET: &str = "bench-webhook-secret-0123456789";

/// The settings of one run.
pub struct Webhooks {
    /// Where checkout-sandbox and checkout-server are.
    pub bin: PathBuf,
    /// Where the databases and logs go.
    pub dir: PathBuf,
    /// Payments created on each backend.
    pub payments: usize,
    /// Of them at once.
    pub concurrency: usize,
}

/// What the local endpoint saw: how many deliveries, the first and the last.
#[derive(Default)]
struct Sink {
    received: AtomicUsize,
    span: Mutex<Option<(Instant, Instant)>>,
}

impl Sink {
    fn took(&self) {
        self.received.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        let mut span = self.span.lock().unwrap_or_else(|p| p.into_inner());
        *span = Some(span.map_or((now, now), |(first, _)| (first, now)));
    }
}

fn log(dir: &std::path::Path, name: &str) -> Stdio {
    std::fs::File::create(dir.join(format!("webhooks-{name}.log"))).map(Stdio::from).unwrap_or_else(|_| Stdio::null())
}

fn server(run: &Webhooks, port: u16, sandbox: u16, database: &str, webhook: Option<&str>) -> std::io::Result<Child> {
    let mut command = Command::new(run.bin.join("checkout-server"));
    command
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("CHECKOUT_SECRET_KEY", SECRET)
        .env("CHECKOUT_ADMIN_TOKEN", ADMIN)
        .env("CHECKOUT_PROJECT_ID", "1234")
        .env("CHECKOUT_BRAND", "sandbox")
        .env("CHECKOUT_GATE_URL", format!("http://127.0.0.1:{sandbox}"))
        .env("CHECKOUT_PAYMENT_PAGE_URL", format!("http://127.0.0.1:{sandbox}"))
        .env("CHECKOUT_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("CHECKOUT_DATABASE_URL", format!("sqlite://{}?mode=rwc", run.dir.join(database).display()))
        .env("CHECKOUT_LIMIT_PAYMENTS", "1000000")
        .env("CHECKOUT_LIMIT_SESSIONS", "1000000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log(&run.dir, database));
    if let Some(url) = webhook {
        command.env("CHECKOUT_WEBHOOK_URL", url).env("CHECKOUT_WEBHOOK_SECRET", WEBHOOK_SECRET);
    }
    command.spawn()
}

async fn healthy(http: &reqwest::Client, base: &str) -> bool {
    for _ in 0..200 {
        if http.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Creates `payments` sessions, then one payment on each, `concurrency` at once; payment
/// creations per second (those answered 201).
async fn creations(http: &reqwest::Client, base: &str, payments: usize, concurrency: usize) -> f64 {
    let mut sessions = Vec::with_capacity(payments);
    for i in 0..payments {
        let body = json!({ "amount": 100_000, "currency": "KZT", "methods": ["mobile"],
            "customer": { "id": format!("webhooks-{i}"), "first_name": "Bench", "last_name": "Customer", "email": "bench@example.kz" } });
        let answer: Option<Value> =
            async { http.post(format!("{base}/admin/sessions")).bearer_auth(ADMIN).json(&body).send().await.ok()?.json().await.ok() }.await;
        if let Some(token) = answer.as_ref().and_then(|a| a["session"].as_str()) {
            sessions.push(token.to_owned());
        }
    }
    let slots = Arc::new(Semaphore::new(concurrency));
    let created = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for session in sessions {
        let Ok(permit) = slots.clone().acquire_owned().await else { break };
        let (http, url, created) = (http.clone(), format!("{base}/api/sessions/{session}/mobile-payments"), created.clone());
        tasks.push(tokio::spawn(async move {
            // The sandbox's Altel number the platform refuses: the payment ends at once, with an event.
            let answer = http.post(url).json(&json!({ "operator": "ALTEL", "phone": "77000000003" })).send().await;
            if answer.is_ok_and(|r| r.status().as_u16() == 201) {
                created.fetch_add(1, Ordering::Relaxed);
            }
            drop(permit);
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    created.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64().max(1e-9)
}

/// The run: creations per second with webhooks off, then on, then deliveries per second.
pub async fn run(settings: Webhooks) -> Result<Value, String> {
    let _ = std::fs::create_dir_all(&settings.dir);
    for file in ["webhooks-on.db", "webhooks-off.db", "webhooks-hanging.db"] {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(settings.dir.join(format!("{file}{suffix}")));
        }
    }
    let sink = Arc::new(Sink::default());
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let endpoint = format!("http://{}/webhooks", listener.local_addr().map_err(|e| e.to_string())?);
    let seen = sink.clone();
    let app = axum::Router::new()
        .route(
            "/webhooks",
            post(move || {
                let seen = seen.clone();
                async move {
                    seen.took();
                    StatusCode::NO_CONTENT
                }
            }),
        )
        .route(
            "/hanging",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                StatusCode::NO_CONTENT
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (sandbox_port, off_port, on_port, hanging_port) = (free_port().await, free_port().await, free_port().await, free_port().await);
    let mut children = vec![Command::new(settings.bin.join("checkout-sandbox"))
        .args(["--listen", &format!("127.0.0.1:{sandbox_port}")])
        .env("SANDBOX_SECRET_KEY", SECRET)
        .env("SANDBOX_PROJECT_ID", "1234")
        .env("SANDBOX_CALLBACK_URL", format!("http://127.0.0.1:{on_port}/callbacks/gate"))
        .stdout(Stdio::null())
        .stderr(log(&settings.dir, "sandbox"))
        .spawn()
        .map_err(|e| format!("checkout-sandbox: {e}"))?];
    children.push(server(&settings, off_port, sandbox_port, "webhooks-off.db", None).map_err(|e| format!("checkout-server: {e}"))?);
    children.push(server(&settings, on_port, sandbox_port, "webhooks-on.db", Some(&endpoint)).map_err(|e| format!("checkout-server: {e}"))?);
    let hanging_endpoint = endpoint.replace("/webhooks", "/hanging");
    children.push(
        server(&settings, hanging_port, sandbox_port, "webhooks-hanging.db", Some(&hanging_endpoint)).map_err(|e| format!("checkout-server: {e}"))?,
    );
    let http = reqwest::Client::builder().pool_max_idle_per_host(256).timeout(Duration::from_secs(60)).build().map_err(|e| e.to_string())?;
    let base = |port: u16| format!("http://127.0.0.1:{port}");
    let (off, on, hanging) = (base(off_port), base(on_port), base(hanging_port));
    let result = async {
        for backend in [&off, &on, &hanging] {
            if !healthy(&http, backend).await {
                return Err("a backend did not start (target/bench/webhooks-*.log)".to_owned());
            }
        }
        // Warm-up: connections, caches and the first writes of each database, not counted.
        let warm_up = 100;
        for backend in [&off, &on, &hanging] {
            creations(&http, backend, warm_up, settings.concurrency).await;
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while sink.received.load(Ordering::Relaxed) < warm_up && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        sink.received.store(0, Ordering::Relaxed);
        *sink.span.lock().unwrap_or_else(|p| p.into_inner()) = None;

        eprintln!("webhooks: {} payments on backends without webhooks, with them, and with a shop that never answers", settings.payments);
        let off_rate = creations(&http, &off, settings.payments, settings.concurrency).await;
        let on_rate = creations(&http, &on, settings.payments, settings.concurrency).await;
        let deadline = Instant::now() + Duration::from_secs(180);
        while sink.received.load(Ordering::Relaxed) < settings.payments && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let received = sink.received.load(Ordering::Relaxed);
        let span = sink.span.lock().unwrap_or_else(|p| p.into_inner()).map(|(first, last)| last - first).unwrap_or_default();
        let hanging_rate = creations(&http, &hanging, settings.payments, settings.concurrency).await;
        Ok(json!({
            "payments": settings.payments,
            "concurrency": settings.concurrency,
            "creations_per_sec_webhooks_off": off_rate,
            "creations_per_sec_webhooks_on": on_rate,
            "creations_per_sec_shop_hanging": hanging_rate,
            "deliveries": received,
            "deliveries_per_sec": received as f64 / span.as_secs_f64().max(1e-3),
        }))
    }
    .await;
    for child in &mut children {
        let _ = child.kill();
        let _ = child.wait();
    }
    result
}
