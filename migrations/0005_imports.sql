-- Bulk imports (批量导入): one row per uploaded file, from upload through
-- validation to the commit. The row is what a console polls for progress.
CREATE TABLE import_jobs (
	id {{id}},
	kind TEXT NOT NULL,
	org_id BIGINT NOT NULL REFERENCES orgs(id),
	account_id BIGINT REFERENCES accounts(id),
	file_name TEXT NOT NULL,
	file_hash TEXT NOT NULL,
	file_path TEXT NOT NULL DEFAULT '',
	-- "kind:org:hash" while the job is pending (validating, ready, committing)
	-- and NULL after: UNIQUE lets any number of NULLs through on both
	-- databases, so the same file for the same org is refused while one is
	-- pending, without a partial index and without a race between two uploads
	pending_key TEXT UNIQUE,
	status TEXT NOT NULL
		CHECK (status IN ('validating', 'ready', 'committing', 'done', 'failed', 'cancelled')),
	total_rows BIGINT NOT NULL DEFAULT 0,
	good_rows BIGINT NOT NULL DEFAULT 0,
	bad_rows BIGINT NOT NULL DEFAULT 0,
	done_rows BIGINT NOT NULL DEFAULT 0,
	message TEXT NOT NULL DEFAULT '',
	report_path TEXT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX import_jobs_account ON import_jobs (account_id, id);
CREATE INDEX import_jobs_status ON import_jobs (status);
