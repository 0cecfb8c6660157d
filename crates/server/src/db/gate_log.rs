//! The append-only `gate_log`: every request sent to Gate and what came back.

use checkout_protocol::time::Timestamp;
use serde_json::Value;
use sqlx::Row;

use super::{ms, Db};

/// One Gate request and what came back, for the append-only log.
#[derive(Debug, Clone)]
pub struct GateLogEntry {
    /// The payment it concerns.
    pub payment_id: Option<String>,
    /// The Gate path.
    pub endpoint: String,
    /// The signed body sent.
    pub request: Value,
    /// The HTTP status, if an answer came.
    pub http_status: Option<u16>,
    /// The answer's JSON.
    pub response: Option<Value>,
    /// Why it did not end in "accepted".
    pub error: Option<String>,
    /// When it was sent.
    pub at: Timestamp,
}

/// One Gate call of a payment, as the log has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateCallRow {
    /// The Gate path.
    pub endpoint: String,
    /// The HTTP status, if an answer came.
    pub http_status: Option<i64>,
    /// Why it did not end in "accepted".
    pub error: Option<String>,
}

impl Db {
    /// Appends a Gate call to the log: one statement, one commit.
    pub async fn record_gate_call(&self, entry: &GateLogEntry) -> Result<(), sqlx::Error> {
        let _turn = self.turn().await;
        sqlx::query("INSERT INTO gate_log (payment_id, endpoint, request, http_status, response, error, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&entry.payment_id)
            .bind(&entry.endpoint)
            .bind(entry.request.to_string())
            .bind(entry.http_status.map(i64::from))
            .bind(entry.response.as_ref().map(Value::to_string))
            .bind(&entry.error)
            .bind(ms(entry.at))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// When the latest request about a payment that the platform accepted was sent (status
    /// requests aside: they ask about the others), or when the payment was created.
    pub async fn last_gate_request_at(&self, payment_id: &str, status_path: &str) -> Result<Option<Timestamp>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT COALESCE((SELECT MAX(at) FROM gate_log WHERE payment_id = $1 AND error IS NULL AND endpoint <> $2), p.created_at) AS at
             FROM payments p WHERE p.payment_id = $1",
        )
        .bind(payment_id)
        .bind(status_path)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| r.try_get::<i64, _>("at").map(Timestamp)).transpose()
    }

    /// A payment's Gate calls, oldest first.
    pub async fn gate_calls_of(&self, payment_id: &str) -> Result<Vec<GateCallRow>, sqlx::Error> {
        let rows = sqlx::query("SELECT endpoint, http_status, error FROM gate_log WHERE payment_id = $1 ORDER BY id")
            .bind(payment_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(GateCallRow { endpoint: r.try_get("endpoint")?, http_status: r.try_get("http_status")?, error: r.try_get("error")? }))
            .collect()
    }
}
