/* Login sessions: a 256-bit random token in an HttpOnly cookie, stored only
 * as its SM3 hash; a CSRF token per session for cookie-authenticated writes. */
#ifndef GH_SESSION_H
#define GH_SESSION_H

#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"

#define SESSION_COOKIE "gh_session"

struct session {
	int64_t id, account_id;
	const char *csrf, *state; /* state: "active" or "mfa" */
	int64_t created_at, last_seen_at, idle_seconds, expires_at;
};

/* Creates a session; token (44 bytes) goes into the cookie, csrf (23 bytes)
 * to the client in the login answer. */
int session_create(struct db *d, struct err *e, int64_t account_id, const char *state,
                   int64_t idle_seconds, int64_t lifetime_seconds, const char *ip, const char *ua,
                   char token[44], char csrf[23], int64_t *id);
/* The live session for token: ERR_UNAUTHENTICATED when unknown, revoked,
 * idle too long or past its lifetime. Touches last_seen_at at most once a minute. */
int session_find(struct db *d, struct err *e, struct arena *a, const char *token,
                 struct session *out);
/* Marks a session of account_id revoked; ERR_NOT_FOUND when it is not theirs. */
int session_revoke(struct db *d, struct err *e, int64_t id, int64_t account_id);
/* Revokes every session of an account (lock, password change). except may be 0. */
int session_revoke_all(struct db *d, struct err *e, int64_t account_id, int64_t except);
/* Promotes a half-logged-in ("mfa") session to active. */
int session_activate(struct db *d, struct err *e, int64_t id);
/* The Set-Cookie value that installs token (or clears it when token is NULL). */
const char *session_cookie(struct arena *a, const char *token, int64_t max_age, int secure);

#endif
