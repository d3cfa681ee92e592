/* Accounts: who can log in. Phone and 身份证号 are stored SM4-encrypted with
 * a keyed lookup hash; passwords as PBKDF2-HMAC-SM3. */
#ifndef GH_ACCOUNT_H
#define GH_ACCOUNT_H

#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"

struct account {
	int64_t id;
	const char *username, *real_name, *kind, *status, *password_hash;
	const char *phone, *id_card; /* decrypted, or NULL */
	int64_t password_changed_at, failed_logins, locked_until;
	int must_change_password, totp_enabled, is_demo;
	const char *totp_secret_enc, *totp_pending_enc;
};

struct account_new {
	const char *username;        /* NULL for workers */
	const char *real_name;       /* required */
	const char *kind;            /* "worker" or "cadre" */
	const char *phone, *id_card; /* either may be NULL */
	const char *password;
	int iterations;
	int must_change_password, is_demo;
	int64_t created_by;
	const char *notice_version; /* the accepted 个人信息保护告知, or NULL */
};

/* Inserts an account (in the caller's transaction). A phone, 身份证号 or
 * username already taken is ERR_CONFLICT naming the field. */
int account_create(struct db *d, struct err *e, const struct account_new *n, int64_t *id);
/* Loads by id into a (strings in arena a); ERR_NOT_FOUND when absent. */
int account_get(struct db *d, struct err *e, struct arena *a, int64_t id, struct account *out);
/* Finds the account a login name means: an 11-digit phone, an 18-character
 * 身份证号, or an account name. ERR_NOT_FOUND when none. */
int account_find_login(struct db *d, struct err *e, struct arena *a, const char *name,
                       struct account *out);
/* Sets a new password hash; clears must_change_password unless must_change. */
int account_set_password(struct db *d, struct err *e, int64_t id, const char *password,
                         int iterations, int must_change);
/* A cadre's password older than max_age_days must be changed before anything
 * else (demo accounts and workers excepted). */
int account_password_expired(const struct account *a, int max_age_days);
/* Locked by a security admin, or for a while after too many wrong passwords. */
int account_locked(const struct account *a);
/* The bindings' admin kinds held by id (三员分立), as a bit set: 1 sysadmin,
 * 2 secadmin, 4 auditor. */
int account_admin_kinds(struct db *d, struct err *e, int64_t id, int *kinds);

#endif
