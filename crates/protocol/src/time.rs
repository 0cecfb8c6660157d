//! Instants as Unix milliseconds, written as RFC 3339 UTC text on the wire.
//!
//! The crate's logic never reads a clock: callers pass "now" in, so the state machine and its
//! tests are deterministic. The one clock there is, [`Clock`] (feature `clock`), is what the
//! backend and the sandbox read "now" from, so their tests can share one and skip ahead. Only the UTC form `YYYY-MM-DDTHH:MM:SS[.fff]Z` (or a `±HH:MM`/`±HHMM` offset, as
//! the platform writes `+0000`) is read; that is all the widget, the backend and the sandbox emit.

use std::fmt;
use std::ops::{Add, Sub};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant, in milliseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

/// The time the backend and the sandbox go by: the system's, plus whatever tests skipped.
/// Clones share the skip, so a backend and a sandbox given clones of one clock stay together.
#[cfg(feature = "clock")]
#[derive(Debug, Clone, Default)]
pub struct Clock {
    skipped: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

#[cfg(feature = "clock")]
impl Clock {
    /// The system's time.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// Now.
    pub fn now(&self) -> Timestamp {
        let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let millis = i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX);
        Timestamp(millis.saturating_add(self.skipped.load(std::sync::atomic::Ordering::SeqCst)))
    }

    /// Moves this clock and all its clones forward by `by`, at once: what a test does instead of
    /// sleeping until a code expires.
    pub fn skip(&self, by: Millis) {
        self.skipped.fetch_add(by.0.max(0), std::sync::atomic::Ordering::SeqCst);
    }
}

/// A span of time in milliseconds; negative spans are allowed and mean "already passed".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Millis(pub i64);

impl Millis {
    /// A span of whole seconds.
    pub const fn from_secs(secs: i64) -> Self {
        Millis(secs.saturating_mul(1000))
    }

    /// A `Duration`, saturating at the largest span.
    pub fn from_duration(duration: std::time::Duration) -> Self {
        Millis(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX))
    }

    /// Whole seconds, rounded up, never below zero: what a "retry after" or a countdown shows.
    pub fn ceil_secs(self) -> u64 {
        if self.0 <= 0 {
            0
        } else {
            (self.0 as u64).div_ceil(1000)
        }
    }
}

impl Add<Millis> for Timestamp {
    type Output = Timestamp;
    fn add(self, rhs: Millis) -> Timestamp {
        Timestamp(self.0.saturating_add(rhs.0))
    }
}

impl Sub for Timestamp {
    type Output = Millis;
    fn sub(self, rhs: Timestamp) -> Millis {
        Millis(self.0.saturating_sub(rhs.0))
    }
}

/// Why a text is not an RFC 3339 instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError;

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expected an RFC 3339 instant such as 2026-11-21T10:00:00Z")
    }
}

impl std::error::Error for TimestampError {}

const MS_PER_DAY: i64 = 86_400_000;

impl Timestamp {
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub fn to_rfc3339(self) -> String {
        let days = self.0.div_euclid(MS_PER_DAY);
        let ms_of_day = self.0.rem_euclid(MS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let secs = ms_of_day / 1000;
        format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z", secs / 3600, secs / 60 % 60, secs % 60, ms_of_day % 1000)
    }

    /// Reads `YYYY-MM-DDTHH:MM:SS`, optional fraction, then `Z`, `±HH:MM` or `±HHMM`.
    pub fn parse_rfc3339(text: &str) -> Result<Self, TimestampError> {
        let b = text.as_bytes();
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
            return Err(TimestampError);
        }
        let year = digits(&b[0..4])?;
        let month = digits(&b[5..7])?;
        let day = digits(&b[8..10])?;
        let hour = digits(&b[11..13])?;
        let minute = digits(&b[14..16])?;
        let second = digits(&b[17..19])?;
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60 {
            return Err(TimestampError);
        }
        let mut rest = &b[19..];
        let mut millis = 0;
        if let Some((&b'.', fraction)) = rest.split_first() {
            let len = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
            if len == 0 {
                return Err(TimestampError);
            }
            let mut scaled = fraction[..len.min(3)].to_vec();
            scaled.resize(3, b'0');
            millis = digits(&scaled)?;
            rest = &fraction[len..];
        }
        let offset_minutes = match rest {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
                let minutes = digits(&[*h1, *h2])? * 60 + digits(&[*m1, *m2])?;
                if *sign == b'+' {
                    minutes
                } else {
                    -minutes
                }
            }
            _ => return Err(TimestampError),
        };
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
        Ok(Timestamp(secs * 1000 + millis))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse_rfc3339(&text).map_err(serde::de::Error::custom)
    }
}

fn digits(bytes: &[u8]) -> Result<i64, TimestampError> {
    bytes.iter().try_fold(0i64, |acc, &c| if c.is_ascii_digit() { Ok(acc * 10 + i64::from(c - b'0')) } else { Err(TimestampError) })
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (eras of 400 years, March-based years).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(text: &str, millis: i64) {
        assert_eq!(Timestamp::parse_rfc3339(text), Ok(Timestamp(millis)), "{text}");
    }

    #[test]
    fn reads_the_forms_in_use() {
        check("1970-01-01T00:00:00Z", 0);
        check("2024-12-07T19:08:45+0000", 1_733_598_525_000);
        check("2024-12-07T19:08:45.5Z", 1_733_598_525_500);
        check("2024-12-07T22:08:45+03:00", 1_733_598_525_000);
        check("2000-02-29T00:00:00Z", 951_782_400_000);
    }

    #[test]
    fn rejects_what_is_not_an_instant() {
        for bad in [
            "",
            "2024-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-12-07 19:08:45",
            "2024-12-07T19:08:45+00",
            "yyyy-12-07T19:08:45Z",
            "2024-12-07T19:08:45.Z",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(bad), Err(TimestampError), "{bad}");
        }
    }

    #[test]
    fn ceil_secs_never_goes_negative() {
        assert_eq!(Millis(-5).ceil_secs(), 0);
        assert_eq!(Millis(1).ceil_secs(), 1);
        assert_eq!(Millis(80_000).ceil_secs(), 80);
        assert_eq!(Millis::from_duration(std::time::Duration::from_secs(90)), Millis(90_000));
        assert_eq!(Millis::from_duration(std::time::Duration::MAX), Millis(i64::MAX));
    }

    proptest! {
        #[test]
        fn formatting_then_parsing_is_identity(ms in -62_135_596_800_000i64..253_402_300_799_999) {
            let t = Timestamp(ms);
            prop_assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Ok(t));
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(text in "\\PC{0,40}") {
            let _ = Timestamp::parse_rfc3339(&text);
        }
    }
}
