//! A shop's webhook endpoint on a port-0 socket: it keeps every delivery as received (raw body,
//! headers) and answers as told: 200 by default, or a scripted status, or not at all.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use checkout_server::config::{Secret, WebhookConfig};

/// The secret the tests sign with.
pub const WEBHOOK_SECRET: &str = "whsec-test-0123456789abcdef";

/// One delivery as the shop received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub body: Vec<u8>,
    pub signature: String,
    pub event_id: String,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// How the endpoint answers one delivery.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    Status(u16),
    /// A redirect to another path of this endpoint (which records what reaches it).
    Redirect,
    /// Holds the request open until the sender gives up.
    Hang,
}

#[derive(Clone, Default)]
struct Shared {
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<VecDeque<Answer>>>,
    always: Arc<Mutex<Option<Answer>>>,
    /// Requests open now, and the most ever open at once.
    open: Arc<Mutex<(usize, usize)>>,
    /// Requests that followed a redirect.
    redirected: Arc<std::sync::atomic::AtomicUsize>,
}

/// Counts a request open until its handler ends or is dropped (the sender gave up).
struct Open(Arc<Mutex<(usize, usize)>>);

impl Open {
    fn new(open: &Arc<Mutex<(usize, usize)>>) -> Open {
        let mut counts = open.lock().unwrap();
        counts.0 += 1;
        counts.1 = counts.1.max(counts.0);
        Open(open.clone())
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.lock().unwrap().0 -= 1;
    }
}

pub struct ShopEndpoint {
    pub url: String,
    shared: Shared,
}

async fn receive(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> axum::response::Response {
    use axum::response::IntoResponse;
    let _open = Open::new(&shared.open);
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    shared.received.lock().unwrap().push(Received {
        body: body.to_vec(),
        signature: header("checkout-signature"),
        event_id: header("checkout-event-id"),
    });
    let answer = shared.script.lock().unwrap().pop_front().or(*shared.always.lock().unwrap()).unwrap_or(Answer::Status(200));
    match answer {
        Answer::Status(status) => StatusCode::from_u16(status).unwrap().into_response(),
        Answer::Redirect => (StatusCode::TEMPORARY_REDIRECT, [("location", "/elsewhere")]).into_response(),
        Answer::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::OK.into_response()
        }
    }
}

async fn elsewhere(State(shared): State<Shared>) -> StatusCode {
    shared.redirected.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    StatusCode::OK
}

impl ShopEndpoint {
    pub async fn start() -> ShopEndpoint {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/webhooks", listener.local_addr().unwrap());
        let shared = Shared::default();
        let app = axum::Router::new().route("/webhooks", post(receive)).route("/elsewhere", post(elsewhere)).with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        ShopEndpoint { url, shared }
    }

    /// The backend's configuration for this endpoint, with every retry delay times `scale`.
    pub fn config(&self, scale: f64) -> WebhookConfig {
        WebhookConfig { url: self.url.clone(), secret: Secret::new(WEBHOOK_SECRET), previous_secret: None, retry_scale: scale }
    }

    /// The next deliveries get these answers, in order.
    pub fn script(&self, answers: &[Answer]) {
        self.shared.script.lock().unwrap().extend(answers.iter().copied());
    }

    /// Every delivery after the script gets this answer.
    pub fn always(&self, answer: Answer) {
        *self.shared.always.lock().unwrap() = Some(answer);
    }

    /// How many requests followed a redirect to `/elsewhere`.
    pub fn redirected(&self) -> usize {
        self.shared.redirected.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The most deliveries ever held open at once.
    pub fn most_open_at_once(&self) -> usize {
        self.shared.open.lock().unwrap().1
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits (15 s at most) until `done` holds for what was received.
    pub async fn until(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..1500 {
            let received = self.received();
            if done(&received) {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the shop never received {what}; it has: {:?}", self.received().iter().map(|r| r.json()["type"].clone()).collect::<Vec<_>>());
    }

    /// Waits until an event of `kind` about `payment_id` arrived; the first such delivery.
    pub async fn event(&self, kind: &str, payment_id: &str) -> Received {
        let matches = |r: &Received| {
            let event = r.json();
            event["type"] == kind && event["data"]["payment"]["payment_id"] == payment_id
        };
        let received = self.until(&format!("{kind} of {payment_id}"), |all| all.iter().any(matches)).await;
        received.into_iter().find(matches).unwrap()
    }
}
