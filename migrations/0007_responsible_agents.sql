-- The agent who answers a person's tickets (the second seed): a new ticket of theirs is assigned
-- to this agent at creation, before the category's default agent. Set by admins; an agent who is
-- demoted or deactivated is skipped, not cleared (reactivated, they take the tickets again).
ALTER TABLE users ADD COLUMN responsible_agent_id BIGINT REFERENCES users (id) ON DELETE SET NULL;
