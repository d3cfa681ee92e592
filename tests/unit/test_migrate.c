/* Migration runner: each test gets a fresh database, on SQLite and, when
 * scripts/with-pg.sh provides one, on PostgreSQL. */
#include "unit.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "core/db.h"
#include "core/log.h"
#include "core/migrate.h"
#include "core/migrate_internal.h"

struct backend {
	int pg;
	int seq;
	char url[512];   /* this test's fresh database */
	char admin[512]; /* PostgreSQL: the server, for CREATE/DROP DATABASE */
	char dbname[64];
	char dir[128]; /* SQLite: the temp folder */
};

#define OK(call)                                                                                   \
	do {                                                                                       \
		if ((call) != 0)                                                                   \
			fail_msg("%s: %s (%s)", #call, e.slug, e.message);                         \
	} while (0)

static struct db *open_db(struct backend *b)
{
	struct err e;
	struct db *d = NULL;
	OK(db_open(b->url, &d, &e));
	return d;
}

static int admin_script(struct backend *b, const char *fmt, const char *name)
{
	char sql[160];
	struct err e;
	struct db *d;
	snprintf(sql, sizeof(sql), fmt, name);
	if (db_open(b->admin, &d, &e))
		return -1;
	int rc = db_exec_script(d, &e, sql);
	db_close(d);
	return rc;
}

static int group_sqlite(void **state)
{
	struct backend *b = calloc(1, sizeof(*b));
	snprintf(b->dir, sizeof(b->dir), "/tmp/gh_unit_migrate.XXXXXX");
	if (!mkdtemp(b->dir))
		return -1;
	*state = b;
	return 0;
}

static int group_pg(void **state)
{
	*state = NULL;
	if (!unit_pg_url())
		return 0;
	struct backend *b = calloc(1, sizeof(*b));
	b->pg = 1;
	snprintf(b->admin, sizeof(b->admin), "%s", unit_pg_url());
	*state = b;
	return 0;
}

static int group_teardown(void **state)
{
	struct backend *b = *state;
	char cmd[200];
	if (b && b->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", b->dir);
	}
	free(b);
	return 0;
}

/* A fresh, empty database for each test. */
static int fresh_db(void **state)
{
	struct backend *b = *state;
	if (!b)
		return 0;
	b->seq++;
	if (!b->pg) {
		snprintf(b->url, sizeof(b->url), "sqlite:%s/m%d.db", b->dir, b->seq);
		return 0;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(b->dbname, sizeof(b->dbname), "gh_unit_m%d_%d_%ld", b->seq, (int)getpid(),
	         ts.tv_nsec);
	const char *host = strstr(b->admin, "://") + 3;
	const char *query = strchr(host, '?');
	snprintf(b->url, sizeof(b->url), "%.*s%.*s/%s%s", (int)(host - b->admin), b->admin,
	         (int)strcspn(host, "/?"), host, b->dbname, query ? query : "");
	return admin_script(b, "CREATE DATABASE %s", b->dbname);
}

static int drop_db(void **state)
{
	struct backend *b = *state;
	if (b && b->pg)
		admin_script(b, "DROP DATABASE IF EXISTS %s WITH (FORCE)", b->dbname);
	return 0;
}

static struct backend *backend(void **state)
{
	if (!*state)
		skip();
	return *state;
}

static int64_t query_int(struct db *d, const char *sql)
{
	struct err e;
	int64_t v = -1;
	OK(db_query_int(d, &e, sql, 0, NULL, &v));
	return v;
}

static int table_exists(struct db *d, const char *table)
{
	char sql[100];
	struct err e;
	int64_t n;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	return db_query_int(d, &e, sql, 0, NULL, &n) == 0;
}

static void test_fresh_db_gets_everything(void **state)
{
	struct db *d = open_db(backend(state));
	struct err e;
	int version = -1, applied = -1;
	assert_true(migrations_count >= 1);
	assert_int_equal(migrate_latest(), migrations[migrations_count - 1].version);
	OK(migrate_db_version(d, &e, &version));
	assert_int_equal(version, 0);
	OK(migrate_run(d, &e, &applied));
	assert_int_equal(applied, migrations_count);
	OK(migrate_db_version(d, &e, &version));
	assert_int_equal(version, migrate_latest());
	assert_int_equal(query_int(d, "SELECT count(*) FROM schema_migrations"), migrations_count);
	int64_t at = query_int(d, "SELECT min(applied_at) FROM schema_migrations");
	assert_true(llabs(at - (int64_t)time(NULL)) < 10);
	struct db_rows *r;
	OK(db_query(d, &e, "SELECT name FROM schema_migrations WHERE version = $1",
	            DB_ARGS(DB_INT(migrations[0].version)), &r));
	assert_int_equal(db_step(r, &e), 1);
	assert_string_equal(db_col_text(r, 0), migrations[0].name);
	db_rows_close(r);
	/* 0001_init.sql made the settings table */
	assert_int_equal(query_int(d, "SELECT count(*) FROM settings"), 0);
	db_close(d);
}

static void test_second_run_applies_nothing(void **state)
{
	struct db *d = open_db(backend(state));
	struct err e;
	int applied = -1, version;
	OK(migrate_run(d, &e, &applied));
	assert_int_equal(applied, migrations_count);
	OK(migrate_run(d, &e, &applied));
	assert_int_equal(applied, 0);
	OK(migrate_db_version(d, &e, &version));
	assert_int_equal(version, migrate_latest());
	assert_int_equal(query_int(d, "SELECT count(*) FROM schema_migrations"), migrations_count);
	db_close(d);
}

static void test_newer_database_refused(void **state)
{
	struct db *d = open_db(backend(state));
	struct err e;
	int applied = -1, version;
	OK(migrate_db_version(d, &e, &version));
	OK(db_exec(d, &e,
	           "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, $1, 0)",
	           DB_ARGS(DB_TEXT("9999_future.sql")), NULL));
	assert_int_equal(migrate_run(d, &e, &applied), -1);
	assert_int_equal(e.code, ERR_CONFLICT);
	assert_string_equal(e.slug, "schema_too_new");
	assert_non_null(strstr(e.message, "9999"));
	assert_int_equal(applied, 0);
	assert_false(table_exists(d, "settings"));
	assert_int_equal(query_int(d, "SELECT count(*) FROM schema_migrations"), 1);
	OK(migrate_db_version(d, &e, &version));
	assert_int_equal(version, 9999);
	db_close(d);
}

static void test_failing_migration_rolls_back(void **state)
{
	struct db *d = open_db(backend(state));
	struct err e;
	int applied = -1, version;
	const struct migration bad[] = {
	    {1, "0001_a.sql", "CREATE TABLE m_a (id {{id}}, name TEXT NOT NULL);\n"},
	    {2, "0002_b.sql",
	     "CREATE TABLE m_b (x INTEGER);\nINSERT INTO m_a (name) VALUES ('x');\n"
	     "CREATE TABLEX oops (x INTEGER);\n"},
	    {3, "0003_c.sql", "CREATE TABLE m_c (x INTEGER);\n"},
	};
	assert_int_equal(migrate_apply_list(d, &e, bad, 3, &applied), -1);
	assert_int_equal(applied, 1);
	assert_int_equal(e.code, ERR_INTERNAL);
	assert_non_null(strstr(e.message, "0002_b.sql"));
	OK(migrate_db_version(d, &e, &version));
	assert_int_equal(version, 1);
	assert_int_equal(query_int(d, "SELECT count(*) FROM m_a"), 0);
	assert_false(table_exists(d, "m_b"));
	assert_false(table_exists(d, "m_c"));

	/* the fixed file then applies from where it stopped */
	const struct migration fixed[] = {
	    bad[0],
	    {2, "0002_b.sql",
	     "CREATE TABLE m_b (x INTEGER);\nINSERT INTO m_a (name) VALUES ('x');\n"},
	    bad[2],
	};
	OK(migrate_apply_list(d, &e, fixed, 3, &applied));
	assert_int_equal(applied, 2);
	assert_int_equal(query_int(d, "SELECT count(*) FROM m_a"), 1);
	assert_int_equal(query_int(d, "SELECT max(id) FROM m_a"), 1);
	assert_true(table_exists(d, "m_c"));
	db_close(d);
}

static void test_unordered_list_refused(void **state)
{
	struct db *d = open_db(backend(state));
	struct err e;
	int applied = -1, version;
	const struct migration list[] = {
	    {2, "0002_b.sql", "CREATE TABLE o_b (x INTEGER);"},
	    {1, "0001_a.sql", "CREATE TABLE o_a (x INTEGER);"},
	};
	assert_int_equal(migrate_apply_list(d, &e, list, 2, &applied), -1);
	assert_int_equal(applied, 0);
	assert_non_null(strstr(e.message, "0001_a.sql"));
	OK(migrate_db_version(d, &e, &version));
	assert_int_equal(version, 0);
	assert_false(table_exists(d, "o_b"));
	db_close(d);
}

static const struct migration race_list[] = {
    {1, "0001_t.sql", "CREATE TABLE k_t (id {{id}}, v INTEGER NOT NULL);"},
    {2, "0002_a.sql", "INSERT INTO k_t (v) VALUES (2);"},
    {3, "0003_b.sql", "INSERT INTO k_t (v) VALUES (3);"},
    {4, "0004_c.sql", "CREATE TABLE k_u (x INTEGER);"},
    {5, "0005_d.sql", "INSERT INTO k_t (v) VALUES (5);"},
    {6, "0006_e.sql", "INSERT INTO k_u (x) VALUES (6);"},
};

struct racer {
	struct db *d;
	pthread_barrier_t *start;
	int rc, applied;
	struct err e;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	pthread_barrier_wait(r->start);
	r->rc = migrate_apply_list(r->d, &r->e, race_list, 6, &r->applied);
	return NULL;
}

static void test_two_processes_at_once(void **state)
{
	struct backend *b = backend(state);
	pthread_barrier_t start;
	pthread_t th[2];
	struct racer r[2] = {{.d = open_db(b), .start = &start},
	                     {.d = open_db(b), .start = &start}};
	pthread_barrier_init(&start, NULL, 2);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	for (int i = 0; i < 2; i++)
		if (r[i].rc)
			fail_msg("racer %d: %s (%s)", i, r[i].e.slug, r[i].e.message);
	assert_int_equal(r[0].applied + r[1].applied, 6);
	assert_int_equal(query_int(r[0].d, "SELECT count(*) FROM k_t"), 3);
	assert_int_equal(query_int(r[0].d, "SELECT sum(v) FROM k_t"), 10);
	assert_int_equal(query_int(r[0].d, "SELECT count(*) FROM k_u"), 1);
	assert_int_equal(query_int(r[0].d, "SELECT count(*) FROM schema_migrations"), 6);
	db_close(r[0].d);
	db_close(r[1].d);
}

#define MIGRATE_TESTS                                                                              \
	cmocka_unit_test_setup_teardown(test_fresh_db_gets_everything, fresh_db, drop_db),         \
	    cmocka_unit_test_setup_teardown(test_second_run_applies_nothing, fresh_db, drop_db),   \
	    cmocka_unit_test_setup_teardown(test_newer_database_refused, fresh_db, drop_db),       \
	    cmocka_unit_test_setup_teardown(test_failing_migration_rolls_back, fresh_db, drop_db), \
	    cmocka_unit_test_setup_teardown(test_unordered_list_refused, fresh_db, drop_db),       \
	    cmocka_unit_test_setup_teardown(test_two_processes_at_once, fresh_db, drop_db)

int main(void)
{
	const struct CMUnitTest tests[] = {MIGRATE_TESTS};
	int failed = 0;
	db_global_init();
	log_set_level(getenv("GONGHUI_TEST_LOG") ? LOG_DEBUG : (enum log_level)(LOG_ERROR + 1));
	failed +=
	    cmocka_run_group_tests_name("migrate: sqlite", tests, group_sqlite, group_teardown);
	if (!unit_pg_url())
		printf("skipped: postgresql not available\n");
	failed +=
	    cmocka_run_group_tests_name("migrate: postgresql", tests, group_pg, group_teardown);
	return failed;
}
