#include "session.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"

static void token_hash(const char *token, char out[2 * SM3_LEN + 1])
{
	unsigned char h[SM3_LEN];
	crypto_sm3(token, strlen(token), h);
	crypto_hex(h, sizeof(h), out);
}

int session_create(struct db *d, struct err *e, int64_t account_id, const char *state,
                   int64_t idle_seconds, int64_t lifetime_seconds, const char *ip, const char *ua,
                   char token[44], char csrf[23], int64_t *id)
{
	if (crypto_token(32, token) || crypto_token(16, csrf))
		return err_set(e, ERR_INTERNAL, NULL, NULL, NULL);
	char th[2 * SM3_LEN + 1];
	token_hash(token, th);
	int64_t now = (int64_t)time(NULL);
	char uabuf[256];
	snprintf(uabuf, sizeof(uabuf), "%s", ua ? ua : "");
	return db_query_int(d, e,
	                    "INSERT INTO sessions (token_hash, account_id, csrf_token, state, "
	                    "created_at, last_seen_at, idle_seconds, expires_at, ip, user_agent) "
	                    "VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9) RETURNING id",
	                    DB_ARGS(DB_TEXT(th), DB_INT(account_id), DB_TEXT(csrf), DB_TEXT(state),
	                            DB_INT(now), DB_INT(idle_seconds),
	                            DB_INT(now + lifetime_seconds), DB_TEXT(ip ? ip : ""),
	                            DB_TEXT(uabuf)),
	                    id);
}

int session_find(struct db *d, struct err *e, struct arena *a, const char *token,
                 struct session *out)
{
	if (!token || strlen(token) != 43)
		return err_set(e, ERR_UNAUTHENTICATED, NULL, NULL, "登录已失效，请重新登录");
	char th[2 * SM3_LEN + 1];
	token_hash(token, th);
	struct db_rows *rs;
	if (db_query(
	        d, e,
	        "SELECT id, account_id, csrf_token, state, created_at, last_seen_at, "
	        "idle_seconds, expires_at FROM sessions WHERE token_hash = $1 AND revoked_at IS "
	        "NULL",
	        DB_ARGS(DB_TEXT(th)), &rs))
		return -1;
	int got = db_step(rs, e);
	if (got == 1) {
		out->id = db_col_int(rs, 0);
		out->account_id = db_col_int(rs, 1);
		out->csrf = arena_strdup(a, db_col_text(rs, 2));
		out->state = arena_strdup(a, db_col_text(rs, 3));
		out->created_at = db_col_int(rs, 4);
		out->last_seen_at = db_col_int(rs, 5);
		out->idle_seconds = db_col_int(rs, 6);
		out->expires_at = db_col_int(rs, 7);
	}
	db_rows_close(rs);
	if (got < 0)
		return -1;
	int64_t now = (int64_t)time(NULL);
	if (got == 0 || now >= out->expires_at || now - out->last_seen_at > out->idle_seconds)
		return err_set(e, ERR_UNAUTHENTICATED, "session_expired", NULL,
		               "登录已失效，请重新登录");
	/* one write a minute at most, not one per request */
	if (now - out->last_seen_at >= 60 &&
	    db_exec(d, e, "UPDATE sessions SET last_seen_at = $1 WHERE id = $2",
	            DB_ARGS(DB_INT(now), DB_INT(out->id)), NULL))
		return -1;
	return 0;
}

int session_revoke(struct db *d, struct err *e, int64_t id, int64_t account_id)
{
	int64_t n = 0;
	if (db_exec(d, e,
	            "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND account_id = $3 AND "
	            "revoked_at IS NULL",
	            DB_ARGS(DB_INT((int64_t)time(NULL)), DB_INT(id), DB_INT(account_id)), &n))
		return -1;
	return n ? 0 : err_set(e, ERR_NOT_FOUND, NULL, NULL, "该登录设备不存在或已退出");
}

int session_revoke_all(struct db *d, struct err *e, int64_t account_id, int64_t except)
{
	return db_exec(d, e,
	               "UPDATE sessions SET revoked_at = $1 WHERE account_id = $2 AND id <> $3 AND "
	               "revoked_at IS NULL",
	               DB_ARGS(DB_INT((int64_t)time(NULL)), DB_INT(account_id), DB_INT(except)),
	               NULL);
}

int session_activate(struct db *d, struct err *e, int64_t id)
{
	return db_exec(d, e, "UPDATE sessions SET state = 'active' WHERE id = $1",
	               DB_ARGS(DB_INT(id)), NULL);
}

const char *session_cookie(struct arena *a, const char *token, int64_t max_age, int secure)
{
	return arena_printf(a, SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%lld%s",
	                    token ? token : "", token ? (long long)max_age : 0LL,
	                    secure ? "; Secure" : "");
}
