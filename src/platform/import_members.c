/* The member kind of import (会员批量导入): a row is a person (import_row.h)
 * filed at a base union in the importer's scope; validation asks the
 * members table, in one query a batch, who is filed already; the commit
 * inserts a batch at a time with the history rows and sums the statistics
 * per org, written once at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_write.h"
#include "core/pinyin.h"
#include "core/validate.h"
#include "import_kind.h"
#include "member_stats.h"
#include "stats_acc.h"

enum {
	BATCH = 500, /* rows checked against the members table, or inserted, in one go */
	MEMBER_COLS = 24,
	HASH_COL = 5, /* id_card_hash among the member columns */
	CARD_TRIES = 5,
};

struct pending {
	struct import_row row; /* first: the shared passes see its rec */
	char hash[96];         /* lookup hash of row.id18, when row.id_ok: made once a row */
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
struct members {
	struct import_pass *p;
	struct import_ids ids;
	struct pending *batch; /* the rows being settled */
	int n;
	struct stats_acc *stats; /* commit */
	/* a commit with a report: a bit per line whose row went in, so a later
	 * row with its number is not taken for one filed before the import */
	unsigned char *inserted;
	size_t inserted_cap; /* bytes */
};

static int oom(struct members *r)
{
	return err_set(r->p->e, ERR_INTERNAL, NULL, NULL, "内存不足，导入中止");
}

/* The checks a row's neighbours and the org tree decide. */
static int check_row(struct members *r, struct pending *p)
{
	struct import_row *row = &p->row;
	if (row->id_ok) {
		crypto_lookup_hash(r->p->o->keys, "id_card", row->id18, p->hash);
		int64_t first = import_ids_seen(&r->ids, p->hash, p->row.rec.line);
		if (first < 0)
			return oom(r);
		if (first) {
			import_row_fail(&row->rec, r->p->a, "与第 %lld 行的身份证号重复",
			                (long long)first);
			p->dup_of = first;
		}
	}
	if (row->in.org_id > 0) {
		const struct import_org *o =
		    import_orgs_get(&r->p->orgs, r->p->d, r->p->e, &r->p->scope, row->in.org_id);
		if (!o)
			return -1;
		if (!o->visible)
			import_row_fail(&row->rec, r->p->a,
			                "所属工会编号 %lld 不存在或不在您的管理范围内",
			                (long long)row->in.org_id);
		else if (!o->base)
			import_row_fail(&row->rec, r->p->a,
			                "“%s”不是基层工会，会员只能登记在基层工会", o->name);
		else if (!o->active)
			import_row_fail(&row->rec, r->p->a, "“%s”已撤销，不能再登记会员", o->name);
		else
			p->org = o;
	}
	return 0;
}

/* The reason of a row whose number the org holder already holds: the
 * holder is named only to those who may see it, as in the form. */
static int filed_at(struct members *r, struct pending *p, int64_t holder)
{
	const struct import_org *o =
	    import_orgs_get(&r->p->orgs, r->p->d, r->p->e, &r->p->scope, holder);
	if (!o)
		return -1;
	if (o->visible)
		import_row_fail(&p->row.rec, r->p->a, "该身份证号已登记为“%s”的会员", o->name);
	else
		import_row_fail(&p->row.rec, r->p->a, "该身份证号已在其他工会登记为会员");
	return 0;
}

/* One query for the whole batch: who is already filed, and where. */
static int check_filed(struct members *r)
{
	struct db_val params[BATCH];
	int k = 0;
	struct jw sql;
	jw_init(&sql, r->p->a);
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
	if (db_query(r->p->d, r->p->e, sql.buf, k, params, &rs))
		return -1;
	int got;
	while ((got = db_step(rs, r->p->e)) == 1) {
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

static int prepare(struct members *r, const struct pending *p, struct values *v)
{
	const struct member_input *in = &p->row.in;
	if (crypto_encrypt_field(r->p->o->keys, p->row.id18, &v->id_enc) ||
	    (in->phone && crypto_encrypt_field(r->p->o->keys, in->phone, &v->phone_enc)))
		return err_set(r->p->e, ERR_INTERNAL, NULL, NULL, "加密失败，导入中止");
	if (in->phone)
		crypto_lookup_hash(r->p->o->keys, "phone", in->phone, v->phone_hash);
	id_card_birth(p->row.id18, v->birth);
	if (pinyin_initials(in->name, v->initials, sizeof(v->initials), v->alt, sizeof(v->alt)))
		v->initials[0] = v->alt[0] = '\0';
	return 0;
}

static void bind_member(struct members *r, const struct pending *p, const struct values *v,
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
	    DB_INT(r->p->now),
	    DB_INT(r->p->now),
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
static int insert_try(struct members *r, struct pending **rows, struct values *v, int n)
{
	struct db_val *params = arena_alloc(r->p->a, (size_t)n * MEMBER_COLS * sizeof(*params));
	int64_t *ids = arena_alloc(r->p->a, (size_t)n * sizeof(*ids));
	struct pending **todo = arena_alloc(r->p->a, (size_t)n * sizeof(*todo));
	int k = 0;
	for (int i = 0; i < n; i++)
		if (!rows[i]->member_id && !rows[i]->filed) {
			bind_member(r, rows[i], &v[i], params + MEMBER_COLS * k);
			todo[k++] = rows[i];
		}
	if (db_insert_rows(r->p->d, r->p->e, member_head, MEMBER_COLS, k, params, "id_card_hash",
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
static int filed_lookup(struct members *r, struct pending *p)
{
	int64_t holder;
	if (db_query_int(r->p->d, r->p->e, "SELECT org_id FROM members WHERE id_card_hash = $1",
	                 DB_ARGS(DB_TEXT(p->hash)), &holder) == 0)
		return filed_at(r, p, holder) ? -1 : 1;
	if (r->p->e->code != ERR_NOT_FOUND)
		return -1;
	err_clear(r->p->e);
	return 0;
}

static int skipped(struct members *r, struct pending *p, struct values *v)
{
	int got = filed_lookup(r, p);
	if (got)
		return (p->filed = got > 0) ? 0 : -1;
	unsigned char rnd[4];
	if (crypto_random(rnd, sizeof(rnd)))
		return err_set(r->p->e, ERR_INTERNAL, NULL, NULL, "随机数生成失败");
	card_no(p->row.in.joined_on, rnd, v->card);
	return 0;
}

static int insert_history(struct members *r, struct pending **rows, int n)
{
	struct db_val *params = arena_alloc(r->p->a, (size_t)n * 6 * sizeof(*params));
	for (int i = 0; i < n; i++) {
		struct db_val *p = params + 6 * i;
		p[0] = DB_INT(rows[i]->member_id);
		p[1] = DB_INT(r->p->now);
		p[2] = r->p->o->account_id ? DB_INT(r->p->o->account_id) : DB_NULL;
		p[3] = DB_TEXT("import");
		p[4] = DB_TEXT("{}");
		p[5] = DB_TEXT(r->p->o->request_id ? r->p->o->request_id : "");
	}
	return db_insert_rows(
	    r->p->d, r->p->e,
	    "INSERT INTO member_history (member_id, at, account_id, action, changes, request_id)",
	    6, n, params, NULL, 0, NULL);
}

static int insert_members(struct members *r, struct pending **rows, int n)
{
	struct values *v = calloc((size_t)n, sizeof(*v));
	unsigned char *rnd = malloc(4 * (size_t)n);
	int rc = -1;
	if (!v || !rnd) {
		oom(r);
		goto out;
	}
	if (crypto_random(rnd, 4 * (size_t)n)) {
		err_set(r->p->e, ERR_INTERNAL, NULL, NULL, "随机数生成失败");
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
			err_set(r->p->e, ERR_INTERNAL, NULL, NULL,
			        "会员证号生成冲突过多，导入中止");
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

static int mark_inserted(struct members *r, int64_t line)
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

static int was_inserted(const struct members *r, int64_t line)
{
	size_t byte = (size_t)(line / 8);
	return byte < r->inserted_cap && (r->inserted[byte] >> (line % 8) & 1);
}

/* A commit's report says what validation's would: a row refused for other
 * reasons is also looked up, unless its number went in with an earlier row
 * of this file. Before the batch goes in, so its own rows are not found. */
static int report_filed(struct members *r)
{
	for (int i = 0; i < r->n; i++) {
		struct pending *p = &r->batch[i];
		if (p->row.rec.nwhy && p->row.id_ok && !(p->dup_of && was_inserted(r, p->dup_of)) &&
		    filed_lookup(r, p) < 0)
			return -1;
	}
	return 0;
}

static int members_open(struct import_pass *p, void **state)
{
	struct members *r = calloc(1, sizeof(*r));
	if (!r)
		return err_set(p->e, ERR_INTERNAL, NULL, NULL, "内存不足");
	r->p = p;
	*state = r;
	if (p->commit && !(r->stats = stats_acc_new()))
		return oom(r);
	return 0;
}

static int members_parse(void *state, struct import_pass *p, const struct table_row *row,
                         struct import_rec *rec)
{
	struct members *r = state;
	struct pending *pe = (struct pending *)rec;
	import_row_parse(p->h, row, p->o->default_org, p->today, p->a, &pe->row);
	return check_row(r, pe);
}

/* Validating, the filed check; committing, the good rows in (a number
 * filed meanwhile makes its row bad). */
static int members_settle(void *state, struct import_pass *p, void *rows, int n)
{
	struct members *r = state;
	r->batch = rows;
	r->n = n;
	if (!p->commit) {
		if (check_filed(r))
			return -1;
	} else {
		struct pending *good[BATCH];
		int k = 0;
		for (int i = 0; i < r->n; i++)
			if (!r->batch[i].row.rec.nwhy)
				good[k++] = &r->batch[i];
		if (p->o->report_path && report_filed(r))
			return -1;
		if (k && insert_members(r, good, k))
			return -1;
		for (int i = 0; p->o->report_path && i < r->n; i++)
			if (r->batch[i].member_id && mark_inserted(r, r->batch[i].row.rec.line))
				return -1;
	}
	for (int i = 0; i < n; i++)
		p->c->units += !r->batch[i].row.rec.nwhy;
	return 0;
}

/* the statistics last: their rows are the ones every member write
 * touches, so they stay locked for the shortest time */
static int members_finish(void *state, struct import_pass *p)
{
	struct members *r = state;
	return stats_acc_apply(r->stats, p->d, p->e);
}

static void members_close(void *state)
{
	struct members *r = state;
	if (!r)
		return;
	import_ids_release(&r->ids);
	stats_acc_free(r->stats);
	free(r->inserted);
	free(r);
}

const struct import_kind import_members_kind = {
    .name = "members",
    .perm = "members.import",
    .noun = "会员",
    .header_hint = "姓名、身份证号、入会日期",
    .template_name = "会员信息导入模板.xlsx",
    .layout = &import_member_layout,
    .bulk_table = "members",
    .row_size = sizeof(struct pending),
    .batch = BATCH,
    .open = members_open,
    .parse = members_parse,
    .settle = members_settle,
    .finish = members_finish,
    .close = members_close,
};
