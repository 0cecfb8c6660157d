-- Issue 32: the shop's own order id and notes on a session, so a shop finds a session by its
-- order and every admin view names the order it belongs to.

-- The shop's order id (at most 64 characters); NULL when the shop gave none. Not unique: a shop
-- may open a new session for the same order after the first expired.
ALTER TABLE sessions ADD COLUMN reference TEXT;
-- The shop's notes as a JSON object of strings (at most 20 keys).
ALTER TABLE sessions ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
CREATE INDEX sessions_by_reference ON sessions (reference, created_at);
