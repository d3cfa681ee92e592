#include "validate.h"
#include "china_time.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char credit_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int num(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static int real_date(int y, int m, int d)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1] + (m == 2 && leap);
}

/* Today as YYYYMMDD in China. */
static int today_cn(void)
{
	struct tm tm;
	china_tm(time(NULL), &tm);
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

/* 8 digits YYYYMMDD: 0 real and in range, -1 not a date, -2 in the future. */
static int birth_date(const char *s)
{
	int y = num(s, 4), m = num(s + 4, 2), d = num(s + 6, 2);
	if (y < 1900 || !real_date(y, m, d))
		return -1;
	return y * 10000 + m * 100 + d > today_cn() ? -2 : 0;
}

static char id_check(const char *s17)
{
	static const int w[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (s17[i] - '0') * w[i];
	return "10X98765432"[sum % 11];
}

int valid_id_card(const char *s, const char *field, struct err *e)
{
	if (!s || strlen(s) != 18)
		return err_set(e, ERR_INVALID, NULL, field, "身份证号应为 18 位");
	if (!digits(s, 17) || !(digits(s + 17, 1) || s[17] == 'X' || s[17] == 'x'))
		return err_set(e, ERR_INVALID, NULL, field,
		               "身份证号应为 17 位数字加 1 位数字或 X");
	if (s[0] == '0')
		return err_set(e, ERR_INVALID, NULL, field, "身份证号中的地区码不正确");
	int b = birth_date(s + 6);
	if (b == -1)
		return err_set(e, ERR_INVALID, NULL, field, "身份证号中的出生日期不存在");
	if (b == -2)
		return err_set(e, ERR_INVALID, NULL, field, "身份证号中的出生日期晚于今天");
	if (id_check(s) != (s[17] == 'x' ? 'X' : s[17]))
		return err_set(e, ERR_INVALID, NULL, field, "身份证号校验位不正确");
	return 0;
}

int id_card_from15(const char *in, char out[19])
{
	if (!in || strlen(in) != 15 || !digits(in, 15) || in[0] == '0')
		return -1;
	snprintf(out, 19, "%.6s19%.9s", in, in + 6);
	if (birth_date(out + 6))
		return -1;
	out[17] = id_check(out);
	out[18] = '\0';
	return 0;
}

/* 0 (GB/T 2261.1 "unknown") for what is not a valid number. */
int id_card_gender(const char *id18)
{
	if (strnlen(id18, 17) < 17 || !digits(id18 + 16, 1))
		return 0;
	return (id18[16] - '0') % 2 ? 1 : 2;
}

void id_card_birth(const char *id18, char out[11])
{
	if (strnlen(id18, 14) < 14)
		out[0] = '\0';
	else
		snprintf(out, 11, "%.4s-%.2s-%.2s", id18 + 6, id18 + 10, id18 + 12);
}

int valid_phone(const char *s, const char *field, struct err *e)
{
	if (!s || strlen(s) != 11 || !digits(s, 11))
		return err_set(e, ERR_INVALID, NULL, field, "手机号应为 11 位数字");
	if (s[0] != '1' || s[1] < '3')
		return err_set(e, ERR_INVALID, NULL, field, "手机号应以 13 至 19 开头");
	return 0;
}

int valid_credit_code(const char *s, const char *field, struct err *e)
{
	static const int w[] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
	int v[18], sum = 0;
	if (!s || strlen(s) != 18)
		return err_set(e, ERR_INVALID, NULL, field, "统一社会信用代码应为 18 位");
	for (int i = 0; i < 18; i++) {
		const char *p = s[i] ? strchr(credit_alphabet, s[i]) : NULL;
		if (s[i] >= 'a' && s[i] <= 'z')
			return err_set(e, ERR_INVALID, NULL, field,
			               "统一社会信用代码中的字母应为大写");
		if (!p)
			return err_set(
			    e, ERR_INVALID, NULL, field,
			    "统一社会信用代码只能含数字和大写字母（不含 I、O、Z、S、V）");
		v[i] = (int)(p - credit_alphabet);
	}
	for (int i = 0; i < 17; i++)
		sum += v[i] * w[i];
	if ((31 - sum % 31) % 31 != v[17])
		return err_set(e, ERR_INVALID, NULL, field, "统一社会信用代码校验位不正确");
	return 0;
}

int valid_org_code(const char *s, const char *field, struct err *e)
{
	static const int w[] = {3, 7, 9, 10, 5, 8, 4, 2};
	size_t n = s ? strlen(s) : 0;
	int sum = 0;
	if (!((n == 9 && s[8] != '-') || (n == 10 && s[8] == '-')))
		return err_set(e, ERR_INVALID, NULL, field,
		               "组织机构代码应为 9 位，可在校验位前加“-”");
	for (int i = 0; i < 8; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9')
			sum += (c - '0') * w[i];
		else if (c >= 'A' && c <= 'Z')
			sum += (c - 'A' + 10) * w[i];
		else
			return err_set(e, ERR_INVALID, NULL, field,
			               "组织机构代码本体只能含数字和大写字母");
	}
	int c = 11 - sum % 11;
	if (s[n - 1] != (c == 10 ? 'X' : c == 11 ? '0' : '0' + c))
		return err_set(e, ERR_INVALID, NULL, field, "组织机构代码校验位不正确");
	return 0;
}

void credit_code_make(const char *prefix2, const char *division6, const char *body8, char out[19])
{
	static const int wo[] = {3, 7, 9, 10, 5, 8, 4, 2};
	static const int wc[] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
	int sum = 0;
	snprintf(out, 19, "%.2s%.6s%.8s", prefix2, division6, body8);
	for (int i = 0; i < 8; i++) {
		char c = body8[i];
		sum += (c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10) * wo[i];
	}
	int oc = 11 - sum % 11;
	out[16] = (char)(oc == 10 ? 'X' : oc == 11 ? '0' : '0' + oc);
	sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (int)(strchr(credit_alphabet, out[i]) - credit_alphabet) * wc[i];
	out[17] = credit_alphabet[(31 - sum % 31) % 31];
	out[18] = '\0';
}

int valid_date(const char *s, const char *field, struct err *e)
{
	if (!s || strlen(s) != 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
	    s[7] != '-' || !digits(s + 8, 2))
		return err_set(e, ERR_INVALID, NULL, field, "日期格式应为 YYYY-MM-DD");
	int y = num(s, 4);
	if (!real_date(y, num(s + 5, 2), num(s + 8, 2)))
		return err_set(e, ERR_INVALID, NULL, field, "日期不存在");
	if (y < 1900 || y > 2100)
		return err_set(e, ERR_INVALID, NULL, field, "日期应在 1900 年至 2100 年之间");
	return 0;
}

static char fold(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ASCII-only case folding: strcasestr follows the locale. */
static int contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] && fold(hay[i]) == fold(needle[i]))
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

int valid_password(const char *pw, const char *username, const char *field, struct err *e)
{
	int chars = 0, upper = 0, lower = 0, digit = 0, other = 0;
	for (const char *p = pw ? pw : ""; *p; p++) {
		unsigned char c = (unsigned char)*p;
		chars += (c & 0xc0) != 0x80; /* UTF-8 continuation bytes are not characters */
		upper |= c >= 'A' && c <= 'Z';
		lower |= c >= 'a' && c <= 'z';
		digit |= c >= '0' && c <= '9';
		other |=
		    !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
	}
	if (chars < 8 || upper + lower + digit + other < 3)
		return err_set(e, ERR_INVALID, NULL, field,
		               "密码至少 8 位，且包含大写字母、小写字母、数字、符号中的三类");
	if (chars > 64)
		return err_set(e, ERR_INVALID, NULL, field, "密码不能超过 64 位");
	if (username && strlen(username) >= 3 && contains_nocase(pw, username))
		return err_set(e, ERR_INVALID, NULL, field, "密码不能包含用户名");
	return 0;
}

/* Keeps head and tail of a full-length value; anything shorter shows only its
 * last character. Kept characters are printable ASCII or become '*', so the
 * output is always ASCII and at most 31 characters. */
static void mask(const char *s, size_t full, size_t head, size_t tail, char out[32])
{
	size_t n = s ? strlen(s) : 0, o = 0;
	if (n < full) {
		head = 0;
		tail = n ? 1 : 0;
	}
	size_t stars = n - head - tail;
	if (stars > 31 - head - tail)
		stars = 31 - head - tail;
	for (size_t i = 0; i < head; i++)
		out[o++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '*';
	memset(out + o, '*', stars);
	o += stars;
	for (size_t i = n - tail; i < n; i++)
		out[o++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '*';
	out[o] = '\0';
}

void mask_id_card(const char *s, char out[32])
{
	mask(s, 18, 4, 4, out);
}

void mask_phone(const char *s, char out[32])
{
	mask(s, 11, 3, 4, out);
}
