//! The `callback_log`: every callback received, recorded once by its content before it is
//! applied, and the refused ones, bounded.

use checkout_protocol::time::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{ms, Db};

/// A verified callback as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// First time it was heard: its log row.
    New(i64),
    /// The same callback was recorded before as this row; `applied` says whether it took effect.
    Again {
        /// The earlier row.
        id: i64,
        /// Whether the earlier copy was applied.
        applied: bool,
    },
}

/// A refused callback as it is logged.
#[derive(Debug, Clone, Copy)]
pub struct RefusedCallback<'a> {
    /// The payment it names, if it could be read.
    pub payment_id: Option<&'a str>,
    /// What is kept of the body: all of it when it was verified, else a bounded prefix.
    pub kept: &'a str,
    /// SHA-256 of the whole body, hex, when only a prefix is kept.
    pub digest: Option<&'a str>,
    /// Whether the signature was right.
    pub verified: bool,
    /// Why it was refused.
    pub result: &'a str,
}

/// A verified callback on disk whose application a stop interrupted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnappliedCallback {
    /// Its log row.
    pub id: i64,
    /// Its body as received.
    pub raw: String,
}

/// One callback as the log has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackRow {
    /// The payment it names, if it could be read.
    pub payment_id: Option<String>,
    /// Whether its signature was right.
    pub verified: bool,
    /// What became of it.
    pub result: String,
    /// Whether it took effect.
    pub applied: bool,
}

impl CallbackRow {
    /// A row of `SELECT payment_id, verified, result, applied FROM callback_log`.
    pub(super) fn from_row(row: &AnyRow) -> Result<CallbackRow, sqlx::Error> {
        Ok(CallbackRow {
            payment_id: row.try_get("payment_id")?,
            verified: row.try_get::<i64, _>("verified")? == 1,
            result: row.try_get("result")?,
            applied: row.try_get::<i64, _>("applied")? == 1,
        })
    }
}

impl Db {
    /// Appends a callback that was refused. One that failed verification comes from anyone, so
    /// the caller passes only a bounded prefix of it and the digest of the whole.
    pub async fn log_refused_callback(&self, refused: &RefusedCallback<'_>, at: Timestamp) -> Result<(), sqlx::Error> {
        let _turn = self.turn().await;
        sqlx::query("INSERT INTO callback_log (payment_id, raw, verified, result, applied, at, digest) VALUES ($1, $2, $3, $4, 0, $5, $6)")
            .bind(refused.payment_id)
            .bind(refused.kept)
            .bind(i64::from(refused.verified))
            .bind(refused.result)
            .bind(ms(at))
            .bind(refused.digest)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records a verified callback once per `dedup_key` (what it says): a second copy, however it
    /// arrives, finds the first.
    pub async fn record_callback(&self, payment_id: Option<&str>, raw: &str, dedup_key: &str, at: Timestamp) -> Result<Recorded, sqlx::Error> {
        let turn = self.turn().await;
        let inserted = sqlx::query(
            "INSERT INTO callback_log (payment_id, raw, verified, result, applied, at, dedup_key) VALUES ($1, $2, 1, 'received', 0, $3, $4)
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(payment_id)
        .bind(raw)
        .bind(ms(at))
        .bind(dedup_key)
        .fetch_optional(&self.pool)
        .await?;
        drop(turn);
        if let Some(row) = inserted {
            return Ok(Recorded::New(row.try_get("id")?));
        }
        let row = sqlx::query("SELECT id, applied FROM callback_log WHERE dedup_key = $1").bind(dedup_key).fetch_one(&self.pool).await?;
        Ok(Recorded::Again { id: row.try_get("id")?, applied: row.try_get::<i64, _>("applied")? == 1 })
    }

    /// Marks a logged callback as applied, with what it did.
    pub async fn callback_applied(&self, id: i64, result: &str) -> Result<(), sqlx::Error> {
        let _turn = self.turn().await;
        sqlx::query("UPDATE callback_log SET applied = 1, result = $1 WHERE id = $2").bind(result).bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// Verified callbacks recorded but not applied (the server stopped in between).
    pub async fn unapplied_callbacks(&self) -> Result<Vec<UnappliedCallback>, sqlx::Error> {
        let rows = sqlx::query("SELECT id, raw FROM callback_log WHERE verified = 1 AND applied = 0 ORDER BY id").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok(UnappliedCallback { id: r.try_get("id")?, raw: r.try_get("raw")? })).collect()
    }

    /// Callbacks received for a payment, oldest first.
    pub async fn callbacks_of(&self, payment_id: &str) -> Result<Vec<CallbackRow>, sqlx::Error> {
        let rows = sqlx::query("SELECT payment_id, verified, result, applied FROM callback_log WHERE payment_id = $1 ORDER BY id")
            .bind(payment_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(CallbackRow::from_row).collect()
    }
}
