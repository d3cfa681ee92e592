/* One list of error codes and one error record. Lower layers fill a
 * struct err; only the router turns it into an HTTP status and body. */
#ifndef GH_ERR_H
#define GH_ERR_H

enum err_code {
	ERR_OK = 0,
	ERR_INVALID,         /* 400: bad input; names the field */
	ERR_UNAUTHENTICATED, /* 401 */
	ERR_FORBIDDEN,       /* 403 */
	ERR_NOT_FOUND,       /* 404, also for what is outside the caller's scope */
	ERR_METHOD,          /* 405 */
	ERR_CONFLICT,        /* 409: unique violation, concurrent change */
	ERR_TOO_LARGE,       /* 413 */
	ERR_UNPROCESSABLE,   /* 422: well-formed but against a business rule */
	ERR_RATE_LIMITED,    /* 429 */
	ERR_INTERNAL,        /* 500 */
	ERR_UNAVAILABLE,     /* 503: database down, shutting down */
};

struct err {
	enum err_code code;
	char slug[48];     /* stable English code for clients, e.g. "invalid_id_card" */
	char field[48];    /* the offending field, or "" */
	char message[256]; /* Chinese, for people */
};

/* Fills e and returns -1, so callers can write `return err_set(...)`.
 * slug NULL picks the default for code ("invalid_<field>" for ERR_INVALID
 * with a field). field may be NULL. */
int err_set(struct err *e, enum err_code code, const char *slug, const char *field, const char *fmt,
            ...) __attribute__((format(printf, 5, 6)));
void err_clear(struct err *e);
int err_http_status(enum err_code code);
const char *err_default_slug(enum err_code code);
const char *err_default_message(enum err_code code);

#endif
