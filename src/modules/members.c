/* The member database (会员信息管理): find, file, edit, history, statistics,
 * and the member's own record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/china_time.h"
#include "core/crypto.h"
#include "core/req.h"
#include "core/server.h"
#include "core/validate.h"
#include "modules.h"
#include "platform/access.h"
#include "platform/audit.h"
#include "platform/card.h"
#include "platform/codes.h"
#include "platform/keys.h"
#include "platform/member.h"
#include "platform/org.h"

static int list_codes(struct req *r);
static int list_members(struct req *r);
static int create_member(struct req *r);
static int member_stats(struct req *r);
static int get_member(struct req *r);
static int update_member(struct req *r);
static int delete_member(struct req *r);
static int member_history(struct req *r);
static int my_member(struct req *r);
static int my_card(struct req *r);
static int verify_card(struct req *r);

static const struct route routes[] = {
    {"GET", "/api/v1/codes", list_codes, NULL, ROUTE_SELF},
    {"GET", "/api/v1/members", list_members, "members.read", 0},
    {"POST", "/api/v1/members", create_member, "members.write", 0},
    {"GET", "/api/v1/members/stats", member_stats, "members.read", 0},
    {"GET", "/api/v1/members/:id", get_member, "members.read", 0},
    {"PATCH", "/api/v1/members/:id", update_member, "members.write", 0},
    {"DELETE", "/api/v1/members/:id", delete_member, "members.write", 0},
    {"GET", "/api/v1/members/:id/history", member_history, "members.read", 0},
    {"GET", "/api/v1/me/member", my_member, NULL, ROUTE_SELF},
    {"GET", "/api/v1/me/card", my_card, NULL, ROUTE_SELF},
    {"GET", "/api/v1/cards/verify", verify_card, NULL, ROUTE_PUBLIC},
};

const struct module members_module = {"members", ROUTES(routes)};

enum { PAGE_MAX = 100 };

static int list_codes(struct req *r)
{
	struct jw *w = req_json(r);
	jw_obj(w);
	for (int i = 0; i < code_tables_count; i++) {
		const struct code_table *t = &code_tables[i];
		jw_key(w, t->id);
		jw_obj(w);
		jw_kstr(w, "name", t->name);
		jw_key(w, "items");
		jw_arr(w);
		for (int k = 0; k < t->n; k++) {
			jw_obj(w);
			jw_kstr(w, "code", t->codes[k].code);
			jw_kstr(w, "name", t->codes[k].name);
			jw_obj_end(w);
		}
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	return 0;
}

/* The member as the API shows it: personal numbers masked unless revealed. */
static void member_json(struct jw *w, const struct member *m, int reveal)
{
	char idm[32] = "", phm[32] = "";
	if (m->id_card)
		mask_id_card(m->id_card, idm);
	if (m->phone)
		mask_phone(m->phone, phm);
	jw_obj(w);
	jw_kint(w, "id", m->id);
	jw_kstr(w, "name", m->name);
	jw_kstr(w, "id_card", reveal ? m->id_card : idm);
	jw_kstr(w, "phone", m->phone ? (reveal ? m->phone : phm) : NULL);
	jw_kint(w, "gender", m->gender);
	jw_kstr(w, "birth_date", m->birth_date);
	jw_kstr(w, "ethnicity", m->ethnicity);
	jw_kstr(w, "political", m->political);
	jw_kstr(w, "education", m->education);
	jw_kstr(w, "hukou", m->hukou);
	jw_kbool(w, "migrant", (int)m->migrant);
	jw_kstr(w, "employment", m->employment);
	jw_kbool(w, "flexible", (int)m->flexible);
	jw_kstr(w, "employer", m->employer);
	jw_kint(w, "org_id", m->org_id);
	jw_kstr(w, "org_name", m->org_name);
	jw_kstr(w, "joined_on", m->joined_on);
	jw_kstr(w, "card_no", m->card_no);
	jw_kstr(w, "status", m->status);
	jw_kint(w, "version", m->version);
	jw_kint(w, "created_at", m->created_at);
	jw_kint(w, "updated_at", m->updated_at);
	jw_obj_end(w);
}

/* Reads the body into in; absent fields stay NULL / -1 (PATCH keeps them). */
static int read_input(struct req *r, struct member_input *in, int required)
{
	memset(in, 0, sizeof(*in));
	in->migrant = in->flexible = -1;
	static const struct {
		const char *field;
		size_t off, max;
	} strs[] = {
	    {"name", offsetof(struct member_input, name), 30},
	    {"id_card", offsetof(struct member_input, id_card), 18},
	    {"phone", offsetof(struct member_input, phone), 11},
	    {"ethnicity", offsetof(struct member_input, ethnicity), 4},
	    {"political", offsetof(struct member_input, political), 4},
	    {"education", offsetof(struct member_input, education), 4},
	    {"hukou", offsetof(struct member_input, hukou), 16},
	    {"employment", offsetof(struct member_input, employment), 16},
	    {"employer", offsetof(struct member_input, employer), 100},
	    {"joined_on", offsetof(struct member_input, joined_on), 10},
	    {"status", offsetof(struct member_input, status), 16},
	};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		int must = required &&
		           (!strcmp(strs[i].field, "name") || !strcmp(strs[i].field, "id_card") ||
		            !strcmp(strs[i].field, "joined_on"));
		if (req_body_str(r, strs[i].field, must, strs[i].max,
		                 (const char **)((char *)in + strs[i].off)))
			return -1;
	}
	json_t *v;
	if ((v = json_object_get(r->json, "migrant")) && !json_is_null(v))
		in->migrant = json_is_true(v);
	if ((v = json_object_get(r->json, "flexible")) && !json_is_null(v))
		in->flexible = json_is_true(v);
	return req_body_int(r, "org_id", required, 1, INT64_MAX, &in->org_id);
}

/* The org at id when the caller may write there; ERR_INVALID naming org_id otherwise. */
static int writable_org(struct req *r, int64_t id, struct org *o)
{
	if (org_get(r->db, &r->err, &r->arena, id, o) || !access_visible(r, o->path)) {
		err_clear(&r->err);
		return req_fail(r, ERR_INVALID, "org_id", "所属工会不存在或不在您的管理范围内");
	}
	if (strcmp(o->level, "base"))
		return req_fail(r, ERR_INVALID, "org_id", "会员只能登记在基层工会");
	return 0;
}

static int create_member(struct req *r)
{
	struct member_input in;
	struct org o;
	if (req_body_object(r) || read_input(r, &in, 1) || member_validate(&in, &r->err) ||
	    writable_org(r, in.org_id, &o))
		return -1;
	int64_t id, holder = 0;
	if (member_create(r->db, &r->err, &in, o.path, r->auth->account_id, r->id, &id, &holder)) {
		struct org h;
		if (holder && org_get(r->db, &(struct err){0}, &r->arena, holder, &h) == 0 &&
		    access_visible(r, h.path))
			snprintf(r->err.message, sizeof(r->err.message),
			         "该身份证号已登记为%s的会员", h.name);
		return -1;
	}
	struct member m;
	if (member_get(r->db, &r->err, &r->arena, id, &m))
		return -1;
	req_audit(r, "members.create", arena_printf(&r->arena, "member:%lld", (long long)id), NULL);
	req_status(r, 201);
	member_json(req_json(r), &m, 0);
	return 0;
}

/* The member at :id when the caller's grants reach its org; 404 otherwise. */
static int visible_member(struct req *r, struct member *m)
{
	int64_t id;
	if (req_param_id(r, "id", &id))
		return -1;
	if (member_get(r->db, &r->err, &r->arena, id, m) || !access_visible(r, m->org_path)) {
		err_clear(&r->err);
		return req_fail(r, ERR_NOT_FOUND, NULL, "会员不存在");
	}
	return 0;
}

static int get_member(struct req *r)
{
	struct member m;
	if (visible_member(r, &m))
		return -1;
	const char *reveal = req_query(r, "reveal");
	int show = reveal && !strcmp(reveal, "1");
	if (show) {
		int may = access_has(r, "members.reveal_id", m.org_path);
		if (may < 0)
			return -1;
		if (!may)
			return req_fail(r, ERR_FORBIDDEN, NULL, "您没有查看完整身份证号的权限");
		/* a read, but a reveal of personal data: it is audited like a write */
		struct audit_row row;
		audit_row_of(r, 1, &row);
		row.action = "members.reveal_id";
		row.target = arena_printf(&r->arena, "member:%lld", (long long)m.id);
		if (audit_append_alone(r->db, &r->err, &row))
			return -1;
	}
	member_json(req_json(r), &m, show);
	return 0;
}

static int update_member(struct req *r)
{
	struct member old;
	struct member_input in;
	int64_t version = 0;
	if (visible_member(r, &old) || req_body_object(r) || read_input(r, &in, 0) ||
	    req_body_int(r, "version", 1, 1, INT64_MAX, &version))
		return -1;
	if (in.id_card && strcmp(in.id_card, old.id_card ? old.id_card : ""))
		return req_fail(r, ERR_INVALID, "id_card",
		                "身份证号不能修改；录入错误时请删除后重新登记");
	/* validate the record as it will be */
	struct member_input full = {
	    .name = in.name ? in.name : old.name,
	    .id_card = old.id_card,
	    .phone = in.phone ? in.phone : old.phone,
	    .ethnicity = in.ethnicity ? in.ethnicity : old.ethnicity,
	    .political = in.political ? in.political : old.political,
	    .education = in.education ? in.education : old.education,
	    .hukou = in.hukou ? in.hukou : old.hukou,
	    .employment = in.employment ? in.employment : old.employment,
	    .employer = in.employer ? in.employer : old.employer,
	    .joined_on = in.joined_on ? in.joined_on : old.joined_on,
	    .status = in.status ? in.status : old.status,
	    .org_id = in.org_id > 0 ? in.org_id : old.org_id,
	};
	if (member_validate(&full, &r->err))
		return -1;
	struct org o = {.path = old.org_path};
	if (in.org_id > 0 && in.org_id != old.org_id && writable_org(r, in.org_id, &o))
		return -1;
	const char *changes;
	if (member_update(r->db, &r->err, &r->arena, &old, &in, o.path, version,
	                  r->auth->account_id, r->id, &changes))
		return -1;
	struct member m;
	if (member_get(r->db, &r->err, &r->arena, old.id, &m))
		return -1;
	req_audit(r, "members.update", arena_printf(&r->arena, "member:%lld", (long long)m.id),
	          changes);
	member_json(req_json(r), &m, 0);
	return 0;
}

static int delete_member(struct req *r)
{
	struct member m;
	if (visible_member(r, &m) || member_delete(r->db, &r->err, &m, r->auth->account_id, r->id))
		return -1;
	req_audit(r, "members.delete", arena_printf(&r->arena, "member:%lld", (long long)m.id),
	          NULL);
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_obj_end(w);
	return 0;
}

static int member_history(struct req *r)
{
	struct member m;
	if (visible_member(r, &m))
		return -1;
	struct db_rows *rs;
	if (db_query(r->db, &r->err,
	             "SELECT h.id, h.at, h.action, h.changes, a.real_name FROM member_history h "
	             "LEFT JOIN accounts a ON a.id = h.account_id WHERE h.member_id = $1 "
	             "ORDER BY h.id DESC LIMIT 200",
	             DB_ARGS(DB_INT(m.id)), &rs))
		return -1;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "items");
	jw_arr(w);
	int got;
	while ((got = db_step(rs, &r->err)) == 1) {
		jw_obj(w);
		jw_kint(w, "id", db_col_int(rs, 0));
		jw_kint(w, "at", db_col_int(rs, 1));
		jw_kstr(w, "action", db_col_text(rs, 2));
		jw_key(w, "changes");
		const char *c = db_col_text(rs, 3);
		jw_raw(w, c, strlen(c)); /* written by member_update() as JSON */
		jw_kstr(w, "by", db_col_null(rs, 4) ? NULL : db_col_text(rs, 4));
		jw_obj_end(w);
	}
	db_rows_close(rs);
	jw_arr_end(w);
	jw_obj_end(w);
	return got < 0 ? -1 : 0;
}

static int my_member(struct req *r)
{
	struct member m;
	if (member_of_account(r->db, &r->err, &r->arena, r->auth->account_id, &m)) {
		if (r->err.code == ERR_NOT_FOUND)
			return req_fail_as(r, ERR_NOT_FOUND, "not_member", NULL,
			                   "您还不是工会会员，可以在“我要入会”中申请");
		return -1;
	}
	member_json(req_json(r), &m, 0);
	return 0;
}

/* Query parameters as SQL conditions with their values, appended as they come. */
struct where {
	struct req *r;
	struct jw sql;
	struct db_val *p;
	int n;
};

static void cond(struct where *q, const char *fmt, struct db_val v)
{
	q->p[q->n++] = v;
	const char *c = arena_printf(&q->r->arena, fmt, q->n, q->n);
	jw_raw(&q->sql, " AND ", 5);
	jw_raw(&q->sql, c, strlen(c));
}

static int all_digits(const char *s, size_t n, int allow_x)
{
	if (strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] >= '0' && s[i] <= '9') && !(allow_x && i == n - 1 && (s[i] | 32) == 'x'))
			return 0;
	return 1;
}

/* The text q means: a 身份证号, phone or 会员证号 exactly, pinyin initials
 * (ASCII letters) or a name prefix. */
static void search_cond(struct where *q, const char *text)
{
	struct arena *a = &q->r->arena;
	char h[96];
	if (all_digits(text, 18, 1)) {
		char up[19];
		snprintf(up, sizeof(up), "%s", text);
		if (up[17] == 'x')
			up[17] = 'X';
		crypto_lookup_hash(keys(), "id_card", up, h);
		cond(q, "m.id_card_hash = $%d", DB_TEXT(arena_strdup(a, h)));
	} else if (all_digits(text, 11, 0)) {
		crypto_lookup_hash(keys(), "phone", text, h);
		cond(q, "m.phone_hash = $%d", DB_TEXT(arena_strdup(a, h)));
	} else if (all_digits(text, 14, 0)) {
		cond(q, "m.card_no = $%d", DB_TEXT(text));
	} else if (strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
	           strlen(text)) {
		char *lo = arena_strdup(a, text);
		for (char *p = lo; *p; p++)
			*p |= 32;
		char *hi = arena_strdup(a, lo);
		hi[strlen(hi) - 1]++;
		q->p[q->n++] = DB_TEXT(lo);
		q->p[q->n++] = DB_TEXT(hi);
		const char *c =
		    arena_printf(a,
		                 " AND ((m.name_initials >= $%d AND m.name_initials < $%d) OR "
		                 "(m.name_initials_alt >= $%d AND m.name_initials_alt < $%d))",
		                 q->n - 1, q->n, q->n - 1, q->n);
		jw_raw(&q->sql, c, strlen(c));
	} else {
		q->p[q->n++] = DB_TEXT(text);
		q->p[q->n++] = DB_TEXT(arena_printf(a, "%s\xf4\x8f\xbf\xbf", text));
		const char *c =
		    arena_printf(a, " AND m.name >= $%d AND m.name < $%d", q->n - 1, q->n);
		jw_raw(&q->sql, c, strlen(c));
	}
}

/* The subtree to list: org_id's when given and visible (only that org when
 * the grant reaching it is org-only), else everything the grants reach. */
static int scope_cond(struct where *q)
{
	struct req *r = q->r;
	const char *org = req_query(r, "org_id");
	if (!org || !*org) {
		const char *c = access_scope_sql(r, "m.org_path", q->n + 1, q->p, &q->n);
		jw_raw(&q->sql, " AND ", 5);
		jw_raw(&q->sql, c, strlen(c));
		return 0;
	}
	struct org o;
	if (org_get(r->db, &r->err, &r->arena, strtoll(org, NULL, 10), &o) ||
	    !access_visible(r, o.path)) {
		err_clear(&r->err);
		return req_fail(r, ERR_NOT_FOUND, "org_id", "组织不存在");
	}
	int subtree = 0;
	size_t plen = strlen(o.path);
	for (int i = 0; i < r->auth->ngrants; i++) {
		const struct grant *g = &r->auth->grants[i];
		subtree |= g->subtree && plen >= strlen(g->path) &&
		           !strncmp(o.path, g->path, strlen(g->path));
	}
	if (!subtree) {
		cond(q, "m.org_path = $%d", DB_TEXT(o.path));
		return 0;
	}
	char *hi = arena_alloc(&r->arena, plen + 1);
	access_subtree_hi(o.path, hi, plen + 1);
	q->p[q->n++] = DB_TEXT(o.path);
	q->p[q->n++] = DB_TEXT(hi);
	const char *c =
	    arena_printf(&r->arena, " AND m.org_path >= $%d AND m.org_path < $%d", q->n - 1, q->n);
	jw_raw(&q->sql, c, strlen(c));
	return 0;
}

/* January 1st of the year `years` before this one, as YYYY-MM-DD. */
static const char *year_start(struct arena *a, int years)
{
	struct tm tm;
	china_tm(time(NULL), &tm);
	return arena_printf(a, "%04d-01-01", tm.tm_year + 1900 - years);
}

static int list_members(struct req *r)
{
	struct where q = {.r = r, .p = access_params(r, 24)};
	jw_init(&q.sql, &r->arena);
	jw_raw(&q.sql, "1 = 1", 5);
	if (scope_cond(&q))
		return -1;
	const char *v;
	if ((v = req_query(r, "q")) && *v)
		search_cond(&q, v);
	static const struct {
		const char *param, *column, *table;
	} eq[] = {
	    {"gender", "m.gender", NULL},
	    {"education", "m.education", "education"},
	    {"political", "m.political", "political"},
	    {"employment", "m.employment", "employment"},
	    {"status", "m.status", "member_status"},
	    {"hukou", "m.hukou", "hukou"},
	};
	for (size_t i = 0; i < sizeof(eq) / sizeof(eq[0]); i++) {
		if (!(v = req_query(r, eq[i].param)) || !*v)
			continue;
		if (eq[i].table && !code_name(eq[i].table, v))
			return req_fail(r, ERR_INVALID, eq[i].param, "筛选条件 %s 的取值不正确",
			                eq[i].param);
		if (!eq[i].table)
			cond(&q, arena_printf(&r->arena, "%s = $%%d", eq[i].column),
			     DB_INT(strtoll(v, NULL, 10)));
		else
			cond(&q, arena_printf(&r->arena, "%s = $%%d", eq[i].column), DB_TEXT(v));
	}
	if ((v = req_query(r, "migrant")) && *v)
		cond(&q, "m.migrant = $%d", DB_INT(!strcmp(v, "1") || !strcmp(v, "true")));
	if ((v = req_query(r, "flexible")) && *v)
		cond(&q, "m.flexible = $%d", DB_INT(!strcmp(v, "1") || !strcmp(v, "true")));
	/* ages count by birth year (this year minus the year of birth), as the
	 * statistics do, so a band holds the same people on both screens */
	if ((v = req_query(r, "age_min")) && *v)
		cond(&q, "m.birth_date < $%d", DB_TEXT(year_start(&r->arena, atoi(v) - 1)));
	if ((v = req_query(r, "age_max")) && *v)
		cond(&q, "m.birth_date >= $%d", DB_TEXT(year_start(&r->arena, atoi(v))));
	if ((v = req_query(r, "joined_from")) && *v) {
		if (valid_date(v, "joined_from", &r->err))
			return -1;
		cond(&q, "m.joined_on >= $%d", DB_TEXT(v));
	}
	if ((v = req_query(r, "joined_to")) && *v) {
		if (valid_date(v, "joined_to", &r->err))
			return -1;
		cond(&q, "m.joined_on <= $%d", DB_TEXT(v));
	}
	/* keyset: the cursor is the last row's (org_path, id) */
	if ((v = req_query(r, "cursor")) && *v) {
		const char *comma = strrchr(v, ',');
		if (!comma || v[0] != '/')
			return req_fail(r, ERR_INVALID, "cursor", "翻页参数不正确");
		q.p[q.n++] = DB_TEXT(arena_strndup(&r->arena, v, (size_t)(comma - v)));
		q.p[q.n++] = DB_INT(strtoll(comma + 1, NULL, 10));
		const char *c = arena_printf(
		    &r->arena, " AND (m.org_path > $%d OR (m.org_path = $%d AND m.id > $%d))",
		    q.n - 1, q.n - 1, q.n);
		jw_raw(&q.sql, c, strlen(c));
	}
	int limit = (v = req_query(r, "limit")) && *v ? atoi(v) : 20;
	if (limit < 1 || limit > PAGE_MAX)
		limit = 20;
	q.p[q.n++] = DB_INT(limit + 1);
	const char *sql =
	    arena_printf(&r->arena,
	                 "SELECT m.id FROM members m WHERE %s ORDER BY m.org_path, m.id "
	                 "LIMIT $%d",
	                 q.sql.buf, q.n);
	int64_t ids[PAGE_MAX + 1];
	int count;
	if (db_query_ints(r->db, &r->err, sql, q.n, q.p, ids, PAGE_MAX + 1, &count))
		return -1;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "items");
	jw_arr(w);
	struct member m = {0};
	for (int i = 0; i < count && i < limit; i++) {
		if (member_get(r->db, &r->err, &r->arena, ids[i], &m))
			return -1;
		member_json(w, &m, 0);
	}
	jw_arr_end(w);
	if (count > limit)
		jw_kstr(w, "next_cursor",
		        arena_printf(&r->arena, "%s,%lld", m.org_path, (long long)m.id));
	else
		jw_knull(w, "next_cursor");
	jw_obj_end(w);
	return 0;
}

/* Figures for a subtree from its org's own org_stats rows. */
static int member_stats(struct req *r)
{
	const char *org = req_query(r, "org_id");
	struct org o;
	if (!org || org_get(r->db, &r->err, &r->arena, strtoll(org, NULL, 10), &o) ||
	    !access_visible(r, o.path)) {
		err_clear(&r->err);
		return req_fail(r, ERR_NOT_FOUND, "org_id", "组织不存在");
	}
	struct db_rows *rs;
	if (db_query(
	        r->db, &r->err,
	        "SELECT dim, key, n FROM org_stats WHERE org_id = $1 AND n <> 0 ORDER BY dim, key",
	        DB_ARGS(DB_INT(o.id)), &rs))
		return -1;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_kint(w, "org_id", o.id);
	jw_kstr(w, "org_name", o.name);
	/* ages are bands of birth years, counted at the time of asking */
	static const struct {
		const char *label;
		int lo, hi;
	} bands[] = {{"35岁及以下", 0, 35},
	             {"36-45岁", 36, 45},
	             {"46-55岁", 46, 55},
	             {"56-60岁", 56, 60},
	             {"60岁以上", 61, 200}};
	int64_t band_n[5] = {0}, total = 0;
	struct tm tm;
	china_tm(time(NULL), &tm);
	int year = tm.tm_year + 1900;
	char dim[32] = "";
	int got, open = 0;
	while ((got = db_step(rs, &r->err)) == 1) {
		const char *d = db_col_text(rs, 0), *k = db_col_text(rs, 1);
		int64_t n = db_col_int(rs, 2);
		if (!strcmp(d, "total")) {
			total = n;
			continue;
		}
		if (!strcmp(d, "birth_year")) {
			int age = year - atoi(k);
			for (int b = 0; b < 5; b++)
				if (age >= bands[b].lo && age <= bands[b].hi)
					band_n[b] += n;
			continue;
		}
		if (strcmp(dim, d)) {
			if (open)
				jw_obj_end(w);
			snprintf(dim, sizeof(dim), "%s", d);
			jw_key(w, arena_printf(&r->arena, "by_%s", d));
			jw_obj(w);
			open = 1;
		}
		jw_kint(w, *k ? k : "unknown", n);
	}
	db_rows_close(rs);
	if (got < 0)
		return -1;
	if (open)
		jw_obj_end(w);
	jw_key(w, "by_age_band");
	jw_obj(w);
	for (int b = 0; b < 5; b++)
		jw_kint(w, bands[b].label, band_n[b]);
	jw_obj_end(w);
	jw_kint(w, "total", total);
	jw_obj_end(w);
	return 0;
}

/* Whether a card of this status still counts: 正常 and 保留会籍 are members. */
static int card_current(const char *status)
{
	return !strcmp(status, "normal") || !strcmp(status, "retained");
}

static int my_card(struct req *r)
{
	struct member m;
	if (member_of_account(r->db, &r->err, &r->arena, r->auth->account_id, &m)) {
		if (r->err.code == ERR_NOT_FOUND)
			return req_fail_as(r, ERR_NOT_FOUND, "not_member", NULL,
			                   "您还不是工会会员，可以在“我要入会”中申请");
		return -1;
	}
	int64_t expires = (int64_t)time(NULL) + CARD_TOKEN_TTL;
	const char *token = card_token(&r->arena, m.id, expires);
	/* the QR code opens the portal's check page on the same host */
	const char *host = req_header(r, "Host");
	const char *url = arena_printf(&r->arena, "%s://%s/card?t=%s",
	                               server_config(r->srv)->cookie_secure ? "https" : "http",
	                               host ? host : "127.0.0.1", token);
	const char *svg = card_qr_svg(&r->arena, url);
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_kstr(w, "name", m.name);
	jw_kstr(w, "card_no", m.card_no);
	jw_kstr(w, "org_name", m.org_name);
	jw_kstr(w, "joined_on", m.joined_on);
	jw_kstr(w, "status", m.status);
	jw_kbool(w, "current", card_current(m.status));
	jw_kstr(w, "token", token);
	jw_kstr(w, "verify_url", url);
	jw_kstr(w, "qr_svg", svg);
	jw_kint(w, "expires_at", expires);
	jw_obj_end(w);
	return 0;
}

/* Public: a scanner learns whether the card is genuine and current, and
 * sees only a masked name, never the numbers. */
static int verify_card(struct req *r)
{
	const char *t = req_query(r, "t");
	int64_t id, expires;
	struct jw *w = req_json(r);
	jw_obj(w);
	if (!t || card_token_check(t, &id, &expires)) {
		jw_kbool(w, "valid", 0);
		jw_kstr(w, "reason", "二维码不是本平台签发的会员证");
		jw_obj_end(w);
		return 0;
	}
	if (expires < (int64_t)time(NULL)) {
		jw_kbool(w, "valid", 0);
		jw_kstr(w, "reason", "二维码已过期，请会员刷新电子会员证后再出示");
		jw_obj_end(w);
		return 0;
	}
	struct member m;
	if (member_get(r->db, &r->err, &r->arena, id, &m)) {
		if (r->err.code != ERR_NOT_FOUND)
			return -1;
		err_clear(&r->err);
		jw_kbool(w, "valid", 0);
		jw_kstr(w, "reason", "该会员证已注销");
		jw_obj_end(w);
		return 0;
	}
	/* 王建国 → 王*国, 张伟 → 张*: enough to match a face, not to identify */
	char masked[128];
	size_t len = strlen(m.name), first = 1, last = len;
	while (first < len && ((unsigned char)m.name[first] & 0xC0) == 0x80)
		first++;
	do
		last--;
	while (last > 0 && ((unsigned char)m.name[last] & 0xC0) == 0x80);
	snprintf(masked, sizeof(masked), "%.*s*%s", (int)first, m.name,
	         last > first ? m.name + last : "");
	int current = card_current(m.status);
	jw_kbool(w, "valid", current);
	if (!current)
		jw_kstr(w, "reason", "该会员会籍已终止");
	jw_kstr(w, "name", masked);
	jw_kstr(w, "org_name", m.org_name);
	jw_kstr(w, "status", m.status);
	jw_kint(w, "checked_at", (int64_t)time(NULL));
	jw_obj_end(w);
	return 0;
}
