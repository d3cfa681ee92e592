/* The permission catalog and the built-in roles. Roles live in the database
 * (a system admin may add more); the built-in ones are written from this
 * table by roles_sync() at every migrate and seed. */
#ifndef GH_ROLES_H
#define GH_ROLES_H

#include "core/db.h"

struct perm_info {
	const char *code;    /* "members.read" */
	const char *name;    /* "查看会员" */
	const char *section; /* "会员管理" */
};

struct role_info {
	const char *code, *name, *description;
	const char *admin_kind;   /* "sysadmin", "secadmin", "auditor" or NULL */
	const char *const *perms; /* NULL-terminated */
};

extern const struct perm_info perm_catalog[];
extern const int perm_catalog_count;
extern const struct role_info builtin_roles[];
extern const int builtin_roles_count;

/* The catalog entry for code, or NULL. */
const struct perm_info *perm_find(const char *code);
/* Writes the built-in roles and their permissions (idempotent). */
int roles_sync(struct db *d, struct err *e);

#endif
