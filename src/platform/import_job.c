#include "import_job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/china_time.h"
#include "core/table_read.h"
#include "core/xlsx_write.h"
#include "import_check.h"
#include "import_kind.h"
#include "import_row.h"

enum {
	HEADER_SCAN = 10, /* rows looked at for the header, past a title line or two */
	HOLD_TICK = 500,  /* a kind that holds the whole file: rows read between progress calls */
	/* defer_indexes(): more bytes than a filled-in row of the template
	 * takes in a CSV (~140), so an uncounted file's rows are undercounted */
	ROW_BYTES_GUESS = 192,
	DEFER_MIN_ROWS = 10000, /* below this a rebuild saves nothing worth the churn */
};

enum pass {
	PASS_VALIDATE, /* the checks and the error report */
	PASS_COMMIT,   /* the checks again, and the good rows into the database */
};

struct run {
	struct import_pass p; /* what the kind sees */
	const struct import_kind *k;
	void *state; /* the kind's */
	const struct import_opts *o;
	struct db *d;
	struct err *e;
	enum pass pass;
	struct table_reader *t;
	struct import_header h;
	struct arena a; /* the current batch's strings */
	char *slots;    /* the batch: n rows of k->row_size bytes */
	int n, cap;
	struct xlsx_out *report;
	struct import_counts c;
};

const struct import_kind *import_kind_named(const char *name)
{
	static const struct import_kind *const kinds[] = {&import_members_kind, &import_orgs_kind};
	for (size_t i = 0; name && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i]->name, name))
			return kinds[i];
	return NULL;
}

static int oom(struct run *r)
{
	return err_set(r->e, ERR_INTERNAL, NULL, NULL, "内存不足，导入中止");
}

static struct import_rec *slot(struct run *r, int i)
{
	return (struct import_rec *)(r->slots + (size_t)i * r->k->row_size);
}

/* Finds the header row among the first few, past title lines. */
static int read_header(struct run *r)
{
	struct table_row row;
	for (int i = 0; i < HEADER_SCAN; i++) {
		int got = table_next(r->t, &row, r->e);
		if (got <= 0)
			break;
		int h = import_header_read(r->k->layout, &row, &r->h, r->e);
		if (h != 0)
			return h < 0 ? -1 : 0;
	}
	if (r->e->code != ERR_OK)
		return -1;
	return err_set(r->e, ERR_INVALID, "bad_header", NULL,
	               "没有找到表头：第一行应为列名（%s……），请使用下载的导入模板",
	               r->k->header_hint);
}

static int report_row(struct run *r, const struct import_rec *p)
{
	if (!r->o->report_path)
		return 0;
	if (!r->report) {
		if (xlsx_out_open(r->o->report_path, 1, &r->report, r->e))
			return -1;
		const char **titles = arena_alloc(&r->a, (size_t)(r->h.n + 2) * sizeof(*titles));
		titles[0] = "行号";
		for (int i = 0; i < r->h.n; i++)
			titles[i + 1] = r->h.titles[i];
		titles[r->h.n + 1] = "错误原因";
		xlsx_out_header(r->report, titles, r->h.n + 2);
		r->c.has_report = 1;
	}
	/* the cells as written, so the cadre can fix this file and upload it
	 * again: 行号 and 错误原因 are columns an import ignores */
	int ncols = p->ncells > r->h.n ? p->ncells : r->h.n;
	const char **cells = arena_alloc(&r->a, (size_t)(ncols + 2) * sizeof(*cells));
	cells[0] = arena_printf(&r->a, "%lld", (long long)p->line);
	for (int i = 0; i < ncols; i++)
		cells[i + 1] = i < p->ncells ? p->cells[i] : "";
	cells[ncols + 1] = p->why;
	return xlsx_out_row(r->report, cells, ncols + 2);
}

static int progress(struct run *r)
{
	return r->o->progress && r->o->progress(r->o->ctx, &r->c, r->e) ? -1 : 0;
}

int import_pass_tick(struct import_pass *p, int64_t done)
{
	struct run *r = (struct run *)p;
	r->c.done = done;
	return progress(r);
}

/* The commit stops as soon as its count of good rows cannot come out as
 * validation's: the data changed in between, and the cadre should look at
 * the file again. */
static int changed(struct run *r, const char *how, int64_t now)
{
	return err_set(r->e, ERR_CONFLICT, "changed_since_validation", NULL,
	               "校验之后数据已有变化（现在%s可导入 %lld 行，校验时为 %lld 行），请重新导入",
	               how, (long long)now, (long long)r->o->expect_good);
}

static int check_expected(struct run *r, int final)
{
	const struct import_opts *o = r->o;
	if (r->pass != PASS_COMMIT || o->expect_good < 0)
		return 0;
	if (final)
		return r->c.good == o->expect_good ? 0 : changed(r, "", r->c.good);
	if (r->c.good > o->expect_good)
		return changed(r, "至少", r->c.good);
	if (o->expect_total > 0 && o->expect_total - r->c.bad < o->expect_good)
		return changed(r, "至多", o->expect_total - r->c.bad);
	return 0;
}

/* Settles the batch, every row read since the last (the kind's checks and
 * writes), then each row, in the order of the file, into the counts and
 * the report. */
static int flush(struct run *r)
{
	if (r->n == 0)
		return 0;
	int64_t done = r->c.done;
	if (r->k->settle(r->state, &r->p, r->slots, r->n))
		return -1;
	r->c.done = done; /* a tick of the settle counted these rows already */
	for (int i = 0; i < r->n; i++) {
		const struct import_rec *p = slot(r, i);
		r->c.done++;
		if (p->nwhy) {
			r->c.bad++;
			if (report_row(r, p))
				return -1;
		} else {
			r->c.good++;
		}
	}
	r->n = 0;
	arena_reset(&r->a);
	return check_expected(r, 0) || progress(r) ? -1 : 0;
}

/* Room for one more row: a batch is allocated once; a kind that holds
 * the whole file grows it. */
static struct import_rec *next_slot(struct run *r)
{
	if (r->n == r->cap) {
		int cap = r->k->batch ? r->k->batch : r->cap ? 2 * r->cap : 256;
		char *g = realloc(r->slots, (size_t)cap * r->k->row_size);
		if (!g)
			return NULL;
		r->slots = g;
		r->cap = cap;
	}
	struct import_rec *p = slot(r, r->n++);
	memset(p, 0, r->k->row_size);
	return p;
}

static int check_rows(struct run *r)
{
	struct table_row row;
	int got;
	while ((got = table_next(r->t, &row, r->e)) == 1) {
		struct import_rec *p = next_slot(r);
		if (!p)
			return oom(r);
		p->line = row.line;
		r->c.total++;
		if (r->o->report_path) {
			p->ncells = row.n;
			p->cells = arena_alloc(&r->a, (size_t)(row.n + 1) * sizeof(*p->cells));
			for (int i = 0; i < row.n; i++)
				p->cells[i] = arena_strndup(&r->a, row.cells[i], row.lens[i]);
		}
		if (r->k->parse(r->state, &r->p, &row, p))
			return -1;
		if (r->k->batch ? r->n == r->k->batch && flush(r)
		                : r->c.total % HOLD_TICK == 0 && progress(r))
			return -1;
	}
	if (got < 0 || flush(r))
		return -1;
	if (r->c.total == 0)
		return err_set(r->e, ERR_INVALID, "no_rows", NULL, "文件中只有表头，没有%s数据行",
		               r->k->noun);
	return check_expected(r, 1);
}

static int run_open(struct run *r)
{
	arena_init(&r->a);
	/* China's date, as member_validate() checks it */
	time_t now = time(NULL);
	struct tm tm;
	china_tm(now, &tm);
	r->p = (struct import_pass){.o = r->o,
	                            .d = r->d,
	                            .e = r->e,
	                            .commit = r->pass == PASS_COMMIT,
	                            .h = &r->h,
	                            .a = &r->a,
	                            .c = &r->c,
	                            .now = (int64_t)now};
	strftime(r->p.today, sizeof(r->p.today), "%Y-%m-%d", &tm);
	if (import_scope_load(r->d, r->e, r->o->account_id, r->o->all_orgs, r->k->perm,
	                      &r->p.scope) ||
	    r->k->open(&r->p, &r->state))
		return -1;
	return table_open(r->o->path, &r->t, r->e) || read_header(r) ? -1 : 0;
}

static void run_close(struct run *r)
{
	table_close(r->t);
	import_header_release(&r->h);
	if (r->state)
		r->k->close(r->state);
	import_scope_release(&r->p.scope);
	import_orgs_release(&r->p.orgs);
	free(r->slots);
	arena_release(&r->a);
}

/* Closes the report; keep: the pass read every row, so the report is
 * whole. Returns rc, or -1 with r->e filled when closing fails. */
static int report_close(struct run *r, int rc, int keep)
{
	if (!r->report)
		return rc;
	struct err xe;
	int broken = xlsx_out_close(r->report, &xe);
	r->report = NULL;
	if (broken && rc == 0) {
		*r->e = xe;
		rc = -1;
	}
	if (broken || (rc && !keep)) {
		unlink(r->o->report_path);
		r->c.has_report = 0;
	}
	return rc;
}

static struct run *run_new(struct db *d, struct err *e, const struct import_opts *o, enum pass pass)
{
	struct run *r = calloc(1, sizeof(*r));
	if (!r) {
		err_set(e, ERR_INTERNAL, NULL, NULL, "内存不足");
		return NULL;
	}
	*r = (struct run){
	    .k = o->kind ? o->kind : &import_members_kind, .o = o, .d = d, .e = e, .pass = pass};
	return r;
}

int import_validate(struct db *d, struct err *e, const struct import_opts *o,
                    struct import_counts *c)
{
	struct run *r = run_new(d, e, o, PASS_VALIDATE);
	if (!r)
		return -1;
	int rc = run_open(r) || check_rows(r) ? -1 : 0;
	rc = report_close(r, rc, 0);
	*c = r->c;
	run_close(r);
	free(r);
	return rc;
}

/* Whether the commit builds the kind's indexes afterwards: when the file
 * holds at least as many rows as the table (its largest id, which a
 * deletion only makes larger). The rows are validation's count, or, for
 * a file no one counted, a guess from its size that errs towards keeping
 * the indexes: a rebuild for a small load into a large table costs more
 * than it saves. */
static int defer_indexes(struct run *r)
{
	const char *table = r->k->bulk_table;
	if (!table)
		return 0;
	int64_t rows = r->o->expect_total;
	struct stat st;
	if (rows <= 0)
		rows = stat(r->o->path, &st) ? 0 : (int64_t)st.st_size / ROW_BYTES_GUESS;
	if (rows < DEFER_MIN_ROWS)
		return 0;
	char sql[96];
	snprintf(sql, sizeof(sql), "SELECT COALESCE(MAX(id), 0) FROM %s", table);
	int64_t held;
	if (db_query_int(r->d, r->e, sql, 0, NULL, &held))
		return -1;
	return rows >= held ? db_bulk_defer_indexes(r->d, r->e, table) : 0;
}

int import_commit(struct db *d, struct err *e, const struct import_opts *o, struct import_counts *c)
{
	struct run *r = run_new(d, e, o, PASS_COMMIT);
	if (!r)
		return -1;
	int rc = -1, whole = 0;
	if (db_bulk_begin(d, e) || db_begin(d, e))
		goto out;
	if (defer_indexes(r) || run_open(r) || check_rows(r))
		goto rollback;
	whole = 1;
	if (r->c.good == 0) {
		err_set(e, ERR_INVALID, "nothing_to_import", NULL, "没有可导入的行");
		goto rollback;
	}
	/* the report before the commit: a commit that could not write it
	 * would leave rows filed that no one was told about */
	if (report_close(r, 0, 1))
		goto rollback;
	if ((r->k->finish && r->k->finish(r->state, &r->p)) || db_bulk_build_indexes(d, e) ||
	    (o->finish && o->finish(o->ctx, d, e, &r->c)) || db_commit(d, e))
		goto rollback;
	rc = 0;
	goto out;
rollback:
	db_rollback(d);
out:
	db_bulk_end(d);
	rc = report_close(r, rc, whole);
	*c = r->c;
	run_close(r);
	free(r);
	return rc;
}
