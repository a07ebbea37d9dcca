-- Rounds, schedules, the outbox and seasons (campaigns issue).
--
-- campaigns.phase stays the one guard every transition updates conditionally; rounds keep each
-- run's due times and results; the outbox holds what a transition must tell people, written in
-- the same transaction as the transition.

ALTER TABLE campaigns ADD COLUMN channel_id TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN current_round INTEGER;
ALTER TABLE campaigns ADD COLUMN paused_phase TEXT;
ALTER TABLE campaigns ADD COLUMN paused_at TEXT;
-- recurrence ("mon 09:00"), '' for a one-off campaign
ALTER TABLE campaigns ADD COLUMN schedule TEXT NOT NULL DEFAULT '';
-- window lengths for the rounds of a recurring campaign, in seconds
ALTER TABLE campaigns ADD COLUMN submit_seconds INTEGER;
ALTER TABLE campaigns ADD COLUMN vote_seconds INTEGER;

CREATE TABLE rounds (
    id           INTEGER PRIMARY KEY,
    community_id TEXT NOT NULL,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id),
    number       INTEGER NOT NULL,
    phase        TEXT NOT NULL CHECK (phase IN ('scheduled', 'submissions', 'voting', 'closed', 'cancelled')),
    opens_at     TEXT NOT NULL,   -- when submissions open (voting, in a pick campaign)
    voting_at    TEXT,            -- when voting opens; NULL: a moderator opens it
    closes_at    TEXT,            -- when voting closes; NULL: a moderator closes it
    remind_at    TEXT,            -- when the "closing soon" reminder goes out; NULL: none
    reminded     INTEGER NOT NULL DEFAULT 0,
    results      TEXT NOT NULL DEFAULT '',  -- JSON of the ranked results once closed
    created_at   TEXT NOT NULL,
    closed_at    TEXT,
    UNIQUE (campaign_id, number)
);

-- every existing campaign becomes its first round
INSERT INTO rounds (community_id, campaign_id, number, phase, opens_at, created_at, closed_at)
SELECT community_id, id, 1,
       CASE WHEN phase = 'paused' THEN 'submissions' ELSE phase END,
       created_at, created_at, closed_at
FROM campaigns;
UPDATE campaigns SET current_round = (SELECT r.id FROM rounds r WHERE r.campaign_id = campaigns.id);
UPDATE campaigns SET paused_phase = 'submissions' WHERE phase = 'paused';

ALTER TABLE ideas ADD COLUMN round_id INTEGER REFERENCES rounds (id);
UPDATE ideas SET round_id = (SELECT c.current_round FROM campaigns c WHERE c.id = ideas.campaign_id)
WHERE campaign_id IS NOT NULL;

-- seasons: a campaign's points are the ledger entries that refer to it or to its ideas
CREATE INDEX ledger_ref ON ledger (community_id, ref);

CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    community_id TEXT NOT NULL,
    key          TEXT NOT NULL,                      -- what it announces, e.g. round:7:voting
    target       TEXT NOT NULL CHECK (target IN ('channel', 'member')),
    address      TEXT NOT NULL,                      -- channel id or member id
    payload      TEXT NOT NULL,                      -- JSON of the message
    created_at   TEXT NOT NULL,
    due_at       TEXT NOT NULL,                      -- next attempt
    attempts     INTEGER NOT NULL DEFAULT 0,
    sent_at      TEXT,                               -- last attempt started (crash → resent with its key)
    delivered_at TEXT,
    message_id   TEXT,
    failed       TEXT NOT NULL DEFAULT '',           -- why it was given up, if it was
    UNIQUE (community_id, key, target, address)
);
CREATE INDEX outbox_pending ON outbox (due_at) WHERE delivered_at IS NULL;
