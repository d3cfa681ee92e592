/* Internal to the storage layer: the driver vtable behind db.h, the
 * statement cache both drivers share, and the error helpers. Only
 * db.c, db_sqlite.c, db_pg.c and their unit tests include this. */
#ifndef GH_DB_DRIVER_H
#define GH_DB_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* One {{word}} of the migration dialect and what this driver writes for it. */
struct db_ddl_word {
	const char *token, *text;
};

struct db_driver {
	const char *name;
	const struct db_ddl_word *ddl; /* ends with {NULL, NULL} */
	void (*close)(struct db *d);
	int (*exec)(struct db *d, struct err *e, const char *sql, int n, const struct db_val *p,
	            int64_t *affected);
	int (*query)(struct db *d, struct err *e, const char *sql, int n, const struct db_val *p,
	             struct db_rows **out);
	int (*step)(struct db_rows *r, struct err *e);
	void (*rows_close)(struct db_rows *r);
	int (*col_count)(struct db_rows *r);
	int (*col_null)(struct db_rows *r, int col);
	int64_t (*col_int)(struct db_rows *r, int col);
	const char *(*col_text)(struct db_rows *r, int col);
	int (*begin)(struct db *d, struct err *e);
	int (*commit)(struct db *d, struct err *e);
	int (*rollback)(struct db *d);
	int (*exec_script)(struct db *d, struct err *e, const char *sql);
	size_t (*cache_size)(struct db *d);
	/* db_insert_rows; NULL for db.c's multi-row statements */
	int (*insert_rows)(struct db *d, struct err *e, const char *head, int width, int nrows,
	                   const struct db_val *params, int64_t *ids);
	/* db_bulk_begin / db_bulk_end; NULL when the driver has nothing to tune */
	int (*bulk_begin)(struct db *d, struct err *e);
	void (*bulk_end)(struct db *d);
	/* db_bulk_defer_indexes / db_bulk_build_indexes; NULL: a no-op */
	int (*defer_indexes)(struct db *d, struct err *e, const char *table);
	int (*build_indexes)(struct db *d, struct err *e);
};

/* Each driver's connection and row set start with these. */
struct db {
	const struct db_driver *drv;
};

struct db_rows {
	const struct db_driver *drv;
};

/* Driver constructors behind db_open(): SQLite gets the path after
 * "sqlite:", PostgreSQL the whole URL. Same contract as db_open(). */
int db_sqlite_open(const char *path, struct db **out, struct err *e);
int db_pg_open(const char *url, struct db **out, struct err *e);
void db_sqlite_global_init(void);

/* Statement cache keyed by SQL text. The cache owns its copy of the SQL;
 * the driver owns what stmt points to and frees it in db_cache_clear's
 * callback. Past DB_CACHE_MAX entries put() refuses, so SQL built at run
 * time cannot grow a connection without bound. */
enum { DB_CACHE_MAX = 2000 };

struct db_cache_entry {
	struct db_cache_entry *next;
	uint64_t hash;
	char *sql;
	void *stmt;  /* driver handle (sqlite3_stmt *) */
	unsigned id; /* PostgreSQL statement number; 0 = not prepared yet */
	int busy;    /* a row set is stepping through it */
	int *params; /* SQLite: the $k of each bind slot, worked out once (malloc'd) */
};

struct db_cache {
	struct db_cache_entry **buckets;
	size_t nbuckets, count;
};

struct db_cache_entry *db_cache_get(struct db_cache *c, const char *sql);
/* Adds sql; returns the new entry, or NULL when full or out of memory
 * (the caller then runs the statement uncached). */
struct db_cache_entry *db_cache_put(struct db_cache *c, const char *sql);
/* Empties the cache, calling drop (may be NULL) on each entry first. */
void db_cache_clear(struct db_cache *c, void (*drop)(struct db_cache_entry *ent));

/* "head VALUES ($1, …), (…) …" for nrows rows of width, then tail, into a
 * malloc'd string; NULL when out of memory. */
char *db_values_sql(const char *head, int width, int nrows, const char *tail);

/* Logs the database's own message (with the SQL) and fills e with the
 * generic Chinese text for code. Returns -1. */
int db_fail(struct err *e, enum err_code code, const char *driver, const char *dbmsg,
            const char *sql);

/* Number of statements cached on d; for tests of the cache. */
size_t db_stmt_cache_size(struct db *d);

#endif
