-- Idempotency keys (issue 19 item 5): the answer of a write that carried
-- an `Idempotency-Key`, recorded by the write's own append statement, so
-- that a write is committed if and only if its key is recorded. A retry
-- with the same key replays the recorded answer and writes nothing.
--
-- A key is scoped to its caller (`account_id`), the route (method and
-- template, `PATCH /v1/apps/{key}/collaborators/{id}`) and the resource as
-- the path names it (its name or its id); `fingerprint` is the SHA-256 of
-- the method, the path and query, and the body. `status` and `body` are
-- the answer as sent. Rows expire at `expires_at` (the retention setting,
-- 24 h by default) and are pruned a few at a time by the next keyed
-- writes, oldest first (the index below), never by a scan of the table.
CREATE TABLE idempotency_keys (
    account_id  text NOT NULL,
    route       text NOT NULL,
    resource    text NOT NULL,
    key         text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint bytea NOT NULL CHECK (length(fingerprint) = 32),
    status      smallint NOT NULL,
    body        bytea NOT NULL,
    resource_id text NOT NULL,
    seq         bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (account_id, route, resource, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
