-- Reward catalogue and redemptions.
-- A redemption holds its points by a negative ledger entry (idem key "redeem:<id>") written in
-- the same transaction as the row; approval spends them, rejection reverses the hold.
-- Stock is what is left to hand out: approval decrements it, and new requests also count the
-- ones still held, so a reward cannot be promised twice. NULL stock means unlimited.

CREATE TABLE rewards (
    id           INTEGER PRIMARY KEY,
    community_id TEXT NOT NULL,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    name_key     TEXT NOT NULL,
    cost         INTEGER NOT NULL CHECK (cost > 0),
    stock        INTEGER CHECK (stock IS NULL OR stock >= 0),
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at   TEXT NOT NULL
);
-- One live reward per name (case- and space-insensitive); removed ones free the name.
CREATE UNIQUE INDEX rewards_live_name ON rewards (community_id, name_key) WHERE active = 1;

CREATE TABLE redemptions (
    id           INTEGER PRIMARY KEY,
    community_id TEXT NOT NULL,
    reward_id    INTEGER NOT NULL REFERENCES rewards (id),
    member_id    TEXT NOT NULL,
    cost         INTEGER NOT NULL CHECK (cost > 0),
    status       TEXT NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'approved', 'rejected')),
    reason       TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    decided_at   TEXT,
    decided_by   TEXT,
    CHECK ((status = 'held') = (decided_at IS NULL))
);
CREATE INDEX redemptions_queue ON redemptions (community_id, status, id);
CREATE INDEX redemptions_reward ON redemptions (reward_id, status);
CREATE INDEX redemptions_member ON redemptions (community_id, member_id, id);
