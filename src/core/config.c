#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum opt_type { OPT_STR, OPT_INT, OPT_BOOL };

struct opt {
	const char *name; /* --name; env GONGHUI_NAME with '-' → '_' */
	enum opt_type type;
	const char *def;
	long min, max;
	int secret;
	size_t offset;
	const char *help;
};

#define OFF(f) offsetof(struct config, f)

static const struct opt opts[] = {
    {"listen", OPT_STR, "127.0.0.1:8080", 0, 0, 0, OFF(listen),
     "address and port to serve on (port 0 picks a free one)"},
    {"db", OPT_STR, "sqlite:var/gonghui.db", 0, 0, 1, OFF(db),
     "database: sqlite:PATH or postgresql://USER@HOST:PORT/NAME"},
    {"threads", OPT_INT, "0", 0, 256, 0, OFF(threads), "server threads, 0 = one per core"},
    {"web-root", OPT_STR, "web/dist", 0, 0, 0, OFF(web_root),
     "folder holding the built web apps (portal/ and admin/)"},
    {"secret-key-file", OPT_STR, "var/secret.key", 0, 0, 0, OFF(secret_key_file),
     "key file for encryption and signatures, outside the database"},
    {"body-limit-kb", OPT_INT, "1024", 1, 1048576, 0, OFF(body_limit_kb),
     "largest request body accepted, in KiB"},
    {"access-log", OPT_BOOL, "on", 0, 1, 0, OFF(access_log), "log every request (on/off)"},
    {"log-level", OPT_STR, "info", 0, 0, 0, OFF(log_level), "debug, info, warn or error"},
    {"shutdown-timeout", OPT_INT, "10", 0, 600, 0, OFF(shutdown_timeout),
     "seconds to let requests in flight finish on SIGTERM"},
    {"trust-proxy", OPT_BOOL, "off", 0, 1, 0, OFF(trust_proxy),
     "take the client address from X-Forwarded-For (behind nginx only)"},
    {"cookie-secure", OPT_BOOL, "off", 0, 1, 0, OFF(cookie_secure),
     "mark the session cookie Secure (serve over HTTPS)"},
    {"password-iterations", OPT_INT, "60000", 1000, 10000000, 0, OFF(password_iterations),
     "PBKDF2-HMAC-SM3 iterations for new password hashes"},
    {"lockout-threshold", OPT_INT, "5", 1, 100, 0, OFF(lockout_threshold),
     "failed logins in a row that lock an account"},
    {"lockout-minutes", OPT_INT, "15", 1, 1440, 0, OFF(lockout_minutes),
     "how long a locked account stays locked"},
    {"cadre-idle-minutes", OPT_INT, "30", 1, 1440, 0, OFF(cadre_idle_minutes),
     "a cadre's session ends after this long without a request"},
    {"cadre-session-hours", OPT_INT, "12", 1, 720, 0, OFF(cadre_session_hours),
     "a cadre's session ends this long after login, active or not"},
    {"worker-idle-days", OPT_INT, "7", 1, 365, 0, OFF(worker_idle_days),
     "a worker's session ends after this long without a request"},
    {"worker-session-days", OPT_INT, "30", 1, 365, 0, OFF(worker_session_days),
     "a worker's session ends this long after login"},
    {"password-max-age-days", OPT_INT, "90", 1, 3650, 0, OFF(password_max_age_days),
     "cadres must change their password this often"},
    {"mfa-cadres", OPT_BOOL, "off", 0, 1, 0, OFF(mfa_cadres),
     "require a second factor from every cadre, not only the admin roles"},
    {"login-rate-per-minute", OPT_INT, "20", 1, 100000, 0, OFF(login_rate_per_minute),
     "login attempts per client address, and per account name, per minute"},
    {"register-rate-per-hour", OPT_INT, "20", 1, 100000, 0, OFF(register_rate_per_hour),
     "registrations and SMS codes per client address per hour"},
    {"sms-driver", OPT_STR, "log", 0, 0, 0, OFF(sms_driver),
     "log (write codes to the log, for development) or http"},
    {"sms-http-url", OPT_STR, "", 0, 0, 1, OFF(sms_http_url),
     "http driver: the gateway URL that receives a POST"},
    {"sms-http-template", OPT_STR, "{\"phone\":\"{phone}\",\"text\":\"{text}\"}", 0, 0, 0,
     OFF(sms_http_template), "http driver: the JSON body, with {phone} and {text}"},
    {"demo", OPT_BOOL, "off", 0, 1, 0, OFF(demo), "seed: also load demo unions and accounts"},
    {"data-dir", OPT_STR, "var", 0, 0, 0, OFF(data_dir),
     "folder for uploads, imports and generated files (shared by every server process)"},
    {"upload-limit-mb", OPT_INT, "200", 1, 4096, 0, OFF(upload_limit_mb),
     "largest file accepted by an upload, in MiB"},
    {"sweep-seconds", OPT_INT, "60", 1, 3600, 0, OFF(sweep_seconds),
     "how often a server hands overdue applications to the upper union"},
    {"import-keep-days", OPT_INT, "7", 1, 3650, 0, OFF(import_keep_days),
     "days an import's error report is kept after the job finished"},
    {"pdf-font", OPT_STR, "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, 0, 0, OFF(pdf_font),
     "TrueType font (.ttf, or .ttc: its first face) with Chinese glyphs, embedded in printed PDFs"},
    {"count", OPT_INT, "1000", 1, 100000000, 0, OFF(count), "gen-members: rows to write"},
    {"orgs", OPT_STR, "", 0, 0, 0, OFF(orgs),
     "gen-members: comma-separated org ids to spread rows over (empty: leave 所属工会编号 blank)"},
    {"org", OPT_STR, "", 0, 0, 0, OFF(org),
     "import: the union (org id) for rows whose 所属工会编号 is blank"},
    {"commit", OPT_BOOL, "off", 0, 1, 0, OFF(commit),
     "import: after validating, import the good rows (off: validate only)"},
};

enum { NOPTS = sizeof(opts) / sizeof(opts[0]) };

static int set(struct config *c, const struct opt *o, const char *val, const char *from, char *msg,
               size_t msglen)
{
	void *field = (char *)c + o->offset;
	if (o->type == OPT_STR) {
		*(const char **)field = val;
		return 0;
	}
	if (o->type == OPT_BOOL) {
		int v;
		if (!strcmp(val, "on") || !strcmp(val, "true") || !strcmp(val, "1") ||
		    !strcmp(val, "yes"))
			v = 1;
		else if (!strcmp(val, "off") || !strcmp(val, "false") || !strcmp(val, "0") ||
		         !strcmp(val, "no"))
			v = 0;
		else {
			snprintf(msg, msglen, "%s --%s 应为 on 或 off（收到 \"%s\"）", from,
			         o->name, val);
			return -1;
		}
		*(int *)field = v;
		return 0;
	}
	char *end;
	errno = 0;
	long v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < o->min || v > o->max) {
		snprintf(msg, msglen, "%s --%s 应为 %ld 到 %ld 之间的整数（收到 \"%s\"）", from,
		         o->name, o->min, o->max, val);
		return -1;
	}
	*(int *)field = (int)v;
	return 0;
}

static const struct opt *find(const char *name, size_t len)
{
	for (int i = 0; i < NOPTS; i++)
		if (strlen(opts[i].name) == len && !strncmp(opts[i].name, name, len))
			return &opts[i];
	return NULL;
}

static int check(struct config *c, char *msg, size_t msglen)
{
	const char *colon = strrchr(c->listen, ':');
	char *end;
	long port = colon ? strtol(colon + 1, &end, 10) : -1;
	size_t hostlen = colon ? (size_t)(colon - c->listen) : 0;
	if (!colon || colon[1] == '\0' || *end || port < 0 || port > 65535 || hostlen == 0 ||
	    hostlen >= sizeof(c->listen_host)) {
		snprintf(msg, msglen, "--listen 应为 地址:端口，例如 127.0.0.1:8080（收到 \"%s\"）",
		         c->listen);
		return -1;
	}
	memcpy(c->listen_host, c->listen, hostlen);
	c->listen_host[hostlen] = '\0';
	c->listen_port = (int)port;
	if (strncmp(c->db, "sqlite:", 7) && strncmp(c->db, "postgresql://", 13) &&
	    strncmp(c->db, "postgres://", 11)) {
		snprintf(msg, msglen, "--db 应以 sqlite: 或 postgresql:// 开头（收到 \"%.40s\"）",
		         c->db);
		return -1;
	}
	if (!strncmp(c->db, "sqlite:", 7) && c->db[7] == '\0') {
		snprintf(msg, msglen, "--db sqlite: 后面应写数据库文件路径");
		return -1;
	}
	static const char *levels[] = {"debug", "info", "warn", "error"};
	int ok = 0;
	for (int i = 0; i < 4; i++)
		ok |= !strcmp(c->log_level, levels[i]);
	if (!ok) {
		snprintf(msg, msglen, "--log-level 应为 debug、info、warn 或 error（收到 \"%s\"）",
		         c->log_level);
		return -1;
	}
	if (strcmp(c->sms_driver, "log") && strcmp(c->sms_driver, "http")) {
		snprintf(msg, msglen, "--sms-driver 应为 log 或 http（收到 \"%s\"）",
		         c->sms_driver);
		return -1;
	}
	if (!strcmp(c->sms_driver, "http") && strncmp(c->sms_http_url, "http", 4)) {
		snprintf(msg, msglen,
		         "--sms-driver http 需要 --sms-http-url（http:// 或 https:// 地址）");
		return -1;
	}
	if (c->threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		c->threads = n > 0 ? (int)n : 1;
	}
	return 0;
}

int config_load(struct config *c, int argc, char **argv, char *msg, size_t msglen)
{
	memset(c, 0, sizeof(*c));
	c->args = calloc((size_t)argc + 1, sizeof(char *));
	for (int i = 0; i < NOPTS; i++) {
		char env[64] = "GONGHUI_";
		size_t n = strlen(env);
		for (const char *p = opts[i].name; *p && n < sizeof(env) - 1; p++)
			env[n++] = *p == '-' ? '_' : (char)(*p - 'a' + 'A');
		env[n] = '\0';
		const char *v = getenv(env);
		char from[80];
		snprintf(from, sizeof(from), "环境变量 %s：", env);
		if (set(c, &opts[i], opts[i].def, "", msg, msglen) ||
		    (v && set(c, &opts[i], v, from, msg, msglen)))
			return -1;
	}
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			c->args[c->nargs++] = argv[i];
			continue;
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		const struct opt *o = find(name, eq ? (size_t)(eq - name) : strlen(name));
		if (!o) {
			snprintf(msg, msglen, "未知选项 %s（gonghui help 列出全部选项）", a);
			return -1;
		}
		const char *val = eq ? eq + 1 : NULL;
		if (!val) {
			if (o->type == OPT_BOOL &&
			    (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0))
				val = "on";
			else if (i + 1 < argc)
				val = argv[++i];
			else {
				snprintf(msg, msglen, "选项 --%s 缺少取值", o->name);
				return -1;
			}
		}
		if (set(c, o, val, "", msg, msglen))
			return -1;
	}
	return check(c, msg, msglen);
}

void config_release(struct config *c)
{
	free(c->args);
	c->args = NULL;
	c->nargs = 0;
}

void config_usage(FILE *out)
{
	fputs("options (each also as environment variable GONGHUI_NAME):\n", out);
	for (int i = 0; i < NOPTS; i++)
		fprintf(out, "  --%-18s %s (default %s)\n", opts[i].name, opts[i].help,
		        opts[i].def);
}

void config_print(const struct config *c, FILE *out)
{
	for (int i = 0; i < NOPTS; i++) {
		const void *field = (const char *)c + opts[i].offset;
		fprintf(out, "%s = ", opts[i].name);
		if (opts[i].type == OPT_STR) {
			const char *s = *(const char *const *)field;
			/* URLs may carry passwords or tokens: show only the scheme */
			if (opts[i].secret && *s)
				fprintf(out, "%.*s***\n",
				        (int)(strstr(s, "//") ? strstr(s, "//") - s + 2 : 0), s);
			else
				fprintf(out, "%s\n", s);
		} else if (opts[i].type == OPT_BOOL) {
			fprintf(out, "%s\n", *(const int *)field ? "on" : "off");
		} else {
			fprintf(out, "%d\n", *(const int *)field);
		}
	}
}
