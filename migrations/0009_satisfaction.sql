-- Satisfaction (issue 11): after a ticket is resolved its customer may rate it 1–5, with an
-- optional comment, once per resolution (a ticket reopened and resolved again can be rated again).
CREATE TABLE ticket_ratings (
    ticket_id   BIGINT      NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    -- Which resolution this rates: the ticket's resolved_at when it was rated.
    resolved_at TIMESTAMPTZ NOT NULL,
    rated_by    BIGINT      NOT NULL REFERENCES users (id),
    score       SMALLINT    NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment     TEXT        NOT NULL DEFAULT '' CHECK (char_length(comment) <= 1000),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (ticket_id, resolved_at)
);
CREATE INDEX ticket_ratings_recent_idx ON ticket_ratings (created_at);
