/* The storage front: URL dispatch to a driver, the calls that are the same
 * for every driver, the statement cache and the migration dialect. */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_driver.h"
#include "log.h"

void db_global_init(void)
{
	db_sqlite_global_init();
}

/* Returns 0 and fills *out, or -1 with ERR_INVALID for a URL naming no
 * driver and ERR_UNAVAILABLE for a database that cannot be opened. */
int db_open(const char *url, struct db **out, struct err *e)
{
	*out = NULL;
	if (!url)
		url = "";
	if (strncmp(url, "sqlite:", 7) == 0 && url[7])
		return db_sqlite_open(url + 7, out, e);
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
		return db_pg_open(url, out, e);
	return err_set(e, ERR_INVALID, "invalid_db_url", "db",
	               "数据库地址不正确：应为 sqlite:文件路径 或 postgresql://…");
}

void db_close(struct db *d)
{
	if (d)
		d->drv->close(d);
}

int db_exec(struct db *d, struct err *e, const char *sql, int n, const struct db_val *params,
            int64_t *affected)
{
	int64_t dummy;
	return d->drv->exec(d, e, sql, n, params, affected ? affected : &dummy);
}

int db_query(struct db *d, struct err *e, const char *sql, int n, const struct db_val *params,
             struct db_rows **out)
{
	*out = NULL;
	return d->drv->query(d, e, sql, n, params, out);
}

int db_step(struct db_rows *r, struct err *e)
{
	return r->drv->step(r, e);
}

void db_rows_close(struct db_rows *r)
{
	if (r)
		r->drv->rows_close(r);
}

int db_col_count(struct db_rows *r)
{
	return r->drv->col_count(r);
}

int db_col_null(struct db_rows *r, int col)
{
	return r->drv->col_null(r, col);
}

int64_t db_col_int(struct db_rows *r, int col)
{
	return r->drv->col_int(r, col);
}

const char *db_col_text(struct db_rows *r, int col)
{
	return r->drv->col_text(r, col);
}

int db_query_int(struct db *d, struct err *e, const char *sql, int n, const struct db_val *params,
                 int64_t *out)
{
	struct db_rows *r;
	if (db_query(d, e, sql, n, params, &r))
		return -1;
	int rc = db_step(r, e);
	if (rc == 1)
		*out = db_col_int(r, 0);
	else if (rc == 0)
		err_set(e, ERR_NOT_FOUND, NULL, NULL, NULL);
	db_rows_close(r);
	return rc == 1 ? 0 : -1;
}

int db_query_ints(struct db *d, struct err *e, const char *sql, int n, const struct db_val *params,
                  int64_t *out, int max, int *count)
{
	struct db_rows *r;
	*count = 0;
	if (db_query(d, e, sql, n, params, &r))
		return -1;
	int rc = 0;
	while (*count < max && (rc = db_step(r, e)) == 1)
		out[(*count)++] = db_col_int(r, 0);
	db_rows_close(r);
	return rc < 0 ? -1 : 0;
}

int db_begin(struct db *d, struct err *e)
{
	return d->drv->begin(d, e);
}

int db_commit(struct db *d, struct err *e)
{
	return d->drv->commit(d, e);
}

int db_rollback(struct db *d)
{
	return d->drv->rollback(d);
}

char *db_values_sql(const char *head, int width, int nrows, const char *tail)
{
	/* ", $nnnnnn" at most per value, "), (" per row */
	size_t cap = strlen(head) + strlen(tail) + 16 + (size_t)nrows * ((size_t)width * 9 + 4);
	char *sql = malloc(cap), *o = sql;
	if (!sql)
		return NULL;
	o = stpcpy(o, head);
	o = stpcpy(o, " VALUES ");
	for (int i = 0; i < nrows; i++) {
		o = stpcpy(o, i ? ", (" : "(");
		for (int c = 0; c < width; c++)
			o += sprintf(o, "%s$%d", c ? ", " : "", i * width + c + 1);
		*o++ = ')';
	}
	strcpy(o, tail);
	return sql;
}

enum {
	INSERT_ROWS = 500,     /* rows per multi-row statement */
	INSERT_PARAMS = 65535, /* PostgreSQL's limit of parameters per statement */
};

/* One multi-row statement of rows [0, n). */
static int insert_chunk(struct db *d, struct err *e, const char *head, int width, int n,
                        const struct db_val *params, const char *key, int key_col, int64_t *ids)
{
	char tail[160] = "";
	if (ids) {
		if (strlen(key) > 100)
			return db_fail(e, ERR_INTERNAL, d->drv->name, "key column name too long",
			               head);
		snprintf(tail, sizeof(tail), " ON CONFLICT DO NOTHING RETURNING id, %s", key);
	}
	char *sql = db_values_sql(head, width, n, tail);
	if (!sql)
		return db_fail(e, ERR_INTERNAL, d->drv->name, "out of memory", head);
	int rc;
	if (!ids) {
		rc = db_exec(d, e, sql, n * width, params, NULL);
		free(sql);
		return rc;
	}
	for (int i = 0; i < n; i++)
		ids[i] = 0;
	struct db_rows *rs;
	rc = db_query(d, e, sql, n * width, params, &rs);
	free(sql);
	if (rc)
		return -1;
	/* rows come back in the order of the VALUES list, so a match is
	 * usually the row after the last one */
	int got, next = 0;
	while ((got = db_step(rs, e)) == 1) {
		const char *k = db_col_text(rs, 1);
		for (int t = 0; t < n; t++) {
			int i = (next + t) % n;
			const struct db_val *v = &params[i * width + key_col];
			if (!ids[i] && v->type == DBV_TEXT && v->s && !strcmp(v->s, k)) {
				ids[i] = db_col_int(rs, 0);
				next = i + 1;
				break;
			}
		}
	}
	db_rows_close(rs);
	return got < 0 ? -1 : 0;
}

int db_insert_rows(struct db *d, struct err *e, const char *head, int width, int nrows,
                   const struct db_val *params, const char *key, int key_col, int64_t *ids)
{
	if (width <= 0 || nrows <= 0)
		return 0;
	if (d->drv->insert_rows)
		return d->drv->insert_rows(d, e, head, width, nrows, params, ids);
	int per = INSERT_PARAMS / width < INSERT_ROWS ? INSERT_PARAMS / width : INSERT_ROWS;
	for (int i = 0; i < nrows; i += per) {
		int n = nrows - i < per ? nrows - i : per;
		if (insert_chunk(d, e, head, width, n, params + (size_t)i * width, key, key_col,
		                 ids ? ids + i : NULL))
			return -1;
	}
	return 0;
}

int db_bulk_begin(struct db *d, struct err *e)
{
	return d->drv->bulk_begin ? d->drv->bulk_begin(d, e) : 0;
}

int db_bulk_defer_indexes(struct db *d, struct err *e, const char *table)
{
	return d->drv->defer_indexes ? d->drv->defer_indexes(d, e, table) : 0;
}

int db_bulk_build_indexes(struct db *d, struct err *e)
{
	return d->drv->build_indexes ? d->drv->build_indexes(d, e) : 0;
}

void db_bulk_end(struct db *d)
{
	if (d->drv->bulk_end)
		d->drv->bulk_end(d);
}

int db_exec_script(struct db *d, struct err *e, const char *sql)
{
	return d->drv->exec_script(d, e, sql);
}

const char *db_driver_name(struct db *d)
{
	return d->drv->name;
}

int db_ping(struct db *d, struct err *e)
{
	int64_t one;
	return db_query_int(d, e, "SELECT 1", 0, NULL, &one);
}

size_t db_stmt_cache_size(struct db *d)
{
	return d->drv->cache_size(d);
}

static const struct db_ddl_word *ddl_word_at(struct db *d, const char *p)
{
	if (p[0] != '{' || p[1] != '{')
		return NULL;
	for (const struct db_ddl_word *w = d->drv->ddl; w->token; w++)
		if (strncmp(p, w->token, strlen(w->token)) == 0)
			return w;
	return NULL;
}

/* Words the driver does not know stay as written, so the database reports
 * them where the migration uses them. */
char *db_ddl(struct db *d, const char *sql)
{
	const struct db_ddl_word *w;
	size_t cap = strlen(sql) + 1;
	for (const char *p = sql; (p = strstr(p, "{{")); p += 2)
		if ((w = ddl_word_at(d, p)))
			cap += strlen(w->text);
	char *out = malloc(cap), *o = out;
	if (!out)
		return NULL;
	for (const char *p = sql; *p;) {
		if ((w = ddl_word_at(d, p))) {
			o = stpcpy(o, w->text);
			p += strlen(w->token);
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

int db_fail(struct err *e, enum err_code code, const char *driver, const char *dbmsg,
            const char *sql)
{
	/* A conflict is an expected outcome the caller handles, not a fault. */
	enum log_level lv = code == ERR_CONFLICT ? LOG_DEBUG : LOG_ERROR;
	size_t n = dbmsg ? strlen(dbmsg) : 0;
	while (n && (dbmsg[n - 1] == '\n' || dbmsg[n - 1] == ' '))
		n--;
	log_msg(lv, "db %s: %.*s%s%.300s", driver, (int)n, dbmsg ? dbmsg : "",
	        sql ? " | sql: " : "", sql ? sql : "");
	return err_set(e, code, NULL, NULL, NULL);
}

/* FNV-1a: SQL texts are short and come from the program, not from users. */
static uint64_t hash_sql(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

struct db_cache_entry *db_cache_get(struct db_cache *c, const char *sql)
{
	if (!c->nbuckets)
		return NULL;
	uint64_t h = hash_sql(sql);
	for (struct db_cache_entry *ent = c->buckets[h & (c->nbuckets - 1)]; ent; ent = ent->next)
		if (ent->hash == h && strcmp(ent->sql, sql) == 0)
			return ent;
	return NULL;
}

static int cache_grow(struct db_cache *c)
{
	size_t nb = c->nbuckets ? c->nbuckets * 2 : 64;
	struct db_cache_entry **b = calloc(nb, sizeof(*b));
	if (!b)
		return -1;
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct db_cache_entry *ent = c->buckets[i], *next;
		for (; ent; ent = next) {
			next = ent->next;
			ent->next = b[ent->hash & (nb - 1)];
			b[ent->hash & (nb - 1)] = ent;
		}
	}
	free(c->buckets);
	c->buckets = b;
	c->nbuckets = nb;
	return 0;
}

struct db_cache_entry *db_cache_put(struct db_cache *c, const char *sql)
{
	if (c->count >= DB_CACHE_MAX)
		return NULL;
	if (c->count >= c->nbuckets && cache_grow(c))
		return NULL;
	struct db_cache_entry *ent = calloc(1, sizeof(*ent));
	if (!ent || !(ent->sql = strdup(sql))) {
		free(ent);
		return NULL;
	}
	ent->hash = hash_sql(sql);
	size_t b = ent->hash & (c->nbuckets - 1);
	ent->next = c->buckets[b];
	c->buckets[b] = ent;
	c->count++;
	return ent;
}

void db_cache_clear(struct db_cache *c, void (*drop)(struct db_cache_entry *ent))
{
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct db_cache_entry *ent = c->buckets[i], *next;
		for (; ent; ent = next) {
			next = ent->next;
			if (drop)
				drop(ent);
			free(ent->sql);
			free(ent);
		}
	}
	free(c->buckets);
	c->buckets = NULL;
	c->nbuckets = c->count = 0;
}
