-- MyRelay's own account: posts a category's first message on new tickets and makes the
-- assignments nobody made by hand. It cannot sign in (no password hash verifies, and it is
-- inactive), cannot be assigned, and is never listed or counted as a person.
INSERT INTO users (email, password_hash, display_name, role, is_active)
VALUES ('system@myrelay.invalid', '!', 'MyRelay', 'system', false);
