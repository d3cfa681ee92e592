/* The streaming JSON writer: structure, escaping, and UTF-8 repair. */
#include "unit.h"

#include <jansson.h>

#include "core/arena.h"
#include "core/json_write.h"

static struct arena A;

static const char *escaped(const char *s, size_t n)
{
	static struct jw w;
	jw_init(&w, &A);
	jw_strn(&w, s, n);
	return w.buf;
}

static void test_structure(void **state)
{
	(void)state;
	struct jw w;
	jw_init(&w, &A);
	jw_obj(&w);
	jw_kstr(&w, "name", "陕西省总工会");
	jw_kint(&w, "n", -42);
	jw_key(&w, "items");
	jw_arr(&w);
	jw_int(&w, 1);
	jw_obj(&w);
	jw_obj_end(&w);
	jw_arr(&w);
	jw_arr_end(&w);
	jw_null(&w);
	jw_bool(&w, 1);
	jw_bool(&w, 0);
	jw_arr_end(&w);
	jw_knull(&w, "none");
	jw_kbool(&w, "ok", 1);
	jw_obj_end(&w);
	assert_string_equal(w.buf, "{\"name\":\"陕西省总工会\",\"n\":-42,\"items\":[1,{},[],null,"
	                           "true,false],\"none\":null,\"ok\":true}");
	assert_int_equal(w.len, strlen(w.buf));
}

static void test_int_extremes(void **state)
{
	(void)state;
	struct jw w;
	jw_init(&w, &A);
	jw_arr(&w);
	jw_int(&w, INT64_MIN);
	jw_int(&w, INT64_MAX);
	jw_int(&w, 0);
	jw_double(&w, 1.5);
	jw_double(&w, 0.0 / 0.0);
	jw_arr_end(&w);
	assert_string_equal(w.buf, "[-9223372036854775808,9223372036854775807,0,1.5,null]");
}

static void test_every_control_character(void **state)
{
	(void)state;
	for (int c = 0; c < 0x20; c++) {
		char in[1] = {(char)c};
		const char *out = escaped(in, 1);
		char want[16];
		switch (c) {
		case '\b':
			strcpy(want, "\"\\b\"");
			break;
		case '\f':
			strcpy(want, "\"\\f\"");
			break;
		case '\n':
			strcpy(want, "\"\\n\"");
			break;
		case '\r':
			strcpy(want, "\"\\r\"");
			break;
		case '\t':
			strcpy(want, "\"\\t\"");
			break;
		default:
			snprintf(want, sizeof(want), "\"\\u%04x\"", c);
		}
		assert_string_equal(out, want);
	}
	assert_string_equal(escaped("a\"b\\c/", 6), "\"a\\\"b\\\\c/\"");
	assert_string_equal(escaped("\x7f", 1), "\"\x7f\"");
}

static void test_chinese_and_astral_pass_through(void **state)
{
	(void)state;
	const char *s = "工会 会员 身份证号 😀 𠀀";
	assert_string_equal(escaped(s, strlen(s)), "\"工会 会员 身份证号 😀 𠀀\"");
}

static void test_invalid_utf8_becomes_replacement(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"\xff", "\"\xEF\xBF\xBD\""},                 /* never valid */
	    {"a\x80z", "\"a\xEF\xBF\xBDz\""},             /* lone continuation */
	    {"\xC0\xAF", "\"\xEF\xBF\xBD\xEF\xBF\xBD\""}, /* overlong '/' */
	    {"\xE0\x80\xAF", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""},
	    {"\xED\xA0\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""}, /* surrogate */
	    {"\xF4\x90\x80\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""},
	    {"\xE5\xB7", "\"\xEF\xBF\xBD\xEF\xBF\xBD\""}, /* truncated 工 */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(escaped(cases[i].in, strlen(cases[i].in)), cases[i].out);
}

/* Whatever bytes go in, jansson must read back valid JSON. */
static void test_random_bytes_round_trip(void **state)
{
	(void)state;
	unsigned seed = 12345;
	for (int round = 0; round < 2000; round++) {
		char in[64];
		size_t n = (size_t)(rand_r(&seed) % 64);
		for (size_t i = 0; i < n; i++)
			in[i] = (char)rand_r(&seed);
		struct jw w;
		jw_init(&w, &A);
		jw_arr(&w);
		jw_strn(&w, in, n);
		jw_arr_end(&w);
		json_error_t je;
		json_t *j = json_loadb(w.buf, w.len, JSON_ALLOW_NUL, &je);
		assert_non_null(j);
		json_decref(j);
		arena_reset(&A);
	}
}

static void test_malloc_mode_grows(void **state)
{
	(void)state;
	struct jw w;
	jw_init(&w, NULL);
	jw_arr(&w);
	for (int i = 0; i < 10000; i++)
		jw_str(&w, "职工");
	jw_arr_end(&w);
	assert_int_equal(w.len, 2 + 10000 * 8 + 9999);
	jw_release(&w);
}

static int setup(void **state)
{
	(void)state;
	arena_init(&A);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_release(&A);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_structure),
	    cmocka_unit_test(test_int_extremes),
	    cmocka_unit_test(test_every_control_character),
	    cmocka_unit_test(test_chinese_and_astral_pass_through),
	    cmocka_unit_test(test_invalid_utf8_becomes_replacement),
	    cmocka_unit_test(test_random_bytes_round_trip),
	    cmocka_unit_test(test_malloc_mode_grows),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
