//! Cash-in deposits at Kassa24 terminals, asked for by the platform's `check_deposit`.

use checkout_protocol::state::PaymentKind;

use crate::db::{Channel, PaymentRecord, Session};
use crate::error::ServiceError;
use crate::random::random_hex;
use crate::App;

impl App {
    /// The deposit payment the platform asks for in `check_deposit`: a new one, or, while a
    /// deposit of the same account and amount is still pending, that one again (`platform.md`
    /// §7, decision on repeated requests). Deposits are credited by the signed callback only.
    pub async fn create_deposit(&self, session: &Session, amount: u64) -> Result<PaymentRecord, ServiceError> {
        let payment_id = format!("dep_{}", random_hex(12));
        let record = self.new_payment(payment_id, Some(session), PaymentKind::CashIn, amount, Channel::Terminal);
        let (deposit, created) = self.db().claim_deposit(&record).await?;
        if !created {
            tracing::info!(payment_id = deposit.payment_id, "check_deposit repeated: the pending deposit again");
        }
        Ok(deposit)
    }
}
