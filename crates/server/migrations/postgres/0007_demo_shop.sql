-- Issue 32: the demo shop's record of the webhooks its own endpoint received (`--demo-shop`
-- only): what a shop's server keeps to fulfil an order from a signed webhook, never from the
-- customer's browser. A real shop keeps this in its own database, not in the backend's.
CREATE TABLE demo_shop_webhooks (
    id BIGSERIAL PRIMARY KEY,
    -- The order (session) the body names; NULL when the body names none.
    session_token TEXT,
    event_id TEXT,
    event_type TEXT,
    -- 1 when the Checkout-Signature verified with the shop's secret.
    verified BIGINT NOT NULL,
    -- Why it did not verify.
    problem TEXT,
    received_at BIGINT NOT NULL
);
CREATE INDEX demo_shop_webhooks_by_session ON demo_shop_webhooks (session_token, id);
