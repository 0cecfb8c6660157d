-- Issue 32: Idempotency-Key on the admin API's writes (sessions, refunds, payouts).

-- One row per key the shop sent, kept 24 hours. The first request inserts it (the primary key
-- decides which of parallel requests runs) and holds it `running` under a lease; its answer is
-- stored with it (`done`) so a repeat gets the same answer. A claim whose holder died is taken
-- over when its lease ends, by compare-and-set on `owner`; `claim` stays the same.
CREATE TABLE idempotency_keys (
    idempotency_key TEXT PRIMARY KEY,
    -- SHA-256 of the method, the path and the body (JSON with sorted keys).
    fingerprint TEXT NOT NULL,
    -- This use of the key: the money rows the request writes carry it (below).
    claim TEXT NOT NULL,
    -- 'running' or 'done'.
    state TEXT NOT NULL,
    -- Which attempt holds a running claim, and until when (ms).
    owner TEXT NOT NULL,
    locked_until BIGINT NOT NULL,
    response_status BIGINT,
    response_body TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

-- The write that moves money carries the claim under a unique index, so a request run again
-- (its holder killed mid-way, the lease taken over) finds what the first run made instead of
-- making it twice, whatever the keys table says.
ALTER TABLE refunds ADD COLUMN idempotency_claim TEXT;
CREATE UNIQUE INDEX refunds_by_idempotency_claim ON refunds (idempotency_claim);
ALTER TABLE payments ADD COLUMN idempotency_claim TEXT;
CREATE UNIQUE INDEX payments_by_idempotency_claim ON payments (idempotency_claim);
ALTER TABLE sessions ADD COLUMN idempotency_claim TEXT;
CREATE UNIQUE INDEX sessions_by_idempotency_claim ON sessions (idempotency_claim);
