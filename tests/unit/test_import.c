/* The member import's validate and commit passes on a small CSV, on a
 * SQLite file migrated with the real schema and seeded with the demo
 * unions: every reason a row can be refused for, the error report read
 * back with the XLSX reader, the commit's members and statistics, and a
 * commit that finds the data changed since validation writing nothing.
 * Then the same passes over a file of base unions. */
#include "unit.h"

#include <unistd.h>

#include "core/db.h"
#include "core/migrate.h"
#include "core/table_read.h"
#include "core/validate.h"
#include "platform/gen_members.h"
#include "platform/import_job.h"
#include "platform/import_kind.h"
#include "platform/import_row.h"
#include "platform/keys.h"
#include "platform/member.h"
#include "platform/org.h"
#include "platform/seed.h"

#define OK(call)                                                                                   \
	do {                                                                                       \
		if ((call) != 0)                                                                   \
			fail_msg("%s: %s (%s)", #call, e.slug, e.message);                         \
	} while (0)

struct fixture {
	char dir[64], url[128], csv[128], report[128];
	struct db *d;
	int64_t base, city;
};

static void id18(const char *first17, char out[19])
{
	static const int w[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (first17[i] - '0') * w[i];
	snprintf(out, 19, "%s%c", first17, "10X98765432"[sum % 11]);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e;
	snprintf(f->dir, sizeof(f->dir), "/tmp/gh_unit_import.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->url, sizeof(f->url), "sqlite:%s/g.db", f->dir);
	snprintf(f->csv, sizeof(f->csv), "%s/members.csv", f->dir);
	snprintf(f->report, sizeof(f->report), "%s/report.xlsx", f->dir);
	char key[96];
	snprintf(key, sizeof(key), "%s/secret.key", f->dir);
	if (keys_load(key, 1, &e) || db_open(f->url, &f->d, &e) || migrate_run(f->d, &e, NULL) ||
	    db_begin(f->d, &e) || seed_orgs(f->d, &e, 1, NULL) || db_commit(f->d, &e) ||
	    org_find_seed(f->d, &e, "demo:1", &f->base) ||
	    org_find_seed(f->d, &e, "div:610100", &f->city)) {
		fprintf(stderr, "setup: %s\n", e.message);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	db_close(f->d);
	keys_unload();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

static void test_dates(void **state)
{
	(void)state;
	char d[11];
	const char *same[] = {"2020-05-01", "2020-5-1",     "2020/05/01",          "2020.5.1",
	                      "20200501",   "2020年5月1日", "2020-05-01 00:00:00", "2020/5/1 8:30"};
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_int_equal(import_date(same[i], d), 0);
		assert_string_equal(d, "2020-05-01");
	}
	const char *bad[] = {"", "2020", "05/01/2020", "2020-05", "2020-05-01x", "二〇二〇年"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(import_date(bad[i], d), -1);
	/* the shape is right; valid_date() is what refuses Feb 30 */
	assert_int_equal(import_date("2020-02-30", d), 0);
}

/* The test file: two good rows and one of each kind of bad row. */
static void write_csv(struct fixture *f, char ids[5][19])
{
	id18("61010319880215135", ids[0]);
	id18("61010319900101123", ids[1]);
	id18("61010319850315012", ids[2]);
	id18("61010319790707046", ids[3]);
	memcpy(ids[4], ids[0], 19);
	ids[4][17] = ids[0][17] == '1' ? '2' : '1'; /* a wrong check digit */
	FILE *out = fopen(f->csv, "w");
	assert_non_null(out);
	/* a title line above the header, and the columns in another order with
	 * one the import does not know */
	fprintf(out, "会员信息登记表,,,,,,\n");
	fprintf(out, "备注,身份证号码,姓名,学历,入会日期,就业状态,户籍类型,所属工会编号\n");
	fprintf(out, "x,%s,张三,大学本科,2020-05-01,在岗,城镇,\n", ids[0]);
	fprintf(out, ",%s,李四,,2020-05-01,,,\n", ids[4]);
	fprintf(out, ",%s,王五,,2020-02-30,,,\n", ids[1]);
	fprintf(out, ",%s,赵六,博士后,2020-05-01,,,\n", ids[2]);
	fprintf(out, ",%s,钱七,,2021-01-01,,,\n", ids[0]);
	fprintf(out, ",610103790707024,孙八,21,2019/3/8,灵活就业,农业,\n");
	fprintf(out, ",%s,周九,,2020-05-01,,,%lld\n", ids[3], (long long)f->city);
	fclose(out);
}

static struct import_opts opts(struct fixture *f)
{
	return (struct import_opts){.path = f->csv,
	                            .default_org = f->base,
	                            .all_orgs = 1,
	                            .keys = keys(),
	                            .report_path = f->report,
	                            .request_id = "unit",
	                            .expect_good = -1};
}

static int64_t count(struct db *d, const char *sql)
{
	struct err e;
	int64_t n = -1;
	OK(db_query_int(d, &e, sql, 0, NULL, &n));
	return n;
}

/* The report's rows: line number in column 0, the reason in the last. */
static void check_report(const char *path)
{
	struct table_reader *t;
	struct table_row row;
	struct err e;
	OK(table_open(path, &t, &e));
	assert_int_equal(table_next(t, &row, &e), 1);
	assert_string_equal(row.cells[0], "行号");
	assert_string_equal(row.cells[2], "身份证号码"); /* the file's own header */
	assert_string_equal(row.cells[row.n - 1], "错误原因");
	static const struct {
		const char *line, *name, *why;
	} want[] = {
	    {"4", "李四", "校验位"},
	    {"5", "王五", "入会日期“2020-02-30”不是有效的日期"},
	    {"6", "赵六", "学历“博士后”不在代码表中"},
	    {"7", "钱七", "与第 3 行的身份证号重复"},
	    {"9", "周九", "不是基层工会"},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(table_next(t, &row, &e), 1);
		assert_string_equal(row.cells[0], want[i].line);
		assert_string_equal(row.cells[3], want[i].name);
		if (!strstr(row.cells[row.n - 1], want[i].why))
			fail_msg("line %s: \"%s\" lacks \"%s\"", want[i].line, row.cells[row.n - 1],
			         want[i].why);
	}
	assert_int_equal(table_next(t, &row, &e), 0);
	table_close(t);
}

static void test_validate_and_commit(void **state)
{
	struct fixture *f = *state;
	struct err e;
	char ids[5][19];
	write_csv(f, ids);
	struct import_opts o = opts(f);
	struct import_counts c;
	int64_t members = count(f->d, "SELECT COUNT(*) FROM members");
	OK(import_validate(f->d, &e, &o, &c));
	assert_int_equal(c.total, 7);
	assert_int_equal(c.good, 2);
	assert_int_equal(c.bad, 5);
	assert_true(c.has_report);
	check_report(f->report);
	assert_int_equal(count(f->d, "SELECT COUNT(*) FROM members"), members);

	/* a commit expecting another count writes nothing */
	o.report_path = NULL;
	o.expect_good = 3;
	assert_int_equal(import_commit(f->d, &e, &o, &c), -1);
	assert_string_equal(e.slug, "changed_since_validation");
	assert_int_equal(count(f->d, "SELECT COUNT(*) FROM members"), members);

	o.expect_good = 2;
	OK(import_commit(f->d, &e, &o, &c));
	assert_int_equal(c.good, 2);
	assert_int_equal(count(f->d, "SELECT COUNT(*) FROM members"), members + 2);
	assert_int_equal(count(f->d, "SELECT COUNT(*) FROM member_history WHERE action = 'import' "
	                             "AND request_id = 'unit'"),
	                 2);
	/* the 15-digit number was converted; 农业 marks a 农民工, 灵活就业 the flag */
	struct db_rows *rs;
	OK(db_query(f->d, &e,
	            "SELECT birth_date, migrant, flexible, employment, joined_on, education FROM "
	            "members WHERE name = '孙八'",
	            0, NULL, &rs));
	assert_int_equal(db_step(rs, &e), 1);
	assert_string_equal(db_col_text(rs, 0), "1979-07-07");
	assert_int_equal(db_col_int(rs, 1), 1);
	assert_int_equal(db_col_int(rs, 2), 1);
	assert_string_equal(db_col_text(rs, 3), "flexible");
	assert_string_equal(db_col_text(rs, 4), "2019-03-08");
	assert_string_equal(db_col_text(rs, 5), "21");
	db_rows_close(rs);

	/* the statistics of the base union and every org above it match a count */
	OK(db_query(f->d, &e,
	            "SELECT s.org_id, s.n, (SELECT COUNT(*) FROM members m WHERE m.org_path >= "
	            "o.path AND m.org_path < substr(o.path, 1, length(o.path) - 1) || '0') "
	            "FROM org_stats s JOIN orgs o ON o.id = s.org_id WHERE s.dim = 'total'",
	            0, NULL, &rs));
	int rows = 0;
	while (db_step(rs, &e) == 1) {
		assert_int_equal(db_col_int(rs, 1), db_col_int(rs, 2));
		rows++;
	}
	db_rows_close(rs);
	assert_true(rows >= 4); /* the base union, county, city and province */
	assert_int_equal(count(f->d, "SELECT n FROM org_stats s JOIN orgs o ON o.id = s.org_id "
	                             "WHERE o.parent_id IS NULL AND dim = 'migrant' AND key = '1'"),
	                 1);

	/* the same file again: both people are filed now */
	o.report_path = f->report;
	o.expect_good = -1;
	OK(import_validate(f->d, &e, &o, &c));
	assert_int_equal(c.good, 0);
	assert_int_equal(c.bad, 7);

	/* a commit that checks as it goes (the CLI's) finds the same, files
	 * nobody, and still writes the whole report */
	unlink(f->report);
	assert_int_equal(import_commit(f->d, &e, &o, &c), -1);
	assert_string_equal(e.slug, "nothing_to_import");
	assert_int_equal(c.total, 7);
	assert_int_equal(c.bad, 7);
	assert_true(c.has_report);
	assert_int_equal(access(f->report, F_OK), 0);
	assert_int_equal(count(f->d, "SELECT COUNT(*) FROM members"), members + 2);
}

/* A person filed between validation and commit: the commit finds the
 * number taken when it inserts, and writes nothing at all. */
static void test_filed_since_validation(void **state)
{
	struct fixture *f = *state;
	struct err e;
	char a[19], b[19];
	id18("61010319930303101", a);
	id18("61010319930303102", b);
	FILE *out = fopen(f->csv, "w");
	assert_non_null(out);
	fprintf(out, "姓名,身份证号,入会日期\n甲,%s,2020-05-01\n乙,%s,2020-05-01\n", a, b);
	fclose(out);
	struct import_opts o = opts(f);
	o.report_path = NULL;
	struct import_counts c;
	OK(import_validate(f->d, &e, &o, &c));
	assert_int_equal(c.good, 2);
	int64_t members = count(f->d, "SELECT COUNT(*) FROM members");
	int64_t stats =
	    count(f->d, "SELECT COALESCE(SUM(n), 0) FROM org_stats WHERE dim = 'total'");

	struct member_input in = {
	    .name = "乙", .id_card = b, .joined_on = "2020-05-01", .org_id = f->base};
	int64_t id, holder;
	struct arena ar;
	struct org base;
	arena_init(&ar);
	OK(org_get(f->d, &e, &ar, f->base, &base));
	OK(db_begin(f->d, &e));
	OK(member_create(f->d, &e, &in, base.path, 0, "unit", &id, &holder));
	OK(db_commit(f->d, &e));
	int64_t depth = -1; /* orgs on the path "/1/12/345/" */
	for (const char *p = base.path; *p; p++)
		depth += *p == '/';
	arena_release(&ar);

	o.expect_good = c.good;
	o.expect_total = c.total;
	assert_int_equal(import_commit(f->d, &e, &o, &c), -1);
	assert_string_equal(e.slug, "changed_since_validation");
	assert_int_equal(count(f->d, "SELECT COUNT(*) FROM members"), members + 1);
	assert_int_equal(
	    count(f->d, "SELECT COALESCE(SUM(n), 0) FROM org_stats WHERE dim = 'total'"),
	    stats + depth); /* 乙 alone, at the base union and every org above */
}

static void test_file_errors(void **state)
{
	struct fixture *f = *state;
	struct err e;
	struct import_counts c;
	struct import_opts o = opts(f);
	FILE *out = fopen(f->csv, "w");
	fprintf(out, "姓名,身份证号,手机号\n张三,11010519491231002X,13800001111\n");
	fclose(out);
	assert_int_equal(import_validate(f->d, &e, &o, &c), -1);
	assert_string_equal(e.slug, "bad_header");
	assert_non_null(strstr(e.message, "入会日期"));
	out = fopen(f->csv, "w");
	fprintf(out, "编号,名称\n1,2\n");
	fclose(out);
	assert_int_equal(import_validate(f->d, &e, &o, &c), -1);
	assert_string_equal(e.slug, "bad_header");
	out = fopen(f->csv, "w");
	fprintf(out, "姓名,身份证号,入会日期\n");
	fclose(out);
	assert_int_equal(import_validate(f->d, &e, &o, &c), -1);
	assert_string_equal(e.slug, "no_rows");
	out = fopen(f->csv, "wb");
	fwrite("%PDF-1.4\n\x00\x01\x02\xff binary", 1, 20, out);
	fclose(out);
	assert_int_equal(import_validate(f->d, &e, &o, &c), -1);
	assert_string_equal(e.slug, "unsupported_file");
	assert_int_equal(access(f->report, F_OK) == 0 && c.has_report, 0);
}

/* Base unions: a 联合基层工会 of two rows made as one union, and the rows
 * refused for an employer named twice, one that has a union, and an upper
 * union that is a base union. */
static void test_orgs(void **state)
{
	struct fixture *f = *state;
	struct err e;
	char a[19], b[19], c[19];
	credit_code_make("91", "610103", "QA000001", a);
	credit_code_make("91", "610103", "QA000002", b);
	credit_code_make("91", "610103", "QA000003", c);
	int64_t county;
	OK(org_find_seed(f->d, &e, "div:610103", &county));
	FILE *out = fopen(f->csv, "w");
	assert_non_null(out);
	fprintf(out, "基层工会名册\n");
	fprintf(out, "工会名称,工会类型,单位名称,统一社会信用代码,职工人数,上级工会编号\n");
	fprintf(out, "单元甲工会,单独基层工会,单元甲,%s,10,\n", a);
	fprintf(out, "单元联合工会,联合基层工会,单元乙,%s,20,\n", b);
	fprintf(out, "单元联合工会,联合基层工会,单元丙,%s,5,\n", c);
	fprintf(out, "单元丁工会,,单元丁,%s,,\n", a);
	fprintf(out, "长安工会,,西安长安精密仪器有限公司,91610103MA6TX1A274,,\n");
	fprintf(out, "单元戊工会,,单元戊,%s,,%lld\n", c, (long long)f->base);
	fclose(out);
	struct import_opts o = opts(f);
	o.kind = &import_orgs_kind;
	o.default_org = county;
	struct import_counts n;
	int64_t orgs = count(f->d, "SELECT COUNT(*) FROM orgs");
	OK(import_validate(f->d, &e, &o, &n));
	assert_int_equal(n.total, 6);
	assert_int_equal(n.good, 3);
	assert_int_equal(n.units, 2);
	assert_true(n.has_report);
	struct table_reader *t;
	struct table_row row;
	OK(table_open(f->report, &t, &e));
	assert_int_equal(table_next(t, &row, &e), 1);
	static const char *const why[] = {"与第 3 行是同一单位",
	                                  "已建有工会“西安长安精密仪器有限公司工会”", "是基层工会"};
	for (int i = 0; i < 3; i++) {
		assert_int_equal(table_next(t, &row, &e), 1);
		if (!strstr(row.cells[row.n - 1], why[i]))
			fail_msg("\"%s\" lacks \"%s\"", row.cells[row.n - 1], why[i]);
	}
	table_close(t);
	assert_int_equal(count(f->d, "SELECT COUNT(*) FROM orgs"), orgs);

	o.report_path = NULL;
	o.expect_good = n.good;
	o.expect_total = n.total;
	OK(import_commit(f->d, &e, &o, &n));
	assert_int_equal(n.units, 2);
	assert_int_equal(count(f->d, "SELECT COUNT(*) FROM orgs"), orgs + 2);
	assert_int_equal(count(f->d, "SELECT COUNT(*) FROM orgs o JOIN org_employers m ON "
	                             "m.org_id = o.id WHERE o.name = '单元联合工会' AND "
	                             "o.type = 'joint' AND o.staff_count = 25"),
	                 2);

	/* again: every employer has its union, nothing is left to import */
	o.expect_good = -1;
	assert_int_equal(import_commit(f->d, &e, &o, &n), -1);
	assert_string_equal(e.slug, "nothing_to_import");
	assert_int_equal(count(f->d, "SELECT COUNT(*) FROM orgs"), orgs + 2);
}

/* The members table's indexes, as "name sql" lines, in name order. */
static char *index_list(struct db *d)
{
	struct err e;
	struct db_rows *rs;
	OK(db_query(d, &e,
	            "SELECT name, COALESCE(sql, '') FROM sqlite_schema WHERE type = 'index' AND "
	            "tbl_name = 'members' ORDER BY name",
	            0, NULL, &rs));
	size_t len = 0;
	char *out = calloc(1, 1);
	while (db_step(rs, &e) == 1) {
		const char *name = db_col_text(rs, 0), *sql = db_col_text(rs, 1);
		out = realloc(out, len + strlen(name) + strlen(sql) + 3);
		len += (size_t)sprintf(out + len, "%s %s\n", name, sql);
	}
	db_rows_close(rs);
	return out;
}

struct watch {
	struct db *d;
	int64_t stop_at; /* progress: fail the pass once this many rows are done; 0 never */
	int ticks, without_name_index;
};

/* Looks at the schema from inside the commit's transaction. */
static int watch_progress(void *ctx, const struct import_counts *c, struct err *e)
{
	struct watch *w = ctx;
	int64_t n = -1;
	struct err e2;
	if (db_query_int(w->d, &e2,
	                 "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'members_name'", 0, NULL,
	                 &n) == 0) {
		w->ticks++;
		w->without_name_index += n == 0;
	}
	if (w->stop_at && c->done >= w->stop_at)
		return err_set(e, ERR_UNAVAILABLE, "cancelled", NULL, "导入已取消");
	return 0;
}

static void write_rows(const char *all, const char *path, long from, long to)
{
	FILE *in = fopen(all, "r"), *out = fopen(path, "w");
	assert_non_null(in);
	assert_non_null(out);
	char line[1024];
	for (long i = 0; fgets(line, sizeof(line), in); i++)
		if (i == 0 || (i >= from && i <= to))
			fputs(line, out);
	fclose(in);
	fclose(out);
}

/* A load larger than the table builds the read-only indexes after the
 * rows, and they come out as they were; a cancelled one leaves them as
 * they were; a smaller load into the now larger table keeps them. */
static void test_large_load_indexes(void **state)
{
	struct fixture *f = *state;
	struct err e;
	char all[160];
	snprintf(all, sizeof(all), "%s/all.csv", f->dir);
	FILE *out = fopen(all, "w");
	char orgs[32];
	snprintf(orgs, sizeof(orgs), "%lld", (long long)f->base);
	assert_int_equal(gen_members(out, 24000, orgs), 0);
	fclose(out);
	write_rows(all, f->csv, 1, 12000);

	char *before = index_list(f->d);
	assert_non_null(strstr(before, "members_name CREATE INDEX"));
	int64_t members = count(f->d, "SELECT COUNT(*) FROM members");
	struct watch w = {.d = f->d, .stop_at = 6000};
	struct import_opts o = opts(f);
	o.report_path = NULL;
	o.progress = watch_progress;
	o.ctx = &w;
	o.expect_total = 12000; /* as validation counted: the server's job */
	struct import_counts c;
	assert_int_equal(import_commit(f->d, &e, &o, &c), -1);
	assert_string_equal(e.slug, "cancelled");
	assert_true(w.ticks > 0 && w.without_name_index == w.ticks);
	char *now = index_list(f->d);
	assert_string_equal(now, before);
	free(now);
	assert_int_equal(count(f->d, "SELECT COUNT(*) FROM members"), members);

	w = (struct watch){.d = f->d};
	OK(import_commit(f->d, &e, &o, &c));
	assert_int_equal(c.good, 12000);
	assert_true(w.ticks > 0 && w.without_name_index == w.ticks);
	now = index_list(f->d);
	assert_string_equal(now, before);
	free(now);
	assert_int_equal(count(f->d, "SELECT COUNT(*) FROM members"), members + 12000);
	struct db_rows *rs;
	OK(db_query(f->d, &e, "PRAGMA integrity_check", 0, NULL, &rs));
	assert_int_equal(db_step(rs, &e), 1);
	assert_string_equal(db_col_text(rs, 0), "ok");
	db_rows_close(rs);
	/* a name search walks its index again */
	OK(db_query(f->d, &e,
	            "EXPLAIN QUERY PLAN SELECT id FROM members WHERE name >= $1 ORDER BY name, id",
	            DB_ARGS(DB_TEXT("王")), &rs));
	assert_int_equal(db_step(rs, &e), 1);
	if (!strstr(db_col_text(rs, 3), "members_name"))
		fail_msg("plan: %s", db_col_text(rs, 3));
	db_rows_close(rs);

	/* 12,000 more into a table that holds as many: the indexes stay */
	write_rows(all, f->csv, 12001, 24000);
	w = (struct watch){.d = f->d};
	OK(import_commit(f->d, &e, &o, &c));
	assert_int_equal(c.good, 12000);
	assert_true(w.ticks > 0 && w.without_name_index == 0);
	assert_int_equal(count(f->d, "SELECT COUNT(*) FROM members"), members + 24000);
	free(before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_validate_and_commit),
	    cmocka_unit_test(test_filed_since_validation),
	    cmocka_unit_test(test_file_errors),
	    cmocka_unit_test(test_orgs),
	    cmocka_unit_test(test_large_load_indexes),
	};
	db_global_init();
	return cmocka_run_group_tests(tests, setup, teardown);
}
