//! The webhook events as the admin API shows them: the feed a shop polls or recovers from, one
//! event with every delivery attempt, and an event sent again.

use checkout_protocol::webhook::WebhookEvent;

use crate::error::ServiceError;
use crate::views::{Delivery, DeliveryAttempt, ErrorCode, EventDetail};
use crate::App;

fn read(body: &str) -> Result<WebhookEvent, ServiceError> {
    Ok(serde_json::from_str(body)?)
}

impl App {
    /// Up to `limit` (1 to 500) events after the event `after`, in the order they were committed.
    pub async fn webhook_feed(&self, after: Option<&str>, limit: i64) -> Result<Vec<WebhookEvent>, ServiceError> {
        let bodies = self.db().webhook_events_after(after, limit.clamp(1, 500)).await?;
        let bodies = bodies.ok_or_else(|| ServiceError::new(ErrorCode::EventNotFound, "`after` names no event of this backend"))?;
        bodies.iter().map(|b| read(b)).collect()
    }

    /// One event with its deliveries.
    pub async fn webhook_event_detail(&self, event_id: &str) -> Result<EventDetail, ServiceError> {
        let stored = self.db().webhook_event(event_id).await?;
        let stored = stored.ok_or_else(|| ServiceError::new(ErrorCode::EventNotFound, format!("no event {event_id}")))?;
        let attempts = self.db().webhook_attempts_of(event_id).await?;
        Ok(EventDetail {
            event: read(&stored.body)?,
            delivery: Delivery {
                next_attempt_at: (stored.state == "pending").then(|| stored.next_attempt_at.to_rfc3339()),
                delivered_at: stored.delivered_at.map(|t| t.to_rfc3339()),
                state: stored.state,
                attempts: attempts
                    .into_iter()
                    .map(|a| DeliveryAttempt { at: a.at.to_rfc3339(), http_status: a.http_status, error: a.error, duration_ms: a.duration_ms })
                    .collect(),
            },
        })
    }

    /// Sends an event again now, whatever became of it before; its id stays the same.
    pub async fn redeliver_webhook(&self, event_id: &str) -> Result<EventDetail, ServiceError> {
        if !self.db().redeliver_webhook(event_id, self.now()).await? {
            return Err(ServiceError::new(ErrorCode::EventNotFound, format!("no event {event_id}")));
        }
        self.webhooks_wake().notify_one();
        self.webhook_event_detail(event_id).await
    }
}
