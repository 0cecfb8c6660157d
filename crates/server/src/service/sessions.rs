//! Checkout sessions: created by the shop, read by the widget, with the payment a session shows.

use std::net::IpAddr;

use checkout_protocol::state::{Outcome, PaymentKind};

use super::{shop_order, Counted, Limit};
use crate::db::{Inserted, Method, PaymentRecord, Session};
use crate::error::ServiceError;
use crate::operators::Operation;
use crate::random::random_hex;
use crate::views::ErrorCode;
use crate::views::{CreateSession, SessionView};
use crate::App;

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

impl App {
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
        let operation = if session.methods.contains(&Method::Payout) { Operation::Payout } else { Operation::Sale };
        let operators = self.operators(operation).await;
        let at = self.now();
        let payments = self.db().payments_of_session(token).await?;
        let current = current_payment(&payments).map(|p| p.view(at));
        // The contract lists deposits oldest first; the session's payments come newest first.
        let deposits = payments.iter().rev().filter(|p| p.machine.kind == PaymentKind::CashIn).map(|p| p.view(at)).collect();
        Ok(crate::views::session_view(&session, &self.config().merchant_name, operators, current, deposits))
    }

    /// Creates a checkout session: amount, currency and customer are fixed here, never by the
    /// browser. A request run again under the same idempotency `claim` gets the session its
    /// first run stored.
    pub async fn create_session(&self, input: CreateSession, ip: IpAddr, claim: Option<&str>) -> Result<Session, ServiceError> {
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
        let order = shop_order(input.reference, input.metadata)?;
        let token = format!("cs_{}", random_hex(16));
        self.admit(Limit::Sessions, Counted::From(ip), &token, self.config().limits.sessions).await?;
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
            reference: order.reference,
            metadata: order.metadata,
            created_at: self.now(),
        };
        match self.db().insert_session(&session, claim).await? {
            Inserted::New => Ok(session),
            Inserted::Existing(made) => self.session(&made).await,
        }
    }
}
