#include "import_row.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "core/validate.h"

const struct import_column import_columns[IC_COUNT] = {
    [IC_NAME] = {"姓名", NULL, 1},
    [IC_ID_CARD] = {"身份证号", NULL, 1},
    [IC_PHONE] = {"手机号", NULL, 0},
    [IC_ETHNICITY] = {"民族", "ethnicity", 0},
    [IC_POLITICAL] = {"政治面貌", "political", 0},
    [IC_EDUCATION] = {"学历", "education", 0},
    [IC_HUKOU] = {"户籍类型", "hukou", 0},
    [IC_EMPLOYMENT] = {"就业状态", "employment", 0},
    [IC_FLEXIBLE] = {"灵活就业", "yesno", 0},
    [IC_EMPLOYER] = {"工作单位", NULL, 0},
    [IC_JOINED_ON] = {"入会日期", NULL, 1},
    [IC_ORG] = {"所属工会编号", NULL, 0},
};

/* Other names the same columns go by in the forms unions already keep. */
static const struct import_alias aliases[] = {
    {"身份证号码", IC_ID_CARD},    {"公民身份号码", IC_ID_CARD}, {"身份证", IC_ID_CARD},
    {"手机号码", IC_PHONE},        {"联系电话", IC_PHONE},       {"手机", IC_PHONE},
    {"文化程度", IC_EDUCATION},    {"户口性质", IC_HUKOU},       {"户籍性质", IC_HUKOU},
    {"是否灵活就业", IC_FLEXIBLE}, {"单位名称", IC_EMPLOYER},    {"入会时间", IC_JOINED_ON},
    {"工会编号", IC_ORG},          {"所属工会ID", IC_ORG},
};

_Static_assert((int)IC_COUNT <= (int)IMPORT_MAX_COLS, "too many columns for struct import_header");

const struct import_layout import_member_layout = {
    import_columns, IC_COUNT, aliases, sizeof(aliases) / sizeof(aliases[0]), {IC_NAME, IC_ID_CARD}};

/* Length of a blank at s: ASCII white space, U+3000 (spreadsheets), U+FEFF
 * (a BOM or a zero-width no-break space pasted from the web), U+00A0. */
static size_t blank_at(const unsigned char *s, size_t n)
{
	if (n >= 1 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		return 1;
	if (n >= 3 && s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
		return 3;
	if (n >= 2 && s[0] == 0xC2 && s[1] == 0xA0)
		return 2;
	return 0;
}

/* s[0..n) without surrounding blanks, as a new string in a. */
static char *trimmed(struct arena *a, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k;
	while ((k = blank_at(p, n)) > 0) {
		p += k;
		n -= k;
	}
	/* from the end: the blanks are 1 to 3 bytes, so look back that far */
	for (int again = 1; again && n > 0;) {
		again = 0;
		for (size_t w = 1; w <= 3 && w <= n; w++)
			if (blank_at(p + n - w, w) == w) {
				n -= w;
				again = 1;
				break;
			}
	}
	return arena_strndup(a, (const char *)p, n);
}

void import_row_fail(struct import_rec *r, struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = arena_vprintf(a, fmt, ap);
	va_end(ap);
	r->why = r->why ? arena_printf(a, "%s；%s", r->why, msg) : msg;
	r->nwhy++;
}

size_t import_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* "姓名*", "姓名（必填）", " 姓名 " → "姓名" */
static char *header_title(struct arena *a, const char *cell, size_t len)
{
	char *t = trimmed(a, cell, len);
	size_t n = strlen(t);
	static const char *const marks[] = {"*", "＊", "（必填）", "(必填)"};
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		size_t m = strlen(marks[i]);
		if (n > m && !strcmp(t + n - m, marks[i])) {
			t[n - m] = '\0';
			return trimmed(a, t, n - m);
		}
	}
	return t;
}

static int column_of(const struct import_layout *l, const char *title)
{
	for (int c = 0; c < l->ncols; c++)
		if (!strcmp(title, l->cols[c].title))
			return c;
	for (int i = 0; i < l->naliases; i++)
		if (!strcmp(title, l->aliases[i].alias))
			return l->aliases[i].col;
	return -1;
}

void import_header_release(struct import_header *h)
{
	if (h->titles)
		for (int i = 0; i < h->n; i++)
			free(h->titles[i]);
	free(h->titles);
	h->titles = NULL;
	h->n = 0;
}

int import_header_read(const struct import_layout *l, const struct table_row *row,
                       struct import_header *h, struct err *e)
{
	struct arena a;
	arena_init(&a);
	memset(h, 0, sizeof(*h));
	for (int c = 0; c < IMPORT_MAX_COLS; c++)
		h->at[c] = -1;
	int rc = 0;
	for (int i = 0; i < row->n; i++) {
		int c = column_of(l, header_title(&a, row->cells[i], row->lens[i]));
		if (c < 0)
			continue;
		if (h->at[c] >= 0) {
			rc = err_set(e, ERR_INVALID, "bad_header", NULL,
			             "表头中“%s”列出现了两次（第 %d 列和第 %d 列）",
			             l->cols[c].title, h->at[c] + 1, i + 1);
			goto out;
		}
		h->at[c] = i;
	}
	if (h->at[l->key[0]] < 0 || h->at[l->key[1]] < 0)
		goto out; /* not the header row */
	for (int c = 0; c < l->ncols; c++)
		if (l->cols[c].required && h->at[c] < 0) {
			rc = err_set(e, ERR_INVALID, "bad_header", NULL,
			             "缺少必填列“%s”：请使用下载的导入模板", l->cols[c].title);
			goto out;
		}
	if (!(h->titles = calloc((size_t)row->n + 1, sizeof(*h->titles)))) {
		rc = err_set(e, ERR_INTERNAL, NULL, NULL, "内存不足");
		goto out;
	}
	h->n = row->n;
	h->line = row->line;
	for (int i = 0; i < row->n; i++)
		if (!(h->titles[i] = strndup(row->cells[i], row->lens[i]))) {
			import_header_release(h);
			rc = err_set(e, ERR_INTERNAL, NULL, NULL, "内存不足");
			goto out;
		}
	rc = 1;
out:
	arena_release(&a);
	return rc;
}

static int digits_at(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

/* A number of 1 or 2 digits at *s, advancing past it. */
static int small_number(const char **s, int *v)
{
	int n = 0;
	*v = 0;
	while (n < 2 && (*s)[n] >= '0' && (*s)[n] <= '9')
		*v = *v * 10 + ((*s)[n++] - '0');
	*s += n;
	return n > 0;
}

static int skip(const char **s, const char *sep)
{
	size_t n = strlen(sep);
	if (strncmp(*s, sep, n))
		return 0;
	*s += n;
	return 1;
}

int import_date(const char *s, char out[11])
{
	int y, m, d;
	size_t len = strlen(s);
	if (len == 8 && digits_at(s, 4, &y) && digits_at(s + 4, 2, &m) && digits_at(s + 6, 2, &d))
		goto done;
	if (!digits_at(s, 4, &y))
		return -1;
	const char *p = s + 4;
	static const char *const seps[][3] = {
	    {"-", "-", ""}, {"/", "/", ""}, {".", ".", ""}, {"年", "月", "日"}};
	for (size_t i = 0; i < sizeof(seps) / sizeof(seps[0]); i++) {
		const char *q = p;
		if (!skip(&q, seps[i][0]) || !small_number(&q, &m) || !skip(&q, seps[i][1]) ||
		    !small_number(&q, &d))
			continue;
		if (*seps[i][2])
			skip(&q, seps[i][2]);
		/* a date-time cell: the time of day says nothing about the date */
		if (*q == ' ' || *q == 'T') {
			int hh, mm;
			const char *t = q + 1;
			if (!small_number(&t, &hh) || !skip(&t, ":") || !small_number(&t, &mm))
				return -1;
			q = t + strspn(t, "0123456789:.");
		}
		if (*q)
			return -1;
		goto done;
	}
	return -1;
done:
	if (m < 1 || m > 99 || d < 1 || d > 99)
		return -1;
	char tmp[40]; /* room for any int, though y has 4 digits, m and d 2 */
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", y, m, d);
	memcpy(out, tmp, 10);
	out[10] = '\0';
	return 0;
}

const char *import_cell(const struct import_header *h, const struct table_row *row, int c,
                        struct arena *a)
{
	int i = h->at[c];
	if (i < 0 || i >= row->n)
		return "";
	return trimmed(a, row->cells[i], row->lens[i]);
}

static void parse_id(struct import_row *r, struct arena *a, const char *s)
{
	struct err e;
	char up[32];
	if (!*s) {
		import_row_fail(&r->rec, a, "请填写身份证号");
		return;
	}
	if (strpbrk(s, "Ee") && strchr(s, '+')) {
		import_row_fail(&r->rec, a,
		                "身份证号“%s”被表格软件存成了数字，后几位已丢失：请把该列设为"
		                "文本格式后重新填写",
		                s);
		return;
	}
	snprintf(up, sizeof(up), "%s", s);
	size_t n = strlen(s);
	if (n == 18 && up[17] == 'x')
		up[17] = 'X';
	if (n == 15 && strspn(s, "0123456789") == 15) {
		/* old numbers are converted, never stored as they are */
		if (id_card_from15(s, r->id18))
			import_row_fail(&r->rec, a, "15 位身份证号“%s”中的出生日期不存在", s);
		else
			r->id_ok = 1;
		return;
	}
	if (n != 18 && n != 15) {
		import_row_fail(&r->rec, a, "身份证号“%s”应为 18 位（或 15 位旧号码）", s);
		return;
	}
	if (valid_id_card(up, "id_card", &e)) {
		import_row_fail(&r->rec, a, "%s（%s）", e.message, s);
		return;
	}
	memcpy(r->id18, up, 19);
	r->id_ok = 1;
}

static const char *parse_code(struct import_row *r, struct arena *a, enum import_col c,
                              const char *s)
{
	if (!*s)
		return NULL;
	const char *code = code_lookup(import_columns[c].table, s);
	if (!code)
		import_row_fail(&r->rec, a, "%s“%s”不在代码表中，请从下拉列表中选择",
		                import_columns[c].title, s);
	return code;
}

static void parse_joined(struct import_row *r, struct arena *a, const char *s, const char *today)
{
	char d[11];
	struct err e;
	if (!*s) {
		import_row_fail(&r->rec, a, "请填写入会日期");
		return;
	}
	if (import_date(s, d) || valid_date(d, "joined_on", &e)) {
		import_row_fail(&r->rec, a, "入会日期“%s”不是有效的日期（格式如 2020-05-01）", s);
		return;
	}
	char birth[11];
	if (strcmp(d, today) > 0)
		import_row_fail(&r->rec, a, "入会日期 %s 晚于今天", d);
	if (r->id_ok) {
		id_card_birth(r->id18, birth);
		if (strcmp(d, birth) < 0)
			import_row_fail(&r->rec, a, "入会日期 %s 早于出生日期 %s", d, birth);
	}
	r->in.joined_on = arena_strdup(a, d);
}

static void parse_org(struct import_row *r, struct arena *a, const char *s, int64_t default_org)
{
	r->org_text = s;
	if (!*s) {
		if (default_org <= 0)
			import_row_fail(&r->rec, a, "请填写所属工会编号");
		r->in.org_id = default_org;
		return;
	}
	char *end;
	long long v = strtoll(s, &end, 10);
	/* a number cell of an XLSX may come as "123.0" */
	if (end != s && !strcmp(end, ".0"))
		end += 2;
	if (*end || v <= 0 || strspn(s, "0123456789.") != strlen(s)) {
		import_row_fail(&r->rec, a, "所属工会编号“%s”应为数字", s);
		return;
	}
	r->in.org_id = v;
}

int import_row_parse(const struct import_header *h, const struct table_row *row,
                     int64_t default_org, const char *today, struct arena *a,
                     struct import_row *out)
{
	struct import_rec rec = out->rec;
	memset(out, 0, sizeof(*out));
	out->rec = (struct import_rec){.line = rec.line, .ncells = rec.ncells, .cells = rec.cells};
	struct import_row *r = out;
	const char *name = import_cell(h, row, IC_NAME, a);
	if (!*name)
		import_row_fail(&r->rec, a, "请填写姓名");
	else if (import_chars(name) > 30)
		import_row_fail(&r->rec, a, "姓名过长（最多 30 个字）");
	r->in.name = name;
	parse_id(r, a, import_cell(h, row, IC_ID_CARD, a));
	r->in.id_card = r->id_ok ? r->id18 : NULL;
	const char *phone = import_cell(h, row, IC_PHONE, a);
	struct err e;
	if (*phone && valid_phone(phone, "phone", &e))
		import_row_fail(&r->rec, a, "%s（%s）", e.message, phone);
	r->in.phone = *phone ? phone : NULL;
	r->in.ethnicity = parse_code(r, a, IC_ETHNICITY, import_cell(h, row, IC_ETHNICITY, a));
	r->in.political = parse_code(r, a, IC_POLITICAL, import_cell(h, row, IC_POLITICAL, a));
	r->in.education = parse_code(r, a, IC_EDUCATION, import_cell(h, row, IC_EDUCATION, a));
	r->in.hukou = parse_code(r, a, IC_HUKOU, import_cell(h, row, IC_HUKOU, a));
	r->in.employment = parse_code(r, a, IC_EMPLOYMENT, import_cell(h, row, IC_EMPLOYMENT, a));
	const char *flex = parse_code(r, a, IC_FLEXIBLE, import_cell(h, row, IC_FLEXIBLE, a));
	/* blank 灵活就业 follows 就业状态; 农业户籍 is what marks a 农民工 */
	r->in.flexible =
	    flex ? !strcmp(flex, "1") : r->in.employment && !strcmp(r->in.employment, "flexible");
	r->in.migrant = r->in.hukou && !strcmp(r->in.hukou, "rural");
	const char *employer = import_cell(h, row, IC_EMPLOYER, a);
	if (import_chars(employer) > 100)
		import_row_fail(&r->rec, a, "工作单位过长（最多 100 个字）");
	r->in.employer = *employer ? employer : NULL;
	parse_joined(r, a, import_cell(h, row, IC_JOINED_ON, a), today);
	parse_org(r, a, import_cell(h, row, IC_ORG, a), default_org);
	/* the single-member rules have the last word, so a file can never file
	 * what the form would refuse */
	if (r->rec.nwhy == 0 && member_validate(&r->in, &e))
		import_row_fail(&r->rec, a, "%s", e.message);
	return r->rec.nwhy;
}
