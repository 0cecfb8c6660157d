//! Applying an event to a payment: the compare-and-set on its version, and everything its
//! transaction also writes (the `payment_events` log, a refund settled, a callback marked applied).

use checkout_protocol::state::{Event, Payment};
use checkout_protocol::time::Timestamp;
use serde_json::Value;
use sqlx::Row;

use super::{announcements, Admission, PaymentRecord, RefundSettlement};
use super::{ms, to_json, Backend, Db, CHANGES_CHANNEL};

/// What an event's transaction also writes.
#[derive(Debug, Clone, Default)]
pub struct Also {
    /// The pending refund the event settles.
    pub settles: Option<RefundSettlement>,
    /// The callback log row the event came from, marked applied with it.
    pub callback: Option<i64>,
    /// The event's place in a per-address window: taken with the event, or, when the window is
    /// full, neither is written.
    pub admits: Option<Admission>,
    /// The phone the platform reports the payment was made from (a callback's account), kept
    /// when the payment has none yet (the Payment Page, where the customer types it there).
    pub phone: Option<String>,
}

/// Who told us about an event: stored with it in `payment_events.source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventSource {
    /// Our own Gate request and its answer (or its failure).
    Gate,
    /// The customer, through the widget's API.
    Widget,
    /// A verified callback of the platform.
    Callback,
    /// A status request's answer, or our conclusion from it.
    Status,
}

impl EventSource {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventSource::Gate => "gate",
            EventSource::Widget => "widget",
            EventSource::Callback => "callback",
            EventSource::Status => "status",
        }
    }
}

/// An event to apply to a payment: what happened, who said so, when, and what its transaction
/// also writes.
#[derive(Debug, Clone, Copy)]
pub struct Applying<'a> {
    /// The payment.
    pub payment_id: &'a str,
    /// What happened.
    pub event: &'a Event,
    /// Who said so.
    pub source: EventSource,
    /// When it was applied.
    pub at: Timestamp,
    /// What the same transaction also writes.
    pub also: &'a Also,
}

/// One line of a payment's event log.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    /// Who said so ([`EventSource::as_str`]).
    pub source: String,
    /// The event as stored.
    pub event: Value,
    /// Whether it changed the payment.
    pub changed: bool,
    /// When it was applied.
    pub at: Timestamp,
}

/// How many times a lost compare-and-set is decided again before giving up: each loss means
/// another writer changed the payment meanwhile, which a handful of writers cannot do for long.
const RACES: usize = 50;

/// What [`Db::apply`] did.
#[derive(Debug, Clone)]
pub enum Applied {
    /// The event is recorded: the payment after it, and whether *this call* changed it.
    Recorded(PaymentRecord, bool),
    /// The window of [`Also::admits`] is full: nothing was written.
    Refused(Admission),
}

impl Db {
    /// Applies an event to a payment's state machine and records it, in one transaction, with
    /// what `also` names (the refund it settles, the callback it came from, its place in a
    /// per-address window). Returns the payment after the event and whether *this call* changed
    /// it: the compare-and-set on the version column lets exactly one of several concurrent
    /// identical events win, and only the winner may act on it (send the code, notify). A lost
    /// race reloads and applies again. A full window writes nothing ([`Applied::Refused`]); `None`:
    /// no such payment.
    pub async fn apply(&self, applying: &Applying<'_>) -> Result<Option<Applied>, sqlx::Error> {
        self.apply_from(None, applying).await
    }

    /// [`Db::apply`], deciding first on `seen` (a copy of the payment the caller read earlier)
    /// instead of a fresh read. The decision, change or no change, stands only if the payment's
    /// version is still the one it was made on: a no-op is compare-and-set like a change, so a
    /// callback is never marked applied on a state that another writer has moved on from.
    pub async fn apply_from(&self, seen: Option<PaymentRecord>, applying: &Applying<'_>) -> Result<Option<Applied>, sqlx::Error> {
        let mut seen = seen;
        for _ in 0..RACES {
            let mut record = match seen.take() {
                Some(record) => record,
                None => match self.payment(applying.payment_id).await? {
                    Some(record) => record,
                    None => return Ok(None),
                },
            };
            // Decided on the copy; stands only if the row is still at the copy's version.
            let before = record.machine.clone();
            let changed = record.machine.apply(applying.event);
            let (_turn, mut tx) = self.write().await?;
            if let Some(refused) = Self::refused_within(&mut tx, applying.also.admits.as_ref()).await? {
                tx.rollback().await?;
                return Ok(Some(Applied::Refused(refused)));
            }
            if !self.compare_and_set(&mut tx, &mut record, changed, applying).await? {
                tx.rollback().await?;
                continue;
            }
            self.write_alongside(&mut tx, &mut record, &before, changed, applying).await?;
            tx.commit().await?;
            return Ok(Some(Applied::Recorded(record, changed)));
        }
        Err(sqlx::Error::Protocol("payment kept changing under a concurrent writer".into()))
    }

    /// Writes `record`'s decided state if the row is still at the version it was read at: the
    /// new machine when `changed`, else only the version check (which also takes the row on
    /// PostgreSQL). False when another writer got there first; the caller decides again.
    async fn compare_and_set(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        record: &mut PaymentRecord,
        changed: bool,
        applying: &Applying<'_>,
    ) -> Result<bool, sqlx::Error> {
        let payment_id = applying.payment_id;
        if !changed {
            let current = sqlx::query("UPDATE payments SET version = version WHERE payment_id = $1 AND version = $2")
                .bind(payment_id)
                .bind(record.version)
                .execute(&mut **tx)
                .await?;
            return Ok(current.rows_affected() == 1);
        }
        let updated = sqlx::query(
            "UPDATE payments SET machine = $1, state = $2, version = version + 1, updated_at = $3, overruled = $4
             WHERE payment_id = $5 AND version = $6",
        )
        .bind(to_json(&record.machine)?)
        .bind(record.machine.status().name())
        .bind(ms(applying.at))
        .bind(i64::from(record.machine.overruled_conclusion()))
        .bind(payment_id)
        .bind(record.version)
        .execute(&mut **tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(false);
        }
        record.version += 1;
        record.updated_at = applying.at;
        if self.backend == Backend::Postgres {
            // Delivered to every instance when (and only if) this transaction commits.
            sqlx::query("SELECT 1 AS sent FROM pg_notify($1, $2)")
                .bind(CHANGES_CHANNEL)
                .bind(format!("{}:{payment_id}", self.instance))
                .execute(&mut **tx)
                .await?;
        }
        Ok(true)
    }

    /// What the event's transaction writes beside the payment: the refund it settles, the phone
    /// the platform names, its callback marked applied, its line in the event log, and the
    /// webhook events the change announces (`outbox.rs`): all or none of them commit.
    async fn write_alongside(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        record: &mut PaymentRecord,
        before: &Payment,
        changed: bool,
        applying: &Applying<'_>,
    ) -> Result<(), sqlx::Error> {
        let (payment_id, also) = (applying.payment_id, applying.also);
        let settled = match &also.settles {
            Some(settlement) => Self::settle_refund_in(tx, payment_id, settlement).await?,
            None => None,
        };
        if let (Some(phone), None) = (&also.phone, &record.phone) {
            // A Payment Page payment learns its phone from the platform's callback.
            sqlx::query("UPDATE payments SET phone = $1 WHERE payment_id = $2 AND phone IS NULL")
                .bind(phone)
                .bind(payment_id)
                .execute(&mut **tx)
                .await?;
            record.phone = Some(phone.clone());
        }
        if let Some(log_id) = also.callback {
            sqlx::query("UPDATE callback_log SET applied = 1, result = $1 WHERE id = $2")
                .bind(format!("applied: now {}", record.machine.status().name()))
                .bind(log_id)
                .execute(&mut **tx)
                .await?;
        }
        sqlx::query("INSERT INTO payment_events (payment_id, source, event, changed, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(payment_id)
            .bind(applying.source.as_str())
            .bind(to_json(applying.event)?)
            .bind(i64::from(changed))
            .bind(ms(applying.at))
            .execute(&mut **tx)
            .await?;
        self.announce_in(tx, record, announcements(before, &record.machine, settled.as_ref()), applying.at).await
    }

    /// A payment's event log, oldest first.
    pub async fn events_of(&self, payment_id: &str) -> Result<Vec<EventRow>, sqlx::Error> {
        let rows = sqlx::query("SELECT source, event, changed, at FROM payment_events WHERE payment_id = $1 ORDER BY id")
            .bind(payment_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let event: String = r.try_get("event")?;
                Ok(EventRow {
                    source: r.try_get("source")?,
                    event: serde_json::from_str(&event).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                    changed: r.try_get::<i64, _>("changed")? == 1,
                    at: Timestamp(r.try_get("at")?),
                })
            })
            .collect()
    }
}
