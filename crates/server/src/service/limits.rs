//! Per-address limits: how many payments, code checks and sessions one address may start in a
//! window (`AddressLimits`), counted in the database.

use std::net::IpAddr;

use checkout_protocol::time::{Millis, Timestamp};

use crate::config::AddressLimits;
use crate::db::Admission;
use crate::error::ServiceError;
use crate::views::ErrorCode;
use crate::App;

/// The start of the limits' window (`AddressLimits::WINDOW`) that `at` falls in.
pub fn window_start(at: Timestamp) -> Timestamp {
    let window = Millis::from_duration(AddressLimits::WINDOW).0;
    Timestamp(at.0 - at.0.rem_euclid(window))
}

/// 429 until the window that started at `window` ends.
pub fn too_many(window: Timestamp, at: Timestamp) -> ServiceError {
    let seconds = ((window + Millis::from_duration(AddressLimits::WINDOW)) - at).ceil_secs();
    ServiceError::new(ErrorCode::TooManyRequests, format!("too many requests from this address; try again in {seconds} s")).retry_after(seconds)
}

/// What a per-address limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Payments started (`limits.payments`).
    Payments,
    /// Codes checked (`limits.code_guesses`).
    CodeGuesses,
    /// Sessions created (`limits.sessions`).
    Sessions,
    /// Callbacks that failed verification, kept in brief (`callbacks.rs`).
    UnverifiedCallbacks,
}

impl Limit {
    /// Its name in `rate_hits.bucket`.
    const fn name(self) -> &'static str {
        match self {
            Limit::Payments => "payments",
            Limit::CodeGuesses => "codes",
            Limit::Sessions => "sessions",
            Limit::UnverifiedCallbacks => "unverified",
        }
    }
}

/// Whose requests a window counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// One address's.
    From(IpAddr),
    /// Everyone's together (a bound on what anyone can make the backend store).
    FromEveryone,
}

/// A limit's window for one address, or for everyone.
fn bucket(limit: Limit, counted: Counted) -> String {
    match counted {
        Counted::From(ip) => format!("{}:{ip}", limit.name()),
        Counted::FromEveryone => format!("{}:*", limit.name()),
    }
}

impl App {
    /// Admits one `item` (a repeat counts once) under `limit` for `counted`, at most `most` per
    /// window, or answers 429 with the seconds until the window ends.
    pub async fn admit(&self, limit: Limit, counted: Counted, item: &str, most: u32) -> Result<(), ServiceError> {
        let admission = self.admission(limit, counted, item, most);
        if self.db().admit(&admission).await? {
            Ok(())
        } else {
            Err(self.over_limit(&admission))
        }
    }

    /// `item`'s place under `limit` for `counted` in the current window, at most `most`.
    pub fn admission(&self, limit: Limit, counted: Counted, item: &str, most: u32) -> Admission {
        Admission { bucket: bucket(limit, counted), window_start: window_start(self.now()), item: item.to_owned(), limit: most }
    }

    /// The 429 for a refused `admission`, until its window ends.
    pub(super) fn over_limit(&self, admission: &Admission) -> ServiceError {
        tracing::warn!(bucket = admission.bucket, "over the per-address limit");
        too_many(admission.window_start, self.now())
    }
}
