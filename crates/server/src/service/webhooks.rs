//! Webhooks to the shop's server: the loop that empties the outbox (`db/outbox.rs`). Each
//! instance claims due events by lease and delivers them in the background, at most
//! [`CONCURRENCY`] at once, each within [`TIMEOUT`], never following a redirect and reading at
//! most [`ANSWER_READ_LIMIT`] bytes of the answer: a slow or dead shop endpoint costs payments
//! nothing. Any 2xx is delivered; anything else is tried again on [`SCHEDULE_SECS`] (with
//! jitter, times `CHECKOUT_WEBHOOK_RETRY_SCALE`), then marked failed. A payment's later event
//! waits for its earlier one, so a shop sees a payment's events in order.

use std::sync::Arc;
use std::time::{Duration, Instant};

use checkout_protocol::time::{Millis, Timestamp};
use checkout_protocol::webhook;
use rand::Rng;
use tokio::sync::{Notify, Semaphore};

use crate::config::WebhookConfig;
use crate::db::{AfterAttempt, Attempt, DueWebhook};
use crate::App;

/// Deliveries in flight at once, per instance.
pub const CONCURRENCY: usize = 8;
/// How long the shop's endpoint has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How much of the shop's answer is read (kept for nothing; read so the connection can be reused).
pub const ANSWER_READ_LIMIT: usize = 4096;
/// How long an instance holds an event it is delivering: longer than an attempt can take.
pub const LEASE: Millis = Millis(30_000);
/// The wait after each failed attempt, in seconds, before jitter and scale: 14 attempts over
/// about 3 days 4 hours (10 s, 30 s, 1 min, 5 min, 15 min, 30 min, 1 h, 2 h, 4 h, 8 h, 12 h,
/// 24 h, 24 h), then the event is marked failed (`POST /admin/events/{id}/redeliver` sends it
/// again).
pub const SCHEDULE_SECS: [u64; 13] = [10, 30, 60, 300, 900, 1_800, 3_600, 7_200, 14_400, 28_800, 43_200, 86_400, 86_400];

/// What follows the `attempts`-th failed attempt at `now`: the next one, ±20 % so the retries of
/// many events spread out, times `scale`; or none.
pub fn after_failure(attempts: u32, now: Timestamp, scale: f64) -> AfterAttempt {
    let Some(base) = usize::try_from(attempts).ok().and_then(|n| n.checked_sub(1)).and_then(|i| SCHEDULE_SECS.get(i)) else {
        return AfterAttempt::GiveUp;
    };
    let jitter: f64 = rand::rngs::OsRng.gen_range(0.8..1.2);
    let delay_ms = (*base as f64 * 1000.0 * jitter * scale).round().max(1.0);
    AfterAttempt::RetryAt(now + Millis(delay_ms as i64))
}

/// The HTTP client of the deliveries: the timeout, no redirects.
fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("kz-mobile-checkout-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Delivers webhooks for as long as the server runs, when they are configured.
pub async fn deliver_webhooks_forever(app: App) {
    let Some(config) = app.config().webhook.clone() else { return };
    let client = match client() {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "the webhook client cannot be built: no webhooks are delivered");
            return;
        }
    };
    let config = Arc::new(config);
    let slots = Arc::new(Semaphore::new(CONCURRENCY));
    let finished = Arc::new(Notify::new());
    let mut changes = app.hub().subscribe();
    loop {
        let free = slots.available_permits();
        let mut claimed_all_it_could = false;
        if free > 0 {
            match app.db().claim_due_webhooks(app.now(), LEASE, free as i64).await {
                Ok(claimed) => {
                    claimed_all_it_could = claimed.len() == free;
                    for due in claimed {
                        let Ok(permit) = slots.clone().acquire_owned().await else { return };
                        let (app, client, config, finished) = (app.clone(), client.clone(), config.clone(), finished.clone());
                        tokio::spawn(async move {
                            deliver(&app, &client, &config, &due).await;
                            drop(permit);
                            finished.notify_one();
                        });
                    }
                }
                Err(e) => tracing::warn!(error = %e, "the webhook outbox cannot be read"),
            }
        }
        if slots.available_permits() == 0 {
            // Every slot is taken (a slow shop): nothing to claim until one frees, so the
            // payments' changes do not wake this loop into reading the outbox for nothing.
            tokio::select! {
                _ = finished.notified() => {}
                _ = app.webhooks_wake().notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
            continue;
        }
        if claimed_all_it_could {
            continue;
        }
        // Nothing more is claimable now: sleep until the next retry is due (at most a second,
        // for other instances' events and lapsed leases), or until a payment changes.
        let wait = match app.db().next_webhook_due().await {
            Ok(Some(due)) if due > app.now() => Duration::from_millis((due - app.now()).0 as u64),
            _ => Duration::from_secs(1),
        };
        tokio::select! {
            // A payment changed here or on another instance: it may have announced something.
            _ = changes.recv() => {}
            _ = finished.notified() => {}
            _ = app.webhooks_wake().notified() => {}
            _ = tokio::time::sleep(wait.clamp(Duration::from_millis(10), Duration::from_secs(1))) => {}
        }
        // A burst of changes is one pass.
        while matches!(changes.try_recv(), Ok(_) | Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_))) {}
    }
}

/// One attempt at `due`, recorded with what follows.
async fn deliver(app: &App, client: &reqwest::Client, config: &WebhookConfig, due: &DueWebhook) {
    let at = app.now();
    let secrets: Vec<&[u8]> =
        std::iter::once(config.secret.expose().as_bytes()).chain(config.previous_secret.as_ref().map(|s| s.expose().as_bytes())).collect();
    let signature = webhook::header_value(&secrets, at.0.div_euclid(1000), due.body.as_bytes());
    let started = Instant::now();
    let sent = client
        .post(&config.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(webhook::HEADER, signature)
        .header("Checkout-Event-Id", &due.event_id)
        .body(due.body.clone())
        .send()
        .await;
    let (http_status, error) = match sent {
        Ok(mut answer) => {
            let status = answer.status().as_u16();
            let mut read = 0;
            // The shop's words are not needed, only its status; a few KB are read, then it is cut.
            while read < ANSWER_READ_LIMIT {
                match answer.chunk().await {
                    Ok(Some(chunk)) => read += chunk.len(),
                    _ => break,
                }
            }
            (Some(status), None)
        }
        Err(e) if e.is_timeout() => (None, Some(format!("no answer within {} s", TIMEOUT.as_secs()))),
        Err(e) if e.is_connect() => (None, Some("the connection failed".to_owned())),
        Err(_) => (None, Some("the request failed".to_owned())),
    };
    let attempt = Attempt { at, duration: Millis::from_duration(started.elapsed()), http_status, error };
    let after = if http_status.is_some_and(|s| (200..300).contains(&s)) {
        AfterAttempt::Delivered
    } else {
        after_failure(due.attempts + 1, app.now(), config.retry_scale)
    };
    match after {
        AfterAttempt::Delivered => tracing::info!(event = due.event_id, "webhook delivered"),
        AfterAttempt::RetryAt(_) => {
            tracing::warn!(event = due.event_id, status = ?attempt.http_status, error = ?attempt.error, "webhook not delivered; retrying later")
        }
        AfterAttempt::GiveUp => tracing::error!(event = due.event_id, "webhook not delivered after every retry: marked failed"),
    }
    if let Err(e) = app.db().finish_webhook_attempt(due, &attempt, after).await {
        // The lease lapses and the attempt is made again: at least once, never lost.
        tracing::warn!(event = due.event_id, error = %e, "a webhook attempt could not be recorded");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_spans_about_three_days_then_gives_up() {
        let total: u64 = SCHEDULE_SECS.iter().sum();
        assert!((3 * 86_400..4 * 86_400).contains(&total), "{total} s");
        let now = Timestamp(1_000_000);
        for (n, base) in SCHEDULE_SECS.iter().enumerate() {
            let AfterAttempt::RetryAt(next) = after_failure(n as u32 + 1, now, 1.0) else { panic!("attempt {} gives up", n + 1) };
            let delay = (next - now).0 as f64 / 1000.0;
            assert!(delay >= *base as f64 * 0.8 && delay <= *base as f64 * 1.2, "attempt {}: {delay} s", n + 1);
        }
        assert_eq!(after_failure(SCHEDULE_SECS.len() as u32 + 1, now, 1.0), AfterAttempt::GiveUp);
        let AfterAttempt::RetryAt(scaled) = after_failure(1, now, 0.001) else { panic!() };
        assert!((scaled - now).0 <= 12, "10 s scaled by 0.001 is about 10 ms");
    }
}
