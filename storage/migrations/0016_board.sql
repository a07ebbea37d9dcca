-- The public board (issue #14): each idea's status history with the moderators' public notes,
-- and each idea's "heat" for the board's trending order.
--
-- A row is written by a trigger whenever an idea's status changes, by any route (a moderator's
-- /idea status, a support threshold, a round's close, a merge), so the history is written in
-- the same transaction as the change and can never miss one. The moderator's note (the reason
-- given with /idea status) is set on that row by the same command.
CREATE TABLE idea_status_history (
    id           INTEGER PRIMARY KEY,
    community_id TEXT NOT NULL,
    idea_id      INTEGER NOT NULL REFERENCES ideas (id),
    status       TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    changed_at   TEXT NOT NULL
);
CREATE INDEX idea_status_history_idea ON idea_status_history (idea_id, status, id);

CREATE TRIGGER ideas_status_history AFTER UPDATE OF status ON ideas
WHEN OLD.status <> NEW.status
BEGIN
    INSERT INTO idea_status_history (community_id, idea_id, status, changed_at)
    VALUES (NEW.community_id, NEW.id, NEW.status, NEW.updated_at);
END;

-- ideas that moved on before the history existed keep their current status as its one entry
INSERT INTO idea_status_history (community_id, idea_id, status, note, changed_at)
SELECT community_id, id, status, CASE WHEN status = 'declined' THEN decline_reason ELSE '' END,
       updated_at
FROM ideas WHERE status NOT IN ('new', 'pending');

-- the board's pages filter by status and page by id: one range per status, read from the index
CREATE INDEX ideas_board ON ideas (community_id, status, id);

-- Trending: support weighted by age, each vote's weight halving every 3.5 days (a week-old vote
-- counts a quarter; bot/ports/board.py HEAT_HALF_LIFE_DAYS). Kept beside the tally by triggers on
-- votes: ``heat`` is the weighted sum as of ``heat_at`` (a julian day), so the board orders by
-- heat * 2^((heat_at - now) / 3.5) and reads one row per idea, never the votes. Every exponent is
-- at most 0: nothing overflows however long the bot runs.
ALTER TABLE idea_tallies ADD COLUMN heat REAL NOT NULL DEFAULT 0;
ALTER TABLE idea_tallies ADD COLUMN heat_at REAL NOT NULL DEFAULT 0;

UPDATE idea_tallies SET heat_at = ifnull(
    (SELECT max(julianday(v.updated_at)) FROM votes v
     WHERE v.idea_id = idea_tallies.idea_id AND v.value > 0), 0);
UPDATE idea_tallies SET heat = ifnull(
    (SELECT sum(pow(2, (julianday(v.updated_at) - idea_tallies.heat_at) / 3.5)) FROM votes v
     WHERE v.idea_id = idea_tallies.idea_id AND v.value > 0), 0);

-- a vote adds its weight (an upsert: triggers on one event run in no promised order, so this
-- one may come before the tally's own insert)
CREATE TRIGGER votes_heat_insert AFTER INSERT ON votes
WHEN NEW.value > 0
BEGIN
    INSERT INTO idea_tallies (idea_id, heat, heat_at)
    VALUES (NEW.idea_id, 1, julianday(NEW.updated_at))
    ON CONFLICT (idea_id) DO UPDATE SET
        heat = heat * pow(2, (heat_at - max(heat_at, excluded.heat_at)) / 3.5)
             + pow(2, (excluded.heat_at - max(heat_at, excluded.heat_at)) / 3.5),
        heat_at = max(heat_at, excluded.heat_at);
END;

-- a retracted vote takes its weight back
CREATE TRIGGER votes_heat_delete AFTER DELETE ON votes
WHEN OLD.value > 0
BEGIN
    UPDATE idea_tallies SET
        heat = max(0, heat * pow(2, (heat_at - max(heat_at, julianday(OLD.updated_at))) / 3.5)
                    - pow(2, (julianday(OLD.updated_at)
                              - max(heat_at, julianday(OLD.updated_at))) / 3.5)),
        heat_at = max(heat_at, julianday(OLD.updated_at))
    WHERE idea_id = OLD.idea_id;
END;

-- a changed vote: the old weight out, the new one in (a vote is dated by its last change)
CREATE TRIGGER votes_heat_update AFTER UPDATE OF value, idea_id, updated_at ON votes
BEGIN
    UPDATE idea_tallies SET
        heat = max(0, heat * pow(2, (heat_at - max(heat_at, julianday(OLD.updated_at))) / 3.5)
                    - pow(2, (julianday(OLD.updated_at)
                              - max(heat_at, julianday(OLD.updated_at))) / 3.5)),
        heat_at = max(heat_at, julianday(OLD.updated_at))
    WHERE idea_id = OLD.idea_id AND OLD.value > 0;
    INSERT INTO idea_tallies (idea_id, heat, heat_at)
    SELECT NEW.idea_id, 1, julianday(NEW.updated_at) WHERE NEW.value > 0
    ON CONFLICT (idea_id) DO UPDATE SET
        heat = heat * pow(2, (heat_at - max(heat_at, excluded.heat_at)) / 3.5)
             + pow(2, (excluded.heat_at - max(heat_at, excluded.heat_at)) / 3.5),
        heat_at = max(heat_at, excluded.heat_at);
END;
