/* One background thread that runs a function every few seconds on a
 * database connection of its own: sweeps that keep time-driven rules (an
 * application past its deadline goes to the upper union). Every server
 * process runs it; the function must be safe when another process does
 * the same work at the same moment. */
#ifndef GH_PERIODIC_H
#define GH_PERIODIC_H

#include "core/err.h"

struct db;

/* Starts the thread: fn(d, arg) now and then every `seconds`. The
 * database URL is copied; arg stays the caller's and must outlive
 * periodic_stop(). Returns 0, or -1 with e filled. One at a time. */
int periodic_start(const char *db_url, int seconds, void (*fn)(struct db *d, void *arg), void *arg,
                   struct err *e);

/* Wakes and joins the thread (a run in progress finishes first). Safe
 * when never started. */
void periodic_stop(void);

#endif
