//! A stored payment as the APIs show it: the widget's view, the admin API's, and every webhook's.

use checkout_protocol::api::{PaymentState, PaymentView};
use checkout_protocol::state::PaymentStatus;
use checkout_protocol::time::Timestamp;
use checkout_protocol::KzMobile;

use super::PaymentRecord;

impl PaymentRecord {
    /// The payment as the APIs show it at `now` (the widget's, the admin API's, every webhook's).
    pub fn view(&self, now: Timestamp) -> PaymentView {
        let status = self.machine.status();
        let mut view = PaymentView::new(
            self.payment_id.clone(),
            self.machine.kind,
            PaymentState::Processing,
            self.machine.amount.0,
            self.currency.clone(),
            now.to_rfc3339(),
            self.version,
        );
        view.phone_masked = self.phone.as_deref().and_then(|p| KzMobile::parse(p).ok()).map(|p| p.masked());
        view.operator = self.operator.clone();
        view.state = match status {
            PaymentStatus::Processing => PaymentState::Processing,
            PaymentStatus::AwaitingOtp { otp_expires_at, resends_left, resend_available_at, attempt, last_error } => {
                view.otp_expires_at = Some(otp_expires_at.to_rfc3339());
                view.resends_left = Some(resends_left);
                view.resend_available_at = resend_available_at.map(|t| t.to_rfc3339());
                view.attempt = Some(attempt);
                view.last_error = last_error;
                PaymentState::AwaitingOtp
            }
            PaymentStatus::Succeeded => PaymentState::Succeeded,
            PaymentStatus::Declined { code, message } => {
                view.code = Some(code);
                view.message = Some(message);
                PaymentState::Declined
            }
            PaymentStatus::Failed { code, message } => {
                view.code = Some(code);
                view.message = Some(message);
                PaymentState::Failed
            }
            PaymentStatus::Refunded => PaymentState::Refunded,
            PaymentStatus::PartiallyRefunded { refunded_amount } => {
                view.refunded_amount = Some(refunded_amount.0);
                PaymentState::PartiallyRefunded
            }
        };
        view
    }
}
