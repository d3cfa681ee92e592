/* gonghui import members|orgs FILE --org ID [--commit]: the same validation
 * and commit as the console's import, run in the foreground as the system
 * (scope: every org; audit account 0, action cli.import.members or
 * cli.import.orgs), with a progress line on stderr. Ctrl-C or a kill during the commit leaves the
 * database as it was: the transaction never commits. */
#include "import_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "core/arena.h"
#include "core/china_time.h"
#include "core/db.h"
#include "core/migrate.h"
#include "import_job.h"
#include "import_kind.h"
#include "keys.h"
#include "org.h"

struct bar {
	const struct import_kind *kind;
	const char *what;
	int64_t total; /* 0 while unknown: the file is read once */
	double start, last;
	const char *file;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void draw(struct bar *b, int64_t done, int final)
{
	double t = now_s();
	if (!final && t - b->last < 0.1)
		return;
	b->last = t;
	double rate = t > b->start ? (double)done / (t - b->start) : 0;
	if (b->total > 0) {
		int pct = (int)(100 * done / b->total), fill = pct / 4;
		fprintf(stderr, "\r%s [%.*s%*s] %3d%%  %lld/%lld 行  %.0f 行/秒 ", b->what, fill,
		        "#########################", 25 - fill, "", pct, (long long)done,
		        (long long)b->total, rate);
	} else {
		fprintf(stderr, "\r%s  %lld 行  %.0f 行/秒 ", b->what, (long long)done, rate);
	}
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

static int on_progress(void *ctx, const struct import_counts *c, struct err *e)
{
	(void)e;
	struct bar *b = ctx;
	draw(b, c->done, 0);
	return 0;
}

static int on_finish(void *ctx, struct db *d, struct err *e, const struct import_counts *c)
{
	struct bar *b = ctx;
	struct arena a;
	arena_init(&a);
	struct audit_row row = {
	    .action = arena_printf(&a, "cli.import.%s", b->kind->name),
	    .target = "",
	    .fields = audit_fields(&a, "file", b->file, "rows",
	                           arena_printf(&a, "%lld", (long long)c->good), NULL),
	    .ip = "cli",
	    .request_id = "",
	    .success = 1,
	};
	int rc = audit_append(d, e, &row);
	arena_release(&a);
	return rc;
}

static int usage(const char *why)
{
	fprintf(stderr,
	        "gonghui import: %s\n用法：gonghui import members|orgs 文件.csv|文件.xlsx --org "
	        "工会编号 "
	        "[--commit]\n  members 导入会员，--org 为默认的所属工会；orgs 导入基层工会，--org "
	        "为默认的"
	        "上级工会\n  不带 --commit 只校验并生成错误报告；带 --commit 校验后导入通过的行\n",
	        why);
	return 2;
}

/* The database at the current schema and the key file that already holds
 * the keys of its data: an import must never make a new key. */
static int open_ready(struct config *c, struct db **d, struct err *e)
{
	int have = 0;
	if (db_open(c->db, d, e))
		return -1;
	if (migrate_db_version(*d, e, &have))
		goto fail;
	if (have != migrate_latest()) {
		err_set(e, ERR_UNAVAILABLE, NULL, NULL,
		        "数据库结构版本为 %d，需要 %d：请先执行 gonghui migrate", have,
		        migrate_latest());
		goto fail;
	}
	if (keys_load(c->secret_key_file, 0, e))
		goto fail;
	return 0;
fail:
	db_close(*d);
	*d = NULL;
	return -1;
}

int cli_import(struct config *c)
{
	const struct import_kind *kind = c->nargs == 2 ? import_kind_named(c->args[0]) : NULL;
	if (!kind)
		return usage("需要导入的类型（members 或 orgs）和文件");
	char *end;
	long long org = strtoll(c->org, &end, 10);
	if (!*c->org || *end || org <= 0)
		return usage("请用 --org 指定默认的工会编号");
	const char *file = c->args[1];
	struct db *d;
	struct err e = {0};
	if (open_ready(c, &d, &e)) {
		fprintf(stderr, "gonghui import: %s\n", e.message);
		return 1;
	}
	struct arena a;
	arena_init(&a);
	int rc = 1;
	struct org o;
	if (org_get(d, &e, &a, org, &o)) {
		fprintf(stderr, "gonghui import: 工会 %lld 不存在\n", org);
		goto out;
	}
	char dir[1024], report[1200], stamp[32];
	snprintf(dir, sizeof(dir), "%s/imports", c->data_dir);
	mkdir(c->data_dir, 0700);
	mkdir(dir, 0700);
	struct tm tm;
	china_tm(time(NULL), &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(report, sizeof(report), "%s/cli-%s-%d-report.xlsx", dir, stamp, (int)getpid());
	struct bar bar = {
	    .kind = kind, .what = c->commit ? "导入" : "校验", .start = now_s(), .file = file};
	struct import_opts opts = {.kind = kind,
	                           .path = file,
	                           .default_org = org,
	                           .all_orgs = 1,
	                           .keys = keys(),
	                           .report_path = report,
	                           .request_id = "cli",
	                           .expect_good = -1,
	                           .progress = on_progress,
	                           .finish = on_finish,
	                           .ctx = &bar};
	struct import_counts n = {0};
	/* with --commit the file is read once: no one looks at the counts in
	 * between, so the commit's own checks, the same as validation's, are
	 * the validation, and its report the error report */
	int failed =
	    c->commit ? import_commit(d, &e, &opts, &n) : import_validate(d, &e, &opts, &n);
	int counted = !failed || !strcmp(e.slug, "nothing_to_import");
	if (counted) {
		bar.total = n.total;
		draw(&bar, n.done, 1);
		printf("校验完成：共 %lld 行，可导入 %lld 行，有错误 %lld 行\n", (long long)n.total,
		       (long long)n.good, (long long)n.bad);
		if (n.has_report)
			printf("错误报告：%s\n", report);
	} else {
		fputc('\n', stderr);
	}
	if (failed) {
		fprintf(stderr, "gonghui import: %s%s\n", e.message,
		        c->commit && !counted ? "；数据库未作任何修改" : "");
		goto out;
	}
	if (c->commit && kind == &import_members_kind)
		printf("已导入 %lld 名会员\n", (long long)n.units);
	else if (c->commit)
		printf("已导入 %lld 个工会（%lld 行）\n", (long long)n.units, (long long)n.good);
	rc = 0;
out:
	arena_release(&a);
	db_close(d);
	keys_unload();
	return rc;
}
