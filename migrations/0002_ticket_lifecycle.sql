-- The ticket lifecycle: an optimistic-concurrency version, a per-ticket timeline sequence, and the
-- record of every assignment and status change.

-- Bumped by every change; a change made from a stale view names the version it saw and is refused.
ALTER TABLE tickets ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
-- The last sequence number handed out on this ticket's timeline (events now, chat messages next).
ALTER TABLE tickets ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0;

CREATE TABLE ticket_events (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id     BIGINT        NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    seq           BIGINT        NOT NULL,
    actor_id      BIGINT        NOT NULL REFERENCES users (id),
    from_status   ticket_status NOT NULL,
    to_status     ticket_status NOT NULL,
    from_agent_id BIGINT        REFERENCES users (id),
    to_agent_id   BIGINT        REFERENCES users (id),
    at            TIMESTAMPTZ   NOT NULL DEFAULT now(),
    UNIQUE (ticket_id, seq)
);

-- Keyset paging over "newest activity first", for each list's filter.
CREATE INDEX tickets_updated_idx ON tickets (updated_at DESC, id DESC);
CREATE INDEX tickets_active_idx ON tickets (updated_at DESC, id DESC) WHERE status <> 'closed';
CREATE INDEX users_keyset_idx ON users (role, id);
