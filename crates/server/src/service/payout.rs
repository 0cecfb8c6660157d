//! Payouts the shop sends through the admin API.

use std::net::IpAddr;

use checkout_protocol::state::PaymentKind;

use super::parse_phone;
use crate::db::{Channel, Inserted, PaymentRecord};
use crate::error::ServiceError;
use crate::operators::Operation;
use crate::random::random_hex;
use crate::views::ErrorCode;
use crate::views::PayoutRequest;
use crate::App;

impl App {
    /// Sends money to a phone. A request run again under the same idempotency `claim` finds the
    /// payout its first run stored and sends nothing.
    pub async fn payout(&self, request: PayoutRequest, ip: IpAddr, claim: Option<&str>) -> Result<PaymentRecord, ServiceError> {
        if request.amount == 0 || request.currency != "KZT" {
            return Err(ServiceError::new(ErrorCode::AmountInvalid, "a payout is a positive amount of KZT"));
        }
        let phone = parse_phone(&request.phone)?;
        let operator = self.check_operator(Operation::Payout, &request.operator).await?;
        let payment_id = format!("po_{}", random_hex(12));
        let mut record = self.new_payment(payment_id.clone(), None, PaymentKind::Payout, request.amount, Channel::Admin);
        record.phone = Some(phone.as_str().into());
        record.operator = Some(operator);
        record.customer_ip = Some(ip.to_string());
        if let Inserted::Existing(made) = self.db().insert_payment(&record, claim).await? {
            tracing::warn!(payment_id = made, "a payout's request ran again under its Idempotency-Key: not sent again");
            return self.payment(&made).await;
        }
        self.send_phone_operation("/v2/payment/mobile/payout", &payment_id, &request.customer, ip, &phone, request.amount, &request.currency).await
    }
}
