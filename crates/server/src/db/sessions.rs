//! The `sessions` table: what the shop fixed for one checkout.

use std::collections::BTreeMap;

use checkout_protocol::api::Method;
use checkout_protocol::time::Timestamp;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{ms, to_json, Db, Inserted};

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
    /// The shop's order id.
    pub reference: Option<String>,
    /// The shop's notes.
    pub metadata: BTreeMap<String, String>,
    /// Creation time.
    pub created_at: Timestamp,
}

impl Db {
    /// Stores a new session. With an idempotency `claim`, a session the same claim stored before
    /// wins: its token comes back as [`Inserted::Existing`] and `s` is not stored.
    pub async fn insert_session(&self, s: &Session, claim: Option<&str>) -> Result<Inserted, sqlx::Error> {
        let _turn = self.turn().await;
        let inserted = sqlx::query(
            "INSERT INTO sessions (token, amount, currency, customer_id, customer_first_name, customer_last_name, customer_email, methods, locale, description, created_at, reference, metadata, idempotency_claim)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT DO NOTHING",
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
        .bind(&s.reference)
        .bind(to_json(&s.metadata)?)
        .bind(claim)
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(Inserted::New);
        }
        self.stored_under_claim("sessions", "token", claim, format!("session {} already exists", s.token)).await
    }

    pub(super) fn session_from(row: &AnyRow) -> Result<Session, sqlx::Error> {
        let (methods, metadata): (String, String) = (row.try_get("methods")?, row.try_get("metadata")?);
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
            reference: row.try_get("reference")?,
            metadata: serde_json::from_str(&metadata).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            created_at: Timestamp(row.try_get("created_at")?),
        })
    }

    /// A session by token.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, sqlx::Error> {
        let row = sqlx::query("SELECT * FROM sessions WHERE token = $1").bind(token).fetch_optional(&self.pool).await?;
        row.as_ref().map(Self::session_from).transpose()
    }

    /// The sessions the shop opened for its order `reference`, newest first.
    pub async fn sessions_with_reference(&self, reference: &str) -> Result<Vec<Session>, sqlx::Error> {
        let rows =
            sqlx::query("SELECT * FROM sessions WHERE reference = $1 ORDER BY created_at DESC, token").bind(reference).fetch_all(&self.pool).await?;
        rows.iter().map(Self::session_from).collect()
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
}
