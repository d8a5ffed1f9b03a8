-- SLA timers (issue 11): per priority, how soon staff must first reply and resolve. Each ticket
-- keeps its due times (so lists filter and sort on them); resolving or closing stops the clocks,
-- reopening restarts them with the due times moved by the time stopped.

CREATE TABLE sla_policies (
    priority               ticket_priority PRIMARY KEY,
    -- Null: no target of that kind for this priority. At most a year.
    first_response_minutes INTEGER CHECK (first_response_minutes BETWEEN 1 AND 525600),
    resolution_minutes     INTEGER CHECK (resolution_minutes BETWEEN 1 AND 525600),
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO sla_policies (priority, first_response_minutes, resolution_minutes) VALUES
    ('urgent', 60, 240),
    ('high', 240, 1440),
    ('normal', 480, 4320),
    ('low', 1440, 10080);

ALTER TABLE tickets
    ADD COLUMN first_response_due_at TIMESTAMPTZ,
    -- The first reply from staff (agent or admin; MyRelay's own messages do not count).
    ADD COLUMN first_responded_at    TIMESTAMPTZ,
    ADD COLUMN resolution_due_at     TIMESTAMPTZ,
    -- Set while the clocks stand still (resolved or closed), to when they stopped.
    ADD COLUMN sla_paused_at         TIMESTAMPTZ,
    -- Time stood still before, so due times can be worked out again when targets change.
    ADD COLUMN sla_paused_total      INTERVAL NOT NULL DEFAULT '0',
    -- The next target the running clock is heading for ('infinity': none), for "due soonest".
    ADD COLUMN sla_next_due_at       TIMESTAMPTZ NOT NULL GENERATED ALWAYS AS (
        coalesce(CASE WHEN sla_paused_at IS NULL THEN
            LEAST(CASE WHEN first_responded_at IS NULL THEN first_response_due_at END, resolution_due_at) END,
        'infinity')) STORED;

ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN (
    'ticket_status', 'ticket_assignment', 'ticket_priority',
    'user_role', 'user_active', 'user_responsible_agent',
    'category_created', 'category_updated', 'category_active', 'category_moved',
    'sign_in_failures', 'sla_policy'));

-- Tickets opened before: their first staff reply, stopped clocks, and due times by the targets
-- above (earlier stops are not known: none are assumed).
UPDATE tickets t SET
    first_responded_at = (SELECT min(m.created_at) FROM ticket_messages m
                          WHERE m.ticket_id = t.id AND m.sender_role IN ('agent', 'admin')),
    sla_paused_at = CASE WHEN t.status IN ('resolved', 'closed') THEN coalesce(t.resolved_at, t.closed_at, t.updated_at) END;
UPDATE tickets t SET
    first_response_due_at = t.created_at + make_interval(mins => p.first_response_minutes),
    resolution_due_at = t.created_at + make_interval(mins => p.resolution_minutes)
FROM sla_policies p WHERE p.priority = t.priority;

-- "Due soonest first" over the open work, keyset-paged.
CREATE INDEX tickets_sla_due_idx ON tickets (sla_next_due_at, id) WHERE status <> 'closed';
