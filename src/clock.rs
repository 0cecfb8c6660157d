//! Time as the backend sees it. Deadlines come from the server; the browser's clock may be off by
//! minutes, so the widget measures the offset whenever a view arrives and counts from the
//! browser's clock (`Date.now()`, or a test's [`Clock`]) plus that offset. Nothing counts ticks,
//! so a hidden tab or a reload keeps the right time.

use std::rc::Rc;

/// A clock in milliseconds since the epoch: the browser's (`Date.now()`), or a test's.
pub type Clock = Rc<dyn Fn() -> f64>;

/// The browser's clock.
pub fn browser_clock() -> Clock {
    Rc::new(js_sys::Date::now)
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
