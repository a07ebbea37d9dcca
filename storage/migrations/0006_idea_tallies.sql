-- Each idea's tally, kept by triggers on votes: a card edit or a batch of reactions reads one
-- row per idea instead of counting every vote the idea ever got.

CREATE TABLE idea_tallies (
    idea_id INTEGER PRIMARY KEY REFERENCES ideas (id),
    voters  INTEGER NOT NULL DEFAULT 0,
    up      INTEGER NOT NULL DEFAULT 0,
    down    INTEGER NOT NULL DEFAULT 0,
    total   INTEGER NOT NULL DEFAULT 0
);

INSERT INTO idea_tallies (idea_id, voters, up, down, total)
SELECT idea_id, count(*), count(*) FILTER (WHERE value > 0), count(*) FILTER (WHERE value < 0),
       sum(value)
FROM votes GROUP BY idea_id;

CREATE TRIGGER votes_tally_insert AFTER INSERT ON votes
BEGIN
    INSERT INTO idea_tallies (idea_id, voters, up, down, total)
    VALUES (NEW.idea_id, 1, NEW.value > 0, NEW.value < 0, NEW.value)
    ON CONFLICT (idea_id) DO UPDATE SET
        voters = voters + 1, up = up + (NEW.value > 0), down = down + (NEW.value < 0),
        total = total + NEW.value;
END;

CREATE TRIGGER votes_tally_delete AFTER DELETE ON votes
BEGIN
    UPDATE idea_tallies SET
        voters = voters - 1, up = up - (OLD.value > 0), down = down - (OLD.value < 0),
        total = total - OLD.value
    WHERE idea_id = OLD.idea_id;
END;

CREATE TRIGGER votes_tally_update AFTER UPDATE OF value, idea_id ON votes
BEGIN
    UPDATE idea_tallies SET
        voters = voters - 1, up = up - (OLD.value > 0), down = down - (OLD.value < 0),
        total = total - OLD.value
    WHERE idea_id = OLD.idea_id;
    INSERT INTO idea_tallies (idea_id, voters, up, down, total)
    VALUES (NEW.idea_id, 1, NEW.value > 0, NEW.value < 0, NEW.value)
    ON CONFLICT (idea_id) DO UPDATE SET
        voters = voters + 1, up = up + (NEW.value > 0), down = down + (NEW.value < 0),
        total = total + NEW.value;
END;
