//! The `refunds` ledger: each refund reserved under the payment's row lock, then settled.

use checkout_protocol::state::Payment;
use checkout_protocol::time::Timestamp;
use sqlx::Row;

use super::{ms, Db, SettledRefund};

/// What became of a refund request (`refunds.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundStatus {
    /// Sent or about to be; its amount is reserved.
    Pending,
    /// The platform refunded it.
    Succeeded,
    /// The platform declined it.
    Declined,
    /// Gate refused the request.
    Failed,
}

impl RefundStatus {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Pending => "pending",
            RefundStatus::Succeeded => "succeeded",
            RefundStatus::Declined => "declined",
            RefundStatus::Failed => "failed",
        }
    }
}

/// A refund reserved against a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Reserved as refund row `id` for `amount`.
    Reserved {
        /// The refund row.
        id: i64,
        /// The amount reserved.
        amount: u64,
    },
    /// The request with this idempotency claim reserved refund row `id` already (it was run
    /// again after its first run stopped): nothing new is reserved, and it is not sent again.
    AlreadyReserved {
        /// The refund row.
        id: i64,
    },
    /// The payment cannot be refunded at all (not a paid purchase, or nothing left): its state.
    NotRefundable(&'static str),
    /// More than `refundable` was asked for, counting refunds in flight.
    Exceeds {
        /// What can still be refunded now.
        refundable: u64,
    },
}

/// How a pending refund ended, and which one.
#[derive(Debug, Clone)]
pub struct RefundSettlement {
    /// Our refund row, when we know it (a Gate refusal); else matched by `amount`.
    pub refund_id: Option<i64>,
    /// The amount the platform reported.
    pub amount: Option<u64>,
    /// How it ended.
    pub status: RefundStatus,
}

/// One refund of a payment, as the ledger has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRow {
    /// Minor units.
    pub amount: u64,
    /// [`RefundStatus::as_str`].
    pub status: String,
    /// Why the backend made it, when it refunded of its own accord.
    pub reason: Option<String>,
}

impl Db {
    /// Checks a refund against what is left of the payment and reserves it, in one transaction
    /// that first locks the payment's row: what is left is read under that lock (the payment's
    /// successful refunds, then the refunds still pending), so parallel refunds queue on the row
    /// and together never exceed the payment. `amount: None` is the whole remainder.
    ///
    /// A refund asked for with an `Idempotency-Key` carries its `claim` under a unique index:
    /// the same claim reserves once, however often its request is run.
    pub async fn reserve_refund(
        &self,
        payment_id: &str,
        amount: Option<u64>,
        reason: Option<&str>,
        claim: Option<&str>,
        at: Timestamp,
    ) -> Result<Option<Reservation>, sqlx::Error> {
        let (_turn, mut tx) = self.write().await?;
        let locked = sqlx::query("UPDATE payments SET updated_at = updated_at WHERE payment_id = $1").bind(payment_id).execute(&mut *tx).await?;
        if locked.rows_affected() == 0 {
            return Ok(None);
        }
        if let Some(claim) = claim {
            let made = sqlx::query("SELECT id FROM refunds WHERE idempotency_claim = $1").bind(claim).fetch_optional(&mut *tx).await?;
            if let Some(made) = made {
                return Ok(Some(Reservation::AlreadyReserved { id: made.try_get("id")? }));
            }
        }
        let row = sqlx::query("SELECT machine FROM payments WHERE payment_id = $1").bind(payment_id).fetch_one(&mut *tx).await?;
        let machine: Payment = serde_json::from_str(&row.try_get::<String, _>("machine")?).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        let pending: i64 =
            sqlx::query("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS pending FROM refunds WHERE payment_id = $1 AND status = $2")
                .bind(payment_id)
                .bind(RefundStatus::Pending.as_str())
                .fetch_one(&mut *tx)
                .await?
                .try_get("pending")?;
        let refundable = machine.refundable().0.saturating_sub(pending.max(0) as u64);
        if machine.refundable().0 == 0 {
            return Ok(Some(Reservation::NotRefundable(machine.status().name())));
        }
        let wanted = amount.unwrap_or(refundable);
        if wanted == 0 || wanted > refundable {
            return Ok(Some(Reservation::Exceeds { refundable }));
        }
        let row = sqlx::query(
            "INSERT INTO refunds (payment_id, amount, status, created_at, reason, idempotency_claim) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(payment_id)
        .bind(wanted as i64)
        .bind(RefundStatus::Pending.as_str())
        .bind(ms(at))
        .bind(reason)
        .bind(claim)
        .fetch_one(&mut *tx)
        .await?;
        let id = row.try_get("id")?;
        tx.commit().await?;
        Ok(Some(Reservation::Reserved { id, amount: wanted }))
    }

    /// Settles a pending refund outside any event (Gate refused or never got it).
    /// A refund the platform declined is announced to the shop (`refund.declined`) by the same
    /// transaction; one Gate refused was answered to the shop's request already.
    pub async fn settle_refund(&self, payment_id: &str, settlement: &RefundSettlement, at: Timestamp) -> Result<(), sqlx::Error> {
        let (_turn, mut tx) = self.write().await?;
        let settled = Self::settle_refund_in(&mut tx, payment_id, settlement).await?;
        if let Some(settled) = settled.filter(|s| s.status == RefundStatus::Declined) {
            let row = sqlx::query("SELECT * FROM payments WHERE payment_id = $1").bind(payment_id).fetch_one(&mut *tx).await?;
            let record = Self::payment_from(&row)?;
            let said = super::announcements(&record.machine, &record.machine, Some(&settled));
            self.announce_in(&mut tx, &record, said, at).await?;
        }
        tx.commit().await
    }

    /// Settles the pending refund `settlement` names, if there is one; what it settled.
    pub(super) async fn settle_refund_in(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        payment_id: &str,
        settlement: &RefundSettlement,
    ) -> Result<Option<SettledRefund>, sqlx::Error> {
        let row = match settlement.refund_id {
            Some(id) => {
                sqlx::query("SELECT id, amount, reason FROM refunds WHERE id = $1 AND status = $2")
                    .bind(id)
                    .bind(RefundStatus::Pending.as_str())
                    .fetch_optional(&mut **tx)
                    .await?
            }
            None => {
                // A callback names the amount, not our row: the oldest pending refund of that
                // amount. One of another amount stays reserved (too little refundable is safe;
                // too much is not).
                sqlx::query("SELECT id, amount, reason FROM refunds WHERE payment_id = $1 AND status = $2 AND amount = $3 ORDER BY id LIMIT 1")
                    .bind(payment_id)
                    .bind(RefundStatus::Pending.as_str())
                    .bind(settlement.amount.map_or(-1, |a| a as i64))
                    .fetch_optional(&mut **tx)
                    .await?
            }
        };
        let Some(row) = row else { return Ok(None) };
        let id: i64 = row.try_get("id")?;
        sqlx::query("UPDATE refunds SET status = $1 WHERE id = $2").bind(settlement.status.as_str()).bind(id).execute(&mut **tx).await?;
        Ok(Some(SettledRefund { amount: row.try_get::<i64, _>("amount")? as u64, status: settlement.status, reason: row.try_get("reason")? }))
    }

    /// The refund ledger of a payment, oldest first: amount, status, and the backend's reason for
    /// a refund it made of its own accord (for tests and the admin API).
    pub async fn refunds_of(&self, payment_id: &str) -> Result<Vec<RefundRow>, sqlx::Error> {
        let rows = sqlx::query("SELECT amount, status, reason FROM refunds WHERE payment_id = $1 ORDER BY id")
            .bind(payment_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(RefundRow { amount: r.try_get::<i64, _>("amount")? as u64, status: r.try_get("status")?, reason: r.try_get("reason")? }))
            .collect()
    }
}
