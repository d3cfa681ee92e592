#include "req.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *req_param(struct req *r, const char *name)
{
	for (int i = 0; i < r->match.nparams; i++)
		if (!strcmp(r->match.names[i], name))
			return arena_strndup(&r->arena, r->match.values[i], r->match.lens[i]);
	return NULL;
}

int req_param_id(struct req *r, const char *name, int64_t *out)
{
	const char *s = req_param(r, name);
	int64_t v = 0;
	if (!s || !*s || strlen(s) > 18)
		goto bad;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		v = v * 10 + (*p - '0');
	}
	if (v <= 0)
		goto bad;
	*out = v;
	return 0;
bad:
	return req_fail(r, ERR_NOT_FOUND, NULL, NULL);
}

const char *req_query(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_header(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

struct jw *req_json(struct req *r)
{
	return &r->out;
}

void req_status(struct req *r, int status)
{
	r->status = status;
}

void req_add_header(struct req *r, const char *name, const char *value)
{
	if (r->nheaders == REQ_MAX_HEADERS)
		return;
	r->hname[r->nheaders] = name;
	r->hvalue[r->nheaders] = value;
	r->nheaders++;
}

int req_fail(struct req *r, enum err_code code, const char *field, const char *fmt, ...)
{
	char msg[256] = "";
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	return err_set(&r->err, code, NULL, field, "%s", msg);
}

int req_fail_as(struct req *r, enum err_code code, const char *slug, const char *field,
		const char *fmt, ...)
{
	char msg[256] = "";
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	return err_set(&r->err, code, slug, field, "%s", msg);
}
