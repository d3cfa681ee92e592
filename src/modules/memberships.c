/* The membership applications on the approvals engine: 入会 (join), 转会
 * (transfer), and the 会籍 changes 保留会籍 (retain), 退会 (leave) and 恢复会籍
 * (reactivate). Each names who reviews it and what its approval does to the
 * member record; the engine does the rest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/validate.h"
#include "modules.h"
#include "platform/account.h"
#include "platform/approval.h"
#include "platform/divisions.h"
#include "platform/member.h"
#include "platform/org.h"
#include "platform/workdays.h"

static int64_t fint(json_t *form, const char *key)
{
	return json_integer_value(json_object_get(form, key));
}

static const char *today(struct arena *a)
{
	char d[11];
	workdays_date(time(NULL), d);
	return arena_strdup(a, d);
}

/* A base union (level base: 单独 or 联合基层工会) that is active. */
static int base_union(struct appl_ctx *c, int64_t id, const char *field, struct org *o)
{
	struct err e2 = {0};
	if (org_get(c->d, &e2, c->a, id, o)) {
		if (e2.code != ERR_NOT_FOUND) {
			*c->e = e2;
			return -1;
		}
		return err_set(c->e, ERR_INVALID, NULL, field, "所选工会不存在");
	}
	if (strcmp(o->level, "base") || strcmp(o->status, "active"))
		return err_set(c->e, ERR_INVALID, NULL, field, "%s不是可以办理会员关系的基层工会",
		               o->name);
	return 0;
}

/* The base union named by the form: org_id, or the employer's 统一社会信用代码.
 * *o->id is 0 when the form names neither or no union has that employer. */
static int named_union(struct appl_ctx *c, json_t *clean, struct org *o)
{
	memset(o, 0, sizeof(*o));
	int64_t id = fint(c->form, "org_id");
	const char *code = appl_form_str(c->form, "employer_credit_code");
	if (code) {
		if (valid_credit_code(code, "employer_credit_code", c->e))
			return -1;
		json_object_set_new(clean, "employer_credit_code", json_string(code));
	}
	if (id > 0) {
		json_object_set_new(clean, "org_id", json_integer(id));
		return base_union(c, id, "org_id", o);
	}
	if (!code)
		return 0;
	int64_t found = 0;
	struct err e2 = {0};
	if (db_query_int(c->d, &e2, "SELECT org_id FROM org_employers WHERE active_key = $1",
	                 DB_ARGS(DB_TEXT(code)), &found)) {
		if (e2.code != ERR_NOT_FOUND) {
			*c->e = e2;
			return -1;
		}
		return 0;
	}
	return base_union(c, found, "employer_credit_code", o);
}

static void set_target(json_t *clean, const char *prefix, const struct org *o)
{
	char key[32];
	snprintf(key, sizeof(key), "%s_org_id", prefix);
	json_object_set_new(clean, key, json_integer(o->id));
	snprintf(key, sizeof(key), "%s_org_name", prefix);
	json_object_set_new(clean, key, json_string(o->name));
}

/* Swaps the checked copy in for the form as sent. */
static void keep(struct appl_ctx *c, json_t *clean)
{
	json_decref(c->form);
	c->form = clean;
}

/* ---- 入会 ---- */

static const char *const join_codes[][2] = {
    {"political", "政治面貌"}, {"education", "学历"},      {"ethnicity", "民族"},
    {"hukou", "户籍类型"},     {"employment", "就业状态"},
};

static int join_check(struct appl_ctx *c, const char **summary)
{
	struct account acc;
	struct member m;
	if (account_get(c->d, c->e, c->a, c->applicant, &acc))
		return -1;
	if (!acc.id_card)
		return err_set(c->e, ERR_UNPROCESSABLE, "id_card_missing", "id_card",
		               "您的账号还没有登记身份证号，请先完成实名信息");
	struct err e2 = {0};
	if (member_of_account(c->d, &e2, c->a, c->applicant, &m) == 0) {
		if (!strcmp(m.status, "normal") || !strcmp(m.status, "retained"))
			return err_set(c->e, ERR_CONFLICT, "already_member", "type",
			               "您已是%s的会员，无需重复入会；更换工会请申请转会",
			               m.org_name);
		c->member_id = m.id; /* a former member: approval reactivates the record */
	} else if (e2.code != ERR_NOT_FOUND) {
		*c->e = e2;
		return -1;
	}
	json_t *clean = json_object();
	struct member_input in = {
	    .name = acc.real_name,
	    .id_card = acc.id_card,
	    .joined_on = today(c->a),
	    .org_id = 1,
	    .migrant = -1,
	    .flexible = -1,
	};
	const char **slots[] = {&in.political, &in.education, &in.ethnicity, &in.hukou,
	                        &in.employment};
	for (size_t i = 0; i < sizeof(join_codes) / sizeof(join_codes[0]); i++) {
		const char *key = join_codes[i][0];
		json_t *v = json_object_get(c->form, key);
		if (v && !json_is_null(v) && !json_is_string(v)) {
			json_decref(clean);
			return err_set(c->e, ERR_INVALID, NULL, key, "%s格式不正确",
			               join_codes[i][1]);
		}
		if ((*slots[i] = appl_form_str(c->form, key)))
			json_object_set_new(clean, key, json_string(*slots[i]));
	}
	json_object_set_new(clean, "migrant",
	                    json_boolean(json_is_true(json_object_get(c->form, "migrant"))));
	json_object_set_new(clean, "flexible",
	                    json_boolean(json_is_true(json_object_get(c->form, "flexible"))));
	struct org o;
	if (member_validate(&in, c->e) ||
	    appl_form_text(c, clean, "employer", "工作单位名称", 1, 100) ||
	    appl_form_text(c, clean, "reason", "入会申请书", 0, 500) || named_union(c, clean, &o)) {
		json_decref(clean);
		return -1;
	}
	if (!o.id) {
		/* no union at the employer: the union of the county where they work */
		const char *div = appl_form_str(c->form, "division_code");
		const struct division *dv = NULL;
		for (int i = 0; div && i < divisions_61_count; i++)
			if (!strcmp(divisions_61[i].code, div) && divisions_61[i].parent &&
			    strcmp(divisions_61[i].parent, "610000"))
				dv = &divisions_61[i];
		if (!dv) {
			json_decref(clean);
			return err_set(c->e, ERR_INVALID, NULL, "division_code",
			               div ? "请选择陕西省内的区县"
			                   : "没有找到您单位的工会，请选择您工作所在的区县");
		}
		char key[16];
		int64_t county = 0;
		snprintf(key, sizeof(key), "div:%s", dv->code);
		if (org_find_seed(c->d, c->e, key, &county) ||
		    (county && org_get(c->d, c->e, c->a, county, &o))) {
			json_decref(clean);
			return -1;
		}
		if (!county) {
			json_decref(clean);
			return err_set(c->e, ERR_UNPROCESSABLE, "no_county_union", "division_code",
			               "%s还没有开通网上入会", dv->name);
		}
		json_object_set_new(clean, "division_code", json_string(dv->code));
	}
	set_target(clean, "target", &o);
	keep(c, clean);
	*summary = arena_printf(c->a, "%s申请加入%s", acc.real_name, o.name);
	return 0;
}

static int route_target(struct appl_ctx *c, int step, int64_t *org_id)
{
	(void)step;
	*org_id = fint(c->form, "target_org_id");
	return 0;
}

/* The member's fields as the form gives them. */
static void join_input(struct appl_ctx *c, const struct account *acc, struct member_input *in)
{
	*in = (struct member_input){
	    .name = acc->real_name,
	    .id_card = acc->id_card,
	    .phone = acc->phone,
	    .political = appl_form_str(c->form, "political"),
	    .education = appl_form_str(c->form, "education"),
	    .ethnicity = appl_form_str(c->form, "ethnicity"),
	    .hukou = appl_form_str(c->form, "hukou"),
	    .employment = appl_form_str(c->form, "employment"),
	    .migrant = json_is_true(json_object_get(c->form, "migrant")),
	    .flexible = json_is_true(json_object_get(c->form, "flexible")),
	    .employer = appl_form_str(c->form, "employer"),
	    .joined_on = today(c->a),
	    .status = "normal",
	};
}

static int join_approve(struct appl_ctx *c)
{
	struct org target, place;
	if (org_get(c->d, c->e, c->a, fint(c->form, "target_org_id"), &target))
		return -1;
	int64_t place_id = c->place_org > 0                ? c->place_org
	                   : !strcmp(target.level, "base") ? target.id
	                                                   : 0;
	if (!place_id)
		return err_set(
		    c->e, ERR_INVALID, NULL, "org_id",
		    "申请人单位没有工会，请选择接收该会员的基层工会（如区域性联合工会）");
	if (base_union(c, place_id, "org_id", &place))
		return -1;
	/* the holding union places members only within its own part of the tree */
	char hi[ORG_PATH_MAX];
	access_subtree_hi(c->app->org_path, hi, sizeof(hi));
	if (place.id != target.id &&
	    (strcmp(place.path, c->app->org_path) < 0 || strcmp(place.path, hi) >= 0))
		return err_set(c->e, ERR_INVALID, NULL, "org_id", "%s不在%s的下级工会中",
		               place.name, c->app->org_name);
	struct account acc;
	struct member_input in;
	if (account_get(c->d, c->e, c->a, c->applicant, &acc))
		return -1;
	join_input(c, &acc, &in);
	in.org_id = place.id;
	if (member_validate(&in, c->e))
		return -1;
	struct member m;
	struct err e2 = {0};
	if (member_of_account(c->d, &e2, c->a, c->applicant, &m) == 0) {
		if (!strcmp(m.status, "normal") || !strcmp(m.status, "retained"))
			return err_set(c->e, ERR_CONFLICT, "already_member", NULL,
			               "申请人已是%s的会员", m.org_name);
		const char *changes;
		if (member_update(c->d, c->e, c->a, &m, &in, place.path, m.version, c->actor,
		                  c->request_id, &changes))
			return -1;
	} else if (e2.code != ERR_NOT_FOUND) {
		*c->e = e2;
		return -1;
	} else {
		int64_t id, holder;
		if (member_create(c->d, c->e, &in, place.path, c->actor, c->request_id, &id,
		                  &holder))
			return -1;
		m.id = id;
	}
	if (member_get(c->d, c->e, c->a, m.id, &m))
		return -1;
	c->member_id = m.id;
	c->result = arena_printf(c->a, "{\"member_id\":%lld,\"card_no\":\"%s\",\"org_id\":%lld}",
	                         (long long)m.id, m.card_no, (long long)place.id);
	c->result_text =
	    arena_printf(c->a, "您已成为%s会员，会员证号 %s，可在“我的”中查看电子会员证。",
	                 place.name, m.card_no);
	return 0;
}

/* ---- 转会 and 会籍 changes: the applicant must be a member ---- */

static int the_member(struct appl_ctx *c, struct member *m)
{
	struct err e2 = {0};
	if (member_of_account(c->d, &e2, c->a, c->applicant, m) == 0) {
		c->member_id = m->id;
		return 0;
	}
	if (e2.code != ERR_NOT_FOUND) {
		*c->e = e2;
		return -1;
	}
	return err_set(c->e, ERR_UNPROCESSABLE, "not_member", "type",
	               "没有找到您的会员信息，请先申请入会");
}

static int transfer_check(struct appl_ctx *c, const char **summary)
{
	struct member m;
	if (the_member(c, &m))
		return -1;
	if (strcmp(m.status, "normal"))
		return err_set(c->e, ERR_UNPROCESSABLE, "status_not_normal", "type",
		               "会籍状态正常的会员才能转会");
	json_t *clean = json_object();
	struct org to, from;
	if (named_union(c, clean, &to) ||
	    appl_form_text(c, clean, "employer", "新工作单位名称", 1, 100) ||
	    appl_form_text(c, clean, "reason", "转会原因", 0, 500) ||
	    org_get(c->d, c->e, c->a, m.org_id, &from)) {
		json_decref(clean);
		return -1;
	}
	if (!to.id) {
		json_decref(clean);
		return err_set(c->e, ERR_INVALID, NULL,
		               appl_form_str(c->form, "employer_credit_code")
		                   ? "employer_credit_code"
		                   : "org_id",
		               appl_form_str(c->form, "employer_credit_code")
		                   ? "新单位还没有建立工会，暂不能转入；可由单位申请建会"
		                   : "请选择要转入的工会");
	}
	if (to.id == m.org_id) {
		json_decref(clean);
		return err_set(c->e, ERR_INVALID, NULL, "org_id", "您已是%s的会员", to.name);
	}
	set_target(clean, "from", &from);
	set_target(clean, "target", &to);
	keep(c, clean);
	*summary = arena_printf(c->a, "%s申请从%s转入%s", m.name, from.name, to.name);
	return 0;
}

static int transfer_route(struct appl_ctx *c, int step, int64_t *org_id)
{
	*org_id = fint(c->form, step == 0 ? "from_org_id" : "target_org_id");
	return 0;
}

static int transfer_approve(struct appl_ctx *c)
{
	struct member m;
	struct org to;
	if (member_get(c->d, c->e, c->a, c->member_id, &m) ||
	    base_union(c, fint(c->form, "target_org_id"), "org_id", &to))
		return -1;
	struct member_input in = {.org_id = to.id,
	                          .employer = appl_form_str(c->form, "employer"),
	                          .migrant = -1,
	                          .flexible = -1};
	const char *changes;
	if (member_update(c->d, c->e, c->a, &m, &in, to.path, m.version, c->actor, c->request_id,
	                  &changes))
		return -1;
	c->result = arena_printf(c->a, "{\"member_id\":%lld,\"org_id\":%lld}", (long long)m.id,
	                         (long long)to.id);
	c->result_text = arena_printf(c->a, "您的会员关系已转入%s。", to.name);
	return 0;
}

/* retain, leave, reactivate: which statuses may ask, and what approval sets */
struct status_change {
	const char *code, *from1, *from2, *to, *to_name;
};

static const struct status_change changes[] = {
    {"retain", "normal", NULL, "retained", "保留会籍"},
    {"leave", "normal", "retained", "left", "已退会"},
    {"reactivate", "retained", "left", "normal", "正常"},
};

static const struct status_change *change_of(const struct appl_ctx *c, const char *code)
{
	(void)c;
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++)
		if (!strcmp(changes[i].code, code))
			return &changes[i];
	return NULL;
}

static int status_check(struct appl_ctx *c, const char *code, const char **summary)
{
	const struct status_change *sc = change_of(c, code);
	struct member m;
	if (the_member(c, &m))
		return -1;
	if (strcmp(m.status, sc->from1) && (!sc->from2 || strcmp(m.status, sc->from2)))
		return err_set(c->e, ERR_UNPROCESSABLE, "status_not_allowed", "type",
		               "您当前的会籍状态不能办理此项");
	json_t *clean = json_object();
	const char *why = NULL;
	if (!strcmp(code, "retain")) {
		const char *r = appl_form_str(c->form, "reason");
		why = !r                       ? NULL
		      : !strcmp(r, "retired")  ? "退休"
		      : !strcmp(r, "laid_off") ? "下岗或失业"
		      : !strcmp(r, "other")    ? "其他原因"
		                               : NULL;
		if (!why) {
			json_decref(clean);
			return err_set(c->e, ERR_INVALID, NULL, "reason", "请选择保留会籍的原因");
		}
		json_object_set_new(clean, "reason", json_string(r));
	}
	struct org o;
	if (appl_form_text(c, clean, "comment", "说明", 0, 200) ||
	    org_get(c->d, c->e, c->a, m.org_id, &o)) {
		json_decref(clean);
		return -1;
	}
	set_target(clean, "target", &o);
	keep(c, clean);
	*summary = why ? arena_printf(c->a, "%s申请保留会籍（%s）", m.name, why)
	               : arena_printf(c->a, "%s申请%s", m.name,
	                              !strcmp(code, "leave") ? "退会" : "恢复会籍");
	return 0;
}

static int status_approve(struct appl_ctx *c, const char *code)
{
	const struct status_change *sc = change_of(c, code);
	struct member m;
	if (member_get(c->d, c->e, c->a, c->member_id, &m))
		return -1;
	struct member_input in = {.status = sc->to, .migrant = -1, .flexible = -1};
	const char *changes;
	if (member_update(c->d, c->e, c->a, &m, &in, NULL, m.version, c->actor, c->request_id,
	                  &changes))
		return -1;
	c->result =
	    arena_printf(c->a, "{\"member_id\":%lld,\"status\":\"%s\"}", (long long)m.id, sc->to);
	c->result_text = arena_printf(c->a, "您的会籍状态已变更为“%s”。", sc->to_name);
	return 0;
}

static int retain_check(struct appl_ctx *c, const char **s)
{
	return status_check(c, "retain", s);
}
static int leave_check(struct appl_ctx *c, const char **s)
{
	return status_check(c, "leave", s);
}
static int reactivate_check(struct appl_ctx *c, const char **s)
{
	return status_check(c, "reactivate", s);
}
static int retain_approve(struct appl_ctx *c)
{
	return status_approve(c, "retain");
}
static int leave_approve(struct appl_ctx *c)
{
	return status_approve(c, "leave");
}
static int reactivate_approve(struct appl_ctx *c)
{
	return status_approve(c, "reactivate");
}

/* Shanghai answers every 入会 application within 15 working days. */
static const struct appl_step join_steps[] = {{"基层工会审批", 15}};
static const struct appl_step transfer_steps[] = {{"转出工会审核", 10}, {"转入工会审核", 10}};
static const struct appl_step base_steps[] = {{"基层工会审批", 10}};

#define STEPS(s) .nsteps = (int)(sizeof(s) / sizeof((s)[0])), .steps = (s)

const struct appl_type join_application = {.code = "join",
                                           .name = "入会申请",
                                           .perm = "applications.review",
                                           .group = "membership",
                                           STEPS(join_steps),
                                           .check = join_check,
                                           .route = route_target,
                                           .approve = join_approve};
const struct appl_type transfer_application = {.code = "transfer",
                                               .name = "转会申请",
                                               .perm = "applications.review",
                                               .group = "membership",
                                               STEPS(transfer_steps),
                                               .check = transfer_check,
                                               .route = transfer_route,
                                               .approve = transfer_approve};
const struct appl_type retain_application = {.code = "retain",
                                             .name = "保留会籍申请",
                                             .perm = "applications.review",
                                             .group = "membership",
                                             STEPS(base_steps),
                                             .check = retain_check,
                                             .route = route_target,
                                             .approve = retain_approve};
const struct appl_type leave_application = {.code = "leave",
                                            .name = "退会申请",
                                            .perm = "applications.review",
                                            .group = "membership",
                                            STEPS(base_steps),
                                            .check = leave_check,
                                            .route = route_target,
                                            .approve = leave_approve};
const struct appl_type reactivate_application = {.code = "reactivate",
                                                 .name = "恢复会籍申请",
                                                 .perm = "applications.review",
                                                 .group = "membership",
                                                 STEPS(base_steps),
                                                 .check = reactivate_check,
                                                 .route = route_target,
                                                 .approve = reactivate_approve};
