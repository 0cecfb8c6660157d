//! What the platform says about a payment: callbacks applied, and the status request that
//! confirms an outcome or settles a silent payment.

use std::time::Duration;

use checkout_protocol::signature::verify;
use checkout_protocol::state::{Event, PaymentStatus};
use checkout_protocol::time::{Millis, Timestamp};
use checkout_protocol::wire::{Callback, StatusRequest};
use checkout_protocol::Conclusion;
use checkout_protocol::KzMobile;

use super::payment_page::abandoned;
use super::upstream;
use crate::db::{Also, Channel, EventSource, PaymentRecord, Recorded, RefundSettlement, RefundStatus};
use crate::error::ServiceError;
use crate::gate::{GateFailure, StatusRefusal, STATUS_PATH};
use crate::views::ErrorCode;
use crate::App;

impl App {
    /// Applies a verified callback as recorded: a copy of one already applied changes nothing; a
    /// copy of one recorded but not applied (the server stopped in between, or applying failed)
    /// applies it now.
    pub async fn apply_recorded_callback(&self, recorded: Recorded, callback: &Callback) -> Result<String, ServiceError> {
        match recorded {
            Recorded::New(log_id) | Recorded::Again { id: log_id, applied: false } => self.apply_callback(log_id, callback).await,
            Recorded::Again { applied: true, .. } => Ok("duplicate: no change".to_owned()),
        }
    }

    /// Applies a verified callback recorded as `log_id`; returns what it did, for the log.
    pub async fn apply_callback(&self, log_id: i64, callback: &Callback) -> Result<String, ServiceError> {
        let payment_id = callback.payment.id.clone();
        let Some(event) = callback.to_event(self.now()) else {
            let result = if self.db().payment(&payment_id).await?.is_none() {
                "unknown payment: ignored"
            } else if callback.operation.as_ref().is_some_and(|op| op.kind == "refund") {
                let amount = callback.operation.as_ref().and_then(|op| op.sum_initial.as_ref()).map(|s| s.amount);
                self.db()
                    .settle_refund(&payment_id, &RefundSettlement { refund_id: None, amount, status: RefundStatus::Declined }, self.now())
                    .await?;
                "refund declined"
            } else {
                "no change"
            };
            self.db().callback_applied(log_id, result).await?;
            return Ok(result.to_owned());
        };
        let settles = match &event {
            Event::Refunded { amount, .. } => Some(RefundSettlement { refund_id: None, amount: Some(amount.0), status: RefundStatus::Succeeded }),
            _ => None,
        };
        let also = Also { settles, callback: Some(log_id), admits: None, phone: phone_of(callback) };
        let record = match self.apply_with(&payment_id, &event, EventSource::Callback, &also).await {
            Ok((record, changed)) => {
                if changed && record.machine.overruled_conclusion() {
                    tracing::warn!(
                        payment_id,
                        state = record.machine.status().name(),
                        "the platform's verdict replaced our conclusion that no money moved"
                    );
                }
                record
            }
            Err(e) if e.code == ErrorCode::PaymentNotFound => {
                self.db().callback_applied(log_id, "unknown payment: ignored").await?;
                return Ok("unknown payment: ignored".to_owned());
            }
            Err(e) => return Err(e),
        };
        if record.machine.needs_status_check() {
            // Decision (platform.md §5): an outcome during a resend waits for the status request.
            let app = self.clone();
            let id = payment_id.clone();
            tokio::spawn(async move {
                if let Err(e) = app.confirm_status(&id).await {
                    tracing::warn!(payment_id = id, error = %e.message, "status confirmation failed; the reconciler will retry");
                }
            });
        }
        Ok(format!("applied: now {}", record.machine.status().name()))
    }

    /// When the platform will next answer a status request about `record`: its delay after our
    /// own latest request, or later when it said "too early" or the page was just left.
    pub(super) async fn status_ready_at(&self, record: &PaymentRecord) -> Result<Timestamp, ServiceError> {
        let last = self.db().last_gate_request_at(&record.payment_id, STATUS_PATH).await?.unwrap_or(record.created_at);
        let ours = last + self.status_delay();
        Ok(record.status_due_at.map_or(ours, |due| due.max(ours)))
    }

    /// How long after a request the platform answers status requests about it.
    pub(super) fn status_delay(&self) -> Millis {
        Millis::from_duration(self.config().status_min_age)
    }

    /// Asks the platform for a payment's status (waiting out its 10-second rule) and applies the
    /// answer. Claimed first by a compare-and-set on the payment's last status check, so however
    /// many instances and tasks want to ask, one does; the others return the payment as it is.
    pub async fn confirm_status(&self, payment_id: &str) -> Result<PaymentRecord, ServiceError> {
        let seen = self.payment(payment_id).await?;
        self.confirm_status_of(&seen, Wait::UntilReady).await
    }

    /// [`App::confirm_status`] of the payment as `seen` by the caller: if anyone has asked about
    /// it since, their answer stands and this call asks nothing.
    pub(super) async fn confirm_status_of(&self, seen: &PaymentRecord, how: Wait) -> Result<PaymentRecord, ServiceError> {
        let payment_id = seen.payment_id.as_str();
        let wait = self.status_ready_at(seen).await? - self.now();
        if wait.0 > 0 {
            match how {
                Wait::UntilReady => tokio::time::sleep(Duration::from_millis(wait.0 as u64)).await,
                // Asked on a later pass: a reconciler never sleeps with its lease held.
                Wait::No => return Ok(seen.clone()),
            }
        }
        if !self.db().claim_status_check(payment_id, seen.last_status_check_at, self.now()).await? {
            return self.payment(payment_id).await;
        }
        let record = self.payment(payment_id).await?;
        match self.ask_status(&record).await? {
            StatusAnswer::Events { events, phone } => {
                let after = self.apply_all(payment_id, record.clone(), &events, phone).await?;
                self.give_back_a_code_never_taken(&record, &after, &events).await
            }
            StatusAnswer::NotFound(failure) => {
                let processing = matches!(record.machine.status(), PaymentStatus::Processing);
                if processing && record.via == Channel::PaymentPage && self.page_quiet(&record) {
                    return self.apply(payment_id, &Event::Confirmed(abandoned()), EventSource::Status).await;
                }
                // The platform does not know a phone payment we sent long ago: the purchase
                // request never reached it.
                let silent_for = self.now() - record.created_at;
                if processing && record.via != Channel::PaymentPage && silent_for >= Millis::from_duration(self.config().reconcile_after) {
                    let never_sent = Conclusion::NotSent.outcome(failure.message());
                    return self.apply(payment_id, &Event::Confirmed(never_sent), EventSource::Status).await;
                }
                Err(upstream(&failure))
            }
        }
    }

    /// A code whose answer was lost ([`App::submit_otp`]) and that the platform never took: the
    /// status request, made after it, says the platform still waits on the prompt the code
    /// answered (a prompt it already sent, not a new one). That is the platform's own word that
    /// the code did not reach it, so its try is given back and the customer types it again.
    async fn give_back_a_code_never_taken(
        &self,
        before: &PaymentRecord,
        after: &PaymentRecord,
        events: &[Event],
    ) -> Result<PaymentRecord, ServiceError> {
        let Some(attempt) = after.machine.code_in_flight() else { return Ok(after.clone()) };
        // The code was sent when the payment last changed (its submission); the platform has had
        // its status delay to take it.
        if self.now() < before.updated_at + self.status_delay() {
            return Ok(after.clone());
        }
        let still_waiting_on_an_old_prompt =
            events.iter().any(|e| matches!(e, Event::OtpRequired { request_id: Some(id), .. } if before.machine.prompt_seen(id)));
        if !still_waiting_on_an_old_prompt {
            return Ok(after.clone());
        }
        tracing::warn!(
            payment_id = after.payment_id,
            attempt,
            "the platform never took the code whose answer was lost; the customer may type it again"
        );
        self.apply(&after.payment_id, &Event::OtpSubmissionFailed { attempt }, EventSource::Status).await
    }

    /// Applies a status answer's events, keeping the phone it names when the payment has none.
    pub(super) async fn apply_all(
        &self,
        payment_id: &str,
        mut latest: PaymentRecord,
        events: &[Event],
        phone: Option<String>,
    ) -> Result<PaymentRecord, ServiceError> {
        let also = Also { phone, ..Also::default() };
        for event in events {
            latest = self.apply_with(payment_id, event, EventSource::Status, &also).await?.0;
        }
        Ok(latest)
    }

    /// The status request itself: the events its signed answer means, or the platform's word
    /// that it has no such payment. "Too early" defers the next question by the platform's delay
    /// (the request it counts from may be the customer's own, on the Payment Page, which we do
    /// not see) and is an error, like every other refusal: none of them settles anything.
    pub(super) async fn ask_status(&self, record: &PaymentRecord) -> Result<StatusAnswer, ServiceError> {
        let request = StatusRequest { general: self.general(Some(&record.payment_id)) };
        let answer = match self.gate().call(self.db(), Some(&record.payment_id), STATUS_PATH, &request).await {
            Ok(answer) => answer,
            Err(failure) => {
                return match failure.status_refusal() {
                    StatusRefusal::NotFound => Ok(StatusAnswer::NotFound(failure)),
                    StatusRefusal::TooEarly => {
                        let delay = self.status_delay();
                        self.db().defer_status_check(&record.payment_id, self.now() + delay).await?;
                        Err(ServiceError::new(
                            ErrorCode::PaymentInProgress,
                            "the platform cannot tell this payment's status yet; it is asked again shortly",
                        )
                        .retry_after(delay.ceil_secs().max(1)))
                    }
                    StatusRefusal::Other => Err(upstream(&failure)),
                };
            }
        };
        if let Err(e) = verify(&answer, self.config().secret.expose()) {
            return Err(ServiceError::new(ErrorCode::StatusUnsigned, format!("the status answer does not verify: {e}")));
        }
        let callback = Callback::from_value(answer).map_err(|e| ServiceError::new(ErrorCode::StatusUnreadable, e.to_string()))?;
        Ok(StatusAnswer::Events { events: callback.to_confirmation(self.now()), phone: phone_of(&callback) })
    }
}

/// Whether a status confirmation waits for the platform's status delay or leaves it for later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Wait {
    /// Sleep until the platform will answer (a task of its own, after a callback).
    UntilReady,
    /// Return at once if it would not answer yet (the reconciler).
    No,
}

/// The phone a callback (or a status answer, which has a callback's shape) says the payment was
/// made from: how a Payment Page payment, whose phone the customer typed on the hosted page,
/// learns it.
fn phone_of(callback: &Callback) -> Option<String> {
    callback.account.as_ref().and_then(|a| KzMobile::parse(&a.number).ok()).map(|p| p.as_str().to_owned())
}

/// What a status request said.
pub(super) enum StatusAnswer {
    /// The payment as the platform has it, and the phone it names.
    Events {
        /// What the answer means for the state machine.
        events: Vec<Event>,
        /// The account's phone.
        phone: Option<String>,
    },
    /// The platform has no such payment ([`StatusRefusal::NotFound`]).
    NotFound(GateFailure),
}
