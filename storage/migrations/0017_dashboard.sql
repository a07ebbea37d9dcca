-- The moderators' dashboard (issue #14): single-use sign-in links and the sessions they open.
--
-- Only a SHA-256 hash of a link's token or a session's cookie is stored: a copy of the database
-- opens no dashboard. A link is used by a conditional update (``... WHERE used_at IS NULL AND
-- expires_at > now``), so two requests racing with one link open one session at most.
CREATE TABLE dashboard_links (
    token_hash   TEXT PRIMARY KEY,
    community_id TEXT NOT NULL,
    member_id    TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT
) WITHOUT ROWID;
CREATE INDEX dashboard_links_expires ON dashboard_links (expires_at);

CREATE TABLE dashboard_sessions (
    id_hash      TEXT PRIMARY KEY,
    community_id TEXT NOT NULL,
    member_id    TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    csrf_secret  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen    TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT
) WITHOUT ROWID;
CREATE INDEX dashboard_sessions_expires ON dashboard_sessions (expires_at);

-- The sign-in link is made when its DM is delivered, never before, so its token exists only in
-- the message: the outbox row (kind 'dashboard_link') says only whom to send one to. SQLite
-- cannot widen a CHECK in place, so the kind column is replaced by one that allows it.
ALTER TABLE outbox ADD COLUMN kind_new TEXT NOT NULL DEFAULT 'message'
    CHECK (kind_new IN ('message', 'card', 'card_edit', 'prompt', 'dashboard_link'));
UPDATE outbox SET kind_new = kind;
ALTER TABLE outbox DROP COLUMN kind;
ALTER TABLE outbox RENAME COLUMN kind_new TO kind;

-- the audit log says where a moderator acted: '' in chat, 'dashboard' on the dashboard
ALTER TABLE audit_log ADD COLUMN via TEXT NOT NULL DEFAULT '';
