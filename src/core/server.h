/* The HTTP server: libmicrohttpd with its own thread pool and epoll. */
#ifndef GH_SERVER_H
#define GH_SERVER_H

#include "config.h"
#include "router.h"

struct db;
struct err;
struct server;

/* What the platform layer adds to every request; core knows only these calls.
 * Each returns 0 or -1 with r->err set. */
struct server_hooks {
	/* Identifies the caller and checks the route: login, permission and its
	 * grants, CSRF; fills r->auth. Runs for every route that is not public,
	 * on this thread's database connection, before the body is parsed. */
	int (*authorize)(struct req *r, const struct route *rt);
	/* Appends the audit row of a write: ok = 1 inside the write's own
	 * transaction just before commit; ok = 0 after a failed write was
	 * rolled back, in a transaction of its own. */
	int (*audit)(struct req *r, int ok);
};

/* Serves until SIGTERM or SIGINT, then stops accepting, lets requests in
 * flight finish (up to --shutdown-timeout), closes the databases and
 * returns 0. Returns 1 when it cannot start (the reason is logged). */
int server_run(const struct config *c, const struct module *const *modules,
               const struct server_hooks *hooks);

/* The configuration the server runs with (for handlers such as readyz). */
const struct config *server_config(const struct server *s);
/* This thread's database connection, opened on first use. */
int server_thread_db(const struct server *s, struct db **out, struct err *e);

#endif
