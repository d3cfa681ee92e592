#include "gen_applications.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/validate.h"
#include "platform/account.h"
#include "platform/approval.h"
#include "platform/cli.h"
#include "platform/keys.h"

/* The i-th person: born 1960-01-01 + i / 1000 days, sequence i % 1000. */
static int person(long i, char id18[19], char phone[12])
{
	time_t t = (time_t)(-315619200 + (i / 1000) * 86400); /* 1960-01-01 */
	struct tm tm;
	gmtime_r(&t, &tm);
	char id15[48];
	snprintf(id15, sizeof(id15), "610103%02d%02d%02d%03ld", tm.tm_year % 100, tm.tm_mon + 1,
	         tm.tm_mday, i % 1000);
	snprintf(phone, 12, "166%08ld", i);
	return id_card_from15(id15, id18);
}

int cli_gen_applications(struct config *c)
{
	static const char *const surnames = "王李张刘陈杨赵黄周吴";
	long org = c->org[0] ? atol(c->org) : 0;
	const struct appl_type *join = approval_type("join");
	if (org <= 0 || c->nargs > 0 || !join) {
		fprintf(stderr, "用法：gonghui gen-applications --count N --org 基层工会编号\n");
		return 2;
	}
	struct db *d;
	struct err e;
	if (cli_open(c, &d, &e)) {
		fprintf(stderr, "gonghui gen-applications: %s\n", e.message);
		return 1;
	}
	int rc = db_begin(d, &e);
	/* numbered after the people already there, so a second run adds more */
	int64_t start = 0;
	if (rc == 0)
		rc = db_query_int(d, &e, "SELECT COUNT(*) FROM accounts", 0, NULL, &start);
	for (long i = 0; rc == 0 && i < c->count; i++) {
		struct arena a;
		arena_init(&a);
		long n = (long)start + i;
		char id18[19], phone[12], name[32];
		snprintf(name, sizeof(name), "%.3s申请%ld", surnames + 3 * (n % 10), n);
		if (person(n, id18, phone)) {
			rc = err_set(&e, ERR_INTERNAL, NULL, NULL, "无法生成身份证号");
			arena_release(&a);
			break;
		}
		struct account_new an = {.real_name = name,
		                         .kind = "worker",
		                         .phone = phone,
		                         .id_card = id18,
		                         .password = "Demo@2026",
		                         .iterations = c->password_iterations,
		                         .notice_version = "2026-01"};
		int64_t account, app;
		rc = account_create(d, &e, &an, &account);
		if (rc == 0) {
			struct appl_ctx ctx = {.d = d,
			                       .e = &e,
			                       .a = &a,
			                       .actor = account,
			                       .actor_name = name,
			                       .request_id = "gen",
			                       .applicant = account,
			                       .form = json_pack("{s:I, s:s}", "org_id",
			                                         (json_int_t)org, "employer",
			                                         "演示单位")};
			rc = approval_submit(&ctx, join, &app);
			json_decref(ctx.form);
		}
		arena_release(&a);
	}
	if (rc == 0)
		rc = db_commit(d, &e);
	else
		db_rollback(d);
	db_close(d);
	keys_unload();
	if (rc) {
		fprintf(stderr, "gonghui gen-applications: %s\n", e.message);
		return 1;
	}
	printf("gen-applications: %d pending join applications at union %ld\n", c->count, org);
	return 0;
}
