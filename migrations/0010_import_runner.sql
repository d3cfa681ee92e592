-- Who runs an import job and when it last showed life, so that a server
-- fails only the jobs whose runner is gone, not those another server over
-- the same PostgreSQL is running; and when a finished job's report was
-- removed for age, so its download can say so.
-- runner: "hostname:pid" of the process that holds the job; NULL for a job
-- an older binary filed
ALTER TABLE import_jobs ADD COLUMN runner TEXT;
ALTER TABLE import_jobs ADD COLUMN heartbeat_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE import_jobs ADD COLUMN report_purged_at BIGINT;
UPDATE import_jobs SET heartbeat_at = updated_at;
-- the finished jobs that still have files to remove once they are old
CREATE INDEX import_jobs_files ON import_jobs (updated_at)
	WHERE report_path IS NOT NULL OR file_path <> '';
