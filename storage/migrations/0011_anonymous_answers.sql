-- Anonymous prompts are unlinkable (bot/services/anonymity.py). Each community gets a secret
-- key; an anonymous answer is stored under a respondent token (HMAC of prompt and member with
-- that key) instead of the member id, keeps no time of its own (it carries the prompt's opening
-- time) and no revision count; the ledger entry that paid for it names no prompt and is keyed
-- by a second HMAC that matches no token. The cocreate_* SQL functions are the engine's own
-- (registered by storage.sqlite.db.Database.open), so old and new rows are derived alike.

CREATE TABLE prompt_keys (
    community_id TEXT PRIMARY KEY,
    -- 32 random bytes as hex; never exported, never logged
    anon_key     TEXT NOT NULL CHECK (length(anon_key) = 64)
) WITHOUT ROWID;

INSERT INTO prompt_keys (community_id, anon_key)
SELECT community_id, cocreate_new_key()
FROM (SELECT DISTINCT community_id FROM prompts WHERE anonymous = 1);

-- the ledger is append-only; this one rewrite of what it says about anonymous answers (never
-- the member, the amount or the day, so balances and daily caps are untouched) is the exception
DROP TRIGGER ledger_no_update;

UPDATE ledger
SET idem_key = cocreate_points_key(k.anon_key, p.id, ledger.member_id),
    ref = '',
    reason = 'answered an anonymous feedback prompt'
FROM prompts p JOIN prompt_keys k ON k.community_id = p.community_id
WHERE p.anonymous = 1
  AND ledger.community_id = p.community_id
  AND ledger.rule = 'feedback_answered'
  AND ledger.idem_key = 'feedback:' || p.id || ':' || ledger.member_id;

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only');
END;

UPDATE prompt_responses
SET member_id = cocreate_respondent_token(k.anon_key, p.id, prompt_responses.member_id),
    member_name = '',
    revision = 1,
    created_at = p.created_at,
    updated_at = p.created_at
FROM prompts p JOIN prompt_keys k ON k.community_id = p.community_id
WHERE p.anonymous = 1
  AND prompt_responses.community_id = p.community_id
  AND prompt_responses.prompt_id = p.id
  AND prompt_responses.member_id NOT LIKE 'anon:%';
