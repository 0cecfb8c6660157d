//! What the backend does, independent of HTTP: start payments, submit codes, ask for new ones,
//! apply callbacks and status answers, reconcile silent payments, refund, pay out. Handlers and
//! the CLI call these.

mod admin_views;
mod cash_in;
mod event_views;
mod first_screen;
mod limits;
mod mobile_payment;
mod operator_lists;
mod payment_page;
mod payout;
mod reconciler;
mod refunds;
mod sessions;
mod shop_order;
mod status;
mod webhooks;

pub use first_screen::{draw as draw_first_screen, locale_asked, no_first_screen};
pub use limits::{too_many, window_start, Counted, Limit};
pub use mobile_payment::{parse_otp, parse_phone};
pub use reconciler::{reconcile_forever, reconcile_once, recover, RECONCILE_CONCURRENCY, WATCHED_SILENCE};
pub use refunds::{duplicate_reason, duplicates_of_session};
pub use sessions::current_payment;
use shop_order::shop_order;
pub use webhooks::{deliver_webhooks_forever, SCHEDULE_SECS};

pub use crate::random::random_hex;

use checkout_protocol::state::{Event, Payment, PaymentKind, PaymentStatus};
use checkout_protocol::time::Millis;
use checkout_protocol::wire::General;
use checkout_protocol::Amount;

use crate::db::{Admission, Also, Applied, Applying, Channel, Claim, EventSource, PaymentRecord, Session};
use crate::error::ServiceError;
use crate::gate::GateFailure;
use crate::views::ErrorCode;
use crate::App;

pub(super) fn upstream(failure: &GateFailure) -> ServiceError {
    match failure {
        GateFailure::Rejected(..) => ServiceError::new(ErrorCode::GateRejected, failure.message()),
        GateFailure::NotSent(_) | GateFailure::Unavailable(_) => ServiceError::new(ErrorCode::GateUnavailable, failure.message()),
    }
}

/// What [`App::claim`] made of a request for the session's payment.
enum Claimed {
    /// This request created it: it alone sends it to the platform.
    Created(PaymentRecord),
    /// The session has this one already (a repeat of the same start, or paid): the answer.
    Existing(PaymentRecord),
}

impl App {
    /// Applies an event, tells live streams if it changed anything, and returns the payment.
    pub async fn apply(&self, payment_id: &str, event: &Event, source: EventSource) -> Result<PaymentRecord, ServiceError> {
        Ok(self.apply_with(payment_id, event, source, &Also::default()).await?.0)
    }

    /// Applies an event with what its transaction also writes; returns the payment and whether
    /// this call changed it (of concurrent identical events, exactly one does), or 429 when the
    /// event's admission is refused.
    pub async fn apply_with(&self, payment_id: &str, event: &Event, source: EventSource, also: &Also) -> Result<(PaymentRecord, bool), ServiceError> {
        let applied = self.db().apply(&Applying { payment_id, event, source, at: self.now(), also }).await?;
        let (record, changed) = match applied {
            Some(Applied::Recorded(record, changed)) => (record, changed),
            Some(Applied::Refused(admission)) => return Err(self.over_limit(&admission)),
            None => return Err(ServiceError::new(ErrorCode::PaymentNotFound, format!("no payment {payment_id}"))),
        };
        if changed {
            tracing::info!(payment_id, source = source.as_str(), state = record.machine.status().name(), "payment changed");
            self.hub().changed(payment_id);
            let purchase = record.machine.kind == PaymentKind::Purchase;
            if let (PaymentStatus::Succeeded, Some(token), true) = (record.machine.status(), record.session_token.clone(), purchase) {
                // A second paid payment of the session is refunded, off the request's path; the
                // reconciler repeats this for any whose refund a crash interrupted.
                let app = self.clone();
                tokio::spawn(async move {
                    if let Err(e) = app.settle_duplicates(&token).await {
                        tracing::warn!(session = token, error = %e.message, "duplicate payment not settled yet; the reconciler will retry");
                    }
                });
            }
        }
        Ok((record, changed))
    }

    /// A payment or 404.
    pub async fn payment(&self, payment_id: &str) -> Result<PaymentRecord, ServiceError> {
        self.db().payment(payment_id).await?.ok_or_else(|| ServiceError::new(ErrorCode::PaymentNotFound, format!("no payment {payment_id}")))
    }

    /// The `general` object of a Gate request about `payment_id` (none for operator lists).
    fn general(&self, payment_id: Option<&str>) -> General {
        General { project_id: self.config().project_id, payment_id: payment_id.map(str::to_owned), merchant_callback_url: None, signature: None }
    }

    fn new_payment(&self, payment_id: String, session: Option<&Session>, kind: PaymentKind, amount: u64, via: Channel) -> PaymentRecord {
        let at = self.now();
        PaymentRecord {
            payment_id,
            session_token: session.map(|s| s.token.clone()),
            via,
            phone: None,
            operator: None,
            customer_ip: None,
            currency: session.map_or_else(|| "KZT".to_owned(), |s| s.currency.clone()),
            machine: Payment::new(kind, Amount(amount), Millis::from_duration(self.config().otp_ttl)),
            version: 1,
            created_at: at,
            updated_at: at,
            last_status_check_at: None,
            page_left_at: None,
            status_due_at: None,
        }
    }

    /// Makes `record` the session's payment, unless the session has one running or paid already:
    /// [`Claimed::Created`] when this request created it (and alone may send it), else
    /// [`Claimed::Existing`] with the session's payment when that is one of the same method or a
    /// paid one (the request is a repeat, answered with it). A running payment of another method is refused with `payment_in_progress`, except a
    /// Payment Page payment the platform never heard of, which is confirmed abandoned first.
    ///
    /// With an `admission` (a start's place in its address's window), the place is taken in the
    /// same commit as the payment, and a start over the limit creates nothing (429).
    async fn claim(&self, record: &PaymentRecord, admission: Option<&Admission>) -> Result<Claimed, ServiceError> {
        for _ in 0..3 {
            let taken = match self.db().claim_session_payment(record, admission).await? {
                Claim::Created(created) => return Ok(Claimed::Created(created)),
                Claim::Taken(taken) => taken,
                Claim::Refused(refused) => return Err(self.over_limit(&refused)),
            };
            if taken.via == record.via || taken.machine.is_final() {
                return Ok(Claimed::Existing(taken));
            }
            if taken.via == Channel::PaymentPage && self.abandon_if_unknown(&taken).await? {
                continue;
            }
            return Err(ServiceError::new(
                ErrorCode::PaymentInProgress,
                format!("payment {} of this session is still in progress by another method; wait for its outcome", taken.payment_id),
            ));
        }
        Err(ServiceError::new(ErrorCode::PaymentInProgress, "this session's payment keeps changing; try again in a moment"))
    }
}
