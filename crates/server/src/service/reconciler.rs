//! The reconciler: asks the platform about payments it has been silent about, on the one
//! instance holding the lease, and applies callbacks a crash left unapplied.

use std::time::Duration;

use checkout_protocol::state::PaymentStatus;
use checkout_protocol::time::{Millis, Timestamp};
use checkout_protocol::wire::Callback;
use serde_json::Value;

use super::status::Wait;
use super::window_start;
use crate::config::AddressLimits;
use crate::db::{Channel, PaymentRecord, UnappliedCallback};
use crate::error::ServiceError;
use crate::App;

/// How long the instance that reconciles keeps the lease without renewing it.
const LEASE: Duration = Duration::from_secs(30);

async fn hold_lease(app: &App, name: &str, for_how_long: Duration) -> bool {
    let at = app.now();
    match app.db().try_lease(name, app.db().instance(), at, at + Millis::from_duration(for_how_long)).await {
        Ok(held) => held,
        Err(e) => {
            tracing::warn!(error = %e, name, "lease not taken");
            false
        }
    }
}

/// Applies callbacks recorded but not applied before a server stopped. It needs no lease: an
/// instance starting while another runs applies what that one may be applying too, and the
/// state machine's compare-and-set makes the second application change nothing, so a restarted
/// instance never waits for a dead one's lease to expire before it catches up.
pub async fn recover(app: &App) -> Result<usize, ServiceError> {
    let pending = app.db().unapplied_callbacks().await?;
    let count = pending.len();
    for UnappliedCallback { id, raw } in pending {
        let value: Value = serde_json::from_str(&raw)?;
        match Callback::from_value(value) {
            Ok(callback) => {
                app.apply_callback(id, &callback).await?;
            }
            Err(e) => app.db().callback_applied(id, &format!("unreadable: {e}")).await?,
        }
    }
    if count > 0 {
        tracing::info!(count, "applied callbacks recorded before a restart");
    }
    Ok(count)
}

/// How long a payment a customer is watching may be silent before the reconciler asks about it,
/// when that is sooner than `reconcile_after`. "Watching": a phone sale or payout in `processing`,
/// before the code prompt (the SMS may be on the phone already) or after the code. The platform
/// answers status requests 10 s after a request and its callbacks come within seconds, so 15 s
/// of silence means the callback is late or lost; a minute of spinner would cost the customer
/// most of the code's 80–90 s.
pub const WATCHED_SILENCE: Duration = Duration::from_secs(15);

/// The silence after which the reconciler asks about `record`.
fn silence_allowed(reconcile_after: Duration, record: &PaymentRecord) -> Millis {
    let watched = matches!(record.via, Channel::Gate | Channel::Payout) && matches!(record.machine.status(), PaymentStatus::Processing);
    Millis::from_duration(if watched { reconcile_after.min(WATCHED_SILENCE) } else { reconcile_after })
}

/// Forever: asks the platform about payments that need a confirmation or have been silent for
/// longer than they may be ([`silence_allowed`]), so a lost callback never leaves a customer
/// waiting. One instance at a time does it, holding the `reconciler` lease; another takes over
/// when it stops renewing.
pub async fn reconcile_forever(app: App) {
    let shortest = app.config().reconcile_after.min(WATCHED_SILENCE);
    let period = (shortest / 4).clamp(Duration::from_millis(200), Duration::from_secs(15));
    let lease = LEASE.max(period * 3).max(app.config().gate_timeout * 3);
    loop {
        tokio::time::sleep(period).await;
        if !hold_lease(&app, "reconciler", lease).await {
            continue;
        }
        if let Err(e) = reconcile_pass(&app, app.now(), Some(lease)).await {
            tracing::warn!(error = %e.message, "reconciliation pass failed");
        }
    }
}

/// Status requests the reconciler has in flight at once: a slow platform slows a pass by its
/// answer time over this, not by its answer time per payment.
pub const RECONCILE_CONCURRENCY: usize = 8;

/// One reconciliation pass at `at`, without a lease (tests, and a caller that holds it).
pub async fn reconcile_once(app: &App, at: Timestamp) -> Result<(), ServiceError> {
    reconcile_pass(app, at, None).await
}

/// One pass: the open payments that are due (silent for longer than they may be, or waiting for
/// a confirmation, and that the platform would answer about now) are asked about, at most
/// [`RECONCILE_CONCURRENCY`] at once. With a `lease`, it is renewed before each payment is taken,
/// and the pass stops when it is lost, so a slow platform never leaves two instances asking: each
/// request takes at most the Gate timeout, well within the lease. Each payment is also claimed by
/// a compare-and-set on its last status check, so none is asked about twice at once anyway.
async fn reconcile_pass(app: &App, at: Timestamp, lease: Option<Duration>) -> Result<(), ServiceError> {
    use futures_util::StreamExt;
    // Admissions of windows that ended are of no further use.
    app.db().forget_admissions(Timestamp(window_start(at).0 - Millis::from_duration(AddressLimits::WINDOW).0)).await?;
    // Idempotency keys past their 24 hours: a claim forgets its own key anyway; this keeps the
    // table to a day of keys.
    app.db().purge_idempotency_keys(at).await?;
    let mut due = Vec::new();
    for record in app.db().open_payments().await? {
        let heard = record.updated_at.max(record.last_status_check_at.unwrap_or_default());
        let deferred = record.status_due_at.is_some_and(|due| at < due);
        let silent = record.machine.needs_status_check() || at - heard >= silence_allowed(app.config().reconcile_after, &record);
        if !deferred && silent && app.status_ready_at(&record).await? <= at {
            due.push(record);
        }
    }
    let held = std::sync::atomic::AtomicBool::new(true);
    futures_util::stream::iter(due)
        .for_each_concurrent(RECONCILE_CONCURRENCY, |record| {
            let held = &held;
            async move {
                if !held.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                if let Some(lease) = lease {
                    if !hold_lease(app, "reconciler", lease).await {
                        held.store(false, std::sync::atomic::Ordering::SeqCst);
                        return;
                    }
                }
                if let Err(e) = app.confirm_status_of(&record, Wait::No).await {
                    tracing::debug!(payment_id = record.payment_id, error = %e.message, "status not settled yet");
                }
            }
        })
        .await;
    // Duplicates whose refund a crash (or a failure) interrupted; with auto-refund off they wait
    // in the admin list for the merchant.
    let duplicates = if app.config().auto_refund_duplicates { app.db().sessions_paid_twice().await? } else { Vec::new() };
    for token in duplicates {
        if let Err(e) = app.settle_duplicates(&token).await {
            tracing::warn!(session = token, error = %e.message, "duplicate payment not settled yet");
        }
    }
    Ok(())
}
