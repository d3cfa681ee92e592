/* Request-body parsing: JSONTestSuite's every file, and our own NUL rules. */
#include "unit.h"

#include <dirent.h>
#include <unistd.h>

#include "core/json_read.h"

static int parse(const char *text, size_t n, json_t **out)
{
	char *buf = malloc(n + 1);
	memcpy(buf, text, n);
	struct err e;
	int rc = json_parse_body(buf, n, out, &e);
	if (rc)
		assert_int_equal(e.code, ERR_INVALID);
	free(buf);
	return rc;
}

static void test_json_test_suite(void **state)
{
	(void)state;
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/testsuites/JSONTestSuite/test_parsing", unit_shared_dir());
	DIR *d = opendir(dir);
	if (!d) {
		print_message("skipped: suite not present (%s)\n", dir);
		skip();
	}
	int y = 0, n = 0, i = 0;
	struct dirent *de;
	alarm(120); /* an i_ file that hangs the parser fails the test */
	while ((de = readdir(d))) {
		char kind = de->d_name[0];
		if ((kind != 'y' && kind != 'n' && kind != 'i') || de->d_name[1] != '_')
			continue;
		char path[2048];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		char *buf = malloc(1 << 22);
		size_t len = fread(buf, 1, 1 << 22, f);
		fclose(f);
		struct err e;
		json_t *j = NULL;
		int rc = json_parse_body(buf, len, &j, &e);
		if (kind == 'y' && rc != 0)
			fail_msg("%s should be accepted: %s", de->d_name, e.message);
		if (kind == 'n' && rc == 0)
			fail_msg("%s should be rejected", de->d_name);
		kind == 'y' ? y++ : kind == 'n' ? n++ : i++;
		json_decref(j);
		free(buf);
	}
	alarm(0);
	closedir(d);
	print_message("JSONTestSuite: %d y_ accepted, %d n_ rejected, %d i_ survived\n", y, n, i);
	assert_true(y > 90 && n > 180);
}

static void test_escaped_nul_becomes_replacement(void **state)
{
	(void)state;
	json_t *j;
	const char body[] = "{\"name\":\"a\\u0000b\",\"k\\u0000\":1,\"lit\":\"\\\\u0000\"}";
	assert_int_equal(parse(body, sizeof(body) - 1, &j), 0);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "a\xEF\xBF\xBD"
	                                                                   "b");
	assert_non_null(json_object_get(j, "k\xEF\xBF\xBD"));
	/* an escaped backslash followed by u0000 is text, left alone */
	assert_string_equal(json_string_value(json_object_get(j, "lit")), "\\u0000");
	json_decref(j);
}

static void test_rejections(void **state)
{
	(void)state;
	json_t *j = NULL;
	assert_int_equal(parse("{\"a\":1}\0", 8, &j), -1);      /* raw NUL */
	assert_int_equal(parse("", 0, &j), -1);                 /* empty */
	assert_int_equal(parse("{\"a\":\"\xff\"}", 8, &j), -1); /* invalid UTF-8 */
	assert_int_equal(parse("{\"a\":1} x", 9, &j), -1);      /* trailing data */
	assert_int_equal(parse("{\"a\":1,}", 8, &j), -1);
	assert_null(j);
	struct err e;
	char buf[] = "{\"a\":\n  tru}";
	assert_int_equal(json_parse_body(buf, strlen(buf), &j, &e), -1);
	assert_string_equal(e.slug, "invalid_json");
	assert_non_null(strstr(e.message, "第 2 行"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_test_suite),
	    cmocka_unit_test(test_escaped_nul_becomes_replacement),
	    cmocka_unit_test(test_rejections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
