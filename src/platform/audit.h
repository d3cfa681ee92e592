/* The audit log: append-only rows chained with HMAC-SM3, so an edited or
 * deleted row is found by audit_verify(). A row is written in the same
 * transaction as the change it records: no audit row, no change. */
#ifndef GH_AUDIT_H
#define GH_AUDIT_H

#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"

struct req;

struct audit_row {
	int64_t account_id; /* 0 when anonymous */
	int64_t org_id;     /* the acting org, 0 when none */
	const char *action; /* "accounts.manage", "auth.login" … */
	const char *target; /* "account:12" */
	const char *fields; /* JSON object of changed fields, or "" */
	const char *ip, *request_id;
	int success;
};

/* {"k1":"v1",…} from NULL-terminated pairs of key and value strings, each
 * escaped, in arena a: the `fields` of an audit row. */
const char *audit_fields(struct arena *a, ...);
/* Appends row inside the caller's open transaction. */
int audit_append(struct db *d, struct err *e, const struct audit_row *row);
/* Appends row in a transaction of its own (for failures whose change was rolled back). */
int audit_append_alone(struct db *d, struct err *e, const struct audit_row *row);
/* The row for this request, from what the router and handler know. */
void audit_row_of(const struct req *r, int success, struct audit_row *row);

struct audit_report {
	int64_t rows;
	int64_t first_bad_id; /* 0 when the chain is whole */
	char reason[160];
};
/* Walks the chain; a broken chain is not an error (rep says where), a
 * database failure is. */
int audit_verify(struct db *d, struct err *e, struct audit_report *rep);

#endif
