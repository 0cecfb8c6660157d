//! What the backend does, independent of HTTP: start payments, submit codes, ask for new ones,
//! apply callbacks and status answers, reconcile silent payments, refund, pay out. Handlers and
//! the CLI call these.

use std::collections::HashMap;
use std::time::Duration;

use checkout_protocol::signature::{sign, verify};
use checkout_protocol::state::{Event, Outcome, Payment, PaymentKind, PaymentStatus, ResendRefusal, SubmitRefusal};
use checkout_protocol::time::{Millis, Timestamp};
use checkout_protocol::wire::{
    Account, Callback, ClarificationRequest, CustomerIp, General, MobilePaymentRequest, MobileServiceOptions, OperatorListRequest,
    OperatorListResponse, Payment as GatePayment, PaymentPageParams, RefundPayment, RefundRequest as GateRefund, ResendRequest, SaleCustomer,
    StatusRequest, FORCE_MOBILE,
};
use checkout_protocol::{Amount, ApprovalCode, KzMobile, Operator};
use serde_json::Value;

use crate::config::AddressLimits;
use crate::db::{Admission, Also, Applied, Channel, Claim, Method, PaymentRecord, Recorded, RefundSettlement, RefundStatus, Reservation, Session};
use crate::error::ServiceError;
use crate::gate::{GateFailure, StatusRefusal, STATUS_PATH};
use crate::operators::{seeds_list, Listed, FIRST_LIST_WAIT};
use crate::views::ErrorCode;
use crate::views::{
    payment_view, AdminPaymentEntry, CallbackEntry, CreateSession, CustomerInput, EventEntry, GateCallEntry, OperatorView, PaymentDetail,
    PaymentPageResponse, PayoutRequest, RefundEntry, SessionView,
};
use crate::App;

/// The code of a sale or payout that never reached the platform (Gate could not be connected
/// to), and of a Payment Page payment the platform answered "not found" about once the page had
/// been quiet: conclusions of ours, which free the session and which a platform verdict replaces.
pub use checkout_protocol::state::{ABANDONED, NOT_SENT};

pub use crate::random::random_hex;

fn upstream(failure: &GateFailure) -> ServiceError {
    match failure {
        GateFailure::Rejected(..) => ServiceError::new(ErrorCode::GateRejected, failure.message()),
        GateFailure::NotSent(_) | GateFailure::Unavailable(_) => ServiceError::new(ErrorCode::GateUnavailable, failure.message()),
    }
}

/// A second code for an attempt that has one: refused, since only one per attempt may reach Gate.
fn otp_in_flight() -> ServiceError {
    ServiceError::new(ErrorCode::OtpAlreadySubmitted, "a code for this attempt was sent already; its answer follows on the payment")
}

/// Reads an OTP as typed, by the rule the widget and the platform share ([`ApprovalCode::parse`]).
pub fn parse_otp(code: &str) -> Result<ApprovalCode, ServiceError> {
    ApprovalCode::parse(code).map_err(|e| ServiceError::new(ErrorCode::OtpInvalid, e.to_string()))
}

/// The start of the limits' window (`AddressLimits::WINDOW`) that `at` falls in.
pub fn window_start(at: Timestamp) -> Timestamp {
    let window = Millis::from_duration(AddressLimits::WINDOW).0;
    Timestamp(at.0 - at.0.rem_euclid(window))
}

/// 429 until the window that started at `window` ends.
pub fn too_many(window: Timestamp, at: Timestamp) -> ServiceError {
    let seconds = ((window + Millis::from_duration(AddressLimits::WINDOW)) - at).ceil_secs();
    ServiceError::new(ErrorCode::TooManyRequests, format!("too many requests from this address; try again in {seconds} s")).retry_after(seconds)
}

/// Whether a payment ended, by our own conclusion, without ever reaching the platform or as a
/// Payment Page left unpaid.
fn never_happened(record: &PaymentRecord) -> bool {
    record.machine.outcome().is_some_and(Outcome::is_conclusion)
}

/// The payment a session shows, from its payments newest first: the running or paid one, else
/// the latest that ended (a decline, say, with its "try again"). Payments that never happened
/// (never sent, or a Payment Page left unpaid) and cash-in deposits are not shown as it.
pub fn current_payment(payments: &[PaymentRecord]) -> Option<&PaymentRecord> {
    let shown = |p: &&PaymentRecord| p.machine.kind != PaymentKind::CashIn && !never_happened(p);
    payments
        .iter()
        .filter(shown)
        .find(|p| !matches!(p.machine.outcome(), Some(Outcome::Declined { .. } | Outcome::Failed { .. })))
        .or_else(|| payments.iter().find(shown))
}

/// Reads a phone, mapping each problem to a stable code.
pub fn parse_phone(phone: &str) -> Result<KzMobile, ServiceError> {
    KzMobile::parse(phone).map_err(|e| ServiceError::new(ErrorCode::from(&e), e.to_string()))
}

impl App {
    /// Admits one `item` (a repeat counts once) of `what` from address `ip`, at most `limit` per
    /// window, or answers 429 with the seconds until the window ends.
    pub async fn admit(&self, what: &str, ip: &str, item: &str, limit: u32) -> Result<(), ServiceError> {
        let admission = self.admission(what, ip, item, limit);
        if self.db().admit(&admission).await? {
            Ok(())
        } else {
            Err(self.over_limit(&admission))
        }
    }

    /// `item`'s place among the `what` from address `ip` in the current window, at most `limit`.
    pub fn admission(&self, what: &str, ip: &str, item: &str, limit: u32) -> Admission {
        Admission { bucket: format!("{what}:{ip}"), window_start: window_start(self.now()), item: item.to_owned(), limit }
    }

    /// The 429 for a refused `admission`, until its window ends.
    fn over_limit(&self, admission: &Admission) -> ServiceError {
        tracing::warn!(bucket = admission.bucket, "over the per-address limit");
        too_many(admission.window_start, self.now())
    }

    /// Applies an event, tells live streams if it changed anything, and returns the payment.
    pub async fn apply(&self, payment_id: &str, event: &Event, source: &str) -> Result<PaymentRecord, ServiceError> {
        Ok(self.apply_with(payment_id, event, source, &Also::default()).await?.0)
    }

    /// Applies an event with what its transaction also writes; returns the payment and whether
    /// this call changed it (of concurrent identical events, exactly one does), or 429 when the
    /// event's admission is refused.
    pub async fn apply_with(&self, payment_id: &str, event: &Event, source: &str, also: &Also) -> Result<(PaymentRecord, bool), ServiceError> {
        let applied = self.db().apply(payment_id, event, source, self.now(), also).await?;
        let (record, changed) = match applied {
            Some(Applied::Recorded(record, changed)) => (record, changed),
            Some(Applied::Refused(admission)) => return Err(self.over_limit(&admission)),
            None => return Err(ServiceError::new(ErrorCode::PaymentNotFound, format!("no payment {payment_id}"))),
        };
        if changed {
            tracing::info!(payment_id, source, state = record.machine.status().name(), "payment changed");
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

    /// A payment of the session `token`, or 404: a payment id alone names nothing the widget
    /// API reads or changes, and another session's payment answers as if it did not exist.
    pub async fn session_payment(&self, token: &str, payment_id: &str) -> Result<PaymentRecord, ServiceError> {
        self.session(token).await?;
        let record = self.db().payment(payment_id).await?.filter(|p| p.session_token.as_deref() == Some(token));
        record.ok_or_else(|| ServiceError::new(ErrorCode::PaymentNotFound, format!("no payment {payment_id} in this session")))
    }

    /// A session or 404.
    pub async fn session(&self, token: &str) -> Result<Session, ServiceError> {
        self.db()
            .session(token)
            .await?
            .ok_or_else(|| ServiceError::new(ErrorCode::SessionNotFound, "this checkout session does not exist; ask the shop for a new one"))
    }

    /// The session as the widget sees it: amount, merchant, methods, operators, the payment it
    /// shows and its deposits.
    pub async fn session_view(&self, token: &str) -> Result<SessionView, ServiceError> {
        let session = self.session(token).await?;
        let operation = if session.methods.contains(&Method::Payout) { "payout" } else { "sale" };
        let operators = self.operators(operation).await;
        let at = self.now();
        let payments = self.db().payments_of_session(token).await?;
        let current = current_payment(&payments).map(|p| payment_view(p, at));
        // The contract lists deposits oldest first; the session's payments come newest first.
        let deposits = payments.iter().rev().filter(|p| p.machine.kind == PaymentKind::CashIn).map(|p| payment_view(p, at)).collect();
        Ok(crate::views::session_view(&session, &self.config().merchant_name, operators, current, deposits))
    }

    /// The newest payments, at most `limit` (1 to 500).
    pub async fn recent_payments(&self, limit: i64) -> Result<Vec<PaymentRecord>, ServiceError> {
        Ok(self.db().recent_payments(limit.clamp(1, 500)).await?)
    }

    /// The newest payments for the admin list, at most `limit`, each with its refunds and, for a
    /// session paid twice, which payment is the duplicate to give back.
    pub async fn admin_payments(&self, limit: i64) -> Result<Vec<AdminPaymentEntry>, ServiceError> {
        let at = self.now();
        let mut duplicates_by_session: HashMap<String, Vec<(PaymentRecord, String)>> = HashMap::new();
        let mut entries = Vec::new();
        for record in self.recent_payments(limit).await? {
            let duplicate_of = match &record.session_token {
                Some(token) if record.machine.kind == PaymentKind::Purchase => {
                    if !duplicates_by_session.contains_key(token) {
                        duplicates_by_session.insert(token.clone(), self.duplicates(token).await?);
                    }
                    duplicates_by_session[token].iter().find(|(dup, _)| dup.payment_id == record.payment_id).map(|(_, kept)| kept.clone())
                }
                _ => None,
            };
            let refunds: Vec<RefundEntry> = self
                .db()
                .refunds_of(&record.payment_id)
                .await?
                .into_iter()
                .map(|(amount, status, reason)| RefundEntry { amount, status, reason })
                .collect();
            let refund_by_hand = duplicate_of.is_some() && !refunds.iter().any(|r| r.status == "pending" || r.status == "succeeded");
            entries.push(AdminPaymentEntry {
                payment: payment_view(&record, at),
                session: record.session_token.clone(),
                refunds,
                duplicate_of,
                refund_by_hand,
            });
        }
        Ok(entries)
    }

    /// A payment with every event, Gate call and callback (the admin API's history).
    pub async fn payment_detail(&self, payment_id: &str) -> Result<PaymentDetail, ServiceError> {
        let record = self.payment(payment_id).await?;
        let events = self.db().events_of(payment_id).await?;
        let events = events.into_iter().map(|(source, event, changed, at)| EventEntry { source, event, changed, at: at.to_rfc3339() }).collect();
        let gate_calls = self.db().gate_calls_of(payment_id).await?;
        let gate_calls = gate_calls.into_iter().map(|(endpoint, http_status, error)| GateCallEntry { endpoint, http_status, error }).collect();
        let callbacks = self.db().callbacks_of(payment_id).await?;
        let callbacks = callbacks.into_iter().map(|(verified, result, applied)| CallbackEntry { verified, result, applied }).collect();
        Ok(PaymentDetail { payment: payment_view(&record, self.now()), session: record.session_token, events, gate_calls, callbacks })
    }

    /// Creates a checkout session: amount, currency and customer are fixed here, never by the browser.
    pub async fn create_session(&self, input: CreateSession, ip: &str) -> Result<Session, ServiceError> {
        if input.amount == 0 {
            return Err(ServiceError::new(ErrorCode::AmountInvalid, "amount must be a positive number of minor units"));
        }
        if input.currency != "KZT" {
            return Err(ServiceError::new(ErrorCode::CurrencyUnsupported, "Mobile Commerce in Kazakhstan takes KZT only"));
        }
        let c = &input.customer;
        for (value, field) in
            [(&c.id, "customer.id"), (&c.first_name, "customer.first_name"), (&c.last_name, "customer.last_name"), (&c.email, "customer.email")]
        {
            if value.trim().is_empty() {
                return Err(ServiceError::new(ErrorCode::CustomerInvalid, format!("{field} is required")));
            }
        }
        if !c.email.contains('@') {
            return Err(ServiceError::new(ErrorCode::CustomerInvalid, "customer.email is not an email address"));
        }
        let methods = if input.methods.is_empty() { vec![Method::Mobile] } else { input.methods.clone() };
        if methods.contains(&Method::Payout) && methods.len() > 1 {
            return Err(ServiceError::new(ErrorCode::MethodsInvalid, "a payout session cannot also take payments"));
        }
        let token = format!("cs_{}", random_hex(16));
        self.admit("sessions", ip, &token, self.config().limits.sessions).await?;
        let session = Session {
            token,
            amount: input.amount,
            currency: input.currency,
            customer_id: c.id.clone(),
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            email: c.email.clone(),
            methods,
            locale: input.locale,
            description: input.description,
            created_at: self.now(),
        };
        self.db().insert_session(&session).await?;
        Ok(session)
    }

    /// The operators for `operation` (`sale` or `payout`) as last heard from the platform, or the
    /// seeds' list marked as a fallback; never waits on the platform, except, before any list was
    /// ever fetched, for at most [`FIRST_LIST_WAIT`]. A list that is due is refreshed in the
    /// background by one task.
    pub async fn operators(&self, operation: &'static str) -> (Vec<OperatorView>, bool) {
        if let Some(listed) = self.warm_operators(operation) {
            return (listed.operators, listed.fallback);
        }
        let waited_until = tokio::time::Instant::now() + FIRST_LIST_WAIT;
        while tokio::time::Instant::now() < waited_until {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if let Some(listed) = self.operator_lists().look(operation, self.now()).listed {
                return (listed.operators, listed.fallback);
            }
        }
        (seeds_list(), true)
    }

    /// The list of `operation` as it is now, starting its refresh in the background when it is
    /// due and none is running.
    pub fn warm_operators(&self, operation: &'static str) -> Option<Listed> {
        let look = self.operator_lists().look(operation, self.now());
        if look.start_refresh {
            let app = self.clone();
            tokio::spawn(async move { app.refresh_operators(operation).await });
        }
        look.listed
    }

    /// Asks the platform for the list of `operation` and stores the answer (or the failure).
    async fn refresh_operators(&self, operation: &'static str) {
        let request = OperatorListRequest { general: self.general(None) };
        let path = format!("/v2/info/mobile/{operation}/list");
        let fetched = match self.gate().call(self.db(), None, &path, &request).await {
            Ok(answer) => OperatorListResponse::operators_from(&answer).filter(|list| !list.is_empty()),
            Err(_) => None,
        };
        let fetched = fetched.map(|entries| {
            entries
                .into_iter()
                .map(|e| {
                    let name =
                        e.name.clone().or_else(|| Operator::from_code(&e.id).map(|op| op.display_name().to_owned())).unwrap_or_else(|| e.id.clone());
                    OperatorView { id: e.id, name }
                })
                .collect()
        });
        if fetched.is_none() {
            tracing::warn!(operation, "operator list unavailable; offering the last good list or the seeds'");
        }
        self.operator_lists().refreshed(operation, self.now(), fetched);
    }

    async fn check_operator(&self, operation: &'static str, operator: &str) -> Result<String, ServiceError> {
        let (list, _) = self.operators(operation).await;
        list.iter()
            .find(|o| o.id.eq_ignore_ascii_case(operator.trim()))
            .map(|o| o.id.clone())
            .ok_or_else(|| ServiceError::new(ErrorCode::OperatorUnknown, format!("{operator:?} is not an operator this shop can take")))
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
    /// `Ok` when this request created it (and alone may send it), `Err` with the session's payment
    /// when that is one of the same method or a paid one (the request is a repeat, answered with
    /// it). A running payment of another method is refused with `payment_in_progress`, except a
    /// Payment Page payment the platform never heard of, which is confirmed abandoned first.
    ///
    /// With an `admission` (a start's place in its address's window), the place is taken in the
    /// same commit as the payment, and a start over the limit creates nothing (429).
    async fn claim(&self, record: &PaymentRecord, admission: Option<&Admission>) -> Result<Result<PaymentRecord, PaymentRecord>, ServiceError> {
        for _ in 0..3 {
            let taken = match self.db().claim_session_payment(record, admission).await? {
                Claim::Created(created) => return Ok(Ok(created)),
                Claim::Taken(taken) => taken,
                Claim::Refused(refused) => return Err(self.over_limit(&refused)),
            };
            if taken.via == record.via || taken.machine.is_final() {
                return Ok(Err(taken));
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

    /// Starts (or returns the running) phone payment of a session: a purchase confirmed by OTP,
    /// or, for a payout session, a payout to the phone.
    pub async fn start_mobile_payment(&self, token: &str, operator: &str, phone: &str, ip: &str) -> Result<(PaymentRecord, bool), ServiceError> {
        self.start_phone_operation(token, operator, phone, ip, PaymentKind::Purchase).await
    }

    /// Starts (or returns the running) payout of a payout session to the customer's phone.
    pub async fn start_session_payout(&self, token: &str, operator: &str, phone: &str, ip: &str) -> Result<(PaymentRecord, bool), ServiceError> {
        self.start_phone_operation(token, operator, phone, ip, PaymentKind::Payout).await
    }

    async fn start_phone_operation(
        &self,
        token: &str,
        operator: &str,
        phone: &str,
        ip: &str,
        kind: PaymentKind,
    ) -> Result<(PaymentRecord, bool), ServiceError> {
        let (method, operation, via, path, prefix) = match kind {
            PaymentKind::Payout => (Method::Payout, "payout", Channel::Payout, "/v2/payment/mobile/payout", "po"),
            _ => (Method::Mobile, "sale", Channel::Gate, "/v2/payment/mobile/sale", "pay"),
        };
        let session = self.session(token).await?;
        if !session.methods.contains(&method) {
            return Err(ServiceError::new(ErrorCode::MethodNotAllowed, format!("this session does not allow {operation}s by phone")));
        }
        let phone = parse_phone(phone)?;
        let operator = self.check_operator(operation, operator).await?;
        // A repeat of the same start (double click, retry) is one item; a new phone is another.
        let admission = self.admission("payments", ip, &format!("{token}:{}", phone.as_str()), self.config().limits.payments);
        let payment_id = format!("{prefix}_{}", random_hex(12));
        let mut record = self.new_payment(payment_id.clone(), Some(&session), kind, session.amount, via);
        record.phone = Some(phone.as_str().to_owned());
        record.operator = Some(operator);
        record.customer_ip = Some(ip.to_owned());
        if let Err(existing) = self.claim(&record, Some(&admission)).await? {
            return Ok((existing, false));
        }
        tracing::info!(payment_id, phone = %phone.masked(), operation, "phone operation started");

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
    async fn send_phone_operation(
        &self,
        path: &str,
        payment_id: &str,
        customer: &CustomerInput,
        ip: &str,
        phone: &KzMobile,
        amount: u64,
        currency: &str,
    ) -> Result<PaymentRecord, ServiceError> {
        let request = MobilePaymentRequest {
            general: General { merchant_callback_url: Some(self.config().callback_url()), ..self.general(Some(payment_id)) },
            customer: SaleCustomer {
                id: customer.id.clone(),
                ip_address: ip.to_owned(),
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
                self.apply(payment_id, &Event::Confirmed(Outcome::Failed { code: failure.code(), message: failure.message() }), "gate").await
            }
            Err(failure @ GateFailure::NotSent(_)) => {
                self.apply(payment_id, &Event::Confirmed(Outcome::Failed { code: NOT_SENT.into(), message: failure.message() }), "gate").await?;
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
    pub async fn submit_otp(&self, token: &str, payment_id: &str, code: &str, attempt: Option<u32>, ip: &str) -> Result<PaymentRecord, ServiceError> {
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
        let admits = Some(self.admission("codes", ip, &format!("{payment_id}:{attempt}"), self.config().limits.code_guesses));
        let (_, won) = self.apply_with(payment_id, &Event::OtpSubmitted { attempt }, "widget", &Also { admits, ..Also::default() }).await?;
        if !won {
            return Err(otp_in_flight());
        }
        let request = ClarificationRequest::new(self.general(Some(payment_id)), code);
        match self.gate().call(self.db(), Some(payment_id), "/v2/payment/clarification", &request).await {
            Ok(_) => self.payment(payment_id).await,
            // Refused, or never sent: the platform has not got this code, so the try is given back.
            Err(failure @ (GateFailure::Rejected(..) | GateFailure::NotSent(_))) => {
                self.apply(payment_id, &Event::OtpSubmissionFailed { attempt }, "gate").await?;
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
        let (_, won) = self.apply_with(payment_id, &Event::ResendRequested { resend }, "widget", &Also::default()).await?;
        if !won {
            return Err(ServiceError::new(ErrorCode::ResendInProgress, "a new code has just been asked for; wait for it"));
        }
        let request = ResendRequest {
            general: self.general(Some(payment_id)),
            customer: CustomerIp { ip_address: record.customer_ip.clone().unwrap_or_else(|| "127.0.0.1".into()) },
        };
        match self.gate().call(self.db(), Some(payment_id), "/v2/customer/action/resend", &request).await {
            Ok(_) => self.apply(payment_id, &Event::ResendAccepted { resend, at: self.now() }, "gate").await,
            Err(failure) => {
                self.apply(payment_id, &Event::ResendRejected { resend }, "gate").await?;
                Err(upstream(&failure))
            }
        }
    }

    /// Signed `EPayWidget.run` parameters for the session, with the operator enforced.
    pub async fn payment_page(&self, token: &str, operator: Option<&str>, locale: Option<&str>) -> Result<PaymentPageResponse, ServiceError> {
        let session = self.session(token).await?;
        if !session.methods.contains(&Method::PaymentPage) {
            return Err(ServiceError::new(ErrorCode::MethodNotAllowed, "this session does not use the Payment Page"));
        }
        let operator = match operator.filter(|o| !o.trim().is_empty()) {
            Some(op) => Some(self.check_operator("sale", op).await?),
            None => None,
        };
        let mut new =
            self.new_payment(format!("pay_{}", random_hex(12)), Some(&session), PaymentKind::Purchase, session.amount, Channel::PaymentPage);
        new.operator = operator.clone();
        let record = match self.claim(&new, None).await? {
            Ok(created) => created,
            Err(paid) if paid.machine.is_final() => return Err(ServiceError::new(ErrorCode::AlreadyPaid, "this session is paid")),
            // The page opened before (a reload, or a second click): the same payment again, and
            // the customer is on its page again, so it is not quiet any more.
            Err(open) => {
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
                self.db().settle_refund(&payment_id, &RefundSettlement { refund_id: None, amount, status: RefundStatus::Declined }).await?;
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
        let record = match self.apply_with(&payment_id, &event, "callback", &also).await {
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
    async fn status_ready_at(&self, record: &PaymentRecord) -> Result<Timestamp, ServiceError> {
        let last = self.db().last_gate_request_at(&record.payment_id, STATUS_PATH).await?.unwrap_or(record.created_at);
        let ours = last + self.status_delay();
        Ok(record.status_due_at.map_or(ours, |due| due.max(ours)))
    }

    /// How long after a request the platform answers status requests about it.
    fn status_delay(&self) -> Millis {
        Millis::from_duration(self.config().status_min_age)
    }

    /// Whether the customer left `record`'s Payment Page long enough ago that nothing they did
    /// there can still be unknown to the status request: the only time "not found" means the
    /// page was abandoned.
    fn page_quiet(&self, record: &PaymentRecord) -> bool {
        record.page_left_at.is_some_and(|left| self.now() >= left + self.status_delay())
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
    async fn confirm_status_of(&self, seen: &PaymentRecord, how: Wait) -> Result<PaymentRecord, ServiceError> {
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
                    return self.apply(payment_id, &Event::Confirmed(abandoned()), "status").await;
                }
                // The platform does not know a phone payment we sent long ago: the purchase
                // request never reached it.
                let silent_for = self.now() - record.created_at;
                if processing && record.via != Channel::PaymentPage && silent_for >= Millis::from_duration(self.config().reconcile_after) {
                    let never_sent = Outcome::Failed { code: NOT_SENT.into(), message: failure.message() };
                    return self.apply(payment_id, &Event::Confirmed(never_sent), "status").await;
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
        self.apply(&after.payment_id, &Event::OtpSubmissionFailed { attempt }, "status").await
    }

    /// Applies a status answer's events, keeping the phone it names when the payment has none.
    async fn apply_all(
        &self,
        payment_id: &str,
        mut latest: PaymentRecord,
        events: &[Event],
        phone: Option<String>,
    ) -> Result<PaymentRecord, ServiceError> {
        let also = Also { phone, ..Also::default() };
        for event in events {
            latest = self.apply_with(payment_id, event, "status", &also).await?.0;
        }
        Ok(latest)
    }

    /// The status request itself: the events its signed answer means, or the platform's word
    /// that it has no such payment. "Too early" defers the next question by the platform's delay
    /// (the request it counts from may be the customer's own, on the Payment Page, which we do
    /// not see) and is an error, like every other refusal: none of them settles anything.
    async fn ask_status(&self, record: &PaymentRecord) -> Result<StatusAnswer, ServiceError> {
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

    /// A Payment Page payment still open with nothing heard from the platform: once the page has
    /// been quiet for the platform's status delay, asks the platform and, only if it answers "not
    /// found", marks it abandoned (final; the session is free again). Returns whether the session
    /// is free now. Too early (the page not left long enough ago, or the platform says so):
    /// `payment_in_progress` with the seconds to wait.
    async fn abandon_if_unknown(&self, record: &PaymentRecord) -> Result<bool, ServiceError> {
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
            StatusAnswer::NotFound(_) => self.apply(&record.payment_id, &Event::Confirmed(abandoned()), "status").await?,
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

    /// Refunds a paid purchase, fully (no amount) or partly; never more than what is left,
    /// counting refunds still in flight (checked and reserved in one transaction).
    pub async fn refund(&self, payment_id: &str, amount: Option<u64>, description: Option<&str>) -> Result<PaymentRecord, ServiceError> {
        self.refund_because(payment_id, amount, description, None).await
    }

    /// [`App::refund`], with the backend's `reason` when it refunds of its own accord.
    async fn refund_because(
        &self,
        payment_id: &str,
        amount: Option<u64>,
        description: Option<&str>,
        reason: Option<&str>,
    ) -> Result<PaymentRecord, ServiceError> {
        if amount == Some(0) {
            return Err(ServiceError::new(ErrorCode::AmountInvalid, "a refund must be more than zero"));
        }
        let record = self.payment(payment_id).await?;
        let (refund_id, amount_wanted) = match self.db().reserve_refund(payment_id, amount, reason, self.now()).await? {
            None => return Err(ServiceError::new(ErrorCode::PaymentNotFound, format!("no payment {payment_id}"))),
            Some(Reservation::Reserved { id, amount }) => (id, amount),
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
                    self.db().settle_refund(payment_id, &settlement).await?;
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
            match self.refund_because(&duplicate.payment_id, None, Some("Duplicate payment of one order"), Some(&reason)).await {
                Ok(_) => {}
                // Another task or instance reserved it first: that one sends it.
                Err(e) if matches!(e.code, ErrorCode::RefundExceedsPayment | ErrorCode::NotRefundable) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Sends money to a phone.
    pub async fn payout(&self, request: PayoutRequest, ip: &str) -> Result<PaymentRecord, ServiceError> {
        if request.amount == 0 || request.currency != "KZT" {
            return Err(ServiceError::new(ErrorCode::AmountInvalid, "a payout is a positive amount of KZT"));
        }
        let phone = parse_phone(&request.phone)?;
        let operator = self.check_operator("payout", &request.operator).await?;
        let payment_id = format!("po_{}", random_hex(12));
        let mut record = self.new_payment(payment_id.clone(), None, PaymentKind::Payout, request.amount, Channel::Admin);
        record.phone = Some(phone.as_str().into());
        record.operator = Some(operator);
        record.customer_ip = Some(ip.into());
        self.db().insert_payment(&record).await?;
        self.send_phone_operation("/v2/payment/mobile/payout", &payment_id, &request.customer, ip, &phone, request.amount, &request.currency).await
    }

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

/// Whether a status confirmation waits for the platform's status delay or leaves it for later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
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
enum StatusAnswer {
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

/// Our conclusion about a Payment Page payment the platform never heard of after its page was quiet.
fn abandoned() -> Outcome {
    Outcome::Failed { code: ABANDONED.into(), message: "the customer left the payment page without paying".into() }
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

/// How long the instance that reconciles keeps the lease without renewing it.
const LEASE: Duration = Duration::from_secs(30);

async fn hold_lease(app: &App, name: &str, for_how_long: Duration) -> bool {
    let at = app.now();
    match app.db().try_lease(name, app.db().instance(), at, at + Millis::from_duration(for_how_long)).await {
        Ok(held) => held,
        Err(e) => {
            tracing::warn!(error = %e, name, "lease not taken");
            false
        }
    }
}

/// Applies callbacks recorded but not applied before a server stopped. It needs no lease: an
/// instance starting while another runs applies what that one may be applying too, and the
/// state machine's compare-and-set makes the second application change nothing, so a restarted
/// instance never waits for a dead one's lease to expire before it catches up.
pub async fn recover(app: &App) -> Result<usize, ServiceError> {
    let pending = app.db().unapplied_callbacks().await?;
    let count = pending.len();
    for (id, raw) in pending {
        let value: Value = serde_json::from_str(&raw)?;
        match Callback::from_value(value) {
            Ok(callback) => {
                app.apply_callback(id, &callback).await?;
            }
            Err(e) => app.db().callback_applied(id, &format!("unreadable: {e}")).await?,
        }
    }
    if count > 0 {
        tracing::info!(count, "applied callbacks recorded before a restart");
    }
    Ok(count)
}

/// How long a payment a customer is watching may be silent before the reconciler asks about it,
/// when that is sooner than `reconcile_after`. "Watching": a phone sale or payout in `processing`,
/// before the code prompt (the SMS may be on the phone already) or after the code. The platform
/// answers status requests 10 s after a request and its callbacks come within seconds, so 15 s
/// of silence means the callback is late or lost; a minute of spinner would cost the customer
/// most of the code's 80–90 s.
pub const WATCHED_SILENCE: Duration = Duration::from_secs(15);

/// The silence after which the reconciler asks about `record`.
fn silence_allowed(reconcile_after: Duration, record: &PaymentRecord) -> Millis {
    let watched = matches!(record.via, Channel::Gate | Channel::Payout) && matches!(record.machine.status(), PaymentStatus::Processing);
    Millis::from_duration(if watched { reconcile_after.min(WATCHED_SILENCE) } else { reconcile_after })
}

/// Forever: asks the platform about payments that need a confirmation or have been silent for
/// longer than they may be ([`silence_allowed`]), so a lost callback never leaves a customer
/// waiting. One instance at a time does it, holding the `reconciler` lease; another takes over
/// when it stops renewing.
pub async fn reconcile_forever(app: App) {
    let shortest = app.config().reconcile_after.min(WATCHED_SILENCE);
    let period = (shortest / 4).clamp(Duration::from_millis(200), Duration::from_secs(15));
    let lease = LEASE.max(period * 3).max(app.config().gate_timeout * 3);
    loop {
        tokio::time::sleep(period).await;
        if !hold_lease(&app, "reconciler", lease).await {
            continue;
        }
        if let Err(e) = reconcile_pass(&app, app.now(), Some(lease)).await {
            tracing::warn!(error = %e.message, "reconciliation pass failed");
        }
    }
}

/// Status requests the reconciler has in flight at once: a slow platform slows a pass by its
/// answer time over this, not by its answer time per payment.
pub const RECONCILE_CONCURRENCY: usize = 8;

/// One reconciliation pass at `at`, without a lease (tests, and a caller that holds it).
pub async fn reconcile_once(app: &App, at: Timestamp) -> Result<(), ServiceError> {
    reconcile_pass(app, at, None).await
}

/// One pass: the open payments that are due (silent for longer than they may be, or waiting for
/// a confirmation, and that the platform would answer about now) are asked about, at most
/// [`RECONCILE_CONCURRENCY`] at once. With a `lease`, it is renewed before each payment is taken,
/// and the pass stops when it is lost, so a slow platform never leaves two instances asking: each
/// request takes at most the Gate timeout, well within the lease. Each payment is also claimed by
/// a compare-and-set on its last status check, so none is asked about twice at once anyway.
async fn reconcile_pass(app: &App, at: Timestamp, lease: Option<Duration>) -> Result<(), ServiceError> {
    use futures_util::StreamExt;
    // Admissions of windows that ended are of no further use.
    app.db().forget_admissions(Timestamp(window_start(at).0 - Millis::from_duration(AddressLimits::WINDOW).0)).await?;
    let mut due = Vec::new();
    for record in app.db().open_payments().await? {
        let heard = record.updated_at.max(record.last_status_check_at.unwrap_or_default());
        let deferred = record.status_due_at.is_some_and(|due| at < due);
        let silent = record.machine.needs_status_check() || at - heard >= silence_allowed(app.config().reconcile_after, &record);
        if !deferred && silent && app.status_ready_at(&record).await? <= at {
            due.push(record);
        }
    }
    let held = std::sync::atomic::AtomicBool::new(true);
    futures_util::stream::iter(due)
        .for_each_concurrent(RECONCILE_CONCURRENCY, |record| {
            let held = &held;
            async move {
                if !held.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                if let Some(lease) = lease {
                    if !hold_lease(app, "reconciler", lease).await {
                        held.store(false, std::sync::atomic::Ordering::SeqCst);
                        return;
                    }
                }
                if let Err(e) = app.confirm_status_of(&record, Wait::No).await {
                    tracing::debug!(payment_id = record.payment_id, error = %e.message, "status not settled yet");
                }
            }
        })
        .await;
    // Duplicates whose refund a crash (or a failure) interrupted; with auto-refund off they wait
    // in the admin list for the merchant.
    let duplicates = if app.config().auto_refund_duplicates { app.db().sessions_paid_twice().await? } else { Vec::new() };
    for token in duplicates {
        if let Err(e) = app.settle_duplicates(&token).await {
            tracing::warn!(session = token, error = %e.message, "duplicate payment not settled yet");
        }
    }
    Ok(())
}
