-- The schema_migrations table itself is created by the runner.
-- A small key/value table for settings the running system changes.
CREATE TABLE settings (
	name TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_at BIGINT NOT NULL
);
