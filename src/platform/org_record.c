#include "platform/org_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "core/json_write.h"
#include "core/validate.h"
#include "platform/codes.h"
#include "platform/divisions.h"
#include "platform/keys.h"
#include "platform/member_stats.h"

static size_t chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static int text(const char *s, const char *field, const char *label, size_t max, struct err *e)
{
	if (s && chars(s) > max)
		return err_set(e, ERR_INVALID, NULL, field, "%s不能超过 %zu 个字", label, max);
	return 0;
}

static int division_known(const char *code)
{
	for (int i = 0; i < divisions_61_count; i++)
		if (!strcmp(divisions_61[i].code, code))
			return 1;
	return 0;
}

int org_fields_validate(const struct org_fields *f, const char *type, struct err *e)
{
	if (f->name && !*f->name)
		return err_set(e, ERR_INVALID, NULL, "name", "请填写工会名称");
	if (text(f->name, "name", "工会名称", 100, e) ||
	    text(f->address, "address", "住所", 200, e) ||
	    text(f->chair_name, "chair_name", "主席姓名", 30, e) ||
	    text(f->contact_name, "contact_name", "联系人姓名", 30, e))
		return -1;
	if (f->division_code && *f->division_code && !division_known(f->division_code))
		return err_set(e, ERR_INVALID, NULL, "division_code",
		               "行政区划代码不是陕西省的区划");
	if (f->industry && *f->industry && !code_name("industry", f->industry))
		return err_set(e, ERR_INVALID, NULL, "industry",
		               "国民经济行业分类应为 A 至 T 的门类");
	if (f->unit_type && *f->unit_type && !code_name("unit_type", f->unit_type))
		return err_set(e, ERR_INVALID, NULL, "unit_type", "单位类别不在代码表中");
	if (f->founded_on && *f->founded_on && valid_date(f->founded_on, "founded_on", e))
		return -1;
	if (f->chair_phone && *f->chair_phone && valid_phone(f->chair_phone, "chair_phone", e))
		return -1;
	if (f->contact_phone && *f->contact_phone &&
	    valid_phone(f->contact_phone, "contact_phone", e))
		return -1;
	const struct {
		int64_t v;
		const char *field, *label;
	} counts[] = {{f->staff_count, "staff_count", "职工人数"},
	              {f->female_count, "female_count", "女职工人数"},
	              {f->migrant_count, "migrant_count", "农民工人数"}};
	for (int i = 0; i < 3; i++)
		if (counts[i].v > 10000000)
			return err_set(e, ERR_INVALID, NULL, counts[i].field, "%s过大",
			               counts[i].label);
	if (f->staff_count >= 0 && f->female_count > f->staff_count)
		return err_set(e, ERR_INVALID, NULL, "female_count", "女职工人数不能多于职工人数");
	if (f->staff_count >= 0 && f->migrant_count > f->staff_count)
		return err_set(e, ERR_INVALID, NULL, "migrant_count", "农民工人数不能多于职工人数");
	if (!f->employers_given)
		return 0;
	if (!strcmp(type, "base") && f->nemployers > 1)
		return err_set(e, ERR_INVALID, NULL, "employers",
		               "单独基层工会只对应一个单位；覆盖多个单位请建联合基层工会");
	if (f->nemployers > 500)
		return err_set(e, ERR_INVALID, NULL, "employers",
		               "一个联合基层工会最多覆盖 500 个单位");
	for (int i = 0; i < f->nemployers; i++) {
		const struct org_employer *m = &f->employers[i];
		if (!m->name || !*m->name)
			return err_set(e, ERR_INVALID, NULL, "employer_name", "请填写单位名称");
		if (text(m->name, "employer_name", "单位名称", 100, e))
			return -1;
		if (m->credit_code && *m->credit_code) {
			if (valid_credit_code(m->credit_code, "employer_credit_code", e))
				return -1;
		} else if (m->org_code && *m->org_code) {
			if (valid_org_code(m->org_code, "employer_org_code", e))
				return -1;
		} else
			return err_set(e, ERR_INVALID, NULL, "employer_credit_code",
			               "请填写%s的统一社会信用代码（没有的填旧的组织机构代码）",
			               m->name);
		for (int k = 0; k < i; k++) {
			const struct org_employer *o = &f->employers[k];
			if ((m->credit_code && o->credit_code &&
			     !strcmp(m->credit_code, o->credit_code)) ||
			    (m->org_code && o->org_code && !strcmp(m->org_code, o->org_code)))
				return err_set(e, ERR_INVALID, NULL, "employers", "%s重复填写",
				               m->name);
		}
	}
	return 0;
}

static const char *col(struct db_rows *rs, int i, struct arena *a)
{
	return db_col_null(rs, i) ? NULL : arena_strdup(a, db_col_text(rs, i));
}

static int64_t count_col(struct db_rows *rs, int i)
{
	return db_col_null(rs, i) ? -1 : db_col_int(rs, i);
}

static int load_employers(struct db *d, struct err *e, struct arena *a, int64_t id,
                          struct org_record *out)
{
	struct db_rows *rs;
	if (db_query(d, e,
	             "SELECT name, credit_code, org_code FROM org_employers WHERE org_id = $1 "
	             "ORDER BY id",
	             DB_ARGS(DB_INT(id)), &rs))
		return -1;
	int rc, cap = 0;
	out->nemployers = 0;
	out->employers = NULL;
	while ((rc = db_step(rs, e)) == 1) {
		if (out->nemployers == cap) {
			cap = cap ? cap * 2 : 4;
			struct org_employer *grown = arena_alloc(a, sizeof(*grown) * (size_t)cap);
			if (out->nemployers)
				memcpy(grown, out->employers,
				       sizeof(*grown) * (size_t)out->nemployers);
			out->employers = grown;
		}
		out->employers[out->nemployers++] = (struct org_employer){
		    .name = col(rs, 0, a), .credit_code = col(rs, 1, a), .org_code = col(rs, 2, a)};
	}
	db_rows_close(rs);
	return rc < 0 ? -1 : 0;
}

int org_record_get(struct db *d, struct err *e, struct arena *a, int64_t id, struct org_record *out)
{
	memset(out, 0, sizeof(*out));
	if (org_get(d, e, a, id, &out->org))
		return -1;
	struct db_rows *rs;
	if (db_query(
	        d, e,
	        "SELECT industry, unit_type, address, founded_on, chair_name, chair_phone_enc, "
	        "contact_name, contact_phone_enc, legal_code, staff_count, female_count, "
	        "migrant_count, version, created_at, updated_at, "
	        "(SELECT n FROM org_stats WHERE org_id = orgs.id AND dim = 'total' AND key = ''), "
	        "(SELECT status FROM legal_certificates WHERE org_id = orgs.id "
	        "ORDER BY id DESC LIMIT 1) FROM orgs WHERE id = $1",
	        DB_ARGS(DB_INT(id)), &rs))
		return -1;
	int rc = db_step(rs, e);
	if (rc == 1) {
		out->industry = col(rs, 0, a);
		out->unit_type = col(rs, 1, a);
		out->address = col(rs, 2, a);
		out->founded_on = col(rs, 3, a);
		out->chair_name = col(rs, 4, a);
		out->chair_phone = db_col_null(rs, 5) ? NULL : keys_decrypt(a, db_col_text(rs, 5));
		out->contact_name = col(rs, 6, a);
		out->contact_phone =
		    db_col_null(rs, 7) ? NULL : keys_decrypt(a, db_col_text(rs, 7));
		out->legal_code = col(rs, 8, a);
		out->staff_count = count_col(rs, 9);
		out->female_count = count_col(rs, 10);
		out->migrant_count = count_col(rs, 11);
		out->version = db_col_int(rs, 12);
		out->created_at = db_col_int(rs, 13);
		out->updated_at = db_col_int(rs, 14);
		out->member_count = db_col_null(rs, 15) ? 0 : db_col_int(rs, 15);
		out->legal_status = col(rs, 16, a);
	}
	db_rows_close(rs);
	if (rc < 0)
		return -1;
	return load_employers(d, e, a, id, out);
}

static int add_history(struct db *d, struct err *e, int64_t org_id, int64_t actor,
                       const char *action, const char *changes, const char *request_id)
{
	return db_exec(
	    d, e,
	    "INSERT INTO org_history (org_id, at, account_id, action, changes, request_id) "
	    "VALUES ($1, $2, $3, $4, $5, $6)",
	    DB_ARGS(DB_INT(org_id), DB_INT((int64_t)time(NULL)), actor ? DB_INT(actor) : DB_NULL,
	            DB_TEXT(action), DB_TEXT(changes), DB_TEXT(request_id ? request_id : "")),
	    NULL);
}

static const char *employer_key(struct arena *a, const struct org_employer *m)
{
	return m->credit_code && *m->credit_code ? m->credit_code
	                                         : arena_printf(a, "o:%s", m->org_code);
}

/* Replaces the employers of org id; one held by another active union is
 * refused before anything is written (a failed INSERT would end the
 * transaction on PostgreSQL). */
static int set_employers(struct db *d, struct err *e, struct arena *a, int64_t id,
                         const struct org_fields *f, int64_t *holder)
{
	for (int i = 0; i < f->nemployers; i++) {
		int64_t other = 0;
		struct err e2 = {0};
		if (db_query_int(
		        d, &e2,
		        "SELECT org_id FROM org_employers WHERE active_key = $1 AND org_id <> $2",
		        DB_ARGS(DB_TEXT(employer_key(a, &f->employers[i])), DB_INT(id)),
		        &other) == 0) {
			if (holder)
				*holder = other;
			return err_set(e, ERR_CONFLICT, "employer_taken", "employer_credit_code",
			               "%s已建有工会", f->employers[i].name);
		}
		if (e2.code != ERR_NOT_FOUND) {
			*e = e2;
			return -1;
		}
	}
	if (db_exec(d, e, "DELETE FROM org_employers WHERE org_id = $1", DB_ARGS(DB_INT(id)), NULL))
		return -1;
	for (int i = 0; i < f->nemployers; i++) {
		const struct org_employer *m = &f->employers[i];
		if (db_exec(
		        d, e,
		        "INSERT INTO org_employers (org_id, name, credit_code, org_code, "
		        "active_key, "
		        "created_at) VALUES ($1, $2, $3, $4, $5, $6)",
		        DB_ARGS(DB_INT(id), DB_TEXT(m->name),
		                m->credit_code && *m->credit_code ? DB_TEXT(m->credit_code)
		                                                  : DB_NULL,
		                m->org_code && *m->org_code && !(m->credit_code && *m->credit_code)
		                    ? DB_TEXT(m->org_code)
		                    : DB_NULL,
		                DB_TEXT(employer_key(a, m)), DB_INT((int64_t)time(NULL))),
		        NULL))
			return -1;
	}
	return 0;
}

/* A phone as stored: SM4 ciphertext, or NULL for none. The caller frees. */
static int seal(const char *phone, char **out, struct err *e)
{
	*out = NULL;
	if (!phone || !*phone)
		return 0;
	if (crypto_encrypt_field(keys(), phone, out))
		return err_set(e, ERR_INTERNAL, NULL, NULL, NULL);
	return 0;
}

static struct db_val text_or_null(const char *s)
{
	return s && *s ? DB_TEXT(s) : DB_NULL;
}

static struct db_val count_or_null(int64_t v)
{
	return v >= 0 ? DB_INT(v) : DB_NULL;
}

/* Writes every field of r (the whole record as it will be). */
static int store(struct db *d, struct err *e, const struct org_record *r, int64_t version,
                 int64_t *changed)
{
	char *chair = NULL, *contact = NULL;
	int rc = -1;
	if (seal(r->chair_phone, &chair, e) || seal(r->contact_phone, &contact, e))
		goto out;
	rc = db_exec(d, e,
	             "UPDATE orgs SET name = $2, type = $3, division_code = $4, industry = $5, "
	             "unit_type = $6, address = $7, founded_on = $8, chair_name = $9, "
	             "chair_phone_enc = $10, contact_name = $11, contact_phone_enc = $12, "
	             "staff_count = $13, female_count = $14, migrant_count = $15, "
	             "version = version + 1, updated_at = $16 WHERE id = $1 AND version = $17",
	             DB_ARGS(DB_INT(r->org.id), DB_TEXT(r->org.name), DB_TEXT(r->org.type),
	                     text_or_null(r->org.division_code), text_or_null(r->industry),
	                     text_or_null(r->unit_type), text_or_null(r->address),
	                     text_or_null(r->founded_on), text_or_null(r->chair_name),
	                     chair ? DB_TEXT(chair) : DB_NULL, text_or_null(r->contact_name),
	                     contact ? DB_TEXT(contact) : DB_NULL, count_or_null(r->staff_count),
	                     count_or_null(r->female_count), count_or_null(r->migrant_count),
	                     DB_INT((int64_t)time(NULL)), DB_INT(version)),
	             changed);
out:
	free(chair);
	free(contact);
	return rc;
}

/* Takes the given fields of f into r. */
static void apply(struct org_record *r, const struct org_fields *f)
{
#define TAKE(dst, src)                                                                             \
	if (src)                                                                                   \
		dst = *(src) ? (src) : NULL;
	TAKE(r->org.name, f->name)
	TAKE(r->org.division_code, f->division_code)
	TAKE(r->industry, f->industry)
	TAKE(r->unit_type, f->unit_type)
	TAKE(r->address, f->address)
	TAKE(r->founded_on, f->founded_on)
	TAKE(r->chair_name, f->chair_name)
	TAKE(r->chair_phone, f->chair_phone)
	TAKE(r->contact_name, f->contact_name)
	TAKE(r->contact_phone, f->contact_phone)
#undef TAKE
	if (f->staff_count >= 0)
		r->staff_count = f->staff_count;
	if (f->female_count >= 0)
		r->female_count = f->female_count;
	if (f->migrant_count >= 0)
		r->migrant_count = f->migrant_count;
}

static void change(struct jw *w, int *n, const char *field, const char *old, const char *new_)
{
	if ((!old && !new_) || (old && new_ && !strcmp(old, new_)))
		return;
	jw_key(w, field);
	jw_arr(w);
	jw_str(w, old);
	jw_str(w, new_);
	jw_arr_end(w);
	(*n)++;
}

static const char *num(struct arena *a, int64_t v)
{
	return v < 0 ? NULL : arena_printf(a, "%lld", (long long)v);
}

static const char *masked(struct arena *a, const char *phone)
{
	if (!phone)
		return NULL;
	char m[32];
	mask_phone(phone, m);
	return arena_strdup(a, m);
}

static const char *employer_list(struct arena *a, int n, const struct org_employer *m)
{
	struct jw w;
	jw_init(&w, a);
	jw_arr(&w);
	for (int i = 0; i < n; i++)
		jw_str(&w,
		       m[i].credit_code && *m[i].credit_code ? m[i].credit_code : m[i].org_code);
	jw_arr_end(&w);
	return w.buf;
}

/* {"field":[old,new],…} between two records, phones masked. */
static const char *diff(struct arena *a, const struct org_record *o, const struct org_record *n,
                        int *count)
{
	struct jw w;
	jw_init(&w, a);
	jw_obj(&w);
	*count = 0;
	change(&w, count, "name", o->org.name, n->org.name);
	change(&w, count, "type", o->org.type, n->org.type);
	change(&w, count, "division_code", o->org.division_code, n->org.division_code);
	change(&w, count, "industry", o->industry, n->industry);
	change(&w, count, "unit_type", o->unit_type, n->unit_type);
	change(&w, count, "address", o->address, n->address);
	change(&w, count, "founded_on", o->founded_on, n->founded_on);
	change(&w, count, "chair_name", o->chair_name, n->chair_name);
	change(&w, count, "chair_phone", masked(a, o->chair_phone), masked(a, n->chair_phone));
	change(&w, count, "contact_name", o->contact_name, n->contact_name);
	change(&w, count, "contact_phone", masked(a, o->contact_phone),
	       masked(a, n->contact_phone));
	change(&w, count, "staff_count", num(a, o->staff_count), num(a, n->staff_count));
	change(&w, count, "female_count", num(a, o->female_count), num(a, n->female_count));
	change(&w, count, "migrant_count", num(a, o->migrant_count), num(a, n->migrant_count));
	change(&w, count, "employers", employer_list(a, o->nemployers, o->employers),
	       employer_list(a, n->nemployers, n->employers));
	jw_obj_end(&w);
	return w.buf;
}

static const char *child_level(const char *parent)
{
	return !strcmp(parent, "province") ? "city"
	       : !strcmp(parent, "city")   ? "county"
	       : !strcmp(parent, "county") ? "town"
	                                   : NULL;
}

int org_record_create(struct db *d, struct err *e, int64_t parent_id, const char *type,
                      const struct org_fields *f, int64_t actor, const char *request_id,
                      int64_t *id, int64_t *holder)
{
	struct arena a;
	arena_init(&a);
	int rc = -1;
	struct org parent;
	if (org_get(d, e, &a, parent_id, &parent))
		goto out;
	int base = !strcmp(type, "base") || !strcmp(type, "joint");
	const char *level = base ? "base" : child_level(parent.level);
	if (!strcmp(parent.level, "base") || !level) {
		err_set(e, ERR_UNPROCESSABLE, "bad_parent", "parent_id", "%s之下不能再建%s",
		        parent.name, base ? "工会" : "这一级工会");
		goto out;
	}
	if (strcmp(parent.status, "active")) {
		err_set(e, ERR_UNPROCESSABLE, "org_dissolved", "parent_id", "%s已撤销",
		        parent.name);
		goto out;
	}
	if (!f->name) {
		err_set(e, ERR_INVALID, NULL, "name", "请填写工会名称");
		goto out;
	}
	const char *division =
	    f->division_code && *f->division_code ? f->division_code : parent.division_code;
	if (org_create(d, e, parent_id, level, type, f->name, division, 0, NULL, id))
		goto out;
	struct org_record r;
	if (org_record_get(d, e, &a, *id, &r))
		goto out;
	struct org_record before = r;
	apply(&r, f);
	r.nemployers = f->nemployers;
	r.employers = (struct org_employer *)f->employers;
	int64_t changed = 0;
	int n;
	if (store(d, e, &r, r.version, &changed) || set_employers(d, e, &a, *id, f, holder) ||
	    add_history(d, e, *id, actor, "create", diff(&a, &before, &r, &n), request_id))
		goto out;
	rc = 0;
out:
	arena_release(&a);
	return rc;
}

int org_record_update(struct db *d, struct err *e, struct arena *a, int64_t id,
                      const struct org_fields *f, int64_t version, int64_t actor,
                      const char *request_id, int64_t *holder)
{
	struct org_record old, r;
	if (org_record_get(d, e, a, id, &old))
		return -1;
	if (strcmp(old.org.status, "active"))
		return err_set(e, ERR_UNPROCESSABLE, "org_dissolved", NULL,
		               "该工会已撤销，不能修改");
	r = old;
	apply(&r, f);
	if (f->employers_given) {
		r.nemployers = f->nemployers;
		r.employers = (struct org_employer *)f->employers;
	}
	if (r.female_count >= 0 && r.staff_count >= 0 && r.female_count > r.staff_count)
		return err_set(e, ERR_INVALID, NULL, "female_count", "女职工人数不能多于职工人数");
	if (r.migrant_count >= 0 && r.staff_count >= 0 && r.migrant_count > r.staff_count)
		return err_set(e, ERR_INVALID, NULL, "migrant_count", "农民工人数不能多于职工人数");
	int n;
	const char *changes = diff(a, &old, &r, &n);
	int64_t changed = 0;
	if (store(d, e, &r, version, &changed))
		return -1;
	if (!changed)
		return err_set(e, ERR_CONFLICT, "stale_version", NULL,
		               "该工会信息已被他人修改，请刷新后再改");
	if (f->employers_given && set_employers(d, e, a, id, f, holder))
		return -1;
	return n ? add_history(d, e, id, actor, "update", changes, request_id) : 0;
}

/* Rewrites the copies of a subtree's paths in the tables that keep one. */
static int follow_paths(struct db *d, struct err *e, const char *old, const char *fresh)
{
	static const char *const copies[][2] = {
	    {"members", "org_path"},
	    {"applications", "org_path"},
	    {"application_events", "org_path"},
	};
	char hi[ORG_PATH_MAX];
	access_subtree_hi(old, hi, sizeof(hi));
	for (size_t i = 0; i < sizeof(copies) / sizeof(copies[0]); i++) {
		char sql[256];
		snprintf(sql, sizeof(sql),
		         "UPDATE %s SET %s = $1 || substr(%s, $2) WHERE %s >= $3 AND %s < $4",
		         copies[i][0], copies[i][1], copies[i][1], copies[i][1], copies[i][1]);
		if (db_exec(d, e, sql,
		            DB_ARGS(DB_TEXT(fresh), DB_INT((int64_t)strlen(old) + 1), DB_TEXT(old),
		                    DB_TEXT(hi)),
		            NULL))
			return -1;
	}
	return 0;
}

int org_record_move(struct db *d, struct err *e, int64_t id, int64_t new_parent, int64_t actor,
                    const char *request_id)
{
	struct arena a;
	arena_init(&a);
	int rc = -1;
	struct org o, to, moved;
	int64_t seeded = 0;
	if (org_get(d, e, &a, id, &o) || org_get(d, e, &a, new_parent, &to))
		goto out;
	if (db_query_int(d, e, "SELECT COUNT(*) FROM orgs WHERE id = $1 AND seed_key IS NOT NULL",
	                 DB_ARGS(DB_INT(id)), &seeded))
		goto out;
	if (seeded) {
		err_set(e, ERR_UNPROCESSABLE, "org_fixed", "parent_id",
		        "%s按行政区划设立，不能移动", o.name);
		goto out;
	}
	if (!strcmp(to.level, "base") || strcmp(to.status, "active")) {
		err_set(e, ERR_UNPROCESSABLE, "bad_parent", "parent_id", "不能移到%s之下", to.name);
		goto out;
	}
	if (strcmp(o.level, "base") &&
	    strcmp(child_level(to.level) ? child_level(to.level) : "", o.level)) {
		err_set(e, ERR_UNPROCESSABLE, "bad_parent", "parent_id", "%s不能移到%s之下", o.name,
		        to.name);
		goto out;
	}
	if (o.parent_id == new_parent) {
		rc = 0;
		goto out;
	}
	if (org_move(d, e, id, new_parent) || org_get(d, e, &a, id, &moved) ||
	    follow_paths(d, e, o.path, moved.path) ||
	    member_stats_move_subtree(d, e, id, o.path, moved.path) ||
	    add_history(d, e, id, actor, "move",
	                arena_printf(&a, "{\"parent_id\":[\"%lld\",\"%lld\"]}",
	                             (long long)o.parent_id, (long long)new_parent),
	                request_id))
		goto out;
	rc = 0;
out:
	arena_release(&a);
	return rc;
}

static int count(struct db *d, struct err *e, const char *sql, int64_t id, int64_t *n)
{
	return db_query_int(d, e, sql, DB_ARGS(DB_INT(id)), n);
}

int org_record_merge(struct db *d, struct err *e, int64_t from, int64_t into, int64_t actor,
                     const char *request_id, int64_t *moved)
{
	struct arena a;
	arena_init(&a);
	int rc = -1;
	struct org f, t;
	int64_t now = (int64_t)time(NULL), employers = 0;
	*moved = 0;
	if (org_get(d, e, &a, from, &f) || org_get(d, e, &a, into, &t))
		goto out;
	if (from == into || strcmp(f.level, "base") || strcmp(t.level, "base")) {
		err_set(e, ERR_UNPROCESSABLE, "bad_merge", "into_id",
		        "只能把一个基层工会并入另一个基层工会");
		goto out;
	}
	if (strcmp(f.status, "active") || strcmp(t.status, "active")) {
		err_set(e, ERR_UNPROCESSABLE, "org_dissolved", "into_id", "已撤销的工会不能合并");
		goto out;
	}
	const char *changes =
	    arena_printf(&a, "{\"org_id\":[\"%lld\",\"%lld\"]}", (long long)from, (long long)into);
	/* the statistics: `from` counts as if it were a union under `into` */
	const char *as_child = arena_printf(&a, "%s%lld/", t.path, (long long)from);
	if (db_exec(
	        d, e,
	        "INSERT INTO member_history (member_id, at, account_id, action, changes, "
	        "request_id) SELECT id, $2, $3, 'update', $4, $5 FROM members WHERE org_id = $1",
	        DB_ARGS(DB_INT(from), DB_INT(now), actor ? DB_INT(actor) : DB_NULL,
	                DB_TEXT(changes), DB_TEXT(request_id ? request_id : "")),
	        NULL) ||
	    db_exec(d, e,
	            "UPDATE members SET org_id = $2, org_path = $3, version = version + 1, "
	            "updated_at = $4 WHERE org_id = $1",
	            DB_ARGS(DB_INT(from), DB_INT(into), DB_TEXT(t.path), DB_INT(now)), moved) ||
	    member_stats_move_subtree(d, e, from, f.path, as_child) ||
	    db_exec(d, e, "DELETE FROM org_stats WHERE org_id = $1", DB_ARGS(DB_INT(from)), NULL) ||
	    db_exec(d, e, "UPDATE org_employers SET org_id = $2 WHERE org_id = $1",
	            DB_ARGS(DB_INT(from), DB_INT(into)), NULL) ||
	    count(d, e, "SELECT COUNT(*) FROM org_employers WHERE org_id = $1", into, &employers))
		goto out;
	/* applications in hand go with the members, each with a line in its timeline */
	if (db_exec(d, e,
	            "INSERT INTO application_events (application_id, at, actor_id, actor_name, "
	            "org_id, org_path, org_name, action, from_state, to_state, step, comment) "
	            "SELECT id, $2, $3, '系统', $1, $4, $5, 'transfer', state, state, step, $6 "
	            "FROM applications WHERE org_id = $1 AND state IN ('pending', 'returned')",
	            DB_ARGS(DB_INT(from), DB_INT(now), actor ? DB_INT(actor) : DB_NULL,
	                    DB_TEXT(f.path), DB_TEXT(f.name),
	                    DB_TEXT(arena_printf(&a, "%s并入%s", f.name, t.name))),
	            NULL) ||
	    db_exec(d, e,
	            "UPDATE applications SET org_id = $2, org_path = $3, version = version + 1, "
	            "updated_at = $4 WHERE org_id = $1 AND state IN ('pending', 'returned')",
	            DB_ARGS(DB_INT(from), DB_INT(into), DB_TEXT(t.path), DB_INT(now)), NULL))
		goto out;
	/* the receiving union changed (members, employers): anyone editing it must reload */
	if (db_exec(
	        d, e,
	        "UPDATE orgs SET type = CASE WHEN $2 > 1 AND type = 'base' THEN 'joint' ELSE type "
	        "END, version = version + 1, updated_at = $3 WHERE id = $1",
	        DB_ARGS(DB_INT(into), DB_INT(employers), DB_INT(now)), NULL))
		goto out;
	if (db_exec(d, e,
	            "UPDATE orgs SET status = 'dissolved', version = version + 1, updated_at = $2 "
	            "WHERE id = $1",
	            DB_ARGS(DB_INT(from), DB_INT(now)), NULL) ||
	    add_history(d, e, from, actor, "merge_out",
	                arena_printf(&a, "{\"into_id\":%lld,\"members\":%lld}", (long long)into,
	                             (long long)*moved),
	                request_id) ||
	    add_history(d, e, into, actor, "merge_in",
	                arena_printf(&a, "{\"from_id\":%lld,\"members\":%lld}", (long long)from,
	                             (long long)*moved),
	                request_id))
		goto out;
	rc = 0;
out:
	arena_release(&a);
	return rc;
}

int org_record_dissolve(struct db *d, struct err *e, int64_t id, const char *reason, int64_t actor,
                        const char *request_id)
{
	struct arena a;
	arena_init(&a);
	int rc = -1;
	struct org o;
	int64_t members = 0, children = 0, open = 0;
	if (org_get(d, e, &a, id, &o))
		goto out;
	if (strcmp(o.status, "active")) {
		err_set(e, ERR_UNPROCESSABLE, "org_dissolved", NULL, "%s已撤销", o.name);
		goto out;
	}
	char hi[ORG_PATH_MAX];
	access_subtree_hi(o.path, hi, sizeof(hi));
	if (db_query_int(d, e,
	                 "SELECT COUNT(*) FROM members WHERE org_path >= $1 AND org_path < $2",
	                 DB_ARGS(DB_TEXT(o.path), DB_TEXT(hi)), &members) ||
	    count(d, e, "SELECT COUNT(*) FROM orgs WHERE parent_id = $1 AND status = 'active'", id,
	          &children) ||
	    count(d, e,
	          "SELECT COUNT(*) FROM applications WHERE org_id = $1 "
	          "AND state IN ('pending', 'returned')",
	          id, &open))
		goto out;
	if (members) {
		err_set(e, ERR_UNPROCESSABLE, "org_has_members", NULL,
		        "%s还有 %lld 名会员，请先为他们办理转会后再撤销", o.name,
		        (long long)members);
		goto out;
	}
	if (children) {
		err_set(e, ERR_UNPROCESSABLE, "org_has_children", NULL,
		        "%s下还有 %lld 个工会，请先撤销或移走", o.name, (long long)children);
		goto out;
	}
	if (open) {
		err_set(e, ERR_UNPROCESSABLE, "org_has_applications", NULL,
		        "%s还有 %lld 件申请在办理中，请先办结或转交", o.name, (long long)open);
		goto out;
	}
	if (db_exec(d, e,
	            "UPDATE orgs SET status = 'dissolved', version = version + 1, updated_at = $2 "
	            "WHERE id = $1",
	            DB_ARGS(DB_INT(id), DB_INT((int64_t)time(NULL))), NULL) ||
	    db_exec(d, e, "UPDATE org_employers SET active_key = NULL WHERE org_id = $1",
	            DB_ARGS(DB_INT(id)), NULL))
		goto out;
	struct jw w;
	jw_init(&w, &a);
	jw_obj(&w);
	jw_kstr(&w, "reason", reason ? reason : "");
	jw_obj_end(&w);
	if (add_history(d, e, id, actor, "dissolve", w.buf, request_id))
		goto out;
	rc = 0;
out:
	arena_release(&a);
	return rc;
}
