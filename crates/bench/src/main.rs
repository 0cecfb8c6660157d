//! `checkout-bench`: the measurements behind `make bench`, printed as JSON for the script that
//! assembles the table. Bounded in count and time, loopback only.
#![allow(clippy::print_stdout, clippy::print_stderr)] // A measuring tool reports on its streams.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use checkout_protocol::signature::{canonical_string, sign};
use clap::{Parser, Subcommand};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha512;
use tokio::sync::Semaphore;

mod soak;
mod webhooks;

/// The seeds' successful purchase callback: a realistic body to sign.
const CALLBACK: &str = include_str!("../../protocol/tests/fixtures/seeds/callback_purchase_success.json");

#[derive(Parser)]
#[command(name = "checkout-bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Signatures per second of checkout-protocol and of raw HMAC-SHA512 on the same canonical string.
    Signature {
        /// How long each measurement runs.
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
    },
    /// Durable writes per second of the disk under `dir`: a 4 KiB write then `fdatasync`, the
    /// unit of a SQLite commit. The context for the SQLite figures, which it bounds.
    Disk {
        /// A folder on the disk the benchmark's databases use.
        #[arg(long)]
        dir: std::path::PathBuf,
        /// How long the measurement runs.
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
    },
    /// Load on running backends (one or several instances on one database, with their sandbox)
    /// at several concurrency levels.
    Load {
        /// The backend instances, comma-separated: each customer's requests alternate between them.
        #[arg(long, value_delimiter = ',')]
        server: Vec<String>,
        /// The sandbox, asked afterwards how many operations it received per customer.
        #[arg(long)]
        sandbox: String,
        /// The project's secret (signs the callbacks sent to the backend).
        #[arg(long, env = "BENCH_SECRET")]
        secret: String,
        /// The admin token.
        #[arg(long, env = "BENCH_ADMIN_TOKEN")]
        admin_token: String,
        /// Concurrent customers, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,50,500")]
        concurrency: Vec<usize>,
        /// Requests per phase at each level (at least the concurrency).
        #[arg(long, default_value_t = 500)]
        requests: usize,
    },
    /// Payment creations per second with webhooks on against off, and webhook deliveries per
    /// second to a local endpoint (two backends on SQLite files and a sandbox, started here).
    Webhooks {
        /// Where the checkout-sandbox and checkout-server binaries are.
        #[arg(long, default_value = "target/release")]
        bin: std::path::PathBuf,
        /// Where the databases and logs go.
        #[arg(long, default_value = "target/bench")]
        dir: std::path::PathBuf,
        /// Payments created on each backend.
        #[arg(long, default_value_t = 1000)]
        payments: usize,
        /// Of them at once.
        #[arg(long, default_value_t = 50)]
        concurrency: usize,
    },
    /// Mixed customers against two instances on one PostgreSQL database while the platform is
    /// slowed and cut off and instances are killed; then every payment is audited (`make soak`).
    Soak {
        /// How long customers keep coming, in minutes.
        #[arg(long, default_value_t = 20.0)]
        minutes: f64,
        /// Customers at once.
        #[arg(long, default_value_t = 16)]
        customers: usize,
        /// The chaos schedule's seed.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// The PostgreSQL database both instances use.
        #[arg(long, env = "CHECKOUT_TEST_POSTGRES_URL")]
        database_url: String,
        /// Where the processes' logs go.
        #[arg(long, default_value = "target/soak")]
        out: std::path::PathBuf,
        /// Where the checkout-sandbox and checkout-server binaries are.
        #[arg(long, default_value = "target/release")]
        bin: std::path::PathBuf,
    },
}

/// Runs `f` repeatedly for about `seconds` and returns calls per second.
fn per_second(seconds: f64, mut f: impl FnMut() -> usize) -> f64 {
    let start = Instant::now();
    let mut calls = 0u64;
    let mut sink = 0usize;
    while start.elapsed().as_secs_f64() < seconds {
        for _ in 0..256 {
            sink = sink.wrapping_add(f());
        }
        calls += 256;
    }
    std::hint::black_box(sink);
    calls as f64 / start.elapsed().as_secs_f64()
}

fn signature(seconds: f64) {
    let body: Value = serde_json::from_str(CALLBACK).unwrap_or(Value::Null);
    let secret = "bench-secret";
    let ours = per_second(seconds, || sign(std::hint::black_box(&body), secret).len());
    let canonical = canonical_string(&body);
    let raw = per_second(seconds, || {
        let mut mac = <Hmac<Sha512> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
        mac.update(std::hint::black_box(canonical.as_bytes()));
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()).len()
    });
    println!("{}", json!({ "ours_per_sec": ours, "raw_hmac_per_sec": raw, "signature": sign(&body, secret), "canonical_bytes": canonical.len() }));
}

fn disk(dir: &std::path::Path, seconds: f64) {
    let path = dir.join("disk-probe");
    let result = durable_writes_per_second(&path, seconds);
    let _ = std::fs::remove_file(&path);
    match result {
        Ok(rate) => println!("{}", json!({ "durable_writes_per_sec": rate })),
        Err(error) => {
            eprintln!("checkout-bench disk: {}: {error}", path.display());
            std::process::exit(1);
        }
    }
}

/// 4 KiB writes to `path`, each followed by `fdatasync`, for about `seconds`: how many a second.
fn durable_writes_per_second(path: &std::path::Path, seconds: f64) -> std::io::Result<f64> {
    use std::io::Write as _;
    let mut file = std::fs::File::create(path)?;
    let block = [0u8; 4096];
    let start = Instant::now();
    let mut writes = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        file.write_all(&block)?;
        file.sync_data()?;
        writes += 1;
    }
    Ok(writes as f64 / start.elapsed().as_secs_f64())
}

/// Latencies of one phase.
struct Phase {
    latencies: Vec<Duration>,
    errors: usize,
    wall: Duration,
}

impl Phase {
    fn report(mut self, name: &str, concurrency: usize) -> Value {
        self.latencies.sort();
        let pick = |q: f64| self.latencies.get(((self.latencies.len() as f64 - 1.0) * q).round() as usize).map_or(0.0, |d| d.as_secs_f64() * 1000.0);
        json!({
            "phase": name,
            "concurrency": concurrency,
            "requests": self.latencies.len() + self.errors,
            "errors": self.errors,
            "rate_per_sec": (self.latencies.len() as f64) / self.wall.as_secs_f64().max(1e-9),
            "p50_ms": pick(0.5),
            "p99_ms": pick(0.99),
        })
    }
}

/// Sends `requests` built by `make` with at most `concurrency` in flight.
async fn run_phase<F, Fut>(concurrency: usize, requests: usize, make: F) -> Phase
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let gate = Arc::new(Semaphore::new(concurrency));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(requests);
    for i in 0..requests {
        let permit = gate.clone().acquire_owned().await.unwrap_or_else(|_| unreachable!());
        let request = make(i);
        tasks.push(tokio::spawn(async move {
            let began = Instant::now();
            let ok = request.await;
            drop(permit);
            (ok, began.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(requests);
    let mut errors = 0;
    for task in tasks {
        match task.await {
            Ok((true, latency)) => latencies.push(latency),
            _ => errors += 1,
        }
    }
    Phase { latencies, errors, wall: start.elapsed() }
}

async fn create_session(http: &reqwest::Client, server: &str, token: &str, customer: &str) -> Option<String> {
    let body = json!({
        "amount": 100_000, "currency": "KZT", "methods": ["mobile"],
        "customer": { "id": customer, "first_name": "Bench", "last_name": "Customer", "email": "bench@example.kz" }
    });
    let answer: Value = http.post(format!("{server}/admin/sessions")).bearer_auth(token).json(&body).send().await.ok()?.json().await.ok()?;
    answer["session"].as_str().map(str::to_owned)
}

/// `path` is a payment's `{session}/payments/{payment_id}`: the widget API names a payment with its session.
async fn payment_state(http: &reqwest::Client, server: &str, path: &str) -> String {
    let answer: Option<Value> = async { http.get(format!("{server}/api/sessions/{path}")).send().await.ok()?.json().await.ok() }.await;
    answer.and_then(|a| a["state"].as_str().map(str::to_owned)).unwrap_or_default()
}

/// Waits until every payment is in one of `states` (or `deadline` passes); returns how many are not.
async fn settle(http: &reqwest::Client, server: &str, ids: &[String], states: &[&str], deadline: Duration) -> usize {
    let start = Instant::now();
    let mut pending: Vec<String> = ids.to_vec();
    while !pending.is_empty() && start.elapsed() < deadline {
        let mut still = Vec::new();
        for id in pending {
            if !states.contains(&payment_state(http, server, &id).await.as_str()) {
                still.push(id);
            }
        }
        pending = still;
        if !pending.is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    pending.len()
}

/// Operations the platform received beyond one per customer of this level (`bench-{level}-…`).
async fn duplicates_at_platform(http: &reqwest::Client, sandbox: &str, level: usize) -> Option<usize> {
    let list: Value = http.get(format!("{sandbox}/sandbox/payments")).send().await.ok()?.json().await.ok()?;
    let prefix = format!("bench-{level}-");
    let mut per_customer = std::collections::HashMap::<String, usize>::new();
    for payment in list["payments"].as_array()? {
        if let Some(customer) = payment["customer_id"].as_str().filter(|c| c.starts_with(&prefix)) {
            *per_customer.entry(customer.to_owned()).or_default() += 1;
        }
    }
    Some(per_customer.values().map(|n| n - 1).sum())
}

async fn load(servers: Vec<String>, sandbox: String, secret: String, token: String, levels: Vec<usize>, requests: usize) {
    let http = reqwest::Client::builder().pool_max_idle_per_host(1024).timeout(Duration::from_secs(60)).build().unwrap_or_default();
    let servers = Arc::new(servers);
    // Request `i` goes to instance `i + shift`: a customer's steps land on different instances.
    let at = |servers: &[String], i: usize, shift: usize| servers[(i + shift) % servers.len()].clone();
    let server = servers[0].clone();
    let mut results = Vec::new();
    let mut lost_total = 0;
    let mut duplicated_total: usize = 0;
    for concurrency in levels {
        let n = requests.max(concurrency);
        eprintln!("load: {concurrency} concurrent customers, {n} requests a phase");
        let mut sessions = Vec::with_capacity(n);
        for i in 0..n {
            if let Some(s) = create_session(&http, &at(&servers, i, 0), &token, &format!("bench-{concurrency}-{i}")).await {
                sessions.push(s);
            }
        }
        let sessions = Arc::new(sessions);

        let (h, s, all) = (http.clone(), sessions.clone(), servers.clone());
        let phase = run_phase(concurrency, n, move |i| {
            let (h, url) = (h.clone(), format!("{}/api/sessions/{}", at(&all, i, 1), s[i % s.len()]));
            async move { h.get(url).send().await.is_ok_and(|r| r.status().is_success()) }
        })
        .await;
        results.push(phase.report("session load", concurrency));

        let ids = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (h, s, all, collected) = (http.clone(), sessions.clone(), servers.clone(), ids.clone());
        let phase = run_phase(concurrency, s.len(), move |i| {
            let (h, url, collected, session) =
                (h.clone(), format!("{}/api/sessions/{}/mobile-payments", at(&all, i, 0), s[i]), collected.clone(), s[i].clone());
            async move {
                let Ok(response) = h.post(url).json(&json!({ "operator": "ALTEL", "phone": "77000000000" })).send().await else {
                    return false;
                };
                let created = response.status().as_u16() == 201;
                let answer: Value = response.json().await.unwrap_or(Value::Null);
                if let Some(id) = answer["payment_id"].as_str() {
                    collected.lock().unwrap_or_else(|p| p.into_inner()).push(format!("{session}/payments/{id}"));
                }
                created
            }
        })
        .await;
        results.push(phase.report("payment creation", concurrency));
        let ids: Vec<String> = ids.lock().unwrap_or_else(|p| p.into_inner()).clone();

        let not_waiting = settle(&http, &server, &ids, &["awaiting_otp"], Duration::from_secs(60)).await;
        let ids = Arc::new(ids);
        let (h, i2, all) = (http.clone(), ids.clone(), servers.clone());
        let phase = run_phase(concurrency, i2.len(), move |i| {
            let (h, url) = (h.clone(), format!("{}/api/sessions/{}/otp", at(&all, i, 1), i2[i]));
            async move { h.post(url).json(&json!({ "code": "123456" })).send().await.is_ok_and(|r| r.status().as_u16() == 202) }
        })
        .await;
        results.push(phase.report("OTP submission", concurrency));
        let lost = settle(&http, &server, &ids, &["succeeded"], Duration::from_secs(120)).await;
        lost_total += lost;

        // Callback ingestion: the platform's retries of final callbacks, signed, idempotent.
        let (h, i3, all, key) = (http.clone(), ids.clone(), servers.clone(), secret.clone());
        let phase = run_phase(concurrency, i3.len().max(1), move |i| {
            let (h, url) = (h.clone(), format!("{}/callbacks/gate", at(&all, i, 0)));
            let mut body: Value = serde_json::from_str(CALLBACK).unwrap_or(Value::Null);
            let payment_id = i3.get(i).and_then(|path| path.rsplit('/').next()).unwrap_or_default();
            body["payment"]["id"] = json!(payment_id);
            body.as_object_mut().map(|o| o.remove("signature"));
            body["signature"] = json!(sign(&body, &key));
            async move { h.post(url).json(&body).send().await.is_ok_and(|r| r.status().is_success()) }
        })
        .await;
        results.push(phase.report("callback ingestion", concurrency));
        let duplicated = duplicates_at_platform(&http, &sandbox, concurrency).await.unwrap_or(usize::MAX);
        duplicated_total = duplicated_total.saturating_add(duplicated);
        results.push(json!({ "phase": "final states", "concurrency": concurrency, "payments": ids.len(), "not_awaiting_otp_in_time": not_waiting, "not_succeeded": lost, "duplicated_at_platform": duplicated }));
    }
    println!("{}", json!({ "load": results, "lost": lost_total, "duplicated": duplicated_total }));
}

#[tokio::main]
async fn main() {
    match Cli::parse().command {
        Command::Signature { seconds } => signature(seconds),
        Command::Disk { dir, seconds } => disk(&dir, seconds),
        Command::Load { server, sandbox, secret, admin_token, concurrency, requests } => {
            let servers = server.iter().map(|s| s.trim_end_matches('/').to_owned()).collect();
            load(servers, sandbox.trim_end_matches('/').to_owned(), secret, admin_token, concurrency, requests).await
        }
        Command::Webhooks { bin, dir, payments, concurrency } => match webhooks::run(webhooks::Webhooks { bin, dir, payments, concurrency }).await {
            Ok(report) => println!("{report}"),
            Err(e) => {
                eprintln!("checkout-bench webhooks: {e}");
                std::process::exit(1);
            }
        },
        Command::Soak { minutes, customers, seed, database_url, out, bin } => {
            let _ = std::fs::create_dir_all(&out);
            let settings = soak::Soak { duration: Duration::from_secs_f64(minutes * 60.0), customers, seed, database_url, out, bin };
            match soak::run(settings).await {
                Ok(report) => println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default()),
                Err(report) => {
                    println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
                    eprintln!("checkout-bench soak: money was lost or charged twice");
                    std::process::exit(1);
                }
            }
        }
    }
}
