//! The payment state machine shared by the backend (which persists it) and the widget (which
//! shows it).
//!
//! The platform tells a merchant what happens through callbacks that arrive late, more than once
//! and out of order (`platform.md` §4), so every transition here is idempotent and final states
//! are absorbing: a sale outcome never changes, and a refund only ever moves a succeeded payment
//! further (`succeeded` → `partially_refunded` → `refunded`). Time is always a parameter.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::money::Amount;
use crate::time::{Millis, Timestamp};

/// New OTPs a payment may ask for (`/v2/customer/action/resend`, seeds: "up to three times").
pub const MAX_RESENDS: u8 = 3;

/// Codes the customer may submit per code the operator sent (README, "Limits"). A customer who
/// mistypes needs one to three; five per code and four codes per payment give a guesser 20
/// tries, against 10 000 values of even the shortest (4-digit) code.
pub const MAX_TRIES_PER_CODE: u32 = 5;

/// What kind of money movement a payment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    /// A purchase confirmed by an OTP (`/v2/payment/mobile/sale`).
    Purchase,
    /// Money sent to a phone (`/v2/payment/mobile/payout`); no OTP.
    Payout,
    /// Cash paid in at a Kassa24 terminal; no OTP.
    CashIn,
}

/// Why the customer is asked for the code again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OtpError {
    /// The code was submitted in time but was wrong.
    WrongCode,
    /// The code arrived after its validity window: a new code is needed.
    Expired,
}

pub use crate::conclusion::Conclusion;

/// How a sale ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The operator charged the customer (or credited them, for a payout).
    Succeeded,
    /// The operator or the platform declined: `code` is the platform's (`20000` General decline).
    Declined {
        /// The platform's operation code.
        code: String,
        /// The platform's message.
        message: String,
    },
    /// The request could not be processed (rejected by Gate, or a platform error).
    Failed {
        /// The platform's code.
        code: String,
        /// The platform's message.
        message: String,
    },
}

impl Outcome {
    /// The conclusion the backend drew, when this is one ([`Conclusion`]) rather than a verdict
    /// the platform gave.
    pub fn conclusion(&self) -> Option<Conclusion> {
        match self {
            Outcome::Failed { code, .. } => Conclusion::from_code(code),
            _ => None,
        }
    }

    /// Whether this is a conclusion the backend drew rather than a verdict the platform gave. A
    /// conclusion is our best guess that no money moved; the platform's word about money replaces
    /// it ([`Payment::apply`]).
    pub fn is_conclusion(&self) -> bool {
        self.conclusion().is_some()
    }
}

/// Everything that can happen to a payment. Events carry what makes them idempotent: an attempt
/// or resend number, or a refund's operation id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A callback (or status answer) says the platform needs the OTP: `awaiting clarification`.
    OtpRequired {
        /// When the backend received it.
        at: Timestamp,
        /// The platform's `operation.request_id`: which request this prompt answers. A prompt
        /// already seen before the customer's latest code is stale, never an answer to that code.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// The backend sent the customer's `attempt`-th code and Gate accepted the request.
    OtpSubmitted {
        /// 1 for the first code of the payment, then 2, 3…
        attempt: u32,
    },
    /// Gate refused (or never answered) the `attempt`-th code: the customer may type it again.
    OtpSubmissionFailed {
        /// The attempt that did not reach the platform.
        attempt: u32,
    },
    /// The backend is about to ask for the `resend`-th new OTP.
    ResendRequested {
        /// 1, 2 or 3.
        resend: u8,
    },
    /// Gate accepted the `resend`-th request for a new OTP at `at`.
    ResendAccepted {
        /// 1, 2 or 3.
        resend: u8,
        /// When Gate accepted it: the new code's validity counts from here.
        at: Timestamp,
    },
    /// Gate refused the `resend`-th request for a new OTP; the previous code stands.
    ResendRejected {
        /// 1, 2 or 3.
        resend: u8,
    },
    /// A callback reports how the sale (or payout, or cash-in) ended.
    Completed(Outcome),
    /// The status request (`/v2/payment/status`) reports how the sale ended. Authoritative: it
    /// settles outcomes held back during a resend.
    Confirmed(Outcome),
    /// The status request says the payment is still in progress: any outcome held back during a
    /// resend was one of the misleading statuses the seeds warn about.
    ConfirmedInProgress,
    /// A refund operation succeeded.
    Refunded {
        /// The platform's operation id, which makes repeated callbacks harmless.
        operation_id: String,
        /// How much this refund returned.
        amount: Amount,
    },
}

/// A payment as the backend persists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Purchase, payout or cash-in.
    pub kind: PaymentKind,
    /// The amount charged (or paid out, or paid in).
    pub amount: Amount,
    /// How long an OTP stays valid on this project (80 or 90 s), fixed when the payment starts.
    pub otp_validity: Millis,
    phase: Phase,
    otp: OtpTrack,
    /// Successful refunds by operation id.
    refunds: BTreeMap<String, Amount>,
    /// The backend's conclusion that a platform verdict replaced ([`Outcome::is_conclusion`]):
    /// set once, when the platform reported an outcome for a payment we had recorded as never
    /// sent or abandoned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    overruled: Option<Outcome>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
enum Phase {
    Processing,
    AwaitingOtp,
    Done(Outcome),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct OtpTrack {
    /// When the code the customer should type was created: the first OTP-required callback, or
    /// the acceptance of the latest resend.
    issued_at: Option<Timestamp>,
    /// Codes submitted so far.
    submitted: u32,
    /// Codes submitted since the current code was issued, not counting those Gate refused
    /// before they reached the platform: at most [`MAX_TRIES_PER_CODE`].
    #[serde(default)]
    tries_of_code: u32,
    /// Submissions the platform has answered by asking for the code again.
    answered: u32,
    last_error: Option<OtpError>,
    /// New codes obtained.
    resends_used: u8,
    /// A resend whose misleading callbacks may still arrive: from its request until the customer
    /// submits the next code (`platform.md` §5).
    resend_window: Option<u8>,
    /// An outcome reported by a callback inside the resend window, waiting for the status request.
    unconfirmed: Option<Outcome>,
    /// The request ids of the OTP prompts received so far. A prompt is the answer to a submitted
    /// code only if it is new: a replay or retry of one the customer has already answered is not.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    prompts: BTreeSet<String>,
}

/// What the widget sees of a payment: the contract's `state` and the details beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PaymentStatus {
    /// The platform is working; nothing for the customer to do.
    Processing,
    /// The customer should type the code the operator texted.
    AwaitingOtp {
        /// When the current code stops being valid.
        otp_expires_at: Timestamp,
        /// New codes the customer may still ask for.
        resends_left: u8,
        /// When "send a new code" becomes available; absent when none are left.
        resend_available_at: Option<Timestamp>,
        /// Which attempt the next code will be (1-based).
        attempt: u32,
        /// Why the customer is asked again, if they are.
        last_error: Option<OtpError>,
    },
    /// Paid.
    Succeeded,
    /// Declined by the operator or the platform.
    Declined {
        /// The platform's code.
        code: String,
        /// The platform's message.
        message: String,
    },
    /// Could not be processed.
    Failed {
        /// The platform's code.
        code: String,
        /// The platform's message.
        message: String,
    },
    /// Refunded in full.
    Refunded,
    /// Part of the amount was refunded.
    PartiallyRefunded {
        /// How much has been returned so far.
        refunded_amount: Amount,
    },
}

impl PaymentStatus {
    /// The contract's name of the state: `processing`, `awaiting_otp`, …
    pub const fn name(&self) -> &'static str {
        match self {
            PaymentStatus::Processing => "processing",
            PaymentStatus::AwaitingOtp { .. } => "awaiting_otp",
            PaymentStatus::Succeeded => "succeeded",
            PaymentStatus::Declined { .. } => "declined",
            PaymentStatus::Failed { .. } => "failed",
            PaymentStatus::Refunded => "refunded",
            PaymentStatus::PartiallyRefunded { .. } => "partially_refunded",
        }
    }

    /// Whether the state can no longer change (refunds aside).
    pub const fn is_final(&self) -> bool {
        !matches!(self, PaymentStatus::Processing | PaymentStatus::AwaitingOtp { .. })
    }
}

/// Why a code cannot be submitted now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitRefusal {
    /// The payment is not waiting for a code.
    NotAwaitingOtp,
    /// Every try of the current code is used; a new code can be asked for after this long, or
    /// never when all new codes are used too.
    TriesUsed {
        /// Until "send a new code" works; `None` when no new code is left.
        new_code_after: Option<Millis>,
    },
}

/// Why a new OTP cannot be requested now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResendRefusal {
    /// The payment is not waiting for a code.
    NotAwaitingOtp,
    /// The current code is still valid; a new one can be asked for after this long.
    TooEarly {
        /// Time left until a resend is allowed.
        retry_after: Millis,
    },
    /// All three new codes have been used.
    NoneLeft,
}

impl fmt::Display for ResendRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResendRefusal::NotAwaitingOtp => f.write_str("the payment is not waiting for a code"),
            ResendRefusal::TooEarly { retry_after } => {
                write!(f, "the current code is still valid; a new one can be sent in {} s", retry_after.ceil_secs())
            }
            ResendRefusal::NoneLeft => write!(f, "all {MAX_RESENDS} new codes have been sent"),
        }
    }
}

impl Payment {
    /// A payment the platform has just accepted.
    pub fn new(kind: PaymentKind, amount: Amount, otp_validity: Millis) -> Payment {
        Payment { kind, amount, otp_validity, phase: Phase::Processing, otp: OtpTrack::default(), refunds: BTreeMap::new(), overruled: None }
    }

    /// Applies an event; returns whether anything changed (so callers know when to notify).
    pub fn apply(&mut self, event: &Event) -> bool {
        let before = self.clone();
        self.transition(event);
        *self != before
    }

    fn transition(&mut self, event: &Event) {
        let otp = &mut self.otp;
        match (event, &self.phase) {
            // The platform's word about money wins over our own guess that none moved: a verdict
            // (or a refund, which proves a success) replaces a conclusion, once. A conclusion
            // never replaces anything, and a verdict never replaces another verdict.
            (Event::Completed(verdict) | Event::Confirmed(verdict), Phase::Done(concluded))
                if concluded.is_conclusion() && !verdict.is_conclusion() =>
            {
                self.overruled = Some(concluded.clone());
                otp.unconfirmed = None;
                self.phase = Phase::Done(verdict.clone());
            }
            (Event::Refunded { operation_id, amount }, Phase::Done(concluded)) if concluded.is_conclusion() => {
                self.overruled = Some(concluded.clone());
                self.refunds.entry(operation_id.clone()).or_insert(*amount);
                self.phase = Phase::Done(Outcome::Succeeded);
                otp.unconfirmed = None;
            }
            (Event::Refunded { operation_id, amount }, Phase::Processing | Phase::AwaitingOtp | Phase::Done(Outcome::Succeeded)) => {
                // Only a paid sale can be refunded, so a refund that overtakes the success
                // callback is itself proof of success.
                self.refunds.entry(operation_id.clone()).or_insert(*amount);
                self.phase = Phase::Done(Outcome::Succeeded);
                otp.unconfirmed = None;
            }
            (Event::Refunded { .. }, Phase::Done(_)) => {}
            (_, Phase::Done(_)) => {}
            (Event::OtpRequired { request_id: Some(id), .. }, Phase::Processing) if otp.prompts.contains(id) => {
                // A prompt the customer has already answered, replayed or retried: not an answer.
            }
            (Event::OtpRequired { at, request_id }, Phase::Processing) => {
                match otp.issued_at {
                    None => otp.issued_at = Some(*at),
                    Some(issued) if otp.submitted > otp.answered => {
                        otp.answered = otp.submitted;
                        otp.last_error = Some(if *at >= issued + self.otp_validity { OtpError::Expired } else { OtpError::WrongCode });
                    }
                    Some(_) => {}
                }
                otp.prompts.extend(request_id.clone());
                self.phase = Phase::AwaitingOtp;
            }
            (Event::OtpRequired { request_id, .. }, Phase::AwaitingOtp) => otp.prompts.extend(request_id.clone()),
            (Event::OtpSubmitted { attempt }, Phase::AwaitingOtp) if *attempt == otp.submitted + 1 && otp.tries_of_code < MAX_TRIES_PER_CODE => {
                otp.submitted = *attempt;
                otp.tries_of_code += 1;
                otp.last_error = None;
                otp.resend_window = None;
                self.phase = Phase::Processing;
            }
            (Event::OtpSubmitted { .. }, _) => {}
            (Event::OtpSubmissionFailed { attempt }, Phase::Processing) if *attempt == otp.submitted && otp.answered < *attempt => {
                otp.answered = *attempt;
                otp.tries_of_code = otp.tries_of_code.saturating_sub(1);
                self.phase = Phase::AwaitingOtp;
            }
            (Event::OtpSubmissionFailed { .. }, _) => {}
            (Event::ResendRequested { resend }, Phase::AwaitingOtp) if *resend == otp.resends_used + 1 => {
                otp.resend_window = Some(*resend);
            }
            (Event::ResendRequested { .. }, _) => {}
            (Event::ResendAccepted { resend, at }, Phase::AwaitingOtp) if *resend == otp.resends_used + 1 => {
                otp.resends_used = *resend;
                otp.tries_of_code = 0;
                otp.issued_at = Some(*at);
                otp.last_error = None;
                otp.resend_window = Some(*resend);
            }
            (Event::ResendAccepted { .. }, _) => {}
            (Event::ResendRejected { resend }, _) => {
                if otp.resend_window == Some(*resend) && otp.resends_used < *resend {
                    otp.resend_window = None;
                }
            }
            (Event::Completed(outcome), _) => {
                if otp.resend_window.is_some() {
                    // Decision (platform.md §5): around a resend the platform's callback statuses
                    // may be wrong, so the outcome waits for the status request.
                    otp.unconfirmed = Some(outcome.clone());
                } else {
                    self.phase = Phase::Done(outcome.clone());
                }
            }
            (Event::Confirmed(outcome), _) => {
                otp.unconfirmed = None;
                self.phase = Phase::Done(outcome.clone());
            }
            (Event::ConfirmedInProgress, _) => otp.unconfirmed = None,
        }
    }

    /// Whether the platform's verdict replaced a conclusion of ours (the payment was recorded as
    /// never sent or abandoned, and the platform says otherwise). Such a payment stands outside
    /// the session's one-payment rule: it may be a second payment of a session already paid.
    pub fn overruled_conclusion(&self) -> bool {
        self.overruled.is_some()
    }

    /// Whether a callback's outcome is held back until the status request confirms it.
    pub fn needs_status_check(&self) -> bool {
        self.otp.unconfirmed.is_some()
    }

    /// Whether the sale has an outcome (refunds may still follow a success).
    pub fn is_final(&self) -> bool {
        matches!(self.phase, Phase::Done(_))
    }

    /// The outcome, once there is one.
    pub fn outcome(&self) -> Option<&Outcome> {
        match &self.phase {
            Phase::Done(outcome) => Some(outcome),
            _ => None,
        }
    }

    /// The code submitted and not answered yet, while the payment waits for its verdict.
    pub fn code_in_flight(&self) -> Option<u32> {
        (matches!(self.phase, Phase::Processing) && self.otp.submitted > self.otp.answered).then_some(self.otp.submitted)
    }

    /// Whether the OTP prompt of platform request `request_id` was received before.
    pub fn prompt_seen(&self, request_id: &str) -> bool {
        self.otp.prompts.contains(request_id)
    }

    /// Codes submitted so far; the next submission is `attempts() + 1`.
    pub fn attempts(&self) -> u32 {
        self.otp.submitted
    }

    /// New codes requested so far; the next resend is `resends_used() + 1`.
    pub fn resends_used(&self) -> u8 {
        self.otp.resends_used
    }

    /// Whether the payment is waiting for the customer's code.
    pub fn awaits_otp(&self) -> bool {
        matches!(self.phase, Phase::AwaitingOtp)
    }

    /// The sum of successful refunds.
    pub fn refunded(&self) -> Amount {
        Amount(self.refunds.values().fold(0u64, |sum, a| sum.saturating_add(a.0)))
    }

    /// What can still be refunded: nothing unless the sale succeeded.
    pub fn refundable(&self) -> Amount {
        match self.phase {
            Phase::Done(Outcome::Succeeded) if self.kind == PaymentKind::Purchase => self.amount.checked_sub(self.refunded()).unwrap_or_default(),
            _ => Amount(0),
        }
    }

    /// Whether a new OTP may be requested at `now`: only while waiting for a code, only once the
    /// current code's validity has passed, and at most [`MAX_RESENDS`] times.
    pub fn check_resend(&self, now: Timestamp) -> Result<(), ResendRefusal> {
        if !self.awaits_otp() {
            return Err(ResendRefusal::NotAwaitingOtp);
        }
        if self.otp.resends_used >= MAX_RESENDS {
            return Err(ResendRefusal::NoneLeft);
        }
        let available_at = self.otp_expires_at().unwrap_or(now);
        if now < available_at {
            return Err(ResendRefusal::TooEarly { retry_after: available_at - now });
        }
        Ok(())
    }

    /// Whether a code may be submitted at `now`: only while waiting for one, and at most
    /// [`MAX_TRIES_PER_CODE`] times per code. The same rule guards `OtpSubmitted`, so a stale
    /// check can never let one more through.
    pub fn check_submit(&self, now: Timestamp) -> Result<(), SubmitRefusal> {
        if !self.awaits_otp() {
            return Err(SubmitRefusal::NotAwaitingOtp);
        }
        if self.otp.tries_of_code >= MAX_TRIES_PER_CODE {
            // When "send a new code" works: the resend rule's own answer.
            let new_code_after = match self.check_resend(now) {
                Ok(()) => Some(Millis(0)),
                Err(ResendRefusal::TooEarly { retry_after }) => Some(retry_after),
                Err(ResendRefusal::NoneLeft | ResendRefusal::NotAwaitingOtp) => None,
            };
            return Err(SubmitRefusal::TriesUsed { new_code_after });
        }
        Ok(())
    }

    fn otp_expires_at(&self) -> Option<Timestamp> {
        self.otp.issued_at.map(|at| at + self.otp_validity)
    }

    /// The state as the widget sees it.
    pub fn status(&self) -> PaymentStatus {
        match &self.phase {
            Phase::Processing => PaymentStatus::Processing,
            Phase::AwaitingOtp => {
                let expires_at = self.otp_expires_at().unwrap_or_default();
                let resends_left = MAX_RESENDS.saturating_sub(self.otp.resends_used);
                PaymentStatus::AwaitingOtp {
                    otp_expires_at: expires_at,
                    resends_left,
                    resend_available_at: (resends_left > 0).then_some(expires_at),
                    attempt: self.otp.submitted + 1,
                    last_error: self.otp.last_error,
                }
            }
            Phase::Done(Outcome::Succeeded) => {
                let refunded = self.refunded();
                if refunded.0 == 0 {
                    PaymentStatus::Succeeded
                } else if refunded >= self.amount {
                    PaymentStatus::Refunded
                } else {
                    PaymentStatus::PartiallyRefunded { refunded_amount: refunded }
                }
            }
            Phase::Done(Outcome::Declined { code, message }) => PaymentStatus::Declined { code: code.clone(), message: message.clone() },
            Phase::Done(Outcome::Failed { code, message }) => PaymentStatus::Failed { code: code.clone(), message: message.clone() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VALIDITY: Millis = Millis::from_secs(80);

    fn t(secs: i64) -> Timestamp {
        Timestamp(1_700_000_000_000 + secs * 1000)
    }

    fn purchase() -> Payment {
        Payment::new(PaymentKind::Purchase, Amount(100_000), VALIDITY)
    }

    fn decline() -> Outcome {
        Outcome::Declined { code: "20000".into(), message: "General decline".into() }
    }

    fn run(events: &[Event]) -> Payment {
        let mut payment = purchase();
        for event in events {
            payment.apply(event);
        }
        payment
    }

    #[test]
    fn five_tries_per_code_then_a_new_code_gives_five_more() {
        let mut p = run(&[Event::OtpRequired { at: t(0), request_id: Some("r0".into()) }]);
        for attempt in 1..=MAX_TRIES_PER_CODE {
            assert_eq!(p.check_submit(t(1)), Ok(()));
            assert!(p.apply(&Event::OtpSubmitted { attempt }));
            assert!(p.apply(&Event::OtpRequired { at: t(2), request_id: Some(format!("r{attempt}")) }));
        }
        assert_eq!(p.check_submit(t(10)), Err(SubmitRefusal::TriesUsed { new_code_after: Some(Millis::from_secs(70)) }));
        assert!(!p.apply(&Event::OtpSubmitted { attempt: MAX_TRIES_PER_CODE + 1 }), "the event itself is refused too");
        // A submission Gate refused before it reached the platform is not a try.
        assert!(p.apply(&Event::ResendRequested { resend: 1 }));
        assert!(p.apply(&Event::ResendAccepted { resend: 1, at: t(81) }));
        assert_eq!(p.check_submit(t(82)), Ok(()));
        assert!(p.apply(&Event::OtpSubmitted { attempt: MAX_TRIES_PER_CODE + 1 }));
        assert!(p.apply(&Event::OtpSubmissionFailed { attempt: MAX_TRIES_PER_CODE + 1 }));
        for attempt in MAX_TRIES_PER_CODE + 2..=2 * MAX_TRIES_PER_CODE + 1 {
            assert!(p.apply(&Event::OtpSubmitted { attempt }), "{attempt}");
            assert!(p.apply(&Event::OtpRequired { at: t(83), request_id: Some(format!("r{attempt}")) }));
        }
        assert!(matches!(p.check_submit(t(84)), Err(SubmitRefusal::TriesUsed { .. })));
    }

    #[test]
    fn happy_path() {
        let mut p = purchase();
        assert_eq!(p.status(), PaymentStatus::Processing);
        assert!(p.apply(&Event::OtpRequired { at: t(0), request_id: None }));
        assert_eq!(
            p.status(),
            PaymentStatus::AwaitingOtp { otp_expires_at: t(80), resends_left: 3, resend_available_at: Some(t(80)), attempt: 1, last_error: None }
        );
        assert!(p.apply(&Event::OtpSubmitted { attempt: 1 }));
        assert_eq!(p.status(), PaymentStatus::Processing);
        assert!(p.apply(&Event::Completed(Outcome::Succeeded)));
        assert_eq!(p.status(), PaymentStatus::Succeeded);
        assert_eq!(p.refundable(), Amount(100_000));
    }

    #[test]
    fn wrong_code_keeps_the_deadline_and_says_so() {
        let p = run(&[
            Event::OtpRequired { at: t(0), request_id: None },
            Event::OtpSubmitted { attempt: 1 },
            Event::OtpRequired { at: t(20), request_id: None },
        ]);
        match p.status() {
            PaymentStatus::AwaitingOtp { otp_expires_at, attempt, last_error, .. } => {
                assert_eq!(otp_expires_at, t(80));
                assert_eq!(attempt, 2);
                assert_eq!(last_error, Some(OtpError::WrongCode));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_prompt_already_answered_is_not_an_answer_to_the_code() {
        let prompt = |s, id: &str| Event::OtpRequired { at: t(s), request_id: Some(id.into()) };
        // The first prompt, the code sent, then the same prompt again (a replay or the
        // platform's retry): the code is still being checked.
        let mut p = run(&[prompt(0, "req-sale"), Event::OtpSubmitted { attempt: 1 }]);
        assert!(!p.apply(&prompt(30, "req-sale")));
        assert_eq!(p.status(), PaymentStatus::Processing);
        // A prompt for the code's own request is the platform's answer: wrong code.
        assert!(p.apply(&prompt(31, "req-code-1")));
        assert!(matches!(p.status(), PaymentStatus::AwaitingOtp { attempt: 2, last_error: Some(OtpError::WrongCode), .. }));
        // After the second code, neither earlier prompt counts as its answer.
        p.apply(&Event::OtpSubmitted { attempt: 2 });
        assert!(!p.apply(&prompt(40, "req-sale")));
        assert!(!p.apply(&prompt(41, "req-code-1")));
        assert_eq!(p.status(), PaymentStatus::Processing);
        p.apply(&Event::Completed(Outcome::Succeeded));
        assert_eq!(p.status(), PaymentStatus::Succeeded);
    }

    #[test]
    fn a_code_gate_refused_can_be_typed_again() {
        let p =
            run(&[Event::OtpRequired { at: t(0), request_id: None }, Event::OtpSubmitted { attempt: 1 }, Event::OtpSubmissionFailed { attempt: 1 }]);
        assert!(matches!(p.status(), PaymentStatus::AwaitingOtp { attempt: 2, last_error: None, .. }));
        let answered = run(&[
            Event::OtpRequired { at: t(0), request_id: None },
            Event::OtpSubmitted { attempt: 1 },
            Event::OtpRequired { at: t(5), request_id: None },
            Event::OtpSubmissionFailed { attempt: 1 },
        ]);
        assert!(matches!(answered.status(), PaymentStatus::AwaitingOtp { last_error: Some(OtpError::WrongCode), .. }));
    }

    #[test]
    fn a_late_code_is_reported_expired() {
        let p = run(&[
            Event::OtpRequired { at: t(0), request_id: None },
            Event::OtpSubmitted { attempt: 1 },
            Event::OtpRequired { at: t(85), request_id: None },
        ]);
        assert!(matches!(p.status(), PaymentStatus::AwaitingOtp { last_error: Some(OtpError::Expired), .. }));
    }

    #[test]
    fn resend_is_allowed_only_after_validity_and_three_times() {
        let mut p = run(&[Event::OtpRequired { at: t(0), request_id: None }]);
        assert_eq!(p.check_resend(t(30)), Err(ResendRefusal::TooEarly { retry_after: Millis::from_secs(50) }));
        for n in 1..=MAX_RESENDS {
            let now = t(i64::from(n) * 100);
            assert_eq!(p.check_resend(now), Ok(()), "resend {n}");
            p.apply(&Event::ResendRequested { resend: n });
            p.apply(&Event::ResendAccepted { resend: n, at: now });
            assert_eq!(
                p.check_resend(now + Millis(1)),
                if n < MAX_RESENDS { Err(ResendRefusal::TooEarly { retry_after: Millis(79_999) }) } else { Err(ResendRefusal::NoneLeft) }
            );
        }
        assert!(
            matches!(p.status(), PaymentStatus::AwaitingOtp { resends_left: 0, resend_available_at: None, otp_expires_at, .. } if otp_expires_at == t(380))
        );
        assert_eq!(run(&[]).check_resend(t(1000)), Err(ResendRefusal::NotAwaitingOtp));
    }

    #[test]
    fn a_decline_right_after_a_resend_waits_for_the_status_request() {
        let mut p = run(&[
            Event::OtpRequired { at: t(0), request_id: None },
            Event::ResendRequested { resend: 1 },
            Event::ResendAccepted { resend: 1, at: t(90) },
            Event::Completed(decline()),
        ]);
        assert!(p.needs_status_check());
        assert!(p.awaits_otp(), "the misleading decline is not shown");
        p.apply(&Event::ConfirmedInProgress);
        assert!(!p.needs_status_check());
        p.apply(&Event::OtpSubmitted { attempt: 1 });
        p.apply(&Event::Completed(Outcome::Succeeded));
        assert_eq!(p.status(), PaymentStatus::Succeeded);

        let mut confirmed =
            run(&[Event::OtpRequired { at: t(0), request_id: None }, Event::ResendRequested { resend: 1 }, Event::Completed(decline())]);
        confirmed.apply(&Event::Confirmed(decline()));
        assert_eq!(confirmed.status(), PaymentStatus::Declined { code: "20000".into(), message: "General decline".into() });
    }

    #[test]
    fn a_rejected_resend_closes_its_window() {
        let p = run(&[
            Event::OtpRequired { at: t(0), request_id: None },
            Event::ResendRequested { resend: 1 },
            Event::ResendRejected { resend: 1 },
            Event::Completed(decline()),
        ]);
        assert!(matches!(p.status(), PaymentStatus::Declined { .. }));
        assert_eq!(p.resends_used(), 0);
    }

    #[test]
    fn refunds_accumulate_by_operation_and_never_exceed_the_amount_shown() {
        let mut p = run(&[Event::Completed(Outcome::Succeeded)]);
        p.apply(&Event::Refunded { operation_id: "r1".into(), amount: Amount(30_000) });
        p.apply(&Event::Refunded { operation_id: "r1".into(), amount: Amount(30_000) });
        assert_eq!(p.status(), PaymentStatus::PartiallyRefunded { refunded_amount: Amount(30_000) });
        assert_eq!(p.refundable(), Amount(70_000));
        p.apply(&Event::Refunded { operation_id: "r2".into(), amount: Amount(70_000) });
        assert_eq!(p.status(), PaymentStatus::Refunded);
        assert_eq!(p.refundable(), Amount(0));

        let declined = run(&[Event::Completed(decline()), Event::Refunded { operation_id: "r".into(), amount: Amount(1) }]);
        assert!(matches!(declined.status(), PaymentStatus::Declined { .. }));
        assert_eq!(declined.refundable(), Amount(0));
    }

    #[test]
    fn huge_refund_sums_saturate_instead_of_overflowing() {
        let p = run(&[
            Event::Refunded { operation_id: "a".into(), amount: Amount(u64::MAX) },
            Event::Refunded { operation_id: "b".into(), amount: Amount(u64::MAX) },
        ]);
        assert_eq!(p.refunded(), Amount(u64::MAX));
        assert_eq!(p.status(), PaymentStatus::Refunded);
    }

    #[test]
    fn status_names_match_the_contract() {
        let mut p = purchase();
        assert_eq!(p.status().name(), "processing");
        p.apply(&Event::OtpRequired { at: t(0), request_id: None });
        assert_eq!(p.status().name(), "awaiting_otp");
        let json = serde_json::to_value(p.status()).unwrap();
        assert_eq!(json["state"], "awaiting_otp");
        assert_eq!(json["resends_left"], 3);
        assert!(json["otp_expires_at"].as_str().unwrap().ends_with('Z'));
    }

    #[test]
    fn a_success_reported_for_an_abandoned_payment_is_applied() {
        let abandoned = Conclusion::Abandoned.outcome("left the page");
        let mut p = run(&[Event::Confirmed(abandoned.clone())]);
        assert!(!p.overruled_conclusion());
        // Our own conclusion again changes nothing; the platform's success does.
        assert!(!p.apply(&Event::Confirmed(Conclusion::NotSent.outcome("again"))));
        assert!(p.apply(&Event::Completed(Outcome::Succeeded)));
        assert_eq!(p.status(), PaymentStatus::Succeeded);
        assert!(p.overruled_conclusion());
        assert_eq!(p.refundable(), Amount(100_000));
        // A later decline (a verdict against a verdict) does not undo the success.
        assert!(!p.apply(&Event::Completed(decline())));
        assert_eq!(p.status(), PaymentStatus::Succeeded);
        // A platform failure is a verdict too, and never replaces a success either.
        let mut failed = run(&[Event::Confirmed(Outcome::Failed { code: "3028".into(), message: "External error".into() })]);
        assert!(!failed.apply(&Event::Completed(Outcome::Succeeded)));
        assert!(!failed.overruled_conclusion());
    }

    #[test]
    fn a_refund_of_a_payment_recorded_as_never_sent_proves_its_success() {
        let mut p = run(&[Event::Confirmed(Conclusion::NotSent.outcome("no connection"))]);
        assert!(p.apply(&Event::Refunded { operation_id: "r1".into(), amount: Amount(100_000) }));
        assert_eq!(p.status(), PaymentStatus::Refunded);
        assert!(p.overruled_conclusion());
    }

    #[test]
    fn the_machine_survives_a_round_trip_through_storage() {
        let p = run(&[Event::OtpRequired { at: t(0), request_id: None }, Event::ResendRequested { resend: 1 }]);
        let stored = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Payment>(&stored).unwrap(), p);
    }

    fn outcome() -> impl Strategy<Value = Outcome> {
        prop_oneof![
            Just(Outcome::Succeeded),
            Just(decline()),
            Just(Outcome::Declined { code: "20105".into(), message: "Insufficient funds".into() }),
            Just(Outcome::Failed { code: "3028".into(), message: "External error".into() }),
        ]
    }

    /// The backend's own conclusions that no money moved.
    fn conclusion() -> impl Strategy<Value = Outcome> {
        prop_oneof![
            Just(Conclusion::NotSent.outcome("the platform could not be reached")),
            Just(Conclusion::Abandoned.outcome("left the payment page")),
        ]
    }

    /// Events that carry no outcome: what happens before a payment ends.
    fn running_event() -> impl Strategy<Value = Event> {
        prop_oneof![
            (0i64..400).prop_map(|s| Event::OtpRequired { at: t(s), request_id: None }),
            (1u32..5).prop_map(|attempt| Event::OtpSubmitted { attempt }),
            (1u32..5).prop_map(|attempt| Event::OtpSubmissionFailed { attempt }),
            (1u8..5).prop_map(|resend| Event::ResendRequested { resend }),
            Just(Event::ConfirmedInProgress),
        ]
    }

    fn any_event() -> impl Strategy<Value = Event> {
        prop_oneof![
            conclusion().prop_map(Event::Confirmed),
            (0i64..400).prop_map(|s| Event::OtpRequired { at: t(s), request_id: None }),
            (1u32..5).prop_map(|attempt| Event::OtpSubmitted { attempt }),
            (1u32..5).prop_map(|attempt| Event::OtpSubmissionFailed { attempt }),
            (1u8..5).prop_map(|resend| Event::ResendRequested { resend }),
            (1u8..5, 0i64..400).prop_map(|(resend, s)| Event::ResendAccepted { resend, at: t(s) }),
            (1u8..5).prop_map(|resend| Event::ResendRejected { resend }),
            outcome().prop_map(Event::Completed),
            outcome().prop_map(Event::Confirmed),
            Just(Event::ConfirmedInProgress),
            (0u8..3, 1u64..100_000).prop_map(|(id, amount)| Event::Refunded { operation_id: format!("r{id}"), amount: Amount(amount) }),
        ]
    }

    /// The callbacks one real payment can produce: OTP requests, exactly one sale outcome, and
    /// refunds only after a success.
    fn one_payments_callbacks() -> impl Strategy<Value = Vec<Event>> {
        (prop::collection::vec(0i64..300, 0..4), outcome(), prop::collection::vec(1u64..50_000, 0..3)).prop_map(|(otps, outcome, refunds)| {
            let mut events: Vec<Event> = otps.into_iter().map(|s| Event::OtpRequired { at: t(s), request_id: None }).collect();
            if outcome == Outcome::Succeeded {
                events.extend(
                    refunds.into_iter().enumerate().map(|(i, amount)| Event::Refunded { operation_id: format!("r{i}"), amount: Amount(amount) }),
                );
            }
            events.push(Event::Completed(outcome));
            events
        })
    }

    proptest! {
        #[test]
        fn final_states_are_absorbing(prefix in prop::collection::vec(any_event(), 0..12), outcome in outcome(), suffix in prop::collection::vec(any_event(), 0..12)) {
            let mut p = run(&prefix);
            p.apply(&Event::Confirmed(outcome));
            let settled = p.outcome().cloned();
            for event in &suffix {
                p.apply(event);
                prop_assert_eq!(p.outcome().cloned(), settled.clone());
            }
        }

        #[test]
        fn a_platform_verdict_replaces_a_conclusion_and_then_stands(
            prefix in prop::collection::vec(running_event(), 0..8),
            concluded in conclusion(),
            verdict in outcome(),
            by_callback in any::<bool>(),
            suffix in prop::collection::vec(any_event(), 0..12),
        ) {
            let mut p = run(&prefix);
            p.apply(&Event::Confirmed(concluded));
            let reported = if by_callback { Event::Completed(verdict.clone()) } else { Event::Confirmed(verdict.clone()) };
            prop_assert!(p.apply(&reported));
            prop_assert_eq!(p.outcome(), Some(&verdict));
            prop_assert!(p.overruled_conclusion());
            for event in &suffix {
                p.apply(event);
                prop_assert_eq!(p.outcome(), Some(&verdict));
            }
        }

        #[test]
        fn applying_an_event_twice_equals_applying_it_once(prefix in prop::collection::vec(any_event(), 0..12), event in any_event()) {
            let mut once = run(&prefix);
            once.apply(&event);
            let mut twice = once.clone();
            prop_assert!(!twice.apply(&event));
            prop_assert_eq!(once, twice);
        }

        #[test]
        fn any_order_of_a_payments_callbacks_ends_the_same(callbacks in one_payments_callbacks(), seed in any::<u64>()) {
            let in_order = run(&callbacks);
            let mut shuffled = callbacks.clone();
            // A deterministic shuffle from the seed (Fisher–Yates with a small LCG).
            let mut state = seed;
            for i in (1..shuffled.len()).rev() {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                shuffled.swap(i, (state >> 33) as usize % (i + 1));
            }
            let reordered = run(&shuffled);
            prop_assert_eq!(in_order.status(), reordered.status());
            prop_assert!(in_order.is_final());
        }
    }
}
