/* API keys for other systems (分级分版块管理秘钥): issue, list, revoke. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/req.h"
#include "modules.h"
#include "platform/access.h"
#include "platform/apikey.h"
#include "platform/audit.h"
#include "platform/org.h"
#include "platform/roles.h"

static int list_keys(struct req *r);
static int create_key(struct req *r);
static int revoke_key(struct req *r);

static const struct route routes[] = {
    {"GET", "/api/v1/api-keys", list_keys, "apikeys.manage", 0},
    {"POST", "/api/v1/api-keys", create_key, "apikeys.manage", 0},
    {"DELETE", "/api/v1/api-keys/:id", revoke_key, "apikeys.manage", 0},
};

const struct module apikeys_module = {"apikeys", ROUTES(routes)};

static void key_json(struct jw *w, struct db_rows *rs)
{
	jw_obj(w);
	jw_kint(w, "id", db_col_int(rs, 0));
	jw_kstr(w, "name", db_col_text(rs, 1));
	jw_kstr(w, "prefix", db_col_text(rs, 2));
	jw_key(w, "org");
	jw_obj(w);
	jw_kint(w, "id", db_col_int(rs, 3));
	jw_kstr(w, "name", db_col_text(rs, 4));
	jw_obj_end(w);
	jw_kstr(w, "scope", db_col_text(rs, 5));
	jw_key(w, "sections");
	jw_arr(w);
	const char *s = db_col_text(rs, 6);
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		jw_strn(w, s, n);
		s += n + (comma ? 1 : 0);
	}
	jw_arr_end(w);
	jw_kint(w, "rate_per_minute", db_col_int(rs, 7));
	jw_kint(w, "expires_at", db_col_int(rs, 8));
	if (db_col_null(rs, 9))
		jw_knull(w, "revoked_at");
	else
		jw_kint(w, "revoked_at", db_col_int(rs, 9));
	if (db_col_null(rs, 10))
		jw_knull(w, "last_used_at");
	else
		jw_kint(w, "last_used_at", db_col_int(rs, 10));
	jw_obj_end(w);
}

static const char *key_columns =
    "SELECT k.id, k.name, k.prefix, o.id, o.name, k.scope, k.sections, k.rate_per_minute, "
    "k.expires_at, k.revoked_at, k.last_used_at FROM api_keys k JOIN orgs o ON o.id = k.org_id ";

static int list_keys(struct req *r)
{
	int n = 0;
	struct db_val *p = access_params(r, 3);
	const char *scope = access_scope_sql(r, "o.path", 1, p, &n);
	struct db_rows *rs;
	if (db_query(r->db, &r->err,
	             arena_printf(&r->arena, "%sWHERE %s ORDER BY k.id DESC LIMIT 200", key_columns,
	                          scope),
	             n, p, &rs))
		return -1;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "items");
	jw_arr(w);
	int got;
	while ((got = db_step(rs, &r->err)) == 1)
		key_json(w, rs);
	db_rows_close(rs);
	jw_arr_end(w);
	jw_obj_end(w);
	return got < 0 ? -1 : 0;
}

static int create_key(struct req *r)
{
	const char *name, *scope;
	int64_t org_id = 0, rate = 60, days = 365;
	if (req_body_str(r, "name", 1, 60, &name) ||
	    req_body_int(r, "org_id", 1, 1, INT64_MAX, &org_id) ||
	    req_body_str(r, "scope", 1, 10, &scope) ||
	    req_body_int(r, "rate_per_minute", 0, 1, 100000, &rate) ||
	    req_body_int(r, "expires_in_days", 0, 1, 3650, &days))
		return -1;
	if (strcmp(scope, "org") && strcmp(scope, "subtree"))
		return req_fail(r, ERR_INVALID, "scope",
		                "范围应为 org（仅本级）或 subtree（本级及下级）");
	json_t *secs = json_object_get(r->json, "sections");
	if (!json_is_array(secs) || json_array_size(secs) == 0 || json_array_size(secs) > 32)
		return req_fail(r, ERR_INVALID, "sections", "请至少选择一个版块");
	struct jw list;
	jw_init(&list, &r->arena);
	size_t i;
	json_t *v;
	json_array_foreach(secs, i, v)
	{
		const char *sec = json_string_value(v);
		int known = 0;
		for (int k = 0; sec && k < perm_catalog_count; k++) {
			const char *dot = strchr(perm_catalog[k].code, '.');
			known |= strlen(sec) == (size_t)(dot - perm_catalog[k].code) &&
			         !strncmp(perm_catalog[k].code, sec, strlen(sec));
		}
		if (!known)
			return req_fail(r, ERR_INVALID, "sections", "未知的版块：%s",
			                sec ? sec : "（非文本）");
		if (i)
			jw_raw(&list, ",", 1);
		jw_raw(&list, sec, strlen(sec));
	}
	struct org o;
	if (org_get(r->db, &r->err, &r->arena, org_id, &o) || !access_visible(r, o.path)) {
		err_clear(&r->err);
		return req_fail(r, ERR_INVALID, "org_id", "组织不存在或不在您的管理范围内");
	}
	/* a key never reads more than its maker could: each section must hold a
	 * permission the maker has at that org */
	for (const char *sec = list.buf; *sec;) {
		const char *comma = strchr(sec, ',');
		size_t len = comma ? (size_t)(comma - sec) : strlen(sec);
		int64_t held = 0;
		if (db_query_int(
		        r->db, &r->err,
		        "SELECT COUNT(*) FROM bindings b JOIN role_permissions rp ON rp.role_id = "
		        "b.role_id JOIN orgs go ON go.id = b.org_id WHERE b.account_id = $1 AND "
		        "rp.perm LIKE $2 AND (go.path = $3 OR (b.scope = 'subtree' AND $3 >= "
		        "go.path "
		        "AND $3 < substr(go.path, 1, length(go.path) - 1) || '0'))",
		        DB_ARGS(DB_INT(r->auth->account_id),
		                DB_TEXT(arena_printf(&r->arena, "%.*s.%%", (int)len, sec)),
		                DB_TEXT(o.path)),
		        &held))
			return -1;
		if (!held)
			return req_fail(r, ERR_FORBIDDEN, "sections",
			                "您本人没有“%.*s”版块的权限，不能为它签发密钥", (int)len,
			                sec);
		sec += len + (comma ? 1 : 0);
	}
	const char *key;
	int64_t id;
	if (apikey_create(r, name, org_id, scope, list.buf, rate,
	                  (int64_t)time(NULL) + days * 86400, &key, &id))
		return -1;
	req_audit(r, "apikeys.create", arena_printf(&r->arena, "api_key:%lld", (long long)id),
	          audit_fields(&r->arena, "name", name, "org_id",
	                       arena_printf(&r->arena, "%lld", (long long)org_id), "scope", scope,
	                       "sections", list.buf, NULL));
	struct db_rows *rs;
	if (db_query(r->db, &r->err, arena_printf(&r->arena, "%sWHERE k.id = $1", key_columns),
	             DB_ARGS(DB_INT(id)), &rs))
		return -1;
	req_status(r, 201);
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_kstr(w, "key", key);
	jw_key(w, "api_key");
	if (db_step(rs, &r->err) == 1)
		key_json(w, rs);
	else
		jw_null(w);
	db_rows_close(rs);
	jw_obj_end(w);
	return 0;
}

static int revoke_key(struct req *r)
{
	int64_t id;
	if (req_param_id(r, "id", &id))
		return -1;
	struct db_rows *rs;
	if (db_query(r->db, &r->err,
	             "SELECT o.path FROM api_keys k JOIN orgs o ON o.id = k.org_id WHERE k.id = $1",
	             DB_ARGS(DB_INT(id)), &rs))
		return -1;
	int got = db_step(rs, &r->err);
	int visible = got == 1 && access_visible(r, db_col_text(rs, 0));
	db_rows_close(rs);
	if (got < 0)
		return -1;
	if (!visible)
		return req_fail(r, ERR_NOT_FOUND, NULL, "接口密钥不存在");
	if (db_exec(r->db, &r->err,
	            "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
	            DB_ARGS(DB_INT((int64_t)time(NULL)), DB_INT(id)), NULL))
		return -1;
	req_audit(r, "apikeys.revoke", arena_printf(&r->arena, "api_key:%lld", (long long)id),
	          NULL);
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_obj_end(w);
	return 0;
}
