#include "message.h"

#include <time.h>

const struct message_channel *const message_channels[] = {NULL};

int message_send(struct db *d, struct err *e, const struct message *m)
{
	if (db_exec(
	        d, e,
	        "INSERT INTO messages (account_id, title, body, link, application_id, created_at) "
	        "VALUES ($1, $2, $3, $4, $5, $6)",
	        DB_ARGS(DB_INT(m->account_id), DB_TEXT(m->title), DB_TEXT(m->body),
	                m->link ? DB_TEXT(m->link) : DB_NULL,
	                m->application_id ? DB_INT(m->application_id) : DB_NULL,
	                DB_INT(time(NULL))),
	        NULL))
		return -1;
	for (const struct message_channel *const *c = message_channels; *c; c++)
		if ((*c)->deliver(d, e, m))
			return -1;
	return 0;
}

int message_send_org(struct db *d, struct err *e, int64_t org_id, const char *perm,
                     const struct message *m)
{
	int64_t ids[64];
	int n;
	if (db_query_ints(d, e,
	                  "SELECT DISTINCT b.account_id FROM bindings b "
	                  "JOIN role_permissions p ON p.role_id = b.role_id "
	                  "JOIN accounts a ON a.id = b.account_id "
	                  "WHERE b.org_id = $1 AND p.perm = $2 AND a.status <> 'disabled' "
	                  "ORDER BY b.account_id",
	                  DB_ARGS(DB_INT(org_id), DB_TEXT(perm)), ids, 64, &n))
		return -1;
	for (int i = 0; i < n; i++) {
		struct message one = *m;
		one.account_id = ids[i];
		if (message_send(d, e, &one))
			return -1;
	}
	return 0;
}
