-- Feedback prompts and their responses.
-- One response per (prompt, member) is the primary key, so a changed answer is an upsert and a
-- replayed or concurrent answer can never count twice. Responses reference their prompt through
-- (community_id, prompt_id), so an answer can never land on another community's prompt.

CREATE TABLE prompts (
    id            INTEGER PRIMARY KEY,
    community_id  TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('rating', 'nps', 'single', 'multiple', 'text')),
    question      TEXT NOT NULL CHECK (length(trim(question)) BETWEEN 1 AND 300),
    options_json  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(options_json) AND json_type(options_json) = 'array'),
    anonymous     INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1)),
    subject_kind  TEXT CHECK (subject_kind IN ('idea', 'campaign', 'product')),
    subject_ref   INTEGER,
    subject_label TEXT CHECK (subject_label IS NULL OR length(subject_label) BETWEEN 1 AND 200),
    audience_role TEXT,
    closes_at     TEXT,
    closed_at     TEXT,
    channel_id    TEXT,
    message_id    TEXT,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (community_id, id),
    -- choice prompts carry 2-25 options; the other kinds none
    CHECK ((kind IN ('single', 'multiple')) = (json_array_length(options_json) BETWEEN 2 AND 25)),
    CHECK (kind IN ('single', 'multiple') OR json_array_length(options_json) = 0),
    CHECK ((subject_kind IS NULL) = (subject_label IS NULL)),
    CHECK (subject_kind = 'product' OR subject_kind IS NULL OR subject_ref IS NOT NULL)
);
CREATE INDEX prompts_recent ON prompts (community_id, id DESC);

CREATE TABLE prompt_responses (
    community_id TEXT NOT NULL,
    prompt_id    INTEGER NOT NULL,
    member_id    TEXT NOT NULL,
    member_name  TEXT NOT NULL DEFAULT '',
    answer_json  TEXT NOT NULL CHECK (
        json_valid(answer_json) AND json_type(answer_json) = 'array'
        AND json_array_length(answer_json) BETWEEN 1 AND 25 AND length(answer_json) <= 12000
    ),
    score        INTEGER CHECK (score IS NULL OR score BETWEEN 0 AND 10),
    revision     INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (prompt_id, member_id),
    FOREIGN KEY (community_id, prompt_id) REFERENCES prompts (community_id, id)
) WITHOUT ROWID;
CREATE INDEX prompt_responses_prompt ON prompt_responses (community_id, prompt_id, created_at);
