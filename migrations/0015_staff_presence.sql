-- Presence (issue 11): agents and admins are online, away or offline, worked out from their live
-- connections (on any node) and their own choice to appear away.

-- A tab nobody has used for a while reports itself idle; a person whose every tab is idle is away.
ALTER TABLE live_connections ADD COLUMN idle BOOLEAN NOT NULL DEFAULT false;
-- Kept in a logged table: the choice outlives connections, nodes and database restarts.
ALTER TABLE users ADD COLUMN appear_away BOOLEAN NOT NULL DEFAULT false;
-- When the person's last connection closed (or its node was found dead).
ALTER TABLE users ADD COLUMN last_seen_at TIMESTAMPTZ;

-- The one definition of a person's status: 'offline' without a connection, 'away' when they chose
-- it or every connection is idle, else 'online'. NULL for no person.
CREATE FUNCTION presence_status(person BIGINT, appear_away BOOLEAN) RETURNS TEXT
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN person IS NULL THEN NULL
        WHEN NOT EXISTS (SELECT 1 FROM live_connections c WHERE c.user_id = person) THEN 'offline'
        WHEN appear_away OR NOT EXISTS (SELECT 1 FROM live_connections c WHERE c.user_id = person AND NOT c.idle) THEN 'away'
        ELSE 'online'
    END
$$;
