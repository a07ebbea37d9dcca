-- Every side effect through the outbox (issue 11): besides messages (channel posts and DMs)
-- a row can ask for an idea's card to be posted (its message and thread ids are then stored on
-- the idea), for a card to be edited (a status change, the final tally at a close) or for a
-- feedback prompt to be posted. Cards and prompts are rendered when delivered, from what is
-- stored then; the payload only says which idea or prompt.
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'message'
    CHECK (kind IN ('message', 'card', 'card_edit', 'prompt'));
