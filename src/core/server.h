/* The HTTP server: libmicrohttpd with its own thread pool and epoll. */
#ifndef GH_SERVER_H
#define GH_SERVER_H

#include "config.h"
#include "router.h"

struct db;
struct err;
struct server;

/* Serves until SIGTERM or SIGINT, then stops accepting, lets requests in
 * flight finish (up to --shutdown-timeout), closes the databases and
 * returns 0. Returns 1 when it cannot start (the reason is logged). */
int server_run(const struct config *c, const struct module *const *modules);

/* The configuration the server runs with (for handlers such as readyz). */
const struct config *server_config(const struct server *s);
/* This thread's database connection, opened on first use. */
int server_thread_db(const struct server *s, struct db **out, struct err *e);

#endif
