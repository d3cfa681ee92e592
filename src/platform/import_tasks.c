#include "import_tasks.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "core/crypto.h"
#include "core/jobs.h"
#include "core/log.h"
#include "import_job.h"
#include "import_kind.h"
#include "keys.h"

struct task {
	int64_t id;
	int commit;
	struct crypto_keys keys; /* a copy: keys_unload() at shutdown wipes the global ones */
	atomic_llong done;
	atomic_int cancel;  /* 1: cancelled by a cadre or a changed row; 2: shutting down */
	struct task *next;  /* the registry of tasks running in this process */
	const char *report; /* while committing: the validation's report, kept when done */
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct task *running;
static int recovered;

static const char *restart_message = "服务重启，导入中断，请重新导入";

int import_job_get(struct db *d, struct err *e, struct arena *a, int64_t id,
                   struct import_job_row *out)
{
	struct db_rows *rs;
	if (db_query(d, e,
	             "SELECT j.id, j.org_id, COALESCE(j.account_id, 0), j.total_rows, j.good_rows, "
	             "j.bad_rows, j.done_rows, j.created_at, j.updated_at, j.status, j.message, "
	             "j.file_name, j.file_path, COALESCE(j.report_path, ''), o.path, j.kind "
	             "FROM import_jobs j JOIN orgs o ON o.id = j.org_id WHERE j.id = $1",
	             DB_ARGS(DB_INT(id)), &rs))
		return -1;
	int got = db_step(rs, e);
	if (got == 1) {
		int64_t *ints[] = {&out->id,         &out->org_id,     &out->account_id,
		                   &out->total_rows, &out->good_rows,  &out->bad_rows,
		                   &out->done_rows,  &out->created_at, &out->updated_at};
		for (int i = 0; i < 9; i++)
			*ints[i] = db_col_int(rs, i);
		const char **strs[] = {&out->status,    &out->message,     &out->file_name,
		                       &out->file_path, &out->report_path, &out->org_path,
		                       &out->kind};
		for (int i = 0; i < 7; i++)
			*strs[i] = arena_strdup(a, db_col_text(rs, 9 + i));
	}
	db_rows_close(rs);
	if (got < 0)
		return -1;
	return got ? 0 : err_set(e, ERR_NOT_FOUND, NULL, NULL, "导入任务不存在");
}

static struct task *find(int64_t id)
{
	for (struct task *t = running; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

int64_t import_tasks_progress(int64_t id)
{
	pthread_mutex_lock(&reg_lock);
	struct task *t = find(id);
	int64_t done = t ? atomic_load(&t->done) : -1;
	pthread_mutex_unlock(&reg_lock);
	return done;
}

void import_tasks_cancel(int64_t id)
{
	pthread_mutex_lock(&reg_lock);
	struct task *t = find(id);
	if (t)
		atomic_store(&t->cancel, 1);
	pthread_mutex_unlock(&reg_lock);
}

static void set_registered(struct task *t, int on)
{
	pthread_mutex_lock(&reg_lock);
	if (on) {
		t->next = running;
		running = t;
	} else {
		for (struct task **p = &running; *p; p = &(*p)->next)
			if (*p == t) {
				*p = t->next;
				break;
			}
	}
	pthread_mutex_unlock(&reg_lock);
}

int import_tasks_recover(struct db *d, struct err *e)
{
	pthread_mutex_lock(&reg_lock);
	int rc = 0;
	if (recovered)
		goto out;
	/* this process has run no task yet, so every such row is someone's
	 * interrupted work */
	struct db_rows *rs;
	if ((rc = db_query(d, e,
	                   "SELECT file_path FROM import_jobs WHERE status IN ('validating', "
	                   "'committing')",
	                   0, NULL, &rs)))
		goto out;
	while ((rc = db_step(rs, e)) == 1)
		if (*db_col_text(rs, 0))
			unlink(db_col_text(rs, 0));
	db_rows_close(rs);
	if (rc < 0)
		goto out;
	rc = db_exec(d, e,
	             "UPDATE import_jobs SET status = 'failed', message = $1, pending_key = NULL, "
	             "updated_at = $2 WHERE status IN ('validating', 'committing')",
	             DB_ARGS(DB_TEXT(restart_message), DB_INT((int64_t)time(NULL))), NULL);
	recovered = rc == 0;
out:
	pthread_mutex_unlock(&reg_lock);
	return rc;
}

/* Progress after every batch: publish it, and stop when asked to. */
static int progress(void *ctx, const struct import_counts *c, struct err *e)
{
	struct task *t = ctx;
	atomic_store(&t->done, c->done);
	if (jobs_stopping())
		return err_set(e, ERR_UNAVAILABLE, "shutdown", NULL,
		               "服务停止，导入中断，请重新导入");
	if (atomic_load(&t->cancel))
		return err_set(e, ERR_CONFLICT, "cancelled", NULL, "导入已取消");
	return 0;
}

/* The ticker's second: the row shows the progress to every server process.
 * A row no longer in the task's status was cancelled or failed elsewhere:
 * the task stops. On SQLite this write waits while a commit holds the
 * write lock, and then simply fails; the poll reads the memory instead. */
static void tick(struct db *d, void *arg)
{
	struct task *t = arg;
	struct err e;
	int64_t n = 0;
	if (db_exec(d, &e,
	            "UPDATE import_jobs SET done_rows = $2, updated_at = $3 WHERE id = $1 AND "
	            "status = $4",
	            DB_ARGS(DB_INT(t->id), DB_INT(atomic_load(&t->done)),
	                    DB_INT((int64_t)time(NULL)),
	                    DB_TEXT(t->commit ? "committing" : "validating")),
	            &n))
		return;
	if (n == 0)
		atomic_store(&t->cancel, 1);
}

/* The row leaves `from` for a final status; 0 rows when someone else
 * already moved it (a cancel). */
static int finish_row(struct db *d, struct err *e, int64_t id, const char *from, const char *to,
                      const char *message, const struct import_counts *c, const char *report,
                      int64_t *changed)
{
	int pending = !strcmp(to, "ready");
	return db_exec(d, e,
	               "UPDATE import_jobs SET status = $3, message = $4, total_rows = $5, "
	               "good_rows = $6, bad_rows = $7, done_rows = $8, report_path = $9, "
	               "pending_key = CASE WHEN $10 = 1 THEN pending_key ELSE NULL END, "
	               "updated_at = $11 WHERE id = $1 AND status = $2",
	               DB_ARGS(DB_INT(id), DB_TEXT(from), DB_TEXT(to), DB_TEXT(message),
	                       DB_INT(c->total), DB_INT(c->good), DB_INT(c->bad), DB_INT(c->done),
	                       report ? DB_TEXT(report) : DB_NULL, DB_INT(pending),
	                       DB_INT((int64_t)time(NULL))),
	               changed);
}

static void run_validate(struct db *d, struct task *t, const struct import_job_row *j,
                         const struct import_kind *k)
{
	/* beside the upload, named after it */
	char report[1024];
	size_t stem = strlen(j->file_path);
	if (stem > 7 && !strcmp(j->file_path + stem - 7, ".upload"))
		stem -= 7;
	snprintf(report, sizeof(report), "%.*s-report.xlsx", (int)stem, j->file_path);
	struct import_opts o = {.kind = k,
	                        .path = j->file_path,
	                        .default_org = j->org_id,
	                        .account_id = j->account_id,
	                        .keys = &t->keys,
	                        .report_path = report,
	                        .progress = progress,
	                        .ctx = t};
	struct import_counts c;
	struct err e = {0};
	int64_t changed = 0;
	int rc = import_validate(d, &e, &o, &c);
	const char *to = "ready", *msg = "";
	char why[300];
	if (rc == 0 && c.good == 0) {
		to = "failed";
		snprintf(why, sizeof(why), "全部 %lld 行均未通过校验，请按错误报告修改后重新导入",
		         (long long)c.total);
		msg = why;
	} else if (rc) {
		to = "failed";
		msg = e.message;
	}
	struct err we;
	if (finish_row(d, &we, t->id, "validating", to, msg, &c, c.has_report ? report : NULL,
	               &changed))
		log_error("import %lld: cannot record the validation: %s", (long long)t->id,
		          we.message);
	if (!changed && c.has_report)
		unlink(report); /* cancelled meanwhile */
	if (!changed || strcmp(to, "ready"))
		unlink(j->file_path);
}

/* Inside the commit's transaction: the row says done, and the audit log
 * says who imported what, or nothing at all is written. */
static int finish_commit(void *ctx, struct db *d, struct err *e, const struct import_counts *c)
{
	struct task *t = ctx;
	int64_t changed = 0;
	/* the report stays: its rows are the ones to fix and import again */
	if (finish_row(d, e, t->id, "committing", "done", "", c, t->report, &changed))
		return -1;
	if (!changed)
		return err_set(e, ERR_CONFLICT, "cancelled", NULL, "导入任务已被中止");
	struct import_job_row j;
	struct arena a;
	arena_init(&a);
	int rc = import_job_get(d, e, &a, t->id, &j);
	if (rc == 0) {
		struct audit_row row = {
		    .account_id = j.account_id,
		    .org_id = j.org_id,
		    .action = arena_printf(&a, "%s.import", j.kind),
		    .target = arena_printf(&a, "import:%lld", (long long)t->id),
		    .fields = audit_fields(&a, "file", j.file_name, "rows",
		                           arena_printf(&a, "%lld", (long long)c->good), NULL),
		    .ip = "",
		    .request_id = arena_printf(&a, "import:%lld", (long long)t->id),
		    .success = 1,
		};
		rc = audit_append(d, e, &row);
	}
	arena_release(&a);
	return rc;
}

static void run_commit(struct db *d, struct task *t, const struct import_job_row *j,
                       const struct import_kind *k)
{
	char rid[40];
	snprintf(rid, sizeof(rid), "import:%lld", (long long)t->id);
	struct import_opts o = {.kind = k,
	                        .path = j->file_path,
	                        .default_org = j->org_id,
	                        .account_id = j->account_id,
	                        .keys = &t->keys,
	                        .request_id = rid,
	                        .expect_good = j->good_rows,
	                        .expect_total = j->total_rows,
	                        .progress = progress,
	                        .finish = finish_commit,
	                        .ctx = t};
	struct import_counts c;
	struct err e = {0};
	t->report = *j->report_path ? j->report_path : NULL;
	if (import_commit(d, &e, &o, &c) == 0) {
		log_info("import %lld: %lld %s rows filed", (long long)t->id, (long long)c.good,
		         k->name);
		unlink(j->file_path);
		return;
	}
	log_warn("import %lld: commit rolled back: %s", (long long)t->id, e.message);
	struct err we;
	int64_t changed = 0;
	/* the row keeps what validation found; nothing of the commit was written */
	c = (struct import_counts){
	    .total = j->total_rows, .good = j->good_rows, .bad = j->bad_rows};
	if (finish_row(d, &we, t->id, "committing", "failed", e.message, &c,
	               *j->report_path ? j->report_path : NULL, &changed))
		log_error("import %lld: cannot record the failure: %s", (long long)t->id,
		          we.message);
	unlink(j->file_path);
}

static void task_run(struct db *d, void *arg)
{
	struct task *t = arg;
	struct import_job_row j;
	struct arena a;
	struct err e;
	arena_init(&a);
	if (import_job_get(d, &e, &a, t->id, &j)) {
		log_error("import %lld: %s", (long long)t->id, e.message);
	} else if (!import_kind_named(j.kind)) {
		log_error("import %lld: unknown kind %s", (long long)t->id, j.kind);
	} else if (!strcmp(j.status, t->commit ? "committing" : "validating")) {
		set_registered(t, 1);
		if (t->commit)
			run_commit(d, t, &j, import_kind_named(j.kind));
		else
			run_validate(d, t, &j, import_kind_named(j.kind));
		set_registered(t, 0);
	}
	arena_release(&a);
}

static void task_done(void *arg)
{
	struct task *t = arg;
	crypto_wipe(&t->keys, sizeof(t->keys));
	free(t);
}

int import_tasks_submit(const char *db_url, int64_t id, int commit, struct err *e)
{
	struct task *t = calloc(1, sizeof(*t));
	if (!t)
		return err_set(e, ERR_INTERNAL, NULL, NULL, "内存不足");
	t->id = id;
	t->commit = commit;
	t->keys = *keys();
	struct job job = {.run = task_run, .tick = tick, .done = task_done, .arg = t};
	if (jobs_submit(db_url, &job, e)) {
		task_done(t);
		return -1;
	}
	return 0;
}
