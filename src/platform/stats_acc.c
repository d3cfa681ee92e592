#include "stats_acc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_write.h"

/* the dimensions of member_stats_apply(), in its order */
static const char *const dim_names[] = {"total",     "gender",     "birth_year",  "education",
                                        "political", "employment", "status",      "hukou",
                                        "migrant",   "flexible",   "joined_month"};
enum { NDIMS = sizeof(dim_names) / sizeof(dim_names[0]), KEY_MAX = 24, UPSERT_ROWS = 100 };

struct slot {
	int64_t org, n;  /* org: an org id, or in the per-path sums the path's index */
	int used, depth; /* depth: 1 for the root, so upserts go top down */
	unsigned char dim;
	char key[KEY_MAX];
};

struct table {
	struct slot *slots;
	size_t cap, used; /* cap is a power of two, kept at most half full */
};

/* A row is first added to the sums of its org's path only; the org and
 * each org above it get their share once, when the sums are written: an
 * import into a handful of unions makes eleven additions a row, not
 * eleven times the depth of the tree. */
struct stats_acc {
	struct table by_path; /* org = index in paths */
	char **paths;         /* each distinct org path added, malloc'd */
	size_t npaths, paths_cap;
	size_t *path_slots; /* hash of paths: index + 1, 0 empty; paths_cap * 2 of them */
};

static int table_init(struct table *t)
{
	t->used = 0;
	t->slots = calloc(t->cap = 1024, sizeof(*t->slots));
	return t->slots ? 0 : -1;
}

struct stats_acc *stats_acc_new(void)
{
	struct stats_acc *a = calloc(1, sizeof(*a));
	if (a && table_init(&a->by_path)) {
		free(a);
		return NULL;
	}
	return a;
}

void stats_acc_free(struct stats_acc *a)
{
	if (!a)
		return;
	free(a->by_path.slots);
	for (size_t i = 0; i < a->npaths; i++)
		free(a->paths[i]);
	free(a->paths);
	free(a->path_slots);
	free(a);
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h;
}

static uint64_t hash(int64_t org, int dim, const char *key)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)org * 0x9E3779B97F4A7C15ull;
	h = hash_str((h ^ (uint64_t)dim) * 1099511628211ull, key);
	return h ^ h >> 29;
}

static struct slot *find(struct slot *slots, size_t cap, int64_t org, int dim, const char *key)
{
	for (size_t i = hash(org, dim, key) & (cap - 1);; i = (i + 1) & (cap - 1)) {
		struct slot *s = &slots[i];
		if (!s->used || (s->org == org && s->dim == dim && !strcmp(s->key, key)))
			return s;
	}
}

static int grow(struct table *a)
{
	size_t cap = a->cap * 2;
	struct slot *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -1;
	for (size_t i = 0; i < a->cap; i++)
		if (a->slots[i].used)
			*find(slots, cap, a->slots[i].org, a->slots[i].dim, a->slots[i].key) =
			    a->slots[i];
	free(a->slots);
	a->slots = slots;
	a->cap = cap;
	return 0;
}

static int bump(struct table *a, int64_t org, int depth, int dim, const char *key, int64_t delta)
{
	size_t len = strlen(key);
	if (len >= KEY_MAX)
		return -1;
	if (2 * (a->used + 1) > a->cap && grow(a))
		return -1;
	struct slot *s = find(a->slots, a->cap, org, dim, key);
	if (!s->used) {
		s->used = 1;
		s->org = org;
		s->depth = depth;
		s->dim = (unsigned char)dim;
		memcpy(s->key, key, len + 1);
		a->used++;
	}
	s->n += delta;
	return 0;
}

static size_t *path_slot(size_t *slots, size_t cap, char **paths, const char *path)
{
	for (size_t i = hash_str(1469598103934665603ull, path) & (cap - 1);;
	     i = (i + 1) & (cap - 1))
		if (!slots[i] || !strcmp(paths[slots[i] - 1], path))
			return &slots[i];
}

/* The index of path among those seen, added when new; -1 when out of memory. */
static int64_t path_index(struct stats_acc *a, const char *path)
{
	if (a->paths_cap) {
		size_t *hit = path_slot(a->path_slots, 2 * a->paths_cap, a->paths, path);
		if (*hit)
			return (int64_t)*hit - 1;
	}
	if (a->npaths == a->paths_cap) {
		size_t cap = a->paths_cap ? 2 * a->paths_cap : 16;
		char **paths = realloc(a->paths, cap * sizeof(*paths));
		if (!paths)
			return -1;
		a->paths = paths;
		size_t *slots = calloc(2 * cap, sizeof(*slots));
		if (!slots)
			return -1;
		for (size_t i = 0; i < a->npaths; i++)
			*path_slot(slots, 2 * cap, a->paths, a->paths[i]) = i + 1;
		free(a->path_slots);
		a->path_slots = slots;
		a->paths_cap = cap;
	}
	if (!(a->paths[a->npaths] = strdup(path)))
		return -1;
	*path_slot(a->path_slots, 2 * a->paths_cap, a->paths, path) = a->npaths + 1;
	return (int64_t)a->npaths++;
}

/* "%lld" of v into out (24 bytes): called a dozen times a row of a bulk
 * import, where snprintf's parsing of the format showed. */
static void int_key(int64_t v, char out[24])
{
	char tmp[24];
	int n = 0;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	if (v < 0)
		tmp[n++] = '-';
	for (int i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
}

/* The first max bytes of s (NULL: none), as "%.*s" gives them. */
static void prefix_key(const char *s, size_t max, char *out)
{
	size_t n = s ? strnlen(s, max) : 0;
	memcpy(out, s ? s : "", n);
	out[n] = '\0';
}

int stats_acc_add(struct stats_acc *a, const char *org_path, const struct member_dims *m,
                  int64_t delta)
{
	char gender[24], year[8], month[8], migrant[24], flexible[24];
	int_key(m->gender, gender);
	prefix_key(m->birth_date, 4, year);
	prefix_key(m->joined_on, 7, month);
	int_key(m->migrant, migrant);
	int_key(m->flexible, flexible);
	const char *keys[NDIMS] = {
	    "",
	    gender,
	    year,
	    m->education ? m->education : "",
	    m->political ? m->political : "",
	    m->employment ? m->employment : "",
	    m->status ? m->status : "",
	    m->hukou ? m->hukou : "",
	    migrant,
	    flexible,
	    month,
	};
	int64_t path = path_index(a, org_path);
	if (path < 0)
		return -1;
	for (int d = 0; d < NDIMS; d++)
		if (bump(&a->by_path, path, 0, d, keys[d], delta))
			return -1;
	return 0;
}

/* Each path's sums added to every org on it, "/1/12/345/", as
 * member_stats_apply() walks it. */
static int spread(struct stats_acc *a, struct table *orgs)
{
	for (size_t i = 0; i < a->by_path.cap; i++) {
		const struct slot *s = &a->by_path.slots[i];
		if (!s->used || s->n == 0)
			continue;
		int depth = 0;
		for (const char *p = a->paths[s->org]; *p;) {
			if (*p == '/') {
				p++;
				continue;
			}
			char *end;
			int64_t org = strtoll(p, &end, 10);
			if (end == p)
				break;
			if (bump(orgs, org, ++depth, s->dim, s->key, s->n))
				return -1;
			p = end;
		}
	}
	return 0;
}

/* One upsert of up to UPSERT_ROWS sums; no key repeats inside one, which
 * PostgreSQL's ON CONFLICT DO UPDATE requires. */
static int flush(struct db *d, struct err *e, struct slot **batch, int n)
{
	if (n == 0)
		return 0;
	struct jw sql;
	jw_init(&sql, NULL);
	const char *head = "INSERT INTO org_stats (org_id, dim, key, n) VALUES ";
	jw_raw(&sql, head, strlen(head));
	struct db_val p[4 * UPSERT_ROWS];
	for (int i = 0; i < n; i++) {
		char v[64];
		int len = snprintf(v, sizeof(v), "%s($%d, $%d, $%d, $%d)", i ? ", " : "", 4 * i + 1,
		                   4 * i + 2, 4 * i + 3, 4 * i + 4);
		jw_raw(&sql, v, (size_t)len);
		p[4 * i] = DB_INT(batch[i]->org);
		p[4 * i + 1] = DB_TEXT(dim_names[batch[i]->dim]);
		p[4 * i + 2] = DB_TEXT(batch[i]->key);
		p[4 * i + 3] = DB_INT(batch[i]->n);
	}
	const char *tail =
	    " ON CONFLICT (org_id, dim, key) DO UPDATE SET n = org_stats.n + excluded.n";
	jw_raw(&sql, tail, strlen(tail));
	int rc = db_exec(d, e, sql.buf, 4 * n, p, NULL);
	jw_release(&sql);
	return rc;
}

/* Top down (root first), then by dimension in member_stats_apply()'s order:
 * the order in which every single-member write takes these rows' locks, so
 * a bulk write and a single one never wait for each other in a circle. */
static int upsert_order(const void *x, const void *y)
{
	const struct slot *a = *(struct slot *const *)x, *b = *(struct slot *const *)y;
	if (a->depth != b->depth)
		return a->depth < b->depth ? -1 : 1;
	if (a->org != b->org)
		return a->org < b->org ? -1 : 1;
	if (a->dim != b->dim)
		return a->dim < b->dim ? -1 : 1;
	return strcmp(a->key, b->key);
}

int stats_acc_apply(struct stats_acc *a, struct db *d, struct err *e)
{
	struct table orgs;
	struct slot **all = NULL;
	int rc = -1;
	if (table_init(&orgs) || spread(a, &orgs) ||
	    !(all = malloc((orgs.used ? orgs.used : 1) * sizeof(*all)))) {
		err_set(e, ERR_INTERNAL, NULL, NULL, "内存不足");
		goto out;
	}
	size_t n = 0;
	for (size_t i = 0; i < orgs.cap; i++)
		if (orgs.slots[i].used && orgs.slots[i].n != 0)
			all[n++] = &orgs.slots[i];
	qsort(all, n, sizeof(*all), upsert_order);
	rc = 0;
	for (size_t i = 0; i < n && rc == 0; i += UPSERT_ROWS)
		rc = flush(d, e, all + i, n - i < UPSERT_ROWS ? (int)(n - i) : UPSERT_ROWS);
out:
	free(all);
	free(orgs.slots);
	return rc;
}
