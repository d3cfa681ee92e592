/* 我的消息: the messages sent to the caller (platform/message.h). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/req.h"
#include "modules.h"
#include "platform/access.h"

static int list_messages(struct req *r);
static int unread(struct req *r);
static int read_one(struct req *r);
static int read_all(struct req *r);

static const struct route routes[] = {
    {"GET", "/api/v1/me/messages", list_messages, NULL, ROUTE_SELF},
    {"GET", "/api/v1/me/messages/unread", unread, NULL, ROUTE_SELF},
    {"POST", "/api/v1/me/messages/read-all", read_all, NULL, ROUTE_SELF},
    {"POST", "/api/v1/me/messages/:id/read", read_one, NULL, ROUTE_SELF},
};

const struct module messages_module = {"messages", ROUTES(routes)};

enum { PAGE = 20 };

static int count_unread(struct req *r, int64_t *n)
{
	return db_query_int(
	    r->db, &r->err,
	    "SELECT COUNT(*) FROM messages WHERE account_id = $1 AND read_at IS NULL",
	    DB_ARGS(DB_INT(r->auth->account_id)), n);
}

static int list_messages(struct req *r)
{
	const char *cursor = req_query(r, "cursor");
	int64_t before = 0, n_unread;
	if (cursor) {
		char *end;
		before = strtoll(cursor, &end, 10);
		if (*end || before < 1)
			return req_fail(r, ERR_INVALID, "cursor", "翻页参数不正确");
	}
	struct db_rows *rs;
	if (count_unread(r, &n_unread) ||
	    db_query(
	        r->db, &r->err,
	        "SELECT id, title, body, link, application_id, read_at, created_at FROM messages "
	        "WHERE account_id = $1 AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3",
	        DB_ARGS(DB_INT(r->auth->account_id), DB_INT(before), DB_INT(PAGE + 1)), &rs))
		return -1;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "items");
	jw_arr(w);
	int rc, n = 0;
	int64_t last = 0;
	while ((rc = db_step(rs, &r->err)) == 1 && n < PAGE) {
		last = db_col_int(rs, 0);
		jw_obj(w);
		jw_kint(w, "id", last);
		jw_kstr(w, "title", db_col_text(rs, 1));
		jw_kstr(w, "body", db_col_text(rs, 2));
		jw_kstr(w, "link", db_col_null(rs, 3) ? NULL : db_col_text(rs, 3));
		if (db_col_null(rs, 4))
			jw_knull(w, "application_id");
		else
			jw_kint(w, "application_id", db_col_int(rs, 4));
		jw_kbool(w, "read", !db_col_null(rs, 5));
		jw_kint(w, "created_at", db_col_int(rs, 6));
		jw_obj_end(w);
		n++;
	}
	int more = rc == 1;
	db_rows_close(rs);
	if (rc < 0)
		return -1;
	jw_arr_end(w);
	req_json_cursor(r, more, last);
	jw_kint(w, "unread", n_unread);
	jw_obj_end(w);
	return 0;
}

static int answer_unread(struct req *r)
{
	int64_t n;
	if (count_unread(r, &n))
		return -1;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_kint(w, "unread", n);
	jw_obj_end(w);
	return 0;
}

static int unread(struct req *r)
{
	return answer_unread(r);
}

static int read_one(struct req *r)
{
	int64_t id, changed = 0, owner = 0;
	if (req_param_id(r, "id", &id))
		return -1;
	struct err e2 = {0};
	if (db_query_int(r->db, &e2, "SELECT account_id FROM messages WHERE id = $1",
	                 DB_ARGS(DB_INT(id)), &owner) ||
	    owner != r->auth->account_id)
		return req_fail(r, ERR_NOT_FOUND, NULL, "消息不存在");
	if (db_exec(r->db, &r->err,
	            "UPDATE messages SET read_at = $2 WHERE id = $1 AND read_at IS NULL",
	            DB_ARGS(DB_INT(id), DB_INT(time(NULL))), &changed))
		return -1;
	req_audit(r, "messages.read", arena_printf(&r->arena, "message:%lld", (long long)id), NULL);
	return answer_unread(r);
}

static int read_all(struct req *r)
{
	if (db_exec(r->db, &r->err,
	            "UPDATE messages SET read_at = $2 WHERE account_id = $1 AND read_at IS NULL",
	            DB_ARGS(DB_INT(r->auth->account_id), DB_INT(time(NULL))), NULL))
		return -1;
	req_audit(r, "messages.read_all", NULL, NULL);
	return answer_unread(r);
}
