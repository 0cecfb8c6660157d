//! Change notifications: whoever changes a payment tells the hub, and every live stream of that
//! payment reloads it. One broadcast channel per instance keeps it simple; streams filter by
//! payment id.
//!
//! With several instances on one PostgreSQL, a change made on another instance arrives through
//! `LISTEN`/`NOTIFY`: the transaction that changes a payment notifies [`CHANGES_CHANNEL`]
//! (`db/events.rs`), and [`listen_for_other_instances`] feeds what other instances changed into this
//! hub. A notification lost while the listening connection was down is made up for by telling
//! every stream to reload ([`Change::Every`]); the widget also polls beside its stream.

use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::broadcast;

use crate::db::CHANGES_CHANNEL;

/// What the hub says changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// This payment.
    Payment(String),
    /// Anything may have: notifications from other instances were lost, so every stream reloads.
    Every,
}

impl Change {
    /// Whether a stream of `payment_id` must reload.
    pub fn concerns(&self, payment_id: &str) -> bool {
        match self {
            Change::Payment(changed) => changed == payment_id,
            Change::Every => true,
        }
    }
}

/// The hub.
#[derive(Debug, Clone)]
pub struct Hub {
    sender: broadcast::Sender<Change>,
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
        self.tell(Change::Payment(payment_id.to_owned()));
    }

    /// Says that anything may have changed.
    pub fn everything_changed(&self) {
        self.tell(Change::Every);
    }

    fn tell(&self, change: Change) {
        // No listeners is fine.
        let _ = self.sender.send(change);
    }

    /// Listens for changes.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
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
                    hub.everything_changed();
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
                            Ok(None) => hub.everything_changed(),
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
