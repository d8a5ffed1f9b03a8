-- Search (issue 11): PostgreSQL full text over tickets (subject weighted above description) and
-- messages, kept in generated columns with GIN indexes. English stemming on both sides ("refunds"
-- finds "refund"); other languages still match word for word.
ALTER TABLE tickets ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(subject, '')), 'A') || setweight(to_tsvector('english', description), 'B')
) STORED;
CREATE INDEX tickets_search_idx ON tickets USING gin (search);

ALTER TABLE ticket_messages ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED;
CREATE INDEX ticket_messages_search_idx ON ticket_messages USING gin (search);
