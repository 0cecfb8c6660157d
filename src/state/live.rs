//! Keeping up with the backend while a payment is open: the clock's tick, the payment's live
//! stream (Server-Sent Events), and polling beside it, so a lost connection or a proxy that
//! buffers events never leaves the customer stuck.

use checkout_protocol::api::Method;
use futures_util::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Checkout, Kept};
use crate::api::payment_from_event;

/// Ticks between polls of an open payment (2 s at 250 ms a tick).
const POLL_TICKS: u32 = 8;
/// Ticks between looks for news that is not the open payment's (3 s): cash-in deposits, a paid
/// page after all, a closed page's settling asked for again.
const LOOK_TICKS: u32 = 12;

/// The live stream of the open payment; dropping it closes the connection and ends its reader.
struct LiveStream {
    payment_id: String,
    /// Held, never read: the connection lives exactly as long as this value.
    _source: gloo_net::eventsource::futures::EventSource,
}

/// What keeping up holds between ticks.
#[derive(Default)]
struct Memory {
    stream: Option<LiveStream>,
    /// Ticks since the widget was mounted.
    ticks: u32,
    /// A look at the open payment is on its way: the next waits for it, so a slow backend never
    /// piles requests up.
    polling: bool,
}

/// The live stream and the looks at the backend.
#[derive(Clone, Copy)]
pub(super) struct Live {
    memory: Kept<Memory>,
}

impl Live {
    pub(super) fn new() -> Live {
        Live { memory: Kept::new(Memory::default()) }
    }
}

impl Checkout {
    /// The clock's tick: the countdown, and now and then a look at the backend.
    pub(super) fn tick(&self) {
        if !self.alive() {
            return;
        }
        self.count_down();
        let ticks = self.live.memory.with(|m| {
            m.ticks = m.ticks.wrapping_add(1);
            m.ticks
        });
        let Some(ticks) = ticks else { return };
        if ticks % POLL_TICKS == 0 {
            self.poll();
        }
        if ticks % LOOK_TICKS == 0 {
            if self.method() == Method::CashIn {
                self.look_for_deposits();
            }
            let (left_page, settle_due) = self.flight.memory.with(|m| (m.left_page, m.settle_due)).unwrap_or_default();
            if left_page && self.flight.payment.with_untracked(Option::is_none) {
                self.look_for_a_paid_page();
            }
            if settle_due {
                self.ask_to_settle_closed_page();
            }
        }
    }

    /// Follows the open payment over Server-Sent Events; any other stream closes.
    pub(super) fn follow(&self, open: Option<String>) {
        let memory = self.live.memory;
        let following = memory.with(|m| m.stream.as_ref().map(|s| s.payment_id.clone())).flatten();
        if following == open {
            return;
        }
        // Dropping the old stream closes it; its reader then ends.
        memory.with(|m| m.stream = None);
        self.flight.connection_lost.set(false);
        let Some(payment_id) = open else { return };
        let Some(url) = self.client().and_then(|c| c.events_url(&payment_id)) else { return };
        let Ok(mut source) = gloo_net::eventsource::futures::EventSource::new(&url) else { return };
        let Ok(mut events) = source.subscribe("payment") else { return };
        memory.with(|m| m.stream = Some(LiveStream { payment_id: payment_id.clone(), _source: source }));
        let this = *self;
        spawn_local(async move {
            while let Some(event) = events.next().await {
                if !this.alive() {
                    return;
                }
                match event {
                    Ok((_, message)) => {
                        this.flight.connection_lost.set(false);
                        if let Some(view) = message.data().as_string().and_then(|data| payment_from_event(&data).ok()) {
                            this.accept(view);
                        }
                    }
                    // gloo-net reports only a stream that is closed for good (or that we closed).
                    Err(_) => {
                        let current = memory.with(|m| m.stream.as_ref().is_some_and(|s| s.payment_id == payment_id)).unwrap_or(false);
                        if current {
                            memory.with(|m| m.stream = None);
                            this.flight.connection_lost.set(true);
                        }
                        return;
                    }
                }
            }
        });
    }

    /// Looks at the open payment, one look at a time.
    fn poll(&self) {
        let Some(id) = self.flight.open_payment().get_untracked() else { return };
        let Some(client) = self.client() else { return };
        let memory = self.live.memory;
        if memory.with(|m| std::mem::replace(&mut m.polling, true)).unwrap_or(true) {
            return;
        }
        let this = *self;
        spawn_local(async move {
            let answer = client.payment(&id).await;
            // Gone with the widget if it was unmounted meanwhile.
            memory.with(|m| m.polling = false);
            if !this.alive() {
                return;
            }
            match answer {
                Ok(view) => {
                    let stream_gone = memory.with(|m| m.stream.is_none()).unwrap_or(false);
                    this.flight.connection_lost.set(false);
                    this.accept(view);
                    // The backend is back: open the live stream again.
                    if stream_gone {
                        this.follow(this.flight.open_payment().get_untracked());
                    }
                }
                // No answer, or not the payment (a refusal, a proxy's error page): the customer is
                // told the widget cannot follow the payment right now, and the next look asks again.
                Err(_) => this.flight.connection_lost.set(true),
            }
        });
    }
}
