/* Synthetic members: plausible, valid and unique where the real data must be
 * unique, and fast enough to produce the 10–20 million of a province.
 *
 * Uniqueness needs no memory: row i's 身份证号 and phone number come from a
 * bijection of i (a Feistel permutation), so distinct rows get distinct
 * numbers and consecutive rows still look unrelated. Everything else comes
 * from one xorshift stream with a fixed seed, so the output depends only on
 * the arguments. Rows are formatted by hand into a large buffer: stdio's
 * formatting would cost more than all of the rest. */
#include "gen_members.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/codes.h"
#include "platform/divisions.h"

enum {
	MAX_COUNT = 100000000,
	BUF_SIZE = 1 << 20,
	ROW_MAX = 512, /* well above the longest row this file can build */
	MAX_ORGS = 4096,
};

/* A fixed "today", so the output never changes with the date it is made. */
#define AS_OF_Y 2024
#define AS_OF_M 12
#define AS_OF_D 31

struct weighted {
	const char *s; /* a code (resolved to its name) or the text itself */
	int w;
};

/* Picks in O(1): one slot per unit of weight. */
struct picker {
	const char **names;
	uint16_t *slot;
	uint32_t total;
};

struct rng {
	uint64_t s;
};

struct gen {
	struct rng r;
	const char *counties[128];
	int ncounties;
	int64_t day0, ndays; /* birth dates: day numbers of 1960-01-01 … 2005-12-31 */
	int64_t as_of, join_floor;
	struct picker surname, ethnicity, political, political_young, education, hukou, employment,
	    employment_old, city, industry, company_form;
	const char *yes, *no, *flexible, *unemployed;
	char *orgbuf;
	const char *orgs[MAX_ORGS];
	int norgs;
};

/* National frequency (hundredths of a percent) of the common surnames, with
 * the polyphone and compound surnames that pinyin search must handle. */
static const struct weighted surnames[] = {
    {"王", 712}, {"李", 700}, {"张", 674}, {"刘", 510}, {"陈", 461}, {"杨", 322}, {"黄", 245},
    {"赵", 219}, {"吴", 208}, {"周", 200}, {"徐", 167}, {"孙", 154}, {"马", 144}, {"朱", 139},
    {"胡", 129}, {"郭", 118}, {"何", 117}, {"林", 113}, {"高", 108}, {"罗", 104}, {"郑", 97},
    {"梁", 87},  {"谢", 79},  {"宋", 70},  {"唐", 70},  {"许", 65},  {"韩", 62},  {"邓", 62},
    {"冯", 61},  {"曹", 60},  {"彭", 57},  {"曾", 56},  {"肖", 55},  {"田", 52},  {"董", 50},
    {"潘", 48},  {"袁", 48},  {"蔡", 46},  {"蒋", 45},  {"余", 44},  {"于", 44},  {"杜", 42},
    {"叶", 42},  {"程", 40},  {"魏", 40},  {"苏", 39},  {"吕", 39},  {"丁", 38},  {"任", 37},
    {"卢", 36},  {"姚", 36},  {"沈", 35},  {"钟", 34},  {"姜", 33},  {"崔", 33},  {"谭", 32},
    {"陆", 31},  {"范", 30},  {"汪", 30},  {"廖", 29},  {"石", 29},  {"金", 28},  {"韦", 28},
    {"贾", 27},  {"夏", 26},  {"付", 26},  {"方", 25},  {"邹", 24},  {"熊", 24},  {"白", 24},
    {"孟", 23},  {"秦", 22},  {"邱", 22},  {"侯", 22},  {"江", 21},  {"尹", 21},  {"薛", 21},
    {"闫", 21},  {"段", 20},  {"雷", 20},  {"龙", 19},  {"史", 19},  {"陶", 18},  {"贺", 18},
    {"毛", 17},  {"郝", 17},  {"顾", 17},  {"龚", 16},  {"邵", 16},  {"武", 16},  {"钱", 15},
    {"常", 14},  {"党", 8},   {"屈", 6},   {"单", 6},   {"解", 6},   {"仇", 3},   {"查", 3},
    {"乐", 3},   {"缪", 3},   {"区", 1},   {"朴", 1},   {"覃", 3},   {"盖", 2},   {"欧阳", 4},
    {"司马", 1}, {"上官", 1}, {"尉迟", 1}, {"长孙", 1},
};

static const char *const male_chars[] = {
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华",
    "飞", "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "阳",
    "建", "国", "峰", "亮", "成", "东", "文", "志", "海", "永", "庆", "兵", "岩", "晨", "博",
    "鸿", "毅", "锋", "兴", "康", "瑞", "恒", "轩", "泽", "航", "睿", "子", "一", "家", "振",
};
static const char *const female_chars[] = {
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "燕", "萍", "红", "梅", "莉",
    "婷", "雪", "琳", "慧", "颖", "倩", "洁", "丹", "蓉", "瑶", "琴", "兰", "凤", "英", "玉",
    "佳", "欣", "怡", "悦", "璐", "蕾", "晶", "露", "妍", "月", "彤", "菲", "萱", "雯", "琪",
    "茜", "薇", "楠", "晓", "春", "思", "雨", "梦", "诗", "涵", "可", "馨", "小", "亚", "娇",
};

/* 汉族 about 99%; 回族 next in Shaanxi, then the groups with most members here */
static const struct weighted ethnicities[] = {
    {"01", 9890}, {"03", 60}, {"11", 15}, {"02", 8}, {"15", 5}, {"08", 4}, {"06", 4},
    {"04", 3},    {"07", 3},  {"10", 2},  {"05", 2}, {"33", 2}, {"97", 1}, {"98", 1},
};
static const struct weighted politicals[] = {
    {"13", 7400}, {"01", 1900}, {"02", 60}, {"04", 10}, {"05", 15}, {"06", 10},
    {"07", 10},   {"08", 10},   {"09", 5},  {"10", 10}, {"11", 2},  {"12", 60},
};
/* under 28: members of the Youth League are common, Party members rarer */
static const struct weighted politicals_young[] = {
    {"13", 5500},
    {"03", 3800},
    {"01", 600},
    {"02", 100},
};
static const struct weighted educations[] = {
    {"11", 40},  {"14", 600},  {"21", 2300}, {"31", 2200}, {"41", 900}, {"44", 350},
    {"47", 450}, {"61", 1400}, {"71", 1400}, {"81", 250},  {"90", 50},
};
static const struct weighted hukous[] = {
    {"urban", 55},
    {"rural", 40},
    {"converted", 5},
};
static const struct weighted employments[] = {
    {"employed", 8900},  {"flexible", 500}, {"laid_off", 150},     {"unemployed", 100},
    {"sick_leave", 100}, {"retired", 200},  {"early_retired", 50},
};
/* 60 and over at the fixed date */
static const struct weighted employments_old[] = {
    {"retired", 7000},   {"employed", 2500}, {"early_retired", 300},
    {"sick_leave", 100}, {"flexible", 100},
};
/* where employers sit, roughly by workforce */
static const struct weighted cities[] = {
    {"西安", 40}, {"陕西", 10}, {"宝鸡", 7}, {"咸阳", 8}, {"渭南", 7}, {"榆林", 7},
    {"延安", 5},  {"汉中", 5},  {"安康", 4}, {"铜川", 2}, {"商洛", 3}, {"杨凌", 2},
};
static const struct weighted industries[] = {
    {"科技", 12},    {"建设工程", 8},   {"机械制造", 6}, {"商贸", 8},     {"物流", 6},
    {"食品", 4},     {"纺织", 2},       {"电子", 4},     {"能源", 4},     {"化工", 3},
    {"医药", 3},     {"餐饮管理", 4},   {"物业管理", 5}, {"建材", 3},     {"环保科技", 3},
    {"农业开发", 3}, {"汽车零部件", 3}, {"软件", 4},     {"文化传媒", 3}, {"装饰工程", 3},
    {"电力设备", 2}, {"煤业", 2},       {"果业", 1},     {"茶业", 1},     {"航空科技", 1},
};
static const struct weighted company_forms[] = {
    {"有限公司", 60},
    {"有限责任公司", 25},
    {"股份有限公司", 10},
    {"集团有限公司", 5},
};
static const char *const brand_chars[] = {
    "华", "宏", "兴", "盛", "泰", "恒", "鑫", "信", "达", "远", "通", "诚", "瑞", "丰",
    "益", "中", "新", "天", "安", "秦", "汉", "唐", "隆", "德", "金", "正", "源", "博",
    "创", "嘉", "和", "昌", "润", "宇", "航", "星", "腾", "凯", "科", "万", "佳", "云",
};
static const char *const numerals[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九"};
static const char *const institutions[] = {"中学", "人民医院", "小学", "中心医院", "职业技术学校"};
/* real mobile prefixes of the three carriers; at most 42 keep the phone
 * domain (prefixes × 10^8) within the 32-bit permutation */
static const char *const phone_prefixes[] = {
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180",
    "181", "182", "183", "184", "185", "186", "187", "188", "189", "191", "198", "199",
};

#define LEN(a) ((int)(sizeof(a) / sizeof(a[0])))

static uint64_t rng_next(struct rng *r)
{
	/* xorshift64*: plenty for test data, a few instructions a call */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [0, n), by multiply-shift rather than a division. */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * n) >> 32);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). Linear in d, so Feb 29 of a common year is Mar 1. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* A keyed bijection of 32-bit numbers: four Feistel rounds over 16-bit halves. */
static uint32_t feistel(uint32_t x, uint32_t key)
{
	uint32_t l = x >> 16, r = x & 0xffff;
	for (uint32_t k = 0; k < 4; k++) {
		uint32_t f = (r ^ (key + k * 0x9E3779B9u)) * 0x85EBCA77u;
		f ^= f >> 15;
		f *= 0xC2B2AE3Du;
		uint32_t t = r;
		r = l ^ (f >> 16);
		l = t;
	}
	return l << 16 | r;
}

/* A bijection of [0, m) for m <= 2^32: walk the permutation's cycle until it
 * lands inside the range again (on average 2^32 / m steps). */
static uint32_t permute(uint32_t i, uint64_t m, uint32_t key)
{
	uint32_t x = i;
	do
		x = feistel(x, key);
	while (x >= m);
	return x;
}

static int picker_init(struct picker *p, const struct weighted *w, int n, const char *table)
{
	p->total = 0;
	for (int i = 0; i < n; i++)
		p->total += (uint32_t)w[i].w;
	p->names = malloc((size_t)n * sizeof(*p->names));
	p->slot = malloc(p->total * sizeof(*p->slot));
	if (!p->names || !p->slot)
		return -1;
	uint32_t k = 0;
	for (int i = 0; i < n; i++) {
		p->names[i] = table ? code_name(table, w[i].s) : w[i].s;
		if (!p->names[i])
			return -1; /* a code this file names is missing from codes.c */
		for (int j = 0; j < w[i].w; j++)
			p->slot[k++] = (uint16_t)i;
	}
	return 0;
}

static void picker_release(struct picker *p)
{
	free(p->names);
	free(p->slot);
}

static const char *pick(struct gen *g, const struct picker *p)
{
	return p->names[p->slot[rng_below(&g->r, p->total)]];
}

static char *put_str(char *o, const char *s)
{
	while (*s)
		*o++ = *s++;
	return o;
}

static char *put_num(char *o, uint32_t v, int width)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		o[i] = (char)('0' + v % 10);
	return o + width;
}

static char *put_date(char *o, int64_t day, char sep)
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	o = put_num(o, (uint32_t)y, 4);
	if (sep)
		*o++ = sep;
	o = put_num(o, (uint32_t)m, 2);
	if (sep)
		*o++ = sep;
	return put_num(o, (uint32_t)d, 2);
}

/* Splits the org list into g->orgbuf; -1 on a character that would need
 * quoting or escaping in CSV or SQL, an empty item, or too many items. */
static int parse_orgs(struct gen *g, const char *orgs)
{
	if (!orgs || !*orgs)
		return 0;
	if (!(g->orgbuf = strdup(orgs)))
		return -1;
	/* strsep, not strtok: "1,,2" is a typo to report, not two orgs */
	for (char *rest = g->orgbuf, *tok; (tok = strsep(&rest, ","));) {
		tok += strspn(tok, " ");
		size_t n = strcspn(tok, " ");
		if (tok[n + strspn(tok + n, " ")] != '\0' || n == 0 || n > 64 ||
		    g->norgs == MAX_ORGS)
			return -1;
		tok[n] = '\0';
		if (strspn(tok,
		           "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_") != n)
			return -1;
		g->orgs[g->norgs++] = tok;
	}
	return 0;
}

#define PICKER(field, arr, table) picker_init(&g->field, arr, LEN(arr), table)

/* -1 only if memory runs out or a code named here is missing from codes.c. */
static int gen_init(struct gen *g)
{
	g->r.s = 0x5EED0061C0DEULL; /* fixed: the same arguments give the same file */
	for (int i = 0; i < divisions_61_count; i++) {
		const struct division *dv = &divisions_61[i];
		/* county-level only: a city or the province is no one's birthplace code */
		if (dv->parent && strcmp(dv->parent, "610000") && g->ncounties < LEN(g->counties))
			g->counties[g->ncounties++] = dv->code;
	}
	g->day0 = days_from_civil(1960, 1, 1);
	g->ndays = days_from_civil(2005, 12, 31) - g->day0 + 1;
	g->as_of = days_from_civil(AS_OF_Y, AS_OF_M, AS_OF_D);
	g->join_floor = days_from_civil(1980, 1, 1);
	g->yes = code_name("yesno", "1");
	g->no = code_name("yesno", "0");
	g->flexible = code_name("employment", "flexible");
	g->unemployed = code_name("employment", "unemployed");
	if (!g->ncounties || !g->yes || !g->no || !g->flexible || !g->unemployed ||
	    PICKER(surname, surnames, NULL) || PICKER(ethnicity, ethnicities, "ethnicity") ||
	    PICKER(political, politicals, "political") ||
	    PICKER(political_young, politicals_young, "political") ||
	    PICKER(education, educations, "education") || PICKER(hukou, hukous, "hukou") ||
	    PICKER(employment, employments, "employment") ||
	    PICKER(employment_old, employments_old, "employment") || PICKER(city, cities, NULL) ||
	    PICKER(industry, industries, NULL) || PICKER(company_form, company_forms, NULL))
		return -1;
	return 0;
}

static void gen_release(struct gen *g)
{
	struct picker *all[] = {&g->surname,   &g->ethnicity, &g->political,   &g->political_young,
	                        &g->education, &g->hukou,     &g->employment,  &g->employment_old,
	                        &g->city,      &g->industry,  &g->company_form};
	for (int i = 0; i < LEN(all); i++)
		picker_release(all[i]);
	free(g->orgbuf);
}

static char *put_employer(struct gen *g, char *o)
{
	const char *city = pick(g, &g->city);
	uint32_t kind = rng_below(&g->r, 100);
	if (kind < 8) { /* schools and hospitals: 宝鸡市第三中学 */
		o = put_str(o, city);
		o = put_str(o, !strcmp(city, "陕西")   ? "省第"
		               : !strcmp(city, "杨凌") ? "示范区第"
		                                       : "市第");
		o = put_str(o, numerals[rng_below(&g->r, LEN(numerals))]);
		return put_str(o, institutions[rng_below(&g->r, LEN(institutions))]);
	}
	o = put_str(o, city);
	o = put_str(o, brand_chars[rng_below(&g->r, LEN(brand_chars))]);
	o = put_str(o, brand_chars[rng_below(&g->r, LEN(brand_chars))]);
	o = put_str(o, pick(g, &g->industry));
	return put_str(o, pick(g, &g->company_form));
}

/* One row, newline included, at o; returns the end. */
static char *put_row(struct gen *g, char *o, uint32_t i, uint64_t id_space, uint64_t phone_space)
{
	/* 身份证号: county, birth day and sequence number from one permuted index */
	uint32_t x = permute(i, id_space, 0x1D0CA4D5u);
	uint32_t seq = x % 999 + 1;
	x /= 999;
	int64_t birth = g->day0 + x % (uint32_t)g->ndays;
	const char *county = g->counties[x / (uint32_t)g->ndays];
	int male = seq & 1;
	int by, bm, bd;
	civil_from_days(birth, &by, &bm, &bd);
	int old = AS_OF_Y - by >= 60, young = AS_OF_Y - by < 28;

	o = put_str(o, pick(g, &g->surname));
	const char *const *given = male ? male_chars : female_chars;
	int ngiven = male ? LEN(male_chars) : LEN(female_chars);
	/* one-character given names were commoner before the 1980s */
	int two = rng_below(&g->r, 100) < (by < 1980 ? 55u : 80u);
	o = put_str(o, given[rng_below(&g->r, (uint32_t)ngiven)]);
	if (two)
		o = put_str(o, given[rng_below(&g->r, (uint32_t)ngiven)]);
	*o++ = ',';

	char *id = o;
	o = put_str(o, county);
	o = put_date(o, birth, 0);
	o = put_num(o, seq, 3);
	static const int w[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;
	for (int k = 0; k < 17; k++)
		sum += (id[k] - '0') * w[k];
	*o++ = "10X98765432"[sum % 11];
	*o++ = ',';

	uint32_t p = permute(i, phone_space, 0x7E1E9403u);
	o = put_str(o, phone_prefixes[p / 100000000u]);
	o = put_num(o, p % 100000000u, 8);
	*o++ = ',';

	o = put_str(o, pick(g, &g->ethnicity));
	*o++ = ',';
	o = put_str(o, pick(g, young ? &g->political_young : &g->political));
	*o++ = ',';
	o = put_str(o, pick(g, &g->education));
	*o++ = ',';
	o = put_str(o, pick(g, &g->hukou));
	*o++ = ',';
	const char *emp = pick(g, old ? &g->employment_old : &g->employment);
	o = put_str(o, emp);
	*o++ = ',';
	o = put_str(o, emp == g->flexible ? g->yes : g->no);
	*o++ = ',';
	if (emp != g->unemployed)
		o = put_employer(g, o);
	*o++ = ',';

	/* joined between the 18th birthday (and 1980) and the fixed today; the
	 * smaller of two draws, because most join early in their working life */
	int64_t lo = days_from_civil(by + 18, bm, bd);
	if (lo < g->join_floor)
		lo = g->join_floor;
	uint32_t span = (uint32_t)(g->as_of - lo + 1);
	uint32_t d1 = rng_below(&g->r, span), d2 = rng_below(&g->r, span);
	o = put_date(o, lo + (d1 < d2 ? d1 : d2), '-');
	*o++ = ',';
	if (g->norgs)
		o = put_str(o, g->orgs[i % (uint32_t)g->norgs]);
	*o++ = '\n';
	return o;
}

int gen_members(FILE *out, long count, const char *orgs)
{
	int rc = -1, err = ENOMEM;
	char *buf = NULL;
	struct gen *g = calloc(1, sizeof(*g)); /* zeroed: gen_release works at any point */
	if (!g)
		return -1;
	if (gen_init(g))
		goto out;
	err = EINVAL;
	if (count < 0 || count > MAX_COUNT || parse_orgs(g, orgs))
		goto out;
	err = ENOMEM;
	uint64_t id_space = (uint64_t)g->ncounties * (uint64_t)g->ndays * 999;
	uint64_t phone_space = (uint64_t)LEN(phone_prefixes) * 100000000u;
	if (!(buf = malloc(BUF_SIZE)))
		goto out;
	char *o = put_str(buf, "姓名,身份证号,手机号,民族,政治面貌,学历,户籍类型,就业状态,"
	                       "灵活就业,工作单位,入会日期,所属工会编号\n");
	err = 0;
	for (long i = 0; i < count; i++) {
		o = put_row(g, o, (uint32_t)i, id_space, phone_space);
		if (o - buf > BUF_SIZE - ROW_MAX) {
			if (fwrite(buf, 1, (size_t)(o - buf), out) != (size_t)(o - buf)) {
				err = errno ? errno : EIO;
				goto out;
			}
			o = buf;
		}
	}
	if (o > buf && fwrite(buf, 1, (size_t)(o - buf), out) != (size_t)(o - buf)) {
		err = errno ? errno : EIO;
		goto out;
	}
	if (fflush(out)) {
		err = errno;
		goto out;
	}
	rc = 0;
out:
	gen_release(g);
	free(g);
	free(buf);
	if (rc)
		errno = err;
	return rc;
}

int cli_gen_members(struct config *c)
{
	if (c->nargs > 0) {
		fprintf(stderr,
		        "gonghui gen-members: 多余的参数 \"%s\"（用法：gonghui gen-members "
		        "[--count N] [--orgs 1,2,3]）\n",
		        c->args[0]);
		return 2;
	}
	if (gen_members(stdout, c->count, c->orgs)) {
		if (errno == EINVAL)
			fprintf(stderr,
			        "gonghui gen-members: --orgs 应为逗号分隔的工会编号（字母、数字、"
			        "- 或 _），例如 1,2,3（收到 \"%s\"）\n",
			        c->orgs);
		else
			perror("gonghui gen-members: 写出失败");
		return 1;
	}
	return 0;
}
