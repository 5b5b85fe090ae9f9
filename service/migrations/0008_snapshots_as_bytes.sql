-- Roster snapshots kept as the bytes of their JSON (issue 21 item 3): the
-- service writes and reads them whole and never queries inside them, so
-- PostgreSQL need not parse each one into `jsonb` (a 1,000-member
-- roster is about 300 kB of JSON, written every 64 events, competing
-- with the requests for the CPU). The text is the crate's serde form as
-- before, UTF-8; existing snapshots are converted in place.
ALTER TABLE roster_snapshots
    ALTER COLUMN roster TYPE bytea USING convert_to(roster::text, 'UTF8');

-- Compressed with LZ4 where the server has it (PostgreSQL 14 and later,
-- built with it): several times cheaper than the default (pglz) for
-- about the same size. Without it, the default stays.
DO $$
BEGIN
    ALTER TABLE roster_snapshots ALTER COLUMN roster SET COMPRESSION lz4;
EXCEPTION
    WHEN feature_not_supported OR syntax_error OR invalid_parameter_value THEN
        RAISE NOTICE 'roster_snapshots.roster keeps the default compression: %', SQLERRM;
END
$$;
