/* The console's account management: cadre accounts, their role bindings,
 * the role and permission catalog, and the security admin's lock/unlock. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "core/req.h"
#include "core/server.h"
#include "core/validate.h"
#include "modules.h"
#include "platform/access.h"
#include "platform/account.h"
#include "platform/account_json.h"
#include "platform/audit.h"
#include "platform/org.h"
#include "platform/roles.h"
#include "platform/session.h"

static int list_accounts(struct req *r);
static int create_account(struct req *r);
static int get_account(struct req *r);
static int add_binding(struct req *r);
static int remove_binding(struct req *r);
static int lock_account(struct req *r);
static int unlock_account(struct req *r);
static int list_roles(struct req *r);
static int list_permissions(struct req *r);

static const struct route routes[] = {
    {"GET", "/api/v1/accounts", list_accounts, "accounts.read", 0},
    {"POST", "/api/v1/accounts", create_account, "accounts.manage", 0},
    {"GET", "/api/v1/accounts/:id", get_account, "accounts.read", 0},
    {"POST", "/api/v1/accounts/:id/bindings", add_binding, "accounts.manage", 0},
    {"DELETE", "/api/v1/bindings/:id", remove_binding, "accounts.manage", 0},
    {"POST", "/api/v1/accounts/:id/lock", lock_account, "security.manage", 0},
    {"POST", "/api/v1/accounts/:id/unlock", unlock_account, "security.manage", 0},
    {"GET", "/api/v1/roles", list_roles, "accounts.manage", 0},
    {"GET", "/api/v1/permissions", list_permissions, "accounts.manage", 0},
};

const struct module accounts_module = {"accounts", ROUTES(routes)};

/* An account is the caller's to manage when one of its bindings lies in the
 * caller's scope, or the caller made it and it has no binding yet. */
static int account_in_scope(struct req *r, int64_t id)
{
	int n = 0;
	struct db_val *p = access_params(r, 3);
	p[n++] = DB_INT(id);
	p[n++] = DB_INT(r->auth->account_id);
	const char *scope = access_scope_sql(r, "o.path", 3, p, &n);
	char *sql = arena_printf(
	    &r->arena,
	    "SELECT COUNT(*) FROM accounts a WHERE a.id = $1 AND a.kind = 'cadre' AND ("
	    "EXISTS (SELECT 1 FROM bindings b JOIN orgs o ON o.id = b.org_id WHERE b.account_id = "
	    "a.id AND %s) OR (a.created_by = $2 AND NOT EXISTS (SELECT 1 FROM bindings b2 WHERE "
	    "b2.account_id = a.id)))",
	    scope);
	int64_t count = 0;
	if (db_query_int(r->db, &r->err, sql, n, p, &count))
		return -1;
	if (!count)
		return req_fail(r, ERR_NOT_FOUND, NULL, "账号不存在");
	return 0;
}

/* A grant of the whole tree: a subtree grant at the root ("/1/"). */
static int province_wide(struct req *r)
{
	for (int i = 0; i < r->auth->ngrants; i++) {
		const struct grant *g = &r->auth->grants[i];
		if (g->subtree && strchr(g->path + 1, '/') == g->path + strlen(g->path) - 1)
			return 1;
	}
	return 0;
}

/* The account with its bindings, in one object. */
static int write_account_full(struct req *r, struct jw *w, const struct account *a)
{
	jw_obj(w);
	account_fields(w, a, 0);
	jw_key(w, "bindings");
	int rc = bindings_json(r->db, &r->err, w, a->id);
	jw_obj_end(w);
	return rc;
}

static int list_accounts(struct req *r)
{
	const char *q = req_query(r, "q");
	const char *cursor = req_query(r, "cursor");
	int64_t after = cursor ? strtoll(cursor, NULL, 10) : 0;
	int n = 0;
	struct db_val *p = access_params(r, 3);
	p[n++] = DB_INT(after);
	p[n++] = DB_TEXT(q && *q ? arena_printf(&r->arena, "%s%%", q) : "%");
	p[n++] = DB_INT(r->auth->account_id);
	const char *scope = access_scope_sql(r, "o.path", 4, p, &n);
	char *sql = arena_printf(
	    &r->arena,
	    "SELECT a.id FROM accounts a WHERE a.kind = 'cadre' AND a.id > $1 AND "
	    "(a.real_name LIKE $2 OR a.username LIKE $2) AND (EXISTS (SELECT 1 FROM bindings b "
	    "JOIN orgs o ON o.id = b.org_id WHERE b.account_id = a.id AND %s) OR (a.created_by = "
	    "$3 AND NOT EXISTS (SELECT 1 FROM bindings b2 WHERE b2.account_id = a.id))) "
	    "ORDER BY a.id LIMIT 51",
	    scope);
	int64_t ids[51];
	int count;
	if (db_query_ints(r->db, &r->err, sql, n, p, ids, 51, &count))
		return -1;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "items");
	jw_arr(w);
	for (int i = 0; i < count && i < 50; i++) {
		struct account a;
		if (account_get(r->db, &r->err, &r->arena, ids[i], &a))
			return -1;
		if (write_account_full(r, w, &a))
			return -1;
	}
	jw_arr_end(w);
	req_json_cursor(r, count > 50, count > 50 ? ids[49] : 0);
	jw_obj_end(w);
	return 0;
}

static int find_role(struct req *r, const char *code, int64_t *id, const char **admin_kind)
{
	struct db_rows *rs;
	if (db_query(r->db, &r->err, "SELECT id, admin_kind FROM roles WHERE code = $1",
	             DB_ARGS(DB_TEXT(code)), &rs))
		return -1;
	int got = db_step(rs, &r->err);
	if (got == 1) {
		*id = db_col_int(rs, 0);
		*admin_kind =
		    db_col_null(rs, 1) ? NULL : arena_strdup(&r->arena, db_col_text(rs, 1));
	}
	db_rows_close(rs);
	if (got < 0)
		return -1;
	return got ? 0 : req_fail(r, ERR_INVALID, "role_code", "角色不存在");
}

/* May the caller grant role_id at org? Only permissions they hold there
 * themselves, and the admin roles only by a system admin. */
static int may_grant(struct req *r, int64_t role_id, const char *admin_kind, const struct org *o)
{
	if (admin_kind) {
		int kinds = 0;
		if (account_admin_kinds(r->db, &r->err, r->auth->account_id, &kinds))
			return -1;
		if (!(kinds & 1))
			return req_fail(r, ERR_FORBIDDEN, "role_code",
			                "三员角色只能由系统管理员授予");
		return 0;
	}
	/* each permission of the role must be granted to the caller at o */
	int64_t missing = 0;
	if (db_query_int(
	        r->db, &r->err,
	        "SELECT COUNT(*) FROM role_permissions rp WHERE rp.role_id = $1 AND NOT EXISTS ("
	        "SELECT 1 FROM bindings b JOIN role_permissions mine ON mine.role_id = b.role_id "
	        "AND mine.perm = rp.perm JOIN orgs go ON go.id = b.org_id WHERE b.account_id = $2 "
	        "AND (go.path = $3 OR (b.scope = 'subtree' AND $3 >= go.path AND $3 < "
	        "substr(go.path, 1, length(go.path) - 1) || '0')))",
	        DB_ARGS(DB_INT(role_id), DB_INT(r->auth->account_id), DB_TEXT(o->path)), &missing))
		return -1;
	if (missing)
		return req_fail(r, ERR_FORBIDDEN, "role_code", "不能授予超出您本人权限的角色");
	return 0;
}

/* Binds account to role at org after every check; the caller's transaction. */
static int bind(struct req *r, int64_t account_id, int64_t org_id, const char *role_code,
                const char *scope, int64_t *binding_id)
{
	if (strcmp(scope, "org") && strcmp(scope, "subtree"))
		return req_fail(r, ERR_INVALID, "scope",
		                "范围应为 org（仅本级）或 subtree（本级及下级）");
	struct org o;
	if (org_get(r->db, &r->err, &r->arena, org_id, &o) || !access_visible(r, o.path)) {
		err_clear(&r->err);
		return req_fail(r, ERR_INVALID, "org_id", "组织不存在或不在您的管理范围内");
	}
	int64_t role_id = 0;
	const char *admin_kind = NULL;
	if (find_role(r, role_code, &role_id, &admin_kind) || may_grant(r, role_id, admin_kind, &o))
		return -1;
	if (admin_kind) {
		int kinds = 0;
		if (account_admin_kinds(r->db, &r->err, account_id, &kinds))
			return -1;
		int bit = !strcmp(admin_kind, "sysadmin")   ? 1
		          : !strcmp(admin_kind, "secadmin") ? 2
		                                            : 4;
		if (kinds & ~bit)
			return req_fail_as(r, ERR_CONFLICT, "separation_of_duties", "role_code",
			                   "系统管理员、安全管理员、审计管理员不能由同一账号兼任");
	}
	if (db_query_int(r->db, &r->err,
	                 "INSERT INTO bindings (account_id, org_id, role_id, scope, created_by, "
	                 "created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
	                 DB_ARGS(DB_INT(account_id), DB_INT(org_id), DB_INT(role_id),
	                         DB_TEXT(scope), DB_INT(r->auth->account_id),
	                         DB_INT((int64_t)time(NULL))),
	                 binding_id)) {
		if (r->err.code == ERR_CONFLICT)
			return req_fail_as(r, ERR_CONFLICT, "binding_exists", "role_code",
			                   "该账号在此组织已有这个角色");
		return -1;
	}
	req_audit(
	    r, "accounts.bind", arena_printf(&r->arena, "account:%lld", (long long)account_id),
	    audit_fields(&r->arena, "org_id", arena_printf(&r->arena, "%lld", (long long)org_id),
	                 "role", role_code, "scope", scope, "binding_id",
	                 arena_printf(&r->arena, "%lld", (long long)*binding_id), NULL));
	return 0;
}

static int create_account(struct req *r)
{
	const char *username, *name, *phone, *role, *scope;
	int64_t org_id = 0;
	if (req_body_str(r, "username", 1, 32, &username) ||
	    req_body_str(r, "real_name", 1, 30, &name) || req_body_str(r, "phone", 0, 20, &phone) ||
	    (phone && *phone && valid_phone(phone, "phone", &r->err)) ||
	    req_body_int(r, "org_id", 1, 1, INT64_MAX, &org_id) ||
	    req_body_str(r, "role_code", 1, 32, &role) || req_body_str(r, "scope", 1, 10, &scope))
		return -1;
	for (const char *p = username; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_' || *p == '.'))
			return req_fail(r, ERR_INVALID, "username",
			                "账号名只能用小写字母、数字和 - _ .");
	if (strlen(username) < 3)
		return req_fail(r, ERR_INVALID, "username", "账号名至少 3 个字符");
	/* a readable initial password that meets the policy: Gh + 10 random + ! */
	char rnd[20], initial[24];
	if (crypto_token(12, rnd))
		return req_fail(r, ERR_INTERNAL, NULL, NULL);
	for (char *p = rnd; *p; p++)
		if (*p == '-' || *p == '_')
			*p = '7';
	snprintf(initial, sizeof(initial), "Gh%.10s9!", rnd);
	struct account_new n = {.username = username,
	                        .real_name = name,
	                        .kind = "cadre",
	                        .phone = phone && *phone ? phone : NULL,
	                        .password = initial,
	                        .iterations = server_config(r->srv)->password_iterations,
	                        .must_change_password = 1,
	                        .created_by = r->auth->account_id};
	int64_t id, binding;
	if (account_create(r->db, &r->err, &n, &id) || bind(r, id, org_id, role, scope, &binding))
		return -1;
	struct account a;
	if (account_get(r->db, &r->err, &r->arena, id, &a))
		return -1;
	req_audit(r, "accounts.create", arena_printf(&r->arena, "account:%lld", (long long)id),
	          audit_fields(&r->arena, "username", username, "org_id",
	                       arena_printf(&r->arena, "%lld", (long long)org_id), "role", role,
	                       "scope", scope, NULL));
	req_status(r, 201);
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "account");
	if (write_account_full(r, w, &a))
		return -1;
	jw_kstr(w, "initial_password", initial);
	jw_obj_end(w);
	crypto_wipe(initial, sizeof(initial));
	return 0;
}

static int get_account(struct req *r)
{
	int64_t id;
	struct account a;
	if (req_param_id(r, "id", &id) || account_in_scope(r, id) ||
	    account_get(r->db, &r->err, &r->arena, id, &a))
		return -1;
	return write_account_full(r, req_json(r), &a);
}

static int add_binding(struct req *r)
{
	int64_t id, org_id = 0, binding;
	const char *role, *scope;
	if (req_param_id(r, "id", &id) || account_in_scope(r, id) ||
	    req_body_int(r, "org_id", 1, 1, INT64_MAX, &org_id) ||
	    req_body_str(r, "role_code", 1, 32, &role) || req_body_str(r, "scope", 1, 10, &scope) ||
	    bind(r, id, org_id, role, scope, &binding))
		return -1;
	req_status(r, 201);
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_kint(w, "id", binding);
	jw_obj_end(w);
	return 0;
}

static int remove_binding(struct req *r)
{
	int64_t id;
	if (req_param_id(r, "id", &id))
		return -1;
	struct db_rows *rs;
	if (db_query(r->db, &r->err,
	             "SELECT b.account_id, o.path, ro.admin_kind FROM bindings b JOIN orgs o ON "
	             "o.id = b.org_id JOIN roles ro ON ro.id = b.role_id WHERE b.id = $1",
	             DB_ARGS(DB_INT(id)), &rs))
		return -1;
	int got = db_step(rs, &r->err);
	int64_t account_id = 0;
	int visible = 0, admin_role = 0;
	if (got == 1) {
		account_id = db_col_int(rs, 0);
		visible = access_visible(r, db_col_text(rs, 1));
		admin_role = !db_col_null(rs, 2);
	}
	db_rows_close(rs);
	if (got < 0)
		return -1;
	if (!got || !visible)
		return req_fail(r, ERR_NOT_FOUND, NULL, "授权记录不存在");
	if (account_id == r->auth->account_id && admin_role)
		return req_fail(r, ERR_UNPROCESSABLE, NULL, "不能撤销自己的管理员角色");
	if (admin_role) {
		int kinds = 0;
		if (account_admin_kinds(r->db, &r->err, r->auth->account_id, &kinds))
			return -1;
		if (!(kinds & 1))
			return req_fail(r, ERR_FORBIDDEN, NULL, "三员角色只能由系统管理员撤销");
	}
	if (db_exec(r->db, &r->err, "DELETE FROM bindings WHERE id = $1", DB_ARGS(DB_INT(id)),
	            NULL))
		return -1;
	req_audit(r, "accounts.unbind",
	          arena_printf(&r->arena, "account:%lld", (long long)account_id),
	          audit_fields(&r->arena, "binding_id",
	                       arena_printf(&r->arena, "%lld", (long long)id), NULL));
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_obj_end(w);
	return 0;
}

static int set_lock(struct req *r, int lock)
{
	int64_t id;
	if (req_param_id(r, "id", &id))
		return -1;
	if (id == r->auth->account_id)
		return req_fail(r, ERR_UNPROCESSABLE, NULL, "不能锁定或解锁自己的账号");
	/* workers belong to no binding: only a province-wide grant reaches them */
	int64_t workers = 0;
	if (db_query_int(r->db, &r->err,
	                 "SELECT COUNT(*) FROM accounts WHERE id = $1 AND kind = 'worker'",
	                 DB_ARGS(DB_INT(id)), &workers))
		return -1;
	if (workers ? !province_wide(r) : account_in_scope(r, id) != 0)
		return r->err.code ? -1 : req_fail(r, ERR_NOT_FOUND, NULL, "账号不存在");
	int64_t changed = 0;
	if (db_exec(r->db, &r->err,
	            "UPDATE accounts SET status = CASE WHEN status = $4 THEN $1 ELSE status END, "
	            "failed_logins = 0, locked_until = 0, updated_at = $2 WHERE id = $3",
	            DB_ARGS(DB_TEXT(lock ? "locked" : "active"), DB_INT((int64_t)time(NULL)),
	                    DB_INT(id), DB_TEXT(lock ? "active" : "locked")),
	            &changed))
		return -1;
	if (!changed)
		return req_fail(r, ERR_NOT_FOUND, NULL, "账号不存在");
	if (lock && session_revoke_all(r->db, &r->err, id, 0))
		return -1;
	req_audit(r, lock ? "security.lock" : "security.unlock",
	          arena_printf(&r->arena, "account:%lld", (long long)id), NULL);
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_obj_end(w);
	return 0;
}

static int lock_account(struct req *r)
{
	return set_lock(r, 1);
}

static int unlock_account(struct req *r)
{
	return set_lock(r, 0);
}

static int list_roles(struct req *r)
{
	struct db_rows *rs;
	if (db_query(r->db, &r->err,
	             "SELECT r.id, r.code, r.name, r.description, r.admin_kind, r.builtin, rp.perm "
	             "FROM roles r LEFT JOIN role_permissions rp ON rp.role_id = r.id "
	             "ORDER BY r.id, rp.perm",
	             0, NULL, &rs))
		return -1;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "items");
	jw_arr(w);
	int64_t last = 0;
	int got;
	while ((got = db_step(rs, &r->err)) == 1) {
		if (db_col_int(rs, 0) != last) {
			if (last) {
				jw_arr_end(w);
				jw_obj_end(w);
			}
			last = db_col_int(rs, 0);
			jw_obj(w);
			jw_kstr(w, "code", db_col_text(rs, 1));
			jw_kstr(w, "name", db_col_text(rs, 2));
			jw_kstr(w, "description", db_col_text(rs, 3));
			jw_kstr(w, "admin_kind", db_col_null(rs, 4) ? NULL : db_col_text(rs, 4));
			jw_kbool(w, "builtin", (int)db_col_int(rs, 5));
			jw_key(w, "permissions");
			jw_arr(w);
		}
		if (!db_col_null(rs, 6))
			jw_str(w, db_col_text(rs, 6));
	}
	db_rows_close(rs);
	if (last) {
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	return got < 0 ? -1 : 0;
}

static int list_permissions(struct req *r)
{
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "items");
	jw_arr(w);
	for (int i = 0; i < perm_catalog_count; i++) {
		jw_obj(w);
		jw_kstr(w, "code", perm_catalog[i].code);
		jw_kstr(w, "name", perm_catalog[i].name);
		jw_kstr(w, "section", perm_catalog[i].section);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	return 0;
}
