//! A fault proxy between the backend and the sandbox: it forwards Gate requests as they are, or,
//! per path, accepts them and never answers, answers only after a delay, or forwards them and
//! drops the answer, and it records which payment each request named. Loopback only.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::net::TcpListener;

/// What the proxy does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forwards it and its answer.
    Pass,
    /// Accepts it and never answers (the platform hangs; nothing reaches it).
    Hang,
    /// Forwards it after this long (a slow platform).
    Delay(Duration),
    /// Forwards it, then never passes the answer on (the answer is lost; the platform acted).
    DropAnswer,
}

/// A request the proxy received: its path, and the payment it named.
type Request = (String, Option<String>);

/// A running proxy.
#[derive(Clone)]
pub struct FaultProxy {
    /// Where the backend sends Gate requests.
    pub url: String,
    faults: Arc<Mutex<Vec<(String, Fault)>>>,
    seen: Arc<Mutex<Vec<Request>>>,
}

impl FaultProxy {
    /// A proxy in front of `upstream`, passing everything.
    pub async fn start(upstream: &str) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let proxy = FaultProxy { url, faults: Arc::default(), seen: Arc::default() };
        let (state, upstream, http) = (proxy.clone(), upstream.to_owned(), reqwest::Client::new());
        let router = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
            let (state, upstream, http) = (state.clone(), upstream.clone(), http.clone());
            async move { state.handle(&http, &upstream, uri, headers, body).await }
        });
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        proxy
    }

    /// From now on, requests whose path starts with `prefix` meet `fault` (the latest setting for
    /// the longest matching prefix wins).
    pub fn set(&self, prefix: &str, fault: Fault) {
        let mut faults = self.faults.lock().unwrap();
        faults.retain(|(p, _)| p != prefix);
        faults.push((prefix.to_owned(), fault));
    }

    /// The payments named by the requests to `path` so far, in order (one entry per request).
    pub fn requests_to(&self, path: &str) -> Vec<Option<String>> {
        self.seen.lock().unwrap().iter().filter(|(p, _)| p == path).map(|(_, id)| id.clone()).collect()
    }

    fn fault_for(&self, path: &str) -> Fault {
        let faults = self.faults.lock().unwrap();
        faults.iter().filter(|(prefix, _)| path.starts_with(prefix.as_str())).max_by_key(|(prefix, _)| prefix.len()).map_or(Fault::Pass, |(_, f)| *f)
    }

    async fn handle(&self, http: &reqwest::Client, upstream: &str, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
        let path = uri.path().to_owned();
        let payment_id =
            serde_json::from_slice::<Value>(&body).ok().and_then(|v| v.pointer("/general/payment_id").and_then(Value::as_str).map(str::to_owned));
        self.seen.lock().unwrap().push((path.clone(), payment_id));
        let fault = self.fault_for(&path);
        match fault {
            Fault::Hang => std::future::pending::<()>().await,
            Fault::Delay(by) => tokio::time::sleep(by).await,
            Fault::Pass | Fault::DropAnswer => {}
        }
        let target = format!("{upstream}{}", uri.path_and_query().map_or(path.as_str(), |p| p.as_str()));
        let mut request = http.post(target).body(body);
        if let Some(kind) = headers.get(axum::http::header::CONTENT_TYPE) {
            request = request.header(axum::http::header::CONTENT_TYPE, kind.clone());
        }
        let Ok(answer) = request.send().await else { return StatusCode::BAD_GATEWAY.into_response() };
        let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        let bytes = answer.bytes().await.unwrap_or_default();
        if fault == Fault::DropAnswer {
            std::future::pending::<()>().await;
        }
        (status, [(axum::http::header::CONTENT_TYPE, "application/json")], bytes).into_response()
    }
}
