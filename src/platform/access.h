/* Who is calling and which part of the union tree they may see.
 *
 * The router fills r->auth before a handler runs: the caller (session or API
 * key) and, for a route with a permission, the grants — only the bindings
 * whose role holds *that* permission, so one role never widens another's
 * scope. A handler asks access_visible() before it shows a record that
 * belongs to an org, and answers ERR_NOT_FOUND when it is not visible, so
 * nobody learns that a record outside their scope exists. */
#ifndef GH_ACCESS_H
#define GH_ACCESS_H

#include <stdint.h>

#include "core/db.h"

struct req;

struct grant {
	int64_t org_id;
	const char *path; /* the org's materialized path, "/1/12/" */
	int subtree;      /* 1: the org and everything under it; 0: that org only */
};

struct auth_ctx {
	int64_t account_id; /* 0 when anonymous or an API key */
	int64_t session_id;
	int64_t api_key_id;
	const char *kind; /* "worker", "cadre", "apikey"; NULL when anonymous */
	const char *real_name;
	const char *csrf; /* the session's CSRF token; NULL for API keys */
	const char *perm; /* the permission this route needed, or NULL */
	int ngrants;
	struct grant *grants; /* arena */
};

/* 1 when some grant of the route's permission covers the org at path. */
int access_visible(const struct req *r, const char *path);
/* 1 when the caller holds perm (a permission other than the route's) at the
 * org with path; 0 when not; -1 with r->err on a database error. */
int access_has(struct req *r, const char *perm, const char *path);
/* The same for any account, outside a request (an application's check
 * that its applicant may act for a union). */
int access_account_has(struct db *d, struct err *e, int64_t account, const char *perm,
                       const char *path);
/* Writes into sql (arena) a condition limiting the column path_col to the
 * grants, with parameters numbered from first_param: "(o.path = $3 OR
 * (o.path >= $4 AND o.path < $5))". The values are appended to params
 * (sized by access_params()) and *n grows by their number. A caller with no
 * grant gets "1 = 0". */
const char *access_scope_sql(struct req *r, const char *path_col, int first_param,
                             struct db_val *params, int *n);
/* Room (arena) for `fixed` parameters of the caller's own plus what
 * access_scope_sql() appends for this request's grants. */
struct db_val *access_params(struct req *r, int fixed);
/* The two ends of a subtree range: lo = path, hi = path with its last '/'
 * turned into '0' (the next byte), so path >= lo AND path < hi is the subtree. */
void access_subtree_hi(const char *path, char *hi, size_t hilen);

#endif
