/* The union tree: one table of orgs, each with its materialized path
 * ("/1/12/345/": the ids from the root down, each followed by '/'), so "this
 * union and everything under it" is the range path >= P AND path < hi(P)
 * (access_subtree_hi). Every business area reads the tree through here.
 *
 * Writes run in the caller's transaction: a handler's (the router opens it)
 * or the one `gonghui seed` opens. Strings in a struct org live in the arena
 * the caller passes. */
#ifndef GH_ORG_H
#define GH_ORG_H

#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "platform/access.h"

/* Longer than any real path: a tree 8 deep with 19-digit ids is 161 bytes. */
enum { ORG_PATH_MAX = 256 };

struct org {
	int64_t id;
	int64_t parent_id; /* 0 for a root */
	const char *path;
	const char *level; /* province, city, county, town, base */
	const char *type;  /* regional, industry, unit, base, joint */
	const char *name;
	const char *division_code; /* GB/T 2260 code, or NULL */
	const char *status;        /* active, dissolved */
	int64_t sort;
	int has_children; /* 1 when some org has this one as its parent */
};

/* Reads one org into *out, its strings allocated from a. Returns 0, or -1
 * with ERR_NOT_FOUND ("组织不存在") when there is none by that id. */
int org_get(struct db *d, struct err *e, struct arena *a, int64_t id, struct org *out);

/* The orgs whose parent is parent_id (0: the roots), ordered by sort, id,
 * with has_children filled in. *out is an array from a (NULL when *n is 0).
 * Visibility is the caller's business: this lists every child. */
int org_children(struct db *d, struct err *e, struct arena *a, int64_t parent_id, struct org **out,
                 int *n);

/* Inserts an org under parent_id (0 makes a root) and sets its path to the
 * parent's path + id + '/'. division_code and seed_key may be NULL; a
 * seed_key already taken is ERR_CONFLICT. A parent that does not exist is
 * ERR_NOT_FOUND; a level or type outside the lists above is ERR_INVALID.
 * *id_out (may be NULL) gets the new id. */
int org_create(struct db *d, struct err *e, int64_t parent_id, const char *level, const char *type,
               const char *name, const char *division_code, int64_t sort, const char *seed_key,
               int64_t *id_out);

/* The id of the org seeded under seed_key in *id, or 0 when there is none
 * (that is not an error). */
int org_find_seed(struct db *d, struct err *e, const char *seed_key, int64_t *id);

/* Moves org id and its whole subtree under new_parent_id (0: make it a
 * root), rewriting every path of the subtree in one statement. Moving an
 * org under itself or one of its descendants is ERR_UNPROCESSABLE; a
 * missing org or parent is ERR_NOT_FOUND. Moving to the current parent
 * changes nothing. Rows of other tables that copy an org's path must be
 * rewritten by the caller in the same transaction. */
int org_move(struct db *d, struct err *e, int64_t id, int64_t new_parent_id);

/* The grants that start a caller's part of the tree: each grant's org,
 * minus those lying inside another grant's subtree (or repeating an earlier
 * grant of the same org), in the order given. Writes pointers into g to
 * out, which has room for n; returns how many it wrote. Pure: no database. */
int org_top_grants(const struct grant *g, int n, const struct grant **out);

#endif
