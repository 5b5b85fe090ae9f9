-- The head of each resource's log beyond its length: the digest of the log
-- up to its last chained event (the crate's `LogDigest`, SHA-256, 32
-- bytes). Every event written from now on states the digest of the log
-- before it (`prev` in its stored form); a log written before this
-- migration is unchained, and its head is 32 zero bytes (the crate's
-- `LogDigest::GENESIS`), which the first new event states as its `prev`.
-- A write moves (version, head) together in one compare-and-set, so an
-- append decided on a log the database does not hold (state it lost to a
-- crash, a failover or a restore) writes nothing.
ALTER TABLE resources
    ADD COLUMN head bytea NOT NULL DEFAULT decode(repeat('00', 32), 'hex')
        CHECK (length(head) = 32);
ALTER TABLE resources ALTER COLUMN head DROP DEFAULT;
