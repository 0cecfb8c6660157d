//! Durable storage: sessions, payments with their state machine, and append-only logs of Gate
//! calls and callbacks, on SQLite (embedded, the default) or PostgreSQL (several instances).
//!
//! One code path serves both: sqlx's `Any` driver, with SQL that both databases read the same way
//! (`$n` parameters, `ON CONFLICT`, partial unique indexes, `RETURNING`) and a migration folder
//! each, since their column types differ. What moves money is guarded here, where no caller can
//! get around it: unique indexes decide which request owns a session or a deposit, a version
//! column compares-and-sets every change of a payment, and a refund is checked and reserved in
//! the transaction that holds the payment's row.

mod callback_log;
mod demo_shop;
mod events;
mod gate_log;
mod idempotency;
mod leases;
mod outbox;
mod payment_view;
mod payments;
mod rate_limits;
mod refunds;
mod sessions;
#[cfg(feature = "test-hooks")]
mod test_hooks;

pub use callback_log::{CallbackRow, Recorded, RefusedCallback, UnappliedCallback};
pub use checkout_protocol::api::Method;
pub use demo_shop::DemoWebhookRow;
pub use events::{Also, Applied, Applying, EventRow, EventSource};
pub use gate_log::{GateCallRow, GateLogEntry};
pub use idempotency::KeyClaim;
pub use outbox::{announcements, AfterAttempt, Announcement, Attempt, AttemptRow, DueWebhook, SettledRefund, StoredEvent};
pub use payments::{Channel, Claim, PaymentRecord};
pub use rate_limits::Admission;
pub use refunds::{RefundRow, RefundSettlement, RefundStatus, Reservation};
pub use sessions::Session;

use std::sync::Arc;
use std::time::Duration;

use checkout_protocol::time::Timestamp;
use serde::Serialize;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// What storing a row under an idempotency claim did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    /// The row is new.
    New,
    /// The same claim stored a row before (its request ran already): that row's key (a payment
    /// id, a session token), and nothing new was stored.
    Existing(String),
}

impl Db {
    /// After an insert into `table` under `claim` stored nothing: the `key` of the row the same
    /// claim stored before ([`Inserted::Existing`]); with no such row (or no claim), the insert
    /// hit a key that exists already, which is `clash`.
    async fn stored_under_claim(&self, table: &str, key: &str, claim: Option<&str>, clash: String) -> Result<Inserted, sqlx::Error> {
        if let Some(claim) = claim {
            let query = format!("SELECT {key} FROM {table} WHERE idempotency_claim = $1");
            if let Some(made) = sqlx::query(&query).bind(claim).fetch_optional(&self.pool).await? {
                return Ok(Inserted::Existing(sqlx::Row::try_get(&made, key)?));
            }
        }
        Err(sqlx::Error::Protocol(clash))
    }
}

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One file (or memory), one instance.
    Sqlite,
    /// A server shared by several instances.
    Postgres,
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
}
