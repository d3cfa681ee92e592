/* PostgreSQL driver over libpq: one connection per thread, each distinct
 * SQL text prepared once per connection, parameters and results as text. */
#include <ctype.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_driver.h"
#include "log.h"

enum { PG_TEXT_OID = 25 };

struct pg {
	struct db base;
	PGconn *conn;
	struct db_cache cache;
	unsigned next_id;
	int tx_lost; /* the server went away inside a transaction */
};

struct pg_rows {
	struct db_rows base;
	PGresult *res;
	int row, nrows;
};

static const struct db_driver pg_driver;

static int pg_fail(struct pg *g, struct err *e, PGresult *res, const char *sql)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	char msg[512];
	enum err_code code = ERR_INTERNAL;
	/* unique_violation and exclusion_violation: the row already exists */
	if (state && (strcmp(state, "23505") == 0 || strcmp(state, "23P01") == 0))
		code = ERR_CONFLICT;
	/* The primary message only: DETAIL may quote the row's values. */
	if (primary)
		snprintf(msg, sizeof(msg), "%s %s", state ? state : "", primary);
	else
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(g->conn));
	return db_fail(e, code, "postgresql", msg, sql);
}

/* 1 when sql mentions $k as a whole parameter token. */
static int mentions_param(const char *sql, int k)
{
	for (const char *p = sql; (p = strchr(p, '$')); p++) {
		if (!isdigit((unsigned char)p[1]))
			continue;
		if (strtol(p + 1, NULL, 10) == k)
			return 1;
	}
	return 0;
}

/* Parameter types for a prepare, or NULL to let the server infer them all.
 * The server cannot infer a $k the SQL never mentions and rejects the
 * statement; such a parameter is declared text, which it then ignores. */
static Oid *param_types(const char *sql, int n)
{
	Oid *types = NULL;
	for (int k = 1; k <= n; k++) {
		if (mentions_param(sql, k))
			continue;
		if (!types && !(types = calloc((size_t)n, sizeof(*types))))
			return NULL;
		types[k - 1] = PG_TEXT_OID;
	}
	return types;
}

static PGresult *pg_call(struct pg *g, const char *sql, int n, const char *const *values)
{
	struct db_cache_entry *ent = db_cache_get(&g->cache, sql);
	if (!ent)
		ent = db_cache_put(&g->cache, sql);
	Oid *types = ent && ent->id ? NULL : param_types(sql, n);
	PGresult *res = NULL;
	char name[32];
	if (!ent) {
		res = PQexecParams(g->conn, sql, n, types, values, NULL, NULL, 0);
		goto out;
	}
	/* An entry whose prepare failed stays with id 0 and is prepared again
	 * next time: the failure may have been the transaction, not the SQL. */
	if (!ent->id) {
		snprintf(name, sizeof(name), "gh_%u", g->next_id + 1);
		res = PQprepare(g->conn, name, sql, n, types);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			goto out;
		PQclear(res);
		ent->id = ++g->next_id;
	}
	snprintf(name, sizeof(name), "gh_%u", ent->id);
	res = PQexecPrepared(g->conn, name, n, values, NULL, NULL, 0);
out:
	free(types);
	return res;
}

/* Reconnects; the new session has none of the old prepared statements. */
static int pg_reset(struct pg *g)
{
	db_cache_clear(&g->cache, NULL);
	PQreset(g->conn);
	if (PQstatus(g->conn) == CONNECTION_OK) {
		log_warn("db postgresql: reconnected");
		return 0;
	}
	log_error("db postgresql: reconnect failed: %s", PQerrorMessage(g->conn));
	return -1;
}

static int result_ok(PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* Runs sql (several statements when script) and returns its successful
 * result for the caller to PQclear, or NULL with e filled. A connection
 * found dead outside a transaction is reset and the statement sent once
 * more, so a restarted server costs no request. The one risk, an
 * autocommitted write that committed just before its reply was lost, is
 * accepted: handlers write inside transactions, which are never retried. */
static PGresult *pg_run(struct pg *g, struct err *e, const char *sql, int n, const struct db_val *p,
                        int script)
{
	PGresult *res = NULL;
	int lost = 1;
	const char **values = n > 0 ? calloc((size_t)n, sizeof(*values) + 24) : NULL;
	char(*ints)[24] = values ? (char(*)[24])(values + n) : NULL;
	if (n > 0 && !values) {
		db_fail(e, ERR_INTERNAL, "postgresql", "out of memory", sql);
		goto out;
	}
	if (g->tx_lost) {
		db_fail(e, ERR_UNAVAILABLE, "postgresql", "connection lost in a transaction", sql);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (p[i].type == DBV_INT) {
			snprintf(ints[i], sizeof(ints[i]), "%lld", (long long)p[i].i);
			values[i] = ints[i];
		} else if (p[i].type == DBV_TEXT) {
			values[i] = p[i].s;
		}
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		if (PQstatus(g->conn) != CONNECTION_OK && pg_reset(g))
			break;
		int idle = PQtransactionStatus(g->conn) == PQTRANS_IDLE;
		res = script ? PQexec(g->conn, sql) : pg_call(g, sql, n, values);
		if (result_ok(res))
			goto out;
		if (PQstatus(g->conn) == CONNECTION_OK) {
			pg_fail(g, e, res, sql);
			lost = 0;
			break;
		}
		log_warn("db postgresql: connection lost: %s", PQerrorMessage(g->conn));
		PQclear(res);
		res = NULL;
		if (!idle) {
			g->tx_lost = 1;
			break;
		}
	}
	if (lost)
		err_set(e, ERR_UNAVAILABLE, NULL, NULL, NULL);
	PQclear(res);
	res = NULL;
out:
	free(values);
	return res;
}

static int pg_exec(struct db *d, struct err *e, const char *sql, int n, const struct db_val *p,
                   int64_t *affected)
{
	PGresult *res = pg_run((struct pg *)d, e, sql, n, p, 0);
	*affected = res ? strtoll(PQcmdTuples(res), NULL, 10) : 0;
	PQclear(res);
	return res ? 0 : -1;
}

static int pg_query(struct db *d, struct err *e, const char *sql, int n, const struct db_val *p,
                    struct db_rows **out)
{
	struct pg_rows *r = malloc(sizeof(*r));
	if (!r)
		return db_fail(e, ERR_INTERNAL, "postgresql", "out of memory", sql);
	PGresult *res = pg_run((struct pg *)d, e, sql, n, p, 0);
	if (!res) {
		free(r);
		return -1;
	}
	*r = (struct pg_rows){
	    .base.drv = &pg_driver, .res = res, .row = -1, .nrows = PQntuples(res)};
	*out = &r->base;
	return 0;
}

static int pg_step(struct db_rows *rows, struct err *e)
{
	struct pg_rows *r = (struct pg_rows *)rows;
	(void)e;
	if (r->row + 1 < r->nrows) {
		r->row++;
		return 1;
	}
	r->row = r->nrows;
	return 0;
}

static void pg_rows_close(struct db_rows *rows)
{
	struct pg_rows *r = (struct pg_rows *)rows;
	PQclear(r->res);
	free(r);
}

static int pg_col_count(struct db_rows *rows)
{
	return PQnfields(((struct pg_rows *)rows)->res);
}

static int pg_col_null(struct db_rows *rows, int col)
{
	struct pg_rows *r = (struct pg_rows *)rows;
	return PQgetisnull(r->res, r->row, col);
}

/* Text for a column, NULL outside the current row. */
static const char *value(struct db_rows *rows, int col)
{
	struct pg_rows *r = (struct pg_rows *)rows;
	if (r->row < 0 || r->row >= r->nrows || col < 0 || col >= PQnfields(r->res))
		return NULL;
	return PQgetvalue(r->res, r->row, col);
}

static int64_t pg_col_int(struct db_rows *rows, int col)
{
	const char *v = value(rows, col);
	if (!v)
		return 0;
	/* booleans arrive as "t"/"f"; SQLite would have given 1/0 */
	if ((v[0] == 't' || v[0] == 'f') && !v[1])
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

static const char *pg_col_text(struct db_rows *rows, int col)
{
	const char *v = value(rows, col);
	return v ? v : "";
}

/* PostgreSQL only warns about BEGIN inside a transaction and COMMIT
 * outside one; SQLite refuses both, and so do we, so that a caller's
 * mistake shows on either database. */
static int tx_misuse(struct pg *g, int want_tx)
{
	if (g->tx_lost || PQstatus(g->conn) != CONNECTION_OK)
		return 0;
	return (PQtransactionStatus(g->conn) != PQTRANS_IDLE) != want_tx;
}

static int pg_begin(struct db *d, struct err *e)
{
	struct pg *g = (struct pg *)d;
	if (tx_misuse(g, 0))
		return db_fail(e, ERR_INTERNAL, "postgresql", "BEGIN inside a transaction", NULL);
	PGresult *res = pg_run(g, e, "BEGIN", 0, NULL, 1);
	PQclear(res);
	return res ? 0 : -1;
}

static int pg_commit(struct db *d, struct err *e)
{
	struct pg *g = (struct pg *)d;
	if (tx_misuse(g, 1))
		return db_fail(e, ERR_INTERNAL, "postgresql", "COMMIT without a transaction", NULL);
	PGresult *res = pg_run(g, e, "COMMIT", 0, NULL, 1);
	int rc = res ? 0 : -1;
	/* COMMIT of a transaction in which a statement failed succeeds as a
	 * ROLLBACK; the caller must not believe its writes were kept. */
	if (res && strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
		rc = db_fail(e, ERR_INTERNAL, "postgresql",
		             "commit of a failed transaction rolled back", NULL);
	/* after a lost COMMIT the transaction is over either way */
	if (!res)
		g->tx_lost = 0;
	PQclear(res);
	return rc;
}

static int pg_rollback(struct db *d)
{
	struct pg *g = (struct pg *)d;
	if (g->tx_lost) {
		/* the server already dropped the transaction with the connection */
		g->tx_lost = 0;
		return 0;
	}
	/* nothing to undo, e.g. after a COMMIT that turned into a rollback */
	if (PQstatus(g->conn) != CONNECTION_OK || PQtransactionStatus(g->conn) == PQTRANS_IDLE)
		return 0;
	PGresult *res = PQexec(g->conn, "ROLLBACK");
	int rc = result_ok(res) ? 0 : -1;
	if (rc)
		log_error("db postgresql: rollback failed: %s", PQerrorMessage(g->conn));
	PQclear(res);
	return rc;
}

static int pg_exec_script(struct db *d, struct err *e, const char *sql)
{
	PGresult *res = pg_run((struct pg *)d, e, sql, 0, NULL, 1);
	PQclear(res);
	return res ? 0 : -1;
}

static size_t pg_cache_size(struct db *d)
{
	return ((struct pg *)d)->cache.count;
}

static void pg_close(struct db *d)
{
	struct pg *g = (struct pg *)d;
	db_cache_clear(&g->cache, NULL);
	PQfinish(g->conn);
	free(g);
}

/* NOTICEs (e.g. "table already exists, skipping") are not errors; keep
 * them out of the error stream. */
static void quiet_notice(void *arg, const char *msg)
{
	(void)arg;
	log_debug("db postgresql: %.*s", (int)strcspn(msg, "\n"), msg);
}

int db_pg_open(const char *url, struct db **out, struct err *e)
{
	int rc = -1;
	char *perr = NULL;
	struct pg *g = NULL;
	PQconninfoOption *opts = PQconninfoParse(url, &perr);
	if (!opts) {
		/* the URL may hold a password: log libpq's reason, not the URL */
		log_error("db postgresql: bad URL: %s", perr ? perr : "out of memory");
		err_set(e, ERR_INVALID, "invalid_db_url", "db", "数据库地址格式不正确");
		goto out;
	}
	if (!(g = calloc(1, sizeof(*g)))) {
		db_fail(e, ERR_INTERNAL, "postgresql", "out of memory", NULL);
		goto out;
	}
	g->base.drv = &pg_driver;
	/* Later keys win: the URL may override the timeout, never the encoding. */
	const char *keys[] = {"connect_timeout", "fallback_application_name", "dbname",
	                      "client_encoding", NULL};
	const char *vals[] = {"10", "gonghui", url, "UTF8", NULL};
	g->conn = PQconnectdbParams(keys, vals, 1);
	if (!g->conn || PQstatus(g->conn) != CONNECTION_OK) {
		log_error("db postgresql: cannot connect: %s",
		          g->conn ? PQerrorMessage(g->conn) : "out of memory");
		err_set(e, ERR_UNAVAILABLE, NULL, NULL, "无法连接数据库，请稍后再试");
		goto out;
	}
	PQsetNoticeProcessor(g->conn, quiet_notice, NULL);
	*out = &g->base;
	rc = 0;
out:
	if (rc && g)
		pg_close(&g->base);
	PQconninfoFree(opts);
	PQfreemem(perr);
	return rc;
}

static const struct db_ddl_word pg_ddl[] = {
    {"{{id}}", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
    {"{{now}}", "(CAST(EXTRACT(EPOCH FROM now()) AS BIGINT))"},
    {"{{ctext}}", "TEXT COLLATE \"C\""},
    {NULL, NULL},
};

static const struct db_driver pg_driver = {
    .name = "postgresql",
    .ddl = pg_ddl,
    .close = pg_close,
    .exec = pg_exec,
    .query = pg_query,
    .step = pg_step,
    .rows_close = pg_rows_close,
    .col_count = pg_col_count,
    .col_null = pg_col_null,
    .col_int = pg_col_int,
    .col_text = pg_col_text,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .exec_script = pg_exec_script,
    .cache_size = pg_cache_size,
};
