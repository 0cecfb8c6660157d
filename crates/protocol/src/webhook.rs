//! The signature of the webhooks the backend sends to the shop's own server (issue 32): one
//! header, `Checkout-Signature: t=<unix seconds>,v1=<lowercase hex HMAC-SHA256(secret,
//! "<t>.<raw body>")>`, with a second `v1=` signed with the previous secret while a secret is
//! being rotated. A shop verifies the raw body as received (before parsing it), and refuses a
//! timestamp more than [`TOLERANCE_SECS`] from its own clock, so a recorded delivery cannot be
//! replayed later. Known-answer vectors: `tests/fixtures/webhook-vectors.json`, computed by an
//! independent implementation (Python's `hmac`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header's name.
pub const HEADER: &str = "Checkout-Signature";

/// How far a delivery's `t` may be from the receiver's clock, either way.
pub const TOLERANCE_SECS: i64 = 300;

type HmacSha256 = Hmac<Sha256>;

/// Why a webhook does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookError {
    /// The header is not `t=…,v1=…`: no timestamp, a timestamp that is not a number, or no `v1`.
    Malformed(&'static str),
    /// The timestamp is further from now than [`TOLERANCE_SECS`]: an old delivery replayed, or a
    /// clock far off.
    OutsideTolerance {
        /// Seconds between the delivery's `t` and now (negative: from the future).
        age_secs: i64,
    },
    /// No `v1` is the body's signature with this secret.
    Mismatch,
}

impl std::fmt::Display for WebhookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WebhookError::Malformed(why) => write!(f, "the signature header is malformed: {why}"),
            WebhookError::OutsideTolerance { age_secs } => {
                write!(f, "the delivery is {age_secs} s from now, beyond the {TOLERANCE_SECS} s tolerance")
            }
            WebhookError::Mismatch => f.write_str("no signature in the header matches the body"),
        }
    }
}

impl std::error::Error for WebhookError {}

fn mac(secret: &[u8], t: i64, body: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let mut mac = HmacSha256::new_from_slice(secret).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The lowercase hex HMAC-SHA256 of `"<t>.<body>"` with `secret`.
pub fn sign(secret: &[u8], t: i64, body: &[u8]) -> String {
    mac(secret, t, body).finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// The header's value for `body` sent at `t`, one `v1` per secret: the current one first, then
/// the previous one while it is being rotated out.
pub fn header_value(secrets: &[&[u8]], t: i64, body: &[u8]) -> String {
    let mut value = format!("t={t}");
    for secret in secrets {
        value.push_str(",v1=");
        value.push_str(&sign(secret, t, body));
    }
    value
}

/// Lowercase or uppercase hex to bytes; `None` for anything else.
fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| text.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok())).collect()
}

/// Verifies a delivery: `header` as received, the raw `body`, the shop's `secret`, and its clock
/// `now` in unix seconds. The timestamp must be within [`TOLERANCE_SECS`] of `now`, and one `v1`
/// must be the body's signature (compared in constant time). Unknown keys are ignored, so a later
/// scheme can be added beside `v1`.
pub fn verify(header: &str, body: &[u8], secret: &[u8], now: i64) -> Result<(), WebhookError> {
    let mut t = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let Some((key, value)) = part.trim().split_once('=') else { return Err(WebhookError::Malformed("a part is not key=value")) };
        match key {
            "t" if t.is_some() => return Err(WebhookError::Malformed("two timestamps")),
            "t" => t = Some(value.parse::<i64>().map_err(|_| WebhookError::Malformed("the timestamp is not a number"))?),
            "v1" => signatures.push(value),
            _ => {}
        }
    }
    let t = t.ok_or(WebhookError::Malformed("no timestamp"))?;
    if signatures.is_empty() {
        return Err(WebhookError::Malformed("no v1 signature"));
    }
    let age_secs = now.saturating_sub(t);
    if age_secs.abs() > TOLERANCE_SECS {
        return Err(WebhookError::OutsideTolerance { age_secs });
    }
    let expected = mac(secret, t, body);
    let matches = signatures.iter().filter_map(|s| from_hex(s)).any(|given| expected.clone().verify_slice(&given).is_ok());
    if matches {
        Ok(())
    } else {
        Err(WebhookError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_test_0123456789abcdef";

    #[test]
    fn a_signed_body_verifies_and_any_change_does_not() {
        let body = br#"{"id":"evt_1","type":"payment.succeeded"}"#;
        let header = header_value(&[SECRET], 1_700_000_000, body);
        assert_eq!(verify(&header, body, SECRET, 1_700_000_000), Ok(()));
        assert_eq!(verify(&header, br#"{"id":"evt_1","type":"payment.declined"}"#, SECRET, 1_700_000_000), Err(WebhookError::Mismatch));
        assert_eq!(verify(&header, body, b"another secret of some length", 1_700_000_000), Err(WebhookError::Mismatch));
        // The timestamp is signed too: moving it breaks the signature.
        let moved = header.replacen("t=1700000000", "t=1700000001", 1);
        assert_eq!(verify(&moved, body, SECRET, 1_700_000_000), Err(WebhookError::Mismatch));
    }

    #[test]
    fn a_delivery_replayed_later_or_from_a_clock_far_ahead_is_refused() {
        let body = b"{}";
        let header = header_value(&[SECRET], 1_700_000_000, body);
        assert_eq!(verify(&header, body, SECRET, 1_700_000_000 + TOLERANCE_SECS), Ok(()));
        assert_eq!(verify(&header, body, SECRET, 1_700_000_000 + TOLERANCE_SECS + 1), Err(WebhookError::OutsideTolerance { age_secs: 301 }));
        assert_eq!(verify(&header, body, SECRET, 1_700_000_000 - TOLERANCE_SECS - 1), Err(WebhookError::OutsideTolerance { age_secs: -301 }));
    }

    #[test]
    fn during_a_rotation_either_secret_verifies() {
        let (new, old) = (b"whsec_new_secret_0001".as_slice(), b"whsec_old_secret_0000".as_slice());
        let header = header_value(&[new, old], 1_700_000_000, b"{}");
        assert_eq!(header.matches("v1=").count(), 2);
        assert_eq!(verify(&header, b"{}", new, 1_700_000_000), Ok(()));
        assert_eq!(verify(&header, b"{}", old, 1_700_000_000), Ok(()));
    }

    #[test]
    fn malformed_headers_say_what_is_wrong() {
        for (header, why) in [
            ("", "a part is not key=value"),
            ("v1=00", "no timestamp"),
            ("t=12,t=13,v1=00", "two timestamps"),
            ("t=soon,v1=00", "the timestamp is not a number"),
            ("t=1700000000", "no v1 signature"),
        ] {
            assert_eq!(verify(header, b"{}", SECRET, 1_700_000_000), Err(WebhookError::Malformed(why)), "{header:?}");
        }
        // A v1 that is not hex matches nothing; a scheme this verifier does not know is ignored.
        let good = sign(SECRET, 1_700_000_000, b"{}");
        assert_eq!(verify("t=1700000000,v1=zz", b"{}", SECRET, 1_700_000_000), Err(WebhookError::Mismatch));
        assert_eq!(verify(&format!("t=1700000000,v2=abc,v1={good}"), b"{}", SECRET, 1_700_000_000), Ok(()));
    }
}

/// The events a shop's server is told of, each named `<object>.<outcome>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventType {
    /// A purchase was paid: fulfil the order.
    #[serde(rename = "payment.succeeded")]
    PaymentSucceeded,
    /// The platform or the operator declined a purchase: the customer may try again.
    #[serde(rename = "payment.declined")]
    PaymentDeclined,
    /// A purchase ended without money moving: never sent, or a Payment Page left unpaid.
    #[serde(rename = "payment.failed")]
    PaymentFailed,
    /// Money went back to the customer (`data.refund` says how much and, when the backend made
    /// it of its own accord, why).
    #[serde(rename = "refund.succeeded")]
    RefundSucceeded,
    /// The platform declined a refund: the money stays with the shop.
    #[serde(rename = "refund.declined")]
    RefundDeclined,
    /// A payout reached the phone.
    #[serde(rename = "payout.succeeded")]
    PayoutSucceeded,
    /// A payout was declined or failed: nothing was paid out.
    #[serde(rename = "payout.declined")]
    PayoutDeclined,
    /// Cash paid in at a terminal was credited to the session.
    #[serde(rename = "deposit.succeeded")]
    DepositSucceeded,
    /// A type this version does not know (a newer backend's): ignore it, answer 2xx.
    #[serde(other)]
    Unknown,
}

impl EventType {
    /// Every type the backend sends.
    pub const ALL: &'static [EventType] = &[
        EventType::PaymentSucceeded,
        EventType::PaymentDeclined,
        EventType::PaymentFailed,
        EventType::RefundSucceeded,
        EventType::RefundDeclined,
        EventType::PayoutSucceeded,
        EventType::PayoutDeclined,
        EventType::DepositSucceeded,
    ];

    /// The name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventType::PaymentSucceeded => "payment.succeeded",
            EventType::PaymentDeclined => "payment.declined",
            EventType::PaymentFailed => "payment.failed",
            EventType::RefundSucceeded => "refund.succeeded",
            EventType::RefundDeclined => "refund.declined",
            EventType::PayoutSucceeded => "payout.succeeded",
            EventType::PayoutDeclined => "payout.declined",
            EventType::DepositSucceeded => "deposit.succeeded",
            EventType::Unknown => "unknown",
        }
    }
}

/// One webhook: its body as sent (and as `GET /admin/events` lists it). A delivery may come more
/// than once: deduplicate by `id`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEvent {
    /// `evt_…`, the same in every delivery of this event.
    pub id: String,
    /// What happened.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// When it happened (RFC 3339, UTC).
    pub created_at: String,
    /// The payment and its session, as they were then.
    pub data: EventData,
}

/// What an event is about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventData {
    /// The payment after the change.
    pub payment: crate::api::PaymentView,
    /// Its session with the shop's order; `null` for a payout made through the admin API.
    pub session: Option<EventSession>,
    /// For `refund.*`: the refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund: Option<EventRefund>,
}

/// The session of an event's payment, with the shop's order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventSession {
    /// The session token.
    pub session: String,
    /// The shop's order id, as given when the session was created.
    pub reference: Option<String>,
    /// The shop's notes.
    pub metadata: std::collections::BTreeMap<String, String>,
    /// The session's amount, minor units.
    pub amount: u64,
    /// ISO 4217.
    pub currency: String,
}

/// A refund, in `refund.*` events.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventRefund {
    /// Minor units.
    pub amount: u64,
    /// Why the backend refunded of its own accord (a session paid twice); `null` for a refund the
    /// shop asked for.
    pub reason: Option<String>,
}

#[cfg(test)]
mod event_names {
    use super::EventType;

    #[test]
    fn each_type_is_stored_by_the_name_it_is_sent_by_and_an_unknown_one_is_read() {
        for kind in EventType::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), serde_json::Value::String(kind.as_str().to_owned()));
            assert_eq!(serde_json::from_value::<EventType>(serde_json::Value::String(kind.as_str().to_owned())).unwrap(), *kind);
        }
        assert_eq!(serde_json::from_str::<EventType>(r#""order.shipped""#).unwrap(), EventType::Unknown);
    }
}
