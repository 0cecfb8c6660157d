//! Reads only tests make (feature `test-hooks`, which release builds do not enable).

use sqlx::Row;

use super::{CallbackRow, Db};

impl Db {
    /// What requests can change, in brief: sessions, every payment's version, refunds. Tests
    /// compare it around refused requests (logs and limit counters are not in it).
    pub async fn state_fingerprint(&self) -> Result<String, sqlx::Error> {
        let sessions: i64 = sqlx::query("SELECT COUNT(*) AS n FROM sessions").fetch_one(&self.pool).await?.try_get("n")?;
        let refunds: i64 = sqlx::query("SELECT COUNT(*) AS n FROM refunds").fetch_one(&self.pool).await?.try_get("n")?;
        let payments = sqlx::query("SELECT payment_id, version FROM payments ORDER BY payment_id").fetch_all(&self.pool).await?;
        let mut fingerprint = format!("sessions={sessions} refunds={refunds}");
        for row in payments {
            let (id, version): (String, i64) = (row.try_get("payment_id")?, row.try_get("version")?);
            fingerprint.push_str(&format!(" {id}@{version}"));
        }
        Ok(fingerprint)
    }

    /// How many bytes of unverified callbacks the log holds (they are bounded: `callbacks.rs`).
    pub async fn unverified_callback_bytes(&self) -> Result<i64, sqlx::Error> {
        let row = sqlx::query("SELECT CAST(COALESCE(SUM(LENGTH(raw)), 0) AS BIGINT) AS kept FROM callback_log WHERE verified = 0")
            .fetch_one(&self.pool)
            .await?;
        row.try_get("kept")
    }

    /// Every callback logged, newest first (for tests and the admin API).
    pub async fn callback_results(&self) -> Result<Vec<CallbackRow>, sqlx::Error> {
        let rows = sqlx::query("SELECT payment_id, verified, result, applied FROM callback_log ORDER BY id DESC").fetch_all(&self.pool).await?;
        rows.iter().map(CallbackRow::from_row).collect()
    }

    /// How many idempotency keys are kept.
    pub async fn idempotency_keys_kept(&self) -> Result<i64, sqlx::Error> {
        sqlx::query("SELECT COUNT(*) AS n FROM idempotency_keys").fetch_one(&self.pool).await?.try_get("n")
    }

    /// The webhook events of a payment, oldest first: type and body.
    pub async fn webhook_events_of(&self, payment_id: &str) -> Result<Vec<(String, String)>, sqlx::Error> {
        let rows = sqlx::query("SELECT event_type, body FROM webhook_events WHERE payment_id = $1 ORDER BY seq")
            .bind(payment_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get("event_type")?, r.try_get("body")?))).collect()
    }
}
