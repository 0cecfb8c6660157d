//! `checkout-bench soak`: mixed customers for a while against two backend instances on one
//! PostgreSQL database, while the platform is slowed, cut off and brought back, and an instance is
//! killed (SIGKILL) and restarted at random moments. Then everything settles, and every payment is
//! audited against the platform: none may be lost (unfinished, or finished otherwise than the
//! platform says) and no session may be charged twice. Loopback only, bounded in time.
//!
//! The processes: the sandbox behind an in-process TCP proxy (the "platform link", which can pass,
//! slow every connection by 3 s, or refuse them), and a second in-process TCP proxy in front of
//! the two instances (the "load balancer": the customers and the platform's callbacks reach the
//! instances through it, failing over when one does not accept). The sandbox keeps its payments in
//! memory, so a platform "restart" is played as an outage of its link, which loses nothing, as a
//! real platform's restart does not.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};

const SECRET: &str = "soak-secret-not-live";
const ADMIN: &str = "soak-admin-token-0123456789";
/// The sandbox's scenario phones whose code is always `123456` (its README), by how often a
/// customer uses them: mostly plain successes, then a decline, a late final callback, no callback
/// at all, and the misleading decline after a resend.
const PHONES: [&str; 8] = ["77000000000", "77000000000", "77000000000", "77000000001", "77000000005", "77000000006", "77000000007", "77000000000"];

/// What the platform link does.
const PASS: u8 = 0;
const SLOW: u8 = 1;
const DOWN: u8 = 2;

/// Settings of one soak run.
#[derive(Debug, Clone)]
pub struct Soak {
    /// How long customers keep coming.
    pub duration: Duration,
    /// Customers at once.
    pub customers: usize,
    /// The chaos schedule's seed (printed, so a run can be repeated).
    pub seed: u64,
    /// The PostgreSQL database both instances use.
    pub database_url: String,
    /// Where the processes' logs go.
    pub out: PathBuf,
    /// The folder with the `checkout-sandbox` and `checkout-server` binaries.
    pub bin: PathBuf,
}

/// A small deterministic generator (splitmix64): the chaos and the customers' choices.
struct Rng(AtomicU64);

impl Rng {
    fn next(&self) -> u64 {
        let mut z = self.0.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A free loopback port (bound, read, released).
pub(crate) async fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    listener.local_addr().map(|a| a.port()).unwrap_or(0)
}

/// Forwards connections from `listener` to the first of `upstreams` (from a rotating start) that
/// accepts; with the platform link's `mode`, slows or refuses them first.
async fn proxy(listener: TcpListener, upstreams: Vec<u16>, mode: Arc<AtomicU8>) {
    let turn = Arc::new(AtomicUsize::new(0));
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else { continue };
        let (upstreams, mode, turn) = (upstreams.clone(), mode.clone(), turn.clone());
        tokio::spawn(async move {
            match mode.load(Ordering::Relaxed) {
                DOWN => return,
                SLOW => tokio::time::sleep(Duration::from_secs(3)).await,
                _ => {}
            }
            let start = turn.fetch_add(1, Ordering::Relaxed);
            for i in 0..upstreams.len() {
                let port = upstreams[(start + i) % upstreams.len()];
                if let Ok(mut outbound) = TcpStream::connect(("127.0.0.1", port)).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    return;
                }
            }
        });
    }
}

/// Resident memory of a process, in KiB (`/proc/PID/status`, `VmRSS`).
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

struct Processes {
    soak: Soak,
    sandbox: Child,
    servers: Vec<Child>,
    server_ports: Vec<u16>,
    sandbox_port: u16,
    link_port: u16,
    balancer_port: u16,
}

impl Processes {
    fn log(&self, name: &str) -> Stdio {
        std::fs::File::create(self.soak.out.join(format!("soak-{name}.log"))).map(Stdio::from).unwrap_or_else(|_| Stdio::null())
    }

    fn start_server(&self, i: usize) -> Child {
        Command::new(self.soak.bin.join("checkout-server"))
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.server_ports[i])])
            .env("CHECKOUT_SECRET_KEY", SECRET)
            .env("CHECKOUT_ADMIN_TOKEN", ADMIN)
            .env("CHECKOUT_PROJECT_ID", "1234")
            .env("CHECKOUT_BRAND", "sandbox")
            .env("CHECKOUT_GATE_URL", format!("http://127.0.0.1:{}", self.link_port))
            .env("CHECKOUT_PAYMENT_PAGE_URL", format!("http://127.0.0.1:{}", self.sandbox_port))
            .env("CHECKOUT_PUBLIC_URL", format!("http://127.0.0.1:{}", self.balancer_port))
            .env("CHECKOUT_DATABASE_URL", &self.soak.database_url)
            .env("CHECKOUT_RECONCILE_AFTER_SECS", "10")
            .env("CHECKOUT_STATUS_MIN_AGE_MS", "2000")
            .env("CHECKOUT_GATE_TIMEOUT_MS", "5000")
            .env("CHECKOUT_LIMIT_PAYMENTS", "1000000")
            .env("CHECKOUT_LIMIT_SESSIONS", "1000000")
            .env("CHECKOUT_LIMIT_CODE_GUESSES", "1000000")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(self.log(&format!("server-{i}")))
            .spawn()
            .expect("checkout-server starts (build it first)")
    }

    fn start(soak: Soak, sandbox_port: u16, link_port: u16, balancer_port: u16, server_ports: Vec<u16>) -> Processes {
        let log = |name: &str| std::fs::File::create(soak.out.join(format!("soak-{name}.log"))).map(Stdio::from).unwrap_or_else(|_| Stdio::null());
        let sandbox = Command::new(soak.bin.join("checkout-sandbox"))
            .args(["--listen", &format!("127.0.0.1:{sandbox_port}")])
            .env("SANDBOX_SECRET_KEY", SECRET)
            .env("SANDBOX_PROJECT_ID", "1234")
            .env("SANDBOX_CALLBACK_URL", format!("http://127.0.0.1:{balancer_port}/callbacks/gate"))
            .env("SANDBOX_CALLBACK_RETRY_SCALE", "0.05")
            .env("SANDBOX_STATUS_MIN_AGE_MS", "2000")
            .env("SANDBOX_DELAYED_CALLBACK_MS", "3000")
            .stdout(Stdio::null())
            .stderr(log("sandbox"))
            .spawn()
            .expect("checkout-sandbox starts (build it first)");
        let mut processes = Processes { soak, sandbox, servers: Vec::new(), server_ports, sandbox_port, link_port, balancer_port };
        processes.servers = (0..processes.server_ports.len()).map(|i| processes.start_server(i)).collect();
        processes
    }

    fn memory(&self) -> Value {
        let mut memory = BTreeMap::new();
        memory.insert("sandbox".to_owned(), rss_kib(self.sandbox.id()));
        for (i, server) in self.servers.iter().enumerate() {
            memory.insert(format!("server-{i}"), rss_kib(server.id()));
        }
        memory.insert("soak driver".to_owned(), rss_kib(std::process::id()));
        json!(memory)
    }

    fn stop(&mut self) {
        for child in self.servers.iter_mut().chain(std::iter::once(&mut self.sandbox)) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// What the customers saw.
#[derive(Default)]
struct Tally {
    /// Payments started: (session, payment id, customer id).
    started: Vec<(String, String, String)>,
    /// Requests that failed in transit (an instance killed, the platform down): retried.
    transport_errors: usize,
}

/// The payment once it is no longer `processing` (waiting for the code, or ended), polled until
/// `deadline`.
async fn until_past_processing(http: &reqwest::Client, base: &str, path: &str, deadline: Instant) -> Option<Value> {
    while Instant::now() < deadline {
        if let Ok(response) = http.get(format!("{base}{path}")).send().await {
            if let Ok(view) = response.json::<Value>().await {
                if !matches!(view["state"].as_str().unwrap_or_default(), "" | "processing") {
                    return Some(view);
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    None
}

/// One customer: a session, a phone payment (sometimes started twice at once), the code
/// (sometimes submitted twice at once), and a wait for the outcome.
async fn customer(http: reqwest::Client, base: String, rng: Arc<Rng>, tally: Arc<Mutex<Tally>>, n: u64) {
    let customer_id = format!("soak-{n}");
    let body = json!({ "amount": 100_000, "currency": "KZT", "methods": ["mobile"],
        "customer": { "id": customer_id, "first_name": "Soak", "last_name": "Test", "email": "soak@example.kz" } });
    let Ok(Ok(created)) = http.post(format!("{base}/admin/sessions")).bearer_auth(ADMIN).json(&body).send().await.map(|r| r.error_for_status())
    else {
        tally.lock().unwrap_or_else(|p| p.into_inner()).transport_errors += 1;
        return;
    };
    let Some(session) = created.json::<Value>().await.ok().and_then(|v| v["session"].as_str().map(str::to_owned)) else { return };
    let phone = PHONES[rng.below(PHONES.len() as u64) as usize];
    let start = || http.post(format!("{base}/api/sessions/{session}/mobile-payments")).json(&json!({ "operator": "KCELL", "phone": phone })).send();
    let twice = rng.below(4) == 0;
    let answers = if twice { vec![start().await, start().await] } else { vec![start().await] };
    let mut payment_id = None;
    for answer in answers {
        match answer {
            Ok(response) => {
                if let Ok(view) = response.json::<Value>().await {
                    payment_id = payment_id.or_else(|| view["payment_id"].as_str().map(str::to_owned));
                }
            }
            Err(_) => tally.lock().unwrap_or_else(|p| p.into_inner()).transport_errors += 1,
        }
    }
    // A start whose answer was lost: the session shows the payment it made, if it made one.
    if payment_id.is_none() {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if let Ok(response) = http.get(format!("{base}/api/sessions/{session}")).send().await {
            payment_id = response.json::<Value>().await.ok().and_then(|v| v["payment"]["payment_id"].as_str().map(str::to_owned));
        }
    }
    let Some(payment_id) = payment_id else { return };
    tally.lock().unwrap_or_else(|p| p.into_inner()).started.push((session.clone(), payment_id.clone(), customer_id));
    let path = format!("/api/sessions/{session}/payments/{payment_id}");
    let Some(view) = until_past_processing(&http, &base, &path, Instant::now() + Duration::from_secs(60)).await else { return };
    if view["state"] != "awaiting_otp" {
        return;
    }
    let submit = || http.post(format!("{base}{path}/otp")).json(&json!({ "code": "123456", "attempt": view["attempt"] })).send();
    if rng.below(4) == 0 {
        let _ = tokio::join!(submit(), submit());
    } else if submit().await.is_err() {
        tally.lock().unwrap_or_else(|p| p.into_inner()).transport_errors += 1;
    }
}

/// Runs the soak and prints its report (JSON); `Err` when money was lost or doubled.
pub async fn run(soak: Soak) -> Result<Value, Value> {
    let rng = Arc::new(Rng(AtomicU64::new(soak.seed)));
    let (sandbox_port, link_port, balancer_port) = (free_port().await, free_port().await, free_port().await);
    let server_ports = vec![free_port().await, free_port().await];
    let link_mode = Arc::new(AtomicU8::new(PASS));
    let link = TcpListener::bind(("127.0.0.1", link_port)).await.expect("the platform link's port");
    let balancer = TcpListener::bind(("127.0.0.1", balancer_port)).await.expect("the balancer's port");
    tokio::spawn(proxy(link, vec![sandbox_port], link_mode.clone()));
    tokio::spawn(proxy(balancer, server_ports.clone(), Arc::new(AtomicU8::new(PASS))));
    let processes = Arc::new(Mutex::new(Processes::start(soak.clone(), sandbox_port, link_port, balancer_port, server_ports.clone())));
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("an HTTP client");
    let base = format!("http://127.0.0.1:{balancer_port}");
    let sandbox = format!("http://127.0.0.1:{sandbox_port}");
    for _ in 0..100 {
        if http.get(format!("{base}/healthz")).send().await.is_ok()
            && http.get(format!("{sandbox}/sandbox/sms?phone=77000000000")).send().await.is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let memory_at_start = processes.lock().unwrap_or_else(|p| p.into_inner()).memory();

    let started_at = Instant::now();
    let deadline = started_at + soak.duration;
    let tally = Arc::new(Mutex::new(Tally::default()));
    let chaos_log = Arc::new(Mutex::new(Vec::new()));
    let chaos = {
        let (rng, link_mode, processes, chaos_log) = (rng.clone(), link_mode.clone(), processes.clone(), chaos_log.clone());
        tokio::spawn(async move {
            while Instant::now() + Duration::from_secs(30) < deadline {
                tokio::time::sleep(Duration::from_secs(20 + rng.below(40))).await;
                let at = started_at.elapsed().as_secs();
                match rng.below(3) {
                    0 => {
                        chaos_log.lock().unwrap_or_else(|p| p.into_inner()).push(format!("{at} s: platform slowed by 3 s for 20 s"));
                        link_mode.store(SLOW, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_secs(20)).await;
                    }
                    1 => {
                        chaos_log.lock().unwrap_or_else(|p| p.into_inner()).push(format!("{at} s: platform unreachable for 10 s, then back"));
                        link_mode.store(DOWN, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_secs(10)).await;
                    }
                    _ => {
                        let i = rng.below(2) as usize;
                        chaos_log
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push(format!("{at} s: instance {i} killed (SIGKILL), restarted after 5 s"));
                        {
                            let mut p = processes.lock().unwrap_or_else(|p| p.into_inner());
                            let _ = p.servers[i].kill();
                            let _ = p.servers[i].wait();
                        }
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        let mut p = processes.lock().unwrap_or_else(|p| p.into_inner());
                        p.servers[i] = p.start_server(i);
                    }
                }
                link_mode.store(PASS, Ordering::Relaxed);
            }
        })
    };
    let counter = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..soak.customers)
        .map(|_| {
            let (http, base, rng, tally, counter) = (http.clone(), base.clone(), rng.clone(), tally.clone(), counter.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    customer(http.clone(), base.clone(), rng.clone(), tally.clone(), n).await;
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.await;
    }
    let _ = chaos.await;
    link_mode.store(PASS, Ordering::Relaxed);

    // Settling: callbacks are retried, the reconciler asks about silent payments. A customer who
    // left a code unsubmitted leaves the payment awaiting it, which is finished for the customer
    // (the code lapses at the platform); it is counted apart.
    let tally = std::mem::take(&mut *tally.lock().unwrap_or_else(|p| p.into_inner()));
    let settle_by = Instant::now() + Duration::from_secs(150);
    let mut outcomes: HashMap<String, usize> = HashMap::new();
    let (mut lost, mut unfinished, mut duplicated) = (Vec::new(), 0usize, Vec::new());
    for (session, payment_id, customer_id) in &tally.started {
        let path = format!("/api/sessions/{session}/payments/{payment_id}");
        let ours = loop {
            let view = http.get(format!("{base}{path}")).send().await.ok();
            let view = match view {
                Some(response) => response.json::<Value>().await.unwrap_or(Value::Null),
                None => Value::Null,
            };
            let state = view["state"].as_str().unwrap_or_default().to_owned();
            if !matches!(state.as_str(), "" | "processing") || Instant::now() > settle_by {
                break state;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        let platform: Value = match http.get(format!("{sandbox}/sandbox/payments/{payment_id}")).send().await {
            Ok(response) => response.json().await.unwrap_or(Value::Null),
            Err(_) => Value::Null,
        };
        let charged = platform["status"] == "success";
        *outcomes.entry(ours.clone()).or_default() += 1;
        match ours.as_str() {
            "awaiting_otp" => unfinished += 1,
            "succeeded" | "refunded" | "partially_refunded" if charged => {}
            "declined" | "failed" if !charged => {}
            _ => lost.push(json!({ "payment_id": payment_id, "ours": ours, "platform": platform["status"] })),
        }
        // A session charged more than once and not refunded.
        let list: Value = match http.get(format!("{sandbox}/sandbox/payments?customer_id={customer_id}")).send().await {
            Ok(response) => response.json().await.unwrap_or(Value::Null),
            Err(_) => Value::Null,
        };
        let kept = list["payments"]
            .as_array()
            .map_or(0, |all| all.iter().filter(|p| p["status"] == "success" && p["remaining"].as_u64() != Some(0)).count());
        if kept > 1 {
            duplicated.push(json!({ "session": session, "charged": kept }));
        }
    }
    let memory_at_end = processes.lock().unwrap_or_else(|p| p.into_inner()).memory();
    processes.lock().unwrap_or_else(|p| p.into_inner()).stop();
    let report = json!({
        "seed": soak.seed,
        "minutes": soak.duration.as_secs_f64() / 60.0,
        "customers_at_once": soak.customers,
        "payments_started": tally.started.len(),
        "payments_finished": tally.started.len() - unfinished - lost.len(),
        "left_awaiting_the_code": unfinished,
        "outcomes": outcomes,
        "lost": lost.len(),
        "lost_payments": lost,
        "duplicated": duplicated.len(),
        "duplicated_sessions": duplicated,
        "transport_errors_retried": tally.transport_errors,
        "chaos": *chaos_log.lock().unwrap_or_else(|p| p.into_inner()),
        "memory_kib_at_start": memory_at_start,
        "memory_kib_at_end": memory_at_end,
    });
    if lost.is_empty() && duplicated.is_empty() {
        Ok(report)
    } else {
        Err(report)
    }
}
