#include "req.h"

#include <fcntl.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *req_param(struct req *r, const char *name)
{
	size_t n = strlen(name);
	for (int i = 0; i < r->match.nparams; i++)
		if (r->match.name_lens[i] == n && !memcmp(r->match.names[i], name, n))
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

int req_body_object(struct req *r)
{
	if (!json_is_object(r->json))
		return req_fail_as(r, ERR_INVALID, "invalid_body", NULL, "请求内容应为 JSON 对象");
	return 0;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

int req_body_str(struct req *r, const char *field, int required, size_t max_chars, const char **out)
{
	*out = NULL;
	if (req_body_object(r))
		return -1;
	json_t *v = json_object_get(r->json, field);
	if (!v || json_is_null(v)) {
		if (required)
			return req_fail(r, ERR_INVALID, field, "缺少必填项 %s", field);
		return 0;
	}
	if (!json_is_string(v))
		return req_fail(r, ERR_INVALID, field, "%s 应为文本", field);
	const char *s = json_string_value(v);
	const char *p = s;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (required && *p == '\0')
		return req_fail(r, ERR_INVALID, field, "%s 不能为空", field);
	if (utf8_chars(s) > max_chars)
		return req_fail(r, ERR_INVALID, field, "%s 过长，最多 %zu 个字", field, max_chars);
	*out = s;
	return 0;
}

int req_body_int(struct req *r, const char *field, int required, int64_t min, int64_t max,
                 int64_t *out)
{
	if (req_body_object(r))
		return -1;
	json_t *v = json_object_get(r->json, field);
	if (!v || json_is_null(v)) {
		if (required)
			return req_fail(r, ERR_INVALID, field, "缺少必填项 %s", field);
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return req_fail(r, ERR_INVALID, field, "%s 应为 %lld 到 %lld 之间的整数", field,
		                (long long)min, (long long)max);
	*out = json_integer_value(v);
	return 0;
}

struct jw *req_json(struct req *r)
{
	return &r->out;
}

void req_json_cursor(struct req *r, int more, int64_t last)
{
	if (more)
		jw_kstr(&r->out, "next_cursor", arena_printf(&r->arena, "%lld", (long long)last));
	else
		jw_knull(&r->out, "next_cursor");
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

void req_audit(struct req *r, const char *action, const char *target, const char *fields)
{
	if (action)
		r->audit_action = action;
	if (target)
		r->audit_target = target;
	if (fields)
		r->audit_fields = fields;
}

int req_send_file(struct req *r, const char *path, const char *type, const char *name,
                  int unlink_after)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return req_fail(r, ERR_INTERNAL, NULL, "文件生成失败");
	if (unlink_after)
		unlink(path);
	/* RFC 6266: an ASCII fallback and the UTF-8 name, percent-encoded */
	static const char hex[] = "0123456789ABCDEF";
	char *enc = arena_alloc(&r->arena, strlen(name) * 3 + 1), *o = enc;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_') {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	const char *dot = strrchr(name, '.');
	r->file_fd = fd;
	r->file_type = type;
	r->file_disposition =
	    arena_printf(&r->arena, "attachment; filename=\"download%s\"; filename*=UTF-8''%s",
	                 dot ? dot : "", enc);
	return 0;
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

void req_error_detail(struct req *r, const char *key, const char *json)
{
	r->err_key = key;
	r->err_json = json;
}
