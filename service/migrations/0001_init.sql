-- Accounts of the people who call the service.
CREATE TABLE users (
    id          text PRIMARY KEY,
    email       text NOT NULL,
    email_norm  text NOT NULL UNIQUE,
    username    text UNIQUE,
    two_factor  text NOT NULL CHECK (two_factor IN ('enabled', 'disabled', 'unknown')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- API tokens: only the SHA-256 digest of each (high-entropy) token is kept.
CREATE TABLE api_tokens (
    id          text PRIMARY KEY,
    digest      bytea NOT NULL UNIQUE,
    user_id     text NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- The key every replica signs and verifies bearer tokens with (row 1),
-- inserted once by the first process that starts.
CREATE TABLE signing_keys (
    id          integer PRIMARY KEY,
    key         bytea NOT NULL CHECK (length(key) >= 32),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Apps and dedicated databases. `version` is the sequence number of the
-- last entry of the resource's log: a write at version v appends v+1.
CREATE TABLE resources (
    id          text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('app', 'dedicated_database')),
    name        text NOT NULL,
    version     bigint NOT NULL CHECK (version >= 1),
    created_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE UNIQUE INDEX resources_live_name ON resources (kind, name) WHERE deleted_at IS NULL;

-- Each resource's append-only log: the crate's events (membership, rename,
-- deletion), each in the crate's serde form with its schema version ("v")
-- and its seq; `seq` here is the event's own. (resource_id, seq) is unique:
-- two writers deciding at the same version cannot both append.
CREATE TABLE resource_log (
    resource_id text NOT NULL REFERENCES resources (id),
    seq         bigint NOT NULL CHECK (seq >= 1),
    entry       jsonb NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (resource_id, seq)
);

-- Rosters as of a log position (the crate's serde form, with its schema
-- version and its version = seq), so that a read never replays a whole log:
-- one at creation (seq 1), then one every 64 events.
CREATE TABLE roster_snapshots (
    resource_id text NOT NULL REFERENCES resources (id),
    seq         bigint NOT NULL,
    roster      jsonb NOT NULL,
    PRIMARY KEY (resource_id, seq)
);

-- Who is in which roster, derived from the log in the same transaction:
-- the index behind "my apps" and the owner's directory.
CREATE TABLE memberships (
    resource_id text NOT NULL REFERENCES resources (id),
    email_norm  text NOT NULL,
    member_id   text NOT NULL,
    role        text NOT NULL,
    status      text NOT NULL,
    PRIMARY KEY (resource_id, email_norm)
);
CREATE INDEX memberships_by_email ON memberships (email_norm);

-- The effects of guarded app actions.
CREATE TABLE variables (
    resource_id text NOT NULL REFERENCES resources (id),
    name        text NOT NULL,
    value       text NOT NULL,
    PRIMARY KEY (resource_id, name)
);

CREATE TABLE deployments (
    id          text PRIMARY KEY,
    resource_id text NOT NULL REFERENCES resources (id),
    git_ref     text NOT NULL,
    output      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deployments_by_resource ON deployments (resource_id, created_at);

CREATE TABLE operations (
    id          bigserial PRIMARY KEY,
    resource_id text NOT NULL REFERENCES resources (id),
    action      text NOT NULL,
    actor_id    text NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}',
    at          timestamptz NOT NULL DEFAULT now()
);
