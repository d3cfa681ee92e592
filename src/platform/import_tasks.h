/* The server's imports, of every kind (import_kind.h): the import_jobs rows and the background
 * tasks (core/jobs.h) that validate and commit them. A row is the truth
 * about a job; a task that runs in this process also keeps its progress in
 * memory, so a poll sees it even while a commit holds SQLite's write lock
 * and the row cannot be written.
 *
 * Status: validating → ready → committing → done, or failed / cancelled.
 * "Pending" is validating, ready and committing: then pending_key is set,
 * and the same file for the same org is refused. */
#ifndef GH_IMPORT_TASKS_H
#define GH_IMPORT_TASKS_H

#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"

struct import_job_row {
	int64_t id, org_id, account_id;
	int64_t total_rows, good_rows, bad_rows, done_rows, created_at, updated_at;
	const char *kind, *status, *message, *file_name, *file_path, *report_path, *org_path;
};

/* Loads job id with its org's path (strings in a); ERR_NOT_FOUND when none. */
int import_job_get(struct db *d, struct err *e, struct arena *a, int64_t id,
                   struct import_job_row *out);

/* Once per process, before the first task: a job this process does not run
 * but that its row says is validating or committing was cut off by a
 * restart; it is marked failed ("服务重启，导入中断，请重新导入") and its file
 * removed. Returns 0 (also when already done), -1 with e on a database error
 * (then the next call tries again). */
int import_tasks_recover(struct db *d, struct err *e);

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
