#include "ratelimit.h"

#include <stdio.h>
#include <time.h>

#include "core/crypto.h"
#include "core/req.h"

int ratelimit_hit(struct db *d, struct err *e, const char *key, int window_seconds, int limit,
                  int *retry_after)
{
	int64_t now = (int64_t)time(NULL);
	int64_t window = now - now % window_seconds;
	int64_t count = 0;
	if (db_query_int(
	        d, e,
	        "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1) "
	        "ON CONFLICT (key) DO UPDATE SET "
	        "count = CASE WHEN rate_limits.window_start = $2 THEN rate_limits.count + 1 "
	        "ELSE 1 END, window_start = $2 RETURNING count",
	        DB_ARGS(DB_TEXT(key), DB_INT(window)), &count))
		return -1;
	*retry_after = (int)(window + window_seconds - now);
	/* now and then, forget windows long past, so the table stays small */
	unsigned char dice;
	if (crypto_random(&dice, 1) == 0 && dice == 0)
		db_exec(d, e, "DELETE FROM rate_limits WHERE window_start < $1",
		        DB_ARGS(DB_INT(now - 2 * 86400)), NULL);
	if (count > limit)
		return err_set(e, ERR_RATE_LIMITED, NULL, NULL, "操作过于频繁，请 %d 秒后再试",
		               *retry_after);
	return 0;
}

int ratelimit_req(struct req *r, const char *key, int window_seconds, int limit)
{
	int retry = 0;
	if (ratelimit_hit(r->db, &r->err, key, window_seconds, limit, &retry) == 0)
		return 0;
	if (r->err.code == ERR_RATE_LIMITED)
		req_add_header(r, "Retry-After", arena_printf(&r->arena, "%d", retry));
	return -1;
}
