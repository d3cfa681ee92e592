/* Fixed-window rate limits kept in the database, so every server process
 * counts against the same limit. */
#ifndef GH_RATELIMIT_H
#define GH_RATELIMIT_H

#include "core/db.h"

struct req;

/* Counts one hit of key in the current window of window_seconds. Over
 * limit: ERR_RATE_LIMITED, *retry_after = seconds until the window ends.
 * Run it outside the request's transaction, so a rolled-back request
 * still counts. */
int ratelimit_hit(struct db *d, struct err *e, const char *key, int window_seconds, int limit,
                  int *retry_after);
/* The same for a request: on refusal sets Retry-After and r->err. */
int ratelimit_req(struct req *r, const char *key, int window_seconds, int limit);

#endif
