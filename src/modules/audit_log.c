/* The audit viewer, for the 审计管理员 only. */
#include <stdlib.h>
#include <string.h>

#include "core/req.h"
#include "modules.h"
#include "platform/audit.h"

static int list_audit(struct req *r);
static int verify_audit(struct req *r);

static const struct route routes[] = {
    {"GET", "/api/v1/audit", list_audit, "audit.read", 0},
    {"GET", "/api/v1/audit/verify", verify_audit, "audit.read", 0},
};

const struct module audit_module = {"audit", ROUTES(routes)};

static int64_t query_int(struct req *r, const char *name, int64_t def)
{
	const char *s = req_query(r, name);
	return s && *s ? strtoll(s, NULL, 10) : def;
}

static int list_audit(struct req *r)
{
	int64_t cursor = query_int(r, "cursor", INT64_MAX);
	int64_t limit = query_int(r, "limit", 50);
	if (limit < 1 || limit > 200)
		limit = 50;
	const char *action = req_query(r, "action");
	const char *success = req_query(r, "success");
	struct db_rows *rs;
	/* optional filters as "$k IS NULL OR …", so there is one statement to cache */
	if (db_query(
	        r->db, &r->err,
	        "SELECT l.id, l.at, l.account_id, a.real_name, l.org_id, l.action, l.target, "
	        "l.fields, l.ip, l.request_id, l.success FROM audit_log l "
	        "LEFT JOIN accounts a ON a.id = l.account_id WHERE l.id < $1 "
	        "AND (CAST($2 AS TEXT) = '' OR l.action LIKE $2) AND (CAST($3 AS BIGINT) = 0 OR "
	        "l.account_id = $3) "
	        "AND (CAST($4 AS BIGINT) = 0 OR l.at >= $4) AND (CAST($5 AS BIGINT) = 0 OR l.at < "
	        "$5) "
	        "AND (CAST($6 AS BIGINT) = -1 OR l.success = $6) ORDER BY l.id DESC LIMIT $7",
	        DB_ARGS(DB_INT(cursor),
	                DB_TEXT(action && *action ? arena_printf(&r->arena, "%s%%", action) : ""),
	                DB_INT(query_int(r, "account_id", 0)), DB_INT(query_int(r, "from", 0)),
	                DB_INT(query_int(r, "to", 0)),
	                DB_INT(!success || !*success                               ? -1
	                       : !strcmp(success, "true") || !strcmp(success, "1") ? 1
	                                                                           : 0),
	                DB_INT(limit + 1)),
	        &rs))
		return -1;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "items");
	jw_arr(w);
	int got, count = 0;
	int64_t last = 0;
	while ((got = db_step(rs, &r->err)) == 1) {
		if (++count > limit)
			break;
		last = db_col_int(rs, 0);
		jw_obj(w);
		jw_kint(w, "id", last);
		jw_kint(w, "at", db_col_int(rs, 1));
		jw_key(w, "account");
		if (db_col_null(rs, 2)) {
			jw_null(w);
		} else {
			jw_obj(w);
			jw_kint(w, "id", db_col_int(rs, 2));
			jw_kstr(w, "name", db_col_text(rs, 3));
			jw_obj_end(w);
		}
		if (db_col_null(rs, 4))
			jw_knull(w, "org_id");
		else
			jw_kint(w, "org_id", db_col_int(rs, 4));
		jw_kstr(w, "action", db_col_text(rs, 5));
		jw_kstr(w, "target", db_col_text(rs, 6));
		jw_kstr(w, "fields", db_col_text(rs, 7));
		jw_kstr(w, "ip", db_col_text(rs, 8));
		jw_kstr(w, "request_id", db_col_text(rs, 9));
		jw_kbool(w, "success", (int)db_col_int(rs, 10));
		jw_obj_end(w);
	}
	db_rows_close(rs);
	if (got < 0)
		return -1;
	jw_arr_end(w);
	req_json_cursor(r, count > limit, last);
	jw_obj_end(w);
	return 0;
}

static int verify_audit(struct req *r)
{
	struct audit_report rep;
	if (audit_verify(r->db, &r->err, &rep))
		return -1;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_kbool(w, "ok", rep.first_bad_id == 0);
	jw_kint(w, "rows", rep.rows);
	if (rep.first_bad_id) {
		jw_kint(w, "first_bad_id", rep.first_bad_id);
		jw_kstr(w, "reason", rep.reason);
	}
	jw_obj_end(w);
	return 0;
}
