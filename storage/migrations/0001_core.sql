-- Core schema: communities, idempotency, audit, members, campaigns, ideas, votes, ledger.
-- Invariants live here, not only in Python: one vote per (idea, voter), one ledger entry per
-- idempotency key, an append-only ledger whose sum is the materialised balance (kept by trigger).

CREATE TABLE communities (
    id            TEXT PRIMARY KEY,
    platform      TEXT NOT NULL,
    name          TEXT NOT NULL DEFAULT '',
    settings_json TEXT NOT NULL DEFAULT '{}',
    created_at    TEXT NOT NULL
);

CREATE TABLE processed_events (
    community_id TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    handled_at   TEXT NOT NULL,
    PRIMARY KEY (community_id, event_id)
) WITHOUT ROWID;

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    community_id TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    action       TEXT NOT NULL,
    target       TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL
);
CREATE INDEX audit_log_community ON audit_log (community_id, id);

CREATE TABLE members (
    community_id TEXT NOT NULL,
    member_id    TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    last_seen    TEXT NOT NULL,
    PRIMARY KEY (community_id, member_id)
) WITHOUT ROWID;

CREATE TABLE campaigns (
    id           INTEGER PRIMARY KEY,
    community_id TEXT NOT NULL,
    name         TEXT NOT NULL,
    brief        TEXT NOT NULL DEFAULT '',
    mode         TEXT NOT NULL CHECK (mode IN ('contest', 'board', 'milestone', 'pick')),
    phase        TEXT NOT NULL CHECK (phase IN ('scheduled', 'submissions', 'voting', 'closed', 'paused', 'cancelled')),
    winners      INTEGER NOT NULL DEFAULT 3,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    closed_at    TEXT
);
CREATE UNIQUE INDEX campaigns_name ON campaigns (community_id, lower(name));

CREATE TABLE ideas (
    id             INTEGER PRIMARY KEY,
    community_id   TEXT NOT NULL,
    campaign_id    INTEGER REFERENCES campaigns (id),
    title          TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    title_key      TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    author_id      TEXT NOT NULL,
    author_name    TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    decline_reason TEXT NOT NULL DEFAULT '',
    merged_into    INTEGER REFERENCES ideas (id),
    origin_channel TEXT NOT NULL DEFAULT '',
    channel_id     TEXT,
    message_id     TEXT,
    thread_id      TEXT,
    thread_url     TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX ideas_live_title ON ideas (community_id, ifnull(campaign_id, 0), title_key)
    WHERE status NOT IN ('withdrawn', 'merged', 'rejected');
CREATE UNIQUE INDEX ideas_card ON ideas (community_id, message_id) WHERE message_id IS NOT NULL;
CREATE INDEX ideas_thread ON ideas (community_id, thread_id);
CREATE INDEX ideas_author ON ideas (community_id, author_id, created_at);
CREATE INDEX ideas_campaign ON ideas (community_id, campaign_id, status);

CREATE TABLE votes (
    community_id TEXT NOT NULL,
    idea_id      INTEGER NOT NULL REFERENCES ideas (id),
    voter_id     TEXT NOT NULL,
    value        INTEGER NOT NULL CHECK (value BETWEEN -1 AND 5 AND value <> 0),
    emoji        TEXT NOT NULL,
    -- the ledger keys this vote paid under, so a retraction reverses exactly those
    cast_key     TEXT NOT NULL DEFAULT '',
    received_key TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (idea_id, voter_id)
) WITHOUT ROWID;
CREATE INDEX votes_voter ON votes (community_id, voter_id);

CREATE TABLE milestones_reached (
    idea_id    INTEGER NOT NULL REFERENCES ideas (id),
    threshold  INTEGER NOT NULL,
    reached_at TEXT NOT NULL,
    PRIMARY KEY (idea_id, threshold)
) WITHOUT ROWID;

CREATE TABLE ledger (
    id           INTEGER PRIMARY KEY,
    community_id TEXT NOT NULL,
    member_id    TEXT NOT NULL,
    amount       INTEGER NOT NULL,
    rule         TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    idem_key     TEXT NOT NULL,
    ref          TEXT NOT NULL DEFAULT '',
    actor_id     TEXT NOT NULL DEFAULT '',
    day          TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (community_id, idem_key)
);
-- (community, member) lookups (history, caps) share this one index: every index is paid per vote
CREATE INDEX ledger_rule_day ON ledger (community_id, member_id, rule, day);
CREATE INDEX ledger_time ON ledger (community_id, created_at, member_id, amount);

CREATE TABLE balances (
    community_id TEXT NOT NULL,
    member_id    TEXT NOT NULL,
    balance      INTEGER NOT NULL DEFAULT 0,
    -- points earned by contributing: the balance before spending on rewards (leaderboards)
    earned       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (community_id, member_id)
) WITHOUT ROWID;
CREATE INDEX balances_rank ON balances (community_id, earned DESC);

CREATE TRIGGER ledger_balance AFTER INSERT ON ledger
BEGIN
    INSERT INTO balances (community_id, member_id, balance, earned)
    VALUES (NEW.community_id, NEW.member_id, NEW.amount,
            CASE WHEN NEW.rule = 'redemption' THEN 0 ELSE NEW.amount END)
    ON CONFLICT (community_id, member_id) DO UPDATE SET
        balance = balance + NEW.amount,
        earned = earned + CASE WHEN NEW.rule = 'redemption' THEN 0 ELSE NEW.amount END;
END;

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only');
END;

CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only');
END;
