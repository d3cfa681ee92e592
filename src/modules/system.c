/* Health, readiness and version: what load balancers and the apps ask
 * first; and the apps' own error reports, so a page that breaks on a
 * cadre's PC shows up in the server log with its request id. */
#include <string.h>

#include "core/db.h"
#include "core/log.h"
#include "core/migrate.h"
#include "core/req.h"
#include "core/version.h"
#include "modules.h"

static int healthz(struct req *r);
static int readyz(struct req *r);
static int version(struct req *r);
static int client_error(struct req *r);

static const struct route routes[] = {
    {"GET", "/api/v1/healthz", healthz, NULL, ROUTE_PUBLIC | ROUTE_NO_DB},
    {"GET", "/api/v1/readyz", readyz, NULL, ROUTE_PUBLIC},
    {"GET", "/api/v1/version", version, NULL, ROUTE_PUBLIC | ROUTE_NO_DB},
    {"POST", "/api/v1/client-errors", client_error, NULL, ROUTE_PUBLIC | ROUTE_NO_DB},
};

const struct module system_module = {"system", ROUTES(routes)};

/* Alive: the process answers. Touches nothing else, so it stays cheap. */
static int healthz(struct req *r)
{
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_kstr(w, "status", "ok");
	jw_obj_end(w);
	return 0;
}

/* Ready: the database answers and its schema is the one this binary expects. */
static int readyz(struct req *r)
{
	int have = 0;
	if (db_ping(r->db, &r->err) || migrate_db_version(r->db, &r->err, &have))
		return req_fail_as(r, ERR_UNAVAILABLE, "database_unavailable", NULL,
		                   "数据库不可用");
	if (have != migrate_latest())
		return req_fail_as(r, ERR_UNAVAILABLE, "schema_not_current", NULL,
		                   "数据库结构版本为 %d，程序需要 %d，请先执行 gonghui migrate",
		                   have, migrate_latest());
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_kstr(w, "status", "ready");
	jw_kstr(w, "database", db_driver_name(r->db));
	jw_kint(w, "schema", have);
	jw_kint(w, "schema_latest", migrate_latest());
	jw_obj_end(w);
	return 0;
}

static int version(struct req *r)
{
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_kstr(w, "name", "gonghui");
	jw_kstr(w, "version", GONGHUI_VERSION);
	jw_kint(w, "schema", migrate_latest());
	jw_obj_end(w);
	return 0;
}

/* {"message": …, "page": …, "detail": …} from a web app's error handler. */
static int client_error(struct req *r)
{
	const char *message, *page, *detail;
	if (req_body_str(r, "message", 1, 500, &message) ||
	    req_body_str(r, "page", 0, 500, &page) || req_body_str(r, "detail", 0, 4000, &detail))
		return -1;
	struct jw line;
	jw_init(&line, &r->arena);
	jw_obj(&line);
	jw_kstr(&line, "message", message);
	jw_kstr(&line, "page", page);
	jw_kstr(&line, "detail", detail);
	jw_kstr(&line, "user_agent", req_header(r, "User-Agent"));
	jw_obj_end(&line);
	log_warn("client error id=%s %s", r->id, line.buf);
	req_status(r, 202);
	struct jw *w = req_json(r);
	jw_obj(w);
	jw_kstr(w, "request_id", r->id);
	jw_obj_end(w);
	return 0;
}
