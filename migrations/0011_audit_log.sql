-- The audit log (issue 11): who changed what, when, from what to what. Written in the same
-- transaction as the change it records; the application may only append to it (the trigger
-- refuses every UPDATE, DELETE and TRUNCATE, whoever sends them).
CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Null when nobody was signed in (sign-in failures). The name is kept as it was then.
    actor_id    BIGINT      REFERENCES users (id),
    actor_name  TEXT        NOT NULL DEFAULT '',
    action      TEXT        NOT NULL CHECK (action IN (
        'ticket_status', 'ticket_assignment', 'ticket_priority',
        'user_role', 'user_active', 'user_responsible_agent',
        'category_created', 'category_updated', 'category_active', 'category_moved',
        'sign_in_failures')),
    -- The ticket, person or category changed (by the action's kind), and how it read then.
    subject_id  BIGINT,
    subject     TEXT        NOT NULL,
    -- [{"field": …, "before": … | null, "after": … | null}, …]
    changes     JSONB       NOT NULL DEFAULT '[]'
);
CREATE INDEX audit_log_action_idx ON audit_log (action, id DESC);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
