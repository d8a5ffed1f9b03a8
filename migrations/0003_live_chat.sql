-- Live chat: messages join the ticket's timeline sequence and become idempotent per sender and
-- client_id; connection and room presence is kept here so every app node can count it.

ALTER TABLE ticket_messages ADD COLUMN seq BIGINT;
ALTER TABLE ticket_messages ADD COLUMN client_id TEXT;
-- Messages stored before this migration get sequence numbers after the ticket's existing entries.
WITH numbered AS (
    SELECT m.id, t.last_seq + row_number() OVER (PARTITION BY m.ticket_id ORDER BY m.id) AS seq
    FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id
)
UPDATE ticket_messages m SET seq = numbered.seq FROM numbered WHERE numbered.id = m.id;
UPDATE tickets t SET last_seq = sub.max_seq
FROM (SELECT ticket_id, max(seq) AS max_seq FROM ticket_messages GROUP BY ticket_id) sub
WHERE sub.ticket_id = t.id AND sub.max_seq > t.last_seq;
ALTER TABLE ticket_messages ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX ticket_messages_seq_key ON ticket_messages (ticket_id, seq);
CREATE UNIQUE INDEX ticket_messages_client_id_key ON ticket_messages (sender_user_id, client_id);

-- One row per running app node, refreshed by its heartbeat; a node not seen for a while is gone
-- and its connections with it.
CREATE UNLOGGED TABLE live_nodes (
    node_id BIGINT      PRIMARY KEY,
    seen_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNLOGGED TABLE live_connections (
    connection_id BIGINT      PRIMARY KEY,
    node_id       BIGINT      NOT NULL REFERENCES live_nodes (node_id) ON DELETE CASCADE,
    user_id       BIGINT      NOT NULL,
    role          user_role   NOT NULL,
    connected_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX live_connections_user_idx ON live_connections (user_id);
CREATE UNLOGGED TABLE live_room_members (
    connection_id BIGINT NOT NULL REFERENCES live_connections (connection_id) ON DELETE CASCADE,
    ticket_id     BIGINT NOT NULL,
    PRIMARY KEY (connection_id, ticket_id)
);
CREATE INDEX live_room_members_ticket_idx ON live_room_members (ticket_id);
