#include "import_job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/json_write.h"
#include "core/pinyin.h"
#include "core/table_read.h"
#include "core/validate.h"
#include "core/xlsx_write.h"
#include "import_check.h"
#include "import_row.h"
#include "member_stats.h"
#include "stats_acc.h"

enum {
	BATCH = 500, /* rows checked against the members table, or inserted, in one go */
	MEMBER_COLS = 24,
	HASH_COL = 5,     /* id_card_hash among the member columns */
	HEADER_SCAN = 10, /* rows looked at for the header, past a title line or two */
	CARD_TRIES = 5,
};

struct pending {
	struct import_row row;
	int64_t line;
	int ncells;
	const char **cells; /* validate: the row as written, for the report */
	char hash[96];      /* lookup hash of row.id18, when row.id_ok: made once a row */
	const struct import_org *org;
	int64_t dup_of;    /* the line of the number's first row, when this is a later one */
	int64_t member_id; /* commit: once inserted */
	int filed;         /* commit: the insert found the number already filed */
};

/* The passes over the file. A commit reads it once, checking each row and
 * inserting the good ones as it goes. It never asks the members table
 * whether a batch is filed: that query, on a table that grows under it,
 * would run on a cached plan (PostgreSQL's generic plan, made while the
 * table looked small) that scans it. The insert asks instead: ON CONFLICT
 * DO NOTHING on the unique hash skips a filed number, which one lookup by
 * that key then tells apart from a clash of 会员证号. */
enum pass {
	PASS_VALIDATE, /* the checks and the error report */
	PASS_COMMIT,   /* the checks again, and the good rows into the database */
};

struct run {
	const struct import_opts *o;
	struct db *d;
	struct err *e;
	enum pass pass;
	struct table_reader *t;
	struct import_header h;
	struct import_scope scope;
	struct import_orgs orgs;
	struct import_ids ids;
	struct arena a; /* the current batch's strings */
	struct pending batch[BATCH];
	int n;
	struct xlsx_out *report;
	struct import_counts c;
	struct stats_acc *stats;
	int64_t now;
	char today[11]; /* the latest 入会日期, fixed for the pass */
	/* a commit with a report: a bit per line whose row went in, so a later
	 * row with its number is not taken for one filed before the import */
	unsigned char *inserted;
	size_t inserted_cap; /* bytes */
};

static int oom(struct run *r)
{
	return err_set(r->e, ERR_INTERNAL, NULL, NULL, "内存不足，导入中止");
}

/* Finds the header row among the first few, past title lines. */
static int read_header(struct run *r)
{
	struct table_row row;
	for (int i = 0; i < HEADER_SCAN; i++) {
		int got = table_next(r->t, &row, r->e);
		if (got <= 0)
			break;
		int h = import_header_read(&row, &r->h, r->e);
		if (h != 0)
			return h < 0 ? -1 : 0;
	}
	if (r->e->code != ERR_OK)
		return -1;
	return err_set(r->e, ERR_INVALID, "bad_header", NULL,
	               "没有找到表头：第一行应为列名（姓名、身份证号、入会日期……），"
	               "请使用下载的导入模板");
}

/* The checks a row's neighbours and the org tree decide. */
static int check_row(struct run *r, struct pending *p)
{
	struct import_row *row = &p->row;
	if (row->id_ok) {
		crypto_lookup_hash(r->o->keys, "id_card", row->id18, p->hash);
		int64_t first = import_ids_seen(&r->ids, p->hash, p->line);
		if (first < 0)
			return oom(r);
		if (first) {
			import_row_fail(row, &r->a, "与第 %lld 行的身份证号重复", (long long)first);
			p->dup_of = first;
		}
	}
	if (row->in.org_id > 0) {
		const struct import_org *o =
		    import_orgs_get(&r->orgs, r->d, r->e, &r->scope, row->in.org_id);
		if (!o)
			return -1;
		if (!o->visible)
			import_row_fail(row, &r->a, "所属工会编号 %lld 不存在或不在您的管理范围内",
			                (long long)row->in.org_id);
		else if (!o->base)
			import_row_fail(row, &r->a, "“%s”不是基层工会，会员只能登记在基层工会",
			                o->name);
		else if (!o->active)
			import_row_fail(row, &r->a, "“%s”已撤销，不能再登记会员", o->name);
		else
			p->org = o;
	}
	return 0;
}

/* The reason of a row whose number the org holder already holds: the
 * holder is named only to those who may see it, as in the form. */
static int filed_at(struct run *r, struct pending *p, int64_t holder)
{
	const struct import_org *o = import_orgs_get(&r->orgs, r->d, r->e, &r->scope, holder);
	if (!o)
		return -1;
	if (o->visible)
		import_row_fail(&p->row, &r->a, "该身份证号已登记为“%s”的会员", o->name);
	else
		import_row_fail(&p->row, &r->a, "该身份证号已在其他工会登记为会员");
	return 0;
}

/* One query for the whole batch: who is already filed, and where. */
static int check_filed(struct run *r)
{
	struct db_val params[BATCH];
	int k = 0;
	struct jw sql;
	jw_init(&sql, &r->a);
	const char *head = "SELECT id_card_hash, org_id FROM members WHERE id_card_hash IN (";
	jw_raw(&sql, head, strlen(head));
	for (int i = 0; i < r->n; i++) {
		if (!r->batch[i].row.id_ok)
			continue;
		char ph[16];
		int len = snprintf(ph, sizeof(ph), "%s$%d", k ? ", " : "", k + 1);
		jw_raw(&sql, ph, (size_t)len);
		params[k++] = DB_TEXT(r->batch[i].hash);
	}
	if (k == 0)
		return 0;
	jw_raw(&sql, ")", 1);
	struct db_rows *rs;
	if (db_query(r->d, r->e, sql.buf, k, params, &rs))
		return -1;
	int got;
	while ((got = db_step(rs, r->e)) == 1) {
		const char *hash = db_col_text(rs, 0);
		int64_t holder = db_col_int(rs, 1);
		for (int i = 0; i < r->n; i++) {
			struct pending *p = &r->batch[i];
			if (!p->row.id_ok || strcmp(p->hash, hash))
				continue;
			if (filed_at(r, p, holder)) {
				got = -1;
				break;
			}
		}
		if (got < 0)
			break;
	}
	db_rows_close(rs);
	return got < 0 ? -1 : 0;
}

static int report_row(struct run *r, const struct pending *p)
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
	cells[ncols + 1] = p->row.why;
	return xlsx_out_row(r->report, cells, ncols + 2);
}

/* Values of one member row, as member_create() would store them. */
struct values {
	char initials[128], alt[128], birth[11], card[20], phone_hash[96];
	char *id_enc, *phone_enc;
};

static const char *or_default(const char *s, const char *def)
{
	return s && *s ? s : def;
}

/* "61%.4s%08u" of the year joined and a random number, as member.c makes it */
static void card_no(const char *joined_on, const unsigned char r[4], char out[20])
{
	unsigned v =
	    ((unsigned)r[0] << 24 | (unsigned)r[1] << 16 | (unsigned)r[2] << 8 | r[3]) % 100000000u;
	size_t y = strnlen(joined_on, 4);
	out[0] = '6';
	out[1] = '1';
	memcpy(out + 2, joined_on, y);
	for (int i = 7; i >= 0; i--, v /= 10)
		out[2 + y + (size_t)i] = (char)('0' + v % 10);
	out[2 + y + 8] = '\0';
}

static int prepare(struct run *r, const struct pending *p, struct values *v)
{
	const struct member_input *in = &p->row.in;
	if (crypto_encrypt_field(r->o->keys, p->row.id18, &v->id_enc) ||
	    (in->phone && crypto_encrypt_field(r->o->keys, in->phone, &v->phone_enc)))
		return err_set(r->e, ERR_INTERNAL, NULL, NULL, "加密失败，导入中止");
	if (in->phone)
		crypto_lookup_hash(r->o->keys, "phone", in->phone, v->phone_hash);
	id_card_birth(p->row.id18, v->birth);
	if (pinyin_initials(in->name, v->initials, sizeof(v->initials), v->alt, sizeof(v->alt)))
		v->initials[0] = v->alt[0] = '\0';
	return 0;
}

static void bind_member(struct run *r, const struct pending *p, const struct values *v,
                        struct db_val *o)
{
	const struct member_input *in = &p->row.in;
	struct db_val vals[MEMBER_COLS] = {
	    DB_INT(in->org_id),
	    DB_TEXT(p->org->path),
	    DB_TEXT(in->name),
	    DB_TEXT(v->initials),
	    v->alt[0] ? DB_TEXT(v->alt) : DB_NULL,
	    DB_TEXT(p->hash),
	    DB_TEXT(v->id_enc),
	    v->phone_enc ? DB_TEXT(v->phone_hash) : DB_NULL,
	    v->phone_enc ? DB_TEXT(v->phone_enc) : DB_NULL,
	    DB_INT(id_card_gender(p->row.id18)),
	    DB_TEXT(v->birth),
	    DB_TEXT(or_default(in->ethnicity, "01")),
	    DB_TEXT(or_default(in->political, "13")),
	    in->education ? DB_TEXT(in->education) : DB_NULL,
	    in->hukou ? DB_TEXT(in->hukou) : DB_NULL,
	    DB_INT(in->migrant > 0),
	    DB_TEXT(or_default(in->employment, "employed")),
	    DB_INT(in->flexible > 0),
	    in->employer ? DB_TEXT(in->employer) : DB_NULL,
	    DB_TEXT(in->joined_on),
	    DB_TEXT(v->card),
	    DB_TEXT("normal"),
	    DB_INT(r->now),
	    DB_INT(r->now),
	};
	memcpy(o, vals, sizeof(vals));
}

static const char *member_head =
    "INSERT INTO members (org_id, org_path, name, name_initials, name_initials_alt, "
    "id_card_hash, id_card_enc, phone_hash, phone_enc, gender, birth_date, ethnicity, "
    "political, education, hukou, migrant, employment, flexible, employer, joined_on, card_no, "
    "status, created_at, updated_at)";

/* Inserts rows not yet inserted nor found filed; a row that clashed on a
 * random 会员证号 stays 0 for the next try. */
static int insert_try(struct run *r, struct pending **rows, struct values *v, int n)
{
	struct db_val *params = arena_alloc(&r->a, (size_t)n * MEMBER_COLS * sizeof(*params));
	int64_t *ids = arena_alloc(&r->a, (size_t)n * sizeof(*ids));
	struct pending **todo = arena_alloc(&r->a, (size_t)n * sizeof(*todo));
	int k = 0;
	for (int i = 0; i < n; i++)
		if (!rows[i]->member_id && !rows[i]->filed) {
			bind_member(r, rows[i], &v[i], params + MEMBER_COLS * k);
			todo[k++] = rows[i];
		}
	if (db_insert_rows(r->d, r->e, member_head, MEMBER_COLS, k, params, "id_card_hash",
	                   HASH_COL, ids))
		return -1;
	for (int i = 0; i < k; i++)
		todo[i]->member_id = ids[i];
	return 0;
}

/* A row the insert skipped: its number is filed (a bad row, as validation
 * said or as the count of good rows will tell), or its 会员证号 clashed
 * (draw again). */
/* Whether p's number is filed, by one lookup of the unique key (the plan
 * of which never scans): 1 with the reason added to p, 0, or -1. */
static int filed_lookup(struct run *r, struct pending *p)
{
	int64_t holder;
	if (db_query_int(r->d, r->e, "SELECT org_id FROM members WHERE id_card_hash = $1",
	                 DB_ARGS(DB_TEXT(p->hash)), &holder) == 0)
		return filed_at(r, p, holder) ? -1 : 1;
	if (r->e->code != ERR_NOT_FOUND)
		return -1;
	err_clear(r->e);
	return 0;
}

static int skipped(struct run *r, struct pending *p, struct values *v)
{
	int got = filed_lookup(r, p);
	if (got)
		return (p->filed = got > 0) ? 0 : -1;
	unsigned char rnd[4];
	if (crypto_random(rnd, sizeof(rnd)))
		return err_set(r->e, ERR_INTERNAL, NULL, NULL, "随机数生成失败");
	card_no(p->row.in.joined_on, rnd, v->card);
	return 0;
}

static int insert_history(struct run *r, struct pending **rows, int n)
{
	struct db_val *params = arena_alloc(&r->a, (size_t)n * 6 * sizeof(*params));
	for (int i = 0; i < n; i++) {
		struct db_val *p = params + 6 * i;
		p[0] = DB_INT(rows[i]->member_id);
		p[1] = DB_INT(r->now);
		p[2] = r->o->account_id ? DB_INT(r->o->account_id) : DB_NULL;
		p[3] = DB_TEXT("import");
		p[4] = DB_TEXT("{}");
		p[5] = DB_TEXT(r->o->request_id ? r->o->request_id : "");
	}
	return db_insert_rows(
	    r->d, r->e,
	    "INSERT INTO member_history (member_id, at, account_id, action, changes, request_id)",
	    6, n, params, NULL, 0, NULL);
}

static int insert_members(struct run *r, struct pending **rows, int n)
{
	struct values *v = calloc((size_t)n, sizeof(*v));
	unsigned char *rnd = malloc(4 * (size_t)n);
	int rc = -1;
	if (!v || !rnd) {
		oom(r);
		goto out;
	}
	if (crypto_random(rnd, 4 * (size_t)n)) {
		err_set(r->e, ERR_INTERNAL, NULL, NULL, "随机数生成失败");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (prepare(r, rows[i], &v[i]))
			goto out;
		card_no(rows[i]->row.in.joined_on, rnd + 4 * i, v[i].card);
	}
	for (int tries = 0;; tries++) {
		if (insert_try(r, rows, v, n))
			goto out;
		int left = 0;
		for (int i = 0; i < n; i++) {
			if (rows[i]->member_id || rows[i]->filed)
				continue;
			if (skipped(r, rows[i], &v[i]))
				goto out;
			left += !rows[i]->filed;
		}
		if (!left)
			break;
		if (tries == CARD_TRIES) {
			err_set(r->e, ERR_INTERNAL, NULL, NULL, "会员证号生成冲突过多，导入中止");
			goto out;
		}
	}
	/* the filed rows out: what is left went in */
	int in_rows = 0;
	for (int i = 0; i < n; i++)
		if (rows[i]->member_id) {
			rows[in_rows] = rows[i];
			v[in_rows++] = v[i];
		} else {
			free(v[i].id_enc);
			free(v[i].phone_enc);
		}
	n = in_rows;
	if (insert_history(r, rows, n))
		goto out;
	for (int i = 0; i < n; i++) {
		const struct member_input *in = &rows[i]->row.in;
		struct member_dims dims = {.gender = id_card_gender(rows[i]->row.id18),
		                           .birth_date = v[i].birth,
		                           .education = in->education,
		                           .political = or_default(in->political, "13"),
		                           .employment = or_default(in->employment, "employed"),
		                           .status = "normal",
		                           .hukou = in->hukou,
		                           .migrant = in->migrant > 0,
		                           .flexible = in->flexible > 0,
		                           .joined_on = in->joined_on};
		if (stats_acc_add(r->stats, rows[i]->org->path, &dims, 1)) {
			oom(r);
			goto out;
		}
	}
	rc = 0;
out:
	for (int i = 0; v && i < n; i++) {
		free(v[i].id_enc);
		free(v[i].phone_enc);
	}
	free(v);
	free(rnd);
	return rc;
}

static int mark_inserted(struct run *r, int64_t line)
{
	size_t byte = (size_t)(line / 8);
	if (byte >= r->inserted_cap) {
		size_t cap = r->inserted_cap ? 2 * r->inserted_cap : 4096;
		while (cap <= byte)
			cap *= 2;
		unsigned char *g = realloc(r->inserted, cap);
		if (!g)
			return oom(r);
		memset(g + r->inserted_cap, 0, cap - r->inserted_cap);
		r->inserted = g;
		r->inserted_cap = cap;
	}
	r->inserted[byte] |= (unsigned char)(1u << (line % 8));
	return 0;
}

static int was_inserted(const struct run *r, int64_t line)
{
	size_t byte = (size_t)(line / 8);
	return byte < r->inserted_cap && (r->inserted[byte] >> (line % 8) & 1);
}

/* A commit's report says what validation's would: a row refused for other
 * reasons is also looked up, unless its number went in with an earlier row
 * of this file. Before the batch goes in, so its own rows are not found. */
static int report_filed(struct run *r)
{
	for (int i = 0; i < r->n; i++) {
		struct pending *p = &r->batch[i];
		if (p->row.nwhy && p->row.id_ok && !(p->dup_of && was_inserted(r, p->dup_of)) &&
		    filed_lookup(r, p) < 0)
			return -1;
	}
	return 0;
}

static int progress(struct run *r)
{
	return r->o->progress && r->o->progress(r->o->ctx, &r->c, r->e) ? -1 : 0;
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

/* Settles the batch, every row read since the last: validating, the filed
 * check; committing, the good rows in (a number filed meanwhile makes its
 * row bad). Then each row, in the order of the file, into the counts and
 * the report. */
static int flush(struct run *r)
{
	if (r->n == 0)
		return 0;
	if (r->pass == PASS_VALIDATE) {
		if (check_filed(r))
			return -1;
	} else {
		struct pending *rows[BATCH];
		int k = 0;
		for (int i = 0; i < r->n; i++)
			if (!r->batch[i].row.nwhy)
				rows[k++] = &r->batch[i];
		if (r->o->report_path && report_filed(r))
			return -1;
		if (k && insert_members(r, rows, k))
			return -1;
		for (int i = 0; r->o->report_path && i < r->n; i++)
			if (r->batch[i].member_id && mark_inserted(r, r->batch[i].line))
				return -1;
	}
	for (int i = 0; i < r->n; i++) {
		struct pending *p = &r->batch[i];
		r->c.done++;
		if (p->row.nwhy) {
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

static int check_rows(struct run *r)
{
	struct table_row row;
	int got;
	while ((got = table_next(r->t, &row, r->e)) == 1) {
		struct pending *p = &r->batch[r->n++];
		memset(p, 0, sizeof(*p));
		p->line = row.line;
		r->c.total++;
		import_row_parse(&r->h, &row, r->o->default_org, r->today, &r->a, &p->row);
		if (r->o->report_path) {
			p->ncells = row.n;
			p->cells = arena_alloc(&r->a, (size_t)(row.n + 1) * sizeof(*p->cells));
			for (int i = 0; i < row.n; i++)
				p->cells[i] = arena_strndup(&r->a, row.cells[i], row.lens[i]);
		}
		if (check_row(r, p) || (r->n == BATCH && flush(r)))
			return -1;
	}
	if (got < 0 || flush(r))
		return -1;
	if (r->c.total == 0)
		return err_set(r->e, ERR_INVALID, "no_rows", NULL,
		               "文件中只有表头，没有会员数据行");
	return check_expected(r, 1);
}

/* Opens the file and finds its header. */
static int open_table(struct run *r)
{
	return table_open(r->o->path, &r->t, r->e) || read_header(r) ? -1 : 0;
}

static int run_open(struct run *r)
{
	arena_init(&r->a);
	time_t now = time(NULL);
	struct tm tm;
	r->now = (int64_t)now;
	localtime_r(&now, &tm);
	strftime(r->today, sizeof(r->today), "%Y-%m-%d", &tm);
	if (r->pass != PASS_VALIDATE && !(r->stats = stats_acc_new()))
		return oom(r);
	if (import_scope_load(r->d, r->e, r->o->account_id, r->o->all_orgs, &r->scope))
		return -1;
	return open_table(r);
}

static void run_close(struct run *r)
{
	table_close(r->t);
	import_header_release(&r->h);
	import_scope_release(&r->scope);
	import_orgs_release(&r->orgs);
	import_ids_release(&r->ids);
	stats_acc_free(r->stats);
	free(r->inserted);
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

int import_validate(struct db *d, struct err *e, const struct import_opts *o,
                    struct import_counts *c)
{
	struct run *r = calloc(1, sizeof(*r));
	if (!r)
		return err_set(e, ERR_INTERNAL, NULL, NULL, "内存不足");
	*r = (struct run){.o = o, .d = d, .e = e, .pass = PASS_VALIDATE};
	int rc = run_open(r) || check_rows(r) ? -1 : 0;
	rc = report_close(r, rc, 0);
	*c = r->c;
	run_close(r);
	free(r);
	return rc;
}

int import_commit(struct db *d, struct err *e, const struct import_opts *o, struct import_counts *c)
{
	struct run *r = calloc(1, sizeof(*r));
	if (!r)
		return err_set(e, ERR_INTERNAL, NULL, NULL, "内存不足");
	*r = (struct run){.o = o, .d = d, .e = e, .pass = PASS_COMMIT};
	int rc = -1, whole = 0;
	if (db_bulk_begin(d, e) || db_begin(d, e))
		goto out;
	if (run_open(r) || check_rows(r))
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
	/* the statistics last: their rows are the ones every member write
	 * touches, so they stay locked for the shortest time */
	if (stats_acc_apply(r->stats, d, e) || (o->finish && o->finish(o->ctx, d, e, &r->c)) ||
	    db_commit(d, e))
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
