-- Duplicate titles are compared after NFKC, case folding and dropping invisible characters
-- (bot/text_clean.py: title_key). Every stored key is recomputed with that rule;
-- cocreate_title_key is the engine's function, registered on the connection (storage/sqlite/db.py).
--
-- Live ideas in one round whose titles only now turn out equal were both accepted before: the
-- oldest keeps the plain key, each later one gets its id appended after a control character
-- (which no computed key contains), so nothing is lost and the unique index holds again.
DROP INDEX ideas_live_title;
UPDATE ideas SET title_key = cocreate_title_key(title);
UPDATE ideas SET title_key = title_key || char(31) || id
WHERE status NOT IN ('withdrawn', 'merged', 'rejected')
  AND EXISTS (
    SELECT 1 FROM ideas AS older
    WHERE older.community_id = ideas.community_id
      AND ifnull(older.campaign_id, 0) = ifnull(ideas.campaign_id, 0)
      AND ifnull(older.round_id, 0) = ifnull(ideas.round_id, 0)
      AND older.title_key = ideas.title_key
      AND older.status NOT IN ('withdrawn', 'merged', 'rejected')
      AND older.id < ideas.id
  );
CREATE UNIQUE INDEX ideas_live_title ON ideas (community_id, ifnull(campaign_id, 0), ifnull(round_id, 0), title_key)
    WHERE status NOT IN ('withdrawn', 'merged', 'rejected');
