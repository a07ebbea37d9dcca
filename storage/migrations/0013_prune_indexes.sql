-- Bounded growth: processed event ids and delivered outbox rows are kept only as long as a
-- replay can arrive (bot/services/retention.py), then pruned by the scheduler's sweep in small
-- chunks. These indexes let each chunk find its oldest rows without scanning the table.
CREATE INDEX processed_events_handled ON processed_events (handled_at);
CREATE INDEX outbox_delivered ON outbox (delivered_at) WHERE delivered_at IS NOT NULL;
