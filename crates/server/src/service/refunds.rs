//! Refunds, asked for by the shop or made by the backend itself for a session paid twice.

use checkout_protocol::state::{Outcome, PaymentKind};
use checkout_protocol::wire::{RefundPayment, RefundRequest as GateRefund};
use checkout_protocol::Amount;

use super::upstream;
use crate::db::{PaymentRecord, RefundSettlement, RefundStatus, Reservation};
use crate::error::ServiceError;
use crate::gate::GateFailure;
use crate::views::ErrorCode;
use crate::App;

impl App {
    /// Refunds a paid purchase, fully (no amount) or partly; never more than what is left,
    /// counting refunds still in flight (checked and reserved in one transaction).
    /// A request run again under the same idempotency `claim` reserves and sends nothing new.
    pub async fn refund(
        &self,
        payment_id: &str,
        amount: Option<u64>,
        description: Option<&str>,
        claim: Option<&str>,
    ) -> Result<PaymentRecord, ServiceError> {
        self.refund_because(payment_id, amount, description, None, claim).await
    }

    /// [`App::refund`], with the backend's `reason` when it refunds of its own accord.
    async fn refund_because(
        &self,
        payment_id: &str,
        amount: Option<u64>,
        description: Option<&str>,
        reason: Option<&str>,
        claim: Option<&str>,
    ) -> Result<PaymentRecord, ServiceError> {
        if amount == Some(0) {
            return Err(ServiceError::new(ErrorCode::AmountInvalid, "a refund must be more than zero"));
        }
        let record = self.payment(payment_id).await?;
        let (refund_id, amount_wanted) = match self.db().reserve_refund(payment_id, amount, reason, claim, self.now()).await? {
            None => return Err(ServiceError::new(ErrorCode::PaymentNotFound, format!("no payment {payment_id}"))),
            Some(Reservation::Reserved { id, amount }) => (id, amount),
            // Its first run was sent, or stopped before it could be: either way not again. A
            // refund that never left stays reserved until the merchant settles it, like one
            // whose answer was lost.
            Some(Reservation::AlreadyReserved { id }) => {
                tracing::warn!(payment_id, refund = id, "a refund's request ran again under its Idempotency-Key: not sent again");
                return self.payment(payment_id).await;
            }
            Some(Reservation::NotRefundable(state)) => {
                return Err(ServiceError::new(
                    ErrorCode::NotRefundable,
                    format!("the payment is {state}; only a paid purchase with money left can be refunded"),
                ))
            }
            Some(Reservation::Exceeds { refundable }) => {
                return Err(ServiceError::new(
                    ErrorCode::RefundExceedsPayment,
                    format!("at most {} can be refunded, counting refunds in progress", Amount(refundable).format_kzt(checkout_protocol::Locale::En)),
                ))
            }
        };
        // Whatever is less than the whole payment is sent as an amount: "refund the rest" is
        // what we reserved, not what the platform would take it to mean while others are pending.
        let partial = amount_wanted < record.machine.amount.0;
        let payment = RefundPayment {
            amount: partial.then_some(amount_wanted),
            currency: partial.then(|| record.currency.clone()),
            description: description.map(str::to_owned),
        };
        let request = GateRefund { general: self.general(Some(payment_id)), payment };
        match self.gate().call(self.db(), Some(payment_id), "/v2/payment/mobile/refund", &request).await {
            Ok(_) => self.payment(payment_id).await,
            Err(failure) => {
                // Refused or never sent: the platform refunded nothing. A lost answer is unknown,
                // so the amount stays reserved until a callback or the merchant settles it.
                if matches!(failure, GateFailure::Rejected(..) | GateFailure::NotSent(_)) {
                    let settlement = RefundSettlement { refund_id: Some(refund_id), amount: Some(amount_wanted), status: RefundStatus::Failed };
                    self.db().settle_refund(payment_id, &settlement, self.now()).await?;
                }
                Err(upstream(&failure))
            }
        }
    }

    /// A session's payments that the platform charged beyond the one it keeps
    /// ([`duplicates_of_session`]), each with the payment kept.
    pub async fn duplicates(&self, token: &str) -> Result<Vec<(PaymentRecord, String)>, ServiceError> {
        let payments = self.db().payments_of_session(token).await?;
        Ok(duplicates_of_session(&payments).into_iter().map(|(dup, kept)| (dup.clone(), kept.payment_id.clone())).collect())
    }

    /// Refunds the session's duplicate payments that have no refund yet, in full, through the
    /// normal refund path (its reservation under the payment's row lock makes it exactly once,
    /// however many instances and tasks call this), unless the merchant turned that off; then
    /// they stay listed in `GET /admin/payments` for a refund by hand.
    pub async fn settle_duplicates(&self, token: &str) -> Result<(), ServiceError> {
        for (duplicate, kept) in self.duplicates(token).await? {
            if !self.db().refunds_of(&duplicate.payment_id).await?.is_empty() {
                continue;
            }
            if !self.config().auto_refund_duplicates {
                tracing::warn!(payment_id = duplicate.payment_id, kept, "a session was paid twice: refund this payment by hand");
                continue;
            }
            let reason = duplicate_reason(&kept);
            tracing::warn!(payment_id = duplicate.payment_id, kept, "a session was paid twice: refunding the duplicate");
            match self.refund_because(&duplicate.payment_id, None, Some("Duplicate payment of one order"), Some(&reason), None).await {
                Ok(_) => {}
                // Another task or instance reserved it first: that one sends it.
                Err(e) if matches!(e.code, ErrorCode::RefundExceedsPayment | ErrorCode::NotRefundable) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// Why the backend refunded a payment of its own accord: the session's other payment it keeps.
pub fn duplicate_reason(kept: &str) -> String {
    format!("duplicate: the session was paid twice; payment {kept} is kept")
}

/// The session's paid purchases beyond the one it keeps, each with the kept one. The kept one is
/// the payment the session's one-payment rule admitted; a payment the platform's verdict revived
/// from our conclusion (never sent, abandoned) is the later one, whose success we learned after
/// the session had moved on, so it is the one refunded. Between two revived ones, the older is
/// kept.
pub fn duplicates_of_session(payments: &[PaymentRecord]) -> Vec<(&PaymentRecord, &PaymentRecord)> {
    let mut paid: Vec<&PaymentRecord> =
        payments.iter().filter(|p| p.machine.kind == PaymentKind::Purchase && matches!(p.machine.outcome(), Some(Outcome::Succeeded))).collect();
    paid.sort_by_key(|p| (p.machine.overruled_conclusion(), p.created_at));
    match paid.split_first() {
        Some((kept, rest)) => rest.iter().map(|dup| (*dup, *kept)).collect(),
        None => Vec::new(),
    }
}
