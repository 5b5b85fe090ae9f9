-- Who pushed each deployment: the platform's `pusher` of a deployment
-- (`GET /v1/apps/{app}/deployments`). Null for a deployment recorded
-- before this column existed.
ALTER TABLE deployments ADD COLUMN pusher_id text REFERENCES users (id);
