//! `rate_hits`: the per-address windows of the limits on abuse.

use checkout_protocol::time::Timestamp;

use super::{ms, Db};

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

impl Db {
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
    pub(super) async fn refused_within(tx: &mut sqlx::AnyConnection, admission: Option<&Admission>) -> Result<Option<Admission>, sqlx::Error> {
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
}
