/* The server's imports, of every kind (import_kind.h): the import_jobs rows and the background
 * tasks (core/jobs.h) that validate and commit them. A row is the truth
 * about a job; a task that runs in this process also keeps its progress in
 * memory, so a poll sees it even while a commit holds SQLite's write lock
 * and the row cannot be written.
 *
 * Status: validating → ready → committing → done, or failed / cancelled.
 * "Pending" is validating, ready and committing: then pending_key is set,
 * and the same file for the same org is refused. A job in validating or
 * committing is held by one process, its runner, which keeps the row's
 * heartbeat fresh while it holds it, queued or running. */
#ifndef GH_IMPORT_TASKS_H
#define GH_IMPORT_TASKS_H

#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"

struct import_job_row {
	int64_t id, org_id, account_id;
	int64_t total_rows, good_rows, bad_rows, done_rows, created_at, updated_at;
	int64_t report_purged_at; /* 0 unless the report was removed for age */
	int64_t good_units;       /* members or unions the good rows file */
	const char *kind, *status, *message, *file_name, *file_path, *report_path, *org_path;
};

/* Loads job id with its org's path (strings in a); ERR_NOT_FOUND when none. */
int import_job_get(struct db *d, struct err *e, struct arena *a, int64_t id,
                   struct import_job_row *out);

/* "hostname:pid": what a job's runner column says for the jobs this
 * process holds, from the upload or commit request that queues them. */
const char *import_tasks_runner(void);

/* Fails every job in validating or committing whose runner is gone: a
 * process of this host that no longer runs, an earlier process with this
 * one's pid, or anyone whose heartbeat is older than IMPORT_STALE_SECONDS.
 * The job says why ("服务重启，导入中断，请重新导入" for the first two) and
 * its upload is removed. Safe beside other servers doing the same; for a
 * server's start-up and its periodic sweep. *failed gets how many. */
/* generous: a live runner's ticker beats every second, or every minute for
 * the jobs queued behind it */
#define IMPORT_STALE_SECONDS 600
int import_tasks_reap(struct db *d, struct err *e, int64_t now, int *failed);

/* Removes the report and any leftover upload of every job that finished
 * (done, failed, cancelled) before `before`, and clears the row's paths;
 * a removed report is remembered (report_purged_at) so its download can
 * say why it is gone. *purged gets how many jobs. */
int import_tasks_purge(struct db *d, struct err *e, int64_t before, int *purged);

/* The periodic work of imports: the heartbeat of this process's jobs,
 * import_tasks_reap() and import_tasks_purge() of what finished more
 * than keep_days ago. Failures are logged. */
void import_tasks_sweep(struct db *d, int keep_days);

/* Queues the validation (commit 0) or the commit (1) of job id, whose row
 * is already validating / committing. The task copies keys() now, so a
 * shutdown that wipes the process's keys cannot touch a running commit.
 * The error report goes beside the uploaded file. */
int import_tasks_submit(const char *db_url, int64_t id, int commit, struct err *e);

/* The rows done so far of job id when this process runs it, else -1. */
int64_t import_tasks_progress(int64_t id);

/* Asks this process's task for job id, if any, to stop at its next batch. */
void import_tasks_cancel(int64_t id);

#endif
