-- Email (issue 27): staff replies and resolutions mailed to customers who are not looking, and
-- their answers by mail back into the thread.

-- The language a person's mails are written in (their last choice on the site), and whether they
-- want mails at all (a setting, and the one-click unsubscribe link of every mail).
ALTER TABLE users
    ADD COLUMN language    TEXT    NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'es')),
    ADD COLUMN email_notifications BOOLEAN NOT NULL DEFAULT TRUE;

-- Secrets every node shares, made once by whichever node needs one first (the key that signs
-- reply addresses and unsubscribe links): nothing to configure, the same on every node.
CREATE TABLE app_secrets (
    name  TEXT  PRIMARY KEY,
    value BYTEA NOT NULL
);

-- Mails to send. A row is queued in the transaction of what causes it (a staff message, a
-- resolution, a refused reply) and goes pending → claimed (a node's worker decides whether and
-- what to send; a node that dies here leaves it to be claimed again) → sending (handed to SMTP;
-- a node that dies here leaves it `failed`, never sent twice) → sent | failed | cancelled.
CREATE TYPE mail_state AS ENUM ('pending', 'claimed', 'sending', 'sent', 'failed', 'cancelled');
CREATE TABLE mail_queue (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- replies: the staff messages the customer has not read; resolved: the ticket was resolved
    -- (with the rating link); refusal: an answer to a reply by mail that was not accepted.
    kind          TEXT        NOT NULL CHECK (kind IN ('replies', 'resolved', 'refusal')),
    ticket_id     BIGINT      REFERENCES tickets (id) ON DELETE CASCADE,
    -- Refusals only: where to (the ticket's customer otherwise), the refused mail's Message-ID,
    -- and the reason (a key, see src/mail/inbound.rs).
    to_address    TEXT,
    in_reply_to   TEXT,
    reason        TEXT,
    state         mail_state  NOT NULL DEFAULT 'pending',
    due_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    attempts      INT         NOT NULL DEFAULT 0,
    claimed_at    TIMESTAMPTZ,
    -- What the mail carried: the timeline up to this seq, this many messages.
    through_seq   BIGINT,
    message_count INT,
    message_id    TEXT,
    sent_at       TIMESTAMPTZ,
    -- Why it was cancelled or failed, or the last temporary failure before a retry.
    outcome       TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (kind = 'refusal' OR ticket_id IS NOT NULL),
    CHECK (kind <> 'refusal' OR to_address IS NOT NULL)
);
-- One pending mail per ticket and kind: messages written while it waits go in it.
CREATE UNIQUE INDEX mail_queue_one_pending ON mail_queue (ticket_id, kind) WHERE state = 'pending' AND ticket_id IS NOT NULL;
CREATE INDEX mail_queue_due ON mail_queue (due_at) WHERE state = 'pending';
CREATE INDEX mail_queue_in_hand ON mail_queue (claimed_at) WHERE state IN ('claimed', 'sending');
CREATE INDEX mail_queue_ticket ON mail_queue (ticket_id, id);

-- Every mail that came in (`myrelay mail-in`, or posted by a provider): what became of it.
CREATE TABLE mail_inbound (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    from_address TEXT,
    message_id   TEXT,
    ticket_id    BIGINT REFERENCES tickets (id) ON DELETE SET NULL,
    -- accepted, or why it was refused (a key, see src/mail/inbound.rs).
    outcome      TEXT        NOT NULL,
    chat_message_id BIGINT   REFERENCES ticket_messages (id) ON DELETE SET NULL
);
