//! Change notifications: whoever changes a payment tells the hub, and every live stream of that
//! payment reloads it. One broadcast channel per instance keeps it simple; streams filter by
//! payment id.
//!
//! With several instances on one PostgreSQL, a change made on another instance arrives through
//! `LISTEN`/`NOTIFY`: the transaction that changes a payment notifies [`CHANGES_CHANNEL`]
//! (`db.rs`), and [`listen_for_other_instances`] feeds what other instances changed into this
//! hub. A notification lost while the listening connection was down is made up for by telling
//! every stream to reload ([`EVERY_PAYMENT`]); the widget also polls beside its stream.

use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::broadcast;

use crate::db::CHANGES_CHANNEL;

/// Sent instead of a payment id when every stream should reload.
pub const EVERY_PAYMENT: &str = "*";

/// The hub.
#[derive(Debug, Clone)]
pub struct Hub {
    sender: broadcast::Sender<String>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub::new()
    }
}

impl Hub {
    /// A hub with room for bursts; a slow listener that falls behind just reloads.
    pub fn new() -> Hub {
        Hub { sender: broadcast::channel(1024).0 }
    }

    /// Says that `payment_id` changed.
    pub fn changed(&self, payment_id: &str) {
        // No listeners is fine.
        let _ = self.sender.send(payment_id.to_owned());
    }

    /// Listens for changes.
    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.sender.subscribe()
    }
}

/// Forever: forwards the changes other instances announce on PostgreSQL into `hub`. `instance`
/// is this process's name in the notifications (its own changes reached the hub directly).
pub async fn listen_for_other_instances(url: String, instance: String, hub: Hub) {
    loop {
        match PgListener::connect(&url).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen(CHANGES_CHANNEL).await {
                    tracing::warn!(error = %e, "cannot LISTEN for other instances' changes");
                } else {
                    // Anything may have changed while no one listened.
                    hub.changed(EVERY_PAYMENT);
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(notification)) => {
                                if let Some((from, payment_id)) = notification.payload().split_once(':') {
                                    if from != instance {
                                        hub.changed(payment_id);
                                    }
                                }
                            }
                            // The connection dropped; the next call reconnects, and what was
                            // sent meanwhile is lost: reload everything.
                            Ok(None) => hub.changed(EVERY_PAYMENT),
                            Err(e) => {
                                tracing::warn!(error = %e, "listening for other instances' changes failed");
                                break;
                            }
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot connect to listen for other instances' changes"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
