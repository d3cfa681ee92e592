/* The checks of an import that need more than the row itself, each with
 * the memory it needs and no more: the importer's scope, evaluated without
 * a request (the job runs on its own thread); the orgs rows name, each
 * looked up once; and the 身份证号 numbers seen so far, as a hash set of
 * their lookup hashes. For import_job.c and the kinds of import. */
#ifndef GH_IMPORT_CHECK_H
#define GH_IMPORT_CHECK_H

#include <stdint.h>

#include "core/db.h"

/* The orgs where an account holds a permission (members.import,
 * orgs.write), as access.c computes a request's grants; or everything. */
struct import_scope {
	int all;
	int n;
	char **paths;
	int *subtree;
};

/* Loads account_id's grants of perm (all: none needed). 0, or -1 with e
 * filled. */
int import_scope_load(struct db *d, struct err *e, int64_t account_id, int all, const char *perm,
                      struct import_scope *s);
void import_scope_release(struct import_scope *s);
/* 1 when some grant covers the org at path (what access_visible() says). */
int import_scope_covers(const struct import_scope *s, const char *path);

/* What a row's 所属工会编号 names. */
struct import_org {
	int64_t id;
	int exists, visible, base, active;
	char *path, *name;
};

struct import_orgs {
	struct import_org *slots;
	size_t cap, used;
};

/* The org with id, loaded on first use (NULL with e filled on a database
 * error). Pointers stay valid until import_orgs_release(). */
const struct import_org *import_orgs_get(struct import_orgs *c, struct db *d, struct err *e,
                                         const struct import_scope *s, int64_t id);
void import_orgs_release(struct import_orgs *c);

/* 身份证号 numbers seen in a file, by their lookup hash. */
struct import_ids {
	struct import_id *slots;
	size_t cap, used;
};

/* The line where hash ("h1$KEYID$HEX", crypto_lookup_hash()) was first seen,
 * or 0 after recording it at line now. -1 when out of memory. */
int64_t import_ids_seen(struct import_ids *s, const char *hash, int64_t line);
void import_ids_release(struct import_ids *s);

#endif
