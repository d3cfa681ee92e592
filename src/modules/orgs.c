/* The union tree as the console browses it: the caller's top orgs, one org,
 * and an org's children. Only what the caller's grants of "orgs.read" cover
 * is shown; anything else answers exactly like an id that does not exist. */
#include "core/db.h"
#include "core/req.h"
#include "modules.h"
#include "platform/access.h"
#include "platform/org.h"

static int orgs_roots(struct req *r);
static int orgs_get(struct req *r);
static int orgs_children(struct req *r);

static const struct route routes[] = {
    {"GET", "/api/v1/orgs/roots", orgs_roots, "orgs.read", 0},
    {"GET", "/api/v1/orgs/:id", orgs_get, "orgs.read", 0},
    {"GET", "/api/v1/orgs/:id/children", orgs_children, "orgs.read", 0},
};

const struct module orgs_module = {"orgs", ROUTES(routes)};

static void org_json(struct jw *w, const struct org *o)
{
	jw_obj(w);
	jw_kint(w, "id", o->id);
	if (o->parent_id)
		jw_kint(w, "parent_id", o->parent_id);
	else
		jw_knull(w, "parent_id");
	jw_kstr(w, "name", o->name);
	jw_kstr(w, "level", o->level);
	jw_kstr(w, "type", o->type);
	jw_kstr(w, "division_code", o->division_code); /* NULL writes null */
	jw_kstr(w, "status", o->status);
	jw_kbool(w, "has_children", o->has_children);
	jw_obj_end(w);
}

/* One answer for "no such org" and "not yours to see", so ids outside the
 * caller's scope cannot be probed. */
static int org_hidden(struct req *r)
{
	return req_fail(r, ERR_NOT_FOUND, NULL, "组织不存在");
}

/* The visible org named by :id into *o. */
static int org_visible(struct req *r, struct org *o)
{
	int64_t id;
	if (req_param_id(r, "id", &id))
		return org_hidden(r);
	if (org_get(r->db, &r->err, &r->arena, id, o))
		return r->err.code == ERR_NOT_FOUND ? org_hidden(r) : -1;
	if (!access_visible(r, o->path))
		return org_hidden(r);
	return 0;
}

/* {"items":[org…]}: where the caller's part of the tree starts, one entry
 * per grant that no other grant's subtree already contains. */
static int orgs_roots(struct req *r)
{
	int ngrants = r->auth ? r->auth->ngrants : 0, ntop;
	const struct grant **top = arena_alloc(&r->arena, sizeof(*top) * (size_t)(ngrants + 1));
	struct org o;
	ntop = org_top_grants(r->auth ? r->auth->grants : NULL, ngrants, top);
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "items");
	jw_arr(w);
	for (int i = 0; i < ntop; i++) {
		if (org_get(r->db, &r->err, &r->arena, top[i]->org_id, &o) == 0) {
			org_json(w, &o);
			continue;
		}
		/* a grant on an org deleted since is no root; anything else is */
		if (r->err.code != ERR_NOT_FOUND)
			return -1;
		err_clear(&r->err);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	return 0;
}

static int orgs_get(struct req *r)
{
	struct org o;
	if (org_visible(r, &o))
		return -1;
	org_json(req_json(r), &o);
	return 0;
}

/* {"items":[org…]}: the children the caller may see, by sort, id. With an
 * org-only grant on the parent that is none of them. */
static int orgs_children(struct req *r)
{
	struct org parent, *kids;
	int n;
	if (org_visible(r, &parent) ||
	    org_children(r->db, &r->err, &r->arena, parent.id, &kids, &n))
		return -1;
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_key(w, "items");
	jw_arr(w);
	for (int i = 0; i < n; i++)
		if (access_visible(r, kids[i].path))
			org_json(w, &kids[i]);
	jw_arr_end(w);
	jw_obj_end(w);
	return 0;
}
