/* Storage: one API, two drivers (SQLite and PostgreSQL).
 *
 * SQL is written once for both databases with $1..$n parameters. A connection
 * belongs to one thread. Text returned by db_col_text() is owned by the row
 * set and valid until the next db_step() or db_rows_close(). Every function
 * that can fail takes a struct err and returns 0 on success, -1 on failure;
 * a unique or primary-key violation is ERR_CONFLICT, an unreachable server
 * ERR_UNAVAILABLE, anything else ERR_INTERNAL (details go to the log, not
 * to the client). */
#ifndef GH_DB_H
#define GH_DB_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct db;
struct db_rows;

enum db_val_type { DBV_NULL, DBV_INT, DBV_TEXT };

struct db_val {
	enum db_val_type type;
	int64_t i;
	const char *s; /* DBV_TEXT: NUL-terminated, borrowed for the call */
};

#define DB_INT(x)  ((struct db_val){.type = DBV_INT, .i = (int64_t)(x)})
#define DB_TEXT(x) ((struct db_val){.type = DBV_TEXT, .s = (x)})
#define DB_NULL    ((struct db_val){.type = DBV_NULL})
/* DB_ARGS(DB_INT(1), DB_TEXT("a")) expands to the count and the array;
 * a statement without parameters passes 0, NULL instead. */
#define DB_ARGS(...)                                                                               \
	(int)(sizeof((struct db_val[]){__VA_ARGS__}) / sizeof(struct db_val)), (struct db_val[])   \
	{                                                                                          \
		__VA_ARGS__                                                                        \
	}

/* url: "sqlite:PATH" (":memory:" allowed) or "postgresql://…" / "postgres://…".
 * On success *out is a new connection that the caller frees with db_close(). */
int db_open(const char *url, struct db **out, struct err *e);
void db_close(struct db *d);
/* Process-wide set-up for the SQLite library; call once before any thread opens. */
void db_global_init(void);

/* Runs one statement; *affected (may be NULL) gets the changed row count. */
int db_exec(struct db *d, struct err *e, const char *sql, int n, const struct db_val *params,
            int64_t *affected);
/* Runs one query; on success *out is a row set to step through and close. */
int db_query(struct db *d, struct err *e, const char *sql, int n, const struct db_val *params,
             struct db_rows **out);
/* 1 = a row is current, 0 = no more rows, -1 = error (e filled). */
int db_step(struct db_rows *r, struct err *e);
void db_rows_close(struct db_rows *r);
int db_col_count(struct db_rows *r);
int db_col_null(struct db_rows *r, int col);
int64_t db_col_int(struct db_rows *r, int col);
const char *db_col_text(struct db_rows *r, int col); /* "" for NULL */

/* First column of the first row as an integer; ERR_NOT_FOUND when no row. */
int db_query_int(struct db *d, struct err *e, const char *sql, int n, const struct db_val *params,
                 int64_t *out);

/* The first column of up to max rows as integers into out (a page of ids);
 * *count gets how many. */
int db_query_ints(struct db *d, struct err *e, const char *sql, int n, const struct db_val *params,
                  int64_t *out, int max, int *count);

/* Write transactions. On SQLite BEGIN takes the write lock at once
 * (BEGIN IMMEDIATE), so two writers never deadlock on lock upgrade. */
int db_begin(struct db *d, struct err *e);
int db_commit(struct db *d, struct err *e);
int db_rollback(struct db *d); /* never fails visibly; logs */

/* Inserts nrows rows of width values each (params row by row) with head
 * "INSERT INTO t (c1, …, cW)", the fastest way the database has: SQLite
 * one cached single-row statement per row (a multi-row or RETURNING
 * INSERT makes SQLite copy every page it touches to a statement journal,
 * more work than the insert itself), PostgreSQL multi-row statements.
 * With ids NULL, a row that breaks a constraint fails the call
 * (ERR_CONFLICT for a unique one). With ids, rows that conflict on a
 * unique constraint are skipped (ON CONFLICT DO NOTHING) and ids[i] gets
 * row i's new id (the table's integer key is named id), 0 when it was
 * skipped; PostgreSQL matches the rows it returns by key, a column whose
 * text value params[i * width + key_col] differs from row to row. Rows
 * already inserted stay in the caller's transaction when the call fails. */
int db_insert_rows(struct db *d, struct err *e, const char *head, int width, int nrows,
                   const struct db_val *params, const char *key, int key_col, int64_t *ids);

/* A bulk load: the caller is about to write many rows in one transaction
 * (an import of a hundred thousand members). Between db_bulk_begin() and
 * db_bulk_end() the driver may trade memory for speed: on SQLite the page
 * cache may grow to a quarter of the machine's memory, so the transaction's
 * pages stay in memory instead of spilling to the WAL and being read back,
 * and shrinks back afterwards.
 * Atomicity and durability are unchanged. A no-op where the driver has
 * nothing to tune (PostgreSQL). Call end after the commit or rollback; it
 * is safe without a begin. */
int db_bulk_begin(struct db *d, struct err *e);
void db_bulk_end(struct db *d);
/* Inside a bulk load's transaction, for a load of at least as many rows as
 * table holds: its indexes that only speed up reads are dropped, and
 * db_bulk_build_indexes() builds them again before the commit, one sort
 * each instead of a B-tree insert per row (the unique ones stay and go on
 * checking every row). A rollback brings them back with everything else;
 * db_bulk_end() forgets what was not built. SQLite only: on PostgreSQL a
 * dropped index would lock every reader out of the table until the commit. */
int db_bulk_defer_indexes(struct db *d, struct err *e, const char *table);
int db_bulk_build_indexes(struct db *d, struct err *e);

/* Several statements without parameters, for migrations. */
int db_exec_script(struct db *d, struct err *e, const char *sql);
/* Rewrites the few type words that differ between the databases in a
 * migration ({{id}}, {{now}}; see migrations/README.md). Returns a
 * malloc'd string the caller frees. */
char *db_ddl(struct db *d, const char *sql);
/* "sqlite" or "postgresql": for logs and readiness output only. */
const char *db_driver_name(struct db *d);
/* Cheap liveness check (SELECT 1). */
int db_ping(struct db *d, struct err *e);

#endif
