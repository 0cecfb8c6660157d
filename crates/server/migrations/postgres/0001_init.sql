-- The schema of migrations/sqlite/ as it stands after all of them, in PostgreSQL's types. Every
-- query in src/db.rs runs unchanged on both.

CREATE TABLE sessions (
    token TEXT PRIMARY KEY,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    customer_first_name TEXT NOT NULL,
    customer_last_name TEXT NOT NULL,
    customer_email TEXT NOT NULL,
    methods TEXT NOT NULL,
    locale TEXT,
    description TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX sessions_customer ON sessions (customer_id);

CREATE TABLE payments (
    payment_id TEXT PRIMARY KEY,
    session_token TEXT REFERENCES sessions (token),
    kind TEXT NOT NULL,
    via TEXT NOT NULL,
    phone TEXT,
    operator TEXT,
    customer_ip TEXT,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    machine TEXT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_status_check_at BIGINT
);
CREATE INDEX payments_session ON payments (session_token);
CREATE INDEX payments_open ON payments (state);
CREATE INDEX payments_session_created ON payments (session_token, created_at);
CREATE UNIQUE INDEX payments_one_per_session ON payments (session_token)
    WHERE kind <> 'cash_in' AND state NOT IN ('declined', 'failed');
CREATE UNIQUE INDEX payments_one_pending_deposit ON payments (session_token, amount)
    WHERE kind = 'cash_in' AND state = 'processing';

CREATE TABLE payment_events (
    id BIGSERIAL PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments (payment_id),
    source TEXT NOT NULL,
    event TEXT NOT NULL,
    changed BIGINT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX payment_events_payment ON payment_events (payment_id);

CREATE TABLE gate_log (
    id BIGSERIAL PRIMARY KEY,
    payment_id TEXT,
    endpoint TEXT NOT NULL,
    request TEXT NOT NULL,
    http_status BIGINT,
    response TEXT,
    error TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX gate_log_payment ON gate_log (payment_id);

CREATE TABLE callback_log (
    id BIGSERIAL PRIMARY KEY,
    payment_id TEXT,
    raw TEXT NOT NULL,
    verified BIGINT NOT NULL,
    result TEXT NOT NULL,
    applied BIGINT NOT NULL,
    at BIGINT NOT NULL,
    dedup_key TEXT
);
CREATE INDEX callback_log_pending ON callback_log (applied, verified);
CREATE UNIQUE INDEX callback_log_dedup ON callback_log (dedup_key);

CREATE TABLE refunds (
    id BIGSERIAL PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments (payment_id),
    amount BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX refunds_payment ON refunds (payment_id);

CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
