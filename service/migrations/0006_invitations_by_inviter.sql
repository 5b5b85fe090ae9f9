-- The invitations one person sent recently, counted for the rate limit
-- (INVITATION_RATE_LIMIT per INVITATION_RATE_WINDOW_SECONDS) from the log
-- itself, so that every replica counts the same.
CREATE INDEX resource_log_invitations_by_actor
    ON resource_log ((entry->>'actor'), recorded_at)
    WHERE entry->>'type' = 'collaborator_invited';
