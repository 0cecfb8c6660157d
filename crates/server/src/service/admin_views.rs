//! What the admin API lists: recent payments with their refunds, duplicates and shop orders, one
//! payment's whole history, and a session with everything paid through it.

use std::collections::HashMap;

use checkout_protocol::state::PaymentKind;

use crate::db::{PaymentRecord, Session};
use crate::error::ServiceError;
use crate::views::{AdminPaymentEntry, AdminSession, CallbackEntry, EventEntry, GateCallEntry, PaymentDetail, RefundEntry, ShopOrder};
use crate::App;

/// What the entries of one list share: each session's duplicates and order, read once.
#[derive(Default)]
struct Seen {
    duplicates: HashMap<String, Vec<(PaymentRecord, String)>>,
    orders: HashMap<String, ShopOrder>,
}

impl App {
    /// The newest payments, at most `limit` (1 to 500).
    pub async fn recent_payments(&self, limit: i64) -> Result<Vec<PaymentRecord>, ServiceError> {
        Ok(self.db().recent_payments(limit.clamp(1, 500)).await?)
    }

    /// The newest payments for the admin list, at most `limit`, each with its refunds, its
    /// session's order and, for a session paid twice, which payment is the duplicate to give back.
    pub async fn admin_payments(&self, limit: i64) -> Result<Vec<AdminPaymentEntry>, ServiceError> {
        let mut seen = Seen::default();
        let mut entries = Vec::new();
        for record in self.recent_payments(limit).await? {
            entries.push(self.admin_payment_entry(record, &mut seen).await?);
        }
        Ok(entries)
    }

    /// One payment of the admin list.
    async fn admin_payment_entry(&self, record: PaymentRecord, seen: &mut Seen) -> Result<AdminPaymentEntry, ServiceError> {
        let duplicate_of = match &record.session_token {
            Some(token) if record.machine.kind == PaymentKind::Purchase => {
                if !seen.duplicates.contains_key(token) {
                    seen.duplicates.insert(token.clone(), self.duplicates(token).await?);
                }
                seen.duplicates[token].iter().find(|(dup, _)| dup.payment_id == record.payment_id).map(|(_, kept)| kept.clone())
            }
            _ => None,
        };
        let order = match &record.session_token {
            Some(token) => {
                if !seen.orders.contains_key(token) {
                    seen.orders.insert(token.clone(), self.order_of(token).await?);
                }
                seen.orders[token].clone()
            }
            None => ShopOrder::default(),
        };
        let refunds: Vec<RefundEntry> = self
            .db()
            .refunds_of(&record.payment_id)
            .await?
            .into_iter()
            .map(|r| RefundEntry { amount: r.amount, status: r.status, reason: r.reason })
            .collect();
        let refund_by_hand = duplicate_of.is_some() && !refunds.iter().any(|r| r.status == "pending" || r.status == "succeeded");
        Ok(AdminPaymentEntry {
            payment: record.view(self.now()),
            session: record.session_token.clone(),
            refunds,
            duplicate_of,
            refund_by_hand,
            order,
        })
    }

    /// The order of the session `token` (an empty one should the session be gone).
    async fn order_of(&self, token: &str) -> Result<ShopOrder, ServiceError> {
        Ok(self.db().session(token).await?.as_ref().map(ShopOrder::of).unwrap_or_default())
    }

    /// A session with everything paid through it, or 404.
    pub async fn admin_session(&self, token: &str) -> Result<AdminSession, ServiceError> {
        let session = self.session(token).await?;
        self.admin_session_of(session).await
    }

    /// [`App::admin_session`] of a session already read.
    pub(super) async fn admin_session_of(&self, session: Session) -> Result<AdminSession, ServiceError> {
        let at = self.now();
        let mut seen = Seen::default();
        seen.orders.insert(session.token.clone(), ShopOrder::of(&session));
        let (mut payments, mut deposits) = (Vec::new(), Vec::new());
        for record in self.db().payments_of_session(&session.token).await? {
            if record.machine.kind == PaymentKind::CashIn {
                deposits.push(record.view(at));
            } else {
                payments.push(self.admin_payment_entry(record, &mut seen).await?);
            }
        }
        // The session's payments come newest first; the contract lists deposits oldest first.
        deposits.reverse();
        Ok(AdminSession {
            order: ShopOrder::of(&session),
            session: session.token,
            amount: session.amount,
            currency: session.currency,
            methods: session.methods,
            customer_id: session.customer_id,
            description: session.description,
            created_at: session.created_at.to_rfc3339(),
            payments,
            deposits,
        })
    }

    /// A payment with every event, Gate call and callback (the admin API's history).
    pub async fn payment_detail(&self, payment_id: &str) -> Result<PaymentDetail, ServiceError> {
        let record = self.payment(payment_id).await?;
        let events = self.db().events_of(payment_id).await?;
        let events = events.into_iter().map(|e| EventEntry { source: e.source, event: e.event, changed: e.changed, at: e.at.to_rfc3339() }).collect();
        let gate_calls = self.db().gate_calls_of(payment_id).await?;
        let gate_calls = gate_calls.into_iter().map(|g| GateCallEntry { endpoint: g.endpoint, http_status: g.http_status, error: g.error }).collect();
        let callbacks = self.db().callbacks_of(payment_id).await?;
        let callbacks = callbacks.into_iter().map(|c| CallbackEntry { verified: c.verified, result: c.result, applied: c.applied }).collect();
        let order = match &record.session_token {
            Some(token) => self.order_of(token).await?,
            None => ShopOrder::default(),
        };
        Ok(PaymentDetail { payment: record.view(self.now()), session: record.session_token, events, gate_calls, callbacks, order })
    }
}
