/* The union tree as the console browses it: the caller's top orgs, one org,
 * and an org's children. Only what the caller's grants of "orgs.read" cover
 * is shown; anything else answers exactly like an id that does not exist. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "core/req.h"
#include "core/validate.h"
#include "modules.h"
#include "platform/access.h"
#include "platform/audit.h"
#include "platform/org.h"
#include "platform/org_record.h"

static int orgs_roots(struct req *r);
static int orgs_get(struct req *r);
static int orgs_children(struct req *r);
static int orgs_create(struct req *r);
static int orgs_update(struct req *r);
static int orgs_merge(struct req *r);
static int orgs_dissolve(struct req *r);
static int orgs_history(struct req *r);
static int orgs_stats(struct req *r);

static const struct route routes[] = {
    {"GET", "/api/v1/orgs/roots", orgs_roots, "orgs.read", 0},
    {"GET", "/api/v1/orgs/stats", orgs_stats, "orgs.read", 0},
    {"POST", "/api/v1/orgs", orgs_create, "orgs.write", 0},
    {"GET", "/api/v1/orgs/:id", orgs_get, "orgs.read", 0},
    {"PATCH", "/api/v1/orgs/:id", orgs_update, "orgs.write", 0},
    {"GET", "/api/v1/orgs/:id/children", orgs_children, "orgs.read", 0},
    {"GET", "/api/v1/orgs/:id/history", orgs_history, "orgs.read", 0},
    {"POST", "/api/v1/orgs/:id/merge", orgs_merge, "orgs.write", 0},
    {"POST", "/api/v1/orgs/:id/dissolve", orgs_dissolve, "orgs.write", 0},
};

const struct module orgs_module = {"orgs", ROUTES(routes)};

static void org_json(struct jw *w, const struct org *o)
{
	jw_obj(w);
	jw_kint(w, "id", o->id);
	if (o->parent_id)
		jw_kint(w, "parent_id", o->parent_id);
	else
		jw_knull(w, "parent_id");
	jw_kstr(w, "name", o->name);
	jw_kstr(w, "level", o->level);
	jw_kstr(w, "type", o->type);
	jw_kstr(w, "division_code", o->division_code); /* NULL writes null */
	jw_kstr(w, "status", o->status);
	jw_kbool(w, "has_children", o->has_children);
	jw_obj_end(w);
}

/* One answer for "no such org" and "not yours to see", so ids outside the
 * caller's scope cannot be probed. */
static int org_hidden(struct req *r)
{
	return req_fail(r, ERR_NOT_FOUND, NULL, "组织不存在");
}

/* The visible org named by :id into *o. */
static int org_visible(struct req *r, struct org *o)
{
	int64_t id;
	if (req_param_id(r, "id", &id))
		return org_hidden(r);
	if (org_get(r->db, &r->err, &r->arena, id, o))
		return r->err.code == ERR_NOT_FOUND ? org_hidden(r) : -1;
	if (!access_visible(r, o->path))
		return org_hidden(r);
	return 0;
}

/* {"items":[org…]}: where the caller's part of the tree starts, one entry
 * per grant that no other grant's subtree already contains. */
static int orgs_roots(struct req *r)
{
	int ngrants = r->auth ? r->auth->ngrants : 0, ntop;
	const struct grant **top = arena_alloc(&r->arena, sizeof(*top) * (size_t)(ngrants + 1));
	struct org o;
	ntop = org_top_grants(r->auth ? r->auth->grants : NULL, ngrants, top);
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "items");
	jw_arr(w);
	for (int i = 0; i < ntop; i++) {
		if (org_get(r->db, &r->err, &r->arena, top[i]->org_id, &o) == 0) {
			org_json(w, &o);
			continue;
		}
		/* a grant on an org deleted since is no root; anything else is */
		if (r->err.code != ERR_NOT_FOUND)
			return -1;
		err_clear(&r->err);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	return 0;
}

static void count_json(struct jw *w, const char *key, int64_t v)
{
	if (v >= 0)
		jw_kint(w, key, v);
	else
		jw_knull(w, key);
}

static const char *masked_phone(struct arena *a, const char *phone)
{
	if (!phone)
		return NULL;
	char m[32];
	mask_phone(phone, m);
	return arena_strdup(a, m);
}

/* The whole record: the tree fields of org_json and the 登记表 fields. */
static void record_json(struct req *r, struct jw *w, const struct org_record *rec)
{
	const struct org *o = &rec->org;
	jw_obj(w);
	jw_kint(w, "id", o->id);
	if (o->parent_id)
		jw_kint(w, "parent_id", o->parent_id);
	else
		jw_knull(w, "parent_id");
	jw_kstr(w, "name", o->name);
	jw_kstr(w, "level", o->level);
	jw_kstr(w, "type", o->type);
	jw_kstr(w, "division_code", o->division_code);
	jw_kstr(w, "status", o->status);
	jw_kbool(w, "has_children", o->has_children);
	jw_kstr(w, "industry", rec->industry);
	jw_kstr(w, "unit_type", rec->unit_type);
	jw_kstr(w, "address", rec->address);
	jw_kstr(w, "founded_on", rec->founded_on);
	count_json(w, "staff_count", rec->staff_count);
	count_json(w, "female_count", rec->female_count);
	count_json(w, "migrant_count", rec->migrant_count);
	jw_kstr(w, "chair_name", rec->chair_name);
	jw_kstr(w, "chair_phone", masked_phone(&r->arena, rec->chair_phone));
	jw_kstr(w, "contact_name", rec->contact_name);
	jw_kstr(w, "contact_phone", masked_phone(&r->arena, rec->contact_phone));
	jw_kstr(w, "legal_code", rec->legal_code);
	jw_kstr(w, "legal_status", rec->legal_status);
	jw_kint(w, "member_count", rec->member_count);
	jw_kstr(w, "employer_name", rec->nemployers ? rec->employers[0].name : NULL);
	jw_kstr(w, "employer_credit_code", rec->nemployers ? rec->employers[0].credit_code : NULL);
	jw_key(w, "employers");
	jw_arr(w);
	for (int i = 0; i < rec->nemployers; i++) {
		jw_obj(w);
		jw_kstr(w, "name", rec->employers[i].name);
		jw_kstr(w, "credit_code", rec->employers[i].credit_code);
		jw_kstr(w, "org_code", rec->employers[i].org_code);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_kint(w, "version", rec->version);
	jw_kint(w, "created_at", rec->created_at);
	jw_kint(w, "updated_at", rec->updated_at);
	jw_obj_end(w);
}

static int answer_record(struct req *r, int64_t id)
{
	struct org_record rec;
	if (org_record_get(r->db, &r->err, &r->arena, id, &rec))
		return -1;
	record_json(r, req_json(r), &rec);
	return 0;
}

static int orgs_get(struct req *r)
{
	struct org o;
	if (org_visible(r, &o))
		return -1;
	return answer_record(r, o.id);
}

/* An org the caller may write, named by a body field; anything else is a
 * 400 on that field (the body names it, so it is input, not a path). */
static int writable(struct req *r, int64_t id, const char *field, struct org *o)
{
	if (id <= 0 || org_get(r->db, &r->err, &r->arena, id, o) || !access_visible(r, o->path)) {
		err_clear(&r->err);
		return req_fail(r, ERR_INVALID, field, "工会不存在或不在您的管理范围内");
	}
	return 0;
}

/* The body's record fields into f; absent ones stay "unchanged". */
static int read_fields(struct req *r, struct org_fields *f)
{
	memset(f, 0, sizeof(*f));
	f->staff_count = f->female_count = f->migrant_count = -1;
	static const struct {
		const char *field;
		size_t off, max;
	} strs[] = {
	    {"name", offsetof(struct org_fields, name), 100},
	    {"division_code", offsetof(struct org_fields, division_code), 6},
	    {"industry", offsetof(struct org_fields, industry), 1},
	    {"unit_type", offsetof(struct org_fields, unit_type), 3},
	    {"address", offsetof(struct org_fields, address), 200},
	    {"founded_on", offsetof(struct org_fields, founded_on), 10},
	    {"chair_name", offsetof(struct org_fields, chair_name), 30},
	    {"chair_phone", offsetof(struct org_fields, chair_phone), 11},
	    {"contact_name", offsetof(struct org_fields, contact_name), 30},
	    {"contact_phone", offsetof(struct org_fields, contact_phone), 11},
	};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		json_t *v = json_object_get(r->json, strs[i].field);
		if (json_is_string(v) && !*json_string_value(v)) {
			/* "" clears a field (the name excepted: validation refuses it) */
			*(const char **)((char *)f + strs[i].off) = "";
			continue;
		}
		if (req_body_str(r, strs[i].field, 0, strs[i].max,
		                 (const char **)((char *)f + strs[i].off)))
			return -1;
	}
	if (req_body_int(r, "staff_count", 0, 0, INT64_MAX, &f->staff_count) ||
	    req_body_int(r, "female_count", 0, 0, INT64_MAX, &f->female_count) ||
	    req_body_int(r, "migrant_count", 0, 0, INT64_MAX, &f->migrant_count))
		return -1;
	/* employers: a list, or the single employer's fields */
	json_t *list = json_object_get(r->json, "employers");
	const char *one = json_string_value(json_object_get(r->json, "employer_name"));
	if (list && !json_is_null(list)) {
		if (!json_is_array(list))
			return req_fail(r, ERR_INVALID, "employers", "单位列表格式不正确");
		size_t n = json_array_size(list);
		struct org_employer *m = arena_calloc(&r->arena, sizeof(*m) * (n ? n : 1));
		for (size_t i = 0; i < n; i++) {
			json_t *it = json_array_get(list, i);
			m[i].name = json_string_value(json_object_get(it, "name"));
			m[i].credit_code = json_string_value(json_object_get(it, "credit_code"));
			m[i].org_code = json_string_value(json_object_get(it, "org_code"));
		}
		f->employers_given = 1;
		f->nemployers = (int)n;
		f->employers = m;
	} else if (!json_object_get(r->json, "employer_name") &&
	           (json_object_get(r->json, "employer_credit_code") ||
	            json_object_get(r->json, "employer_org_code"))) {
		return req_fail(r, ERR_INVALID, "employer_name",
		                "修改单位代码时请同时填写单位名称");
	} else if (json_object_get(r->json, "employer_name")) {
		struct org_employer *m = arena_calloc(&r->arena, sizeof(*m));
		m->name = one;
		m->credit_code =
		    json_string_value(json_object_get(r->json, "employer_credit_code"));
		m->org_code = json_string_value(json_object_get(r->json, "employer_org_code"));
		f->employers_given = 1;
		f->nemployers = one && *one ? 1 : 0;
		f->employers = m;
	}
	return 0;
}

/* An employer that has a union already: name it when the caller may see it. */
static int employer_taken(struct req *r, int64_t holder)
{
	struct org h;
	if (holder && org_get(r->db, &(struct err){0}, &r->arena, holder, &h) == 0 &&
	    access_visible(r, h.path)) {
		size_t n = strlen(r->err.message);
		snprintf(r->err.message + n, sizeof(r->err.message) - n, "：%s", h.name);
	}
	return -1;
}

static int orgs_create(struct req *r)
{
	struct org_fields f;
	struct org parent;
	int64_t parent_id = 0, id = 0, holder = 0;
	const char *type = NULL;
	if (req_body_object(r) || req_body_int(r, "parent_id", 1, 1, INT64_MAX, &parent_id) ||
	    req_body_str(r, "type", 1, 16, &type) || read_fields(r, &f) ||
	    writable(r, parent_id, "parent_id", &parent))
		return -1;
	if (strcmp(type, "base") && strcmp(type, "joint") && strcmp(type, "regional") &&
	    strcmp(type, "industry"))
		return req_fail(r, ERR_INVALID, "type",
		                "工会类型应为单独基层工会、联合基层工会、地方或产业工会");
	if (!f.name)
		return req_fail(r, ERR_INVALID, "name", "请填写工会名称");
	if ((!strcmp(type, "base") || !strcmp(type, "joint")) && !f.nemployers)
		return req_fail(r, ERR_INVALID, "employer_name",
		                "请填写建会单位的名称和统一社会信用代码");
	if (org_fields_validate(&f, type, &r->err))
		return -1;
	if (org_record_create(r->db, &r->err, parent.id, type, &f, r->auth->account_id, r->id, &id,
	                      &holder))
		return employer_taken(r, holder);
	req_audit(r, "orgs.create", arena_printf(&r->arena, "org:%lld", (long long)id), NULL);
	req_status(r, 201);
	return answer_record(r, id);
}

static int orgs_update(struct req *r)
{
	struct org o;
	struct org_fields f;
	int64_t version = 0, parent_id = 0, holder = 0;
	const char *type = NULL;
	if (org_visible(r, &o) || req_body_object(r) || req_body_str(r, "type", 0, 16, &type))
		return -1;
	if (type && strcmp(type, o.type))
		return req_fail(
		    r, ERR_INVALID, "type",
		    "工会类型不能直接修改；单独基层工会并入其他单位时会自动改为联合基层工会");
	if (req_body_int(r, "version", 1, 1, INT64_MAX, &version) ||
	    req_body_int(r, "parent_id", 0, 1, INT64_MAX, &parent_id) || read_fields(r, &f) ||
	    org_fields_validate(&f, o.type, &r->err))
		return -1;
	if (org_record_update(r->db, &r->err, &r->arena, o.id, &f, version, r->auth->account_id,
	                      r->id, &holder))
		return employer_taken(r, holder);
	if (parent_id && parent_id != o.parent_id) {
		struct org to;
		if (writable(r, parent_id, "parent_id", &to) ||
		    org_record_move(r->db, &r->err, o.id, to.id, r->auth->account_id, r->id))
			return -1;
	}
	req_audit(r, "orgs.update", arena_printf(&r->arena, "org:%lld", (long long)o.id), NULL);
	return answer_record(r, o.id);
}

static int orgs_merge(struct req *r)
{
	struct org from, into;
	int64_t into_id = 0, moved = 0;
	if (org_visible(r, &from) || req_body_object(r) ||
	    req_body_int(r, "into_id", 1, 1, INT64_MAX, &into_id) ||
	    writable(r, into_id, "into_id", &into) ||
	    org_record_merge(r->db, &r->err, from.id, into.id, r->auth->account_id, r->id, &moved))
		return -1;
	req_audit(r, "orgs.merge", arena_printf(&r->arena, "org:%lld", (long long)from.id),
	          arena_printf(&r->arena, "{\"into_id\":%lld,\"members\":%lld}", (long long)into.id,
	                       (long long)moved));
	return answer_record(r, into.id);
}

static int orgs_dissolve(struct req *r)
{
	struct org o;
	const char *reason = NULL;
	if (org_visible(r, &o) || req_body_object(r) ||
	    req_body_str(r, "reason", 1, 200, &reason) ||
	    org_record_dissolve(r->db, &r->err, o.id, reason, r->auth->account_id, r->id))
		return -1;
	req_audit(r, "orgs.dissolve", arena_printf(&r->arena, "org:%lld", (long long)o.id),
	          audit_fields(&r->arena, "reason", reason, NULL));
	return answer_record(r, o.id);
}

static int orgs_history(struct req *r)
{
	struct org o;
	struct db_rows *rs;
	if (org_visible(r, &o) ||
	    db_query(r->db, &r->err,
	             "SELECT h.at, h.action, h.changes, a.real_name FROM org_history h "
	             "LEFT JOIN accounts a ON a.id = h.account_id WHERE h.org_id = $1 "
	             "ORDER BY h.id DESC LIMIT 200",
	             DB_ARGS(DB_INT(o.id)), &rs))
		return -1;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "items");
	jw_arr(w);
	int rc;
	while ((rc = db_step(rs, &r->err)) == 1) {
		jw_obj(w);
		jw_kint(w, "at", db_col_int(rs, 0));
		jw_kstr(w, "action", db_col_text(rs, 1));
		jw_key(w, "changes");
		jw_raw(w, db_col_text(rs, 2), strlen(db_col_text(rs, 2)));
		jw_kstr(w, "by", db_col_null(rs, 3) ? "系统" : db_col_text(rs, 3));
		jw_obj_end(w);
	}
	db_rows_close(rs);
	jw_arr_end(w);
	jw_obj_end(w);
	return rc < 0 ? -1 : 0;
}

/* Counts of one column over the active unions of a subtree, as
 * "key": {"code": n, …}. */
static int group_json(struct req *r, struct jw *w, const char *key, const char *column,
                      const char *lo, const char *hi)
{
	char sql[320];
	snprintf(sql, sizeof(sql),
	         "SELECT COALESCE(%s, ''), COUNT(*) FROM orgs WHERE path >= $1 AND path < $2 "
	         "AND status = 'active' GROUP BY COALESCE(%s, '') ORDER BY 1",
	         column, column);
	struct db_rows *rs;
	if (db_query(r->db, &r->err, sql, DB_ARGS(DB_TEXT(lo), DB_TEXT(hi)), &rs))
		return -1;
	jw_key(w, key);
	jw_obj(w);
	int rc;
	while ((rc = db_step(rs, &r->err)) == 1)
		jw_kint(w, *db_col_text(rs, 0) ? db_col_text(rs, 0) : "unknown", db_col_int(rs, 1));
	db_rows_close(rs);
	jw_obj_end(w);
	return rc < 0 ? -1 : 0;
}

/* GET /orgs/stats?org_id=: the unions of a subtree by level, type,
 * industry, 单位类别 and county, and the largest by members. */
static int orgs_stats(struct req *r)
{
	const char *q = req_query(r, "org_id");
	struct org o;
	if (!q || writable(r, atoll(q), "org_id", &o))
		return q ? -1 : req_fail(r, ERR_INVALID, "org_id", "请选择工会");
	char hi[ORG_PATH_MAX];
	access_subtree_hi(o.path, hi, sizeof(hi));
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_kint(w, "org_id", o.id);
	if (group_json(r, w, "by_level", "level", o.path, hi) ||
	    group_json(r, w, "by_type", "type", o.path, hi) ||
	    group_json(r, w, "by_industry", "industry", o.path, hi) ||
	    group_json(r, w, "by_unit_type", "unit_type", o.path, hi))
		return -1;
	/* base unions by the county-level union above them: one range count
	 * per county, each reading only its own unions */
	struct db_rows *rs;
	if (db_query(r->db, &r->err,
	             "SELECT id, name, path FROM orgs WHERE level = 'county' AND path >= $1 "
	             "AND path < $2 ORDER BY path",
	             DB_ARGS(DB_TEXT(o.path), DB_TEXT(hi)), &rs))
		return -1;
	struct county {
		const char *name, *path;
	} *counties = NULL;
	int n = 0, cap = 0, rc;
	while ((rc = db_step(rs, &r->err)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct county *grown = arena_alloc(&r->arena, sizeof(*grown) * (size_t)cap);
			if (n)
				memcpy(grown, counties, sizeof(*grown) * (size_t)n);
			counties = grown;
		}
		counties[n].name = arena_strdup(&r->arena, db_col_text(rs, 1));
		counties[n++].path = arena_strdup(&r->arena, db_col_text(rs, 2));
	}
	db_rows_close(rs);
	if (rc < 0)
		return -1;
	jw_key(w, "base_by_county");
	jw_arr(w);
	for (int i = 0; i < n; i++) {
		char chi[ORG_PATH_MAX];
		int64_t k = 0;
		access_subtree_hi(counties[i].path, chi, sizeof(chi));
		if (db_query_int(r->db, &r->err,
		                 "SELECT COUNT(*) FROM orgs WHERE path >= $1 AND path < $2 "
		                 "AND level = 'base' AND status = 'active'",
		                 DB_ARGS(DB_TEXT(counties[i].path), DB_TEXT(chi)), &k))
			return -1;
		jw_obj(w);
		jw_kstr(w, "name", counties[i].name);
		jw_kint(w, "unions", k);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (db_query(r->db, &r->err,
	             "SELECT o.id, o.name, s.n FROM orgs o JOIN org_stats s ON s.org_id = o.id "
	             "AND s.dim = 'total' AND s.key = '' WHERE o.level = 'base' "
	             "AND o.path >= $1 AND o.path < $2 ORDER BY s.n DESC, o.id LIMIT 20",
	             DB_ARGS(DB_TEXT(o.path), DB_TEXT(hi)), &rs))
		return -1;
	jw_key(w, "largest");
	jw_arr(w);
	while ((rc = db_step(rs, &r->err)) == 1) {
		jw_obj(w);
		jw_kint(w, "org_id", db_col_int(rs, 0));
		jw_kstr(w, "name", db_col_text(rs, 1));
		jw_kint(w, "members", db_col_int(rs, 2));
		jw_obj_end(w);
	}
	db_rows_close(rs);
	jw_arr_end(w);
	jw_obj_end(w);
	return rc < 0 ? -1 : 0;
}

/* {"items":[org…]}: the children the caller may see, by sort, id. With an
 * org-only grant on the parent that is none of them. */
static int orgs_children(struct req *r)
{
	struct org parent, *kids;
	int n;
	if (org_visible(r, &parent) ||
	    org_children(r->db, &r->err, &r->arena, parent.id, &kids, &n))
		return -1;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "items");
	jw_arr(w);
	for (int i = 0; i < n; i++)
		if (access_visible(r, kids[i].path))
			org_json(w, &kids[i]);
	jw_arr_end(w);
	jw_obj_end(w);
	return 0;
}
