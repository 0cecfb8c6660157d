-- Exactly once, enforced by the schema (ARCHITECTURE.md, "Invariants").

-- A session's payment is no longer a pointer to update: it is the one payment that the unique
-- index below allows, so two requests can never both think they own the session.
ALTER TABLE sessions DROP COLUMN current_payment_id;

-- When the platform last accepted a request about a payment is read from gate_log, not kept twice.
ALTER TABLE payments DROP COLUMN last_gate_request_at;

-- At most one payment per session that is running or paid, whatever the method. Declined and
-- failed payments (including those never sent and Payment Page payments confirmed abandoned)
-- leave the index, so the customer can try again. Cash-in deposits have their own rule.
CREATE UNIQUE INDEX payments_one_per_session ON payments (session_token)
    WHERE kind <> 'cash_in' AND state NOT IN ('declined', 'failed');

-- A repeated `check_deposit` for the same account and amount while that deposit is still
-- pending gets the same payment id back (platform.md §7, decision on repeated requests).
CREATE UNIQUE INDEX payments_one_pending_deposit ON payments (session_token, amount)
    WHERE kind = 'cash_in' AND state = 'processing';

-- Callbacks deduplicated by what they say: the key is the signature, an HMAC of every field, so
-- a platform retry or a replay of the same callback is recorded once.
ALTER TABLE callback_log ADD COLUMN dedup_key TEXT;
CREATE UNIQUE INDEX callback_log_dedup ON callback_log (dedup_key);

-- Work that must run on one instance at a time (reconciliation, start-up recovery).
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE INDEX payments_session_created ON payments (session_token, created_at);
