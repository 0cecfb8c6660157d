-- Checkout sessions: what the merchant sells and to whom, fixed on the server.
CREATE TABLE sessions (
    token TEXT PRIMARY KEY,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    customer_first_name TEXT NOT NULL,
    customer_last_name TEXT NOT NULL,
    customer_email TEXT NOT NULL,
    methods TEXT NOT NULL,
    locale TEXT,
    description TEXT,
    current_payment_id TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX sessions_customer ON sessions (customer_id);

-- Payments and their state machine (checkout_protocol::state::Payment as JSON).
CREATE TABLE payments (
    payment_id TEXT PRIMARY KEY,
    session_token TEXT REFERENCES sessions (token),
    kind TEXT NOT NULL,
    via TEXT NOT NULL,
    phone TEXT,
    operator TEXT,
    customer_ip TEXT,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    machine TEXT NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_gate_request_at INTEGER NOT NULL,
    last_status_check_at INTEGER
);
CREATE INDEX payments_session ON payments (session_token);
CREATE INDEX payments_open ON payments (state);

-- Every event applied to a payment, in order.
CREATE TABLE payment_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_id TEXT NOT NULL REFERENCES payments (payment_id),
    source TEXT NOT NULL,
    event TEXT NOT NULL,
    changed INTEGER NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX payment_events_payment ON payment_events (payment_id);

-- Append-only: every Gate request and its answer.
CREATE TABLE gate_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_id TEXT,
    endpoint TEXT NOT NULL,
    request TEXT NOT NULL,
    http_status INTEGER,
    response TEXT,
    error TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX gate_log_payment ON gate_log (payment_id);

-- Append-only: every callback received, verified or not, and what became of it.
CREATE TABLE callback_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_id TEXT,
    raw TEXT NOT NULL,
    verified INTEGER NOT NULL,
    result TEXT NOT NULL,
    applied INTEGER NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX callback_log_pending ON callback_log (applied, verified);

-- Refund requests, so two quick refunds can never together exceed what was paid.
CREATE TABLE refunds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_id TEXT NOT NULL REFERENCES payments (payment_id),
    amount INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX refunds_payment ON refunds (payment_id);
