#include "audit.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "core/crypto.h"
#include "core/json_write.h"
#include "core/req.h"
#include "keys.h"

/* HMAC over every field, separated by a byte that no field contains
 * (0x1f, the unit separator; JSON and text fields escape control bytes). */
static void row_hash(const char *prev, int64_t id, int64_t at, const struct audit_row *r,
                     char out[2 * SM3_LEN + 1])
{
	struct jw w;
	jw_init(&w, NULL);
	char num[96];
	snprintf(num, sizeof(num), "%" PRId64 "\x1f%" PRId64 "\x1f%" PRId64 "\x1f%" PRId64 "\x1f%d",
	         id, at, r->account_id, r->org_id, r->success);
	const char *parts[] = {prev, num, r->action, r->target, r->fields, r->ip, r->request_id};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		jw_raw(&w, parts[i] ? parts[i] : "", strlen(parts[i] ? parts[i] : ""));
		jw_raw(&w, "\x1f", 1);
	}
	unsigned char mac[SM3_LEN];
	crypto_hmac_sm3(keys()->audit, sizeof(keys()->audit), w.buf, w.len, mac);
	crypto_hex(mac, sizeof(mac), out);
	jw_release(&w);
}

const char *audit_fields(struct arena *a, ...)
{
	struct jw w;
	jw_init(&w, a);
	jw_obj(&w);
	va_list ap;
	va_start(ap, a);
	for (const char *k; (k = va_arg(ap, const char *));)
		jw_kstr(&w, k, va_arg(ap, const char *));
	va_end(ap);
	jw_obj_end(&w);
	return w.buf;
}

int audit_append(struct db *d, struct err *e, const struct audit_row *row)
{
	/* Taking the head row first serialises writers on PostgreSQL too: the
	 * chain gets one next link at a time. */
	struct db_rows *rs;
	if (db_query(d, e,
	             "UPDATE audit_head SET last_id = last_id + 1 WHERE id = 1 "
	             "RETURNING last_id, last_hash",
	             0, NULL, &rs))
		return -1;
	int got = db_step(rs, e);
	if (got != 1) {
		db_rows_close(rs);
		return got < 0 ? -1 : err_set(e, ERR_INTERNAL, NULL, NULL, "审计日志链头缺失");
	}
	int64_t id = db_col_int(rs, 0);
	char prev[2 * SM3_LEN + 1];
	snprintf(prev, sizeof(prev), "%s", db_col_text(rs, 1));
	db_rows_close(rs);

	int64_t at = (int64_t)time(NULL);
	char hash[2 * SM3_LEN + 1];
	row_hash(prev, id, at, row, hash);
	if (db_exec(
	        d, e,
	        "INSERT INTO audit_log (id, at, account_id, org_id, action, target, fields, ip, "
	        "request_id, success, prev_hash, hash) "
	        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
	        DB_ARGS(DB_INT(id), DB_INT(at), row->account_id ? DB_INT(row->account_id) : DB_NULL,
	                row->org_id ? DB_INT(row->org_id) : DB_NULL, DB_TEXT(row->action),
	                DB_TEXT(row->target ? row->target : ""),
	                DB_TEXT(row->fields ? row->fields : ""), DB_TEXT(row->ip ? row->ip : ""),
	                DB_TEXT(row->request_id ? row->request_id : ""), DB_INT(row->success),
	                DB_TEXT(prev), DB_TEXT(hash)),
	        NULL))
		return -1;
	return db_exec(d, e, "UPDATE audit_head SET last_hash = $1 WHERE id = 1",
	               DB_ARGS(DB_TEXT(hash)), NULL);
}

int audit_append_alone(struct db *d, struct err *e, const struct audit_row *row)
{
	if (db_begin(d, e))
		return -1;
	if (audit_append(d, e, row)) {
		db_rollback(d);
		return -1;
	}
	return db_commit(d, e);
}

void audit_row_of(const struct req *r, int success, struct audit_row *row)
{
	memset(row, 0, sizeof(*row));
	const struct route *rt = r->match.route;
	if (r->auth) {
		row->account_id = r->auth->account_id;
		if (r->auth->ngrants > 0)
			row->org_id = r->auth->grants[0].org_id;
	}
	/* a write that names no action is told apart by its route: the
	 * permission first, so prefix filters ("accounts.") still find it */
	static _Thread_local char route_action[160];
	if (r->audit_action)
		row->action = r->audit_action;
	else if (rt) {
		snprintf(route_action, sizeof(route_action), "%s %s %s",
		         rt->perm ? rt->perm : "self", r->method, rt->path);
		row->action = route_action;
	} else
		row->action = r->path;
	if (r->audit_target) {
		row->target = r->audit_target;
	} else if (r->match.nparams > 0) {
		/* "id=12" from the path parameters */
		static _Thread_local char t[128];
		snprintf(t, sizeof(t), "%.*s=%.*s", (int)r->match.name_lens[0], r->match.names[0],
		         (int)r->match.lens[0], r->match.values[0]);
		row->target = t;
	}
	row->fields = r->audit_fields;
	if (!success) {
		/* a failure records why, in the place of the changed fields */
		static _Thread_local char why[320];
		struct jw w;
		jw_init(&w, NULL);
		jw_obj(&w);
		jw_kstr(&w, "error", r->err.slug);
		jw_kstr(&w, "message", r->err.message);
		jw_obj_end(&w);
		snprintf(why, sizeof(why), "%s", w.buf);
		jw_release(&w);
		row->fields = why;
	}
	row->ip = r->client_ip;
	row->request_id = r->id;
	row->success = success;
}

int audit_verify(struct db *d, struct err *e, struct audit_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	struct db_rows *rs;
	if (db_query(d, e,
	             "SELECT id, at, account_id, org_id, action, target, fields, ip, request_id, "
	             "success, prev_hash, hash FROM audit_log ORDER BY id",
	             0, NULL, &rs))
		return -1;
	char prev[2 * SM3_LEN + 1] = "genesis";
	int64_t expect = 1;
	int rc;
	while ((rc = db_step(rs, e)) == 1) {
		int64_t id = db_col_int(rs, 0);
		struct audit_row row = {
		    .account_id = db_col_int(rs, 2),
		    .org_id = db_col_int(rs, 3),
		    .action = db_col_text(rs, 4),
		    .target = db_col_text(rs, 5),
		    .fields = db_col_text(rs, 6),
		    .ip = db_col_text(rs, 7),
		    .request_id = db_col_text(rs, 8),
		    .success = (int)db_col_int(rs, 9),
		};
		char hash[2 * SM3_LEN + 1];
		row_hash(prev, id, db_col_int(rs, 1), &row, hash);
		const char *why = NULL;
		if (id != expect)
			why = "缺少前面的记录（已被删除）";
		else if (strcmp(db_col_text(rs, 10), prev) != 0)
			why = "与前一条记录的链接不符";
		else if (!crypto_equal(hash, db_col_text(rs, 11), 2 * SM3_LEN))
			why = "记录内容被修改";
		if (why) {
			rep->first_bad_id = id != expect ? expect : id;
			snprintf(rep->reason, sizeof(rep->reason), "%s", why);
			db_rows_close(rs);
			return 0;
		}
		snprintf(prev, sizeof(prev), "%s", db_col_text(rs, 11));
		expect++;
		rep->rows++;
	}
	db_rows_close(rs);
	if (rc < 0)
		return -1;
	/* the head must point at the last row, or rows were cut from the end */
	if (db_query(d, e, "SELECT last_id, last_hash FROM audit_head WHERE id = 1", 0, NULL, &rs))
		return -1;
	if ((rc = db_step(rs, e)) == 1 &&
	    (db_col_int(rs, 0) != expect - 1 || strcmp(db_col_text(rs, 1), prev) != 0)) {
		rep->first_bad_id = expect;
		snprintf(rep->reason, sizeof(rep->reason), "%s", "末尾的记录被删除");
	}
	db_rows_close(rs);
	return rc < 0 ? -1 : 0;
}
