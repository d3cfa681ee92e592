/* A request as a handler sees it. The router has already matched the route,
 * checked the caller, read and parsed the body, and opened the database
 * connection (inside a transaction for writes). A handler reads its input,
 * writes its answer with req_json(), and on failure returns req_fail(...);
 * everything it allocates from r->arena dies with the request. */
#ifndef GH_REQ_H
#define GH_REQ_H

#include <jansson.h>
#include <stdint.h>

#include "arena.h"
#include "err.h"
#include "json_write.h"
#include "router.h"

struct auth_ctx;
struct db;
struct MHD_Connection;
struct server;

enum { REQ_MAX_HEADERS = 8 };

struct req {
	struct arena arena;
	struct MHD_Connection *conn;
	const struct server *srv;
	const char *method, *path;
	char id[40];
	uint64_t start_ns;
	struct route_match match;
	/* body, as read; a JSON body parsed into json (NULL otherwise) */
	char *body;
	size_t body_len, body_cap;
	size_t discarded; /* bytes thrown away after the body passed the limit */
	/* an upload route's body, streamed to a file under --data-dir/tmp */
	int upload_fd;
	const char *upload_path; /* deleted at the end unless the handler renamed it */
	size_t upload_size;
	int prepared; /* route matched and caller checked (early for uploads) */
	/* a download instead of JSON */
	int file_fd;
	const char *file_type, *file_disposition;
	json_t *json;
	struct db *db;
	struct err err;
	/* a JSON value the error body carries beside code and message */
	const char *err_key, *err_json;
	const char *client_ip;
	/* the caller, filled by the platform before the handler; NULL = anonymous */
	struct auth_ctx *auth;
	/* what the audit row of this write says, beyond the route's defaults */
	const char *audit_action, *audit_target, *audit_fields;
	int audited; /* the handler wrote its own audit rows */
	/* the answer */
	int status;
	struct jw out;
	int nheaders;
	const char *hname[REQ_MAX_HEADERS], *hvalue[REQ_MAX_HEADERS];
	int responded;
};

/* A :param of the route, NUL-terminated (arena); NULL if the route has none by that name. */
const char *req_param(struct req *r, const char *name);
/* A :param that must be a positive integer id; anything else is ERR_NOT_FOUND
 * (an id that cannot exist names nothing). Returns 0 or -1 with r->err set. */
int req_param_id(struct req *r, const char *name, int64_t *out);
/* A query-string argument, or NULL. */
const char *req_query(struct req *r, const char *name);
/* A request header, or NULL. */
const char *req_header(struct req *r, const char *name);
/* The JSON body as an object; a missing body or another JSON type is
 * ERR_INVALID. Returns 0 or -1 with r->err set. */
int req_body_object(struct req *r);
/* A string field of the body object: a missing or null field is
 * ERR_INVALID only when required (then *out is NULL); a non-string, an
 * empty-after-trim required value or more than max_chars characters is
 * ERR_INVALID naming the field. *out is borrowed from the parsed body. */
int req_body_str(struct req *r, const char *field, int required, size_t max_chars,
                 const char **out);
/* An integer field of the body object within [min, max]; missing and not
 * required leaves *out unchanged. */
int req_body_int(struct req *r, const char *field, int required, int64_t min, int64_t max,
                 int64_t *out);
/* The response writer; the status is 200 unless req_status() says otherwise. */
struct jw *req_json(struct req *r);
/* A keyset page's "next_cursor": the last id, as a string, while more
 * rows follow; null on the last page. */
void req_json_cursor(struct req *r, int more, int64_t last);
void req_status(struct req *r, int status);
/* Adds a response header; name and value must outlive the request (arena or static). */
void req_add_header(struct req *r, const char *name, const char *value);
/* Names what this write did for its audit row: action (NULL keeps the
 * route's permission), target ("account:12"), fields (a JSON object of the
 * changed fields, values masked where personal). Strings must outlive the
 * request (arena or static). */
void req_audit(struct req *r, const char *action, const char *target, const char *fields);
/* Answers with the file at path instead of JSON: type is its MIME type,
 * name the file name offered to the browser (Chinese allowed). With
 * unlink_after the file is removed once opened (temporary reports). */
int req_send_file(struct req *r, const char *path, const char *type, const char *name,
                  int unlink_after);
/* Records the error for the router to answer with and returns -1.
 * field may be NULL; the message is Chinese, for people. */
int req_fail(struct req *r, enum err_code code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Adds to the error body (when the request fails) "key": json, a value
 * already written as JSON that lives as long as the request: the fresh
 * state of what a 409 was about. */
void req_error_detail(struct req *r, const char *key, const char *json);
/* The same with an explicit stable code, e.g. "duplicate_id_card". */
int req_fail_as(struct req *r, enum err_code code, const char *slug, const char *field,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
