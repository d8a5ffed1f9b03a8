-- Internal notes (issue 11): staff's own remarks in a ticket's conversation. They live apart from
-- the timeline: they take no timeline seq (a customer's stream stays gap-free with no trace of
-- them) and no query a customer reaches reads this table. Each note has its own number per ticket
-- (`note_seq`, gap-free among notes, for staff sockets to resume from) and the timeline seq it was
-- written after (`after_seq`), where staff see it in the thread.
CREATE TABLE ticket_notes (
    id             BIGSERIAL   PRIMARY KEY,
    ticket_id      BIGINT      NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    note_seq       BIGINT      NOT NULL CHECK (note_seq > 0),
    after_seq      BIGINT      NOT NULL CHECK (after_seq >= 0),
    author_user_id BIGINT      NOT NULL REFERENCES users (id),
    client_id      TEXT        NOT NULL,
    content        TEXT        NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (ticket_id, note_seq),
    UNIQUE (author_user_id, client_id)
);
-- Staff's search finds notes too (the same English stemming as messages); nobody else's reads them.
ALTER TABLE ticket_notes ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED;
CREATE INDEX ticket_notes_search_idx ON ticket_notes USING gin (search);
