-- Priority and source (issue 11): staff set a ticket's priority (it orders the inbox); where a
-- ticket was opened from is recorded once. Enum order is the sort order: low < … < urgent.
CREATE TYPE ticket_priority AS ENUM ('low', 'normal', 'high', 'urgent');
ALTER TABLE tickets ADD COLUMN priority ticket_priority NOT NULL DEFAULT 'normal';

CREATE TYPE ticket_source AS ENUM ('web', 'api');
ALTER TABLE tickets ADD COLUMN source ticket_source NOT NULL DEFAULT 'web';

-- The inbox sorted by priority, keyset-paged, over the open work.
CREATE INDEX tickets_priority_idx ON tickets (priority DESC, updated_at DESC, id DESC) WHERE status <> 'closed';
