/* Applications (申请与审批) over the approvals engine: filing, the
 * applicant's 我的申请, the cadres' 待办 and batch approval, actions, and
 * the holiday list that deadlines skip. The types themselves live with
 * their modules (memberships.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/req.h"
#include "core/validate.h"
#include "modules.h"
#include "platform/access.h"
#include "platform/account.h"
#include "platform/approval.h"
#include "platform/attachment.h"
#include "platform/audit.h"
#include "platform/divisions.h"
#include "platform/org.h"

static int list_types(struct req *r);
static int find_employers(struct req *r);
static int list_divisions(struct req *r);
static int submit(struct req *r);
static int list_mine(struct req *r);
static int inbox(struct req *r);
static int batch(struct req *r);
static int get_one(struct req *r);
static int act(struct req *r);
static int get_holidays(struct req *r);
static int put_holidays(struct req *r);
static void fresh_state(struct req *r, int64_t id, int reviewer);

static const struct route routes[] = {
    {"GET", "/api/v1/application-types", list_types, NULL, ROUTE_SELF},
    {"GET", "/api/v1/employers", find_employers, NULL, ROUTE_SELF},
    {"GET", "/api/v1/divisions", list_divisions, NULL, ROUTE_SELF},
    {"POST", "/api/v1/applications", submit, NULL, ROUTE_SELF},
    {"GET", "/api/v1/applications/mine", list_mine, NULL, ROUTE_SELF},
    {"GET", "/api/v1/applications/inbox", inbox, "applications.review", 0},
    {"POST", "/api/v1/applications/batch", batch, "applications.review", ROUTE_NO_TX},
    {"GET", "/api/v1/applications/:id", get_one, NULL, ROUTE_SELF},
    {"POST", "/api/v1/applications/:id/actions", act, NULL, ROUTE_SELF},
    {"GET", "/api/v1/holidays", get_holidays, NULL, ROUTE_SELF},
    {"PUT", "/api/v1/holidays", put_holidays, "calendar.manage", 0},
};

const struct module applications_module = {"applications", ROUTES(routes)};

enum { PAGE_MAX = 100, BATCH_MAX = 200 };

static int list_types(struct req *r)
{
	struct jw *w = req_json(r);
	jw_arr(w);
	for (const struct appl_type *const *t = approval_types(); *t; t++) {
		jw_obj(w);
		jw_kstr(w, "type", (*t)->code);
		jw_kstr(w, "name", (*t)->name);
		jw_key(w, "steps");
		jw_arr(w);
		for (int i = 0; i < (*t)->nsteps; i++) {
			jw_obj(w);
			jw_kstr(w, "name", (*t)->steps[i].name);
			jw_kint(w, "days", (*t)->steps[i].days);
			jw_obj_end(w);
		}
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	return 0;
}

/* q as a LIKE pattern matching it anywhere, its wildcards taken literally. */
static const char *like_anywhere(struct arena *a, const char *q)
{
	size_t n = strlen(q);
	char *out = arena_alloc(a, n * 2 + 3), *p = out;
	*p++ = '%';
	for (const char *s = q; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	*p++ = '%';
	*p = '\0';
	return out;
}

static int find_employers(struct req *r)
{
	const char *q = req_query(r, "q");
	if (!q || !*q)
		return req_fail(r, ERR_INVALID, "q", "请输入单位名称或统一社会信用代码");
	if (strlen(q) > 100)
		return req_fail(r, ERR_INVALID, "q", "搜索内容过长");
	struct db_rows *rs;
	if (db_query(r->db, &r->err,
	             "SELECT o.id, o.name, m.name, m.credit_code, p.name "
	             "FROM orgs o LEFT JOIN org_employers m ON m.org_id = o.id "
	             "LEFT JOIN orgs p ON p.id = o.parent_id "
	             "WHERE o.level = 'base' AND o.status = 'active' AND (m.credit_code = $1 "
	             "OR m.name LIKE $2 ESCAPE '\\' OR o.name LIKE $2 ESCAPE '\\') "
	             "ORDER BY o.name, o.id, m.id LIMIT 20",
	             DB_ARGS(DB_TEXT(q), DB_TEXT(like_anywhere(&r->arena, q))), &rs))
		return -1;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "items");
	jw_arr(w);
	int rc;
	while ((rc = db_step(rs, &r->err)) == 1) {
		jw_obj(w);
		jw_kint(w, "org_id", db_col_int(rs, 0));
		jw_kstr(w, "name", db_col_text(rs, 1));
		jw_kstr(w, "employer_name", db_col_null(rs, 2) ? NULL : db_col_text(rs, 2));
		jw_kstr(w, "employer_credit_code", db_col_null(rs, 3) ? NULL : db_col_text(rs, 3));
		jw_kstr(w, "division_name", db_col_null(rs, 4) ? NULL : db_col_text(rs, 4));
		jw_obj_end(w);
	}
	db_rows_close(rs);
	jw_arr_end(w);
	jw_obj_end(w);
	return rc < 0 ? -1 : 0;
}

static int list_divisions(struct req *r)
{
	struct jw *w = req_json(r);
	jw_arr(w);
	for (int i = 0; i < divisions_61_count; i++) {
		const struct division *city = &divisions_61[i];
		if (!city->parent || strcmp(city->parent, "610000"))
			continue;
		jw_obj(w);
		jw_kstr(w, "code", city->code);
		jw_kstr(w, "name", city->name);
		jw_key(w, "counties");
		jw_arr(w);
		for (int k = 0; k < divisions_61_count; k++) {
			if (!divisions_61[k].parent || strcmp(divisions_61[k].parent, city->code))
				continue;
			jw_obj(w);
			jw_kstr(w, "code", divisions_61[k].code);
			jw_kstr(w, "name", divisions_61[k].name);
			jw_obj_end(w);
		}
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	return 0;
}

/* The applicant's identity, masked, for the reviewers' view. */
static int applicant_json(struct req *r, struct jw *w, int64_t account_id)
{
	struct account acc;
	if (account_get(r->db, &r->err, &r->arena, account_id, &acc))
		return -1;
	char idm[32] = "", phm[32] = "";
	if (acc.id_card)
		mask_id_card(acc.id_card, idm);
	if (acc.phone)
		mask_phone(acc.phone, phm);
	jw_key(w, "applicant");
	jw_obj(w);
	jw_kstr(w, "name", acc.real_name);
	jw_kstr(w, "id_card", acc.id_card ? idm : NULL);
	jw_kstr(w, "phone", acc.phone ? phm : NULL);
	if (acc.id_card) {
		char birth[11];
		id_card_birth(acc.id_card, birth);
		jw_kint(w, "gender", id_card_gender(acc.id_card));
		jw_kstr(w, "birth_date", birth);
	}
	jw_obj_end(w);
	return 0;
}

static int timeline_json(struct req *r, struct jw *w, int64_t id)
{
	struct db_rows *rs;
	if (db_query(r->db, &r->err,
	             "SELECT id, action, actor_name, org_id, org_name, comment, from_state, "
	             "to_state, step, at, attachments FROM application_events "
	             "WHERE application_id = $1 ORDER BY id",
	             DB_ARGS(DB_INT(id)), &rs))
		return -1;
	jw_key(w, "timeline");
	jw_arr(w);
	int rc;
	while ((rc = db_step(rs, &r->err)) == 1) {
		jw_obj(w);
		jw_kint(w, "id", db_col_int(rs, 0));
		jw_kstr(w, "action", db_col_text(rs, 1));
		jw_kstr(w, "action_name", approval_action_name(db_col_text(rs, 1)));
		jw_kstr(w, "actor_name", db_col_text(rs, 2));
		if (db_col_null(rs, 3))
			jw_knull(w, "org_id");
		else
			jw_kint(w, "org_id", db_col_int(rs, 3));
		jw_kstr(w, "org_name", db_col_null(rs, 4) ? NULL : db_col_text(rs, 4));
		jw_kstr(w, "comment", db_col_text(rs, 5));
		jw_kstr(w, "from_state", db_col_null(rs, 6) ? NULL : db_col_text(rs, 6));
		jw_kstr(w, "to_state", db_col_text(rs, 7));
		jw_kint(w, "step", db_col_int(rs, 8));
		jw_kint(w, "at", db_col_int(rs, 9));
		jw_key(w, "attachment_ids");
		if (db_col_null(rs, 10))
			jw_raw(w, "[]", 2);
		else
			jw_raw(w, db_col_text(rs, 10), strlen(db_col_text(rs, 10)));
		jw_obj_end(w);
	}
	db_rows_close(rs);
	jw_arr_end(w);
	if (rc < 0 || db_query(r->db, &r->err,
	                       "SELECT id, file_name, mime_type, size, created_at FROM attachments "
	                       "WHERE owner_kind = $1 AND owner_id = $2 ORDER BY id",
	                       DB_ARGS(DB_TEXT(APPL_ATTACHMENTS), DB_INT(id)), &rs))
		return -1;
	jw_key(w, "attachments");
	jw_arr(w);
	while ((rc = db_step(rs, &r->err)) == 1) {
		jw_obj(w);
		jw_kint(w, "id", db_col_int(rs, 0));
		jw_kstr(w, "name", db_col_text(rs, 1));
		jw_kstr(w, "type", db_col_text(rs, 2));
		jw_kint(w, "size", db_col_int(rs, 3));
		jw_kint(w, "created_at", db_col_int(rs, 4));
		jw_obj_end(w);
	}
	db_rows_close(rs);
	jw_arr_end(w);
	return rc < 0 ? -1 : 0;
}

enum { WITH_TIMELINE = 1, WITH_APPLICANT = 2 };

/* The form as answered: sealed values (key_enc) stay on the server, their
 * masked twins (key) are shown. */
static const char *public_form(struct arena *a, const char *text)
{
	if (!strstr(text, "_enc\""))
		return text;
	json_error_t jerr;
	json_t *form = json_loads(text, 0, &jerr);
	if (!form)
		return "{}";
	const char *key;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(form, tmp, key, v)
	{
		size_t n = strlen(key);
		if (n > 4 && !strcmp(key + n - 4, "_enc"))
			json_object_del(form, key);
	}
	char *out = json_dumps(form, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(form);
	const char *copy = out ? arena_strdup(a, out) : "{}";
	free(out);
	return copy;
}

/* The application as the API shows it; actions as the caller may take them. */
static int appl_json(struct req *r, struct jw *w, const struct appl *app, int applicant,
                     int reviewer, int with)
{
	const struct appl_type *t = app->type;
	jw_obj(w);
	jw_kint(w, "id", app->id);
	jw_kstr(w, "type", t->code);
	jw_kstr(w, "type_name", t->name);
	jw_kstr(w, "state", app->state);
	jw_kstr(w, "state_name", approval_state_name(app->state));
	jw_kint(w, "step", app->step);
	jw_kstr(w, "step_name", t->steps[app->step < t->nsteps ? app->step : 0].name);
	jw_key(w, "steps");
	jw_arr(w);
	for (int i = 0; i < t->nsteps; i++)
		jw_str(w, t->steps[i].name);
	jw_arr_end(w);
	jw_kint(w, "org_id", app->org_id);
	jw_kstr(w, "org_name", app->org_name);
	jw_kint(w, "applicant_id", app->applicant_id);
	jw_kstr(w, "applicant_name", app->applicant_name);
	if (app->member_id)
		jw_kint(w, "member_id", app->member_id);
	else
		jw_knull(w, "member_id");
	jw_kstr(w, "summary", app->summary);
	jw_key(w, "form");
	const char *form = public_form(&r->arena, app->form);
	jw_raw(w, form, strlen(form));
	if (app->due_at) {
		jw_kint(w, "due_at", app->due_at);
		jw_kbool(w, "overdue", app->due_at < (int64_t)time(NULL));
	} else {
		jw_knull(w, "due_at");
		jw_kbool(w, "overdue", 0);
	}
	jw_kint(w, "escalations", app->escalations);
	jw_key(w, "result");
	if (app->result)
		jw_raw(w, app->result, strlen(app->result));
	else
		jw_null(w);
	jw_kint(w, "version", app->version);
	jw_kint(w, "created_at", app->created_at);
	jw_kint(w, "updated_at", app->updated_at);
	if (app->closed_at)
		jw_kint(w, "closed_at", app->closed_at);
	else
		jw_knull(w, "closed_at");
	const char *acts[8];
	int n = approval_allowed(app, applicant, reviewer, acts);
	jw_key(w, "actions");
	jw_arr(w);
	for (int i = 0; i < n; i++)
		jw_str(w, acts[i]);
	jw_arr_end(w);
	if ((with & WITH_APPLICANT) && applicant_json(r, w, app->applicant_id))
		return -1;
	if ((with & WITH_TIMELINE) && timeline_json(r, w, app->id))
		return -1;
	jw_obj_end(w);
	return 0;
}

static struct appl_ctx ctx_of(struct req *r)
{
	return (struct appl_ctx){
	    .d = r->db,
	    .e = &r->err,
	    .a = &r->arena,
	    .actor = r->auth->account_id,
	    .actor_name = r->auth->real_name,
	    .request_id = r->id,
	    .applicant = r->auth->account_id,
	};
}

/* The body's "attachment_ids" (uploads of the caller's) into c. */
static int read_attachments(struct req *r, json_t *body, struct appl_ctx *c)
{
	json_t *list = json_object_get(body, "attachment_ids");
	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list) || json_array_size(list) > 50)
		return req_fail(r, ERR_INVALID, "attachment_ids", "附件列表不正确（最多 50 个）");
	size_t n = json_array_size(list);
	int64_t *ids = arena_alloc(&r->arena, sizeof(*ids) * (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(list, i);
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return req_fail(r, ERR_INVALID, "attachment_ids", "附件编号不正确");
		ids[i] = json_integer_value(v);
	}
	c->attachments = ids;
	c->nattachments = (int)n;
	return 0;
}

static int submit(struct req *r)
{
	if (!r->auth->account_id)
		return req_fail(r, ERR_FORBIDDEN, NULL, "请使用个人账号办理");
	const char *code = NULL;
	if (req_body_object(r) || req_body_str(r, "type", 1, 32, &code))
		return -1;
	const struct appl_type *t = approval_type(code);
	if (!t)
		return req_fail(r, ERR_INVALID, "type", "不支持的申请类型");
	struct appl_ctx c = ctx_of(r);
	if (read_attachments(r, r->json, &c))
		return -1;
	c.form = json_deep_copy(r->json);
	json_object_del(c.form, "type");
	json_object_del(c.form, "attachment_ids");
	int64_t id;
	int rc = approval_submit(&c, t, &id);
	json_decref(c.form);
	if (rc && c.open_id)
		fresh_state(r, c.open_id, 0);
	struct appl app;
	if (rc || approval_get(r->db, &r->err, &r->arena, id, &app))
		return -1;
	req_audit(r, arena_printf(&r->arena, "applications.submit.%s", t->code),
	          arena_printf(&r->arena, "application:%lld", (long long)id), NULL);
	req_status(r, 201);
	return appl_json(r, req_json(r), &app, 1, 0, WITH_TIMELINE);
}

/* "due_at:id" or "id" cursors; returns the number of values read. */
static int read_cursor(const char *s, int64_t *a, int64_t *b)
{
	long long x = 0, y = 0;
	if (!s || !*s)
		return 0;
	int n = sscanf(s, "%lld:%lld", &x, &y);
	*a = x;
	*b = y;
	return n < 0 ? 0 : n;
}

static int page_limit(struct req *r, int *limit)
{
	const char *s = req_query(r, "limit");
	*limit = 20;
	if (s) {
		char *end;
		long v = strtol(s, &end, 10);
		if (*end || v < 1 || v > PAGE_MAX)
			return req_fail(r, ERR_INVALID, "limit", "每页条数应为 1 到 %d", PAGE_MAX);
		*limit = (int)v;
	}
	return 0;
}

static int list_mine(struct req *r)
{
	int limit;
	int64_t before = 0, unused;
	if (page_limit(r, &limit))
		return -1;
	if (read_cursor(req_query(r, "cursor"), &before, &unused) != 1 && req_query(r, "cursor"))
		return req_fail(r, ERR_INVALID, "cursor", "翻页参数不正确");
	struct db_rows *rs;
	if (db_query(r->db, &r->err,
	             "SELECT " APPL_COLUMNS " FROM " APPL_FROM
	             " WHERE a.applicant_id = $1 AND ($2 = 0 OR a.id < $2) ORDER BY a.id DESC "
	             "LIMIT $3",
	             DB_ARGS(DB_INT(r->auth->account_id), DB_INT(before), DB_INT(limit + 1)), &rs))
		return -1;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "items");
	jw_arr(w);
	int rc, n = 0;
	int64_t last = 0;
	while ((rc = db_step(rs, &r->err)) == 1 && n < limit) {
		struct appl app;
		approval_read(rs, &r->arena, &app);
		if (!app.type)
			continue;
		appl_json(r, w, &app, 1, 0, 0);
		last = app.id;
		n++;
	}
	int more = rc == 1;
	db_rows_close(rs);
	if (rc < 0)
		return -1;
	jw_arr_end(w);
	req_json_cursor(r, more, last);
	jw_obj_end(w);
	return 0;
}

/* The inbox's conditions after "a.state = 'pending'": scope, filters. */
struct inbox_query {
	char sql[1024];
	struct db_val *p;
	int n;
};

static int inbox_where(struct req *r, struct inbox_query *q, int64_t now)
{
	const char *path = "a.org_path";
	q->p = access_params(r, 10);
	q->n = 0;
	const char *scope = access_scope_sql(r, path, 1, q->p, &q->n);
	int len = snprintf(q->sql, sizeof(q->sql), " WHERE a.state = 'pending' AND %s", scope);
	const char *type = req_query(r, "type");
	if (type && *type) {
		if (!approval_type(type))
			return req_fail(r, ERR_INVALID, "type", "不支持的申请类型");
		q->p[q->n++] = DB_TEXT(type);
		len += snprintf(q->sql + len, sizeof(q->sql) - len, " AND a.type = $%d", q->n);
	}
	const char *overdue = req_query(r, "overdue");
	if (overdue && !strcmp(overdue, "1")) {
		q->p[q->n++] = DB_INT(now);
		len += snprintf(q->sql + len, sizeof(q->sql) - len, " AND a.due_at < $%d", q->n);
	}
	const char *org = req_query(r, "org_id");
	if (org && *org) {
		struct org o;
		char *hi = arena_alloc(&r->arena, ORG_PATH_MAX);
		if (org_get(r->db, &r->err, &r->arena, atoll(org), &o) ||
		    !access_visible(r, o.path)) {
			err_clear(&r->err);
			return req_fail(r, ERR_INVALID, "org_id", "工会不存在或不在您的管理范围内");
		}
		access_subtree_hi(o.path, hi, ORG_PATH_MAX);
		q->p[q->n++] = DB_TEXT(o.path);
		q->p[q->n++] = DB_TEXT(hi);
		len += snprintf(q->sql + len, sizeof(q->sql) - len, " AND %s >= $%d AND %s < $%d",
		                path, q->n - 1, path, q->n);
	}
	const char *text = req_query(r, "q");
	if (text && *text) {
		if (strlen(text) > 100)
			return req_fail(r, ERR_INVALID, "q", "搜索内容过长");
		q->p[q->n++] = DB_TEXT(like_anywhere(&r->arena, text));
		len += snprintf(q->sql + len, sizeof(q->sql) - len,
		                " AND a.summary LIKE $%d ESCAPE '\\'", q->n);
	}
	return len < (int)sizeof(q->sql) ? 0 : req_fail(r, ERR_INTERNAL, NULL, NULL);
}

/* Pending work in scope, soonest deadline first: the pending rows of the
 * scope come from the partial index on (org_path, due_at, id), and only
 * their ids go through the sort before the page's rows are read. */
static int inbox(struct req *r)
{
	int limit;
	int64_t now = time(NULL), cdue = 0, cid = 0;
	const char *cursor = req_query(r, "cursor");
	if (page_limit(r, &limit))
		return -1;
	if (cursor && read_cursor(cursor, &cdue, &cid) != 2)
		return req_fail(r, ERR_INVALID, "cursor", "翻页参数不正确");
	struct inbox_query q;
	if (inbox_where(r, &q, now))
		return -1;
	int64_t total = 0, late = 0;
	struct db_rows *rs;
	if (db_query(r->db, &r->err,
	             arena_printf(&r->arena,
	                          "SELECT COUNT(*), COALESCE(SUM(CASE WHEN a.due_at < %lld "
	                          "THEN 1 ELSE 0 END), 0) FROM applications a%s",
	                          (long long)now, q.sql),
	             q.n, q.p, &rs))
		return -1;
	if (db_step(rs, &r->err) == 1) {
		total = db_col_int(rs, 0);
		late = db_col_int(rs, 1);
	}
	db_rows_close(rs);
	if (r->err.code)
		return -1;
	const char *page = "";
	if (cursor) {
		q.p[q.n++] = DB_INT(cdue);
		q.p[q.n++] = DB_INT(cid);
		page = arena_printf(&r->arena,
		                    " AND (a.due_at > $%d OR (a.due_at = $%d AND a.id > $%d))",
		                    q.n - 1, q.n - 1, q.n);
	}
	q.p[q.n++] = DB_INT(limit + 1);
	/* the page's ids first, so a sort carries ids and not whole rows */
	if (db_query(
	        r->db, &r->err,
	        arena_printf(&r->arena,
	                     "SELECT " APPL_COLUMNS " FROM (SELECT a.id FROM applications a"
	                     "%s%s ORDER BY a.due_at, a.id LIMIT $%d) p "
	                     "JOIN applications a ON a.id = p.id JOIN orgs o ON o.id = a.org_id "
	                     "ORDER BY a.due_at, a.id",
	                     q.sql, page, q.n),
	        q.n, q.p, &rs))
		return -1;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "items");
	jw_arr(w);
	int rc, n = 0;
	struct appl app = {0};
	while ((rc = db_step(rs, &r->err)) == 1 && n < limit) {
		approval_read(rs, &r->arena, &app);
		if (!app.type)
			continue;
		appl_json(r, w, &app, app.applicant_id == r->auth->account_id, 1, 0);
		n++;
	}
	int more = rc == 1;
	db_rows_close(rs);
	if (rc < 0)
		return -1;
	jw_arr_end(w);
	if (more)
		jw_kstr(
		    w, "next_cursor",
		    arena_printf(&r->arena, "%lld:%lld", (long long)app.due_at, (long long)app.id));
	else
		jw_knull(w, "next_cursor");
	jw_kint(w, "total", total);
	jw_kint(w, "overdue", late);
	jw_obj_end(w);
	return 0;
}

/* May the caller see app: 2 as a reviewer of its holding union, 1 as its
 * applicant or a reviewer of a union that held it before, 0 not at all. */
static int may_see(struct req *r, const struct appl *app, int *reviewer)
{
	*reviewer = 0;
	if (r->auth->account_id) {
		int has = access_has(r, app->type->perm, app->org_path);
		if (has < 0)
			return -1;
		*reviewer = has;
	}
	if (*reviewer || app->applicant_id == r->auth->account_id)
		return 1;
	struct db_rows *rs;
	if (db_query(r->db, &r->err,
	             "SELECT DISTINCT org_path FROM application_events "
	             "WHERE application_id = $1 AND org_path IS NOT NULL",
	             DB_ARGS(DB_INT(app->id)), &rs))
		return -1;
	int rc, seen = 0;
	char *paths[16];
	int np = 0;
	while ((rc = db_step(rs, &r->err)) == 1 && np < 16)
		paths[np++] = arena_strdup(&r->arena, db_col_text(rs, 0));
	db_rows_close(rs);
	if (rc < 0)
		return -1;
	for (int i = 0; i < np && !seen; i++) {
		int has = access_has(r, app->type->perm, paths[i]);
		if (has < 0)
			return -1;
		seen = has;
	}
	return seen;
}

static int visible_appl(struct req *r, struct appl *app, int *reviewer)
{
	int64_t id;
	if (req_param_id(r, "id", &id))
		return -1;
	if (approval_get(r->db, &r->err, &r->arena, id, app))
		return -1;
	int seen = may_see(r, app, reviewer);
	if (seen < 0)
		return -1;
	if (!seen)
		return req_fail(r, ERR_NOT_FOUND, NULL, "申请不存在");
	return 0;
}

static int get_one(struct req *r)
{
	struct appl app;
	int reviewer;
	if (visible_appl(r, &app, &reviewer))
		return -1;
	int applicant = app.applicant_id == r->auth->account_id;
	return appl_json(r, req_json(r), &app, applicant, reviewer,
	                 WITH_TIMELINE | (reviewer || !applicant ? WITH_APPLICANT : 0));
}

/* The action of body into act; form (resubmit) borrowed from the body. */
static int read_action(struct req *r, json_t *body, struct appl_action *act)
{
	memset(act, 0, sizeof(*act));
	act->action = json_string_value(json_object_get(body, "action"));
	act->comment = json_string_value(json_object_get(body, "comment"));
	json_t *v;
	if (!act->action)
		return req_fail(r, ERR_INVALID, "action", "请选择操作");
	if (act->comment && strlen(act->comment) > 1500)
		return req_fail(r, ERR_INVALID, "comment", "意见不能超过 500 个字");
	if ((v = json_object_get(body, "version")) && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return req_fail(r, ERR_INVALID, "version", "版本号不正确");
		act->version = json_integer_value(v);
	}
	if ((v = json_object_get(body, "org_id")) && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return req_fail(r, ERR_INVALID, "org_id", "请选择工会");
		act->org_id = json_integer_value(v);
	}
	if ((v = json_object_get(body, "form")) && !json_is_null(v)) {
		if (!json_is_object(v))
			return req_fail(r, ERR_INVALID, "form", "申请表格式不正确");
		act->form = v;
	}
	return 0;
}

static int applicant_action(const char *a)
{
	return !strcmp(a, "resubmit") || !strcmp(a, "withdraw");
}

/* Runs one action on app for the caller, checking they may take it. */
static int run_action(struct req *r, struct appl *app, int reviewer, const struct appl_action *act)
{
	int applicant = app->applicant_id == r->auth->account_id;
	if (applicant_action(act->action) ? !applicant : !reviewer) {
		if (!strcmp(act->action, "approve") || !strcmp(act->action, "reject") ||
		    !strcmp(act->action, "return") || !strcmp(act->action, "transfer") ||
		    !strcmp(act->action, "escalate") || applicant_action(act->action))
			return req_fail(r, ERR_FORBIDDEN, "action", "您不能对该申请%s",
			                approval_action_name(act->action));
		return req_fail(r, ERR_INVALID, "action", "未知的操作");
	}
	struct appl_ctx c = ctx_of(r);
	c.app = app;
	if (r->json && read_attachments(r, r->json, &c))
		return -1;
	return approval_act(&c, act);
}

/* After a 409: the application as it now is, in the error body. */
static void fresh_state(struct req *r, int64_t id, int reviewer)
{
	struct appl app;
	struct err e2 = {0};
	if (approval_get(r->db, &e2, &r->arena, id, &app))
		return;
	struct jw w;
	jw_init(&w, &r->arena);
	struct err keep = r->err;
	if (appl_json(r, &w, &app, app.applicant_id == r->auth->account_id, reviewer, 0) == 0)
		req_error_detail(r, "current", w.buf);
	r->err = keep;
}

static int act(struct req *r)
{
	struct appl app;
	struct appl_action a;
	int reviewer;
	if (visible_appl(r, &app, &reviewer) || req_body_object(r) || read_action(r, r->json, &a))
		return -1;
	req_audit(r, arena_printf(&r->arena, "applications.%s", a.action),
	          arena_printf(&r->arena, "application:%lld", (long long)app.id),
	          audit_fields(&r->arena, "type", app.type->code, "comment",
	                       a.comment ? a.comment : "", NULL));
	if (run_action(r, &app, reviewer, &a)) {
		if (r->err.code == ERR_CONFLICT)
			fresh_state(r, app.id, reviewer);
		return -1;
	}
	if (approval_get(r->db, &r->err, &r->arena, app.id, &app) ||
	    may_see(r, &app, &reviewer) < 0)
		return -1;
	return appl_json(r, req_json(r), &app, app.applicant_id == r->auth->account_id, reviewer,
	                 WITH_TIMELINE);
}

/* Each item in a transaction and audit row of its own: one failure takes
 * nothing else with it. */
static int batch(struct req *r)
{
	if (req_body_object(r))
		return -1;
	json_t *ids = json_object_get(r->json, "ids");
	if (!json_is_array(ids) || json_array_size(ids) == 0)
		return req_fail(r, ERR_INVALID, "ids", "请选择要处理的申请");
	if (json_array_size(ids) > BATCH_MAX)
		return req_fail(r, ERR_INVALID, "ids", "一次最多处理 %d 件", BATCH_MAX);
	struct appl_action a;
	if (read_action(r, r->json, &a))
		return -1;
	if (strcmp(a.action, "approve") && strcmp(a.action, "reject") && strcmp(a.action, "return"))
		return req_fail(r, ERR_INVALID, "action", "批量处理只能通过、不予通过或退回");
	if (strcmp(a.action, "approve") && (!a.comment || !*a.comment))
		return req_fail(r, ERR_INVALID, "comment", "请填写理由");
	if (json_object_get(r->json, "attachment_ids"))
		return req_fail(r, ERR_INVALID, "attachment_ids",
		                "批量处理不能附带材料，请逐件办理");
	a.version = 0;
	a.org_id = 0;
	a.form = NULL;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "results");
	jw_arr(w);
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v)
	{
		int64_t id = json_integer_value(v);
		struct appl app;
		int reviewer = 0, rc;
		err_clear(&r->err);
		if ((rc = db_begin(r->db, &r->err)) == 0) {
			rc = json_is_integer(v) && id > 0
			         ? approval_get(r->db, &r->err, &r->arena, id, &app)
			         : req_fail(r, ERR_NOT_FOUND, NULL, "申请不存在");
			if (rc == 0 && (rc = may_see(r, &app, &reviewer)) == 1)
				rc = 0;
			else if (rc == 0)
				rc = req_fail(r, ERR_NOT_FOUND, NULL, "申请不存在");
			if (rc == 0)
				rc = run_action(r, &app, reviewer, &a);
			struct audit_row row;
			audit_row_of(r, rc == 0, &row);
			row.action = arena_printf(&r->arena, "applications.%s", a.action);
			row.target = arena_printf(&r->arena, "application:%lld", (long long)id);
			if (rc == 0 && (rc = audit_append(r->db, &r->err, &row)) == 0)
				rc = db_commit(r->db, &r->err);
			if (rc) {
				struct err keep = r->err;
				db_rollback(r->db);
				audit_append_alone(r->db, &(struct err){0}, &row);
				r->err = keep;
			}
		}
		jw_obj(w);
		jw_kint(w, "id", id);
		jw_kbool(w, "ok", rc == 0);
		if (rc == 0) {
			struct appl now;
			if (approval_get(r->db, &(struct err){0}, &r->arena, id, &now) == 0)
				jw_kstr(w, "state", now.state);
		} else {
			jw_key(w, "error");
			jw_obj(w);
			jw_kstr(w, "code", r->err.slug);
			jw_kstr(w, "message", r->err.message);
			jw_obj_end(w);
		}
		jw_obj_end(w);
	}
	err_clear(&r->err);
	jw_arr_end(w);
	jw_obj_end(w);
	r->audited = 1;
	return 0;
}

static int year_of(struct req *r, const char *s, int *year)
{
	char *end;
	long y = s ? strtol(s, &end, 10) : 0;
	if (!s || *end || y < 2000 || y > 2100)
		return req_fail(r, ERR_INVALID, "year", "年份不正确");
	*year = (int)y;
	return 0;
}

static int get_holidays_of(struct req *r, int year)
{
	struct db_rows *rs;
	char lo[11], hi[11];
	snprintf(lo, sizeof(lo), "%04d-01-01", year);
	snprintf(hi, sizeof(hi), "%04d-12-31", year);
	if (db_query(
	        r->db, &r->err,
	        "SELECT day, kind, name FROM holidays WHERE day >= $1 AND day <= $2 ORDER BY day",
	        DB_ARGS(DB_TEXT(lo), DB_TEXT(hi)), &rs))
		return -1;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_kint(w, "year", year);
	jw_key(w, "days");
	jw_arr(w);
	int rc;
	while ((rc = db_step(rs, &r->err)) == 1) {
		jw_obj(w);
		jw_kstr(w, "date", db_col_text(rs, 0));
		jw_kstr(w, "kind", db_col_text(rs, 1));
		jw_kstr(w, "name", db_col_text(rs, 2));
		jw_obj_end(w);
	}
	db_rows_close(rs);
	jw_arr_end(w);
	jw_obj_end(w);
	return rc < 0 ? -1 : 0;
}

static int get_holidays(struct req *r)
{
	int year = 0;
	return year_of(r, req_query(r, "year"), &year) ? -1 : get_holidays_of(r, year);
}

static int put_holidays(struct req *r)
{
	int64_t y = 0;
	if (req_body_object(r) || req_body_int(r, "year", 1, 2000, 2100, &y))
		return -1;
	json_t *days = json_object_get(r->json, "days");
	if (!json_is_array(days) || json_array_size(days) > 366)
		return req_fail(r, ERR_INVALID, "days", "请提供当年的节假日列表");
	char lo[11], hi[11];
	snprintf(lo, sizeof(lo), "%04d-01-01", (int)y);
	snprintf(hi, sizeof(hi), "%04d-12-31", (int)y);
	if (db_exec(r->db, &r->err, "DELETE FROM holidays WHERE day >= $1 AND day <= $2",
	            DB_ARGS(DB_TEXT(lo), DB_TEXT(hi)), NULL))
		return -1;
	size_t i;
	json_t *d;
	json_array_foreach(days, i, d)
	{
		const char *date = json_string_value(json_object_get(d, "date"));
		const char *kind = json_string_value(json_object_get(d, "kind"));
		const char *name = json_string_value(json_object_get(d, "name"));
		if (!date || valid_date(date, "days", &r->err))
			return req_fail(r, ERR_INVALID, "days", "第 %zu 项的日期不正确", i + 1);
		if (strncmp(date, lo, 4))
			return req_fail(r, ERR_INVALID, "days", "%s 不在 %d 年内", date, (int)y);
		if (!kind || (strcmp(kind, "off") && strcmp(kind, "work")))
			return req_fail(r, ERR_INVALID, "days", "%s 应为放假或调休上班", date);
		if (name && strlen(name) > 60)
			return req_fail(r, ERR_INVALID, "days", "%s 的名称过长", date);
		if (db_exec(r->db, &r->err,
		            "INSERT INTO holidays (day, kind, name) VALUES ($1, $2, $3)",
		            DB_ARGS(DB_TEXT(date), DB_TEXT(kind), DB_TEXT(name ? name : "")),
		            NULL)) {
			if (r->err.code == ERR_CONFLICT)
				return req_fail(r, ERR_INVALID, "days", "%s 重复", date);
			return -1;
		}
	}
	req_audit(r, "calendar.manage", arena_printf(&r->arena, "holidays:%d", (int)y),
	          audit_fields(&r->arena, "days",
	                       arena_printf(&r->arena, "%zu", json_array_size(days)), NULL));
	return get_holidays_of(r, (int)y);
}

/* Who may read an application's attachments: whoever may see it. */
static int appl_may_read(struct req *r, int64_t id)
{
	struct appl app;
	int reviewer;
	if (approval_get(r->db, &r->err, &r->arena, id, &app)) {
		if (r->err.code != ERR_NOT_FOUND)
			return -1;
		err_clear(&r->err);
		return 0;
	}
	return may_see(r, &app, &reviewer);
}

__attribute__((constructor)) static void register_attachments(void)
{
	attachment_owner_register(APPL_ATTACHMENTS, appl_may_read);
}
