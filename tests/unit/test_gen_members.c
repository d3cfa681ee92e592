/* The synthetic member CSV: every row valid, unique where it must be,
 * and the same bytes for the same arguments. */
#include "unit.h"

#include <errno.h>

#include "core/validate.h"
#include "platform/codes.h"
#include "platform/gen_members.h"

#define HEADER                                                                                                                       \
	"姓名,身份证号,手机号,民族,政治面貌,学历,户籍类型,就业状态,灵活就业,工作单位,入会日期," \
	"所属工会编号"

enum { ROWS = 10000 };

/* The output of gen_members(count, orgs) in a malloc'd string. */
static char *generate(long count, const char *orgs, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	assert_non_null(f);
	assert_int_equal(gen_members(f, count, orgs), 0);
	assert_int_equal(fclose(f), 0);
	if (len)
		*len = n;
	return buf;
}

/* Splits line at commas in place; returns the field count. */
static int split(char *line, char **f, int max)
{
	int n = 0;
	for (char *p = line;; p++) {
		if (n < max)
			f[n] = p;
		n++;
		p = strchr(p, ',');
		if (!p)
			return n;
		*p = '\0';
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void assert_unique(char **v, int n, const char *what)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_str);
	for (int i = 1; i < n; i++)
		if (!strcmp(v[i - 1], v[i]))
			fail_msg("duplicate %s %s", what, v[i]);
}

static void test_rows_are_valid(void **state)
{
	(void)state;
	char *csv = generate(ROWS, "", NULL);
	char **ids = calloc(ROWS, sizeof(char *)), **phones = calloc(ROWS, sizeof(char *));
	static const char *const coded[] = {NULL,        NULL,        NULL,    "ethnicity",
	                                    "political", "education", "hukou", "employment",
	                                    "yesno",     NULL,        NULL,    NULL};
	int rows = 0, han = 0, masses = 0, single_name = 0, polyphone = 0;
	char *save = NULL;
	char *line = strtok_r(csv, "\n", &save);
	assert_non_null(line);
	assert_string_equal(line, HEADER);
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *f[16];
		struct err e;
		assert_int_equal(split(line, f, 16), 12);
		assert_true(rows < ROWS);
		if (valid_id_card(f[1], "id_card", &e))
			fail_msg("row %d: %s: %s", rows + 1, f[1], e.message);
		assert_memory_equal(f[1], "61", 2);
		assert_true(memcmp(f[1] + 2, "0000", 4) && memcmp(f[1] + 4, "00", 2));
		assert_int_equal(valid_phone(f[2], "phone", &e), 0);
		ids[rows] = f[1];
		phones[rows] = f[2];
		for (int k = 0; k < 12; k++)
			if (coded[k] && !code_lookup(coded[k], f[k]))
				fail_msg("row %d: \"%s\" is not in %s", rows + 1, f[k], coded[k]);
		/* 灵活就业 follows 就业状态 */
		assert_int_equal(!strcmp(f[8], "是"), !strcmp(f[7], "灵活就业"));
		/* joined on a real date, at 18 or later, not in the future */
		char birth[11];
		id_card_birth(f[1], birth);
		int by = atoi(birth);
		assert_true(by >= 1960 && by <= 2005);
		assert_int_equal(valid_date(f[10], "joined_on", &e), 0);
		char adult[11];
		snprintf(adult, sizeof(adult), "%04d%s", by + 18, birth + 4);
		if (strcmp(f[10], adult) < 0 || strcmp(f[10], "2024-12-31") > 0)
			fail_msg("row %d: born %s, joined %s", rows + 1, birth, f[10]);
		/* names: two to four characters of UTF-8, no ASCII */
		size_t nl = strlen(f[0]);
		assert_true(nl >= 6 && nl <= 12 && nl % 3 == 0);
		single_name += nl == 6;
		polyphone +=
		    !strncmp(f[0], "单", 3) || !strncmp(f[0], "曾", 3) || !strncmp(f[0], "解", 3);
		assert_string_equal(f[11], "");
		han += !strcmp(f[3], "汉族");
		masses += !strcmp(f[4], "群众");
		rows++;
	}
	assert_int_equal(rows, ROWS);
	assert_unique(ids, rows, "身份证号");
	assert_unique(phones, rows, "手机号");
	/* the skew the benchmarks rely on */
	assert_true(han > ROWS * 97 / 100);
	assert_true(masses > ROWS / 2);
	assert_true(single_name > ROWS / 10 && single_name < ROWS / 2);
	assert_true(polyphone > 20);
	free(ids);
	free(phones);
	free(csv);
}

static void test_deterministic(void **state)
{
	(void)state;
	size_t n1, n2, n3;
	char *a = generate(2000, "7,8", &n1), *b = generate(2000, "7,8", &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(a, b, n1);
	/* a longer file starts with the shorter one */
	char *c = generate(3000, "7,8", &n3);
	assert_true(n3 > n1);
	assert_memory_equal(a, c, n1);
	free(a);
	free(b);
	free(c);
}

static void test_orgs_round_robin(void **state)
{
	(void)state;
	char *csv = generate(7, " 101, 102 ,x-3", NULL);
	static const char *const want[] = {"101", "102", "x-3", "101", "102", "x-3", "101"};
	char *save = NULL;
	strtok_r(csv, "\n", &save);
	for (int i = 0; i < 7; i++) {
		char *line = strtok_r(NULL, "\n", &save), *f[16];
		assert_non_null(line);
		assert_int_equal(split(line, f, 16), 12);
		assert_string_equal(f[11], want[i]);
	}
	assert_null(strtok_r(NULL, "\n", &save));
	free(csv);
}

static void test_header_only_and_bad_input(void **state)
{
	(void)state;
	size_t n;
	char *csv = generate(0, NULL, &n);
	assert_string_equal(csv, HEADER "\n");
	free(csv);
	static const char *const bad[] = {",", "1,,2", "1,", "a b", "1;2", "\"1\"", "1\n2"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FILE *f = fopen("/dev/null", "w");
		errno = 0;
		assert_int_equal(gen_members(f, 10, bad[i]), -1);
		assert_int_equal(errno, EINVAL);
		fclose(f);
	}
	FILE *f = fopen("/dev/null", "w");
	assert_int_equal(gen_members(f, -1, ""), -1);
	assert_int_equal(gen_members(f, 100000001, ""), -1);
	fclose(f);
	/* a write error is reported, not ignored */
	f = fopen("/dev/full", "w");
	if (f) {
		assert_int_equal(gen_members(f, 10, ""), -1);
		assert_int_equal(errno, ENOSPC);
		fclose(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rows_are_valid),
	    cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_orgs_round_robin),
	    cmocka_unit_test(test_header_only_and_bad_input),
	};
	return cmocka_run_group_tests_name("gen-members", tests, NULL, NULL);
}
