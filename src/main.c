/* gonghui: one binary, subcommands like git. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/db.h"
#include "core/jobs.h"
#include "core/log.h"
#include "core/migrate.h"
#include "core/periodic.h"
#include "core/router.h"
#include "core/server.h"
#include "core/version.h"
#include "modules/modules.h"
#include "platform/approval.h"
#include "platform/cli.h"
#include "platform/gen_applications.h"
#include "platform/gen_members.h"
#include "platform/hooks.h"
#include "platform/import_cli.h"
#include "platform/import_tasks.h"
#include "platform/keys.h"
#include "platform/roles.h"

static enum log_level level_of(const char *name)
{
	if (!strcmp(name, "debug"))
		return LOG_DEBUG;
	if (!strcmp(name, "warn"))
		return LOG_WARN;
	if (!strcmp(name, "error"))
		return LOG_ERROR;
	return LOG_INFO;
}

static int open_db(const struct config *c, struct db **d)
{
	struct err e;
	if (db_open(c->db, d, &e)) {
		fprintf(stderr, "gonghui: 无法打开数据库：%s\n", e.message);
		return -1;
	}
	return 0;
}

/* What every server does now and then; each part is safe beside other
 * servers doing the same. */
static void sweep(struct db *d, void *arg)
{
	const struct config *c = arg;
	approval_sweep_tick(d);
	import_tasks_sweep(d, c->import_keep_days);
}

static int cmd_serve(struct config *c)
{
	struct err e;
	if (keys_load(c->secret_key_file, 1, &e)) {
		fprintf(stderr, "gonghui: %s\n", e.message);
		return 1;
	}
	struct db *d;
	if (open_db(c, &d))
		return 1;
	int have = 0, failed = 0;
	int rc = migrate_db_version(d, &e, &have);
	/* before the first request: a job this host's previous server was
	 * running shows as failed at once, not at the first sweep */
	if (rc == 0 && have == migrate_latest()) {
		if (import_tasks_reap(d, &e, (int64_t)time(NULL), &failed))
			log_error("imports: cannot check for abandoned jobs: %s", e.message);
		else if (failed)
			log_warn("imports: %d jobs interrupted by a restart failed", failed);
	}
	db_close(d);
	if (rc) {
		fprintf(stderr, "gonghui: 无法读取数据库结构版本：%s\n", e.message);
		return 1;
	}
	if (have > migrate_latest()) {
		fprintf(stderr,
		        "gonghui: 数据库结构版本 %d 比本程序（%d）新，请使用新版本的 gonghui\n",
		        have, migrate_latest());
		return 1;
	}
	if (have < migrate_latest())
		log_warn("database schema %d is older than %d: run `gonghui migrate`; until then "
		         "/api/v1/readyz answers 503",
		         have, migrate_latest());
	if (periodic_start(c->db, c->sweep_seconds, sweep, c, &e))
		log_error("overdue applications will not move, abandoned imports will not fail: %s",
		          e.message);
	int rc2 = server_run(c, modules, &platform_hooks);
	periodic_stop();
	/* a background job in flight gives up and rolls back before the keys go */
	jobs_stop();
	keys_unload();
	return rc2;
}

static int cmd_migrate(struct config *c)
{
	struct db *d;
	if (open_db(c, &d))
		return 1;
	struct err e;
	int applied = 0, have = 0;
	int rc = migrate_run(d, &e, &applied);
	if (rc == 0)
		rc = migrate_db_version(d, &e, &have);
	/* the built-in roles follow the code, like the schema */
	if (rc == 0 && (db_begin(d, &e) || roles_sync(d, &e) || db_commit(d, &e))) {
		db_rollback(d);
		rc = -1;
	}
	db_close(d);
	if (rc) {
		fprintf(stderr, "gonghui migrate: %s\n", e.message);
		return 1;
	}
	printf("migrate: applied %d, schema version %d\n", applied, have);
	return 0;
}

static int cmd_routes(struct config *c)
{
	(void)c;
	struct router *rt = router_new(modules);
	if (!rt)
		return 1;
	for (size_t i = 0; i < router_count(rt); i++) {
		const char *mod;
		const struct route *r = router_at(rt, i, &mod);
		printf("%-7s %-40s %-10s %s\n", r->method, r->path, mod,
		       r->flags & ROUTE_PUBLIC ? "public"
		       : r->flags & ROUTE_SELF ? "self"
		                               : r->perm);
	}
	router_free(rt);
	return 0;
}

static int cmd_config(struct config *c)
{
	config_print(c, stdout);
	return 0;
}

static int cmd_version(struct config *c)
{
	(void)c;
	printf("gonghui %s (schema %d)\n", GONGHUI_VERSION, migrate_latest());
	return 0;
}

static int cmd_help(struct config *c);

static const struct command {
	const char *name;
	int (*run)(struct config *c);
	const char *help;
} commands[] = {
    {"serve", cmd_serve, "serve the API and the web apps"},
    {"migrate", cmd_migrate, "apply pending schema migrations"},
    {"seed", cli_seed, "load the Shaanxi union tree (--demo: demo unions and accounts)"},
    {"user", cli_user, "user add|passwd|lock|unlock: accounts from the command line"},
    {"audit", cli_audit, "audit verify: check the audit log's chain"},
    {"gen-members", cli_gen_members, "write a synthetic member CSV for tests and benchmarks"},
    {"gen-applications", cli_gen_applications,
     "gen-applications --count N --org ID: workers with pending join applications, for benchmarks"},
    {"import", cli_import,
     "import members|orgs FILE --org ID [--commit]: bulk import with an error report"},
    {"routes", cmd_routes, "list every API route with its permission"},
    {"config", cmd_config, "print the effective configuration"},
    {"version", cmd_version, "print the version"},
    {"help", cmd_help, "this text"},
};

static int cmd_help(struct config *c)
{
	(void)c;
	printf("usage: gonghui COMMAND [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].help);
	printf("\n");
	config_usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "help";
	if (!strcmp(name, "--help") || !strcmp(name, "-h"))
		name = "help";
	if (!strcmp(name, "--version"))
		name = "version";
	const struct command *cmd = NULL;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "gonghui: 未知命令 \"%s\"（gonghui help 列出全部命令）\n", name);
		return 2;
	}
	struct config c;
	char msg[512];
	if (config_load(&c, argc > 1 ? argc - 2 : 0, argv + 2, msg, sizeof(msg))) {
		fprintf(stderr, "gonghui %s: %s\n", cmd->name, msg);
		config_release(&c);
		return 2;
	}
	log_set_level(level_of(c.log_level));
	db_global_init();
	approval_register(appl_types);
	int rc = cmd->run(&c);
	config_release(&c);
	return rc;
}
