-- The language of the interface: an account's own choice (NULL: none,
-- the browser's languages and then the organization's default decide)
-- and the organization's default (NULL: the server's configured one).
ALTER TABLE accounts ADD COLUMN locale TEXT;
ALTER TABLE organization ADD COLUMN locale TEXT;
