-- Unread counts (issue 11): how far each person has read each ticket's timeline. Unread is what
-- others wrote after that seq; a person who never opened a ticket has read nothing of it.
CREATE TABLE ticket_reads (
    user_id       BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ticket_id     BIGINT      NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    last_read_seq BIGINT      NOT NULL CHECK (last_read_seq >= 0),
    read_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, ticket_id)
);
