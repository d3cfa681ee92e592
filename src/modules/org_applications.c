/* 建会 (establish) on the approvals engine: an employer's representative,
 * or a group of its workers, applies with the employer's details; the county
 * union of the employer's division reviews; approval founds the base union
 * under it with its first chair and contacts, and makes the applicant its
 * first cadre. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/china_time.h"
#include "core/crypto.h"
#include "core/req.h"
#include "core/validate.h"
#include "modules.h"
#include "platform/access.h"
#include "platform/account.h"
#include "platform/approval.h"
#include "platform/codes.h"
#include "platform/divisions.h"
#include "platform/keys.h"
#include "platform/org.h"
#include "platform/org_record.h"

static int64_t fcount(json_t *form, const char *key)
{
	json_t *v = json_object_get(form, key);
	return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* The form as org fields (strings borrowed from the form). */
static void fields_of(json_t *form, struct org_fields *f, struct org_employer *employer)
{
	memset(f, 0, sizeof(*f));
	*employer =
	    (struct org_employer){.name = appl_form_str(form, "employer_name"),
	                          .credit_code = appl_form_str(form, "employer_credit_code"),
	                          .org_code = appl_form_str(form, "employer_org_code")};
	f->name = appl_form_str(form, "union_name");
	f->division_code = appl_form_str(form, "division_code");
	f->industry = appl_form_str(form, "industry");
	f->unit_type = appl_form_str(form, "unit_type");
	f->address = appl_form_str(form, "address");
	f->chair_name = appl_form_str(form, "chair_name");
	f->chair_phone = NULL; /* sealed in the form: see seal_phones() */
	f->contact_name = appl_form_str(form, "contact_name");
	f->contact_phone = NULL;
	f->staff_count = fcount(form, "staff_count");
	f->female_count = fcount(form, "female_count");
	f->migrant_count = fcount(form, "migrant_count");
	f->employers_given = 1;
	f->nemployers = employer->name ? 1 : 0;
	f->employers = employer;
}

static const char *const form_strings[][2] = {
    {"employer_name", "单位名称"},
    {"employer_credit_code", "统一社会信用代码"},
    {"employer_org_code", "组织机构代码"},
    {"union_name", "工会名称"},
    {"division_code", "所在区县"},
    {"industry", "行业"},
    {"unit_type", "单位类别"},
    {"address", "单位地址"},
    {"chair_name", "筹备负责人"},
    {"chair_phone", "负责人电话"},
    {"contact_name", "联系人"},
    {"contact_phone", "联系人电话"},
    {"reason", "建会说明"},
};

static const char *const form_counts[] = {"staff_count", "female_count", "migrant_count"};

/* 建会 by industry: settings "establish.route.<section>" name the union
 * (an industry union) that takes the employers of a GB/T 4754 section
 * instead of the county union. */
#define ROUTE_PREFIX "establish.route."

static int route_of(struct db *d, struct err *e, const char *industry, int64_t *org_id)
{
	char name[32];
	snprintf(name, sizeof(name), ROUTE_PREFIX "%.2s", industry);
	*org_id = 0;
	struct db_rows *rs;
	if (db_query(d, e,
	             "SELECT o.id FROM settings s JOIN orgs o ON o.id = CAST(s.value AS BIGINT) "
	             "WHERE s.name = $1 AND o.status = 'active'",
	             DB_ARGS(DB_TEXT(name)), &rs))
		return -1;
	int rc = db_step(rs, e);
	if (rc == 1)
		*org_id = db_col_int(rs, 0);
	db_rows_close(rs);
	return rc < 0 ? -1 : 0;
}

/* Phones are personal data: the form keeps them SM4-sealed (key_enc) and
 * shows them masked (key). A masked value sent back with a resubmission
 * keeps the sealed one it came from. */
static int seal_phones(struct appl_ctx *c, json_t *sent, json_t *clean)
{
	static const char *const keys_[] = {"chair_phone", "contact_phone"};
	for (int i = 0; i < 2; i++) {
		char enc_key[32], masked[32];
		snprintf(enc_key, sizeof(enc_key), "%s_enc", keys_[i]);
		const char *v = appl_form_str(clean, keys_[i]);
		if (!v)
			continue;
		if (strchr(v, '*')) {
			const char *enc = appl_form_str(sent, enc_key);
			if (!enc)
				return err_set(c->e, ERR_INVALID, NULL, keys_[i],
				               "请重新填写完整的手机号");
			json_object_set_new(clean, enc_key, json_string(enc));
			continue;
		}
		if (valid_phone(v, keys_[i], c->e))
			return -1;
		char *enc = NULL;
		if (crypto_encrypt_field(keys(), v, &enc))
			return err_set(c->e, ERR_INTERNAL, NULL, NULL, NULL);
		mask_phone(v, masked);
		json_object_set_new(clean, enc_key, json_string(enc));
		json_object_set_new(clean, keys_[i], json_string(masked));
		free(enc);
	}
	return 0;
}

static int establish_check(struct appl_ctx *c, const char **summary)
{
	json_t *clean = json_object();
	for (size_t i = 0; i < sizeof(form_strings) / sizeof(form_strings[0]); i++) {
		json_t *v = json_object_get(c->form, form_strings[i][0]);
		if (v && !json_is_null(v) && !json_is_string(v)) {
			json_decref(clean);
			return err_set(c->e, ERR_INVALID, NULL, form_strings[i][0], "%s格式不正确",
			               form_strings[i][1]);
		}
		if (appl_form_str(c->form, form_strings[i][0]))
			json_object_set_new(
			    clean, form_strings[i][0],
			    json_string(appl_form_str(c->form, form_strings[i][0])));
	}
	for (size_t i = 0; i < sizeof(form_counts) / sizeof(form_counts[0]); i++) {
		json_t *v = json_object_get(c->form, form_counts[i]);
		if (v && !json_is_null(v) && (!json_is_integer(v) || json_integer_value(v) < 0)) {
			json_decref(clean);
			return err_set(c->e, ERR_INVALID, NULL, form_counts[i],
			               "人数应为不小于 0 的整数");
		}
		if (json_is_integer(v))
			json_object_set_new(clean, form_counts[i],
			                    json_integer(json_integer_value(v)));
	}
	if (seal_phones(c, c->form, clean)) {
		json_decref(clean);
		return -1;
	}
	json_decref(c->form);
	c->form = clean;
	const char *employer = appl_form_str(clean, "employer_name");
	if (!employer)
		return err_set(c->e, ERR_INVALID, NULL, "employer_name", "请填写单位名称");
	if (!appl_form_str(clean, "union_name"))
		json_object_set_new(clean, "union_name",
		                    json_string(arena_printf(c->a, "%s工会", employer)));
	if (!appl_form_str(clean, "chair_name"))
		return err_set(c->e, ERR_INVALID, NULL, "chair_name",
		               "请填写筹备负责人（拟任工会主席）");
	if (fcount(clean, "staff_count") < 1)
		return err_set(c->e, ERR_INVALID, NULL, "staff_count", "请填写职工人数");
	struct org_fields f;
	struct org_employer m;
	fields_of(clean, &f, &m);
	if (org_fields_validate(&f, "base", c->e)) {
		/* the form's names for the record's fields */
		if (!strcmp(c->e->field, "name"))
			snprintf(c->e->field, sizeof(c->e->field), "union_name");
		else if (!strcmp(c->e->field, "employers"))
			snprintf(c->e->field, sizeof(c->e->field), "employer_name");
		return -1;
	}
	/* an employer that has a union already cannot found another */
	int64_t holder = 0;
	struct err e2 = {0};
	const char *key = m.credit_code ? m.credit_code
	                                : arena_printf(c->a, "o:%s", m.org_code ? m.org_code : "");
	if (db_query_int(c->d, &e2, "SELECT org_id FROM org_employers WHERE active_key = $1",
	                 DB_ARGS(DB_TEXT(key)), &holder) == 0) {
		struct org h;
		if (org_get(c->d, c->e, c->a, holder, &h))
			return -1;
		return err_set(c->e, ERR_CONFLICT, "employer_taken", "employer_credit_code",
		               "这个统一社会信用代码的单位已建有工会：%s", h.name);
	}
	if (e2.code != ERR_NOT_FOUND) {
		*c->e = e2;
		return -1;
	}
	/* the county union of the employer's division reviews */
	const char *div = appl_form_str(clean, "division_code");
	const struct division *dv = NULL;
	for (int i = 0; div && i < divisions_61_count; i++)
		if (!strcmp(divisions_61[i].code, div) && divisions_61[i].parent &&
		    strcmp(divisions_61[i].parent, "610000"))
			dv = &divisions_61[i];
	if (!dv)
		return err_set(c->e, ERR_INVALID, NULL, "division_code", "请选择单位所在的区县");
	char seed[16];
	int64_t county = 0, industry_union = 0;
	struct org o;
	/* an industry the province has given to an industry union goes there */
	if (appl_form_str(clean, "industry") &&
	    route_of(c->d, c->e, appl_form_str(clean, "industry"), &industry_union))
		return -1;
	if (industry_union) {
		if (org_get(c->d, c->e, c->a, industry_union, &o))
			return -1;
	} else {
		snprintf(seed, sizeof(seed), "div:%s", dv->code);
		if (org_find_seed(c->d, c->e, seed, &county) || !county ||
		    org_get(c->d, c->e, c->a, county, &o))
			return county ? -1
			              : err_set(c->e, ERR_UNPROCESSABLE, "no_county_union",
			                        "division_code", "%s还没有开通网上建会", dv->name);
	}
	json_object_set_new(clean, "target_org_id", json_integer(o.id));
	json_object_set_new(clean, "target_org_name", json_string(o.name));
	*summary = arena_printf(c->a, "%s申请建立%s", employer, appl_form_str(clean, "union_name"));
	return 0;
}

static int establish_route(struct appl_ctx *c, int step, int64_t *org_id)
{
	(void)step;
	*org_id = json_integer_value(json_object_get(c->form, "target_org_id"));
	return 0;
}

static int bind(struct appl_ctx *c, int64_t account, int64_t org, const char *role)
{
	return db_exec(
	    c->d, c->e,
	    "INSERT INTO bindings (account_id, org_id, role_id, scope, created_by, "
	    "created_at) SELECT $1, $2, id, 'subtree', $4, $5 FROM roles WHERE code = $3 "
	    "ON CONFLICT (account_id, org_id, role_id) DO NOTHING",
	    DB_ARGS(DB_INT(account), DB_INT(org), DB_TEXT(role),
	            c->actor ? DB_INT(c->actor) : DB_NULL, DB_INT((int64_t)time(NULL))),
	    NULL);
}

static int establish_approve(struct appl_ctx *c)
{
	struct org_fields f;
	struct org_employer m;
	fields_of(c->form, &f, &m);
	if (appl_form_str(c->form, "chair_phone_enc"))
		f.chair_phone = keys_decrypt(c->a, appl_form_str(c->form, "chair_phone_enc"));
	if (appl_form_str(c->form, "contact_phone_enc"))
		f.contact_phone = keys_decrypt(c->a, appl_form_str(c->form, "contact_phone_enc"));
	int64_t parent = json_integer_value(json_object_get(c->form, "target_org_id"));
	int64_t id = 0, holder = 0;
	char today[11];
	china_today(today);
	f.founded_on = today;
	if (org_record_create(c->d, c->e, parent, "base", &f, c->actor, c->request_id, &id,
	                      &holder))
		return -1;
	/* the applicant runs the new union until it elects its officers */
	if (db_exec(c->d, c->e, "UPDATE accounts SET kind = 'cadre' WHERE id = $1",
	            DB_ARGS(DB_INT(c->applicant)), NULL) ||
	    bind(c, c->applicant, id, "org_admin") || bind(c, c->applicant, id, "base_work"))
		return -1;
	c->result = arena_printf(c->a, "{\"org_id\":%lld}", (long long)id);
	c->result_text = arena_printf(
	    c->a, "%s已成立，您已成为本工会的管理员，可登录管理后台办理入会等事务。", f.name);
	return 0;
}

static const struct appl_step establish_steps[] = {{"上级工会审批", 20}};

const struct appl_type establish_application = {
    .code = "establish",
    .name = "建会申请",
    .perm = "applications.review",
    .group = "establish",
    .nsteps = 1,
    .steps = establish_steps,
    .check = establish_check,
    .route = establish_route,
    .approve = establish_approve,
};

/* ---- where 建会 goes, by industry ---- */

static int get_routes(struct req *r);
static int put_routes(struct req *r);

static const struct route routes[] = {
    {"GET", "/api/v1/establish/routes", get_routes, NULL, ROUTE_SELF},
    {"PUT", "/api/v1/establish/routes", put_routes, "orgs.write", 0},
};

const struct module establish_module = {"establish", ROUTES(routes)};

static int get_routes(struct req *r)
{
	struct db_rows *rs;
	if (db_query(r->db, &r->err,
	             "SELECT substr(s.name, $1), o.id, o.name FROM settings s "
	             "JOIN orgs o ON o.id = CAST(s.value AS BIGINT) "
	             "WHERE s.name >= $2 AND s.name < $3 ORDER BY s.name",
	             DB_ARGS(DB_INT((int64_t)strlen(ROUTE_PREFIX) + 1), DB_TEXT(ROUTE_PREFIX),
	                     DB_TEXT("establish.route/")),
	             &rs))
		return -1;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "routes");
	jw_arr(w);
	int rc;
	while ((rc = db_step(rs, &r->err)) == 1) {
		jw_obj(w);
		jw_kstr(w, "industry", db_col_text(rs, 0));
		jw_kint(w, "org_id", db_col_int(rs, 1));
		jw_kstr(w, "org_name", db_col_text(rs, 2));
		jw_obj_end(w);
	}
	db_rows_close(rs);
	jw_arr_end(w);
	jw_obj_end(w);
	return rc < 0 ? -1 : 0;
}

/* Replaces the whole list; each union must be in the caller's scope. */
static int put_routes(struct req *r)
{
	if (req_body_object(r))
		return -1;
	json_t *list = json_object_get(r->json, "routes");
	if (!json_is_array(list) || json_array_size(list) > 40)
		return req_fail(r, ERR_INVALID, "routes", "请提供行业与受理工会的对应表");
	if (db_exec(r->db, &r->err, "DELETE FROM settings WHERE name >= $1 AND name < $2",
	            DB_ARGS(DB_TEXT(ROUTE_PREFIX), DB_TEXT("establish.route/")), NULL))
		return -1;
	size_t i;
	json_t *it;
	json_array_foreach(list, i, it)
	{
		const char *industry = json_string_value(json_object_get(it, "industry"));
		int64_t id = json_integer_value(json_object_get(it, "org_id"));
		struct org o;
		if (!industry || !code_name("industry", industry))
			return req_fail(r, ERR_INVALID, "routes", "第 %zu 项的行业不正确", i + 1);
		if (id <= 0 || org_get(r->db, &r->err, &r->arena, id, &o) ||
		    !access_visible(r, o.path)) {
			err_clear(&r->err);
			return req_fail(r, ERR_INVALID, "routes",
			                "第 %zu 项的受理工会不存在或不在您的管理范围内", i + 1);
		}
		if (!strcmp(o.level, "base") || strcmp(o.status, "active"))
			return req_fail(r, ERR_INVALID, "routes", "%s不能受理建会申请", o.name);
		char name[32], value[24];
		snprintf(name, sizeof(name), ROUTE_PREFIX "%s", industry);
		snprintf(value, sizeof(value), "%lld", (long long)id);
		if (db_exec(r->db, &r->err,
		            "INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)",
		            DB_ARGS(DB_TEXT(name), DB_TEXT(value), DB_INT((int64_t)time(NULL))),
		            NULL)) {
			if (r->err.code == ERR_CONFLICT)
				return req_fail(r, ERR_INVALID, "routes", "行业 %s 重复", industry);
			return -1;
		}
	}
	req_audit(r, "establish.routes", "settings:establish.route", NULL);
	return get_routes(r);
}
