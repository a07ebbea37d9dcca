-- Slack OAuth installs for a multi-workspace deployment, kept in our database (not bolt's files)
-- so that a container restart or a second replica sees every workspace.
-- One row per install event: the latest per (client, enterprise, team[, user]) wins, as in
-- slack_sdk's own stores. The bot token is the same for every installer of a workspace, so
-- the latest bot row per workspace is what the bot acts with.
-- Empty strings stand for "none" in the key columns, so the lookups need no IS NULL cases.

CREATE TABLE slack_installations (
    id                    INTEGER PRIMARY KEY,
    client_id             TEXT NOT NULL,
    enterprise_id         TEXT NOT NULL DEFAULT '',
    team_id               TEXT NOT NULL DEFAULT '',
    user_id               TEXT NOT NULL DEFAULT '',
    is_enterprise_install INTEGER NOT NULL DEFAULT 0 CHECK (is_enterprise_install IN (0, 1)),
    data_json             TEXT NOT NULL CHECK (json_valid(data_json)),
    installed_at          REAL NOT NULL
);
CREATE INDEX slack_installations_lookup
    ON slack_installations (client_id, enterprise_id, team_id, user_id, installed_at DESC);

CREATE TABLE slack_bots (
    id                    INTEGER PRIMARY KEY,
    client_id             TEXT NOT NULL,
    enterprise_id         TEXT NOT NULL DEFAULT '',
    team_id               TEXT NOT NULL DEFAULT '',
    is_enterprise_install INTEGER NOT NULL DEFAULT 0 CHECK (is_enterprise_install IN (0, 1)),
    data_json             TEXT NOT NULL CHECK (json_valid(data_json)),
    installed_at          REAL NOT NULL
);
CREATE INDEX slack_bots_lookup ON slack_bots (client_id, enterprise_id, team_id, installed_at DESC);

-- OAuth "state" values: issued when an install starts, consumed once by the callback.
CREATE TABLE slack_oauth_states (
    state      TEXT PRIMARY KEY,
    expires_at REAL NOT NULL
);
