-- Signing material lives in the key file named by KEY_FILE, never in the
-- database: whoever could read this table could mint any bearer token and
-- derive any invitation link. Tokens and links signed with it stop working.
DROP TABLE signing_keys;
