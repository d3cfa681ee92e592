/* The union tree store (see org.h). Paths are written only here, so the
 * rule "path = parent's path + id + '/'" has one home. */
#include "platform/org.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/err.h"

/* has_children rides along in the same query: the orgs_parent index makes
 * each EXISTS one index probe. */
#define ORG_COLUMNS                                                                                \
	"o.id, o.parent_id, o.path, o.level, o.type, o.name, o.division_code, o.status, o.sort,"   \
	" EXISTS (SELECT 1 FROM orgs c WHERE c.parent_id = o.id)"

static const char *const org_levels[] = {"province", "city", "county", "town", "base", NULL};
static const char *const org_types[] = {"regional", "industry", "unit", "base", "joint", NULL};

static int one_of(const char *s, const char *const *list)
{
	for (; s && *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

static const char *dup_or_null(struct db_rows *rs, int col, struct arena *a)
{
	return db_col_null(rs, col) ? NULL : arena_strdup(a, db_col_text(rs, col));
}

/* One row of ORG_COLUMNS into *o. */
static void org_read(struct db_rows *rs, struct arena *a, struct org *o)
{
	o->id = db_col_int(rs, 0);
	o->parent_id = db_col_null(rs, 1) ? 0 : db_col_int(rs, 1);
	o->path = arena_strdup(a, db_col_text(rs, 2));
	o->level = arena_strdup(a, db_col_text(rs, 3));
	o->type = arena_strdup(a, db_col_text(rs, 4));
	o->name = arena_strdup(a, db_col_text(rs, 5));
	o->division_code = dup_or_null(rs, 6, a);
	o->status = arena_strdup(a, db_col_text(rs, 7));
	o->sort = db_col_int(rs, 8);
	o->has_children = db_col_int(rs, 9) != 0;
}

int org_get(struct db *d, struct err *e, struct arena *a, int64_t id, struct org *out)
{
	struct db_rows *rs = NULL;
	int rc = -1, step;
	if (db_query(d, e, "SELECT " ORG_COLUMNS " FROM orgs o WHERE o.id = $1",
	             DB_ARGS(DB_INT(id)), &rs))
		goto out;
	step = db_step(rs, e);
	if (step < 0)
		goto out;
	if (step == 0) {
		err_set(e, ERR_NOT_FOUND, NULL, NULL, "组织不存在");
		goto out;
	}
	org_read(rs, a, out);
	rc = 0;
out:
	db_rows_close(rs);
	return rc;
}

int org_children(struct db *d, struct err *e, struct arena *a, int64_t parent_id, struct org **out,
                 int *n)
{
	struct db_rows *rs = NULL;
	struct org *v = NULL;
	int rc = -1, len = 0, cap = 0, step;
	*out = NULL;
	*n = 0;
	if (parent_id)
		rc = db_query(d, e,
		              "SELECT " ORG_COLUMNS " FROM orgs o WHERE o.parent_id = $1"
		              " ORDER BY o.sort, o.id",
		              DB_ARGS(DB_INT(parent_id)), &rs);
	else
		rc = db_query(d, e,
		              "SELECT " ORG_COLUMNS " FROM orgs o WHERE o.parent_id IS NULL"
		              " ORDER BY o.sort, o.id",
		              0, NULL, &rs);
	if (rc)
		goto out;
	rc = -1;
	while ((step = db_step(rs, e)) == 1) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			struct org *grown = arena_alloc(a, (size_t)cap * sizeof(*grown));
			if (len)
				memcpy(grown, v, (size_t)len * sizeof(*v));
			v = grown;
		}
		org_read(rs, a, &v[len++]);
	}
	if (step < 0)
		goto out;
	*out = v;
	*n = len;
	rc = 0;
out:
	db_rows_close(rs);
	return rc;
}

/* The path (into buf, ORG_PATH_MAX bytes) and parent of org id; missing is
 * ERR_NOT_FOUND with the message given. parent may be NULL. */
static int org_locate(struct db *d, struct err *e, int64_t id, char *buf, int64_t *parent,
                      const char *missing)
{
	struct db_rows *rs = NULL;
	int rc = -1, step;
	if (db_query(d, e, "SELECT path, parent_id FROM orgs WHERE id = $1", DB_ARGS(DB_INT(id)),
	             &rs))
		goto out;
	step = db_step(rs, e);
	if (step < 0)
		goto out;
	if (step == 0) {
		err_set(e, ERR_NOT_FOUND, NULL, NULL, "%s", missing);
		goto out;
	}
	if (snprintf(buf, ORG_PATH_MAX, "%s", db_col_text(rs, 0)) >= ORG_PATH_MAX) {
		err_set(e, ERR_INTERNAL, NULL, NULL, NULL);
		goto out;
	}
	if (parent)
		*parent = db_col_null(rs, 1) ? 0 : db_col_int(rs, 1);
	rc = 0;
out:
	db_rows_close(rs);
	return rc;
}

/* path must be UNIQUE and NOT NULL before the id is known; a random
 * placeholder cannot collide with another writer's, and '~' sorts after
 * '/', so it falls in no subtree range while it exists. */
static int pending_path(struct err *e, char *buf, size_t len)
{
	unsigned char rnd[16];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return err_set(e, ERR_INTERNAL, NULL, NULL, NULL);
	size_t k = (size_t)snprintf(buf, len, "~new:");
	for (size_t i = 0; i < sizeof(rnd) && k + 2 < len; i++, k += 2)
		snprintf(buf + k, len - k, "%02x", rnd[i]);
	return 0;
}

int org_create(struct db *d, struct err *e, int64_t parent_id, const char *level, const char *type,
               const char *name, const char *division_code, int64_t sort, const char *seed_key,
               int64_t *id_out)
{
	char parent_path[ORG_PATH_MAX] = "/", path[ORG_PATH_MAX], pending[48];
	int64_t id, now = (int64_t)time(NULL);
	if (!one_of(level, org_levels))
		return err_set(e, ERR_INVALID, NULL, "level", "组织层级不正确");
	if (!one_of(type, org_types))
		return err_set(e, ERR_INVALID, NULL, "type", "组织类型不正确");
	if (!name || !*name)
		return err_set(e, ERR_INVALID, NULL, "name", "组织名称不能为空");
	if (parent_id && org_locate(d, e, parent_id, parent_path, NULL, "上级组织不存在"))
		return -1;
	if (pending_path(e, pending, sizeof(pending)))
		return -1;
	if (db_query_int(
	        d, e,
	        "INSERT INTO orgs (parent_id, path, level, type, name, division_code, sort,"
	        " seed_key, created_at, updated_at)"
	        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
	        DB_ARGS(parent_id ? DB_INT(parent_id) : DB_NULL, DB_TEXT(pending), DB_TEXT(level),
	                DB_TEXT(type), DB_TEXT(name), DB_TEXT(division_code), DB_INT(sort),
	                DB_TEXT(seed_key), DB_INT(now)),
	        &id))
		return -1;
	if (snprintf(path, sizeof(path), "%s%lld/", parent_path, (long long)id) >=
	    (int)sizeof(path))
		return err_set(e, ERR_UNPROCESSABLE, "org_too_deep", NULL, "组织层级过深");
	if (db_exec(d, e, "UPDATE orgs SET path = $1 WHERE id = $2",
	            DB_ARGS(DB_TEXT(path), DB_INT(id)), NULL))
		return -1;
	if (id_out)
		*id_out = id;
	return 0;
}

int org_find_seed(struct db *d, struct err *e, const char *seed_key, int64_t *id)
{
	int64_t v;
	*id = 0;
	if (db_query_int(d, e, "SELECT id FROM orgs WHERE seed_key = $1",
	                 DB_ARGS(DB_TEXT(seed_key)), &v) == 0) {
		*id = v;
		return 0;
	}
	if (e->code != ERR_NOT_FOUND)
		return -1;
	err_clear(e);
	return 0;
}

/* 1 when path is top or lies under it. */
static int path_within(const char *path, const char *top)
{
	char hi[ORG_PATH_MAX];
	access_subtree_hi(top, hi, sizeof(hi));
	return strcmp(path, top) >= 0 && strcmp(path, hi) < 0;
}

int org_move(struct db *d, struct err *e, int64_t id, int64_t new_parent_id)
{
	char old[ORG_PATH_MAX], hi[ORG_PATH_MAX], parent[ORG_PATH_MAX] = "/", fresh[ORG_PATH_MAX];
	int64_t cur_parent = 0, longest = 0, now = (int64_t)time(NULL);
	/* Touching both rows first locks them on PostgreSQL (SQLite's write
	 * lock already covers the database), so a concurrent move of either
	 * waits for us and the paths read next are current. */
	if (db_exec(d, e, "UPDATE orgs SET updated_at = $1 WHERE id = $2 OR id = $3",
	            DB_ARGS(DB_INT(now), DB_INT(id), DB_INT(new_parent_id)), NULL))
		return -1;
	if (org_locate(d, e, id, old, &cur_parent, "组织不存在"))
		return -1;
	if (new_parent_id && org_locate(d, e, new_parent_id, parent, NULL, "上级组织不存在"))
		return -1;
	if (new_parent_id && path_within(parent, old))
		return err_set(e, ERR_UNPROCESSABLE, "org_move_into_subtree", "parent_id",
		               "不能把组织移到它自己或它的下级组织之下");
	if (new_parent_id == cur_parent)
		return 0;
	access_subtree_hi(old, hi, sizeof(hi));
	if (snprintf(fresh, sizeof(fresh), "%s%lld/", parent, (long long)id) >= (int)sizeof(fresh))
		return err_set(e, ERR_UNPROCESSABLE, "org_too_deep", NULL, "组织层级过深");
	if (db_query_int(d, e, "SELECT max(length(path)) FROM orgs WHERE path >= $1 AND path < $2",
	                 DB_ARGS(DB_TEXT(old), DB_TEXT(hi)), &longest))
		return -1;
	if (longest - (int64_t)strlen(old) + (int64_t)strlen(fresh) >= ORG_PATH_MAX)
		return err_set(e, ERR_UNPROCESSABLE, "org_too_deep", NULL, "组织层级过深");
	if (db_exec(d, e, "UPDATE orgs SET parent_id = $1 WHERE id = $2",
	            DB_ARGS(new_parent_id ? DB_INT(new_parent_id) : DB_NULL, DB_INT(id)), NULL))
		return -1;
	/* Paths are ASCII, so byte and character positions agree on both databases. */
	return db_exec(d, e,
	               "UPDATE orgs SET path = $1 || substr(path, $2), updated_at = $3"
	               " WHERE path >= $4 AND path < $5",
	               DB_ARGS(DB_TEXT(fresh), DB_INT((int64_t)strlen(old) + 1), DB_INT(now),
	                       DB_TEXT(old), DB_TEXT(hi)),
	               NULL);
}

int org_top_grants(const struct grant *g, int n, const struct grant **out)
{
	int k = 0;
	for (int i = 0; i < n; i++) {
		int covered = 0;
		for (int j = 0; j < n && !covered; j++) {
			if (j == i)
				continue;
			int gi = !!g[i].subtree, gj = !!g[j].subtree;
			/* the same org twice: a subtree grant beats an org-only one,
			 * otherwise the first one stays */
			if (!strcmp(g[i].path, g[j].path))
				covered = (gj && !gi) || (gj == gi && j < i);
			else
				covered = gj && path_within(g[i].path, g[j].path);
		}
		if (!covered)
			out[k++] = &g[i];
	}
	return k;
}
