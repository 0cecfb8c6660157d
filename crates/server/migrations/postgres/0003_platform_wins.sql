-- Issue 23: the platform's word about money wins over the backend's own conclusions.

-- When the customer last left the Payment Page (the widget reports its close): a Payment Page
-- payment is abandoned only when a status request made at least the platform's status delay
-- after that moment answers "not found".
ALTER TABLE payments ADD COLUMN page_left_at BIGINT;
-- The earliest time the next status request about the payment may be made, when the platform
-- said "too early" or the page was just left; NULL when only our own requests set it.
ALTER TABLE payments ADD COLUMN status_due_at BIGINT;
-- 1 when a platform verdict replaced a conclusion of ours (not_sent, abandoned). Such a payment
-- may be a second paid payment of its session, so it stands outside the one-payment index; a
-- paid one still keeps new payments out (Db::claim_session_payment), and the backend refunds a
-- duplicate (service.rs, settle_duplicates).
ALTER TABLE payments ADD COLUMN overruled BIGINT NOT NULL DEFAULT 0;
-- Why the backend refunded of its own accord (a duplicate payment of a session); NULL for the
-- merchant's refunds.
ALTER TABLE refunds ADD COLUMN reason TEXT;

DROP INDEX payments_one_per_session;
CREATE UNIQUE INDEX payments_one_per_session ON payments (session_token)
    WHERE kind <> 'cash_in' AND state NOT IN ('declined', 'failed') AND overruled = 0;
