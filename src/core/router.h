/* Routes: each module declares a table; the router matches method + path
 * (with :param segments) and runs the shared steps before the handler.
 * The tables are data, so a test can enumerate every route's permission. */
#ifndef GH_ROUTER_H
#define GH_ROUTER_H

#include <stddef.h>

struct req;
typedef int (*route_fn)(struct req *r);

enum route_flags {
	ROUTE_PUBLIC = 1 << 0,     /* no session needed; perm must be NULL */
	ROUTE_NO_TX = 1 << 1,      /* a write that manages its own transactions */
	ROUTE_NO_DB = 1 << 2,      /* never touches the database (healthz) */
	ROUTE_SELF = 1 << 3,       /* any logged-in caller, about their own account; perm NULL */
	ROUTE_NO_AUDIT = 1 << 4,   /* a write that changes nothing stored (client error reports) */
	ROUTE_MFA = 1 << 5,        /* also open to a session that still owes its second factor */
	ROUTE_PW_PENDING = 1 << 6, /* open while the caller must change their password */
	ROUTE_UPLOAD = 1 << 7, /* the body is a file: streamed to disk up to --upload-limit-mb */
};

struct route {
	const char *method; /* "GET", "POST", "PATCH", "PUT", "DELETE" */
	const char *path;   /* "/api/v1/orgs/:id/children" */
	route_fn handler;
	const char *perm; /* permission string, e.g. "members.read"; NULL when public or self */
	unsigned flags;
};

struct module {
	const char *name;
	const struct route *routes;
	size_t nroutes;
};

#define ROUTES(table) (table), (sizeof(table) / sizeof((table)[0]))

enum { ROUTER_MAX_PARAMS = 8, ROUTER_MAX_SEGMENTS = 16 };

struct route_match {
	const struct route *route;
	int nparams;
	const char *names[ROUTER_MAX_PARAMS]; /* not NUL-terminated: see name_lens */
	size_t name_lens[ROUTER_MAX_PARAMS];
	const char *values[ROUTER_MAX_PARAMS]; /* point into the caller's copy of the path */
	size_t lens[ROUTER_MAX_PARAMS];
	char allow[64]; /* for 405: the methods the path does answer, "GET, POST" */
};

struct router;

/* Builds a router over the modules (NULL-terminated list). Returns NULL and
 * prints why when a table is malformed (duplicate route, bad pattern, a
 * non-public route without a permission): these are programming errors
 * caught at start-up, not at request time. */
struct router *router_new(const struct module *const *modules);
void router_free(struct router *rt);

enum router_result { ROUTER_FOUND, ROUTER_NOT_FOUND, ROUTER_METHOD_NOT_ALLOWED };
/* Matches method and path (already percent-decoded, no query string).
 * HEAD matches GET routes. */
enum router_result router_match(const struct router *rt, const char *method, const char *path,
                                struct route_match *m);

/* Every route of every module, for tests and `gonghui routes`. */
size_t router_count(const struct router *rt);
const struct route *router_at(const struct router *rt, size_t i, const char **module);

#endif
