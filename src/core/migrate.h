/* Schema migrations: numbered SQL files under migrations/, compiled into the
 * binary, applied in order, each in its own transaction, recorded in
 * schema_migrations(version, name, applied_at). */
#ifndef GH_MIGRATE_H
#define GH_MIGRATE_H

#include "db.h"

struct migration {
	int version;
	const char *name; /* file name, e.g. "0001_init.sql" */
	const char *sql;
};

/* Generated from the migrations folder at build time (build/gen/migrations.c). */
extern const struct migration migrations[];
extern const int migrations_count;

/* The highest version this binary knows. */
int migrate_latest(void);
/* The highest version applied to d; 0 for an empty database. */
int migrate_db_version(struct db *d, struct err *e, int *version);
/* Applies every pending migration; *applied (may be NULL) gets how many.
 * Refuses (ERR_CONFLICT, slug "schema_too_new") a database newer than this binary. */
int migrate_run(struct db *d, struct err *e, int *applied);

#endif
