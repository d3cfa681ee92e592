#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "approval.h"
#include "audit.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/migrate.h"
#include "core/validate.h"
#include "keys.h"
#include "member.h"
#include "org.h"
#include "roles.h"
#include "seed.h"
#include "session.h"

static const char *demo_password = "Demo@2026";

/* Opens the database, checks that its schema is current, loads the keys. */
int cli_open(struct config *c, struct db **d, struct err *e)
{
	int have = 0;
	if (db_open(c->db, d, e))
		return -1;
	if (migrate_db_version(*d, e, &have))
		goto fail;
	if (have != migrate_latest()) {
		err_set(e, ERR_UNAVAILABLE, NULL, NULL,
		        "数据库结构版本为 %d，需要 %d：请先执行 gonghui migrate", have,
		        migrate_latest());
		goto fail;
	}
	if (keys_load(c->secret_key_file, 1, e))
		goto fail;
	return 0;
fail:
	db_close(*d);
	*d = NULL;
	return -1;
}

static void cli_audit_row(struct audit_row *row, const char *action, const char *target)
{
	memset(row, 0, sizeof(*row));
	row->action = action;
	row->target = target;
	row->fields = "";
	row->ip = "cli";
	row->request_id = "";
	row->success = 1;
}

static int bind_at(struct db *d, struct err *e, int64_t account, int64_t org, const char *role,
                   const char *scope)
{
	return db_exec(d, e,
	               "INSERT INTO bindings (account_id, org_id, role_id, scope, created_at) "
	               "SELECT $1, $2, id, $4, $5 FROM roles WHERE code = $3 "
	               "ON CONFLICT (account_id, org_id, role_id) DO NOTHING",
	               DB_ARGS(DB_INT(account), DB_INT(org), DB_TEXT(role), DB_TEXT(scope),
	                       DB_INT((int64_t)time(NULL))),
	               NULL);
}

static const struct demo_account {
	const char *username, *real_name, *kind, *phone, *org_key, *roles[3];
} demo_accounts[] = {
    {"demo-province",
     "陕省干部",
     "cadre",
     "13800000001",
     "div:610000",
     {"base_work", "org_admin", NULL}},
    {"demo-xian",
     "西安干部",
     "cadre",
     "13800000002",
     "div:610100",
     {"base_work", "org_admin", NULL}},
    {"demo-base", "基层干部", "cadre", "13800000003", "demo:1", {"base_work", "org_admin", NULL}},
    {"demo-member", "演示会员", "worker", "13800000004", NULL, {NULL}},
    {"demo-sysadmin", "系统管理员", "cadre", "13800000005", "div:610000", {"sysadmin", NULL}},
    {"demo-secadmin", "安全管理员", "cadre", "13800000006", "div:610000", {"secadmin", NULL}},
    {"demo-auditor", "审计管理员", "cadre", "13800000007", "div:610000", {"auditor", NULL}},
};

/* The demo worker is a member of the demo base union, with a few colleagues,
 * so the member screens and the card have something to show. */
static int demo_member_record(struct db *d, struct err *e, const struct demo_account *da,
                              const char *id18)
{
	int64_t org = 0, id, holder;
	if (org_find_seed(d, e, "demo:1", &org) || !org)
		return org ? -1 : 0;
	struct arena a;
	arena_init(&a);
	struct org o;
	int rc = org_get(d, e, &a, org, &o);
	static const char *names[] = {"王建国", "李秀英", "张伟", "单雄信", "曾晓燕",
	                              "解红梅", "刘洋",   "陈静", "杨帆",   "赵敏"};
	for (int i = 0; rc == 0 && i < 11; i++) {
		char idc[19], base[40];
		snprintf(base, sizeof(base), "6101038%d0%d%02d1%02d", 5 + i % 4, 1 + i % 9, 10 + i,
		         i);
		if (i == 0)
			snprintf(idc, sizeof(idc), "%s", id18);
		else if (id_card_from15(base, idc))
			continue;
		struct member_input in = {.name = i ? names[i - 1] : da->real_name,
		                          .id_card = idc,
		                          .phone = i ? NULL : da->phone,
		                          .education = i % 3 ? "21" : "31",
		                          .political = i % 4 ? "13" : "01",
		                          .employment = "employed",
		                          .hukou = i % 5 ? "urban" : "rural",
		                          .migrant = i % 5 == 0,
		                          .employer = "西安长安精密仪器有限公司",
		                          .joined_on = i % 2 ? "2019-03-08" : "2023-05-01",
		                          .org_id = org};
		rc = member_create(d, e, &in, o.path, 0, "seed", &id, &holder);
	}
	arena_release(&a);
	return rc;
}

static int seed_demo_accounts(struct db *d, struct err *e, int iterations, int *created)
{
	for (size_t i = 0; i < sizeof(demo_accounts) / sizeof(demo_accounts[0]); i++) {
		const struct demo_account *da = &demo_accounts[i];
		struct arena a;
		arena_init(&a);
		struct account acct;
		int found = account_find_login(d, e, &a, da->username, &acct) == 0;
		arena_release(&a);
		if (!found && e->code != ERR_NOT_FOUND)
			return -1;
		if (found)
			continue;
		/* the member gets a valid 身份证号 of Xi'an, made from an old 15-digit one */
		char id18[19];
		id_card_from15("610102900101123", id18);
		struct account_new n = {.username = da->username,
		                        .real_name = da->real_name,
		                        .kind = da->kind,
		                        .phone = da->phone,
		                        .id_card = strcmp(da->kind, "worker") ? NULL : id18,
		                        .password = demo_password,
		                        .iterations = iterations,
		                        .is_demo = 1,
		                        .notice_version = "2026-01"};
		int64_t id, org;
		if (account_create(d, e, &n, &id))
			return -1;
		(*created)++;
		if (!strcmp(da->kind, "worker") && demo_member_record(d, e, da, id18))
			return -1;
		if (!da->org_key)
			continue;
		if (org_find_seed(d, e, da->org_key, &org))
			return -1;
		for (int k = 0; da->roles[k]; k++)
			if (bind_at(d, e, id, org, da->roles[k], "subtree"))
				return -1;
	}
	return 0;
}

/* Three workers of 西安长安精密仪器有限公司 who applied to join online, so
 * demo-base's 待办 has something to approve. */
static const struct {
	const char *username, *real_name, *phone, *id15, *political, *education, *reason;
} demo_applicants[] = {
    {"demo-applicant1", "周明", "13800000011", "610103920315211", "03", "21",
     "本人自愿加入中国工会，遵守工会章程，按期缴纳会费。"},
    {"demo-applicant2", "吴芳", "13800000012", "610104950708222", "13", "31",
     "刚入职公司，希望加入工会，参加工会活动。"},
    {"demo-applicant3", "郑强", "13800000013", "610112880921233", "01", "14",
     "申请加入工会，请予批准。"},
};

static int seed_demo_applications(struct db *d, struct err *e, int iterations, int *created)
{
	int64_t org = 0;
	if (org_find_seed(d, e, "demo:1", &org) || !org)
		return org ? -1 : 0;
	const struct appl_type *join = approval_type("join");
	for (size_t i = 0; join && i < sizeof(demo_applicants) / sizeof(demo_applicants[0]); i++) {
		struct arena a;
		arena_init(&a);
		struct account acct;
		int found = account_find_login(d, e, &a, demo_applicants[i].username, &acct) == 0;
		char id18[19];
		int64_t id = 0;
		int rc = !found && e->code != ERR_NOT_FOUND ? -1 : 0;
		if (rc == 0 && !found) {
			id_card_from15(demo_applicants[i].id15, id18);
			struct account_new n = {.username = demo_applicants[i].username,
			                        .real_name = demo_applicants[i].real_name,
			                        .kind = "worker",
			                        .phone = demo_applicants[i].phone,
			                        .id_card = id18,
			                        .password = demo_password,
			                        .iterations = iterations,
			                        .is_demo = 1,
			                        .notice_version = "2026-01"};
			rc = account_create(d, e, &n, &id);
		}
		if (rc == 0 && !found) {
			(*created)++;
			struct appl_ctx ctx = {.d = d,
			                       .e = e,
			                       .a = &a,
			                       .actor = id,
			                       .actor_name = demo_applicants[i].real_name,
			                       .request_id = "seed",
			                       .applicant = id,
			                       .form = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "org_id",
			                                         (json_int_t)org, "employer",
			                                         "西安长安精密仪器有限公司", "political",
			                                         demo_applicants[i].political, "education",
			                                         demo_applicants[i].education, "employment",
			                                         "employed", "reason",
			                                         demo_applicants[i].reason)};
			int64_t app;
			rc = approval_submit(&ctx, join, &app);
			json_decref(ctx.form);
		}
		arena_release(&a);
		if (rc)
			return -1;
	}
	return 0;
}

int cli_seed(struct config *c)
{
	struct db *d;
	struct err e;
	if (cli_open(c, &d, &e)) {
		fprintf(stderr, "gonghui seed: %s\n", e.message);
		return 1;
	}
	int orgs = 0, accounts = 0, rc = 1;
	struct audit_row row;
	cli_audit_row(&row, c->demo ? "cli.seed.demo" : "cli.seed", "");
	if (db_begin(d, &e) || roles_sync(d, &e) || seed_orgs(d, &e, c->demo, &orgs) ||
	    (c->demo && seed_demo_accounts(d, &e, c->password_iterations, &accounts)) ||
	    (c->demo && seed_demo_applications(d, &e, c->password_iterations, &accounts)) ||
	    audit_append(d, &e, &row) || db_commit(d, &e)) {
		db_rollback(d);
		fprintf(stderr, "gonghui seed: %s\n", e.message);
		goto out;
	}
	printf("seed: %d unions and %d accounts added%s\n", orgs, accounts,
	       c->demo ? " (demo accounts: password Demo@2026)" : "");
	rc = 0;
out:
	db_close(d);
	keys_unload();
	return rc;
}

/* A random initial password that meets the cadre policy. */
static void initial_password(char out[24])
{
	char rnd[20];
	crypto_token(12, rnd);
	for (char *p = rnd; *p; p++)
		if (*p == '-' || *p == '_')
			*p = '7';
	snprintf(out, 24, "Gh%.10s9!", rnd);
	crypto_wipe(rnd, sizeof(rnd));
}

static int user_add(struct config *c, struct db *d, struct err *e)
{
	if (c->nargs < 4 || c->nargs > 5) {
		fprintf(stderr, "usage: gonghui user add USERNAME REAL_NAME ROLE [PHONE]\n"
		                "  ROLE: sysadmin, secadmin, auditor, or any role code (gonghui "
		                "user roles); bound at 陕西省总工会 and everything under it\n");
		return 2;
	}
	const char *username = c->args[1], *name = c->args[2], *role = c->args[3];
	const char *phone = c->nargs == 5 ? c->args[4] : NULL;
	if (phone && valid_phone(phone, "phone", e))
		return 1;
	int64_t root = 0, id = 0, role_id = 0;
	if (org_find_seed(d, e, "div:610000", &root))
		return 1;
	if (!root) {
		fprintf(stderr, "gonghui user add: 组织树为空，请先执行 gonghui seed\n");
		return 1;
	}
	if (db_query_int(d, e, "SELECT id FROM roles WHERE code = $1", DB_ARGS(DB_TEXT(role)),
	                 &role_id)) {
		fprintf(stderr, "gonghui user add: 角色 %s 不存在\n", role);
		return 1;
	}
	char pw[24];
	initial_password(pw);
	struct account_new n = {.username = username,
	                        .real_name = name,
	                        .kind = "cadre",
	                        .phone = phone,
	                        .password = pw,
	                        .iterations = c->password_iterations,
	                        .must_change_password = 1};
	struct audit_row row;
	cli_audit_row(&row, "cli.user.add", username);
	if (db_begin(d, e) || account_create(d, e, &n, &id) ||
	    bind_at(d, e, id, root, role, "subtree") || audit_append(d, e, &row) ||
	    db_commit(d, e)) {
		db_rollback(d);
		return 1;
	}
	printf("account %s created; initial password (change it at first login): %s\n", username,
	       pw);
	crypto_wipe(pw, sizeof(pw));
	return 0;
}

static int user_change(struct config *c, struct db *d, struct err *e, const char *what)
{
	if (c->nargs != 2) {
		fprintf(stderr, "usage: gonghui user %s USERNAME\n", what);
		return 2;
	}
	struct arena a;
	arena_init(&a);
	struct account acct;
	int rc = 1;
	char pw[24] = "";
	if (account_find_login(d, e, &a, c->args[1], &acct))
		goto out;
	struct audit_row row;
	cli_audit_row(&row,
	              strcmp(what, "passwd") == 0 ? "cli.user.passwd"
	              : strcmp(what, "lock") == 0 ? "cli.user.lock"
	                                          : "cli.user.unlock",
	              c->args[1]);
	if (db_begin(d, e))
		goto out;
	int bad = 0;
	if (!strcmp(what, "passwd")) {
		initial_password(pw);
		bad = account_set_password(d, e, acct.id, pw, c->password_iterations, 1) ||
		      session_revoke_all(d, e, acct.id, 0);
	} else {
		int lock = !strcmp(what, "lock");
		bad =
		    db_exec(d, e,
		            "UPDATE accounts SET status = $1, failed_logins = 0, locked_until = 0 "
		            "WHERE id = $2",
		            DB_ARGS(DB_TEXT(lock ? "locked" : "active"), DB_INT(acct.id)), NULL) ||
		    (lock && session_revoke_all(d, e, acct.id, 0));
	}
	if (bad || audit_append(d, e, &row) || db_commit(d, e)) {
		db_rollback(d);
		goto out;
	}
	if (pw[0])
		printf("new password for %s (change it at first login): %s\n", c->args[1], pw);
	else
		printf("%s: %sed\n", c->args[1], what);
	rc = 0;
out:
	crypto_wipe(pw, sizeof(pw));
	arena_release(&a);
	return rc;
}

int cli_user(struct config *c)
{
	const char *sub = c->nargs ? c->args[0] : "";
	if (strcmp(sub, "add") && strcmp(sub, "passwd") && strcmp(sub, "lock") &&
	    strcmp(sub, "unlock")) {
		fprintf(stderr, "usage: gonghui user add|passwd|lock|unlock …\n");
		return 2;
	}
	struct db *d;
	struct err e;
	err_clear(&e);
	if (cli_open(c, &d, &e)) {
		fprintf(stderr, "gonghui user: %s\n", e.message);
		return 1;
	}
	int rc = !strcmp(sub, "add") ? user_add(c, d, &e) : user_change(c, d, &e, sub);
	if (rc == 1 && e.code != ERR_OK)
		fprintf(stderr, "gonghui user %s: %s\n", sub, e.message);
	db_close(d);
	keys_unload();
	return rc;
}

int cli_audit(struct config *c)
{
	if (c->nargs != 1 || strcmp(c->args[0], "verify")) {
		fprintf(stderr, "usage: gonghui audit verify\n");
		return 2;
	}
	struct db *d;
	struct err e;
	if (cli_open(c, &d, &e)) {
		fprintf(stderr, "gonghui audit: %s\n", e.message);
		return 1;
	}
	struct audit_report rep;
	int rc = audit_verify(d, &e, &rep);
	db_close(d);
	keys_unload();
	if (rc) {
		fprintf(stderr, "gonghui audit verify: %s\n", e.message);
		return 1;
	}
	if (rep.first_bad_id) {
		printf("audit chain BROKEN at row %lld: %s (%lld rows verified before it)\n",
		       (long long)rep.first_bad_id, rep.reason, (long long)rep.rows);
		return 1;
	}
	printf("audit chain intact: %lld rows\n", (long long)rep.rows);
	return 0;
}
