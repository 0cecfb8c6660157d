//! Change notifications: whoever changes a payment tells the hub, and every live stream of that
//! payment reloads it. One broadcast channel for the whole server keeps it simple; streams filter
//! by payment id.

use tokio::sync::broadcast;

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
