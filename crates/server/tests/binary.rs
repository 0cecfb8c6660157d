//! The `checkout-server` binary: the signature commands against the shared vectors, and crash
//! safety (the process killed mid-payment and restarted on the same database).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Store, ADMIN, PROJECT, SECRET};
use serde_json::{json, Value};
use tokio::net::TcpListener;

const BIN: &str = env!("CARGO_BIN_EXE_checkout-server");

fn vectors() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../protocol/tests/fixtures/signature-vectors.json");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    file["vectors"].as_array().unwrap().clone()
}

fn run_with_stdin(args: &[&str], env: &[(&str, &str)], stdin: &str) -> (i32, String, String) {
    let mut command = Command::new(BIN);
    command.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).env_remove("CHECKOUT_SECRET_KEY");
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).trim().to_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn sign_reproduces_every_shared_vector() {
    for v in vectors() {
        let input = v["input"].to_string();
        let (code, canonical, _) = run_with_stdin(&["sign", "--canonical"], &[], &input);
        assert_eq!((code, canonical.as_str()), (0, v["canonical"].as_str().unwrap()), "{}", v["id"]);
        let (code, signature, _) =
            run_with_stdin(&["sign", "--secret-env", "VECTOR_SECRET"], &[("VECTOR_SECRET", v["secret"].as_str().unwrap())], &input);
        assert_eq!((code, signature.as_str()), (0, v["signature"].as_str().unwrap()), "{}", v["id"]);
    }
}

#[test]
fn verify_says_whether_and_why() {
    let mut body = json!({ "payment": { "id": "p1", "status": "success" } });
    body["signature"] = json!(checkout_protocol::signature::sign(&body, "k"));
    let (code, out, _) = run_with_stdin(&["verify"], &[("CHECKOUT_SECRET_KEY", "k")], &body.to_string());
    assert_eq!((code, out.as_str()), (0, "ok: the signature verifies"));
    body["payment"]["status"] = json!("decline");
    let (code, _, err) = run_with_stdin(&["verify"], &[("CHECKOUT_SECRET_KEY", "k")], &body.to_string());
    assert_eq!(code, 1);
    assert!(err.contains("signature mismatch") && err.contains("payment:status:decline"), "{err}");
    let (code, _, err) = run_with_stdin(&["verify"], &[], &body.to_string());
    assert_eq!(code, 1);
    assert!(err.contains("CHECKOUT_SECRET_KEY"), "{err}");
}

#[test]
fn serve_refuses_to_start_without_a_secret_and_says_so() {
    let output = Command::new(BIN)
        .args(["serve", "--project-id", "1", "--listen", "127.0.0.1:0"])
        .env_remove("CHECKOUT_SECRET_KEY")
        .env_remove("CHECKOUT_SECRET_KEY_FILE")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no secret key"));
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// `crash`: the test hook to set (an environment variable), if any.
    fn start(port: u16, database_url: &str, gate: &str, crash: Option<&str>) -> Server {
        Server::behind(port, port, database_url, gate, crash)
    }

    /// An instance whose public address (where the platform calls back) is `public_port`'s, as
    /// when several instances stand behind one address.
    fn behind(port: u16, public_port: u16, database_url: &str, gate: &str, crash: Option<&str>) -> Server {
        let mut command = Command::new(BIN);
        command
            .arg("serve")
            .env("CHECKOUT_LISTEN", format!("127.0.0.1:{port}"))
            .env("CHECKOUT_PROJECT_ID", PROJECT.to_string())
            .env("CHECKOUT_SECRET_KEY", SECRET)
            .env("CHECKOUT_GATE_URL", gate)
            .env("CHECKOUT_PAYMENT_PAGE_URL", gate)
            .env("CHECKOUT_PUBLIC_URL", format!("http://127.0.0.1:{public_port}"))
            .env("CHECKOUT_DATABASE_URL", database_url)
            .env("CHECKOUT_ADMIN_TOKEN", ADMIN)
            .env("CHECKOUT_STATUS_MIN_AGE_MS", "0")
            .env("CHECKOUT_RECONCILE_AFTER_SECS", "60")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(hook) = crash {
            command.env(hook, "1");
        }
        let mut child = command.spawn().unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        assert_eq!(first.trim(), format!("listening on http://127.0.0.1:{port}"));
        Server { child, base: format!("http://127.0.0.1:{port}") }
    }

    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Waits (20 s at most) for the process to end by its test hook's abort.
    async fn aborted(mut self) {
        let wait = tokio::task::spawn_blocking(move || self.child.wait().unwrap());
        let status = tokio::time::timeout(Duration::from_secs(20), wait).await.expect("the server should have aborted").unwrap();
        assert!(!status.success(), "the test hook aborted the server");
    }
}

async fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port()
}

async fn sandbox(server_port: u16, processing_delay: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut config = checkout_sandbox::Config::for_tests(PROJECT, SECRET);
    config.callback_url = Some(format!("http://127.0.0.1:{server_port}/callbacks/gate"));
    config.processing_delay = processing_delay;
    config.callback_retry_scale = 0.01;
    tokio::spawn(checkout_sandbox::run(listener, config, std::future::pending()));
    base
}

async fn json(http: &reqwest::Client, request: reqwest::RequestBuilder) -> Value {
    let _ = http;
    request.send().await.unwrap().json().await.unwrap()
}

async fn wait_for_state(http: &reqwest::Client, base: &str, session: &str, payment_id: &str, state: &str) -> Value {
    for _ in 0..400 {
        if let Ok(response) = http.get(format!("{base}/api/sessions/{session}/payments/{payment_id}")).send().await {
            let view: Value = response.json().await.unwrap_or(Value::Null);
            if view["state"] == state {
                return view;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{payment_id} never reached {state}");
}

async fn start_payment(http: &reqwest::Client, base: &str) -> (String, String) {
    let session = json(
        http,
        http.post(format!("{base}/admin/sessions")).bearer_auth(ADMIN).json(&json!({
            "amount": 100_000, "currency": "KZT", "methods": ["mobile"],
            "customer": { "id": "crash-1", "first_name": "A", "last_name": "B", "email": "a@b.kz" }
        })),
    )
    .await["session"]
        .as_str()
        .unwrap()
        .to_owned();
    let payment =
        json(http, http.post(format!("{base}/api/sessions/{session}/mobile-payments")).json(&json!({ "operator": "KCELL", "phone": "77000000000" })))
            .await;
    (session, payment["payment_id"].as_str().expect("payment created").to_owned())
}

async fn killed_after_the_sale_the_restarted_server_completes_the_payment(store: Store) {
    let port = free_port().await;
    let gate = sandbox(port, Duration::from_millis(700)).await;
    let db = store.fresh().await;
    let http = reqwest::Client::new();

    let server = Server::start(port, &db, &gate, None);
    let (session, payment_id) = start_payment(&http, &server.base).await;
    // The sale is accepted; the OTP-required callback is still 700 ms away.
    server.kill();
    tokio::time::sleep(Duration::from_millis(900)).await;

    let server = Server::start(port, &db, &gate, None);
    wait_for_state(&http, &server.base, &session, &payment_id, "awaiting_otp").await;
    http.post(format!("{}/api/sessions/{session}/payments/{payment_id}/otp", server.base)).json(&json!({ "code": "123456" })).send().await.unwrap();
    wait_for_state(&http, &server.base, &session, &payment_id, "succeeded").await;
    let session_view = json(&http, http.get(format!("{}/api/sessions/{session}", server.base))).await;
    assert_eq!(session_view["payment"]["payment_id"], payment_id.as_str(), "still one payment for the session");
    let list = json(&http, http.get(format!("{}/admin/payments", server.base)).bearer_auth(ADMIN)).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "nothing duplicated");
    server.kill();
}

async fn killed_after_recording_a_callback_the_restarted_server_applies_it_once(store: Store) {
    let port = free_port().await;
    let gate = sandbox(port, Duration::from_millis(50)).await;
    let db = store.fresh().await;
    let http = reqwest::Client::new();

    let server = Server::start(port, &db, &gate, Some("CHECKOUT_TEST_CRASH_AFTER_RECORDING_CALLBACK"));
    let (session, payment_id) = start_payment(&http, &server.base).await;
    // The OTP-required callback arrives, is written to disk, and the process aborts.
    server.aborted().await;

    let server = Server::start(port, &db, &gate, None);
    wait_for_state(&http, &server.base, &session, &payment_id, "awaiting_otp").await;
    http.post(format!("{}/api/sessions/{session}/payments/{payment_id}/otp", server.base)).json(&json!({ "code": "123456" })).send().await.unwrap();
    let paid = wait_for_state(&http, &server.base, &session, &payment_id, "succeeded").await;
    assert_eq!(paid["attempt"], Value::Null);
    let detail = json(&http, http.get(format!("{}/admin/payments/{payment_id}", server.base)).bearer_auth(ADMIN)).await;
    let applied: Vec<&Value> = detail["events"].as_array().unwrap().iter().filter(|e| e["changed"] == true).collect();
    let otp_required = applied.iter().filter(|e| e["event"]["event"] == "otp_required").count();
    assert_eq!(otp_required, 1, "the recorded callback and its retry changed the payment once: {detail}");
    server.kill();
}

/// The server dies after a payment's success and its `payment.succeeded` event are written,
/// before their transaction commits: neither survives. Restarted, it applies the recorded
/// callback, and the change and its one event are committed together.
async fn killed_between_a_change_and_its_commit_loses_neither_the_change_nor_its_event(store: Store) {
    let port = free_port().await;
    let gate = sandbox(port, Duration::from_millis(50)).await;
    let db = store.fresh().await;
    let http = reqwest::Client::new();

    let server = Server::start(port, &db, &gate, Some("CHECKOUT_TEST_CRASH_BEFORE_COMMITTING_EVENT"));
    let (session, payment_id) = start_payment(&http, &server.base).await;
    wait_for_state(&http, &server.base, &session, &payment_id, "awaiting_otp").await;
    let _ = http.post(format!("{}/api/sessions/{session}/payments/{payment_id}/otp", server.base)).json(&json!({ "code": "123456" })).send().await;
    server.aborted().await;
    {
        let stored = checkout_server::db::Db::connect(&db).await.unwrap();
        let payment = stored.payment(&payment_id).await.unwrap().unwrap();
        assert_ne!(payment.machine.status().name(), "succeeded", "the change was rolled back with its event");
        assert!(stored.webhook_events_of(&payment_id).await.unwrap().is_empty(), "no event announces a change that was rolled back");
    }

    let server = Server::start(port, &db, &gate, None);
    wait_for_state(&http, &server.base, &session, &payment_id, "succeeded").await;
    let feed = json(&http, http.get(format!("{}/admin/events", server.base)).bearer_auth(ADMIN)).await;
    let kinds: Vec<&Value> =
        feed.as_array().unwrap().iter().filter(|e| e["data"]["payment"]["payment_id"] == payment_id.as_str()).map(|e| &e["type"]).collect();
    assert_eq!(kinds, [&json!("payment.succeeded")], "the change and its one event: {feed}");
    server.kill();
}

/// The shop's operator runs `checkout-server refund`, loses the answer, and runs it again with the
/// key it printed: one refund reaches the platform, and the second run prints the first answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_refund_run_again_with_its_printed_key_refunds_once() {
    let port = free_port().await;
    let gate = sandbox(port, Duration::from_millis(50)).await;
    let db = Store::Sqlite.fresh().await;
    let http = reqwest::Client::new();
    let server = Server::start(port, &db, &gate, None);
    let (session, payment_id) = start_payment(&http, &server.base).await;
    wait_for_state(&http, &server.base, &session, &payment_id, "awaiting_otp").await;
    http.post(format!("{}/api/sessions/{session}/payments/{payment_id}/otp", server.base)).json(&json!({ "code": "123456" })).send().await.unwrap();
    wait_for_state(&http, &server.base, &session, &payment_id, "succeeded").await;

    let refund = |key: Option<String>| {
        let (payment_id, base) = (payment_id.clone(), server.base.clone());
        tokio::task::spawn_blocking(move || {
            let mut args = vec!["refund".to_owned(), payment_id, "--amount".into(), "10000".into(), "--server".into(), base];
            if let Some(key) = key {
                args.extend(["--idempotency-key".to_owned(), key]);
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run_with_stdin(&args, &[("CHECKOUT_ADMIN_TOKEN", ADMIN)], "")
        })
    };
    let (code, first, stderr) = refund(None).await.unwrap();
    assert_eq!(code, 0, "{stderr}");
    let key = stderr.lines().find_map(|l| l.strip_prefix("Idempotency-Key: ")).expect("the key is printed").trim().to_owned();
    assert!(key.starts_with("cli-"), "{key}");
    let (code, again, stderr) = refund(Some(key.clone())).await.unwrap();
    assert_eq!((code, again.as_str()), (0, first.as_str()), "{stderr}");
    assert!(stderr.contains(&key), "the key given is the key sent: {stderr}");
    let detail = json(&http, http.get(format!("{}/admin/payments/{payment_id}", server.base)).bearer_auth(ADMIN)).await;
    let refunds = detail["gate_calls"].as_array().unwrap().iter().filter(|c| c["endpoint"].as_str().unwrap().ends_with("/refund")).count();
    assert_eq!(refunds, 1, "{detail}");
    server.kill();
}

/// Reads `GET {base}/api/sessions/{session}/payments/{id}/events` until a `payment` event in `state` arrives.
async fn stream_until(http: &reqwest::Client, base: &str, session: &str, payment_id: &str, state: &str) -> Vec<String> {
    let mut response = http.get(format!("{base}/api/sessions/{session}/payments/{payment_id}/events")).send().await.unwrap();
    let mut text = String::new();
    let mut states = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while let Ok(Some(chunk)) = tokio::time::timeout_at(deadline, response.chunk()).await.expect("the stream went quiet").map_err(drop) {
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let event: String = text.drain(..end + 2).collect();
            if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data:")) {
                let view: Value = serde_json::from_str(data.trim()).unwrap();
                states.push(view["state"].as_str().unwrap().to_owned());
                if view["state"] == state {
                    return states;
                }
            }
        }
    }
    panic!("the stream ended before {state}: {states:?}");
}

/// Instances A and B on one new PostgreSQL database, both with B's public address (the platform
/// calls back B only), and a sandbox taking `processing_delay` over each step: `(gate, A, B)`.
async fn two_instances(processing_delay: Duration) -> (String, Server, Server) {
    let db = Store::Postgres.fresh().await;
    let (a_port, b_port) = (free_port().await, free_port().await);
    let gate = sandbox(b_port, processing_delay).await;
    let a = Server::behind(a_port, b_port, &db, &gate, None);
    let b = Server::start(b_port, &db, &gate, None);
    (gate, a, b)
}

#[tokio::test]
async fn two_instances_on_one_postgres_serve_one_payment_together() {
    // The platform calls back instance B only.
    let (_gate, a, b) = two_instances(Duration::from_millis(300)).await;
    let http = reqwest::Client::new();

    let (session, payment_id) = start_payment(&http, &a.base).await;
    // A's live stream sees what B learns from the callbacks (LISTEN/NOTIFY between them).
    let stream = tokio::spawn({
        let (http, base, session, id) = (http.clone(), a.base.clone(), session.clone(), payment_id.clone());
        async move { stream_until(&http, &base, &session, &id, "succeeded").await }
    });
    wait_for_state(&http, &a.base, &session, &payment_id, "awaiting_otp").await;
    let sent =
        http.post(format!("{}/api/sessions/{session}/payments/{payment_id}/otp", a.base)).json(&json!({ "code": "123456" })).send().await.unwrap();
    assert_eq!(sent.status().as_u16(), 202);
    let states = tokio::time::timeout(Duration::from_secs(20), stream).await.expect("A's stream saw the outcome").unwrap();
    assert_eq!(states.first().map(String::as_str), Some("processing"), "{states:?}");
    assert!(states.contains(&"awaiting_otp".to_owned()), "{states:?}");
    let on_a = json(&http, http.get(format!("{}/api/sessions/{session}", a.base))).await;
    assert_eq!(on_a["payment"]["state"], "succeeded");
    a.kill();
    b.kill();
}

#[tokio::test]
async fn an_instance_killed_mid_payment_leaves_the_payment_to_the_other() {
    let (gate, a, b) = two_instances(Duration::from_millis(600)).await;
    let http = reqwest::Client::new();

    let (session, payment_id) = start_payment(&http, &a.base).await;
    wait_for_state(&http, &a.base, &session, &payment_id, "awaiting_otp").await;
    let sent =
        http.post(format!("{}/api/sessions/{session}/payments/{payment_id}/otp", a.base)).json(&json!({ "code": "123456" })).send().await.unwrap();
    assert_eq!(sent.status().as_u16(), 202);
    // A dies (SIGKILL) while the platform is still checking the code.
    a.kill();
    wait_for_state(&http, &b.base, &session, &payment_id, "succeeded").await;
    let on_b = json(&http, http.get(format!("{}/api/sessions/{session}", b.base))).await;
    assert_eq!(on_b["payment"]["payment_id"], payment_id.as_str());
    let list = json(&http, http.get(format!("{}/admin/payments", b.base)).bearer_auth(ADMIN)).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "one payment");
    let platform = json(&http, http.get(format!("{gate}/sandbox/payments?customer_id=crash-1"))).await;
    assert_eq!(platform["payments"].as_array().unwrap().len(), 1, "one sale at the platform");
    b.kill();
}

both!(
    killed_after_the_sale_the_restarted_server_completes_the_payment,
    killed_after_recording_a_callback_the_restarted_server_applies_it_once,
    killed_between_a_change_and_its_commit_loses_neither_the_change_nor_its_event,
);
