-- New rows enter a GIN index through its pending list, which is merged into the index by the
-- insert that finds it full. At the default 4 MB that one insert took 200-300 ms under chat load,
-- holding up every message of its batch; a smaller list is merged more often, in a few ms.
-- Tickets too: a message moves its ticket's activity time, an update that re-enters the index.
ALTER INDEX ticket_messages_search_idx SET (gin_pending_list_limit = 128);
ALTER INDEX tickets_search_idx SET (gin_pending_list_limit = 128);
