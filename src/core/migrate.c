/* Migration runner: each pending migration in its own transaction, recorded
 * in schema_migrations, safe when several processes start at once. */
#include "migrate.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "migrate_internal.h"

static const char create_sql[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                 "version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                                 " applied_at INTEGER NOT NULL)";

static int ensure_table(struct db *d, struct err *e)
{
	if (db_exec_script(d, e, create_sql) == 0)
		return 0;
	/* Two PostgreSQL sessions can both pass IF NOT EXISTS; the loser gets
	 * a unique violation in the catalog, and the table exists by then. */
	if (e->code != ERR_CONFLICT)
		return -1;
	return db_exec_script(d, e, create_sql);
}

static int read_version(struct db *d, struct err *e, int *version)
{
	int64_t v;
	if (db_query_int(d, e, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", 0, NULL,
	                 &v))
		return -1;
	*version = (int)v;
	return 0;
}

static int too_new(struct err *e, int have, int latest)
{
	log_error("migrate: the database is at version %d, this program knows up to %d", have,
	          latest);
	return err_set(e, ERR_CONFLICT, "schema_too_new", NULL,
	               "数据库结构版本（%d）高于本程序支持的版本（%d），请升级程序", have, latest);
}

/* Applies m in its own transaction. Returns 1 when applied, 0 when another
 * process applied it first, -1 on failure (rolled back, e filled). */
static int apply_one(struct db *d, struct err *e, const struct migration *m, int latest)
{
	char *sql = NULL;
	int rc = -1, have;
	if (db_begin(d, e))
		return -1;
	int in_tx = 1;
	/* SQLite's BEGIN IMMEDIATE already excludes other writers; PostgreSQL
	 * needs the lock so that the version read below stays true. */
	if (strcmp(db_driver_name(d), "postgresql") == 0 &&
	    db_exec_script(d, e, "LOCK TABLE schema_migrations IN EXCLUSIVE MODE"))
		goto out;
	if (read_version(d, e, &have))
		goto out;
	if (have > latest) {
		too_new(e, have, latest);
		goto out;
	}
	if (have >= m->version) {
		rc = 0;
		goto out;
	}
	if (!(sql = db_ddl(d, m->sql))) {
		err_set(e, ERR_INTERNAL, NULL, NULL, NULL);
		goto out;
	}
	if (db_exec_script(d, e, sql))
		goto out;
	if (db_exec(d, e,
	            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
	            DB_ARGS(DB_INT(m->version), DB_TEXT(m->name), DB_INT(time(NULL))), NULL))
		goto out;
	if (db_commit(d, e))
		goto out;
	in_tx = 0;
	rc = 1;
out:
	if (in_tx)
		db_rollback(d);
	free(sql);
	return rc;
}

int migrate_apply_list(struct db *d, struct err *e, const struct migration *list, int count,
                       int *applied)
{
	int done = 0, have, latest = count > 0 ? list[count - 1].version : 0;
	if (applied)
		*applied = 0;
	for (int i = 1; i < count; i++)
		if (list[i].version <= list[i - 1].version)
			return err_set(e, ERR_INTERNAL, "migration_order", NULL,
			               "迁移文件 %s 的编号没有递增", list[i].name);
	if (ensure_table(d, e) || read_version(d, e, &have))
		return -1;
	if (have > latest)
		return too_new(e, have, latest);
	for (int i = 0; i < count; i++) {
		if (list[i].version <= have)
			continue;
		int rc = apply_one(d, e, &list[i], latest);
		if (rc < 0) {
			if (strcmp(e->slug, "schema_too_new") == 0)
				return -1;
			log_error("migrate: %s failed; it was rolled back", list[i].name);
			return err_set(e, ERR_INTERNAL, "migration_failed", NULL,
			               "数据库迁移 %s 执行失败，已回滚", list[i].name);
		}
		if (rc)
			log_info("migrate: applied %s", list[i].name);
		done += rc;
		if (applied)
			*applied = done;
	}
	return 0;
}

int migrate_latest(void)
{
	return migrations_count > 0 ? migrations[migrations_count - 1].version : 0;
}

int migrate_db_version(struct db *d, struct err *e, int *version)
{
	*version = 0;
	/* creating the empty table makes "no table yet" and "version 0" one case */
	if (ensure_table(d, e))
		return -1;
	return read_version(d, e, version);
}

int migrate_run(struct db *d, struct err *e, int *applied)
{
	return migrate_apply_list(d, e, migrations, migrations_count, applied);
}
