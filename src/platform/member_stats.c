#include "member_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Calls fn for each org id in a materialized path "/1/12/345/". */
static int each_ancestor(const char *path, int (*fn)(void *ctx, int64_t id), void *ctx)
{
	for (const char *p = path; *p;) {
		if (*p == '/') {
			p++;
			continue;
		}
		char *end;
		int64_t id = strtoll(p, &end, 10);
		if (end == p)
			return 0;
		if (fn(ctx, id))
			return -1;
		p = end;
	}
	return 0;
}

struct apply_ctx {
	struct db *d;
	struct err *e;
	const char *dims[16][2];
	int n;
	int64_t delta;
};

static int apply_one(void *vctx, int64_t org_id)
{
	struct apply_ctx *c = vctx;
	for (int i = 0; i < c->n; i++)
		if (db_exec(c->d, c->e,
		            "INSERT INTO org_stats (org_id, dim, key, n) VALUES ($1, $2, $3, $4) "
		            "ON CONFLICT (org_id, dim, key) DO UPDATE SET n = org_stats.n + $4",
		            DB_ARGS(DB_INT(org_id), DB_TEXT(c->dims[i][0]), DB_TEXT(c->dims[i][1]),
		                    DB_INT(c->delta)),
		            NULL))
			return -1;
	return 0;
}

int member_stats_apply(struct db *d, struct err *e, const char *org_path,
                       const struct member_dims *m, int64_t delta)
{
	char gender[8], year[8], month[8], migrant[4], flexible[4];
	snprintf(gender, sizeof(gender), "%lld", (long long)m->gender);
	snprintf(year, sizeof(year), "%.4s", m->birth_date ? m->birth_date : "");
	snprintf(month, sizeof(month), "%.7s", m->joined_on ? m->joined_on : "");
	snprintf(migrant, sizeof(migrant), "%lld", (long long)m->migrant);
	snprintf(flexible, sizeof(flexible), "%lld", (long long)m->flexible);
	struct apply_ctx c = {.d = d, .e = e, .delta = delta};
	const char *pairs[][2] = {
	    {"total", ""},
	    {"gender", gender},
	    {"birth_year", year},
	    {"education", m->education ? m->education : ""},
	    {"political", m->political ? m->political : ""},
	    {"employment", m->employment ? m->employment : ""},
	    {"status", m->status ? m->status : ""},
	    {"hukou", m->hukou ? m->hukou : ""},
	    {"migrant", migrant},
	    {"flexible", flexible},
	    {"joined_month", month},
	};
	c.n = (int)(sizeof(pairs) / sizeof(pairs[0]));
	memcpy(c.dims, pairs, sizeof(pairs));
	return each_ancestor(org_path, apply_one, &c);
}

struct move_ctx {
	struct db *d;
	struct err *e;
	int64_t org_id, sign;
	const char *skip_path; /* ancestors shared by old and new paths keep their counts */
};

static int move_one(void *vctx, int64_t ancestor)
{
	struct move_ctx *c = vctx;
	if (ancestor == c->org_id)
		return 0;
	char needle[32];
	snprintf(needle, sizeof(needle), "/%lld/", (long long)ancestor);
	if (c->skip_path && strstr(c->skip_path, needle))
		return 0;
	return db_exec(c->d, c->e,
	               "INSERT INTO org_stats (org_id, dim, key, n) "
	               "SELECT $1, dim, key, $3 * n FROM org_stats WHERE org_id = $2 "
	               "ON CONFLICT (org_id, dim, key) DO UPDATE SET n = org_stats.n + excluded.n",
	               DB_ARGS(DB_INT(ancestor), DB_INT(c->org_id), DB_INT(c->sign)), NULL);
}

int member_stats_move_subtree(struct db *d, struct err *e, int64_t org_id, const char *old_path,
                              const char *new_path)
{
	struct move_ctx out = {d, e, org_id, -1, new_path}, in = {d, e, org_id, 1, old_path};
	if (each_ancestor(old_path, move_one, &out) || each_ancestor(new_path, move_one, &in))
		return -1;
	return 0;
}
