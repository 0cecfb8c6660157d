//! The protocol core of the Kazakhstan mobile checkout: pure, no I/O, builds for
//! `wasm32-unknown-unknown` and native.
//!
//! - [`phone`]: Kazakhstan mobile numbers and operator suggestions.
//! - [`money`]: amounts in minor units and their display in tenge.
//! - [`otp`]: the one rule for the code the operator texts.
//! - [`state`]: the payment state machine the backend persists and the widget shows.
//! - [`locale`], [`operator`], [`time`]: the small vocabulary the others share.
//! - [`api`] (feature `api`): the messages between the widget and the merchant backend.
//! - [`host_event`] (feature `api`): the DOM events the widget tells the merchant's page.
//! - [`wire`] (feature `wire`): serde types of every platform message.
//! - [`signature`] (feature `signing`): the platform's HMAC-SHA512 signature. Only code that holds
//!   a secret enables it; the widget never does.

#[cfg(feature = "api")]
pub mod api;
pub mod conclusion;
#[cfg(feature = "api")]
pub mod host_event;
pub mod locale;
pub mod money;
pub mod operator;
pub mod otp;
pub mod phone;
#[cfg(feature = "signing")]
pub mod signature;
pub mod state;
pub mod time;
#[cfg(feature = "webhook")]
pub mod webhook;
#[cfg(feature = "wire")]
pub mod wire;

pub use conclusion::Conclusion;
pub use locale::Locale;
pub use money::Amount;
pub use operator::Operator;
pub use otp::ApprovalCode;
pub use phone::{KzMobile, PhoneError};
pub use state::{Event, Outcome, Payment, PaymentKind, PaymentStatus};
pub use time::{Millis, Timestamp};
