/* The union tree store, the subtree range and the Shaanxi seed: each test
 * runs on a SQLite file and, when scripts/with-pg.sh provides a server, on a
 * fresh PostgreSQL database, both migrated with the real schema. */
#include "unit.h"

#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/log.h"
#include "core/migrate.h"
#include "platform/divisions.h"
#include "platform/org.h"
#include "platform/seed.h"

struct backend {
	char url[512];
	char dbname[64]; /* PostgreSQL: made and dropped through unit_pg_url() */
	char dir[128];   /* SQLite: the temp folder */
};

#define OK(call)                                                                                   \
	do {                                                                                       \
		if ((call) != 0)                                                                   \
			fail_msg("%s: %s (%s)", #call, e.slug, e.message);                         \
	} while (0)

static int migrate_url(const char *url)
{
	struct err e;
	struct db *d;
	if (db_open(url, &d, &e))
		return -1;
	int rc = migrate_run(d, &e, NULL);
	if (rc)
		fprintf(stderr, "migrate: %s %s\n", e.slug, e.message);
	db_close(d);
	return rc;
}

static int setup_sqlite(void **state)
{
	struct backend *b = calloc(1, sizeof(*b));
	snprintf(b->dir, sizeof(b->dir), "/tmp/gh_unit_org.XXXXXX");
	if (!mkdtemp(b->dir))
		return -1;
	snprintf(b->url, sizeof(b->url), "sqlite:%s/org.db", b->dir);
	*state = b;
	return migrate_url(b->url);
}

static int admin_script(const char *fmt, const char *name)
{
	char sql[160];
	struct err e;
	struct db *d;
	snprintf(sql, sizeof(sql), fmt, name);
	if (db_open(unit_pg_url(), &d, &e))
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
	snprintf(b->dbname, sizeof(b->dbname), "gh_unit_org_%d_%ld", (int)getpid(), ts.tv_nsec);
	const char *admin = unit_pg_url(), *host = strstr(admin, "://") + 3;
	const char *query = strchr(host, '?');
	snprintf(b->url, sizeof(b->url), "%.*s%.*s/%s%s", (int)(host - admin), admin,
	         (int)strcspn(host, "/?"), host, b->dbname, query ? query : "");
	if (admin_script("CREATE DATABASE %s", b->dbname)) {
		free(b);
		return -1;
	}
	*state = b;
	return migrate_url(b->url);
}

static int teardown_backend(void **state)
{
	struct backend *b = *state;
	char cmd[200];
	if (!b)
		return 0;
	if (b->dbname[0])
		admin_script("DROP DATABASE IF EXISTS %s WITH (FORCE)", b->dbname);
	if (b->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", b->dir);
	}
	free(b);
	return 0;
}

/* A connection to the group's database with an empty tree. */
static struct db *open_empty(void **state)
{
	struct backend *b = *state;
	struct err e;
	struct db *d = NULL;
	if (!b)
		skip();
	OK(db_open(b->url, &d, &e));
	OK(db_exec(d, &e, "DELETE FROM orgs", 0, NULL, NULL));
	return d;
}

static int64_t mk(struct db *d, int64_t parent, const char *name, int64_t sort)
{
	struct err e;
	int64_t id = 0;
	OK(org_create(d, &e, parent, parent ? "base" : "province", parent ? "base" : "regional",
	              name, NULL, sort, NULL, &id));
	assert_true(id > 0);
	return id;
}

/* The stored path of id, in a. */
static const char *path_of(struct db *d, struct arena *a, int64_t id)
{
	struct err e;
	struct org o;
	OK(org_get(d, &e, a, id, &o));
	return o.path;
}

/* Checks the fields an org was created with; division may be NULL. */
static void expect_org(const struct org *o, int64_t parent, const char *level, const char *name,
                       const char *division)
{
	assert_int_equal(o->parent_id, parent);
	assert_string_equal(o->level, level);
	assert_string_equal(o->name, name);
	if (division)
		assert_string_equal(o->division_code, division);
	else
		assert_null(o->division_code);
}

static const char *want_path(struct arena *a, const char *parent_path, int64_t id)
{
	return arena_printf(a, "%s%lld/", parent_path, (long long)id);
}

/* Every org's path is its parent's path + its id + '/'; returns how many orgs. */
static int64_t check_paths(struct db *d)
{
	struct err e;
	struct db_rows *rs;
	char want[ORG_PATH_MAX];
	int64_t n = 0;
	OK(db_query(
	    d, &e, "SELECT o.id, o.path, p.path FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id",
	    0, NULL, &rs));
	while (db_step(rs, &e) == 1) {
		snprintf(want, sizeof(want), "%s%lld/",
		         db_col_null(rs, 2) ? "/" : db_col_text(rs, 2),
		         (long long)db_col_int(rs, 0));
		assert_string_equal(db_col_text(rs, 1), want);
		n++;
	}
	db_rows_close(rs);
	return n;
}

static void test_create_paths(void **state)
{
	struct db *d = open_empty(state);
	struct arena a;
	struct err e;
	struct org o;
	int64_t id;
	arena_init(&a);
	int64_t root = mk(d, 0, "陕西省总工会", 0), child = mk(d, root, "西安市总工会", 1);
	int64_t grand = mk(d, child, "碑林区总工会", 2);
	assert_string_equal(path_of(d, &a, root), want_path(&a, "/", root));
	assert_string_equal(path_of(d, &a, child), want_path(&a, path_of(d, &a, root), child));
	assert_string_equal(path_of(d, &a, grand), want_path(&a, path_of(d, &a, child), grand));

	OK(org_create(d, &e, child, "county", "regional", "新城区总工会", "610102", 7, "div:610102",
	              &id));
	OK(org_get(d, &e, &a, id, &o));
	assert_int_equal(o.id, id);
	expect_org(&o, child, "county", "新城区总工会", "610102");
	assert_string_equal(o.type, "regional");
	assert_string_equal(o.status, "active");
	assert_int_equal(o.sort, 7);
	assert_false(o.has_children);
	OK(org_get(d, &e, &a, root, &o));
	expect_org(&o, 0, "province", "陕西省总工会", NULL);
	assert_true(o.has_children);

	/* seed keys */
	int64_t found = -1;
	OK(org_find_seed(d, &e, "div:610102", &found));
	assert_int_equal(found, id);
	OK(org_find_seed(d, &e, "div:999999", &found));
	assert_int_equal(found, 0);
	assert_int_equal(
	    org_create(d, &e, child, "county", "regional", "重复", NULL, 0, "div:610102", NULL),
	    -1);
	assert_int_equal(e.code, ERR_CONFLICT);

	/* what cannot be created */
	assert_int_equal(org_get(d, &e, &a, grand + 1000, &o), -1);
	assert_true(e.code == ERR_NOT_FOUND && !strcmp(e.message, "组织不存在"));
	assert_int_equal(org_create(d, &e, grand + 1000, "base", "base", "x", NULL, 0, NULL, NULL),
	                 -1);
	assert_int_equal(e.code, ERR_NOT_FOUND);
	assert_int_equal(org_create(d, &e, root, "village", "base", "x", NULL, 0, NULL, NULL), -1);
	assert_int_equal(e.code, ERR_INVALID);
	assert_string_equal(e.field, "level");
	assert_int_equal(org_create(d, &e, root, "base", "club", "x", NULL, 0, NULL, NULL), -1);
	assert_string_equal(e.field, "type");
	assert_int_equal(org_create(d, &e, root, "base", "base", "", NULL, 0, NULL, NULL), -1);
	assert_string_equal(e.field, "name");
	assert_int_equal(check_paths(d), 4);
	arena_release(&a);
	db_close(d);
}

static void test_children(void **state)
{
	struct db *d = open_empty(state);
	struct arena a;
	struct err e;
	struct org *kids;
	int n;
	arena_init(&a);
	int64_t root = mk(d, 0, "根", 0), c1 = mk(d, root, "甲", 2);
	int64_t c2 = mk(d, root, "乙", 1), c3 = mk(d, root, "丙", 1);
	mk(d, c3, "丙下", 0);

	OK(org_children(d, &e, &a, root, &kids, &n));
	assert_int_equal(n, 3);
	assert_int_equal(kids[0].id, c2); /* sort 1, lower id */
	assert_int_equal(kids[1].id, c3);
	assert_int_equal(kids[2].id, c1);
	assert_true(!kids[0].has_children && kids[1].has_children && !kids[2].has_children);
	assert_string_equal(kids[2].name, "甲");
	assert_int_equal(kids[2].parent_id, root);

	OK(org_children(d, &e, &a, 0, &kids, &n)); /* the roots */
	assert_true(n == 1 && kids[0].id == root && kids[0].has_children);

	OK(org_children(d, &e, &a, c1, &kids, &n));
	assert_true(n == 0 && kids == NULL);
	arena_release(&a);
	db_close(d);
}

static void test_move(void **state)
{
	struct db *d = open_empty(state);
	struct arena a;
	struct err e;
	struct org o;
	arena_init(&a);
	int64_t r = mk(d, 0, "R", 0), x = mk(d, r, "A", 0), y = mk(d, x, "B", 0);
	int64_t z = mk(d, y, "C", 0), p = mk(d, r, "D", 0), q = mk(d, p, "E", 0);
	const char *d_path = path_of(d, &a, p), *r_path = path_of(d, &a, r);

	OK(db_begin(d, &e));
	OK(org_move(d, &e, x, q));
	OK(db_commit(d, &e));
	const char *xp = want_path(&a, path_of(d, &a, q), x), *yp = want_path(&a, xp, y);
	assert_string_equal(path_of(d, &a, x), xp);
	assert_string_equal(path_of(d, &a, y), yp);
	assert_string_equal(path_of(d, &a, z), want_path(&a, yp, z));
	OK(org_get(d, &e, &a, x, &o));
	assert_int_equal(o.parent_id, q);
	assert_string_equal(path_of(d, &a, p), d_path);
	assert_string_equal(path_of(d, &a, r), r_path);
	assert_int_equal(check_paths(d), 6);

	/* under itself or any descendant: refused, nothing changes */
	const int64_t bad[] = {p, q, x, z};
	for (int i = 0; i < 4; i++) {
		OK(db_begin(d, &e));
		assert_int_equal(org_move(d, &e, p, bad[i]), -1);
		assert_int_equal(e.code, ERR_UNPROCESSABLE);
		db_rollback(d);
	}
	assert_string_equal(path_of(d, &a, p), d_path);
	assert_int_equal(check_paths(d), 6);
	assert_true(org_move(d, &e, p + 1000, r) == -1 && e.code == ERR_NOT_FOUND);
	assert_true(org_move(d, &e, x, p + 1000) == -1 && e.code == ERR_NOT_FOUND);

	/* to the top, and back under the root */
	OK(org_move(d, &e, y, 0));
	yp = want_path(&a, "/", y);
	assert_string_equal(path_of(d, &a, y), yp);
	assert_string_equal(path_of(d, &a, z), want_path(&a, yp, z));
	OK(org_get(d, &e, &a, y, &o));
	assert_int_equal(o.parent_id, 0);
	OK(org_move(d, &e, y, r));
	assert_string_equal(path_of(d, &a, z), want_path(&a, want_path(&a, r_path, y), z));
	OK(org_move(d, &e, y, r)); /* where it already is */
	assert_int_equal(check_paths(d), 6);
	arena_release(&a);
	db_close(d);
}

static void test_subtree_hi(void **state)
{
	(void)state;
	char hi[16];
	access_subtree_hi("/1/12/", hi, sizeof(hi));
	assert_string_equal(hi, "/1/120");
	access_subtree_hi("/7/", hi, sizeof(hi));
	assert_string_equal(hi, "/70");
	/* malformed or too long: an empty range, never a wider one */
	const char *bad[] = {NULL, "", "/", "/1/12", "1/12/", "/1/2/3/4/5/6/7/8/"};
	for (int i = 0; i < 6; i++) {
		strcpy(hi, "x");
		access_subtree_hi(bad[i], hi, sizeof(hi));
		assert_string_equal(hi, "");
	}
}

/* ids in path, given ranges [lo, hi(lo)), as "12,123" in id order */
static const char *range_ids(struct db *d, struct arena *a, const char *lo)
{
	struct err e;
	struct db_rows *rs;
	char hi[ORG_PATH_MAX];
	const char *s = "";
	access_subtree_hi(lo, hi, sizeof(hi));
	OK(db_query(d, &e, "SELECT id FROM orgs WHERE path >= $1 AND path < $2 ORDER BY id",
	            DB_ARGS(DB_TEXT(lo), DB_TEXT(hi)), &rs));
	while (db_step(rs, &e) == 1)
		s = arena_printf(a, "%s%s%lld", s, *s ? "," : "", (long long)db_col_int(rs, 0));
	db_rows_close(rs);
	return s;
}

/* Inserts the org at path with the id and parent that path spells. */
static void insert_at(struct db *d, const char *path)
{
	struct err e;
	long long id = 0, parent = 0;
	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1]) {
			parent = id;
			id = strtoll(p + 1, NULL, 10);
		}
	OK(db_exec(d, &e,
	           "INSERT INTO orgs (id, parent_id, path, level, type, name, created_at,"
	           " updated_at) VALUES ($1, $2, $3, 'base', 'base', 'x', 0, 0)",
	           DB_ARGS(DB_INT(id), parent ? DB_INT(parent) : DB_NULL, DB_TEXT(path)), NULL));
}

static void test_subtree_range(void **state)
{
	struct db *d = open_empty(state);
	struct arena a;
	struct err e;
	/* ids chosen so that paths share prefixes: "/1/12/" vs "/1/120/", "/1/121/" */
	static const char *const paths[] = {
	    "/1/",      "/1/11/",     "/1/12/",          "/1/13/",       "/1/120/", "/1/121/",
	    "/1/1200/", "/1/12/123/", "/1/12/123/1234/", "/1/120/1201/", "/2/",     "/2/21/",
	};
	arena_init(&a);
	for (int i = 0; i < (int)(sizeof(paths) / sizeof(paths[0])); i++)
		insert_at(d, paths[i]);
	assert_string_equal(range_ids(d, &a, "/1/12/"), "12,123,1234");
	assert_string_equal(range_ids(d, &a, "/1/120/"), "120,1201");
	assert_string_equal(range_ids(d, &a, "/1/12/123/1234/"), "1234");
	assert_string_equal(range_ids(d, &a, "/1/"), "1,11,12,13,120,121,123,1200,1201,1234");
	assert_string_equal(range_ids(d, &a, "/2/"), "2,21");
	assert_int_equal(check_paths(d), 12);
	/* explicit ids bypass PostgreSQL's sequence: leave none behind */
	OK(db_exec(d, &e, "DELETE FROM orgs", 0, NULL, NULL));
	arena_release(&a);
	db_close(d);
}

static void test_top_grants(void **state)
{
	(void)state;
	const struct grant g[] = {
	    {12, "/1/12/", 1},      /* kept */
	    {123, "/1/12/123/", 0}, /* inside 12's subtree */
	    {120, "/1/120/", 0},    /* a sibling sharing the prefix: kept */
	    {12, "/1/12/", 0},      /* the same org again, narrower */
	    {2, "/2/", 0},          /* kept */
	    {2, "/2/", 0},          /* repeated */
	    {1, "/1/", 0},          /* org-only: covers none of the others */
	    {21, "/2/21/", 1},      /* under /2/, but /2/ is org-only: kept */
	};
	const struct grant *out[8];
	const int kept[] = {0, 2, 4, 6, 7};
	assert_int_equal(org_top_grants(g, 8, out), 5);
	for (int i = 0; i < 5; i++)
		assert_ptr_equal(out[i], &g[kept[i]]);
	/* a subtree grant on the root swallows everything under it */
	const struct grant h[] = {
	    {12, "/1/12/", 1}, {1, "/1/", 1}, {2, "/2/", 1}, {12, "/1/12/", 0}};
	assert_int_equal(org_top_grants(h, 4, out), 2);
	assert_ptr_equal(out[0], &h[1]);
	assert_ptr_equal(out[1], &h[2]);
	assert_int_equal(org_top_grants(NULL, 0, out), 0);
}

static int64_t count(struct db *d, const char *where)
{
	struct err e;
	int64_t n = -1;
	char sql[300];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM orgs o WHERE %s", where);
	OK(db_query_int(d, &e, sql, 0, NULL, &n));
	return n;
}

static int64_t seeded(struct db *d, const char *key)
{
	struct err e;
	int64_t id = 0;
	OK(org_find_seed(d, &e, key, &id));
	assert_true(id > 0);
	return id;
}

/* Base unions under the org seeded as key. */
static int64_t base_unions_in(struct db *d, struct arena *a, const char *key)
{
	struct err e;
	char hi[ORG_PATH_MAX];
	int64_t n = -1;
	const char *lo = path_of(d, a, seeded(d, key));
	access_subtree_hi(lo, hi, sizeof(hi));
	OK(db_query_int(
	    d, &e, "SELECT count(*) FROM orgs WHERE path >= $1 AND path < $2 AND level = 'base'",
	    DB_ARGS(DB_TEXT(lo), DB_TEXT(hi)), &n));
	return n;
}

/* Runs the seed in a transaction of its own; returns how many orgs it made. */
static int seed_tx(struct db *d, int demo)
{
	struct err e;
	int created = -1;
	OK(db_begin(d, &e));
	OK(seed_orgs(d, &e, demo, &created));
	OK(db_commit(d, &e));
	return created;
}

static void test_seed(void **state)
{
	struct db *d = open_empty(state);
	struct arena a;
	struct err e;
	struct org o, *kids;
	int n;
	char key[32];
	arena_init(&a);
	assert_int_equal(seed_tx(d, 0), 1 + 11 + 107 + 6);
	assert_int_equal(count(d, "level = 'province' AND type = 'regional'"), 1);
	assert_int_equal(count(d, "level = 'city' AND type = 'regional'"), 11);
	assert_int_equal(count(d, "level = 'county' AND type = 'regional'"), 107);
	assert_int_equal(count(d, "level = 'city' AND type = 'industry' AND division_code IS NULL"),
	                 6);
	assert_int_equal(count(d, "1 = 1"), 125);
	assert_int_equal(check_paths(d), 125);

	/* the province's children: cities in code order, then 杨凌, then the industries */
	int64_t province = seeded(d, "div:610000");
	OK(org_get(d, &e, &a, province, &o));
	expect_org(&o, 0, "province", "陕西省总工会", "610000");
	OK(org_children(d, &e, &a, province, &kids, &n)); /* more than one allocation's worth */
	assert_int_equal(n, 17);
	assert_string_equal(kids[0].name, "西安市总工会");
	assert_string_equal(kids[9].name, "商洛市总工会");
	for (int i = 1; i < 10; i++)
		assert_true(strcmp(kids[i - 1].division_code, kids[i].division_code) < 0);
	assert_string_equal(kids[10].name, "杨凌示范区总工会");
	assert_string_equal(kids[10].level, "city");
	assert_string_equal(kids[11].name, "陕西省能源化学地质工会");
	assert_string_equal(kids[16].name, "陕西省交通运输工会");
	for (int i = 0; i < 17; i++)
		assert_true(kids[i].has_children == (i < 11));

	/* every county under its own city; 杨陵区 under 杨凌 */
	for (int i = 0; i < divisions_61_count; i++) {
		const struct division *dv = &divisions_61[i];
		if (!dv->parent || !strcmp(dv->parent, "610000"))
			continue;
		snprintf(key, sizeof(key), "div:%s", dv->parent);
		int64_t parent = seeded(d, strcmp(dv->code, "610403") ? key : "zone:yangling");
		snprintf(key, sizeof(key), "div:%s", dv->code);
		OK(org_get(d, &e, &a, seeded(d, key), &o));
		expect_org(&o, parent, "county", arena_printf(&a, "%s总工会", dv->name), dv->code);
	}
	OK(org_get(d, &e, &a, seeded(d, "div:610102"), &o));
	expect_org(&o, seeded(d, "div:610100"), "county", "新城区总工会", "610102");
	OK(org_get(d, &e, &a, seeded(d, "div:610403"), &o));
	expect_org(&o, seeded(d, "zone:yangling"), "county", "杨陵区总工会", "610403");
	assert_int_equal(
	    count(d, "parent_id IN (SELECT id FROM orgs WHERE seed_key = 'div:610400')"),
	    13); /* 咸阳 without 杨陵区 */

	/* again: nothing new */
	assert_int_equal(seed_tx(d, 0), 0);
	assert_int_equal(count(d, "1 = 1"), 125);

	/* demo base unions: 西安 sees its own, never 宝鸡's */
	assert_int_equal(seed_tx(d, 1), 6);
	assert_int_equal(base_unions_in(d, &a, "div:610100"), 4);
	assert_int_equal(base_unions_in(d, &a, "div:610300"), 2);
	assert_int_equal(base_unions_in(d, &a, "div:610000"), 6);
	assert_int_equal(base_unions_in(d, &a, "div:610302"), 1);
	assert_int_equal(count(d, "type = 'joint' AND level = 'base'"), 1);
	OK(org_children(d, &e, &a, seeded(d, "div:610103"), &kids, &n));
	assert_int_equal(n, 2);
	assert_string_equal(kids[0].name, "西安长安精密仪器有限公司工会");
	assert_int_equal(seed_tx(d, 1), 0);
	assert_int_equal(check_paths(d), 131);
	arena_release(&a);
	db_close(d);
}

static void test_divisions_table(void **state)
{
	(void)state;
	assert_int_equal(divisions_61_count, 1 + 10 + 107);
	assert_string_equal(divisions_61[0].code, "610000");
	assert_null(divisions_61[0].parent);
	for (int i = 1; i < divisions_61_count; i++) {
		const struct division *dv = &divisions_61[i];
		assert_int_equal(strlen(dv->code), 6);
		assert_non_null(dv->parent);
		/* the 10 cities first, then counties, each coded under its city */
		int is_city = !strcmp(dv->parent, "610000");
		assert_int_equal(is_city, i <= 10);
		assert_true(is_city || (!strncmp(dv->code, dv->parent, 4) && dv->parent[5] == '0'));
	}
}

int main(void)
{
	const struct CMUnitTest pure[] = {
	    cmocka_unit_test(test_subtree_hi),
	    cmocka_unit_test(test_top_grants),
	    cmocka_unit_test(test_divisions_table),
	};
	const struct CMUnitTest db_tests[] = {
	    cmocka_unit_test(test_create_paths), cmocka_unit_test(test_children),
	    cmocka_unit_test(test_move),         cmocka_unit_test(test_subtree_range),
	    cmocka_unit_test(test_seed),
	};
	int failed = 0;
	db_global_init();
	log_set_level(getenv("GONGHUI_TEST_LOG") ? LOG_DEBUG : (enum log_level)(LOG_ERROR + 1));
	failed += cmocka_run_group_tests_name("org: paths and grants", pure, NULL, NULL);
	failed += cmocka_run_group_tests_name("org: sqlite file", db_tests, setup_sqlite,
	                                      teardown_backend);
	if (!unit_pg_url())
		printf("skipped: postgresql not available\n");
	failed +=
	    cmocka_run_group_tests_name("org: postgresql", db_tests, setup_pg, teardown_backend);
	return failed;
}
