-- Every query reads a ticket's messages by (ticket_id, seq), which has its own unique index (and
-- serves the cascade from tickets too); (ticket_id, id) only cost a write per message.
DROP INDEX ticket_messages_ticket_idx;
