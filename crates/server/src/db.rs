//! Durable storage: sessions, payments with their state machine, and append-only logs of Gate
//! calls and callbacks, on SQLite (embedded, the default) or PostgreSQL (several instances).
//!
//! One code path serves both: sqlx's `Any` driver, with SQL that both databases read the same way
//! (`$n` parameters, `ON CONFLICT`, partial unique indexes, `RETURNING`) and a migration folder
//! each, since their column types differ. What moves money is guarded here, where no caller can
//! get around it: unique indexes decide which request owns a session or a deposit, a version
//! column compares-and-sets every change of a payment, and a refund is checked and reserved in
//! the transaction that holds the payment's row.

use std::time::Duration;

use checkout_protocol::state::{Event, Payment};
use checkout_protocol::time::Timestamp;
use serde::Serialize;
use serde_json::Value;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

pub use checkout_protocol::api::Method;

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
    /// Creation time.
    pub created_at: Timestamp,
}

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

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One file (or memory), one instance.
    Sqlite,
    /// A server shared by several instances.
    Postgres,
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

/// One item in a per-address window of `rate_hits` (see [`Db::admit`]), taken on its own or in
/// the same transaction as the write it admits.
#[derive(Debug, Clone)]
pub struct Admission {
    /// The limit's name and the address, `payments:10.0.0.1`.
    pub bucket: String,
    /// The window the item falls in.
    pub window_start: Timestamp,
    /// What is counted; a repeat of an item counts once.
    pub item: String,
    /// How many items the window takes.
    pub limit: u32,
}

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
    /// The payment cannot be refunded at all (not a paid purchase, or nothing left): its state.
    NotRefundable(&'static str),
    /// More than `refundable` was asked for, counting refunds in flight.
    Exceeds {
        /// What can still be refunded now.
        refundable: u64,
    },
}

/// The storage handle; cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    url: String,
    instance: String,
    /// SQLite has one writer at a time, and its connections that wait for the lock poll for it
    /// with sleeps of up to tens of milliseconds (the busy handler), so under load the lock sits
    /// free while they sleep. This process's writers queue here instead and take the lock the
    /// moment it is released. PostgreSQL locks rows, not the database: no queue.
    writers: Option<Arc<Mutex<()>>>,
}

/// A place in the writers' queue (SQLite), held until the write is committed.
type Turn = Option<OwnedMutexGuard<()>>;

/// The PostgreSQL channel on which instances tell each other which payment changed.
pub const CHANGES_CHANNEL: &str = "checkout_payment_changed";

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

/// Payments the session index counts: running or paid (`migrations/*: payments_one_per_session`),
/// except those a platform verdict revived from a conclusion of ours.
const SESSION_PAYMENT: &str = "kind <> 'cash_in' AND state NOT IN ('declined', 'failed') AND overruled = 0";
/// Payments revived by a platform verdict into a paid state: outside the index, but the session
/// is paid all the same, so they keep new payments out too.
const PAID_OVERRULED: &str = "kind <> 'cash_in' AND overruled = 1 AND state IN ('succeeded', 'partially_refunded', 'refunded')";

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

fn to_json<T: Serialize>(value: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

impl Db {
    /// Opens (creating if needed) the database named by `url` (`sqlite:…` or `postgres://…`) and
    /// brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(sqlx::Error::Configuration(format!("{url:?} is neither a sqlite: nor a postgres:// URL").into()));
        };
        let options: AnyConnectOptions = url.parse()?;
        let pool = match backend {
            Backend::Sqlite => {
                let in_memory = url.contains(":memory:") || url.contains("mode=memory");
                AnyPoolOptions::new()
                    // An in-memory database lives in one connection; keep exactly that one.
                    .max_connections(if in_memory { 1 } else { 8 })
                    .min_connections(if in_memory { 1 } else { 0 })
                    .idle_timeout(if in_memory { None } else { Some(Duration::from_secs(600)) })
                    .max_lifetime(if in_memory { None } else { Some(Duration::from_secs(3600)) })
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // WAL lets readers go on while one writer commits; FULL syncs every
                            // commit, because a callback is answered 200 only once it is on disk.
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA synchronous = FULL").await?;
                            conn.execute("PRAGMA busy_timeout = 10000").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => AnyPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect_with(options).await?,
        };
        match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&pool).await?,
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&pool).await?,
        }
        let writers = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Db { pool, backend, url: url.to_owned(), instance: format!("{}-{}", std::process::id(), crate::random::random_hex(6)), writers })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL it was opened with (the change listener opens its own connection).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// This process's name in leases and change notifications.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so a
    /// transaction that reads and then writes never fails half-way on a lock upgrade; on
    /// PostgreSQL the first `UPDATE` of a row locks it.
    async fn write(&self) -> Result<(Turn, sqlx::Transaction<'static, sqlx::Any>), sqlx::Error> {
        let turn = self.turn().await;
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok((turn, tx))
    }

    /// Waits for this process's turn to write (SQLite; at once on PostgreSQL).
    async fn turn(&self) -> Turn {
        match &self.writers {
            Some(queue) => Some(queue.clone().lock_owned().await),
            None => None,
        }
    }

    /// Stores a new session.
    pub async fn insert_session(&self, s: &Session) -> Result<(), sqlx::Error> {
        let _turn = self.turn().await;
        sqlx::query(
            "INSERT INTO sessions (token, amount, currency, customer_id, customer_first_name, customer_last_name, customer_email, methods, locale, description, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&s.token)
        .bind(s.amount as i64)
        .bind(&s.currency)
        .bind(&s.customer_id)
        .bind(&s.first_name)
        .bind(&s.last_name)
        .bind(&s.email)
        .bind(to_json(&s.methods)?)
        .bind(&s.locale)
        .bind(&s.description)
        .bind(ms(s.created_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    fn session_from(row: &AnyRow) -> Result<Session, sqlx::Error> {
        let methods: String = row.try_get("methods")?;
        Ok(Session {
            token: row.try_get("token")?,
            amount: row.try_get::<i64, _>("amount")? as u64,
            currency: row.try_get("currency")?,
            customer_id: row.try_get("customer_id")?,
            first_name: row.try_get("customer_first_name")?,
            last_name: row.try_get("customer_last_name")?,
            email: row.try_get("customer_email")?,
            methods: serde_json::from_str(&methods).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            locale: row.try_get("locale")?,
            description: row.try_get("description")?,
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

    async fn insert_payment_with<'e, E>(executor: E, p: &PaymentRecord) -> Result<bool, sqlx::Error>
    where
        E: Executor<'e, Database = sqlx::Any>,
    {
        // A conflict on the session's unique index is an answer (the session has its payment),
        // not an error: the caller reads it. Nothing else may conflict.
        let sql = "INSERT INTO payments (payment_id, session_token, kind, via, phone, operator, customer_ip, amount, currency, machine, state, version, created_at, updated_at, last_status_check_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL) ON CONFLICT DO NOTHING";
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
            .execute(executor)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Stores a payment that belongs to no session (the admin API's payouts).
    pub async fn insert_payment(&self, p: &PaymentRecord) -> Result<(), sqlx::Error> {
        let _turn = self.turn().await;
        if Self::insert_payment_with(&self.pool, p).await? {
            Ok(())
        } else {
            Err(sqlx::Error::Protocol(format!("payment id {} already exists", p.payment_id)))
        }
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
            let created = Self::insert_payment_with(&mut *tx, p).await?;
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
            let created = Self::insert_payment_with(&self.pool, p).await?;
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

    fn payment_from(row: &AnyRow) -> Result<PaymentRecord, sqlx::Error> {
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

    /// Applies `event` to a payment's state machine and records it, in one transaction, with
    /// what `also` names (the refund it settles, the callback it came from, its place in a
    /// per-address window). Returns the payment after the event and whether *this call* changed
    /// it: the compare-and-set on the version column lets exactly one of several concurrent
    /// identical events win, and only the winner may act on it (send the code, notify). A lost
    /// race reloads and applies again. A full window writes nothing ([`Applied::Refused`]); `None`:
    /// no such payment.
    pub async fn apply(&self, payment_id: &str, event: &Event, source: &str, at: Timestamp, also: &Also) -> Result<Option<Applied>, sqlx::Error> {
        self.apply_from(None, payment_id, event, source, at, also).await
    }

    /// [`Db::apply`], deciding first on `seen` (a copy of the payment the caller read earlier)
    /// instead of a fresh read. The decision, change or no change, stands only if the payment's
    /// version is still the one it was made on: a no-op is compare-and-set like a change, so a
    /// callback is never marked applied on a state that another writer has moved on from.
    pub async fn apply_from(
        &self,
        seen: Option<PaymentRecord>,
        payment_id: &str,
        event: &Event,
        source: &str,
        at: Timestamp,
        also: &Also,
    ) -> Result<Option<Applied>, sqlx::Error> {
        let mut seen = seen;
        for _ in 0..50 {
            let mut record = match seen.take() {
                Some(record) => record,
                None => match self.payment(payment_id).await? {
                    Some(record) => record,
                    None => return Ok(None),
                },
            };
            let changed = record.machine.apply(event);
            let (_turn, mut tx) = self.write().await?;
            if let Some(refused) = Self::refused_within(&mut tx, also.admits.as_ref()).await? {
                tx.rollback().await?;
                return Ok(Some(Applied::Refused(refused)));
            }
            if changed {
                let updated = sqlx::query(
                    "UPDATE payments SET machine = $1, state = $2, version = version + 1, updated_at = $3, overruled = $4
                     WHERE payment_id = $5 AND version = $6",
                )
                .bind(to_json(&record.machine)?)
                .bind(record.machine.status().name())
                .bind(ms(at))
                .bind(i64::from(record.machine.overruled_conclusion()))
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
                if self.backend == Backend::Postgres {
                    // Delivered to every instance when (and only if) this transaction commits.
                    sqlx::query("SELECT 1 AS sent FROM pg_notify($1, $2)")
                        .bind(CHANGES_CHANNEL)
                        .bind(format!("{}:{payment_id}", self.instance))
                        .execute(&mut *tx)
                        .await?;
                }
            }
            if !changed {
                // Takes the row (PostgreSQL) and checks the version the decision was made on.
                let current = sqlx::query("UPDATE payments SET version = version WHERE payment_id = $1 AND version = $2")
                    .bind(payment_id)
                    .bind(record.version)
                    .execute(&mut *tx)
                    .await?;
                if current.rows_affected() == 0 {
                    tx.rollback().await?;
                    continue;
                }
            }
            if let Some(settlement) = &also.settles {
                Self::settle_refund_in(&mut tx, payment_id, settlement).await?;
            }
            if let (Some(phone), None) = (&also.phone, &record.phone) {
                // A Payment Page payment learns its phone from the platform's callback.
                sqlx::query("UPDATE payments SET phone = $1 WHERE payment_id = $2 AND phone IS NULL")
                    .bind(phone)
                    .bind(payment_id)
                    .execute(&mut *tx)
                    .await?;
                record.phone = Some(phone.clone());
            }
            if let Some(log_id) = also.callback {
                sqlx::query("UPDATE callback_log SET applied = 1, result = $1 WHERE id = $2")
                    .bind(format!("applied: now {}", record.machine.status().name()))
                    .bind(log_id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("INSERT INTO payment_events (payment_id, source, event, changed, at) VALUES ($1, $2, $3, $4, $5)")
                .bind(payment_id)
                .bind(source)
                .bind(to_json(event)?)
                .bind(i64::from(changed))
                .bind(ms(at))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(Some(Applied::Recorded(record, changed)));
        }
        Err(sqlx::Error::Protocol("payment kept changing under a concurrent writer".into()))
    }

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

    /// Admits `item` into `bucket`'s window starting at `window_start` unless `limit` other items
    /// are in it already; an item admitted before is admitted again. One statement: on SQLite
    /// two parallel admissions never both take the last place; on PostgreSQL they may, by at most
    /// the requests running at once, which is fine for a limit on abuse (money is guarded by the
    /// payment's own compare-and-set, not by this).
    pub async fn admit(&self, admission: &Admission) -> Result<bool, sqlx::Error> {
        let _turn = self.turn().await;
        let mut connection = self.pool.acquire().await?;
        Self::admit_with(&mut connection, admission).await
    }

    /// Takes `admission`'s place inside the caller's transaction: the admission back when its
    /// window is full, and then the caller rolls back and writes nothing.
    async fn refused_within(tx: &mut sqlx::AnyConnection, admission: Option<&Admission>) -> Result<Option<Admission>, sqlx::Error> {
        match admission {
            Some(a) if !Self::admit_with(tx, a).await? => Ok(Some(a.clone())),
            _ => Ok(None),
        }
    }

    /// [`Db::admit`] on `connection`, inside the caller's transaction if it has one.
    async fn admit_with(connection: &mut sqlx::AnyConnection, a: &Admission) -> Result<bool, sqlx::Error> {
        sqlx::query(
            "INSERT INTO rate_hits (bucket, window_start, item) SELECT $1, $2, $3 \
             WHERE (SELECT COUNT(*) FROM rate_hits WHERE bucket = $1 AND window_start = $2) < $4 ON CONFLICT DO NOTHING",
        )
        .bind(&a.bucket)
        .bind(ms(a.window_start))
        .bind(&a.item)
        .bind(i64::from(a.limit))
        .execute(&mut *connection)
        .await?;
        let admitted = sqlx::query("SELECT 1 AS admitted FROM rate_hits WHERE bucket = $1 AND window_start = $2 AND item = $3")
            .bind(&a.bucket)
            .bind(ms(a.window_start))
            .bind(&a.item)
            .fetch_optional(&mut *connection)
            .await?;
        Ok(admitted.is_some())
    }

    /// Forgets the admissions of windows that started before `before`.
    pub async fn forget_admissions(&self, before: Timestamp) -> Result<u64, sqlx::Error> {
        let _turn = self.turn().await;
        Ok(sqlx::query("DELETE FROM rate_hits WHERE window_start < $1").bind(ms(before)).execute(&self.pool).await?.rows_affected())
    }

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

    /// Checks a refund against what is left of the payment and reserves it, in one transaction
    /// that first locks the payment's row: what is left is read under that lock (the payment's
    /// successful refunds, then the refunds still pending), so parallel refunds queue on the row
    /// and together never exceed the payment. `amount: None` is the whole remainder.
    pub async fn reserve_refund(
        &self,
        payment_id: &str,
        amount: Option<u64>,
        reason: Option<&str>,
        at: Timestamp,
    ) -> Result<Option<Reservation>, sqlx::Error> {
        let (_turn, mut tx) = self.write().await?;
        let locked = sqlx::query("UPDATE payments SET updated_at = updated_at WHERE payment_id = $1").bind(payment_id).execute(&mut *tx).await?;
        if locked.rows_affected() == 0 {
            return Ok(None);
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
        let row = sqlx::query("INSERT INTO refunds (payment_id, amount, status, created_at, reason) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(payment_id)
            .bind(wanted as i64)
            .bind(RefundStatus::Pending.as_str())
            .bind(ms(at))
            .bind(reason)
            .fetch_one(&mut *tx)
            .await?;
        let id = row.try_get("id")?;
        tx.commit().await?;
        Ok(Some(Reservation::Reserved { id, amount: wanted }))
    }

    /// Settles a pending refund outside any event (Gate refused or never got it).
    pub async fn settle_refund(&self, payment_id: &str, settlement: &RefundSettlement) -> Result<(), sqlx::Error> {
        let (_turn, mut tx) = self.write().await?;
        Self::settle_refund_in(&mut tx, payment_id, settlement).await?;
        tx.commit().await
    }

    async fn settle_refund_in(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        payment_id: &str,
        settlement: &RefundSettlement,
    ) -> Result<(), sqlx::Error> {
        let row = match settlement.refund_id {
            Some(id) => {
                sqlx::query("SELECT id FROM refunds WHERE id = $1 AND status = $2")
                    .bind(id)
                    .bind(RefundStatus::Pending.as_str())
                    .fetch_optional(&mut **tx)
                    .await?
            }
            None => {
                // A callback names the amount, not our row: the oldest pending refund of that
                // amount. One of another amount stays reserved (too little refundable is safe;
                // too much is not).
                sqlx::query("SELECT id FROM refunds WHERE payment_id = $1 AND status = $2 AND amount = $3 ORDER BY id LIMIT 1")
                    .bind(payment_id)
                    .bind(RefundStatus::Pending.as_str())
                    .bind(settlement.amount.map_or(-1, |a| a as i64))
                    .fetch_optional(&mut **tx)
                    .await?
            }
        };
        if let Some(row) = row {
            let id: i64 = row.try_get("id")?;
            sqlx::query("UPDATE refunds SET status = $1 WHERE id = $2").bind(settlement.status.as_str()).bind(id).execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// The refund ledger of a payment, oldest first: amount, status, and the backend's reason for
    /// a refund it made of its own accord (for tests and the admin API).
    pub async fn refunds_of(&self, payment_id: &str) -> Result<Vec<(u64, String, Option<String>)>, sqlx::Error> {
        let rows = sqlx::query("SELECT amount, status, reason FROM refunds WHERE payment_id = $1 ORDER BY id")
            .bind(payment_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get::<i64, _>("amount")? as u64, r.try_get("status")?, r.try_get("reason")?))).collect()
    }

    /// Takes or renews the lease `name` for `holder` until `until`, if it is free, expired at
    /// `at`, or already `holder`'s: a compare-and-set, so one instance at a time holds it.
    pub async fn try_lease(&self, name: &str, holder: &str, at: Timestamp, until: Timestamp) -> Result<bool, sqlx::Error> {
        let _turn = self.turn().await;
        let result = sqlx::query(
            "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE leases.expires_at < $4 OR leases.holder = excluded.holder",
        )
        .bind(name)
        .bind(holder)
        .bind(ms(until))
        .bind(ms(at))
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }
}

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

/// What [`Db::apply`] did.
#[derive(Debug, Clone)]
pub enum Applied {
    /// The event is recorded: the payment after it, and whether *this call* changed it.
    Recorded(PaymentRecord, bool),
    /// The window of [`Also::admits`] is full: nothing was written.
    Refused(Admission),
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
