/* Bulk imports of members (会员批量导入) and of base unions (基层工会批量导入):
 * each kind's template and upload, and the job a console polls while the
 * file is validated in the background, whose error report it offers, and
 * which it then commits or cancels. The job routes serve every kind: the
 * job's kind names the permission they need (members.import, orgs.write),
 * checked here since the router cannot know it before the job is read.
 * The work itself is platform/import_job.c with the kinds of
 * platform/import_kind.h; the background tasks platform/import_tasks.c. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/crypto.h"
#include "core/req.h"
#include "core/server.h"
#include "core/table_read.h"
#include "core/xlsx_write.h"
#include "modules.h"
#include "platform/access.h"
#include "platform/audit.h"
#include "platform/codes.h"
#include "platform/import_check.h"
#include "platform/import_kind.h"
#include "platform/import_row.h"
#include "platform/import_tasks.h"
#include "platform/org.h"

static int members_template(struct req *r);
static int orgs_template(struct req *r);
static int members_upload(struct req *r);
static int orgs_upload(struct req *r);
static int get_job(struct req *r);
static int get_report(struct req *r);
static int commit_job(struct req *r);
static int cancel_job(struct req *r);

/* The job routes are ROUTE_SELF: visible_job() checks the permission of
 * the job's kind, as the router does for the others. */
static const struct route routes[] = {
    {"GET", "/api/v1/members/template", members_template, "members.import", 0},
    {"GET", "/api/v1/orgs/template", orgs_template, "orgs.write", 0},
    {"POST", "/api/v1/imports/members", members_upload, "members.import",
     ROUTE_UPLOAD | ROUTE_NO_TX},
    {"POST", "/api/v1/imports/orgs", orgs_upload, "orgs.write", ROUTE_UPLOAD | ROUTE_NO_TX},
    {"GET", "/api/v1/imports/:id", get_job, NULL, ROUTE_SELF},
    {"GET", "/api/v1/imports/:id/report", get_report, NULL, ROUTE_SELF},
    {"POST", "/api/v1/imports/:id/commit", commit_job, NULL, ROUTE_SELF | ROUTE_NO_TX},
    {"POST", "/api/v1/imports/:id/cancel", cancel_job, NULL, ROUTE_SELF | ROUTE_NO_TX},
};

const struct module imports_module = {"imports", ROUTES(routes)};

static const char *xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/* A new empty file under data-dir/tmp for a download made on the fly. */
static const char *temp_file(struct req *r, const char *prefix)
{
	const char *dir = server_config(r->srv)->data_dir;
	mkdir(dir, 0700);
	mkdir(arena_printf(&r->arena, "%s/tmp", dir), 0700);
	char *path = arena_printf(&r->arena, "%s/tmp/%s-XXXXXX", dir, prefix);
	int fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	close(fd);
	return path;
}

/* The header row and a drop-down of names for every coded column; the
 * whole sheet is text, so a 身份证号 or a code typed in keeps its digits. */
static int get_template(struct req *r, const struct import_kind *k)
{
	const struct import_layout *l = k->layout;
	const char *path = temp_file(r, "template");
	struct xlsx_out *o;
	if (!path || xlsx_out_open(path, 0, &o, &r->err))
		return req_fail(r, ERR_INTERNAL, NULL, "模板生成失败");
	const char *titles[IMPORT_MAX_COLS];
	for (int c = 0; c < l->ncols; c++)
		titles[c] = l->cols[c].title;
	xlsx_out_header(o, titles, l->ncols);
	for (int c = 0; c < l->ncols; c++) {
		const struct code_table *t = code_table(l->cols[c].table);
		const char *const *choices = l->cols[c].choices;
		int n = 0;
		const char **names = NULL;
		if (t) {
			names = arena_alloc(&r->arena, (size_t)t->n * sizeof(*names));
			for (n = 0; n < t->n; n++)
				names[n] = t->codes[n].name;
		} else if (choices) {
			while (choices[n])
				n++;
			names = (const char **)choices;
		}
		if (n)
			xlsx_out_list(o, c, names, n);
	}
	if (xlsx_out_close(o, &r->err))
		return -1;
	return req_send_file(r, path, xlsx_type, k->template_name, 1);
}

static int members_template(struct req *r)
{
	return get_template(r, &import_members_kind);
}

static int orgs_template(struct req *r)
{
	return get_template(r, &import_orgs_kind);
}

static void job_json(struct req *r, const struct import_job_row *j)
{
	int64_t live = import_tasks_progress(j->id);
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_kint(w, "id", j->id);
	jw_kstr(w, "kind", j->kind);
	jw_kstr(w, "status", j->status);
	jw_kint(w, "org_id", j->org_id);
	jw_kstr(w, "file_name", j->file_name);
	jw_kint(w, "total_rows", j->total_rows);
	jw_kint(w, "good_rows", j->good_rows);
	jw_kint(w, "good_units", j->good_units);
	jw_kint(w, "bad_rows", j->bad_rows);
	/* the memory of the task running here is newer than the row, which a
	 * commit on SQLite cannot update while it holds the write lock */
	jw_kint(w, "done_rows", live > j->done_rows ? live : j->done_rows);
	jw_kstr(w, "message", j->message);
	jw_kbool(w, "has_report", *j->report_path != '\0');
	jw_kbool(w, "report_expired", j->report_purged_at != 0);
	jw_kint(w, "created_at", j->created_at);
	jw_kint(w, "updated_at", j->updated_at);
	jw_obj_end(w);
}

/* Whether the caller holds perm: 1 with the org at path in scope (*in),
 * 1 without it, 0 when nowhere; -1 on a database error. */
static int holds(struct req *r, const char *perm, const char *path, int *in)
{
	struct import_scope s;
	if (import_scope_load(r->db, &r->err, r->auth->account_id, 0, perm, &s))
		return -1;
	int any = s.n > 0;
	*in = path && import_scope_covers(&s, path);
	import_scope_release(&s);
	return any;
}

/* The job at :id when the caller holds its kind's permission and it is
 * their own or at an org in their scope; 404 otherwise, as for one that
 * does not exist. A caller who may import nothing at all is 403, as the
 * router answers them on every import route. */
static int visible_job(struct req *r, struct import_job_row *j)
{
	int64_t id;
	int in = 0, any = 0;
	static const struct import_kind *const kinds[] = {&import_members_kind, &import_orgs_kind};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && !any; i++) {
		int got = holds(r, kinds[i]->perm, NULL, &in);
		if (got < 0)
			return -1;
		any |= got;
	}
	if (!any)
		return req_fail(r, ERR_FORBIDDEN, NULL, NULL);
	if (req_param_id(r, "id", &id))
		return -1;
	const struct import_kind *k = NULL;
	int got = 0;
	if (import_job_get(r->db, &r->err, &r->arena, id, j) == 0 &&
	    (k = import_kind_named(j->kind)) && (got = holds(r, k->perm, j->org_path, &in)) < 0)
		return -1;
	if (!k || got == 0 || (j->account_id != r->auth->account_id && !in)) {
		err_clear(&r->err);
		return req_fail(r, ERR_NOT_FOUND, NULL, "导入任务不存在");
	}
	return 0;
}

/* X-File-Name, percent-encoded UTF-8, as a plain name: no folders, no
 * control characters, at most 200 bytes. */
static const char *file_name(struct req *r, const struct import_kind *k)
{
	const char *fallback = arena_printf(&r->arena, "%s导入.csv", k->noun);
	const char *h = req_header(r, "X-File-Name");
	if (!h || !*h)
		return fallback;
	char *out = arena_alloc(&r->arena, strlen(h) + 1), *o = out;
	for (const char *p = h; *p; p++) {
		if (*p == '%' && p[1] && p[2]) {
			char hex[3] = {p[1], p[2], 0}, *end;
			long v = strtol(hex, &end, 16);
			if (!*end) {
				*o++ = (char)v;
				p += 2;
				continue;
			}
		}
		*o++ = *p;
	}
	*o = '\0';
	const char *base = strrchr(out, '/');
	base = base ? base + 1 : out;
	size_t n = table_utf8_valid((const unsigned char *)base, strnlen(base, 200));
	char *clean = arena_strndup(&r->arena, base, n);
	for (char *p = clean; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '\\')
			*p = '_';
	return *clean ? clean : fallback;
}

/* SM3 of the file, hex: what "the same file" means for duplicate uploads. */
static int file_hash(const char *path, char out[65])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = ctx && EVP_DigestInit_ex(ctx, EVP_sm3(), NULL) ? 0 : -1;
	static _Thread_local unsigned char buf[1 << 16];
	ssize_t n;
	while (rc == 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno != EINTR)
			rc = -1;
		else if (n > 0 && !EVP_DigestUpdate(ctx, buf, (size_t)n))
			rc = -1;
	}
	unsigned char md[32];
	unsigned len = 0;
	if (rc == 0 && (!EVP_DigestFinal_ex(ctx, md, &len) || len != 32))
		rc = -1;
	for (unsigned i = 0; rc == 0 && i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(ctx);
	close(fd);
	return rc;
}

/* The audit row of a route that keeps its own transaction. */
static int audit_here(struct req *r, const char *action, int64_t id, int64_t org_id,
                      const char *fields)
{
	struct audit_row row;
	audit_row_of(r, 1, &row);
	row.action = action;
	row.target = arena_printf(&r->arena, "import:%lld", (long long)id);
	row.org_id = org_id;
	row.fields = fields;
	r->audited = 1;
	return audit_append(r->db, &r->err, &row);
}

/* The uploaded file, its row and its place under data-dir/imports, in one
 * transaction; the file is moved only when the row is sure. */
static int file_job(struct req *r, const struct import_kind *k, const struct org *o,
                    const char *name, const char *hash, int64_t *id)
{
	const char *dir = server_config(r->srv)->data_dir;
	const char *key = arena_printf(&r->arena, "%s:%lld:%s", k->name, (long long)o->id, hash);
	int64_t now = (int64_t)time(NULL);
	if (db_begin(r->db, &r->err))
		return -1;
	if (db_query_int(r->db, &r->err,
	                 "INSERT INTO import_jobs (kind, org_id, account_id, file_name, file_hash, "
	                 "pending_key, status, created_at, updated_at, runner, heartbeat_at) "
	                 "VALUES ($7, $1, $2, $3, $4, $5, 'validating', $6, $6, $8, $6) "
	                 "RETURNING id",
	                 DB_ARGS(DB_INT(o->id), DB_INT(r->auth->account_id), DB_TEXT(name),
	                         DB_TEXT(hash), DB_TEXT(key), DB_INT(now), DB_TEXT(k->name),
	                         DB_TEXT(import_tasks_runner())),
	                 id)) {
		db_rollback(r->db);
		int64_t other = 0;
		if (r->err.code != ERR_CONFLICT ||
		    db_query_int(r->db, &(struct err){0},
		                 "SELECT id FROM import_jobs WHERE pending_key = $1",
		                 DB_ARGS(DB_TEXT(key)), &other))
			return -1;
		return req_fail_as(r, ERR_CONFLICT, "duplicate_import", NULL,
		                   "同一文件正在导入中（任务 %lld），请勿重复上传；如需重新导入请先"
		                   "取消该任务",
		                   (long long)other);
	}
	mkdir(arena_printf(&r->arena, "%s/imports", dir), 0700);
	/* a random part too: test servers over different databases share a
	 * data folder, and their job ids repeat */
	unsigned char rnd[8] = {0};
	char tag[17];
	crypto_random(rnd, sizeof(rnd));
	crypto_hex(rnd, sizeof(rnd), tag);
	const char *path =
	    arena_printf(&r->arena, "%s/imports/%lld-%s.upload", dir, (long long)*id, tag);
	if (rename(r->upload_path, path)) {
		db_rollback(r->db);
		return req_fail(r, ERR_INTERNAL, NULL, "上传文件保存失败");
	}
	if (db_exec(r->db, &r->err, "UPDATE import_jobs SET file_path = $2 WHERE id = $1",
	            DB_ARGS(DB_INT(*id), DB_TEXT(path)), NULL) ||
	    audit_here(r, arena_printf(&r->arena, "%s.import.upload", k->name), *id, o->id,
	               audit_fields(&r->arena, "file", name, "org_id",
	                            arena_printf(&r->arena, "%lld", (long long)o->id), NULL)) ||
	    db_commit(r->db, &r->err)) {
		db_rollback(r->db);
		rename(path, r->upload_path);
		r->audited = 0;
		return -1;
	}
	r->upload_path = NULL; /* ours now: the server must not delete it */
	return 0;
}

static int upload(struct req *r, const struct import_kind *k)
{
	const char *org = req_query(r, "org_id");
	struct org o;
	if (!org || org_get(r->db, &r->err, &r->arena, strtoll(org, NULL, 10), &o) ||
	    !access_visible(r, o.path)) {
		err_clear(&r->err);
		return req_fail(r, ERR_INVALID, "org_id", "所属工会不存在或不在您的管理范围内");
	}
	if (!r->upload_path || r->upload_size == 0)
		return req_fail_as(r, ERR_INVALID, "empty_file", NULL, "请选择要上传的文件");
	/* what the file is, from its content: a PDF named .csv stops here */
	struct table_reader *t;
	if (table_open(r->upload_path, &t, &r->err))
		return -1;
	table_close(t);
	char hash[65];
	if (file_hash(r->upload_path, hash))
		return req_fail(r, ERR_INTERNAL, NULL, "上传文件读取失败");
	const char *name = file_name(r, k);
	int64_t id;
	if (file_job(r, k, &o, name, hash, &id))
		return -1;
	const struct config *c = server_config(r->srv);
	struct import_job_row j;
	if (import_tasks_submit(c->db, id, 0, &r->err)) {
		struct err keep = r->err;
		db_exec(
		    r->db, &(struct err){0},
		    "UPDATE import_jobs SET status = 'failed', pending_key = NULL, message = $2 "
		    "WHERE id = $1",
		    DB_ARGS(DB_INT(id), DB_TEXT(keep.message)), NULL);
		r->err = keep;
		return -1;
	}
	if (import_job_get(r->db, &r->err, &r->arena, id, &j))
		return -1;
	req_status(r, 202);
	job_json(r, &j);
	return 0;
}

static int members_upload(struct req *r)
{
	return upload(r, &import_members_kind);
}

static int orgs_upload(struct req *r)
{
	return upload(r, &import_orgs_kind);
}

static int get_job(struct req *r)
{
	struct import_job_row j;
	if (visible_job(r, &j))
		return -1;
	job_json(r, &j);
	return 0;
}

static int get_report(struct req *r)
{
	struct import_job_row j;
	if (visible_job(r, &j))
		return -1;
	if (!*j.report_path && j.report_purged_at)
		return req_fail_as(r, ERR_NOT_FOUND, "report_expired", NULL,
		                   "错误报告已超过保留期（%d 天）被清理，请重新上传校验",
		                   server_config(r->srv)->import_keep_days);
	if (!*j.report_path || access(j.report_path, R_OK))
		return req_fail_as(r, ERR_NOT_FOUND, "no_report", NULL, "该任务没有错误报告");
	return req_send_file(r, j.report_path, xlsx_type,
	                     arena_printf(&r->arena, "导入错误报告-%lld.xlsx", (long long)j.id), 0);
}

/* Why a job in status cannot do what was asked. */
static int wrong_status(struct req *r, const struct import_job_row *j, int cancel)
{
	const char *why = !strcmp(j->status, "validating") ? "文件仍在校验中，请稍候"
	                  : !strcmp(j->status, "committing")
	                      ? (cancel ? "导入正在提交中，不能取消" : "导入正在提交中")
	                  : !strcmp(j->status, "ready") ? "没有可导入的数据行"
	                  : !strcmp(j->status, "done")  ? "该任务已导入完成"
	                                               : "该任务已结束，请重新上传文件";
	return req_fail_as(r, ERR_CONFLICT, cancel ? "cannot_cancel" : "not_ready", NULL, "%s",
	                   why);
}

static int commit_job(struct req *r)
{
	struct import_job_row j;
	int64_t changed = 0;
	if (visible_job(r, &j) || db_begin(r->db, &r->err))
		return -1;
	if (db_exec(
	        r->db, &r->err,
	        "UPDATE import_jobs SET status = 'committing', done_rows = 0, updated_at = $2, "
	        "runner = $3, heartbeat_at = $2 WHERE id = $1 AND status = 'ready' AND "
	        "good_rows > 0",
	        DB_ARGS(DB_INT(j.id), DB_INT((int64_t)time(NULL)), DB_TEXT(import_tasks_runner())),
	        &changed) ||
	    (changed && audit_here(r, arena_printf(&r->arena, "%s.import.commit", j.kind), j.id,
	                           j.org_id, NULL)) ||
	    (changed && db_commit(r->db, &r->err))) {
		db_rollback(r->db);
		r->audited = 0;
		return -1;
	}
	if (!changed) {
		db_rollback(r->db);
		return wrong_status(r, &j, 0);
	}
	/* queued only once the row says committing for every reader */
	const struct config *c = server_config(r->srv);
	if (import_tasks_submit(c->db, j.id, 1, &r->err)) {
		struct err keep = r->err;
		db_exec(r->db, &(struct err){0},
		        "UPDATE import_jobs SET status = 'ready' WHERE id = $1 AND status = "
		        "'committing'",
		        DB_ARGS(DB_INT(j.id)), NULL);
		r->err = keep;
		return -1;
	}
	if (import_job_get(r->db, &r->err, &r->arena, j.id, &j))
		return -1;
	req_status(r, 202);
	job_json(r, &j);
	return 0;
}

static int cancel_job(struct req *r)
{
	struct import_job_row j;
	int64_t changed = 0;
	if (visible_job(r, &j) || db_begin(r->db, &r->err))
		return -1;
	if (db_exec(r->db, &r->err,
	            "UPDATE import_jobs SET status = 'cancelled', pending_key = NULL, "
	            "message = '已取消', report_path = NULL, updated_at = $2 WHERE id = $1 AND "
	            "status IN ('validating', 'ready')",
	            DB_ARGS(DB_INT(j.id), DB_INT((int64_t)time(NULL))), &changed) ||
	    (changed && audit_here(r, arena_printf(&r->arena, "%s.import.cancel", j.kind), j.id,
	                           j.org_id, NULL)) ||
	    (changed && db_commit(r->db, &r->err))) {
		db_rollback(r->db);
		r->audited = 0;
		return -1;
	}
	if (!changed) {
		db_rollback(r->db);
		return wrong_status(r, &j, 1);
	}
	/* a task still reading has the file open and cleans up after itself */
	import_tasks_cancel(j.id);
	if (*j.file_path)
		unlink(j.file_path);
	if (*j.report_path)
		unlink(j.report_path);
	if (import_job_get(r->db, &r->err, &r->arena, j.id, &j))
		return -1;
	job_json(r, &j);
	return 0;
}
