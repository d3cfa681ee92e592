/* The base-union kind of import (基层工会批量导入): a row is one employer of a
 * 单独 or 联合基层工会 under an upper union in the importer's scope; the rows
 * of a 联合基层工会 share its 工会名称 and 上级工会 and make one union, so
 * the kind holds the whole file (tens of thousands of rows at most: the
 * province has about 60,000 base unions) and settles it once.
 *
 * A row is refused for what the form would refuse (org_fields_validate()),
 * and for: a code whose check characters are wrong, an upper union that is
 * not in the importer's scope, a base union or dissolved, an employer that
 * already has a union, the same employer twice in the file. A union is
 * made whole or not at all: one bad row of a 联合基层工会 keeps its other
 * rows out too, each saying why. The commit creates each good union with
 * org_record_create(), which keeps the history. */
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "core/validate.h"
#include "divisions.h"
#include "import_kind.h"
#include "org_record.h"

enum org_col {
	OC_NAME,
	OC_TYPE,
	OC_PARENT,
	OC_EMPLOYER,
	OC_CREDIT,
	OC_ORG_CODE,
	OC_DIVISION,
	OC_INDUSTRY,
	OC_UNIT_TYPE,
	OC_ADDRESS,
	OC_STAFF,
	OC_FEMALE,
	OC_MIGRANT,
	OC_FOUNDED,
	OC_CHAIR,
	OC_CHAIR_PHONE,
	OC_CONTACT,
	OC_CONTACT_PHONE,
	OC_COUNT
};

enum { TICK = 20 }; /* unions created between progress calls */

_Static_assert((int)OC_COUNT <= (int)IMPORT_MAX_COLS, "too many columns for struct import_header");

static const char *const type_names[] = {"单独基层工会", "联合基层工会", NULL};

static const struct import_column columns[OC_COUNT] = {
    [OC_NAME] = {"工会名称", NULL, 1, NULL},
    [OC_TYPE] = {"工会类型", NULL, 0, type_names},
    [OC_PARENT] = {"上级工会编号", NULL, 0, NULL},
    [OC_EMPLOYER] = {"单位名称", NULL, 1, NULL},
    [OC_CREDIT] = {"统一社会信用代码", NULL, 0, NULL},
    [OC_ORG_CODE] = {"组织机构代码", NULL, 0, NULL},
    [OC_DIVISION] = {"所在区县", NULL, 0, NULL},
    [OC_INDUSTRY] = {"行业", "industry", 0, NULL},
    [OC_UNIT_TYPE] = {"单位类别", "unit_type", 0, NULL},
    [OC_ADDRESS] = {"地址", NULL, 0, NULL},
    [OC_STAFF] = {"职工人数", NULL, 0, NULL},
    [OC_FEMALE] = {"女职工人数", NULL, 0, NULL},
    [OC_MIGRANT] = {"农民工人数", NULL, 0, NULL},
    [OC_FOUNDED] = {"成立日期", NULL, 0, NULL},
    [OC_CHAIR] = {"主席姓名", NULL, 0, NULL},
    [OC_CHAIR_PHONE] = {"主席电话", NULL, 0, NULL},
    [OC_CONTACT] = {"联系人", NULL, 0, NULL},
    [OC_CONTACT_PHONE] = {"联系电话", NULL, 0, NULL},
};

/* The names the 工会组织信息登记表 and older lists use. */
static const struct import_alias aliases[] = {
    {"基层工会名称", OC_NAME},
    {"上级工会", OC_PARENT},
    {"上级工会ID", OC_PARENT},
    {"建会单位名称", OC_EMPLOYER},
    {"用人单位名称", OC_EMPLOYER},
    {"单位全称", OC_EMPLOYER},
    {"社会信用代码", OC_CREDIT},
    {"单位统一社会信用代码", OC_CREDIT},
    {"行政区划", OC_DIVISION},
    {"行政区划代码", OC_DIVISION},
    {"区县", OC_DIVISION},
    {"所属行业", OC_INDUSTRY},
    {"国民经济行业分类", OC_INDUSTRY},
    {"单位性质", OC_UNIT_TYPE},
    {"住所", OC_ADDRESS},
    {"单位地址", OC_ADDRESS},
    {"职工总数", OC_STAFF},
    {"建会日期", OC_FOUNDED},
    {"成立时间", OC_FOUNDED},
    {"工会主席", OC_CHAIR},
    {"主席手机", OC_CHAIR_PHONE},
    {"联系人姓名", OC_CONTACT},
    {"联系人电话", OC_CONTACT_PHONE},
};

static const struct import_layout layout = {
    columns, OC_COUNT, aliases, sizeof(aliases) / sizeof(aliases[0]), {OC_NAME, OC_EMPLOYER}};

struct org_row {
	struct import_rec rec; /* first: the shared passes see the row as this */
	const char *name;
	const char *type; /* "base", "joint", or NULL when the row leaves it blank */
	int64_t parent_id;
	const struct import_org *parent; /* when it is one a union may be made under */
	struct org_employer employer;
	const char
	    *key; /* the employer as org_employers.active_key has it, when its code is good */
	struct org_fields f; /* this row's fields; the employer's alone */
	/* settle: the rows of one union, chained from its first */
	int first; /* index of the union's first row */
	int next;  /* the union's next row, or -1 */
	int last;  /* on a first row: the union's last row */
	int nrows; /* on a first row: how many */
};

/* Strings to numbers: the first line of an employer's code, the first row
 * of a union. Open addressing; keys live in the pass's arena. */
struct smap {
	const char **keys;
	int64_t *vals;
	size_t cap, used;
};

static uint64_t fnv(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static size_t smap_at(const struct smap *m, const char *key)
{
	size_t i = fnv(key) & (m->cap - 1);
	while (m->keys[i] && strcmp(m->keys[i], key))
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* The value of key, or -1 after recording val for it; -2 when out of memory. */
static int64_t smap_put(struct smap *m, const char *key, int64_t val)
{
	if (m->cap) {
		size_t i = smap_at(m, key);
		if (m->keys[i])
			return m->vals[i];
	}
	if (2 * (m->used + 1) > m->cap) {
		struct smap g = {.cap = m->cap ? 2 * m->cap : 256};
		g.keys = calloc(g.cap, sizeof(*g.keys));
		g.vals = calloc(g.cap, sizeof(*g.vals));
		if (!g.keys || !g.vals) {
			free(g.keys);
			free(g.vals);
			return -2;
		}
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i]) {
				size_t j = smap_at(&g, m->keys[i]);
				g.keys[j] = m->keys[i];
				g.vals[j] = m->vals[i];
			}
		free(m->keys);
		free(m->vals);
		g.used = m->used;
		*m = g;
	}
	size_t i = smap_at(m, key);
	m->keys[i] = key;
	m->vals[i] = val;
	m->used++;
	return -1;
}

static void smap_release(struct smap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

struct orgs_state {
	struct smap employers; /* key → line */
	struct smap unions;    /* parent and name → first row's index */
};

static int oom(struct import_pass *p)
{
	return err_set(p->e, ERR_INTERNAL, NULL, NULL, "内存不足，导入中止");
}

static int orgs_open(struct import_pass *p, void **state)
{
	if (!(*state = calloc(1, sizeof(struct orgs_state))))
		return oom(p);
	return 0;
}

static void orgs_close(void *state)
{
	struct orgs_state *s = state;
	smap_release(&s->employers);
	smap_release(&s->unions);
	free(s);
}

#define FAIL(row, p, ...) import_row_fail(&(row)->rec, (p)->a, __VA_ARGS__)

static const char *opt(const char *s)
{
	return *s ? s : NULL;
}

/* s without blanks and dashes inside, letters in upper case: codes as
 * people paste them ("9161 0103 MA6T X1A2 74"). */
static char *code_text(struct arena *a, const char *s, int keep_dash)
{
	char *out = arena_strdup(a, s), *o = out;
	for (const char *c = s; *c; c++) {
		if (*c == ' ' || (*c == '-' && !keep_dash))
			continue;
		*o++ = *c >= 'a' && *c <= 'z' ? (char)(*c - 32) : *c;
	}
	*o = '\0';
	return out;
}

static void parse_codes(struct org_row *r, struct import_pass *p, const char *credit,
                        const char *org_code)
{
	struct err e;
	if (*credit) {
		char *c = code_text(p->a, credit, 0);
		if (valid_credit_code(c, "credit_code", &e)) {
			FAIL(r, p, "%s（%s）", e.message, credit);
			return;
		}
		/* characters 9–17 are the employer's 组织机构代码, with its own check */
		char inner[10];
		memcpy(inner, c + 8, 9);
		inner[9] = '\0';
		if (valid_org_code(inner, "credit_code", &e)) {
			FAIL(r, p, "统一社会信用代码第 9–17 位（组织机构代码）校验位不正确（%s）",
			     credit);
			return;
		}
		r->employer.credit_code = c;
		r->key = c;
		return;
	}
	if (!*org_code) {
		FAIL(r, p, "请填写单位的统一社会信用代码（没有的填组织机构代码）");
		return;
	}
	char *c = code_text(p->a, org_code, 1);
	if (valid_org_code(c, "org_code", &e)) {
		FAIL(r, p, "%s（%s）", e.message, org_code);
		return;
	}
	/* stored as the form stores it: the 9 characters, no dash */
	if (c[8] == '-')
		memmove(c + 8, c + 9, 2);
	r->employer.org_code = c;
	r->key = arena_printf(p->a, "o:%s", c);
}

/* A 6-digit code, or a name: "碑林区", "西安市碑林区", "陕西省西安市碑林区". */
static const char *division_of(const char *s)
{
	static const char prov[] = "陕西省";
	if (!strncmp(s, prov, sizeof(prov) - 1) && s[sizeof(prov) - 1])
		s += sizeof(prov) - 1;
	const char *found = NULL;
	int n = 0;
	for (int i = 0; i < divisions_61_count; i++) {
		const struct division *d = &divisions_61[i];
		if (!strcmp(d->code, s))
			return d->code;
		if (!strcmp(d->name, s)) {
			found = d->code;
			n++;
			continue;
		}
		/* the city's name, then the county's */
		size_t pn = 0;
		for (int k = 0; d->parent && k < divisions_61_count; k++)
			if (!strcmp(divisions_61[k].code, d->parent) &&
			    strcmp(d->parent, "610000")) {
				pn = strlen(divisions_61[k].name);
				if (strncmp(s, divisions_61[k].name, pn))
					pn = 0;
				break;
			}
		if (pn && !strcmp(s + pn, d->name))
			return d->code;
	}
	return n == 1 ? found : NULL;
}

static int64_t count_of(struct org_row *r, struct import_pass *p, int col, const char *s)
{
	if (!*s)
		return -1;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end != s && !strcmp(end, ".0"))
		end += 2;
	if (*end || v < 0 || strspn(s, "0123456789.") != strlen(s)) {
		FAIL(r, p, "%s“%s”应为不小于 0 的整数", columns[col].title, s);
		return -1;
	}
	return v;
}

static const char *code_of(struct org_row *r, struct import_pass *p, int col, const char *s)
{
	if (!*s)
		return NULL;
	const char *code = code_lookup(columns[col].table, s);
	if (!code)
		FAIL(r, p, "%s“%s”不在代码表中，请从下拉列表中选择", columns[col].title, s);
	return code;
}

static const char *phone_of(struct org_row *r, struct import_pass *p, int col, const char *s)
{
	struct err e;
	if (!*s)
		return NULL;
	if (valid_phone(s, "phone", &e)) {
		FAIL(r, p, "%s“%s”不是有效的手机号", columns[col].title, s);
		return NULL;
	}
	return s;
}

static void parse_type(struct org_row *r, struct import_pass *p, const char *s)
{
	if (!*s)
		return;
	if (!strcmp(s, "单独基层工会") || !strcmp(s, "单独") || !strcmp(s, "base"))
		r->type = "base";
	else if (!strcmp(s, "联合基层工会") || !strcmp(s, "联合") || !strcmp(s, "joint"))
		r->type = "joint";
	else
		FAIL(r, p, "工会类型“%s”应为单独基层工会或联合基层工会", s);
}

static void parse_parent(struct org_row *r, struct import_pass *p, const char *s)
{
	if (!*s) {
		r->parent_id = p->o->default_org;
		if (r->parent_id <= 0)
			FAIL(r, p, "请填写上级工会编号");
		return;
	}
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end != s && !strcmp(end, ".0"))
		end += 2;
	if (*end || v <= 0 || strspn(s, "0123456789.") != strlen(s)) {
		FAIL(r, p, "上级工会编号“%s”应为数字", s);
		return;
	}
	r->parent_id = v;
}

/* The upper union: in scope, not a base union, not dissolved. */
static int check_parent(struct org_row *r, struct import_pass *p)
{
	if (r->parent_id <= 0)
		return 0;
	const struct import_org *o = import_orgs_get(&p->orgs, p->d, p->e, &p->scope, r->parent_id);
	if (!o)
		return -1;
	if (!o->visible)
		FAIL(r, p, "上级工会编号 %lld 不存在或不在您的管理范围内", (long long)r->parent_id);
	else if (o->base)
		FAIL(r, p, "“%s”是基层工会，其下不能再建工会", o->name);
	else if (!o->active)
		FAIL(r, p, "“%s”已撤销，不能在其下建会", o->name);
	else
		r->parent = o;
	return 0;
}

static int orgs_parse(void *state, struct import_pass *p, const struct table_row *row,
                      struct import_rec *rec)
{
	struct orgs_state *s = state;
	struct org_row *r = (struct org_row *)rec;
	struct arena *a = p->a;
	const struct import_header *h = p->h;
	const char *name = import_cell(h, row, OC_NAME, a);
	if (!*name)
		FAIL(r, p, "请填写工会名称");
	r->name = name;
	parse_type(r, p, import_cell(h, row, OC_TYPE, a));
	parse_parent(r, p, import_cell(h, row, OC_PARENT, a));
	const char *employer = import_cell(h, row, OC_EMPLOYER, a);
	if (!*employer)
		FAIL(r, p, "请填写单位名称");
	r->employer.name = employer;
	parse_codes(r, p, import_cell(h, row, OC_CREDIT, a), import_cell(h, row, OC_ORG_CODE, a));

	struct org_fields *f = &r->f;
	f->name = name;
	const char *div = import_cell(h, row, OC_DIVISION, a);
	if (*div && !(f->division_code = division_of(div)))
		FAIL(r, p, "所在区县“%s”不是陕西省的区县（填区划代码如 610103，或名称如 碑林区）",
		     div);
	f->industry = code_of(r, p, OC_INDUSTRY, import_cell(h, row, OC_INDUSTRY, a));
	f->unit_type = code_of(r, p, OC_UNIT_TYPE, import_cell(h, row, OC_UNIT_TYPE, a));
	f->address = opt(import_cell(h, row, OC_ADDRESS, a));
	f->staff_count = count_of(r, p, OC_STAFF, import_cell(h, row, OC_STAFF, a));
	f->female_count = count_of(r, p, OC_FEMALE, import_cell(h, row, OC_FEMALE, a));
	f->migrant_count = count_of(r, p, OC_MIGRANT, import_cell(h, row, OC_MIGRANT, a));
	const char *founded = import_cell(h, row, OC_FOUNDED, a);
	if (*founded) {
		char d[11];
		struct err e;
		if (import_date(founded, d) || valid_date(d, "founded_on", &e))
			FAIL(r, p, "成立日期“%s”不是有效的日期（格式如 2020-05-01）", founded);
		else if (strcmp(d, p->today) > 0)
			FAIL(r, p, "成立日期 %s 晚于今天", d);
		else
			f->founded_on = arena_strdup(a, d);
	}
	f->chair_name = opt(import_cell(h, row, OC_CHAIR, a));
	f->chair_phone = phone_of(r, p, OC_CHAIR_PHONE, import_cell(h, row, OC_CHAIR_PHONE, a));
	f->contact_name = opt(import_cell(h, row, OC_CONTACT, a));
	f->contact_phone =
	    phone_of(r, p, OC_CONTACT_PHONE, import_cell(h, row, OC_CONTACT_PHONE, a));
	f->employers_given = 1;
	f->nemployers = 1;
	f->employers = &r->employer;
	/* the form's rules have the last word, so a file can never make what
	 * the form would refuse */
	struct err e;
	if (r->rec.nwhy == 0 && org_fields_validate(f, r->type ? r->type : "base", &e))
		FAIL(r, p, "%s", e.message);
	if (r->key) {
		int64_t first = smap_put(&s->employers, r->key, r->rec.line);
		if (first == -2)
			return oom(p);
		if (first >= 0)
			FAIL(r, p, "与第 %lld 行是同一单位（%s），一个单位只能建一个工会",
			     (long long)first,
			     r->employer.credit_code ? "统一社会信用代码相同" : "组织机构代码相同");
	}
	return check_parent(r, p);
}

/* An employer that already has a union, named when the importer may see it. */
static int check_taken(struct org_row *r, struct import_pass *p)
{
	int64_t holder = 0;
	struct err e = {0};
	if (db_query_int(p->d, &e, "SELECT org_id FROM org_employers WHERE active_key = $1",
	                 DB_ARGS(DB_TEXT(r->key)), &holder)) {
		if (e.code == ERR_NOT_FOUND)
			return 0;
		*p->e = e;
		return -1;
	}
	const struct import_org *o = import_orgs_get(&p->orgs, p->d, p->e, &p->scope, holder);
	if (!o)
		return -1;
	if (o->visible)
		FAIL(r, p, "%s已建有工会“%s”（编号 %lld）", r->employer.name, o->name,
		     (long long)holder);
	else
		FAIL(r, p, "%s已在其他工会建会", r->employer.name);
	return 0;
}

/* Lines of the union's rows, "3、5、8", for its reasons. */
static const char *lines_of(struct import_pass *p, struct org_row *rows, int first)
{
	const char *out = NULL;
	for (int i = first; i >= 0; i = rows[i].next)
		out = out ? arena_printf(p->a, "%s、%lld", out, (long long)rows[i].rec.line)
		          : arena_printf(p->a, "%lld", (long long)rows[i].rec.line);
	return out;
}

/* The union of the rows whose first is first, as org_record_create()
 * takes it: the first row's fields where it has them, else the next
 * row's; the head counts summed over its employers. */
static void union_of(struct import_pass *p, struct org_row *rows, int first, struct org_fields *f,
                     const char **type)
{
	int k = 0;
	struct org_employer *m = arena_calloc(p->a, sizeof(*m) * (size_t)rows[first].nrows);
	*f = rows[first].f;
	f->staff_count = f->female_count = f->migrant_count = -1;
	*type = rows[first].nrows > 1 ? "joint" : "base";
	for (int i = first; i >= 0; i = rows[i].next) {
		struct org_row *r = &rows[i];
		m[k++] = r->employer;
		if (r->type)
			*type = r->type;
#define TAKE(x)                                                                                    \
	if (!f->x)                                                                                 \
		f->x = r->f.x;
		TAKE(division_code)
		TAKE(industry)
		TAKE(unit_type)
		TAKE(address)
		TAKE(founded_on)
		TAKE(chair_name)
		TAKE(chair_phone)
		TAKE(contact_name)
		TAKE(contact_phone)
#undef TAKE
		int64_t *sums[] = {&f->staff_count, &f->female_count, &f->migrant_count};
		int64_t adds[] = {r->f.staff_count, r->f.female_count, r->f.migrant_count};
		for (int c = 0; c < 3; c++)
			if (adds[c] >= 0)
				*sums[c] = (*sums[c] < 0 ? 0 : *sums[c]) + adds[c];
	}
	f->nemployers = k;
	f->employers = m;
}

/* The union's own checks, once its rows are known: 单独 with several
 * employers, the form's rules over the whole union; and a union with a bad
 * row is made by none of them. */
static void check_union(struct import_pass *p, struct org_row *rows, int first)
{
	struct org_row *head = &rows[first];
	int bad = 0, single = 0;
	for (int i = first; i >= 0; i = rows[i].next) {
		bad += rows[i].rec.nwhy > 0;
		single += rows[i].type && !strcmp(rows[i].type, "base");
	}
	const char *why = NULL;
	if (head->nrows > 1 && single)
		why = arena_printf(
		    p->a,
		    "工会“%s”出现在第 %s 行：单独基层工会只对应一个单位，覆盖多个单位的"
		    "请把工会类型填为联合基层工会",
		    head->name, lines_of(p, rows, first));
	else if (bad && head->nrows > 1)
		why = arena_printf(p->a, "同一工会“%s”（第 %s 行）另有错误行，该工会整体未导入",
		                   head->name, lines_of(p, rows, first));
	else if (!bad) {
		struct org_fields f;
		const char *type;
		struct err e;
		union_of(p, rows, first, &f, &type);
		if (org_fields_validate(&f, type, &e))
			why = arena_printf(p->a, "工会“%s”（第 %s 行）：%s", head->name,
			                   lines_of(p, rows, first), e.message);
	}
	for (int i = first; why && i >= 0; i = rows[i].next)
		if (!bad || !rows[i].rec.nwhy || (head->nrows > 1 && single))
			FAIL(&rows[i], p, "%s", why);
}

static int create_union(struct import_pass *p, struct org_row *rows, int first)
{
	struct org_fields f;
	const char *type;
	int64_t id = 0, holder = 0;
	union_of(p, rows, first, &f, &type);
	return org_record_create(p->d, p->e, rows[first].parent_id, type, &f, p->o->account_id,
	                         p->o->request_id, &id, &holder);
}

static int orgs_settle(void *state, struct import_pass *p, void *slots, int n)
{
	struct orgs_state *s = state;
	struct org_row *rows = slots;
	int64_t base = p->c->done;
	for (int i = 0; i < n; i++) {
		struct org_row *r = &rows[i];
		if (r->key && check_taken(r, p))
			return -1;
		/* the rows of one union: the same name under the same upper union */
		const char *key = arena_printf(p->a, "%lld/%s", (long long)r->parent_id, r->name);
		int64_t first = smap_put(&s->unions, key, i);
		if (first == -2)
			return oom(p);
		r->first = first >= 0 ? (int)first : i;
		r->next = -1;
		struct org_row *head = &rows[r->first];
		if (head->nrows++)
			rows[head->last].next = i;
		head->last = i;
		if (i % 500 == 499 && import_pass_tick(p, base))
			return -1;
	}
	for (int i = 0; i < n; i++)
		if (rows[i].first == i)
			check_union(p, rows, i);
	int made = 0;
	for (int i = 0; i < n; i++) {
		if (rows[i].first != i || rows[i].rec.nwhy)
			continue;
		if (p->commit && create_union(p, rows, i))
			return -1;
		p->c->units++;
		if (p->commit && ++made % TICK == 0 && import_pass_tick(p, base + i))
			return -1;
	}
	return 0;
}

const struct import_kind import_orgs_kind = {
    .name = "orgs",
    .perm = "orgs.write",
    .noun = "工会",
    .header_hint = "工会名称、工会类型、上级工会编号、单位名称、统一社会信用代码",
    .template_name = "基层工会导入模板.xlsx",
    .layout = &layout,
    .row_size = sizeof(struct org_row),
    .batch = 0,
    .open = orgs_open,
    .parse = orgs_parse,
    .settle = orgs_settle,
    .finish = NULL,
    .close = orgs_close,
};
