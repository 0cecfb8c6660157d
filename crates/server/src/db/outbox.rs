//! The webhook outbox (`webhook_events`) and its attempts (`webhook_attempts`). Events are
//! written by the transaction of the change that causes them ([`Db::announce_in`], called from
//! `events.rs`); instances claim due ones by compare-and-set on a lease, one attempt at a time,
//! in order per payment.

use checkout_protocol::state::{Outcome, Payment, PaymentKind};
use checkout_protocol::time::{Millis, Timestamp};
use checkout_protocol::webhook::{EventData, EventRefund, EventSession, EventType, WebhookEvent};
use sqlx::Row;

use super::{ms, Backend, Db, PaymentRecord, RefundStatus};
use crate::random::random_hex;

/// A refund row settled by a change's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettledRefund {
    /// Minor units.
    pub amount: u64,
    /// How it ended.
    pub status: RefundStatus,
    /// The backend's reason, for a refund it made of its own accord.
    pub reason: Option<String>,
}

/// An event a change announces, before it has an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// What happened.
    pub kind: EventType,
    /// For `refund.*`.
    pub refund: Option<EventRefund>,
}

/// What a change of a payment from `before` to `after`, with the refund its transaction settled,
/// tells the shop: the outcome the payment reached (once, and again if a platform verdict
/// overrules our conclusion), then a refund that went through or was declined.
pub fn announcements(before: &Payment, after: &Payment, settled: Option<&SettledRefund>) -> Vec<Announcement> {
    let mut said = Vec::new();
    if after.outcome() != before.outcome() {
        let kind = match (after.kind, after.outcome()) {
            (PaymentKind::Purchase, Some(Outcome::Succeeded)) => Some(EventType::PaymentSucceeded),
            (PaymentKind::Purchase, Some(Outcome::Declined { .. })) => Some(EventType::PaymentDeclined),
            (PaymentKind::Purchase, Some(Outcome::Failed { .. })) => Some(EventType::PaymentFailed),
            (PaymentKind::Payout, Some(Outcome::Succeeded)) => Some(EventType::PayoutSucceeded),
            (PaymentKind::Payout, Some(Outcome::Declined { .. } | Outcome::Failed { .. })) => Some(EventType::PayoutDeclined),
            (PaymentKind::CashIn, Some(Outcome::Succeeded)) => Some(EventType::DepositSucceeded),
            _ => None,
        };
        said.extend(kind.map(|kind| Announcement { kind, refund: None }));
    }
    let refunded = after.refunded().0.saturating_sub(before.refunded().0);
    let reason = settled.and_then(|s| s.reason.clone());
    if refunded > 0 {
        said.push(Announcement { kind: EventType::RefundSucceeded, refund: Some(EventRefund { amount: refunded, reason }) });
    } else if let Some(SettledRefund { amount, status: RefundStatus::Declined, reason }) = settled {
        said.push(Announcement { kind: EventType::RefundDeclined, refund: Some(EventRefund { amount: *amount, reason: reason.clone() }) });
    }
    said
}

/// An event claimed for one delivery attempt.
#[derive(Debug, Clone)]
pub struct DueWebhook {
    /// Its place in the outbox.
    pub seq: i64,
    /// `evt_…`.
    pub event_id: String,
    /// The body exactly as signed.
    pub body: String,
    /// Attempts made before this one.
    pub attempts: u32,
}

/// What one attempt found.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// When it started.
    pub at: Timestamp,
    /// How long it took.
    pub duration: Millis,
    /// The shop's status, if it answered.
    pub http_status: Option<u16>,
    /// Why it did not answer (a timeout, a refused connection).
    pub error: Option<String>,
}

/// What becomes of an event after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    /// A 2xx: delivered.
    Delivered,
    /// Try again then.
    RetryAt(Timestamp),
    /// The retries ran out.
    GiveUp,
}

/// An event as the admin API shows it.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    /// The body as sent.
    pub body: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due (pending events).
    pub next_attempt_at: Timestamp,
    /// When a 2xx came.
    pub delivered_at: Option<Timestamp>,
}

/// One attempt as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRow {
    /// When it started.
    pub at: Timestamp,
    /// How long it took, ms.
    pub duration_ms: i64,
    /// The shop's status.
    pub http_status: Option<u16>,
    /// Why there was none.
    pub error: Option<String>,
    /// Which instance made it.
    pub instance: String,
}

/// Serialises the outbox's inserts on PostgreSQL, so events commit in the order of their `seq`
/// and a feed reader that asks for what came after one never misses an earlier one committed
/// later. (SQLite has one writer at a time anyway.)
const OUTBOX_LOCK: i64 = 0x6b7a_0b0c;

fn decode<E: std::error::Error + Send + Sync + 'static>(e: E) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

impl Db {
    /// Writes the events `said` of `record`'s change at `at`, in the change's transaction.
    pub(super) async fn announce_in(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        record: &PaymentRecord,
        said: Vec<Announcement>,
        at: Timestamp,
    ) -> Result<(), sqlx::Error> {
        if said.is_empty() {
            return Ok(());
        }
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1) IS NULL AS locked").bind(OUTBOX_LOCK).execute(&mut **tx).await?;
        }
        let session = match &record.session_token {
            Some(token) => {
                let row = sqlx::query("SELECT * FROM sessions WHERE token = $1").bind(token).fetch_optional(&mut **tx).await?;
                row.as_ref().map(Self::session_from).transpose()?
            }
            None => None,
        };
        let session =
            session.map(|s| EventSession { session: s.token, reference: s.reference, metadata: s.metadata, amount: s.amount, currency: s.currency });
        for announcement in said {
            let event = WebhookEvent {
                id: format!("evt_{}", random_hex(12)),
                kind: announcement.kind,
                created_at: at.to_rfc3339(),
                data: EventData { payment: record.view(at), session: session.clone(), refund: announcement.refund },
            };
            let body = serde_json::to_string(&event).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
            sqlx::query(
                "INSERT INTO webhook_events (event_id, payment_id, event_type, body, created_at, state, attempts, next_attempt_at)
                 VALUES ($1, $2, $3, $4, $5, 'pending', 0, $5)",
            )
            .bind(&event.id)
            .bind(&record.payment_id)
            .bind(event.kind.as_str())
            .bind(&body)
            .bind(ms(at))
            .execute(&mut **tx)
            .await?;
        }
        #[cfg(feature = "test-hooks")]
        crash_before_committing_an_announcement();
        Ok(())
    }

    /// Claims up to `limit` events due at `now` for one attempt each, until `now + lease`: the
    /// oldest pending event of each payment (a later one waits for it), unless another instance
    /// holds it. Each claim is a compare-and-set, so an attempt is made by one instance; a dead
    /// instance's claims lapse with their lease and are taken over.
    pub async fn claim_due_webhooks(&self, now: Timestamp, lease: Millis, limit: i64) -> Result<Vec<DueWebhook>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT seq, event_id, body, attempts FROM webhook_events e
             WHERE state = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until < $1)
               AND NOT EXISTS (SELECT 1 FROM webhook_events earlier WHERE earlier.payment_id = e.payment_id AND earlier.seq < e.seq AND earlier.state = 'pending')
             ORDER BY seq LIMIT $2",
        )
        .bind(ms(now))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut claimed = Vec::new();
        for row in rows {
            let seq: i64 = row.try_get("seq")?;
            let _turn = self.turn().await;
            let taken = sqlx::query(
                "UPDATE webhook_events SET lease_owner = $1, lease_until = $2
                 WHERE seq = $3 AND state = 'pending' AND (lease_until IS NULL OR lease_until < $4)",
            )
            .bind(&self.instance)
            .bind(ms(now + lease))
            .bind(seq)
            .bind(ms(now))
            .execute(&self.pool)
            .await?;
            if taken.rows_affected() == 1 {
                let attempts: i64 = row.try_get("attempts")?;
                claimed.push(DueWebhook {
                    seq,
                    event_id: row.try_get("event_id")?,
                    body: row.try_get("body")?,
                    attempts: u32::try_from(attempts).map_err(decode)?,
                });
            }
        }
        Ok(claimed)
    }

    /// Records an attempt at `due` and what follows from it, in one transaction; the event's
    /// state changes only while this instance still holds it.
    pub async fn finish_webhook_attempt(&self, due: &DueWebhook, attempt: &Attempt, after: AfterAttempt) -> Result<(), sqlx::Error> {
        let (_turn, mut tx) = self.write().await?;
        sqlx::query(
            "INSERT INTO webhook_attempts (event_id, attempted_at, duration_ms, http_status, error, instance) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&due.event_id)
        .bind(ms(attempt.at))
        .bind(attempt.duration.0)
        .bind(attempt.http_status.map(i64::from))
        .bind(&attempt.error)
        .bind(&self.instance)
        .execute(&mut *tx)
        .await?;
        let (state, next, delivered) = match after {
            AfterAttempt::Delivered => ("delivered", attempt.at, Some(ms(attempt.at + attempt.duration))),
            AfterAttempt::RetryAt(at) => ("pending", at, None),
            AfterAttempt::GiveUp => ("failed", attempt.at, None),
        };
        sqlx::query(
            "UPDATE webhook_events SET state = $1, attempts = attempts + 1, next_attempt_at = $2, delivered_at = $3, lease_owner = NULL, lease_until = NULL
             WHERE seq = $4 AND lease_owner = $5",
        )
        .bind(state)
        .bind(ms(next))
        .bind(delivered)
        .bind(due.seq)
        .bind(&self.instance)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    /// When the next pending event is due, if any (one read of the `(state, next_attempt_at)`
    /// index; an event held by an instance counts as due, its lease is the claim's business).
    pub async fn next_webhook_due(&self) -> Result<Option<Timestamp>, sqlx::Error> {
        let row = sqlx::query("SELECT MIN(next_attempt_at) AS due FROM webhook_events WHERE state = 'pending'").fetch_one(&self.pool).await?;
        Ok(row.try_get::<Option<i64>, _>("due")?.map(Timestamp))
    }

    /// The bodies of up to `limit` events after the event `after` (from the first without it),
    /// in the order they were committed; `None` when `after` names no event.
    pub async fn webhook_events_after(&self, after: Option<&str>, limit: i64) -> Result<Option<Vec<String>>, sqlx::Error> {
        let from = match after {
            None => 0,
            Some(id) => match sqlx::query("SELECT seq FROM webhook_events WHERE event_id = $1").bind(id).fetch_optional(&self.pool).await? {
                Some(row) => row.try_get("seq")?,
                None => return Ok(None),
            },
        };
        let rows =
            sqlx::query("SELECT body FROM webhook_events WHERE seq > $1 ORDER BY seq LIMIT $2").bind(from).bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(|r| r.try_get("body")).collect::<Result<Vec<String>, _>>().map(Some)
    }

    /// One event with its delivery state.
    pub async fn webhook_event(&self, event_id: &str) -> Result<Option<StoredEvent>, sqlx::Error> {
        let row = sqlx::query("SELECT body, state, attempts, next_attempt_at, delivered_at FROM webhook_events WHERE event_id = $1")
            .bind(event_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(StoredEvent {
            body: row.try_get("body")?,
            state: row.try_get("state")?,
            attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).map_err(decode)?,
            next_attempt_at: Timestamp(row.try_get("next_attempt_at")?),
            delivered_at: row.try_get::<Option<i64>, _>("delivered_at")?.map(Timestamp),
        }))
    }

    /// Every attempt at an event, oldest first.
    pub async fn webhook_attempts_of(&self, event_id: &str) -> Result<Vec<AttemptRow>, sqlx::Error> {
        let rows =
            sqlx::query("SELECT attempted_at, duration_ms, http_status, error, instance FROM webhook_attempts WHERE event_id = $1 ORDER BY id")
                .bind(event_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(AttemptRow {
                    at: Timestamp(r.try_get("attempted_at")?),
                    duration_ms: r.try_get("duration_ms")?,
                    http_status: r.try_get::<Option<i64>, _>("http_status")?.map(|s| u16::try_from(s).map_err(decode)).transpose()?,
                    error: r.try_get("error")?,
                    instance: r.try_get("instance")?,
                })
            })
            .collect()
    }

    /// Delivers an event again at `now`, whatever became of it: pending, due now. False when
    /// there is no such event.
    pub async fn redeliver_webhook(&self, event_id: &str, now: Timestamp) -> Result<bool, sqlx::Error> {
        let _turn = self.turn().await;
        let updated = sqlx::query("UPDATE webhook_events SET state = 'pending', next_attempt_at = $1 WHERE event_id = $2")
            .bind(ms(now))
            .bind(event_id)
            .execute(&self.pool)
            .await?;
        Ok(updated.rows_affected() == 1)
    }
}

/// For the outbox's crash test: die after a change's events are written, before its transaction
/// commits; neither may survive. Only with the `test-hooks` feature, like the callbacks' hook.
#[cfg(feature = "test-hooks")]
fn crash_before_committing_an_announcement() {
    static SET: std::sync::LazyLock<bool> = std::sync::LazyLock::new(|| std::env::var_os("CHECKOUT_TEST_CRASH_BEFORE_COMMITTING_EVENT").is_some());
    if *SET {
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use checkout_protocol::state::Event;
    use checkout_protocol::Amount;

    use super::*;

    fn kinds(said: &[Announcement]) -> Vec<EventType> {
        said.iter().map(|a| a.kind).collect()
    }

    fn payment(kind: PaymentKind) -> Payment {
        Payment::new(kind, Amount(100_000), Millis(80_000))
    }

    fn after(before: &Payment, event: Event) -> Payment {
        let mut after = before.clone();
        after.apply(&event);
        after
    }

    fn declined() -> Outcome {
        Outcome::Declined { code: "20000".into(), message: "General decline".into() }
    }

    #[test]
    fn each_outcome_of_each_kind_is_announced_once_by_its_name() {
        let failed = Outcome::Failed { code: "1012".into(), message: "rejected".into() };
        for (kind, outcome, expected) in [
            (PaymentKind::Purchase, Outcome::Succeeded, Some(EventType::PaymentSucceeded)),
            (PaymentKind::Purchase, declined(), Some(EventType::PaymentDeclined)),
            (PaymentKind::Purchase, failed.clone(), Some(EventType::PaymentFailed)),
            (PaymentKind::Payout, Outcome::Succeeded, Some(EventType::PayoutSucceeded)),
            (PaymentKind::Payout, declined(), Some(EventType::PayoutDeclined)),
            (PaymentKind::Payout, failed.clone(), Some(EventType::PayoutDeclined)),
            (PaymentKind::CashIn, Outcome::Succeeded, Some(EventType::DepositSucceeded)),
            (PaymentKind::CashIn, declined(), None),
        ] {
            let before = payment(kind);
            let done = after(&before, Event::Completed(outcome.clone()));
            assert_eq!(kinds(&announcements(&before, &done, None)), expected.into_iter().collect::<Vec<_>>(), "{kind:?} {outcome:?}");
            // The same outcome again (a duplicate callback) changes nothing and says nothing.
            assert!(announcements(&done, &after(&done, Event::Completed(outcome)), None).is_empty());
        }
    }

    #[test]
    fn refunds_are_announced_by_the_amount_that_went_back_and_declines_by_their_settlement() {
        let paid = after(&payment(PaymentKind::Purchase), Event::Completed(Outcome::Succeeded));
        let refunded = after(&paid, Event::Refunded { operation_id: "r1".into(), amount: Amount(30_000) });
        let settled = SettledRefund { amount: 30_000, status: RefundStatus::Succeeded, reason: Some("duplicate: kept pay_1".into()) };
        let said = announcements(&paid, &refunded, Some(&settled));
        assert_eq!(
            said,
            [Announcement { kind: EventType::RefundSucceeded, refund: Some(EventRefund { amount: 30_000, reason: settled.reason.clone() }) }]
        );
        // A refund that overtakes the success it proves announces both, the success first.
        let overtaken = after(&payment(PaymentKind::Purchase), Event::Refunded { operation_id: "r1".into(), amount: Amount(100_000) });
        assert_eq!(
            kinds(&announcements(&payment(PaymentKind::Purchase), &overtaken, None)),
            [EventType::PaymentSucceeded, EventType::RefundSucceeded]
        );
        // A declined refund changes no payment: its settlement says it.
        let refused = SettledRefund { amount: 5_000, status: RefundStatus::Declined, reason: None };
        assert_eq!(
            announcements(&paid, &paid, Some(&refused)),
            [Announcement { kind: EventType::RefundDeclined, refund: Some(EventRefund { amount: 5_000, reason: None }) }]
        );
        // A refund Gate refused was the shop's own request's answer: no event.
        let failed = SettledRefund { amount: 5_000, status: RefundStatus::Failed, reason: None };
        assert!(announcements(&paid, &paid, Some(&failed)).is_empty());
    }
}
