//! The phone and code flow: start a sale (or a payout session's payout) by phone, submit the
//! customer's code, ask for a new one.

use std::net::IpAddr;

use checkout_protocol::state::{Event, Outcome, PaymentKind, PaymentStatus, ResendRefusal, SubmitRefusal};
use checkout_protocol::wire::{
    Account, ClarificationRequest, CustomerIp, General, MobilePaymentRequest, Payment as GatePayment, ResendRequest, SaleCustomer,
};
use checkout_protocol::Conclusion;
use checkout_protocol::{ApprovalCode, KzMobile};

use super::upstream;
use super::{Claimed, Counted, Limit};
use crate::db::{Also, Channel, EventSource, Method, PaymentRecord};
use crate::error::ServiceError;
use crate::gate::GateFailure;
use crate::operators::Operation;
use crate::random::random_hex;
use crate::views::CustomerInput;
use crate::views::ErrorCode;
use crate::App;

/// Reads a phone, mapping each problem to a stable code.
pub fn parse_phone(phone: &str) -> Result<KzMobile, ServiceError> {
    KzMobile::parse(phone).map_err(|e| ServiceError::new(ErrorCode::from(&e), e.to_string()))
}

/// Reads an OTP as typed, by the rule the widget and the platform share ([`ApprovalCode::parse`]).
pub fn parse_otp(code: &str) -> Result<ApprovalCode, ServiceError> {
    ApprovalCode::parse(code).map_err(|e| ServiceError::new(ErrorCode::OtpInvalid, e.to_string()))
}

/// A second code for an attempt that has one: refused, since only one per attempt may reach Gate.
fn otp_in_flight() -> ServiceError {
    ServiceError::new(ErrorCode::OtpAlreadySubmitted, "a code for this attempt was sent already; its answer follows on the payment")
}

impl App {
    /// Starts (or returns the running) phone payment of a session: a purchase confirmed by OTP,
    /// or, for a payout session, a payout to the phone.
    pub async fn start_mobile_payment(&self, token: &str, operator: &str, phone: &str, ip: IpAddr) -> Result<(PaymentRecord, bool), ServiceError> {
        self.start_phone_operation(token, operator, phone, ip, PaymentKind::Purchase).await
    }

    /// Starts (or returns the running) payout of a payout session to the customer's phone.
    pub async fn start_session_payout(&self, token: &str, operator: &str, phone: &str, ip: IpAddr) -> Result<(PaymentRecord, bool), ServiceError> {
        self.start_phone_operation(token, operator, phone, ip, PaymentKind::Payout).await
    }

    async fn start_phone_operation(
        &self,
        token: &str,
        operator: &str,
        phone: &str,
        ip: IpAddr,
        kind: PaymentKind,
    ) -> Result<(PaymentRecord, bool), ServiceError> {
        let (method, operation, via, path, prefix) = match kind {
            PaymentKind::Payout => (Method::Payout, Operation::Payout, Channel::Payout, "/v2/payment/mobile/payout", "po"),
            _ => (Method::Mobile, Operation::Sale, Channel::Gate, "/v2/payment/mobile/sale", "pay"),
        };
        let session = self.session(token).await?;
        if !session.methods.contains(&method) {
            return Err(ServiceError::new(ErrorCode::MethodNotAllowed, format!("this session does not allow {}s by phone", operation.name())));
        }
        let phone = parse_phone(phone)?;
        let operator = self.check_operator(operation, operator).await?;
        // A repeat of the same start (double click, retry) is one item; a new phone is another.
        let admission = self.admission(Limit::Payments, Counted::From(ip), &format!("{token}:{}", phone.as_str()), self.config().limits.payments);
        let payment_id = format!("{prefix}_{}", random_hex(12));
        let mut record = self.new_payment(payment_id.clone(), Some(&session), kind, session.amount, via);
        record.phone = Some(phone.as_str().to_owned());
        record.operator = Some(operator);
        record.customer_ip = Some(ip.to_string());
        if let Claimed::Existing(existing) = self.claim(&record, Some(&admission)).await? {
            return Ok((existing, false));
        }
        tracing::info!(payment_id, phone = %phone.masked(), operation = operation.name(), "phone operation started");

        let customer = CustomerInput {
            id: session.customer_id.clone(),
            first_name: session.first_name.clone(),
            last_name: session.last_name.clone(),
            email: session.email.clone(),
        };
        let record = self.send_phone_operation(path, &payment_id, &customer, ip, &phone, session.amount, &session.currency).await?;
        Ok((record, true))
    }

    /// Sends a stored purchase or payout to Gate. A refusal fails the payment, and so does a
    /// request that never left (`not_sent`), so a retry can start afresh; a lost answer leaves it
    /// to the reconciler, since whether the platform got the request is unknown.
    #[allow(clippy::too_many_arguments)] // The request's own fields.
    pub(super) async fn send_phone_operation(
        &self,
        path: &str,
        payment_id: &str,
        customer: &CustomerInput,
        ip: IpAddr,
        phone: &KzMobile,
        amount: u64,
        currency: &str,
    ) -> Result<PaymentRecord, ServiceError> {
        let request = MobilePaymentRequest {
            general: General { merchant_callback_url: Some(self.config().callback_url()), ..self.general(Some(payment_id)) },
            customer: SaleCustomer {
                id: customer.id.clone(),
                ip_address: ip.to_string(),
                first_name: customer.first_name.clone(),
                last_name: customer.last_name.clone(),
                email: customer.email.clone(),
            },
            account: Account { number: phone.as_str().to_owned() },
            payment: GatePayment { amount, currency: currency.to_owned() },
        };
        match self.gate().call(self.db(), Some(payment_id), path, &request).await {
            Ok(_) => self.payment(payment_id).await,
            Err(failure @ GateFailure::Rejected(..)) => {
                self.apply(payment_id, &Event::Confirmed(Outcome::Failed { code: failure.code(), message: failure.message() }), EventSource::Gate)
                    .await
            }
            Err(failure @ GateFailure::NotSent(_)) => {
                self.apply(payment_id, &Event::Confirmed(Conclusion::NotSent.outcome(failure.message())), EventSource::Gate).await?;
                Err(upstream(&failure))
            }
            Err(failure) => Err(upstream(&failure)),
        }
    }

    /// Sends the customer's code as `attempt` (the next one when the client does not say),
    /// within the limits: [`MAX_TRIES_PER_CODE`] per code (exact: the payment's compare-and-set
    /// enforces it) and `limits.code_guesses` per address.
    ///
    /// [`MAX_TRIES_PER_CODE`]: checkout_protocol::state::MAX_TRIES_PER_CODE
    pub async fn submit_otp(
        &self,
        token: &str,
        payment_id: &str,
        code: &str,
        attempt: Option<u32>,
        ip: IpAddr,
    ) -> Result<PaymentRecord, ServiceError> {
        let code = parse_otp(code)?;
        let record = self.session_payment(token, payment_id).await?;
        record.machine.check_submit(self.now()).map_err(|refusal| match refusal {
            SubmitRefusal::NotAwaitingOtp if matches!(record.machine.status(), PaymentStatus::Processing) && record.machine.attempts() > 0 => {
                otp_in_flight()
            }
            SubmitRefusal::NotAwaitingOtp => {
                ServiceError::new(ErrorCode::NotAwaitingOtp, format!("the payment is {}, not waiting for a code", record.machine.status().name()))
            }
            SubmitRefusal::TriesUsed { new_code_after: Some(wait) } => {
                ServiceError::new(ErrorCode::OtpAttemptsExhausted, "this code was typed wrong too many times; ask for a new code")
                    .retry_after(wait.ceil_secs())
            }
            SubmitRefusal::TriesUsed { new_code_after: None } => {
                ServiceError::new(ErrorCode::OtpAttemptsExhausted, "this code was typed wrong too many times and no new code is left")
            }
        })?;
        // An attempt the client names that is not the next one (its copy was sent already) is
        // refused by the compare-and-set below, like a parallel submission of the next one.
        let attempt = attempt.unwrap_or(record.machine.attempts() + 1);
        // Recorded before the call, so an answer that overtakes it is read as an answer to it; by
        // a compare-and-set on (payment, attempt), so of parallel submissions one wins and sends;
        // and with its place among the address's code checks, in the same transaction (parallel
        // submissions of one attempt are one item).
        let admits =
            Some(self.admission(Limit::CodeGuesses, Counted::From(ip), &format!("{payment_id}:{attempt}"), self.config().limits.code_guesses));
        let (_, won) =
            self.apply_with(payment_id, &Event::OtpSubmitted { attempt }, EventSource::Widget, &Also { admits, ..Also::default() }).await?;
        if !won {
            return Err(otp_in_flight());
        }
        let request = ClarificationRequest::new(self.general(Some(payment_id)), code);
        match self.gate().call(self.db(), Some(payment_id), "/v2/payment/clarification", &request).await {
            Ok(_) => self.payment(payment_id).await,
            // Refused, or never sent: the platform has not got this code, so the try is given back.
            Err(failure @ (GateFailure::Rejected(..) | GateFailure::NotSent(_))) => {
                self.apply(payment_id, &Event::OtpSubmissionFailed { attempt }, EventSource::Gate).await?;
                Err(upstream(&failure))
            }
            // The answer was lost: the platform may be checking the code now. The payment waits
            // for its verdict (a callback, or the status request the reconciler makes), and the
            // customer sees the code being checked, never the code field again for the same code.
            Err(failure @ GateFailure::Unavailable(_)) => {
                tracing::warn!(payment_id, attempt, error = %failure.message(), "the answer to a code was lost; waiting for the platform's verdict");
                self.payment(payment_id).await
            }
        }
    }

    /// Asks the platform for a new code, within the rules: after the current one expired, at most three times.
    pub async fn resend_otp(&self, token: &str, payment_id: &str) -> Result<PaymentRecord, ServiceError> {
        let record = self.session_payment(token, payment_id).await?;
        let at = self.now();
        record.machine.check_resend(at).map_err(|refusal| match refusal {
            ResendRefusal::TooEarly { retry_after } => {
                let seconds = retry_after.ceil_secs();
                ServiceError::new(ErrorCode::ResendTooEarly, format!("the current code is still valid; a new one can be sent in {seconds} s"))
                    .retry_after(seconds)
            }
            ResendRefusal::NoneLeft => ServiceError::new(ErrorCode::ResendLimit, "all three new codes have been sent"),
            ResendRefusal::NotAwaitingOtp => ServiceError::new(ErrorCode::NotAwaitingOtp, "the payment is not waiting for a code"),
        })?;
        let resend = record.machine.resends_used() + 1;
        let (_, won) = self.apply_with(payment_id, &Event::ResendRequested { resend }, EventSource::Widget, &Also::default()).await?;
        if !won {
            return Err(ServiceError::new(ErrorCode::ResendInProgress, "a new code has just been asked for; wait for it"));
        }
        let request = ResendRequest {
            general: self.general(Some(payment_id)),
            customer: CustomerIp { ip_address: record.customer_ip.clone().unwrap_or_else(|| "127.0.0.1".into()) },
        };
        match self.gate().call(self.db(), Some(payment_id), "/v2/customer/action/resend", &request).await {
            Ok(_) => self.apply(payment_id, &Event::ResendAccepted { resend, at: self.now() }, EventSource::Gate).await,
            Err(failure) => {
                self.apply(payment_id, &Event::ResendRejected { resend }, EventSource::Gate).await?;
                Err(upstream(&failure))
            }
        }
    }
}
