/* Configuration: one table of options (name, type, default, limits,
 * environment variable, secret flag), read from GONGHUI_* environment
 * variables and then the command line, checked before anything starts.
 * Nothing else in the program calls getenv(). */
#ifndef GH_CONFIG_H
#define GH_CONFIG_H

#include <stdio.h>

struct config {
	const char *listen; /* "127.0.0.1:8080"; port 0 picks a free one */
	char listen_host[64];
	int listen_port;
	const char *db; /* "sqlite:var/gonghui.db" or "postgresql://…" */
	int threads;    /* 0 = one per core */
	const char *web_root;
	const char *secret_key_file;
	int body_limit_kb;
	int access_log;
	const char *log_level;
	int shutdown_timeout;
	int trust_proxy;
	int cookie_secure;
	int password_iterations;
	int lockout_threshold;
	int lockout_minutes;
	int cadre_idle_minutes;
	int cadre_session_hours;
	int worker_idle_days;
	int worker_session_days;
	int password_max_age_days;
	int mfa_cadres;
	int login_rate_per_minute;
	int register_rate_per_hour;
	const char *sms_driver;
	const char *sms_http_url;
	const char *sms_http_template;
	int demo;
	const char *data_dir;
	int upload_limit_mb;
	int sweep_seconds;
	int import_keep_days; /* reports of finished imports are removed after this */
	/* TrueType (or .ttc) font with CJK glyphs for printed PDFs */
	const char *pdf_font;
	int count;        /* gen-members: rows to write */
	const char *orgs; /* gen-members: comma-separated org ids, or "" */
	const char *org;  /* import: default org id for rows without one, or "" */
	int commit;       /* import: commit after validating */
	/* what is left of the command line after the options */
	int nargs;
	char **args;
};

/* Fills c from defaults, the environment and argv (argv[0] is the
 * subcommand's first word after `gonghui`). On a bad value writes a message
 * naming the option to msg and returns -1. Strings in c point into argv, the
 * environment or static storage. */
int config_load(struct config *c, int argc, char **argv, char *msg, size_t msglen);
void config_release(struct config *c);
void config_usage(FILE *out);
/* Prints the effective configuration, secrets masked (`gonghui config`). */
void config_print(const struct config *c, FILE *out);

#endif
