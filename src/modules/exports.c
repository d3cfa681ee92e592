/* Member export (会员名册导出): the caller's part of the member database, or
 * one org's subtree, as an XLSX in the import layout, so a file exported
 * here imports elsewhere. libxlsxwriter's constant-memory mode keeps one
 * row in memory, and the rows are read a page at a time, so a city of
 * millions costs no more memory than a base union. Numbers are masked
 * unless the caller asks to reveal them and holds members.reveal_id; every
 * export is audited, a revealing one as a reveal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/china_time.h"
#include "core/req.h"
#include "core/server.h"
#include "core/validate.h"
#include "core/xlsx_write.h"
#include "modules.h"
#include "platform/access.h"
#include "platform/audit.h"
#include "platform/codes.h"
#include "platform/keys.h"
#include "platform/org.h"

static int export_members(struct req *r);

static const struct route routes[] = {
    {"GET", "/api/v1/members/export", export_members, "members.read", 0},
};

const struct module exports_module = {"exports", ROUTES(routes)};

enum { PAGE = 2000, NCOLS = 17 };

static const char *const titles[NCOLS] = {
    "姓名",     "身份证号", "手机号",   "民族",     "政治面貌", "学历",
    "户籍类型", "就业状态", "灵活就业", "工作单位", "入会日期", "所属工会编号",
    "所属工会", "性别",     "出生日期", "会员证号", "会籍状态",
};

/* The rows to export as SQL over m.org_path with its parameters: org_id's
 * subtree when given (only that org when the grant reaching it is
 * org-only), else every grant. *o is the org, or o->id 0 for the scope. */
static const char *scope_sql(struct req *r, struct db_val *p, int *n, struct org *o)
{
	const char *org = req_query(r, "org_id");
	memset(o, 0, sizeof(*o));
	if (!org || !*org)
		return access_scope_sql(r, "m.org_path", *n + 1, p, n);
	if (org_get(r->db, &r->err, &r->arena, strtoll(org, NULL, 10), o) ||
	    !access_visible(r, o->path)) {
		err_clear(&r->err);
		req_fail(r, ERR_NOT_FOUND, "org_id", "组织不存在");
		return NULL;
	}
	int subtree = 0;
	for (int i = 0; i < r->auth->ngrants; i++) {
		const struct grant *g = &r->auth->grants[i];
		subtree |= g->subtree && !strncmp(o->path, g->path, strlen(g->path));
	}
	p[(*n)++] = DB_TEXT(o->path);
	if (!subtree)
		return arena_printf(&r->arena, "m.org_path = $%d", *n);
	char *hi = arena_alloc(&r->arena, strlen(o->path) + 1);
	access_subtree_hi(o->path, hi, strlen(o->path) + 1);
	p[(*n)++] = DB_TEXT(hi);
	return arena_printf(&r->arena, "m.org_path >= $%d AND m.org_path < $%d", *n - 1, *n);
}

/* Whether the caller may see the full numbers of everything exported. */
static int may_reveal(struct req *r, const struct org *o)
{
	if (o->id)
		return access_has(r, "members.reveal_id", o->path);
	for (int i = 0; i < r->auth->ngrants; i++) {
		int may = access_has(r, "members.reveal_id", r->auth->grants[i].path);
		if (may <= 0)
			return may;
	}
	return 1;
}

static const char *plain(struct arena *a, const char *stored)
{
	const char *s = keys_decrypt(a, stored);
	return s ? s : "";
}

static const char *name_of(const char *table, const char *code)
{
	const char *n = code_name(table, code);
	return n ? n : code;
}

/* One page of rows after the cursor (org_path, id) into the sheet; the
 * number written, or -1. */
static int write_page(struct req *r, struct xlsx_out *x, const char *where, struct db_val *p, int n,
                      char cur_path[ORG_PATH_MAX], int64_t *cur_id, int reveal)
{
	/* what one page decrypts and formats dies with the page: the memory
	 * of an export does not grow with its rows */
	struct arena page;
	arena_init(&page);
	p[n] = DB_TEXT(cur_path);
	p[n + 1] = DB_INT(*cur_id);
	const char *sql = arena_printf(
	    &page,
	    "SELECT m.id, m.org_path, m.name, m.id_card_enc, COALESCE(m.phone_enc, ''), "
	    "m.ethnicity, m.political, COALESCE(m.education, ''), COALESCE(m.hukou, ''), "
	    "m.employment, m.flexible, COALESCE(m.employer, ''), m.joined_on, m.org_id, o.name, "
	    "m.gender, m.birth_date, m.card_no, m.status FROM members m JOIN orgs o ON o.id = "
	    "m.org_id WHERE %s AND (m.org_path > $%d OR (m.org_path = $%d AND m.id > $%d)) "
	    "ORDER BY m.org_path, m.id LIMIT %d",
	    where, n + 1, n + 1, n + 2, PAGE);
	struct db_rows *rs;
	int got = -1, rows = 0;
	if (db_query(r->db, &r->err, sql, n + 2, p, &rs))
		goto out;
	while ((got = db_step(rs, &r->err)) == 1) {
		char idm[32] = "", phm[32] = "", org[24], gender[8];
		const char *id = plain(&page, db_col_text(rs, 3)),
		           *phone = plain(&page, db_col_text(rs, 4));
		mask_id_card(id, idm);
		if (*phone)
			mask_phone(phone, phm);
		snprintf(org, sizeof(org), "%lld", (long long)db_col_int(rs, 13));
		snprintf(gender, sizeof(gender), "%lld", (long long)db_col_int(rs, 15));
		const char *cells[NCOLS] = {
		    db_col_text(rs, 2),
		    reveal ? id : idm,
		    reveal ? phone : phm,
		    name_of("ethnicity", db_col_text(rs, 5)),
		    name_of("political", db_col_text(rs, 6)),
		    name_of("education", db_col_text(rs, 7)),
		    name_of("hukou", db_col_text(rs, 8)),
		    name_of("employment", db_col_text(rs, 9)),
		    db_col_int(rs, 10) ? "是" : "否",
		    db_col_text(rs, 11),
		    db_col_text(rs, 12),
		    org,
		    db_col_text(rs, 14),
		    name_of("gender", gender),
		    db_col_text(rs, 16),
		    db_col_text(rs, 17),
		    name_of("member_status", db_col_text(rs, 18)),
		};
		if (xlsx_out_row(x, cells, NCOLS)) {
			got = 0;
			break;
		}
		*cur_id = db_col_int(rs, 0);
		snprintf(cur_path, ORG_PATH_MAX, "%s", db_col_text(rs, 1));
		rows++;
	}
	db_rows_close(rs);
out:
	arena_release(&page);
	return got < 0 ? -1 : rows;
}

static int export_members(struct req *r)
{
	struct db_val *p = access_params(r, 8);
	int n = 0;
	struct org o;
	const char *where = scope_sql(r, p, &n, &o);
	if (!where)
		return -1;
	const char *rv = req_query(r, "reveal");
	int reveal = rv && !strcmp(rv, "1");
	if (reveal) {
		int may = may_reveal(r, &o);
		if (may < 0)
			return -1;
		if (!may)
			return req_fail(r, ERR_FORBIDDEN, NULL, "您没有查看完整身份证号的权限");
	}
	const char *dir = server_config(r->srv)->data_dir;
	mkdir(arena_printf(&r->arena, "%s/tmp", dir), 0700);
	char *path = arena_printf(&r->arena, "%s/tmp/export-XXXXXX", dir);
	int fd = mkstemp(path);
	struct xlsx_out *x;
	if (fd < 0 || (close(fd), xlsx_out_open(path, 1, &x, &r->err)))
		return req_fail(r, ERR_INTERNAL, NULL, "导出文件生成失败");
	xlsx_out_header(x, titles, NCOLS);
	char cur_path[ORG_PATH_MAX] = "";
	int64_t cur_id = 0, total = 0;
	int got;
	while ((got = write_page(r, x, where, p, n, cur_path, &cur_id, reveal)) > 0) {
		total += got;
		if (got < PAGE)
			break;
	}
	struct err xe;
	if (xlsx_out_close(x, &xe) || got < 0) {
		if (got >= 0)
			r->err = xe;
		unlink(path);
		return -1;
	}
	struct audit_row row;
	audit_row_of(r, 1, &row);
	row.action = reveal ? "members.reveal_id" : "members.export";
	row.target =
	    o.id ? arena_printf(&r->arena, "export:org:%lld", (long long)o.id) : "export:scope";
	row.fields =
	    audit_fields(&r->arena, "rows", arena_printf(&r->arena, "%lld", (long long)total),
	                 "reveal", reveal ? "1" : "0", NULL);
	if (audit_append_alone(r->db, &r->err, &row)) {
		unlink(path);
		return -1;
	}
	char day[16];
	struct tm tm;
	china_tm(time(NULL), &tm);
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	return req_send_file(
	    r, path, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	    arena_printf(&r->arena, "会员名册-%s-%s.xlsx", o.id ? o.name : "全部", day), 1);
}
