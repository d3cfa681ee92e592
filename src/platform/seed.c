/* Seeds the union tree from the division table (divisions_61.c). Each row
 * carries a seed_key, so a second run finds what the first one made and an
 * operator's later renames or moves are never undone. */
#include "platform/seed.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "platform/divisions.h"
#include "platform/org.h"

#define PROVINCE_CODE "610000"
/* 杨凌示范区 is no GB/T 2260 division of its own: it governs 杨陵区 (610403),
 * so 杨陵区总工会 hangs under the 示范区 union, not under 咸阳. */
#define YANGLING_KEY    "zone:yangling"
#define YANGLING_COUNTY "610403"
#define INDUSTRY_SORT   100 /* after the cities and 杨凌, whatever their number */

static const char *const industries[] = {
    "陕西省能源化学地质工会", "陕西省教科文卫体工会", "陕西省财贸轻纺烟草工会",
    "陕西省机械冶金建材工会", "陕西省国防工会",       "陕西省交通运输工会",
};

/* Invented employers, for demos and for scope tests: 西安's cadres must
 * see the first four and never the two in 宝鸡. */
static const struct {
	const char *parent_key, *type, *name, *industry, *unit_type;
	int64_t staff;
	struct {
		const char *name, *credit_code;
	} employers[2];
} demo_orgs[] = {
    {"div:610103",
     "base",
     "西安长安精密仪器有限公司工会",
     "C",
     "159",
     320,
     {{"西安长安精密仪器有限公司", "91610103MA6TX1A274"}}},
    {"div:610103",
     "base",
     "西安碑林书苑文化传媒有限公司工会",
     "R",
     "170",
     45,
     {{"西安碑林书苑文化传媒有限公司", "91610103MA6TX2B34Q"}}},
    {"div:610113",
     "joint",
     "西安雁塔软件园联合工会",
     "I",
     "170",
     160,
     {{"西安雁塔云码科技有限公司", "91610113MA6U0J111R"},
      {"西安雁塔数智软件有限公司", "91610113MA6U0J2260"}}},
    {"div:610113",
     "base",
     "西安雁南智联物流有限公司工会",
     "G",
     "159",
     210,
     {{"西安雁南智联物流有限公司", "91610113MA6U03C422"}}},
    {"div:610302",
     "base",
     "宝鸡渭滨新材钛业有限公司工会",
     "C",
     "161",
     540,
     {{"宝鸡渭滨新材钛业有限公司", "91610302MA6X04D52H"}}},
    {"div:610303",
     "base",
     "宝鸡金台农机装备有限公司工会",
     "C",
     "170",
     130,
     {{"宝鸡金台农机装备有限公司", "91610303MA6X05E6XH"}}},
};

struct seeder {
	struct db *d;
	struct err *e;
	int created;
};

/* The id of the org seeded under key in *id, created first when missing. */
static int seed_ensure(struct seeder *s, const char *key, int64_t parent, const char *level,
                       const char *type, const char *name, const char *division, int64_t sort,
                       int64_t *id)
{
	if (org_find_seed(s->d, s->e, key, id))
		return -1;
	if (*id)
		return 0;
	if (org_create(s->d, s->e, parent, level, type, name, division, sort, key, id))
		return -1;
	s->created++;
	return 0;
}

/* An org that an earlier step of this run must have made. */
static int seed_require(struct seeder *s, const char *key, int64_t *id)
{
	if (org_find_seed(s->d, s->e, key, id))
		return -1;
	if (!*id)
		return err_set(s->e, ERR_INTERNAL, NULL, NULL, "种子数据缺少上级组织 %s", key);
	return 0;
}

/* 陕西省总工会, the 市总工会, 杨凌 and the 产业工会. */
static int seed_upper(struct seeder *s, int64_t *province, int64_t *yangling)
{
	char key[32], name[128];
	int64_t id, ncity = 0;
	if (seed_ensure(s, "div:" PROVINCE_CODE, 0, "province", "regional", "陕西省总工会",
	                PROVINCE_CODE, 0, province))
		return -1;
	for (int i = 0; i < divisions_61_count; i++) {
		const struct division *dv = &divisions_61[i];
		if (!dv->parent || strcmp(dv->parent, PROVINCE_CODE))
			continue;
		snprintf(key, sizeof(key), "div:%s", dv->code);
		snprintf(name, sizeof(name), "%s总工会", dv->name);
		if (seed_ensure(s, key, *province, "city", "regional", name, dv->code, ++ncity,
		                &id))
			return -1;
	}
	if (seed_ensure(s, YANGLING_KEY, *province, "city", "regional", "杨凌示范区总工会", NULL,
	                ncity + 1, yangling))
		return -1;
	for (int i = 0; i < (int)(sizeof(industries) / sizeof(industries[0])); i++) {
		snprintf(key, sizeof(key), "ind:%s", industries[i]);
		if (seed_ensure(s, key, *province, "city", "industry", industries[i], NULL,
		                INDUSTRY_SORT + i + 1, &id))
			return -1;
	}
	return 0;
}

/* The county-level 总工会, numbered in code order within each parent. The
 * table lists a city's counties together, so one running counter will do. */
static int seed_counties(struct seeder *s, int64_t yangling)
{
	char key[32], name[128];
	const char *city_code = NULL;
	int64_t city = 0, sort = 0, id;
	for (int i = 0; i < divisions_61_count; i++) {
		const struct division *dv = &divisions_61[i];
		if (!dv->parent || !strcmp(dv->parent, PROVINCE_CODE))
			continue;
		snprintf(key, sizeof(key), "div:%s", dv->code);
		snprintf(name, sizeof(name), "%s总工会", dv->name);
		if (!strcmp(dv->code, YANGLING_COUNTY)) {
			if (seed_ensure(s, key, yangling, "county", "regional", name, dv->code, 1,
			                &id))
				return -1;
			continue;
		}
		if (!city_code || strcmp(city_code, dv->parent)) {
			char city_key[32];
			snprintf(city_key, sizeof(city_key), "div:%s", dv->parent);
			if (seed_require(s, city_key, &city))
				return -1;
			city_code = dv->parent;
			sort = 0;
		}
		if (seed_ensure(s, key, city, "county", "regional", name, dv->code, ++sort, &id))
			return -1;
	}
	return 0;
}

static int seed_demo(struct seeder *s)
{
	char key[32];
	int64_t parent, id, now = (int64_t)time(NULL);
	for (int i = 0; i < (int)(sizeof(demo_orgs) / sizeof(demo_orgs[0])); i++) {
		const char *division = demo_orgs[i].parent_key + 4; /* "div:610103" */
		snprintf(key, sizeof(key), "demo:%d", i + 1);
		if (seed_require(s, demo_orgs[i].parent_key, &parent) ||
		    seed_ensure(s, key, parent, "base", demo_orgs[i].type, demo_orgs[i].name,
		                division, i + 1, &id) ||
		    db_exec(
		        s->d, s->e,
		        "UPDATE orgs SET division_code = COALESCE(division_code, $2), "
		        "industry = COALESCE(industry, $3), unit_type = COALESCE(unit_type, $4), "
		        "staff_count = COALESCE(staff_count, $5) WHERE id = $1",
		        DB_ARGS(DB_INT(id), DB_TEXT(division), DB_TEXT(demo_orgs[i].industry),
		                DB_TEXT(demo_orgs[i].unit_type), DB_INT(demo_orgs[i].staff)),
		        NULL))
			return -1;
		for (int k = 0; k < 2 && demo_orgs[i].employers[k].name; k++)
			if (db_exec(
			        s->d, s->e,
			        "INSERT INTO org_employers (org_id, name, credit_code, active_key, "
			        "created_at) VALUES ($1, $2, $3, $3, $4) "
			        "ON CONFLICT (active_key) DO NOTHING",
			        DB_ARGS(DB_INT(id), DB_TEXT(demo_orgs[i].employers[k].name),
			                DB_TEXT(demo_orgs[i].employers[k].credit_code),
			                DB_INT(now)),
			        NULL))
				return -1;
	}
	return 0;
}

int seed_orgs(struct db *d, struct err *e, int demo, int *created)
{
	struct seeder s = {.d = d, .e = e};
	int64_t province, yangling;
	int rc = seed_upper(&s, &province, &yangling) || seed_counties(&s, yangling) ||
	         (demo && seed_demo(&s));
	if (created)
		*created = s.created;
	return rc ? -1 : 0;
}
