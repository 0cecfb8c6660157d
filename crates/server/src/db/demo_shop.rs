//! `demo_shop_webhooks`: what the demo shop's webhook endpoint received (`--demo-shop` only).

use checkout_protocol::time::Timestamp;
use sqlx::Row;

use super::{ms, Db};

/// One delivery the demo shop received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoWebhookRow {
    /// The event's id, as the body says.
    pub event_id: Option<String>,
    /// The event's type, as the body says.
    pub event_type: Option<String>,
    /// Whether its signature verified.
    pub verified: bool,
    /// Why it did not.
    pub problem: Option<String>,
    /// When it came.
    pub received_at: Timestamp,
}

impl Db {
    /// Keeps a delivery the demo shop received for the order `session`.
    pub async fn record_demo_webhook(&self, session: Option<&str>, row: &DemoWebhookRow) -> Result<(), sqlx::Error> {
        let _turn = self.turn().await;
        sqlx::query(
            "INSERT INTO demo_shop_webhooks (session_token, event_id, event_type, verified, problem, received_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(session)
        .bind(&row.event_id)
        .bind(&row.event_type)
        .bind(i64::from(row.verified))
        .bind(&row.problem)
        .bind(ms(row.received_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// What the demo shop received for the order `session`, oldest first.
    pub async fn demo_webhooks_of(&self, session: &str) -> Result<Vec<DemoWebhookRow>, sqlx::Error> {
        let rows =
            sqlx::query("SELECT event_id, event_type, verified, problem, received_at FROM demo_shop_webhooks WHERE session_token = $1 ORDER BY id")
                .bind(session)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(DemoWebhookRow {
                    event_id: r.try_get("event_id")?,
                    event_type: r.try_get("event_type")?,
                    verified: r.try_get::<i64, _>("verified")? == 1,
                    problem: r.try_get("problem")?,
                    received_at: Timestamp(r.try_get("received_at")?),
                })
            })
            .collect()
    }
}
