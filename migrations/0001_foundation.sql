-- Accounts, sessions, login throttling, and the ticket tables later features build on.

CREATE TYPE user_role AS ENUM ('user', 'agent', 'admin');
CREATE TYPE ticket_status AS ENUM ('open', 'assigned', 'resolved', 'closed');

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT        NOT NULL,
    password_hash TEXT        NOT NULL,
    display_name  TEXT        NOT NULL,
    role          user_role   NOT NULL DEFAULT 'user',
    is_active     BOOLEAN     NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Emails are unique whatever their case: "Ann@x.io" and "ann@x.io" are one account.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE INDEX users_role_idx ON users (role);

-- Only a SHA-256 hash of the session token is stored: a leaked table opens no session.
CREATE TABLE sessions (
    token_hash   BYTEA       PRIMARY KEY,
    user_id      BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- Failed logins, kept in the database so that every app node throttles alike.
CREATE TABLE login_failures (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email        TEXT        NOT NULL,
    client_addr  TEXT        NOT NULL,
    attempted_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email_idx ON login_failures (lower(email), attempted_at);
CREATE INDEX login_failures_addr_idx ON login_failures (client_addr, attempted_at);

CREATE TABLE tickets (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject            TEXT          CHECK (subject IS NULL OR char_length(subject) <= 200),
    description        TEXT          NOT NULL CHECK (char_length(description) BETWEEN 1 AND 10000),
    status             ticket_status NOT NULL DEFAULT 'open',
    created_by_user_id BIGINT        NOT NULL REFERENCES users (id),
    assigned_agent_id  BIGINT        REFERENCES users (id),
    created_at         TIMESTAMPTZ   NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ   NOT NULL DEFAULT now(),
    resolved_at        TIMESTAMPTZ,
    closed_at          TIMESTAMPTZ
);
CREATE INDEX tickets_created_by_idx ON tickets (created_by_user_id, updated_at DESC, id DESC);
CREATE INDEX tickets_assigned_agent_idx ON tickets (assigned_agent_id, updated_at DESC, id DESC);
CREATE INDEX tickets_status_idx ON tickets (status, updated_at DESC, id DESC);

CREATE TABLE ticket_messages (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id      BIGINT      NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    sender_user_id BIGINT      NOT NULL REFERENCES users (id),
    sender_role    user_role   NOT NULL,
    content        TEXT        NOT NULL CHECK (char_length(content) BETWEEN 1 AND 5000),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ticket_messages_ticket_idx ON ticket_messages (ticket_id, id);
