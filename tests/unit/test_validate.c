/* Check-digit validators and masks. Valid numbers beyond the published
 * examples are built here with check characters computed independently. */
#include "unit.h"

#include <time.h>

#include "core/china_time.h"
#include "core/validate.h"
#include "platform/member.h"

/* Appends the GB 11643 check character to a 17-digit prefix. */
static const char *id18(const char *s17)
{
	static char buf[19];
	static const int w[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (s17[i] - '0') * w[i];
	snprintf(buf, sizeof(buf), "%s%c", s17, "10X98765432"[sum % 11]);
	return buf;
}

/* Appends the GB 32100 check character to a 17-character prefix. */
static const char *credit18(const char *s17)
{
	static const char a[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	static const int w[] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
	static char buf[19];
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (int)(strchr(a, s17[i]) - a) * w[i];
	snprintf(buf, sizeof(buf), "%s%c", s17, a[(31 - sum % 31) % 31]);
	return buf;
}

/* Birth date (YYYYMMDD) days from now, in UTC; ±3 days is past or future in any zone. */
static void date_from_now(int days, char out[9])
{
	time_t t = time(NULL) + days * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 9, "%Y%m%d", &tm);
}

static void bad(int rc, const struct err *e, const char *slug, const char *msg)
{
	assert_int_equal(rc, -1);
	assert_int_equal(e->code, ERR_INVALID);
	assert_string_equal(e->slug, slug);
	if (msg)
		assert_string_equal(e->message, msg);
}

static void test_id_card(void **state)
{
	(void)state;
	struct err e;
	const char *slug = "invalid_id_card";
	assert_int_equal(valid_id_card("11010519491231002X", "id_card", &e), 0);
	assert_int_equal(valid_id_card("11010519491231002x", "id_card", &e), 0);
	assert_int_equal(valid_id_card(id18("61010220000229123"), "id_card", &e), 0);
	bad(valid_id_card("110105194912310021", "id_card", &e), &e, slug, "身份证号校验位不正确");
	assert_string_equal(e.field, "id_card");
	bad(valid_id_card("110105194912310020", "id_card", &e), &e, slug, "身份证号校验位不正确");
	bad(valid_id_card(id18("61010219900230123"), "id_card", &e), &e, slug,
	    "身份证号中的出生日期不存在");
	bad(valid_id_card(id18("61010219000229123"), "id_card", &e), &e, slug,
	    "身份证号中的出生日期不存在"); /* 1900 is not a leap year */
	bad(valid_id_card(id18("61010218991231123"), "id_card", &e), &e, slug,
	    "身份证号中的出生日期不存在");
	bad(valid_id_card(id18("61010219901301123"), "id_card", &e), &e, slug,
	    "身份证号中的出生日期不存在");
	bad(valid_id_card(id18("61010219900100123"), "id_card", &e), &e, slug,
	    "身份证号中的出生日期不存在");

	char d[9], s17[18];
	date_from_now(3, d);
	snprintf(s17, sizeof(s17), "610102%s123", d);
	bad(valid_id_card(id18(s17), "id_card", &e), &e, slug, "身份证号中的出生日期晚于今天");
	date_from_now(-3, d);
	snprintf(s17, sizeof(s17), "610102%s123", d);
	assert_int_equal(valid_id_card(id18(s17), "id_card", &e), 0);

	bad(valid_id_card(id18("01010519491231002"), "id_card", &e), &e, slug,
	    "身份证号中的地区码不正确");
	const char *lengths[] = {"", "11010519491231002", "11010519491231002X1", "110105491231002"};
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++)
		bad(valid_id_card(lengths[i], "id_card", &e), &e, slug, "身份证号应为 18 位");
	bad(valid_id_card(NULL, "id_card", &e), &e, slug, "身份证号应为 18 位");
	bad(valid_id_card("1101051949123100XX", "id_card", &e), &e, slug, NULL);
	bad(valid_id_card("11010519491231002Y", "id_card", &e), &e, slug, NULL);
	bad(valid_id_card("1101051949 231002X", "id_card", &e), &e, slug, NULL);
	bad(valid_id_card("110105194912310021", "spouse_id_card", &e), &e, "invalid_spouse_id_card",
	    "身份证号校验位不正确");
	assert_string_equal(e.field, "spouse_id_card");
}

static void test_id_card_parts(void **state)
{
	(void)state;
	char out[19], birth[11];
	assert_int_equal(id_card_from15("110105491231002", out), 0);
	assert_string_equal(out, "11010519491231002X");
	assert_int_equal(id_card_from15("610102900101123", out), 0);
	assert_string_equal(out, id18("61010219900101123"));
	assert_int_equal(id_card_from15("110105490230002", out), -1); /* Feb 30 */
	assert_int_equal(id_card_from15("11010549123100", out), -1);
	assert_int_equal(id_card_from15("1101054912310021", out), -1);
	assert_int_equal(id_card_from15("11010549123100X", out), -1);
	assert_int_equal(id_card_from15("010105491231002", out), -1);
	assert_int_equal(id_card_from15(NULL, out), -1);

	assert_int_equal(id_card_gender("11010519491231002X"), 2);
	assert_int_equal(id_card_gender(id18("61010219900101123")), 1);
	assert_int_equal(id_card_gender(id18("61010219900101120")), 2);
	assert_int_equal(id_card_gender("6101"), 0);
	id_card_birth("11010519491231002X", birth);
	assert_string_equal(birth, "1949-12-31");
	id_card_birth("6101", birth);
	assert_string_equal(birth, "");
}

static void test_phone(void **state)
{
	(void)state;
	struct err e;
	const char *good[] = {"13812345678", "19912345678", "15000000000", "17012345678"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(valid_phone(good[i], "phone", &e), 0);
	const char *wrong[] = {"",
	                       "1381234567",
	                       "138123456789",
	                       "1381234567a",
	                       "+8613812345678",
	                       "138 1234 5678",
	                       "１３８１２３４５６７８"};
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++)
		bad(valid_phone(wrong[i], "phone", &e), &e, "invalid_phone",
		    "手机号应为 11 位数字");
	bad(valid_phone(NULL, "phone", &e), &e, "invalid_phone", "手机号应为 11 位数字");
	bad(valid_phone("12812345678", "phone", &e), &e, "invalid_phone",
	    "手机号应以 13 至 19 开头");
	bad(valid_phone("23812345678", "phone", &e), &e, "invalid_phone",
	    "手机号应以 13 至 19 开头");
}

static void test_credit_code(void **state)
{
	(void)state;
	struct err e;
	const char *slug = "invalid_credit_code";
	assert_int_equal(valid_credit_code("91350100M000100Y43", "credit_code", &e), 0);
	const char *built[] = {"81610000MA6X00001", "91610000MA6TG1234", "11100000000013127",
	                       "Y1610102MAB0C0DEF", "00000000000000000"};
	for (size_t i = 0; i < sizeof(built) / sizeof(built[0]); i++)
		if (valid_credit_code(credit18(built[i]), "credit_code", &e))
			fail_msg("%s rejected: %s", credit18(built[i]), e.message);
	assert_string_equal(credit18("91350100M000100Y4"), "91350100M000100Y43");
	assert_string_equal(credit18("11100000000013127"), "11100000000013127D");

	bad(valid_credit_code("91350100M000100Y44", "credit_code", &e), &e, slug,
	    "统一社会信用代码校验位不正确");
	bad(valid_credit_code("91350100M000100Y4", "credit_code", &e), &e, slug,
	    "统一社会信用代码应为 18 位");
	bad(valid_credit_code("91350100M000100Y430", "credit_code", &e), &e, slug,
	    "统一社会信用代码应为 18 位");
	bad(valid_credit_code(NULL, "credit_code", &e), &e, slug, "统一社会信用代码应为 18 位");
	bad(valid_credit_code("91350100m000100y43", "credit_code", &e), &e, slug,
	    "统一社会信用代码中的字母应为大写");
	for (const char *c = "IOZSV-* "; *c; c++) {
		char s[19] = "91350100M000100Y43";
		s[9] = *c;
		bad(valid_credit_code(s, "credit_code", &e), &e, slug,
		    "统一社会信用代码只能含数字和大写字母（不含 I、O、Z、S、V）");
	}
}

static void test_org_code(void **state)
{
	(void)state;
	struct err e;
	const char *slug = "invalid_org_code";
	const char *good[] = {"M000100Y-4", "M000100Y4",  "12345678-8", "123456788",
	                      "00000006-X", "00000000-0", "D2143569-X"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (valid_org_code(good[i], "org_code", &e))
			fail_msg("%s rejected: %s", good[i], e.message);
	bad(valid_org_code("12345678-9", "org_code", &e), &e, slug, "组织机构代码校验位不正确");
	bad(valid_org_code("00000006-0", "org_code", &e), &e, slug, "组织机构代码校验位不正确");
	bad(valid_org_code("00000006-x", "org_code", &e), &e, slug, "组织机构代码校验位不正确");
	bad(valid_org_code("m000100y-4", "org_code", &e), &e, slug,
	    "组织机构代码本体只能含数字和大写字母");
	const char *shape[] = {"",           "12345678", "12345678-", "1234567-88", "12345678--8",
	                       "1234567888", NULL};
	for (size_t i = 0; i < sizeof(shape) / sizeof(shape[0]); i++)
		bad(valid_org_code(shape[i], "org_code", &e), &e, slug,
		    "组织机构代码应为 9 位，可在校验位前加“-”");
}

static void test_date(void **state)
{
	(void)state;
	struct err e;
	const char *good[] = {"2024-02-29", "2000-02-29", "1900-01-01", "2100-12-31", "2023-12-31"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(valid_date(good[i], "join_date", &e), 0);
	const char *missing[] = {"2023-02-29", "1900-02-29", "2024-04-31",
	                         "2024-13-01", "2024-00-10", "2024-01-00"};
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
		bad(valid_date(missing[i], "join_date", &e), &e, "invalid_join_date", "日期不存在");
	bad(valid_date("1899-12-31", "join_date", &e), &e, "invalid_join_date",
	    "日期应在 1900 年至 2100 年之间");
	bad(valid_date("2101-01-01", "join_date", &e), &e, "invalid_join_date",
	    "日期应在 1900 年至 2100 年之间");
	const char *shape[] = {"",         "2024-2-01",      "2024/02/01", "2024-02-01T00",
	                       "20240201", "２０２４-02-01", "2024-0a-01", NULL};
	for (size_t i = 0; i < sizeof(shape) / sizeof(shape[0]); i++)
		bad(valid_date(shape[i], "join_date", &e), &e, "invalid_join_date",
		    "日期格式应为 YYYY-MM-DD");
}

static void test_password(void **state)
{
	(void)state;
	struct err e;
	const char *policy = "密码至少 8 位，且包含大写字母、小写字母、数字、符号中的三类";
	const char *good[] = {"Abcdefg1", "abcdef1!",     "ABCDEF1!",
	                      "Abcdefg!", "工会密码Ab1!", "工会密码ab1!"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (valid_password(good[i], "zhangsan", "password", &e))
			fail_msg("%s rejected: %s", good[i], e.message);
	const char *weak[] = {"",          "Abc1234",     "abcdefg1",         "ABCDEFGH",
	                      "12345678!", "工会密码Ab1", "工会密码工会密码", NULL};
	for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++)
		bad(valid_password(weak[i], NULL, "password", &e), &e, "invalid_password", policy);
	/* "12345678!" is only digit + other; 工会密码Ab1 is 15 bytes but 7 characters */

	char longpw[80];
	memset(longpw, 'a', sizeof(longpw));
	memcpy(longpw, "A1", 2);
	longpw[64] = '\0';
	assert_int_equal(valid_password(longpw, NULL, "password", &e), 0);
	longpw[64] = 'a';
	longpw[65] = '\0';
	bad(valid_password(longpw, NULL, "password", &e), &e, "invalid_password",
	    "密码不能超过 64 位");

	bad(valid_password("Xx_ZhangSan_1", "zhangsan", "password", &e), &e, "invalid_password",
	    "密码不能包含用户名");
	bad(valid_password("zhangsan@2024", "ZhangSan", "password", &e), &e, "invalid_password",
	    "密码不能包含用户名");
	assert_int_equal(valid_password("Xx_ab_12345", "ab", "password", &e), 0);
	assert_int_equal(valid_password("Xx_ZhangSa_1", "zhangsan", "password", &e), 0);
}

/* 入会日期 "today" is China's today: a server in another time zone must
 * not refuse a member who joined today in Shaanxi (or accept tomorrow). */
static void test_joined_today_in_china(void **state)
{
	(void)state;
	setenv("TZ", "Etc/GMT+12", 1); /* twenty hours behind Beijing */
	tzset();
	char today[11], tomorrow[11];
	time_t t = time(NULL) + 8 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	t += 86400;
	gmtime_r(&t, &tm);
	strftime(tomorrow, sizeof(tomorrow), "%Y-%m-%d", &tm);
	char cn[11];
	china_today(cn);
	assert_string_equal(cn, today);
	struct member_input in = {.name = "王建国",
	                          .id_card = "11010519491231002X",
	                          .joined_on = today,
	                          .org_id = 1,
	                          .migrant = -1,
	                          .flexible = -1};
	struct err e = {0};
	assert_int_equal(member_validate(&in, &e), 0);
	in.joined_on = tomorrow;
	assert_int_equal(member_validate(&in, &e), -1);
	assert_string_equal(e.field, "joined_on");
	unsetenv("TZ");
	tzset();
}

static void test_masks(void **state)
{
	(void)state;
	char out[32];
	mask_id_card("61010519900101123X", out);
	assert_string_equal(out, "6101**********123X");
	mask_id_card("11010519491231002x", out);
	assert_string_equal(out, "1101**********002x");
	mask_phone("13812345678", out);
	assert_string_equal(out, "138****5678");
	mask_phone("12345", out);
	assert_string_equal(out, "****5");
	mask_id_card("110105491231002", out);
	assert_string_equal(out, "**************2");
	mask_id_card("", out);
	assert_string_equal(out, "");
	mask_phone(NULL, out);
	assert_string_equal(out, "");
	mask_phone("1", out);
	assert_string_equal(out, "1");
	mask_id_card("0123456789012345678901234567890123456789", out);
	assert_string_equal(out, "0123***********************6789");
	mask_phone("电话13812345678", out);
	assert_string_equal(out, "*************5678");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_id_card),
	    cmocka_unit_test(test_id_card_parts),
	    cmocka_unit_test(test_phone),
	    cmocka_unit_test(test_credit_code),
	    cmocka_unit_test(test_org_code),
	    cmocka_unit_test(test_date),
	    cmocka_unit_test(test_password),
	    cmocka_unit_test(test_masks),
	    cmocka_unit_test(test_joined_today_in_china),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
