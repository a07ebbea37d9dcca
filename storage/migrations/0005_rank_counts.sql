-- How many members hold each earned total, per community: a member's rank becomes a sum over
-- the distinct totals above theirs (a few thousand rows) instead of a count over every member
-- ahead of them (up to millions). Kept by triggers, so it can never drift from balances.

CREATE TABLE earned_counts (
    community_id TEXT NOT NULL,
    earned       INTEGER NOT NULL,
    members      INTEGER NOT NULL CHECK (members >= 0),
    PRIMARY KEY (community_id, earned)
) WITHOUT ROWID;

INSERT INTO earned_counts (community_id, earned, members)
SELECT community_id, earned, count(*) FROM balances GROUP BY community_id, earned;

CREATE TRIGGER balances_counted AFTER INSERT ON balances
BEGIN
    INSERT INTO earned_counts (community_id, earned, members)
    VALUES (NEW.community_id, NEW.earned, 1)
    ON CONFLICT (community_id, earned) DO UPDATE SET members = members + 1;
END;

CREATE TRIGGER balances_recounted AFTER UPDATE OF earned ON balances
WHEN OLD.earned <> NEW.earned
BEGIN
    -- a total nobody holds any more stays as a row of 0: it adds nothing to a rank
    UPDATE earned_counts SET members = members - 1
    WHERE community_id = OLD.community_id AND earned = OLD.earned;
    INSERT INTO earned_counts (community_id, earned, members)
    VALUES (NEW.community_id, NEW.earned, 1)
    ON CONFLICT (community_id, earned) DO UPDATE SET members = members + 1;
END;
