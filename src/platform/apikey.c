#include "apikey.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "core/crypto.h"
#include "core/req.h"
#include "keys.h"
#include "ratelimit.h"

/* "gh_" + 8 hex prefix + "_" + 43 characters of secret */
enum { KEY_PREFIX_LEN = 8 };

static int section_listed(const char *sections, const char *perm)
{
	const char *dot = strchr(perm, '.');
	size_t n = dot ? (size_t)(dot - perm) : strlen(perm);
	for (const char *p = sections; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && !memcmp(p, perm, n))
			return 1;
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

static int read_only(const char *perm)
{
	size_t n = strlen(perm);
	return n > 5 && !strcmp(perm + n - 5, ".read");
}

int apikey_authenticate(struct req *r, const char *key, const struct route *rt)
{
	if (strncmp(key, "gh_", 3) || strlen(key) < 3 + KEY_PREFIX_LEN + 2 ||
	    key[3 + KEY_PREFIX_LEN] != '_')
		return req_fail_as(r, ERR_UNAUTHENTICATED, "invalid_api_key", NULL, "接口密钥无效");
	char prefix[KEY_PREFIX_LEN + 1];
	memcpy(prefix, key + 3, KEY_PREFIX_LEN);
	prefix[KEY_PREFIX_LEN] = '\0';
	char hash[96];
	crypto_lookup_hash(keys(), "apikey", key, hash);
	struct db_rows *rs;
	if (db_query(r->db, &r->err,
	             "SELECT k.id, k.key_hash, k.org_id, o.path, k.scope, k.sections, "
	             "k.rate_per_minute, k.expires_at, k.revoked_at, k.last_used_at "
	             "FROM api_keys k JOIN orgs o ON o.id = k.org_id WHERE k.prefix = $1",
	             DB_ARGS(DB_TEXT(prefix)), &rs))
		return -1;
	int got = db_step(rs, &r->err);
	if (got < 0) {
		db_rows_close(rs);
		return -1;
	}
	int64_t now = (int64_t)time(NULL);
	int ok = got == 1 && strlen(db_col_text(rs, 1)) == strlen(hash) &&
	         crypto_equal(db_col_text(rs, 1), hash, strlen(hash)) && db_col_null(rs, 8) &&
	         db_col_int(rs, 7) > now;
	struct auth_ctx *ctx = arena_calloc(&r->arena, sizeof(*ctx));
	struct grant *g = arena_calloc(&r->arena, sizeof(*g));
	const char *sections = "";
	int64_t rate = 0, last_used = 0;
	if (ok) {
		ctx->api_key_id = db_col_int(rs, 0);
		g->org_id = db_col_int(rs, 2);
		g->path = arena_strdup(&r->arena, db_col_text(rs, 3));
		g->subtree = !strcmp(db_col_text(rs, 4), "subtree");
		sections = arena_strdup(&r->arena, db_col_text(rs, 5));
		rate = db_col_int(rs, 6);
		last_used = db_col_int(rs, 9);
	}
	db_rows_close(rs);
	if (!ok)
		return req_fail_as(r, ERR_UNAUTHENTICATED, "invalid_api_key", NULL,
		                   "接口密钥无效、已过期或已吊销");
	ctx->kind = "apikey";
	ctx->grants = g;
	ctx->ngrants = 1;
	r->auth = ctx;
	char rl[32];
	snprintf(rl, sizeof(rl), "key:%s", prefix);
	if (ratelimit_req(r, arena_strdup(&r->arena, rl), 60, (int)rate))
		return -1;
	if (now - last_used >= 60)
		db_exec(r->db, &r->err, "UPDATE api_keys SET last_used_at = $1 WHERE id = $2",
		        DB_ARGS(DB_INT(now), DB_INT(ctx->api_key_id)), NULL);
	if (!rt->perm || !read_only(rt->perm) || !section_listed(sections, rt->perm))
		return req_fail(r, ERR_FORBIDDEN, NULL, "该接口密钥无权访问此接口");
	return 0;
}

int apikey_create(struct req *r, const char *name, int64_t org_id, const char *scope,
                  const char *sections, int64_t rate_per_minute, int64_t expires_at,
                  const char **key_out, int64_t *id)
{
	unsigned char p[KEY_PREFIX_LEN / 2];
	char prefix[KEY_PREFIX_LEN + 1], secret[44];
	if (crypto_random(p, sizeof(p)) || crypto_token(32, secret))
		return req_fail(r, ERR_INTERNAL, NULL, NULL);
	crypto_hex(p, sizeof(p), prefix);
	char *key = arena_printf(&r->arena, "gh_%s_%s", prefix, secret);
	crypto_wipe(secret, sizeof(secret));
	char hash[96];
	crypto_lookup_hash(keys(), "apikey", key, hash);
	if (db_query_int(r->db, &r->err,
	                 "INSERT INTO api_keys (prefix, key_hash, name, org_id, scope, sections, "
	                 "rate_per_minute, expires_at, created_by, created_at) VALUES ($1, $2, $3, "
	                 "$4, $5, $6, $7, $8, $9, $10) RETURNING id",
	                 DB_ARGS(DB_TEXT(prefix), DB_TEXT(hash), DB_TEXT(name), DB_INT(org_id),
	                         DB_TEXT(scope), DB_TEXT(sections), DB_INT(rate_per_minute),
	                         DB_INT(expires_at), DB_INT(r->auth->account_id),
	                         DB_INT((int64_t)time(NULL))),
	                 id))
		return -1;
	*key_out = key;
	return 0;
}
