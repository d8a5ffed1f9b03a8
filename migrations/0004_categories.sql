-- Categories of tickets (the second seed): what a ticket is about, the bot's first message for it,
-- and the agent who takes such tickets by default. Ordered by `position`; deactivated, never deleted
-- (old tickets keep theirs).
CREATE TABLE categories (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name             TEXT        NOT NULL,
    description      TEXT        NOT NULL DEFAULT '',
    default_message  TEXT        NOT NULL DEFAULT '',
    default_agent_id BIGINT      REFERENCES users (id),
    is_active        BOOLEAN     NOT NULL DEFAULT true,
    position         INTEGER     NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX categories_name_idx ON categories (lower(name));
CREATE INDEX categories_order_idx ON categories (position, id);

ALTER TABLE tickets ADD COLUMN category_id BIGINT REFERENCES categories (id);
