#include "import_tasks.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
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
	struct task *next;  /* the registry of tasks this process holds, queued or running */
	const char *report; /* while committing: the validation's report, kept when done */
	int64_t beat_at;    /* the ticker's last heartbeat for the whole registry */
};

/* How often the ticker refreshes the heartbeat of the jobs queued behind
 * the running one, which have no ticker of their own. */
enum { BEAT_SECONDS = 60 };

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct task *running;

static const char *restart_message = "服务重启，导入中断，请重新导入";
static const char *stale_message = "导入长时间没有进展，已中断，请重新导入";

/* This process as a runner, and when it began: a row naming our pid with
 * an older heartbeat was left by an earlier process that had the same pid
 * (a container restarted, its server pid 1 again). */
static pthread_once_t me_once = PTHREAD_ONCE_INIT;
static char me[300];
static size_t me_host; /* length of the hostname in me */
static int64_t me_since;

static void me_init(void)
{
	char host[256] = "";
	if (gethostname(host, sizeof(host) - 1) || !*host)
		strcpy(host, "localhost");
	snprintf(me, sizeof(me), "%s:%ld", host, (long)getpid());
	me_host = strlen(host);
	me_since = (int64_t)time(NULL);
}

const char *import_tasks_runner(void)
{
	pthread_once(&me_once, me_init);
	return me;
}

int import_job_get(struct db *d, struct err *e, struct arena *a, int64_t id,
                   struct import_job_row *out)
{
	struct db_rows *rs;
	if (db_query(d, e,
	             "SELECT j.id, j.org_id, COALESCE(j.account_id, 0), j.total_rows, j.good_rows, "
	             "j.bad_rows, j.done_rows, j.created_at, j.updated_at, j.status, j.message, "
	             "j.file_name, j.file_path, COALESCE(j.report_path, ''), o.path, j.kind, "
	             "COALESCE(j.report_purged_at, 0), j.good_units "
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
		out->report_purged_at = db_col_int(rs, 16);
		out->good_units = db_col_int(rs, 17);
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

/* The ids this process holds as ",1,2,3,", for a LIKE that both
 * databases read alike; NULL when none. The caller frees it. */
static char *held_ids(void)
{
	pthread_mutex_lock(&reg_lock);
	size_t n = 0, len = 0;
	for (struct task *t = running; t; t = t->next)
		n++;
	char *s = n ? malloc(n * 21 + 2) : NULL;
	if (s) {
		s[len++] = ',';
		for (struct task *t = running; t; t = t->next)
			len += (size_t)sprintf(s + len, "%lld,", (long long)t->id);
		s[len] = '\0';
	}
	pthread_mutex_unlock(&reg_lock);
	return s;
}

/* Refreshes the heartbeat of every job this process holds, queued or
 * running, in one statement. */
static int beat(struct db *d, struct err *e)
{
	char *ids = held_ids();
	if (!ids)
		return 0;
	int rc = db_exec(
	    d, e,
	    "UPDATE import_jobs SET heartbeat_at = $3 WHERE status IN ('validating', "
	    "'committing') AND runner = $1 AND $2 LIKE ('%,' || CAST(id AS TEXT) || "
	    "',%')",
	    DB_ARGS(DB_TEXT(import_tasks_runner()), DB_TEXT(ids), DB_INT((int64_t)time(NULL))),
	    NULL);
	free(ids);
	return rc;
}

/* The error report of an upload: beside it, named after it. */
static void report_of(const char *upload, char *out, size_t n)
{
	size_t stem = strlen(upload);
	if (stem > 7 && !strcmp(upload + stem - 7, ".upload"))
		stem -= 7;
	snprintf(out, n, "%.*s-report.xlsx", (int)stem, upload);
}

/* Why a job in validating or committing that runner holds, last alive at
 * seen, is abandoned; NULL while it may still be alive. */
static const char *abandoned(const char *runner, int64_t id, int64_t seen, int64_t now)
{
	const char *self = import_tasks_runner();
	const char *colon = strrchr(runner, ':');
	if (!strcmp(runner, self)) {
		pthread_mutex_lock(&reg_lock);
		int held = find(id) != NULL;
		pthread_mutex_unlock(&reg_lock);
		if (held)
			return NULL;
		/* a job of ours has a heartbeat from after we began; a row
		 * written between its request and its queueing has one too */
		if (seen < me_since)
			return restart_message;
	} else if (colon && (size_t)(colon - runner) == me_host &&
	           !strncmp(runner, self, me_host)) {
		char *end;
		long pid = strtol(colon + 1, &end, 10);
		if (!*end && pid > 0 && pid <= INT_MAX && kill((pid_t)pid, 0) == -1 &&
		    errno == ESRCH)
			return restart_message;
		/* alive, or its pid taken by another program since: the heartbeat says */
	}
	return seen < now - IMPORT_STALE_SECONDS ? stale_message : NULL;
}

struct pending_job {
	int64_t id, heartbeat, updated;
	const char *runner, *status, *file;
};

/* Why this never fails a job that a live commit will finish: the UPDATE
 * repeats what the job was chosen on (status, runner, heartbeat and
 * updated_at all unchanged) and the database judges it when it writes.
 * On PostgreSQL a running task's ticker refreshes the heartbeat every
 * second on a connection of its own, as the commit writes the job's row
 * only at its end. On SQLite a commit holds the write lock from its first
 * row to its last, so no heartbeat is written meanwhile and the SELECT may
 * see an old one; but the UPDATE cannot write before the commit ends
 * either, and by then the row says done and the commit's own transaction
 * refreshed the heartbeat of every other job its process holds
 * (finish_commit), so the UPDATE matches nothing. Only a commit that
 * rolls back leaves a moment in which the jobs queued behind it look old;
 * it needs a commit longer than IMPORT_STALE_SECONDS, and the job failed
 * then can be uploaded again. */
int import_tasks_reap(struct db *d, struct err *e, int64_t now, int *failed)
{
	*failed = 0;
	import_tasks_runner(); /* this process's start, for abandoned() */
	struct arena a;
	arena_init(&a);
	struct pending_job *jobs = NULL;
	size_t n = 0, cap = 0;
	struct db_rows *rs;
	int rc = db_query(d, e,
	                  "SELECT id, COALESCE(runner, ''), heartbeat_at, updated_at, status, "
	                  "file_path FROM import_jobs WHERE status IN ('validating', 'committing') "
	                  "ORDER BY id",
	                  0, NULL, &rs);
	if (rc)
		goto out;
	while ((rc = db_step(rs, e)) == 1) {
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			struct pending_job *p = arena_alloc(&a, cap * sizeof(*p));
			if (n)
				memcpy(p, jobs, n * sizeof(*p));
			jobs = p;
		}
		jobs[n++] = (struct pending_job){
		    .id = db_col_int(rs, 0),
		    .runner = arena_strdup(&a, db_col_text(rs, 1)),
		    .heartbeat = db_col_int(rs, 2),
		    .updated = db_col_int(rs, 3),
		    .status = arena_strdup(&a, db_col_text(rs, 4)),
		    .file = arena_strdup(&a, db_col_text(rs, 5)),
		};
	}
	db_rows_close(rs);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct pending_job *j = &jobs[i];
		/* an older binary's ticker writes updated_at only */
		int64_t seen = j->heartbeat > j->updated ? j->heartbeat : j->updated;
		const char *why = abandoned(j->runner, j->id, seen, now);
		int64_t changed = 0;
		if (!why)
			continue;
		if ((rc = db_exec(
		         d, e,
		         "UPDATE import_jobs SET status = 'failed', message = $6, "
		         "pending_key = NULL, updated_at = $7 WHERE id = $1 AND status = $5 "
		         "AND COALESCE(runner, '') = $2 AND heartbeat_at = $3 AND "
		         "updated_at = $4",
		         DB_ARGS(DB_INT(j->id), DB_TEXT(j->runner), DB_INT(j->heartbeat),
		                 DB_INT(j->updated), DB_TEXT(j->status), DB_TEXT(why), DB_INT(now)),
		         &changed)))
			goto out;
		if (!changed)
			continue;
		log_warn("import %lld: %s by %s, last alive %lld s ago: failed", (long long)j->id,
		         j->status, *j->runner ? j->runner : "?", (long long)(now - seen));
		if (*j->file) {
			unlink(j->file);
			/* what an interrupted validation had written of its report */
			char report[1024];
			report_of(j->file, report, sizeof(report));
			if (!strcmp(j->status, "validating"))
				unlink(report);
		}
		++*failed;
	}
	rc = 0;
out:
	arena_release(&a);
	return rc;
}

int import_tasks_purge(struct db *d, struct err *e, int64_t before, int *purged)
{
	enum { BATCH = 100 };
	*purged = 0;
	for (;;) {
		int64_t ids[BATCH];
		const char *reports[BATCH], *files[BATCH];
		int n = 0, done = 0, rc;
		struct arena a;
		struct db_rows *rs;
		arena_init(&a);
		/* the condition of the partial index import_jobs_files, as written there */
		rc = db_query(
		    d, e,
		    "SELECT id, COALESCE(report_path, ''), file_path FROM import_jobs "
		    "WHERE (report_path IS NOT NULL OR file_path <> '') AND updated_at < $1 "
		    "AND status IN ('done', 'failed', 'cancelled') ORDER BY updated_at "
		    "LIMIT 100",
		    DB_ARGS(DB_INT(before)), &rs);
		if (rc == 0) {
			while (n < BATCH && (rc = db_step(rs, e)) == 1) {
				ids[n] = db_col_int(rs, 0);
				reports[n] = arena_strdup(&a, db_col_text(rs, 1));
				files[n++] = arena_strdup(&a, db_col_text(rs, 2));
			}
			db_rows_close(rs);
		}
		for (int i = 0; rc >= 0 && i < n; i++) {
			int64_t changed = 0;
			/* the server that clears the row removes the files */
			rc = db_exec(
			    d, e,
			    "UPDATE import_jobs SET report_path = NULL, file_path = '', "
			    "report_purged_at = CASE WHEN report_path IS NULL THEN "
			    "report_purged_at ELSE $4 END WHERE id = $1 AND "
			    "COALESCE(report_path, '') = $2 AND file_path = $3 AND status IN "
			    "('done', 'failed', 'cancelled')",
			    DB_ARGS(DB_INT(ids[i]), DB_TEXT(reports[i]), DB_TEXT(files[i]),
			            DB_INT((int64_t)time(NULL))),
			    &changed);
			if (rc == 0 && changed) {
				if (*reports[i])
					unlink(reports[i]);
				if (*files[i])
					unlink(files[i]);
				done++;
			}
		}
		arena_release(&a);
		if (rc < 0)
			return -1;
		*purged += done;
		if (n < BATCH || done == 0)
			return 0;
	}
}

void import_tasks_sweep(struct db *d, int keep_days)
{
	struct err e = {0};
	int64_t now = (int64_t)time(NULL);
	int n = 0;
	if (beat(d, &e))
		log_warn("imports: cannot refresh the heartbeat: %s", e.message);
	if (import_tasks_reap(d, &e, now, &n))
		log_warn("imports: cannot check for abandoned jobs: %s", e.message);
	else if (n)
		log_warn("imports: %d abandoned jobs failed", n);
	if (import_tasks_purge(d, &e, now - (int64_t)keep_days * 86400, &n))
		log_warn("imports: cannot remove old reports: %s", e.message);
	else if (n)
		log_info("imports: files of %d jobs finished over %d days ago removed", n,
		         keep_days);
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
	int64_t n = 0, now = (int64_t)time(NULL);
	if (now - t->beat_at >= BEAT_SECONDS) {
		t->beat_at = now;
		beat(d, &e);
	}
	if (db_exec(d, &e,
	            "UPDATE import_jobs SET done_rows = $2, updated_at = $3, heartbeat_at = $3 "
	            "WHERE id = $1 AND status = $4",
	            DB_ARGS(DB_INT(t->id), DB_INT(atomic_load(&t->done)), DB_INT(now),
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
	               "updated_at = $11, heartbeat_at = $11, good_units = $12 "
	               "WHERE id = $1 AND status = $2",
	               DB_ARGS(DB_INT(id), DB_TEXT(from), DB_TEXT(to), DB_TEXT(message),
	                       DB_INT(c->total), DB_INT(c->good), DB_INT(c->bad), DB_INT(c->done),
	                       report ? DB_TEXT(report) : DB_NULL, DB_INT(pending),
	                       DB_INT((int64_t)time(NULL)), DB_INT(c->units)),
	               changed);
}

static void run_validate(struct db *d, struct task *t, const struct import_job_row *j,
                         const struct import_kind *k)
{
	char report[1024];
	report_of(j->file_path, report, sizeof(report));
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
	/* On SQLite this transaction has held the write lock since the commit
	 * began, so no heartbeat of this process was written meanwhile: they
	 * are fresh again the moment the lock goes (see import_tasks_reap). */
	if (beat(d, e))
		return -1;
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
	/* the jobs queued behind this one, old since the commit began */
	beat(d, &we);
	/* the row keeps what validation found; nothing of the commit was written */
	c = (struct import_counts){.total = j->total_rows,
	                           .good = j->good_rows,
	                           .bad = j->bad_rows,
	                           .units = j->good_units};
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
	/* the phase begins here: its first heartbeat */
	if (db_exec(d, &e,
	            "UPDATE import_jobs SET runner = $2, heartbeat_at = $3 WHERE id = $1 AND "
	            "status = $4",
	            DB_ARGS(DB_INT(t->id), DB_TEXT(import_tasks_runner()),
	                    DB_INT((int64_t)time(NULL)),
	                    DB_TEXT(t->commit ? "committing" : "validating")),
	            NULL))
		log_warn("import %lld: no heartbeat: %s", (long long)t->id, e.message);
	if (import_job_get(d, &e, &a, t->id, &j)) {
		log_error("import %lld: %s", (long long)t->id, e.message);
	} else if (!import_kind_named(j.kind)) {
		log_error("import %lld: unknown kind %s", (long long)t->id, j.kind);
	} else if (!strcmp(j.status, t->commit ? "committing" : "validating")) {
		if (t->commit)
			run_commit(d, t, &j, import_kind_named(j.kind));
		else
			run_validate(d, t, &j, import_kind_named(j.kind));
	}
	arena_release(&a);
}

/* After the task ran, or instead of it when the queue stopped first: the
 * job leaves this process's registry and so its heartbeat. */
static void task_done(void *arg)
{
	struct task *t = arg;
	set_registered(t, 0);
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
	/* held from now: the request has already named this process the runner */
	set_registered(t, 1);
	if (jobs_submit(db_url, &job, e)) {
		task_done(t);
		return -1;
	}
	return 0;
}
