//! Time as the backend sees it. Deadlines come from the server; the browser's clock may be off by
//! minutes, so the widget measures the offset whenever a view arrives and counts from the
//! browser's clock (`Date.now()`, or a test's [`Clock`]) plus that offset. Nothing counts ticks
//! to measure time, so a hidden tab or a reload keeps the right time; ticks only say when to look
//! again (the countdown, polling, deposits).
//!
//! Both come from the [`Clock`]: the browser's time and a 250 ms interval, or, in tests, the
//! test's time and the ticks the test gives (`Ticker`, with the `test-clock` feature, which the
//! test targets enable and the bundle leaves out), so a test steps through two seconds of polling
//! without waiting for them.

use std::rc::Rc;
#[cfg(feature = "test-clock")]
use std::{cell::RefCell, rc::Weak};

/// Milliseconds between the widget's ticks.
pub const TICK_MS: u32 = 250;

/// Where the widget's time comes from.
#[derive(Clone)]
pub struct Clock {
    /// Milliseconds since the epoch.
    now: Rc<dyn Fn() -> f64>,
    /// `None`: the browser's interval ticks; else the test's ticker does.
    #[cfg(feature = "test-clock")]
    ticker: Option<Ticker>,
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clock").finish_non_exhaustive()
    }
}

impl Clock {
    /// The browser's clock and interval.
    pub fn browser() -> Clock {
        Clock {
            now: Rc::new(js_sys::Date::now),
            #[cfg(feature = "test-clock")]
            ticker: None,
        }
    }

    /// A test's clock: time is what `now` says, and the widget ticks when `ticker` does.
    #[cfg(feature = "test-clock")]
    pub fn stepped(now: impl Fn() -> f64 + 'static, ticker: &Ticker) -> Clock {
        Clock { now: Rc::new(now), ticker: Some(ticker.clone()) }
    }

    /// Milliseconds since the epoch.
    pub fn now(&self) -> f64 {
        (self.now)()
    }

    /// Calls `tick` every [`TICK_MS`] (or at each of the test's ticks) for as long as the current
    /// reactive owner lives: the widget's, so unmounting stops it.
    pub(crate) fn every_tick(&self, tick: impl Fn() + 'static) {
        use leptos::prelude::{on_cleanup, set_interval_with_handle};
        #[cfg(feature = "test-clock")]
        if let Some(ticker) = &self.ticker {
            let tick: Rc<dyn Fn()> = Rc::new(tick);
            ticker.listeners.borrow_mut().push(Rc::downgrade(&tick));
            // Held by the owner: when it is disposed the ticker's weak reference dies.
            let _held = leptos::prelude::StoredValue::new_local(tick);
            return;
        }
        if let Ok(interval) = set_interval_with_handle(tick, std::time::Duration::from_millis(TICK_MS.into())) {
            on_cleanup(move || interval.clear());
        }
    }
}

#[cfg(feature = "test-clock")]
/// A test's ticks: each [`Ticker::tick`] is one [`TICK_MS`] step of every widget mounted on a
/// [`Clock::stepped`] with it.
#[derive(Clone, Default)]
pub struct Ticker {
    listeners: Rc<RefCell<Vec<Tick>>>,
}

/// A widget's tick, as long as the widget lives.
#[cfg(feature = "test-clock")]
type Tick = Weak<dyn Fn()>;

#[cfg(feature = "test-clock")]
impl std::fmt::Debug for Ticker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ticker").field("widgets", &self.listeners.borrow().len()).finish()
    }
}

#[cfg(feature = "test-clock")]
impl Ticker {
    /// A ticker no widget listens to yet.
    pub fn new() -> Ticker {
        Ticker::default()
    }

    /// One tick of every live widget on it.
    pub fn tick(&self) {
        let live: Vec<Rc<dyn Fn()>> = {
            let mut listeners = self.listeners.borrow_mut();
            listeners.retain(|l| l.strong_count() > 0);
            listeners.iter().filter_map(Weak::upgrade).collect()
        };
        for tick in live {
            tick();
        }
    }
}

/// Milliseconds since the epoch of an RFC 3339 text, by the browser's own parser.
pub fn parse_time(text: &str) -> Option<f64> {
    let ms = js_sys::Date::parse(text);
    (!ms.is_nan()).then_some(ms)
}

/// Server time minus browser time, from a view's `server_time`, measured at `local_now`.
pub fn offset_of(server_time: &str, local_now: f64) -> f64 {
    parse_time(server_time).map_or(0.0, |server| server - local_now)
}

/// Whole seconds left until `deadline` (server milliseconds) at `server_now`, never negative.
pub fn seconds_until(deadline: f64, server_now: f64) -> u64 {
    let left = (deadline - server_now) / 1000.0;
    if left <= 0.0 {
        0
    } else {
        left.ceil() as u64
    }
}

/// `mm:ss`.
pub fn mm_ss(seconds: u64) -> String {
    format!("{:02}:{:02}", seconds / 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdown_text() {
        assert_eq!(mm_ss(80), "01:20");
        assert_eq!(mm_ss(0), "00:00");
        assert_eq!(mm_ss(9), "00:09");
        assert_eq!(seconds_until(10_500.0, 10_000.0), 1);
        assert_eq!(seconds_until(10_000.0, 10_000.0), 0);
        assert_eq!(seconds_until(0.0, 10_000.0), 0);
        assert_eq!(seconds_until(90_000.0, 10_000.0), 80);
    }
}
