#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "json_read.h"
#include "log.h"
#include "req.h"
#include "web_files.h"

struct server {
	const struct config *cfg;
	const struct server_hooks *hooks;
	struct router *router;
	size_t body_limit, upload_limit;
	atomic_int in_flight;
	/* every thread's connection, so they can be closed after the threads end */
	pthread_mutex_t dbs_lock;
	struct db **dbs;
	size_t ndbs, capdbs;
};

static _Thread_local struct db *thread_db;
static _Thread_local uint64_t rid_state;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const struct config *server_config(const struct server *s)
{
	return s->cfg;
}

int server_thread_db(const struct server *cs, struct db **out, struct err *e)
{
	struct server *s = (struct server *)cs;
	if (!thread_db) {
		struct db *d;
		if (db_open(s->cfg->db, &d, e))
			return -1;
		pthread_mutex_lock(&s->dbs_lock);
		if (s->ndbs == s->capdbs) {
			s->capdbs = s->capdbs ? s->capdbs * 2 : 16;
			s->dbs = realloc(s->dbs, s->capdbs * sizeof(*s->dbs));
		}
		s->dbs[s->ndbs++] = d;
		pthread_mutex_unlock(&s->dbs_lock);
		thread_db = d;
	}
	*out = thread_db;
	return 0;
}

/* A request id: the client's X-Request-Id when it is short and plain,
 * else 16 random hex digits (xorshift seeded once per thread). */
static void make_request_id(struct req *r)
{
	const char *given = req_header(r, "X-Request-Id");
	if (given) {
		size_t n = strlen(given);
		int ok = n > 0 && n < sizeof(r->id);
		for (size_t i = 0; ok && i < n; i++) {
			char c = given[i];
			ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			     (c >= 'A' && c <= 'Z') || c == '-' || c == '_' || c == '.';
		}
		if (ok) {
			memcpy(r->id, given, n + 1);
			return;
		}
	}
	if (!rid_state && getrandom(&rid_state, sizeof(rid_state), 0) != sizeof(rid_state))
		rid_state = now_ns() ^ (uint64_t)(uintptr_t)&rid_state;
	rid_state |= 1;
	rid_state ^= rid_state << 13;
	rid_state ^= rid_state >> 7;
	rid_state ^= rid_state << 17;
	snprintf(r->id, sizeof(r->id), "%016llx", (unsigned long long)rid_state);
}

/* The peer's address, or with --trust-proxy the last hop that the proxy in
 * front of us (nginx) added to X-Forwarded-For. */
static const char *client_ip(struct req *r, int trust_proxy)
{
	if (trust_proxy) {
		const char *fwd = req_header(r, "X-Forwarded-For");
		if (fwd && *fwd) {
			const char *last = strrchr(fwd, ',');
			last = last ? last + 1 : fwd;
			while (*last == ' ')
				last++;
			return arena_strndup(&r->arena, last, strnlen(last, 64));
		}
	}
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char buf[INET6_ADDRSTRLEN] = "";
	if (ci && ci->client_addr) {
		if (ci->client_addr->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr,
			          buf, sizeof(buf));
		else if (ci->client_addr->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
			          &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, buf,
			          sizeof(buf));
	}
	return arena_strdup(&r->arena, buf);
}

static void common_headers(struct req *r, struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "X-Request-Id", r->id);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	MHD_add_response_header(resp, "X-Frame-Options", "SAMEORIGIN");
}

static enum MHD_Result respond(struct req *r, unsigned status, struct MHD_Response *resp)
{
	common_headers(r, resp);
	r->status = (int)status;
	r->responded = 1;
	enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void write_error(struct req *r)
{
	struct jw *w = &r->out;
	jw_reset(w);
	jw_obj(w);
	jw_key(w, "error");
	jw_obj(w);
	jw_kstr(w, "code", r->err.slug);
	jw_kstr(w, "message", r->err.message);
	if (r->err.field[0])
		jw_kstr(w, "field", r->err.field);
	else
		jw_knull(w, "field");
	jw_kstr(w, "request_id", r->id);
	if (r->err_key && r->err_json) {
		jw_key(w, r->err_key);
		jw_raw(w, r->err_json, strlen(r->err_json));
	}
	jw_obj_end(w);
	jw_obj_end(w);
}

/* Answers with the file a handler chose (a download). */
static enum MHD_Result send_file(struct req *r)
{
	struct stat st;
	if (fstat(r->file_fd, &st) != 0)
		return MHD_NO;
	struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, r->file_fd);
	r->file_fd = 0; /* the response owns it now */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->file_type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "Content-Disposition", r->file_disposition);
	return respond(r, MHD_HTTP_OK, resp);
}

/* Answers with r->out as JSON, or with the error body when r->err is set. */
static enum MHD_Result send_json(struct req *r)
{
	if (r->err.code == ERR_OK && r->file_fd > 0)
		return send_file(r);
	unsigned status = r->status ? (unsigned)r->status : MHD_HTTP_OK;
	if (r->err.code != ERR_OK) {
		status = (unsigned)err_http_status(r->err.code);
		write_error(r);
		if (status >= 500)
			log_error("request %s %s %s failed: %s (%s)", r->id, r->method, r->path,
			          r->err.slug, r->err.message);
	}
	/* the body lives in the arena until the request completes */
	struct MHD_Response *resp = MHD_create_response_from_buffer(
	    r->out.len, r->out.buf ? r->out.buf : (char *)"", MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        "application/json; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	for (int i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->hname[i], r->hvalue[i]);
	if (r->err.code == ERR_METHOD && r->match.allow[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->match.allow);
	return respond(r, status, resp);
}

static enum MHD_Result fail_now(struct req *r, enum err_code code, const char *fmt)
{
	err_set(&r->err, code, NULL, NULL, "%s", fmt ? fmt : "");
	return send_json(r);
}

static int is_write(const char *method)
{
	return strcmp(method, "GET") && strcmp(method, "HEAD");
}

/* Matches the route and checks the caller; for uploads this runs before the
 * body is read, so nobody can fill the disk without a login. 0 to go on. */
static int prepare(struct server *s, struct req *r)
{
	if (r->prepared)
		return r->err.code == ERR_OK ? 0 : -1;
	r->prepared = 1;
	enum router_result found = router_match(s->router, r->method, r->path, &r->match);
	if (found == ROUTER_NOT_FOUND)
		return err_set(&r->err, ERR_NOT_FOUND, NULL, NULL, "没有这个接口：%s", r->path);
	if (found == ROUTER_METHOD_NOT_ALLOWED)
		return err_set(&r->err, ERR_METHOD, NULL, NULL, "此接口不支持 %s 请求", r->method);
	const struct route *rt = r->match.route;
	if (!(rt->flags & ROUTE_NO_DB) && server_thread_db(s, &r->db, &r->err))
		return -1;
	if (!(rt->flags & ROUTE_PUBLIC)) {
		if (!s->hooks || !r->db)
			return err_set(&r->err, ERR_UNAUTHENTICATED, NULL, NULL, NULL);
		if (s->hooks->authorize(r, rt)) {
			if (r->err.code == ERR_FORBIDDEN && r->auth)
				s->hooks->audit(r, 0);
			return -1;
		}
	}
	return 0;
}

/* The shared steps of every API request, then the handler. */
static void dispatch(struct server *s, struct req *r)
{
	if (prepare(s, r))
		return;
	const struct route *rt = r->match.route;
	if (!(rt->flags & ROUTE_UPLOAD) && r->body_len > 0 &&
	    json_parse_body(r->body, r->body_len, &r->json, &r->err))
		return;
	int write = r->db && is_write(r->method) && !(rt->flags & ROUTE_NO_AUDIT);
	int tx = write && !(rt->flags & ROUTE_NO_TX);
	if (tx && db_begin(r->db, &r->err))
		return;
	int rc = rt->handler(r);
	if (rc != 0 && r->err.code == ERR_OK)
		err_set(&r->err, ERR_INTERNAL, NULL, NULL, NULL);
	if (rc == 0 && write && !r->audited && s->hooks && s->hooks->audit(r, 1))
		rc = -1;
	if (tx) {
		if (rc == 0)
			rc = db_commit(r->db, &r->err);
		else
			db_rollback(r->db);
	}
	if (rc != 0 && write && !r->audited && r->auth && s->hooks) {
		/* the failure is recorded even though the write is not */
		struct err keep = r->err;
		s->hooks->audit(r, 0);
		r->err = keep;
	}
}

/* Streams an upload into a file of its own under the data folder. */
static int upload_append(struct server *s, struct req *r, const char *data, size_t n)
{
	if (r->upload_size + n > s->upload_limit)
		return -1;
	if (r->upload_fd <= 0) {
		char *path = arena_printf(&r->arena, "%s/tmp/upload-XXXXXX", s->cfg->data_dir);
		r->upload_fd = mkstemp(path);
		if (r->upload_fd < 0) {
			log_error("cannot create %s: %s", path, strerror(errno));
			r->upload_fd = 0;
			return -1;
		}
		r->upload_path = path;
	}
	for (size_t off = 0; off < n;) {
		ssize_t w = write(r->upload_fd, data + off, n - off);
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	r->upload_size += n;
	return 0;
}

static int body_append(struct req *r, const char *data, size_t n, size_t limit)
{
	if (r->body_len + n > limit)
		return -1;
	if (r->body_len + n + 1 > r->body_cap) {
		size_t cap = r->body_cap ? r->body_cap : 4096;
		while (cap < r->body_len + n + 1)
			cap *= 2;
		char *nb = realloc(r->body, cap);
		if (!nb)
			return -1;
		r->body = nb;
		r->body_cap = cap;
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	(void)version;
	struct server *s = cls;
	struct req *r = *con_cls;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		*con_cls = r;
		arena_init(&r->arena);
		jw_init(&r->out, &r->arena);
		r->conn = conn;
		r->srv = s;
		r->start_ns = now_ns();
		r->method = method;
		r->path = url;
		atomic_fetch_add(&s->in_flight, 1);
		make_request_id(r);
		r->client_ip = client_ip(r, s->cfg->trust_proxy);
		if (strncmp(url, "/api/", 5) != 0 && strcmp(url, "/api") != 0) {
			if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
				strcpy(r->match.allow, "GET, HEAD");
				return fail_now(r, ERR_METHOD, "网页只支持 GET 请求");
			}
			return MHD_YES;
		}
		const char *cl =
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		size_t limit = s->body_limit;
		if (!prepare(s, r) && (r->match.route->flags & ROUTE_UPLOAD))
			limit = s->upload_limit;
		else if (r->err.code != ERR_OK && (!cl || strtoull(cl, NULL, 10) > 0))
			return send_json(r); /* refuse an upload before reading it */
		if (cl && strtoull(cl, NULL, 10) > limit)
			return fail_now(r, ERR_TOO_LARGE, NULL);
		return MHD_YES;
	}
	if (r->responded) {
		*upload_size = 0; /* the answer is out; discard the rest */
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		/* A chunked body has no length to refuse up front, and libmicrohttpd
		 * cannot answer in the middle of a body: discard the rest and answer
		 * 413 at its end, or hang up on a client that will not stop. */
		int upload_route = r->match.route && (r->match.route->flags & ROUTE_UPLOAD);
		if (r->discarded || (upload_route ? upload_append(s, r, upload, n)
		                                  : body_append(r, upload, n, s->body_limit))) {
			r->discarded += n;
			if (r->discarded > 4 * s->body_limit + s->upload_limit)
				return MHD_NO;
		}
		return MHD_YES;
	}
	if (r->discarded)
		return fail_now(r, ERR_TOO_LARGE, NULL);
	if (strncmp(url, "/api/", 5) != 0 && strcmp(url, "/api") != 0) {
		unsigned status;
		struct MHD_Response *resp = web_file_response(
		    s->cfg->web_root, url,
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match"), &status);
		if (!resp)
			return fail_now(r, ERR_NOT_FOUND, "页面不存在");
		return respond(r, status, resp);
	}
	dispatch(s, r);
	return send_json(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)conn;
	struct server *s = cls;
	struct req *r = *con_cls;
	if (!r)
		return;
	if (s->cfg->access_log)
		log_info("%s %s %d %lluus id=%s%s", r->method, r->path, r->status,
		         (unsigned long long)((now_ns() - r->start_ns) / 1000), r->id,
		         toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
	json_decref(r->json);
	free(r->body);
	if (r->upload_fd > 0)
		close(r->upload_fd);
	if (r->upload_path)
		unlink(r->upload_path); /* a handler that keeps the file moved it away */
	if (r->file_fd > 0)
		close(r->file_fd);
	arena_release(&r->arena);
	free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&s->in_flight, 1);
}

static void close_dbs(struct server *s)
{
	for (size_t i = 0; i < s->ndbs; i++)
		db_close(s->dbs[i]);
	free(s->dbs);
	s->dbs = NULL;
	s->ndbs = s->capdbs = 0;
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_warn("http: %s", msg);
}

int server_run(const struct config *c, const struct module *const *modules,
               const struct server_hooks *hooks)
{
	struct server s = {.cfg = c,
	                   .hooks = hooks,
	                   .body_limit = (size_t)c->body_limit_kb * 1024,
	                   .upload_limit = (size_t)c->upload_limit_mb * 1024 * 1024};
	char tmpdir[1024];
	snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", c->data_dir);
	mkdir(c->data_dir, 0700);
	mkdir(tmpdir, 0700);
	pthread_mutex_init(&s.dbs_lock, NULL);
	atomic_init(&s.in_flight, 0);
	s.router = router_new(modules);
	if (!s.router)
		return 1;

	struct sockaddr_in addr = {.sin_family = AF_INET,
	                           .sin_port = htons((uint16_t)c->listen_port)};
	if (inet_pton(AF_INET, c->listen_host, &addr.sin_addr) != 1) {
		log_error("--listen: \"%s\" is not an IPv4 address", c->listen_host);
		router_free(s.router);
		return 1;
	}

	/* Signals are taken by this thread alone (sigwait below); the server's
	 * threads inherit the blocked mask. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct MHD_Daemon *d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0,
	    NULL, NULL, on_request, &s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned)c->threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, &s,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)10000, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024, MHD_OPTION_END);
	if (!d) {
		log_error("cannot listen on %s: %s", c->listen, strerror(errno));
		router_free(s.router);
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = info ? info->port : (unsigned)c->listen_port;
	log_info("listening on http://%s:%u (%d threads, %zu routes)", c->listen_host, port,
	         c->threads, router_count(s.router));

	int sig = 0;
	sigwait(&sigs, &sig);
	log_info("%s received: finishing requests in flight",
	         sig == SIGTERM ? "SIGTERM" : "SIGINT");
	MHD_socket lfd = MHD_quiesce_daemon(d);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	uint64_t deadline = now_ns() + (uint64_t)c->shutdown_timeout * 1000000000ull;
	while (atomic_load(&s.in_flight) > 0 && now_ns() < deadline) {
		struct timespec ts = {0, 10 * 1000000};
		nanosleep(&ts, NULL);
	}
	if (atomic_load(&s.in_flight) > 0)
		log_warn("%d requests still running at the shutdown timeout",
		         atomic_load(&s.in_flight));
	MHD_stop_daemon(d);
	close_dbs(&s);
	router_free(s.router);
	pthread_mutex_destroy(&s.dbs_lock);
	log_info("stopped");
	return 0;
}
