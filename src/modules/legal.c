/* 工会法人资格 (legal-person registration, 总工办发〔2020〕20号) on the
 * approvals engine: registration, change, renewal, reissue and
 * cancellation, each filed by a cadre of the union with its materials and
 * reviewed by the registrar — the county-level-or-above union of the
 * union's territory. Approval issues (or replaces, or ends) the certificate;
 * anyone may check a certificate by its number, and the certificate and
 * the application form print as PDF. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/req.h"
#include "core/server.h"
#include "core/validate.h"
#include "modules.h"
#include "platform/access.h"
#include "platform/account.h"
#include "platform/approval.h"
#include "platform/legal_pdf.h"
#include "platform/org.h"
#include "platform/org_record.h"
#include "platform/workdays.h"

/* ---- the record of a certificate ---- */

struct cert {
	int64_t id, org_id, registrar_id, issued_at, application_id;
	const char *cert_no, *legal_code, *union_name, *representative, *address;
	const char *valid_from, *valid_to, *status, *registrar_name;
};

#define CERT_COLUMNS                                                                               \
	"c.id, c.org_id, c.registrar_id, c.issued_at, c.application_id, c.cert_no, c.legal_code, " \
	"c.union_name, c.representative, c.address, c.valid_from, c.valid_to, c.status, r.name"
#define CERT_FROM "legal_certificates c JOIN orgs r ON r.id = c.registrar_id"

static const char *col_dup(struct db_rows *rs, int i, struct arena *a)
{
	return db_col_null(rs, i) ? NULL : arena_strdup(a, db_col_text(rs, i));
}

static int cert_query(struct db *d, struct err *e, struct arena *a, const char *where,
                      struct db_val key, struct cert *out)
{
	struct db_rows *rs;
	char sql[640];
	snprintf(sql, sizeof(sql), "SELECT " CERT_COLUMNS " FROM " CERT_FROM " WHERE %s", where);
	if (db_query(d, e, sql, 1, &key, &rs))
		return -1;
	int rc = db_step(rs, e);
	if (rc == 1) {
		out->id = db_col_int(rs, 0);
		out->org_id = db_col_int(rs, 1);
		out->registrar_id = db_col_int(rs, 2);
		out->issued_at = db_col_int(rs, 3);
		out->application_id = db_col_null(rs, 4) ? 0 : db_col_int(rs, 4);
		out->cert_no = col_dup(rs, 5, a);
		out->legal_code = col_dup(rs, 6, a);
		out->union_name = col_dup(rs, 7, a);
		out->representative = col_dup(rs, 8, a);
		out->address = col_dup(rs, 9, a);
		out->valid_from = col_dup(rs, 10, a);
		out->valid_to = col_dup(rs, 11, a);
		out->status = col_dup(rs, 12, a);
		out->registrar_name = col_dup(rs, 13, a);
	}
	db_rows_close(rs);
	if (rc == 0)
		return err_set(e, ERR_NOT_FOUND, NULL, NULL, "证书不存在");
	return rc == 1 ? 0 : -1;
}

/* The union's certificate in force, or ERR_NOT_FOUND. */
static int cert_valid(struct db *d, struct err *e, struct arena *a, int64_t org, struct cert *out)
{
	return cert_query(d, e, a,
	                  "c.org_id = $1 AND c.status = 'valid' ORDER BY c.id DESC LIMIT 1",
	                  DB_INT(org), out);
}

/* The last certificate of a union, whatever its status. */
static int cert_last(struct db *d, struct err *e, struct arena *a, int64_t org, struct cert *out)
{
	return cert_query(d, e, a, "c.org_id = $1 ORDER BY c.id DESC LIMIT 1", DB_INT(org), out);
}

static const char *today(struct arena *a)
{
	char d[11];
	workdays_date(time(NULL), d);
	return arena_strdup(a, d);
}

/* ---- the application types ---- */

static int64_t fint(json_t *form, const char *key)
{
	return json_integer_value(json_object_get(form, key));
}

static int form_date(struct appl_ctx *c, json_t *clean, const char *key, const char *label)
{
	if (appl_form_text(c, clean, key, label, 1, 10))
		return -1;
	return valid_date(appl_form_str(clean, key), key, c->e);
}

/* The union the form names: one the applicant may act for (orgs.write). */
static int subject(struct appl_ctx *c, json_t *clean, struct org *o)
{
	int64_t id = fint(c->form, "org_id");
	struct err e2 = {0};
	if (id <= 0 || org_get(c->d, &e2, c->a, id, o)) {
		if (e2.code && e2.code != ERR_NOT_FOUND) {
			*c->e = e2;
			return -1;
		}
		return err_set(c->e, ERR_INVALID, NULL, "org_id", "请选择办理法人资格的工会");
	}
	int may = access_account_has(c->d, c->e, c->applicant, "orgs.write", o->path);
	if (may < 0)
		return -1;
	if (!may)
		return err_set(c->e, ERR_INVALID, NULL, "org_id", "您不能代表%s办理法人资格",
		               o->name);
	if (strcmp(o->status, "active"))
		return err_set(c->e, ERR_UNPROCESSABLE, "org_dissolved", "org_id", "%s已撤销",
		               o->name);
	json_object_set_new(clean, "org_id", json_integer(o->id));
	json_object_set_new(clean, "org_name", json_string(o->name));
	return 0;
}

/* The registrar: the county union of the union's division, or else the
 * nearest regional union of county level or above over it. */
static int registrar_of(struct appl_ctx *c, const struct org *o, struct org *out)
{
	if (o->division_code && strlen(o->division_code) == 6 &&
	    strcmp(o->division_code + 4, "00")) {
		char key[16];
		int64_t id = 0;
		snprintf(key, sizeof(key), "div:%s", o->division_code);
		if (org_find_seed(c->d, c->e, key, &id))
			return -1;
		if (id && id != o->id)
			return org_get(c->d, c->e, c->a, id, out);
	}
	for (int64_t id = o->parent_id; id;) {
		if (org_get(c->d, c->e, c->a, id, out))
			return -1;
		if (!strcmp(out->type, "regional") &&
		    (!strcmp(out->level, "county") || !strcmp(out->level, "city") ||
		     !strcmp(out->level, "province")))
			return 0;
		id = out->parent_id;
	}
	return err_set(c->e, ERR_UNPROCESSABLE, "no_registrar", "org_id", "找不到%s的登记机关",
	               o->name);
}

static int route_registrar(struct appl_ctx *c, int step, int64_t *org_id)
{
	(void)step;
	*org_id = fint(c->form, "registrar_id");
	return 0;
}

static const char *legal_key(struct appl_ctx *c)
{
	return arena_printf(c->a, "legal:%lld", (long long)fint(c->form, "org_id"));
}

/* Common to every type: the union, its registrar, and whether it has a
 * certificate in force (need: 1 must, 0 must not). */
static int common(struct appl_ctx *c, json_t *clean, int need, struct org *o, struct cert *cert)
{
	struct org reg;
	if (subject(c, clean, o) || registrar_of(c, o, &reg))
		return -1;
	json_object_set_new(clean, "registrar_id", json_integer(reg.id));
	json_object_set_new(clean, "registrar_name", json_string(reg.name));
	struct err e2 = {0};
	int has = cert_valid(c->d, &e2, c->a, o->id, cert) == 0;
	if (!has && e2.code != ERR_NOT_FOUND) {
		*c->e = e2;
		return -1;
	}
	if (need && !has)
		return err_set(c->e, ERR_UNPROCESSABLE, "not_registered", "org_id",
		               "%s还没有法人资格证书，请先办理登记", o->name);
	if (!need && has)
		return err_set(c->e, ERR_CONFLICT, "already_registered", "org_id",
		               "%s已取得法人资格（证书编号 %s）", o->name, cert->cert_no);
	if (has)
		json_object_set_new(clean, "cert_no", json_string(cert->cert_no));
	return 0;
}

static void keep(struct appl_ctx *c, json_t *clean)
{
	json_decref(c->form);
	c->form = clean;
}

/* A term of office: from before to, at most five years. */
static int term(struct appl_ctx *c, json_t *clean)
{
	if (form_date(c, clean, "term_from", "任期开始日期") ||
	    form_date(c, clean, "term_to", "任期结束日期"))
		return -1;
	const char *from = appl_form_str(clean, "term_from"), *to = appl_form_str(clean, "term_to");
	if (strcmp(to, from) <= 0)
		return err_set(c->e, ERR_INVALID, NULL, "term_to", "任期结束日期应晚于开始日期");
	if (atoi(to) - atoi(from) > 5 ||
	    (atoi(to) - atoi(from) == 5 && strcmp(to + 4, from + 4) > 0))
		return err_set(c->e, ERR_INVALID, NULL, "term_to", "工会委员会每届任期不超过五年");
	if (strcmp(to, today(c->a)) < 0)
		return err_set(c->e, ERR_INVALID, NULL, "term_to", "任期已经结束");
	return 0;
}

static int register_check(struct appl_ctx *c, const char **summary)
{
	json_t *clean = json_object();
	struct org o;
	struct cert cert;
	int rc = common(c, clean, 0, &o, &cert) ||
	         appl_form_text(c, clean, "representative", "法定代表人（工会主席）", 1, 30) ||
	         appl_form_text(c, clean, "address", "住所", 1, 200) ||
	         appl_form_text(c, clean, "phone", "联系电话", 0, 20) ||
	         appl_form_text(c, clean, "funding", "经费来源", 0, 100) ||
	         appl_form_text(c, clean, "approval_doc", "上级工会批复文号", 1, 60) ||
	         term(c, clean);
	if (rc) {
		json_decref(clean);
		return -1;
	}
	keep(c, clean);
	*summary = arena_printf(c->a, "%s申请法人资格登记", o.name);
	return 0;
}

static int change_check(struct appl_ctx *c, const char **summary)
{
	json_t *clean = json_object();
	struct org o;
	struct cert cert;
	if (common(c, clean, 1, &o, &cert) || form_date(c, clean, "changed_on", "变更日期") ||
	    appl_form_text(c, clean, "name", "新的工会名称", 0, 100) ||
	    appl_form_text(c, clean, "address", "新的住所", 0, 200) ||
	    appl_form_text(c, clean, "representative", "新的法定代表人", 0, 30)) {
		json_decref(clean);
		return -1;
	}
	if (!appl_form_str(clean, "name") && !appl_form_str(clean, "address") &&
	    !appl_form_str(clean, "representative")) {
		json_decref(clean);
		return err_set(c->e, ERR_INVALID, NULL, "name",
		               "请填写变更的事项（名称、住所或法定代表人）");
	}
	/* 变更 must be filed within 30 days of the change */
	const char *on = appl_form_str(clean, "changed_on");
	time_t limit = time(NULL) - 30 * 86400;
	char oldest[11];
	workdays_date(limit, oldest);
	if (strcmp(on, today(c->a)) > 0 || strcmp(on, oldest) < 0) {
		int late = strcmp(on, oldest) < 0;
		json_decref(clean);
		return err_set(
		    c->e, ERR_UNPROCESSABLE, late ? "late_change" : "future_change", "changed_on",
		    late ? "变更登记应在变更之日起 30 日内申请，已超过期限，请与登记机关联系"
		         : "变更日期不能晚于今天");
	}
	keep(c, clean);
	*summary = arena_printf(c->a, "%s申请法人资格变更登记", o.name);
	return 0;
}

static int renew_check(struct appl_ctx *c, const char **summary)
{
	json_t *clean = json_object();
	struct org o;
	struct cert cert;
	if (common(c, clean, 1, &o, &cert) ||
	    appl_form_text(c, clean, "approval_doc", "上级工会批复文号", 1, 60) || term(c, clean) ||
	    appl_form_text(c, clean, "representative", "法定代表人", 0, 30)) {
		json_decref(clean);
		return -1;
	}
	keep(c, clean);
	*summary = arena_printf(c->a, "%s申请换领法人资格证书", o.name);
	return 0;
}

static int reissue_check(struct appl_ctx *c, const char **summary)
{
	json_t *clean = json_object();
	struct org o;
	struct cert cert;
	if (common(c, clean, 1, &o, &cert) ||
	    appl_form_text(c, clean, "reason", "补领原因", 1, 200)) {
		json_decref(clean);
		return -1;
	}
	keep(c, clean);
	*summary = arena_printf(c->a, "%s申请补领法人资格证书", o.name);
	return 0;
}

static int cancel_check(struct appl_ctx *c, const char **summary)
{
	json_t *clean = json_object();
	struct org o;
	struct cert cert;
	if (common(c, clean, 1, &o, &cert) ||
	    appl_form_text(c, clean, "reason", "注销原因", 1, 200)) {
		json_decref(clean);
		return -1;
	}
	static const char *const cleared[][2] = {
	    {"funds_cleared", "经费"}, {"assets_cleared", "资产"}, {"debts_cleared", "债权债务"}};
	for (int i = 0; i < 3; i++) {
		if (!json_is_true(json_object_get(c->form, cleared[i][0]))) {
			json_decref(clean);
			return err_set(c->e, ERR_UNPROCESSABLE, "not_cleared", cleared[i][0],
			               "%s尚未清理完毕，不能注销法人资格", cleared[i][1]);
		}
		json_object_set_new(clean, cleared[i][0], json_true());
	}
	keep(c, clean);
	*summary = arena_printf(c->a, "%s申请注销法人资格", o.name);
	return 0;
}

/* ---- approval: certificates ---- */

static int end_cert(struct appl_ctx *c, int64_t id, const char *status)
{
	return db_exec(c->d, c->e,
	               "UPDATE legal_certificates SET status = $2, ended_at = $3 WHERE id = $1",
	               DB_ARGS(DB_INT(id), DB_TEXT(status), DB_INT((int64_t)time(NULL))), NULL);
}

/* Issues a certificate: the number and, on a first registration, the
 * union's own code both come from the new row's id. */
static int issue(struct appl_ctx *c, const struct org *o, const char *legal_code, const char *name,
                 const char *rep, const char *address, const char *from, const char *to)
{
	struct org reg;
	int64_t id;
	if (org_get(c->d, c->e, c->a, fint(c->form, "registrar_id"), &reg) ||
	    db_query_int(c->d, c->e,
	                 "INSERT INTO legal_certificates (org_id, legal_code, registrar_id, "
	                 "union_name, representative, address, valid_from, valid_to, status, "
	                 "issued_at, application_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
	                 "'valid', $9, $10) RETURNING id",
	                 DB_ARGS(DB_INT(o->id), DB_TEXT(legal_code ? legal_code : "pending"),
	                         DB_INT(reg.id), DB_TEXT(name), DB_TEXT(rep), DB_TEXT(address),
	                         DB_TEXT(from), DB_TEXT(to), DB_INT((int64_t)time(NULL)),
	                         DB_INT(c->app->id)),
	                 &id))
		return -1;
	const char *division = reg.division_code ? reg.division_code : "610000";
	char code[19], no[32], body[16];
	if (!legal_code) {
		snprintf(body, sizeof(body), "GH%06lld", (long long)(id % 1000000));
		credit_code_make("81", o->division_code ? o->division_code : division, body, code);
		legal_code = code;
	}
	snprintf(no, sizeof(no), "GF%.6s%.4s%06lld", division, today(c->a), (long long)id);
	if (db_exec(c->d, c->e,
	            "UPDATE legal_certificates SET cert_no = $2, legal_code = $3 WHERE id = $1",
	            DB_ARGS(DB_INT(id), DB_TEXT(no), DB_TEXT(legal_code)), NULL) ||
	    db_exec(c->d, c->e, "UPDATE orgs SET legal_code = $2 WHERE id = $1",
	            DB_ARGS(DB_INT(o->id), DB_TEXT(legal_code)), NULL))
		return -1;
	c->result = arena_printf(c->a, "{\"cert_no\":\"%s\",\"legal_code\":\"%s\",\"org_id\":%lld}",
	                         no, legal_code, (long long)o->id);
	c->result_text = arena_printf(
	    c->a, "证书编号 %s，统一社会信用代码 %s，可在管理后台打印证书。", no, legal_code);
	return 0;
}

static int the_union(struct appl_ctx *c, struct org *o)
{
	return org_get(c->d, c->e, c->a, fint(c->form, "org_id"), o);
}

static int register_approve(struct appl_ctx *c)
{
	struct org o;
	struct cert cert;
	struct err e2 = {0};
	if (the_union(c, &o))
		return -1;
	if (cert_valid(c->d, &e2, c->a, o.id, &cert) == 0)
		return err_set(c->e, ERR_CONFLICT, "already_registered", NULL, "%s已取得法人资格",
		               o.name);
	/* the code stays with the union: a union registered before keeps it */
	struct org_fields f = {.address = appl_form_str(c->form, "address"),
	                       .chair_name = appl_form_str(c->form, "representative"),
	                       .staff_count = -1,
	                       .female_count = -1,
	                       .migrant_count = -1};
	struct org_record rec;
	if (org_record_get(c->d, c->e, c->a, o.id, &rec) ||
	    org_record_update(c->d, c->e, c->a, o.id, &f, rec.version, c->actor, c->request_id,
	                      NULL))
		return -1;
	return issue(c, &o, rec.legal_code, o.name, appl_form_str(c->form, "representative"),
	             appl_form_str(c->form, "address"), appl_form_str(c->form, "term_from"),
	             appl_form_str(c->form, "term_to"));
}

/* change, renew, reissue: the certificate in force is replaced by one
 * with the new particulars under the same code. */
static int replace(struct appl_ctx *c, const char *name, const char *rep, const char *address,
                   const char *from, const char *to)
{
	struct org o;
	struct cert old;
	if (the_union(c, &o) || cert_valid(c->d, c->e, c->a, o.id, &old) ||
	    end_cert(c, old.id, "replaced"))
		return -1;
	return issue(c, &o, old.legal_code, name ? name : old.union_name,
	             rep ? rep : old.representative, address ? address : old.address,
	             from ? from : old.valid_from, to ? to : old.valid_to);
}

static int change_approve(struct appl_ctx *c)
{
	struct org o;
	struct org_record rec;
	if (the_union(c, &o) || org_record_get(c->d, c->e, c->a, o.id, &rec))
		return -1;
	struct org_fields f = {.name = appl_form_str(c->form, "name"),
	                       .address = appl_form_str(c->form, "address"),
	                       .chair_name = appl_form_str(c->form, "representative"),
	                       .staff_count = -1,
	                       .female_count = -1,
	                       .migrant_count = -1};
	if (org_record_update(c->d, c->e, c->a, o.id, &f, rec.version, c->actor, c->request_id,
	                      NULL))
		return -1;
	return replace(c, f.name, f.chair_name, f.address, NULL, NULL);
}

static int renew_approve(struct appl_ctx *c)
{
	return replace(c, NULL, appl_form_str(c->form, "representative"), NULL,
	               appl_form_str(c->form, "term_from"), appl_form_str(c->form, "term_to"));
}

static int reissue_approve(struct appl_ctx *c)
{
	return replace(c, NULL, NULL, NULL, NULL, NULL);
}

static int cancel_approve(struct appl_ctx *c)
{
	struct org o;
	struct cert cert;
	if (the_union(c, &o) || cert_valid(c->d, c->e, c->a, o.id, &cert) ||
	    end_cert(c, cert.id, "cancelled"))
		return -1;
	c->result = arena_printf(c->a, "{\"cert_no\":\"%s\",\"org_id\":%lld}", cert.cert_no,
	                         (long long)o.id);
	c->result_text = arena_printf(c->a, "证书 %s 已注销。", cert.cert_no);
	return 0;
}

static const struct appl_step registrar_steps[] = {{"登记机关审核", 20}};

#define LEGAL(c_, n_, check_, approve_, min_, hint_)                                               \
	{                                                                                          \
		.code = c_, .name = n_, .perm = "applications.review", .nsteps = 1,                \
		.steps = registrar_steps, .check = check_, .route = route_registrar,               \
		.approve = approve_, .open_key = legal_key, .min_attachments = min_,               \
		.attachments_hint = hint_                                                          \
	}

const struct appl_type legal_register_application =
    LEGAL("legal_register", "法人资格登记", register_check, register_approve, 2,
          "选举结果或上级工会批复，以及工会主席和经办人的身份证明（至少 2 份）");
const struct appl_type legal_change_application = LEGAL(
    "legal_change", "法人资格变更登记", change_check, change_approve, 1, "变更事项的证明材料");
const struct appl_type legal_renew_application = LEGAL(
    "legal_renew", "换领法人资格证书", renew_check, renew_approve, 1, "换届选举结果或上级工会批复");
const struct appl_type legal_reissue_application = LEGAL(
    "legal_reissue", "补领法人资格证书", reissue_check, reissue_approve, 1, "遗失声明或损坏的证书");
const struct appl_type legal_cancel_application =
    LEGAL("legal_cancel", "注销法人资格", cancel_check, cancel_approve, 1,
          "经费、资产和债权债务的清理报告");

/* ---- routes ---- */

static int verify_certificate(struct req *r);
static int org_certificate(struct req *r);
static int org_certificate_pdf(struct req *r);
static int application_form_pdf(struct req *r);

static int list_certificates(struct req *r);

static const struct route routes[] = {
    {"GET", "/api/v1/orgs/certificates", list_certificates, "orgs.read", 0},
    {"GET", "/api/v1/orgs/certificates/:no", verify_certificate, NULL, ROUTE_PUBLIC},
    {"GET", "/api/v1/orgs/:id/certificate", org_certificate, "orgs.read", 0},
    {"GET", "/api/v1/orgs/:id/certificate.pdf", org_certificate_pdf, "orgs.read", 0},
    {"GET", "/api/v1/applications/:id/form.pdf", application_form_pdf, NULL, ROUTE_SELF},
};

const struct module legal_module = {"legal", ROUTES(routes)};

static const char *status_name(const char *status)
{
	return !strcmp(status, "valid")      ? "有效"
	       : !strcmp(status, "replaced") ? "已换发新证"
	                                     : "已注销";
}

static void cert_json(struct jw *w, const struct cert *c, const char *now)
{
	int current = !strcmp(c->status, "valid") && strcmp(now, c->valid_from) >= 0 &&
	              strcmp(now, c->valid_to) <= 0;
	jw_obj(w);
	jw_kbool(w, "valid", current);
	jw_kstr(w, "cert_no", c->cert_no);
	jw_kstr(w, "status", c->status);
	jw_kstr(w, "status_name",
	        current                       ? "有效"
	        : !strcmp(c->status, "valid") ? "不在有效期内"
	                                      : status_name(c->status));
	jw_kstr(w, "union_name", c->union_name);
	jw_kstr(w, "legal_code", c->legal_code);
	jw_kstr(w, "representative", c->representative);
	jw_kstr(w, "address", c->address);
	jw_kstr(w, "valid_from", c->valid_from);
	jw_kstr(w, "valid_to", c->valid_to);
	jw_kstr(w, "registrar_name", c->registrar_name);
	jw_kint(w, "issued_at", c->issued_at);
	jw_obj_end(w);
}

static int verify_certificate(struct req *r)
{
	const char *no = req_param(r, "no");
	struct cert c;
	if (!no || strlen(no) > 30 ||
	    cert_query(r->db, &r->err, &r->arena, "c.cert_no = $1", DB_TEXT(no), &c)) {
		if (r->err.code && r->err.code != ERR_NOT_FOUND)
			return -1;
		err_clear(&r->err);
		return req_fail(r, ERR_NOT_FOUND, NULL, "没有这个编号的法人资格证书");
	}
	cert_json(req_json(r), &c, today(&r->arena));
	return 0;
}

static int visible_org(struct req *r, struct org *o)
{
	int64_t id;
	if (req_param_id(r, "id", &id))
		return -1;
	if (org_get(r->db, &r->err, &r->arena, id, o) || !access_visible(r, o->path)) {
		err_clear(&r->err);
		return req_fail(r, ERR_NOT_FOUND, NULL, "组织不存在");
	}
	return 0;
}

static int org_certificate(struct req *r)
{
	struct org o;
	struct cert c;
	if (visible_org(r, &o))
		return -1;
	if (cert_last(r->db, &r->err, &r->arena, o.id, &c)) {
		if (r->err.code != ERR_NOT_FOUND)
			return -1;
		err_clear(&r->err);
		return req_fail_as(r, ERR_NOT_FOUND, "not_registered", NULL, "%s还没有法人资格证书",
		                   o.name);
	}
	cert_json(req_json(r), &c, today(&r->arena));
	return 0;
}

/* Saves a document to a temporary file and answers with it. */
static int send_pdf(struct req *r, struct pdf *p, const char *name)
{
	if (!p)
		return -1;
	char *path = arena_printf(&r->arena, "%s/tmp/pdf-XXXXXX", server_config(r->srv)->data_dir);
	int fd = mkstemp(path);
	if (fd < 0) {
		pdf_free(p);
		return req_fail(r, ERR_INTERNAL, NULL, "无法生成文件");
	}
	close(fd);
	int rc = pdf_save_file(p, path, &r->err);
	pdf_free(p);
	if (rc) {
		unlink(path);
		return -1;
	}
	return req_send_file(r, path, "application/pdf", name, 1);
}

static int org_certificate_pdf(struct req *r)
{
	struct org o;
	struct cert c;
	if (visible_org(r, &o))
		return -1;
	if (cert_valid(r->db, &r->err, &r->arena, o.id, &c)) {
		if (r->err.code != ERR_NOT_FOUND)
			return -1;
		err_clear(&r->err);
		return req_fail_as(r, ERR_NOT_FOUND, "not_registered", NULL,
		                   "%s没有有效的法人资格证书", o.name);
	}
	const char *host = req_header(r, "Host");
	char issued[11];
	workdays_date(c.issued_at, issued);
	struct legal_certificate lc = {
	    .cert_no = c.cert_no,
	    .credit_code = c.legal_code,
	    .union_name = c.union_name,
	    .legal_rep = c.representative,
	    .address = c.address,
	    .valid_from = c.valid_from,
	    .valid_to = c.valid_to,
	    .registrar = c.registrar_name,
	    .issued = issued,
	    .verify_url = arena_printf(&r->arena, "%s://%s/cert?no=%s",
	                               server_config(r->srv)->cookie_secure ? "https" : "http",
	                               host ? host : "127.0.0.1", c.cert_no),
	};
	return send_pdf(r, legal_pdf_certificate(server_config(r->srv)->pdf_font, &lc, &r->err),
	                arena_printf(&r->arena, "法人资格证书-%s.pdf", c.cert_no));
}

static const char *matter_of(const char *type)
{
	return !strcmp(type, "legal_register")  ? "登记"
	       : !strcmp(type, "legal_change")  ? "变更"
	       : !strcmp(type, "legal_renew")   ? "换领"
	       : !strcmp(type, "legal_reissue") ? "补领"
	                                        : "注销";
}

/* What the form asks for, in a sentence for the printed 事项说明. */
static const char *details_of(struct arena *a, const char *type, json_t *form)
{
	if (!strcmp(type, "legal_change")) {
		const char *out = arena_printf(a, "%s起", appl_form_str(form, "changed_on"));
		if (appl_form_str(form, "name"))
			out =
			    arena_printf(a, "%s名称变更为“%s”；", out, appl_form_str(form, "name"));
		if (appl_form_str(form, "address"))
			out = arena_printf(a, "%s住所变更为“%s”；", out,
			                   appl_form_str(form, "address"));
		if (appl_form_str(form, "representative"))
			out = arena_printf(a, "%s法定代表人变更为%s；", out,
			                   appl_form_str(form, "representative"));
		return out;
	}
	if (!strcmp(type, "legal_cancel"))
		return arena_printf(a, "%s。经费、资产、债权债务已清理完毕。",
		                    appl_form_str(form, "reason") ? appl_form_str(form, "reason")
		                                                  : "");
	return appl_form_str(form, "reason");
}

/* The 登记申请表 of a legal-person application, filled from its form and
 * the union's record, for the applicant and the registrar to print. */
static int application_form_pdf(struct req *r)
{
	int64_t id;
	struct appl app;
	if (req_param_id(r, "id", &id))
		return -1;
	if (approval_get(r->db, &r->err, &r->arena, id, &app)) {
		if (r->err.code != ERR_NOT_FOUND)
			return -1;
		err_clear(&r->err);
		return req_fail(r, ERR_NOT_FOUND, NULL, "申请不存在");
	}
	int may = app.applicant_id == r->auth->account_id;
	if (!may && (may = access_has(r, app.type->perm, app.org_path)) < 0)
		return -1;
	if (!may || strncmp(app.type->code, "legal_", 6))
		return req_fail(r, ERR_NOT_FOUND, NULL, "申请不存在");
	json_error_t jerr;
	json_t *form = json_loads(app.form, 0, &jerr);
	if (!form)
		return req_fail(r, ERR_INTERNAL, NULL, "申请表数据损坏");
	struct org_record rec;
	int rc = org_record_get(r->db, &r->err, &r->arena, fint(form, "org_id"), &rec);
	if (rc) {
		json_decref(form);
		return -1;
	}
	struct org parent;
	const char *parent_name = NULL;
	if (rec.org.parent_id &&
	    org_get(r->db, &(struct err){0}, &r->arena, rec.org.parent_id, &parent) == 0)
		parent_name = parent.name;
	char applied[11];
	workdays_date(app.created_at, applied);
	struct legal_application la = {
	    .union_name = appl_form_str(form, "name") ? appl_form_str(form, "name") : rec.org.name,
	    .credit_code = rec.legal_code,
	    .address =
	        appl_form_str(form, "address") ? appl_form_str(form, "address") : rec.address,
	    .chair_name = appl_form_str(form, "representative")
	                      ? appl_form_str(form, "representative")
	                      : rec.chair_name,
	    .phone = appl_form_str(form, "phone"),
	    .employer_name = rec.nemployers ? rec.employers[0].name : NULL,
	    .employer_credit_code = rec.nemployers ? rec.employers[0].credit_code : NULL,
	    .member_count = arena_printf(&r->arena, "%lld", (long long)rec.member_count),
	    .founded = rec.founded_on,
	    .parent_name = parent_name,
	    .funding = appl_form_str(form, "funding"),
	    .matter = matter_of(app.type->code),
	    .applied = applied,
	    .approval_doc = appl_form_str(form, "approval_doc"),
	    .term_from = appl_form_str(form, "term_from"),
	    .term_to = appl_form_str(form, "term_to"),
	    .details = details_of(&r->arena, app.type->code, form),
	};
	/* the strings above point into form until the PDF is made */
	struct pdf *p = legal_pdf_application(server_config(r->srv)->pdf_font, &la, &r->err);
	json_decref(form);
	return send_pdf(r, p,
	                arena_printf(&r->arena, "法人资格%s申请表-%lld.pdf",
	                             matter_of(app.type->code), (long long)app.id));
}

/* 法人登记簿: the certificates of the unions in the caller's scope, newest
 * first; ?status= (valid, replaced, cancelled) and ?q= (union name or
 * code) narrow it. */
static int list_certificates(struct req *r)
{
	const char *status = req_query(r, "status"), *q = req_query(r, "q");
	const char *cursor = req_query(r, "cursor");
	int64_t before = 0;
	if (cursor && (before = atoll(cursor)) <= 0)
		return req_fail(r, ERR_INVALID, "cursor", "翻页参数不正确");
	if (status && *status && strcmp(status, "valid") && strcmp(status, "replaced") &&
	    strcmp(status, "cancelled"))
		return req_fail(r, ERR_INVALID, "status", "状态应为 valid、replaced 或 cancelled");
	if (q && strlen(q) > 100)
		return req_fail(r, ERR_INVALID, "q", "搜索内容过长");
	struct db_val *p = access_params(r, 6);
	int n = 0;
	const char *scope = access_scope_sql(r, "o.path", 1, p, &n);
	char *where = arena_printf(&r->arena, "%s", scope);
	if (status && *status) {
		p[n++] = DB_TEXT(status);
		where = arena_printf(&r->arena, "%s AND c.status = $%d", where, n);
	}
	if (q && *q) {
		p[n++] = DB_TEXT(arena_printf(&r->arena, "%%%s%%", q));
		where = arena_printf(&r->arena,
		                     "%s AND (c.union_name LIKE $%d OR c.legal_code LIKE $%d OR "
		                     "c.cert_no LIKE $%d)",
		                     where, n, n, n);
	}
	if (before) {
		p[n++] = DB_INT(before);
		where = arena_printf(&r->arena, "%s AND c.id < $%d", where, n);
	}
	p[n++] = DB_INT(51);
	struct db_rows *rs;
	if (db_query(r->db, &r->err,
	             arena_printf(&r->arena,
	                          "SELECT " CERT_COLUMNS " FROM " CERT_FROM
	                          " JOIN orgs o ON o.id = c.org_id WHERE c.cert_no IS NOT NULL "
	                          "AND %s ORDER BY c.id DESC LIMIT $%d",
	                          where, n),
	             n, p, &rs))
		return -1;
	const char *now = today(&r->arena);
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "items");
	jw_arr(w);
	int rc, k = 0;
	int64_t last = 0;
	while ((rc = db_step(rs, &r->err)) == 1 && k < 50) {
		struct cert c = {
		    .id = db_col_int(rs, 0),
		    .org_id = db_col_int(rs, 1),
		    .issued_at = db_col_int(rs, 3),
		    .cert_no = col_dup(rs, 5, &r->arena),
		    .legal_code = col_dup(rs, 6, &r->arena),
		    .union_name = col_dup(rs, 7, &r->arena),
		    .representative = col_dup(rs, 8, &r->arena),
		    .address = col_dup(rs, 9, &r->arena),
		    .valid_from = col_dup(rs, 10, &r->arena),
		    .valid_to = col_dup(rs, 11, &r->arena),
		    .status = col_dup(rs, 12, &r->arena),
		    .registrar_name = col_dup(rs, 13, &r->arena),
		};
		last = c.id;
		jw_obj(w);
		jw_kint(w, "org_id", c.org_id);
		jw_key(w, "certificate");
		cert_json(w, &c, now);
		jw_obj_end(w);
		k++;
	}
	int more = rc == 1;
	db_rows_close(rs);
	if (rc < 0)
		return -1;
	jw_arr_end(w);
	req_json_cursor(r, more, last);
	jw_obj_end(w);
	return 0;
}
