/* 附件: the upload that every form with materials uses first, and the
 * download. Linking an attachment to a record, and who may read it then,
 * belong to the module of that record (platform/attachment.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/req.h"
#include "core/server.h"
#include "modules.h"
#include "platform/access.h"
#include "platform/attachment.h"
#include "platform/audit.h"

static int upload(struct req *r);
static int download(struct req *r);

static const struct route routes[] = {
    {"POST", "/api/v1/attachments", upload, NULL, ROUTE_SELF | ROUTE_UPLOAD | ROUTE_NO_TX},
    {"GET", "/api/v1/attachments/:id", download, NULL, ROUTE_SELF},
};

const struct module attachments_module = {"attachments", ROUTES(routes)};

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* %XX decoded up to the end or a ';'. */
static char *percent_decode(struct arena *a, const char *s)
{
	size_t n = strcspn(s, ";");
	char *out = arena_alloc(a, n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < n && (hi = hex_digit(s[i + 1])) >= 0 &&
		    (lo = hex_digit(s[i + 2])) >= 0) {
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* The file name of a Content-Disposition header (RFC 6266): filename*
 * (UTF-8, percent-encoded) before filename (quoted or a token). */
static const char *disposition_name(struct arena *a, const char *h)
{
	const char *star = strcasestr(h, "filename*=");
	if (star) {
		const char *v = star + strlen("filename*=");
		const char *q = strstr(v, "''");
		if (q && !strncasecmp(v, "utf-8''", 7))
			return percent_decode(a, q + 2);
	}
	const char *plain = strcasestr(h, "filename=");
	if (!plain)
		return NULL;
	const char *v = plain + strlen("filename=");
	if (*v != '"')
		return arena_strndup(a, v, strcspn(v, ";"));
	char *out = arena_alloc(a, strlen(v)), *o = out;
	for (v++; *v && *v != '"'; v++) {
		if (*v == '\\' && v[1])
			v++;
		*o++ = *v;
	}
	*o = '\0';
	return out;
}

/* Its own transaction, opened only after the file is hashed and stored: on
 * SQLite a transaction holds the write lock, and hashing a large file
 * inside it would stop every other writer. */
static int upload(struct req *r)
{
	if (!r->auth->account_id)
		return req_fail(r, ERR_FORBIDDEN, NULL, "接口密钥不能上传附件");
	if (!r->upload_path || r->upload_size == 0)
		return req_fail_as(r, ERR_INVALID, "empty_file", "file", "请选择要上传的文件");
	const char *name = req_query(r, "name");
	const char *cd = req_header(r, "Content-Disposition");
	if ((!name || !*name) && cd)
		name = disposition_name(&r->arena, cd);
	struct attachment a;
	if (attachment_put(&r->arena, &r->err, server_config(r->srv)->data_dir, r->upload_path,
	                   name, &a) ||
	    db_begin(r->db, &r->err))
		return -1;
	struct audit_row row;
	if (attachment_insert(r->db, &r->err, r->auth->account_id, &a) == 0) {
		audit_row_of(r, 1, &row);
		row.action = "attachments.upload";
		row.target = arena_printf(&r->arena, "attachment:%lld", (long long)a.id);
		row.fields = audit_fields(&r->arena, "name", a.name, "type", a.type, "size",
		                          arena_printf(&r->arena, "%lld", (long long)a.size),
		                          "hash", a.hash, NULL);
		r->audited = 1;
	}
	if (!r->audited || audit_append(r->db, &r->err, &row) || db_commit(r->db, &r->err)) {
		db_rollback(r->db);
		r->audited = 0; /* the router records the failure */
		return -1;
	}
	req_status(r, 201);
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_kint(w, "id", a.id);
	jw_kstr(w, "name", a.name);
	jw_kint(w, "size", a.size);
	jw_kstr(w, "type", a.type);
	jw_kstr(w, "hash", a.hash);
	jw_kint(w, "created_at", a.created_at);
	jw_obj_end(w);
	return 0;
}

static int download(struct req *r)
{
	int64_t id;
	if (req_param_id(r, "id", &id))
		return -1;
	struct attachment a;
	int may = 0;
	if (attachment_get(r->db, &r->err, &r->arena, id, &a) == 0)
		may = attachment_may_read(r, &a);
	else if (r->err.code != ERR_NOT_FOUND)
		return -1;
	if (may < 0)
		return -1;
	if (!may) {
		err_clear(&r->err);
		return req_fail(r, ERR_NOT_FOUND, NULL, "附件不存在");
	}
	return req_send_file(r, attachment_path(&r->arena, server_config(r->srv)->data_dir, a.hash),
	                     a.type, a.name, 0);
}
