/* The platform's side of every request: who is calling (session cookie or
 * API key), may they use this route (permission → grants), CSRF, and the
 * audit row of each write. */
#include "access.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "apikey.h"
#include "audit.h"
#include "core/crypto.h"
#include "core/json_write.h"
#include "core/req.h"
#include "core/server.h"
#include "hooks.h"
#include "session.h"

static int is_write(const char *method)
{
	return strcmp(method, "GET") && strcmp(method, "HEAD");
}

static int load_grants(struct req *r, const char *perm)
{
	struct auth_ctx *ctx = r->auth;
	struct db_rows *rs;
	if (db_query(r->db, &r->err,
	             "SELECT b.org_id, o.path, b.scope FROM bindings b "
	             "JOIN role_permissions rp ON rp.role_id = b.role_id AND rp.perm = $2 "
	             "JOIN orgs o ON o.id = b.org_id WHERE b.account_id = $1 ORDER BY o.path, b.id",
	             DB_ARGS(DB_INT(ctx->account_id), DB_TEXT(perm)), &rs))
		return -1;
	int cap = 4, got;
	ctx->grants = arena_alloc(&r->arena, (size_t)cap * sizeof(struct grant));
	while ((got = db_step(rs, &r->err)) == 1) {
		if (ctx->ngrants == cap) {
			struct grant *g = arena_alloc(&r->arena, (size_t)cap * 2 * sizeof(*g));
			memcpy(g, ctx->grants, (size_t)cap * sizeof(*g));
			ctx->grants = g;
			cap *= 2;
		}
		struct grant *g = &ctx->grants[ctx->ngrants++];
		g->org_id = db_col_int(rs, 0);
		g->path = arena_strdup(&r->arena, db_col_text(rs, 1));
		g->subtree = !strcmp(db_col_text(rs, 2), "subtree");
	}
	db_rows_close(rs);
	return got < 0 ? -1 : 0;
}

static int by_session(struct req *r, const struct route *rt, const struct config *c)
{
	const char *token = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, SESSION_COOKIE);
	if (!token)
		return req_fail(r, ERR_UNAUTHENTICATED, NULL, NULL);
	struct session s;
	if (session_find(r->db, &r->err, &r->arena, token, &s))
		return -1;
	if (!strcmp(s.state, "mfa") && !(rt->flags & ROUTE_MFA))
		return req_fail_as(r, ERR_UNAUTHENTICATED, "mfa_required", NULL,
		                   "请先完成二次验证");
	struct account a;
	if (account_get(r->db, &r->err, &r->arena, s.account_id, &a))
		return r->err.code == ERR_NOT_FOUND ? req_fail(r, ERR_UNAUTHENTICATED, NULL, NULL)
		                                    : -1;
	if (strcmp(a.status, "active") != 0)
		return req_fail_as(r, ERR_UNAUTHENTICATED, "account_locked", NULL,
		                   "账号已被锁定或停用，请联系管理员");
	struct auth_ctx *ctx = arena_calloc(&r->arena, sizeof(*ctx));
	ctx->account_id = a.id;
	ctx->session_id = s.id;
	ctx->kind = a.kind;
	ctx->real_name = a.real_name;
	ctx->csrf = s.csrf;
	r->auth = ctx;
	if (is_write(r->method)) {
		const char *sent = req_header(r, "X-CSRF-Token");
		if (!sent || strlen(sent) != strlen(s.csrf) ||
		    !crypto_equal(sent, s.csrf, strlen(s.csrf)))
			return req_fail_as(r, ERR_FORBIDDEN, "csrf_required", NULL,
			                   "请求缺少有效的 CSRF 令牌，请刷新页面后重试");
	}
	if ((a.must_change_password || account_password_expired(&a, c->password_max_age_days)) &&
	    !(rt->flags & ROUTE_PW_PENDING))
		return req_fail_as(r, ERR_FORBIDDEN, "password_change_required", NULL,
		                   "请先修改密码");
	return 0;
}

static int authorize(struct req *r, const struct route *rt)
{
	const struct config *c = server_config(r->srv);
	const char *authz = req_header(r, "Authorization");
	if (authz && !strncmp(authz, "Bearer ", 7)) {
		if (apikey_authenticate(r, authz + 7, rt))
			return -1;
	} else if (by_session(r, rt, c)) {
		return -1;
	}
	if (!rt->perm)
		return 0;
	r->auth->perm = rt->perm;
	if (r->auth->api_key_id)
		return 0; /* the key's own grant, set by apikey_authenticate() */
	if (load_grants(r, rt->perm))
		return -1;
	if (r->auth->ngrants == 0)
		return req_fail(r, ERR_FORBIDDEN, NULL, NULL);
	return 0;
}

static int audit(struct req *r, int ok)
{
	struct audit_row row;
	audit_row_of(r, ok, &row);
	struct err e;
	int rc = ok ? audit_append(r->db, &r->err, &row) : audit_append_alone(r->db, &e, &row);
	return rc;
}

const struct server_hooks platform_hooks = {authorize, audit};

int access_visible(const struct req *r, const char *path)
{
	if (!r->auth || !path)
		return 0;
	size_t plen = strlen(path);
	for (int i = 0; i < r->auth->ngrants; i++) {
		const struct grant *g = &r->auth->grants[i];
		size_t glen = strlen(g->path);
		if (g->subtree ? plen >= glen && !memcmp(path, g->path, glen)
		               : !strcmp(path, g->path))
			return 1;
	}
	return 0;
}

int access_account_has(struct db *d, struct err *e, int64_t account, const char *perm,
                       const char *path)
{
	int64_t n = 0;
	if (db_query_int(
	        d, e,
	        "SELECT COUNT(*) FROM bindings b JOIN role_permissions rp ON rp.role_id = "
	        "b.role_id AND rp.perm = $2 JOIN orgs o ON o.id = b.org_id WHERE "
	        "b.account_id = $1 AND (o.path = $3 OR (b.scope = 'subtree' AND $3 >= o.path "
	        "AND $3 < substr(o.path, 1, length(o.path) - 1) || '0'))",
	        DB_ARGS(DB_INT(account), DB_TEXT(perm), DB_TEXT(path)), &n))
		return -1;
	return n > 0;
}

int access_has(struct req *r, const char *perm, const char *path)
{
	if (!r->auth || !r->auth->account_id)
		return 0;
	return access_account_has(r->db, &r->err, r->auth->account_id, perm, path);
}

struct db_val *access_params(struct req *r, int fixed)
{
	int grants = r->auth ? r->auth->ngrants : 0;
	return arena_alloc(&r->arena, (size_t)(fixed + 2 * grants + 1) * sizeof(struct db_val));
}

const char *access_scope_sql(struct req *r, const char *path_col, int first_param,
                             struct db_val *params, int *n)
{
	if (!r->auth || r->auth->ngrants == 0)
		return "1 = 0";
	struct jw w;
	jw_init(&w, &r->arena);
	int k = first_param;
	jw_raw(&w, "(", 1);
	for (int i = 0; i < r->auth->ngrants; i++) {
		const struct grant *g = &r->auth->grants[i];
		char part[256];
		int len;
		if (g->subtree) {
			char *hi = arena_alloc(&r->arena, strlen(g->path) + 1);
			access_subtree_hi(g->path, hi, strlen(g->path) + 1);
			len = snprintf(part, sizeof(part), "%s(%s >= $%d AND %s < $%d)",
			               i ? " OR " : "", path_col, k, path_col, k + 1);
			params[(*n)++] = DB_TEXT(g->path);
			params[(*n)++] = DB_TEXT(hi);
			k += 2;
		} else {
			len = snprintf(part, sizeof(part), "%s%s = $%d", i ? " OR " : "", path_col,
			               k);
			params[(*n)++] = DB_TEXT(g->path);
			k += 1;
		}
		jw_raw(&w, part, (size_t)len);
	}
	jw_raw(&w, ")", 1);
	return w.buf;
}
