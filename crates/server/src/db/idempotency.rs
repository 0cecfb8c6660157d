//! The `idempotency_keys` table: which request with a shop's `Idempotency-Key` runs, and the
//! answer its repeats get. The HTTP side is the `idempotency` module at the crate's root.

use checkout_protocol::time::{Millis, Timestamp};
use sqlx::Row;

use super::{ms, Db};
use crate::random::random_hex;

/// How long a key is remembered.
pub const IDEMPOTENCY_KEPT: Millis = Millis(24 * 60 * 60 * 1000);

/// What a request carrying a key may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyClaim {
    /// Run it. `claim` names this use of the key (the money rows it writes carry it); `owner`
    /// names this attempt, which alone may store the answer or let the key go.
    Run {
        /// This use of the key; the same for an attempt that took over a dead one's claim.
        claim: String,
        /// This attempt.
        owner: String,
    },
    /// The first request with the key answered this: answer it again.
    Replay {
        /// Its HTTP status.
        status: u16,
        /// Its JSON body.
        body: String,
    },
    /// The key was used for another request (another method, path or body).
    Reused,
    /// The first request with the key is still running.
    InProgress {
        /// Until its lease ends, at most (a live holder usually answers sooner).
        remaining: Millis,
    },
}

impl Db {
    /// Claims `key` for a request with `fingerprint` at `now`. Keys older than
    /// [`IDEMPOTENCY_KEPT`] are forgotten first; a running claim whose lease (`lease` from its start) ended is taken
    /// over, compare-and-set on its owner, so of two late comers one runs.
    pub async fn claim_idempotency_key(&self, key: &str, fingerprint: &str, now: Timestamp, lease: Millis) -> Result<KeyClaim, sqlx::Error> {
        let (_turn, mut tx) = self.write().await?;
        sqlx::query("DELETE FROM idempotency_keys WHERE idempotency_key = $1 AND created_at <= $2")
            .bind(key)
            .bind(ms(now) - IDEMPOTENCY_KEPT.0)
            .execute(&mut *tx)
            .await?;
        let (claim, owner) = (random_hex(12), random_hex(12));
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (idempotency_key, fingerprint, claim, state, owner, locked_until, created_at)
             VALUES ($1, $2, $3, 'running', $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(key)
        .bind(fingerprint)
        .bind(&claim)
        .bind(&owner)
        .bind(ms(now + lease))
        .bind(ms(now))
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 1 {
            tx.commit().await?;
            return Ok(KeyClaim::Run { claim, owner });
        }
        let row = sqlx::query(
            "SELECT fingerprint, claim, state, owner, locked_until, response_status, response_body FROM idempotency_keys WHERE idempotency_key = $1",
        )
        .bind(key)
        .fetch_one(&mut *tx)
        .await?;
        if row.try_get::<String, _>("fingerprint")? != fingerprint {
            return Ok(KeyClaim::Reused);
        }
        if row.try_get::<String, _>("state")? == "done" {
            let status = row.try_get::<i64, _>("response_status")?;
            return Ok(KeyClaim::Replay {
                status: u16::try_from(status).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                body: row.try_get("response_body")?,
            });
        }
        let locked_until = Timestamp(row.try_get("locked_until")?);
        if locked_until > now {
            return Ok(KeyClaim::InProgress { remaining: locked_until - now });
        }
        let held_by: String = row.try_get("owner")?;
        let taken =
            sqlx::query("UPDATE idempotency_keys SET owner = $1, locked_until = $2 WHERE idempotency_key = $3 AND state = 'running' AND owner = $4")
                .bind(&owner)
                .bind(ms(now + lease))
                .bind(key)
                .bind(&held_by)
                .execute(&mut *tx)
                .await?;
        if taken.rows_affected() == 0 {
            return Ok(KeyClaim::InProgress { remaining: lease });
        }
        let claim: String = row.try_get("claim")?;
        tx.commit().await?;
        tracing::warn!(claim, "an Idempotency-Key's first request stopped without an answer: running it again");
        Ok(KeyClaim::Run { claim, owner })
    }

    /// Stores the answer of the request that holds `key` as `owner`; false when another attempt
    /// took the key over meanwhile (its answer is the one kept).
    pub async fn finish_idempotency_key(&self, key: &str, owner: &str, status: u16, body: &str) -> Result<bool, sqlx::Error> {
        let _turn = self.turn().await;
        let done = sqlx::query(
            "UPDATE idempotency_keys SET state = 'done', response_status = $1, response_body = $2 WHERE idempotency_key = $3 AND owner = $4 AND state = 'running'",
        )
        .bind(i64::from(status))
        .bind(body)
        .bind(key)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Forgets `key` held by `owner`, whose request was refused before anything ran: the shop
    /// may send it again, corrected or not.
    pub async fn release_idempotency_key(&self, key: &str, owner: &str) -> Result<(), sqlx::Error> {
        let _turn = self.turn().await;
        sqlx::query("DELETE FROM idempotency_keys WHERE idempotency_key = $1 AND owner = $2 AND state = 'running'")
            .bind(key)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets every key older than [`IDEMPOTENCY_KEPT`] at `now`; how many.
    pub async fn purge_idempotency_keys(&self, now: Timestamp) -> Result<u64, sqlx::Error> {
        let _turn = self.turn().await;
        let purged =
            sqlx::query("DELETE FROM idempotency_keys WHERE created_at <= $1").bind(ms(now) - IDEMPOTENCY_KEPT.0).execute(&self.pool).await?;
        Ok(purged.rows_affected())
    }
}
