//! `leases`: work one instance at a time does (the reconciler), by compare-and-set.

use checkout_protocol::time::Timestamp;

use super::{ms, Db};

impl Db {
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
