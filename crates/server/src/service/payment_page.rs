//! The hosted Payment Page: signed `EPayWidget.run` parameters, and settling a payment whose
//! page was closed (paid, declined, or abandoned when the platform never heard of it).

use std::time::Duration;

use checkout_protocol::signature::sign;
use checkout_protocol::state::{Event, Outcome, PaymentKind, PaymentStatus};
use checkout_protocol::wire::{MobileServiceOptions, PaymentPageParams, FORCE_MOBILE};
use checkout_protocol::Conclusion;

use super::status::StatusAnswer;
use super::Claimed;
use crate::db::{Channel, EventSource, Method, PaymentRecord};
use crate::error::ServiceError;
use crate::operators::Operation;
use crate::random::random_hex;
use crate::views::ErrorCode;
use crate::views::PaymentPageResponse;
use crate::App;

impl App {
    /// Signed `EPayWidget.run` parameters for the session, with the operator enforced.
    pub async fn payment_page(&self, token: &str, operator: Option<&str>, locale: Option<&str>) -> Result<PaymentPageResponse, ServiceError> {
        let session = self.session(token).await?;
        if !session.methods.contains(&Method::PaymentPage) {
            return Err(ServiceError::new(ErrorCode::MethodNotAllowed, "this session does not use the Payment Page"));
        }
        let operator = match operator.filter(|o| !o.trim().is_empty()) {
            Some(op) => Some(self.check_operator(Operation::Sale, op).await?),
            None => None,
        };
        let mut new =
            self.new_payment(format!("pay_{}", random_hex(12)), Some(&session), PaymentKind::Purchase, session.amount, Channel::PaymentPage);
        new.operator = operator.clone();
        let record = match self.claim(&new, None).await? {
            Claimed::Created(created) => created,
            Claimed::Existing(paid) if paid.machine.is_final() => return Err(ServiceError::new(ErrorCode::AlreadyPaid, "this session is paid")),
            // The page opened before (a reload, or a second click): the same payment again, and
            // the customer is on its page again, so it is not quiet any more.
            Claimed::Existing(open) => {
                self.db().page_reopened(&open.payment_id).await?;
                open
            }
        };
        let options = match &operator {
            Some(op) => MobileServiceOptions::for_operator(op),
            None => MobileServiceOptions { enable_mobile_service: 1, selected_operator: None },
        };
        let params = PaymentPageParams {
            project_id: self.config().project_id,
            payment_id: record.payment_id.clone(),
            customer_id: session.customer_id.clone(),
            customer_first_name: Some(session.first_name.clone()),
            customer_last_name: Some(session.last_name.clone()),
            customer_email: Some(session.email.clone()),
            payment_currency: session.currency.clone(),
            payment_amount: session.amount,
            force_payment_method: Some(FORCE_MOBILE.into()),
            payment_methods_options: Some(options.to_json_string()),
            merchant_callback_url: Some(self.config().callback_url()),
            language_code: locale.map(str::to_owned),
            signature: None,
            extra: Default::default(),
        };
        let signature = sign(&serde_json::to_value(&params)?, self.config().secret.expose());
        let params = PaymentPageParams { signature: Some(signature), ..params };
        Ok(PaymentPageResponse {
            payment_id: record.payment_id,
            script_url: format!("{}/shared/merchant.js", self.config().payment_page_url),
            params,
        })
    }

    /// Whether the customer left `record`'s Payment Page long enough ago that nothing they did
    /// there can still be unknown to the status request: the only time "not found" means the
    /// page was abandoned.
    pub(super) fn page_quiet(&self, record: &PaymentRecord) -> bool {
        record.page_left_at.is_some_and(|left| self.now() >= left + self.status_delay())
    }

    /// A Payment Page payment still open with nothing heard from the platform: once the page has
    /// been quiet for the platform's status delay, asks the platform and, only if it answers "not
    /// found", marks it abandoned (final; the session is free again). Returns whether the session
    /// is free now. Too early (the page not left long enough ago, or the platform says so):
    /// `payment_in_progress` with the seconds to wait.
    pub(super) async fn abandon_if_unknown(&self, record: &PaymentRecord) -> Result<bool, ServiceError> {
        if !matches!(record.machine.status(), PaymentStatus::Processing) {
            return Ok(false);
        }
        let record = match record.page_left_at {
            Some(_) => record.clone(),
            None => {
                // The customer is acting in the widget (choosing another method), so they have
                // left the page now; its quiet starts here.
                self.db().page_left(&record.payment_id, self.now(), self.now() + self.status_delay()).await?;
                self.payment(&record.payment_id).await?
            }
        };
        // Leaving the page set `status_due_at` to its quiet's end, which this includes.
        let ready_at = self.status_ready_at(&record).await?;
        let wait = ready_at - self.now();
        if wait.0 > 0 {
            return Err(ServiceError::new(ErrorCode::PaymentInProgress, "the payment page of this session may still be paying; try again shortly")
                .retry_after(wait.ceil_secs()));
        }
        if !self.db().claim_status_check(&record.payment_id, record.last_status_check_at, self.now()).await? {
            // Someone is asking right now; their answer decides.
            return Ok(false);
        }
        let after = match self.ask_status(&record).await? {
            StatusAnswer::NotFound(_) => self.apply(&record.payment_id, &Event::Confirmed(abandoned()), EventSource::Status).await?,
            StatusAnswer::Events { events, phone } => self.apply_all(&record.payment_id, record.clone(), &events, phone).await?,
        };
        // Declined or failed (abandoned included) leaves the session free; paid or running does not.
        Ok(matches!(after.machine.outcome(), Some(Outcome::Declined { .. } | Outcome::Failed { .. })))
    }

    /// The customer closed the Payment Page: settle its payment as soon as the platform can be
    /// asked, so the widget shows the outcome, or the pay button again if nothing was paid.
    /// Answers with the payment as it is now; the settled state follows by the live stream.
    pub async fn payment_page_closed(&self, token: &str) -> Result<PaymentRecord, ServiceError> {
        let record = self
            .db()
            .session_payment(token)
            .await?
            .filter(|p| p.via == Channel::PaymentPage)
            .ok_or_else(|| ServiceError::new(ErrorCode::PaymentNotFound, "this session has no Payment Page payment"))?;
        if record.machine.is_final() {
            return Ok(record);
        }
        // The close is the last thing the customer could do on the page: its quiet starts now.
        self.db().page_left(&record.payment_id, self.now(), self.now() + self.status_delay()).await?;
        let app = self.clone();
        let payment_id = record.payment_id.clone();
        tokio::spawn(async move {
            // Asks when the platform allows, again when it says "too early"; a few rounds, then
            // the reconciler goes on asking.
            for _ in 0..6 {
                let Ok(pending) = app.payment(&payment_id).await else { return };
                if pending.machine.is_final() {
                    return;
                }
                let ready_at = app.status_ready_at(&pending).await.unwrap_or_else(|_| app.now() + app.status_delay());
                let wait = ready_at - app.now();
                if wait.0 > 0 {
                    tokio::time::sleep(Duration::from_millis(wait.0 as u64)).await;
                    continue;
                }
                match app.abandon_if_unknown(&pending).await {
                    Ok(_) => return,
                    Err(e) if e.code == ErrorCode::PaymentInProgress => {
                        let seconds = e.retry_after_s.unwrap_or(1).max(1);
                        tokio::time::sleep(Duration::from_secs(seconds)).await;
                    }
                    Err(e) => {
                        tracing::warn!(payment_id, error = %e.message, "closed payment page not settled; the reconciler will ask again");
                        return;
                    }
                }
            }
        });
        Ok(record)
    }
}

/// Our conclusion about a Payment Page payment the platform never heard of after its page was quiet.
pub(super) fn abandoned() -> Outcome {
    Conclusion::Abandoned.outcome("the customer left the payment page without paying")
}
