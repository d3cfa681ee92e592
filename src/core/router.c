#include "router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct seg {
	const char *text; /* literal, or the parameter name without ':' */
	size_t len;
	int is_param;
};

struct compiled {
	const struct route *route;
	const char *module;
	int nseg;
	struct seg segs[ROUTER_MAX_SEGMENTS];
};

struct router {
	struct compiled *routes;
	size_t n;
};

/* Splits "/a/b/c" into segments; "/" has none. Returns -1 when the path has
 * too many segments or an empty one ("//", trailing "/"). */
static int split(const char *path, struct seg *segs, int max)
{
	if (path[0] != '/')
		return -1;
	int n = 0;
	const char *p = path + 1;
	if (*p == '\0')
		return 0;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (len == 0 || n == max)
			return -1;
		segs[n].text = p;
		segs[n].len = len;
		segs[n].is_param = 0;
		n++;
		if (!slash)
			return n;
		p = slash + 1;
	}
}

static int same_shape(const struct compiled *a, const struct compiled *b)
{
	if (a->nseg != b->nseg)
		return 0;
	for (int i = 0; i < a->nseg; i++) {
		const struct seg *x = &a->segs[i], *y = &b->segs[i];
		if (x->is_param != y->is_param)
			return 0;
		if (!x->is_param && (x->len != y->len || memcmp(x->text, y->text, x->len)))
			return 0;
	}
	return 1;
}

struct router *router_new(const struct module *const *modules)
{
	size_t total = 0;
	for (const struct module *const *m = modules; *m; m++)
		total += (*m)->nroutes;
	struct router *rt = calloc(1, sizeof(*rt));
	rt->routes = calloc(total ? total : 1, sizeof(*rt->routes));
	for (const struct module *const *m = modules; *m; m++) {
		for (size_t i = 0; i < (*m)->nroutes; i++) {
			const struct route *r = &(*m)->routes[i];
			struct compiled *c = &rt->routes[rt->n];
			c->route = r;
			c->module = (*m)->name;
			c->nseg = split(r->path, c->segs, ROUTER_MAX_SEGMENTS);
			int nparams = 0;
			for (int s = 0; s < c->nseg; s++) {
				if (c->segs[s].text[0] == ':') {
					c->segs[s].is_param = 1;
					c->segs[s].text++;
					c->segs[s].len--;
					nparams++;
				}
			}
			const char *why = NULL;
			if (c->nseg < 0)
				why = "bad path pattern";
			else if (nparams > ROUTER_MAX_PARAMS)
				why = "too many parameters";
			else if (!r->handler)
				why = "no handler";
			else if (!(r->flags & (ROUTE_PUBLIC | ROUTE_SELF)) && !r->perm)
				why = "neither public, self nor given a permission";
			else if ((r->flags & (ROUTE_PUBLIC | ROUTE_SELF)) && r->perm)
				why = "both public or self and given a permission";
			else if ((r->flags & ROUTE_PUBLIC) && (r->flags & ROUTE_SELF))
				why = "both public and self";
			else if (!(r->flags & ROUTE_PUBLIC) && (r->flags & ROUTE_NO_DB))
				why = "needs a caller but no database to find them in";
			for (size_t j = 0; !why && j < rt->n; j++)
				if (same_shape(&rt->routes[j], c) &&
				    strcmp(rt->routes[j].route->method, r->method) == 0)
					why = "duplicate of another route";
			if (why) {
				fprintf(stderr, "gonghui: route %s %s in module %s: %s\n",
				        r->method, r->path, (*m)->name, why);
				router_free(rt);
				return NULL;
			}
			rt->n++;
		}
	}
	return rt;
}

void router_free(struct router *rt)
{
	if (!rt)
		return;
	free(rt->routes);
	free(rt);
}

static int seg_matches(const struct compiled *c, const struct seg *in, int n)
{
	if (c->nseg != n)
		return 0;
	for (int i = 0; i < n; i++) {
		const struct seg *s = &c->segs[i];
		if (!s->is_param && (s->len != in[i].len || memcmp(s->text, in[i].text, s->len)))
			return 0;
	}
	return 1;
}

/* "/orgs/tree" beats "/orgs/:id": at the first position where one route has
 * a literal and the other a parameter, the literal wins, whatever the order
 * of the tables. */
static int more_literal(const struct compiled *a, const struct compiled *b)
{
	for (int i = 0; i < a->nseg; i++)
		if (a->segs[i].is_param != b->segs[i].is_param)
			return !a->segs[i].is_param;
	return 0;
}

static void add_allow(struct route_match *m, const char *method)
{
	if (strstr(m->allow, method))
		return;
	size_t len = strlen(m->allow);
	snprintf(m->allow + len, sizeof(m->allow) - len, "%s%s", len ? ", " : "", method);
}

enum router_result router_match(const struct router *rt, const char *method, const char *path,
                                struct route_match *m)
{
	struct seg in[ROUTER_MAX_SEGMENTS];
	memset(m, 0, sizeof(*m));
	int n = split(path, in, ROUTER_MAX_SEGMENTS);
	if (n < 0)
		return ROUTER_NOT_FOUND;
	const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
	int path_known = 0;
	const struct compiled *best = NULL;
	for (size_t i = 0; i < rt->n; i++) {
		const struct compiled *c = &rt->routes[i];
		if (!seg_matches(c, in, n))
			continue;
		if (strcmp(c->route->method, want) != 0) {
			path_known = 1;
			add_allow(m, c->route->method);
			continue;
		}
		if (!best || more_literal(c, best))
			best = c;
	}
	if (!best)
		return path_known ? ROUTER_METHOD_NOT_ALLOWED : ROUTER_NOT_FOUND;
	m->route = best->route;
	for (int s = 0; s < n; s++) {
		if (!best->segs[s].is_param)
			continue;
		m->names[m->nparams] = best->segs[s].text;
		m->name_lens[m->nparams] = best->segs[s].len;
		m->values[m->nparams] = in[s].text;
		m->lens[m->nparams] = in[s].len;
		m->nparams++;
	}
	return ROUTER_FOUND;
}

size_t router_count(const struct router *rt)
{
	return rt->n;
}

const struct route *router_at(const struct router *rt, size_t i, const char **module)
{
	if (i >= rt->n)
		return NULL;
	if (module)
		*module = rt->routes[i].module;
	return rt->routes[i].route;
}
