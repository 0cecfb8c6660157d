-- Issue 32: the webhook outbox. An event is inserted by the transaction of the change that
-- causes it (db/events.rs), so a crash can neither lose an event nor announce a change that was
-- rolled back; deliveries follow in the background (service/webhooks.rs).

CREATE TABLE webhook_events (
    -- The feed's order: the order events were committed in (their inserts are serialised).
    seq BIGSERIAL PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    payment_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    -- The JSON body exactly as signed and sent, every time.
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- 'pending' (to be delivered), 'delivered' (a 2xx), 'failed' (the retries ran out).
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    -- The instance making an attempt now, and until when its claim holds.
    lease_owner TEXT,
    lease_until BIGINT,
    delivered_at BIGINT
);
CREATE INDEX webhook_events_due ON webhook_events (state, next_attempt_at);
CREATE INDEX webhook_events_by_payment ON webhook_events (payment_id, seq);

-- Every delivery attempt, for GET /admin/events/{id}.
CREATE TABLE webhook_attempts (
    id BIGSERIAL PRIMARY KEY,
    event_id TEXT NOT NULL,
    attempted_at BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    -- The shop's HTTP status, or why there was none.
    http_status BIGINT,
    error TEXT,
    instance TEXT NOT NULL
);
CREATE INDEX webhook_attempts_by_event ON webhook_attempts (event_id, id);
