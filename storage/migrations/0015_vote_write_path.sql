-- What one accepted vote writes, made smaller (issue #12): the same rules, fewer B-trees and
-- trigger programs per row. Measured with benchmarks.ceiling (the rows the vote batches write,
-- by plain sqlite3); every invariant below is still kept by the schema itself.

-- 1. votes_voter (community, voter) served only a community's export, which now reaches the
--    votes through the community's ideas (ideas_campaign) and each idea's primary key. One
--    index less on every vote, at a random place (the voter).
DROP INDEX votes_voter;

-- 2. The period leaderboards (this week, this month) read entries from a time on; they look
--    each entry up for its rule anyway, so member and amount in the index bought nothing.
DROP INDEX ledger_time;
CREATE INDEX ledger_time ON ledger (community_id, created_at);

-- 3. A vote's two checks (0009: a closed round is final, no self-vote) in one trigger program
--    instead of two, with the same refusals.
DROP TRIGGER votes_final_insert;
DROP TRIGGER votes_not_own_insert;
CREATE TRIGGER votes_checked_insert BEFORE INSERT ON votes
BEGIN
    SELECT RAISE(ABORT, 'votes_final: the round of this idea is closed')
    WHERE (SELECT r.phase FROM ideas i JOIN rounds r ON r.id = i.round_id
           WHERE i.id = NEW.idea_id) IN ('closed', 'cancelled');
    SELECT RAISE(ABORT, 'votes_not_own: a member cannot vote for their own idea')
    WHERE NEW.voter_id = (SELECT author_id FROM ideas WHERE id = NEW.idea_id)
      AND NOT ifnull((SELECT json_extract(settings_json, '$.allow_self_votes') FROM communities
                      WHERE id = NEW.community_id), 0);
END;
