-- Titles are unique per round: a repeating campaign may see last week's idea proposed again.
DROP INDEX ideas_live_title;
CREATE UNIQUE INDEX ideas_live_title ON ideas (community_id, ifnull(campaign_id, 0), ifnull(round_id, 0), title_key)
    WHERE status NOT IN ('withdrawn', 'merged', 'rejected');
-- a round's ideas, for its close and `/campaign show`
CREATE INDEX ideas_round ON ideas (round_id);
