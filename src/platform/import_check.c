#include "import_check.h"

#include <stdlib.h>
#include <string.h>

int import_scope_load(struct db *d, struct err *e, int64_t account_id, int all, const char *perm,
                      struct import_scope *s)
{
	memset(s, 0, sizeof(*s));
	s->all = all;
	if (all)
		return 0;
	struct db_rows *rs;
	if (db_query(d, e,
	             "SELECT o.path, b.scope FROM bindings b "
	             "JOIN role_permissions rp ON rp.role_id = b.role_id AND rp.perm = $2 "
	             "JOIN orgs o ON o.id = b.org_id WHERE b.account_id = $1 ORDER BY o.path",
	             DB_ARGS(DB_INT(account_id), DB_TEXT(perm)), &rs))
		return -1;
	int got, cap = 0;
	while ((got = db_step(rs, e)) == 1) {
		if (s->n == cap) {
			cap = cap ? 2 * cap : 8;
			char **p = realloc(s->paths, (size_t)cap * sizeof(*p));
			int *t = p ? realloc(s->subtree, (size_t)cap * sizeof(*t)) : NULL;
			if (p)
				s->paths = p;
			if (t)
				s->subtree = t;
			if (!p || !t) {
				got = err_set(e, ERR_INTERNAL, NULL, NULL, "内存不足");
				break;
			}
		}
		if (!(s->paths[s->n] = strdup(db_col_text(rs, 0)))) {
			got = err_set(e, ERR_INTERNAL, NULL, NULL, "内存不足");
			break;
		}
		s->subtree[s->n++] = !strcmp(db_col_text(rs, 1), "subtree");
	}
	db_rows_close(rs);
	if (got < 0) {
		import_scope_release(s);
		return -1;
	}
	return 0;
}

void import_scope_release(struct import_scope *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->paths[i]);
	free(s->paths);
	free(s->subtree);
	memset(s, 0, sizeof(*s));
}

int import_scope_covers(const struct import_scope *s, const char *path)
{
	if (s->all)
		return 1;
	size_t plen = strlen(path);
	for (int i = 0; i < s->n; i++) {
		size_t glen = strlen(s->paths[i]);
		if (s->subtree[i] ? plen >= glen && !memcmp(path, s->paths[i], glen)
		                  : !strcmp(path, s->paths[i]))
			return 1;
	}
	return 0;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static struct import_org *org_slot(struct import_org *slots, size_t cap, int64_t id)
{
	for (size_t i = mix((uint64_t)id) & (cap - 1);; i = (i + 1) & (cap - 1))
		if (slots[i].id == 0 || slots[i].id == id)
			return &slots[i];
}

static int orgs_grow(struct import_orgs *c)
{
	size_t cap = c->cap ? 2 * c->cap : 64;
	struct import_org *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -1;
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i].id)
			*org_slot(slots, cap, c->slots[i].id) = c->slots[i];
	free(c->slots);
	c->slots = slots;
	c->cap = cap;
	return 0;
}

const struct import_org *import_orgs_get(struct import_orgs *c, struct db *d, struct err *e,
                                         const struct import_scope *s, int64_t id)
{
	if (c->cap) {
		struct import_org *o = org_slot(c->slots, c->cap, id);
		if (o->id == id)
			return o;
	}
	struct import_org o = {.id = id};
	struct db_rows *rs;
	if (db_query(d, e, "SELECT path, level, name, status FROM orgs WHERE id = $1",
	             DB_ARGS(DB_INT(id)), &rs))
		return NULL;
	int got = db_step(rs, e);
	if (got == 1) {
		o.exists = 1;
		o.path = strdup(db_col_text(rs, 0));
		o.base = !strcmp(db_col_text(rs, 1), "base");
		o.name = strdup(db_col_text(rs, 2));
		o.active = !strcmp(db_col_text(rs, 3), "active");
	}
	db_rows_close(rs);
	if (got < 0)
		return NULL;
	if (got == 1 && (!o.path || !o.name)) {
		free(o.path);
		free(o.name);
		err_set(e, ERR_INTERNAL, NULL, NULL, "内存不足");
		return NULL;
	}
	o.visible = o.exists && import_scope_covers(s, o.path);
	if (2 * (c->used + 1) > c->cap && orgs_grow(c)) {
		free(o.path);
		free(o.name);
		err_set(e, ERR_INTERNAL, NULL, NULL, "内存不足");
		return NULL;
	}
	struct import_org *slot = org_slot(c->slots, c->cap, id);
	*slot = o;
	c->used++;
	return slot;
}

void import_orgs_release(struct import_orgs *c)
{
	for (size_t i = 0; i < c->cap; i++) {
		free(c->slots[i].path);
		free(c->slots[i].name);
	}
	free(c->slots);
	memset(c, 0, sizeof(*c));
}

/* 96 bits of a keyed hash and the line, in 16 bytes: two numbers collide
 * by chance once in 2^96 pairs, never in any file a province will send,
 * and a million rows take 32 MB (48 while the table grows). */
struct import_id {
	uint64_t a;
	uint32_t b;
	uint32_t line; /* 0: an empty slot */
};

static uint64_t hex64(const char *s)
{
	uint64_t v = 0;
	for (int i = 0; i < 16 && s[i]; i++) {
		char ch = s[i];
		v = v << 4 | (uint64_t)(ch <= '9' ? ch - '0' : (ch | 32) - 'a' + 10);
	}
	return v;
}

static struct import_id *id_slot(struct import_id *slots, size_t cap, uint64_t a, uint32_t b)
{
	for (size_t i = a & (cap - 1);; i = (i + 1) & (cap - 1))
		if (!slots[i].line || (slots[i].a == a && slots[i].b == b))
			return &slots[i];
}

int64_t import_ids_seen(struct import_ids *s, const char *hash, int64_t line)
{
	const char *hex = strrchr(hash, '$');
	hex = hex ? hex + 1 : hash;
	if (strlen(hex) < 32)
		return -1;
	uint64_t a = hex64(hex);
	uint32_t b = (uint32_t)(hex64(hex + 16) >> 32);
	if (s->cap) {
		struct import_id *hit = id_slot(s->slots, s->cap, a, b);
		if (hit->line)
			return hit->line;
	}
	if (2 * (s->used + 1) > s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		struct import_id *slots = calloc(cap, sizeof(*slots));
		if (!slots)
			return -1;
		for (size_t i = 0; i < s->cap; i++)
			if (s->slots[i].line)
				*id_slot(slots, cap, s->slots[i].a, s->slots[i].b) = s->slots[i];
		free(s->slots);
		s->slots = slots;
		s->cap = cap;
	}
	*id_slot(s->slots, s->cap, a, b) =
	    (struct import_id){a, b, line > UINT32_MAX ? UINT32_MAX : (uint32_t)line};
	s->used++;
	return 0;
}

void import_ids_release(struct import_ids *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}
