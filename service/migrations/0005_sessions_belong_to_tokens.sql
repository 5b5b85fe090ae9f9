-- Page sessions are rows of api_tokens of kind 'session', opened with (and
-- ended with) the API token `parent_id`; they expire at `expires_at`.
-- Rows from before are API tokens (a session row's secret was thrown away,
-- so it can never be exchanged; its cookie was signed with the dropped key).
ALTER TABLE api_tokens
    ADD COLUMN kind text NOT NULL DEFAULT 'api' CHECK (kind IN ('api', 'session')),
    ADD COLUMN parent_id text REFERENCES api_tokens (id),
    ADD COLUMN expires_at timestamptz,
    ADD CONSTRAINT api_tokens_session_has_parent
        CHECK ((kind = 'session') = (parent_id IS NOT NULL AND expires_at IS NOT NULL));
CREATE INDEX api_tokens_by_parent ON api_tokens (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX api_tokens_sessions_by_user ON api_tokens (user_id) WHERE kind = 'session';
