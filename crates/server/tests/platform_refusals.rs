//! How the backend reads the platform's refusals of a status request (issue 23): only a definite
//! "not found" may settle a payment as never having reached the platform (`abandoned`, `not_sent`);
//! "too early" schedules the next question at the time it implies; anything else is asked again
//! later and settles nothing. The platform here answers every status request with one of the
//! sandbox's own refusals (its `GateError`, the envelope and HTTP status the sandbox sends) and
//! accepts everything else; each refusal the sandbox can give is tried, on SQLite and PostgreSQL.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use axum::Json;
use checkout_protocol::wire::AcceptedResponse;
use checkout_sandbox::error::{ErrorKind, GateError};
use checkout_server::gate::STATUS_PATH;
use checkout_server::service::reconcile_once;
use common::*;
use serde_json::json;
use tokio::net::TcpListener;

/// A platform that refuses every status request with `kind` and accepts every other request;
/// returns its URL and how many status requests it was asked.
async fn refusing_platform(kind: ErrorKind) -> (String, Arc<AtomicUsize>) {
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let router = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let counter = counter.clone();
        async move {
            if uri.path() == STATUS_PATH {
                counter.fetch_add(1, Ordering::SeqCst);
                return GateError::new(kind).into_response();
            }
            let accepted = AcceptedResponse {
                status: "success".into(),
                request_id: "req-1".into(),
                project_id: PROJECT,
                payment_id: None,
                extra: Default::default(),
            };
            Json(accepted).into_response() as Response
        }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, asked)
}

const DELAY: Duration = Duration::from_secs(10);

async fn only_not_found_settles_a_payment(store: Store) {
    for kind in ErrorKind::ALL {
        let not_found = kind == ErrorKind::PaymentNotFound;
        let (platform, asked) = refusing_platform(kind).await;
        let tuning = Tuning { status_min_age: DELAY, ..Tuning::default() };
        let s = Stack::backend(store, &platform, &tuning).await;

        // A Payment Page payment the customer turns away from to pay by phone: the status request
        // asked once the page has been quiet for the platform's delay gets `kind`. (Choosing
        // another method is the moment the customer left the page; the widget's report of the
        // page's close is the other, in `duplicates.rs` and the e2e suite.)
        let session = s.session(&["payment_page", "mobile"]).await;
        let (status, page) = s.post(&format!("/api/sessions/{session}/payment-page"), &json!({})).await;
        assert_eq!(status, 200, "{page}");
        let page_id = page["payment_id"].as_str().unwrap().to_owned();
        // Not before the page has been quiet that long: choosing another method now waits.
        let start = format!("/api/sessions/{session}/mobile-payments");
        let phone = json!({ "operator": "KCELL", "phone": "77012345678" });
        let (status, early) = s.post(&start, &phone).await;
        assert_eq!((status, early["error"]["code"].as_str()), (409, Some("payment_in_progress")), "{kind:?}: {early}");
        assert_eq!(asked.load(Ordering::SeqCst), 0, "{kind:?}: asked before the page was quiet");

        s.skip(DELAY + Duration::from_secs(1));
        let (status, answer) = s.post(&start, &phone).await;
        assert!(asked.load(Ordering::SeqCst) >= 1, "{kind:?}: never asked");
        let record = s.app.payment(&page_id).await.unwrap();
        if not_found {
            assert_eq!(status, 201, "{kind:?}: {answer}");
            assert_eq!(record.machine.status().name(), "failed");
            assert_eq!(s.get(&s.pay_path(&page_id, "").await).await.1["code"], "abandoned");
        } else {
            assert_ne!(status, 201, "{kind:?}: another payment started over a payment the platform may have: {answer}");
            assert_eq!(record.machine.status().name(), "processing", "{kind:?} settled the payment");
            // Asked again later, not at once: the next reconciliation pass leaves it alone...
            let before = asked.load(Ordering::SeqCst);
            reconcile_once(&s.app, s.app.now()).await.unwrap();
            assert_eq!(asked.load(Ordering::SeqCst), before, "{kind:?}: asked again at once");
            if kind == ErrorKind::StatusTooEarly {
                assert!(record.status_due_at.is_some_and(|due| due >= s.app.now() + checkout_protocol::Millis::from_secs(9)), "{kind:?}: {record:?}");
            }
            // ...and a pass once the silence is over asks again, and still settles nothing.
            s.skip(Duration::from_secs(61));
            reconcile_once(&s.app, s.app.now()).await.unwrap();
            assert!(asked.load(Ordering::SeqCst) > before, "{kind:?}: never asked again");
            assert_eq!(s.app.payment(&page_id).await.unwrap().machine.status().name(), "processing", "{kind:?}");
        }

        // A phone payment silent for longer than the reconciler allows: only "not found" means
        // its sale never reached the platform.
        let phone_session = s.session(&["mobile"]).await;
        let payment_id = s.pay(&phone_session, "77012345678").await;
        s.skip(Duration::from_secs(61));
        reconcile_once(&s.app, s.app.now()).await.unwrap();
        let record = s.app.payment(&payment_id).await.unwrap();
        if not_found {
            assert_eq!(s.get(&s.pay_path(&payment_id, "").await).await.1["code"], "not_sent", "{kind:?}");
        } else {
            assert_eq!(record.machine.status().name(), "processing", "{kind:?} settled a phone payment");
        }
    }
}

both!(only_not_found_settles_a_payment);
