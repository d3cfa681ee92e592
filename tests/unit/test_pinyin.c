/* Pinyin initials through ICU, with the surname readings of polyphones. */
#include "unit.h"

#include <pthread.h>

#include "core/pinyin.h"

static void check(const char *name, const char *primary, const char *alt)
{
	char p[32], a[32];
	assert_int_equal(pinyin_initials(name, p, sizeof(p), a, sizeof(a)), 0);
	if (strcmp(p, primary) || strcmp(a, alt))
		fail_msg("%s: got \"%s\"/\"%s\", want \"%s\"/\"%s\"", name, p, a, primary, alt);
}

static void test_plain_names(void **state)
{
	(void)state;
	check("张三", "zs", "");
	check("张三丰", "zsf", "");
	check("李", "l", "");
	check("欧阳修", "oyx", "");
	/* syllables that start with a toned vowel */
	check("阿娥", "ae", "");
	check("吕", "l", "");
	check("", "", "");
}

static void test_surname_polyphones(void **state)
{
	(void)state;
	check("单雄信", "dxx", "sxx");
	check("曾国藩", "cgf", "zgf");
	check("解放", "jf", "xf");
	check("仇英", "cy", "qy");
	check("区家麟", "qjl", "ojl");
	check("查良镛", "cly", "zly");
	check("乐嘉", "lj", "yj");
	check("覃", "t", "q");
	check("长孙无忌", "zswj", "cswj");
	check("单于", "dy", "cy");
	check("尉迟恭", "wcg", "ycg");
	/* the same character inside a name is read as ICU reads it */
	check("张曾", "zc", "");
	/* where ICU already gives the surname reading there is no alt */
	check("朴槿惠", "pjh", "");
	check(" 单田芳", "dtf", "stf");
}

static void test_other_characters(void **state)
{
	(void)state;
	/* ASCII words give their first letter, as Chinese characters do */
	check("Anna 李", "al", "");
	check("李Anna", "la", "");
	check("ANNA-Maria", "am", "");
	/* the middle dot of minority and foreign names, digits and spaces go */
	check("阿依古丽·买买提",
	      "aygl"
	      "mmt",
	      "");
	check("王 2 号", "wh", "");
	check("Ｗ王", "w", "");
}

static void test_rare_characters(void **state)
{
	(void)state;
	char p[32], a[32];
	/* CJK extension A and B: whatever ICU knows, no crash, ASCII out */
	const char *rare[] = {"䶮", "𠀀", "刘䶮", "𠀀𪚥𰻞", "〇"};
	for (size_t i = 0; i < sizeof(rare) / sizeof(rare[0]); i++) {
		assert_int_equal(pinyin_initials(rare[i], p, sizeof(p), a, sizeof(a)), 0);
		for (const char *s = p; *s; s++)
			assert_true(*s >= 'a' && *s <= 'z');
		assert_true(strlen(p) <= 3);
	}
	check("刘䶮", "ly", "");
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	char p[32] = "x", a[32] = "x";
	const char *bad[] = {"\xff", "张\xe5\xbc", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(p, "x");
		strcpy(a, "x");
		assert_int_equal(pinyin_initials(bad[i], p, sizeof(p), a, sizeof(a)), -1);
		assert_string_equal(p, "");
		assert_string_equal(a, "");
	}
	assert_int_equal(pinyin_initials(NULL, p, sizeof(p), a, sizeof(a)), -1);
	assert_string_equal(p, "");
}

static void test_small_buffers(void **state)
{
	(void)state;
	char p[3], a[2];
	assert_int_equal(pinyin_initials("单雄信", p, sizeof(p), a, sizeof(a)), 0);
	assert_string_equal(p, "dx");
	assert_string_equal(a, "s");
	assert_int_equal(pinyin_initials("单雄信", p, sizeof(p), NULL, 0), 0);
	assert_string_equal(p, "dx");
	/* a very long name is cut, not overrun */
	char longname[3 * 400 + 1] = "";
	for (int i = 0; i < 400; i++)
		strcat(longname, "曾");
	char big[512], bigalt[512];
	assert_int_equal(pinyin_initials(longname, big, sizeof(big), bigalt, sizeof(bigalt)), 0);
	assert_int_equal(strlen(big), 255);
	assert_true(strlen(bigalt) >= 255);
	assert_int_equal(bigalt[0], 'z');
}

/* Both calls' outputs for name, which must be the same. */
static void agree(const char *name)
{
	char p[64], a[64], up[64], ua[64];
	int rc = pinyin_initials(name, p, sizeof(p), a, sizeof(a));
	int urc = pinyin_initials_uncached(name, up, sizeof(up), ua, sizeof(ua));
	if (rc != urc || strcmp(p, up) || strcmp(a, ua))
		fail_msg("%s: cached %d \"%s\"/\"%s\", ICU %d \"%s\"/\"%s\"", name, rc, p, a, urc,
		         up, ua);
}

static size_t utf8_put(unsigned cp, char *out)
{
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	out[0] = (char)(0xE0 | cp >> 12);
	out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[2] = (char)(0x80 | (cp & 0x3F));
	return 3;
}

/* The per-character cache answers as ICU does: every polyphone surname,
 * alone, as a surname and inside a name, then every BMP code point from
 * the CJK symbols to the end of the Unified Ideographs, each asked twice
 * (once learning it, once from the cache) and within a name. */
static void test_cache_agrees_with_icu(void **state)
{
	(void)state;
	static const char *const polyphones[] = {"单于", "尉迟", "单", "曾", "解", "仇", "区",
	                                         "朴",   "查",   "盖", "缪", "乐", "召", "尉",
	                                         "覃",   "种",   "员", "繁", "长", "都"};
	for (size_t i = 0; i < sizeof(polyphones) / sizeof(polyphones[0]); i++) {
		char name[64];
		agree(polyphones[i]);
		snprintf(name, sizeof(name), "%s国藩", polyphones[i]);
		agree(name);
		agree(name);
		snprintf(name, sizeof(name), "张%s", polyphones[i]);
		agree(name);
		snprintf(name, sizeof(name), " %s A·%s", polyphones[i], polyphones[i]);
		agree(name);
	}
	for (unsigned cp = 0x3000; cp < 0xA000; cp++) {
		char one[8] = "", name[16] = "王";
		one[utf8_put(cp, one)] = '\0';
		agree(one);
		agree(one);
		strcat(name, one);
		strcat(name, "明");
		agree(name);
	}
	/* the common names a cache serves most */
	check("张三丰", "zsf", "");
	check("曾国藩", "cgf", "zgf");
	check("单雄信", "dxx", "sxx");
}

/* Each thread opens its own transliterator; results agree across threads. */
static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++) {
		char p[32], a[32];
		if (pinyin_initials("曾国藩", p, sizeof(p), a, sizeof(a)) || strcmp(p, "cgf") ||
		    strcmp(a, "zgf"))
			return (void *)1;
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker, NULL), 0);
	for (int i = 0; i < 4; i++) {
		void *rc;
		assert_int_equal(pthread_join(th[i], &rc), 0);
		assert_null(rc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_names),      cmocka_unit_test(test_surname_polyphones),
	    cmocka_unit_test(test_other_characters), cmocka_unit_test(test_rare_characters),
	    cmocka_unit_test(test_invalid_utf8),     cmocka_unit_test(test_small_buffers),
	    cmocka_unit_test(test_threads),          cmocka_unit_test(test_cache_agrees_with_icu),
	};
	return cmocka_run_group_tests_name("pinyin", tests, NULL, NULL);
}
