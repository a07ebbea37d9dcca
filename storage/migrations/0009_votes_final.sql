-- Votes a community can trust: each idea keeps its voting scheme, a closed round's votes are
-- final, and nobody votes for their own idea.
--
-- 1. The voting an idea was created with: its mode and the emojis that stand for a vote (a JSON
--    list; up: [+1], updown: [+1, -1], scale: [1, 2, 3, 4, 5]). A later change of the
--    community's vote_mode or emojis applies to new ideas only, so it never reinterprets the
--    votes an idea already holds. Existing ideas get the community's settings of today.
ALTER TABLE ideas ADD COLUMN vote_mode TEXT NOT NULL DEFAULT 'up'
    CHECK (vote_mode IN ('up', 'updown', 'scale'));
ALTER TABLE ideas ADD COLUMN vote_emojis TEXT NOT NULL DEFAULT '["👍"]';

UPDATE ideas SET vote_mode = ifnull(
    (SELECT json_extract(c.settings_json, '$.vote_mode') FROM communities c
     WHERE c.id = ideas.community_id), 'up');
UPDATE ideas SET vote_emojis = ifnull(
    (SELECT CASE ideas.vote_mode
                WHEN 'scale' THEN ifnull(json_extract(c.settings_json, '$.scale_emojis'),
                                         json_array('1️⃣', '2️⃣', '3️⃣', '4️⃣', '5️⃣'))
                WHEN 'updown' THEN json_array(
                    ifnull(json_extract(c.settings_json, '$.emoji_up'), '👍'),
                    ifnull(json_extract(c.settings_json, '$.emoji_down'), '👎'))
                ELSE json_array(ifnull(json_extract(c.settings_json, '$.emoji_up'), '👍'))
            END
     FROM communities c WHERE c.id = ideas.community_id), '["👍"]');

-- 2. A closed round is final: no vote on an idea of a closed (or cancelled) round is added,
--    changed, moved or removed. The engine refuses these first with a friendly reply; this is
--    the backstop for any path that forgets to ask.
CREATE TRIGGER votes_final_insert BEFORE INSERT ON votes
WHEN (SELECT r.phase FROM ideas i JOIN rounds r ON r.id = i.round_id WHERE i.id = NEW.idea_id)
     IN ('closed', 'cancelled')
BEGIN
    SELECT RAISE(ABORT, 'votes_final: the round of this idea is closed');
END;

CREATE TRIGGER votes_final_update BEFORE UPDATE ON votes
WHEN (SELECT r.phase FROM ideas i JOIN rounds r ON r.id = i.round_id WHERE i.id = OLD.idea_id)
     IN ('closed', 'cancelled')
  OR (SELECT r.phase FROM ideas i JOIN rounds r ON r.id = i.round_id WHERE i.id = NEW.idea_id)
     IN ('closed', 'cancelled')
BEGIN
    SELECT RAISE(ABORT, 'votes_final: the round of this idea is closed');
END;

CREATE TRIGGER votes_final_delete BEFORE DELETE ON votes
WHEN (SELECT r.phase FROM ideas i JOIN rounds r ON r.id = i.round_id WHERE i.id = OLD.idea_id)
     IN ('closed', 'cancelled')
BEGIN
    SELECT RAISE(ABORT, 'votes_final: the round of this idea is closed');
END;

-- 3. No self-vote by any route (a reaction, a merge, a recount): a vote whose voter is the
--    idea's author is refused unless the community explicitly allows self-votes.
CREATE TRIGGER votes_not_own_insert BEFORE INSERT ON votes
WHEN NEW.voter_id = (SELECT author_id FROM ideas WHERE id = NEW.idea_id)
 AND NOT ifnull((SELECT json_extract(settings_json, '$.allow_self_votes') FROM communities
                 WHERE id = NEW.community_id), 0)
BEGIN
    SELECT RAISE(ABORT, 'votes_not_own: a member cannot vote for their own idea');
END;

CREATE TRIGGER votes_not_own_update BEFORE UPDATE OF idea_id, voter_id ON votes
WHEN NEW.voter_id = (SELECT author_id FROM ideas WHERE id = NEW.idea_id)
 AND NOT ifnull((SELECT json_extract(settings_json, '$.allow_self_votes') FROM communities
                 WHERE id = NEW.community_id), 0)
BEGIN
    SELECT RAISE(ABORT, 'votes_not_own: a member cannot vote for their own idea');
END;
