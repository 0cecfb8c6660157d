-- The per-address limits (README, "Limits"): one row per admitted thing (a code checked, a
-- payment started, a session created) in its fixed window. The primary key makes a repeat of the
-- same thing (a double click, a parallel retry) count once.
CREATE TABLE rate_hits (
    bucket TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    item TEXT NOT NULL,
    PRIMARY KEY (bucket, window_start, item)
);

-- A callback that fails verification is kept only as a bounded prefix of its body and the digest
-- of all of it (callbacks.rs), so strangers cannot fill the database.
ALTER TABLE callback_log ADD COLUMN digest TEXT;
