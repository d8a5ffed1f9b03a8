-- The role of MyRelay's own account (the bot of the second seed). Its own migration: a new enum
-- value cannot be used in the transaction that adds it.
ALTER TYPE user_role ADD VALUE IF NOT EXISTS 'system';
