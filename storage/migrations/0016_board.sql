-- The public board (issue #14): each idea's status history with the moderators' public notes,
-- and an index for the board's "trending" order.
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

-- trending reads only the last days' votes of one community
CREATE INDEX votes_recent ON votes (community_id, updated_at);
