/* Storage layer: every test runs on a SQLite file, on SQLite :memory: and,
 * when scripts/with-pg.sh provides one, on a fresh PostgreSQL database. */
#include "unit.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "core/db.h"
#include "core/db_driver.h"
#include "core/log.h"

struct backend {
	const char *driver; /* what db_driver_name() must say */
	char url[512];      /* each db_open of this URL reaches the same data */
	char admin[512];    /* PostgreSQL: the server's URL, for CREATE/DROP DATABASE */
	char dbname[64];
	char dir[128]; /* SQLite: the temp folder */
};

#define OK(call)                                                                                   \
	do {                                                                                       \
		if ((call) != 0)                                                                   \
			fail_msg("%s: %s (%s)", #call, e.slug, e.message);                         \
	} while (0)

/* The group state, or a cmocka skip when this group's database is absent. */
static struct backend *backend(void **state)
{
	if (!*state)
		skip();
	return *state;
}

static struct db *open_db(struct backend *b)
{
	struct err e;
	struct db *d = NULL;
	OK(db_open(b->url, &d, &e));
	return d;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int setup_sqlite_file(void **state)
{
	struct backend *b = calloc(1, sizeof(*b));
	snprintf(b->dir, sizeof(b->dir), "/tmp/gh_unit_db.XXXXXX");
	if (!mkdtemp(b->dir))
		return -1;
	b->driver = "sqlite";
	snprintf(b->url, sizeof(b->url), "sqlite:%s/var/test.db", b->dir);
	*state = b;
	return 0;
}

static int setup_sqlite_memory(void **state)
{
	struct backend *b = calloc(1, sizeof(*b));
	b->driver = "sqlite";
	snprintf(b->url, sizeof(b->url), "sqlite::memory:");
	*state = b;
	return 0;
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

static int setup_pg(void **state)
{
	*state = NULL;
	if (!unit_pg_url())
		return 0;
	struct backend *b = calloc(1, sizeof(*b));
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	b->driver = "postgresql";
	snprintf(b->admin, sizeof(b->admin), "%s", unit_pg_url());
	snprintf(b->dbname, sizeof(b->dbname), "gh_unit_%d_%ld", (int)getpid(), ts.tv_nsec);
	/* the server's URL with the database name replaced */
	const char *host = strstr(b->admin, "://") + 3, *query = strchr(host, '?');
	snprintf(b->url, sizeof(b->url), "%.*s%.*s/%s%s", (int)(host - b->admin), b->admin,
	         (int)strcspn(host, "/?"), host, b->dbname, query ? query : "");
	if (admin_script(b, "CREATE DATABASE %s", b->dbname)) {
		free(b);
		return -1;
	}
	*state = b;
	return 0;
}

static int teardown_backend(void **state)
{
	struct backend *b = *state;
	char cmd[200];
	if (!b)
		return 0;
	if (b->dbname[0])
		admin_script(b, "DROP DATABASE IF EXISTS %s WITH (FORCE)", b->dbname);
	if (b->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", b->dir);
	}
	free(b);
	return 0;
}

static void test_params(void **state)
{
	struct backend *b = backend(state);
	struct db *d = open_db(b);
	struct err e;
	struct db_rows *r;
	const char *zh = "陕西省总工会·职工之家 𠮷 \"引号\" 'quote' \\ 100%";
	int64_t n;
	OK(db_exec_script(d, &e,
	                  "CREATE TABLE p_t (id INTEGER PRIMARY KEY, a TEXT, b TEXT, n INTEGER)"));
	OK(db_exec(d, &e, "INSERT INTO p_t (id, a, b, n) VALUES ($1, $2, $2, $3)",
	           DB_ARGS(DB_INT(1), DB_TEXT(zh), DB_NULL), NULL));
	OK(db_exec(d, &e, "INSERT INTO p_t (id, a, b, n) VALUES ($1, $2, $3, $1)",
	           DB_ARGS(DB_INT(2), DB_TEXT(NULL), DB_TEXT("")), NULL));

	OK(db_query(d, &e, "SELECT a, b, n FROM p_t WHERE id = $1 AND a = $2",
	            DB_ARGS(DB_INT(1), DB_TEXT(zh)), &r));
	assert_int_equal(db_step(r, &e), 1);
	assert_int_equal(db_col_count(r), 3);
	assert_string_equal(db_col_text(r, 0), zh);
	assert_string_equal(db_col_text(r, 1), zh);
	assert_true(db_col_null(r, 2));
	assert_false(db_col_null(r, 0));
	assert_string_equal(db_col_text(r, 2), "");
	assert_int_equal(db_step(r, &e), 0);
	db_rows_close(r);

	OK(db_query(d, &e, "SELECT a, b, n FROM p_t WHERE id = $1", DB_ARGS(DB_INT(2)), &r));
	assert_int_equal(db_step(r, &e), 1);
	assert_true(db_col_null(r, 0));
	assert_false(db_col_null(r, 1));
	assert_string_equal(db_col_text(r, 1), "");
	assert_int_equal(db_col_int(r, 2), 2);
	db_rows_close(r);

	/* $1 used twice; $1 absent while $2 is used */
	OK(db_query_int(d, &e, "SELECT count(*) FROM p_t WHERE id = $1 OR n = $1",
	                DB_ARGS(DB_INT(2)), &n));
	assert_int_equal(n, 1);
	OK(db_query_int(d, &e, "SELECT id FROM p_t WHERE a = $2",
	                DB_ARGS(DB_TEXT("x"), DB_TEXT(zh)), &n));
	assert_int_equal(n, 1);
	/* $3 with two values is a bug in the caller on both databases */
	assert_int_equal(db_query_int(d, &e, "SELECT id FROM p_t WHERE id = $3",
	                              DB_ARGS(DB_INT(1), DB_INT(2)), &n),
	                 -1);
	assert_int_equal(e.code, ERR_INTERNAL);
	db_close(d);
}

static void test_int64_extremes(void **state)
{
	struct backend *b = backend(state);
	struct db *d = open_db(b);
	struct err e;
	const int64_t vals[] = {INT64_MIN, INT64_MAX, 0, -1, 4294967296LL, -4294967297LL};
	int64_t got;
	OK(db_exec_script(d, &e, "CREATE TABLE i_t (id INTEGER PRIMARY KEY, v BIGINT NOT NULL)"));
	for (int i = 0; i < (int)(sizeof(vals) / sizeof(vals[0])); i++) {
		OK(db_exec(d, &e, "INSERT INTO i_t (id, v) VALUES ($1, $2)",
		           DB_ARGS(DB_INT(i + 1), DB_INT(vals[i])), NULL));
		OK(db_query_int(d, &e, "SELECT v FROM i_t WHERE id = $1", DB_ARGS(DB_INT(i + 1)),
		                &got));
		assert_true(got == vals[i]);
		OK(db_query_int(d, &e, "SELECT id FROM i_t WHERE v = $1", DB_ARGS(DB_INT(vals[i])),
		                &got));
		assert_int_equal(got, i + 1);
	}
	struct db_rows *r;
	OK(db_query(d, &e, "SELECT v FROM i_t WHERE id = 2", 0, NULL, &r));
	assert_int_equal(db_step(r, &e), 1);
	assert_string_equal(db_col_text(r, 0), "9223372036854775807");
	db_rows_close(r);
	db_close(d);
}

static void test_query_int_not_found(void **state)
{
	struct backend *b = backend(state);
	struct db *d = open_db(b);
	struct err e;
	int64_t v = 77;
	OK(db_exec_script(d, &e, "CREATE TABLE q_t (id INTEGER PRIMARY KEY, v INTEGER)"));
	assert_int_equal(
	    db_query_int(d, &e, "SELECT v FROM q_t WHERE id = $1", DB_ARGS(DB_INT(1)), &v), -1);
	assert_int_equal(e.code, ERR_NOT_FOUND);
	assert_string_equal(e.slug, "not_found");
	assert_int_equal(v, 77);
	OK(db_exec(d, &e, "INSERT INTO q_t (id, v) VALUES (1, 5)", 0, NULL, NULL));
	OK(db_query_int(d, &e, "SELECT v FROM q_t WHERE id = $1", DB_ARGS(DB_INT(1)), &v));
	assert_int_equal(v, 5);
	db_close(d);
}

static void test_unique_conflict(void **state)
{
	struct backend *b = backend(state);
	struct db *d = open_db(b);
	struct err e;
	OK(db_exec_script(d, &e,
	                  "CREATE TABLE u_t (id INTEGER PRIMARY KEY, email TEXT UNIQUE,"
	                  " v INTEGER NOT NULL)"));
	OK(db_exec(d, &e, "INSERT INTO u_t (id, email, v) VALUES (1, 'a@x', 1)", 0, NULL, NULL));
	err_clear(&e);
	assert_int_equal(db_exec(d, &e, "INSERT INTO u_t (id, email, v) VALUES (2, $1, 1)",
	                         DB_ARGS(DB_TEXT("a@x")), NULL),
	                 -1);
	assert_int_equal(e.code, ERR_CONFLICT);
	assert_string_equal(e.slug, "conflict");
	assert_string_equal(e.message, err_default_message(ERR_CONFLICT));
	err_clear(&e);
	assert_int_equal(
	    db_exec(d, &e, "INSERT INTO u_t (id, email, v) VALUES (1, 'b@x', 1)", 0, NULL, NULL),
	    -1);
	assert_int_equal(e.code, ERR_CONFLICT);
	/* anything else is internal, and the database's words stay in the log */
	assert_int_equal(
	    db_exec(d, &e, "INSERT INTO u_t (id, email) VALUES (3, 'c@x')", 0, NULL, NULL), -1);
	assert_int_equal(e.code, ERR_INTERNAL);
	assert_int_equal(db_exec(d, &e, "INSERT INTO no_such_table VALUES (1)", 0, NULL, NULL), -1);
	assert_int_equal(e.code, ERR_INTERNAL);
	assert_string_equal(e.slug, "internal_error");
	assert_null(strstr(e.message, "no_such_table"));
	int64_t n;
	OK(db_query_int(d, &e, "SELECT count(*) FROM u_t", 0, NULL, &n));
	assert_int_equal(n, 1);
	db_close(d);
}

static int64_t count_rows(struct db *d, const char *table)
{
	char sql[100];
	struct err e;
	int64_t n = -1;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	OK(db_query_int(d, &e, sql, 0, NULL, &n));
	return n;
}

static void test_rollback_undoes(void **state)
{
	struct backend *b = backend(state);
	struct db *d = open_db(b);
	struct err e;
	int64_t affected = -1;
	OK(db_exec_script(d, &e, "CREATE TABLE r_t (id INTEGER PRIMARY KEY, v INTEGER)"));
	OK(db_begin(d, &e));
	OK(db_exec(d, &e, "INSERT INTO r_t (id, v) VALUES (1, 1), (2, 2)", 0, NULL, &affected));
	assert_int_equal(affected, 2);
	assert_int_equal(count_rows(d, "r_t"), 2);
	assert_int_equal(db_rollback(d), 0);
	assert_int_equal(count_rows(d, "r_t"), 0);
	/* nesting and a stray COMMIT are caller bugs on both databases */
	assert_int_equal(db_commit(d, &e), -1);
	OK(db_begin(d, &e));
	assert_int_equal(db_begin(d, &e), -1);
	assert_int_equal(db_rollback(d), 0);

	OK(db_begin(d, &e));
	OK(db_exec(d, &e, "INSERT INTO r_t (id, v) VALUES (1, 1), (2, 2), (3, 3)", 0, NULL, NULL));
	OK(db_commit(d, &e));
	OK(db_exec(d, &e, "UPDATE r_t SET v = v + 1 WHERE id >= $1", DB_ARGS(DB_INT(2)),
	           &affected));
	assert_int_equal(affected, 2);
	OK(db_exec(d, &e, "DELETE FROM r_t WHERE id = 99", 0, NULL, &affected));
	assert_int_equal(affected, 0);
	assert_int_equal(count_rows(d, "r_t"), 3);
	db_close(d);
}

static void test_failed_statement_in_tx(void **state)
{
	struct backend *b = backend(state);
	struct db *d = open_db(b);
	struct err e;
	OK(db_exec_script(d, &e, "CREATE TABLE f_t (id INTEGER PRIMARY KEY)"));
	OK(db_begin(d, &e));
	OK(db_exec(d, &e, "INSERT INTO f_t (id) VALUES (1)", 0, NULL, NULL));
	assert_int_equal(db_exec(d, &e, "INSERT INTO f_t (id) VALUES (1)", 0, NULL, NULL), -1);
	assert_int_equal(e.code, ERR_CONFLICT);
	assert_int_equal(db_rollback(d), 0);
	assert_int_equal(count_rows(d, "f_t"), 0);

	/* the connection is fine afterwards */
	OK(db_begin(d, &e));
	OK(db_exec(d, &e, "INSERT INTO f_t (id) VALUES (2)", 0, NULL, NULL));
	OK(db_commit(d, &e));
	assert_int_equal(count_rows(d, "f_t"), 1);

	/* A commit after a failed statement must not claim writes it lost:
	 * PostgreSQL refuses it, SQLite keeps the statements that worked. */
	OK(db_begin(d, &e));
	OK(db_exec(d, &e, "INSERT INTO f_t (id) VALUES (3)", 0, NULL, NULL));
	assert_int_equal(db_exec(d, &e, "INSERT INTO f_t (id) VALUES (2)", 0, NULL, NULL), -1);
	int rc = db_commit(d, &e);
	if (rc)
		db_rollback(d);
	assert_int_equal(count_rows(d, "f_t"), rc == 0 ? 2 : 1);
	if (strcmp(b->driver, "postgresql") == 0)
		assert_int_equal(rc, -1);
	db_close(d);
}

static void test_statement_cache(void **state)
{
	struct backend *b = backend(state);
	struct db *d = open_db(b);
	struct err e;
	int64_t v, sum = 0;
	const char *ins = "INSERT INTO c_t (id, v) VALUES ($1, $2)";
	const char *sel = "SELECT v FROM c_t WHERE id = $1";
	OK(db_exec_script(d, &e, "CREATE TABLE c_t (id INTEGER PRIMARY KEY, v INTEGER)"));
	size_t before = db_stmt_cache_size(d);
	for (int i = 1; i <= 1000; i++) {
		OK(db_exec(d, &e, ins, DB_ARGS(DB_INT(i), DB_INT(i * 3)), NULL));
		OK(db_query_int(d, &e, sel, DB_ARGS(DB_INT(i)), &v));
		assert_int_equal(v, i * 3);
		sum += v;
	}
	assert_int_equal(db_stmt_cache_size(d) - before, 2);
	OK(db_query_int(d, &e, "SELECT sum(v) FROM c_t", 0, NULL, &v));
	assert_int_equal(v, sum);

	/* the same SQL again while a row set still steps through it */
	struct db_rows *r;
	int rows = 0;
	OK(db_query(d, &e, sel, DB_ARGS(DB_INT(7)), &r));
	while (db_step(r, &e) == 1) {
		OK(db_query_int(d, &e, sel, DB_ARGS(DB_INT(8)), &v));
		assert_int_equal(v, 24);
		assert_int_equal(db_col_int(r, 0), 21);
		rows++;
	}
	db_rows_close(r);
	assert_int_equal(rows, 1);
	OK(db_query_int(d, &e, sel, DB_ARGS(DB_INT(9)), &v));
	assert_int_equal(v, 27);
	db_close(d);
}

/* db_insert_rows: every row in, ids in row order, conflicts skipped with
 * ids or failing without, on each driver's own path. */
static void test_insert_rows(void **state)
{
	struct backend *b = backend(state);
	struct db *d = open_db(b);
	struct err e;
	char *ddl = db_ddl(d, "CREATE TABLE b_t (id {{id}}, k TEXT NOT NULL UNIQUE, v INTEGER)");
	OK(db_exec_script(d, &e, ddl));
	free(ddl);
	enum { N = 1200 }; /* more than one PostgreSQL statement's worth */
	static struct db_val p[2 * N];
	static char keys[N][16];
	static int64_t ids[N];
	for (int i = 0; i < N; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		p[2 * i] = DB_TEXT(keys[i]);
		p[2 * i + 1] = i % 3 ? DB_INT(i) : DB_NULL;
	}
	OK(db_begin(d, &e));
	OK(db_insert_rows(d, &e, "INSERT INTO b_t (k, v)", 2, N, p, "k", 0, ids));
	for (int i = 0; i < N; i++) {
		int64_t v;
		OK(db_query_int(d, &e, "SELECT id FROM b_t WHERE k = $1", DB_ARGS(p[2 * i]), &v));
		assert_int_equal(ids[i], v);
	}
	OK(db_commit(d, &e));
	assert_int_equal(count_rows(d, "b_t"), N);
	/* k1 and k5 are there: skipped, 0; the new ones get ids */
	struct db_val again[] = {DB_TEXT("k1"), DB_INT(1), DB_TEXT("new1"), DB_NULL,
	                         DB_TEXT("k5"), DB_INT(5), DB_TEXT("new2"), DB_INT(7)};
	int64_t got[4];
	OK(db_insert_rows(d, &e, "INSERT INTO b_t (k, v)", 2, 4, again, "k", 0, got));
	assert_int_equal(got[0], 0);
	assert_int_equal(got[2], 0);
	assert_true(got[1] > 0 && got[3] > 0 && got[1] != got[3]);
	int64_t v;
	OK(db_query_int(d, &e, "SELECT v FROM b_t WHERE id = $1", DB_ARGS(DB_INT(got[3])), &v));
	assert_int_equal(v, 7);
	/* without ids a conflict fails the call */
	struct db_val dup[] = {DB_TEXT("new3"), DB_INT(1), DB_TEXT("k2"), DB_INT(2)};
	err_clear(&e);
	assert_int_equal(db_insert_rows(d, &e, "INSERT INTO b_t (k, v)", 2, 2, dup, NULL, 0, NULL),
	                 -1);
	assert_int_equal(e.code, ERR_CONFLICT);
	OK(db_insert_rows(d, &e, "INSERT INTO b_t (k, v)", 2, 0, dup, NULL, 0, NULL));
	db_close(d);
}

/* The bulk hint changes nothing a caller sees, and undoes itself. */
static void test_bulk_hint(void **state)
{
	struct backend *b = backend(state);
	struct db *d = open_db(b);
	struct err e;
	int sqlite = !strcmp(b->driver, "sqlite");
	int64_t cache = 0, v;
	if (sqlite)
		OK(db_query_int(d, &e, "PRAGMA cache_size", 0, NULL, &cache));
	db_bulk_end(d); /* without a begin: nothing */
	OK(db_bulk_begin(d, &e));
	OK(db_bulk_begin(d, &e));
	if (sqlite) {
		OK(db_query_int(d, &e, "PRAGMA cache_size", 0, NULL, &v));
		assert_true(v < 0 && -v >= 256 * 1024);
	}
	char *ddl = db_ddl(d, "CREATE TABLE h_t (id {{id}}, v INTEGER)");
	OK(db_exec_script(d, &e, ddl));
	free(ddl);
	OK(db_begin(d, &e));
	OK(db_exec(d, &e, "INSERT INTO h_t (v) VALUES (1), (2)", 0, NULL, NULL));
	db_rollback(d);
	db_bulk_end(d);
	assert_int_equal(count_rows(d, "h_t"), 0);
	if (sqlite) {
		OK(db_query_int(d, &e, "PRAGMA cache_size", 0, NULL, &v));
		assert_int_equal(v, cache);
	}
	/* inside a transaction too */
	OK(db_begin(d, &e));
	OK(db_bulk_begin(d, &e));
	OK(db_exec(d, &e, "INSERT INTO h_t (v) VALUES (3)", 0, NULL, NULL));
	OK(db_commit(d, &e));
	db_bulk_end(d);
	assert_int_equal(count_rows(d, "h_t"), 1);
	if (sqlite) {
		OK(db_query_int(d, &e, "PRAGMA cache_size", 0, NULL, &v));
		assert_int_equal(v, cache);
	}
	db_close(d);
}

static void test_ddl(void **state)
{
	struct backend *b = backend(state);
	struct db *d = open_db(b);
	struct err e;
	char *s = db_ddl(d, "CREATE TABLE x (id {{id}}, at INTEGER DEFAULT {{now}},"
	                    " {{unknown}})");
	const char *want =
	    strcmp(b->driver, "sqlite") == 0
	        ? "CREATE TABLE x (id INTEGER PRIMARY KEY, at INTEGER DEFAULT "
	          "(CAST(strftime('%s','now') AS INTEGER)), {{unknown}})"
	        : "CREATE TABLE x (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
	          "at INTEGER DEFAULT (CAST(EXTRACT(EPOCH FROM now()) AS "
	          "BIGINT)), {{unknown}})";
	assert_string_equal(s, want);
	free(s);
	/* and what it writes runs: ids and times are filled in */
	s = db_ddl(d,
	           "CREATE TABLE d_t (id {{id}}, name TEXT, at INTEGER NOT NULL DEFAULT {{now}});"
	           "INSERT INTO d_t (name) VALUES ('a'), ('b');");
	OK(db_exec_script(d, &e, s));
	free(s);
	int64_t v;
	OK(db_query_int(d, &e, "SELECT max(id) FROM d_t", 0, NULL, &v));
	assert_int_equal(v, 2);
	OK(db_query_int(d, &e, "SELECT min(at) FROM d_t", 0, NULL, &v));
	assert_true(llabs(v - (int64_t)time(NULL)) < 5);
	db_close(d);
}

static void test_ping_and_name(void **state)
{
	struct backend *b = backend(state);
	struct db *d = open_db(b);
	struct err e;
	OK(db_ping(d, &e));
	assert_string_equal(db_driver_name(d), b->driver);
	db_close(d);
}

struct waiter {
	struct db *d;
	int rc;
	double waited;
	int64_t seen;
};

static void *begin_waiter(void *arg)
{
	struct waiter *w = arg;
	struct err e;
	double t0 = now_seconds();
	w->rc = db_begin(w->d, &e);
	w->waited = now_seconds() - t0;
	if (w->rc == 0) {
		w->rc = db_query_int(w->d, &e, "SELECT count(*) FROM w_t", 0, NULL, &w->seen) ||
		        db_exec(w->d, &e, "INSERT INTO w_t (id) VALUES (2)", 0, NULL, NULL) ||
		        db_commit(w->d, &e);
	}
	return NULL;
}

static void test_sqlite_writer_waits(void **state)
{
	struct backend *b = backend(state);
	struct db *a = open_db(b);
	struct waiter w = {.d = open_db(b), .rc = -2};
	struct err e;
	pthread_t th;
	OK(db_exec_script(a, &e, "CREATE TABLE w_t (id INTEGER PRIMARY KEY)"));
	OK(db_begin(a, &e));
	OK(db_exec(a, &e, "INSERT INTO w_t (id) VALUES (1)", 0, NULL, NULL));
	assert_int_equal(pthread_create(&th, NULL, begin_waiter, &w), 0);
	usleep(400 * 1000);
	OK(db_commit(a, &e));
	pthread_join(th, NULL);
	assert_int_equal(w.rc, 0);
	assert_true(w.waited > 0.3);
	assert_true(w.waited < 4.0);
	assert_int_equal(w.seen, 1);
	assert_int_equal(count_rows(a, "w_t"), 2);
	db_close(a);
	db_close(w.d);
}

static void test_pg_reconnects(void **state)
{
	struct backend *b = backend(state);
	struct db *a = open_db(b), *killer = open_db(b);
	struct err e;
	int64_t pid, v, ok;
	const char *add = "SELECT 41 + $1";
	OK(db_query_int(a, &e, add, DB_ARGS(DB_INT(1)), &v));
	/* outside a transaction a dropped connection is reset and retried */
	OK(db_query_int(a, &e, "SELECT pg_backend_pid()", 0, NULL, &pid));
	OK(db_query_int(killer, &e, "SELECT pg_terminate_backend($1)", DB_ARGS(DB_INT(pid)), &ok));
	assert_int_equal(ok, 1);
	usleep(200 * 1000);
	OK(db_query_int(a, &e, add, DB_ARGS(DB_INT(1)), &v));
	assert_int_equal(v, 42);

	/* inside one it is unavailable until the caller rolls back */
	OK(db_query_int(a, &e, "SELECT pg_backend_pid()", 0, NULL, &pid));
	OK(db_begin(a, &e));
	OK(db_query_int(killer, &e, "SELECT pg_terminate_backend($1)", DB_ARGS(DB_INT(pid)), &ok));
	usleep(200 * 1000);
	assert_int_equal(db_query_int(a, &e, add, DB_ARGS(DB_INT(1)), &v), -1);
	assert_int_equal(e.code, ERR_UNAVAILABLE);
	assert_int_equal(db_query_int(a, &e, add, DB_ARGS(DB_INT(1)), &v), -1);
	assert_int_equal(e.code, ERR_UNAVAILABLE);
	assert_int_equal(db_rollback(a), 0);
	OK(db_query_int(a, &e, add, DB_ARGS(DB_INT(2)), &v));
	assert_int_equal(v, 43);
	db_close(a);
	db_close(killer);
}

static void test_bad_urls(void **state)
{
	(void)state;
	struct err e;
	struct db *d = (struct db *)&e;
	char dir[] = "/tmp/gh_unit_url.XXXXXX", path[200], url[260];
	const char *bad[] = {"", "mysql://localhost/x", "sqlite:", "sqlite",
	                     "postgresql://h/db?no_such_option=1"};
	for (int i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		err_clear(&e);
		assert_int_equal(db_open(bad[i], &d, &e), -1);
		assert_null(d);
		assert_int_equal(e.code, ERR_INVALID);
		assert_string_equal(e.slug, "invalid_db_url");
		assert_string_equal(e.field, "db");
	}
	assert_non_null(mkdtemp(dir));
	/* missing folders are made, so "sqlite:var/gonghui.db" works anywhere */
	snprintf(url, sizeof(url), "sqlite:%s/var/sub/x.db", dir);
	assert_int_equal(db_open(url, &d, &e), 0);
	db_close(d);
	snprintf(path, sizeof(path), "%s/var/sub/x.db", dir);
	assert_int_equal(unlink(path), 0);
	/* a folder that cannot be made, and a file that is no database */
	snprintf(path, sizeof(path), "%s/file", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("this is not a database file, it is text and long enough to matter.........\n"
	      "................................................................................",
	      f);
	fclose(f);
	snprintf(url, sizeof(url), "sqlite:%s/sub/x.db", path);
	assert_int_equal(db_open(url, &d, &e), -1);
	assert_int_equal(e.code, ERR_UNAVAILABLE);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	assert_int_equal(db_open(url, &d, &e), -1);
	assert_int_equal(e.code, ERR_UNAVAILABLE);
	unlink(path);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

static void test_pg_unreachable(void **state)
{
	(void)state;
	struct err e;
	struct db *d = (struct db *)&e;
	assert_int_equal(db_open("postgresql://gonghui@127.0.0.1:1/postgres", &d, &e), -1);
	assert_null(d);
	assert_int_equal(e.code, ERR_UNAVAILABLE);
	assert_string_equal(e.slug, "unavailable");
}

#define COMMON_TESTS                                                                               \
	cmocka_unit_test(test_params), cmocka_unit_test(test_int64_extremes),                      \
	    cmocka_unit_test(test_query_int_not_found), cmocka_unit_test(test_unique_conflict),    \
	    cmocka_unit_test(test_rollback_undoes), cmocka_unit_test(test_failed_statement_in_tx), \
	    cmocka_unit_test(test_statement_cache), cmocka_unit_test(test_ddl),                    \
	    cmocka_unit_test(test_ping_and_name), cmocka_unit_test(test_insert_rows),              \
	    cmocka_unit_test(test_bulk_hint)

int main(void)
{
	const struct CMUnitTest sqlite_file[] = {
	    COMMON_TESTS,
	    cmocka_unit_test(test_sqlite_writer_waits),
	};
	const struct CMUnitTest sqlite_memory[] = {COMMON_TESTS};
	const struct CMUnitTest pg[] = {COMMON_TESTS, cmocka_unit_test(test_pg_reconnects)};
	const struct CMUnitTest no_server[] = {
	    cmocka_unit_test(test_bad_urls),
	    cmocka_unit_test(test_pg_unreachable),
	};
	int failed = 0;
	db_global_init();
	/* failures are provoked on purpose; keep their log lines out of the
	 * report unless GONGHUI_TEST_LOG asks for them */
	log_set_level(getenv("GONGHUI_TEST_LOG") ? LOG_DEBUG : (enum log_level)(LOG_ERROR + 1));
	failed += cmocka_run_group_tests_name("db: urls", no_server, NULL, NULL);
	failed += cmocka_run_group_tests_name("db: sqlite file", sqlite_file, setup_sqlite_file,
	                                      teardown_backend);
	failed += cmocka_run_group_tests_name("db: sqlite :memory:", sqlite_memory,
	                                      setup_sqlite_memory, teardown_backend);
	if (!unit_pg_url())
		printf("skipped: postgresql not available\n");
	failed += cmocka_run_group_tests_name("db: postgresql", pg, setup_pg, teardown_backend);
	return failed;
}
