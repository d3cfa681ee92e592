#include "approval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json_write.h"
#include "core/log.h"
#include "platform/attachment.h"
#include "platform/message.h"
#include "platform/org.h"
#include "platform/workdays.h"

static const struct appl_type *const *registered;

void approval_register(const struct appl_type *const *types)
{
	registered = types;
}

const struct appl_type *const *approval_types(void)
{
	static const struct appl_type *const none[] = {NULL};
	return registered ? registered : none;
}

const struct appl_type *approval_type(const char *code)
{
	for (const struct appl_type *const *t = approval_types(); *t; t++)
		if (!strcmp((*t)->code, code))
			return *t;
	return NULL;
}

static const char *const state_names[][2] = {
    {"pending", "待审批"},  {"returned", "退回修改"}, {"approved", "已通过"},
    {"rejected", "未通过"}, {"withdrawn", "已撤回"},
};

static const char *const action_names[][2] = {
    {"submit", "提交申请"},   {"approve", "审核通过"},  {"reject", "不予通过"},
    {"return", "退回修改"},   {"resubmit", "重新提交"}, {"withdraw", "撤回申请"},
    {"transfer", "转交办理"}, {"escalate", "上报上级"}, {"overdue", "超期转办"},
};

static const char *name_of(const char *const (*list)[2], size_t n, const char *code)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i][0], code))
			return list[i][1];
	return code;
}

const char *approval_state_name(const char *state)
{
	return name_of(state_names, sizeof(state_names) / sizeof(state_names[0]), state);
}

const char *approval_action_name(const char *action)
{
	return name_of(action_names, sizeof(action_names) / sizeof(action_names[0]), action);
}

static const char *form_text(struct appl_ctx *c)
{
	char *s = json_dumps(c->form, JSON_COMPACT | JSON_SORT_KEYS);
	if (!s)
		return NULL;
	const char *out = arena_strdup(c->a, s);
	free(s);
	return out;
}

/* A reviewer's comment inside a sentence: without its own final stop. */
static const char *clause(struct arena *a, const char *comment)
{
	size_t n = strlen(comment);
	while (n >= 3 && !memcmp(comment + n - 3, "。", 3))
		n -= 3;
	while (n > 0 && (comment[n - 1] == '.' || comment[n - 1] == ' '))
		n--;
	return arena_strndup(a, comment, n);
}

static const char *open_key(struct appl_ctx *c, const struct appl_type *t, int64_t applicant)
{
	if (t->open_key)
		return t->open_key(c);
	return t->group ? arena_printf(c->a, "%s:%lld", t->group, (long long)applicant) : NULL;
}

static const char *date_cn(struct arena *a, int64_t t)
{
	char d[11];
	workdays_date(t, d);
	return arena_printf(a, "%.4s年%d月%d日", d, atoi(d + 5), atoi(d + 8));
}

/* The union that reviews a step: it must exist and be active. */
static int step_org(struct appl_ctx *c, const struct appl_type *t, int step, struct org *o)
{
	int64_t id = 0;
	if (t->route(c, step, &id))
		return -1;
	if (org_get(c->d, c->e, c->a, id, o))
		return -1;
	if (strcmp(o->status, "active"))
		return err_set(c->e, ERR_UNPROCESSABLE, "org_dissolved", "org_id",
		               "%s已撤销，无法办理", o->name);
	return 0;
}

static int add_event(struct appl_ctx *c, int64_t app_id, const char *action, const char *from,
                     const char *to, int64_t step, const struct org *o, const char *comment)
{
	const char *files = NULL;
	if (c->nattachments > 0) {
		if (attachment_link(c->d, c->e, c->attachments, c->nattachments, APPL_ATTACHMENTS,
		                    app_id, c->actor))
			return -1;
		struct jw w;
		jw_init(&w, c->a);
		jw_arr(&w);
		for (int i = 0; i < c->nattachments; i++)
			jw_int(&w, c->attachments[i]);
		jw_arr_end(&w);
		files = w.buf;
	}
	return db_exec(
	    c->d, c->e,
	    "INSERT INTO application_events (application_id, at, actor_id, actor_name, "
	    "org_id, org_path, org_name, action, from_state, to_state, step, comment, "
	    "attachments) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
	    DB_ARGS(DB_INT(app_id), DB_INT(time(NULL)), c->actor ? DB_INT(c->actor) : DB_NULL,
	            DB_TEXT(c->actor ? c->actor_name : "系统"), o ? DB_INT(o->id) : DB_NULL,
	            o ? DB_TEXT(o->path) : DB_NULL, o ? DB_TEXT(o->name) : DB_NULL, DB_TEXT(action),
	            from ? DB_TEXT(from) : DB_NULL, DB_TEXT(to), DB_INT(step),
	            DB_TEXT(comment ? comment : ""), files ? DB_TEXT(files) : DB_NULL),
	    NULL);
}

static int tell_applicant(struct appl_ctx *c, int64_t applicant, int64_t app_id, const char *title,
                          const char *body)
{
	struct message m = {
	    .account_id = applicant,
	    .title = title,
	    .body = body,
	    .link = arena_printf(c->a, "/applications/%lld", (long long)app_id),
	    .application_id = app_id,
	};
	return message_send(c->d, c->e, &m);
}

int approval_submit(struct appl_ctx *c, const struct appl_type *t, int64_t *id)
{
	c->app = NULL;
	const char *summary = NULL;
	struct org o;
	if (t->check(c, &summary) || step_org(c, t, 0, &o))
		return -1;
	if (c->nattachments < t->min_attachments)
		return err_set(c->e, ERR_INVALID, NULL, "attachment_ids", "请上传%s",
		               t->attachments_hint ? t->attachments_hint : "所需材料");
	const char *key = open_key(c, t, c->applicant);
	if (key) {
		int64_t open = 0;
		struct err e2 = {0};
		if (db_query_int(c->d, &e2, "SELECT id FROM applications WHERE open_key = $1",
		                 DB_ARGS(DB_TEXT(key)), &open) == 0) {
			c->open_id = open;
			return err_set(
			    c->e, ERR_CONFLICT, "application_open", "type",
			    t->open_key
			        ? "已有一份办理中的%s（编号 %lld），请等它办结或撤回后再申请"
			        : "您已有一份办理中的%s（编号 %lld），请等待结果或撤回后再申请",
			    t->name, (long long)open);
		}
		if (e2.code != ERR_NOT_FOUND) {
			*c->e = e2;
			return -1;
		}
	}
	int64_t now = time(NULL), due;
	const char *form = form_text(c);
	if (!form)
		return err_set(c->e, ERR_INTERNAL, NULL, NULL, "内存不足");
	if (workdays_due(c->d, c->e, now, t->steps[0].days, &due) ||
	    db_query_int(
	        c->d, c->e,
	        "INSERT INTO applications (type, state, applicant_id, applicant_name, "
	        "member_id, step, org_id, org_path, due_at, form, summary, open_key, "
	        "created_at, updated_at) VALUES ($1, 'pending', $2, $3, $4, 0, $5, $6, $7, "
	        "$8, $9, $10, $11, $11) RETURNING id",
	        DB_ARGS(DB_TEXT(t->code), DB_INT(c->applicant), DB_TEXT(c->actor_name),
	                c->member_id ? DB_INT(c->member_id) : DB_NULL, DB_INT(o.id),
	                DB_TEXT(o.path), DB_INT(due), DB_TEXT(form), DB_TEXT(summary),
	                key ? DB_TEXT(key) : DB_NULL, DB_INT(now)),
	        id) ||
	    add_event(c, *id, "submit", NULL, "pending", 0, &o, NULL))
		return -1;
	return tell_applicant(c, c->applicant, *id, arena_printf(c->a, "%s已提交", t->name),
	                      arena_printf(c->a, "您的%s已提交，由%s办理（%s），办理期限至%s。",
	                                   t->name, o.name, t->steps[0].name, date_cn(c->a, due)));
}

void approval_read(struct db_rows *rs, struct arena *a, struct appl *out)
{
	memset(out, 0, sizeof(*out));
	out->id = db_col_int(rs, 0);
	out->type = approval_type(db_col_text(rs, 1));
	out->state = arena_strdup(a, db_col_text(rs, 2));
	out->applicant_id = db_col_int(rs, 3);
	out->applicant_name = arena_strdup(a, db_col_text(rs, 4));
	out->member_id = db_col_null(rs, 5) ? 0 : db_col_int(rs, 5);
	out->step = db_col_int(rs, 6);
	out->org_id = db_col_int(rs, 7);
	out->org_path = arena_strdup(a, db_col_text(rs, 8));
	out->org_name = arena_strdup(a, db_col_text(rs, 9));
	out->due_at = db_col_null(rs, 10) ? 0 : db_col_int(rs, 10);
	out->escalations = db_col_int(rs, 11);
	out->form = arena_strdup(a, db_col_text(rs, 12));
	out->summary = arena_strdup(a, db_col_text(rs, 13));
	out->result = db_col_null(rs, 14) ? NULL : arena_strdup(a, db_col_text(rs, 14));
	out->version = db_col_int(rs, 15);
	out->created_at = db_col_int(rs, 16);
	out->updated_at = db_col_int(rs, 17);
	out->closed_at = db_col_null(rs, 18) ? 0 : db_col_int(rs, 18);
}

int approval_get(struct db *d, struct err *e, struct arena *a, int64_t id, struct appl *out)
{
	struct db_rows *rs;
	if (db_query(d, e, "SELECT " APPL_COLUMNS " FROM " APPL_FROM " WHERE a.id = $1",
	             DB_ARGS(DB_INT(id)), &rs))
		return -1;
	int rc = db_step(rs, e);
	if (rc == 1)
		approval_read(rs, a, out);
	db_rows_close(rs);
	if (rc == 0)
		return err_set(e, ERR_NOT_FOUND, NULL, NULL, "申请不存在");
	if (rc == 1 && !out->type)
		return err_set(e, ERR_INTERNAL, NULL, NULL, "未知的申请类型");
	return rc == 1 ? 0 : -1;
}

int approval_allowed(const struct appl *app, int applicant, int reviewer, const char **out)
{
	int n = 0;
	if (!strcmp(app->state, "pending")) {
		if (reviewer) {
			out[n++] = "approve";
			out[n++] = "reject";
			out[n++] = "return";
			out[n++] = "transfer";
			out[n++] = "escalate";
		}
		if (applicant)
			out[n++] = "withdraw";
	} else if (!strcmp(app->state, "returned") && applicant) {
		out[n++] = "resubmit";
		out[n++] = "withdraw";
	}
	return n;
}

/* What the application becomes; the fields start as they are. */
struct next {
	const char *state;
	int64_t step;
	struct org org;
	int64_t due_at; /* 0: none */
	int64_t escalations;
	const char *form, *summary;
	int closes;
};

/* The one write of an action: only when nobody acted since version. */
static int store(struct appl_ctx *c, const struct next *n, int64_t version)
{
	const struct appl *app = c->app;
	int64_t now = time(NULL), changed = 0;
	const char *key = n->closes ? NULL : open_key(c, app->type, app->applicant_id);
	if (db_exec(c->d, c->e,
	            "UPDATE applications SET state = $2, step = $3, org_id = $4, org_path = $5, "
	            "due_at = $6, escalations = $7, form = $8, summary = $9, open_key = $10, "
	            "closed_at = $11, updated_at = $12, version = version + 1 "
	            "WHERE id = $1 AND version = $13",
	            DB_ARGS(DB_INT(app->id), DB_TEXT(n->state), DB_INT(n->step), DB_INT(n->org.id),
	                    DB_TEXT(n->org.path), n->due_at ? DB_INT(n->due_at) : DB_NULL,
	                    DB_INT(n->escalations), DB_TEXT(n->form), DB_TEXT(n->summary),
	                    key ? DB_TEXT(key) : DB_NULL, n->closes ? DB_INT(now) : DB_NULL,
	                    DB_INT(now), DB_INT(version)),
	            &changed))
		return -1;
	if (changed == 0)
		return err_set(c->e, ERR_CONFLICT, "stale_application", NULL,
		               "该申请刚被他人处理，请查看最新状态");
	return 0;
}

static int pending_action(const char *a)
{
	static const char *const list[] = {"approve",  "reject",  "return", "transfer",
	                                   "escalate", "overdue", NULL};
	for (int i = 0; list[i]; i++)
		if (!strcmp(list[i], a))
			return 1;
	return 0;
}

int approval_act(struct appl_ctx *c, const struct appl_action *act)
{
	const struct appl *app = c->app;
	const struct appl_type *t = app->type;
	const char *a = act->action ? act->action : "";
	int known = pending_action(a) || !strcmp(a, "resubmit") || !strcmp(a, "withdraw");
	if (!known)
		return err_set(c->e, ERR_INVALID, NULL, "action", "未知的操作");
	int allowed = pending_action(a) ? !strcmp(app->state, "pending")
	              : !strcmp(a, "resubmit")
	                  ? !strcmp(app->state, "returned")
	                  : !strcmp(app->state, "pending") || !strcmp(app->state, "returned");
	if (!allowed)
		return err_set(c->e, ERR_CONFLICT, "invalid_action", "action",
		               "该申请当前%s，不能%s", approval_state_name(app->state),
		               approval_action_name(a));
	if (act->version && act->version != app->version)
		return err_set(c->e, ERR_CONFLICT, "stale_application", NULL,
		               "该申请刚被他人处理，请查看最新状态");
	if ((!strcmp(a, "reject") || !strcmp(a, "return")) && (!act->comment || !*act->comment))
		return err_set(c->e, ERR_INVALID, NULL, "comment", "请填写%s的理由",
		               !strcmp(a, "reject") ? "不予通过" : "退回");

	struct next n = {
	    .state = app->state,
	    .step = app->step,
	    .due_at = app->due_at,
	    .escalations = app->escalations,
	    .form = app->form,
	    .summary = app->summary,
	};
	struct org held;
	if (org_get(c->d, c->e, c->a, app->org_id, &held))
		return -1;
	n.org = held;
	json_error_t jerr;
	c->form = json_loads(app->form, 0, &jerr);
	if (!c->form)
		return err_set(c->e, ERR_INTERNAL, NULL, NULL, "申请表数据损坏");
	c->applicant = app->applicant_id;
	c->member_id = app->member_id;
	int64_t now = time(NULL);
	const char *title = NULL, *body = NULL;
	const char *tname = t->name;
	int rc = -1, final = 0;

	if (!strcmp(a, "approve")) {
		if (app->step + 1 < t->nsteps) {
			n.step = app->step + 1;
			if (step_org(c, t, (int)n.step, &n.org) ||
			    workdays_due(c->d, c->e, now, t->steps[n.step].days, &n.due_at))
				goto out;
			title = arena_printf(c->a, "%s进入下一步", tname);
			body = arena_printf(c->a, "%s已审核通过，转由%s办理（%s），办理期限至%s。",
			                    held.name, n.org.name, t->steps[n.step].name,
			                    date_cn(c->a, n.due_at));
		} else {
			n.state = "approved";
			n.due_at = 0;
			n.closes = final = 1;
			c->place_org = act->org_id;
		}
	} else if (!strcmp(a, "reject")) {
		n.state = "rejected";
		n.due_at = 0;
		n.closes = 1;
		title = arena_printf(c->a, "%s未通过", tname);
		body = arena_printf(c->a, "%s未通过您的%s。理由：%s。", held.name, tname,
		                    clause(c->a, act->comment));
	} else if (!strcmp(a, "return")) {
		n.state = "returned";
		n.due_at = 0;
		title = arena_printf(c->a, "%s被退回修改", tname);
		body = arena_printf(c->a, "%s退回了您的%s：%s。请修改后重新提交。", held.name,
		                    tname, clause(c->a, act->comment));
	} else if (!strcmp(a, "withdraw")) {
		n.state = "withdrawn";
		n.due_at = 0;
		n.closes = 1;
		title = arena_printf(c->a, "%s已撤回", tname);
		body = arena_printf(c->a, "您已撤回%s。", tname);
	} else if (!strcmp(a, "resubmit")) {
		if (act->form) {
			json_decref(c->form);
			c->form = json_deep_copy(act->form);
		}
		const char *summary = NULL;
		if (t->check(c, &summary) || step_org(c, t, (int)app->step, &n.org) ||
		    workdays_due(c->d, c->e, now, t->steps[app->step].days, &n.due_at))
			goto out;
		n.state = "pending";
		n.summary = summary;
		if (!(n.form = form_text(c))) {
			err_set(c->e, ERR_INTERNAL, NULL, NULL, "内存不足");
			goto out;
		}
		title = arena_printf(c->a, "%s已重新提交", tname);
		body = arena_printf(c->a, "您的%s已重新提交，由%s办理，办理期限至%s。", tname,
		                    n.org.name, date_cn(c->a, n.due_at));
	} else { /* transfer, escalate, overdue: the step goes to another union */
		int64_t to = !strcmp(a, "transfer") ? act->org_id : held.parent_id;
		if (!strcmp(a, "transfer") && to <= 0) {
			err_set(c->e, ERR_INVALID, NULL, "org_id", "请选择转交的工会");
			goto out;
		}
		if (to <= 0) {
			err_set(c->e, ERR_UNPROCESSABLE, "no_upper_union", "action",
			        "%s已是最高一级工会，无法上报", held.name);
			goto out;
		}
		if (to == held.id) {
			err_set(c->e, ERR_INVALID, NULL, "org_id", "请选择另一个工会");
			goto out;
		}
		if (org_get(c->d, c->e, c->a, to, &n.org))
			goto out;
		if (strcmp(n.org.status, "active")) {
			err_set(c->e, ERR_UNPROCESSABLE, "org_dissolved", "org_id", "%s已撤销",
			        n.org.name);
			goto out;
		}
		if (workdays_due(c->d, c->e, now, t->steps[app->step].days, &n.due_at))
			goto out;
		if (strcmp(a, "transfer"))
			n.escalations++;
		title = arena_printf(c->a, "%s已转由%s办理", tname, n.org.name);
		body = arena_printf(c->a, "%s%s，您的%s已转由%s办理，办理期限至%s。", held.name,
		                    !strcmp(a, "overdue")    ? "未在期限内办理"
		                    : !strcmp(a, "escalate") ? "已上报上级工会"
		                                             : "已转交",
		                    tname, n.org.name, date_cn(c->a, n.due_at));
	}

	if (store(c, &n, app->version) ||
	    add_event(c, app->id, a, app->state, n.state, app->step, &held, act->comment))
		goto out;
	if (final) {
		if (t->approve(c))
			goto out;
		if (db_exec(c->d, c->e,
		            "UPDATE applications SET result = $2, member_id = $3 WHERE id = $1",
		            DB_ARGS(DB_INT(app->id), c->result ? DB_TEXT(c->result) : DB_NULL,
		                    c->member_id ? DB_INT(c->member_id) : DB_NULL),
		            NULL))
			goto out;
		title = arena_printf(c->a, "%s已通过", tname);
		body = arena_printf(c->a, "您的%s已由%s审批通过。%s", tname, held.name,
		                    c->result_text ? c->result_text : "");
	}
	if (tell_applicant(c, app->applicant_id, app->id, title, body))
		goto out;
	if (!strcmp(a, "overdue")) {
		struct message m = {
		    .title = "申请超期转办",
		    .body = arena_printf(
		        c->a, "%s的%s（编号 %lld）超过办理期限，已由%s转至%s办理。",
		        app->applicant_name, tname, (long long)app->id, held.name, n.org.name),
		    .link = arena_printf(c->a, "/applications/%lld", (long long)app->id),
		    .application_id = app->id,
		};
		if (message_send_org(c->d, c->e, held.id, t->perm, &m) ||
		    message_send_org(c->d, c->e, n.org.id, t->perm, &m))
			goto out;
	}
	rc = 0;
out:
	json_decref(c->form);
	c->form = NULL;
	return rc;
}

int approval_sweep(struct db *d, struct err *e, int64_t now, int *moved)
{
	*moved = 0;
	for (;;) {
		int64_t ids[100];
		int n;
		if (db_query_ints(d, e,
		                  "SELECT a.id FROM applications a JOIN orgs o ON o.id = a.org_id "
		                  "WHERE a.state = 'pending' AND a.due_at < $1 "
		                  "AND o.parent_id IS NOT NULL ORDER BY a.due_at, a.id",
		                  DB_ARGS(DB_INT(now)), ids, 100, &n))
			return -1;
		int done = 0;
		for (int i = 0; i < n; i++) {
			struct arena a;
			arena_init(&a);
			struct appl app;
			struct appl_ctx c = {
			    .d = d, .e = e, .a = &a, .actor_name = "系统", .app = &app};
			struct appl_action act = {.action = "overdue"};
			int rc = db_begin(d, e), acted = 0;
			if (rc == 0 && (rc = approval_get(d, e, &a, ids[i], &app)) == 0 &&
			    !strcmp(app.state, "pending") && app.due_at < now) {
				rc = approval_act(&c, &act);
				acted = rc == 0;
			}
			if (rc == 0 && (rc = db_commit(d, e)) == 0)
				done += acted;
			else
				db_rollback(d);
			arena_release(&a);
			/* another server got there first: not an error */
			if (rc && e->code == ERR_CONFLICT)
				rc = 0;
			if (rc)
				return -1;
		}
		*moved += done;
		if (n < 100 || done == 0)
			return 0;
	}
}

void approval_sweep_tick(struct db *d)
{
	struct err e = {0};
	int moved = 0;
	if (approval_sweep(d, &e, time(NULL), &moved))
		log_error("overdue applications: %s", e.message);
	else if (moved)
		log_info("overdue applications: %d handed to the upper union", moved);
}

const char *appl_form_str(json_t *form, const char *key)
{
	const char *s = json_string_value(json_object_get(form, key));
	return s && *s ? s : NULL;
}

int appl_form_text(struct appl_ctx *c, json_t *clean, const char *key, const char *label,
                   int required, size_t max_chars)
{
	json_t *v = json_object_get(c->form, key);
	if (v && !json_is_null(v) && !json_is_string(v))
		return err_set(c->e, ERR_INVALID, NULL, key, "%s格式不正确", label);
	const char *s = appl_form_str(c->form, key);
	if (!s)
		return required ? err_set(c->e, ERR_INVALID, NULL, key, "请填写%s", label) : 0;
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p & 0xC0) != 0x80;
	if (n > max_chars)
		return err_set(c->e, ERR_INVALID, NULL, key, "%s不能超过 %zu 个字", label,
		               max_chars);
	json_object_set_new(clean, key, json_string(s));
	return 0;
}
