//! What the admin API lists: recent payments with their refunds and duplicates, and one
//! payment's whole history.

use std::collections::HashMap;

use checkout_protocol::state::PaymentKind;

use crate::db::PaymentRecord;
use crate::error::ServiceError;
use crate::views::{payment_view, AdminPaymentEntry, CallbackEntry, EventEntry, GateCallEntry, PaymentDetail, RefundEntry};
use crate::App;

impl App {
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
                .map(|r| RefundEntry { amount: r.amount, status: r.status, reason: r.reason })
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
        let events = events.into_iter().map(|e| EventEntry { source: e.source, event: e.event, changed: e.changed, at: e.at.to_rfc3339() }).collect();
        let gate_calls = self.db().gate_calls_of(payment_id).await?;
        let gate_calls = gate_calls.into_iter().map(|g| GateCallEntry { endpoint: g.endpoint, http_status: g.http_status, error: g.error }).collect();
        let callbacks = self.db().callbacks_of(payment_id).await?;
        let callbacks = callbacks.into_iter().map(|c| CallbackEntry { verified: c.verified, result: c.result, applied: c.applied }).collect();
        Ok(PaymentDetail { payment: payment_view(&record, self.now()), session: record.session_token, events, gate_calls, callbacks })
    }
}
