-- Files attached to a ticket's messages. The bytes live in the object store under their SHA-256
-- (`blobs/<sha256>`, thumbnails `thumbs/<sha256>.png`); here is what MyRelay knows of them. An
-- upload belongs to its uploader alone until a message takes it (`message_id`). Files for a ticket
-- being opened have no `ticket_id` until the ticket is created with them.
CREATE TABLE attachments (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- In every link: random, so links cannot be guessed (they are checked on each request too).
    token         TEXT        NOT NULL UNIQUE,
    ticket_id     BIGINT      REFERENCES tickets (id),
    message_id    BIGINT      REFERENCES ticket_messages (id),
    uploaded_by   BIGINT      NOT NULL REFERENCES users (id),
    name          TEXT        NOT NULL,
    size_bytes    BIGINT      NOT NULL,
    -- Sniffed from the bytes, never taken from the client.
    content_type  TEXT        NOT NULL,
    sha256        TEXT        NOT NULL,
    has_thumbnail BOOLEAN     NOT NULL DEFAULT false,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX attachments_message_idx ON attachments (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX attachments_pending_idx ON attachments (uploaded_by, ticket_id) WHERE message_id IS NULL;

-- A message may now be files alone: its text can be empty (the app requires text or files).
ALTER TABLE ticket_messages DROP CONSTRAINT ticket_messages_content_check;
ALTER TABLE ticket_messages ADD CONSTRAINT ticket_messages_content_check CHECK (char_length(content) <= 5000);
