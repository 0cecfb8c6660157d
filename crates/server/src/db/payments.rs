//! The `payments` table: a payment per row with its state machine, the one-payment-per-session
//! index that decides which request creates it, and the columns the status checks claim.

use checkout_protocol::state::Payment;
use checkout_protocol::time::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{Executor, Row};

use super::{kind_name, ms, to_json, Db};
use super::{Admission, Inserted};

/// How a payment reached the platform. Stored as its name (`via` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The widget's phone and code form (`/v2/payment/mobile/sale`).
    Gate,
    /// The platform's hosted Payment Page.
    PaymentPage,
    /// A payout session's form (`/v2/payment/mobile/payout`).
    Payout,
    /// The admin API's payout.
    Admin,
    /// A cash-in deposit at a terminal.
    Terminal,
}

impl Channel {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Gate => "gate",
            Channel::PaymentPage => "payment_page",
            Channel::Payout => "payout",
            Channel::Admin => "admin",
            Channel::Terminal => "terminal",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Channel> {
        [Channel::Gate, Channel::PaymentPage, Channel::Payout, Channel::Admin, Channel::Terminal].into_iter().find(|c| c.as_str() == name)
    }
}

/// A payment with its state machine.
#[derive(Debug, Clone)]
pub struct PaymentRecord {
    /// The payment id sent to the platform.
    pub payment_id: String,
    /// Its session, if it has one.
    pub session_token: Option<String>,
    /// How it reached the platform.
    pub via: Channel,
    /// `77XXXXXXXXX`.
    pub phone: Option<String>,
    /// The operator chosen.
    pub operator: Option<String>,
    /// The customer's IP when the payment started.
    pub customer_ip: Option<String>,
    /// ISO 4217.
    pub currency: String,
    /// The state machine.
    pub machine: Payment,
    /// Bumped on every change.
    pub version: i64,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// The latest status request.
    pub last_status_check_at: Option<Timestamp>,
    /// When the widget last reported the customer leaving the Payment Page.
    pub page_left_at: Option<Timestamp>,
    /// No status request before this (the platform said "too early", or the page was just left).
    pub status_due_at: Option<Timestamp>,
}

/// The outcome of asking for a session's payment to be created.
#[derive(Debug, Clone)]
pub enum Claim {
    /// This request created it: it alone may send it to the platform.
    Created(PaymentRecord),
    /// The session already has a running or paid payment (created by another request): this one.
    Taken(PaymentRecord),
    /// The address is over this limit for the window: nothing was created.
    Refused(Admission),
}

/// Payments the session index counts: running or paid (`migrations/*: payments_one_per_session`),
/// except those a platform verdict revived from a conclusion of ours.
const SESSION_PAYMENT: &str = "kind <> 'cash_in' AND state NOT IN ('declined', 'failed') AND overruled = 0";

/// Payments revived by a platform verdict into a paid state: outside the index, but the session
/// is paid all the same, so they keep new payments out too.
const PAID_OVERRULED: &str = "kind <> 'cash_in' AND overruled = 1 AND state IN ('succeeded', 'partially_refunded', 'refunded')";

impl Db {
    async fn insert_payment_with<'e, E>(executor: E, p: &PaymentRecord, claim: Option<&str>) -> Result<bool, sqlx::Error>
    where
        E: Executor<'e, Database = sqlx::Any>,
    {
        // A conflict on the session's unique index is an answer (the session has its payment),
        // not an error: the caller reads it. So is one on the idempotency claim (the request ran
        // before). Nothing else may conflict.
        let sql = "INSERT INTO payments (payment_id, session_token, kind, via, phone, operator, customer_ip, amount, currency, machine, state, version, created_at, updated_at, last_status_check_at, idempotency_claim)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, $15) ON CONFLICT DO NOTHING";
        let result = sqlx::query(sql)
            .bind(&p.payment_id)
            .bind(&p.session_token)
            .bind(kind_name(p.machine.kind))
            .bind(p.via.as_str())
            .bind(&p.phone)
            .bind(&p.operator)
            .bind(&p.customer_ip)
            .bind(p.machine.amount.0 as i64)
            .bind(&p.currency)
            .bind(to_json(&p.machine)?)
            .bind(p.machine.status().name())
            .bind(p.version)
            .bind(ms(p.created_at))
            .bind(ms(p.updated_at))
            .bind(claim)
            .execute(executor)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Stores a payment that belongs to no session (the admin API's payouts). With an
    /// idempotency `claim`, a payment the same claim stored before wins: its id comes back as
    /// [`Inserted::Existing`] and `p` is not stored (the unique index on the claim decides, in
    /// one statement).
    pub async fn insert_payment(&self, p: &PaymentRecord, claim: Option<&str>) -> Result<Inserted, sqlx::Error> {
        let _turn = self.turn().await;
        if Self::insert_payment_with(&self.pool, p, claim).await? {
            return Ok(Inserted::New);
        }
        self.stored_under_claim("payments", "payment_id", claim, format!("payment id {} already exists", p.payment_id)).await
    }

    /// Creates `p` as its session's payment unless the session already has one running or paid:
    /// the unique index `payments_one_per_session` decides, in one statement, so of any number
    /// of parallel requests (on any number of instances) exactly one creates it.
    pub async fn claim_session_payment(&self, p: &PaymentRecord, admission: Option<&Admission>) -> Result<Claim, sqlx::Error> {
        let token = p.session_token.as_deref().ok_or_else(|| sqlx::Error::Protocol("a session payment needs its session".into()))?;
        // The taken payment can turn final (and leave the index) between the two statements;
        // then the next round may create.
        for _ in 0..10 {
            // The admission and the payment commit together: one commit per start, not two.
            let (turn, mut tx) = self.write().await?;
            if let Some(refused) = Self::refused_within(&mut tx, admission).await? {
                tx.rollback().await?;
                return Ok(Claim::Refused(refused));
            }
            // A payment revived as paid stands outside the index but the session is paid.
            let paid = format!("SELECT * FROM payments WHERE session_token = $1 AND {PAID_OVERRULED} ORDER BY created_at LIMIT 1");
            if let Some(row) = sqlx::query(&paid).bind(token).fetch_optional(&mut *tx).await? {
                tx.rollback().await?;
                return Ok(Claim::Taken(Self::payment_from(&row)?));
            }
            let created = Self::insert_payment_with(&mut *tx, p, None).await?;
            tx.commit().await?;
            drop(turn);
            if created {
                return Ok(Claim::Created(p.clone()));
            }
            if let Some(taken) = self.session_payment(token).await? {
                return Ok(Claim::Taken(taken));
            }
            if self.payment(&p.payment_id).await?.is_some() {
                return Err(sqlx::Error::Protocol("payment id reused".into()));
            }
        }
        Err(sqlx::Error::Protocol("the session's payment kept changing".into()))
    }

    /// The session's running or paid payment, if it has one: the one the unique index admits,
    /// else a paid one a platform verdict revived.
    pub async fn session_payment(&self, token: &str) -> Result<Option<PaymentRecord>, sqlx::Error> {
        let sql = format!(
            "SELECT * FROM payments WHERE session_token = $1 AND (({SESSION_PAYMENT}) OR ({PAID_OVERRULED})) ORDER BY overruled, created_at LIMIT 1"
        );
        let row = sqlx::query(&sql).bind(token).fetch_optional(&self.pool).await?;
        row.as_ref().map(Self::payment_from).transpose()
    }

    /// Creates the pending deposit `p`, or returns the one already pending for the same session
    /// and amount (`payments_one_pending_deposit`): `(deposit, created)`.
    pub async fn claim_deposit(&self, p: &PaymentRecord) -> Result<(PaymentRecord, bool), sqlx::Error> {
        let token = p.session_token.as_deref().ok_or_else(|| sqlx::Error::Protocol("a deposit needs its session".into()))?;
        for _ in 0..10 {
            let turn = self.turn().await;
            let created = Self::insert_payment_with(&self.pool, p, None).await?;
            drop(turn);
            if created {
                return Ok((p.clone(), true));
            }
            let row = sqlx::query("SELECT * FROM payments WHERE session_token = $1 AND amount = $2 AND kind = 'cash_in' AND state = 'processing'")
                .bind(token)
                .bind(p.machine.amount.0 as i64)
                .fetch_optional(&self.pool)
                .await?;
            if let Some(row) = row {
                return Ok((Self::payment_from(&row)?, false));
            }
        }
        Err(sqlx::Error::Protocol("the pending deposit kept changing".into()))
    }

    pub(super) fn payment_from(row: &AnyRow) -> Result<PaymentRecord, sqlx::Error> {
        let machine: String = row.try_get("machine")?;
        Ok(PaymentRecord {
            payment_id: row.try_get("payment_id")?,
            session_token: row.try_get("session_token")?,
            via: {
                let name: String = row.try_get("via")?;
                Channel::parse(&name).ok_or_else(|| sqlx::Error::Decode(format!("unknown payment channel {name:?}").into()))?
            },
            phone: row.try_get("phone")?,
            operator: row.try_get("operator")?,
            customer_ip: row.try_get("customer_ip")?,
            currency: row.try_get("currency")?,
            machine: serde_json::from_str(&machine).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            version: row.try_get("version")?,
            created_at: Timestamp(row.try_get("created_at")?),
            updated_at: Timestamp(row.try_get("updated_at")?),
            last_status_check_at: row.try_get::<Option<i64>, _>("last_status_check_at")?.map(Timestamp),
            page_left_at: row.try_get::<Option<i64>, _>("page_left_at")?.map(Timestamp),
            status_due_at: row.try_get::<Option<i64>, _>("status_due_at")?.map(Timestamp),
        })
    }

    /// A payment by id.
    pub async fn payment(&self, payment_id: &str) -> Result<Option<PaymentRecord>, sqlx::Error> {
        let row = sqlx::query("SELECT * FROM payments WHERE payment_id = $1").bind(payment_id).fetch_optional(&self.pool).await?;
        row.as_ref().map(Self::payment_from).transpose()
    }

    /// Payments of a session, newest first.
    pub async fn payments_of_session(&self, token: &str) -> Result<Vec<PaymentRecord>, sqlx::Error> {
        let rows = sqlx::query("SELECT * FROM payments WHERE session_token = $1 ORDER BY created_at DESC, payment_id")
            .bind(token)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(Self::payment_from).collect()
    }

    /// The newest payments.
    pub async fn recent_payments(&self, limit: i64) -> Result<Vec<PaymentRecord>, sqlx::Error> {
        let rows = sqlx::query("SELECT * FROM payments ORDER BY created_at DESC, payment_id LIMIT $1").bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(Self::payment_from).collect()
    }

    /// Payments without an outcome, or waiting for a status confirmation.
    pub async fn open_payments(&self) -> Result<Vec<PaymentRecord>, sqlx::Error> {
        let rows = sqlx::query("SELECT * FROM payments WHERE state IN ('processing', 'awaiting_otp')").fetch_all(&self.pool).await?;
        rows.iter().map(Self::payment_from).collect()
    }

    /// Claims the right to ask the platform about a payment now: a compare-and-set on the time
    /// of its latest status request, so of several instances (or a reconciler and a callback
    /// handler) only one asks. `seen` is the value the caller read.
    pub async fn claim_status_check(&self, payment_id: &str, seen: Option<Timestamp>, at: Timestamp) -> Result<bool, sqlx::Error> {
        let _turn = self.turn().await;
        let result = sqlx::query("UPDATE payments SET last_status_check_at = $1 WHERE payment_id = $2 AND COALESCE(last_status_check_at, -1) = $3")
            .bind(ms(at))
            .bind(payment_id)
            .bind(seen.map_or(-1, ms))
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// The customer left the Payment Page of `payment_id` at `at`: no status request before `due`.
    pub async fn page_left(&self, payment_id: &str, at: Timestamp, due: Timestamp) -> Result<(), sqlx::Error> {
        let _turn = self.turn().await;
        sqlx::query("UPDATE payments SET page_left_at = $1, status_due_at = $2 WHERE payment_id = $3")
            .bind(ms(at))
            .bind(ms(due))
            .bind(payment_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The Payment Page of `payment_id` is open again: the customer may be paying on it.
    pub async fn page_reopened(&self, payment_id: &str) -> Result<(), sqlx::Error> {
        let _turn = self.turn().await;
        sqlx::query("UPDATE payments SET page_left_at = NULL WHERE payment_id = $1 AND page_left_at IS NOT NULL")
            .bind(payment_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The platform said it is too early to ask about `payment_id`: no status request before `due`.
    pub async fn defer_status_check(&self, payment_id: &str, due: Timestamp) -> Result<(), sqlx::Error> {
        let _turn = self.turn().await;
        sqlx::query("UPDATE payments SET status_due_at = $1 WHERE payment_id = $2").bind(ms(due)).bind(payment_id).execute(&self.pool).await?;
        Ok(())
    }

    /// Sessions where a revived paid purchase was never refunded while another purchase of theirs
    /// is paid too: where a duplicate may still need its refund. The one-payment index admits one
    /// paid purchase per session, so the second is always a revived one (`overruled`), a handful
    /// of rows, not every payment ever paid.
    pub async fn sessions_paid_twice(&self) -> Result<Vec<String>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT DISTINCT p.session_token AS token FROM payments p
             WHERE p.overruled = 1 AND p.session_token IS NOT NULL AND p.kind = 'purchase' AND p.state = 'succeeded'
               AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.payment_id)
               AND EXISTS (SELECT 1 FROM payments o WHERE o.session_token = p.session_token AND o.payment_id <> p.payment_id
                           AND o.kind = 'purchase' AND o.state IN ('succeeded', 'partially_refunded', 'refunded'))",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| r.try_get("token")).collect()
    }
}
