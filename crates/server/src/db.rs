//! Durable storage: sessions, payments with their state machine, and append-only logs of Gate
//! calls and callbacks. All SQL lives here and sticks to what SQLite and PostgreSQL share
//! (`$n` parameters, optimistic concurrency on a version column instead of SQLite-only locking),
//! so another database is a change of pool type and connection URL.

use std::str::FromStr;
use std::time::Duration;

use checkout_protocol::state::{Event, Payment};
use checkout_protocol::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

/// What a checkout session allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Phone and OTP in the widget, through Gate.
    Mobile,
    /// The platform's hosted Payment Page through `EPayWidget`.
    PaymentPage,
    /// Cash at a Kassa24 terminal.
    CashIn,
    /// Money sent to the customer's phone.
    Payout,
}

/// A checkout session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The token the widget is given.
    pub token: String,
    /// Minor units.
    pub amount: u64,
    /// ISO 4217.
    pub currency: String,
    /// The merchant's customer id.
    pub customer_id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: String,
    /// Allowed methods.
    pub methods: Vec<Method>,
    /// Locale hint for the widget.
    pub locale: Option<String>,
    /// What is being paid for.
    pub description: Option<String>,
    /// The payment the widget is following, if any.
    pub current_payment_id: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
}

/// A payment with its state machine.
#[derive(Debug, Clone)]
pub struct PaymentRecord {
    /// The payment id sent to the platform.
    pub payment_id: String,
    /// Its session, if it has one.
    pub session_token: Option<String>,
    /// `gate` or `payment_page` (or `terminal`, `admin`).
    pub via: String,
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
    /// The latest Gate request about it (status requests wait 10 s after it).
    pub last_gate_request_at: Timestamp,
    /// The latest status request.
    pub last_status_check_at: Option<Timestamp>,
}

/// The storage handle; cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    pool: SqlitePool,
}

fn ms(t: Timestamp) -> i64 {
    t.0
}

fn kind_name(kind: checkout_protocol::PaymentKind) -> &'static str {
    match kind {
        checkout_protocol::PaymentKind::Purchase => "purchase",
        checkout_protocol::PaymentKind::Payout => "payout",
        checkout_protocol::PaymentKind::CashIn => "cash_in",
    }
}

impl Db {
    /// Opens (creating if needed) the database and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // A callback is answered 200 only once it is on disk.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let pool = SqlitePoolOptions::new()
            // An in-memory database lives in one connection; keep exactly that one.
            .max_connections(if in_memory { 1 } else { 8 })
            .min_connections(if in_memory { 1 } else { 0 })
            .idle_timeout(if in_memory { None } else { Some(Duration::from_secs(600)) })
            .max_lifetime(if in_memory { None } else { Some(Duration::from_secs(3600)) })
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Db { pool })
    }

    /// Stores a new session.
    pub async fn insert_session(&self, s: &Session) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO sessions (token, amount, currency, customer_id, customer_first_name, customer_last_name, customer_email, methods, locale, description, current_payment_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11)",
        )
        .bind(&s.token)
        .bind(s.amount as i64)
        .bind(&s.currency)
        .bind(&s.customer_id)
        .bind(&s.first_name)
        .bind(&s.last_name)
        .bind(&s.email)
        .bind(serde_json::to_string(&s.methods).unwrap_or_default())
        .bind(&s.locale)
        .bind(&s.description)
        .bind(ms(s.created_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    fn session_from(row: &SqliteRow) -> Result<Session, sqlx::Error> {
        let methods: String = row.try_get("methods")?;
        Ok(Session {
            token: row.try_get("token")?,
            amount: row.try_get::<i64, _>("amount")? as u64,
            currency: row.try_get("currency")?,
            customer_id: row.try_get("customer_id")?,
            first_name: row.try_get("customer_first_name")?,
            last_name: row.try_get("customer_last_name")?,
            email: row.try_get("customer_email")?,
            methods: serde_json::from_str(&methods).unwrap_or_default(),
            locale: row.try_get("locale")?,
            description: row.try_get("description")?,
            current_payment_id: row.try_get("current_payment_id")?,
            created_at: Timestamp(row.try_get("created_at")?),
        })
    }

    /// A session by token.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, sqlx::Error> {
        let row = sqlx::query("SELECT * FROM sessions WHERE token = $1").bind(token).fetch_optional(&self.pool).await?;
        row.as_ref().map(Self::session_from).transpose()
    }

    /// The newest session of a customer that allows cash-in.
    pub async fn cash_in_session_of(&self, customer_id: &str) -> Result<Option<Session>, sqlx::Error> {
        let rows =
            sqlx::query("SELECT * FROM sessions WHERE customer_id = $1 ORDER BY created_at DESC").bind(customer_id).fetch_all(&self.pool).await?;
        for row in &rows {
            let session = Self::session_from(row)?;
            if session.methods.contains(&Method::CashIn) {
                return Ok(Some(session));
            }
        }
        Ok(None)
    }

    /// Makes `new` the session's current payment if the current one is still `expected`: the
    /// compare-and-set that keeps a double click from creating two payments.
    pub async fn claim_session_payment(&self, token: &str, expected: Option<&str>, new: &str) -> Result<bool, sqlx::Error> {
        let result = match expected {
            Some(current) => {
                sqlx::query("UPDATE sessions SET current_payment_id = $1 WHERE token = $2 AND current_payment_id = $3")
                    .bind(new)
                    .bind(token)
                    .bind(current)
                    .execute(&self.pool)
                    .await?
            }
            None => {
                sqlx::query("UPDATE sessions SET current_payment_id = $1 WHERE token = $2 AND current_payment_id IS NULL")
                    .bind(new)
                    .bind(token)
                    .execute(&self.pool)
                    .await?
            }
        };
        Ok(result.rows_affected() == 1)
    }

    /// Stores a new payment.
    pub async fn insert_payment(&self, p: &PaymentRecord) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO payments (payment_id, session_token, kind, via, phone, operator, customer_ip, amount, currency, machine, state, version, created_at, updated_at, last_gate_request_at, last_status_check_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, NULL)",
        )
        .bind(&p.payment_id)
        .bind(&p.session_token)
        .bind(kind_name(p.machine.kind))
        .bind(&p.via)
        .bind(&p.phone)
        .bind(&p.operator)
        .bind(&p.customer_ip)
        .bind(p.machine.amount.0 as i64)
        .bind(&p.currency)
        .bind(serde_json::to_string(&p.machine).unwrap_or_default())
        .bind(p.machine.status().name())
        .bind(p.version)
        .bind(ms(p.created_at))
        .bind(ms(p.updated_at))
        .bind(ms(p.last_gate_request_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    fn payment_from(row: &SqliteRow) -> Result<PaymentRecord, sqlx::Error> {
        let machine: String = row.try_get("machine")?;
        Ok(PaymentRecord {
            payment_id: row.try_get("payment_id")?,
            session_token: row.try_get("session_token")?,
            via: row.try_get("via")?,
            phone: row.try_get("phone")?,
            operator: row.try_get("operator")?,
            customer_ip: row.try_get("customer_ip")?,
            currency: row.try_get("currency")?,
            machine: serde_json::from_str(&machine).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            version: row.try_get("version")?,
            created_at: Timestamp(row.try_get("created_at")?),
            updated_at: Timestamp(row.try_get("updated_at")?),
            last_gate_request_at: Timestamp(row.try_get("last_gate_request_at")?),
            last_status_check_at: row.try_get::<Option<i64>, _>("last_status_check_at")?.map(Timestamp),
        })
    }

    /// A payment by id.
    pub async fn payment(&self, payment_id: &str) -> Result<Option<PaymentRecord>, sqlx::Error> {
        let row = sqlx::query("SELECT * FROM payments WHERE payment_id = $1").bind(payment_id).fetch_optional(&self.pool).await?;
        row.as_ref().map(Self::payment_from).transpose()
    }

    /// Payments of a session, newest first.
    pub async fn payments_of_session(&self, token: &str) -> Result<Vec<PaymentRecord>, sqlx::Error> {
        let rows = sqlx::query("SELECT * FROM payments WHERE session_token = $1 ORDER BY created_at DESC").bind(token).fetch_all(&self.pool).await?;
        rows.iter().map(Self::payment_from).collect()
    }

    /// The newest payments.
    pub async fn recent_payments(&self, limit: i64) -> Result<Vec<PaymentRecord>, sqlx::Error> {
        let rows = sqlx::query("SELECT * FROM payments ORDER BY created_at DESC LIMIT $1").bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(Self::payment_from).collect()
    }

    /// Payments without an outcome, or waiting for a status confirmation.
    pub async fn open_payments(&self) -> Result<Vec<PaymentRecord>, sqlx::Error> {
        let rows = sqlx::query("SELECT * FROM payments WHERE state IN ('processing', 'awaiting_otp')").fetch_all(&self.pool).await?;
        rows.iter().map(Self::payment_from).collect()
    }

    /// Applies `event` to a payment's state machine and records it, atomically. Returns the
    /// payment after the event and whether it changed. Concurrent writers are serialised by the
    /// version column: a lost race reloads and applies again.
    pub async fn apply(&self, payment_id: &str, event: &Event, source: &str, at: Timestamp) -> Result<Option<(PaymentRecord, bool)>, sqlx::Error> {
        for _ in 0..20 {
            let Some(mut record) = self.payment(payment_id).await? else {
                return Ok(None);
            };
            let changed = record.machine.apply(event);
            let mut tx = self.pool.begin().await?;
            if changed {
                let updated = sqlx::query(
                    "UPDATE payments SET machine = $1, state = $2, version = version + 1, updated_at = $3 WHERE payment_id = $4 AND version = $5",
                )
                .bind(serde_json::to_string(&record.machine).unwrap_or_default())
                .bind(record.machine.status().name())
                .bind(ms(at))
                .bind(payment_id)
                .bind(record.version)
                .execute(&mut *tx)
                .await?;
                if updated.rows_affected() == 0 {
                    tx.rollback().await?;
                    continue;
                }
                record.version += 1;
                record.updated_at = at;
            }
            sqlx::query("INSERT INTO payment_events (payment_id, source, event, changed, at) VALUES ($1, $2, $3, $4, $5)")
                .bind(payment_id)
                .bind(source)
                .bind(serde_json::to_string(event).unwrap_or_default())
                .bind(i64::from(changed))
                .bind(ms(at))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(Some((record, changed)));
        }
        Err(sqlx::Error::Protocol("payment kept changing under a concurrent writer".into()))
    }

    /// Notes a Gate request about a payment (status requests must wait after it).
    pub async fn touch_gate_request(&self, payment_id: &str, at: Timestamp) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE payments SET last_gate_request_at = $1 WHERE payment_id = $2").bind(ms(at)).bind(payment_id).execute(&self.pool).await?;
        Ok(())
    }

    /// Notes a status request about a payment.
    pub async fn touch_status_check(&self, payment_id: &str, at: Timestamp) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE payments SET last_status_check_at = $1 WHERE payment_id = $2").bind(ms(at)).bind(payment_id).execute(&self.pool).await?;
        Ok(())
    }

    /// Appends a Gate call to the log.
    pub async fn log_gate(
        &self,
        payment_id: Option<&str>,
        endpoint: &str,
        request: &Value,
        status: Option<u16>,
        response: Option<&Value>,
        error: Option<&str>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO gate_log (payment_id, endpoint, request, http_status, response, error, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(payment_id)
            .bind(endpoint)
            .bind(request.to_string())
            .bind(status.map(i64::from))
            .bind(response.map(Value::to_string))
            .bind(error)
            .bind(ms(crate::now()))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Appends a received callback to the log; returns its id.
    pub async fn log_callback(&self, payment_id: Option<&str>, raw: &str, verified: bool, result: &str) -> Result<i64, sqlx::Error> {
        let row =
            sqlx::query("INSERT INTO callback_log (payment_id, raw, verified, result, applied, at) VALUES ($1, $2, $3, $4, 0, $5) RETURNING id")
                .bind(payment_id)
                .bind(raw)
                .bind(i64::from(verified))
                .bind(result)
                .bind(ms(crate::now()))
                .fetch_one(&self.pool)
                .await?;
        row.try_get("id")
    }

    /// Marks a logged callback as applied, with what it did.
    pub async fn callback_applied(&self, id: i64, result: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE callback_log SET applied = 1, result = $1 WHERE id = $2").bind(result).bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// Verified callbacks recorded but not applied (the server stopped in between).
    pub async fn unapplied_callbacks(&self) -> Result<Vec<(i64, String)>, sqlx::Error> {
        let rows = sqlx::query("SELECT id, raw FROM callback_log WHERE verified = 1 AND applied = 0 ORDER BY id").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("raw")?))).collect()
    }

    /// A payment's event log, oldest first: `(source, event JSON, changed, at)`.
    pub async fn events_of(&self, payment_id: &str) -> Result<Vec<(String, Value, bool, Timestamp)>, sqlx::Error> {
        let rows = sqlx::query("SELECT source, event, changed, at FROM payment_events WHERE payment_id = $1 ORDER BY id")
            .bind(payment_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let event: String = r.try_get("event")?;
                Ok((
                    r.try_get("source")?,
                    serde_json::from_str(&event).unwrap_or(Value::Null),
                    r.try_get::<i64, _>("changed")? == 1,
                    Timestamp(r.try_get("at")?),
                ))
            })
            .collect()
    }

    /// A payment's Gate calls, oldest first: `(endpoint, http status, error)`.
    pub async fn gate_calls_of(&self, payment_id: &str) -> Result<Vec<(String, Option<i64>, Option<String>)>, sqlx::Error> {
        let rows = sqlx::query("SELECT endpoint, http_status, error FROM gate_log WHERE payment_id = $1 ORDER BY id")
            .bind(payment_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get("endpoint")?, r.try_get("http_status")?, r.try_get("error")?))).collect()
    }

    /// Callbacks received for a payment: `(verified, result, applied)`.
    pub async fn callbacks_of(&self, payment_id: &str) -> Result<Vec<(bool, String, bool)>, sqlx::Error> {
        let rows = sqlx::query("SELECT verified, result, applied FROM callback_log WHERE payment_id = $1 ORDER BY id")
            .bind(payment_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get::<i64, _>("verified")? == 1, r.try_get("result")?, r.try_get::<i64, _>("applied")? == 1))).collect()
    }

    /// Every callback logged, newest first (for tests and the admin API).
    pub async fn callback_results(&self) -> Result<Vec<(Option<String>, bool, String)>, sqlx::Error> {
        let rows = sqlx::query("SELECT payment_id, verified, result FROM callback_log ORDER BY id DESC").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("payment_id")?, r.try_get::<i64, _>("verified")? == 1, r.try_get("result")?))).collect()
    }

    /// Records a refund request as pending; refuses (returns false) if it would take refunds past
    /// `refundable`, counting other pending refunds.
    pub async fn reserve_refund(&self, payment_id: &str, amount: u64, refundable: u64) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        // Touch the payment row first so two refunds of it serialise on its lock.
        sqlx::query("UPDATE payments SET updated_at = updated_at WHERE payment_id = $1").bind(payment_id).execute(&mut *tx).await?;
        let pending: i64 = sqlx::query("SELECT COALESCE(SUM(amount), 0) AS pending FROM refunds WHERE payment_id = $1 AND status = 'pending'")
            .bind(payment_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("pending")?;
        if (pending as u64).saturating_add(amount) > refundable {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("INSERT INTO refunds (payment_id, amount, status, created_at) VALUES ($1, $2, 'pending', $3)")
            .bind(payment_id)
            .bind(amount as i64)
            .bind(ms(crate::now()))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Settles the oldest pending refund of `amount` (any amount if none matches) as `status`.
    pub async fn settle_refund(&self, payment_id: &str, amount: Option<u64>, status: &str) -> Result<(), sqlx::Error> {
        let row = sqlx::query("SELECT id FROM refunds WHERE payment_id = $1 AND status = 'pending' ORDER BY (amount = $2) DESC, id LIMIT 1")
            .bind(payment_id)
            .bind(amount.map(|a| a as i64))
            .fetch_optional(&self.pool)
            .await?;
        if let Some(row) = row {
            let id: i64 = row.try_get("id")?;
            sqlx::query("UPDATE refunds SET status = $1 WHERE id = $2").bind(status).bind(id).execute(&self.pool).await?;
        }
        Ok(())
    }
}
